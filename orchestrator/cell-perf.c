/*
 * cell-perf.c: the sensor's cost, measured so that the host's load cancels out.
 *
 * The before and after phases of a cell run minutes apart, and a shared host changes speed by
 * far more than any threshold in that time. So every figure is a pair measured together: a
 * control VM (the same image and hardware, never given the sensor; cell.c starts it beside the
 * cell's own) runs the same workload at the same moment, and a repetition's figure is the cell's
 * rate divided by the control's. Before install both VMs are clean (the ratio is the two VMs'
 * own difference); after install only the cell's has the sensor. Whatever the host does to both
 * at once, a busy neighbour or a slow disk, divides out.
 *
 *   phase:  warm-up (discarded), then repetitions until plan.workload_reps are kept
 *   each:   host load read ─► agent "workload 1 OPS" in both VMs at once ─► host load read
 *           the host gave one VM more than twice the other's speed (their calibrations, run
 *           after each workload slice, side by side) ─► disturbed: measured again, at most
 *           workload_reps extra times a phase, then the comparison is inconclusive
 *   judge:  slowdown = median(pairs before) / median(pairs after) - 1, 95 % bootstrap
 *           interval over the pairs, Mann-Whitney p
 *           interval wholly above the threshold ─► a second round after install (no
 *           reinstall) must show it again ─► PERF_REGRESSION, else inconclusive
 *           estimate above the threshold, interval not ─► inconclusive
 *           otherwise ─► pass
 *
 * Inconclusive is never a product verdict: the cell keeps its verdict from the boots and its
 * perf outcome says "inconclusive" with the reason (gate: could not evaluate).
 */
#include "cell-internal.h"
#include "log.h"
#include "stats.h"

#include <errno.h>
#include <string.h>

/* The host may give one VM of a pair up to this much more speed than the other (their
 * calibrations side by side) before the pair no longer compares like with like. */
#define PERF_ASYMMETRY_MAX 1.0
#define WORKLOAD_CALL_MS 600000
#define MODULES_MAX 512

static const struct {
	const char *key, *calib_key; /* in the agent's answer */
	const char *metric;          /* stored name */
	const char *what;
} kinds[2] = {
	{ "proc_per_s", "proc_calib_per_s", "proc_rate", "process creation (fork + exec of /bin/true)" },
	{ "file_per_s", "file_calib_per_s", "file_rate", "file create, write 4 KiB, read, delete" },
};

static const char *const phase_suffix[PERF_PHASES] = { ".before", "", ".confirm" };
static const char *const phase_name[PERF_PHASES] = { "before install", "after install", "second round" };

static const char *phase_what(const struct attempt *a, enum perf_phase phase)
{
	switch (phase) {
	case PERF_BEFORE: return a->perf.baseline_what ? a->perf.baseline_what : "before install";
	case PERF_AFTER: return "after install";
	default: return "after install, second round (confirmation)";
	}
}

static bool module_known(const struct perf_state *p, const char *name)
{
	for (size_t i = 0; i < p->n_modules_before; i++)
		if (streq(p->modules_before[i], name))
			return true;
	return false;
}

