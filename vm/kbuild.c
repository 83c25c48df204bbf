// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kernels built from source (see kbuild.h for the spec).
 *
 * A build happens in a work directory of the cache, one per source
 * location, so that the next build of the same place is incremental:
 *
 *   CACHE/build/work/ID/src      a tree krepro owns: Debian's tarball
 *                                unpacked, or a copy of --tree when patches
 *                                must go on it; patches are applied and
 *                                reverted in place, so make sees every file
 *                                they touch as new
 *   CACHE/build/work/ID/obj      objects (O=) when the tree is the user's
 *                                own, built unpatched and never written to
 *   CACHE/build/images/KEY/      the published bzImage, its .config, its
 *                                release and the identity it was built from
 *
 * One flock per work directory serialises builds of the same place across
 * krepro processes; images are published with a rename, all or nothing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <fts.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kbuild.h"
#include "kbuild_impl.h"
#include "kernel.h"
#include "spawn.h"
#include "util.h"

/* Bump when the way an image is made changes, so old images are not reused. */
#define KBUILD_RECIPE "krepro-kbuild 1: tinyconfig + fragment, x86_64 bzImage"



void say(const struct kernel_env *env, const char *fmt, ...)
{
	va_list ap;

	if (env->quiet)
		return;
	va_start(ap, fmt);
	fputs("krepro: build: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* ---- the spec ---- */

void kbuild_set_tree(struct kbuild_spec *s, const char *tree)
{
	free(s->tree);
	free(s->package);
	s->tree = NULL;
	s->package = NULL;
	/* A bare linux-source-X.Y is the Debian package; ./NAME a directory. */
	if (str_starts(tree, "linux-source-") && !strchr(tree, '/'))
		s->package = xstrdup(tree);
	else
		s->tree = absolute_path(tree);
}

void kbuild_add_patch(struct kbuild_spec *s, const char *path)
{
	s->patches = xrealloc(s->patches, (s->npatches + 1) * sizeof(char *));
	s->patches[s->npatches++] = absolute_path(path);
}

void kbuild_set_fragment(struct kbuild_spec *s, const char *path)
{
	free(s->fragment);
	s->fragment = absolute_path(path);
}

void kbuild_free(struct kbuild_spec *s)
{
	int i;

	for (i = 0; i < s->npatches; i++)
		free(s->patches[i]);
	free(s->patches);
	free(s->tree);
	free(s->package);
	free(s->fragment);
	memset(s, 0, sizeof(*s));
}

int kbuild_parse(const char *arg, struct kbuild_spec *s, char **err)
{
	char *copy = xstrdup(arg), *save = NULL, *part;
	int rc = 0;

	memset(s, 0, sizeof(*s));
	part = strtok_r(copy, ",", &save);
	if (!part || !*arg || *arg == ',') {
		*err = xasprintf("build: needs a source tree or linux-source-X.Y");
		rc = -1;
	} else {
		kbuild_set_tree(s, part);
	}
	while (!rc && (part = strtok_r(NULL, ",", &save))) {
		if (str_starts(part, "patch=") && part[6])
			kbuild_add_patch(s, part + 6);
		else if (str_starts(part, "config=") && part[7])
			kbuild_set_fragment(s, part + 7);
		else {
			*err = xasprintf("after the tree only patch=FILE and config=FILE "
					 "may follow, not '%s'", part);
			rc = -1;
		}
	}
	free(copy);
	if (rc)
		kbuild_free(s);
	return rc;
}

const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash && slash[1] ? slash + 1 : path;
}

char *kbuild_label(const struct kbuild_spec *s)
{
	struct buf b = { 0 };
	int i;

	buf_puts(&b, s->package ? s->package : base_name(s->tree));
	for (i = 0; i < s->npatches; i++) {
		const char *p = base_name(s->patches[i]);
		size_t n = strlen(p);

		if (n > 6 && !strcmp(p + n - 6, ".patch"))
			n -= 6;
		buf_printf(&b, "+%.*s", (int)n, p);
	}
	return b.data;
}

/* ---- identity: what went into an image ---- */

/* A clean git checkout is named by its tree object; NULL otherwise. */
static char *git_tree_id(const char *dir)
{
	char *top_argv[] = { "git", "-C", (char *)dir, "rev-parse", "--show-toplevel", NULL };
	char *tree_argv[] = { "git", "-C", (char *)dir, "rev-parse", "HEAD^{tree}", NULL };
	char *dirty_argv[] = { "git", "-C", (char *)dir, "status", "--porcelain",
			       "--untracked-files=no", NULL };
	char *top = run_first_line(top_argv), *tree = NULL;
	struct buf dirty = { 0 };

	if (top && !strcmp(top, dir) && run_cmd(dirty_argv, &dirty, NULL, true) == 0 &&
	    dirty.len == 0)
		tree = run_first_line(tree_argv);
	free(top);
	buf_free(&dirty);
	return tree;
}

static int by_name(const FTSENT **a, const FTSENT **b)
{
	return strcmp((*a)->fts_name, (*b)->fts_name);
}

/* Any other tree: names, sizes, modes and times of everything in it. */
static int walk_id(const char *dir, char out[33])
{
	char *const roots[] = { (char *)dir, NULL };
	FTS *fts = fts_open(roots, FTS_PHYSICAL | FTS_NOCHDIR, by_name);
	uint64_t h1 = FNV1A_INIT, h2 = FNV1A_INIT ^ 0x9e3779b97f4a7c15ULL;
	FTSENT *e;

	if (!fts)
		return -errno;
	while ((e = fts_read(fts))) {
		char line[64];
		int n;

		if (e->fts_info == FTS_D && !strcmp(e->fts_name, ".git")) {
			fts_set(fts, e, FTS_SKIP);
			continue;
		}
		if (e->fts_info == FTS_DP || !e->fts_statp)
			continue;
		n = snprintf(line, sizeof(line), "\n%lld %o %lld.%09ld",
			     (long long)e->fts_statp->st_size, e->fts_statp->st_mode,
			     (long long)e->fts_statp->st_mtim.tv_sec,
			     e->fts_statp->st_mtim.tv_nsec);
		h1 = fnv1a(fnv1a(h1, e->fts_path, e->fts_pathlen), line, n);
		h2 = fnv1a(fnv1a(h2, line, n), e->fts_path, e->fts_pathlen);
	}
	fts_close(fts);
	snprintf(out, 33, "%016llx%016llx", (unsigned long long)h1, (unsigned long long)h2);
	return 0;
}

static bool is_kernel_tree(const char *dir)
{
	const char *must[] = { "Makefile", "Kconfig", "arch/x86/Makefile",
			       "scripts/kconfig/merge_config.sh", NULL };
	int i;

	for (i = 0; must[i]; i++) {
		char *p = xasprintf("%s/%s", dir, must[i]);
		bool ok = is_file(p);

		free(p);
		if (!ok)
			return false;
	}
	return true;
}

char *package_tarball(const char *package)
{
	return xasprintf("/usr/src/%s.tar.xz", package);
}

static bool package_installed(const char *package)
{
	char *tarball = package_tarball(package);
	bool have = is_file(tarball);

	free(tarball);
	return have;
}

/* The source's own line of the identity. */
static int source_id(const struct kbuild_spec *s, char **line, char **why)
{
	char id[33], *git;

	if (s->package) {
		char *argv[] = { "dpkg-query", "-W", "-f", "${Version}", s->package, NULL };
		char *version = run_first_line(argv);

		*line = xasprintf("source debian %s %s", s->package, version ? version : "?");
		free(version);
		return KERNEL_OK;
	}
	if (!is_dir(s->tree))
		return kernel_why(why, KERNEL_BAD_INPUT, "cannot build %s: no such directory",
			       s->tree);
	if (!is_kernel_tree(s->tree))
		return kernel_why(why, KERNEL_BAD_INPUT, "cannot build %s: not a kernel source "
			       "tree (no Kconfig, arch/x86/Makefile or scripts/kconfig)", s->tree);
	git = git_tree_id(s->tree);
	if (git) {
		*line = xasprintf("source git-tree %s", git);
		free(git);
		return KERNEL_OK;
	}
	if (walk_id(s->tree, id))
		return kernel_why(why, KERNEL_UNAVAILABLE, "cannot read %s: %s", s->tree,
			       strerror(errno));
	*line = xasprintf("source tree-walk %s", id);
	return KERNEL_OK;
}

static int file_sha(const char *what, const char *path, struct buf *b, char **why)
{
	char sha[65];

	if (!is_file(path))
		return kernel_why(why, KERNEL_BAD_INPUT, "cannot build: %s %s: %s", what, path,
			       access(path, F_OK) ? strerror(errno) : "not a regular file");
	if (sha256_file(path, sha))
		return kernel_why(why, KERNEL_UNAVAILABLE, "cannot hash %s", path);
	buf_printf(b, "%s %s %s\n", what, sha, base_name(path));
	return KERNEL_OK;
}

static char *default_fragment(const struct kernel_env *env)
{
	return xasprintf("%s/vm/config/krepro.config", env->root);
}

static int make_identity(struct kb *b, char **why)
{
	char *cc_argv[] = { "gcc", "--version", NULL };
	char *src = NULL, *cc, *frag;
	struct buf id = { 0 };
	int i, rc;

	rc = source_id(b->s, &src, why);
	if (rc)
		return rc;
	buf_printf(&id, "%s\n%s\n", KBUILD_RECIPE, src);
	free(src);
	for (i = 0; !rc && i < b->s->npatches; i++)
		rc = file_sha("patch", b->s->patches[i], &id, why);
	frag = b->s->fragment ? xstrdup(b->s->fragment) : default_fragment(b->env);
	if (!rc)
		rc = file_sha("fragment", frag, &id, why);
	free(frag);
	cc = run_first_line(cc_argv);
	buf_printf(&id, "compiler %s\n", cc ? cc : "?");
	free(cc);
	if (rc) {
		buf_free(&id);
		return rc;
	}
	b->identity = id.data;
	return KERNEL_OK;
}

static char *hash_hex(const char *text)
{
	uint64_t h1 = fnv1a(FNV1A_INIT, text, strlen(text));
	uint64_t h2 = fnv1a(FNV1A_INIT ^ 0x9e3779b97f4a7c15ULL, text, strlen(text));

	return xasprintf("%016llx%016llx", (unsigned long long)h1, (unsigned long long)h2);
}

/* An image is reused only when its recorded identity is exactly ours. */
bool image_ready(const struct kb *b)
{
	char *idpath = xasprintf("%s/identity", b->imgdir);
	char *img = xasprintf("%s/bzImage", b->imgdir);
	char *have = read_file(idpath, NULL);
	bool ok = have && is_file(img) && !strcmp(have, b->identity);

	free(have);
	free(idpath);
	free(img);
	return ok;
}

static int read_release(const struct kb *b, char **release)
{
	char *path = xasprintf("%s/release", b->imgdir);

	*release = read_file(path, NULL);
	free(path);
	if (!*release)
		*release = xstrdup("");
	rtrim(*release);
	return KERNEL_OK;
}

/* Where this source builds: one work directory per place, reused. */
static void choose_work(struct kb *b)
{
	const struct kbuild_spec *s = b->s;
	char *place, *id;

	b->owned = s->package || s->npatches > 0;
	place = s->package ? xasprintf("debian %s", s->package) :
		xasprintf("%s %s", b->owned ? "copy" : "direct", s->tree);
	id = hash_hex(place);
	b->work = xasprintf("%s/build/work/%.16s", b->env->cache, id);
	b->src = b->owned ? xasprintf("%s/src", b->work) : xstrdup(s->tree);
	b->obj = b->owned ? xstrdup(b->src) : xasprintf("%s/obj", b->work);
	b->log = xasprintf("%s/build.log", b->work);
	free(place);
	free(id);
}

/* With the work directory locked: source, patches, config, make, publish. */
static int build_locked(struct kb *b, char **why)
{
	char *fragment = b->s->fragment ? xstrdup(b->s->fragment) : default_fragment(b->env);
	char *place = xasprintf("%s/place", b->work);
	int rc;

	write_file_atomic(b->log, "", 0);
	write_file_atomic(place, b->identity, strlen(b->identity));
	rc = b->owned ? prepare_owned_source(b, why) : check_direct_tree(b, why);
	if (!rc)
		rc = configure(b, fragment, why);
	if (!rc)
		rc = compile(b, why);
	if (!rc && is_dir(b->imgdir) && !image_ready(b))
		remove_tree(b->imgdir);	/* a stale entry of an older krepro */
	if (!rc)
		rc = publish(b, why);
	free(fragment);
	free(place);
	return rc;
}

static int build_in_work(struct kb *b, char **why)
{
	char *lockpath = xasprintf("%s/lock", b->work);
	int lock, rc;

	if (b->s->package && !package_installed(b->s->package))
		return kernel_why(why, KERNEL_BAD_INPUT, "cannot build %s: /usr/src/%s.tar.xz "
			       "is missing after installing it", b->s->package, b->s->package);
	if (mkdir_p(b->work, 0755))
		return kernel_why(why, KERNEL_UNAVAILABLE, "cannot create %s: %s", b->work,
			       strerror(errno));
	lock = lock_exclusive(lockpath);
	free(lockpath);
	if (lock < 0) {
		rc = kernel_why(why, KERNEL_UNAVAILABLE, "cannot lock %s: %s", b->work,
				strerror(-lock));
	} else if (image_ready(b)) {
		rc = KERNEL_OK;	/* built by another krepro while we waited */
	} else {
		rc = build_locked(b, why);
	}
	if (lock >= 0)
		close(lock);
	return rc;
}

int kbuild_image(const struct kbuild_spec *s, const struct kernel_env *env,
		 char **image, char **release, char **why)
{
	struct kb b = { .s = s, .env = env };
	char *key = NULL;
	int rc;

	*why = NULL;
	*image = *release = NULL;
	/* A package not yet installed has no version to name its image by. */
	if (s->package && !package_installed(s->package) &&
	    (rc = install_build_packages(&b, why)))
		return rc;
	rc = make_identity(&b, why);
	if (!rc) {
		key = hash_hex(b.identity);
		b.imgdir = xasprintf("%s/build/images/%s", env->cache, key);
		choose_work(&b);
		if (image_ready(&b))
			say(env, "cached: %s", b.imgdir);
		else
			rc = install_build_packages(&b, why);
		if (!rc && !image_ready(&b))
			rc = build_in_work(&b, why);
	}
	if (!rc) {
		*image = xasprintf("%s/bzImage", b.imgdir);
		read_release(&b, release);
	}
	free(key);
	free(b.work);
	free(b.src);
	free(b.obj);
	free(b.log);
	free(b.identity);
	free(b.imgdir);
	return rc;
}
