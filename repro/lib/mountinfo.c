// SPDX-License-Identifier: GPL-2.0-only
/*
 * /proc/self/mountinfo, one line per mount:
 *
 *   36 35 98:0 /mnt1 /mnt2 rw,noatime shared:3 master:1 - ext3 /dev/root rw
 *   id parent maj:min root mount-point options [optional fields...] - fstype ...
 *
 * A path is matched to its mount by mount id (fdinfo's mnt_id), not by
 * comparing names: propagation can list several mounts with the same
 * mount point, and only the id says which one a lookup reaches.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mountinfo.h"
#include "util.h"

#define MOUNTINFO "/proc/self/mountinfo"

/* Copy a field, undoing the kernel's octal escapes (\040 space, \134 \). */
static int unescape(const char *src, char *dst, size_t len)
{
	size_t n = 0;

	while (*src) {
		char c = *src++;

		if (c == '\\' && src[0] >= '0' && src[0] <= '3' &&
		    src[1] >= '0' && src[1] <= '7' && src[2] >= '0' && src[2] <= '7') {
			c = (char)((src[0] - '0') << 6 | (src[1] - '0') << 3 | (src[2] - '0'));
			src += 3;
		}
		if (n + 1 >= len)
			return -ENAMETOOLONG;
		dst[n++] = c;
	}
	dst[n] = '\0';
	return 0;
}

/* One optional field: shared:N, master:N, propagate_from:N, unbindable. */
static int parse_optional(const char *field, struct krepro_mount *m)
{
	if (!strncmp(field, "shared:", 7))
		return sscanf(field + 7, "%d", &m->shared) == 1 ? 0 : -EINVAL;
	if (!strncmp(field, "master:", 7))
		return sscanf(field + 7, "%d", &m->master) == 1 ? 0 : -EINVAL;
	if (!strcmp(field, "unbindable"))
		m->unbindable = true;
	/* propagate_from:N and fields of later kernels are not ours. */
	return 0;
}

static int parse_fields(char *copy, struct krepro_mount *m)
{
	char *save = NULL, *f[6], *tok;
	int i, ret;

	copy[strcspn(copy, "\n")] = '\0';
	for (i = 0; i < 6; i++) {
		f[i] = strtok_r(i ? NULL : copy, " ", &save);
		if (!f[i])
			return -EINVAL;
	}
	if (sscanf(f[0], "%d", &m->id) != 1 || sscanf(f[1], "%d", &m->parent_id) != 1 ||
	    sscanf(f[2], "%u:%u", &m->major, &m->minor) != 2)
		return -EINVAL;
	ret = unescape(f[3], m->root, sizeof(m->root));
	if (!ret)
		ret = unescape(f[4], m->mount_point, sizeof(m->mount_point));
	if (ret)
		return ret;
	ret = krepro_path(m->mount_options, sizeof(m->mount_options), "%s", f[5]);
	if (ret)
		return ret;
	/* Then optional fields up to "-". */
	while ((tok = strtok_r(NULL, " ", &save)) && strcmp(tok, "-")) {
		ret = parse_optional(tok, m);
		if (ret)
			return ret;
	}
	if (!tok)
		return -EINVAL;		/* no separator: not a mountinfo line */
	tok = strtok_r(NULL, " ", &save);
	if (!tok)
		return -EINVAL;
	ret = unescape(tok, m->fstype, sizeof(m->fstype));
	if (ret)
		return ret;
	/* Source and super options: both there on every kernel since 2.6.26. */
	tok = strtok_r(NULL, " ", &save);
	if (!tok)
		return -EINVAL;
	ret = unescape(tok, m->source, sizeof(m->source));
	if (ret)
		return ret;
	tok = strtok_r(NULL, " ", &save);
	if (!tok)
		return -EINVAL;
	return krepro_path(m->super_options, sizeof(m->super_options), "%s", tok);
}

