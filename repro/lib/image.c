// SPDX-License-Identifier: GPL-2.0-only
/* Filesystem images on autoclear loop devices (image.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <linux/loop.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <unistd.h>

#include "fileio.h"
#include "image.h"
#include "util.h"

int krepro_image_create(struct krepro_image *img)
{
	img->step = KREPRO_IMAGE_CREATE;
	if (!img->path || img->size <= 0)
		return -EINVAL;
	return krepro_make_sparse(img->path, img->size);
}

/*
 * mkfs takes its UUIDs from libuuid, which polls getrandom(GRND_NONBLOCK)
 * and sleeps 125 ms per miss while the kernel's CRNG is not ready, then
 * falls back to time-based UUIDs that poll again: about 4 s per mkfs.ext4
 * and 3.5 s per mkfs.xfs in a TCG guest with no entropy source.  One
 * blocking getrandom makes the kernel generate jitter entropy until the
 * CRNG is ready (about 1 s there) and ends the polling for the rest of
 * the boot.  Instant where the CRNG is ready, as on any booted host.
 */
static void wait_for_crng(void)
{
	char c;

	while (getrandom(&c, 1, 0) < 0 && errno == EINTR)
		;
}

/* mkfs's "overwrite whatever is there" flag: the image may be reused. */
static const char *force_flag(const char *fstype)
{
	if (!strncmp(fstype, "ext", 3))
		return "-F";
	if (!strcmp(fstype, "xfs") || !strcmp(fstype, "btrfs"))
		return "-f";
	return NULL;
}

/*
 * The share directory's name for what mkfs makes of an image like img:
 * "mkfs-HASH.img", the hash over type, size and arguments, or over type,
 * size and img->kind when the caller names the kind.
 */
static int template_path(const struct krepro_image *img, char *path, size_t size)
{
	uint64_t h = 0xcbf29ce484222325ull;	/* FNV-1a */
	char key[64], sz[32];
	const char *parts[KREPRO_IMAGE_MAX_ARGS + 3] = { img->fstype, sz, img->kind ?: "" };
	int i, n = 3;

	snprintf(sz, sizeof(sz), "%lld", (long long)img->size);
	for (i = 0; !img->kind && i < KREPRO_IMAGE_MAX_ARGS && img->mkfs_args[i]; i++)
		parts[n++] = img->mkfs_args[i];
	for (i = 0; i < n; i++)
		for (const char *c = parts[i]; ; c++) {
			h = (h ^ (unsigned char)*c) * 0x100000001b3ull;
			if (!*c)
				break;
		}
	snprintf(key, sizeof(key), "mkfs-%016llx.img", (unsigned long long)h);
	return krepro_share_path(path, size, key);
}

/* Keep what mkfs made as the run's template; a failure only costs speed. */
static void template_keep(const struct krepro_image *img, const char *tpl)
{
	char tmp[PATH_MAX + 8];

	snprintf(tmp, sizeof(tmp), "%s.new", tpl);
	if (krepro_copy_sparse(img->path, tmp) || rename(tmp, tpl))
		unlink(tmp);
}

/* Run the real mkfs on img->path: 0, -ENOENT (not installed), -EIO, -errno. */
static int run_mkfs(struct krepro_image *img)
{
	char prog[64];
	char *argv[KREPRO_IMAGE_MAX_ARGS + 5];
	const char *force;
	int argc = 0, i, ret;

	img->step = KREPRO_IMAGE_MKFS;
	img->mkfs_status = 0;
	if (!img->path || !img->fstype)
		return -EINVAL;
	ret = krepro_path(prog, sizeof(prog), "mkfs.%s", img->fstype);
	if (ret)
		return ret;
	argv[argc++] = prog;
	argv[argc++] = "-q";
	force = force_flag(img->fstype);
	if (force)
		argv[argc++] = (char *)force;
	for (i = 0; i < KREPRO_IMAGE_MAX_ARGS && img->mkfs_args[i]; i++)
		argv[argc++] = (char *)img->mkfs_args[i];
	argv[argc++] = (char *)img->path;
	argv[argc] = NULL;

	wait_for_crng();
	ret = krepro_run_quiet(argv);
	if (ret < 0)
		return ret;
	if (ret == 127)		/* krepro_run_quiet: exec failed */
		return -ENOENT;
	img->mkfs_status = ret;
	return ret ? -EIO : 0;
}

