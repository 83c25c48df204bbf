/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What inotify saw written in a directory: files created, and files
 * written and closed - the trace a program leaves even when it removes
 * the file again before anyone can look (tar's delayed-link placeholders
 * are replaced by symlinks within microseconds).  Directories are not
 * counted.  Helpers return 0 or -errno and never assert or exit.
 */
#ifndef KREPRO_REPRO_WATCH_H
#define KREPRO_REPRO_WATCH_H

#include <limits.h>
#include <sys/inotify.h>

/* The events a krepro_watch counts: give these to inotify_add_watch. */
#define KREPRO_WATCH_EVENTS	(IN_CREATE | IN_CLOSE_WRITE)

struct krepro_watch {
	int created;			/* IN_CREATE of a non-directory */
	int closed;			/* IN_CLOSE_WRITE */
	char first[NAME_MAX + 1];	/* the first name written and closed */
};

/*
 * Read the events queued so far on a non-blocking inotify fd into w, and
 * return when none is left.  -EOVERFLOW when the queue overflowed: events
 * were lost, so the counts prove nothing.
 */
int krepro_watch_drain(int fd, struct krepro_watch *w);

#endif
