// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guest image: an uncompressed cpio (newc) built in memory.  busybox is
 * init and shell; the reproducer, the modules the case needs (with their
 * dependencies, decompressed) and the host tools the case declares (with
 * their shared libraries, found with ldd) are added at their host paths.
 * The file is cached under a hash of everything that goes into it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "initramfs.h"
#include "spawn.h"
#include "util.h"

static void cpio_raw(struct cpio *c, const void *p, size_t n)
{
	if (c->len + n > c->cap) {
		c->cap = (c->len + n) * 2 + 4096;
		c->data = xrealloc(c->data, c->cap);
	}
	memcpy(c->data + c->len, p, n);
	c->len += n;
}

static void cpio_pad(struct cpio *c)
{
	static const char zero[4];

	if (c->len % 4)
		cpio_raw(c, zero, 4 - c->len % 4);
}

static void cpio_entry(struct cpio *c, const char *path, unsigned int mode,
		       const void *data, size_t len)
{
	char hdr[128];
	const char *name = path[0] == '/' ? path + 1 : path;
	size_t namesize = strlen(name) + 1;

	snprintf(hdr, sizeof(hdr),
		 "070701%08X%08X%08X%08X%08X%08X%08zX%08X%08X%08X%08X%08zX%08X",
		 ++c->ino, mode, 0, 0, 1, 0, len, 0, 0, 0, 0, namesize, 0);
	cpio_raw(c, hdr, 110);
	cpio_raw(c, name, namesize);
	cpio_pad(c);
	if (len) {
		cpio_raw(c, data, len);
		cpio_pad(c);
	}
}

/* Emit every missing parent of path (not path itself). */
static void cpio_parents(struct cpio *c, const char *path)
{
	char *p = xstrdup(path), *s;

	for (s = p + 1; (s = strchr(s, '/')); s++) {
		int i;

		*s = '\0';
		for (i = 0; i < c->ndirs; i++)
			if (!strcmp(c->dirs[i], p))
				break;
		if (i == c->ndirs) {
			cpio_entry(c, p, S_IFDIR | 0755, NULL, 0);
			c->dirs = xrealloc(c->dirs, sizeof(char *) * (c->ndirs + 1));
			c->dirs[c->ndirs++] = xstrdup(p);
		}
		*s = '/';
	}
	free(p);
}

void cpio_dir(struct cpio *c, const char *path, unsigned int mode)
{
	char *slash = xasprintf("%s/", path);

	cpio_parents(c, slash);
	free(slash);
}

void cpio_file(struct cpio *c, const char *path, unsigned int mode,
	       const void *data, size_t len)
{
	cpio_parents(c, path);
	cpio_entry(c, path, S_IFREG | (mode & 07777), data, len);
}

void cpio_symlink(struct cpio *c, const char *path, const char *target)
{
	cpio_parents(c, path);
	cpio_entry(c, path, S_IFLNK | 0777, target, strlen(target));
}

void cpio_finish(struct cpio *c)
{
	cpio_entry(c, "TRAILER!!!", 0, NULL, 0);
	while (c->len % 512)
		cpio_raw(c, "", 1);
}

void cpio_free(struct cpio *c)
{
	int i;

	for (i = 0; i < c->ndirs; i++)
		free(c->dirs[i]);
	free(c->dirs);
	free(c->data);
	memset(c, 0, sizeof(*c));
}

/* An input file: where it is on the host, where it goes in the guest. */
struct input {
	char *host;
	char *guest;
	unsigned int mode;
	int decompress;		/* 0 none, 'x' xz, 'z' zstd, 'g' gzip */
};

struct inputs {
	const char *cache;	/* CACHE, where ldd's answers are kept */
	struct input *v;
	int n;
	struct buf modlist;	/* MODULES= value, load order */
};

static void add_input(struct inputs *in, const char *host, const char *guest,
		      unsigned int mode, int decompress)
{
	int i;

	for (i = 0; i < in->n; i++)
		if (!strcmp(in->v[i].guest, guest))
			return;
	in->v = xrealloc(in->v, sizeof(*in->v) * (in->n + 1));
	in->v[in->n].host = xstrdup(host);
	in->v[in->n].guest = xstrdup(guest);
	in->v[in->n].mode = mode;
	in->v[in->n].decompress = decompress;
	in->n++;
}

static bool same_module(const char *path, const char *name)
{
	const char *base = strrchr(path, '/');
	size_t i;

	base = base ? base + 1 : path;
	for (i = 0; name[i]; i++) {
		char a = base[i] == '-' ? '_' : base[i];
		char b = name[i] == '-' ? '_' : name[i];

		if (a != b)
			return false;
	}
	return str_starts(base + i, ".ko");
}

static int compression_of(const char *path)
{
	size_t n = strlen(path);

	if (n > 3 && !strcmp(path + n - 3, ".xz"))
		return 'x';
	if (n > 4 && !strcmp(path + n - 4, ".zst"))
		return 'z';
	if (n > 3 && !strcmp(path + n - 3, ".gz"))
		return 'g';
	return 0;
}

