/* merge.h: the runs of `run --shard K/N` jobs of one matrix merged into one run of another
 * database, with their evidence files, as if one machine had run every cell. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A shard: a results database, of which the latest run is merged, and its state directory. */
struct merge_shard {
	const char *db;
	const char *state; /* evidence under STATE/runs/RUN/; NULL: the directory holding db */
};

struct merge_options {
	const char *db;        /* the database merged into; created when missing */
	const char *state_dir; /* its state directory: evidence goes to STATE/runs/RUN/ */
	const char *matrix;    /* the matrix file, for its order of cells; NULL: the one the shards
				* recorded when it is there unchanged, else the order the shards show */
};

struct merge_result {
	int64_t run_id;  /* the merged run */
	bool created;    /* it is new in the database */
	char *status;    /* "finished" or "interrupted" */
	size_t cells;    /* its cells after the merge */
	size_t added;    /* cells copied in */
	size_t replaced; /* cells without a verdict that the same cell with one replaced */
	size_t skipped;  /* shards' cells already there (or superseded by the same cell with a verdict) */
	size_t files;    /* evidence files copied */
	char **notes;    /* for the user: shards already merged, evidence not found, the order of cells */
	size_t n_notes;
};

/* Merges the latest run of each shard into the run of the same matrix (name and SHA-256) that an
 * earlier merge made in o->db, or a new one. Shards are read, never written. Returns 0;
 * -EINVAL when the shards (or that run) differ in matrix or packages, or hold a conflicting cell;
 * -ENOENT when a shard is missing or holds no run; -EPROTO when it is from a newer compatlab;
 * -EIO when a database or file could not be read or written. On error *msg (to free) names the
 * file and what differs, and o->db and its state are as before (a database the merge created is
 * removed). */
int merge_shards(const struct merge_options *o, const struct merge_shard *shards, size_t n,
		 struct merge_result *res, char **msg);
void merge_result_clear(struct merge_result *res);
