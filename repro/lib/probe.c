// SPDX-License-Identifier: GPL-2.0-only
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <sys/resource.h>
#include <unistd.h>

#include "child.h"
#include "probe.h"

struct text_sum {
	uint64_t sum;
	int segments;
};

/*
 * Reads the mapped segments word by word, across the globals in them:
 * raw memory by design, which ASan (make SANITIZE=1) would take for an
 * overflow of one of those globals.
 */
__attribute__((no_sanitize_address))
static int sum_segments(struct dl_phdr_info *info, size_t size, void *data)
{
	struct text_sum *ts = data;
	int i;

	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		const uint64_t *w;
		size_t j, n;

		if (ph->p_type != PT_LOAD || (ph->p_flags & PF_W))
			continue;
		ts->segments++;
		w = (const uint64_t *)(info->dlpi_addr + ph->p_vaddr);
		n = ph->p_filesz / sizeof(*w);
		/* A rotate keeps the order: swapped or shifted words change the sum. */
		for (j = 0; j < n; j++)
			ts->sum = ((ts->sum << 7) | (ts->sum >> 57)) ^ w[j];
	}
	return 1;	/* the executable comes first; nothing else counts */
}

int krepro_text_sum(uint64_t *sum)
{
	struct text_sum ts = { .sum = 0x6b7265707231 };

	dl_iterate_phdr(sum_segments, &ts);
	*sum = ts.sum;
	return ts.segments ? 0 : -ENOEXEC;
}

/* The child: limits, exec, and on failure exec's errno to the parent. */
static __attribute__((noreturn)) void exec_child(const char *prog, char *const argv[],
						 char *const envp[],
						 unsigned int cpu_seconds, int report)
{
	struct rlimit core = { 0, 0 };
	struct rlimit cpu = { cpu_seconds, cpu_seconds + 1 };
	int err;

	setrlimit(RLIMIT_CORE, &core);
	if (cpu_seconds)
		setrlimit(RLIMIT_CPU, &cpu);
	execve(prog, argv, envp);
	err = errno;
	if (write(report, &err, sizeof(err)) != sizeof(err))
		_exit(126);
	_exit(KREPRO_CHILD_EXEC_FAILED);
}

int krepro_probe_exec(const char *prog, char *const argv[], char *const envp[],
		      unsigned int cpu_seconds, int *exec_err)
{
	int pfd[2], status, err = 0;
	ssize_t n;
	pid_t pid;

	*exec_err = 0;
	/* O_CLOEXEC: a successful exec closes the pipe, and the read sees EOF. */
	if (pipe2(pfd, O_CLOEXEC))
		return -errno;
	pid = krepro_child_fork();
	if (pid == 0)
		exec_child(prog, argv, envp, cpu_seconds, pfd[1]);
	close(pfd[1]);
	n = pid < 0 ? -1 : read(pfd[0], &err, sizeof(err));
	close(pfd[0]);
	if (pid < 0)
		return pid;
	status = krepro_child_wait(pid);
	if (status < 0)
		return status;
	if (n == sizeof(err))
		*exec_err = err;
	return status;
}
