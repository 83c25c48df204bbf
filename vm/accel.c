// SPDX-License-Identifier: GPL-2.0-only
/* The accelerator probe: does a real kernel reach init under KVM here? */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "accel.h"
#include "initramfs.h"
#include "qemu.h"
#include "spawn.h"
#include "util.h"

/* A stock kernel reaches init in about 1 s under a working KVM. */
#define PROBE_TIMEOUT_S 10
/*
 * ... and prints its first console line (loglevel=7 undoes quiet) within
 * a fraction of a second; a KVM that hangs the guest prints nothing.  So
 * silence this long ends the probe early: on these machines it used to
 * wait all 10 s of every cold start (BENCHMARKS.md, cold start).
 */
#define PROBE_SILENT_S 3
#define PROBE_WORD "KREPRO-PROBE-INIT"

int accel_mode_parse(const char *s, enum accel_mode *mode)
{
	if (!strcmp(s, "auto"))
		*mode = ACCEL_AUTO;
	else if (!strcmp(s, "kvm"))
		*mode = ACCEL_KVM;
	else if (!strcmp(s, "tcg"))
		*mode = ACCEL_TCG;
	else
		return -1;
	return 0;
}

const char *kvm_device(void)
{
	const char *dev = getenv("KREPRO_KVM_DEVICE");

	return dev && *dev ? dev : "/dev/kvm";
}

/*
 * Which QEMU binary this is, for the cache key: its inode, size and
 * modification time change with every package upgrade.  Read with stat
 * rather than `qemu -version`, which cost 0.09 s of every run.
 */
static char *qemu_identity(const char *qemu)
{
	char *id = file_identity(qemu);

	return id ? id : xstrdup("unknown");
}

/* CACHE/accel/<hash of host kernel, QEMU path and identity, device>. */
static char *answer_path(const char *qemu, const char *cache)
{
	struct utsname u;
	char *version = qemu_identity(qemu), *key, *path;
	uint64_t h = FNV1A_INIT;

	uname(&u);
	key = xasprintf("%s\n%s\n%s\n%s\n", u.release, qemu, version, kvm_device());
	h = fnv1a(h, key, strlen(key));
	path = xasprintf("%s/accel/%016llx", cache, (unsigned long long)h);
	free(key);
	free(version);
	return path;
}

/* The cached answer: "kvm REASON" or "tcg REASON". */
static bool answer_read(const char *path, struct accel_choice *out)
{
	char *text = read_file(path, NULL);

	if (!text)
		return false;
	if (!str_starts(text, "kvm ") && !str_starts(text, "tcg ")) {
		free(text);
		return false;
	}
	out->kvm = str_starts(text, "kvm ");
	out->reason = xasprintf("%s (cached probe)", rtrim(text + 4));
	free(text);
	return true;
}

static void answer_write(const char *path, bool kvm, const char *reason)
{
	char *dir = xstrdup(path), *text = xasprintf("%s %s\n", kvm ? "kvm" : "tcg", reason);

	*strrchr(dir, '/') = '\0';
	if (!mkdir_p(dir, 0755))
		write_file_atomic(path, text, strlen(text));
	free(dir);
	free(text);
}

/* The probe's image: busybox and an init that says one word and stops. */
static int write_probe_initrd(const char *busybox, const char *path)
{
	static const char init[] = "#!/bin/busybox sh\n"
		"/bin/busybox echo " PROBE_WORD "\n"
		"/bin/busybox poweroff -f\n";
	struct cpio c = { 0 };
	size_t len;
	char *bb = read_file(busybox, &len);
	int ret;

	if (!bb)
		return -errno;
	cpio_file(&c, "bin/busybox", 0100755, bb, len);
	cpio_file(&c, "init", 0100755, init, strlen(init));
	cpio_finish(&c);
	ret = write_file_atomic(path, c.data, c.len);
	cpio_free(&c);
	free(bb);
	return ret;
}

