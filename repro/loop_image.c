// SPDX-License-Identifier: GPL-2.0-only
/*
 * A filesystem image truncated and rewritten in place while it is mounted
 * through a loop device.
 *
 * Incident (Heroku stack images): the stack image, an ext4 file, was
 * mounted with `mount -o loop,ro`; programs ran from it.  A deploy
 * refreshed the image in place - `cat new.img > stack.img`, a truncation to
 * zero followed by a rewrite - while it stayed mounted.  Once the page
 * cache let go of the mounted filesystem's pages (memory pressure; here
 * /proc/sys/vm/drop_caches), programs faulted them back in from a backing
 * file that was short or half rewritten: SIGSEGV, SIGBUS, ENOEXEC, EIO and
 * silently wrong data.  "ro" in loop,ro makes the loop device read-only;
 * nothing stops a writer of the backing file.  For a range past the
 * backing file's end a direct-I/O loop device fails the request with EIO
 * (lo_complete_rq); a buffered one zero-fills it in 6.1 (lo_read_simple)
 * but fails it with EIO in 6.12 and 6.18, whose buffered reads take the
 * same lo_rw_aio path - the behaviour tests record which.
 *
 * Fix: none in the kernel - it does what it is told.  Mitigations: make
 * the image immutable (chattr +i, FS_IMMUTABLE_FL), or keep the image's
 * directory on a read-only mount; never rewrite a mounted image in place
 * (write a new file and rename it, then remount).  Mode 0444 does not stop
 * root (CAP_DAC_OVERRIDE); a writer without CAP_DAC_OVERRIDE is stopped.
 * 6.8 added CONFIG_BLK_DEV_WRITE_MOUNTED, which can refuse writers of a
 * mounted block device - the loop device, not its backing file.
 * Known bad: every kernel with loop.  The published shell recipe gives
 * SIGSEGV and EIO within 3.4 s on a 6.18 host; this test reproduces it on
 * Debian 6.1.0-56 and 6.12.117 (TCG) and on 6.18 within the first second.
 *
 * Set-up: an ext4 image holding a copy of this (static) binary and a data
 * file with a known pattern, attached read-only and mounted ro in a private
 * mount namespace over a scratch tmpfs.  Run with KREPRO_LOOP_IMAGE_PROBE
 * set, the copy checksums its own read-only segments (about 200 pages of
 * text and rodata) in a constructor and exits 0, or 42 on a mismatch.
 * Readers exec the copy and read the data file in a loop and count what
 * they meet; a round is one writer cycle (drop caches, truncate, rewrite
 * from a saved copy) plus the readers' checks that follow it.
 *
 * Outcomes: hazard tests pass when the mechanism is reproduced (racy ones
 * print k/n and the time to the first hit; not hit is "not reproduced in n
 * runs", never "fixed"); mitigation tests pass when the protection holds
 * for the whole budget; behaviour tests record what this kernel does and
 * pass when it is the documented behaviour; the control passes when
 * readers stay clean with caches dropped but the image left alone.
 * KREPRO_NEGATIVE=1 takes each mitigation's protection away: they must
 * fail.  The hazards are their twins with the protection off.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fs.h>
#include <linux/loop.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/util.h"

#define IMAGE_BYTES	(8 << 20)
#define DATA_BYTES	(2 << 20)
#define CHUNK		(128 << 10)	/* what cat(1) reads and writes at once */
#define PROBE_ENV	"KREPRO_LOOP_IMAGE_PROBE"
#define PROBE_MISMATCH	42

/* Race budget when the harness gives none (cases/loop_image.case). */
#define DEF_ROUNDS	1000
#define DEF_SECONDS	5
/* The control only has to show that dropping caches alone is harmless. */
#define CONTROL_SECONDS	3
/* How long a round waits for the readers' checks after the writer. */
#define ROUND_WAIT_S	5.0

/* What a reader can meet; one per check at most, the first one seen. */
enum anomaly {
	A_SIGSEGV, A_SIGBUS, A_EIO, A_ENOEXEC, A_TEXT_MISMATCH, A_DATA_ZEROS,
	A_DATA_MISMATCH, A_OTHER_ERRNO, A_OTHER_FAILURE, A_KINDS
};

/*
 * text_mismatch: the program ran but its own pages were wrong;
 * data_zeros: the data file read back zeros where the pattern was;
 * data_mismatch: any other wrong content.
 */
static const char *const anomaly_name[A_KINDS] = {
	[A_SIGSEGV] = "sigsegv", [A_SIGBUS] = "sigbus", [A_EIO] = "eio",
	[A_ENOEXEC] = "enoexec", [A_TEXT_MISMATCH] = "text_mismatch",
	[A_DATA_ZEROS] = "data_zeros", [A_DATA_MISMATCH] = "data_mismatch",
	[A_OTHER_ERRNO] = "other_errno", [A_OTHER_FAILURE] = "other_failure",
};

/* A check that could not be made (fork or pipe failed): not counted. */
#define CHECK_SKIPPED	(A_KINDS + 1)

enum reader_kind { READ_EXEC, READ_DATA, READERS };

/* Shared between the test and its readers (MAP_SHARED). */
struct shared {
	unsigned long checks[READERS];
	unsigned long anomalies[A_KINDS];
	int first_errno;	/* the first errno counted as other_errno */
	int first_failure;	/* the first other_failure: signal or 1000+exit */
};

/* ---- the probe: what the copy on the image does when executed ---- */

static int sum_segments(struct dl_phdr_info *info, size_t size, void *data)
{
	uint64_t *sum = data;
	int i;

	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		const uint64_t *w;
		size_t j, n;

		if (ph->p_type != PT_LOAD || (ph->p_flags & PF_W))
			continue;
		w = (const uint64_t *)(info->dlpi_addr + ph->p_vaddr);
		n = ph->p_filesz / sizeof(*w);
		for (j = 0; j < n; j++)
			*sum = ((*sum << 7) | (*sum >> 57)) ^ w[j];
	}
	return 1;	/* the executable comes first; nothing else counts */
}

