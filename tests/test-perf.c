/* test-perf.c: performance judged on pairs (the cell's VM against a control VM at the same
 * moment): a host that changes speed between the phases moves raw rates but not the pairs; a
 * real slowdown moves both; the outcome table. */
#include <errno.h>
#include <math.h>

#include "cell-internal.h"
#include "test-common.h"

/* n repetitions of a workload that runs at `rate` (100 without a sensor) when the host gives the
 * guests 1000 calibration units per second, measured while it gives `speed`: the host's speed
 * wobbles +-4 % (a fixed sequence), both VMs' workloads ride on it with +-1 % noise of their own. */
static void reps(struct perf_rep *out, size_t n, double rate, double speed, unsigned seed)
{
	for (size_t i = 0; i < n; i++) {
		double wobble = 1 + 0.04 * sin((double)(seed * 7 + i * 13));
		double host = speed * wobble;
		for (int k = 0; k < 2; k++) {
			/* the workload rides on the host's speed of the moment; its own noise is smaller */
			out[i].rate[k] = rate * host / 1000 * (1 + 0.01 * cos((double)(i + k)));
			/* the control VM: the same workload without a sensor, at the same moment */
			out[i].control[k] = 100 * host / 1000 * (1 + 0.01 * sin((double)(i * 3 + k)));
			out[i].calib[k] = out[i].control_calib[k] = host;
		}
		out[i].drift = 0.05;
		out[i].host_cpu_pressure = out[i].host_io_pressure = out[i].host_cpu_busy = -1;
	}
}

START_TEST(test_pairs_cancel_the_host)
{
	struct perf_rep before[7], after[7];
	struct perf_round r;
	/* the host is 2.5 times slower after install; the sensor costs nothing */
	reps(before, 7, 100, 1000, 1);
	reps(after, 7, 100, 400, 2);
	ck_assert_int_eq(perf_compare_pairs(before, 7, after, 7, 0, &r), 0);
	ck_assert_msg(fabs(r.slowdown) < 0.05, "slowdown %.3f", r.slowdown);
	ck_assert_msg(r.low < 0.05 && r.high > -0.05, "interval %.3f..%.3f", r.low, r.high);
	ck_assert_msg(fabs(r.host_speed + 0.6) < 0.05, "host speed %.3f", r.host_speed);
	/* raw rates would have seen +150 % */
	ck_assert_msg(before[3].rate[0] / after[3].rate[0] > 2, "raw ratio %.2f", before[3].rate[0] / after[3].rate[0]);

	/* the host is faster after install (it was loaded before) and the sensor halves the rate:
	 * the slowdown is still seen in full */
	reps(before, 7, 100, 400, 3);
	reps(after, 7, 50, 1000, 4);
	ck_assert_int_eq(perf_compare_pairs(before, 7, after, 7, 1, &r), 0);
	ck_assert_msg(fabs(r.slowdown - 1) < 0.1, "slowdown %.3f", r.slowdown);
	ck_assert_msg(r.low > 0.25, "interval %.3f..%.3f", r.low, r.high);

	/* the host gives the control VM half the cell's speed before install: each VM's rate counts in
	 * its own calibration's units, so the pairs still say "no slowdown" */
	reps(before, 7, 100, 1000, 5);
	reps(after, 7, 100, 700, 6);
	for (size_t i = 0; i < 7; i++)
		for (int k = 0; k < 2; k++) {
			before[i].control[k] /= 2;
			before[i].control_calib[k] /= 2;
		}
	ck_assert_int_eq(perf_compare_pairs(before, 7, after, 7, 0, &r), 0);
	ck_assert_msg(fabs(r.slowdown) < 0.05, "slowdown %.3f with an asymmetric host", r.slowdown);

	ck_assert_int_eq(perf_compare_pairs(before, 2, after, 7, 0, &r), -EINVAL);
	ck_assert(!r.valid);
}
END_TEST

#define R(s, lo, hi) { .valid = true, .slowdown = (s), .low = (lo), .high = (hi) }
#define NONE { .valid = false }

