/* report.c: what every report format shares: counts, crash groups by signature, the comparison
 * with a baseline run, and the order in which cells are listed. */
#include "report.h"

#include <string.h>

const enum verdict report_verdict_order[10] = {
	VERDICT_BOOT_LOOP, VERDICT_CRASH, VERDICT_HANG, VERDICT_SENSOR_UNHEALTHY, VERDICT_INSTALL_FAILED,
	VERDICT_PERF_REGRESSION, VERDICT_KERNEL_WARNING, VERDICT_INFRA_ERROR, VERDICT_NONE, VERDICT_PASS,
};
_Static_assert(ARRAY_LENGTH(report_verdict_order) == VERDICT_INFRA_ERROR + 1, "every verdict has its place");

const char *report_change_name(enum report_change c)
{
	static const char *const names[] = {
		[CHANGE_NO_BASELINE] = "", [CHANGE_NEW_CELL] = "new cell", [CHANGE_NEW_FAILURE] = "new failure",
		[CHANGE_FIXED] = "fixed", [CHANGE_CHANGED] = "changed", [CHANGE_STILL_FAILING] = "still failing",
		[CHANGE_STILL_PASSING] = "unchanged",
	};
	return names[c];
}

void report_put_text(struct strbuf *sb, const char *s, size_t max)
{
	if (!s)
		return;
	_cleanup_free_ char *clean = sanitize_text(s, strlen(s), max);
	strbuf_put_escaped(sb, clean);
}

static int rank(enum verdict v)
{
	for (size_t i = 0; i < ARRAY_LENGTH(report_verdict_order); i++)
		if (report_verdict_order[i] == v)
			return (int)i;
	return (int)ARRAY_LENGTH(report_verdict_order);
}

static const struct result_run *sort_run;

static int by_verdict(const void *a, const void *b)
{
	size_t ia = *(const size_t *)a, ib = *(const size_t *)b;
	int ra = rank(sort_run->cells[ia].verdict), rb = rank(sort_run->cells[ib].verdict);
	if (ra != rb)
		return ra - rb;
	return ia < ib ? -1 : ia > ib;
}

