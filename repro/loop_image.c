// SPDX-License-Identifier: GPL-2.0-only
/*
 * A filesystem image truncated and rewritten in place while it is mounted
 * through a loop device.
 *
 * Incident (Heroku, Cedar-14 stack image, 2017): the stack image, an ext4
 * file on the host's disk, was mounted with `mount -o loop,ro`; every
 * dyno's programs ran from it.  A failed stack upgrade wrote the new image
 * over the mounted one in place - `cat new.img > stack.img`, a truncation
 * to zero and a rewrite.  Once the page cache let go of the mounted
 * filesystem's pages (memory pressure; here /proc/sys/vm/drop_caches),
 * programs faulted them back in from a backing file that was short or half
 * rewritten, and segfaulted for hours.  "ro" in loop,ro makes the loop
 * device read-only; nothing stops a writer of the backing file.
 *
 * Fix: none in the kernel - it does what it is told.  The seed's fix was
 * to mark the images read-only on the host filesystem.  Modelled here as
 * that fix: the immutable attribute (chattr +i, the read-only mark that
 * holds against root) and mode 0444 (the plain one, which does not:
 * CAP_DAC_OVERRIDE).  Our interpretation, beyond the write-up: the
 * images' directory bind-mounted read-only, and a writer without
 * CAP_DAC_OVERRIDE (which makes mode 0444 hold).  6.8 added
 * CONFIG_BLK_DEV_WRITE_MOUNTED, which can refuse writers of a mounted
 * block device - the loop device, not its backing file.
 * Known bad: every kernel with loop.  The published shell recipe gives
 * SIGSEGV and EIO within 3.4 s on a 6.18 host.
 *
 * Set-up: a journalled ext4 "host disk" on a loop device holds the stack
 * image (ext4: a copy of this static binary and a pattern file) and the new
 * image; the stack image is mounted -o loop,ro in a private mount namespace.
 * Readers exec the copy (which checksums its own text, see probe_mode) and
 * read the pattern file in a loop; a round is one writer cycle (drop
 * caches, truncate, rewrite) and two checks by each reader after it.
 *
 * Outcomes: the racy hazard's hit is the incident's artefact - a program
 * from the image killed by SIGSEGV or SIGBUS, or running with wrong text;
 * EIO, ENOEXEC and wrong data are counted apart.  Not hit is "not
 * reproduced in n runs", never "fixed".  A reader without a check for 5 s,
 * a failed drop_caches, or fewer than 10 checks per reader where nothing
 * was seen, make a race an error.  KREPRO_NEGATIVE=1 takes each protection
 * away (and lets the control's writer in, and gives the regression a
 * read-write loop device): they must fail.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/caps.h"
#include "lib/child.h"
#include "lib/fileio.h"
#include "lib/image.h"
#include "lib/probe.h"
#include "lib/util.h"
#include "lib/workers.h"

#define IMAGE_BYTES	(8 << 20)
#define DISK_BYTES	(48 << 20)
#define DATA_BYTES	(2 << 20)
#define DATA_SEED	0x6b7265707221ull
#define PROBE_ENV	"KREPRO_LOOP_IMAGE_PROBE"
#define PROBE_MISMATCH	42
/* The probe's CPU limit; past it, SIGXCPU: it ran something else. */
#define PROBE_CPU_SECONDS 1

/* Race budget when the harness gives none (cases/loop_image.case). */
#define DEF_ROUNDS	1000
#define DEF_SECONDS	8
/* A reader without a finished check for this long has stalled. */
#define STALL_S		5.0
/*
 * Fewer checks than this per reader prove nothing about a protection (each
 * check after a cache drop reads its file from the image again): in 40 VM
 * runs under TCG on a loaded 2-core host the fewest in one 8 s race was 16.
 */
#define MIN_READER_CHECKS 10

/*
 * What a reader can meet; one per check at most, the first one seen.
 * The first A_CRASH_KINDS are the incident's artefact: a program from the
 * image that crashed or ran with wrong text.
 */
enum anomaly {
	A_SIGSEGV, A_SIGBUS, A_TEXT_MISMATCH, A_CRASH_KINDS,
	A_ENOEXEC = A_CRASH_KINDS, A_EIO, A_DATA_ZEROS, A_DATA_MISMATCH,
	A_OTHER_ERRNO, A_OTHER_FAILURE, A_KINDS
};