int krepro_image_mkfs(struct krepro_image *img)
{
	char tpl[PATH_MAX];
	bool shared = img->path && img->fstype && !template_path(img, tpl, sizeof(tpl));
	int ret;

	/* An earlier subtest's fresh filesystem, copied: never mounted, the same bytes. */
	if (shared && !access(tpl, F_OK)) {
		img->step = KREPRO_IMAGE_MKFS;
		img->mkfs_status = 0;
		if (!krepro_copy_sparse(tpl, img->path))
			return 0;
	}
	ret = run_mkfs(img);
	if (!ret && shared)
		template_keep(img, tpl);
	return ret;
}

/* Switch the loop device to direct I/O and check that it took. */
static int loop_direct_io(int loop)
{
	struct loop_info64 info;

	if (ioctl(loop, LOOP_SET_DIRECT_IO, 1UL))
		return errno == EINVAL ? -EOPNOTSUPP : -errno;
	if (ioctl(loop, LOOP_GET_STATUS64, &info))
		return -errno;
	return info.lo_flags & LO_FLAGS_DIRECT_IO ? 0 : -EOPNOTSUPP;
}

int krepro_image_mount(struct krepro_image *img, const char *target)
{
	unsigned long flags = img->flags | (img->read_only ? MS_RDONLY : 0);
	int loop, ret = 0;

	img->step = KREPRO_IMAGE_ATTACH;
	img->dev[0] = '\0';
	if (!img->path || !img->fstype || !target)
		return -EINVAL;
	loop = krepro_loop_attach(img->path, img->read_only, img->dev, sizeof(img->dev));
	if (loop < 0)
		return loop;
	if (img->direct_io) {
		img->step = KREPRO_IMAGE_DIRECT_IO;
		ret = loop_direct_io(loop);
	}
	if (!ret) {
		img->step = KREPRO_IMAGE_MOUNT;
		ret = mount(img->dev, target, img->fstype, flags, img->data) ? -errno : 0;
	}
	/*
	 * Autoclear: with the fd closed the mount is the device's only user,
	 * and without a mount nothing is left, so the device detaches now.
	 */
	close(loop);
	if (!ret)
		img->step = KREPRO_IMAGE_DONE;
	return ret;
}

int krepro_image_setup(struct krepro_image *img, const char *target)
{
	int ret = krepro_image_create(img);

	if (!ret)
		ret = krepro_image_mkfs(img);
	if (!ret)
		ret = krepro_image_mount(img, target);
	return ret;
}

const char *krepro_image_step_name(const struct krepro_image *img)
{
	switch (img->step) {
	case KREPRO_IMAGE_NONE:
		return "start making the image";
	case KREPRO_IMAGE_CREATE:
		return "create the image file";
	case KREPRO_IMAGE_MKFS:
		return "run mkfs";
	case KREPRO_IMAGE_ATTACH:
		return "attach a loop device";
	case KREPRO_IMAGE_DIRECT_IO:
		return "switch the loop device to direct I/O";
	case KREPRO_IMAGE_MOUNT:
		return "mount the image";
	case KREPRO_IMAGE_DONE:
		break;
	}
	return "finish the image";
}

bool krepro_image_missing(const struct krepro_image *img, int ret, char *why,
			  size_t len)
{
	switch (img->step) {
	case KREPRO_IMAGE_MKFS:
		if (ret != -ENOENT)
			return false;
		snprintf(why, len, "mkfs.%s is not available", img->fstype);
		return true;
	case KREPRO_IMAGE_ATTACH:
		/* Only when there is no loop driver at all, not a device gone. */
		if (!access("/dev/loop-control", F_OK))
			return false;
		snprintf(why, len, "no loop devices here (module loop?): "
			 "/dev/loop-control: %s", strerror(errno));
		return true;
	case KREPRO_IMAGE_MOUNT:
		if (ret != -ENODEV)
			return false;
		snprintf(why, len, "%s is not available in this kernel", img->fstype);
		return true;
	default:
		return false;
	}
}
