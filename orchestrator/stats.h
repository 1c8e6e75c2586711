/* stats.h: comparisons that hold on noisy machines: medians, a bootstrap confidence interval of
 * the ratio of medians, and the Mann-Whitney U test. */
#pragma once

#include <stddef.h>

double stats_median(const double *v, size_t n);

struct stats_comparison {
	double median_before, median_after;
	double ratio;          /* median_before / median_after: > 1 when a rate got slower */
	double ci_low, ci_high; /* 95 % bootstrap interval of that ratio */
	double p_value;        /* Mann-Whitney U, two-sided (normal approximation, ties corrected) */
};

/* Compares two samples of a rate (higher is better). Deterministic: the bootstrap uses a fixed
 * seed, so the same samples give the same interval. -1 when either sample has fewer than 3. */
int stats_compare_rates(const double *before, size_t nb, const double *after, size_t na, struct stats_comparison *out);
