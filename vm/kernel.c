// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kernel specs and the kernel cache.
 *
 *   host             this machine's running kernel (no image)
 *   debian:NAME      linux-image-NAME from Debian's archive, fetched with
 *                    apt-get download and unpacked with dpkg-deb into
 *                    CACHE/kernels/debian/NAME (depmod run on the tree)
 *   file:BZIMAGE[,modules=DIR]
 *   build:TREE[,patch=FILE]...[,config=FRAGMENT]
 *                    built from source by kbuild.c, cached by what went in
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdarg.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kbuild.h"
#include "kernel.h"
#include "pvh.h"
#include "spawn.h"
#include "util.h"

static bool valid_debian_name(const char *s)
{
	if (!*s || !isdigit((unsigned char)*s))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(".+-_~", *s))
			return false;
	return true;
}

static char *make_label(const char *prefix, const char *name)
{
	char *l = xasprintf("%s-%s", prefix, name), *p;

	for (p = l; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr(".+-_", *p))
			*p = '_';
	return l;
}

static int parse_build(const char *spec, struct kernel *k, char **err)
{
	char *why = NULL, *label;

	k->kind = KERNEL_BUILD;
	k->build = xcalloc(1, sizeof(*k->build));
	if (kbuild_parse(spec + 6, k->build, &why)) {
		*err = xasprintf("bad kernel spec '%s': %s", spec, why);
		free(why);
		return -1;
	}
	label = kbuild_label(k->build);
	k->name = xstrdup(spec + 6);
	k->label = make_label("build", label);
	free(label);
	return 0;
}

int kernel_parse(const char *spec, struct kernel *k, char **err)
{
	memset(k, 0, sizeof(*k));
	k->spec = xstrdup(spec);
	k->release = xstrdup("");
	k->pkg_version = xstrdup("");
	if (!strcmp(spec, "host")) {
		k->kind = KERNEL_HOST;
		k->label = xstrdup("host");
		k->name = xstrdup("host");
		return 0;
	}
	if (str_starts(spec, "debian:")) {
		k->kind = KERNEL_DEBIAN;
		k->name = xstrdup(spec + 7);
		if (!valid_debian_name(k->name)) {
			*err = xasprintf("bad kernel spec '%s': debian: takes an image "
					 "name such as 6.1.0-47-cloud-amd64", spec);
			return -1;
		}
		k->label = make_label("debian", k->name);
		return 0;
	}
	if (str_starts(spec, "file:")) {
		char *rest = xstrdup(spec + 5), *comma = strchr(rest, ',');

		k->kind = KERNEL_FILE;
		if (comma) {
			*comma++ = '\0';
			if (!str_starts(comma, "modules=") || !comma[8]) {
				*err = xasprintf("bad kernel spec '%s': after the image "
						 "only modules=DIR may follow", spec);
				free(rest);
				return -1;
			}
			k->moddir = xstrdup(comma + 8);
		}
		if (!*rest) {
			*err = xasprintf("bad kernel spec '%s': file: needs a path", spec);
			free(rest);
			return -1;
		}
		k->name = rest;
		k->image = xstrdup(rest);
		{
			const char *base = strrchr(rest, '/');

			k->label = make_label("file", base ? base + 1 : rest);
		}
		return 0;
	}
	if (str_starts(spec, "build:"))
		return parse_build(spec, k, err);
	*err = xasprintf("bad kernel spec '%s': expected host, debian:NAME, "
			 "file:BZIMAGE[,modules=DIR] or build:TREE", spec);
	return -1;
}

/* Find lib/modules/RELEASE below root; returns malloc'd path or NULL. */
static char *find_moddir(const char *root, char **release)
{
	char *base = xasprintf("%s/lib/modules", root);
	DIR *d = opendir(base);
	struct dirent *de;
	char *found = NULL;

	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		found = xasprintf("%s/%s", base, de->d_name);
		*release = xstrdup(de->d_name);
		break;
	}
	if (d)
		closedir(d);
	free(base);
	return found;
}

