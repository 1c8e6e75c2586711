/* run.h: runs a matrix: loads its inputs, schedules cells on worker threads, records the run. */
#pragma once

#include "cmd.h"
#include "lab.h"
#include "progress.h"
#include "store.h"

struct run_options {
	const char *matrix_path;
	int64_t resume;          /* run id to resume, 0 for a new run */
	unsigned shard_k, shard_n; /* 0-based shard k of n */
	const char *accel;       /* auto, kvm, tcg */
	const char *packages_dir;
	unsigned concurrency;    /* 0: the plan's */
	enum progress_mode progress; /* on stderr */
};

struct run_summary {
	int64_t run_id;
	size_t counts[VERDICT_INFRA_ERROR + 1]; /* by verdict; [VERDICT_NONE] = not finished */
	size_t cells;
	size_t perf_inconclusive; /* cells whose performance the host's load kept from being judged */
	bool interrupted;
};

/* Runs the matrix. Returns an exit code (cmd.h) and fills *sum. */
int run_matrix(struct cmd_ctx *ctx, const struct run_options *o, struct run_summary *sum);

/* Removes what runs of dead compatlab processes left on this host: their running domains and
 * overlays; marks their runs interrupted. Returns the number of domains removed. */
int run_cleanup_orphans(struct lab *lab, struct store *st);

/* This process's owner record, as stored in domain metadata: "pid=… start=… host=…". */
char *run_owner_record(void);