void perf_resources(struct attempt *a, bool after_install)
{
	struct perf_state *p = &a->perf;
	struct json *ans = NULL;
	char *why = NULL;
	/* the CPU window costs a second at each end: performance plans only */
	const char *args = a->env->matrix->plan.workload_reps ? "resources 1000" : "resources 0";
	if (cell_agent_call(a, args, AGENT_CALL_MS, &ans, &why) < 0) {
		log_warnx("%s: no resource figures %s: %s", a->key, after_install ? "after install" : "at boot 0", why);
		free(why);
		json_free(ans);
		return;
	}
	free(why);
	const char *suffix = after_install ? "" : ".before";
	const char *when = after_install ? "after the last boot" : "boot 0, before install";
	double total = json_get_number(ans, "mem_total_kib", -1), avail = json_get_number(ans, "mem_available_kib", -1);
	if (total > 0 && total < 1e10 && avail >= 0 && avail <= total) {
		_cleanup_free_ char *name = xasprintf("guest_mem_used%s", suffix);
		_cleanup_free_ char *method = xasprintf("guest: MemTotal - MemAvailable (/proc/meminfo) at rest, %s", when);
		store_metric_add(a->env->store, a->cell_id, a->number, name, (total - avail) / 1024, "MiB", method);
	}
	double busy = json_get_number(ans, "cpu_busy_pct", -1);
	if (busy >= 0 && busy <= 100) {
		_cleanup_free_ char *name = xasprintf("guest_cpu_busy%s", suffix);
		_cleanup_free_ char *method = xasprintf("guest: non-idle share of all CPU time over 1 s at rest (/proc/stat), %s", when);
		store_metric_add(a->env->store, a->cell_id, a->number, name, busy, "%", method);
	}
	const struct json *mods = json_get(ans, "modules");
	if (!mods || mods->type != JSON_ARRAY) {
		json_free(ans);
		return;
	}
	struct strbuf names;
	strbuf_init(&names);
	double kib = 0;
	size_t added = 0;
	for (size_t i = 0; i < mods->n && i < MODULES_MAX; i++) {
		const char *raw = json_get_string(mods->items[i], "name", NULL);
		double size = json_get_number(mods->items[i], "size", -1);
		if (!raw || !*raw || size < 0 || size > 1e9)
			continue;
		_cleanup_free_ char *name = sanitize_text(raw, strlen(raw), 64);
		if (!after_install) {
			p->modules_before = xreallocarray(p->modules_before, p->n_modules_before + 1, sizeof(char *));
			p->modules_before[p->n_modules_before++] = xstrdup(name);
		} else if (p->modules_known && !module_known(p, name)) {
			kib += size / 1024;
			if (added++ < 8)
				strbuf_printf(&names, "%s%s (%.0f KiB)", added > 1 ? ", " : "", name, size / 1024);
		}
	}
	if (!after_install) {
		p->modules_known = true;
	} else if (p->modules_known) {
		_cleanup_free_ char *method = xasprintf("guest: /proc/modules, loaded after the last boot and not at boot 0: %s%s",
							added ? names.buf : "none", added > 8 ? ", ..." : "");
		store_metric_add(a->env->store, a->cell_id, a->number, "sensor_modules", kib, "KiB", method);
	}
	strbuf_release(&names);
	json_free(ans);
}

/* The share (%) of the time between two readings that a counter advanced, or -1. */
static double share(int64_t before, int64_t after, double span)
{
	if (before < 0 || after < before || span <= 0)
		return -1;
	double v = (double)(after - before) / span * 100;
	return v > 100 ? 100 : v;
}

/* One workload call's figures: rates, calibration rates and drift. 0, or an error with *why. */
static int workload_call(struct attempt *a, const char *args, double rate[2], double calib[2], double *drift, char **why)
{
	struct json *ans = NULL;
	int r = cell_agent_call(a, args, WORKLOAD_CALL_MS, &ans, why);
	const struct json *reps = json_get(ans, "reps");
	if (r != 0 || !reps || reps->type != JSON_ARRAY || reps->n != 1) {
		if (!*why)
			*why = xasprintf("the agent's workload answered %s", r > 0 ? "a failure" : "no repetition");
		json_free(ans);
		return r < 0 ? r : -EIO;
	}
	const struct json *j = reps->items[0];
	for (int k = 0; k < 2; k++) {
		rate[k] = json_get_number(j, kinds[k].key, -1);
		calib[k] = json_get_number(j, kinds[k].calib_key, -1);
		if (!(rate[k] > 0 && rate[k] < 1e9 && calib[k] > 0 && calib[k] < 1e12)) {
			*why = xasprintf("the agent's workload answered %s out of range", kinds[k].key);
			json_free(ans);
			return -EBADMSG;
		}
	}
	*drift = json_get_number(j, "calib_drift", -1);
	json_free(ans);
	if (!(*drift >= 0 && *drift < 1e6)) {
		*why = xstrdup("the agent's workload answered calib_drift out of range");
		return -EBADMSG;
	}
	return 0;
}

struct control_call {
	struct attempt *control;
	const char *args;
	double rate[2], calib[2], drift;
	char *why;
	int r;
};

static void *control_thread(void *data)
{
	struct control_call *c = data;
	c->r = workload_call(c->control, c->args, c->rate, c->calib, &c->drift, &c->why);
	return NULL;
}

/* One repetition: the same workload in the cell's VM and in the control VM at the same moment,
 * with the host's load around it. 0; -EAGAIN when the control failed (*why); or the cell's own
 * call's error. */
