/* test-gate.c: rollout policies: positioned errors, and which ring each version reaches. */
#include <string.h>

#include "gate.h"
#include "synthetic.h"
#include "test-common.h"

static const char policy_text[] =
	"name: p\n"
	"rings:\n"
	"  - name: canary\n"
	"    block_on: [CRASH, BOOT_LOOP, HANG]\n"
	"    max_infra_errors: 1\n"
	"  - name: early\n"
	"    block_on: [CRASH, BOOT_LOOP, HANG, INSTALL_FAILED]\n"
	"    max_infra_errors: 0\n"
	"    require: {hardware: [hw-0, hw-1]}\n"
	"  - name: broad\n"
	"    min_cells: 4\n"
	"    max_boot_time_regression: 5%\n";

static struct gate_policy *policy(void)
{
	struct conf_error err = { 0 };
	struct gate_policy *p = gate_policy_load_buffer("p.yaml", policy_text, strlen(policy_text), &err);
	ck_assert_msg(p, "%s", err.reason ? err.reason : "?");
	return p;
}

/* content-0 passes everywhere; content-1 crashes on hw-1; content-2 has one INFRA_ERROR;
 * content-3 is not run on hw-0 */
static enum verdict by_content(size_t i)
{
	size_t content = i % 4, hw = (i / 4) % 2;
	if (content == 1 && hw == 1)
		return VERDICT_BOOT_LOOP;
	if (content == 2 && hw == 0)
		return VERDICT_INFRA_ERROR;
	if (content == 3 && hw == 0)
		return VERDICT_NONE;
	return VERDICT_PASS;
}

static const struct gate_result *find(const struct gate_result *r, size_t n, const char *content)
{
	for (size_t i = 0; i < n; i++)
		if (streq(r[i].content, content))
			return &r[i];
	ck_abort_msg("no result for %s", content);
	return NULL;
}

START_TEST(test_rings)
{
	struct gate_policy *p = policy();
	struct result_run *run = synthetic_run(1, 2, 2, 1, 4, by_content); /* 2 cells per hw per content */
	struct gate_result *res;
	size_t n = gate_evaluate(p, run, NULL, NULL, 0, &res);
	ck_assert_uint_eq(n, 4);

	const struct gate_result *good = find(res, n, "content-0");
	/* boots 1-2 take 7.1 and 7.2 s against 7.0 s at boot 0: +2 %, under the 5 % bound */
	ck_assert_uint_eq(good->reached, 3);
	ck_assert_int_eq(good->outcome, GATE_PASS);
	ck_assert_uint_eq(good->n_reasons, 0);

	const struct gate_result *crash = find(res, n, "content-1");
	ck_assert_uint_eq(crash->reached, 0);
	ck_assert_int_eq(crash->outcome, GATE_BLOCKED);
	ck_assert_msg(strstr(crash->reasons[0], "canary: 2 BOOT_LOOP cells"), "%s", crash->reasons[0]);

	const struct gate_result *infra = find(res, n, "content-2");
	ck_assert_uint_eq(infra->reached, 0); /* two INFRA_ERROR cells, one allowed */
	ck_assert_msg(strstr(infra->reasons[0], "2 INFRA_ERROR cells, at most 1 allowed"), "%s", infra->reasons[0]);

	const struct gate_result *unrun = find(res, n, "content-3");
	ck_assert_int_eq(unrun->outcome, GATE_UNDECIDABLE);
	gate_results_free(res, n);

	/* with the target at broad, a tighter run: only content-0, filtered by name */
	n = gate_evaluate(p, run, "sensor-0", "content-0", 2, &res);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(res[0].outcome, GATE_PASS);
	gate_results_free(res, n);
	result_run_free(run);
	gate_policy_free(p);
}
END_TEST

static enum verdict all_pass(size_t i) { return VERDICT_PASS; }

