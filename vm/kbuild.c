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
#include "kernel.h"
#include "spawn.h"
#include "util.h"

/* Bump when the way an image is made changes, so old images are not reused. */
#define KBUILD_RECIPE "krepro-kbuild 1: tinyconfig + fragment, x86_64 bzImage"
#define KBUILD_LOCALVERSION "-krepro"

/* What the kernel build needs on the host. */
static const char *const build_packages[] = {
	"gcc", "make", "bc", "bison", "flex", "libelf-dev", "libssl-dev",
	"xz-utils", "tar", "patch", "git", NULL
};

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

static void say(const struct kernel_env *env, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void say(const struct kernel_env *env, const char *fmt, ...)
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

static const char *base_name(const char *path)
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

/* One line of a command's stdout, or NULL when it fails. */
static char *command_line(char *const argv[])
{
	struct buf out = { 0 };
	char *line = NULL;

	if (run_cmd(argv, &out, NULL, true) == 0 && out.data)
		line = strndup(out.data, strcspn(out.data, "\n"));
	buf_free(&out);
	return line;
}

/* A clean git checkout is named by its tree object; NULL otherwise. */
static char *git_tree_id(const char *dir)
{
	char *top_argv[] = { "git", "-C", (char *)dir, "rev-parse", "--show-toplevel", NULL };
	char *tree_argv[] = { "git", "-C", (char *)dir, "rev-parse", "HEAD^{tree}", NULL };
	char *dirty_argv[] = { "git", "-C", (char *)dir, "status", "--porcelain",
			       "--untracked-files=no", NULL };
	char *top = command_line(top_argv), *tree = NULL;
	struct buf dirty = { 0 };

	if (top && !strcmp(top, dir) && run_cmd(dirty_argv, &dirty, NULL, true) == 0 &&
	    dirty.len == 0)
		tree = command_line(tree_argv);
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

static char *package_tarball(const char *package)
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
		char *version = command_line(argv);

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
	cc = command_line(cc_argv);
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
static bool image_ready(const struct kb *b)
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

/* ---- the work directory ---- */

/* Run a command with its output appended to the build log. */
static int logged(const struct kb *b, const char *cwd, char *const argv[])
{
	struct spawn_opts o = SPAWN_DEFAULTS;
	int fd = open(b->log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	pid_t pid;
	int rc;

	if (fd < 0)
		return -errno;
	o.cwd = cwd;
	o.in = SPAWN_NULL;
	o.out = o.err = fd;
	o.pdeathsig = SIGTERM;
	pid = spawn(argv[0], argv, &o);
	close(fd);
	if (pid < 0)
		return pid;
	rc = spawn_wait(pid);
	return rc;
}

static int install_build_packages(const struct kb *b, char **why)
{
	char *script = xasprintf("%s/vm/setup-packages.sh", b->env->root);
	const char *argv[16] = { "sh", script };
	struct spawn_opts o = SPAWN_DEFAULTS;
	int i, n = 2, rc;
	pid_t pid;

	for (i = 0; build_packages[i]; i++)
		argv[n++] = build_packages[i];
	if (b->s->package)
		argv[n++] = b->s->package;
	argv[n] = NULL;
	o.out = STDERR_FILENO;	/* stdout's last line is the kernel spec */
	pid = spawn("sh", (char *const *)argv, &o);
	rc = pid < 0 ? pid : spawn_wait(pid);
	free(script);
	if (rc)
		return kernel_why(why, rc == 2 ? KERNEL_BAD_INPUT : KERNEL_UNAVAILABLE,
			       "cannot install the kernel build packages (%s)",
			       rc < 0 ? strerror(-rc) : "setup-packages.sh failed");
	return KERNEL_OK;
}

/* Replace src with a fresh copy of the source; stamp it with its id line. */
static int fresh_source(struct kb *b, const char *src_line, char **why)
{
	char *tmp = xasprintf("%s/src.new", b->work), *stamp = xasprintf("%s/src.id", b->work);
	char *applied = xasprintf("%s/applied", b->work), *tarball = NULL, *cmd;
	char *argv[] = { "sh", "-c", NULL, NULL };
	int rc;

	remove_tree(tmp);
	remove_tree(b->src);
	unlink(stamp);
	unlink(applied);
	mkdir_p(tmp, 0755);
	if (b->s->package) {
		tarball = package_tarball(b->s->package);
		say(b->env, "unpacking %s (about a minute)", tarball);
		cmd = xasprintf("tar -xJf '%s' -C '%s' --strip-components=1", tarball, tmp);
	} else {
		say(b->env, "copying %s to patch it (the tree itself is left alone)", b->s->tree);
		cmd = xasprintf("tar -C '%s' --exclude=.git -cf - . | tar -C '%s' -xf -",
				b->s->tree, tmp);
	}
	argv[2] = cmd;
	rc = logged(b, NULL, argv);
	if (rc || rename(tmp, b->src) ||
	    write_file_atomic(stamp, src_line, strlen(src_line)))
		rc = kernel_why(why, KERNEL_UNAVAILABLE, "cannot unpack the source into %s (log: %s)",
			     b->src, b->log);
	free(tmp);
	free(stamp);
	free(applied);
	free(tarball);
	free(cmd);
	return rc;
}

/* ---- patches, applied and reverted in place ---- */

/* The identity's patch lines: what src should carry. */
static char *wanted_patches(const struct kb *b)
{
	struct buf w = { 0 };
	const char *p;

	buf_puts(&w, "");
	for (p = b->identity; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : "")
		if (str_starts(p, "patch "))
			buf_add(&w, p, strcspn(p, "\n") + 1);
	return w.data;
}

static char *applied_copy(const struct kb *b, int i)
{
	return xasprintf("%s/applied.d/%d.patch", b->work, i);
}

/* patch -p1 [-R] FILE in src; its first line of complaint in *msg. */
static int run_patch(const struct kb *b, const char *file, bool reverse, bool dry, char **msg)
{
	char *argv[10] = { "patch", "-p1", "-N", "-s", "-d", b->src, "-i", (char *)file };
	struct buf out = { 0 };
	int n = 8, rc;

	if (reverse)
		argv[n++] = "-R";
	if (dry)
		argv[n++] = "--dry-run";
	argv[n] = NULL;
	rc = run_cmd(argv, &out, &out, true);
	if (msg)
		*msg = rc && out.data ? strndup(out.data, strcspn(out.data, "\n")) : NULL;
	buf_free(&out);
	return rc;
}

/* Take every applied patch off, newest first; -1 when src no longer fits. */
static int revert_applied(const struct kb *b)
{
	char *list = xasprintf("%s/applied", b->work), *have = read_file(list, NULL);
	int n = 0, i, rc = 0;
	const char *p;

	for (p = have; p && (p = strchr(p, '\n')); p++)
		n++;
	for (i = n - 1; i >= 0 && !rc; i--) {
		char *copy = applied_copy(b, i);

		rc = run_patch(b, copy, true, false, NULL) ? -1 : 0;
		free(copy);
		if (!rc) {
			/* Record progress, so a kill here leaves a true list. */
			size_t keep = 0;
			int line;

			for (line = 0; line < i; line++)
				keep += strcspn(have + keep, "\n") + 1;
			rc = write_file_atomic(list, have, keep) ? -1 : 0;
		}
	}
	free(list);
	free(have);
	return rc;
}

/* Apply the spec's patches in order; a patch that does not fit is bad input. */
static int apply_wanted(const struct kb *b, char **why)
{
	char *list = xasprintf("%s/applied", b->work), *dir = xasprintf("%s/applied.d", b->work);
	struct buf done = { 0 };
	int i, rc = KERNEL_OK;

	mkdir_p(dir, 0755);
	buf_puts(&done, "");
	for (i = 0; i < b->s->npatches && !rc; i++) {
		const char *patch = b->s->patches[i];
		char *msg = NULL, *copy = applied_copy(b, i), *text = read_file(patch, NULL);
		char sha[65] = "?";

		if (run_patch(b, patch, false, true, &msg)) {
			rc = kernel_why(why, KERNEL_BAD_INPUT, "patch %s does not apply to %s: %s",
				     patch, b->s->package ? b->s->package : b->s->tree,
				     msg ? msg : "?");
		} else if (!text || write_file_atomic(copy, text, strlen(text)) ||
			   run_patch(b, copy, false, false, &msg)) {
			rc = kernel_why(why, KERNEL_UNAVAILABLE, "cannot apply %s in %s: %s", patch,
				     b->src, msg ? msg : strerror(errno));
		} else {
			sha256_file(patch, sha);
			buf_printf(&done, "patch %s %s\n", sha, base_name(patch));
			write_file_atomic(list, done.data, done.len);
			say(b->env, "applied %s", base_name(patch));
		}
		free(msg);
		free(copy);
		free(text);
	}
	if (rc)
		revert_applied(b);
	buf_free(&done);
	free(list);
	free(dir);
	return rc;
}

/* The identity's line that starts with word, without its newline. */
static char *identity_line(const struct kb *b, const char *word)
{
	const char *p;

	for (p = b->identity; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : "")
		if (str_starts(p, word) && p[strlen(word)] == ' ')
			return strndup(p, strcspn(p, "\n"));
	return xstrdup("");
}

/* src as the identity says: the right source with exactly our patches. */
static int prepare_owned_source(struct kb *b, char **why)
{
	char *stamp = xasprintf("%s/src.id", b->work), *have = read_file(stamp, NULL);
	char *list = xasprintf("%s/applied", b->work), *applied = read_file(list, NULL);
	char *src_line = identity_line(b, "source"), *wanted = wanted_patches(b);
	int rc = KERNEL_OK;

	if (!is_dir(b->src) || !have || strcmp(have, src_line)) {
		rc = fresh_source(b, src_line, why);
		free(applied);
		applied = NULL;
	}
	if (!rc && strcmp(applied ? applied : "", wanted)) {
		if (revert_applied(b)) {
			say(b->env, "the tree in %s no longer takes its patches off: unpacking afresh",
			    b->src);
			rc = fresh_source(b, src_line, why);
		}
		if (!rc)
			rc = apply_wanted(b, why);
	}
	free(stamp);
	free(have);
	free(list);
	free(applied);
	free(src_line);
	free(wanted);
	return rc;
}

/* kbuild refuses O= over a tree that was configured in place; say so first. */
static int check_direct_tree(const struct kb *b, char **why)
{
	char *dotconfig = xasprintf("%s/.config", b->s->tree);
	char *autoconf = xasprintf("%s/include/config/auto.conf", b->s->tree);
	bool dirty = is_file(dotconfig) || is_file(autoconf);

	free(dotconfig);
	free(autoconf);
	if (dirty)
		return kernel_why(why, KERNEL_BAD_INPUT, "cannot build %s: it holds a build of its "
			       "own (.config); krepro builds out of tree, so run `make mrproper` "
			       "there first", b->s->tree);
	return KERNEL_OK;
}

/* ---- configure, compile, publish ---- */

static void make_argv(const struct kb *b, const char *target, char *argv[8], char *store[2])
{
	int n = 0;

	store[0] = b->owned ? NULL : xasprintf("O=%s", b->obj);
	store[1] = xasprintf("-j%ld", sysconf(_SC_NPROCESSORS_ONLN));
	argv[n++] = "make";
	argv[n++] = "-C";
	argv[n++] = b->src;
	if (store[0])
		argv[n++] = store[0];
	argv[n++] = "ARCH=x86_64";
	argv[n++] = store[1];
	argv[n++] = (char *)target;
	argv[n] = NULL;
}

static int run_make(const struct kb *b, const char *target)
{
	char *argv[8], *store[2];
	int rc;

	make_argv(b, target, argv, store);
	rc = logged(b, NULL, argv);
	free(store[0]);
	free(store[1]);
	return rc;
}

/* tinyconfig, the fragment merged over it, then checked option by option. */
static int configure(const struct kb *b, const char *fragment, char **why)
{
	char *stamp = xasprintf("%s/.krepro-config", b->obj), *have = read_file(stamp, NULL);
	char *want = identity_line(b, "fragment"), *dotconfig = xasprintf("%s/.config", b->obj);
	char *checker = xasprintf("%s/vm/config/check-config.sh", b->env->root);
	char *setver = xasprintf("%s/scripts/config", b->src);
	char *merge[] = { "scripts/kconfig/merge_config.sh", "-m", "-O", b->obj, dotconfig,
			  (char *)fragment, NULL };
	char *localver[] = { setver, "--file", dotconfig, "--set-str", "LOCALVERSION",
			     KBUILD_LOCALVERSION, "--disable", "LOCALVERSION_AUTO", NULL };
	char *check[] = { "sh", checker, (char *)fragment, dotconfig, NULL };
	int rc = KERNEL_OK;

	if (!have || strcmp(have, want) || !is_file(dotconfig)) {
		say(b->env, "configuring: tinyconfig + %s", base_name(fragment));
		unlink(stamp);
		mkdir_p(b->obj, 0755);
		if (run_make(b, "tinyconfig") || logged(b, b->src, merge) ||
		    logged(b, NULL, localver) || run_make(b, "olddefconfig"))
			rc = kernel_why(why, KERNEL_UNAVAILABLE, "cannot configure the kernel "
				     "(log: %s)", b->log);
		else if (logged(b, NULL, check))
			rc = kernel_why(why, KERNEL_BAD_INPUT, "options of %s did not survive "
				     "olddefconfig (listed in %s)", fragment, b->log);
		else
			write_file_atomic(stamp, want, strlen(want));
	}
	free(stamp);
	free(have);
	free(want);
	free(dotconfig);
	free(checker);
	free(setver);
	return rc;
}

/* The last line of the build log that names a file make is working on. */
static char *log_tail(const char *log)
{
	char chunk[4096], *line, *nl;
	int fd = open(log, O_RDONLY | O_CLOEXEC);
	off_t end = fd < 0 ? 0 : lseek(fd, 0, SEEK_END);
	ssize_t n = fd < 0 ? -1 : pread(fd, chunk, sizeof(chunk) - 1,
					end > (off_t)sizeof(chunk) - 1 ? end - (off_t)sizeof(chunk) + 1 : 0);

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return xstrdup("");
	chunk[n] = '\0';
	while (n > 0 && chunk[n - 1] == '\n')
		chunk[--n] = '\0';
	nl = strrchr(chunk, '\n');
	line = nl ? nl + 1 : chunk;
	while (*line == ' ')
		line++;
	return xstrdup(line);
}

/* The first compiler error in the log, for the one-line reason. */
static char *first_error(const char *log)
{
	char *text = read_file(log, NULL), *p, *line = NULL;

	for (p = text; p && *p && !line; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : "")
		if (strstr(p, "error:") && strstr(p, "error:") < p + strcspn(p, "\n"))
			line = strndup(p, strcspn(p, "\n"));
	free(text);
	return line ? line : xstrdup("see the log");
}

/* make bzImage, with a line of progress on stderr every 30 s. */
static int compile(const struct kb *b, char **why)
{
	char *argv[8], *store[2];
	struct spawn_opts o = SPAWN_DEFAULTS;
	double start = now_monotonic(), next = start + 30;
	int fd = open(b->log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	int status = 0, rc;
	pid_t pid;

	make_argv(b, "bzImage", argv, store);
	o.in = SPAWN_NULL;
	o.out = o.err = fd;
	o.pdeathsig = SIGTERM;	/* make passes it on to its compilers */
	say(b->env, "%s (log: %s; from scratch about 4 min on 2 cores, else seconds)",
	    "make bzImage", b->log);
	pid = fd < 0 ? -errno : spawn("make", argv, &o);
	if (fd >= 0)
		close(fd);
	while (pid > 0 && (rc = waitpid(pid, &status, WNOHANG)) == 0) {
		struct timespec tick = { 0, 200 * 1000 * 1000 };

		nanosleep(&tick, NULL);
		if (now_monotonic() >= next) {
			char *tail = log_tail(b->log);

			say(b->env, "compiling, %.0f s: %.100s", now_monotonic() - start, tail);
			free(tail);
			next += 30;
		}
	}
	free(store[0]);
	free(store[1]);
	if (pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		say(b->env, "compiled in %.0f s", now_monotonic() - start);
		return KERNEL_OK;
	}
	{
		char *err = first_error(b->log);

		rc = kernel_why(why, KERNEL_UNAVAILABLE, "the kernel build failed: %s (log: %s)",
			     err, b->log);
		free(err);
	}
	return rc;
}

static int copy_into(const char *from, const char *dir, const char *name)
{
	char *to = xasprintf("%s/%s", dir, name);
	char *argv[] = { "cp", (char *)from, to, NULL };
	int rc = run_cmd(argv, NULL, NULL, true);

	free(to);
	return rc;
}

/* Into images/KEY by one rename; the identity goes in last. */
static int publish(const struct kb *b, char **why)
{
	char rnd[13], *tmp, *image = xasprintf("%s/arch/x86/boot/bzImage", b->obj);
	char *config = xasprintf("%s/.config", b->obj);
	char *release = xasprintf("%s/include/config/kernel.release", b->obj);
	char *idpath;
	int rc = KERNEL_OK;

	random_hex(rnd, 12);
	tmp = xasprintf("%s.tmp-%s", b->imgdir, rnd);
	idpath = xasprintf("%s/identity", tmp);
	if (mkdir_p(tmp, 0755) || copy_into(image, tmp, "bzImage") ||
	    copy_into(config, tmp, "config") || copy_into(release, tmp, "release") ||
	    write_file_atomic(idpath, b->identity, strlen(b->identity)))
		rc = kernel_why(why, KERNEL_UNAVAILABLE, "cannot store the image in %s", tmp);
	else if (rename(tmp, b->imgdir) && !image_ready(b))
		rc = kernel_why(why, KERNEL_UNAVAILABLE, "cannot store the image as %s: %s",
			     b->imgdir, strerror(errno));
	remove_tree(tmp);
	free(tmp);
	free(idpath);
	free(image);
	free(config);
	free(release);
	return rc;
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
