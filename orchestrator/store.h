/* store.h: results in SQLite (WAL): runs, cells, boots, crashes and the kernel's other reports,
 * packages, metrics. */
#pragma once

#include <stdint.h>

#include "util.h"
#include "verdict.h"

struct store;

#define STORE_SCHEMA_VERSION 5

/* Opens (creating and migrating) the database. NULL with errno set; *msg gets SQLite's text. */
struct store *store_open(const char *path, char **msg);
void store_close(struct store *st);

struct store_run_info {
	const char *matrix_name;
	const char *matrix_file;
	const char *matrix_sha256;
	const char *host;
	int pid;
	int64_t pid_start; /* process start time, to tell a live owner from a reused pid */
	size_t n_cells;
};

/* Groups the writes that follow into one transaction (much faster for many rows); commit ends it.
 * Other threads' writes wait meanwhile. */
int store_transaction_begin(struct store *st);
int store_transaction_commit(struct store *st);

int store_run_begin(struct store *st, const struct store_run_info *info, int64_t *run_id);
/* status: "finished", "interrupted", "failed". */
int store_run_finish(struct store *st, int64_t run_id, const char *status);
/* Marks the run as owned by this process again (resume). */
int store_run_adopt(struct store *st, int64_t run_id, int pid, int64_t pid_start);
/* The newest run, -ENOENT when there is none. */
int store_latest_run(struct store *st, int64_t *run_id);
/* Calls fn for each run still marked running; used to find runs whose owner died. */
int store_each_running_run(struct store *st, void (*fn)(int64_t run_id, const char *host, int pid,
							int64_t pid_start, void *data), void *data);

/* Inserts the cell if it is new in this run; returns its id either way. */
int store_cell_ensure(struct store *st, int64_t run_id, const char *key, const char *image,
		      const char *hardware, const char *sensor, const char *content, int64_t *cell_id);
/* Verdict of a cell, VERDICT_NONE while undecided. */
int store_cell_verdict(struct store *st, int64_t cell_id, enum verdict *v);
/* Starts an attempt; returns its number (1-based) in *attempt. */
int store_cell_begin(struct store *st, int64_t cell_id, unsigned *attempt);
/* Records the verdict once: -EALREADY when the cell already has one. perf: the performance
 * comparison's outcome ("pass", "regression", "inconclusive"), NULL when none was made. */
/* The guest's OS (its name and version) and kernel release, as its agent said at the first boot. */
int store_cell_os(struct store *st, int64_t cell_id, const char *os, const char *kernel);
int store_cell_finish(struct store *st, int64_t cell_id, enum verdict v, unsigned boot_index,
		      const char *reason, const char *evidence, const char *perf);
/* How many cells of the run have the performance outcome `outcome`. */
int store_run_count_perf(struct store *st, int64_t run_id, const char *outcome, size_t *n);

int store_boot_add(struct store *st, int64_t cell_id, unsigned attempt, unsigned boot, int64_t started_ms,
		   int64_t ready_ms, const char *outcome, const char *detail);

/* A crash (fatal: the kernel stopped), or a report the kernel made and survived (a WARNING, a hung
 * task, a lockdep splat ...), seen on the console. */
struct store_crash {
	unsigned attempt;
	unsigned boot;
	bool fatal;
	bool known;         /* a report the kernel also made before the versions under test were installed */
	unsigned line;      /* where the report starts in the boot's console output, from 1; 0 unknown */
	const char *kind;   /* "panic", "oops", "bugcheck", "warning", "hung-task", ... */
	const char *source; /* signal that saw it: "pvpanic", "console", "reboot" */
	const char *title;
	const char *module;
	const char *reason;
	int64_t event_ms;   /* wall clock of the hypervisor event */
	int64_t recorded_ms; /* wall clock when written here */
	const char *console;
	const char *function;  /* faulting function, when known */
	const char *signature; /* groups the same bug across cells (console.h) */
};
int store_crash_add(struct store *st, int64_t cell_id, const struct store_crash *c);

int store_package_add(struct store *st, int64_t run_id, const char *name, const char *version,
		      const char *kind, const char *sha256, uint64_t size, const char *path);
int store_metric_add(struct store *st, int64_t cell_id, unsigned attempt, const char *name, double value,
		     const char *unit, const char *method);

/* Results read back for reports. */
struct result_boot {
	unsigned attempt, boot;
	int64_t started_ms, ready_ms;
	char *outcome, *detail;
};
/* The detail of the boot into the plan's baseline versions starts so: it is a boot 0 too. */
#define BOOT_BASELINE_PREFIX "baseline: "
static inline bool result_boot_is_baseline(const struct result_boot *b)
{
	return b->boot == 0 && b->detail && strstartswith(b->detail, BOOT_BASELINE_PREFIX);
}
struct result_crash {
	unsigned attempt, boot, line;
	bool fatal, known;
	char *kind, *source, *title, *module, *reason, *console, *function, *signature;
	int64_t event_ms, recorded_ms;
};
struct result_metric {
	unsigned attempt;
	char *name, *unit, *method;
	double value;
};
struct result_cell {
	int64_t id;
	char *key, *image, *hardware, *sensor, *content, *state, *reason, *evidence;
	char *perf; /* "pass", "regression", "inconclusive"; NULL when not measured */
	char *os, *kernel; /* what the guest said it runs; NULL when no boot reached its agent */
	enum verdict verdict;
	unsigned boot_index, attempts;
	int64_t started_ms, finished_ms;
	struct result_boot *boots;
	size_t n_boots;
	struct result_crash *crashes; /* fatal ones */
	size_t n_crashes;
	struct result_crash *reports; /* the reports the kernel survived */
	size_t n_reports;
	struct result_metric *metrics;
	size_t n_metrics;
};
struct result_package {
	char *name, *version, *kind, *sha256, *path;
	uint64_t size;
};
struct result_run {
	int64_t id;
	char *matrix_name, *matrix_file, *matrix_sha256, *host, *status;
	int64_t started_ms, finished_ms;
	struct result_cell *cells;
	size_t n_cells;
	struct result_package *packages;
	size_t n_packages;
};

int store_read_run(struct store *st, int64_t run_id, struct result_run **out);
void result_run_free(struct result_run *r);
