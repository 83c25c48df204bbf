// SPDX-License-Identifier: GPL-2.0-only
/* The VM target: one QEMU per run, its result channel and console. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "target_impl.h"

int vm_target_start(struct target *t, const struct target_job *j, char **why)
{
	t->console = xstrdup(j->vm.console);
	t->channel = xstrdup(j->vm.channel);
	t->marker = xstrdup(j->vm.marker);
	unlink(t->console);
	unlink(t->channel);
	t->pid = vm_start(&j->vm);
	if (t->pid < 0) {
		*why = xasprintf("cannot start %s: %s", j->vm.qemu, strerror(-t->pid));
		t->pid = 0;
		return -1;
	}
	return 0;
}

int vm_target_finish(struct target *t, struct guest_report *g, char **why)
{
	char *chan = read_text(t->channel);

	channel_parse(chan ? chan : "", t->marker, g);
	free(chan);
	g->console = read_text(t->console);
	if (!g->console)
		g->console = xstrdup("");
	g->taint_frames = true;
	/* The KTAP a case printed, apart from the channel's frames. */
	if (g->begun)
		write_file_atomic(t->ktap, g->ktap, strlen(g->ktap));
	return 0;
}
