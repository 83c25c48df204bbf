// SPDX-License-Identifier: GPL-2.0-only
/*
 * repro/lib/probe: a checksum of the running binary's text, and a program
 * run so that a failed exec is told apart from a program that ran.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "lib/child.h"
#include "lib/probe.h"

/* Validate that the text sum covers something and is the same twice. */
TEST(text_sum_is_stable)
{
	uint64_t a = 0, b = 1;

	ASSERT_EQ(0, krepro_text_sum(&a));
	ASSERT_EQ(0, krepro_text_sum(&b));
	EXPECT_EQ(a, b);
	/* The seed alone: no word of text was summed. */
	EXPECT_NE(0x6b7265707231ull, a);
}

/* Validate that a program that ran gives its status and no exec errno. */
TEST(probe_exec_returns_the_programs_status)
{
	char *const exit3[] = { "sh", "-c", "exit 3", NULL };
	char *const segv[] = { "sh", "-c", "kill -SEGV $$", NULL };
	char *const envp[] = { NULL };
	int status, err = -1;

	status = krepro_probe_exec("/bin/sh", exit3, envp, 0, &err);
	ASSERT_LE(0, status) TH_LOG("no process: %s", strerror(-status));
	EXPECT_EQ(0, err);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 3);
	status = krepro_probe_exec("/bin/sh", segv, envp, 0, &err);
	ASSERT_LE(0, status);
	EXPECT_EQ(0, err);
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV)
		TH_LOG("status 0x%x", status);
	EXPECT_EQ(0, krepro_child_count());
}

/* Validate that a failed exec reports its errno, not an exit code. */
TEST(probe_exec_reports_execs_errno)
{
	char *const argv[] = { "probe", NULL };
	char *const envp[] = { NULL };
	int status, err = 0;

	status = krepro_probe_exec("/nonexistent/probe", argv, envp, 0, &err);
	ASSERT_LE(0, status);
	EXPECT_EQ(ENOENT, err);
	/* Not a regular file: execve says EACCES. */
	status = krepro_probe_exec("/dev/null", argv, envp, 0, &err);
	ASSERT_LE(0, status);
	EXPECT_EQ(EACCES, err);
	EXPECT_EQ(0, krepro_child_count());
}

/* Validate that a program that spins is stopped by its CPU limit. */
TEST(probe_exec_limits_cpu_time)
{
	char *const spin[] = { "sh", "-c", "while :; do :; done", NULL };
	char *const envp[] = { NULL };
	int status, err = -1;

	status = krepro_probe_exec("/bin/sh", spin, envp, 1, &err);
	ASSERT_LE(0, status);
	EXPECT_EQ(0, err);
	EXPECT_TRUE(WIFSIGNALED(status) && (WTERMSIG(status) == SIGXCPU ||
					    WTERMSIG(status) == SIGKILL))
		TH_LOG("status 0x%x", status);
}

TEST_HARNESS_MAIN