static int run_depmod(const char *root, const char *release)
{
	char *argv[] = { "depmod", "-b", (char *)root, (char *)release, NULL };

	return run_cmd(argv, NULL, NULL, true);
}

static char *apt_version(const char *pkg)
{
	char *argv[] = { "apt-cache", "show", "--no-all-versions", (char *)pkg, NULL };
	struct buf out = { 0 };
	char *v = NULL, *line;

	if (run_cmd(argv, &out, NULL, true) == 0) {
		line = strstr(out.data, "\nVersion: ");
		if (!line && str_starts(out.data, "Version: "))
			line = out.data - 1;
		if (line) {
			line += 10;
			v = strndup(line, strcspn(line, "\n"));
		}
	}
	buf_free(&out);
	return v;
}

int kernel_why(char **why, int kind, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(why, fmt, ap) < 0)
		*why = NULL;
	va_end(ap);
	return kind;
}

/* apt-get download writes to its working directory: the child's, tmp. */
static int download_deb(const char *tmp, const char *pkg, char **deb, char **why)
{
	char *dl[] = { "apt-get", "download", "-q", (char *)pkg, NULL };
	struct buf err = { 0 };
	struct dirent *de;
	DIR *d;
	int rc = run_cmd_in(tmp, dl, NULL, &err, true);

	if (rc != 0) {
		rc = kernel_why(why, KERNEL_UNAVAILABLE, "cannot fetch %s: apt-get download failed: %s",
			  pkg, rc < 0 ? strerror(-rc) : rtrim(err.data ? err.data : "?"));
		buf_free(&err);
		return rc;
	}
	buf_free(&err);
	*deb = NULL;
	d = opendir(tmp);
	while (d && (de = readdir(d)))
		if (strstr(de->d_name, ".deb")) {
			free(*deb);
			*deb = xasprintf("%s/%s", tmp, de->d_name);
		}
	if (d)
		closedir(d);
	return *deb ? KERNEL_OK : kernel_why(why, KERNEL_UNAVAILABLE,
				       "cannot fetch %s: apt-get download left no .deb", pkg);
}

/* Unpack the package and index its modules; *release from its tree. */
static int unpack_deb(struct kernel *k, const char *deb, const char *unpack, const char *pkg,
		      char **release, char **why)
{
	char *x[] = { "dpkg-deb", "-x", (char *)deb, (char *)unpack, NULL };
	double t = now_monotonic();
	char *md;
	int ret;

	ret = run_cmd(x, NULL, NULL, true);
	k->unpack_s = now_monotonic() - t;
	if (ret != 0)
		return kernel_why(why, KERNEL_UNAVAILABLE, "cannot unpack %s: dpkg-deb failed", pkg);
	t = now_monotonic();
	md = find_moddir(unpack, release);
	ret = md ? run_depmod(unpack, *release) : -1;
	k->depmod_s = now_monotonic() - t;
	if (ret != 0) {
		free(md);
		return kernel_why(why, KERNEL_UNAVAILABLE, "cannot index modules of %s: depmod failed",
			    pkg);
	}
	free(md);
	return KERNEL_OK;
}

/* Publish atomically: the tree first, then the stamp that says it is whole. */
static int publish(const char *unpack, const char *tree, const char *stamp,
		   const char *pkg, const char *version, const char *release, char **why)
{
	char *text;
	int ret;

	remove_tree(tree);
	if (rename(unpack, tree))
		return kernel_why(why, KERNEL_UNAVAILABLE, "cannot move %s into the cache: %s", pkg,
			    strerror(errno));
	{
		/* The image's hash, so that a damaged copy is known later. */
		char *image = xasprintf("%s/boot/vmlinuz-%s", tree, release), sha[65] = "";

		sha256_file(image, sha);
		free(image);
		text = xasprintf("package=%s\nversion=%s\nrelease=%s\nimage_sha256=%s\n", pkg,
				 version, release, sha);
	}
	ret = write_file_atomic(stamp, text, strlen(text));
	free(text);
	if (ret)
		return kernel_why(why, KERNEL_UNAVAILABLE, "cannot write %s: %s", stamp, strerror(-ret));
	return KERNEL_OK;
}