int krepro_mountinfo_parse(const char *line, struct krepro_mount *m)
{
	char *copy;
	int ret;

	memset(m, 0, sizeof(*m));
	copy = strdup(line);
	if (!copy)
		return -ENOMEM;
	ret = parse_fields(copy, m);
	free(copy);
	return ret;
}

bool krepro_mount_option(const char *options, const char *opt)
{
	size_t len = strlen(opt);
	const char *p = options;

	while ((p = strstr(p, opt))) {
		bool starts = p == options || p[-1] == ',';
		bool ends = p[len] == '\0' || p[len] == ',';

		if (starts && ends)
			return true;
		p += len;
	}
	return false;
}

int krepro_mountinfo_by_id(const char *file, int id, struct krepro_mount *m)
{
	char *line = NULL;
	size_t cap = 0;
	int ret = -ENOENT;
	FILE *f;

	f = fopen(file, "re");
	if (!f)
		return -errno;
	/* getline: a line has no length limit (escaped paths grow 4x). */
	while (getline(&line, &cap, f) > 0) {
		int this_id;

		if (sscanf(line, "%d", &this_id) != 1 || this_id != id)
			continue;
		ret = krepro_mountinfo_parse(line, m);
		break;
	}
	free(line);
	fclose(f);
	return ret;
}

/* The mount id of what fd refers to, from /proc/self/fdinfo (3.15+). */
static int fd_mount_id(int fd, int *id)
{
	char path[64], line[256];
	int ret = -ENODATA;
	FILE *f;

	ret = krepro_path(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	if (ret)
		return ret;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	ret = -ENODATA;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "mnt_id: %d", id) == 1) {
			ret = 0;
			break;
		}
	fclose(f);
	return ret;
}

int krepro_mount_containing(const char *path, struct krepro_mount *m)
{
	int fd, id, ret;

	fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = fd_mount_id(fd, &id);
	close(fd);
	if (ret)
		return ret;
	return krepro_mountinfo_by_id(MOUNTINFO, id, m);
}

int krepro_mount_at(const char *path, struct krepro_mount *m)
{
	char *real;
	int ret;

	ret = krepro_mount_containing(path, m);
	if (ret)
		return ret;
	/* mountinfo names mount points as realpath would, from our root. */
	real = realpath(path, NULL);
	if (!real)
		return -errno;
	ret = strcmp(real, m->mount_point) ? -EINVAL : 0;
	free(real);
	return ret;
}

int krepro_mounts_listed_at(const char *path, int *count)
{
	char *line = NULL, *real;
	struct krepro_mount m;
	size_t cap = 0;
	FILE *f;
	int ret = 0;

	*count = 0;
	real = realpath(path, NULL);
	if (!real)
		return -errno;
	f = fopen(MOUNTINFO, "re");
	if (!f) {
		ret = -errno;
		free(real);
		return ret;
	}
	while (!ret && getline(&line, &cap, f) > 0) {
		ret = krepro_mountinfo_parse(line, &m);
		if (!ret && !strcmp(m.mount_point, real))
			(*count)++;
	}
	free(line);
	fclose(f);
	free(real);
	return ret;
}

bool krepro_mount_private(const struct krepro_mount *m)
{
	return !m->shared && !m->master && !m->unbindable;
}

const char *krepro_mount_propagation(const struct krepro_mount *m, char *buf,
				     size_t len)
{
	int n = 0;

	if (!len)
		return buf;
	buf[0] = '\0';
	if (m->shared)
		n += snprintf(buf + n, len - n, "shared:%d", m->shared);
	if (m->master && (size_t)n < len)
		n += snprintf(buf + n, len - n, "%smaster:%d", n ? " " : "", m->master);
	if (m->unbindable && (size_t)n < len)
		n += snprintf(buf + n, len - n, "%sunbindable", n ? " " : "");
	if (!n)
		snprintf(buf, len, "private");
	return buf;
}
