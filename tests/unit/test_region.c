// SPDX-License-Identifier: MIT
/*
 * Targets and regions, checked against the kernel's DAMON unit tests
 * (core-kunit.h) one for one where they give values, and against the rules of
 * damon_set_regions where they only describe behaviour.
 */
#include <errno.h>
#include <stdlib.h>

#include <hotmem/monitor.h>

#include "../hm_test.h"

static struct hm_region *nth_region(struct hm_target *t, unsigned int idx)
{
	struct hm_region *r;
	unsigned int i = 0;

	hm_for_each_region(r, t)
		if (i++ == idx)
			return r;
	return NULL;
}

/* damon_test_regions */
static void test_regions(void **state)
{
	struct hm_region *r;
	struct hm_target *t;

	(void)state;
	r = hm_new_region(1, 2);
	assert_non_null(r);
	assert_int_equal(r->start, 1);
	assert_int_equal(r->end, 2);
	assert_int_equal(r->nr_accesses, 0);

	t = hm_new_target();
	assert_non_null(t);
	assert_int_equal(hm_nr_regions(t), 0);
	hm_add_region(r, t);
	assert_int_equal(hm_nr_regions(t), 1);
	hm_destroy_region(r, t);
	assert_int_equal(hm_nr_regions(t), 0);
	hm_destroy_target(t, NULL);
}

/* damon_test_target */
static void test_target(void **state)
{
	struct hm_ctx *c = hm_new_ctx();
	struct hm_target *t = hm_new_target();

	(void)state;
	assert_non_null(c);
	assert_non_null(t);
	assert_int_equal(hm_nr_targets(c), 0);
	hm_add_target(c, t);
	assert_int_equal(hm_nr_targets(c), 1);
	hm_destroy_target(t, c);
	assert_int_equal(hm_nr_targets(c), 0);
	hm_destroy_ctx(c);
}

/* damon_test_aggregate: reset zeroes nr_accesses, keeps targets and regions */
static void test_aggregate(void **state)
{
	static const uint64_t sa[3][3] = { { 10, 20, 30 }, { 5, 42, 49 }, { 13, 33, 55 } };
	static const uint64_t ea[3][3] = { { 15, 27, 40 }, { 31, 45, 55 }, { 23, 44, 66 } };
	static const uint32_t acc[3][3] = { { 42, 95, 84 }, { 10, 20, 30 }, { 0, 1, 2 } };
	struct hm_ctx *ctx = hm_new_ctx();
	struct hm_target *t;
	struct hm_region *r;
	int it, ir;

	(void)state;
	for (it = 0; it < 3; it++)
		hm_add_target(ctx, hm_new_target());
	it = 0;
	hm_for_each_target(t, ctx) {
		for (ir = 0; ir < 3; ir++) {
			r = hm_new_region(sa[it][ir], ea[it][ir]);
			r->nr_accesses = acc[it][ir];
			r->est_accesses = 1000 + acc[it][ir];
			hm_add_region(r, t);
		}
		it++;
	}
	hm_reset_aggregated(ctx);
	it = 0;
	hm_for_each_target(t, ctx) {
		ir = 0;
		hm_for_each_region(r, t) {
			assert_int_equal(r->nr_accesses, 0);
			assert_int_equal(r->last_nr_accesses, acc[it][ir]);
			assert_int_equal(r->est_accesses, 0);
			assert_int_equal(r->last_est_accesses, 1000 + acc[it][ir]);
			ir++;
		}
		assert_int_equal(ir, 3);
		it++;
	}
	assert_int_equal(it, 3);
	hm_destroy_ctx(ctx);
}

/* damon_test_split_at */
static void test_split_at(void **state)
{
	struct hm_target *t = hm_new_target();
	struct hm_region *r = hm_new_region(0, 100), *n;

	(void)state;
	r->nr_accesses = 42;
	r->last_nr_accesses = 15;
	r->age = 10;
	r->est_accesses = 1000;
	hm_add_region(r, t);
	assert_int_equal(hm_split_region_at(t, r, 25), 0);
	assert_int_equal(hm_nr_regions(t), 2);
	assert_int_equal(r->start, 0);
	assert_int_equal(r->end, 25);
	n = hm_next_region(r);
	assert_int_equal(n->start, 25);
	assert_int_equal(n->end, 100);
	assert_int_equal(n->nr_accesses, 42);
	assert_int_equal(n->last_nr_accesses, 15);
	assert_int_equal(n->age, 10);
	/* hotmem: the access estimate is a total, divided by size */
	assert_int_equal(r->est_accesses, 250);
	assert_int_equal(n->est_accesses, 750);

	/* offsets outside the region are refused and change nothing */
	assert_int_equal(hm_split_region_at(t, r, 0), -EINVAL);
	assert_int_equal(hm_split_region_at(t, r, 25), -EINVAL);
	assert_int_equal(hm_nr_regions(t), 2);
	hm_destroy_target(t, NULL);
}

