// SPDX-License-Identifier: MIT
/*
 * Abstract distance and tier ids, against values worked by hand from the
 * kernel's formula (mm/memory-tiers.c), including its truncation order and
 * its 32-bit wrap.
 */
#include <errno.h>

#include <hotmem/tier.h>

#include "../hm_test.h"

static const struct hm_node_perf dram = { 80, 80, 100000, 100000 };

static void test_dram_is_576(void **state)
{
	int a;

	(void)state;
	assert_int_equal(hm_adistance(&dram, &dram, &a), 0);
	assert_int_equal(a, 576);
	assert_int_equal(hm_tier_of(a), 4);
}

static void test_cxl_node(void **state)
{
	const struct hm_node_perf cxl = { 170, 170, 30000, 30000 };
	int a;

	(void)state;
	/* 576 x 340 / 160 = 1224; x 200000 / 60000 = 4080; 4080 >> 7 = 31 */
	assert_int_equal(hm_adistance(&cxl, &dram, &a), 0);
	assert_int_equal(a, 4080);
	assert_int_equal(hm_tier_of(a), 31);
}

static void test_truncation_order(void **state)
{
	const struct hm_node_perf n = { 81, 80, 100000, 100000 };
	const struct hm_node_perf d = { 80, 80, 100000, 99999 };
	int a;

	(void)state;
	/* 576 x 161 / 160 = 579.6 -> 579, then x 200000 / 200000 = 579 */
	assert_int_equal(hm_adistance(&n, &dram, &a), 0);
	assert_int_equal(a, 579);
	/* 576 x 160 / 160 = 576; x 199999 / 200000 = 575.99 -> 575: tier 4 still */
	assert_int_equal(hm_adistance(&dram, &d, &a), 0);
	assert_int_equal(a, 575);
	assert_int_equal(hm_tier_of(a), 4);
}

static void test_wraps_like_the_kernel(void **state)
{
	const struct hm_node_perf big = { 80, 80, 4000000, 4000000 };
	const struct hm_node_perf slow = { 320, 320, 500, 500 };
	int a;

	(void)state;
	/* 576 x 640 / 160 = 2304; x 8000000 wraps to 1252130816; / 1000 */
	assert_int_equal(hm_adistance(&slow, &big, &a), 0);
	assert_int_equal(a, 1252130);
}

static void test_missing_figures(void **state)
{
	const struct hm_node_perf none = { 0, 0, 100, 100 };
	const struct hm_node_perf nobw = { 100, 100, 0, 0 };
	int a = -1;

	(void)state;
	assert_int_equal(hm_adistance(&none, &dram, &a), -EINVAL);
	assert_int_equal(hm_adistance(&nobw, &dram, &a), -EINVAL);
	assert_int_equal(hm_adistance(&dram, &none, &a), -EINVAL);
	assert_int_equal(a, -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dram_is_576),
		cmocka_unit_test(test_cxl_node),
		cmocka_unit_test(test_truncation_order),
		cmocka_unit_test(test_wraps_like_the_kernel),
		cmocka_unit_test(test_missing_figures),
	};

	return hm_run_tests(tests);
}
