// SPDX-License-Identifier: MIT
/* The seeded generator: repeatable, in range, and covering its range. */
#include <hotmem/rand.h>

#include "../hm_test.h"

static void test_repeatable(void **state)
{
	struct hm_rand a, b, c;
	int i, same = 0;

	(void)state;
	hm_rand_seed(&a, 42);
	hm_rand_seed(&b, 42);
	hm_rand_seed(&c, 43);
	for (i = 0; i < 1000; i++) {
		uint64_t x = hm_rand_next(&a);

		assert_true(x == hm_rand_next(&b));
		same += x == hm_rand_next(&c);
	}
	assert_int_equal(same, 0);
	/* seed 0 is a fine seed, not a stuck state */
	hm_rand_seed(&a, 0);
	assert_true(hm_rand_next(&a) != hm_rand_next(&a));
}

/* damon_test_rand: rand(0, 10) stays in [0, 9]; here, and hits every value */
static void test_range(void **state)
{
	unsigned int seen[10] = { 0 }, i;
	struct hm_rand r;

	(void)state;
	hm_rand_seed(&r, 1);
	for (i = 0; i < 10000; i++) {
		uint64_t v = hm_rand_range(&r, 0, 10);

		assert_true(v < 10);
		seen[v]++;
	}
	for (i = 0; i < 10; i++)
		assert_true(seen[i] > 800 && seen[i] < 1200);
	assert_int_equal(hm_rand_range(&r, 5, 5), 5);
	assert_int_equal(hm_rand_range(&r, 5, 2), 5);
	assert_int_equal(hm_rand_below(&r, 0), 0);
	assert_int_equal(hm_rand_below(&r, 1), 0);
	assert_true(hm_rand_range(&r, UINT64_MAX - 1, UINT64_MAX) == UINT64_MAX - 1);
}

static void test_chance(void **state)
{
	struct hm_rand r;
	unsigned int i, hits = 0;

	(void)state;
	hm_rand_seed(&r, 7);
	for (i = 0; i < 1000; i++) {
		assert_false(hm_rand_chance(&r, 0, 5));
		assert_true(hm_rand_chance(&r, 5, 5));
		assert_false(hm_rand_chance(&r, 1, 0));
		hits += hm_rand_chance(&r, 1, 4);
	}
	assert_true(hits > 200 && hits < 300);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_repeatable),
		cmocka_unit_test(test_range),
		cmocka_unit_test(test_chance),
	};

	return hm_run_tests(tests);
}
