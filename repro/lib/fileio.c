// SPDX-License-Identifier: GPL-2.0-only
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "wire.h"

/* What cat(1) moves at once, and the buffer the pattern is written from. */
#define CHUNK	(128 << 10)

ssize_t krepro_pread_full(int fd, void *buf, size_t len, off_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, (char *)buf + got, len - got, off + got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += n;
	}
	return got;
}

int krepro_write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		p += n;
		len -= n;
	}
	return 0;
}

int krepro_copy_fd(int in, int out)
{
	char *buf = malloc(CHUNK);
	off_t off = 0;
	ssize_t n;
	int ret = 0;

	if (!buf)
		return -ENOMEM;
	while ((n = krepro_pread_full(in, buf, CHUNK, off)) > 0) {
		ret = krepro_write_full(out, buf, n);
		if (ret)
			break;
		off += n;
	}
	if (!ret && n < 0)
		ret = n;
	free(buf);
	return ret;
}

/*
 * Copy src to dst, opened with O_TRUNC and flags, and close both; a failed
 * close of dst is an error too (the data may not be there).
 */
static int copy_to(const char *src, const char *dst, int flags, mode_t mode)
{
	int in, out, ret;

	/* The source first: a missing source leaves dst as it was. */
	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	out = open(dst, flags | O_WRONLY | O_TRUNC | O_CLOEXEC, mode);
	if (out < 0) {
		ret = -errno;
		close(in);
		return ret;
	}
	ret = krepro_copy_fd(in, out);
	close(in);
	if (close(out) && !ret)
		ret = -errno;
	return ret;
}

int krepro_copy_file(const char *src, const char *dst, mode_t mode)
{
	return copy_to(src, dst, O_CREAT, mode);
}

int krepro_rewrite_file(const char *dst, const char *src)
{
	return copy_to(src, dst, 0, 0);
}

int krepro_read_whole(const char *path, char **data, size_t *len)
{
	size_t cap = 4096, got = 0;
	char *buf = NULL, *bigger;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* /proc files report size 0: grow until a read returns nothing. */
	for (;;) {
		ssize_t n;

		if (!buf || got + 1 >= cap) {
			cap = buf ? cap * 2 : cap;
			bigger = realloc(buf, cap);
			if (!bigger) {
				ret = -ENOMEM;
				break;
			}
			buf = bigger;
		}
		n = read(fd, buf + got, cap - got - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			break;
		}
		if (n == 0)
			break;
		got += n;
	}
	close(fd);
	if (ret) {
		free(buf);
		return ret;
	}
	buf[got] = '\0';
	*data = buf;
	*len = got;
	return 0;
}

int krepro_make_sparse(const char *path, off_t size)
{
	int fd, ret;

	fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	ret = ftruncate(fd, size) ? -errno : 0;
	if (close(fd) && !ret)
		ret = -errno;
	return ret;
}

uint64_t krepro_pattern_word(uint64_t seed, uint64_t index)
{
	/* Never zero for a word of a file under 2^61 words: zeros stand out. */
	return ((index + 1) * 0x9e3779b97f4a7c15ull) ^ (seed | 1ull << 63);
}

static bool whole_words(size_t len, off_t off)
{
	return off >= 0 && !(len % KREPRO_PATTERN_WORD) && !(off % KREPRO_PATTERN_WORD);
}

int krepro_pattern_fill(void *buf, size_t len, off_t off, uint64_t seed)
{
	uint64_t *w = buf, first = off / KREPRO_PATTERN_WORD;
	size_t i;

	if (!whole_words(len, off))
		return -EINVAL;
	for (i = 0; i < len / KREPRO_PATTERN_WORD; i++)
		w[i] = krepro_pattern_word(seed, first + i);
	return 0;
}

