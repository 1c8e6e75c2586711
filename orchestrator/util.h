/* util.h: memory, strings, time and file helpers shared by every subsystem. */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#define ARRAY_LENGTH(a) (sizeof(a) / sizeof((a)[0]))
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#define NORETURN __attribute__((noreturn))

/* Allocation failure aborts: there is no useful way to go on without memory. */
void *xmalloc(size_t n);
void *xzalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
void *xreallocarray(void *p, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) PRINTF_LIKE(1, 2);
char *xvasprintf(const char *fmt, va_list ap) PRINTF_LIKE(1, 0);

/* Cleanup helpers in the style of libinput's util-mem.h. */
static inline void freep(void *p) { free(*(void **)p); }
#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(freep)
void closep(int *fd);
#define _cleanup_close_ _cleanup_(closep)
/* Hands ownership out of a cleanup variable. */
#define steal(pp) ({ __typeof__(*(pp)) _v = *(pp); *(pp) = NULL; _v; })
#define steal_fd(fdp) ({ int _fd = *(fdp); *(fdp) = -1; _fd; })

/* A growable string. */
struct strbuf {
	char *buf;
	size_t len;
	size_t cap;
};
void strbuf_init(struct strbuf *sb);
void strbuf_release(struct strbuf *sb);
void strbuf_reset(struct strbuf *sb);
void strbuf_add(struct strbuf *sb, const void *data, size_t n);
void strbuf_puts(struct strbuf *sb, const char *s);
void strbuf_putc(struct strbuf *sb, char c);
void strbuf_printf(struct strbuf *sb, const char *fmt, ...) PRINTF_LIKE(2, 3);
/* Returns the string and leaves sb empty. Never NULL. */
char *strbuf_steal(struct strbuf *sb);

/* Monotonic and wall clocks in milliseconds. */
int64_t now_mono_ms(void);
int64_t now_wall_ms(void);
/* Formats wall-clock milliseconds as ISO 8601 UTC into buf (>= 32 bytes). */
const char *format_time_ms(int64_t wall_ms, char *buf, size_t n);
void sleep_ms(int64_t ms);

bool streq(const char *a, const char *b);
bool strstartswith(const char *s, const char *prefix);
bool strendswith(const char *s, const char *suffix);
/* Names appear in cell keys, file names and domain names: 1-64 letters, digits, '-', '_' or '.',
 * not starting with '.' or '-'. */
bool name_is_safe(const char *name);
/* Levenshtein distance, for "did you mean" hints. */
size_t str_distance(const char *a, const char *b);

/* Reads a whole file of at most max bytes. 0 or negative errno (-EFBIG when larger). */
int read_file(const char *path, size_t max, char **out, size_t *len);
/* Reads the last at most max bytes of a file. */
int read_file_tail(const char *path, size_t max, char **out, size_t *len);
/* Writes a file atomically (temp + rename). 0 or negative errno. */
int write_file(const char *path, const void *data, size_t len, int mode);
/* Creates or truncates a file and writes it in place (no symlink followed): for files that a
 * later atomic write publishes, such as a report's pages before its index. */
int write_file_direct(const char *path, const void *data, size_t len, int mode);
/* mkdir -p. 0 or negative errno. */
int mkdir_p(const char *path, int mode);
/* rm -rf. 0 or negative errno. */
int remove_tree(const char *path);
char *path_join(const char *a, const char *b);
/* Directory of the running executable, for finding sibling programs. */
char *exe_dir(void);

/* Copies src to dst replacing control characters and invalid UTF-8, truncating to max bytes.
 * Everything from a guest passes through here before it is stored. */
char *sanitize_text(const char *src, size_t len, size_t max);

/* Appends s with & < > " ' escaped, safe in XML/HTML text and quoted attributes. */
void strbuf_put_escaped(struct strbuf *sb, const char *s);

/* Runs argv (PATH searched, no shell), stdin from /dev/null. Its stdout is kept in *out (at most
 * max_out bytes, the rest discarded; out may be NULL); on failure *why holds its stderr (or why it
 * could not run), cleaned and bounded. 0 when it exited 0, else -EIO (or a negative errno). */
int run_command(char *const argv[], size_t max_out, char **out, char **why);

/* Start time of a process (clock ticks since boot, /proc/PID/stat field 22); -1 when it is gone. */
int64_t process_start_time(int pid);
