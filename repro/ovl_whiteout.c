// SPDX-License-Identifier: GPL-2.0-only
/*
 * Overlayfs: an object created over a whiteout must belong to its creator.
 *
 * Incident (Elastic, kernel 4.4.157): a container build removed a directory
 * that came from a lower image layer and created it again.  The new
 * directory belonged to root - the overlay's mounter - instead of the user
 * who made it, and the build failed later with EACCES.  Creating over a
 * whiteout takes a different path (ovl_create_over_whiteout) from creating
 * a fresh name, and the stable backport that moved the override of the
 * creator's fsuid/fsgid left that path with the mounter's credentials.
 *
 * Fix: d0e13f5bbe4b "ovl: fix uid/gid when creating over whiteout".
 * Known bad: 4.4.157 (and whatever kernel has those two lines skipped for a
 * whiteout; see vm/known-bad/ for the reverted-fix evidence).  fstests
 * overlay/008 checks the same property.
 *
 * Outcomes: every test is a regression test.  pass = the new object is
 * owned by the caller (uid:gid 1000:1000); fail = it is owned by someone
 * else, 0:0 being the exact 4.4.157 symptom.  One test goes on to what the
 * build saw: the caller creates a file inside the directory it made over
 * the whiteout - pass = it can, fail = EACCES (the directory is root's,
 * mode 0755).  The control test (a fresh name) must pass on every kernel;
 * if it fails, the set-up is wrong, not the whiteout path.
 *
 * Negative control (KREPRO_NEGATIVE=1, krepro run --negative): the object
 * is made with the mounter's credentials - what 4.4.157 used over a
 * whiteout - and only then does the child become the caller, so every
 * test, the control included, must fail.  The kernel-side evidence is the
 * reverted fix in vm/known-bad/.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/sysinfo.h"
#include "lib/util.h"

#define CALLER_UID 1000u
#define CALLER_GID 1000u
/* Host id the user namespace's root is mapped to: an unprivileged mounter. */
#define NS_ROOT_HOST_ID 100000

enum obj_type { OBJ_DIR, OBJ_FILE, OBJ_SYMLINK, OBJ_FIFO, OBJ_TYPES };

static const char *const obj_name[OBJ_TYPES] = {
	[OBJ_DIR] = "dir", [OBJ_FILE] = "file",
	[OBJ_SYMLINK] = "symlink", [OBJ_FIFO] = "fifo",
};

/* Where a failing recreate stopped, for the log. */
enum op_step { STEP_BECOME_USER = 1, STEP_REMOVE, STEP_WHITEOUT_CHECK,
	       STEP_CREATE, STEP_STAT, STEP_BECOME_USER_LATE, STEP_DONE };

static const char *const step_name[] = {
	[0] = "run the caller's child",
	[STEP_BECOME_USER] = "become the caller", [STEP_REMOVE] = "remove",
	[STEP_WHITEOUT_CHECK] = "look for the whiteout in upper",
	[STEP_CREATE] = "create", [STEP_STAT] = "stat",
	[STEP_BECOME_USER_LATE] = "become the caller after the mounter's create",
	[STEP_DONE] = "done",
};

struct op_result {
	int step;
	bool whiteout;		/* upper held a 0/0 char device after removal */
	uid_t uid;
	gid_t gid;
	int inside;		/* a file created inside the new dir: 0 or -errno */
};

struct op_args {
	const char *merged;	/* merged/home */
	const char *upper;	/* upper/home */
	const char *name;
	enum obj_type type;
	bool over_whiteout;	/* remove the lower object first */
	bool create_inside;	/* then create a file inside the new dir */
	bool as_mounter;	/* negative control: create with the mounter's ids */
	uid_t uid;
	gid_t gid;
};

static int create_obj(const char *path, enum obj_type type)
{
	int fd;

	switch (type) {
	case OBJ_DIR:
		return mkdir(path, 0755) ? -errno : 0;
	case OBJ_FILE:
		fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
		if (fd < 0)
			return -errno;
		close(fd);
		return 0;
	case OBJ_SYMLINK:
		return symlink("target", path) ? -errno : 0;
	case OBJ_FIFO:
		return mkfifo(path, 0644) ? -errno : 0;
	default:
		return -EINVAL;
	}
}

static int remove_obj(const char *path, enum obj_type type)
{
	if (type == OBJ_DIR)
		return rmdir(path) ? -errno : 0;
	return unlink(path) ? -errno : 0;
}

