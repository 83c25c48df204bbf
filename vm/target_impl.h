/* SPDX-License-Identifier: GPL-2.0-only */
/* The two targets behind vm/target.h; only target.c calls these. */
#ifndef KREPRO_TARGET_IMPL_H
#define KREPRO_TARGET_IMPL_H

#include "target.h"
#include "util.h"

int host_start(struct target *t, const struct target_job *j, char **why);
int host_finish(struct target *t, int status, bool timed_out, struct guest_report *g,
		char **why);
int vm_target_start(struct target *t, const struct target_job *j, char **why);
int vm_target_finish(struct target *t, struct guest_report *g, char **why);

#endif