static const char *const anomaly_name[A_KINDS] = {
	[A_SIGSEGV] = "sigsegv", [A_SIGBUS] = "sigbus",
	[A_TEXT_MISMATCH] = "text_mismatch", [A_ENOEXEC] = "enoexec",
	[A_EIO] = "eio", [A_DATA_ZEROS] = "data_zeros",
	[A_DATA_MISMATCH] = "data_mismatch", [A_OTHER_ERRNO] = "other_errno",
	[A_OTHER_FAILURE] = "other_failure",
};

/* A clean check, and one that could not be made (no process): not counted. */
#define CHECK_CLEAN	A_KINDS
#define CHECK_SKIPPED	(A_KINDS + 1)

enum reader_kind { READ_EXEC, READ_DATA, READERS };
static const char *const checks_name[READERS] = { "exec_checks", "data_checks" };

/* Shared between the test and its readers (MAP_SHARED). */
struct shared {
	unsigned long checks[READERS];
	unsigned long anomalies[A_KINDS];
	int first_errno;	/* the first errno counted as other_errno */
	int first_failure;	/* the first other_failure's wait status */
};

/* ---- the probe: what the copy on the image does when executed ---- */

/*
 * Probe mode: the copy on the mounted image reads every page of its text
 * and rodata, compares with the sum the test computed from its own, and
 * exits before the test harness's main.
 */
__attribute__((constructor)) static void probe_mode(void)
{
	const char *want = getenv(PROBE_ENV);
	uint64_t sum;

	if (want)
		_exit(!krepro_text_sum(&sum) && strtoull(want, NULL, 16) == sum ? 0 :
		      PROBE_MISMATCH);
}

/* ---- small helpers ---- */

/* A KTAP diagnostic line, flushed: the test process ends with _exit. */
#define note(fmt, ...) \
	(printf("# loop_image: " fmt "\n", ##__VA_ARGS__), fflush(stdout))

static int drop_caches(void)
{
	return krepro_write_file("/proc/sys/vm/drop_caches", "3");
}

static int bind_read_only(const char *dir)
{
	if (mount(dir, dir, NULL, MS_BIND, NULL))
		return -errno;
	if (mount(NULL, dir, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL))
		return -errno;
	return 0;
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
 * Run the copy on the image once: CHECK_CLEAN when it ran clean,
 * CHECK_SKIPPED when no process could be made for it.
 */
static int exec_check(struct shared *sh, const char *prog, char *const envp[])
{
	char *const argv[] = { "krepro-stack-probe", NULL };
	int status, err;

	/*
	 * A sound probe used 7 ms of CPU (median; 36 ms at most) in 483 runs
	 * of the control and both protections, two TCG guests at once on 2
	 * cores (6.1.0-57; getrusage of the reaped children).  A probe that
	 * runs zeroed text spins to this limit, and a round waits for two of
	 * them: with 2 s the crash hazard fitted 2-3 rounds into its 8 s on
	 * half of the 6.1 kernels of a 19-kernel run (BENCHMARKS.md).
	 */
	status = krepro_probe_exec(prog, argv, envp, PROBE_CPU_SECONDS, &err);
	if (status < 0)
		return CHECK_SKIPPED;	/* no process, or a lost child: no check made */
	if (err)
		return errno_anomaly(sh, err);
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV)
		return A_SIGSEGV;
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS)
		return A_SIGBUS;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return CHECK_CLEAN;
	if (WIFEXITED(status) && WEXITSTATUS(status) == PROBE_MISMATCH)
		return A_TEXT_MISMATCH;
	/*
	 * Killed at its CPU limit, over 25 times what a sound probe used: it ran
	 * something other than its text and never reached its check (zeroed
	 * pages decode as an endless run of adds).  Seen on 6.1.0-47 and
	 * 6.1.0-57; counted apart, a round of such probes ran out of checks.
	 */
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGXCPU)
		return A_TEXT_MISMATCH;
	return failure_anomaly(sh, status);
}

/* Read all of the open data file and check the pattern; CHECK_CLEAN when clean. */
static int data_check_fd(struct shared *sh, int fd, char *buf, size_t len)
{
	int a = CHECK_CLEAN;
	size_t off;

	for (off = 0; off < DATA_BYTES && a == CHECK_CLEAN; off += len) {
		ssize_t n = krepro_pread_full(fd, buf, len, off);
		int c = n < 0 || (size_t)n != len ? KREPRO_CONTENT_OTHER :
			krepro_pattern_check(buf, len, off, DATA_SEED);

		if (n < 0)
			a = errno_anomaly(sh, -n);
		else if (c == KREPRO_CONTENT_ZEROS)
			a = A_DATA_ZEROS;
		else if (c != KREPRO_CONTENT_OK)
			a = A_DATA_MISMATCH;
	}
	return a;
}