START_TEST(test_coverage_and_regression)
{
	struct gate_policy *p = policy();
	/* one hardware profile only: early requires hw-0 and hw-1 */
	struct result_run *run = synthetic_run(1, 1, 1, 1, 1, all_pass);
	struct gate_result *res;
	size_t n = gate_evaluate(p, run, NULL, NULL, 1, &res);
	ck_assert_uint_eq(res[0].reached, 1);
	ck_assert_int_eq(res[0].outcome, GATE_BLOCKED);
	ck_assert_msg(strstr(res[0].reasons[0], "early: no passing cell on required hardware 'hw-1'"), "%s", res[0].reasons[0]);
	gate_results_free(res, n);
	result_run_free(run);

	/* slow boots after install: +50 % blocks broad */
	run = synthetic_run(1, 2, 2, 1, 1, all_pass);
	for (size_t i = 0; i < run->n_cells; i++)
		for (size_t b = 1; b < run->cells[i].n_boots; b++)
			run->cells[i].boots[b].ready_ms = 10500;
	n = gate_evaluate(p, run, NULL, NULL, 2, &res);
	ck_assert_uint_eq(res[0].reached, 2);
	ck_assert_int_eq(res[0].outcome, GATE_BLOCKED);
	ck_assert_msg(strstr(res[0].reasons[0], "boot time to agent +50%"), "%s", res[0].reasons[0]);
	gate_results_free(res, n);

	/* the same boots against a baseline version that was as slow: the boot into the baseline,
	 * not the clean boot 0, is what "before" means, and broad is reached */
	for (size_t i = 0; i < run->n_cells; i++) {
		struct result_cell *c = &run->cells[i];
		c->boots = xreallocarray(c->boots, c->n_boots + 1, sizeof(*c->boots));
		c->boots[c->n_boots++] = (struct result_boot){ 1, 0, c->started_ms + 5000, 10500, xstrdup("ok"),
							       xstrdup(BOOT_BASELINE_PREFIX "s 0.9 with content c 1, after a boot into them") };
	}
	n = gate_evaluate(p, run, NULL, NULL, 2, &res);
	ck_assert_msg(res[0].outcome == GATE_PASS && res[0].reached == 3, "outcome %d, ring %zu: %s", res[0].outcome,
		      res[0].reached, res[0].n_reasons ? res[0].reasons[0] : "");
	gate_results_free(res, n);
	result_run_free(run);
	gate_policy_free(p);
}
END_TEST

/* A performance comparison the host's load spoiled is missing data: a ring that blocks on
 * PERF_REGRESSION cannot be decided; one that does not, is reached. */
START_TEST(test_perf_inconclusive)
{
	static const char text[] = "name: p\nrings:\n  - name: canary\n    block_on: [CRASH]\n"
				   "  - name: broad\n    block_on: [CRASH, PERF_REGRESSION]\n";
	struct conf_error err = { 0 };
	struct gate_policy *p = gate_policy_load_buffer("p.yaml", text, strlen(text), &err);
	ck_assert_msg(p, "%s", err.reason ? err.reason : "?");
	struct result_run *run = synthetic_run(1, 1, 2, 1, 1, all_pass);
	struct gate_result *res;
	size_t n = gate_evaluate(p, run, NULL, NULL, 1, &res);
	ck_assert_int_eq(res[0].outcome, GATE_PASS);
	gate_results_free(res, n);

	run->cells[1].perf = xstrdup("inconclusive");
	n = gate_evaluate(p, run, NULL, NULL, 1, &res);
	ck_assert_uint_eq(res[0].reached, 1);
	ck_assert_int_eq(res[0].outcome, GATE_UNDECIDABLE);
	ck_assert_msg(strstr(res[0].reasons[0], "broad: performance inconclusive in 1 cell (e.g. "), "%s", res[0].reasons[0]);
	gate_results_free(res, n);
	/* the first ring does not look at performance: reached */
	n = gate_evaluate(p, run, NULL, NULL, 0, &res);
	ck_assert_int_eq(res[0].outcome, GATE_PASS);
	gate_results_free(res, n);

	/* a crash still blocks: results beat missing data */
	run->cells[0].verdict = VERDICT_CRASH;
	n = gate_evaluate(p, run, NULL, NULL, 1, &res);
	ck_assert_int_eq(res[0].outcome, GATE_BLOCKED);
	gate_results_free(res, n);
	result_run_free(run);
	gate_policy_free(p);
}
END_TEST

static enum verdict warned(size_t i) { return i % 2 ? VERDICT_KERNEL_WARNING : VERDICT_PASS; }

