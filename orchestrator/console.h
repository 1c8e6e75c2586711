/* console.h: reads a guest's serial console for crashes: Linux panics, oopses, BUG, GPF, KASAN,
 * lockups, hung tasks, RCU stalls, OOM panics, and Windows bugchecks on the serial/EMS console. */
#pragma once

#include "util.h"

struct console_crash {
	bool crashed;
	char kind[32];      /* "bug", "oops", "gpf", "kasan", "soft-lockup", "hard-lockup", "hung-task",
			     * "rcu-stall", "oom", "panic", "bugcheck", "reboot" */
	char title[256];    /* the line that names the crash, without the timestamp */
	char module[64];    /* faulting module (RIP line, KASAN line, or Windows "What failed") */
	char function[128]; /* faulting function */
	char reason[256];   /* "Kernel panic - not syncing: REASON", or the Windows stop code name */
	uint32_t bugcheck;  /* Windows stop code, 0 when none */
	uint64_t bugcheck_args[4];
	size_t offset;      /* where the title line starts in the text */
};

/* Finds the first crash in text (bounded by len, NUL bytes allowed). */
void console_classify(const char *text, size_t len, struct console_crash *c);
/* The last max_lines lines of text (sanitised), for evidence. */
char *console_tail(const char *text, size_t len, size_t max_lines, size_t max_bytes);
/* Up to `before` lines before offset and `after` lines from it (sanitised): a crash excerpt. */
char *console_excerpt(const char *text, size_t len, size_t offset, size_t before, size_t after, size_t max_bytes);
/* The last line of text that is not empty (sanitised). */
char *console_last_line(const char *text, size_t len);

/* A crash signature that is the same for the same bug in every cell: the title with addresses,
 * offsets, numbers, CPU and PID fields normalised, plus the faulting function and module. */
char *crash_signature(const char *title, const char *function, const char *module);