/*
 * Runs in a child: become the caller, (remove,) create, report owner,
 * (create a file inside).  With as_mounter the child stays the mounter
 * until the object is made.
 */
static int recreate_as_caller(void *argp, void *outp)
{
	const struct op_args *a = argp;
	struct op_result *r = outp;
	char merged[PATH_MAX], upper[PATH_MAX], inside[PATH_MAX];
	struct stat st;
	int ret;

	memset(r, 0, sizeof(*r));
	r->inside = -ECANCELED;		/* not tried */
	ret = krepro_path(merged, sizeof(merged), "%s/%s", a->merged, a->name);
	if (!ret)
		ret = krepro_path(upper, sizeof(upper), "%s/%s", a->upper, a->name);
	if (!ret)
		ret = krepro_path(inside, sizeof(inside), "%s/%s/file", a->merged,
				  a->name);
	if (ret)
		return ret;

	r->step = STEP_BECOME_USER;
	ret = a->as_mounter ? 0 : krepro_become_user(a->uid, a->gid);
	if (ret)
		return ret;

	if (a->over_whiteout) {
		r->step = STEP_REMOVE;
		ret = remove_obj(merged, a->type);
		if (ret)
			return ret;
		r->step = STEP_WHITEOUT_CHECK;
		if (lstat(upper, &st))
			return -errno;
		r->whiteout = S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0);
	}

	r->step = STEP_CREATE;
	ret = create_obj(merged, a->type);
	if (ret)
		return ret;

	r->step = STEP_STAT;
	if (lstat(merged, &st))
		return -errno;
	r->uid = st.st_uid;
	r->gid = st.st_gid;

	r->step = STEP_BECOME_USER_LATE;
	ret = a->as_mounter ? krepro_become_user(a->uid, a->gid) : 0;
	if (ret)
		return ret;
	/* The build's next step; its answer is a verdict, not a failed step. */
	if (a->create_inside)
		r->inside = create_obj(inside, OBJ_FILE);
	r->step = STEP_DONE;
	return 0;
}

/*
 * lower/home and everything in it belong to the caller, so the caller may
 * remove and create there once the overlay is up.  The objects named after
 * their type are the ones the tests remove, leaving whiteouts.
 */
static int populate_lower(const char *lower, uid_t uid, gid_t gid)
{
	char home[PATH_MAX], path[PATH_MAX];
	int ret, i;

	ret = krepro_path(home, sizeof(home), "%s/home", lower);
	if (ret)
		return ret;
	if (mkdir(home, 0755) || chown(home, uid, gid))
		return -errno;
	for (i = 0; i < OBJ_TYPES; i++) {
		ret = krepro_path(path, sizeof(path), "%s/%s", home, obj_name[i]);
		if (!ret)
			ret = create_obj(path, i);
		if (ret)
			return ret;
		if (lchown(path, uid, gid))
			return -errno;
	}
	return 0;
}

static int make_layers(const char *root)
{
	static const char *const dirs[] = { "lower", "upper", "work", "merged" };
	char path[PATH_MAX];
	unsigned int i;
	int ret;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		ret = krepro_path(path, sizeof(path), "%s/%s", root, dirs[i]);
		if (ret)
			return ret;
		if (mkdir(path, 0755))
			return -errno;
	}
	return 0;
}

static int mount_overlay(const char *root, const char *extra)
{
	char opts[3 * PATH_MAX + 64], merged[PATH_MAX];
	int ret;

	ret = krepro_path(opts, sizeof(opts),
			  "lowerdir=%s/lower,upperdir=%s/upper,workdir=%s/work%s%s",
			  root, root, root, extra ? "," : "", extra ? extra : "");
	if (!ret)
		ret = krepro_path(merged, sizeof(merged), "%s/merged", root);
	if (ret)
		return ret;
	return mount("overlay", merged, "overlay", 0, opts) ? -errno : 0;
}

FIXTURE(ovl_whiteout) {
	char root[PATH_MAX];
	char merged_home[PATH_MAX];
	char upper_home[PATH_MAX];
};

