/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KREPRO_KTAP_H
#define KREPRO_KTAP_H

#include <stdbool.h>

enum ktap_result { KTAP_OK, KTAP_NOT_OK, KTAP_SKIP, KTAP_XFAIL };

struct ktap_test {
	int number;
	char *full;		/* "fixture.test" as printed */
	char *name;		/* the part after the last '.' */
	enum ktap_result result;
	char *reason;		/* SKIP reason or other directive text */
	char *diag;		/* "# " lines printed while it ran */
};

struct ktap {
	int plan;		/* -1 when there is no "1..N" line */
	bool has_version;
	struct ktap_test *tests;
	int n;
};

/* Parse kselftest KTAP output.  Never fails; unknown lines are ignored. */
void ktap_parse(const char *text, struct ktap *k);
struct ktap_test *ktap_find(struct ktap *k, const char *name);
void ktap_free(struct ktap *k);

#endif
