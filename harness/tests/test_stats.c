// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the JSON reader and the statistics.  The expected
 * statistics come from exact enumeration (Python fractions), not from
 * this code.
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "stats.h"
#include "cli.h"
#include "kselftest_harness.h"

/* A check inside a test: the test fails, the others still run. */
#define CHECK(cond) EXPECT_TRUE(!!(cond))


/* |got - want| within tol, relative to want (absolute near 0). */
static bool near(double got, double want, double tol)
{
	return fabs(got - want) <= tol * fmax(1, fabs(want));
}

static bool rel_near(double got, double want, double rel)
{
	return fabs(got - want) <= rel * fabs(want);
}

/* Parse text expecting an error with exactly this message. */
static bool parse_fails(const char *text, const char *want)
{
	char *err = NULL;
	struct jval *v = json_parse(text, &err);
	bool ok = !v && err && !strcmp(err, want);

	if (!ok)
		printf("# parse of \"%s\": want \"%s\", got \"%s\"\n", text, want,
		       v ? "(a value)" : err ? err : "(no message)");
	json_free(v);
	free(err);
	return ok;
}

/* Parse text expecting a single string, compared with want. */
static bool parses_to_str(const char *text, const char *want)
{
	char *err = NULL;
	struct jval *v = json_parse(text, &err);
	bool ok = v && v->t == J_STR && !strcmp(v->str, want);

	if (!ok)
		printf("# parse of %s: %s\n", text, err ? err : "wrong string");
	json_free(v);
	free(err);
	return ok;
}

static bool parses_to_num(const char *text, double want)
{
	struct jval *v = json_parse(text, NULL);
	bool ok = v && v->t == J_NUM && v->num == want;

	json_free(v);
	return ok;
}

TEST(json_values_of_every_type_parse)
{
	const char *doc = " {\"a\": [1, -2.5e3, {\"b\": true, \"c\": null}],\n"
			  "\t\"d\": {\"e\": \"x\"}, \"f\": false, \"g\": [], \"h\": {},\r\n"
			  "  \"i\": \"\", \"j\": [[[]]]} \n";
	const struct jval *a, *d, *g;
	char *err = NULL;
	struct jval *v = json_parse(doc, &err);

	CHECK(v && !err && v->t == J_OBJ && v->n == 7);
	if (!v || v->n != 7)
		return;
	CHECK(!strcmp(v->keys[0], "a") && !strcmp(v->keys[6], "j"));
	a = json_get(v, "a");
	CHECK(a && a->t == J_ARR && a->n == 3);
	CHECK(a->items[0]->t == J_NUM && a->items[0]->num == 1);
	CHECK(a->items[1]->t == J_NUM && a->items[1]->num == -2500);
	CHECK(json_get_bool(a->items[2], "b", false));
	CHECK(json_get(a->items[2], "c") && json_get(a->items[2], "c")->t == J_NULL);
	d = json_get(v, "d");
	CHECK(!strcmp(json_get_str(d, "e", "?"), "x"));
	CHECK(json_get(v, "f")->t == J_BOOL && !json_get(v, "f")->b);
	g = json_get(v, "g");
	CHECK(g && g->t == J_ARR && g->n == 0 && !g->items);
	CHECK(json_get(v, "h")->t == J_OBJ && json_get(v, "h")->n == 0);
	CHECK(!strcmp(json_get_str(v, "i", "?"), ""));
	CHECK(json_get(v, "j")->items[0]->items[0]->n == 0);
	json_free(v);

	v = json_parse("[]", NULL);
	CHECK(v && v->t == J_ARR && v->n == 0);
	json_free(v);
	v = json_parse("{}", NULL);
	CHECK(v && v->t == J_OBJ && v->n == 0);
	json_free(v);
	v = json_parse("null", NULL);
	CHECK(v && v->t == J_NULL);
	json_free(v);
	v = json_parse(" true ", NULL);
	CHECK(v && v->t == J_BOOL && v->b);
	json_free(v);
}