static const struct {
	const char *name;
	struct perf_round first[2];
	bool has_second;
	struct perf_round second[2];
	bool confirm;        /* a second round is asked for */
	const char *outcome; /* after the rounds given */
} decisions[] = {
	{ "within", { R(0.02, -0.05, 0.10), R(0.05, -0.02, 0.30) }, false, { NONE, NONE }, false, "pass" },
	{ "faster", { R(-0.3, -0.4, -0.2), R(0, -0.1, 0.1) }, false, { NONE, NONE }, false, "pass" },
	{ "estimate above, interval not", { R(0.3, 0.1, 0.5), R(0, -0.1, 0.1) }, false, { NONE, NONE }, false,
	  "inconclusive" },
	{ "exceeded: confirm first", { R(0.1, 0, 0.2), R(5, 4.5, 6) }, false, { NONE, NONE }, true, NULL },
	{ "exceeded twice", { R(0.1, 0, 0.2), R(5, 4.5, 6) }, true, { R(0.1, 0, 0.2), R(4.8, 4.1, 5.5) }, false,
	  "regression" },
	{ "not confirmed", { R(0.1, 0, 0.2), R(0.5, 0.3, 0.8) }, true, { R(0.1, 0, 0.2), R(0.2, 0.1, 0.4) }, false,
	  "inconclusive" },
	{ "confirmed on another workload only", { R(0.6, 0.4, 0.8), R(0.1, 0, 0.2) }, true,
	  { R(0.1, 0, 0.2), R(0.6, 0.4, 0.8) }, false, "inconclusive" },
	{ "no data", { NONE, R(0, -0.1, 0.1) }, false, { NONE, NONE }, false, "inconclusive" },
};

START_TEST(test_decide)
{
	bool confirm = false;
	const char *o = perf_decide(decisions[_i].first, decisions[_i].has_second ? decisions[_i].second : NULL, 0.25,
				    &confirm);
	ck_assert_msg(confirm == decisions[_i].confirm, "%s: confirm %d", decisions[_i].name, confirm);
	if (decisions[_i].outcome)
		ck_assert_msg(o && streq(o, decisions[_i].outcome), "%s: %s, want %s", decisions[_i].name, o ? o : "NULL",
			      decisions[_i].outcome);
	else
		ck_assert_msg(!o, "%s: %s before the second round", decisions[_i].name, o);
}
END_TEST

/* A deadline on a guest counts the time the guest could run: the host's load stretches it, up to a
 * cap after which nothing is judged (a starved guest is not a hung one). */
START_TEST(test_guest_deadlines)
{
	/* an idle host: the plain deadline */
	ck_assert_int_eq(cell_guest_deadline(44999, 0, 45000), GUEST_DEADLINE_RUNNING);
	ck_assert_int_eq(cell_guest_deadline(45000, 0, 45000), GUEST_DEADLINE_PASSED);
	ck_assert_int_eq(cell_guest_deadline(45000, -1, 45000), GUEST_DEADLINE_PASSED); /* the host does not say */
	/* a busy host: 30 s of waiting for a CPU give the guest 30 s more */
	ck_assert_int_eq(cell_guest_deadline(60000, 30000, 45000), GUEST_DEADLINE_RUNNING);
	ck_assert_int_eq(cell_guest_deadline(75000, 30000, 45000), GUEST_DEADLINE_PASSED);
	/* a host that never gave the guest its time: no hang can be told, past the cap */
	ck_assert_int_eq(cell_guest_deadline(179999, 150000, 45000), GUEST_DEADLINE_RUNNING);
	ck_assert_int_eq(cell_guest_deadline(180000, 150000, 45000), GUEST_DEADLINE_STARVED);
	/* a guest that had its time is hung, whatever the wall clock says */
	ck_assert_int_eq(cell_guest_deadline(180000, 135000, 45000), GUEST_DEADLINE_PASSED);
}
END_TEST

static Suite *perf_suite(void)
{
	Suite *s = suite_create("perf");
	TCase *tc = tcase_create("perf");
	tcase_add_test(tc, test_pairs_cancel_the_host);
	tcase_add_loop_test(tc, test_decide, 0, ARRAY_LENGTH(decisions));
	tcase_add_test(tc, test_guest_deadlines);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(perf_suite)
