// SPDX-License-Identifier: GPL-2.0-only
/* The QEMU launcher: one throwaway VM per (kernel, case). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "qemu.h"
#include "snapshot.h"
#include "spawn.h"
#include "util.h"
#include "wire.h"

#define QEMU_TCG_TB_MB "128"

/* The marker and the run's words, as init's knobs reader takes them. */
static char *knob_words(const struct vm_opts *o)
{
	return xasprintf(WIRE_CMDLINE_MARKER "%s%s%s", o->marker, o->knobs && *o->knobs ? " " : "",
			 o->knobs ? o->knobs : "");
}

/*
 * The kernel command line.  A guest that boots for its run has its knobs
 * here, which any kernel passes on; a snapshot's source and a restored
 * guest have none here (the saved guest must not know a run's marker).
 */
static char *kernel_cmdline(const struct vm_opts *o)
{
	bool knobs_here = o->marker && !o->snapshot_source && !o->incoming;
	char *words = knobs_here ? knob_words(o) : xstrdup("");
	char *line = xasprintf("console=ttyS0 quiet panic=-1 oops=panic%s%s%s%s",
			       *words ? " " : "", words, o->params && *o->params ? " " : "",
			       o->params ? o->params : "");

	free(words);
	return line;
}

/*
 * -fw_cfg's argument with the knobs of a snapshot's source ("wait") or of
 * a restored guest.  QEMU's option syntax reads ",," as a comma (the
 * stopping rules have commas).
 */
static char *knobs_option(const struct vm_opts *o)
{
	struct buf b = { 0 };
	char *words = o->snapshot_source ? xstrdup(QEMU_KNOBS_WAIT) : knob_words(o);

	buf_printf(&b, "name=" QEMU_KNOBS_FW_CFG ",string=");
	for (const char *c = words; *c; c++)
		buf_puts(&b, *c == ',' ? ",," : (char[]){ *c, 0 });
	free(words);
	return b.data;
}

char **qemu_argv(const struct vm_opts *o)
{
	char **argv = xcalloc(48, sizeof(char *));
	int a = 0;

	argv[a++] = xstrdup(o->qemu);
	argv[a++] = xstrdup("-nodefaults");
	argv[a++] = xstrdup("-no-user-config");
	argv[a++] = xstrdup("-display");
	argv[a++] = xstrdup("none");
	argv[a++] = xstrdup("-accel");
	/*
	 * TCG's translation cache defaults to 1 GiB, and a case that starts
	 * many programs (tar_race) fills it: QEMU's peak RSS was 1.1 GB for a
	 * 512 MB guest.  With 64 MB it was 260 MB at the same rounds per
	 * second (bench/memory.sh, BENCHMARKS.md); 128 MB leaves headroom.
	 */
	argv[a++] = xstrdup(o->kvm ? "kvm" : "tcg,tb-size=" QEMU_TCG_TB_MB);
	/*
	 * Under TCG the guest needs RDRAND, or its random pool is not ready
	 * at boot and mkfs (libuuid) waits seconds for it.  qemu64 plus
	 * RDRAND rather than "max": the same 10 tar_race rounds took 7.5 s
	 * against 9.2 s (BENCHMARKS.md, the levers).  Intel models (Nehalem,
	 * kvm64) were slower still, 12-14 s: their guests turn on the
	 * Intel-only side-channel mitigations.
	 */
	argv[a++] = xstrdup("-cpu");
	argv[a++] = xstrdup(o->kvm ? "host" : "qemu64,+rdrand");
	argv[a++] = xstrdup("-m");
	argv[a++] = xasprintf("%d", o->memory_mb);
	argv[a++] = xstrdup("-smp");
	argv[a++] = xstrdup("1");
	argv[a++] = xstrdup("-no-reboot");
	argv[a++] = xstrdup("-kernel");
	argv[a++] = xstrdup(o->image);
	argv[a++] = xstrdup("-initrd");
	argv[a++] = xstrdup(o->initrd);
	argv[a++] = xstrdup("-append");
	argv[a++] = kernel_cmdline(o);
	if (o->snapshot_source || (o->incoming && o->marker)) {
		argv[a++] = xstrdup("-fw_cfg");
		argv[a++] = knobs_option(o);
	}
	if (o->snapshot_source) {
		argv[a++] = xstrdup("-chardev");
		argv[a++] = xasprintf("socket,id=qmp,fd=%d", o->qmp_fd);
		argv[a++] = xstrdup("-mon");
		argv[a++] = xstrdup("chardev=qmp,mode=control");
	}
	if (o->snapshot_source || o->incoming) {
		/* Where the saved guest says READY; the restored one has it too. */
		argv[a++] = xstrdup("-chardev");
		argv[a++] = o->snapshot_source ? xasprintf("file,id=ready,path=%s", o->ready) :
						 xstrdup("null,id=ready");
		argv[a++] = xstrdup("-device");
		argv[a++] = xstrdup("isa-debugcon,iobase=0xe9,chardev=ready");
	}
	if (o->incoming) {
		argv[a++] = xstrdup("-incoming");
		argv[a++] = snapshot_incoming_uri(o->incoming);
	}
	argv[a++] = xstrdup("-serial");
	argv[a++] = xasprintf("file:%s", o->console);
	if (o->channel) {
		argv[a++] = xstrdup("-serial");
		argv[a++] = xasprintf("file:%s", o->channel);
	}
	argv[a] = NULL;
	return argv;
}

void qemu_argv_free(char **argv)
{
	for (char **p = argv; p && *p; p++)
		free(*p);
	free(argv);
}

pid_t vm_start(const struct vm_opts *o)
{
	char **argv = qemu_argv(o);
	/* QEMU's own complaints (bad kernel image...) go to the console log. */
	int log = open(o->console, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	struct spawn_opts so = {
		.new_group = true, .pdeathsig = SIGKILL,
		.in = SPAWN_NULL, .out = SPAWN_NULL, .err = log >= 0 ? log : SPAWN_NULL,
		.fsize_limit = o->log_cap,
	};
	pid_t pid = spawn(o->qemu, argv, &so);

	if (log >= 0)
		close(log);
	qemu_argv_free(argv);
	return pid;
}
