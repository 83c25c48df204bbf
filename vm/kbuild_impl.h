/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Inside kbuild: one build in progress, shared by kbuild.c (the spec, its
 * identity, the cache) and kbuild_work.c (the work directory: source,
 * patches, configuration, make, publishing).  Not for other files.
 */
#ifndef KREPRO_VM_KBUILD_IMPL_H
#define KREPRO_VM_KBUILD_IMPL_H

#include <stdbool.h>

#include "kbuild.h"

/* One build in progress. */
struct kb {
	const struct kbuild_spec *s;
	const struct kernel_env *env;
	char *work;		/* CACHE/build/work/ID */
	char *src;		/* the tree make reads */
	char *obj;		/* where objects go (== src for an owned tree) */
	char *log;
	char *identity;		/* what the image is made of, one fact a line */
	char *imgdir;		/* CACHE/build/images/KEY */
	bool owned;		/* src is ours to patch */
};

/* kbuild.c */
void say(const struct kernel_env *env, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *base_name(const char *path);
char *package_tarball(const char *package);
bool image_ready(const struct kb *b);

/* kbuild_work.c: each returns a kernel_error with *why */
int install_build_packages(const struct kb *b, char **why);
int prepare_owned_source(struct kb *b, char **why);
int check_direct_tree(const struct kb *b, char **why);
int configure(const struct kb *b, const char *fragment, char **why);
int compile(const struct kb *b, char **why);
int publish(const struct kb *b, char **why);

#endif