/* Fetch, unpack and index pkg into tree, under a temp dir of the cache. */
static int fetch_debian(struct kernel *k, const char *cache, const char *pkg,
			const char *tree, const char *stamp, char **why)
{
	char *tmp = xasprintf("%s/kernels/.fetch.%d", cache, getpid());
	char *unpack = xasprintf("%s/tree", tmp), *deb = NULL, *release = NULL;
	char *version = apt_version(pkg);
	int rc;

	if (!version) {
		rc = kernel_why(why, KERNEL_BAD_INPUT, "unknown kernel %s: apt knows no package %s "
			  "(see krepro kernels)", k->spec, pkg);
		goto out;
	}
	remove_tree(tmp);
	if (mkdir_p(unpack, 0755)) {
		rc = kernel_why(why, KERNEL_UNAVAILABLE, "cannot create %s: %s", unpack, strerror(errno));
		goto out;
	}
	k->fetch_s = now_monotonic();
	rc = download_deb(tmp, pkg, &deb, why);
	k->fetch_s = now_monotonic() - k->fetch_s;
	if (!rc)
		rc = unpack_deb(k, deb, unpack, pkg, &release, why);
	if (!rc)
		rc = publish(unpack, tree, stamp, pkg, version, release, why);
out:
	remove_tree(tmp);
	free(tmp);
	free(unpack);
	free(deb);
	free(release);
	free(version);
	return rc;
}

/* The package version and release the stamp recorded. */
static void read_stamp(struct kernel *k, const char *stamp)
{
	char *text = read_file(stamp, NULL), *v, *r;

	if (!text)
		return;
	v = strstr(text, "version=");
	r = strstr(text, "release=");
	if (v) {
		free(k->pkg_version);
		k->pkg_version = strndup(v + 8, strcspn(v + 8, "\n"));
	}
	if (r) {
		free(k->release);
		k->release = strndup(r + 8, strcspn(r + 8, "\n"));
	}
	free(text);
}

/*
 * Hashing a cloud kernel's image takes 35 ms, a third of what krepro adds
 * to a restored VM: the hash is trusted while the image's identity
 * (inode, size, mtime), kept beside the stamp, has not changed.
 */
static bool image_unchanged(const char *dir, const char *image, const char *sha)
{
	char *path = xasprintf("%s/image_id", dir), *text = read_file(path, NULL);
	char *id = file_identity(image), *want = id ? xasprintf("%s %.64s\n", id, sha) : NULL;
	bool same = text && want && !strcmp(text, want);

	free(path);
	free(text);
	free(id);
	free(want);
	return same;
}

static void remember_image(const char *dir, const char *image, const char *sha)
{
	char *path = xasprintf("%s/image_id", dir), *id = file_identity(image);
	char *text = id ? xasprintf("%s %.64s\n", id, sha) : NULL;

	if (text)
		write_file_atomic(path, text, strlen(text));
	free(path);
	free(id);
	free(text);
}

/*
 * The cached tree has what a boot needs, and the image is the one the
 * stamp recorded; a stamp from before image_sha256 gets the hash of the
 * image as it is now.  A damaged entry loses its stamp, so that it is
 * fetched again.
 */