static int data_check(struct shared *sh, const char *data, char *buf, size_t len)
{
	int fd = open(data, O_RDONLY | O_CLOEXEC), a;

	if (fd < 0)
		return errno_anomaly(sh, errno);
	a = data_check_fd(sh, fd, buf, len);
	close(fd);
	return a;
}

/* A reader: check, count, forever (until the test kills it). */
static __attribute__((noreturn)) void reader_main(enum reader_kind kind,
						  struct shared *sh, const char *mnt,
						  uint64_t sum)
{
	static char buf[128 << 10];
	char prog[PATH_MAX], data[PATH_MAX], env[64];
	char *envp[] = { env, NULL };
	int a;

	if (krepro_path(prog, sizeof(prog), "%s/prog", mnt) ||
	    krepro_path(data, sizeof(data), "%s/data", mnt) ||
	    krepro_path(env, sizeof(env), PROBE_ENV "=%llx", (unsigned long long)sum))
		_exit(2);	/* no progress: the test sees a stalled reader */
	for (;;) {
		a = kind == READ_EXEC ? exec_check(sh, prog, envp)
				      : data_check(sh, data, buf, sizeof(buf));
		if (a == CHECK_SKIPPED) {
			usleep(10000);
			continue;
		}
		if (a != CHECK_CLEAN)
			__atomic_add_fetch(&sh->anomalies[a], 1, __ATOMIC_SEQ_CST);
		__atomic_add_fetch(&sh->checks[kind], 1, __ATOMIC_SEQ_CST);
	}
}

/* ---- the fixture ---- */

FIXTURE(loop_image) {
	char root[PATH_MAX];	/* scratch tmpfs */
	char disk[PATH_MAX];	/* the host disk's mount: ext4 on a loop device */
	char imgdir[PATH_MAX];	/* disk/images, the directory holding the image */
	char image[PATH_MAX];	/* imgdir/stack.img, mounted on mnt */
	char backup[PATH_MAX];	/* disk/new.img, what the writer copies in */
	char mnt[PATH_MAX];
	struct krepro_image stack;	/* the mounted image */
	uint64_t sum;		/* krepro_text_sum() of this binary */
	struct shared *sh;
};

/* The stack image's mount: read-only loop device, ro, never a panic. */
static void stack_image(FIXTURE_DATA(loop_image) *self, bool read_only, bool direct_io)
{
	self->stack = (struct krepro_image){
		.path = self->image, .fstype = "ext4", .read_only = read_only,
		.flags = MS_RDONLY, .direct_io = direct_io,
		/* errors=continue: a corrupt read must never become a panic. */
		.data = "errors=continue",
	};
}

/*
 * Make the image: a copy of this binary and the pattern file on a fresh
 * ext4 (mkfs.ext4 -d), no journal.
 */
static int build_image(FIXTURE_DATA(loop_image) *self, struct krepro_image *img)
{
	char stage[PATH_MAX], path[PATH_MAX];
	int ret;

	ret = krepro_path(stage, sizeof(stage), "%s/stage", self->root) ?:
	      (mkdir(stage, 0755) ? -errno : 0) ?:
	      krepro_path(path, sizeof(path), "%s/prog", stage) ?:
	      krepro_copy_file("/proc/self/exe", path, 0755) ?:
	      krepro_path(path, sizeof(path), "%s/data", stage) ?:
	      krepro_write_pattern(path, DATA_BYTES, DATA_SEED, 0644);
	if (ret)
		return ret;
	*img = (struct krepro_image){
		.path = self->image, .size = IMAGE_BYTES, .fstype = "ext4",
		.mkfs_args = { "-b", "4096", "-O", "^has_journal", "-d", stage },
		/* Every subtest stages the same binary and pattern. */
		.kind = "loop_image-stack",
	};
	ret = krepro_image_create(img);
	return ret ? ret : krepro_image_mkfs(img);
}

static int fixture_paths(FIXTURE_DATA(loop_image) *self)
{
	return krepro_path(self->disk, sizeof(self->disk), "%s/disk", self->root) ?:
	       krepro_path(self->imgdir, sizeof(self->imgdir), "%s/images", self->disk) ?:
	       krepro_path(self->image, sizeof(self->image), "%s/stack.img", self->imgdir) ?:
	       krepro_path(self->backup, sizeof(self->backup), "%s/new.img", self->disk) ?:
	       krepro_path(self->mnt, sizeof(self->mnt), "%s/mnt", self->root) ?:
	       (mkdir(self->disk, 0755) || mkdir(self->mnt, 0755) ? -errno : 0);
}

