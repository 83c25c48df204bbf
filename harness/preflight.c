// SPDX-License-Identifier: GPL-2.0-only
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "cli.h"
#include "preflight.h"

/* dir itself, or the closest of its parents that exists (malloc'd). */
static char *existing_ancestor(const char *dir)
{
	char *p = xstrdup(dir), *slash;

	while (access(p, F_OK) && (slash = strrchr(p, '/')) && slash != p)
		*slash = '\0';
	if (access(p, F_OK))
		strcpy(p, "/");
	return p;
}

int preflight_results(const char *dir, char **why)
{
	char *base = existing_ancestor(dir);
	struct statvfs fs;

	*why = NULL;
	if (!is_dir(base))
		*why = xasprintf("cannot write results to %s: %s is not a directory", dir, base);
	else if (faccessat(AT_FDCWD, base, W_OK | X_OK, AT_EACCESS))
		*why = xasprintf("cannot write results to %s: %s: %s", dir, base,
				 strerror(errno));
	else if (statvfs(base, &fs))
		*why = xasprintf("cannot write results to %s: %s: %s", dir, base,
				 strerror(errno));
	else if ((double)fs.f_bfree * fs.f_frsize < PREFLIGHT_MIN_FREE)
		*why = xasprintf("cannot write results to %s: %llu KiB free on %s, a run "
				 "needs at least %d KiB", dir,
				 (unsigned long long)fs.f_bfree * fs.f_frsize / 1024, base,
				 PREFLIGHT_MIN_FREE / 1024);
	free(base);
	return *why ? -1 : 0;
}

/*
 * The number at the start of environment variable name, and what follows
 * it in *rest (NULL when there is no number); false when name is unset or
 * empty, which means the default.
 */
static bool env_number(const char *name, const char **text, double *v, char **rest)
{
	*text = getenv(name);
	if (!*text || !**text)
		return false;
	errno = 0;
	*v = strtod(*text, rest);
	if (errno || *rest == *text)
		*rest = NULL;
	return true;
}

int console_cap_env(long long *cap, char **why)
{
	const char *env;
	char *end;
	double v;

	*cap = CONSOLE_CAP_DEFAULT;
	*why = NULL;
	if (!env_number("KREPRO_CONSOLE_CAP", &env, &v, &end))
		return 0;
	if (end && (*end == 'K' || *end == 'M'))
		v *= *end++ == 'K' ? 1024 : 1024 * 1024;
	if (!end || *end || v < 64 * 1024 || v > 4096.0 * 1024 * 1024) {
		*why = xasprintf("bad KREPRO_CONSOLE_CAP '%s': expected bytes, or a number "
				 "with K or M, from 64K to 4096M", env);
		return -1;
	}
	*cap = v;
	return 0;
}

int boot_deadline_env(int *seconds, char **why)
{
	const char *env;
	char *end;
	double v;

	*seconds = BOOT_DEADLINE_DEFAULT;
	*why = NULL;
	if (!env_number("KREPRO_BOOT_DEADLINE", &env, &v, &end))
		return 0;
	if (!end || *end || v < 0 || v > 3600 || v != (int)v) {
		*why = xasprintf("bad KREPRO_BOOT_DEADLINE '%s': expected whole seconds from 0 "
				 "(none) to 3600", env);
		return -1;
	}
	*seconds = v;
	return 0;
}

int snapshot_cap_env(long *mb, char **why)
{
	const char *env;
	char *end;
	double v;

	*mb = SNAPSHOT_CAP_DEFAULT_MB;
	*why = NULL;
	if (!env_number("KREPRO_SNAPSHOT_MB", &env, &v, &end))
		return 0;
	if (!end || *end || v < 0 || v > 1 << 20 || v != (long)v) {
		*why = xasprintf("bad KREPRO_SNAPSHOT_MB '%s': expected whole MB from 0 "
				 "(no snapshots) to 1048576", env);
		return -1;
	}
	*mb = v;
	return 0;
}

bool results_full(const char *dir)
{
	struct statvfs fs;

	/* f_bfree: krepro runs as root, which may use the reserved blocks. */
	return !statvfs(dir, &fs) && fs.f_bfree == 0;
}