static int check_cached(struct kernel *k, const char *dir, const char *tree,
			const char *stamp, char **why)
{
	char *dep, *text = read_file(stamp, NULL), *want, sha[65] = "";
	bool whole;

	free(k->moddir);
	free(k->image);
	k->moddir = xasprintf("%s/lib/modules/%s", tree, k->release ? k->release : "");
	k->image = xasprintf("%s/boot/vmlinuz-%s", tree, k->release ? k->release : "");
	dep = xasprintf("%s/modules.dep", k->moddir);
	whole = is_file(k->image) && is_file(dep);
	want = text ? strstr(text, "image_sha256=") : NULL;
	if (whole && want && want[13] != '\n' && image_unchanged(dir, k->image, want + 13)) {
		memcpy(sha, want + 13, 64);
	} else if (whole && want && want[13] != '\n') {
		whole = !sha256_file(k->image, sha) && !strncmp(want + 13, sha, 64);
		if (whole)
			remember_image(dir, k->image, sha);
	} else if (whole && !want && !sha256_file(k->image, sha)) {
		char *more = xasprintf("%simage_sha256=%s\n", text ? text : "", sha);

		write_file_atomic(stamp, more, strlen(more));
		free(more);
	}
	free(dep);
	free(text);
	if (whole) {
		/* Hashed once per run: kernel_prepare takes this one. */
		memcpy(k->sha256, sha, sizeof(k->sha256));
		return KERNEL_OK;
	}
	unlink(stamp);
	return kernel_why(why, KERNEL_UNAVAILABLE, "cached kernel %s was damaged (%s: image or "
			  "modules.dep missing, or the image changed)", k->spec, dir);
}

static int use_cached(struct kernel *k, const char *dir, const char *tree,
		      const char *stamp, char **why)
{
	read_stamp(k, stamp);
	return check_cached(k, dir, tree, stamp, why);
}

/* Remove dir's entries that start with prefix and that stale() says are. */
static int sweep_dir(const char *dir, const char *prefix, bool (*stale)(const char *name))
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d))) {
		char *path;

		if (!str_starts(de->d_name, prefix) || !stale(de->d_name))
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		n += remove_tree(path) == 0;
		free(path);
	}
	if (d)
		closedir(d);
	return n;
}

/* Any fetch directory: sweep_dir runs it only while holding the fetch lock. */
static bool any_fetch(const char *name)
{
	return true;
}

/* NAME.tmp.PID of write_file_atomic whose writer is gone. */
static bool writer_gone(const char *name)
{
	const char *tmp = strstr(name, ".tmp.");
	char *end;
	long pid = tmp ? strtol(tmp + 5, &end, 10) : 0;

	return pid > 0 && !*end && kill(pid, 0) && errno == ESRCH;
}

int cache_sweep(const char *cache)
{
	char *kernels = xasprintf("%s/kernels", cache), *initrd = xasprintf("%s/initrd", cache);
	char *vmlinux = xasprintf("%s/vmlinux", cache), *snapshot = xasprintf("%s/snapshot", cache);
	char *lockpath = xasprintf("%s/lock", kernels);
	int lock = open(lockpath, O_RDWR | O_CLOEXEC), n = 0;

	/* A fetch that is running holds the lock: its directory is left alone. */
	if (lock >= 0 && !flock(lock, LOCK_EX | LOCK_NB))
		n += sweep_dir(kernels, ".fetch.", any_fetch);
	if (lock >= 0)
		close(lock);
	n += sweep_dir(initrd, "", writer_gone);
	n += sweep_dir(vmlinux, "", writer_gone);
	n += sweep_dir(snapshot, "", writer_gone);
	free(vmlinux);
	free(snapshot);
	free(kernels);
	free(initrd);
	free(lockpath);
	return n;
}

