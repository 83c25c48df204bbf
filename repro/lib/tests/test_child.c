// SPDX-License-Identifier: GPL-2.0-only
/*
 * repro/lib/child: tracked children die with their parent, are reaped by
 * kill-all, and a command's output and exit code come back whole.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/child.h"

/*
 * Validate that a tracked child has SIGKILL armed as its parent-death
 * signal and is forgotten once it is reaped.
 */
TEST(fork_arms_parent_death_signal)
{
	pid_t pid = krepro_child_fork();
	int status;

	ASSERT_LE(0, pid) TH_LOG("fork: %s", strerror(-pid));
	if (pid == 0) {
		int sig = 0;

		_exit(prctl(PR_GET_PDEATHSIG, &sig) || sig != SIGKILL ? 1 : 0);
	}
	EXPECT_EQ(1, krepro_child_count());
	status = krepro_child_wait(pid);
	ASSERT_LE(0, status);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("the child saw no SIGKILL death signal (status 0x%x)", status);
	EXPECT_EQ(0, krepro_child_count());
}

/*
 * Validate that a tracked child is killed when the process that started
 * it dies: it must not outlive a test killed by its timeout.
 */
TEST(child_dies_with_its_parent)
{
	int fds[2], status;
	pid_t middle, orphan = 0;

	/* The orphan is reparented to us, so we can see how it ended. */
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1));
	ASSERT_EQ(0, pipe(fds));
	middle = fork();
	ASSERT_LE(0, middle);
	if (middle == 0) {
		int armed[2];
		pid_t pid;
		char c;

		if (pipe(armed))
			_exit(1);
		pid = krepro_child_fork();
		if (pid == 0) {
			/* Armed now: the middle may die. */
			pid = getpid();
			if (write(fds[1], &pid, sizeof(pid)) != sizeof(pid) ||
			    write(armed[1], "", 1) != 1)
				_exit(1);
			pause();
			_exit(0);
		}
		_exit(pid > 0 && read(armed[0], &c, 1) == 1 ? 0 : 1);
	}
	close(fds[1]);
	ASSERT_EQ((ssize_t)sizeof(orphan), read(fds[0], &orphan, sizeof(orphan)));
	ASSERT_EQ(middle, waitpid(middle, &status, 0));
	ASSERT_EQ(0, status);
	ASSERT_EQ(orphan, waitpid(orphan, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
		TH_LOG("the orphan ended with status 0x%x", status);
}

/* Validate that kill-all kills and reaps every tracked child. */
TEST(kill_all_reaps_every_child)
{
	int i;

	for (i = 0; i < 3; i++) {
		pid_t pid = krepro_child_fork();

		ASSERT_LE(0, pid);
		if (pid == 0) {
			pause();
			_exit(0);
		}
	}
	ASSERT_EQ(3, krepro_child_count());
	krepro_child_kill_all();
	EXPECT_EQ(0, krepro_child_count());
	EXPECT_EQ(-1, waitpid(-1, NULL, WNOHANG));
	EXPECT_EQ(ECHILD, errno);
}

/* Validate that the table refuses a child it could not track. */
TEST(fork_refuses_a_child_it_cannot_track)
{
	pid_t pid;
	int i;

	for (i = 0; i < KREPRO_CHILDREN_MAX; i++) {
		pid = krepro_child_fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			pause();
			_exit(0);
		}
	}
	EXPECT_EQ(-EAGAIN, krepro_child_fork());
	krepro_child_kill_all();
	EXPECT_EQ(0, krepro_child_count());
}

/* Validate that capture returns the program's stdout and exit code. */
TEST(capture_returns_stdout_and_exit_code)
{
	char *argv[] = { "sh", "-c", "echo hello; echo noise >&2; exit 3", NULL };
	char buf[64];

	EXPECT_EQ(3, krepro_capture(argv, buf, sizeof(buf)));
	EXPECT_STREQ("hello\n", buf);
	EXPECT_EQ(0, krepro_child_count());
}

/* Validate that a program that is not there gives the exec-failed code. */
TEST(capture_of_a_missing_program_says_exec_failed)
{
	char *argv[] = { "krepro-no-such-program", NULL };
	char buf[16] = "stale";

	EXPECT_EQ(KREPRO_CHILD_EXEC_FAILED, krepro_capture(argv, buf, sizeof(buf)));
	EXPECT_STREQ("", buf);
}

