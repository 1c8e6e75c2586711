/* gate.h: rollout gates: which deployment ring a tested sensor + content version may reach. */
#pragma once

#include "conf.h"
#include "store.h"

struct gate_ring {
	char *name;
	bool block[VERDICT_INFRA_ERROR + 1]; /* verdicts that keep a version out of this ring */
	long max_infra_errors;               /* -1: no limit */
	size_t min_cells;
	double max_boot_regression;          /* fraction (0.25 = 25 %); negative: no rule */
	char **images, **hardware;           /* coverage the version must have (PASS cells) */
	size_t n_images, n_hardware;
};

struct gate_policy {
	char *name;
	struct gate_ring *rings;
	size_t n_rings;
};

struct gate_policy *gate_policy_load(const char *path, struct conf_error *err);
struct gate_policy *gate_policy_load_buffer(const char *name, const char *data, size_t len, struct conf_error *err);
void gate_policy_free(struct gate_policy *p);

enum gate_outcome {
	GATE_PASS,         /* reaches the target ring */
	GATE_BLOCKED,      /* results keep it below the target */
	GATE_UNDECIDABLE,  /* results are missing: cells not run, or no data for a rule */
};

struct gate_result {
	char *sensor, *content;
	size_t reached;      /* rings passed, in order: 0 = none */
	enum gate_outcome outcome;
	char **reasons;      /* why the next ring is out of reach */
	size_t n_reasons;
	size_t cells;
};

/* Evaluates every sensor + content version of the run (or only those matching the filters,
 * NULL for any) against the policy; target is the ring index (0-based) a version must reach.
 * Returns the number of results in *out. */
size_t gate_evaluate(const struct gate_policy *p, const struct result_run *run, const char *sensor,
		     const char *content, size_t target, struct gate_result **out);
void gate_results_free(struct gate_result *r, size_t n);