/* Set-up of an image step: skip for a missing feature, error otherwise. */
#define SETUP_IMAGE(ret, img) do {						\
	char _why[160];								\
										\
	if ((ret) && krepro_image_missing((img), (ret), _why, sizeof(_why))) {	\
		krepro_scratch_abandon();					\
		SKIP(return, "%s", _why);					\
	}									\
	KREPRO_SETUP_ASSERT(!(ret), "cannot %s (%s): %s",			\
			    krepro_image_step_name(img), (img)->path,		\
			    strerror(-(ret)));					\
} while (0)

FIXTURE_SETUP(loop_image)
{
	struct krepro_image disk, built = { .path = NULL };
	char disk_image[PATH_MAX];
	void *sh;
	int ret;

	self->root[0] = '\0';
	self->sh = NULL;

	KREPRO_SETUP_OK(krepro_private_mount_ns(), "make a private mount namespace");
	ret = krepro_scratch_tmpfs(self->root, sizeof(self->root), "loop-image");
	KREPRO_SETUP_OK(ret, "mount a scratch tmpfs");
	ret = fixture_paths(self);
	if (!ret)
		ret = krepro_path(disk_image, sizeof(disk_image), "%s/disk.img", self->root);
	KREPRO_SETUP_OK(ret, "make the fixture's directories");

	/* The host's disk: journalled ext4 (mkfs defaults), as on the incident's hosts. */
	disk = (struct krepro_image){
		.path = disk_image, .size = DISK_BYTES, .fstype = "ext4",
	};
	ret = krepro_image_setup(&disk, self->disk);
	SETUP_IMAGE(ret, &disk);
	KREPRO_SETUP_OK(mkdir(self->imgdir, 0755) ? -errno : 0,
			"make the images' directory");

	ret = build_image(self, &built);
	if (built.path)
		SETUP_IMAGE(ret, &built);
	KREPRO_SETUP_OK(ret, "make the stack image");
	KREPRO_SETUP_OK(krepro_copy_file(self->image, self->backup, 0644),
			"copy the stack image to the new image");
	KREPRO_SETUP_OK(krepro_text_sum(&self->sum), "checksum this binary's text");

	stack_image(self, true, false);
	ret = krepro_image_mount(&self->stack, self->mnt);
	SETUP_IMAGE(ret, &self->stack);

	sh = mmap(NULL, sizeof(*self->sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	KREPRO_SETUP_ASSERT(sh != MAP_FAILED, "cannot map the readers' counters: %s",
			    strerror(errno));
	self->sh = sh;
}

FIXTURE_TEARDOWN(loop_image)
{
	krepro_child_kill_all();
	/* A lazy unmount takes every mount below: the disk goes whole. */
	if (self->root[0])
		krepro_scratch_release(self->root);
	if (self->sh)
		munmap(self->sh, sizeof(*self->sh));
}

/* Mount the stack image again, from a loop device made to order. */
static int remount_stack(FIXTURE_DATA(loop_image) *self, bool read_only, bool direct_io)
{
	if (umount2(self->mnt, 0))
		return -errno;
	stack_image(self, read_only, direct_io);
	return krepro_image_mount(&self->stack, self->mnt);
}

/* ---- the race ---- */

/* Worker i of krepro_workers_start: reader i on the fixture's image. */
static void reader(int i, void *arg)
{
	FIXTURE_DATA(loop_image) *self = arg;

	reader_main(i, self->sh, self->mnt, self->sum);
}

static void snapshot(const struct shared *sh, unsigned long checks[READERS],
		     unsigned long anomalies[A_KINDS])
{
	krepro_counters_load(sh->checks, checks, READERS);
	krepro_counters_load(sh->anomalies, anomalies, A_KINDS);
}

/*
 * Wait until every reader has finished `more` checks after the snapshot
 * `since` (so at least more - 1 of them started after it).  -ETIMEDOUT
 * when the readers finished none for STALL_S.
 */
static int wait_checks(const struct shared *sh, const unsigned long since[READERS],
		       unsigned long more)
{
	return krepro_counters_wait(sh->checks, since, READERS, more, STALL_S);
}

/* What a race does and what makes a round a hit. */
struct plan {
	bool write;		/* the writer rewrites the image every round */
	int refusal;		/* the errno a protected writer must get; 0: none */
	bool crashes_only;	/* a hit is a crash of a program (the hazard) */
};

/* The anomalies seen so far that the plan counts as hits. */
static unsigned long hits_so_far(const struct shared *sh, const struct plan *p)
{
	return krepro_counters_sum(sh->anomalies, p->crashes_only ? A_CRASH_KINDS : A_KINDS);
}

/* Start the readers and see them run clean on the untouched image. */
static int readers_warm_up(FIXTURE_DATA(loop_image) *self, unsigned long *anomalies)
{
	static const unsigned long none[READERS];
	static const struct plan any;
	int ret;

	ret = krepro_workers_start(READERS, reader, self);
	if (!ret)
		ret = wait_checks(self->sh, none, 2);
	*anomalies = hits_so_far(self->sh, &any);
	return ret;
}

struct race_result {
	unsigned long anomalies[A_KINDS];
	unsigned long anomaly_total;
	unsigned long checks[READERS];
	unsigned long writer_ok;	/* rewrites that went through */
	unsigned long writer_refused;	/* refused with the expected errno */
	unsigned long writer_other;	/* failed some other way */
	int writer_errno;		/* the first unexpected writer errno */
	const char *failed;		/* the step that stopped the race */
};

/* The writer of one round: `cat new.img > stack.img`, tallied. */
static bool write_round(FIXTURE_DATA(loop_image) *self, const struct plan *p,
			struct race_result *res)
{
	int ret = krepro_rewrite_file(self->image, self->backup);

	if (!ret) {
		res->writer_ok++;
		return true;
	}
	if (p->refusal && ret == -p->refusal) {
		res->writer_refused++;
	} else {
		res->writer_other++;
		if (!res->writer_errno)
			res->writer_errno = -ret;
	}
	return false;
}

/*
 * Rounds until the budget is spent: drop caches, let the writer rewrite the
 * image (the recipe's `echo 3 > drop_caches; cat backup.img > demo.img`
 * in a loop), then wait for two more checks of each reader.  A round hits
 * when a reader met an anomaly the plan counts, or - when a protection is
 * expected - when the writer got through.  0, or -errno with res->failed.
 */
static int race(FIXTURE_DATA(loop_image) *self, struct krepro_race *r,
		const struct plan *p, struct race_result *res)
{
	unsigned long start[READERS], checks[READERS], base[A_KINDS], now[A_KINDS], hits;
	int i, ret = 0;

	memset(res, 0, sizeof(*res));
	snapshot(self->sh, start, base);
	while (krepro_race_more(r)) {
		bool wrote = false;

		snapshot(self->sh, checks, now);
		hits = hits_so_far(self->sh, p);
		ret = drop_caches();
		if (ret) {
			res->failed = "drop caches (/proc/sys/vm/drop_caches)";
			break;
		}
		if (p->write)
			wrote = write_round(self, p, res);
		ret = wait_checks(self->sh, checks, 2);
		if (ret) {
			res->failed = "see the readers' next checks (a reader stalled)";
			break;
		}
		krepro_race_round(r, hits_so_far(self->sh, p) > hits || (p->refusal && wrote));
	}
	snapshot(self->sh, checks, now);
	for (i = 0; i < A_KINDS; i++) {
		res->anomalies[i] = now[i] - base[i];
		res->anomaly_total += res->anomalies[i];
		krepro_race_count(r, anomaly_name[i], res->anomalies[i]);
	}
	for (i = 0; i < READERS; i++) {
		res->checks[i] = checks[i] - start[i];
		krepro_race_count(r, checks_name[i], res->checks[i]);
	}
	if (p->write) {
		krepro_race_count(r, "writer_ok", res->writer_ok);
		krepro_race_count(r, "writer_refused", res->writer_refused);
	}
	return ret;
}

/* Checks made, and the readers' first unusual errno and failure, for the log. */
static void note_race(const struct shared *sh, const struct race_result *res)
{
	int err = __atomic_load_n(&sh->first_errno, __ATOMIC_SEQ_CST);
	int fail = __atomic_load_n(&sh->first_failure, __ATOMIC_SEQ_CST);
	char text[64];

	note("%lu exec and %lu data checks", res->checks[READ_EXEC], res->checks[READ_DATA]);
	if (err)
		note("first other errno: %s", strerror(err));
	if (fail)
		note("first other failure: %s", krepro_status_text(fail, text, sizeof(text)));
}

/*
 * Start the readers, require them clean before anything writes, run the
 * race and report it; a race that stopped (drop_caches failed, a reader
 * stalled) is an error.  A macro, so that the assertions stay in the test
 * body.
 */
#define RUN_RACE(plan_, res_, r_) do {					\
	unsigned long _dirty;							\
	int _ret;								\
										\
	_ret = readers_warm_up(self, &_dirty);					\
	KREPRO_SETUP_OK(_ret, "start the readers and see two checks each");	\
	KREPRO_SETUP_ASSERT(_dirty == 0, "readers met %lu anomalies before "	\
			    "any write", _dirty);				\
	krepro_race_start((r_), _metadata->name, DEF_ROUNDS, DEF_SECONDS);	\
	_ret = race(self, (r_), (plan_), (res_));					\
	krepro_child_kill_all();						\
	krepro_race_report(r_);							\
	note_race(self->sh, (res_));						\
	KREPRO_SETUP_OK(_ret, (res_)->failed);					\
} while (0)

/* Nothing seen proves nothing unless the readers looked often enough. */
#define ASSERT_ENOUGH_CHECKS(res_)						\
	KREPRO_SETUP_ASSERT((res_)->checks[READ_EXEC] >= MIN_READER_CHECKS &&	\
			    (res_)->checks[READ_DATA] >= MIN_READER_CHECKS,	\
			    "the readers made %lu exec and %lu data checks; "	\
			    "a verdict needs %d each", (res_)->checks[READ_EXEC],\
			    (res_)->checks[READ_DATA], MIN_READER_CHECKS)

/*
 * Validate that truncating and rewriting the mounted image while caches are
 * dropped crashes programs run from it: SIGSEGV, SIGBUS or wrong text
 * (reproduced when any exec of the copy on the image meets one).
 */
TEST_F_TIMEOUT(loop_image, rewrite_under_mount_crashes_programs, 600)
{
	const struct plan p = { .write = true, .crashes_only = true };
	struct race_result res;
	struct krepro_race r;

	RUN_RACE(&p, &res, &r);
	KREPRO_SETUP_ASSERT(res.writer_other == 0, "cannot rewrite the image: %s",
			    strerror(res.writer_errno));
	if (!r.k) {
		ASSERT_ENOUGH_CHECKS(&res);
		TH_LOG("not reproduced in %lu runs (%lu anomalies of other kinds)",
		       r.n, res.anomaly_total);
	}
	EXPECT_LT(0UL, r.k);
}

/*
 * Validate that dropping caches alone, with the image left alone, keeps
 * the readers clean: anomalies come from the rewrite, not from the set-up.
 * Negative mode lets the writer in, so the control must fail.
 */
TEST_F_TIMEOUT(loop_image, drop_caches_alone_keeps_readers_clean, 600)
{
	const struct plan p = { .write = krepro_negative() };
	struct race_result res;
	struct krepro_race r;

	RUN_RACE(&p, &res, &r);
	if (!res.anomaly_total)
		ASSERT_ENOUGH_CHECKS(&res);
	EXPECT_EQ(0UL, res.anomaly_total) TH_LOG("readers met %lu anomalies in %lu rounds "
					       "with the image untouched",
					       res.anomaly_total, r.n);
}

/*
 * The race of a mitigation: the writer must be refused with `refusal` in
 * every round, and the readers must stay clean until the race is decided.
 */
#define ASSERT_MITIGATION_HOLDS(errno_, what) do {				\
	const struct plan _p = { .write = true, .refusal = (errno_) };		\
	struct race_result res;							\
	struct krepro_race r;							\
										\
	RUN_RACE(&_p, &res, &r);					\
	/* A failure seen is a verdict however few checks were made. */	\
	if (!r.k)								\
		ASSERT_ENOUGH_CHECKS(&res);					\
	EXPECT_EQ(0UL, res.writer_ok) TH_LOG("%s: a root writer rewrote the "	\
		"image in %lu of %lu rounds", (what), res.writer_ok, r.n);	\
	EXPECT_EQ(0UL, res.writer_other) TH_LOG("%s: expected %s, the writer "	\
		"saw %s", (what), strerror(errno_),				\
		strerror(res.writer_errno));					\
	EXPECT_EQ(0UL, res.anomaly_total) TH_LOG("%s: readers met %lu "		\
		"anomalies in %lu rounds", (what), res.anomaly_total, r.n);	\
} while (0)