/*
 * Validate that output longer than the buffer is cut, NUL-terminated, and
 * still read to the end: the program finishes and its exit code is seen.
 */
TEST(capture_cuts_long_output_and_drains_it)
{
	char *argv[] = { "sh", "-c", "i=0; while [ $i -lt 4000 ]; do "
			 "echo xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; i=$((i+1)); done; "
			 "exit 4", NULL };
	char buf[16];

	EXPECT_EQ(4, krepro_capture(argv, buf, sizeof(buf)));
	EXPECT_EQ(15UL, strlen(buf));
	EXPECT_STREQ("xxxxxxxxxxxxxxx", buf);
}

/* Validate that a program killed by a signal reads as 128 + the signal. */
TEST(capture_of_a_killed_program_gives_128_plus_signal)
{
	char *argv[] = { "sh", "-c", "kill -9 $$", NULL };
	char buf[16];

	EXPECT_EQ(128 + SIGKILL, krepro_capture(argv, buf, sizeof(buf)));
}

static int refuse(void *arg)
{
	return -EACCES;
}

/*
 * Validate that a child whose prepare hook fails never runs the program
 * and says so with the set-up-failed code.
 */
TEST(failed_prepare_ends_the_child_as_never_ran)
{
	char *argv[] = { "true", NULL };
	struct krepro_spawn s = { .argv = argv, .in = -1, .out = -1, .err = -1,
				  .prepare = refuse };
	pid_t pid = krepro_spawn(&s);
	int status;

	ASSERT_LT(0, pid);
	status = krepro_child_wait(pid);
	ASSERT_LE(0, status);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == KREPRO_CHILD_SETUP_FAILED)
		TH_LOG("status 0x%x", status);
	EXPECT_TRUE(krepro_child_never_ran(status));
}

/* Validate that spawn puts the given descriptors on stdin and stdout. */
TEST(spawn_redirects_stdin_and_stdout)
{
	char *argv[] = { "cat", NULL };
	int in[2], out[2], status;
	struct krepro_spawn s = { .argv = argv, .err = -1 };
	char buf[16] = "";
	pid_t pid;

	ASSERT_EQ(0, pipe2(in, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(out, O_CLOEXEC));
	s.in = in[0];
	s.out = out[1];
	pid = krepro_spawn(&s);
	ASSERT_LT(0, pid);
	close(in[0]);
	close(out[1]);
	ASSERT_EQ(3, write(in[1], "abc", 3));
	close(in[1]);
	EXPECT_EQ(3, read(out[0], buf, sizeof(buf) - 1));
	EXPECT_STREQ("abc", buf);
	status = krepro_child_wait(pid);
	EXPECT_EQ(0, krepro_exit_code(status));
	EXPECT_FALSE(krepro_child_never_ran(status));
	close(out[0]);
}

/* Validate that err_path takes the program's stderr, truncating the file. */
TEST(spawn_sends_stderr_to_a_file)
{
	char *argv[] = { "sh", "-c", "echo oops >&2", NULL };
	char path[] = "/tmp/krepro-test-child.XXXXXX", buf[32] = "";
	struct krepro_spawn s = { .argv = argv, .in = -1, .out = -1, .err = -1,
				  .err_path = path };
	int fd = mkstemp(path), status;
	pid_t pid;

	ASSERT_LE(0, fd);
	ASSERT_EQ(20, write(fd, "stale stale stale!!\n", 20));
	pid = krepro_spawn(&s);
	ASSERT_LT(0, pid);
	status = krepro_child_wait(pid);
	EXPECT_EQ(0, krepro_exit_code(status));
	EXPECT_EQ(5, pread(fd, buf, sizeof(buf) - 1, 0));
	EXPECT_STREQ("oops\n", buf);
	close(fd);
	unlink(path);
}

/* Validate the wait status in words, for the logs. */
TEST(status_text_names_exit_code_and_signal)
{
	char buf[32];

	EXPECT_STREQ("exit 2", krepro_status_text(2 << 8, buf, sizeof(buf)));
	EXPECT_STREQ("killed by SIGKILL", krepro_status_text(SIGKILL, buf, sizeof(buf)));
	EXPECT_EQ(128 + SIGTERM, krepro_exit_code(SIGTERM));
}

TEST_HARNESS_MAIN
