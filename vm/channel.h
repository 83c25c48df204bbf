/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KREPRO_CHANNEL_H
#define KREPRO_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>

/* The taint read right after a result line: where in the KTAP it stood. */
struct taint_mark {
	size_t ktap_offset;	/* length of the KTAP text received before it */
	long taint;
};

/* What the guest said on the result channel, framed by the boot's marker. */
struct guest_report {
	bool booted;		/* BOOT frame seen: init ran */
	bool begun;		/* BEGIN: the case started */
	bool ended;		/* END: the case finished */
	int rc;			/* the reproducer's exit status */
	long taint_begin, taint_end;
	/* The guest's uptime at init's start, the case's start and end; -1: unknown. */
	double up_boot, up_begin, up_end;
	double up_go;		/* when init had its knobs (BOOT go=) */
	char *uname;		/* uname -r in the guest */
	char *version;		/* /proc/version */
	char *ktap;		/* everything between BEGIN and END */
	char *module_errors;	/* MODULE frames, one per line */
	struct taint_mark *taints;	/* TAINT frames, in order */
	int ntaints;
	char *garbled;		/* frames out of order (forged?): why; else NULL */
	/*
	 * Set by the target, not the channel: whether the taint was read
	 * after every result line (a VM) so that a crash can be placed on
	 * one subtest, and the console text (a VM's; "" on the host).
	 */
	bool taint_frames;
	char *console;
};

/*
 * Parse the channel text; lines without the marker are case output.  A
 * frame out of init's order stops the parse and sets garbled; a last
 * line without its newline is dropped.
 */
void channel_parse(const char *text, const char *marker, struct guest_report *r);
void guest_report_free(struct guest_report *r);
/* The channel log at path holds this boot's BOOT frame: init runs. */
bool channel_booted(const char *path, const char *marker);

#endif