static int prepare_debian(struct kernel *k, const char *cache, char **why)
{
	char *dir = xasprintf("%s/kernels/debian/%s", cache, k->name);
	char *tree = xasprintf("%s/tree", dir), *stamp = xasprintf("%s/ready", dir);
	char *pkg = xasprintf("linux-image-%s", k->name);
	char *lockpath = xasprintf("%s/kernels/lock", cache);
	int lock = -1, rc = KERNEL_OK;

	if (mkdir_p(dir, 0755)) {
		rc = kernel_why(why, KERNEL_UNAVAILABLE, "cannot create cache %s: %s", dir,
			  strerror(errno));
		goto out;
	}
	/* One fetch at a time per cache, across krepro processes. */
	lock = lock_exclusive(lockpath);
	if (lock < 0) {
		rc = kernel_why(why, KERNEL_UNAVAILABLE, "cannot lock %s: %s", lockpath,
				strerror(-lock));
		goto out;
	}
	if (!is_file(stamp))
		rc = fetch_debian(k, cache, pkg, tree, stamp, why);
	if (!rc && (rc = use_cached(k, dir, tree, stamp, why)) && !is_file(stamp)) {
		/* Dropped as damaged: fetched again, once, and k->note says so. */
		k->note = *why;
		*why = NULL;
		rc = fetch_debian(k, cache, pkg, tree, stamp, why);
		if (!rc)
			rc = use_cached(k, dir, tree, stamp, why);
	}
out:
	if (lock >= 0)
		close(lock);
	free(dir);
	free(tree);
	free(stamp);
	free(pkg);
	free(lockpath);
	return rc;
}

/* An x86 boot image carries "HdrS" at 0x202 (the boot protocol header). */
static bool has_boot_header(const char *path)
{
	char magic[4];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool ok;

	if (fd < 0)
		return false;
	ok = pread(fd, magic, sizeof(magic), 0x202) == sizeof(magic) &&
	     !memcmp(magic, "HdrS", 4);
	close(fd);
	return ok;
}

/* A modules directory given as a tree: find lib/modules/RELEASE in it. */
static int find_given_moddir(struct kernel *k, char **why)
{
	char *release = NULL, *md = find_moddir(k->moddir, &release), *dep;
	bool indexed;

	if (!md)
		return kernel_why(why, KERNEL_BAD_INPUT, "cannot use kernel %s: %s has neither "
			    "modules.dep nor lib/modules/RELEASE", k->spec, k->moddir);
	free(k->moddir);
	k->moddir = md;
	free(k->release);
	k->release = release;
	dep = xasprintf("%s/modules.dep", md);
	indexed = is_file(dep);
	free(dep);
	return indexed ? KERNEL_OK : kernel_why(why, KERNEL_BAD_INPUT, "cannot use kernel %s: no "
					  "modules.dep in %s (run depmod -b)", k->spec, md);
}

static int prepare_file(struct kernel *k, char **why)
{
	char *dep;
	bool indexed;
	const char *base;

	if (!is_file(k->image))
		return kernel_why(why, KERNEL_BAD_INPUT, "cannot use kernel %s: %s: %s", k->spec,
			    k->image, access(k->image, F_OK) ? strerror(errno) :
			    "not a regular file");
	if (!has_boot_header(k->image))
		return kernel_why(why, KERNEL_BAD_INPUT, "cannot use kernel %s: %s is not a bootable "
			    "x86 kernel image (no boot protocol header)", k->spec, k->image);
	if (!k->moddir)
		return KERNEL_OK;
	if (!is_dir(k->moddir))
		return kernel_why(why, KERNEL_BAD_INPUT, "cannot use kernel %s: modules directory %s "
			    "does not exist", k->spec, k->moddir);
	dep = xasprintf("%s/modules.dep", k->moddir);
	indexed = is_file(dep);
	free(dep);
	if (!indexed)
		return find_given_moddir(k, why);
	base = strrchr(k->moddir, '/');
	free(k->release);
	k->release = xstrdup(base ? base + 1 : k->moddir);
	return KERNEL_OK;
}

static int prepare_build(struct kernel *k, const struct kernel_env *env, char **why)
{
	char *image, *release;
	int rc = kbuild_image(k->build, env, &image, &release, why);

	if (rc)
		return rc;
	free(k->image);
	free(k->release);
	k->image = image;
	k->release = release;
	return KERNEL_OK;
}

