/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tar archives made by the real tar from a tree written here, so that a
 * reproducer knows every member - name, type, size, symlink target - and
 * can compare what tar extracts with what was packed, not with what tar
 * says it packed.  Members are created one by one under a source
 * directory, in the order they go into the archive; krepro_tar_pack then
 * has `tar --format=gnu -c --no-recursion -T LIST` pack them in that
 * order.  Helpers return 0 or -errno and never assert or exit.
 */
#ifndef KREPRO_REPRO_TARBALL_H
#define KREPRO_REPRO_TARBALL_H

#include <limits.h>
#include <stddef.h>

#define KREPRO_TAR_BLOCK	512
/* GNU tar's default blocking factor: it reads and writes whole records. */
#define KREPRO_TAR_RECORD	(20 * KREPRO_TAR_BLOCK)
#define KREPRO_TAR_MAX_MEMBERS	400

/* Member types, as the header's typeflag has them. */
#define KREPRO_TAR_FILE		'0'
#define KREPRO_TAR_SYMLINK	'2'
#define KREPRO_TAR_DIR		'5'

struct krepro_tar_member {
	char name[101];		/* without a trailing '/'; < 100: no long names */
	char type;		/* KREPRO_TAR_FILE, _DIR or _SYMLINK */
	char target[101];	/* symlink target */
	long long size;
};

struct krepro_tar {
	char src[PATH_MAX];	/* the tree packed: ROOT/src-TAG */
	char list[PATH_MAX];	/* the names, one a line, for tar -T: ROOT/TAG.list */
	char path[PATH_MAX];	/* the archive: ROOT/TAG.tar */
	char *data;		/* the archive as tar wrote it (malloc'ed) */
	size_t len;
	struct krepro_tar_member m[KREPRO_TAR_MAX_MEMBERS];	/* in archive order */
	int n, links;		/* members, and how many are symlinks */
};

/*
 * Name the archive's files after root and tag and make its empty source
 * directory.  a->data must be NULL or malloc'ed: it is freed.
 */
int krepro_tar_begin(struct krepro_tar *a, const char *root, const char *tag);

/*
 * Create the next member under a->src: a directory (mode 0755), a symlink
 * to target, or a file (mode 0644) of size bytes of the krepro pattern
 * seeded with its index.  -ENOSPC when the table is full,
 * -ENAMETOOLONG when the name needs a GNU long-name header.
 */
int krepro_tar_add(struct krepro_tar *a, char type, const char *target,
		   long long size, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/*
 * Pack the members with the real tar, in the order added, and read the
 * archive into a->data.  -ECHILD when tar ran and failed.
 */
int krepro_tar_pack(struct krepro_tar *a);

/*
 * How many members the real tar lists in the archive, and how many of
 * them are symlinks ('l' in tar -tv): the archive must hold what was
 * written.  -ECHILD when tar ran and failed.
 */
int krepro_tar_count(const struct krepro_tar *a, int *members, int *links);

/* The offset of name's header in a->data, or -ENOENT. */
long long krepro_tar_header_offset(const struct krepro_tar *a, const char *name);

/* 0 when "tar" on PATH is GNU tar, -ENOENT when missing, -ENOTSUP another tar. */
int krepro_have_gnu_tar(void);

#endif
