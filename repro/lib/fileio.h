/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * File I/O helpers shared by the reproducers: whole reads and writes that
 * survive short transfers and EINTR, copies made the way cat(1) makes
 * them, sparse files, and a position-dependent pattern whose damage can
 * be told apart (zeros where it was, or something else).  They return 0
 * (or a count) or -errno and never assert or exit.
 */
#ifndef KREPRO_REPRO_FILEIO_H
#define KREPRO_REPRO_FILEIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * pread until len bytes, end of file or an error.  A short read goes on,
 * so a failing page further on shows its errno.  Bytes read, or -errno.
 */
ssize_t krepro_pread_full(int fd, void *buf, size_t len, off_t off);

/* Write all of buf at the fd's offset: 0 or -errno (-EIO: no progress). */
int krepro_write_full(int fd, const void *buf, size_t len);

/* Copy all of in, from offset 0, to out at its offset: 0 or -errno. */
int krepro_copy_fd(int in, int out);

/* Copy src to dst, created or truncated with mode: 0 or -errno. */
int krepro_copy_file(const char *src, const char *dst, mode_t mode);

/*
 * `cat src > dst`: open dst (which must exist) with O_TRUNC and write src
 * into the same inode.  In between, dst is short: that is the point.
 */
int krepro_rewrite_file(const char *dst, const char *src);

/*
 * Read all of path into a malloc'ed, NUL-terminated buffer the caller
 * frees.  A file that changes size while it is read is read to its end.
 */
int krepro_read_whole(const char *path, char **data, size_t *len);

/*
 * What one subtest leaves for a later subtest of the same run of the case
 * (WIRE_ENV_SHARE names the directory; the harness makes one per run and
 * it goes with the run).  key: [a-z0-9_]+.  put: 0, or -errno (-ENOENT:
 * no share directory, e.g. the binary run by hand).  take: 0 with len
 * bytes read and the entry removed; -ENOENT when there is none, -EINVAL
 * when its size is not len.
 */
int krepro_share_put(const char *key, const void *buf, size_t len);
int krepro_share_take(const char *key, void *buf, size_t len);
/* The path of key in the share directory: 0, or -ENOENT when there is none. */
int krepro_share_path(char *path, size_t size, const char *key);

/*
 * Make dst (created, mode 0600, or truncated) a copy of src with the same
 * holes: only src's data segments are read and written.  0 or -errno.
 */
int krepro_copy_sparse(const char *src, const char *dst);

/* Create path (O_EXCL, mode 0600) as a sparse file of size bytes. */
int krepro_make_sparse(const char *path, off_t size);

/*
 * A pattern of 64-bit words, each a function of its position and a seed,
 * so that any misplaced, stale or zeroed word is seen.  Offsets and
 * lengths are whole words (multiples of 8); otherwise -EINVAL.
 */
#define KREPRO_PATTERN_WORD	8

enum krepro_content {
	KREPRO_CONTENT_OK,	/* the pattern, word for word */
	KREPRO_CONTENT_ZEROS,	/* the pattern or zeros, some zeros */
	KREPRO_CONTENT_OTHER,	/* some word is neither */
};

uint64_t krepro_pattern_word(uint64_t seed, uint64_t index);

/* Fill buf with the pattern as it is at byte offset off of a file. */
int krepro_pattern_fill(void *buf, size_t len, off_t off, uint64_t seed);

/* What buf, read at byte offset off, holds: an enum krepro_content or -EINVAL. */
int krepro_pattern_check(const void *buf, size_t len, off_t off, uint64_t seed);

/* Create or truncate path and write size bytes of the pattern: 0 or -errno. */
int krepro_write_pattern(const char *path, size_t size, uint64_t seed, mode_t mode);

#endif
