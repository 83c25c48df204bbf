/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The command line's own layer: exit codes and the functions that exit.
 * Only the harness includes this; lib/ and vm/ return errors instead.
 */
#ifndef KREPRO_CLI_H
#define KREPRO_CLI_H

#include "util.h"

/* Exit codes, everywhere (see README). */
enum {
	EXIT_OK = 0,
	EXIT_FAILED = 1,
	EXIT_USAGE = 2,
	EXIT_INFRA = 3,
};

extern const char *progname;
/* What die(EXIT_INFRA) exits with: 3, or 125 under bisect-run. */
extern int cli_infra_exit;

/* Print "krepro: ..." on stderr and exit with code. */
void die(int code, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));
void warnx_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
