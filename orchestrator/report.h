/* report.h: a run's results as people (HTML, Markdown) and tools (JSON, JUnit) read them.
 * report_new() computes what every format shares: counts, crash groups, groups of the kernel
 * reports made after install, the comparison with a baseline run, and the order cells are
 * listed in. */
#pragma once

#include "store.h"
#include "util.h"

#define REPORT_JSON_SCHEMA 2

/* A crash signature (or that of a kernel report) seen in one or more cells. */
struct report_group {
	const char *signature; /* borrowed from the run */
	const struct result_crash *example;
	size_t cells;   /* cells with this crash */
	size_t crashes; /* crashes (reports) in all */
	int64_t first_ms, last_ms;
	size_t first_cell; /* index of the first cell it was seen in */
	size_t id;         /* order of first sight, before groups are sorted by size */
};

/* How a cell compares with the same cell (same key) of the baseline run. */
enum report_change {
	CHANGE_NO_BASELINE,
	CHANGE_NEW_CELL,       /* not in the baseline */
	CHANGE_NEW_FAILURE,    /* passed there, fails here */
	CHANGE_FIXED,          /* failed there, passes here */
	CHANGE_CHANGED,        /* failed there, fails differently here */
	CHANGE_STILL_FAILING,
	CHANGE_STILL_PASSING,
};

struct report {
	const struct result_run *run;
	const struct result_run *baseline; /* may be NULL */
	size_t counts[VERDICT_INFRA_ERROR + 1];
	size_t perf_inconclusive; /* cells whose performance comparison the host's load spoiled */
	struct report_group *groups; /* most cells first */
	size_t n_groups;
	struct report_group *report_groups; /* reports the kernel survived, made after install and not
					     * before it: most cells first */
	size_t n_report_groups;
	enum report_change *changes; /* per cell */
	size_t change_counts[CHANGE_STILL_PASSING + 1];
	size_t *order; /* cell indexes: worst verdicts first, then matrix order */
	size_t *group_of_cell; /* per cell: index into groups of its first crash, or SIZE_MAX */
	const char *state_dir; /* where run artifacts are (consoles); NULL when unknown */
};

struct report *report_new(const struct result_run *run, const struct result_run *baseline, const char *state_dir);
void report_free(struct report *r);

/* Writes DIR/index.html and the pages beside it. 0 or negative errno. */
int report_write_html(const struct report *r, const char *dir);
void report_write_json(const struct report *r, struct strbuf *out);
void report_write_junit(const struct report *r, struct strbuf *out);
void report_write_markdown(const struct report *r, struct strbuf *out);

const char *report_change_name(enum report_change c);
/* Verdicts in the order reports list them, worst first. */
extern const enum verdict report_verdict_order[10];
/* Sanitises (control characters, invalid UTF-8) and bounds s, then escapes it for HTML/XML. */
void report_put_text(struct strbuf *sb, const char *s, size_t max);