/*
 * Validate that an image with the immutable attribute - the seed's fix,
 * "mark the image read-only on the host filesystem", in the form that
 * holds against root - refuses a root writer (EPERM) while readers run
 * clean for the whole budget.
 */
TEST_F_TIMEOUT(loop_image, immutable_image_refuses_root_writer, 600)
{
	char *chattr[] = { "chattr", "+i", self->image, NULL };
	int ret = krepro_negative() ? 0 : krepro_run_quiet(chattr);

	if (krepro_negative())
		note("negative control: the image is left mutable");
	if (ret == 127)
		SKIP(return, "chattr is not available");
	KREPRO_SETUP_ASSERT(ret == 0, "cannot chattr +i the image: %s",
			    ret < 0 ? strerror(-ret) : "chattr failed");
	ASSERT_MITIGATION_HOLDS(EPERM, "immutable image");
}

/*
 * Validate that the images' directory bind-mounted read-only refuses a
 * root writer (EROFS) while readers run clean for the whole budget.
 */
TEST_F_TIMEOUT(loop_image, read_only_bind_refuses_root_writer, 600)
{
	if (krepro_negative())
		note("negative control: the images' directory stays writable");
	else
		KREPRO_SETUP_OK(bind_read_only(self->imgdir),
				"bind the images' directory read-only");
	ASSERT_MITIGATION_HOLDS(EROFS, "read-only bind");
}

