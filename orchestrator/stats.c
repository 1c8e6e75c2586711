/* stats.c: medians, bootstrap intervals and the Mann-Whitney U test for performance results. */
#include "stats.h"
#include "util.h"

#include <math.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

double stats_median(const double *v, size_t n)
{
	if (!n)
		return NAN;
	double *s = xmalloc(n * sizeof(*s));
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	double m = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	free(s);
	return m;
}

/* xorshift64*: a fixed, portable sequence for resampling */
static uint64_t next_u64(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

static double resampled_median(const double *v, size_t n, double *scratch, uint64_t *seed)
{
	for (size_t i = 0; i < n; i++)
		scratch[i] = v[next_u64(seed) % n];
	qsort(scratch, n, sizeof(*scratch), cmp_double);
	return n % 2 ? scratch[n / 2] : (scratch[n / 2 - 1] + scratch[n / 2]) / 2;
}

/* Two-sided p-value of the Mann-Whitney U test, normal approximation with tie correction and
 * continuity correction. */
static double mann_whitney_p(const double *a, size_t na, const double *b, size_t nb)
{
	size_t n = na + nb;
	struct item { double v; int group; double rank; } *all = xmalloc(n * sizeof(*all));
	for (size_t i = 0; i < na; i++)
		all[i] = (struct item){ a[i], 0, 0 };
	for (size_t i = 0; i < nb; i++)
		all[na + i] = (struct item){ b[i], 1, 0 };
	/* insertion sort: samples are small */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && all[j - 1].v > all[j].v; j--) {
			struct item t = all[j];
			all[j] = all[j - 1];
			all[j - 1] = t;
		}
	double tie_term = 0;
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && all[j].v == all[i].v)
			j++;
		double rank = (double)(i + j + 1) / 2; /* ranks i+1..j averaged */
		for (size_t k = i; k < j; k++)
			all[k].rank = rank;
		double t = (double)(j - i);
		tie_term += t * t * t - t;
		i = j;
	}
	double ra = 0;
	for (size_t i = 0; i < n; i++)
		if (all[i].group == 0)
			ra += all[i].rank;
	free(all);
	double u = ra - (double)na * (double)(na + 1) / 2;
	double mu = (double)na * (double)nb / 2;
	double sigma2 = (double)na * (double)nb / 12 * ((double)(n + 1) - tie_term / ((double)n * (double)(n - 1)));
	if (sigma2 <= 0)
		return 1;
	double z = (fabs(u - mu) - 0.5) / sqrt(sigma2);
	if (z < 0)
		z = 0;
	return erfc(z / sqrt(2));
}

int stats_compare_rates(const double *before, size_t nb, const double *after, size_t na, struct stats_comparison *out)
{
	if (nb < 3 || na < 3)
		return -1;
	out->median_before = stats_median(before, nb);
	out->median_after = stats_median(after, na);
	out->ratio = out->median_before / out->median_after;
	enum { RESAMPLES = 2000 };
	double *ratios = xmalloc(RESAMPLES * sizeof(*ratios));
	double *sa = xmalloc(na * sizeof(*sa)), *sb = xmalloc(nb * sizeof(*sb));
	uint64_t seed = 0x9E3779B97F4A7C15ull;
	for (int i = 0; i < RESAMPLES; i++)
		ratios[i] = resampled_median(before, nb, sb, &seed) / resampled_median(after, na, sa, &seed);
	qsort(ratios, RESAMPLES, sizeof(*ratios), cmp_double);
	out->ci_low = ratios[(int)(0.025 * RESAMPLES)];
	out->ci_high = ratios[(int)(0.975 * RESAMPLES) - 1];
	out->p_value = mann_whitney_p(before, nb, after, na);
	free(ratios);
	free(sa);
	free(sb);
	return 0;
}