int krepro_pattern_check(const void *buf, size_t len, off_t off, uint64_t seed)
{
	const uint64_t *w = buf;
	uint64_t first = off / KREPRO_PATTERN_WORD;
	int seen = KREPRO_CONTENT_OK;
	size_t i;

	if (!whole_words(len, off))
		return -EINVAL;
	for (i = 0; i < len / KREPRO_PATTERN_WORD; i++) {
		if (w[i] == krepro_pattern_word(seed, first + i))
			continue;
		if (w[i])
			return KREPRO_CONTENT_OTHER;
		seen = KREPRO_CONTENT_ZEROS;
	}
	return seen;
}

int krepro_write_pattern(const char *path, size_t size, uint64_t seed, mode_t mode)
{
	char *buf;
	size_t off, n;
	int fd, ret = 0;

	if (size % KREPRO_PATTERN_WORD)
		return -EINVAL;
	buf = malloc(CHUNK);
	if (!buf)
		return -ENOMEM;
	fd = open(path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, mode);
	if (fd < 0) {
		ret = -errno;
		free(buf);
		return ret;
	}
	for (off = 0; off < size && !ret; off += n) {
		n = size - off < CHUNK ? size - off : CHUNK;
		ret = krepro_pattern_fill(buf, n, off, seed);
		if (!ret)
			ret = krepro_write_full(fd, buf, n);
	}
	if (close(fd) && !ret)
		ret = -errno;
	free(buf);
	return ret;
}

int krepro_share_path(char *path, size_t size, const char *key)
{
	const char *dir = getenv(WIRE_ENV_SHARE);

	if (!dir || !*dir)
		return -ENOENT;
	if ((size_t)snprintf(path, size, "%s/%s", dir, key) >= size)
		return -ENAMETOOLONG;
	return 0;
}

int krepro_share_put(const char *key, const void *buf, size_t len)
{
	char path[PATH_MAX];
	int fd, ret = krepro_share_path(path, sizeof(path), key);

	if (ret)
		return ret;
	/*
	 * No rename needed: the subtests of a run follow one another, and one
	 * cut short leaves a file of the wrong size, which take refuses.
	 */
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	ret = krepro_write_full(fd, buf, len);
	if (close(fd) && !ret)
		ret = -errno;
	if (ret)
		unlink(path);
	return ret;
}

int krepro_share_take(const char *key, void *buf, size_t len)
{
	char path[PATH_MAX], *data;
	size_t got;
	int ret = krepro_share_path(path, sizeof(path), key);

	if (!ret)
		ret = krepro_read_whole(path, &data, &got);
	if (ret)
		return ret;
	unlink(path);
	if (got == len)
		memcpy(buf, data, len);
	free(data);
	return got == len ? 0 : -EINVAL;
}

/* Copy len bytes at off from in to out, at the same offset: 0 or -errno. */
static int copy_range(int in, int out, off_t off, off_t len)
{
	static char buf[256 << 10];

	while (len > 0) {
		ssize_t n = pread(in, buf, len < (off_t)sizeof(buf) ? (size_t)len : sizeof(buf),
				  off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		if (pwrite(out, buf, n, off) != n)
			return -EIO;
		off += n;
		len -= n;
	}
	return 0;
}

int krepro_copy_sparse(const char *src, const char *dst)
{
	int in, out, ret = 0;
	off_t data, hole, end;

	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out < 0) {
		ret = -errno;
		close(in);
		return ret;
	}
	end = lseek(in, 0, SEEK_END);
	if (end < 0 || ftruncate(out, end))
		ret = -errno;
	for (data = 0; !ret && data < end; data = hole) {
		data = lseek(in, data, SEEK_DATA);
		if (data < 0) {
			ret = errno == ENXIO ? 0 : -errno;	/* ENXIO: only holes left */
			break;
		}
		hole = lseek(in, data, SEEK_HOLE);
		if (hole < 0)
			ret = -errno;
		else
			ret = copy_range(in, out, data, hole - data);
	}
	if (close(out) && !ret)
		ret = -errno;
	close(in);
	return ret;
}
