// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of vm/pvh.c on made-up images: where a bzImage's payload is,
 * which decompressor its first bytes name and how many bytes after it
 * are the kernel's size, and whether an ELF's notes hold a PVH entry.
 * The real images are booted by ci/vm.bats.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <stdbool.h>
#include <string.h>

#include "pvh.h"
#include "kselftest_harness.h"

/* A bzImage head: setup sectors, payload offset and length at their places. */
static void bzimage_head(unsigned char *h, unsigned char sects, unsigned int off,
			 unsigned int len)
{
	memset(h, 0, 0x260);
	h[0x1f1] = sects;
	memcpy(h + 0x202, "HdrS", 4);
	memcpy(h + 0x248, &off, 4);
	memcpy(h + 0x24c, &len, 4);
}

/* Validate that the payload starts after the setup sectors plus its offset. */
TEST(bzimage_payload_from_setup_header)
{
	static unsigned char img[64 << 10];
	size_t off, size;

	bzimage_head(img, 39, 716, 1000);
	ASSERT_EQ(0, bzimage_payload(img, sizeof(img), sizeof(img), &off, &size));
	EXPECT_EQ((size_t)(40 * 512 + 716), off);
	EXPECT_EQ((size_t)1000, size);
	/* 0 setup sectors means 4. */
	bzimage_head(img, 0, 0, 1000);
	ASSERT_EQ(0, bzimage_payload(img, sizeof(img), sizeof(img), &off, &size));
	EXPECT_EQ((size_t)(5 * 512), off);
	/* The header alone tells where; the image's length, whether it fits. */
	bzimage_head(img, 39, 716, 500000);
	EXPECT_EQ(0, bzimage_payload(img, 0x1000, 1 << 20, &off, &size));
	EXPECT_NE(0, bzimage_payload(img, 0x1000, 0x1000, &off, &size));
	/* A payload past the end, no "HdrS", a short file: not a bzImage. */
	bzimage_head(img, 39, 716, sizeof(img));
	EXPECT_NE(0, bzimage_payload(img, sizeof(img), sizeof(img), &off, &size));
	bzimage_head(img, 39, 716, 1000);
	img[0x202] = 'X';
	EXPECT_NE(0, bzimage_payload(img, sizeof(img), sizeof(img), &off, &size));
	EXPECT_NE(0, bzimage_payload(img, 0x200, sizeof(img), &off, &size));
}

/* Validate that each compression is named by its magic, with its trailer. */
TEST(payload_filter_by_magic)
{
	static const struct {
		const char *magic;
		size_t len;
		const char *tool;
		size_t trailer;
	} cases[] = {
		{ "\x1f\x8b\x08", 3, "gzip", 0 },
		{ "\xfd" "7zXZ\0\0", 7, "xz", 4 },
		{ "\x02\x21\x4c\x18", 4, "lz4", 4 },
		{ "\x28\xb5\x2f\xfd", 4, "zstd", 4 },
		{ "BZh9", 4, "bzip2", 4 },
	};
	unsigned char buf[64] = { 0 };
	size_t trailer;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *const *argv;

		memcpy(buf, cases[i].magic, cases[i].len);
		trailer = 99;
		argv = payload_filter(buf, sizeof(buf), &trailer);
		ASSERT_NE(NULL, argv) TH_LOG("%s not recognised", cases[i].tool);
		EXPECT_STREQ(cases[i].tool, argv[0]);
		EXPECT_EQ(cases[i].trailer, trailer);
	}
	memcpy(buf, "\x7f" "ELF", 4);
	EXPECT_EQ(NULL, payload_filter(buf, sizeof(buf), &trailer));
	memcpy(buf, "\x28\xb5\x2f\xfd", 4);
	EXPECT_EQ(NULL, payload_filter(buf, 6, &trailer)) TH_LOG("shorter than magic and trailer");
}

/* An ELF64 with one PT_NOTE holding a note of name and type. */
static size_t elf_with_note(unsigned char *buf, const char *name, unsigned int type)
{
	Elf64_Ehdr *eh = (void *)buf;
	Elf64_Phdr *ph = (void *)(buf + sizeof(*eh));
	Elf64_Nhdr *n = (void *)(buf + sizeof(*eh) + sizeof(*ph));
	size_t note = sizeof(*eh) + sizeof(*ph);

	memset(buf, 0, 512);
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_phoff = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = 1;
	ph->p_type = PT_NOTE;
	ph->p_offset = note;
	ph->p_filesz = sizeof(*n) + 4 + 4;
	n->n_namesz = strlen(name) + 1;
	n->n_descsz = 4;
	n->n_type = type;
	memcpy(buf + note + sizeof(*n), name, strlen(name) + 1);
	return note + ph->p_filesz;
}

/* Validate that only Xen's PHYS32_ENTRY note makes a PVH kernel. */
TEST(pvh_note_is_xen_phys32_entry)
{
	unsigned char buf[512];
	size_t len;

	len = elf_with_note(buf, "Xen", 18);
	EXPECT_TRUE(elf_has_pvh_note(buf, len));
	len = elf_with_note(buf, "Xen", 17);
	EXPECT_FALSE(elf_has_pvh_note(buf, len)) TH_LOG("another Xen note");
	len = elf_with_note(buf, "GNU", 18);
	EXPECT_FALSE(elf_has_pvh_note(buf, len)) TH_LOG("type 18 of another name");
	len = elf_with_note(buf, "Xen", 18);
	EXPECT_FALSE(elf_has_pvh_note(buf, len - 8)) TH_LOG("note cut short");
	buf[EI_CLASS] = ELFCLASS32;
	EXPECT_FALSE(elf_has_pvh_note(buf, len)) TH_LOG("not ELF64");
}

TEST_HARNESS_MAIN
