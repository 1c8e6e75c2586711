/* verdict.h: per-cell verdicts and how a sequence of boots turns into one. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

enum verdict {
	VERDICT_NONE = 0, /* not decided yet */
	VERDICT_PASS,
	VERDICT_CRASH,
	VERDICT_BOOT_LOOP,
	VERDICT_HANG,
	VERDICT_SENSOR_UNHEALTHY,
	VERDICT_INSTALL_FAILED,
	VERDICT_PERF_REGRESSION,
	VERDICT_KERNEL_WARNING,  /* a kernel report after install that the clean boot did not make */
	VERDICT_INFRA_ERROR,     /* stays last: arrays by verdict end here */
};

/* What one boot of a cell came to. */
enum boot_outcome {
	BOOT_OK,        /* agent answered and the sensor was healthy */
	BOOT_CRASHED,   /* kernel crash (pvpanic, console) before or after the agent answered */
	BOOT_HUNG,      /* no agent within the deadline */
	BOOT_UNHEALTHY, /* agent answered, sensor health check failed */
};

const char *verdict_name(enum verdict v);
/* VERDICT_NONE when the name is unknown. */
enum verdict verdict_from_name(const char *name);
/* True for verdicts that blame the product under test (not the lab). */
bool verdict_is_product_failure(enum verdict v);
const char *boot_outcome_name(enum boot_outcome o);

/* A cell has one verdict, the first that holds of: BOOT_LOOP, CRASH, HANG, SENSOR_UNHEALTHY
 * (from the boots after install; INSTALL_FAILED and a crash during install end the cell before
 * them), PERF_REGRESSION (only measured when the boots passed), KERNEL_WARNING (every boot
 * reached the agent, but the kernel reported what it did not on the clean boot 0), PASS. */

/* The verdict of the boots after install (boot 1..n), and the boot index it points at
 * (1-based; 0 for PASS). A run of at least loop_after consecutive crashed boots is a
 * BOOT_LOOP; any other crash a CRASH; then HANG; then SENSOR_UNHEALTHY; else PASS. */
enum verdict verdict_from_boots(const enum boot_outcome *boots, size_t n, unsigned loop_after,
				unsigned *boot_index);
