/* SPDX-License-Identifier: GPL-2.0-only */
/* Debian changelogs: the entries a newer package adds over an older one. */
#ifndef KREPRO_CHANGELOG_H
#define KREPRO_CHANGELOG_H

struct changelog_entry {
	char *version;
	char *header;		/* "linux (6.1.192-1) bookworm-security; urgency=high" */
	char *text;		/* the whole entry, header and trailer included */
	int lines;
};

/*
 * Read a changelog (gzip'd or not) and keep its entries newer than
 * `after` in Debian version order, newest first; they stop at the first
 * entry that is not newer.  Returns the count, or -1 when it cannot be read.
 */
int changelog_since(const char *path, const char *after, struct changelog_entry **out);
void changelog_free(struct changelog_entry *e, int n);

#endif