/*
 * Validate that mode 0444 - the plain reading of "mark the image
 * read-only" - does not stop root: with CAP_DAC_OVERRIDE the truncating
 * rewrite of the mounted image goes through.
 */
TEST_F(loop_image, mode_0444_does_not_stop_root)
{
	struct stat st;
	int ret;

	bool dac_override = false;

	KREPRO_SETUP_OK(krepro_cap_effective(CAP_DAC_OVERRIDE, &dac_override),
			"read the effective capabilities");
	if (!dac_override)
		SKIP(return, "this test runs without CAP_DAC_OVERRIDE");
	KREPRO_SETUP_OK(chmod(self->image, 0444) ? -errno : 0, "chmod the image 0444");
	ret = krepro_rewrite_file(self->image, self->backup);
	EXPECT_EQ(0, ret) TH_LOG("root's rewrite of a mode 0444 image failed: %s "
				 "(not reproduced)", strerror(-ret));
	KREPRO_SETUP_OK(stat(self->image, &st) ? -errno : 0, "stat the image");
	EXPECT_EQ(IMAGE_BYTES, st.st_size);
}

struct dac_write { int step; int err; };
enum { DAC_DROP = 1, DAC_WRITE };

static int write_without_dac(void *arg, void *out)
{
	/* What lets root write a file its mode forbids. */
	static const cap_value_t dac[] = {
		CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER,
	};
	FIXTURE_DATA(loop_image) *self = arg;
	struct dac_write *w = out;

	w->step = DAC_DROP;
	w->err = krepro_negative() ? 0 : krepro_caps_drop(dac, 3);
	if (w->err)
		return 0;
	w->step = DAC_WRITE;
	w->err = krepro_rewrite_file(self->image, self->backup);
	return 0;
}