static void add_module_file(struct inputs *in, const char *moddir, const char *rel)
{
	char *host = xasprintf("%s/%s", moddir, rel);
	const char *base = strrchr(rel, '/');
	char *guest, *dot;

	base = base ? base + 1 : rel;
	guest = xasprintf("/krepro/modules/%s", base);
	dot = strstr(guest, ".ko");
	dot[3] = '\0';
	for (int i = 0; i < in->n; i++)
		if (!strcmp(in->v[i].guest, guest))
			goto out;
	add_input(in, host, guest, 0644, compression_of(rel));
	if (in->modlist.len)
		buf_puts(&in->modlist, " ");
	buf_puts(&in->modlist, guest + 16);
out:
	free(host);
	free(guest);
}

/*
 * modules.dep lists a module's whole dependency closure, the one to load
 * first last.  A module that is not there may be built in: nothing to do.
 */
static int resolve_modules(struct inputs *in, const struct kernel *k,
			   char **names, int n, char **err)
{
	char *dep_path, *text, *line, *next;
	int i;

	if (!n || !k->moddir)
		return 0;
	dep_path = xasprintf("%s/modules.dep", k->moddir);
	text = read_file(dep_path, NULL);
	if (!text) {
		*err = xasprintf("cannot read %s: %s", dep_path, strerror(errno));
		free(dep_path);
		return -1;
	}
	for (i = 0; i < n; i++) {
		for (line = text; line && *line; line = next) {
			char *colon, *deps[64];
			int nd = 0, j;

			next = strchr(line, '\n');
			if (next)
				next++;
			colon = strchr(line, ':');
			if (!colon || (next && colon > next))
				continue;
			{
				char *mod = strndup(line, colon - line);
				bool hit = same_module(mod, names[i]);

				if (!hit) {
					free(mod);
					continue;
				}
				char *rest = strndup(colon + 1, next ? (size_t)(next - colon - 2)
							       : strlen(colon + 1));
				char *save = NULL, *w;

				for (w = strtok_r(rest, " ", &save); w && nd < 64;
				     w = strtok_r(NULL, " ", &save))
					deps[nd++] = xstrdup(w);
				for (j = nd - 1; j >= 0; j--) {
					add_module_file(in, k->moddir, deps[j]);
					free(deps[j]);
				}
				add_module_file(in, k->moddir, mod);
				free(rest);
				free(mod);
				break;
			}
		}
	}
	free(text);
	free(dep_path);
	return 0;
}

/*
 * What `ldd path` prints, kept in CACHE/ldd under the program's inode,
 * size and modification time (a package upgrade changes them): ldd is a
 * script that runs the loader, 0.05 s per tool of every run.  0, or -1.
 */
static int ldd_output(const char *cache, const char *path, struct buf *out)
{
	char *argv[3] = { "ldd", (char *)path, NULL }, *memo, *text, *key, *id;
	uint64_t h;

	id = file_identity(path);
	if (!id)
		return -1;
	key = xasprintf("%s %s", path, id);
	free(id);
	h = fnv1a(FNV1A_INIT, key, strlen(key) + 1);
	memo = xasprintf("%s/ldd/%016llx", cache, (unsigned long long)h);
	free(key);
	text = read_file(memo, NULL);
	if (text) {
		buf_puts(out, text);
		free(text);
		free(memo);
		return 0;
	}
	if (run_cmd(argv, out, NULL, true) != 0) {
		free(memo);
		return -1;
	}
	text = xasprintf("%s/ldd", cache);
	if (!mkdir_p(text, 0755) && out->data)
		write_file_atomic(memo, out->data, out->len);
	free(text);
	free(memo);
	return 0;
}

/* The program and every shared object ldd says it needs. */
static int resolve_tool(struct inputs *in, const char *name, char **err)
{
	char *path = which(name);
	struct buf out = { 0 };
	char *line, *next, *real;

	if (!path) {
		*err = xasprintf("cannot find tool %s on this machine (run make setup)", name);
		return -1;
	}
	real = realpath(path, NULL);
	add_input(in, real ? real : path, path, 0755, 0);
	if (ldd_output(in->cache, path, &out) == 0) {
		for (line = out.data; line && *line; line = next) {
			char *lib = NULL, *arrow, *sp;

			next = strchr(line, '\n');
			if (next)
				*next++ = '\0';
			arrow = strstr(line, "=> ");
			if (arrow)
				lib = arrow + 3;
			else if (strchr(line, '/'))
				lib = line + strspn(line, " \t");
			if (!lib || *lib != '/')
				continue;
			sp = strchr(lib, ' ');
			if (sp)
				*sp = '\0';
			{
				char *r = realpath(lib, NULL);

				if (r)
					add_input(in, r, lib, 0755, 0);
				free(r);
			}
		}
	}
	buf_free(&out);
	free(real);
	free(path);
	return 0;
}

