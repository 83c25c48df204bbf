// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tests of repro/lib/fileio.c: whole transfers, copies and rewrites in
 * place, sparse files, and the pattern that tells zeros from other damage.
 * Run unprivileged or as root, in a fresh directory under $TMPDIR.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/fileio.h"
#include "lib/util.h"
#include "wire.h"

#define SEED	0x1234abcdull

FIXTURE(fileio) {
	char dir[PATH_MAX];
	char a[PATH_MAX], b[PATH_MAX];
};

FIXTURE_SETUP(fileio)
{
	const char *tmp = getenv("TMPDIR");

	umask(022);	/* the modes asked for are the modes seen */
	ASSERT_EQ(0, krepro_path(self->dir, sizeof(self->dir), "%s/krepro-fileio.XXXXXX",
				 tmp && *tmp ? tmp : "/tmp"));
	ASSERT_NE(NULL, mkdtemp(self->dir)) TH_LOG("mkdtemp: %s", strerror(errno));
	ASSERT_EQ(0, krepro_path(self->a, sizeof(self->a), "%s/a", self->dir));
	ASSERT_EQ(0, krepro_path(self->b, sizeof(self->b), "%s/b", self->dir));
}

FIXTURE_TEARDOWN(fileio)
{
	unlink(self->a);
	unlink(self->b);
	rmdir(self->dir);
}

