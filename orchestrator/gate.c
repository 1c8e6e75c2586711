/* gate.c: rollout gates. A policy lists deployment rings in order; a sensor + content version
 * reaches ring k when the rules of rings 1..k all hold over its cells. The rules: verdicts that
 * block, a budget of INFRA_ERROR cells, a minimum number of cells, the images and hardware that
 * must have passed, and a bound on boot-time regression: the median time to the agent on boots
 * after install against boot 0 before install (or the boot into the plan's baseline versions),
 * in the same cells (the sensor's own cost). */
#include "gate.h"

#include <fnmatch.h>
#include <math.h>
#include <string.h>

static int parse_list(struct conf_doc *doc, yaml_node_t *map, const char *key, char ***out, size_t *n,
		      struct conf_error *err)
{
	yaml_node_t *seq = conf_get(doc, map, key);
	if (!seq)
		return 0;
	if (seq->type != YAML_SEQUENCE_NODE)
		return conf_fail(doc, seq, err, "'%s' must be a list", key);
	*n = conf_seq_len(seq);
	*out = xcalloc(*n ? *n : 1, sizeof(char *));
	for (size_t i = 0; i < *n; i++) {
		const char *v = conf_scalar(conf_seq_item(doc, seq, i));
		if (!v || !*v)
			return conf_fail(doc, conf_seq_item(doc, seq, i), err, "each entry of '%s' must be a name", key);
		(*out)[i] = xstrdup(v);
	}
	return 0;
}

static int parse_ring(struct gate_ring *ring, struct conf_doc *doc, yaml_node_t *map, struct conf_error *err)
{
	static const char *const keys[] = { "name", "block_on", "max_infra_errors", "min_cells", "max_boot_time_regression",
					    "require", NULL };
	static const char *const require_keys[] = { "images", "hardware", NULL };
	uint64_t infra = UINT64_MAX, min_cells = 0;
	int r;

	ring->max_infra_errors = -1;
	ring->max_boot_regression = -1;
	if ((r = conf_check_map(doc, map, "a ring", keys, err)) < 0 ||
	    (r = conf_string(doc, map, "name", true, &ring->name, err)) < 0 ||
	    (r = conf_uint(doc, map, "max_infra_errors", 0, 1000000, &infra, err)) < 0 ||
	    (r = conf_uint(doc, map, "min_cells", 0, 100000000, &min_cells, err)) < 0 ||
	    (r = conf_percent(doc, map, "max_boot_time_regression", 0, 100, &ring->max_boot_regression, err)) < 0)
		return r;
	ring->max_infra_errors = infra == UINT64_MAX ? -1 : (long)infra;
	ring->min_cells = min_cells;
	yaml_node_t *block = conf_get(doc, map, "block_on");
	if (block) {
		if (block->type != YAML_SEQUENCE_NODE)
			return conf_fail(doc, block, err, "block_on must be a list of verdicts");
		for (size_t i = 0; i < conf_seq_len(block); i++) {
			yaml_node_t *item = conf_seq_item(doc, block, i);
			enum verdict v = verdict_from_name(conf_scalar(item) ? conf_scalar(item) : "");
			if (v == VERDICT_NONE || v == VERDICT_PASS)
				return conf_fail(doc, item, err, "'%s' is not a failing verdict (CRASH, BOOT_LOOP, HANG, "
						 "SENSOR_UNHEALTHY, INSTALL_FAILED, PERF_REGRESSION, KERNEL_WARNING, "
						 "INFRA_ERROR)",
						 conf_scalar(item) ? conf_scalar(item) : "?");
			ring->block[v] = true;
		}
	}
	yaml_node_t *req = conf_get(doc, map, "require");
	if (req) {
		if ((r = conf_check_map(doc, req, "require", require_keys, err)) < 0 ||
		    (r = parse_list(doc, req, "images", &ring->images, &ring->n_images, err)) < 0 ||
		    (r = parse_list(doc, req, "hardware", &ring->hardware, &ring->n_hardware, err)) < 0)
			return r;
	}
	return 0;
}

static struct gate_policy *policy_from_doc(struct conf_doc *doc, struct conf_error *err)
{
	static const char *const keys[] = { "name", "rings", NULL };
	struct gate_policy *p = xzalloc(sizeof(*p));
	yaml_node_t *root = conf_root(doc);
	yaml_node_t *rings = conf_get(doc, root, "rings");
	if (conf_check_map(doc, root, "the policy", keys, err) < 0 || conf_string(doc, root, "name", true, &p->name, err) < 0 ||
	    conf_require_seq(doc, rings, "rings", err) < 0)
		goto fail;
	p->n_rings = conf_seq_len(rings);
	p->rings = xcalloc(p->n_rings, sizeof(*p->rings));
	for (size_t i = 0; i < p->n_rings; i++) {
		if (parse_ring(&p->rings[i], doc, conf_seq_item(doc, rings, i), err) < 0)
			goto fail;
		for (size_t j = 0; j < i; j++)
			if (streq(p->rings[j].name, p->rings[i].name)) {
				conf_fail(doc, conf_seq_item(doc, rings, i), err, "ring '%s' is defined twice", p->rings[i].name);
				goto fail;
			}
	}
	return p;
fail:
	gate_policy_free(p);
	return NULL;
}

