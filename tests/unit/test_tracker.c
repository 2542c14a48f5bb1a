// SPDX-License-Identifier: MIT
/*
 * Trackers: the spec syntax, and each algorithm's promise checked against
 * exact counts on seeded streams - exact counts exactly, a table runs out,
 * Count-Min never undercounts and stays within its e*N/W bound with the
 * promised probability, Space-Saving's guarantees, the LFU's eviction -
 * plus saturation, release, reset and first-touch times.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <hotmem/hotmem.h>
#include <hotmem/chmu.h>

#include "../hm_test.h"

static struct hm_tracker *make(const char *spec, uint32_t max)
{
	struct hm_tracker_spec s;
	char err[256];
	struct hm_tracker *t;

	if (hm_tracker_parse(spec, &s, err, sizeof(err)))
		fail_msg("%s: %s", spec, err);
	t = hm_tracker_new(&s, max, 42);
	assert_non_null(t);
	return t;
}

static void parse_err(const char *s, const char *want)
{
	struct hm_tracker_spec spec;
	char err[256] = "";

	assert_int_equal(hm_tracker_parse(s, &spec, err, sizeof(err)), -EINVAL);
	if (!strstr(err, want))
		fail_msg("'%s': '%s' lacks '%s'", s, err, want);
}

static void test_parse(void **state)
{
	static const char *const ok[] = { "exact", "table:65536", "cms:4x16384+1024", "topk:512",
					  "lfu:1024x4" };
	struct hm_tracker_spec s;
	char err[128], buf[64];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(ok); i++) {
		assert_int_equal(hm_tracker_parse(ok[i], &s, err, sizeof(err)), 0);
		hm_tracker_format(&s, buf, sizeof(buf));
		assert_string_equal(buf, ok[i]);
	}
	assert_int_equal(hm_tracker_parse("cms:4x16384+1024", &s, err, sizeof(err)), 0);
	assert_int_equal(s.depth, 4);
	assert_int_equal(s.width, 16384);
	assert_int_equal(s.candidates, 1024);
	parse_err("oracle", "'oracle' is not a tracker");
	parse_err("table:0", "table:N takes 1 to");
	parse_err("table:12x", "table:N takes");
	parse_err("cms:4x16384", "cms:DxW+K takes");
	parse_err("cms:9x16+1", "cms:DxW+K takes 1-8 rows");
	parse_err("lfu:1024x65", "lfu:SETSxWAYS takes");
	parse_err("topk:", "topk:K takes");
}

/* A Zipf stream of @n accesses over @units units (seeded). */
static uint64_t *stream(uint64_t n, uint64_t units, double s)
{
	struct hm_workload_spec sp;
	struct hm_workload *w;
	struct hm_access *a = malloc(n * sizeof(*a));
	uint64_t *u = malloc(n * sizeof(*u)), i;
	char spec[128], err[128];

	snprintf(spec, sizeof(spec), "zipf:size=%llu,gran=4K,line=4K,s=%.3f",
		 (unsigned long long)units * 4096, s);
	assert_int_equal(hm_workload_parse(spec, &sp, err, sizeof(err)), 0);
	w = hm_workload_new(&sp, 9);
	hm_workload_fill(w, a, n);
	for (i = 0; i < n; i++)
		u[i] = a[i].addr / 4096;
	hm_workload_free(w);
	free(a);
	return u;
}

static void test_exact(void **state)
{
	struct hm_tracker *t = make("exact", UINT32_MAX);
	struct hm_tracker_stats st;
	uint32_t b, a, c;
	uint64_t first, i;

	(void)state;
	for (i = 0; i < 100000; i++)		/* grows past its first table */
		assert_true(hm_tracker_add(t, i, (uint32_t)(i % 7) + 1, i, &b, &a));
	for (i = 0; i < 100000; i += 997) {
		assert_true(hm_tracker_lookup(t, i, &c, &first));
		assert_int_equal(c, i % 7 + 1);
		assert_int_equal(first, i);
	}
	assert_true(hm_tracker_add(t, 5, 10, 999999, &b, &a));
	assert_int_equal(b, 6);
	assert_int_equal(a, 16);
	assert_true(hm_tracker_lookup(t, 5, &c, &first));
	assert_int_equal(first, 5);		/* first touch kept */
	hm_tracker_get_stats(t, &st);
	assert_int_equal(st.tracked, 100000);
	assert_int_equal(st.bytes, 100000 * 12);
	assert_int_equal(hm_tracker_release(t, 5), 0);
	assert_false(hm_tracker_lookup(t, 5, &c, &first));
	assert_int_equal(hm_tracker_release(t, 5), -ENOENT);
	/* every other unit is still found after the removal's backward shift */
	for (i = 0; i < 100000; i++)
		if (i != 5)
			assert_true(hm_tracker_lookup(t, i, &c, &first));
	hm_tracker_reset(t);
	assert_false(hm_tracker_lookup(t, 7, &c, &first));
	hm_tracker_free(t);
}

