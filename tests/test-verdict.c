/* test-verdict.c: how boot outcomes turn into a verdict, table-driven. */
#include "test-common.h"
#include "verdict.h"

#define O BOOT_OK
#define C BOOT_CRASHED
#define H BOOT_HUNG
#define U BOOT_UNHEALTHY

static const struct {
	enum boot_outcome boots[6];
	size_t n;
	unsigned loop_after;
	enum verdict verdict;
	unsigned boot;
} cases[] = {
	{ { O, O }, 2, 2, VERDICT_PASS, 0 },
	{ { C, C }, 2, 2, VERDICT_BOOT_LOOP, 1 },
	{ { O, C, C }, 3, 2, VERDICT_BOOT_LOOP, 2 },
	{ { C, O, C }, 3, 2, VERDICT_CRASH, 1 },
	{ { O, C }, 2, 2, VERDICT_CRASH, 2 },
	{ { C, C }, 2, 3, VERDICT_CRASH, 1 },
	{ { C, C, C }, 3, 3, VERDICT_BOOT_LOOP, 1 },
	{ { H }, 1, 2, VERDICT_HANG, 1 },
	{ { O, H }, 2, 2, VERDICT_HANG, 2 },
	{ { C, H }, 2, 2, VERDICT_CRASH, 1 },
	{ { O, U, O }, 3, 2, VERDICT_SENSOR_UNHEALTHY, 2 },
	{ { U, C }, 2, 2, VERDICT_CRASH, 2 },
	{ { 0 }, 0, 2, VERDICT_PASS, 0 },
};

START_TEST(test_verdict_from_boots)
{
	unsigned boot = 99;
	enum verdict v = verdict_from_boots(cases[_i].boots, cases[_i].n, cases[_i].loop_after, &boot);
	ck_assert_msg(v == cases[_i].verdict, "case %d: %s, want %s", _i, verdict_name(v), verdict_name(cases[_i].verdict));
	ck_assert_uint_eq(boot, cases[_i].boot);
}
END_TEST

START_TEST(test_names_round_trip)
{
	for (int v = VERDICT_PASS; v <= VERDICT_INFRA_ERROR; v++)
		ck_assert_int_eq(verdict_from_name(verdict_name((enum verdict)v)), v);
	ck_assert_int_eq(verdict_from_name("BOGUS"), VERDICT_NONE);
	ck_assert(!verdict_is_product_failure(VERDICT_PASS));
	ck_assert(!verdict_is_product_failure(VERDICT_INFRA_ERROR));
	ck_assert(verdict_is_product_failure(VERDICT_HANG));
	ck_assert(verdict_is_product_failure(VERDICT_BOOT_LOOP));
	/* a kernel report after install is the product's failure: run exits 1 */
	ck_assert(verdict_is_product_failure(VERDICT_KERNEL_WARNING));
	ck_assert_str_eq(verdict_name(VERDICT_KERNEL_WARNING), "KERNEL_WARNING");
}
END_TEST

static Suite *verdict_suite(void)
{
	Suite *s = suite_create("verdict");
	TCase *tc = tcase_create("verdict");
	tcase_add_loop_test(tc, test_verdict_from_boots, 0, ARRAY_LENGTH(cases));
	tcase_add_test(tc, test_names_round_trip);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(verdict_suite)
