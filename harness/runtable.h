/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KREPRO_RUNTABLE_H
#define KREPRO_RUNTABLE_H

#include <stdio.h>

#include "run.h"

/* The run's table on out, then a "why:" line per broken subtest. */
void runtable_print(struct run_opts *o, FILE *out);

#endif
