// SPDX-License-Identifier: GPL-2.0-only
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "child.h"
#include "fileio.h"
#include "tarball.h"
#include "util.h"

int krepro_tar_begin(struct krepro_tar *a, const char *root, const char *tag)
{
	int ret;

	free(a->data);
	a->data = NULL;
	a->len = 0;
	a->n = 0;
	a->links = 0;
	ret = krepro_path(a->src, sizeof(a->src), "%s/src-%s", root, tag);
	if (!ret)
		ret = krepro_path(a->list, sizeof(a->list), "%s/%s.list", root, tag);
	if (!ret)
		ret = krepro_path(a->path, sizeof(a->path), "%s/%s.tar", root, tag);
	if (ret)
		return ret;
	return mkdir(a->src, 0755) ? -errno : 0;
}

int krepro_tar_add(struct krepro_tar *a, char type, const char *target,
		   long long size, const char *fmt, ...)
{
	struct krepro_tar_member *m;
	char path[PATH_MAX];
	va_list ap;
	int ret, len;

	if (a->n == KREPRO_TAR_MAX_MEMBERS)
		return -ENOSPC;
	m = &a->m[a->n];
	va_start(ap, fmt);
	/* 100 bytes would fill the header's name field with no NUL: a long name. */
	len = vsnprintf(m->name, sizeof(m->name) - 1, fmt, ap);
	va_end(ap);
	if (len < 0 || len >= (int)sizeof(m->name) - 1)
		return -ENAMETOOLONG;
	m->type = type;
	m->size = size;
	snprintf(m->target, sizeof(m->target), "%s", target ? target : "");
	ret = krepro_path(path, sizeof(path), "%s/%s", a->src, m->name);
	if (ret)
		return ret;
	if (type == KREPRO_TAR_DIR)
		ret = mkdir(path, 0755) ? -errno : 0;
	else if (type == KREPRO_TAR_SYMLINK)
		ret = symlink(target, path) ? -errno : 0;
	else
		ret = krepro_write_pattern(path, size, a->n, 0644);
	if (ret)
		return ret;
	a->n++;
	a->links += type == KREPRO_TAR_SYMLINK;
	return 0;
}

/* The names for tar -T, in the order added (tar keeps it with --no-recursion). */
static int write_list(const struct krepro_tar *a)
{
	FILE *l = fopen(a->list, "we");
	int i, ret = 0;

	if (!l)
		return -errno;
	for (i = 0; i < a->n && !ret; i++)
		if (fprintf(l, "%s\n", a->m[i].name) < 0)
			ret = -EIO;
	if (fclose(l) && !ret)
		ret = -EIO;
	return ret;
}

int krepro_tar_pack(struct krepro_tar *a)
{
	char *argv[] = { "tar", "--format=gnu", "-cf", a->path, "-C", a->src,
			 "--no-recursion", "-T", a->list, NULL };
	char out[256];
	int ret;

	ret = write_list(a);
	if (ret)
		return ret;
	ret = krepro_capture(argv, out, sizeof(out));
	if (ret)
		return ret < 0 ? ret : -ECHILD;
	free(a->data);
	a->data = NULL;
	return krepro_read_whole(a->path, &a->data, &a->len);
}

int krepro_tar_count(const struct krepro_tar *a, int *members, int *links)
{
	char *argv[] = { "tar", "-tvf", (char *)a->path, NULL };
	size_t len = 256 * 1024;
	char *out = malloc(len), *line, *end;
	int ret;

	if (!out)
		return -ENOMEM;
	ret = krepro_capture(argv, out, len);
	*members = 0;
	*links = 0;
	for (line = out; !ret && *line; line = *end ? end + 1 : end) {
		end = strchrnul(line, '\n');
		(*members)++;
		*links += line[0] == 'l';
	}
	free(out);
	if (ret < 0)
		return ret;
	return ret ? -ECHILD : 0;
}

long long krepro_tar_header_offset(const struct krepro_tar *a, const char *name)
{
	size_t off;

	/* A header is a block with the name first and the ustar magic at 257. */
	for (off = 0; off + KREPRO_TAR_BLOCK <= a->len; off += KREPRO_TAR_BLOCK)
		if (!strncmp(a->data + off, name, 100) &&
		    !memcmp(a->data + off + 257, "ustar", 5))
			return off;
	return -ENOENT;
}

int krepro_have_gnu_tar(void)
{
	char *argv[] = { "tar", "--version", NULL };
	char out[256];
	int ret = krepro_capture(argv, out, sizeof(out));

	if (ret < 0)
		return ret;
	if (ret == KREPRO_CHILD_EXEC_FAILED)
		return -ENOENT;
	/* busybox and bsdtar print other names (and make no placeholders). */
	return strstr(out, "GNU tar") ? 0 : -ENOTSUP;
}