int kernel_prepare(struct kernel *k, const struct kernel_env *env, char **why)
{
	int rc = KERNEL_OK;

	*why = NULL;
	switch (k->kind) {
	case KERNEL_HOST:
		return KERNEL_OK;
	case KERNEL_DEBIAN:
		rc = prepare_debian(k, env->cache, why);
		break;
	case KERNEL_FILE:
		rc = prepare_file(k, why);
		break;
	case KERNEL_BUILD:
		rc = prepare_build(k, env, why);
		break;
	}
	if (!rc && !k->sha256[0] && sha256_file(k->image, k->sha256))
		rc = kernel_why(why, KERNEL_UNAVAILABLE, "cannot hash %s", k->image);
	if (!rc && !k->boot)
		k->boot = pvh_image(k->image, k->sha256, env->cache, &k->pvh_s);
	return rc;
}

static int by_version(const void *a, const void *b)
{
	return strverscmp(((const struct apt_kernel *)a)->name,
			  ((const struct apt_kernel *)b)->name);
}

int apt_kernel_cmp(const void *a, const void *b)
{
	const struct apt_kernel *x = a, *y = b;
	int rc = strcmp(x->version, "?") && strcmp(y->version, "?") ?
		 debian_version_cmp(x->version, y->version) : 0;

	return rc ? rc : by_version(a, b);
}

/*
 * An image, not a meta-package: 6.1.0-47-cloud-amd64 or
 * 6.12.100+deb12-cloud-amd64 name a release (two dots before the first
 * dash); 6.12-cloud-amd64 only depends on the newest one.
 */
static bool is_image_name(const char *name)
{
	size_t n = strcspn(name, "-");
	int dots = 0;

	for (size_t i = 0; i < n; i++)
		dots += name[i] == '.';
	return dots >= 2;
}

int apt_kernels(struct apt_kernel **out)
{
	char *argv[] = { "apt-cache", "search", "--names-only",
			 "^linux-image-[0-9].*-amd64$", NULL };
	struct buf o = { 0 };
	struct apt_kernel *v = NULL;
	char *line, *next;
	int n = 0, i;

	if (run_cmd(argv, &o, NULL, true) != 0) {
		buf_free(&o);
		*out = NULL;
		return -1;
	}
	for (line = o.data; line && *line; line = next) {
		char *sp;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		sp = strchr(line, ' ');
		if (sp)
			*sp = '\0';
		if (!str_starts(line, "linux-image-") || strstr(line, "-dbg") ||
		    strstr(line, "-unsigned") || !is_image_name(line + 12))
			continue;
		v = xrealloc(v, sizeof(*v) * (n + 1));
		v[n].name = xstrdup(line + 12);
		v[n].version = NULL;
		n++;
	}
	buf_free(&o);
	qsort(v, n, sizeof(*v), by_version);
	/* One apt-cache call for all versions. */
	{
		char **args = xcalloc(n + 4, sizeof(char *));
		int a = 0;

		args[a++] = "apt-cache";
		args[a++] = "show";
		args[a++] = "--no-all-versions";
		for (i = 0; i < n; i++)
			args[a++] = xasprintf("linux-image-%s", v[i].name);
		if (n && run_cmd(args, &o, NULL, true) == 0) {
			char *pkg = NULL;

			for (line = o.data; line && *line; line = next) {
				next = strchr(line, '\n');
				if (next)
					*next++ = '\0';
				if (str_starts(line, "Package: linux-image-"))
					pkg = line + 21;
				else if (str_starts(line, "Version: ") && pkg)
					for (i = 0; i < n; i++)
						if (!strcmp(v[i].name, pkg) && !v[i].version)
							v[i].version = xstrdup(line + 9);
			}
		}
		buf_free(&o);
		for (i = 3; i < a; i++)
			free(args[i]);
		free(args);
	}
	for (i = 0; i < n; i++)
		if (!v[i].version)
			v[i].version = xstrdup("?");
	qsort(v, n, sizeof(*v), apt_kernel_cmp);
	*out = v;
	return n;
}