static int load_input(const struct input *in, struct buf *out)
{
	size_t len;
	char *data;

	if (in->decompress) {
		char *argv[] = { in->decompress == 'x' ? "xz" :
				 in->decompress == 'z' ? "zstd" : "gzip",
				 "-dc", "--", in->host, NULL };

		return run_cmd(argv, out, NULL, true) == 0 ? 0 : -EIO;
	}
	data = read_file(in->host, &len);
	if (!data)
		return -errno;
	buf_add(out, data, len);
	free(data);
	return 0;
}

static const char *base_name(const char *path)
{
	return strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
}

/*
 * Everything the image holds: init, busybox, the knobs reader, the
 * reproducer, modules, tools.
 */
static int gather_inputs(struct inputs *in, const struct image_spec *s, char **err)
{
	char *guest = xasprintf("/krepro/bin/%s", base_name(s->binary));

	add_input(in, s->init, "/init", 0755, 0);
	add_input(in, s->busybox, "/bin/busybox", 0755, 0);
	add_input(in, s->knobs, "/krepro/knobs", 0755, 0);
	add_input(in, s->binary, guest, 0755, 0);
	free(guest);
	if (resolve_modules(in, s->kernel, s->modules, s->nmodules, err))
		return -1;
	for (int i = 0; i < s->ntools; i++)
		if (resolve_tool(in, s->tools[i], err))
			return -1;
	return 0;
}

/* The cache key: every input's guest path and content, and the conf text. */
static int image_key(const struct inputs *in, const char *conf, uint64_t *h, char **err)
{
	*h = fnv1a(FNV1A_INIT, conf, strlen(conf));
	for (int i = 0; i < in->n; i++) {
		*h = fnv1a(*h, in->v[i].guest, strlen(in->v[i].guest) + 1);
		if (fnv1a_file(h, in->v[i].host)) {
			*err = xasprintf("cannot read %s: %s", in->v[i].host, strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* Write the cpio of inputs and conf to path (all or nothing). */
static int write_image(const struct inputs *in, const char *conf, const char *path,
		       char **err)
{
	struct cpio c = { 0 };
	int ret = -1;

	for (int i = 0; i < in->n; i++) {
		struct buf data = { 0 };

		if (load_input(&in->v[i], &data)) {
			*err = xasprintf("cannot read %s for the guest image", in->v[i].host);
			buf_free(&data);
			goto out;
		}
		cpio_file(&c, in->v[i].guest, in->v[i].mode, data.data, data.len);
		buf_free(&data);
	}
	cpio_file(&c, "/krepro/conf", 0644, conf, strlen(conf));
	cpio_dir(&c, "/proc", 0755);
	cpio_finish(&c);
	ret = write_file_atomic(path, c.data, c.len);
	if (ret)
		*err = xasprintf("cannot write %s: %s", path, strerror(-ret));
out:
	cpio_free(&c);
	return ret ? -1 : 0;
}

static void free_inputs(struct inputs *in)
{
	for (int i = 0; i < in->n; i++) {
		free(in->v[i].host);
		free(in->v[i].guest);
	}
	free(in->v);
	buf_free(&in->modlist);
}

/*
 * A cached image ends as cpio_finish ends it: the trailer's name within
 * the last 512 + 14 bytes (its header may straddle the last block), then
 * zeros up to a multiple of 512.
 */
static bool image_whole(const char *path)
{
	char tail[1024];
	struct stat st;
	bool whole = false;
	FILE *f;

	if (stat(path, &st) || !S_ISREG(st.st_mode) || st.st_size < 1024 || st.st_size % 512)
		return false;
	f = fopen(path, "re");
	if (f && !fseeko(f, st.st_size - 1024, SEEK_SET) && fread(tail, 1, 1024, f) == 1024)
		whole = memmem(tail, 1024, "TRAILER!!!", 10) != NULL;
	if (f)
		fclose(f);
	return whole;
}

char *initramfs_get(const struct image_spec *s, const char *cache,
		    int *built, char **err)
{
	struct inputs in = { 0 };
	char *conf = NULL, *dir = NULL, *path = NULL;
	uint64_t h;
	int ret;

	*built = 0;
	in.cache = cache;
	if (gather_inputs(&in, s, err))
		goto out;
	conf = xasprintf("CASE='%s'\nBINARY='%s'\nARGS='%s'\nMODULES='%s'\n", s->case_name,
			 base_name(s->binary), s->args ? s->args : "",
			 in.modlist.data ? in.modlist.data : "");
	if (image_key(&in, conf, &h, err))
		goto out;
	dir = xasprintf("%s/initrd", cache);
	path = xasprintf("%s/%016llx.cpio", dir, (unsigned long long)h);
	if (image_whole(path))
		goto out;
	/* Missing, or damaged (cut short by a full disk, or by hand): built anew. */
	*built = is_file(path) ? 2 : 1;
	ret = mkdir_p(dir, 0755);
	if (ret)
		*err = xasprintf("cannot create %s: %s", dir, strerror(-ret));
	if (ret || write_image(&in, conf, path, err)) {
		free(path);
		path = NULL;
		goto out;
	}
out:
	if (!path)
		*built = 0;
	free(conf);
	free(dir);
	free_inputs(&in);
	return path;
}