/*
 * Validate that without CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH and
 * CAP_FOWNER, root cannot truncate a mode 0444 image (EACCES).
 */
TEST_F(loop_image, dropped_dac_override_refuses_writer)
{
	struct dac_write w = { 0 };
	int ret;

	if (krepro_negative())
		note("negative control: the writer keeps its capabilities");
	KREPRO_SETUP_OK(chmod(self->image, 0444) ? -errno : 0, "chmod the image 0444");
	ret = krepro_in_child(write_without_dac, self, &w, sizeof(w));
	/* No child, or one that could not report: nothing learned of the refusal. */
	KREPRO_SETUP_OK(ret, "run the writer child");
	KREPRO_SETUP_ASSERT(w.step == DAC_WRITE, "cannot drop the capabilities: %s",
			    strerror(-w.err));
	EXPECT_EQ(-EACCES, w.err) TH_LOG("expected EACCES, the writer %s saw %s",
		krepro_negative() ? "with its capabilities kept" :
		"without CAP_DAC_OVERRIDE", w.err ? strerror(-w.err) : "success");
}

/*
 * Read the data file once, truncate the backing file to zero, drop caches
 * and read it again: "eio", "zeros", "stale" (the old data), "mixed" or
 * another errno's name in *seen.  -errno when a step before the second
 * read failed, with *step naming it.
 */
