// SPDX-License-Identifier: GPL-2.0-only
/* Kernel evidence of a crash: taint flags by name, the panic line. */
#define _GNU_SOURCE
#include <string.h>

#include "evidence.h"
#include "util.h"

/* Bit n of /proc/sys/kernel/tainted (Documentation/admin-guide/tainted-kernels.rst). */
static const struct {
	char letter;
	const char *meaning;
} taint_flags[] = {
	{ 'P', "proprietary module" }, { 'F', "module force-loaded" },
	{ 'S', "out-of-spec system" }, { 'R', "module force-unloaded" },
	{ 'M', "machine check" }, { 'B', "bad page" },
	{ 'U', "taint requested by user space" }, { 'D', "die/oops" },
	{ 'A', "ACPI table overridden" }, { 'W', "warning" },
	{ 'C', "staging driver" }, { 'I', "firmware workaround" },
	{ 'O', "out-of-tree module" }, { 'E', "unsigned module" },
	{ 'L', "soft lockup" }, { 'K', "live patch" },
	{ 'X', "auxiliary" }, { 'T', "struct randomisation" },
	{ 'N', "in-kernel test" },
};

char *taint_gained(long before, long after)
{
	struct buf b = { 0 };
	unsigned int i;
	long added;

	if (before < 0 || after < 0)
		return xstrdup("");
	added = after & ~before;
	for (i = 0; i < sizeof(taint_flags) / sizeof(taint_flags[0]); i++)
		if (added & (1L << i))
			buf_printf(&b, "%s%c (%s)", b.len ? ", " : "", taint_flags[i].letter,
				   taint_flags[i].meaning);
	if (added >> i)
		buf_printf(&b, "%sbits 0x%lx", b.len ? ", " : "", added >> i << i);
	return b.data ? b.data : xstrdup("");
}

bool taint_crashed(long before, long after)
{
	return before >= 0 && after >= 0 && (after & ~before & TAINT_CRASH_MASK);
}

bool console_has_panic(const char *console)
{
	return strstr(console, "Kernel panic - not syncing") != NULL;
}

/*
 * How the kernel starts a crash report.  "general protection fault" alone
 * is not here: user-mode faults print it too ("traps: prog[1] general
 * protection fault ip:..."); a kernel-mode one carries the die counter
 * "[#1]" and ends in a panic under oops=panic.
 */
static const char *const crash_signs[] = {
	"Kernel panic - not syncing", "Oops: ", "BUG: ", "WARNING: CPU:",
	"------------[ cut here ]------------", "] [#1]", "soft lockup - CPU#",
	"Unable to handle kernel",
};

static const char *first_crash_sign(const char *console)
{
	const char *first = NULL, *p;
	unsigned int i;

	for (i = 0; i < sizeof(crash_signs) / sizeof(crash_signs[0]); i++) {
		p = strstr(console, crash_signs[i]);
		if (p && (!first || p < first))
			first = p;
	}
	return first;
}

char *console_crash_excerpt(const char *console, int max_lines)
{
	const char *first = first_crash_sign(console), *p;
	struct buf b = { 0 };
	int lines = 0;

	if (!first)
		return NULL;
	while (first > console && first[-1] != '\n')
		first--;
	for (p = first; *p && lines < max_lines; lines++) {
		size_t n = strcspn(p, "\n");

		/* The serial console ends lines with \r\n. */
		if (n && p[n - 1] == '\r')
			buf_add(&b, p, n - 1);
		else
			buf_add(&b, p, n);
		buf_puts(&b, "\n");
		p += n;
		if (*p)
			p++;
	}
	return b.data;
}