static int measure_rep(struct attempt *a, struct perf_rep *rep, bool warm_up, char **why)
{
	const struct plan *plan = &a->env->matrix->plan;
	const struct lab_ops *ops = a->env->lab->ops;
	struct lab_host_load l0, l1;
	_cleanup_free_ char *args = xasprintf("workload 1 %u", warm_up ? (plan->workload_ops + 1) / 2 : plan->workload_ops);
	struct control_call ctl = { .control = a->perf.control, .args = args };
	pthread_t thread;
	*rep = (struct perf_rep){ .host_cpu_pressure = -1, .host_io_pressure = -1, .host_cpu_busy = -1 };
	bool load = ops->host_load && ops->host_load(a->env->lab, &l0) == 0;
	if (pthread_create(&thread, NULL, control_thread, &ctl) != 0) {
		*why = xstrdup("cannot start the control VM's thread");
		return -EAGAIN;
	}
	double drift;
	int r = workload_call(a, args, rep->rate, rep->calib, &drift, why);
	pthread_join(thread, NULL);
	load = load && ops->host_load(a->env->lab, &l1) == 0;
	if (r < 0 || ctl.r < 0) {
		if (r >= 0) {
			*why = xasprintf("the control VM: %s", ctl.why ? ctl.why : "its workload failed");
			r = -EAGAIN;
		}
		free(ctl.why);
		return r;
	}
	for (int k = 0; k < 2; k++) {
		rep->control[k] = ctl.rate[k];
		rep->control_calib[k] = ctl.calib[k];
	}
	rep->drift = drift > ctl.drift ? drift : ctl.drift;
	/* how differently the host treated the two VMs: their calibrations side by side */
	double mine = rep->calib[0] + rep->calib[1], theirs = ctl.calib[0] + ctl.calib[1];
	rep->asymmetry = (mine > theirs ? mine / theirs : theirs / mine) - 1;
	if (load) {
		double span_us = (double)(l1.mono_ms - l0.mono_ms) * 1000;
		rep->host_cpu_pressure = share(l0.psi_cpu_us, l1.psi_cpu_us, span_us);
		rep->host_io_pressure = share(l0.psi_io_us, l1.psi_io_us, span_us);
		rep->host_cpu_busy = share(l0.cpu_busy_ns, l1.cpu_busy_ns, (double)(l1.cpu_total_ns - l0.cpu_total_ns));
	}
	return 0;
}

static void store_rep(struct attempt *a, enum perf_phase phase, const struct perf_rep *rep)
{
	const struct plan *plan = &a->env->matrix->plan;
	struct store *st = a->env->store;
	const char *sfx = phase_suffix[phase], *what = phase_what(a, phase);
	for (int k = 0; k < 2; k++) {
		_cleanup_free_ char *name = xasprintf("%s%s", kinds[k].metric, sfx);
		_cleanup_free_ char *method = xasprintf("guest: %s, %u per repetition, %s", kinds[k].what, plan->workload_ops, what);
		store_metric_add(st, a->cell_id, a->number, name, rep->rate[k], "1/s", method);
		_cleanup_free_ char *cname = xasprintf("%s.control%s", kinds[k].metric, sfx);
		_cleanup_free_ char *cmethod = xasprintf("control VM (same image and hardware, no sensor): %s, %u per "
							 "repetition, at the same time as the cell's, %s", kinds[k].what,
							 plan->workload_ops, what);
		store_metric_add(st, a->cell_id, a->number, cname, rep->control[k], "1/s", cmethod);
		_cleanup_free_ char *pname = xasprintf("%s.paired%s", kinds[k].metric, sfx);
		_cleanup_free_ char *pmethod = xasprintf("(the cell's rate / its calibration) / (the control VM's rate / its "
							 "calibration), in the same repetition: %s, %s", kinds[k].what, what);
		store_metric_add(st, a->cell_id, a->number, pname, perf_pair(rep, k), "ratio", pmethod);
		_cleanup_free_ char *sname = xasprintf("%s.speeds%s", kinds[k].metric, sfx);
		store_metric_add(st, a->cell_id, a->number, sname, rep->calib[k] / rep->control_calib[k], "ratio",
				 "the cell's calibration rate / the control VM's, next to this workload: how much more "
				 "speed the host gave the cell's VM");
	}
	_cleanup_free_ char *speed = xasprintf("host_speed%s", sfx), *drift = xasprintf("calib_drift%s", sfx);
	store_metric_add(st, a->cell_id, a->number, speed, (rep->calib[0] + rep->calib[1]) / 2, "units/s",
			 "guest: calibration (arithmetic, getppid, page faults; hooked by no sensor) run after each workload slice");
	_cleanup_free_ char *asym = xasprintf("pair_asymmetry%s", sfx);
	store_metric_add(st, a->cell_id, a->number, asym, rep->asymmetry * 100, "%",
			 "the faster VM's calibration rate / the slower's - 1, in the same repetition");
	store_metric_add(st, a->cell_id, a->number, drift, rep->drift * 100, "%",
			 "guest: calibration rate in the second half of the repetition's slices against the first half "
			 "(the larger of the cell's and the control VM's)");
	static const struct {
		const char *name, *method;
		size_t offset;
	} loads[] = {
		{ "host_cpu_pressure", "host: /proc/pressure/cpu 'some' share of the repetition",
		  offsetof(struct perf_rep, host_cpu_pressure) },
		{ "host_io_pressure", "host: /proc/pressure/io 'some' share of the repetition",
		  offsetof(struct perf_rep, host_io_pressure) },
		{ "host_cpu_busy", "host: busy share of all CPUs over the repetition (libvirt node CPU stats)",
		  offsetof(struct perf_rep, host_cpu_busy) },
	};
	for (size_t i = 0; i < ARRAY_LENGTH(loads); i++) {
		double v = *(const double *)((const char *)rep + loads[i].offset);
		if (v < 0)
			continue;
		_cleanup_free_ char *name = xasprintf("%s%s", loads[i].name, sfx);
		store_metric_add(st, a->cell_id, a->number, name, v, "%", loads[i].method);
	}
}

