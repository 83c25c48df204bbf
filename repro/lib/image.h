/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Filesystem images for the reproducers: a sparse image file, the real
 * mkfs on it, an autoclear loop device, a mount.  One set of helpers for
 * every case that needs a disk filesystem (tmpfiles_age's ext4 and xfs,
 * loop_image's stack image, ovl_whiteout's ext4 upper layer).
 *
 * The caller describes the image in a struct krepro_image and calls the
 * steps it needs; each returns 0 or -errno and records the step it tried
 * in img->step, so that a set-up failure can name it and a missing
 * feature can be told apart from an error:
 *
 *	struct krepro_image img = {
 *		.path = image,			// a path in a scratch tmpfs
 *		.size = 320 << 20,		// sparse: costs nothing until written
 *		.fstype = "ext4",		// mkfs.ext4, mount -t ext4
 *		.mkfs_args = { "-I", "128" },	// after "-q" and the force flag
 *	};
 *	char why[128];
 *
 *	ret = krepro_image_setup(&img, target);	// create + mkfs + mount
 *	if (ret && krepro_image_missing(&img, ret, why, sizeof(why)))
 *		SKIP(return, "%s", why);
 *	KREPRO_SETUP_ASSERT(!ret, "cannot %s: %s", krepro_image_step_name(&img),
 *			    strerror(-ret));
 *
 * The steps one by one: krepro_image_create, krepro_image_mkfs (runs
 * mkfs.FSTYPE -q, -F or -f, mkfs_args..., path), krepro_image_mount
 * (attaches path to a loop device with LO_FLAGS_AUTOCLEAR, optionally
 * read-only and with direct I/O, mounts it on target and drops the
 * device's fd).  A prepared image (a copy of one made earlier) needs only
 * krepro_image_mount.
 *
 * Nothing to undo but the mount: the loop device detaches itself once the
 * mount is gone, by umount or with the caller's mount namespace, and the
 * image file goes with the scratch tmpfs that holds it.
 *
 * Helpers return 0 or -errno; they never assert and never exit.
 */
#ifndef KREPRO_REPRO_IMAGE_H
#define KREPRO_REPRO_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Extra mkfs options one image may carry (the array keeps a NULL after them). */
#define KREPRO_IMAGE_MAX_ARGS	15

enum krepro_image_step {
	KREPRO_IMAGE_NONE,	/* nothing tried yet */
	KREPRO_IMAGE_CREATE,	/* the sparse image file */
	KREPRO_IMAGE_MKFS,	/* mkfs.FSTYPE on it */
	KREPRO_IMAGE_ATTACH,	/* a loop device for it */
	KREPRO_IMAGE_DIRECT_IO,	/* direct I/O on that device (img->direct_io) */
	KREPRO_IMAGE_MOUNT,	/* the mount on the target */
	KREPRO_IMAGE_DONE,	/* mounted */
};

struct krepro_image {
	/* Set by the caller. */
	const char *path;	/* the image file */
	off_t size;		/* its size in bytes, for krepro_image_create */
	const char *fstype;	/* mkfs.FSTYPE and the mount's type */
	const char *mkfs_args[KREPRO_IMAGE_MAX_ARGS + 1];	/* NULL-terminated */
	bool read_only;		/* read-only loop device and MS_RDONLY mount */
	bool direct_io;		/* loop device reads the file with O_DIRECT */
	unsigned long flags;	/* mount flags */
	const char *data;	/* mount options, or NULL */
	/*
	 * Names images made alike within a run when mkfs_args name a path of
	 * the subtest's own (mkfs -d DIR of the same contents): mkfs then runs
	 * once for the kind.  NULL: type, size and arguments tell them apart.
	 */
	const char *kind;

	/* Set by the helpers. */
	enum krepro_image_step step;	/* the step tried last */
	int mkfs_status;	/* mkfs's exit status when it ran and failed */
	char dev[32];		/* /dev/loopN once attached */
};

/*
 * Create img->path (it must not exist) as a sparse file of img->size
 * bytes, mode 0600.
 */
int krepro_image_create(struct krepro_image *img);

/*
 * Make the filesystem: mkfs.FSTYPE -q FORCE mkfs_args... path, output
 * discarded; FORCE is -F for ext2/3/4, -f for xfs and btrfs.  -ENOENT:
 * mkfs.FSTYPE is not installed; -EIO: it ran and failed (exit status in
 * img->mkfs_status).  Waits for the kernel's CRNG first (image.c says why).
 * Within one run of a case (a share directory, fileio.h) mkfs runs once
 * per type, size and arguments; later images are sparse copies of what it
 * made - a fresh, never mounted filesystem all the same, without mkfs's
 * 80-200 ms in a TCG guest.
 */
int krepro_image_mkfs(struct krepro_image *img);

/*
 * Attach img->path to a free loop device that clears itself once unused,
 * switch it to direct I/O when asked (-EOPNOTSUPP: the filesystem holding
 * the image cannot do it), and mount it on target with img->fstype,
 * img->flags (plus MS_RDONLY when read_only) and img->data.  The loop
 * device's name is left in img->dev; no fd stays open.
 */
int krepro_image_mount(struct krepro_image *img, const char *target);

/* krepro_image_create, krepro_image_mkfs and krepro_image_mount in turn. */
int krepro_image_setup(struct krepro_image *img, const char *target);

/*
 * What img->step was, as a set-up failure names it after "cannot":
 * "create the image file", "run mkfs", "attach a loop device", "switch
 * the loop device to direct I/O", "mount the image".
 */
const char *krepro_image_step_name(const struct krepro_image *img);

/*
 * Whether ret, returned by the step in img->step, means a feature this
 * system lacks (mkfs.FSTYPE not installed, no loop devices, FSTYPE not in
 * the kernel) rather than an error.  If so, writes a skip reason that
 * names it to why and returns true.
 */
bool krepro_image_missing(const struct krepro_image *img, int ret, char *why,
			  size_t len);

#endif
