/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Recursive delete (rm -rf), with a one-filesystem mode that never
 * descends into anything mounted below the tree.  Returns 0 or -errno and
 * never asserts.
 */
#ifndef KREPRO_REPRO_RMTREE_H
#define KREPRO_REPRO_RMTREE_H

/*
 * Stay on path's own mount, as `rm -rf --one-file-system` means to: a
 * directory on another filesystem, or the root of any mount below path
 * (a bind mount of the same filesystem too, seen with statx's
 * STATX_ATTR_MOUNT_ROOT), is left alone with everything in it, and so are
 * the directories above it.
 */
#define KREPRO_RMTREE_ONE_FS	0x1

/*
 * Remove path and everything below it, depth first, never following a
 * symlink.  Like rm -rf it goes on after an error; it returns the first
 * one (-errno), -EXDEV when ONE_FS left a mount alone, or 0 when path is
 * gone.  A path that does not exist gives -ENOENT; an entry that vanishes
 * while the tree is removed is not an error.
 */
int krepro_rmtree(const char *path, unsigned int flags);

#endif
