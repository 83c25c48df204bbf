/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KREPRO_RUNTABLE_H
#define KREPRO_RUNTABLE_H

#include "run.h"

/* The run's table on stdout, then a "why:" line per broken subtest. */
void runtable_print(struct run_opts *o);

#endif
