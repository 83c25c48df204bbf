// SPDX-License-Identifier: GPL-2.0-only
/*
 * Harness self-test, not a failure mode: what is NOT a kernel crash.
 *
 * On Debian 6.1.0-57 the loop_image hazard made a damaged program die of a
 * user-mode general protection fault.  The kernel logged
 * "traps: prog[103] general protection fault ip:... in prog[...]" with
 * the taint unchanged, and krepro called the whole case a crash.  A
 * program's fault is the program's; a crash is the kernel's own evidence
 * (a taint flag, a panic).  Every subtest here must pass, and the case
 * must not be a crash.  Declared "default: no"; run by name.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/util.h"

/* A non-canonical address: the CPU raises #GP, not a page fault. */
#define NON_CANONICAL ((volatile long *)0x8000000000000000UL)

/* Run fault in a child; its termination signal, or -errno. */
static int child_signal(void (*fault)(void))
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		fault();
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

static void gp_fault(void)
{
	(void)*NON_CANONICAL;
}

static void null_deref(void)
{
	(void)*(volatile long *)0;
}

/* Validate that a program dying of a user-mode GP fault is no kernel crash. */
TEST(program_gp_fault_is_not_a_crash)
{
	int sig = child_signal(gp_fault);

	KREPRO_SETUP_ASSERT(sig >= 0, "cannot fork the faulting child: %s", strerror(-sig));
	ASSERT_EQ(SIGSEGV, sig) TH_LOG("the child died of signal %d", sig);
}

/* Validate that a program dying of SIGSEGV (a page fault) is no kernel crash. */
TEST(program_segfault_is_not_a_crash)
{
	int sig = child_signal(null_deref);

	KREPRO_SETUP_ASSERT(sig >= 0, "cannot fork the faulting child: %s", strerror(-sig));
	ASSERT_EQ(SIGSEGV, sig) TH_LOG("the child died of signal %d", sig);
}

/* Validate that crash-looking text from a test (output and kmsg) is no crash. */
TEST(crash_text_from_a_test_is_not_a_crash)
{
	static const char *const lines[] = {
		"Kernel panic - not syncing: written by a test\n",
		"BUG: written by a test\n",
		"WARNING: CPU: 0 PID: 1 at written/by/a/test.c:1\n",
		"Oops: 0000 [#1] written by a test\n",
	};
	int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	unsigned int i;

	KREPRO_SETUP_ASSERT(fd >= 0, "cannot open /dev/kmsg: %s", strerror(errno));
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		printf("%s", lines[i]);
		KREPRO_SETUP_ASSERT(write(fd, lines[i], strlen(lines[i])) > 0,
				    "cannot write to /dev/kmsg: %s", strerror(errno));
	}
	fflush(stdout);
	close(fd);
}

TEST_HARNESS_MAIN