int perf_measure(struct attempt *a, enum perf_phase phase)
{
	const struct plan *plan = &a->env->matrix->plan;
	struct perf_state *p = &a->perf;
	const unsigned want = plan->workload_reps, max_calls = 2 * plan->workload_reps;
	free(p->reps[phase]);
	p->reps[phase] = xcalloc(want, sizeof(struct perf_rep));
	p->n[phase] = 0;
	p->disturbed[phase] = 0;
	log_info("%s: workload %s: %u repetitions (%s)", a->key, phase_name[phase], want, phase_what(a, phase));
	char *why = NULL;
	if (!p->control || cell_control_ready(p->control, &why) < 0) {
		infra(a, "the control VM did not come up: %s", why ? why : "not started");
		free(why);
		return -EIO;
	}
	/* the first run after a boot pays for cold caches: it warms them and is not kept */
	for (unsigned call = 0; call <= max_calls && p->n[phase] < want && !cell_stopping(a); call++) {
		struct perf_rep rep;
		int r = measure_rep(a, &rep, call == 0, &why);
		if (r < 0) {
			pthread_mutex_lock(&a->lock);
			bool crashed = a->crashed;
			pthread_mutex_unlock(&a->lock);
			if (crashed && phase != PERF_BEFORE)
				cell_conclude(a, VERDICT_CRASH, a->boot,
					      xasprintf("crashed during the workload after boot %u", a->boot),
					      a->evidence ? xstrdup(a->evidence) : NULL);
			else
				infra(a, "the workload did not run %s: %s", phase_name[phase], why ? why : strerror(-r));
			free(why);
			return -EIO;
		}
		if (call == 0)
			continue;
		if (rep.asymmetry > PERF_ASYMMETRY_MAX) {
			p->disturbed[phase]++;
			log_info("%s: repetition disturbed (the host gave one VM %.0f%% more speed than the other; host CPU "
				 "pressure %.0f%%, I/O pressure %.0f%%); measuring again", a->key, rep.asymmetry * 100,
				 rep.host_cpu_pressure, rep.host_io_pressure);
			continue;
		}
		p->reps[phase][p->n[phase]++] = rep;
		store_rep(a, phase, &rep);
	}
	if (p->disturbed[phase]) {
		_cleanup_free_ char *name = xasprintf("perf_disturbed%s", phase_suffix[phase]);
		_cleanup_free_ char *method = xasprintf("repetitions measured again: the host gave one VM of the pair more "
							"than %.0f%% more speed than the other", PERF_ASYMMETRY_MAX * 100);
		store_metric_add(a->env->store, a->cell_id, a->number, name, p->disturbed[phase], "", method);
	}
	return 0;
}

double perf_pair(const struct perf_rep *r, int kind)
{
	return (r->rate[kind] / r->calib[kind]) / (r->control[kind] / r->control_calib[kind]);
}

