// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of what krepro adds to libjansson (json.h) and of the
 * store's checks on a run.json it reads.  jansson's own parsing is
 * jansson's to test.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "store.h"
#include "util.h"
#include "kselftest_harness.h"

/* A check inside a test: the test fails, the others still run. */
#define CHECK(cond) EXPECT_TRUE(!!(cond))

/* v on one line, without the newline; v is released. */
static char *line_of(json_t *v)
{
	json_t *wrap = json_pack("[o]", v);
	char *text = jdump(wrap, 0);

	text[strlen(text) - 1] = '\0';
	return text;
}

static bool writes_as(json_t *v, const char *want)
{
	char *got = line_of(v);
	bool ok = !strcmp(got, want);

	if (!ok)
		printf("# want %s, got %s\n", want, got);
	free(got);
	return ok;
}

TEST(strings_are_written_as_utf8_whatever_bytes_they_held)
{
	CHECK(writes_as(jstr(NULL), "[null]"));
	CHECK(writes_as(jstr(""), "[\"\"]"));
	CHECK(writes_as(jstr("tab\there \"q\" \\ \x01 \xc3\xa9"),
			"[\"tab\\there \\\"q\\\" \\\\ \\u0001 \xc3\xa9\"]"));
	/* A stray byte and a truncated sequence each become U+FFFD. */
	CHECK(writes_as(jstr("a\xff" "b\xe2\x82"), "[\"a\xef\xbf\xbd" "b\xef\xbf\xbd\xef\xbf\xbd\"]"));
	CHECK(writes_as(jstr("\xed\xa0\x80"), "[\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"]"));
}

TEST(numbers_are_written_as_their_format_shows_them)
{
	CHECK(writes_as(jreal("%.3f", 1.23456), "[1.235]"));
	CHECK(writes_as(jreal("%.3f", 0.1), "[0.1]"));
	CHECK(writes_as(jreal("%.3f", 12345.0), "[12345.0]"));
	CHECK(writes_as(jreal("%.4f", 0.02775403), "[0.0278]"));
	CHECK(writes_as(jreal("%.6g", 0.06093950241), "[0.0609395]"));
	CHECK(writes_as(jreal("%.6g", 5.738312e-11), "[5.73831e-11]"));
	CHECK(writes_as(jreal("%.3f", 0.0 / 0.0), "[null]"));
	CHECK(writes_as(jreal("%.3f", 1.0 / 0.0), "[null]"));
}

TEST(documents_keep_their_key_order_and_end_in_a_newline)
{
	json_t *doc = json_pack("{s:i, s:[b, n], s:{}}", "b", 1, "a", 1, "c");
	char *text;

	text = jdump(json_incref(doc), 0);
	CHECK(!strcmp(text, "{\"b\":1,\"a\":[true,null],\"c\":{}}\n"));
	free(text);
	text = jdump(doc, 2);
	CHECK(!strcmp(text, "{\n  \"b\": 1,\n  \"a\": [\n    true,\n    null\n  ],\n"
			    "  \"c\": {}\n}\n"));
	free(text);
}

TEST(a_parse_error_is_one_line_with_line_and_column)
{
	const char *cut = "{\n  \"a\": [1,\n    2, \"x";
	char *why = NULL;

	CHECK(!jparse(cut, strlen(cut), &why));
	CHECK(why && !strncmp(why, "line 3, column ", 15) && !strchr(why, '\n'));
	free(why);
	why = NULL;
	/* jansson quotes the byte it stopped at, even a control byte. */
	CHECK(!jparse("[1,\x0b]", 5, &why));
	CHECK(why && !strcmp(why, "line 1, column 4: invalid token near '?'"));
	free(why);
	why = NULL;
	/* A NUL inside the text is seen, not taken for its end. */
	CHECK(!jparse("[1]\0[2]", 7, &why));
	free(why);
}

TEST(getters_fall_back_on_absent_or_mistyped_members)
{
	const char *text = "{\"a\": 1, \"s\": \"x\", \"a\": 2.5, \"b\": true, \"n\": null}";
	char *why = NULL;
	json_t *v = jparse(text, strlen(text), &why);

	CHECK(v && !why);
	CHECK(jget_num(v, "a", -1) == 2.5);	/* the last of duplicated keys */
	CHECK(jget_num(v, "s", -1) == -1);
	CHECK(jget_num(v, "zz", 7.5) == 7.5);
	CHECK(!strcmp(jget_str(v, "s", "d"), "x"));
	CHECK(!strcmp(jget_str(v, "a", "d"), "d"));
	CHECK(jget_str(v, "n", NULL) == NULL);
	CHECK(jget_bool(v, "b", false));
	CHECK(jget_bool(v, "a", true));
	CHECK(jget_num(NULL, "a", 3) == 3);
	CHECK(jget_num(json_object_get(v, "s"), "a", 4) == 4);	/* not an object */
	json_decref(v);
}

/* store_load of text written to a temporary file: NULL, or its reason. */
static char *load_problem(const char *text)
{
	char path[] = "/tmp/krepro-unit-json.XXXXXX", *why = NULL;
	int fd = mkstemp(path);
	json_t *root;

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		return xstrdup("(cannot write the test file)");
	close(fd);
	root = store_load(path, &why);
	unlink(path);
	if (root && why)
		return xstrdup("(a document and a reason)");
	json_decref(root);
	return why;
}

static bool refused_with(const char *text, const char *want)
{
	char *why = load_problem(text);
	bool ok = why && !strcmp(why, want);

	if (!ok)
		printf("# %s\n#   want \"%s\", got \"%s\"\n", text, want, why ? why : "(loaded)");
	free(why);
	return ok;
}

#define RUN_HEAD "{\"schema\": \"krepro-run\", \"version\": \"1.3\", "
#define ONE_KERNEL "\"kernels\": [{\"spec\": \"host\"}], "
/* A run of one subtest with the given members after its name. */
#define RUN_WITH_SUBTEST(members) RUN_HEAD ONE_KERNEL "\"results\": [{\"kernel\": \"host\", " \
	"\"case\": \"c\", \"subtests\": [{\"name\": \"t\", " members "}]}]}"

TEST(the_store_reads_a_run_that_holds_what_readers_need)
{
	char *why = load_problem(RUN_WITH_SUBTEST("\"kind\": \"hazard\", \"outcome\": \"pass\", "
						  "\"k\": 3, \"n\": 20, \"future\": [1]"));

	CHECK(why == NULL);
	free(why);
	why = load_problem(RUN_HEAD "\"shard\": {\"index\": 2, \"count\": 2}, "
			   "\"kernels\": [], \"results\": []}");
	CHECK(why == NULL);
	free(why);
}

TEST(the_store_refuses_a_run_without_what_readers_need_in_one_line)
{
	CHECK(refused_with("[]", "not a JSON object"));
	CHECK(refused_with("{\"schema\": \"other\"}",
			   "not a krepro run (schema is not \"krepro-run\")"));
	CHECK(refused_with("{\"schema\": \"krepro-run\"}", "no schema version"));
	CHECK(refused_with("{\"schema\": \"krepro-run\", \"version\": \"x\"}",
			   "bad schema version 'x'"));
	CHECK(refused_with("{\"schema\": \"krepro-run\", \"version\": \"2.0\"}",
			   "schema version 2.0 is not supported (this krepro reads 1.x)"));
	CHECK(refused_with(RUN_HEAD "\"kernels\": []}", "no kernels or results array"));
	CHECK(refused_with(RUN_HEAD "\"kernels\": [{}], \"results\": []}",
			   "a kernel has no string \"spec\""));
	CHECK(refused_with(RUN_HEAD ONE_KERNEL "\"results\": [{\"kernel\": \"x\", \"case\": \"c\"}]}",
			   "result for kernel x, which is not in kernels"));
	CHECK(refused_with(RUN_HEAD ONE_KERNEL "\"results\": [{\"kernel\": \"host\", \"case\": 1}]}",
			   "a result has no string \"case\""));
	CHECK(refused_with(RUN_HEAD ONE_KERNEL "\"results\": [{\"kernel\": \"host\", \"case\": \"c\"}]}",
			   "result c on host has no subtests array"));
	CHECK(refused_with(RUN_WITH_SUBTEST("\"kind\": \"hazard\""),
			   "a subtest has no string \"outcome\""));
	CHECK(refused_with(RUN_WITH_SUBTEST("\"kind\": \"risk\", \"outcome\": \"pass\""),
			   "subtest t has an unknown kind"));
	CHECK(refused_with(RUN_WITH_SUBTEST("\"kind\": \"hazard\", \"outcome\": \"won\""),
			   "subtest t has an unknown outcome"));
	CHECK(refused_with(RUN_WITH_SUBTEST("\"kind\": \"hazard\", \"outcome\": \"pass\", "
					    "\"k\": 3, \"n\": 2"), "subtest t has k=3 n=2"));
	CHECK(refused_with(RUN_WITH_SUBTEST("\"kind\": \"hazard\", \"outcome\": \"pass\", "
					    "\"runs\": 1e300"), "subtest t has a bad \"runs\""));
	CHECK(refused_with(RUN_WITH_SUBTEST("\"kind\": \"hazard\", \"outcome\": \"pass\", "
					    "\"n\": -1"), "subtest t has a bad \"n\""));
	CHECK(refused_with(RUN_HEAD "\"shard\": {\"index\": 3, \"count\": 2}, "
			   "\"kernels\": [], \"results\": []}", "bad shard 3/2"));
	CHECK(refused_with(RUN_HEAD "\"shard\": {\"index\": 1, \"count\": 1e6}, "
			   "\"kernels\": [], \"results\": []}", "bad shard 1/1e+06"));
	/* A name from the file cannot break the message over two lines. */
	CHECK(refused_with(RUN_HEAD "\"kernels\": [], \"results\": [{\"kernel\": \"a\\nb\", "
			   "\"case\": \"c\"}]}", "result for kernel a?b, which is not in kernels"));
	CHECK(refused_with(RUN_HEAD "\"kernels\": [], \"res",
			   "line 1, column 62: premature end of input near '\"res'"));
}

TEST(a_missing_run_json_says_why)
{
	char *why = NULL;

	CHECK(!store_load("/nonexistent/krepro/run.json", &why));
	CHECK(why && !strcmp(why, "No such file or directory"));
	free(why);
}

TEST_HARNESS_MAIN
