/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel QEMU boots: the uncompressed vmlinux inside a bzImage, when
 * that has a PVH entry point (an ELF note, CONFIG_PVH).  QEMU then jumps
 * straight into the kernel: no real-mode set-up and no decompression in
 * the guest, which under TCG is about 0.3 s of every boot (BENCHMARKS.md,
 * "Boot").  The kernel is the same bytes; only the loader changes.
 */
#ifndef KREPRO_VM_PVH_H
#define KREPRO_VM_PVH_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Where a bzImage's compressed kernel starts and how long it is (its
 * setup header's payload_offset and payload_length), from the first len
 * bytes of an image of image_len bytes.  0, or -EINVAL when it is not a
 * bzImage with them, or they point past its end.
 */
int bzimage_payload(const unsigned char *head, size_t len, size_t image_len, size_t *off,
		    size_t *size);

/*
 * The decompressor for a payload of len bytes by its first bytes, as the
 * argv of a filter from stdin to stdout (gzip, xz, lzma, bzip2, lz4,
 * zstd), with *trailer the bytes at the payload's end that are not the
 * compressed stream; NULL when it is none of those.
 */
const char *const *payload_filter(const unsigned char *magic, size_t len, size_t *trailer);

/* Whether an ELF64 file's notes hold Xen's PHYS32_ENTRY: a PVH entry point. */
bool elf_has_pvh_note(const unsigned char *elf, size_t len);

/*
 * The PVH vmlinux of image (whose sha256 names it), made once into
 * CACHE/vmlinux/SHA256.elf and published by rename; malloc'd path, or
 * NULL when image has none (not a bzImage, an unknown compression, no PVH
 * note), which CACHE/vmlinux/SHA256.none remembers.  *seconds: the time
 * the extraction took, 0 when the cache had it.
 */
char *pvh_image(const char *image, const char *sha256, const char *cache, double *seconds);

#endif
