// SPDX-License-Identifier: MIT
/*
 * The benchmarks still run and still speak their format: each bench_* with
 * --quick --json prints one JSON object per line with the keys make bench
 * and the README rely on. Numbers are not judged here (tests never fail on
 * timing); bench/results/ holds the measured ones.
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "../hm_test.h"

static void check_bench(const char *name, unsigned int min_lines)
{
	const char *dir = getenv("BENCH_DIR");
	char cmd[4096], line[4096];
	unsigned int n = 0;
	FILE *p;

	assert_non_null(dir);
	snprintf(cmd, sizeof(cmd), "'%s/%s' --quick --json", dir, name);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p)) {
		static const char *const keys[] = { "bench", "case", "value", "unit",
						    "reference", "ratio" };
		struct json_object *o = json_tokener_parse(line), *v;
		unsigned int k;

		assert_non_null(o);
		for (k = 0; k < ARRAY_SIZE(keys); k++)
			assert_true(json_object_object_get_ex(o, keys[k], &v));
		json_object_object_get_ex(o, "value", &v);
		assert_true(json_object_get_double(v) > 0);
		json_object_object_get_ex(o, "reference", &v);
		assert_true(json_object_get_double(v) > 0);
		json_object_put(o);
		n++;
	}
	assert_int_equal(pclose(p), 0);
	assert_true(n >= min_lines);
}

static void test_bench_ring(void **state)
{
	(void)state;
	check_bench("bench_ring", 3);
}

static void test_bench_drain(void **state)
{
	(void)state;
	check_bench("bench_drain", 4);
}

static void test_bench_monitor(void **state)
{
	(void)state;
	check_bench("bench_monitor", 3);
}

static void test_bench_chmu(void **state)
{
	(void)state;
	check_bench("bench_chmu", 5);
}

static void test_bench_sim(void **state)
{
	(void)state;
	check_bench("bench_sim", 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bench_ring),
		cmocka_unit_test(test_bench_drain),
		cmocka_unit_test(test_bench_monitor),
		cmocka_unit_test(test_bench_chmu),
		cmocka_unit_test(test_bench_sim),
	};

	return hm_run_tests(tests);
}
