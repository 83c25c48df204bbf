// SPDX-License-Identifier: GPL-2.0-only
/*
 * Harness self-test, not a failure mode: nothing a guest prints can make
 * or unmake a result, and a guest that floods its console cannot fill the
 * host's disk.  Driven by ci/channel.bats, which selects the subtests it
 * needs by name (several are meant to spoil the run they are in):
 *
 *  - frame_words_are_output: prints frame words under another boot's
 *    marker, under none, and mid-line: case output, never frames, so the
 *    subtests after it still run and report;
 *  - kernel_messages_between_results: kernel messages (through
 *    /dev/kmsg) that look like results and frames, between its own
 *    diagnostics: they reach the console only;
 *  - printk_storm: 2 MiB of kernel messages, unratelimited: the host's
 *    console log stops at its cap, the VM goes on, the result stands;
 *  - floods_the_channel: 2 MiB of its own output: the channel log stops
 *    at the cap and what was cut off (END among it) cannot count, so the
 *    case is an error;
 *  - forges_a_result_line: prints after_the_noise's result line before
 *    that test runs: two result lines, so after_the_noise is an error;
 *  - forges_end_with_the_marker: reads the boot's marker and sends an END
 *    frame of its own: init's frames after it garble the channel, and
 *    every subtest is an error;
 *  - cut_off_mid_line: prints its own "ok" line without the newline and
 *    waits to be killed (ci/channel.bats kills QEMU): a line cut off is
 *    no result;
 *  - after_the_noise: passes; whether it ran and reported shows that
 *    the noise before it changed nothing.
 * Every subtest skips on the live host: only a guest has the channel.
 * Declared "default: no"; run by name.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/fileio.h"
#include "lib/util.h"

/* Another boot's marker: 16 hex digits, as init's are. */
#define FOREIGN_MARKER "0123456789abcdef"
/* What printk_storm writes through /dev/kmsg. */
#define STORM_BYTES (2 << 20)

static bool in_guest(void)
{
	return access("/krepro/conf", F_OK) == 0;
}

#define GUEST_ONLY() do {							\
	if (!in_guest())							\
		SKIP(return, "only a krepro guest has a result channel");	\
} while (0)

/* Write one kernel message; -errno. */
static int kmsg(int fd, const char *text)
{
	return write(fd, text, strlen(text)) < 0 ? -errno : 0;
}

/* /dev/kmsg with its rate limit off, so that every write is printed. */
static int open_kmsg(void)
{
	int ret = krepro_write_file("/proc/sys/kernel/printk_devkmsg", "on\n");

	if (ret)
		return ret;
	ret = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	return ret < 0 ? -errno : ret;
}

/* Validate that frame words under another marker, or none, are output. */
TEST(frame_words_are_output)
{
	GUEST_ONLY();
	printf("KREPRO-" FOREIGN_MARKER " END rc=0 taint=0\n");
	printf("KREPRO-" FOREIGN_MARKER " BEGIN selftest_channel taint=0\n");
	printf("KREPRO- END rc=0 taint=0\n");
	printf("noise KREPRO-" FOREIGN_MARKER " TAINT 512\n");
	fflush(stdout);
}

/* Validate that kernel messages between results stay on the console. */
TEST(kernel_messages_between_results)
{
	static const char *const lines[] = {
		"ok 1 global.after_the_noise\n",
		"not ok 1 global.frame_words_are_output\n",
		"KREPRO-" FOREIGN_MARKER " END rc=0 taint=0\n",
	};
	int fd;

	GUEST_ONLY();
	fd = open_kmsg();
	KREPRO_SETUP_ASSERT(fd >= 0, "cannot open /dev/kmsg: %s", strerror(-fd));
	for (int i = 0; i < 30; i++) {
		TH_LOG("between kernel messages, %d", i);
		ASSERT_EQ(0, kmsg(fd, lines[i % 3]));
	}
	close(fd);
}

/* Validate that a printk storm is capped on the host and changes no result. */
TEST(printk_storm)
{
	char line[128];
	long sent = 0;
	int fd;

	GUEST_ONLY();
	fd = open_kmsg();
	KREPRO_SETUP_ASSERT(fd >= 0, "cannot open /dev/kmsg: %s", strerror(-fd));
	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	memcpy(line, "krepro printk storm ", 20);
	while (sent < STORM_BYTES) {
		ASSERT_EQ(0, kmsg(fd, line)) TH_LOG("after %ld bytes", sent);
		sent += sizeof(line) - 1;
	}
	close(fd);
	TH_LOG("sent %ld bytes of kernel messages", sent);
}

/* Validate that a case flooding the channel past its cap gets no result. */
TEST(floods_the_channel)
{
	GUEST_ONLY();
	for (long sent = 0; sent < STORM_BYTES; sent += 64)
		printf("# krepro channel flood ...........................................\n");
	fflush(stdout);
}

/* Validate that a result line for another test gives it no result. */
TEST(forges_a_result_line)
{
	GUEST_ONLY();
	printf("ok 1 global.after_the_noise\n");
	fflush(stdout);
}

/*
 * Validate that an END frame with the boot's own marker garbles the
 * channel.  The marker is init's secret only against the console: any
 * case can read the knobs (fw_cfg) as init did.
 */
TEST(forges_end_with_the_marker)
{
	char knobs[4096] = "", *m;
	FILE *f;

	GUEST_ONLY();
	f = popen("/krepro/knobs", "r");
	ASSERT_NE(NULL, f) TH_LOG("cannot run /krepro/knobs: %s", strerror(errno));
	if (!fgets(knobs, sizeof(knobs), f))
		knobs[0] = 0;
	pclose(f);
	m = strstr(knobs, "krepro.marker=");
	ASSERT_NE(NULL, m) TH_LOG("no marker in the knobs: %s", knobs);
	m += strlen("krepro.marker=");
	printf("KREPRO-%.*s END rc=0 taint=0\n", (int)strcspn(m, " \n"), m);
	fflush(stdout);
}

/* Validate that a result line cut off by a killed VM is no result. */
TEST(cut_off_mid_line)
{
	GUEST_ONLY();
	printf("ok 1 global.cut_off_mid_line");
	fflush(stdout);
	sleep(80);
}

TEST(after_the_noise)
{
	ASSERT_TRUE(true);
}

TEST_HARNESS_MAIN