FIXTURE_SETUP(ovl_whiteout)
{
	char lower[PATH_MAX];
	int ret;

	self->root[0] = '\0';
	KREPRO_SETUP_OK(krepro_private_mount_ns(), "make a private mount namespace");
	ret = krepro_scratch_tmpfs(self->root, sizeof(self->root), "ovl");
	KREPRO_SETUP_OK(ret, "mount a scratch tmpfs");
	KREPRO_SETUP_OK(make_layers(self->root), "make the overlay's directories");
	ret = krepro_path(lower, sizeof(lower), "%s/lower", self->root);
	if (!ret)
		ret = populate_lower(lower, CALLER_UID, CALLER_GID);
	KREPRO_SETUP_OK(ret, "populate the lower layer");

	ret = mount_overlay(self->root, NULL);
	if (ret == -ENODEV)
		SKIP(return, "overlay filesystem not available in this kernel");
	KREPRO_SETUP_OK(ret, "mount overlay");

	ret = krepro_path(self->merged_home, sizeof(self->merged_home),
			  "%s/merged/home", self->root);
	if (!ret)
		ret = krepro_path(self->upper_home, sizeof(self->upper_home),
				  "%s/upper/home", self->root);
	KREPRO_SETUP_OK(ret, "name the overlay's paths");
}

FIXTURE_TEARDOWN(ovl_whiteout)
{
	char merged[PATH_MAX];

	if (!self->root[0])
		return;
	if (!krepro_path(merged, sizeof(merged), "%s/merged", self->root))
		umount2(merged, MNT_DETACH);
	krepro_scratch_release(self->root);
}

static int recreate_ex(const char *merged, const char *upper, enum obj_type type,
		       bool over_whiteout, bool create_inside, const char *name,
		       struct op_result *r)
{
	struct op_args a = {
		.merged = merged, .upper = upper, .type = type,
		.name = name ? name : obj_name[type],
		.over_whiteout = over_whiteout,
		.create_inside = create_inside,
		.as_mounter = krepro_negative(),
		.uid = CALLER_UID, .gid = CALLER_GID,
	};

	/* The child may die before it reports: the steps then read as 0. */
	memset(r, 0, sizeof(*r));
	r->inside = -ECANCELED;
	if (a.as_mounter)
		fprintf(stderr, "# negative control: %s is made with the mounter's "
			"credentials\n", a.name);
	return krepro_in_child(recreate_as_caller, &a, r, sizeof(*r));
}

static int recreate(const char *merged, const char *upper, enum obj_type type,
		    bool over_whiteout, const char *name, struct op_result *r)
{
	return recreate_ex(merged, upper, type, over_whiteout, false, name, r);
}

/*
 * A recreate that failed before it touched the overlay - no child, or a
 * child that could not become the caller - is set-up; a failure from the
 * remove on, or a child killed by a signal, is the overlay's answer.  A
 * macro: it ends the test.
 */
#define SETUP_RECREATE_RAN(what, ret, r)					\
	KREPRO_SETUP_ASSERT((ret) == 0 || (ret) == -EINTR ||			\
			    ((r).step > STEP_BECOME_USER &&			\
			     (r).step != STEP_BECOME_USER_LATE),		\
			    "%s: cannot %s: %s", (what), step_name[(r).step],	\
			    strerror(-(ret)))

/*
 * The body shared by the four "over whiteout" tests: the mechanism (a
 * whiteout really stood in upper) is asserted before the owner, so a
 * kernel that took another path cannot pass by accident.
 */
#define ASSERT_OWNER_OVER_WHITEOUT(type) do {					\
	struct op_result r;							\
	int ret = recreate(self->merged_home, self->upper_home, (type), true,	\
			   NULL, &r);						\
										\
	SETUP_RECREATE_RAN(obj_name[type], ret, r);				\
	ASSERT_EQ(0, ret) TH_LOG("%s: cannot %s: %s", obj_name[type],		\
				 step_name[r.step], strerror(-ret));		\
	ASSERT_TRUE(r.whiteout) TH_LOG("%s: removing the lower object left no "	\
				       "0/0 whiteout in upper", obj_name[type]);\
	EXPECT_EQ(CALLER_UID, r.uid) TH_LOG("%s over whiteout: expected "	\
		"owner %u:%u (the caller), seen %u:%u (0:0 is the mounter: "	\
		"the 4.4.157 bug)", obj_name[type], CALLER_UID, CALLER_GID,	\
		r.uid, r.gid);							\
	EXPECT_EQ(CALLER_GID, r.gid) TH_LOG("%s over whiteout: expected group "	\
		"%u, seen %u", obj_name[type], CALLER_GID, r.gid);		\
} while (0)