/* damon_test_merge_two */
static void test_merge_two(void **state)
{
	struct hm_target *t = hm_new_target();
	struct hm_region *r = hm_new_region(0, 100), *r2 = hm_new_region(100, 300);
	struct hm_region *r3;
	int i = 0;

	(void)state;
	r->nr_accesses = 10;
	r->age = 9;
	r->est_accesses = 7;
	hm_add_region(r, t);
	r2->nr_accesses = 20;
	r2->age = 21;
	r2->est_accesses = 5;
	hm_add_region(r2, t);

	hm_merge_two_regions(t, r, r2);
	assert_int_equal(r->start, 0);
	assert_int_equal(r->end, 300);
	assert_int_equal(r->nr_accesses, 16);
	assert_int_equal(r->age, 17);
	assert_int_equal(r->est_accesses, 12);
	hm_for_each_region(r3, t) {
		assert_ptr_equal(r, r3);
		i++;
	}
	assert_int_equal(i, 1);
	assert_int_equal(hm_nr_regions(t), 1);
	hm_destroy_target(t, NULL);
}

static void set_regions_case(const struct hm_addr_range *old, unsigned int nr_old,
			     const struct hm_addr_range *ranges, unsigned int nr,
			     uint64_t min_sz, const struct hm_addr_range *expect,
			     unsigned int nr_expect, int expect_err)
{
	struct hm_target *t = hm_new_target();
	struct hm_region *r;
	unsigned int i;

	for (i = 0; i < nr_old; i++) {
		r = hm_new_region(old[i].start, old[i].end);
		r->nr_accesses = 100 + i;
		hm_add_region(r, t);
	}
	assert_int_equal(hm_set_regions(t, ranges, nr, min_sz), expect_err);
	assert_int_equal(hm_nr_regions(t), nr_expect);
	i = 0;
	hm_for_each_region(r, t) {
		assert_int_equal(r->start, expect[i].start);
		assert_int_equal(r->end, expect[i].end);
		i++;
	}
	assert_int_equal(i, nr_expect);
	hm_destroy_target(t, NULL);
}

#define R(s, e) { .start = (s), .end = (e) }
#define N(a) (unsigned int)ARRAY_SIZE(a)

/* damon_test_set_regions, every case of the damon/next version */
static void test_set_regions(void **state)
{
	(void)state;
	{	/* initial build-up on an empty target */
		struct hm_addr_range n[] = { R(5, 15), R(15, 25) };

		set_regions_case(NULL, 0, n, N(n), 1, n, N(n), 0);
	}
	{	/* regions intersecting no range are removed */
		struct hm_addr_range o[] = { R(4, 16), R(24, 32) };
		struct hm_addr_range n[] = { R(18, 23) };

		set_regions_case(o, N(o), n, N(n), 1, n, N(n), 0);
	}
	{	/* holes are filled: [4,16) [24,32) with [8,28) */
		struct hm_addr_range o[] = { R(4, 16), R(24, 32) };
		struct hm_addr_range n[] = { R(8, 28) };
		struct hm_addr_range e[] = { R(8, 16), R(16, 24), R(24, 28) };

		set_regions_case(o, N(o), n, N(n), 1, e, N(e), 0);
	}
	{	/* appending */
		struct hm_addr_range o[] = { R(0, 4), R(4, 17) };
		struct hm_addr_range n[] = { R(0, 15), R(25, 40) };
		struct hm_addr_range e[] = { R(0, 4), R(4, 15), R(25, 40) };

		set_regions_case(o, N(o), n, N(n), 1, e, N(e), 0);
	}
	{	/* inserting */
		struct hm_addr_range o[] = { R(0, 4), R(42, 52) };
		struct hm_addr_range n[] = { R(0, 15), R(25, 40), R(44, 50) };

		set_regions_case(o, N(o), n, N(n), 1, n, N(n), 0);
	}
	{	/* one region spanning two ranges is trimmed to the first */
		struct hm_addr_range o[] = { R(0, 100) };
		struct hm_addr_range n[] = { R(10, 20), R(30, 40) };

		set_regions_case(o, N(o), n, N(n), 1, n, N(n), 0);
	}
	{	/* alignment: start down, end up */
		struct hm_addr_range n[] = { R(4097, 8191), R(10000, 12289) };
		struct hm_addr_range e[] = { R(4096, 8192), R(8192, 16384) };

		set_regions_case(NULL, 0, n, N(n), 4096, e, N(e), 0);
	}
}