/* Units of 2^32 and beyond: the same low half, told apart by the high one. */
static void test_wide_units(void **state)
{
	static const uint64_t u[] = { 5, 5 + (1ull << 32), 1ull << 40, (1ull << 40) + 1,
				      UINT64_MAX - 1 };
	struct hm_tracker *t = make("exact", UINT32_MAX);
	uint32_t b, a, c;
	uint64_t first, i, n;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(u); i++)
		assert_true(hm_tracker_add(t, u[i], (uint32_t)i + 1, i, &b, &a));
	/* enough more to make it grow with the high halves on */
	for (n = 0; n < 3000; n++)
		hm_tracker_add(t, (n << 33) | 7, 1, 0, &b, &a);
	for (i = 0; i < ARRAY_SIZE(u); i++) {
		assert_true(hm_tracker_lookup(t, u[i], &c, &first));
		assert_int_equal(c, i + 1);
		assert_int_equal(first, i);
	}
	assert_int_equal(hm_tracker_release(t, 5), 0);
	assert_false(hm_tracker_lookup(t, 5, &c, &first));
	assert_true(hm_tracker_lookup(t, 5 + (1ull << 32), &c, &first));
	assert_int_equal(c, 2);
	hm_tracker_free(t);
}

static void test_table_runs_out(void **state)
{
	struct hm_tracker *t = make("table:100", UINT32_MAX);
	struct hm_tracker_stats st;
	uint32_t b, a;
	uint64_t i;

	(void)state;
	for (i = 0; i < 100; i++)
		assert_true(hm_tracker_add(t, i * 1000, 1, 0, &b, &a));
	/* the 101st unit finds no counter: not counted at all */
	assert_false(hm_tracker_add(t, 7, 1, 0, &b, &a));
	assert_int_equal(a, 0);
	assert_true(hm_tracker_add(t, 0, 1, 0, &b, &a));	/* known units still count */
	assert_int_equal(a, 2);
	hm_tracker_get_stats(t, &st);
	assert_int_equal(st.untracked, 1);
	assert_int_equal(st.tracked, 100);
	assert_int_equal(st.counters, 100);
	assert_int_equal(st.bytes, 1200);
	/* releasing one makes room */
	assert_int_equal(hm_tracker_release(t, 1000), 0);
	assert_true(hm_tracker_add(t, 7, 1, 0, &b, &a));
	hm_tracker_free(t);
}

static void test_saturation(void **state)
{
	static const char *const kinds[] = { "exact", "table:4", "cms:2x64+4", "topk:4",
					     "lfu:2x2" };
	size_t k;

	(void)state;
	for (k = 0; k < ARRAY_SIZE(kinds); k++) {
		struct hm_tracker *t = make(kinds[k], 15);	/* a 4-bit counter */
		uint32_t b, a;
		int i;

		for (i = 0; i < 3; i++)
			hm_tracker_add(t, 1, 7, 0, &b, &a);
		assert_int_equal(a, 15);
		hm_tracker_add(t, 1, UINT32_MAX, 0, &b, &a);
		assert_int_equal(b, 15);
		assert_int_equal(a, 15);
		hm_tracker_free(t);
	}
}

static int collect(void *arg, uint64_t unit, uint32_t count, uint64_t first)
{
	uint32_t *c = arg;

	(void)first;
	c[unit] = count;
	return 0;
}

static const uint32_t *by_truth;

static int hotter_first(const void *x, const void *y)
{
	uint32_t a = by_truth[*(const uint64_t *)x], b = by_truth[*(const uint64_t *)y];

	return (a < b) - (a > b);
}

/*
 * Count-Min, conservative update, D = 4, W = 1024, over 1 M accesses to 64 Ki
 * units: no estimate is below the truth, and P(est > true + e*N/W) <= e^-D,
 * so at most about 1.8% of units (plus slack for the seed) exceed the bound.
 */
