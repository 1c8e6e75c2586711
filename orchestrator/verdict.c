/* verdict.c: per-cell verdicts and how a sequence of boots turns into one. */
#include "verdict.h"
#include "util.h"

static const char *const verdict_names[] = {
	[VERDICT_NONE] = "NONE",
	[VERDICT_PASS] = "PASS",
	[VERDICT_CRASH] = "CRASH",
	[VERDICT_BOOT_LOOP] = "BOOT_LOOP",
	[VERDICT_HANG] = "HANG",
	[VERDICT_SENSOR_UNHEALTHY] = "SENSOR_UNHEALTHY",
	[VERDICT_INSTALL_FAILED] = "INSTALL_FAILED",
	[VERDICT_PERF_REGRESSION] = "PERF_REGRESSION",
	[VERDICT_KERNEL_WARNING] = "KERNEL_WARNING",
	[VERDICT_INFRA_ERROR] = "INFRA_ERROR",
};

const char *verdict_name(enum verdict v)
{
	if ((size_t)v >= ARRAY_LENGTH(verdict_names))
		return "NONE";
	return verdict_names[v];
}

enum verdict verdict_from_name(const char *name)
{
	for (size_t i = 1; i < ARRAY_LENGTH(verdict_names); i++)
		if (streq(verdict_names[i], name))
			return (enum verdict)i;
	return VERDICT_NONE;
}

bool verdict_is_product_failure(enum verdict v)
{
	return v != VERDICT_NONE && v != VERDICT_PASS && v != VERDICT_INFRA_ERROR;
}

const char *boot_outcome_name(enum boot_outcome o)
{
	switch (o) {
	case BOOT_OK: return "ok";
	case BOOT_CRASHED: return "crashed";
	case BOOT_HUNG: return "hung";
	case BOOT_UNHEALTHY: return "unhealthy";
	}
	return "unknown";
}

enum verdict verdict_from_boots(const enum boot_outcome *boots, size_t n, unsigned loop_after,
				unsigned *boot_index)
{
	size_t run = 0, first_crash = 0, first_hang = 0, first_unhealthy = 0;

	for (size_t i = 0; i < n; i++) {
		if (boots[i] == BOOT_CRASHED) {
			if (!first_crash)
				first_crash = i + 1;
			if (++run >= loop_after) {
				*boot_index = (unsigned)(i + 2 - run);
				return VERDICT_BOOT_LOOP;
			}
			continue;
		}
		run = 0;
		if (boots[i] == BOOT_HUNG && !first_hang)
			first_hang = i + 1;
		if (boots[i] == BOOT_UNHEALTHY && !first_unhealthy)
			first_unhealthy = i + 1;
	}
	*boot_index = 0;
	if (first_crash) {
		*boot_index = (unsigned)first_crash;
		return VERDICT_CRASH;
	}
	if (first_hang) {
		*boot_index = (unsigned)first_hang;
		return VERDICT_HANG;
	}
	if (first_unhealthy) {
		*boot_index = (unsigned)first_unhealthy;
		return VERDICT_SENSOR_UNHEALTHY;
	}
	return VERDICT_PASS;
}
