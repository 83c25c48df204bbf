// SPDX-License-Identifier: GPL-2.0-only
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "rmtree.h"

/* Keep the first error: the one that explains the others. */
static void first_error(int *ret, int err)
{
	if (err && err != -ENOENT && !*ret)
		*ret = err;
}

/*
 * Whether name (a directory under dirfd) is where ONE_FS must stop: on
 * another device than the tree's top, or the root of a mount - a bind
 * mount of the same filesystem keeps st_dev, only statx tells.
 */
static bool other_mount(int dirfd, const char *name, dev_t top_dev)
{
	struct statx stx;

	if (statx(dirfd, name, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx))
		return false;	/* the removal reports what went wrong */
	if (makedev(stx.stx_dev_major, stx.stx_dev_minor) != top_dev)
		return true;
	return (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
	       (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

static int remove_at(int dirfd, const char *name, dev_t top_dev, unsigned int flags);

/* Remove everything in the directory dirfd/name (not the directory). */
static int empty_dir(int dirfd, const char *name, dev_t top_dev, unsigned int flags)
{
	struct dirent *de;
	int fd, ret = 0;
	DIR *d;

	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		ret = -errno;
		close(fd);
		return ret;
	}
	while ((errno = 0, de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		first_error(&ret, remove_at(fd, de->d_name, top_dev, flags));
	}
	first_error(&ret, errno ? -errno : 0);
	closedir(d);
	return ret;
}

static int remove_at(int dirfd, const char *name, dev_t top_dev, unsigned int flags)
{
	struct stat st;
	int ret = 0;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW))
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dirfd, name, 0) ? -errno : 0;
	if ((flags & KREPRO_RMTREE_ONE_FS) && other_mount(dirfd, name, top_dev))
		return -EXDEV;
	first_error(&ret, empty_dir(dirfd, name, top_dev, flags));
	if (unlinkat(dirfd, name, AT_REMOVEDIR))
		first_error(&ret, -errno);
	return ret;
}

int krepro_rmtree(const char *path, unsigned int flags)
{
	struct stat st;
	int ret = 0;

	if (lstat(path, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return unlink(path) ? -errno : 0;
	/* The top may be a mount root itself (a scratch tmpfs): not a stop. */
	first_error(&ret, empty_dir(AT_FDCWD, path, st.st_dev, flags));
	if (rmdir(path))
		first_error(&ret, -errno);
	return ret;
}
