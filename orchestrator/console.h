/* console.h: reads a guest's serial console for crash evidence. */
#pragma once

#include "util.h"

struct console_crash {
	bool crashed;
	char kind[32];      /* "oops", "bug", "gpf", "panic" */
	char title[256];    /* first line that names the crash, without the timestamp */
	char module[64];    /* faulting module from the RIP line, when it is in a module */
	char function[128]; /* faulting function */
	char reason[256];   /* "Kernel panic - not syncing: REASON" */
};

/* Finds the first kernel crash in text (bounded by len). */
void console_classify(const char *text, size_t len, struct console_crash *c);
/* The last max_lines lines of text (sanitised), for evidence. */
char *console_tail(const char *text, size_t len, size_t max_lines, size_t max_bytes);
/* The last line of text that is not empty (sanitised). */
char *console_last_line(const char *text, size_t len);

/* A crash signature that is the same for the same bug in every cell: the title with addresses,
 * offsets, numbers, CPU and PID fields normalised, plus the faulting function and module. */
char *crash_signature(const char *title, const char *function, const char *module);
