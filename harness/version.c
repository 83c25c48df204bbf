// SPDX-License-Identifier: GPL-2.0-only
#include <ctype.h>
#include <string.h>

#include "cli.h"
#include "version.h"

/*
 * Where a character sorts in the non-digit part of a version (dpkg's
 * order): '~' first, so that 6.13~rc1 comes before 6.13; then the end
 * of the part (the end of the string or a digit); then letters; then
 * everything else.
 */
static int char_order(unsigned char c)
{
	if (c == '~')
		return -1;
	if (!c || isdigit(c))
		return 0;
	if (isalpha(c))
		return c;
	return c + 256;
}

/* Compare two runs of digits as numbers, however long; advance both. */
static int digits_cmp(const char **a, const char **b)
{
	size_t la, lb;
	int c;

	while (**a == '0')
		(*a)++;
	while (**b == '0')
		(*b)++;
	for (la = 0; isdigit((unsigned char)(*a)[la]); la++)
		;
	for (lb = 0; isdigit((unsigned char)(*b)[lb]); lb++)
		;
	/* Without leading zeros, the longer number is the larger. */
	c = la != lb ? (la < lb ? -1 : 1) : strncmp(*a, *b, la);
	*a += la;
	*b += lb;
	return c;
}

int debian_version_cmp(const char *a, const char *b)
{
	int c;

	while (*a || *b) {
		while ((*a && !isdigit((unsigned char)*a)) ||
		       (*b && !isdigit((unsigned char)*b))) {
			int oa = char_order(*a), ob = char_order(*b);

			if (oa != ob)
				return oa < ob ? -1 : 1;
			/* Equal orders other than 0 mean neither has ended. */
			a++;
			b++;
		}
		c = digits_cmp(&a, &b);
		if (c)
			return c < 0 ? -1 : 1;
	}
	return 0;
}

size_t version_len(const char *s)
{
	size_t len = 0, i = 0;

	while (isdigit((unsigned char)s[i])) {
		while (isdigit((unsigned char)s[i]))
			i++;
		len = i;
		/* A separator counts only when a number follows it. */
		if ((s[i] != '.' && s[i] != '-') || !isdigit((unsigned char)s[i + 1]))
			break;
		i++;
	}
	return len;
}

size_t version_series_len(const char *v)
{
	size_t len = version_len(v);

	while (len > 0 && v[len - 1] != '.' && v[len - 1] != '-')
		len--;
	return len;
}

char *version_range(const char *first, const char *last)
{
	size_t series = version_series_len(first);

	if (series && version_len(first) == strlen(first) &&
	    version_len(last) == strlen(last) &&
	    version_series_len(last) == series && !strncmp(first, last, series))
		return xasprintf("%s\u2026%s", first, last + series);
	return xasprintf("%s\u2026%s", first, last);
}
