/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the running kernel is and how it was booted: the release from
 * uname(2) as major.minor.patch, and words of /proc/cmdline.  Helpers
 * return 0 or -errno.
 *
 * The release is what the kernel calls itself, not the source it was
 * built from: Debian's "6.1.0-57-cloud-amd64" is 6.1.0 here although its
 * source is 6.1.192 (that is in /proc/version).  Compare major.minor;
 * trust the patch level only on kernels that report it.
 */
#ifndef KREPRO_REPRO_SYSINFO_H
#define KREPRO_REPRO_SYSINFO_H

#include <stdbool.h>
#include <stddef.h>

struct krepro_kver {
	unsigned int major, minor, patch;
};

/* "6.12.117+deb12-cloud-amd64" -> 6.12.117, "4.4" -> 4.4.0. */
int krepro_kver_parse(const char *release, struct krepro_kver *v);

/* The running kernel's release, parsed. */
int krepro_kernel_version(struct krepro_kver *v);

/* <0, 0, >0 as a is older than, the same as, newer than b. */
int krepro_kver_cmp(const struct krepro_kver *a, const struct krepro_kver *b);

/* *yes = the running kernel is at least major.minor.patch. */
int krepro_kernel_at_least(unsigned int major, unsigned int minor,
			   unsigned int patch, bool *yes);

/*
 * The value of word `key` (e.g. "bdev_allow_write_mounted") on a kernel
 * command line: "" for a bare flag, the text after '=' otherwise (double
 * quotes removed); the last occurrence wins, as for most parameters.
 * -ENOENT when absent, -ENAMETOOLONG when val is too small.
 */
int krepro_cmdline_value(const char *cmdline, const char *key, char *val,
			 size_t len);

/* The same, for this boot's /proc/cmdline. */
int krepro_cmdline_get(const char *key, char *val, size_t len);

#endif