/* QEMU's own complaint, else the console's last line: one line. */
static char *probe_failure(const char *console)
{
	const char *p = strstr(console, "qemu-system");
	char *line;

	if (!p)
		p = strstr(console, "Assertion");
	if (p)
		return strndup(p, strcspn(p, "\r\n"));
	line = last_line(console);
	if (!*line) {
		free(line);
		return xstrdup("no console output");
	}
	return line;
}

/* Boot the probe under KVM; true when init ran.  *why says what happened. */
static bool probe_boot(const char *qemu, const char *image, const char *initrd,
		       const char *console, char **why)
{
	struct vm_opts vo = {
		.qemu = qemu, .image = image, .initrd = initrd, .console = console,
		.memory_mb = 256, .kvm = true, .params = "krepro.probe=1 loglevel=7",
	};
	double started = now_monotonic();
	pid_t pid;
	int status;

	unlink(console);
	pid = vm_start(&vo);
	if (pid < 0) {
		*why = xasprintf("cannot start %s: %s", qemu, strerror(-pid));
		return false;
	}
	for (;;) {
		char *text = read_file(console, NULL);
		bool reached = text && strstr(text, PROBE_WORD);
		pid_t done = waitpid(pid, &status, WNOHANG);
		double waited = now_monotonic() - started;
		bool silent = !text || !*text;

		if (reached || done == pid || waited > PROBE_TIMEOUT_S ||
		    (silent && waited > PROBE_SILENT_S)) {
			if (done != pid) {
				kill(-pid, SIGKILL);
				kill(pid, SIGKILL);
				waitpid(pid, &status, 0);
			}
			if (reached)
				*why = xasprintf("KVM probe boot reached init");
			else if (done == pid) {
				char *line = probe_failure(text ? text : "");

				*why = xasprintf("KVM probe: QEMU stopped before init: %s", line);
				free(line);
			}
			else
				*why = silent ? xasprintf("KVM probe: no console output "
							  "within %d s", PROBE_SILENT_S) :
					xasprintf("KVM probe: no init within %d s (the kernel "
						  "hung)", PROBE_TIMEOUT_S);
			free(text);
			return reached;
		}
		free(text);
		usleep(50000);
	}
}

static bool kvm_opens(char **why)
{
	int fd = open(kvm_device(), O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		*why = xasprintf("cannot open %s: %s", kvm_device(), strerror(errno));
		return false;
	}
	close(fd);
	return true;
}

static void probe(const char *qemu, const char *busybox, const char *image,
		  const char *cache, struct accel_choice *out)
{
	char *dir = xasprintf("%s/accel", cache);
	char *initrd = xasprintf("%s/probe.cpio", dir);
	char *console = xasprintf("%s/probe.console.%d", dir, getpid());
	double started = now_monotonic();
	int ret;

	if (mkdir_p(dir, 0755) || (ret = write_probe_initrd(busybox, initrd))) {
		out->kvm = false;
		out->reason = xasprintf("cannot build the KVM probe image in %s: %s",
					dir, strerror(errno));
	} else {
		out->kvm = probe_boot(qemu, image, initrd, console, &out->reason);
	}
	unlink(console);
	out->probed = true;
	out->probe_s = now_monotonic() - started;
	free(dir);
	free(initrd);
	free(console);
}

int accel_choose(enum accel_mode mode, const char *qemu, const char *busybox,
		 const char *probe_image, const char *cache, struct accel_choice *out)
{
	char *path;

	memset(out, 0, sizeof(*out));
	if (mode == ACCEL_TCG) {
		out->reason = xstrdup("TCG requested");
		return 0;
	}
	if (!kvm_opens(&out->reason))
		return mode == ACCEL_KVM ? -1 : 0;
	free(out->reason);
	out->reason = NULL;
	path = answer_path(qemu, cache);
	if (!answer_read(path, out)) {
		probe(qemu, busybox, probe_image, cache, out);
		answer_write(path, out->kvm, out->reason);
	}
	free(path);
	return mode == ACCEL_KVM && !out->kvm ? -1 : 0;
}