/* Validate that a pattern written to a file reads back as the pattern. */
TEST_F(fileio, pattern_round_trip)
{
	static char buf[300 << 10];
	struct stat st;
	int fd;

	ASSERT_EQ(0, krepro_write_pattern(self->a, sizeof(buf), SEED, 0640));
	ASSERT_EQ(0, stat(self->a, &st));
	EXPECT_EQ(sizeof(buf), (size_t)st.st_size);
	EXPECT_EQ(0640U, st.st_mode & 07777);
	fd = open(self->a, O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ((ssize_t)sizeof(buf), krepro_pread_full(fd, buf, sizeof(buf), 0));
	EXPECT_EQ(KREPRO_CONTENT_OK, krepro_pattern_check(buf, sizeof(buf), 0, SEED));
	/* A window further in is checked against its own offset. */
	EXPECT_EQ(KREPRO_CONTENT_OK, krepro_pattern_check(buf + 4096, 64, 4096, SEED));
	EXPECT_EQ(KREPRO_CONTENT_OTHER, krepro_pattern_check(buf + 4096, 64, 0, SEED));
	EXPECT_EQ(KREPRO_CONTENT_OTHER, krepro_pattern_check(buf, 64, 0, SEED + 1));
	close(fd);
}

/* Validate that zeroed words and other damage are told apart. */
TEST(pattern_tells_zeros_from_other_damage)
{
	uint64_t w[64];

	ASSERT_EQ(0, krepro_pattern_fill(w, sizeof(w), 512, SEED));
	EXPECT_EQ(KREPRO_CONTENT_OK, krepro_pattern_check(w, sizeof(w), 512, SEED));
	w[3] = 0;
	EXPECT_EQ(KREPRO_CONTENT_ZEROS, krepro_pattern_check(w, sizeof(w), 512, SEED));
	w[7] ^= 1;
	EXPECT_EQ(KREPRO_CONTENT_OTHER, krepro_pattern_check(w, sizeof(w), 512, SEED));
	memset(w, 0, sizeof(w));
	EXPECT_EQ(KREPRO_CONTENT_ZEROS, krepro_pattern_check(w, sizeof(w), 0, SEED));
	EXPECT_NE(0ull, krepro_pattern_word(0, 0));
}

/* Validate that offsets and lengths must be whole words. */
TEST(pattern_refuses_partial_words)
{
	uint64_t w[4];

	EXPECT_EQ(-EINVAL, krepro_pattern_fill(w, 7, 0, SEED));
	EXPECT_EQ(-EINVAL, krepro_pattern_fill(w, 8, 4, SEED));
	EXPECT_EQ(-EINVAL, krepro_pattern_check(w, 12, 0, SEED));
	EXPECT_EQ(-EINVAL, krepro_write_pattern("/nonexistent/x", 9, SEED, 0600));
}

/* Validate that a copy has the source's bytes and the mode asked for. */
TEST_F(fileio, copy_file_copies_bytes_and_sets_mode)
{
	char *x, *y;
	size_t xl, yl;
	struct stat st;

	ASSERT_EQ(0, krepro_write_pattern(self->a, 200 << 10, SEED, 0600));
	ASSERT_EQ(0, krepro_copy_file(self->a, self->b, 0755));
	ASSERT_EQ(0, stat(self->b, &st));
	EXPECT_EQ(0755U, st.st_mode & 07777);
	ASSERT_EQ(0, krepro_read_whole(self->a, &x, &xl));
	ASSERT_EQ(0, krepro_read_whole(self->b, &y, &yl));
	EXPECT_EQ(xl, yl);
	EXPECT_EQ(0, memcmp(x, y, xl));
	free(x);
	free(y);
}

/* Validate that a missing source is reported and leaves no empty copy. */
TEST_F(fileio, copy_from_missing_source_fails_cleanly)
{
	EXPECT_EQ(-ENOENT, krepro_copy_file(self->a, self->b, 0644));
	EXPECT_EQ(-1, access(self->b, F_OK));
	EXPECT_EQ(-ENOENT, krepro_rewrite_file(self->b, self->a));
}

/* Validate that a rewrite keeps the inode and replaces the content, as cat > does. */
TEST_F(fileio, rewrite_keeps_the_inode)
{
	struct stat before, after;
	char *data;
	size_t len;

	ASSERT_EQ(0, krepro_write_pattern(self->a, 64 << 10, SEED, 0644));
	ASSERT_EQ(0, krepro_write_pattern(self->b, 256 << 10, SEED + 1, 0644));
	ASSERT_EQ(0, stat(self->b, &before));
	ASSERT_EQ(0, krepro_rewrite_file(self->b, self->a));
	ASSERT_EQ(0, stat(self->b, &after));
	EXPECT_EQ(before.st_ino, after.st_ino);
	ASSERT_EQ(0, krepro_read_whole(self->b, &data, &len));
	EXPECT_EQ((size_t)64 << 10, len);
	EXPECT_EQ(KREPRO_CONTENT_OK, krepro_pattern_check(data, len, 0, SEED));
	free(data);
	/* The target must exist: a rewrite never creates. */
	unlink(self->b);
	EXPECT_EQ(-ENOENT, krepro_rewrite_file(self->b, self->a));
}

/* Validate that a sparse file has its size and no data, and is never reused. */
TEST_F(fileio, make_sparse_is_exclusive_and_sized)
{
	struct stat st;

	ASSERT_EQ(0, krepro_make_sparse(self->a, 64 << 20));
	ASSERT_EQ(0, stat(self->a, &st));
	EXPECT_EQ((off_t)64 << 20, st.st_size);
	EXPECT_GT((blkcnt_t)1024, st.st_blocks) TH_LOG("%ld blocks allocated",
						    (long)st.st_blocks);
	EXPECT_EQ(-EEXIST, krepro_make_sparse(self->a, 4096));
}

/* Validate that a short file reads short and then at its end reads nothing. */
TEST_F(fileio, pread_full_stops_at_end_of_file)
{
	char buf[8192];
	int fd;

	ASSERT_EQ(0, krepro_write_pattern(self->a, 4096, SEED, 0644));
	fd = open(self->a, O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(4096, krepro_pread_full(fd, buf, sizeof(buf), 0));
	EXPECT_EQ(96, krepro_pread_full(fd, buf, sizeof(buf), 4000));
	EXPECT_EQ(0, krepro_pread_full(fd, buf, sizeof(buf), 4096));
	close(fd);
	EXPECT_EQ(-EBADF, krepro_pread_full(fd, buf, sizeof(buf), 0));
}

/* Validate that write errors come back as -errno. */
TEST_F(fileio, write_full_reports_errors)
{
	int fd;

	fd = open(self->a, O_CREAT | O_RDONLY, 0644);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EBADF, krepro_write_full(fd, "x", 1));
	close(fd);
	EXPECT_EQ(-EBADF, krepro_write_full(-1, "x", 1));
	EXPECT_EQ(0, krepro_write_full(-1, "", 0));
}

/* Validate that files without a size (/proc) are read to their end. */
TEST(read_whole_reads_proc_files)
{
	char *data;
	size_t len;

	ASSERT_EQ(0, krepro_read_whole("/proc/self/status", &data, &len));
	EXPECT_LT((size_t)100, len);
	EXPECT_EQ(len, strlen(data));
	EXPECT_NE(NULL, strstr(data, "Name:"));
	free(data);
	EXPECT_EQ(-ENOENT, krepro_read_whole("/nonexistent/file", &data, &len));
}

/*
 * Validate that what one subtest shares reaches a later one once, whole,
 * only at the size asked for, and never without a share directory.
 */
TEST_F(fileio, share_put_then_take_once)
{
	unsigned long sent[3] = { 7, 20, 3 }, got[3] = { 0 }, small;

	unsetenv(WIRE_ENV_SHARE);
	EXPECT_EQ(-ENOENT, krepro_share_put("k", sent, sizeof(sent)));
	ASSERT_EQ(0, setenv(WIRE_ENV_SHARE, self->dir, 1));
	ASSERT_EQ(0, krepro_share_put("k", sent, sizeof(sent)));
	EXPECT_EQ(-EINVAL, krepro_share_take("k", &small, sizeof(small)));
	EXPECT_EQ(-ENOENT, krepro_share_take("k", got, sizeof(got)));	/* taken: gone */
	ASSERT_EQ(0, krepro_share_put("k", sent, sizeof(sent)));
	ASSERT_EQ(0, krepro_share_take("k", got, sizeof(got)));
	EXPECT_EQ(0, memcmp(sent, got, sizeof(got)));
	EXPECT_EQ(-ENOENT, krepro_share_take("k", got, sizeof(got)));
	EXPECT_EQ(0, rmdir(self->dir)) TH_LOG("left behind in the share directory");
	mkdir(self->dir, 0700);		/* for the teardown */
	unsetenv(WIRE_ENV_SHARE);
}

TEST_HARNESS_MAIN