/* Validate that a directory removed and made again belongs to its maker. */
TEST_F(ovl_whiteout, mkdir_over_whiteout_gets_caller_owner)
{
	ASSERT_OWNER_OVER_WHITEOUT(OBJ_DIR);
}

/* Validate that a regular file created over a whiteout belongs to its maker. */
TEST_F(ovl_whiteout, create_over_whiteout_gets_caller_owner)
{
	ASSERT_OWNER_OVER_WHITEOUT(OBJ_FILE);
}

/* Validate that a symlink made over a whiteout belongs to its maker. */
TEST_F(ovl_whiteout, symlink_over_whiteout_gets_caller_owner)
{
	ASSERT_OWNER_OVER_WHITEOUT(OBJ_SYMLINK);
}

/* Validate that a fifo made over a whiteout belongs to its maker. */
TEST_F(ovl_whiteout, mkfifo_over_whiteout_gets_caller_owner)
{
	ASSERT_OWNER_OVER_WHITEOUT(OBJ_FIFO);
}

/*
 * Validate that the caller can create a file inside the directory it made
 * over a whiteout: the build's next step, which failed with EACCES on
 * 4.4.157 because the directory was root's.
 */
TEST_F(ovl_whiteout, create_in_dir_made_over_whiteout)
{
	struct op_result r;
	int ret = recreate_ex(self->merged_home, self->upper_home, OBJ_DIR, true,
			      true, NULL, &r);

	SETUP_RECREATE_RAN("dir", ret, r);
	ASSERT_EQ(0, ret) TH_LOG("dir: cannot %s: %s", step_name[r.step],
				 strerror(-ret));
	ASSERT_TRUE(r.whiteout) TH_LOG("rmdir of the lower dir left no whiteout in upper");
	EXPECT_EQ(0, r.inside) TH_LOG("creating dir/file as %u:%u: expected success, "
		"seen %s (the directory is %u:%u; EACCES from a root-owned one is "
		"the 4.4.157 symptom)", CALLER_UID, CALLER_GID,
		strerror(-r.inside), r.uid, r.gid);
}

/* Validate that a fresh name (no whiteout involved) belongs to its maker. */
TEST_F(ovl_whiteout, mkdir_fresh_name_gets_caller_owner)
{
	struct op_result r;
	struct stat st;
	char upper[PATH_MAX];
	int ret;

	ret = recreate(self->merged_home, self->upper_home, OBJ_DIR, false,
		       "fresh", &r);
	SETUP_RECREATE_RAN("fresh dir", ret, r);
	ASSERT_EQ(0, ret) TH_LOG("fresh dir: cannot %s: %s",
				 step_name[r.step], strerror(-ret));
	ASSERT_EQ(0, krepro_path(upper, sizeof(upper), "%s/fresh", self->upper_home));
	ASSERT_EQ(0, lstat(upper, &st)) TH_LOG("fresh dir did not reach upper: %s",
					      strerror(errno));
	EXPECT_EQ(CALLER_UID, r.uid) TH_LOG("fresh dir: expected %u:%u, seen %u:%u",
					     CALLER_UID, CALLER_GID, r.uid, r.gid);
	EXPECT_EQ(CALLER_GID, r.gid);
}

/*
 * The user-namespace variant: the overlay is mounted by the root of a user
 * namespace (host id NS_ROOT_HOST_ID, no privilege on the host) and the
 * caller is namespace uid 1000.  Ids below are as the namespace sees them.
 */
enum userns_step { NS_UNSHARE = 1, NS_MAPPED, NS_MOUNT_NS, NS_TMPFS, NS_TREE,
		   NS_XATTR, NS_OVERLAY, NS_OP };

static const char *const ns_step_name[] = {
	[NS_UNSHARE] = "unshare a user namespace",
	[NS_MAPPED] = "become the namespace's root",
	[NS_MOUNT_NS] = "make the mount tree private",
	[NS_TMPFS] = "mount tmpfs", [NS_TREE] = "build the layers",
	[NS_XATTR] = "set a user.* xattr on tmpfs",
	[NS_OVERLAY] = "mount overlay with userxattr",
	[NS_OP] = "recreate as the caller",
};

struct userns_result {
	int step;
	int err;		/* -errno at step */
	struct op_result op;
};