TEST(json_strings_decode_escapes_and_utf8)
{
	CHECK(parses_to_str("\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\"", "\" \\ / \b \f \n \r \t"));
	CHECK(parses_to_str("\"\\u0041\\u00e9\\u20AC\"", "A\xc3\xa9\xe2\x82\xac"));
	/* U+1F600 as a surrogate pair, and U+10FFFF, the last code point. */
	CHECK(parses_to_str("\"\\ud83d\\uDE00\"", "\xf0\x9f\x98\x80"));
	CHECK(parses_to_str("\"\\udbff\\udfff\"", "\xf4\x8f\xbf\xbf"));
	/* Raw UTF-8 passes through, DEL is not a control character in JSON. */
	CHECK(parses_to_str("\"h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\x7f\"",
			    "h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\x7f"));
	CHECK(parses_to_str("\"\"", ""));
}

TEST(json_numbers_parse_as_rfc_8259_says)
{
	CHECK(parses_to_num("0", 0));
	CHECK(parses_to_num("-0", 0));
	CHECK(parses_to_num("-12.75", -12.75));
	CHECK(parses_to_num("1e3", 1000));
	CHECK(parses_to_num("1E+3", 1000));
	CHECK(parses_to_num("2.5e-3", 0.0025));
	CHECK(parses_to_num("-0.5E2", -50));
	CHECK(parses_to_num("123456789012", 123456789012.0));
	CHECK(parses_to_num("1e-400", 0));	/* underflow is just 0 */
}

