// SPDX-License-Identifier: GPL-2.0-only
/*
 * The work directory of a kernel build (see kbuild.c for its layout): the
 * source krepro owns, patches applied and reverted in place, the
 * configuration, make, and the image published into the cache.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kbuild_impl.h"
#include "kernel.h"
#include "spawn.h"
#include "util.h"

/* Every image built says so in its release: 6.1.192-krepro. */
#define KBUILD_LOCALVERSION "-krepro"

/* What the kernel build needs on the host. */
static const char *const build_packages[] = {
	"gcc", "make", "bc", "bison", "flex", "libelf-dev", "libssl-dev",
	"xz-utils", "tar", "patch", "git", NULL
};

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

int install_build_packages(const struct kb *b, char **why)
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
int prepare_owned_source(struct kb *b, char **why)
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
int check_direct_tree(const struct kb *b, char **why)
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
int configure(const struct kb *b, const char *fragment, char **why)
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
int compile(const struct kb *b, char **why)
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
int publish(const struct kb *b, char **why)
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