/* A checksum of this binary's read-only segments as mapped from its file. */
static uint64_t ro_segments_sum(void)
{
	uint64_t sum = 0x6b7265707231;

	dl_iterate_phdr(sum_segments, &sum);
	return sum;
}

/*
 * The image as mkfs built it, kept for the tests that follow: under TCG
 * mkfs.ext4 takes seconds, a copy milliseconds.  A memfd of the harness's
 * main process, which every test inherits; nothing on disk.
 */
static int image_cache = -1;
static int *image_cache_ready;	/* MAP_SHARED: set by the test that built it */

/*
 * Probe mode: the copy on the mounted image reads every page of its text
 * and rodata, compares with the sum the test computed from its own, and
 * exits.  Otherwise make the (empty) image cache.  Runs before the test
 * harness's main.
 */
__attribute__((constructor)) static void probe_mode(void)
{
	const char *want = getenv(PROBE_ENV);
	void *page;

	if (want)
		_exit(strtoull(want, NULL, 16) == ro_segments_sum() ? 0 : PROBE_MISMATCH);
	page = mmap(NULL, sizeof(*image_cache_ready), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		return;
	image_cache = memfd_create("krepro-loop-image", MFD_CLOEXEC);
	if (image_cache >= 0)
		image_cache_ready = page;
	else
		munmap(page, sizeof(*image_cache_ready));
}

/* ---- small helpers ---- */

static void note(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* A KTAP diagnostic line, flushed: the test process ends with _exit. */
static void note(const char *fmt, ...)
{
	va_list ap;

	printf("# loop_image: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static uint64_t pattern_word(size_t index)
{
	return (index + 1) * 0x9e3779b97f4a7c15ull ^ 0x6b7265707221ull;
}

enum content { CONTENT_OK, CONTENT_ZEROS, CONTENT_OTHER };

/*
 * What buf, read at byte offset off of the data file, holds: the pattern,
 * zeros where it differs, or something else.
 */
static enum content pattern_check(const char *buf, size_t len, size_t off)
{
	const uint64_t *w = (const uint64_t *)buf;
	enum content c = CONTENT_OK;
	size_t i;

	for (i = 0; i < len / sizeof(*w); i++) {
		if (w[i] == pattern_word(off / sizeof(*w) + i))
			continue;
		if (w[i])
			return CONTENT_OTHER;
		c = CONTENT_ZEROS;
	}
	return c;
}

static bool pattern_ok(const char *buf, size_t len, size_t off)
{
	return pattern_check(buf, len, off) == CONTENT_OK;
}

/*
 * pread until len bytes, end of file or an error: a short read goes on, so
 * a failing page shows its errno.  Bytes read, or -errno.
 */
static ssize_t pread_full(int fd, char *buf, size_t len, off_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, buf + got, len - got, off + got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += n;
	}
	return got;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= n;
	}
	return 0;
}

/* Copy all of the open fd in, from offset 0, to the open fd out. */
static int copy_fd(int in, int out)
{
	static char buf[CHUNK];
	off_t off = 0;
	ssize_t n;
	int ret;

	while ((n = pread(in, buf, sizeof(buf), off)) > 0) {
		ret = write_all(out, buf, n);
		if (ret)
			return ret;
		off += n;
	}
	return n < 0 ? -errno : 0;
}

/* Copy all of src to the open fd, CHUNK at a time, as cat(1) does. */
static int copy_into(const char *src, int out)
{
	int in, ret;

	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	ret = copy_fd(in, out);
	close(in);
	return ret;
}

static int copy_file(const char *src, const char *dst, mode_t mode)
{
	int out, ret;

	out = open(dst, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, mode);
	if (out < 0)
		return -errno;
	ret = copy_into(src, out);
	if (close(out) && !ret)
		ret = -errno;
	return ret;
}

/* `cat backup > image`: truncate the image to zero, then write it again. */
static int rewrite_image(const char *image, const char *backup)
{
	int fd, ret;

	fd = open(image, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = copy_into(backup, fd);
	if (close(fd) && !ret)
		ret = -errno;
	return ret;
}

static int drop_caches(void)
{
	return krepro_write_file("/proc/sys/vm/drop_caches", "3");
}

static int write_pattern(const char *path)
{
	static char buf[CHUNK];
	uint64_t *w = (uint64_t *)buf;
	size_t off, i;
	int fd, ret = 0;

	fd = open(path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	for (off = 0; off < DATA_BYTES && !ret; off += sizeof(buf)) {
		for (i = 0; i < sizeof(buf) / sizeof(*w); i++)
			w[i] = pattern_word(off / sizeof(*w) + i);
		ret = write_all(fd, buf, sizeof(buf));
	}
	if (close(fd) && !ret)
		ret = -errno;
	return ret;
}

static int make_file_of_size(const char *path, off_t size)
{
	int fd, ret;

	fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	ret = ftruncate(fd, size) ? -errno : 0;
	close(fd);
	return ret;
}

/*
 * Attach image read-only (as mount -o loop,ro does), optionally switch the
 * loop device to direct I/O, and mount it ro on mnt.  -EOPNOTSUPP: direct
 * I/O cannot be had on the filesystem holding the image.  The loop device
 * clears itself once the mount is gone.
 */
static int mount_image(const char *image, const char *mnt, bool direct_io,
		       char *dev, size_t len)
{
	struct loop_info64 info;
	int loop, ret = 0;

	loop = krepro_loop_attach(image, true, dev, len);
	if (loop < 0)
		return loop;
	if (direct_io) {
		if (ioctl(loop, LOOP_SET_DIRECT_IO, 1UL))
			ret = errno == EINVAL ? -EOPNOTSUPP : -errno;
		else if (ioctl(loop, LOOP_GET_STATUS64, &info))
			ret = -errno;
		else if (!(info.lo_flags & LO_FLAGS_DIRECT_IO))
			ret = -EOPNOTSUPP;
	}
	/* errors=continue: a corrupt read must never become a panic. */
	if (!ret && mount(dev, mnt, "ext4", MS_RDONLY, "errors=continue"))
		ret = -errno;
	close(loop);
	return ret;
}

static int set_immutable(const char *path, bool on)
{
	int fd, flags, ret = 0;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, FS_IOC_GETFLAGS, &flags)) {
		ret = -errno;
	} else {
		flags = on ? flags | FS_IMMUTABLE_FL : flags & ~FS_IMMUTABLE_FL;
		if (ioctl(fd, FS_IOC_SETFLAGS, &flags))
			ret = -errno;
	}
	close(fd);
	return ret;
}

static int bind_read_only(const char *dir)
{
	if (mount(dir, dir, NULL, MS_BIND, NULL))
		return -errno;
	if (mount(NULL, dir, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL))
		return -errno;
	return 0;
}

/* Whether the effective set holds cap. */
static bool have_cap(cap_value_t cap)
{
	cap_flag_value_t v = CAP_CLEAR;
	cap_t caps = cap_get_proc();

	if (!caps)
		return false;
	cap_get_flag(caps, cap, CAP_EFFECTIVE, &v);
	cap_free(caps);
	return v == CAP_SET;
}

/* Drop what lets root write a file its mode forbids; checked afterwards. */
static int drop_dac_caps(void)
{
	static const cap_value_t dac[] = {
		CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER,
	};
	cap_t caps = cap_get_proc();
	int ret = 0;

	if (!caps)
		return -errno;
	if (cap_set_flag(caps, CAP_EFFECTIVE, 3, dac, CAP_CLEAR) ||
	    cap_set_flag(caps, CAP_PERMITTED, 3, dac, CAP_CLEAR) ||
	    cap_set_flag(caps, CAP_INHERITABLE, 3, dac, CAP_CLEAR) ||
	    cap_set_proc(caps))
		ret = -errno;
	cap_free(caps);
	if (!ret && (have_cap(CAP_DAC_OVERRIDE) || have_cap(CAP_FOWNER)))
		ret = -EPERM;
	return ret;
}

/*
 * The process that runs the test harness.  If it is killed, the test
 * process (its child, our parent) keeps waiting for us: watch it with a
 * pidfd so an interrupted run stops within a round.  Best effort.
 */
static int top_pidfd = -1;

static void watch_top(void)
{
	char path[64], buf[512], *p;
	int fd, top;
	ssize_t n;

	if (krepro_path(path, sizeof(path), "/proc/%d/stat", getppid()))
		return;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %*c %d", &top) != 1 || top <= 0)
		return;
#ifdef SYS_pidfd_open
	top_pidfd = syscall(SYS_pidfd_open, top, 0);
#endif
}

static bool top_gone(void)
{
	struct pollfd p = { .fd = top_pidfd, .events = POLLIN };

	return top_pidfd >= 0 && poll(&p, 1, 0) == 1;
}

/* ---- readers ---- */

static enum anomaly errno_anomaly(struct shared *sh, int err)
{
	if (err == EIO)
		return A_EIO;
	if (err == ENOEXEC)
		return A_ENOEXEC;
	__atomic_compare_exchange_n(&sh->first_errno, &(int){ 0 }, err, false,
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	return A_OTHER_ERRNO;
}

static enum anomaly failure_anomaly(struct shared *sh, int code)
{
	__atomic_compare_exchange_n(&sh->first_failure, &(int){ 0 }, code, false,
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	return A_OTHER_FAILURE;
}

/*
 * Run the copy on the image once: A_KINDS when it ran clean, CHECK_SKIPPED
 * when no process could be made for it.
 */
static int exec_check(struct shared *sh, const char *mnt, const char *prog,
		      char *const envp[])
{
	char *const argv[] = { "krepro-stack-probe", NULL };
	int pfd[2], status, err;
	ssize_t n;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC))
		return CHECK_SKIPPED;
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return CHECK_SKIPPED;
	}
	if (pid == 0) {
		/*
		 * No core files.  A probe that runs into zeroed text can spin;
		 * a sound one needs well under 0.2 s of CPU even under TCG.
		 */
		struct rlimit core = { 0, 0 }, cpu = { 2, 3 };

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		setrlimit(RLIMIT_CORE, &core);
		setrlimit(RLIMIT_CPU, &cpu);
		if (chdir(mnt))
			_exit(126);
		execve(prog, argv, envp);
		err = errno;
		if (write(pfd[1], &err, sizeof(err)) != sizeof(err))
			_exit(126);
		_exit(127);
	}
	close(pfd[1]);
	n = read(pfd[0], &err, sizeof(err));	/* 0: the exec went through */
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return failure_anomaly(sh, 2000 + errno);
	if (n == sizeof(err))
		return errno_anomaly(sh, err);
	if (WIFSIGNALED(status)) {
		if (WTERMSIG(status) == SIGSEGV)
			return A_SIGSEGV;
		if (WTERMSIG(status) == SIGBUS)
			return A_SIGBUS;
		return failure_anomaly(sh, WTERMSIG(status));
	}
	if (WEXITSTATUS(status) == 0)
		return A_KINDS;
	if (WEXITSTATUS(status) == PROBE_MISMATCH)
		return A_TEXT_MISMATCH;
	return failure_anomaly(sh, 1000 + WEXITSTATUS(status));
}

/* Read the whole data file and check the pattern; A_KINDS when clean. */
static enum anomaly data_check(struct shared *sh, const char *data)
{
	static char buf[CHUNK];
	enum anomaly a = A_KINDS;
	size_t off;
	int fd;

	fd = open(data, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno_anomaly(sh, errno);
	for (off = 0; off < DATA_BYTES && a == A_KINDS; off += sizeof(buf)) {
		ssize_t n = pread_full(fd, buf, sizeof(buf), off);

		if (n < 0) {
			a = errno_anomaly(sh, -n);
			break;
		}
		if (n != sizeof(buf)) {
			a = A_DATA_MISMATCH;
			break;
		}
		switch (pattern_check(buf, sizeof(buf), off)) {
		case CONTENT_OK:
			break;
		case CONTENT_ZEROS:
			a = A_DATA_ZEROS;
			break;
		default:
			a = A_DATA_MISMATCH;
		}
	}
	close(fd);
	return a;
}

static __attribute__((noreturn)) void reader_main(enum reader_kind kind,
						  struct shared *sh, const char *mnt,
						  uint64_t sum, pid_t parent)
{
	char prog[PATH_MAX], data[PATH_MAX], env[64];
	char *envp[] = { env, NULL };
	int a;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);
	if (krepro_path(prog, sizeof(prog), "%s/prog", mnt) ||
	    krepro_path(data, sizeof(data), "%s/data", mnt) ||
	    krepro_path(env, sizeof(env), PROBE_ENV "=%llx", (unsigned long long)sum))
		_exit(2);
	for (;;) {
		a = kind == READ_EXEC ? exec_check(sh, mnt, prog, envp)
				      : (int)data_check(sh, data);
		if (a == CHECK_SKIPPED) {
			usleep(10000);
			continue;
		}
		if (a != A_KINDS)
			__atomic_add_fetch(&sh->anomalies[a], 1, __ATOMIC_SEQ_CST);
		__atomic_add_fetch(&sh->checks[kind], 1, __ATOMIC_SEQ_CST);
	}
}

/* ---- the fixture ---- */

FIXTURE(loop_image) {
	char root[PATH_MAX];	/* scratch tmpfs */
	char imgdir[PATH_MAX];	/* the directory holding the image */
	char image[PATH_MAX];	/* imgdir/stack.img, mounted on mnt */
	char backup[PATH_MAX];	/* the saved copy the writer rewrites from */
	char mnt[PATH_MAX];
	char disk[PATH_MAX];	/* an ext4 scratch, when tmpfs will not do */
	char dev[64];		/* the loop device under mnt */
	bool disk_mounted;
	uint64_t sum;		/* ro_segments_sum() of this binary */
	struct shared *sh;
	pid_t readers[READERS];
};

/*
 * Make the image: a copy of this binary and the pattern file on a fresh
 * ext4 (mkfs.ext4 -d), no journal.  127: no mkfs.ext4.
 */
static int build_image(const char *root, const char *image)
{
	char stage[PATH_MAX], path[PATH_MAX];
	char *mkfs[] = { "mkfs.ext4", "-q", "-F", "-b", "4096", "-O", "^has_journal",
			 "-d", stage, (char *)image, NULL };
	int ret;

	ret = krepro_path(stage, sizeof(stage), "%s/stage", root);
	if (ret)
		return ret;
	if (mkdir(stage, 0755))
		return -errno;
	ret = krepro_path(path, sizeof(path), "%s/prog", stage);
	if (!ret)
		ret = copy_file("/proc/self/exe", path, 0755);
	if (!ret)
		ret = krepro_path(path, sizeof(path), "%s/data", stage);
	if (!ret)
		ret = write_pattern(path);
	if (!ret)
		ret = make_file_of_size(image, IMAGE_BYTES);
	if (ret)
		return ret;
	ret = krepro_run_quiet(mkfs);
	return ret == 127 ? 127 : ret ? -EIO : 0;
}

/* The image from the cache, or built (and then cached). */
static int make_image(const char *root, const char *image)
{
	int fd, ret;

	if (image_cache_ready && *image_cache_ready) {
		fd = open(image, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
		if (fd < 0)
			return -errno;
		ret = copy_fd(image_cache, fd);
		close(fd);
		return ret;
	}
	ret = build_image(root, image);
	if (ret || !image_cache_ready)
		return ret;
	fd = open(image, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (!ftruncate(image_cache, 0) && !copy_fd(fd, image_cache))
		*image_cache_ready = 1;
	close(fd);
	return 0;
}

FIXTURE_SETUP(loop_image)
{
	void *sh;
	int ret;

	self->root[0] = '\0';
	self->disk_mounted = false;
	self->sh = NULL;
	memset(self->readers, 0, sizeof(self->readers));
	watch_top();

	KREPRO_SETUP_OK(krepro_private_mount_ns(), "make a private mount namespace");
	ret = krepro_scratch_tmpfs(self->root, sizeof(self->root), "loop-image");
	KREPRO_SETUP_OK(ret, "mount a scratch tmpfs");
	ret = krepro_path(self->imgdir, sizeof(self->imgdir), "%s/images", self->root);
	if (!ret)
		ret = krepro_path(self->image, sizeof(self->image), "%s/stack.img",
				  self->imgdir);
	if (!ret)
		ret = krepro_path(self->backup, sizeof(self->backup), "%s/stack.img.orig",
				  self->root);
	if (!ret)
		ret = krepro_path(self->mnt, sizeof(self->mnt), "%s/mnt", self->root);
	if (!ret)
		ret = krepro_path(self->disk, sizeof(self->disk), "%s/disk", self->root);
	if (!ret)
		ret = mkdir(self->imgdir, 0755) || mkdir(self->mnt, 0755) ? -errno : 0;
	KREPRO_SETUP_OK(ret, "make the image's and the mount's directories");
	self->sum = ro_segments_sum();

	ret = make_image(self->root, self->image);
	if (ret == 127) {
		/* Teardown runs only after a complete set-up. */
		krepro_scratch_release(self->root);
		SKIP(return, "mkfs.ext4 is not available");
	}
	KREPRO_SETUP_OK(ret, "make the ext4 image (mkfs.ext4 -d)");
	KREPRO_SETUP_OK(copy_file(self->image, self->backup, 0644),
			"save a copy of the image");

	ret = mount_image(self->image, self->mnt, false, self->dev, sizeof(self->dev));
	if (ret == -ENOENT || ret == -ENXIO || ret == -ENODEV)
		krepro_scratch_release(self->root);
	if (ret == -ENOENT || ret == -ENXIO)
		SKIP(return, "no loop devices here (module loop?): %s", strerror(-ret));
	if (ret == -ENODEV)
		SKIP(return, "ext4 is not available in this kernel");
	KREPRO_SETUP_OK(ret, "mount the image ro on a loop device");

	sh = mmap(NULL, sizeof(*self->sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	KREPRO_SETUP_ASSERT(sh != MAP_FAILED, "cannot map the readers' counters: %s",
			    strerror(errno));
	self->sh = sh;
}

static void stop_readers(FIXTURE_DATA(loop_image) *self)
{
	int i;

	for (i = 0; i < READERS; i++)
		if (self->readers[i] > 0)
			kill(self->readers[i], SIGKILL);
	for (i = 0; i < READERS; i++) {
		if (self->readers[i] > 0)
			while (waitpid(self->readers[i], NULL, 0) < 0 && errno == EINTR)
				;
		self->readers[i] = 0;
	}
}

FIXTURE_TEARDOWN(loop_image)
{
	stop_readers(self);
	if (self->root[0]) {
		umount2(self->mnt, MNT_DETACH);
		if (self->disk_mounted)
			umount2(self->disk, MNT_DETACH);
		krepro_scratch_release(self->root);
	}
	if (self->sh)
		munmap(self->sh, sizeof(*self->sh));
}

/*
 * Move the image to an ext4 scratch filesystem (for what tmpfs cannot do
 * on this kernel: O_DIRECT before 6.6, file attributes before 6.0) and
 * mount it again from there.
 */
static int move_image_to_ext4(FIXTURE_DATA(loop_image) *self, bool direct_io)
{
	char image[PATH_MAX], dev[64];
	char *mkfs[] = { "mkfs.ext4", "-q", "-F", "-O", "^has_journal", image, NULL };
	int loop, ret;

	umount2(self->mnt, MNT_DETACH);
	ret = krepro_path(image, sizeof(image), "%s/disk.img", self->root);
	if (!ret)
		ret = make_file_of_size(image, 4 * IMAGE_BYTES);
	if (ret)
		return ret;
	ret = krepro_run_quiet(mkfs);
	if (ret)
		return ret == 127 ? -ENOENT : -EIO;
	if (mkdir(self->disk, 0755))
		return -errno;
	loop = krepro_loop_attach(image, false, dev, sizeof(dev));
	if (loop < 0)
		return loop;
	ret = mount(dev, self->disk, "ext4", 0, NULL) ? -errno : 0;
	close(loop);
	if (ret)
		return ret;
	self->disk_mounted = true;
	ret = krepro_path(self->imgdir, sizeof(self->imgdir), "%s/images", self->disk);
	if (!ret)
		ret = krepro_path(self->image, sizeof(self->image), "%s/stack.img",
				  self->imgdir);
	if (ret)
		return ret;
	if (mkdir(self->imgdir, 0755))
		return -errno;
	ret = copy_file(self->backup, self->image, 0644);
	if (ret)
		return ret;
	return mount_image(self->image, self->mnt, direct_io, self->dev,
			   sizeof(self->dev));
}

static int start_readers(FIXTURE_DATA(loop_image) *self)
{
	pid_t parent = getpid();
	int i;

	for (i = 0; i < READERS; i++) {
		pid_t pid = fork();

		if (pid < 0)
			return -errno;
		if (pid == 0)
			reader_main(i, self->sh, self->mnt, self->sum, parent);
		self->readers[i] = pid;
	}
	return 0;
}

static void snapshot(const struct shared *sh, unsigned long checks[READERS],
		     unsigned long anomalies[A_KINDS])
{
	int i;

	for (i = 0; i < READERS; i++)
		checks[i] = __atomic_load_n(&sh->checks[i], __ATOMIC_SEQ_CST);
	for (i = 0; i < A_KINDS; i++)
		anomalies[i] = __atomic_load_n(&sh->anomalies[i], __ATOMIC_SEQ_CST);
}

/*
 * Wait until every reader has finished `more` checks after the snapshot
 * `since` (so at least more - 1 of them started after it).  False when
 * the readers stalled for ROUND_WAIT_S or the run was interrupted.
 */
static bool wait_checks(const struct shared *sh, const unsigned long since[READERS],
			unsigned long more, double deadline)
{
	double until = krepro_now() + ROUND_WAIT_S;
	int i;

	if (deadline > 0 && until > deadline)
		until = deadline;

	while (krepro_now() < until && !top_gone()) {
		for (i = 0; i < READERS; i++)
			if (__atomic_load_n(&sh->checks[i], __ATOMIC_SEQ_CST) <
			    since[i] + more)
				break;
		if (i == READERS)
			return true;
		usleep(1000);
	}
	return false;
}

/* Start the readers and see them run clean on the untouched image. */
static int readers_warm_up(FIXTURE_DATA(loop_image) *self, unsigned long *anomalies)
{
	unsigned long checks[READERS], before[A_KINDS], after[A_KINDS];
	int i, ret;

	snapshot(self->sh, checks, before);
	ret = start_readers(self);
	if (ret)
		return ret;
	if (!wait_checks(self->sh, checks, 2, 0))
		return -ETIMEDOUT;
	snapshot(self->sh, checks, after);
	*anomalies = 0;
	for (i = 0; i < A_KINDS; i++)
		*anomalies += after[i] - before[i];
	return 0;
}

enum writer { WRITER_NONE, WRITER_REWRITE };

struct race_result {
	unsigned long anomalies[A_KINDS];
	unsigned long anomaly_total;
	unsigned long checks;
	unsigned long writer_ok;	/* rewrites that went through */
	unsigned long writer_refused;	/* refused with the expected errno */
	unsigned long writer_other;	/* failed some other way */
	int writer_errno;		/* the first unexpected writer errno */
	unsigned long stalls;		/* rounds whose readers did not finish */
	double round_max;		/* the longest round, s */
};

/*
 * Rounds until the budget is spent: drop caches, let the writer rewrite the
 * image (the recipe's `cat backup.img > demo.img` after `echo 3 >
 * drop_caches`, in a loop), then wait for two more checks of each reader.
 * A round hits when a reader met an anomaly in it, or - when a protection
 * is expected - when the writer got through.
 */
static void race(FIXTURE_DATA(loop_image) *self, struct krepro_race *r,
		 enum writer writer, int refusal, struct race_result *res)
{
	unsigned long checks[READERS], before[A_KINDS], after[A_KINDS];
	int i, ret;

	memset(res, 0, sizeof(*res));
	for (i = 0; i < A_KINDS; i++)
		krepro_race_count(r, anomaly_name[i], 0);
	while (krepro_race_more(r) && !top_gone()) {
		double t0 = krepro_now();
		unsigned long hits = 0;
		bool wrote = false;

		snapshot(self->sh, checks, before);
		drop_caches();
		if (writer == WRITER_REWRITE) {
			ret = rewrite_image(self->image, self->backup);
			if (!ret) {
				res->writer_ok++;
				wrote = true;
			} else if (refusal && ret == -refusal) {
				res->writer_refused++;
			} else {
				res->writer_other++;
				if (!res->writer_errno)
					res->writer_errno = -ret;
			}
		}
		/* A stalled reader may not stretch the budget by more than a second. */
		if (!wait_checks(self->sh, checks, 2, r->started + r->seconds + 1))
			res->stalls++;
		if (krepro_now() - t0 > res->round_max)
			res->round_max = krepro_now() - t0;
		snapshot(self->sh, checks, after);
		for (i = 0; i < A_KINDS; i++) {
			res->anomalies[i] += after[i] - before[i];
			hits += after[i] - before[i];
		}
		res->anomaly_total += hits;
		krepro_race_round(r, hits || (refusal && wrote));
	}
	for (i = 0; i < READERS; i++)
		res->checks += __atomic_load_n(&self->sh->checks[i], __ATOMIC_SEQ_CST);
	for (i = 0; i < A_KINDS; i++)
		krepro_race_count(r, anomaly_name[i], res->anomalies[i]);
	krepro_race_count(r, "checks", res->checks);
	if (writer == WRITER_REWRITE) {
		krepro_race_count(r, "writer_ok", res->writer_ok);
		krepro_race_count(r, "writer_refused", res->writer_refused);
	}
}

/* Round times and the readers' first unusual errno and failure, for the log. */
static void note_race(const struct shared *sh, const struct race_result *res)
{
	int err = __atomic_load_n(&sh->first_errno, __ATOMIC_SEQ_CST);
	int fail = __atomic_load_n(&sh->first_failure, __ATOMIC_SEQ_CST);

	note("longest round %.0f ms, %lu rounds with a stalled reader",
	     res->round_max * 1000, res->stalls);

	if (err)
		note("first other errno: %s", strerror(err));
	if (fail >= 2000)
		note("first other failure: waitpid: %s", strerror(fail - 2000));
	else if (fail >= 1000)
		note("first other failure: exit status %d", fail - 1000);
	else if (fail)
		note("first other failure: signal %s", strsignal(fail));
}

/*
 * Start the readers and require them clean before anything writes: set-up
 * of every race.  A macro, so that the assertions stay in the test body.
 */
#define ASSERT_READERS_CLEAN_AT_START() do {					\
	unsigned long dirty;							\
										\
	KREPRO_SETUP_OK(readers_warm_up(self, &dirty), "start the readers");	\
	KREPRO_SETUP_ASSERT(dirty == 0, "readers met %lu anomalies before any "	\
			    "write", dirty);					\
} while (0)

/*
 * Validate that truncating and rewriting the mounted image while caches are
 * dropped makes programs on it crash or fail and reads return wrong data
 * (reproduced when any reader meets any anomaly).
 */
TEST_F_TIMEOUT(loop_image, rewrite_under_mount_breaks_readers, 600)
{
	struct race_result res;
	struct krepro_race r;

	ASSERT_READERS_CLEAN_AT_START();
	krepro_race_start(&r, DEF_ROUNDS, DEF_SECONDS);
	race(self, &r, WRITER_REWRITE, 0, &res);
	stop_readers(self);
	krepro_race_report(&r);
	note_race(self->sh, &res);

	ASSERT_EQ(0UL, res.writer_other) TH_LOG("the writer failed: %s",
					      strerror(res.writer_errno));
	if (!r.k)
		TH_LOG("not reproduced in %lu runs (%lu reader checks)", r.n, res.checks);
	EXPECT_LT(0UL, r.k);
}

/*
 * Validate that dropping caches alone, with the image left alone, keeps
 * the readers clean: anomalies come from the rewrite, not from the set-up.
 * Negative mode lets the writer in, so the control must fail.
 */
TEST_F_TIMEOUT(loop_image, drop_caches_alone_keeps_readers_clean, 600)
{
	struct race_result res;
	struct krepro_race r;

	ASSERT_READERS_CLEAN_AT_START();
	krepro_race_start(&r, DEF_ROUNDS, DEF_SECONDS);
	if (r.seconds > CONTROL_SECONDS)
		r.seconds = CONTROL_SECONDS;
	race(self, &r, krepro_negative() ? WRITER_REWRITE : WRITER_NONE, 0, &res);
	stop_readers(self);
	krepro_race_report(&r);
	note_race(self->sh, &res);
	EXPECT_EQ(0UL, res.anomaly_total) TH_LOG("readers met %lu anomalies in %lu rounds "
					       "with the image untouched",
					       res.anomaly_total, r.n);
}

/*
 * The race of a mitigation: the writer must be refused with `refusal` in
 * every round, and the readers must stay clean for the whole budget.
 */
#define ASSERT_MITIGATION_HOLDS(refusal, what) do {				\
	struct race_result res;							\
	struct krepro_race r;							\
										\
	ASSERT_READERS_CLEAN_AT_START();					\
	krepro_race_start(&r, DEF_ROUNDS, DEF_SECONDS);				\
	race(self, &r, WRITER_REWRITE, (refusal), &res);			\
	stop_readers(self);							\
	krepro_race_report(&r);							\
	note_race(self->sh, &res);						\
	EXPECT_EQ(0UL, res.writer_ok) TH_LOG("%s: a root writer rewrote the "	\
		"image in %lu of %lu rounds", (what), res.writer_ok, r.n);	\
	EXPECT_EQ(0UL, res.writer_other) TH_LOG("%s: expected %s, the writer "	\
		"saw %s", (what), strerror(refusal),				\
		strerror(res.writer_errno));					\
	EXPECT_EQ(0UL, res.anomaly_total) TH_LOG("%s: readers met %lu "		\
		"anomalies in %lu rounds", (what), res.anomaly_total, r.n);	\
	EXPECT_LT(0UL, r.n);							\
} while (0)

/*
 * Validate that an image with the immutable attribute refuses a root
 * writer (EPERM) while readers run clean for the whole budget.
 */
TEST_F_TIMEOUT(loop_image, immutable_image_refuses_root_writer, 600)
{
	int ret;

	if (krepro_negative()) {
		note("negative control: the image is left mutable");
	} else {
		ret = set_immutable(self->image, true);
		if (ret == -ENOTTY || ret == -EOPNOTSUPP || ret == -EINVAL) {
			note("tmpfs has no immutable attribute here (%s): image on ext4",
			     strerror(-ret));
			ret = move_image_to_ext4(self, false);
			KREPRO_SETUP_OK(ret, "move the image to ext4");
			ret = set_immutable(self->image, true);
		}
		KREPRO_SETUP_OK(ret, "set FS_IMMUTABLE_FL");
	}
	ASSERT_MITIGATION_HOLDS(EPERM, "immutable image");
	if (!krepro_negative())
		set_immutable(self->image, false);
}

/*
 * Validate that the image's directory bind-mounted read-only refuses a
 * root writer (EROFS) while readers run clean for the whole budget.
 */
TEST_F_TIMEOUT(loop_image, read_only_bind_refuses_root_writer, 600)
{
	if (krepro_negative())
		note("negative control: the image's directory stays writable");
	else
		KREPRO_SETUP_OK(bind_read_only(self->imgdir),
				"bind the image's directory read-only");
	ASSERT_MITIGATION_HOLDS(EROFS, "read-only bind");
}

/*
 * Validate that mode 0444 does not stop root: with CAP_DAC_OVERRIDE the
 * truncating rewrite of the mounted image goes through.
 */
TEST_F(loop_image, mode_0444_does_not_stop_root)
{
	struct stat st;
	int ret;

	if (!have_cap(CAP_DAC_OVERRIDE))
		SKIP(return, "this test runs without CAP_DAC_OVERRIDE");
	KREPRO_SETUP_OK(chmod(self->image, 0444) ? -errno : 0, "chmod the image 0444");
	ret = rewrite_image(self->image, self->backup);
	EXPECT_EQ(0, ret) TH_LOG("root's rewrite of a mode 0444 image failed: %s "
				 "(not reproduced)", strerror(-ret));
	ASSERT_EQ(0, stat(self->image, &st));
	EXPECT_EQ(IMAGE_BYTES, st.st_size);
}

struct dac_write { int step; int err; };
enum { DAC_DROP = 1, DAC_WRITE };

static int write_without_dac(void *arg, void *out)
{
	const char *const *paths = arg;
	struct dac_write *w = out;

	w->step = DAC_DROP;
	w->err = krepro_negative() ? 0 : drop_dac_caps();
	if (w->err)
		return 0;
	w->step = DAC_WRITE;
	w->err = rewrite_image(paths[0], paths[1]);
	return 0;
}

/*
 * Validate that without CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH and
 * CAP_FOWNER, root cannot truncate a mode 0444 image (EACCES).
 */
TEST_F(loop_image, dropped_dac_override_refuses_writer)
{
	const char *paths[] = { self->image, self->backup };
	struct dac_write w = { 0 };
	int ret;

	if (krepro_negative())
		note("negative control: the writer keeps its capabilities");
	KREPRO_SETUP_OK(chmod(self->image, 0444) ? -errno : 0, "chmod the image 0444");
	ret = krepro_in_child(write_without_dac, paths, &w, sizeof(w));
	/* No child, or one that could not report: nothing learned of the refusal. */
	KREPRO_SETUP_OK(ret, "run the writer child");
	KREPRO_SETUP_ASSERT(w.step == DAC_WRITE, "cannot drop the capabilities: %s",
			    strerror(-w.err));
	EXPECT_EQ(-EACCES, w.err) TH_LOG("expected EACCES, the writer %s saw %s",
		krepro_negative() ? "with its capabilities kept" :
		"without CAP_DAC_OVERRIDE", w.err ? strerror(-w.err) : "success");
}

/*
 * What a read of the data file gives once the backing file is truncated:
 * "zeros", "eio", "stale" (the old data), "mixed", "short" or an errno
 * name.  NULL when the set-up failed (nothing was read past the end yet);
 * *why says where, *err with what.
 */
static const char *read_after_truncate(FIXTURE_DATA(loop_image) *self,
				       const char **why, int *err)
{
	static char buf[CHUNK];
	bool zeros = true, intact = true;
	char path[PATH_MAX];
	size_t off, i;
	int fd;

	*err = 0;
	*why = "build the data file's path";
	if (krepro_path(path, sizeof(path), "%s/data", self->mnt))
		return NULL;
	/* Open first: the inode must not need the (soon gone) inode table. */
	*why = "open the data file";
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*err = errno;
		return NULL;
	}
	*why = "read the pattern back before the truncation";
	for (off = 0; off < DATA_BYTES; off += sizeof(buf)) {
		if (pread_full(fd, buf, sizeof(buf), off) != sizeof(buf) ||
		    !pattern_ok(buf, sizeof(buf), off)) {
			close(fd);
			return NULL;
		}
	}
	*why = "truncate the image and drop caches";
	if (truncate(self->image, 0)) {
		*err = errno;
		close(fd);
		return NULL;
	}
	*err = -drop_caches();
	if (*err) {
		close(fd);
		return NULL;
	}
	for (off = 0; off < DATA_BYTES; off += sizeof(buf)) {
		ssize_t n = pread_full(fd, buf, sizeof(buf), off);

		if (n < 0) {
			close(fd);
			return n == -EIO ? "eio" : strerrorname_np(-n);
		}
		if (n != sizeof(buf)) {
			close(fd);
			return "short";
		}
		for (i = 0; zeros && i < sizeof(buf); i++)
			zeros = !buf[i];
		intact = intact && pattern_ok(buf, sizeof(buf), off);
	}
	close(fd);
	return zeros ? "zeros" : intact ? "stale" : "mixed";
}

#define SETUP_READ_RAN(seen, why, err)						\
	KREPRO_SETUP_ASSERT((seen) != NULL, "cannot %s: %s", (why),		\
			    (err) ? strerror(err) : "wrong content")

/*
 * Validate that with a buffered loop device, reads of the truncated range
 * return zeros (recorded as "buffered=..." per kernel).  Zeros is what the
 * incident write-up describes and 6.1 does; 6.12 and 6.18 fail the read
 * with EIO, which this test reports as a change.
 */
TEST_F(loop_image, buffered_read_of_truncated_image_gives_zeros)
{
	const char *seen, *why;
	int err;

	seen = read_after_truncate(self, &why, &err);
	SETUP_READ_RAN(seen, why, err);
	note("buffered=%s", seen);
	EXPECT_STREQ("zeros", seen) TH_LOG("buffered loop: expected zeros past "
					   "the backing file's end, saw %s", seen);
}

/*
 * Validate that with a direct-I/O loop device, reads of the truncated range
 * fail with EIO (recorded as "direct_io=..." per kernel).
 */
TEST_F(loop_image, direct_io_read_of_truncated_image_gives_eio)
{
	const char *seen, *why, *where = "tmpfs";
	int ret, err;

	umount2(self->mnt, MNT_DETACH);
	ret = mount_image(self->image, self->mnt, true, self->dev, sizeof(self->dev));
	if (ret == -EOPNOTSUPP) {
		/* tmpfs has O_DIRECT from 6.6 on. */
		where = "ext4 (tmpfs has no O_DIRECT here)";
		ret = move_image_to_ext4(self, true);
		if (ret == -EOPNOTSUPP)
			SKIP(return, "loop direct I/O cannot be enabled on tmpfs or ext4");
		if (ret == -ENOENT)
			SKIP(return, "tmpfs has no O_DIRECT here and mkfs.ext4 is missing");
	}
	KREPRO_SETUP_OK(ret, "mount the image with loop direct I/O");
	seen = read_after_truncate(self, &why, &err);
	SETUP_READ_RAN(seen, why, err);
	note("direct_io=%s (image on %s)", seen, where);
	EXPECT_STREQ("eio", seen) TH_LOG("direct-I/O loop: expected EIO past the "
					 "backing file's end, saw %s", seen);
}

/* bdev_allow_write_mounted= on the command line: 1, 0, or -1 if absent. */
static int cmdline_allow_write_mounted(void)
{
	static const char key[] = "bdev_allow_write_mounted=";
	char buf[4096], *p;
	ssize_t n;
	int fd;

	fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strstr(buf, key);
	if (!p)
		return -1;
	p += sizeof(key) - 1;
	return *p && strchr("1yY", *p) ? 1 : 0;
}

/* Whether the running kernel is at least major.minor. */
static bool kernel_at_least(int major, int minor)
{
	struct utsname u;
	int ma = 0, mi = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &ma, &mi) != 2)
		return true;
	return ma > major || (ma == major && mi >= minor);
}