TEST(bad_json_is_refused_with_line_and_column)
{
	char deep[600];
	struct jval *v;

	CHECK(parse_fails("", "line 1, column 1: unexpected end of input"));
	CHECK(parse_fails("  \n ", "line 2, column 2: unexpected end of input"));
	CHECK(parse_fails("1 2", "line 1, column 3: trailing characters after the document"));
	CHECK(parse_fails("{} x", "line 1, column 4: trailing characters after the document"));
	CHECK(parse_fails("truex", "line 1, column 5: trailing characters after the document"));
	CHECK(parse_fails("[1, 2", "line 1, column 1: unterminated array"));
	CHECK(parse_fails("[[1],\n [2,", "line 2, column 2: unterminated array"));
	CHECK(parse_fails("{\n  \"a\": 1,\n  \"b\": 2\n", "line 1, column 1: unterminated object"));
	CHECK(parse_fails("{\"a\"", "line 1, column 1: unterminated object"));
	CHECK(parse_fails("{\"a\":", "line 1, column 1: unterminated object"));
	CHECK(parse_fails("[\"abc", "line 1, column 2: unterminated string"));
	CHECK(parse_fails("\"ab\\", "line 1, column 1: unterminated string"));
	CHECK(parse_fails("[\"a\\qb\"]", "line 1, column 4: invalid escape '\\q'"));
	CHECK(parse_fails("\"\\\x01\"", "line 1, column 2: invalid escape: backslash, byte 0x01"));
	CHECK(parse_fails("\"a\tb\"", "line 1, column 3: control character 0x09 in string"));
	CHECK(parse_fails("\"a\nb\"", "line 1, column 3: control character 0x0a in string"));
	CHECK(parse_fails("\"\\u12G4\"", "line 1, column 2: invalid \\u escape (want 4 hex digits)"));
	CHECK(parse_fails("\"\\u12\"", "line 1, column 2: invalid \\u escape (want 4 hex digits)"));
	CHECK(parse_fails("\"\\ud800\"", "line 1, column 2: unpaired surrogate \\ud800"));
	CHECK(parse_fails("\"\\ud800\\u0041\"", "line 1, column 2: unpaired surrogate \\ud800"));
	CHECK(parse_fails("\"x\\udc00\"", "line 1, column 3: unpaired surrogate \\udc00"));
	CHECK(parse_fails("\"\\u0000\"", "line 1, column 2: \\u0000 is not supported"));
	CHECK(parse_fails("\"\xff\"", "line 1, column 2: invalid utf-8 in string"));
	CHECK(parse_fails("\"\xc0\xaf\"", "line 1, column 2: invalid utf-8 in string"));	/* overlong '/' */
	CHECK(parse_fails("\"\xed\xa0\x80\"", "line 1, column 2: invalid utf-8 in string"));	/* a surrogate */
	CHECK(parse_fails("\"\xe2\x82\"", "line 1, column 2: invalid utf-8 in string"));	/* truncated */
	CHECK(parse_fails("[01]", "line 1, column 2: leading zero in number"));
	CHECK(parse_fails("-007", "line 1, column 1: leading zero in number"));
	CHECK(parse_fails("1.", "line 1, column 1: invalid number"));
	CHECK(parse_fails("[-]", "line 1, column 2: invalid number"));
	CHECK(parse_fails("1e+", "line 1, column 1: invalid number"));
	CHECK(parse_fails(".5", "line 1, column 1: unexpected '.'"));
	CHECK(parse_fails("+1", "line 1, column 1: unexpected '+'"));
	CHECK(parse_fails("1e999", "line 1, column 1: number out of range"));
	CHECK(parse_fails("tru", "line 1, column 1: invalid literal (want true, false or null)"));
	CHECK(parse_fails("[nul]", "line 1, column 2: invalid literal (want true, false or null)"));
	CHECK(parse_fails("[1,]", "line 1, column 4: trailing comma in array"));
	CHECK(parse_fails("{\"a\":1,}", "line 1, column 8: trailing comma in object"));
	CHECK(parse_fails("{\"a\" 1}", "line 1, column 6: expected ':' after key, got '1'"));
	CHECK(parse_fails("{1:2}", "line 1, column 2: expected string key in object, got '1'"));
	CHECK(parse_fails("[1 2]", "line 1, column 4: expected ',' or ']' in array, got '2'"));
	CHECK(parse_fails("{\"a\":1 \"b\":2}",
			  "line 1, column 8: expected ',' or '}' in object, got '\"'"));
	CHECK(parse_fails("{\n  \"a\": [1,\n    2,, 3]\n}", "line 3, column 7: unexpected ','"));
	CHECK(parse_fails("[1,\x01]", "line 1, column 4: unexpected byte 0x01"));
	CHECK(parse_fails("\xef\xbb\xbf{}", "line 1, column 1: unexpected byte 0xef"));
	/* Columns count characters: the e-acute is one. */
	CHECK(parse_fails("[\"\xc3\xa9\", x]", "line 1, column 7: unexpected 'x'"));

	/* 256 levels parse, the 257th bracket is refused where it stands. */
	memset(deep, '[', 256);
	memset(deep + 256, ']', 256);
	deep[512] = '\0';
	v = json_parse(deep, NULL);
	CHECK(v != NULL);
	json_free(v);
	memset(deep, '[', 257);
	memset(deep + 257, ']', 257);
	deep[514] = '\0';
	CHECK(parse_fails(deep, "line 1, column 257: nesting deeper than 256"));
	CHECK(json_parse("{\"a\":", NULL) == NULL);	/* err may be NULL */
}

TEST(json_getters_fall_back_on_absent_or_mistyped_members)
{
	struct jval *v = json_parse("{\"a\": 1, \"s\": \"x\", \"a\": 2, \"b\": true, \"n\": null}", NULL);

	CHECK(v && v->n == 5);
	/* Duplicates are all kept; lookups see the last. */
	CHECK(json_get(v, "a") && json_get(v, "a")->num == 2);
	CHECK(json_get_num(v, "a", -1) == 2);
	CHECK(json_get_num(v, "s", -1) == -1);
	CHECK(json_get_num(v, "zz", 7.5) == 7.5);
	CHECK(!strcmp(json_get_str(v, "s", "d"), "x"));
	CHECK(!strcmp(json_get_str(v, "a", "d"), "d"));
	CHECK(json_get_str(v, "n", NULL) == NULL);
	CHECK(json_get_bool(v, "b", false));
	CHECK(json_get_bool(v, "a", true));
	CHECK(!json_get_bool(v, "missing", false));
	CHECK(json_get(v, "n") && json_get(v, "n")->t == J_NULL);
	CHECK(!json_get(v, "A"));
	CHECK(!json_get(NULL, "a"));
	CHECK(!json_get(json_get(v, "s"), "a"));	/* not an object */
	CHECK(json_get_num(NULL, "a", 3) == 3);
	json_free(v);
	v = json_parse("[{\"a\": 1}]", NULL);
	CHECK(v && !json_get(v, "a"));			/* arrays have no keys */
	json_free(v);
}

