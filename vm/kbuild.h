/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernels built from source: `krepro build` and the build: kernel spec.
 *
 *   build:TREE[,patch=FILE]...[,config=FRAGMENT]
 *
 * TREE is a kernel source directory, or the name of a Debian source package
 * (linux-source-6.1) whose tarball in /usr/src is unpacked into the cache;
 * write ./NAME for a directory of that name.  Images are cached under
 * CACHE/build/images/KEY, KEY being a hash of what went in: the tree's
 * content (its git tree id when clean, else a walk of names, sizes and
 * times), each patch, the fragment and the compiler.
 */
#ifndef KREPRO_VM_KBUILD_H
#define KREPRO_VM_KBUILD_H

#include <stdbool.h>

#include "kernel.h"

/* The Debian source package built when no tree is named. */
#define KBUILD_DEFAULT_SOURCE "linux-source-6.1"

struct kbuild_spec {
	char *tree;		/* absolute directory, or NULL for a package */
	char *package;		/* linux-source-X.Y when tree is NULL */
	char **patches;		/* absolute paths, applied in order with -p1 */
	int npatches;
	char *fragment;		/* absolute path; NULL: vm/config/krepro.config */
};


/* Parse TREE[,patch=FILE]...[,config=FRAGMENT]; -1 with *err on bad syntax. */
int kbuild_parse(const char *arg, struct kbuild_spec *s, char **err);
/* Add a patch (made absolute) or set the tree or fragment; for the CLI. */
void kbuild_add_patch(struct kbuild_spec *s, const char *path);
void kbuild_set_tree(struct kbuild_spec *s, const char *tree);
void kbuild_set_fragment(struct kbuild_spec *s, const char *path);
void kbuild_free(struct kbuild_spec *s);
/* A short name for result directories: SOURCE[+PATCH]... */
char *kbuild_label(const struct kbuild_spec *s);

/*
 * Build the image, or find it in the cache.  Returns a kernel_error
 * (kernel.h): KERNEL_OK with *image (malloc'd path to the cached bzImage)
 * and *release; KERNEL_BAD_INPUT for a tree that is no kernel source, a
 * missing file or a patch that does not apply; KERNEL_UNAVAILABLE when the
 * build itself fails.  *why gets one line.
 */
int kbuild_image(const struct kbuild_spec *s, const struct kernel_env *env,
		 char **image, char **release, char **why);

#endif
