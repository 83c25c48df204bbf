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
#include "util.h"

bool kvm_usable(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

pid_t vm_start(const struct vm_opts *o)
{
	char *mem = xasprintf("%d", o->memory_mb);
	char *append = xasprintf("console=ttyS0 quiet panic=-1 oops=panic "
				 "krepro.marker=%s%s%s", o->marker,
				 o->params ? " " : "", o->params ? o->params : "");
	char *con = xasprintf("file:%s", o->console);
	char *chan = xasprintf("file:%s", o->channel);
	const char *argv[40];
	int a = 0;
	pid_t pid;

	argv[a++] = o->qemu;
	argv[a++] = "-nodefaults";
	argv[a++] = "-no-user-config";
	argv[a++] = "-display";
	argv[a++] = "none";
	if (o->kvm) {
		argv[a++] = "-accel";
		argv[a++] = "kvm";
		argv[a++] = "-cpu";
		argv[a++] = "host";
	} else {
		/* "max" gives the guest RDRAND, so its random pool is ready at
		 * boot; mkfs (libuuid) otherwise waits seconds for it. */
		argv[a++] = "-accel";
		argv[a++] = "tcg";
		argv[a++] = "-cpu";
		argv[a++] = "max";
	}
	argv[a++] = "-m";
	argv[a++] = mem;
	argv[a++] = "-smp";
	argv[a++] = "1";
	argv[a++] = "-no-reboot";
	argv[a++] = "-kernel";
	argv[a++] = o->image;
	argv[a++] = "-initrd";
	argv[a++] = o->initrd;
	argv[a++] = "-append";
	argv[a++] = append;
	argv[a++] = "-serial";
	argv[a++] = con;
	argv[a++] = "-serial";
	argv[a++] = chan;
	argv[a] = NULL;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		int log = open(o->console, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() == 1)
			_exit(127);
		dup2(null, 0);
		dup2(null, 1);
		/* QEMU's own complaints (bad kernel image...) go to the console log. */
		dup2(log >= 0 ? log : null, 2);
		execv(o->qemu, (char *const *)argv);
		_exit(127);
	}
	free(mem);
	free(append);
	free(con);
	free(chan);
	return pid;
}