/* Writer output reads back. */
TEST(json_written_reads_back_the_same)
{
	struct buf b = { 0 };
	struct jval *v;

	buf_puts(&b, "{");
	json_kv_str(&b, true, "s", "tab\there \"q\" \\ \x01 \xc3\xa9");
	json_kv_int(&b, false, "i", -42);
	json_kv_num(&b, false, "x", 1.25);
	json_kv_bool(&b, false, "b", true);
	json_kv_str(&b, false, "z", NULL);
	buf_puts(&b, "}");
	v = json_parse(b.data, NULL);
	CHECK(v && !strcmp(json_get_str(v, "s", ""), "tab\there \"q\" \\ \x01 \xc3\xa9"));
	CHECK(json_get_num(v, "i", 0) == -42 && json_get_num(v, "x", 0) == 1.25);
	CHECK(json_get_bool(v, "b", false) && json_get(v, "z")->t == J_NULL);
	json_free(v);
	buf_free(&b);
}

static bool wilson_is(long k, long n, double lo, double hi)
{
	double l, h;

	wilson_interval(k, n, 1.96, &l, &h);
	return near(l, lo, 1e-6) && near(h, hi, 1e-6);
}

TEST(wilson_intervals_match_the_reference_values)
{
	double lo, hi;

	CHECK(wilson_is(0, 10, 0, 0.277540));
	CHECK(wilson_is(5, 10, 0.236590, 0.763410));
	CHECK(wilson_is(81, 263, 0.255288, 0.366211));
	CHECK(wilson_is(10, 10, 0.722460, 1));
	CHECK(wilson_is(1, 1, 0.206543, 1));
	CHECK(wilson_is(0, 1, 0, 0.793457));
	CHECK(wilson_is(3, 1000, 0.001021, 0.008783));
	CHECK(wilson_is(0, 0, 0, 1));
	wilson_interval(0, 10, 1.96, &lo, &hi);
	CHECK(lo == 0);			/* exactly, not a rounding crumb */
	wilson_interval(10, 10, 1.96, &lo, &hi);
	CHECK(hi == 1);
	/* z = 0 collapses to the point estimate. */
	wilson_interval(3, 12, 0, &lo, &hi);
	CHECK(near(lo, 0.25, 1e-12) && near(hi, 0.25, 1e-12));
}

