// SPDX-License-Identifier: GPL-2.0-only
/*
 * Mount propagation into a build chroot, and a teardown that crosses it.
 *
 * Incident (archlinuxcn devtools): systemd makes / rshared.  A build chroot
 * was prepared like mkarchroot did it - the chroot bound onto itself and
 * the host's /run bound recursively into it - so chroot/run joined the
 * peer group of the host's /run.  A user logging in later (a tmpfs on
 * /run/user/1000) appeared inside the chroot; unmounting inside the chroot
 * unmounted it on the host; and a cleaner that deleted the chroot
 * recursively, without stopping at filesystem boundaries, deleted the
 * host's D-Bus socket.
 *
 * Mitigations: set the chroot up inside a new mount namespace made private
 * (what `unshare -m` does by default), and delete on one filesystem only
 * (nftw FTW_MOUNT, like `rm --one-file-system`).  Slave propagation is the
 * trap: host mounts still arrive (util-linux documents the difference).
 *
 * Nothing here touches the real /run: the test first cuts its namespace
 * off from the host (everything private), then makes its own / rshared,
 * and uses a tmpfs under TMPDIR as the stand-in "host run".
 *
 * Outcomes: hazard tests pass when the incident's mechanism is reproduced;
 * mitigation tests pass when the protection holds.  The hazard tests are
 * the mitigations' twins: the same code, protection off.
 *
 * Negative control (KREPRO_NEGATIVE=1): each mitigation test drops its own
 * protection - the delete crosses mounts (no FTW_MOUNT), the namespace
 * skips the MS_PRIVATE step - and must fail; hazards and the behaviour are
 * unchanged.
 *   build/krepro run -k host -c chroot_propagation --negative     (or -k KERNEL)
 *   KREPRO_NEGATIVE=1 build/repro/chroot_propagation              (isolates itself)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/util.h"

/* 1 = a mount root, 0 = not, -errno on error. */
static int is_mount_point(const char *path)
{
	char parent[PATH_MAX];
	struct stat a, b;
	int ret;

	ret = krepro_path(parent, sizeof(parent), "%s/..", path);
	if (ret)
		return ret;
	if (stat(path, &a) || stat(parent, &b))
		return -errno;
	return a.st_dev != b.st_dev || a.st_ino == b.st_ino;
}

static int mount_tmpfs(const char *path)
{
	return mount("krepro", path, "tmpfs", 0, "mode=0755") ? -errno : 0;
}

/* 0 when path is a socket inode, -ENOTSOCK when it is something else. */
static int is_socket_file(const char *path)
{
	struct stat st;

	if (lstat(path, &st))
		return -errno;
	return S_ISSOCK(st.st_mode) ? 0 : -ENOTSOCK;
}

/*
 * A socket inode, as the stand-in for the host's D-Bus socket: what the
 * incident's teardown deleted is the file, not a listener.  mknod makes
 * one without AF_UNIX, so a kernel built without CONFIG_UNIX runs this too.
 */
static int make_socket_file(const char *path)
{
	if (mknod(path, S_IFSOCK | 0666, 0))
		return -errno;
	return is_socket_file(path);
}

/* mkarchroot's way: bind the chroot onto itself, rbind run into it. */
static int prepare_chroot(const char *chroot_dir, const char *hostrun)
{
	char run[PATH_MAX];
	int ret;

	if (mount(chroot_dir, chroot_dir, NULL, MS_BIND, NULL))
		return -errno;
	ret = krepro_path(run, sizeof(run), "%s/run", chroot_dir);
	if (ret)
		return ret;
	if (mkdir(run, 0755) && errno != EEXIST)
		return -errno;
	return mount(hostrun, run, NULL, MS_BIND | MS_REC, NULL) ? -errno : 0;
}