static void userns_mounter(const char *dir, bool premounted, int ready_w,
			   int go_r, int res_w)
{
	struct userns_result res = { 0 };
	char path[PATH_MAX], merged[PATH_MAX], upper[PATH_MAX];
	char c;

	res.step = NS_UNSHARE;
	if (setresgid(NS_ROOT_HOST_ID, NS_ROOT_HOST_ID, NS_ROOT_HOST_ID) ||
	    setresuid(NS_ROOT_HOST_ID, NS_ROOT_HOST_ID, NS_ROOT_HOST_ID) ||
	    unshare(CLONE_NEWUSER | CLONE_NEWNS)) {
		res.err = -errno;
		goto out;
	}
	if (write(ready_w, "r", 1) != 1 || read(go_r, &c, 1) != 1 || c != 'g') {
		res.err = -EPIPE;
		goto out;
	}

	res.step = NS_MAPPED;
	if (setresgid(0, 0, 0) || setresuid(0, 0, 0)) {
		res.err = -errno;
		goto out;
	}
	res.step = NS_MOUNT_NS;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) {
		res.err = -errno;
		goto out;
	}
	res.step = NS_TMPFS;
	if (!premounted && mount("krepro", dir, "tmpfs", 0, "mode=0755")) {
		res.err = -errno;
		goto out;
	}
	res.step = NS_TREE;
	res.err = make_layers(dir);
	if (!res.err)
		res.err = krepro_path(path, sizeof(path), "%s/lower", dir);
	if (!res.err)
		res.err = populate_lower(path, CALLER_UID, CALLER_GID);
	if (res.err)
		goto out;
	res.step = NS_XATTR;
	if (krepro_path(path, sizeof(path), "%s/upper", dir) ||
	    setxattr(path, "user.krepro", "1", 1, 0)) {
		res.err = -errno;
		goto out;
	}
	removexattr(path, "user.krepro");
	res.step = NS_OVERLAY;
	res.err = mount_overlay(dir, "userxattr");
	if (res.err)
		goto out;
	res.step = NS_OP;
	res.err = krepro_path(merged, sizeof(merged), "%s/merged/home", dir);
	if (!res.err)
		res.err = krepro_path(upper, sizeof(upper), "%s/upper/home", dir);
	if (!res.err)
		res.err = recreate(merged, upper, OBJ_DIR, true, NULL, &res.op);
out:
	if (write(res_w, &res, sizeof(res)) != sizeof(res))
		_exit(2);
	_exit(0);
}

static int write_id_map(pid_t pid, const char *file)
{
	char path[64], map[128];
	int ret;

	ret = krepro_path(path, sizeof(path), "/proc/%d/%s", pid, file);
	if (!ret)
		ret = krepro_path(map, sizeof(map), "0 %d 1\n%d %d 1\n",
				  NS_ROOT_HOST_ID, CALLER_UID, CALLER_UID);
	return ret ? ret : krepro_write_file(path, map);
}

/*
 * An ext4 image on a loop device, mounted on dir and owned by the user
 * namespace's root.  The loop device clears itself when the mount goes
 * (with this test's mount namespace at the latest).
 */
