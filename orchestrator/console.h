/* console.h: reads a guest's serial console for kernel reports: Linux oopses, panics, BUG and
 * WARNING reports, sanitizer and lockdep reports, lockups, stalls, hung tasks, OOM kills, on
 * every architecture the kernel prints them for, and Windows bugchecks on the serial/EMS
 * console. Each report says whether the kernel stopped (fatal) or went on. */
#pragma once

#include "util.h"

/* One report the kernel made. */
struct console_report {
	char kind[32];       /* "bug", "oops", "gpf", "trap", "stack-overflow", "stack-corruption",
			      * "panic", "warning", "lockdep", "kasan", "kmsan", "kcsan", "kfence",
			      * "ubsan", "kmemleak", "refcount", "list-corruption", "atomic-sleep",
			      * "spinlock", "bad-page", "hung-task", "rcu-stall", "soft-lockup",
			      * "hard-lockup", "oom", "oom-kill", "bugcheck" */
	char title[256];     /* the line that names it, without timestamps or log prefixes */
	char function[128];  /* the guilty frame: the first frame that is not reporting machinery
			      * or a generic helper, or the frame of an out-of-tree module */
	char module[64];     /* that frame's module, or the Windows driver that failed */
	char reason[256];    /* "Kernel panic - not syncing: REASON", or the Windows stop code name */
	char signature[384]; /* crash_signature() of title, function and module */
	bool fatal;          /* the kernel stopped: a panic, or an oops at the end of its output */
	size_t offset;       /* where the report's first line starts in the text */
	size_t line;         /* that line's number, from 1 */
	uint32_t bugcheck;   /* Windows stop code, 0 when none */
	uint64_t bugcheck_args[4];
};

/* The principal report of a console: the first fatal one, else the first one. */
struct console_crash {
	bool crashed;       /* the principal report is fatal */
	char kind[32];
	char title[256];
	char module[64];
	char function[128];
	char reason[256];
	uint32_t bugcheck;
	uint64_t bugcheck_args[4];
	size_t offset;      /* where the principal report starts in the text */
};

/* Fills c with the principal report of text (bounded by len, NUL bytes allowed); c->title is
 * empty when the kernel reported nothing. */
void console_classify(const char *text, size_t len, struct console_crash *c);
/* Every report in text, in order: stores at most max in out and returns how many there are. */
size_t console_reports(const char *text, size_t len, struct console_report *out, size_t max);

/* The same in pieces, for consoles read as a stream: memory stays bounded whatever the size. */
struct console_scan;
/* A scanner that keeps at most max reports (and the principal one in any case). */
struct console_scan *console_scan_new(size_t max);
void console_scan_feed(struct console_scan *s, const char *data, size_t len);
/* Ends the input: the reports found (sorted by offset) and their number; *total says how many
 * there were. The array belongs to the scanner. */
size_t console_scan_end(struct console_scan *s, const struct console_report **reports, size_t *total);
/* The principal report, or NULL when there is none (after console_scan_end). */
const struct console_report *console_scan_principal(const struct console_scan *s);
void console_scan_free(struct console_scan *s);

/* The last max_lines lines of text (sanitised), for evidence. */
char *console_tail(const char *text, size_t len, size_t max_lines, size_t max_bytes);
/* Up to `before` lines before offset and `after` lines from it (sanitised): a crash excerpt. */
char *console_excerpt(const char *text, size_t len, size_t offset, size_t before, size_t after, size_t max_bytes);
/* The last line of text that is not empty (sanitised). */
char *console_last_line(const char *text, size_t len);

/* A crash signature that is the same for the same bug in every cell: the title with addresses,
 * offsets, numbers, CPU and PID fields normalised, plus the faulting function and module. */
char *crash_signature(const char *title, const char *function, const char *module);