struct gate_policy *gate_policy_load(const char *path, struct conf_error *err)
{
	struct conf_doc *doc;
	if (conf_load(path, &doc, err) < 0)
		return NULL;
	struct gate_policy *p = policy_from_doc(doc, err);
	conf_free(doc);
	return p;
}

struct gate_policy *gate_policy_load_buffer(const char *name, const char *data, size_t len, struct conf_error *err)
{
	struct conf_doc *doc;
	if (conf_load_buffer(name, data, len, &doc, err) < 0)
		return NULL;
	struct gate_policy *p = policy_from_doc(doc, err);
	conf_free(doc);
	return p;
}

static void free_list(char **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

void gate_policy_free(struct gate_policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_rings; i++) {
		free(p->rings[i].name);
		free_list(p->rings[i].images, p->rings[i].n_images);
		free_list(p->rings[i].hardware, p->rings[i].n_hardware);
	}
	free(p->rings);
	free(p->name);
	free(p);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct version {
	const char *sensor, *content;
	const struct result_cell **cells;
	size_t n;
};

static void add_reason(struct gate_result *res, const char *fmt, ...) PRINTF_LIKE(2, 3);
static void add_reason(struct gate_result *res, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	res->reasons = xreallocarray(res->reasons, res->n_reasons + 1, sizeof(char *));
	res->reasons[res->n_reasons++] = xvasprintf(fmt, ap);
	va_end(ap);
}

/* Checks one ring; adds reasons. Returns GATE_PASS, GATE_BLOCKED or GATE_UNDECIDABLE. */
static enum gate_outcome check_ring(const struct gate_ring *ring, const struct version *v, struct gate_result *res)
{
	enum gate_outcome out = GATE_PASS;
	size_t counts[VERDICT_INFRA_ERROR + 1] = { 0 };
	for (size_t i = 0; i < v->n; i++)
		counts[v->cells[i]->verdict]++;

	for (int vd = VERDICT_CRASH; vd <= VERDICT_INFRA_ERROR; vd++) {
		if (!ring->block[vd] || !counts[vd])
			continue;
		const char *example = NULL;
		for (size_t i = 0; i < v->n && !example; i++)
			if (v->cells[i]->verdict == (enum verdict)vd)
				example = v->cells[i]->key;
		add_reason(res, "%s: %zu %s cell%s (e.g. %s)", ring->name, counts[vd], verdict_name((enum verdict)vd),
			   counts[vd] == 1 ? "" : "s", example);
		out = GATE_BLOCKED;
	}
	/* a performance comparison that the host's load spoiled is missing data, not a pass */
	if (ring->block[VERDICT_PERF_REGRESSION]) {
		size_t unjudged = 0;
		const char *example = NULL;
		for (size_t i = 0; i < v->n; i++)
			if (v->cells[i]->perf && streq(v->cells[i]->perf, "inconclusive")) {
				unjudged++;
				example = example ? example : v->cells[i]->key;
			}
		if (unjudged) {
			add_reason(res, "%s: performance inconclusive in %zu cell%s (e.g. %s): cannot tell PERF_REGRESSION",
				   ring->name, unjudged, unjudged == 1 ? "" : "s", example);
			if (out == GATE_PASS)
				out = GATE_UNDECIDABLE;
		}
	}
	if (ring->max_infra_errors >= 0 && counts[VERDICT_INFRA_ERROR] > (size_t)ring->max_infra_errors &&
	    !ring->block[VERDICT_INFRA_ERROR]) {
		add_reason(res, "%s: %zu INFRA_ERROR cells, at most %ld allowed", ring->name, counts[VERDICT_INFRA_ERROR],
			   ring->max_infra_errors);
		out = GATE_BLOCKED;
	}
	if (v->n < ring->min_cells) {
		add_reason(res, "%s: %zu cells tested, at least %zu required", ring->name, v->n, ring->min_cells);
		out = GATE_BLOCKED;
	}
	struct { const char *what; char **names; size_t n; } req[] = {
		{ "image", ring->images, ring->n_images }, { "hardware", ring->hardware, ring->n_hardware },
	};
	for (size_t k = 0; k < ARRAY_LENGTH(req); k++) {
		for (size_t j = 0; j < req[k].n; j++) {
			bool covered = false;
			for (size_t i = 0; i < v->n && !covered; i++) {
				const char *axis = k == 0 ? v->cells[i]->image : v->cells[i]->hardware;
				covered = v->cells[i]->verdict == VERDICT_PASS && fnmatch(req[k].names[j], axis, 0) == 0;
			}
			if (!covered) {
				add_reason(res, "%s: no passing cell on required %s '%s'", ring->name, req[k].what, req[k].names[j]);
				out = GATE_BLOCKED;
			}
		}
	}
	if (ring->max_boot_regression >= 0 && out == GATE_PASS) {
		/* boot times by kind: the clean boot 0, the boot into the plan's baseline versions, and
		 * the boots after install; the baseline, when the plan had one, is what "before" means */
		enum { CLEAN, BASELINE, AFTER, KINDS };
		double *times[KINDS] = { NULL };
		size_t count[KINDS] = { 0 };
		for (size_t i = 0; i < v->n; i++)
			for (size_t b = 0; b < v->cells[i]->n_boots; b++) {
				const struct result_boot *bt = &v->cells[i]->boots[b];
				if (bt->ready_ms < 0 || !streq(bt->outcome, "ok"))
					continue;
				int k = result_boot_is_baseline(bt) ? BASELINE : bt->boot == 0 ? CLEAN : AFTER;
				times[k] = xreallocarray(times[k], count[k] + 1, sizeof(double));
				times[k][count[k]++] = (double)bt->ready_ms;
			}
		int ref = count[BASELINE] ? BASELINE : CLEAN;
		double *before = times[ref], *after = times[AFTER];
		size_t nb = count[ref], na = count[AFTER];
		if (!nb || !na) {
			add_reason(res, "%s: no boot times to compare (boot 0: %zu, after install: %zu)", ring->name, nb, na);
			out = GATE_UNDECIDABLE;
		} else {
			double mb = median(before, nb), ma = median(after, na), change = ma / mb - 1;
			if (change > ring->max_boot_regression) {
				add_reason(res, "%s: boot time to agent +%.0f%% after install (median %.1f s over %zu boots, "
					   "%.1f s before over %zu), at most +%.0f%% allowed", ring->name, change * 100, ma / 1000, na,
					   mb / 1000, nb, ring->max_boot_regression * 100);
				out = GATE_BLOCKED;
			}
		}
		for (int k = 0; k < KINDS; k++)
			free(times[k]);
	}
	return out;
}

size_t gate_evaluate(const struct gate_policy *p, const struct result_run *run, const char *sensor, const char *content,
		     size_t target, struct gate_result **out)
{
	struct version *versions = NULL;
	size_t n = 0;
	for (size_t i = 0; i < run->n_cells; i++) {
		const struct result_cell *c = &run->cells[i];
		if ((sensor && !streq(sensor, c->sensor)) || (content && !streq(content, c->content)))
			continue;
		size_t k;
		for (k = 0; k < n; k++)
			if (streq(versions[k].sensor, c->sensor) && streq(versions[k].content, c->content))
				break;
		if (k == n) {
			versions = xreallocarray(versions, n + 1, sizeof(*versions));
			versions[n++] = (struct version){ c->sensor, c->content, NULL, 0 };
		}
		versions[k].cells = xreallocarray(versions[k].cells, versions[k].n + 1, sizeof(*versions[k].cells));
		versions[k].cells[versions[k].n++] = c;
	}
	struct gate_result *res = xcalloc(n ? n : 1, sizeof(*res));
	for (size_t k = 0; k < n; k++) {
		struct gate_result *r = &res[k];
		const struct version *v = &versions[k];
		r->sensor = xstrdup(v->sensor);
		r->content = xstrdup(v->content);
		r->cells = v->n;
		size_t unfinished = 0;
		for (size_t i = 0; i < v->n; i++)
			unfinished += v->cells[i]->verdict == VERDICT_NONE;
		enum gate_outcome ring_out = GATE_PASS;
		if (unfinished) {
			add_reason(r, "%zu of %zu cells have no verdict (run %s)", unfinished, v->n, run->status);
			ring_out = GATE_UNDECIDABLE;
		}
		for (size_t g = 0; ring_out == GATE_PASS && g < p->n_rings; g++) {
			ring_out = check_ring(&p->rings[g], v, r);
			if (ring_out == GATE_PASS)
				r->reached = g + 1;
		}
		r->outcome = r->reached > target ? GATE_PASS : ring_out == GATE_PASS ? GATE_BLOCKED : ring_out;
		free(versions[k].cells);
	}
	free(versions);
	*out = res;
	return n;
}

void gate_results_free(struct gate_result *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(r[i].sensor);
		free(r[i].content);
		free_list(r[i].reasons, r[i].n_reasons);
	}
	free(r);
}