static int delete_entry(const char *path, const struct stat *st, int type,
			struct FTW *ftw)
{
	/* Keep going on errors, as rm -rf does; the result is checked after. */
	if (type == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

/* rm -rf, with or without --one-file-system. */
static int delete_tree(const char *path, bool one_file_system)
{
	int flags = FTW_DEPTH | FTW_PHYS | (one_file_system ? FTW_MOUNT : 0);

	return nftw(path, delete_entry, 16, flags) ? -errno : 0;
}

FIXTURE(chroot_prop) {
	char root[PATH_MAX];
	char hostrun[PATH_MAX];		/* the stand-in host /run */
	char chroot_dir[PATH_MAX];
	char host_user[PATH_MAX];	/* hostrun/user/1000 */
	char chroot_user[PATH_MAX];	/* chroot/run/user/1000 */
	char host_sock[PATH_MAX];
	char chroot_sock[PATH_MAX];
};

FIXTURE_SETUP(chroot_prop)
{
	char user[PATH_MAX];
	int ret;

	self->root[0] = '\0';
	/* Cut off from the host first; only then share, inside our namespace. */
	ret = krepro_private_mount_ns();
	KREPRO_SETUP_OK(ret, "make a private mount namespace");
	ret = krepro_scratch_tmpfs(self->root, sizeof(self->root), "chroot");
	KREPRO_SETUP_OK(ret, "mount a scratch tmpfs");
	ret = mount(NULL, "/", NULL, MS_REC | MS_SHARED, NULL) ? -errno : 0;
	KREPRO_SETUP_OK(ret, "make / rshared in the test namespace");

	ret = krepro_path(self->hostrun, sizeof(self->hostrun), "%s/run", self->root);
	if (!ret)
		ret = krepro_path(self->chroot_dir, sizeof(self->chroot_dir), "%s/chroot",
				  self->root);
	if (!ret)
		ret = mkdir(self->hostrun, 0755) || mkdir(self->chroot_dir, 0755) ? -errno : 0;
	KREPRO_SETUP_OK(ret, "make the stand-in host run and the chroot");
	ret = mount_tmpfs(self->hostrun);
	if (!ret)
		ret = mount(NULL, self->hostrun, NULL, MS_SHARED, NULL) ? -errno : 0;
	KREPRO_SETUP_OK(ret, "mount the stand-in host run as a shared tmpfs");
	ret = krepro_path(user, sizeof(user), "%s/user", self->hostrun);
	if (!ret)
		ret = krepro_path(self->host_user, sizeof(self->host_user), "%s/1000", user);
	if (!ret)
		ret = mkdir(user, 0755) || mkdir(self->host_user, 0700) ? -errno : 0;
	KREPRO_SETUP_OK(ret, "make run/user/1000 on the host side");
	ret = krepro_path(self->host_sock, sizeof(self->host_sock), "%s/dbus.sock",
			  self->hostrun);
	if (!ret)
		ret = make_socket_file(self->host_sock);
	KREPRO_SETUP_OK(ret, "make the stand-in socket");
	ret = krepro_path(self->chroot_user, sizeof(self->chroot_user),
			  "%s/run/user/1000", self->chroot_dir);
	if (!ret)
		ret = krepro_path(self->chroot_sock, sizeof(self->chroot_sock),
				  "%s/run/dbus.sock", self->chroot_dir);
	KREPRO_SETUP_OK(ret, "name the chroot's paths");
}

/* mkarchroot's set-up, in a test body (a macro: it ends the test). */
#define SETUP_CHROOT() \
	KREPRO_SETUP_OK(prepare_chroot(self->chroot_dir, self->hostrun), \
			"prepare the chroot")

/* The stand-in socket, seen through the chroot: the delete's target. */
#define SETUP_SOCKET_IN_CHROOT() \
	KREPRO_SETUP_OK(is_socket_file(self->chroot_sock), \
			"see the host socket inside the chroot")

FIXTURE_TEARDOWN(chroot_prop)
{
	/* The namespace dies with the test; this only tidies the tmpfs. */
	krepro_scratch_release(self->root);
}

/* Validate that a host mount made after the chroot was set up shows up in it. */
TEST_F(chroot_prop, later_host_mount_appears_in_chroot)
{
	int ret;

	SETUP_CHROOT();
	ret = is_mount_point(self->chroot_user);
	KREPRO_SETUP_ASSERT(ret == 0, "chroot's run/user/1000 before the login: %s",
			    ret > 0 ? "already a mount point" : strerror(-ret));
	KREPRO_SETUP_OK(mount_tmpfs(self->host_user), "mount the user's login tmpfs");
	EXPECT_EQ(1, is_mount_point(self->chroot_user))
		TH_LOG("the host's run/user/1000 did not propagate into the chroot: "
		       "not reproduced");
}

/* Validate that unmounting inside the chroot unmounts on the host side too. */
TEST_F(chroot_prop, umount_in_chroot_strips_host_mount)
{
	SETUP_CHROOT();
	KREPRO_SETUP_OK(mount_tmpfs(self->host_user), "mount the user's login tmpfs");
	/* Propagation in is the first hazard's verdict, not set-up: asserted. */
	ASSERT_EQ(1, is_mount_point(self->chroot_user))
		TH_LOG("precondition: the login mount must be visible in the chroot");
	ASSERT_EQ(0, umount2(self->chroot_user, 0))
		TH_LOG("umount inside the chroot: %s", strerror(errno));
	EXPECT_EQ(0, is_mount_point(self->host_user))
		TH_LOG("the host kept its run/user/1000: not reproduced");
}

/* Validate that rm -rf of the chroot, crossing mounts, deletes host files. */
TEST_F(chroot_prop, recursive_delete_removes_host_socket)
{
	struct stat st;

	SETUP_CHROOT();
	SETUP_SOCKET_IN_CHROOT();
	ASSERT_EQ(0, delete_tree(self->chroot_dir, false));
	EXPECT_NE(0, lstat(self->host_sock, &st))
		TH_LOG("the host socket survived a mount-crossing delete: not reproduced");
	/* The delete cannot finish: chroot/run is still a mount point. */
	EXPECT_EQ(0, access(self->chroot_dir, F_OK));
}

/* Validate that a delete that stays on one filesystem keeps host files. */
TEST_F(chroot_prop, one_file_system_delete_keeps_host_socket)
{
	struct stat st;

	SETUP_CHROOT();
	SETUP_SOCKET_IN_CHROOT();
	if (krepro_negative())
		TH_LOG("negative control: the delete crosses mounts (no FTW_MOUNT)");
	ASSERT_EQ(0, delete_tree(self->chroot_dir, !krepro_negative()));
	EXPECT_EQ(0, lstat(self->host_sock, &st))
		TH_LOG("the host socket was deleted through the chroot: %s",
		       strerror(errno));
}

/*
 * A chroot set up in a child mount namespace with the given propagation
 * change (0: none), after which the parent mounts a login tmpfs on the
 * host side and the child mounts one inside the chroot.
 */
enum ns_step { NS_DONE, NS_UNSHARE, NS_CHROOT, NS_CHROOT_MOUNT, NS_LOGIN,
	       NS_TALK };

static const char *const ns_step_name[] = {
	[NS_DONE] = "finish",
	[NS_UNSHARE] = "make the child's mount namespace",
	[NS_CHROOT] = "prepare the chroot in the child's namespace",
	[NS_CHROOT_MOUNT] = "mount a tmpfs inside the chroot",
	[NS_LOGIN] = "mount the user's login tmpfs on the host side",
	[NS_TALK] = "talk with the namespace child",
};

/* Every failure here is set-up: the verdicts are the two "seen" fields. */
struct ns_report {
	int step;		/* enum ns_step; NS_DONE when all went well */
	int err;		/* -errno at step */
	int host_mount_seen_in_child;	/* 1, 0 or -errno */
	int child_mount_seen_on_host;
};

static int chroot_in_namespace(const char *chroot_dir, const char *hostrun,
			       const char *host_user, const char *chroot_user,
			       unsigned long propagation, struct ns_report *r)
{
	int to_child[2], to_parent[2], status, login = 0;
	char leak_host[PATH_MAX], leak_chroot[PATH_MAX], c;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	if (krepro_path(leak_host, sizeof(leak_host), "%s/leak", hostrun) ||
	    krepro_path(leak_chroot, sizeof(leak_chroot), "%s/run/leak", chroot_dir))
		return -ENAMETOOLONG;
	if (mkdir(leak_host, 0755))
		return -errno;
	if (pipe2(to_child, O_CLOEXEC) || pipe2(to_parent, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		struct ns_report cr = { 0 };

		close(to_child[1]);
		close(to_parent[0]);
		cr.step = NS_UNSHARE;
		if (unshare(CLONE_NEWNS) ||
		    (propagation && mount(NULL, "/", NULL, MS_REC | propagation, NULL))) {
			cr.err = -errno;
			goto report;
		}
		cr.step = NS_CHROOT;
		cr.err = prepare_chroot(chroot_dir, hostrun);
		if (cr.err)
			goto report;
		/* Ready; wait for the parent's login mount. */
		if (write(to_parent[1], "r", 1) != 1 || read(to_child[0], &c, 1) != 1) {
			cr.step = NS_TALK;
			cr.err = -EPIPE;
			goto report;
		}
		cr.host_mount_seen_in_child = is_mount_point(chroot_user);
		cr.step = NS_CHROOT_MOUNT;
		cr.err = mount_tmpfs(leak_chroot);
		if (cr.err)
			goto report;
		cr.step = NS_DONE;
report:
		if (write(to_parent[1], "d", 1) != 1 ||
		    write(to_parent[1], &cr, sizeof(cr)) != sizeof(cr))
			_exit(2);
		/* Hold the namespace until the parent has looked. */
		if (read(to_child[0], &c, 1) < 0)
			_exit(2);
		_exit(0);
	}
	close(to_child[0]);
	close(to_parent[1]);
	if (read(to_parent[0], &c, 1) != 1)
		c = 'x';
	if (c == 'r') {
		login = mount_tmpfs(host_user);
		if (write(to_child[1], "g", 1) != 1 || read(to_parent[0], &c, 1) != 1)
			c = 'x';
	}
	if (c != 'd' || read(to_parent[0], r, sizeof(*r)) != sizeof(*r)) {
		r->step = NS_TALK;
		r->err = -EPROTO;
	} else if (login && !r->err) {
		r->step = NS_LOGIN;
		r->err = login;
	} else if (r->step == NS_DONE) {
		r->child_mount_seen_on_host = is_mount_point(leak_host);
	}
	close(to_child[1]);
	close(to_parent[0]);
	waitpid(pid, &status, 0);
	umount2(host_user, MNT_DETACH);
	return 0;
}

#define ASSERT_NS_SETUP(r, ret) do {						\
	KREPRO_SETUP_OK(ret, "start the namespace child");			\
	KREPRO_SETUP_ASSERT((r).err == 0, "cannot %s: %s",			\
			    ns_step_name[(r).step], strerror(-(r).err));	\
	ASSERT_LE(0, (r).host_mount_seen_in_child);				\
	ASSERT_LE(0, (r).child_mount_seen_on_host);				\
} while (0)

/* Validate that a chroot set up in a private mount namespace is sealed both ways. */
TEST_F(chroot_prop, private_namespace_keeps_host_mounts_out)
{
	unsigned long propagation = MS_PRIVATE;
	struct ns_report r;
	int ret;

	if (krepro_negative()) {
		TH_LOG("negative control: the namespace is not made private");
		propagation = 0;
	}
	ret = chroot_in_namespace(self->chroot_dir, self->hostrun, self->host_user,
				  self->chroot_user, propagation, &r);
	ASSERT_NS_SETUP(r, ret);
	EXPECT_EQ(0, r.host_mount_seen_in_child)
		TH_LOG("a host login mount reached the private chroot");
	EXPECT_EQ(0, r.child_mount_seen_on_host)
		TH_LOG("a mount inside the private chroot reached the host");
}

/*
 * Validate that a new mount namespace left shared (no propagation change)
 * still leaks both ways: the negative control of the private namespace.
 */
TEST_F(chroot_prop, shared_namespace_leaks_both_ways)
{
	struct ns_report r;
	int ret = chroot_in_namespace(self->chroot_dir, self->hostrun, self->host_user,
				      self->chroot_user, 0, &r);

	ASSERT_NS_SETUP(r, ret);
	EXPECT_EQ(1, r.host_mount_seen_in_child)
		TH_LOG("host login mount did not reach the chroot: not reproduced");
	EXPECT_EQ(1, r.child_mount_seen_on_host)
		TH_LOG("chroot mount did not reach the host: not reproduced");
}

/*
 * Validate that with slave propagation host mounts still arrive, while
 * nothing goes back: the trap a "fix" can fall into.
 */
TEST_F(chroot_prop, slave_namespace_still_receives_host_mounts)
{
	struct ns_report r;
	int ret = chroot_in_namespace(self->chroot_dir, self->hostrun, self->host_user,
				      self->chroot_user, MS_SLAVE, &r);

	ASSERT_NS_SETUP(r, ret);
	EXPECT_EQ(1, r.host_mount_seen_in_child)
		TH_LOG("with slave propagation the host mount did not arrive");
	EXPECT_EQ(0, r.child_mount_seen_on_host)
		TH_LOG("with slave propagation a chroot mount went back to the host");
}

TEST_HARNESS_MAIN