TEST(fisher_exact_test_matches_the_reference_values)
{
	CHECK(rel_near(fisher_two_sided(3, 10, 0, 10), 0.2105263158, 1e-6));
	CHECK(rel_near(fisher_two_sided(10, 20, 2, 20), 0.01381414785, 1e-6));
	CHECK(rel_near(fisher_two_sided(0, 200, 5, 200), 0.06093950241, 1e-6));
	CHECK(rel_near(fisher_two_sided(5, 200, 0, 200), 0.06093950241, 1e-6));
	CHECK(rel_near(fisher_two_sided(7, 12, 1, 9), 0.06687306502, 1e-6));
	CHECK(rel_near(fisher_two_sided(1, 2, 0, 3), 0.4, 1e-6));
	CHECK(rel_near(fisher_two_sided(50, 100, 35, 100), 0.04493200011, 1e-6));
	CHECK(rel_near(fisher_two_sided(2, 30, 9, 30), 0.04190011891, 1e-6));
	CHECK(rel_near(fisher_two_sided(0, 5, 5, 5), 0.007936507937, 1e-6));
	CHECK(rel_near(fisher_two_sided(30, 1000, 10, 1000), 0.002008333562, 1e-6));
	CHECK(rel_near(fisher_two_sided(12, 40, 3, 37), 0.02087846058, 1e-6));
	/* Large n: lgamma keeps the logs finite. */
	CHECK(rel_near(fisher_two_sided(500, 100000, 430, 100000), 0.02328573991, 1e-5));
	CHECK(rel_near(fisher_two_sided(1000, 1000000, 900, 1000000), 0.02304366995, 1e-5));
	CHECK(rel_near(fisher_two_sided(0, 1000000, 7, 1000000), 0.01562483594, 1e-5));
	CHECK(rel_near(fisher_two_sided(1000, 1000000, 1000, 1000000), 1, 1e-9));
	/* Identical tables, degenerate margins, empty rows. */
	CHECK(fisher_two_sided(4, 10, 4, 10) == 1);
	CHECK(fisher_two_sided(0, 10, 0, 10) == 1);
	CHECK(fisher_two_sided(10, 10, 10, 10) == 1);
	CHECK(fisher_two_sided(0, 0, 3, 10) == 1);
	CHECK(fisher_two_sided(3, 10, 0, 0) == 1);
	/* Swapping the kernels or hits with misses changes nothing. */
	CHECK(rel_near(fisher_two_sided(9, 30, 2, 30), fisher_two_sided(21, 30, 28, 30), 1e-9));
	CHECK(rel_near(fisher_two_sided(12, 40, 3, 37), fisher_two_sided(3, 37, 12, 40), 1e-9));
}

TEST(runs_to_decide_matches_exact_enumeration)
{
	double t0;

	/* Values from the same search run over exact Python arithmetic. */
	CHECK(runs_to_decide(5, 200, 0, 200, 0.05, 1000000) == 20);
	CHECK(runs_to_decide(0, 200, 5, 200, 0.05, 1000000) == 20);
	CHECK(runs_to_decide(1, 10, 0, 10, 0.05, 1000000) == 45);
	CHECK(runs_to_decide(3, 10, 1, 10, 0.05, 1000000) == 29);
	CHECK(runs_to_decide(2, 50, 0, 40, 0.05, 1000000) == 88);
	/*
	 * Rounded hits make p jagged in m: a linear scan first decides at
	 * 290 more runs; bisection lands on another crossing.
	 */
	CHECK(runs_to_decide(10, 200, 5, 200, 0.05, 1000000) == 310);
	CHECK(fisher_two_sided(25, 490, 12, 490) < 0.05);
	CHECK(fisher_two_sided(26, 510, 13, 510) < 0.05);
	CHECK(fisher_two_sided(25, 509, 13, 509) >= 0.05);
	CHECK(runs_to_decide(3, 1000, 0, 1000, 0.05, 1000000) == 834);
	/* 5500 runs per kernel decide, a cap of 5000 does not. */
	CHECK(runs_to_decide(1, 1000, 0, 1000, 0.05, 1000000) == 4500);
	CHECK(runs_to_decide(1, 1000, 0, 1000, 0.05, 5000) == -1);
	CHECK(runs_to_decide(1, 1000, 0, 1000, 0.05, 5500) == 4500);
	/* Equal rates never decide; already significant needs nothing. */
	CHECK(runs_to_decide(3, 10, 3, 10, 0.05, 1000000) == -1);
	CHECK(runs_to_decide(3, 10, 6, 20, 0.05, 1000000) == -1);
	CHECK(runs_to_decide(10, 20, 2, 20, 0.05, 1000000) == 0);
	CHECK(runs_to_decide(0, 0, 2, 20, 0.05, 1000000) == -1);
	CHECK(runs_to_decide(1, 10, 0, 10, 0.05, 10) == -1);
	/* Fast at a million runs: about 40 tests of ~10^4 terms each. */
	t0 = now_monotonic();
	CHECK(runs_to_decide(1, 100000, 0, 100000, 0.05, 1000000) == 450000);
	CHECK(runs_to_decide(1, 100000, 0, 100000, 0.05, 500000) == -1);
	CHECK(now_monotonic() - t0 < 10);
}

TEST_HARNESS_MAIN
