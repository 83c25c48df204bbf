/* SPDX-License-Identifier: GPL-2.0-only */
/* A bisection's end report: text, md and json, as compare has. */
#ifndef KREPRO_BISECT_REPORT_H
#define KREPRO_BISECT_REPORT_H

#include "bisect.h"
#include "changelog.h"
#include "compare.h"

struct bisect_report {
	const struct bisect *b;
	const char *subject;	/* CASE/SUBTEST */
	const char *good_version, *bad_version;	/* Debian versions, or NULL */
	struct changelog_entry *log;	/* entries the first bad adds */
	int nlog;		/* -1: no changelog to read */
	const char *dir;	/* where the steps are */
};

/* The report in format f (text, md or json); malloc'd. */
char *bisect_render(const struct bisect_report *r, enum format f);

#endif
