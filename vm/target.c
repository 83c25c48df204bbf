// SPDX-License-Identifier: GPL-2.0-only
#include <signal.h>
#include <stdlib.h>

#include "target.h"
#include "target_impl.h"

int target_start(struct target *t, const struct target_job *j, char **why)
{
	*why = NULL;
	t->kind = j->kind;
	t->pid = 0;
	t->name = xstrdup(j->name);
	t->ktap = xstrdup(j->ktap);
	return j->kind == TARGET_HOST ? host_start(t, j, why) : vm_target_start(t, j, why);
}

int target_finish(struct target *t, int status, bool timed_out, struct guest_report *g,
		  char **why)
{
	*why = NULL;
	t->pid = 0;
	return t->kind == TARGET_HOST ? host_finish(t, status, timed_out, g, why)
				      : vm_target_finish(t, g, why);
}

void target_kill(struct target *t)
{
	if (t->pid > 0) {
		kill(-t->pid, SIGKILL);
		kill(t->pid, SIGKILL);
	}
}

void target_free(struct target *t)
{
	free(t->name);
	free(t->ktap);
	free(t->ktap_tmp);
	free(t->console);
	free(t->channel);
	free(t->marker);
	t->name = t->ktap = t->ktap_tmp = t->console = t->channel = t->marker = NULL;
}