static int read_after_truncate(FIXTURE_DATA(loop_image) *self, const char **seen,
			       const char **step)
{
	static char buf[128 << 10];
	struct shared sh = { 0 };
	char path[PATH_MAX];
	int fd, ret, a;

	*step = "open the data file";
	ret = krepro_path(path, sizeof(path), "%s/data", self->mnt);
	/* Open first: the inode must not need the (soon gone) inode table. */
	fd = ret ? ret : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ret ? ret : -errno;
	*step = "read the pattern back before the truncation";
	ret = data_check_fd(&sh, fd, buf, sizeof(buf)) == CHECK_CLEAN ? 0 : -EIO;
	*step = "truncate the image";
	if (!ret && truncate(self->image, 0))
		ret = -errno;
	*step = "drop caches (/proc/sys/vm/drop_caches)";
	if (!ret)
		ret = drop_caches();
	a = ret ? CHECK_CLEAN : data_check_fd(&sh, fd, buf, sizeof(buf));
	close(fd);
	*seen = a == CHECK_CLEAN ? "stale" : a == A_EIO ? "eio" : a == A_DATA_ZEROS ?
		"zeros" : a == A_OTHER_ERRNO ? strerrorname_np(sh.first_errno) : "mixed";
	return ret;
}

/* Truncate, read the data past the backing file's end, record what came back. */
#define RECORD_READ_PAST_EOF(label) do {					\
	const char *seen = NULL, *step;						\
										\
	KREPRO_SETUP_OK(read_after_truncate(self, &seen, &step), step);		\
	note(label "=%s", seen);						\
	EXPECT_STREQ("eio", seen) TH_LOG(label " loop: past the backing file's "\
					 "end the read gave %s, not EIO", seen);\
} while (0)

/*
 * Validate how a buffered loop device reads a range past its backing
 * file's end: reproduced when the read fails with EIO (6.12, 6.18: the
 * lo_rw_aio path), not reproduced when it returns data - 6.1's
 * lo_read_simple zero-fills it, the silent zeros of the write-up.
 */
TEST_F(loop_image, buffered_read_past_backing_eof)
{
	RECORD_READ_PAST_EOF("buffered");
}

/*
 * Validate how a direct-I/O loop device reads a range past its backing
 * file's end: reproduced when the read fails with EIO (lo_complete_rq on
 * a short read).
 */
TEST_F(loop_image, direct_io_read_past_backing_eof)
{
	KREPRO_SETUP_OK(remount_stack(self, true, true),
			"mount the image with loop direct I/O");
	RECORD_READ_PAST_EOF("direct_io");
}

/*
 * Validate that a write to the read-only loop device of a loop,ro mount
 * fails: EPERM from the read-only block device, or EBUSY already at the
 * open where the kernel refuses writers of mounted devices (6.8+ without
 * CONFIG_BLK_DEV_WRITE_MOUNTED, or bdev_allow_write_mounted=0).  Records
 * open=... write=...  Negative mode mounts the image from a read-write
 * loop device instead.
 */
TEST_F(loop_image, read_only_loop_device_refuses_writes)
{
	char buf[4096];
	int fd, ret;

	if (krepro_negative()) {
		note("negative control: the loop device is read-write");
		KREPRO_SETUP_OK(remount_stack(self, false, false),
				"mount the image from a read-write loop device");
	}
	fd = open(self->stack.dev, O_RDWR | O_CLOEXEC);
	ret = fd < 0 ? -errno : 0;
	KREPRO_SETUP_ASSERT(ret != -ENOENT && ret != -ENXIO, "the loop device %s "
			    "under the mount is gone: %s", self->stack.dev,
			    strerror(-ret));
	if (ret) {
		note("open=%s", strerrorname_np(-ret));
		EXPECT_EQ(-EBUSY, ret);
		return;
	}
	/* The bytes already there, so that a write that goes through harms nothing. */
	ret = krepro_pread_full(fd, buf, sizeof(buf), 0) == sizeof(buf) ? 0 : -EIO;
	KREPRO_SETUP_OK(ret, "read the device's first block");
	ret = pwrite(fd, buf, sizeof(buf), 0) < 0 ? -errno : 0;
	close(fd);
	note("open=allowed write=%s", ret ? strerrorname_np(-ret) : "allowed");
	EXPECT_EQ(-EPERM, ret) TH_LOG("a write to the loop,ro device gave %s, not EPERM",
				      ret ? strerror(-ret) : "success");
}

TEST_HARNESS_MAIN
