/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel versions as the reports show them: short (6.1.0-47 for
 * 6.1.0-47-cloud-amd64), in series (6.1.0- and 6.12.) and folded into
 * ranges (6.1.0-47…57).  Their order is dpkg's: debian_version_cmp in
 * vm/kernel.h.
 */
#ifndef KREPRO_VERSION_H
#define KREPRO_VERSION_H

#include <stddef.h>

/*
 * Length of the version at the start of s: numbers joined by '.' or
 * '-' ("6.1.0-47" of "6.1.0-47-cloud-amd64", "6.12.117" of
 * "6.12.117+deb12-cloud-amd64"); 0 when s does not start with a digit.
 */
size_t version_len(const char *s);

/*
 * Length of a version's series: everything up to and including its last
 * separator ("6.1.0-" of "6.1.0-47", "6.12." of "6.12.117"); 0 when the
 * version has one number only.
 */
size_t version_series_len(const char *v);

/*
 * "6.1.0-47…57": first and last of a run of versions, the last shortened
 * to its final number when only that differs; "first…last" otherwise.
 * malloc'd.
 */
char *version_range(const char *first, const char *last);

#endif
