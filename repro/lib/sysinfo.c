// SPDX-License-Identifier: GPL-2.0-only
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "sysinfo.h"
#include "util.h"

/* One number of a release; the text after it is checked by the caller. */
static int parse_part(const char **s, unsigned int *out)
{
	char *end;
	unsigned long n;

	if (**s < '0' || **s > '9')
		return -EINVAL;
	errno = 0;
	n = strtoul(*s, &end, 10);
	if (errno || n > 1000000)
		return -EINVAL;
	*out = (unsigned int)n;
	*s = end;
	return 0;
}

int krepro_kver_parse(const char *release, struct krepro_kver *v)
{
	const char *s = release;
	int ret;

	memset(v, 0, sizeof(*v));
	ret = parse_part(&s, &v->major);
	if (ret || *s != '.')
		return -EINVAL;
	s++;
	ret = parse_part(&s, &v->minor);
	if (ret)
		return ret;
	/* The patch level is optional ("4.4", "6.8-rc1"). */
	if (*s == '.' && s[1] >= '0' && s[1] <= '9') {
		s++;
		ret = parse_part(&s, &v->patch);
	}
	return ret;
}

int krepro_kernel_version(struct krepro_kver *v)
{
	struct utsname u;

	if (uname(&u))
		return -errno;
	return krepro_kver_parse(u.release, v);
}

int krepro_kver_cmp(const struct krepro_kver *a, const struct krepro_kver *b)
{
	if (a->major != b->major)
		return a->major < b->major ? -1 : 1;
	if (a->minor != b->minor)
		return a->minor < b->minor ? -1 : 1;
	if (a->patch != b->patch)
		return a->patch < b->patch ? -1 : 1;
	return 0;
}

int krepro_kernel_at_least(unsigned int major, unsigned int minor,
			   unsigned int patch, bool *yes)
{
	struct krepro_kver want = { major, minor, patch }, have;
	int ret = krepro_kernel_version(&have);

	if (ret)
		return ret;
	*yes = krepro_kver_cmp(&have, &want) >= 0;
	return 0;
}

/*
 * The next word of a command line into word (quotes removed, as the
 * kernel's own splitter does: a space inside "..." does not end a word).
 * Returns the length, 0 at the end, -ENAMETOOLONG when it does not fit.
 */
static int next_word(const char **s, char *word, size_t len)
{
	bool quoted = false;
	size_t n = 0;

	while (**s == ' ' || **s == '\t' || **s == '\n')
		(*s)++;
	while (**s && (quoted || (**s != ' ' && **s != '\t' && **s != '\n'))) {
		char c = *(*s)++;

		if (c == '"') {
			quoted = !quoted;
			continue;
		}
		if (n + 1 >= len)
			return -ENAMETOOLONG;
		word[n++] = c;
	}
	word[n] = '\0';
	return (int)n;
}

int krepro_cmdline_value(const char *cmdline, const char *key, char *val,
			 size_t len)
{
	size_t klen = strlen(key);
	const char *s = cmdline;
	char word[4096];
	int n, ret = -ENOENT;

	while ((n = next_word(&s, word, sizeof(word))) > 0) {
		if (strncmp(word, key, klen) || (word[klen] && word[klen] != '='))
			continue;
		ret = krepro_path(val, len, "%s", word[klen] ? word + klen + 1 : "");
		if (ret)
			return ret;	/* a later, shorter value must not hide this */
	}
	return n < 0 ? n : ret;
}

int krepro_cmdline_get(const char *key, char *val, size_t len)
{
	char buf[8192];
	ssize_t n;
	int fd, ret;

	fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	ret = n < 0 ? -errno : 0;
	close(fd);
	if (ret)
		return ret;
	buf[n] = '\0';
	return krepro_cmdline_value(buf, key, val, len);
}
