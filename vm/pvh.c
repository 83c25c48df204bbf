// SPDX-License-Identifier: GPL-2.0-only
/* The PVH vmlinux inside a bzImage (pvh.h). */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pvh.h"
#include "spawn.h"
#include "util.h"

/* The x86 boot protocol's setup header (Documentation/arch/x86/boot.rst). */
#define SETUP_SECTS_AT		0x1f1
#define HDRS_MAGIC_AT		0x202
#define PAYLOAD_OFFSET_AT	0x248
#define PAYLOAD_LENGTH_AT	0x24c
/* Xen's ELF note with the 32-bit PVH entry point (xen/include/public/elfnote.h). */
#define XEN_ELFNOTE_PHYS32_ENTRY 18

static uint32_t le32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

int bzimage_payload(const unsigned char *head, size_t len, size_t image_len, size_t *off,
		    size_t *size)
{
	size_t sects;

	if (len < PAYLOAD_LENGTH_AT + 4 || memcmp(head + HDRS_MAGIC_AT, "HdrS", 4))
		return -EINVAL;
	/* 0 setup sectors means 4, as the boot protocol says. */
	sects = head[SETUP_SECTS_AT] ? head[SETUP_SECTS_AT] : 4;
	*off = (sects + 1) * 512 + le32(head + PAYLOAD_OFFSET_AT);
	*size = le32(head + PAYLOAD_LENGTH_AT);
	return *size && *off + *size <= image_len ? 0 : -EINVAL;
}

const char *const *payload_filter(const unsigned char *magic, size_t len, size_t *trailer)
{
	/*
	 * Every format but gzip (which has its own) is followed by the
	 * kernel's size, 4 bytes that the decompressors take for garbage
	 * (scripts/Makefile.lib, size_append).
	 */
	static const struct {
		const char *magic;
		size_t len, trailer;
		const char *const argv[4];
	} filters[] = {
		{ "\x1f\x8b", 2, 0, { "gzip", "-dc", NULL } },
		{ "\xfd" "7zXZ\0", 6, 4, { "xz", "-dc", NULL } },
		{ "\x5d\0\0", 3, 4, { "xz", "--format=lzma", "-dc", NULL } },
		{ "BZh", 3, 4, { "bzip2", "-dc", NULL } },
		{ "\x02\x21\x4c\x18", 4, 4, { "lz4", "-dc", NULL } },
		{ "\x28\xb5\x2f\xfd", 4, 4, { "zstd", "-dc", NULL } },
	};

	for (size_t i = 0; i < sizeof(filters) / sizeof(filters[0]); i++)
		if (len >= filters[i].len + filters[i].trailer &&
		    !memcmp(magic, filters[i].magic, filters[i].len)) {
			*trailer = filters[i].trailer;
			return filters[i].argv;
		}
	return NULL;
}

/* Whether the notes in [p, end) hold Xen's PHYS32_ENTRY. */
static bool notes_have_pvh(const unsigned char *p, const unsigned char *end)
{
	while (p + sizeof(Elf64_Nhdr) <= end) {
		const Elf64_Nhdr *n = (const void *)p;
		size_t name = (n->n_namesz + 3) & ~3UL, desc = (n->n_descsz + 3) & ~3UL;

		if (n->n_type == XEN_ELFNOTE_PHYS32_ENTRY && n->n_namesz == 4 &&
		    p + sizeof(*n) + 4 <= end && !memcmp(p + sizeof(*n), "Xen", 4))
			return true;
		if ((size_t)(end - p) < sizeof(*n) + name + desc)
			break;
		p += sizeof(*n) + name + desc;
	}
	return false;
}

bool elf_has_pvh_note(const unsigned char *elf, size_t len)
{
	const Elf64_Ehdr *eh = (const void *)elf;

	if (len < sizeof(*eh) || memcmp(elf, ELFMAG, SELFMAG) || elf[EI_CLASS] != ELFCLASS64 ||
	    eh->e_phentsize != sizeof(Elf64_Phdr) ||
	    eh->e_phoff > len || eh->e_phnum > (len - eh->e_phoff) / sizeof(Elf64_Phdr))
		return false;
	for (int i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = (const void *)(elf + eh->e_phoff + i * sizeof(Elf64_Phdr));

		if (ph->p_type == PT_NOTE && ph->p_offset <= len &&
		    ph->p_filesz <= len - ph->p_offset &&
		    notes_have_pvh(elf + ph->p_offset, elf + ph->p_offset + ph->p_filesz))
			return true;
	}
	return false;
}