static int by_key(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void changes_compute(struct report *r)
{
	const struct result_run *base = r->baseline;
	size_t n = base->n_cells;
	/* sorted (key, index) pairs of the baseline, searched per cell */
	struct pair { const char *key; size_t i; } *pairs = xcalloc(n ? n : 1, sizeof(*pairs));
	for (size_t i = 0; i < n; i++)
		pairs[i] = (struct pair){ base->cells[i].key, i };
	qsort(pairs, n, sizeof(*pairs), by_key);
	for (size_t i = 0; i < r->run->n_cells; i++) {
		const struct result_cell *c = &r->run->cells[i];
		struct pair probe = { c->key, 0 };
		struct pair *hit = bsearch(&probe, pairs, n, sizeof(*pairs), by_key);
		enum report_change ch;
		if (!hit) {
			ch = CHANGE_NEW_CELL;
		} else {
			enum verdict before = base->cells[hit->i].verdict, now = c->verdict;
			bool failed_before = before != VERDICT_PASS, fails_now = now != VERDICT_PASS;
			if (!failed_before && fails_now)
				ch = CHANGE_NEW_FAILURE;
			else if (failed_before && !fails_now)
				ch = CHANGE_FIXED;
			else if (failed_before && before != now)
				ch = CHANGE_CHANGED;
			else
				ch = fails_now ? CHANGE_STILL_FAILING : CHANGE_STILL_PASSING;
		}
		r->changes[i] = ch;
		r->change_counts[ch]++;
	}
	free(pairs);
}

struct crash_item {
	const char *sig;
	size_t cell;
	const struct result_crash *x;
};

static int by_signature_then_cell(const void *a, const void *b)
{
	const struct crash_item *ia = a, *ib = b;
	int c = strcmp(ia->sig, ib->sig);
	if (c)
		return c;
	return ia->cell < ib->cell ? -1 : ia->cell > ib->cell;
}

static int by_group_size(const void *a, const void *b)
{
	const struct report_group *ga = a, *gb = b;
	if (ga->cells != gb->cells)
		return ga->cells > gb->cells ? -1 : 1;
	return strcmp(ga->signature, gb->signature);
}

/* Groups by signature in one sort: O(n log n) in the number of records. Crash groups hold the
 * crashes; report groups the reports the kernel survived that it had not made before install.
 * group_of_cell (crash groups only): the group of each cell's first crash. */
static void groups_compute(struct report *r, bool reports, struct report_group **out, size_t *n_out,
			   size_t *group_of_cell)
{
	const struct result_run *run = r->run;
	struct crash_item *items = NULL;
	size_t n = 0;
	for (size_t i = 0; i < run->n_cells; i++) {
		const struct result_cell *c = &run->cells[i];
		if (group_of_cell)
			group_of_cell[i] = SIZE_MAX;
		for (size_t j = 0; j < (reports ? c->n_reports : c->n_crashes); j++) {
			const struct result_crash *x = reports ? &c->reports[j] : &c->crashes[j];
			const char *sig = x->signature ? x->signature : x->title;
			if (!sig || (reports && x->known))
				continue;
			items = xreallocarray(items, n + 1, sizeof(*items));
			items[n++] = (struct crash_item){ sig, i, x };
		}
	}
	qsort(items, n, sizeof(*items), by_signature_then_cell);
	struct report_group *groups = NULL;
	size_t n_groups = 0;
	for (size_t i = 0; i < n;) {
		struct report_group g = { .signature = items[i].sig, .example = items[i].x, .first_ms = INT64_MAX,
					  .first_cell = items[i].cell, .last_ms = INT64_MIN, .id = n_groups };
		size_t j = i;
		for (; j < n && streq(items[j].sig, items[i].sig); j++) {
			if (group_of_cell && items[j].x == &run->cells[items[j].cell].crashes[0])
				group_of_cell[items[j].cell] = n_groups; /* index before sorting */
			g.crashes++;
			if (j == i || items[j].cell != items[j - 1].cell)
				g.cells++;
			if (items[j].x->event_ms < g.first_ms)
				g.first_ms = items[j].x->event_ms;
			if (items[j].x->event_ms > g.last_ms)
				g.last_ms = items[j].x->event_ms;
		}
		groups = xreallocarray(groups, n_groups + 1, sizeof(*groups));
		groups[n_groups++] = g;
		i = j;
	}
	qsort(groups, n_groups, sizeof(*groups), by_group_size);
	if (group_of_cell) {
		/* a cell belongs to the group of its first crash */
		size_t *remap = xcalloc(n_groups ? n_groups : 1, sizeof(*remap));
		for (size_t g = 0; g < n_groups; g++)
			remap[groups[g].id] = g;
		for (size_t i = 0; i < run->n_cells; i++)
			if (group_of_cell[i] != SIZE_MAX)
				group_of_cell[i] = remap[group_of_cell[i]];
		free(remap);
	}
	free(items);
	*out = groups;
	*n_out = n_groups;
}

struct report *report_new(const struct result_run *run, const struct result_run *baseline, const char *state_dir)
{
	struct report *r = xzalloc(sizeof(*r));
	size_t n = run->n_cells ? run->n_cells : 1;
	r->run = run;
	r->baseline = baseline;
	r->state_dir = state_dir;
	r->changes = xcalloc(n, sizeof(*r->changes));
	r->order = xcalloc(n, sizeof(*r->order));
	r->group_of_cell = xcalloc(n, sizeof(*r->group_of_cell));
	for (size_t i = 0; i < run->n_cells; i++) {
		r->counts[run->cells[i].verdict]++;
		r->perf_inconclusive += run->cells[i].perf && streq(run->cells[i].perf, "inconclusive");
		r->order[i] = i;
	}
	sort_run = run;
	qsort(r->order, run->n_cells, sizeof(*r->order), by_verdict);
	if (baseline)
		changes_compute(r);
	groups_compute(r, false, &r->groups, &r->n_groups, r->group_of_cell);
	groups_compute(r, true, &r->report_groups, &r->n_report_groups, NULL);
	return r;
}

void report_free(struct report *r)
{
	if (!r)
		return;
	free(r->groups);
	free(r->report_groups);
	free(r->changes);
	free(r->order);
	free(r->group_of_cell);
	free(r);
}