/*
 * Validate what opening the mounted loop device for writing does: allowed
 * (the default; the only choice before 6.8) or refused with EBUSY (6.8+
 * without CONFIG_BLK_DEV_WRITE_MOUNTED or with bdev_allow_write_mounted=0).
 * A write of the bytes already there is tried too: the device of a
 * loop,ro mount is read-only.
 */
TEST_F(loop_image, mounted_loop_device_open_for_write)
{
	bool may_refuse = kernel_at_least(6, 8);
	int knob = cmdline_allow_write_mounted();
	const char *write_seen = "not tried";
	char buf[512];
	int fd, err;

	fd = open(self->dev, O_RDWR | O_CLOEXEC);
	err = fd < 0 ? errno : 0;
	if (!err) {
		if (pread(fd, buf, sizeof(buf), 0) != sizeof(buf))
			write_seen = "read failed";
		else if (pwrite(fd, buf, sizeof(buf), 0) < 0)
			write_seen = strerrorname_np(errno);
		else
			write_seen = "allowed";
		close(fd);
	}
	if (err == ENOENT || err == ENXIO)
		SKIP(return, "the loop device %s is gone: %s", self->dev, strerror(err));
	note("mounted_bdev_open_write=%s write=%s (bdev_allow_write_mounted=%s)",
	     err ? strerrorname_np(err) : "allowed", write_seen,
	     knob < 0 ? (may_refuse ? "config default" : "n/a before 6.8")
		      : knob ? "1" : "0");
	if (!err) {
		EXPECT_NE(0, knob) TH_LOG("bdev_allow_write_mounted=0 is on the command "
					  "line, yet the mounted device opened for writing");
	} else {
		EXPECT_EQ(EBUSY, err) TH_LOG("opening the mounted loop device for writing "
					     "failed with %s", strerror(err));
		EXPECT_TRUE(may_refuse) TH_LOG("a kernel before 6.8 refused to open a "
					       "mounted device for writing");
		EXPECT_NE(1, knob);
	}
}

TEST_HARNESS_MAIN
