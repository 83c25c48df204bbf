/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KREPRO_CHANNEL_H
#define KREPRO_CHANNEL_H

#include <stdbool.h>

/* What the guest said on the result channel, framed by the boot's marker. */
struct guest_report {
	bool booted;		/* BOOT frame seen: init ran */
	bool begun;		/* BEGIN: the case started */
	bool ended;		/* END: the case finished */
	int rc;			/* the reproducer's exit status */
	long taint_begin, taint_end;
	char *uname;		/* uname -r in the guest */
	char *version;		/* /proc/version */
	char *ktap;		/* everything between BEGIN and END */
	char *module_errors;	/* MODULE frames, one per line */
};

/* Parse the channel text; lines without the marker are case output. */
void channel_parse(const char *text, const char *marker, struct guest_report *r);
void guest_report_free(struct guest_report *r);

/*
 * Find the first sign of a kernel crash in a console log (panic, oops,
 * BUG, WARNING, general protection fault); returns a malloc'd excerpt of
 * up to max_lines lines from there, or NULL.
 */
char *console_crash_excerpt(const char *console, int max_lines);

#endif