static void cms_bound(uint32_t max)
{
	const uint64_t n = 1000000, units = 65536;
	uint64_t *u = stream(n, units, 0.9), i, over = 0;
	uint32_t *truth = calloc(units, sizeof(*truth)), b, a, est;
	struct hm_tracker *t = make("cms:4x1024+64", max);
	double bound = exp(1.0) * (double)n / 1024;
	uint64_t first;

	for (i = 0; i < n; i++) {
		truth[u[i]]++;
		assert_true(hm_tracker_add(t, u[i], 1, i, &b, &a));
		/* never under, at every step (but where a 16-bit counter saturates) */
		assert_true(a >= (truth[u[i]] < max ? truth[u[i]] : max));
	}
	for (i = 0; i < units; i++) {
		if (!truth[i])
			continue;
		est = hm_tracker_estimate(t, i);
		assert_true(est >= (truth[i] < max ? truth[i] : max));
		over += est > truth[i] && est - truth[i] > bound;
	}
	assert_true((double)over / units < exp(-4.0) + 0.005);
	/* the candidates name the hottest units: the top 16 are all held */
	{
		uint32_t *cand = calloc(units, sizeof(*cand));
		uint64_t *order = malloc(units * sizeof(*order));

		for (i = 0; i < units; i++)
			order[i] = i;
		by_truth = truth;
		qsort(order, units, sizeof(*order), hotter_first);
		hm_tracker_for_each(t, collect, cand);
		for (i = 0; i < 16; i++) {
			assert_true(cand[order[i]] >= truth[order[i]]);
			assert_true(hm_tracker_lookup(t, order[i], &est, &first));
		}
		free(order);
		free(cand);
	}
	assert_int_equal(hm_tracker_release(t, 0), -EOPNOTSUPP);
	assert_false(hm_tracker_can_release(t));
	free(truth);
	free(u);
	hm_tracker_free(t);
}

/* 32-bit counters, and 16-bit ones (a 16-bit counter width: the fast path) */
static void test_cms_bound(void **state)
{
	(void)state;
	cms_bound(UINT32_MAX);
	cms_bound(UINT16_MAX);
}

/*
 * Space-Saving with K = 256 on 1 M Zipf accesses: every held count is an
 * overestimate by at most its inherited error, and every unit with more than
 * N/K accesses is held.
 */
static void test_topk_guarantees(void **state)
{
	const uint64_t n = 1000000, units = 65536, k = 256;
	uint64_t *u = stream(n, units, 1.0), i, held = 0;
	uint32_t *truth = calloc(units, sizeof(*truth)), *cnt = calloc(units, sizeof(*cnt)), b, a;
	struct hm_tracker *t = make("topk:256", UINT32_MAX);
	struct hm_tracker_stats st;
	uint64_t first;
	uint32_t c;

	(void)state;
	for (i = 0; i < n; i++) {
		truth[u[i]]++;
		hm_tracker_add(t, u[i], 1, i, &b, &a);
	}
	hm_tracker_for_each(t, collect, cnt);
	for (i = 0; i < units; i++) {
		if (!cnt[i])
			continue;
		held++;
		assert_true(cnt[i] >= truth[i]);
	}
	assert_int_equal(held, k);
	for (i = 0; i < units; i++)
		if (truth[i] > n / k)
			assert_true(hm_tracker_lookup(t, i, &c, &first));
	hm_tracker_get_stats(t, &st);
	assert_true(st.evictions > 0);
	assert_int_equal(st.bytes, k * 16);
	/* release, then the heap still answers for the rest */
	for (i = 0; i < units; i++) {
		if (cnt[i]) {
			assert_int_equal(hm_tracker_release(t, i), 0);
			break;
		}
	}
	hm_tracker_get_stats(t, &st);
	assert_int_equal(st.tracked, k - 1);
	free(truth);
	free(cnt);
	free(u);
	hm_tracker_free(t);
}

/* One set of two ways: the third unit evicts the way with the smaller count. */
static void test_lfu_eviction(void **state)
{
	struct hm_tracker *t = make("lfu:1x2", UINT32_MAX);
	struct hm_tracker_stats st;
	uint32_t b, a, c;
	uint64_t first;

	(void)state;
	hm_tracker_add(t, 1, 5, 10, &b, &a);
	hm_tracker_add(t, 2, 3, 20, &b, &a);
	hm_tracker_add(t, 3, 1, 30, &b, &a);	/* evicts 2 (3 < 5) */
	assert_int_equal(b, 0);
	assert_int_equal(a, 1);			/* and starts from its own count */
	assert_false(hm_tracker_lookup(t, 2, &c, &first));
	assert_true(hm_tracker_lookup(t, 1, &c, &first));
	assert_int_equal(c, 5);
	assert_true(hm_tracker_lookup(t, 3, &c, &first));
	assert_int_equal(first, 30);
	hm_tracker_get_stats(t, &st);
	assert_int_equal(st.evictions, 1);
	assert_int_equal(st.tracked, 2);
	assert_int_equal(st.bytes, 24);
	assert_int_equal(hm_tracker_release(t, 3), 0);
	hm_tracker_add(t, 4, 1, 40, &b, &a);	/* the freed way, no eviction */
	hm_tracker_get_stats(t, &st);
	assert_int_equal(st.evictions, 1);
	hm_tracker_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_exact),
		cmocka_unit_test(test_wide_units),
		cmocka_unit_test(test_table_runs_out),
		cmocka_unit_test(test_saturation),
		cmocka_unit_test(test_cms_bound),
		cmocka_unit_test(test_topk_guarantees),
		cmocka_unit_test(test_lfu_eviction),
	};

	return hm_run_tests(tests);
}