int perf_compare_pairs(const struct perf_rep *before, size_t nb, const struct perf_rep *after, size_t na, int kind,
		       struct perf_round *out)
{
	*out = (struct perf_round){ 0 };
	if (kind < 0 || kind > 1 || nb < 3 || na < 3)
		return -EINVAL;
	_cleanup_free_ double *b = xcalloc(nb, sizeof(double)), *a = xcalloc(na, sizeof(double));
	_cleanup_free_ double *cb = xcalloc(nb, sizeof(double)), *ca = xcalloc(na, sizeof(double));
	for (size_t i = 0; i < nb; i++) {
		b[i] = perf_pair(&before[i], kind);
		cb[i] = before[i].calib[kind];
	}
	for (size_t i = 0; i < na; i++) {
		a[i] = perf_pair(&after[i], kind);
		ca[i] = after[i].calib[kind];
	}
	if (stats_compare_rates(b, nb, a, na, &out->stats) < 0)
		return -EINVAL;
	out->valid = true;
	out->slowdown = out->stats.ratio - 1;
	out->low = out->stats.ci_low - 1;
	out->high = out->stats.ci_high - 1;
	out->host_speed = stats_median(ca, na) / stats_median(cb, nb) - 1;
	return 0;
}

static bool exceeded(const struct perf_round *r, double thr) { return r->valid && r->low > thr; }
static bool unsure(const struct perf_round *r, double thr) { return r->valid && r->slowdown > thr && r->low <= thr; }

const char *perf_decide(const struct perf_round first[2], const struct perf_round *second, double thr, bool *confirm)
{
	bool any_exceeded = false, any_unsure = false, confirmed = false;
	for (int k = 0; k < 2; k++) {
		any_unsure |= !first[k].valid;
		any_exceeded |= exceeded(&first[k], thr);
		any_unsure |= unsure(&first[k], thr);
		confirmed |= second && exceeded(&first[k], thr) && exceeded(&second[k], thr);
	}
	*confirm = any_exceeded && !second;
	if (any_exceeded)
		return !second ? NULL : confirmed ? "regression" : "inconclusive";
	return any_unsure ? "inconclusive" : "pass";
}

/* Compares a phase after install with the one before, for one kind; stores the figures. */
static struct perf_round compare(struct attempt *a, enum perf_phase phase, int k)
{
	const struct plan *plan = &a->env->matrix->plan;
	const struct perf_state *p = &a->perf;
	struct perf_round r;
	if (perf_compare_pairs(p->reps[PERF_BEFORE], p->n[PERF_BEFORE], p->reps[phase], p->n[phase], k, &r) < 0)
		return r;
	const char *round = phase == PERF_CONFIRM ? ".confirm" : "";
	_cleanup_free_ char *name = xasprintf("%s%s.slowdown", kinds[k].metric, round);
	_cleanup_free_ char *method = xasprintf("paired: median(rate / control VM's rate) before / after - 1; 95%% bootstrap CI "
						"[%+.1f%%, %+.1f%%]; Mann-Whitney p=%.3g; %zu and %zu repetitions; host "
						"speed %+.1f%% between the phases (divided out by the pairs); threshold %.0f%%",
						r.low * 100, r.high * 100, r.stats.p_value, p->n[PERF_BEFORE], p->n[phase],
						r.host_speed * 100, plan->perf_threshold * 100);
	store_metric_add(a->env->store, a->cell_id, a->number, name, r.slowdown * 100, "%", method);
	_cleanup_free_ char *lo = xasprintf("%s.low", name), *hi = xasprintf("%s.high", name);
	_cleanup_free_ char *pname = xasprintf("%s.p", name), *sname = xasprintf("%s%s.host_speed", kinds[k].metric, round);
	store_metric_add(a->env->store, a->cell_id, a->number, lo, r.low * 100, "%", "95% bootstrap CI over the pairs, lower bound");
	store_metric_add(a->env->store, a->cell_id, a->number, hi, r.high * 100, "%", "95% bootstrap CI over the pairs, upper bound");
	store_metric_add(a->env->store, a->cell_id, a->number, pname, r.stats.p_value, "", "Mann-Whitney U, two-sided, on the pairs");
	store_metric_add(a->env->store, a->cell_id, a->number, sname, r.host_speed * 100, "%",
			 "change of the calibration's median rate between the phases: how far the host's speed moved");
	log_info("%s: %s%s %+.1f%% (95%% CI %+.1f%% to %+.1f%%, p=%.3g; host speed %+.1f%%)", a->key, kinds[k].metric,
		 round, r.slowdown * 100, r.low * 100, r.high * 100, r.stats.p_value, r.host_speed * 100);
	return r;
}

static void describe(struct strbuf *sb, const struct perf_round *r)
{
	strbuf_printf(sb, "%.0f%% (95%% CI %.0f%% to %.0f%%, p=%.2g)", r->slowdown * 100, r->low * 100, r->high * 100,
		      r->stats.p_value);
}