/* Whether the file at path is an ELF with a PVH entry point. */
static bool file_has_pvh(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	void *map = MAP_FAILED;
	bool pvh = false;

	if (fd >= 0 && !fstat(fd, &st) && st.st_size > 0)
		map = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map != MAP_FAILED) {
		pvh = elf_has_pvh_note(map, st.st_size);
		munmap(map, st.st_size);
	}
	if (fd >= 0)
		close(fd);
	return pvh;
}

/* Run filter with stdin from file in and stdout into file out: 0 or -1. */
static int run_filter(const char *const *filter, const char *in, const char *out)
{
	int ifd = open(in, O_RDONLY | O_CLOEXEC);
	int ofd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	struct spawn_opts so = { .in = ifd, .out = ofd, .err = SPAWN_NULL };
	pid_t pid = ifd >= 0 && ofd >= 0 ? spawn(filter[0], (char *const *)filter, &so) : -1;
	int status = pid > 0 ? spawn_wait(pid) : -1;

	if (ifd >= 0)
		close(ifd);
	if (ofd >= 0)
		close(ofd);
	return status == 0 ? 0 : -1;
}

/* What extract made of an image. */
enum pvh_result {
	PVH_OK,		/* elf is its PVH vmlinux */
	PVH_NONE,	/* it has none: not a bzImage, unknown compression, no PVH note */
	PVH_FAILED,	/* could not tell (a read, a write, the decompressor failed) */
};

/* Copy len bytes at off of fd in into a new file at path: 0 or -1. */
static int copy_slice(int in, off_t off, size_t len, const char *path)
{
	char buf[64 << 10];
	int out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600), ret = 0;

	while (out >= 0 && !ret && len) {
		ssize_t n = pread(in, buf, len < sizeof(buf) ? len : sizeof(buf), off);

		if (n <= 0 || write(out, buf, n) != n)
			ret = -1;
		off += n > 0 ? n : 0;
		len -= n > 0 ? (size_t)n : 0;
	}
	if (out < 0 || close(out))
		ret = -1;
	return ret;
}

/*
 * Decompress image's payload into elf through a file at payload; the
 * image is read a slice at a time (krepro stays small: a bzImage is
 * 8-14 MB).
 */
static enum pvh_result extract(const char *image, const char *payload, const char *elf)
{
	unsigned char head[0x1000];
	size_t off, size, trailer = 0;
	const char *const *filter = NULL;
	enum pvh_result r = PVH_FAILED;
	int fd = open(image, O_RDONLY | O_CLOEXEC);
	struct stat st;
	ssize_t n;

	if (fd < 0 || fstat(fd, &st))
		goto out;
	n = pread(fd, head, sizeof(head), 0);
	if (n < 0)
		goto out;
	r = PVH_NONE;
	/* The setup header gives the payload; its first bytes, the compression. */
	memset(head + n, 0, sizeof(head) - n);
	if (bzimage_payload(head, n, st.st_size, &off, &size))
		goto out;
	head[0] = 0;
	n = pread(fd, head, 16, off);
	if (n == 16)
		filter = payload_filter(head, size, &trailer);
	if (!filter)
		goto out;
	r = PVH_FAILED;
	if (!copy_slice(fd, off, size - trailer, payload) && !run_filter(filter, payload, elf))
		r = file_has_pvh(elf) ? PVH_OK : PVH_NONE;
out:
	if (fd >= 0)
		close(fd);
	unlink(payload);
	return r;
}

char *pvh_image(const char *image, const char *sha256, const char *cache, double *seconds)
{
	char *dir = xasprintf("%s/vmlinux", cache);
	char *elf = xasprintf("%s/%s.elf", dir, sha256), *none = xasprintf("%s/%s.none", dir, sha256);
	char *tmp = xasprintf("%s.tmp.%d", elf, (int)getpid());
	char *payload = xasprintf("%s/%s.payload.tmp.%d", dir, sha256, (int)getpid());
	double t = now_monotonic();
	enum pvh_result r;

	*seconds = 0;
	if (!is_file(elf) && !is_file(none) && !mkdir_p(dir, 0755)) {
		/* Published by one rename, like the kernel trees and guest images. */
		r = extract(image, payload, tmp);
		if (r == PVH_OK && !rename(tmp, elf))
			*seconds = now_monotonic() - t;
		/* Only a definite "none" is remembered; a failure is tried again. */
		if (r == PVH_NONE && write_file_atomic(none, "", 0))
			fprintf(stderr, "krepro: cannot write %s: %s\n", none, strerror(errno));
		unlink(tmp);
	}
	free(none);
	free(tmp);
	free(payload);
	free(dir);
	if (is_file(elf))
		return elf;
	free(elf);
	return NULL;
}