/* A ring can keep out versions whose kernel reported after install (KERNEL_WARNING). */
START_TEST(test_block_on_kernel_warning)
{
	static const char text[] = "name: p\nrings:\n  - name: canary\n    block_on: [CRASH, BOOT_LOOP, HANG]\n"
				   "  - name: early\n    block_on: [CRASH, BOOT_LOOP, HANG, KERNEL_WARNING]\n";
	struct conf_error err = { 0 };
	struct gate_policy *p = gate_policy_load_buffer("p.yaml", text, strlen(text), &err);
	ck_assert_msg(p, "%s", err.reason ? err.reason : "?");
	ck_assert(p->rings[1].block[VERDICT_KERNEL_WARNING]);
	ck_assert(!p->rings[0].block[VERDICT_KERNEL_WARNING]);
	/* content-0 passes on both profiles, content-1 warns on both */
	struct result_run *run = synthetic_run(1, 1, 2, 1, 2, warned);
	struct gate_result *res;
	size_t n = gate_evaluate(p, run, NULL, NULL, 1, &res);
	ck_assert_uint_eq(n, 2);
	const struct gate_result *good = find(res, n, "content-0"), *warn = find(res, n, "content-1");
	ck_assert_int_eq(good->outcome, GATE_PASS);
	ck_assert_uint_eq(good->reached, 2);
	ck_assert_int_eq(warn->outcome, GATE_BLOCKED);
	ck_assert_uint_eq(warn->reached, 1);
	ck_assert_uint_eq(warn->n_reasons, 1);
	ck_assert_msg(strstr(warn->reasons[0], "early: 2 KERNEL_WARNING cells (e.g. image-0/hw-0/sensor-0/content-1)"), "%s",
		      warn->reasons[0]);
	gate_results_free(res, n);
	result_run_free(run);
	gate_policy_free(p);
}
END_TEST

static const struct {
	const char *text;
	const char *expect;
} bad[] = {
	{ "name: p\nrings:\n  - name: a\n    block_on: [PASS]\n", "p.yaml:4:16: 'PASS' is not a failing verdict" },
	{ "name: p\nrings:\n  - name: a\n    block_on: [CRASHED]\n", "'CRASHED' is not a failing verdict" },
	{ "name: p\nrings:\n  - name: a\n    block_on: [WARNING]\n", "PERF_REGRESSION, KERNEL_WARNING, INFRA_ERROR)" },
	{ "name: p\nrings:\n  - name: a\n    max_boot_time_regression: lots\n", "must be a percentage between 0% and 10000%, such as 25%, not 'lots'" },
	{ "name: p\nrings:\n  - name: a\n  - name: a\n", "ring 'a' is defined twice" },
	{ "name: p\nrings:\n  - name: a\n    blok_on: []\n", "unknown key 'blok_on' in a ring (did you mean 'block_on'?)" },
	{ "name: p\nrings: []\n", "'rings' must list at least one entry" },
	{ "name: p\nrings:\n  - name: a\n    require: {os: [x]}\n", "unknown key 'os' in require" },
};

START_TEST(test_bad_policies)
{
	struct conf_error err = { 0 };
	ck_assert_ptr_null(gate_policy_load_buffer("p.yaml", bad[_i].text, strlen(bad[_i].text), &err));
	_cleanup_free_ char *msg = conf_error_format(&err);
	ck_assert_msg(strstr(msg, bad[_i].expect), "got '%s'", msg);
	conf_error_clear(&err);
}
END_TEST

START_TEST(test_demo_policy_is_valid)
{
	struct conf_error err = { 0 };
	_cleanup_free_ char *path = xasprintf("%s/matrices/demo-policy.yaml", TEST_SOURCE_DIR);
	struct gate_policy *p = gate_policy_load(path, &err);
	ck_assert_msg(p, "%s", err.reason ? err.reason : "?");
	ck_assert_uint_eq(p->n_rings, 3);
	gate_policy_free(p);
}
END_TEST

static Suite *gate_suite(void)
{
	Suite *s = suite_create("gate");
	TCase *tc = tcase_create("gate");
	tcase_add_test(tc, test_rings);
	tcase_add_test(tc, test_coverage_and_regression);
	tcase_add_test(tc, test_perf_inconclusive);
	tcase_add_test(tc, test_block_on_kernel_warning);
	tcase_add_loop_test(tc, test_bad_policies, 0, ARRAY_LENGTH(bad));
	tcase_add_test(tc, test_demo_policy_is_valid);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(gate_suite)