/* Too few undisturbed repetitions in a phase: the reason, or NULL. */
static char *too_busy(const struct attempt *a)
{
	const struct perf_state *p = &a->perf;
	for (int ph = 0; ph < PERF_PHASES; ph++) {
		if (!p->reps[ph] || p->n[ph] >= a->env->matrix->plan.workload_reps)
			continue;
		return xasprintf("the host was too busy %s: %u of %zu repetitions disturbed (it gave one VM of the pair "
				 "more than %.0f%% more speed than the other)", ph == PERF_CONFIRM ? "in the second round"
				 : phase_name[ph], p->disturbed[ph], p->n[ph] + p->disturbed[ph], PERF_ASYMMETRY_MAX * 100);
	}
	return NULL;
}

/* Why the outcome is what it is, from the rounds. */
static char *explain(const struct attempt *a, const char *outcome, const struct perf_round first[2],
		     const struct perf_round *second, double thr)
{
	const char *than = a->env->baseline_sensor ? "than the baseline" : "after install";
	struct strbuf why;
	strbuf_init(&why);
	for (int k = 0; k < 2; k++) {
		if (!first[k].valid) {
			strbuf_printf(&why, "%s%s could not be compared", why.len ? "; " : "", kinds[k].what);
			continue;
		}
		bool regressed = second && exceeded(&first[k], thr) && exceeded(&second[k], thr);
		bool unconfirmed = second && exceeded(&first[k], thr) && !exceeded(&second[k], thr);
		if (streq(outcome, "regression") ? !regressed : !(unconfirmed || (!second && unsure(&first[k], thr))))
			continue;
		strbuf_printf(&why, "%s%s ", why.len ? "; " : "", kinds[k].what);
		describe(&why, &first[k]);
		strbuf_printf(&why, " slower %s", than);
		if (second) {
			strbuf_puts(&why, regressed ? ", confirmed by a second round: " : ", not confirmed by a second round: ");
			describe(&why, &second[k]);
		} else {
			strbuf_puts(&why, ", an interval reaching below the threshold");
		}
	}
	strbuf_printf(&why, "; threshold %.0f%%", thr * 100);
	return strbuf_steal(&why);
}

int perf_judge(struct attempt *a)
{
	const double thr = a->env->matrix->plan.perf_threshold;
	store_metric_add(a->env->store, a->cell_id, a->number, "perf_threshold", thr * 100, "%",
			 "plan: a slowdown certainly above this is PERF_REGRESSION");
	char *why = too_busy(a);
	struct perf_round first[2], second[2];
	bool confirm = false;
	const char *outcome = "inconclusive";
	if (!why) {
		for (int k = 0; k < 2; k++)
			first[k] = compare(a, PERF_AFTER, k);
		outcome = perf_decide(first, NULL, thr, &confirm);
	}
	if (confirm) {
		/* confirm before condemning: a second, independent round of pairs, no reinstall needed */
		log_info("%s: slowdown beyond the threshold; confirming with a second round", a->key);
		if (perf_measure(a, PERF_CONFIRM) < 0)
			return -EIO;
		if ((why = too_busy(a))) {
			outcome = "inconclusive";
		} else {
			for (int k = 0; k < 2; k++)
				second[k] = compare(a, PERF_CONFIRM, k);
			outcome = perf_decide(first, second, thr, &confirm);
		}
	}
	if (!why && !streq(outcome, "pass"))
		why = explain(a, outcome, first, confirm || a->perf.reps[PERF_CONFIRM] ? second : NULL, thr);
	a->perf_outcome = outcome;
	if (streq(outcome, "regression"))
		cell_conclude(a, VERDICT_PERF_REGRESSION, (unsigned)a->n_outcomes, xstrdup(why), NULL);
	else if (streq(outcome, "inconclusive"))
		cell_conclude(a, VERDICT_PASS, 0, xasprintf("%zu boots after install, all healthy; performance inconclusive: %s",
							    a->n_outcomes, why), NULL);
	free(why);
	return 0;
}

void perf_state_clear(struct perf_state *p)
{
	cell_control_stop(p->control);
	for (int ph = 0; ph < PERF_PHASES; ph++)
		free(p->reps[ph]);
	free(p->baseline_what);
	for (size_t k = 0; k < p->n_modules_before; k++)
		free(p->modules_before[k]);
	free(p->modules_before);
	*p = (struct perf_state){ 0 };
}
