/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef KREPRO_LIB_UTIL_H
#define KREPRO_LIB_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * The bottom layer: memory, buffers, files, hashes.  Functions here return
 * errors (-errno, NULL with errno) and never exit or change directory; the
 * x* allocators abort on out-of-memory, which nobody can handle.
 */

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
/*
 * A log another program wrote (a serial port, a reproducer's output), as
 * one string: NUL bytes, which garbling can put there, become '?'.
 */
char *read_text(const char *path);
/* Write via a temp file in the same directory and rename: all or nothing. */
int write_file_atomic(const char *path, const void *data, size_t len);
int mkdir_p(const char *path, mode_t mode);
/* Remove a tree without crossing into other filesystems. */
int remove_tree(const char *path);
bool is_file(const char *path);
/* Open (creating) path and wait for its exclusive flock: the fd, or -errno. */
int lock_exclusive(const char *path);
bool is_dir(const char *path);

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
/*
 * Which file this is, cheaply: "INODE SIZE MTIME" from stat, which every
 * replacement or write of it changes (a package upgrade, a rebuild).  A
 * cache key where hashing or running the file would cost too much.
 * NULL when it cannot be read.
 */
char *file_identity(const char *path);

double now_monotonic(void);
/* Random hex string of n chars (n < 64) from getrandom. */
void random_hex(char *out, size_t n);

/* w as the shell reads it back: as it is when plainly safe, else single-quoted (malloc'd). */
char *shell_word(const char *w);
/* The last line of text that is not blank, trailing blanks cut (malloc'd; "" if none). */
char *last_line(const char *text);
/* Trim trailing whitespace in place; returns s. */
char *rtrim(char *s);
/* Control characters (a newline, an escape) become '?' in place: a message stays one line. */
char *one_line(char *s);
bool str_starts(const char *s, const char *prefix);

#endif
