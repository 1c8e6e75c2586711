/* cell.h: one cell of the matrix, from a fresh overlay to its verdict. */
#pragma once

#include <signal.h>

#include "catalog.h"
#include "lab.h"
#include "matrix.h"
#include "package.h"
#include "store.h"
#include "transport.h"

/* What every cell of a run shares. */
struct cell_env {
	struct lab *lab;
	const struct transport_ops *transport;
	struct store *store;
	const struct matrix *matrix;
	struct image **images;      /* by matrix image index */
	struct package **sensors;   /* by matrix sensor index */
	struct package **contents;  /* by matrix content index */
	struct package *baseline_sensor, *baseline_content; /* the plan's baseline; NULL: no sensor */
	const char *run_dir;        /* artifacts of this run */
	int64_t run_id;
	const char *owner;          /* "pid=… start=… host=…", stored in each domain */
	volatile sig_atomic_t *stop; /* set by SIGINT/SIGTERM */
};

struct cell_result {
	enum verdict verdict;
	unsigned boot_index;
	char *reason;
};

/* Runs one cell (retrying after INFRA_ERROR as the plan allows) and records its verdict.
 * Returns the verdict, or VERDICT_NONE when the run was interrupted before one was reached. */
enum verdict cell_execute(struct cell_env *env, const struct cell *cell, int64_t cell_id);

/* The name prefix of every domain compatlab starts. */
#define CELL_DOMAIN_PREFIX "compatlab-"
/* Where a cell's files go, below the run directory. */
char *cell_dir_name(const char *key);
