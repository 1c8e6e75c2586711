/* progress.h: a run's progress for people and machines: one live status line on a terminal,
 * a plain line every 30 s without one, JSON lines for machines, nothing when quiet. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "verdict.h"

enum progress_mode {
	PROGRESS_AUTO,  /* TTY when the stream is a terminal, else LINES */
	PROGRESS_TTY,   /* a status line rewritten in place every second, log lines printed above it */
	PROGRESS_LINES, /* a line every interval */
	PROGRESS_JSON,  /* a JSON object per line every interval */
	PROGRESS_OFF,
};

/* "auto", "tty", "lines", "json", "off"; -1 when unknown. */
int progress_mode_from_name(const char *name);

struct progress;

/* Starts reporting on out (a thread wakes every second on a terminal, every interval_ms otherwise).
 * total cells, of which done were decided before (a resumed run). */
struct progress *progress_start(enum progress_mode mode, FILE *out, size_t total, size_t done, int64_t interval_ms);
void progress_cell_started(struct progress *p, const char *host);
void progress_cell_finished(struct progress *p, const char *host, enum verdict v, int64_t duration_ms);
/* Stops the thread; a terminal's status line is replaced by a last plain line. NULL is fine. */
void progress_stop(struct progress *p);

/* The text of the status at monotonic time now (for tests and for the thread). */
char *progress_format(struct progress *p, int64_t now_ms, bool json);
