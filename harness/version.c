// SPDX-License-Identifier: GPL-2.0-only
#include <ctype.h>
#include <string.h>

#include "cli.h"
#include "version.h"

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