static int ext4_upper(const char *root, const char *dir)
{
	char image[PATH_MAX], dev[64];
	char *mkfs[] = { "mkfs.ext4", "-q", "-F", image, NULL };
	int fd, loop, ret;

	ret = krepro_path(image, sizeof(image), "%s/ns.img", root);
	if (ret)
		return ret;
	fd = open(image, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	ret = ftruncate(fd, 64 << 20) ? -errno : 0;
	close(fd);
	if (ret)
		return ret;
	ret = krepro_run_quiet(mkfs);
	if (ret == 127)
		return -ENOENT;		/* no mkfs.ext4 */
	if (ret)
		return -EIO;
	loop = krepro_loop_attach(image, false, dev, sizeof(dev));
	if (loop < 0)
		return loop == -ENOENT ? -ENXIO : loop;
	ret = mount(dev, dir, "ext4", 0, NULL) ? -errno : 0;
	close(loop);
	if (ret)
		return ret;
	return chown(dir, NS_ROOT_HOST_ID, NS_ROOT_HOST_ID) ? -errno : 0;
}

/*
 * Validate that in an overlay mounted by a user namespace's root, a
 * directory made over a whiteout belongs to the namespace's caller.
 */
TEST_F(ovl_whiteout, userns_mkdir_over_whiteout_gets_caller_owner)
{
	int ready[2], go[2], res[2], status, ret;
	struct userns_result r = { 0 };
	char dir[PATH_MAX], c;
	bool premounted = false;
	pid_t pid;

	ret = krepro_path(dir, sizeof(dir), "%s/ns", self->root);
	if (!ret)
		ret = mkdir(dir, 0755) ? -errno : 0;
	KREPRO_SETUP_OK(ret, "make the namespace's directory");

	/*
	 * Overlay in a user namespace keeps its metadata in user.* xattrs.
	 * tmpfs has them from 6.6; before that the upper goes on an ext4
	 * image (mounted here by real root, handed to the namespace's root).
	 */
	if (setxattr(self->root, "user.krepro", "1", 1, 0) && errno == EOPNOTSUPP) {
		ret = ext4_upper(self->root, dir);
		if (ret == -ENOENT || ret == -ENXIO)
			SKIP(return, "tmpfs has no user.* xattrs here (added in 6.6) and "
			     "no ext4 on a loop device could stand in: %s", strerror(-ret));
		KREPRO_SETUP_OK(ret, "put the upper on ext4");
		premounted = true;
	}
	ret = pipe2(ready, O_CLOEXEC) || pipe2(go, O_CLOEXEC) ||
	      pipe2(res, O_CLOEXEC) ? -errno : 0;
	KREPRO_SETUP_OK(ret, "make the pipes to the namespace's mounter");

	pid = fork();
	KREPRO_SETUP_ASSERT(pid >= 0, "cannot fork the namespace's mounter: %s",
			    strerror(errno));
	if (pid == 0)
		userns_mounter(dir, premounted, ready[1], go[0], res[1]);
	close(ready[1]);
	close(go[0]);
	close(res[1]);

	if (read(ready[0], &c, 1) == 1) {
		ret = write_id_map(pid, "uid_map");
		if (!ret)
			ret = write_id_map(pid, "gid_map");
		KREPRO_SETUP_OK(ret, "write the id maps");
		KREPRO_SETUP_ASSERT(write(go[1], "g", 1) == 1,
				    "cannot start the namespace's mounter: %s",
				    strerror(errno));
	}
	close(go[1]);
	/* The mounter only sets up; the recreate runs in its own child. */
	KREPRO_SETUP_ASSERT(read(res[0], &r, sizeof(r)) == (ssize_t)sizeof(r),
			    "the namespace's mounter died without a report");
	ASSERT_EQ(pid, waitpid(pid, &status, 0));

	if (r.step == NS_UNSHARE && (r.err == -EPERM || r.err == -ENOSPC))
		SKIP(return, "unprivileged user namespaces are disabled: %s",
		     strerror(-r.err));
	if (r.step == NS_XATTR && r.err == -EOPNOTSUPP)
		SKIP(return, "tmpfs has no user.* xattrs here (added in 6.6); "
		     "overlay in a user namespace needs them");
	if (r.step == NS_OVERLAY && r.err == -ENODEV)
		SKIP(return, "overlay filesystem not available in the user namespace");
	/*
	 * Overlay became mountable in a user namespace in 5.11: EPERM before
	 * that is a missing feature.  Any other refusal - EINVAL above all,
	 * an option the kernel should know - is the kernel's error, not a skip.
	 */
	if (r.step == NS_OVERLAY && r.err == -EPERM) {
		bool has_userns_overlay;

		ret = krepro_kernel_at_least(5, 11, 0, &has_userns_overlay);
		KREPRO_SETUP_OK(ret, "read the kernel's version");
		if (!has_userns_overlay)
			SKIP(return, "overlay mounts in a user namespace came in 5.11; "
			     "this kernel refuses them: %s", strerror(-r.err));
	}
	KREPRO_SETUP_ASSERT(r.err == 0 || r.step == NS_OP, "cannot %s: %s",
			    ns_step_name[r.step], strerror(-r.err));
	SETUP_RECREATE_RAN("userns dir", r.err, r.op);
	ASSERT_EQ(0, r.err) TH_LOG("cannot %s: %s (%s)", ns_step_name[r.step],
				   strerror(-r.err),
				   r.step == NS_OP ? step_name[r.op.step] : "");
	ASSERT_TRUE(r.op.whiteout) TH_LOG("rmdir left no whiteout in upper");
	EXPECT_EQ(CALLER_UID, r.op.uid) TH_LOG("userns dir over whiteout: "
		"expected %u:%u (the caller), seen %u:%u (0:0 is the namespace's "
		"root, the mounter)", CALLER_UID, CALLER_GID, r.op.uid, r.op.gid);
	EXPECT_EQ(CALLER_GID, r.op.gid);
}

TEST_HARNESS_MAIN