/* Every -EINVAL case leaves the target exactly as it was. */
static void test_set_regions_einval(void **state)
{
	struct hm_addr_range o[] = { R(0, 4), R(8, 12) };

	(void)state;
	{	/* zero size */
		struct hm_addr_range n[] = { R(42, 42) };

		set_regions_case(NULL, 0, n, N(n), 1, NULL, 0, -EINVAL);
		set_regions_case(o, N(o), n, N(n), 1, o, N(o), -EINVAL);
	}
	{	/* negative size */
		struct hm_addr_range n[] = { R(42, 21) };

		set_regions_case(NULL, 0, n, N(n), 1, NULL, 0, -EINVAL);
		set_regions_case(o, N(o), n, N(n), 1, o, N(o), -EINVAL);
	}
	{	/* the same region after alignment */
		struct hm_addr_range n[] = { R(10, 20), R(20, 30) };

		set_regions_case(NULL, 0, n, N(n), 4096, NULL, 0, -EINVAL);
		set_regions_case(o, N(o), n, N(n), 4096, o, N(o), -EINVAL);
	}
	{	/* overlapping, and out of order */
		struct hm_addr_range ov[] = { R(0, 10), R(5, 20) };
		struct hm_addr_range oo[] = { R(20, 30), R(0, 10) };

		set_regions_case(o, N(o), ov, N(ov), 1, o, N(o), -EINVAL);
		set_regions_case(o, N(o), oo, N(oo), 1, o, N(o), -EINVAL);
	}
	{	/* alignment not a power of two, or zero */
		struct hm_addr_range n[] = { R(0, 10) };

		set_regions_case(o, N(o), n, N(n), 3, o, N(o), -EINVAL);
		set_regions_case(o, N(o), n, N(n), 0, o, N(o), -EINVAL);
	}
	{	/* aligning the end up would overflow */
		struct hm_addr_range n[] = { R(0, UINT64_MAX - 1) };

		set_regions_case(o, N(o), n, N(n), 4096, o, N(o), -EINVAL);
	}
}

/* Regions kept by set_regions keep their counters. */
static void test_set_regions_keeps_counters(void **state)
{
	struct hm_addr_range n[] = { R(8, 28) };
	struct hm_target *t = hm_new_target();
	struct hm_region *a = hm_new_region(4, 16), *b = hm_new_region(24, 32);

	(void)state;
	a->nr_accesses = 7;
	a->age = 3;
	b->nr_accesses = 9;
	hm_add_region(a, t);
	hm_add_region(b, t);
	assert_int_equal(hm_set_regions(t, n, 1, 1), 0);
	assert_ptr_equal(nth_region(t, 0), a);
	assert_int_equal(a->nr_accesses, 7);
	assert_int_equal(a->age, 3);
	assert_int_equal(nth_region(t, 1)->nr_accesses, 0);
	assert_ptr_equal(nth_region(t, 2), b);
	assert_int_equal(b->nr_accesses, 9);
	hm_destroy_target(t, NULL);
}

/* damon_test_set_attrs: the four validation rules (no intervals goal yet) */
static void test_set_attrs(void **state)
{
	struct hm_ctx *c = hm_new_ctx();
	struct hm_attrs valid = {
		.sample_interval_us = 5000, .aggr_interval_us = 100000,
		.ops_update_interval_us = 1000000,
		.min_nr_regions = 10, .max_nr_regions = 1000,
	};
	struct hm_attrs a;

	(void)state;
	assert_int_equal(hm_set_attrs(c, &valid), 0);
	a = valid;
	a.min_nr_regions = 2;
	assert_int_equal(hm_set_attrs(c, &a), -EINVAL);
	a = valid;
	a.min_nr_regions = 1001;
	assert_int_equal(hm_set_attrs(c, &a), -EINVAL);
	a = valid;
	a.sample_interval_us = 100001;
	assert_int_equal(hm_set_attrs(c, &a), -EINVAL);
	/* nothing changed by the refusals */
	assert_memory_equal(&c->attrs, &valid, sizeof(valid));
	hm_destroy_ctx(c);
}

/* damon_test_nr_samples_per_aggr: the minimum of 1 and the UINT_MAX clamp */
static void test_samples_per_aggr(void **state)
{
	struct hm_attrs a = { .sample_interval_us = 5000, .aggr_interval_us = 100000 };

	(void)state;
	assert_int_equal(hm_samples_per_aggr(&a), 20);
	a.sample_interval_us = 0;
	a.aggr_interval_us = 0;
	assert_int_equal(hm_samples_per_aggr(&a), 1);
	a.aggr_interval_us = UINT64_MAX;
	assert_int_equal(hm_samples_per_aggr(&a), UINT32_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regions),
		cmocka_unit_test(test_target),
		cmocka_unit_test(test_aggregate),
		cmocka_unit_test(test_split_at),
		cmocka_unit_test(test_merge_two),
		cmocka_unit_test(test_set_regions),
		cmocka_unit_test(test_set_regions_einval),
		cmocka_unit_test(test_set_regions_keeps_counters),
		cmocka_unit_test(test_set_attrs),
		cmocka_unit_test(test_samples_per_aggr),
	};

	return hm_run_tests(tests);
}
