/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KREPRO_UTIL_H
#define KREPRO_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Exit codes, everywhere (see README). */
enum {
	EXIT_OK = 0,
	EXIT_FAILED = 1,
	EXIT_USAGE = 2,
	EXIT_INFRA = 3,
};

extern const char *progname;

/* Print "krepro: ..." on stderr and exit with code. */
void die(int code, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));
void warnx_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable byte buffer, always NUL-terminated. */
struct buf {
	char *data;
	size_t len, cap;
};
void buf_add(struct buf *b, const void *p, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_free(struct buf *b);

/* Whole-file helpers.  read_file returns NULL and sets errno on failure. */
char *read_file(const char *path, size_t *len);
/* Write via a temp file in the same directory and rename: all or nothing. */
int write_file_atomic(const char *path, const void *data, size_t len);
int mkdir_p(const char *path, mode_t mode);
/* Remove a tree without crossing into other filesystems. */
int remove_tree(const char *path);
bool is_file(const char *path);
bool is_dir(const char *path);

/*
 * Run argv, wait for it; stdout captured into *out when out != NULL,
 * stderr into *err when err != NULL (else inherited or /dev/null when quiet).
 * Returns the exit status (0..255), 128+signal, or -errno if it could not run.
 */
int run_cmd(char *const argv[], struct buf *out, struct buf *err, bool quiet);
/* The same with the child in directory cwd (NULL: krepro's own). */
int run_cmd_in(const char *cwd, char *const argv[], struct buf *out, struct buf *err,
	       bool quiet);
/*
 * A path the user gave, made absolute against the directory krepro was
 * started in (nothing in krepro changes directory; this pins it anyway).
 */
char *absolute_path(const char *path);
/* Search PATH for an executable; returns a malloc'd path or NULL. */
char *which(const char *name);

/* 64-bit FNV-1a, for cache keys (not for integrity). */
uint64_t fnv1a(uint64_t h, const void *p, size_t n);
#define FNV1A_INIT 0xcbf29ce484222325ULL
/* Hash a file's contents into h; -errno on failure. */
int fnv1a_file(uint64_t *h, const char *path);
/* sha256 of a file as 64 hex chars (uses coreutils sha256sum). */
int sha256_file(const char *path, char out[65]);

double now_monotonic(void);
/* Random hex string of n chars (n < 64) from getrandom. */
void random_hex(char *out, size_t n);

/* Trim trailing whitespace in place; returns s. */
char *rtrim(char *s);
bool str_starts(const char *s, const char *prefix);

#endif