char *apt_newest_cloud(struct apt_kernel *list, int n, const char *series)
{
	char *prefix = xasprintf("%s.", series);
	char *best = NULL;
	int i;

	for (i = 0; i < n; i++) {
		const char *name = list[i].name;
		size_t len = strlen(name);

		if (!str_starts(name, prefix) || len < 12 ||
		    strcmp(name + len - 12, "-cloud-amd64"))
			continue;
		if (!best || strverscmp(name, best) > 0)
			best = list[i].name;
	}
	free(prefix);
	return best ? xstrdup(best) : NULL;
}

int cached_kernels(const char *cache, char ***names)
{
	char *dir = xasprintf("%s/kernels/debian", cache);
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	*names = NULL;
	while (d && (de = readdir(d))) {
		char *stamp;

		if (de->d_name[0] == '.')
			continue;
		stamp = xasprintf("%s/%s/ready", dir, de->d_name);
		if (is_file(stamp)) {
			*names = xrealloc(*names, sizeof(char *) * (n + 1));
			(*names)[n++] = xasprintf("debian:%s", de->d_name);
		}
		free(stamp);
	}
	if (d)
		closedir(d);
	free(dir);
	return n;
}

/* dpkg's order for one part: '~' first, then the end, letters, the rest. */
static int version_char_order(char c)
{
	if (c == '~')
		return -1;
	if (!c || isdigit((unsigned char)c))
		return 0;
	if (isalpha((unsigned char)c))
		return c;
	return c + 256;
}

/* Compare a version part: alternating non-digit and digit runs. */
static int version_part_cmp(const char *a, const char *b)
{
	while (*a || *b) {
		long na = 0, nb = 0;

		while ((*a && !isdigit((unsigned char)*a)) || (*b && !isdigit((unsigned char)*b))) {
			int oa = version_char_order(*a), ob = version_char_order(*b);

			if (oa != ob)
				return oa < ob ? -1 : 1;
			a++;
			b++;
		}
		while (isdigit((unsigned char)*a))
			na = na * 10 + (*a++ - '0');
		while (isdigit((unsigned char)*b))
			nb = nb * 10 + (*b++ - '0');
		if (na != nb)
			return na < nb ? -1 : 1;
	}
	return 0;
}

int debian_version_cmp(const char *a, const char *b)
{
	const char *ca = strchr(a, ':'), *cb = strchr(b, ':');
	long ea = ca ? atol(a) : 0, eb = cb ? atol(b) : 0;
	char *ua, *ub, *ra, *rb;
	int rc;

	if (ea != eb)
		return ea < eb ? -1 : 1;
	ua = xstrdup(ca ? ca + 1 : a);
	ub = xstrdup(cb ? cb + 1 : b);
	ra = strrchr(ua, '-');
	rb = strrchr(ub, '-');
	if (ra)
		*ra++ = '\0';
	if (rb)
		*rb++ = '\0';
	rc = version_part_cmp(ua, ub);
	if (!rc)
		rc = version_part_cmp(ra ? ra : "", rb ? rb : "");
	free(ua);
	free(ub);
	return rc;
}

const char *kernel_flavour(const char *name)
{
	const char *p;

	for (p = strchr(name, '-'); p; p = strchr(p + 1, '-'))
		if (isalpha((unsigned char)p[1]))
			return p + 1;
	return "";
}

char *kernel_changelog(const struct kernel *k, const char *cache)
{
	static const char *const names[] = { "changelog.Debian.gz", "changelog.gz", NULL };

	if (k->kind != KERNEL_DEBIAN)
		return NULL;
	for (int i = 0; names[i]; i++) {
		char *path = xasprintf("%s/kernels/debian/%s/tree/usr/share/doc/linux-image-%s/%s",
				       cache, k->name, k->name, names[i]);

		if (is_file(path))
			return path;
		free(path);
	}
	return NULL;
}
