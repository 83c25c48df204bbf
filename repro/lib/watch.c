// SPDX-License-Identifier: GPL-2.0-only
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "watch.h"

int krepro_watch_drain(int fd, struct krepro_watch *w)
{
	/* Aligned: the events are read in place. */
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ev;
	ssize_t n;
	char *p;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (p = buf; p < buf + n; p += sizeof(*ev) + ev->len) {
			ev = (const void *)p;
			if (ev->mask & IN_Q_OVERFLOW)
				return -EOVERFLOW;
			/* No name: an event on the watched directory itself. */
			if (!ev->len || (ev->mask & IN_ISDIR))
				continue;
			w->created += !!(ev->mask & IN_CREATE);
			if ((ev->mask & IN_CLOSE_WRITE) && !w->closed++)
				snprintf(w->first, sizeof(w->first), "%s", ev->name);
		}
	}
	/* EAGAIN: the queue is empty, which is where a drain ends. */
	return n < 0 && errno != EAGAIN ? -errno : 0;
}
