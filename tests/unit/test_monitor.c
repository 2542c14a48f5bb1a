// SPDX-License-Identifier: MIT
/*
 * The monitor: the kernel's DAMON unit-test values one for one (update of
 * results on attribute changes, set_attrs, mvsum, nr_accesses_mvsum,
 * merge_regions_of, apply_min_nr_regions, split_regions_of, split above half,
 * the feed loop), cases written from the rules (age, repeated merging, the
 * three-way split, intervals tuning, online attribute changes), the loop's
 * order, and seeded property tests over whole runs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <hotmem/hotmem.h>

#include "../hm_test.h"
#include "../test_ops.h"

static struct hm_region *add(struct hm_target *t, uint64_t s, uint64_t e, uint32_t nr)
{
	struct hm_region *r = hm_new_region(s, e);

	r->nr_accesses = nr;
	hm_add_region(r, t);
	return r;
}

static struct hm_region *nth(struct hm_target *t, unsigned int i)
{
	struct hm_region *r;

	hm_for_each_region(r, t)
		if (!i--)
			return r;
	return NULL;
}

/* damon_test_update_monitoring_result */
static void test_update_monitoring_result(void **state)
{
	struct hm_attrs old = { .sample_interval_us = 10, .aggr_interval_us = 1000 };
	struct hm_attrs n;
	struct hm_region *r = hm_new_region(3, 7);

	(void)state;
	r->nr_accesses = 15;
	r->age = 20;
	n = (struct hm_attrs){ .sample_interval_us = 100, .aggr_interval_us = 10000 };
	hm_update_monitoring_result(r, &old, &n, false);
	assert_int_equal(r->nr_accesses, 15);
	assert_int_equal(r->age, 2);
	n = (struct hm_attrs){ .sample_interval_us = 1, .aggr_interval_us = 1000 };
	hm_update_monitoring_result(r, &old, &n, false);
	assert_int_equal(r->nr_accesses, 150);
	assert_int_equal(r->age, 2);
	n = (struct hm_attrs){ .sample_interval_us = 1, .aggr_interval_us = 100 };
	hm_update_monitoring_result(r, &old, &n, false);
	assert_int_equal(r->nr_accesses, 150);
	assert_int_equal(r->age, 20);

	/* mid-window: as if just reset - last converted, current cleared */
	r->nr_accesses = 7;
	r->last_nr_accesses = 15;
	n = (struct hm_attrs){ .sample_interval_us = 1, .aggr_interval_us = 1000 };
	hm_update_monitoring_result(r, &old, &n, true);
	assert_int_equal(r->last_nr_accesses, 150);
	assert_int_equal(r->nr_accesses, 0);
	free(r);
}

/* damon_test_set_attrs, with the intervals goal rules added */
static void test_set_attrs(void **state)
{
	struct hm_ctx *c = hm_new_ctx();
	struct hm_attrs v = { .min_nr_regions = 10, .max_nr_regions = 1000,
			      .sample_interval_us = 5000, .aggr_interval_us = 100000 };
	struct hm_attrs a;

	(void)state;
	assert_int_equal(hm_set_attrs(c, &v), 0);
	a = v;
	a.min_nr_regions = 1;
	assert_int_equal(hm_set_attrs(c, &a), -EINVAL);
	a = v;
	a.max_nr_regions = 9;
	assert_int_equal(hm_set_attrs(c, &a), -EINVAL);
	a = v;
	a.aggr_interval_us = 4999;
	assert_int_equal(hm_set_attrs(c, &a), -EINVAL);
	a = v;
	a.intervals_goal = (struct hm_intervals_goal){ .access_bp = 400, .aggrs = 3,
						       .min_sample_us = 6000,
						       .max_sample_us = 10000000 };
	assert_int_equal(hm_set_attrs(c, &a), -EINVAL);	/* sample below min */
	a.intervals_goal.min_sample_us = 20000;
	a.intervals_goal.max_sample_us = 10000;
	assert_int_equal(hm_set_attrs(c, &a), -EINVAL);	/* min above max */
	a.intervals_goal.min_sample_us = 5000;
	a.intervals_goal.max_sample_us = 10000000;
	assert_int_equal(hm_set_attrs(c, &a), 0);
	a.intervals_goal.aggrs = 0;	/* no goal: bounds not checked */
	a.intervals_goal.min_sample_us = 99999999;
	assert_int_equal(hm_set_attrs(c, &a), 0);
	hm_destroy_ctx(c);
}

/* damon_test_mvsum */
static void test_mvsum(void **state)
{
	static const uint64_t v[][4] = {
		{ 0, 49, 10000, 49 }, { 3, 10, 7000, 10 }, { 3, 10, 5000, 8 },
		{ 32, 100, 1000, 42 }, { 42, 49, 0, 42 },
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(v); i++)
		assert_int_equal(hm_mvsum(v[i][0], v[i][1], v[i][2]), v[i][3]);
}

/* damon_test_nr_accesses_mvsum */
static void test_nr_accesses_mvsum(void **state)
{
	static const uint64_t v[][5] = {
		/* passed, next_aggr, nr_accesses, last_nr_accesses, expect */
		{ 0, 10, 5, 3, 3 }, { 0, 10, 0, 7, 7 }, { 5, 10, 3, 10, 8 },
		{ 8, 10, 3, 10, 5 }, { 10, 10, 42, 49, 42 },
	};
	struct hm_ctx *c = hm_new_ctx();
	struct hm_region *r = hm_new_region(0, 4096);
	unsigned int i;

	(void)state;
	c->attrs.sample_interval_us = 1;
	c->attrs.aggr_interval_us = 10;
	for (i = 0; i < ARRAY_SIZE(v); i++) {
		c->passed_sample_intervals = v[i][0];
		c->next_aggregation_sis = v[i][1];
		r->nr_accesses = (uint32_t)v[i][2];
		r->last_nr_accesses = (uint32_t)v[i][3];
		assert_int_equal(hm_nr_accesses_mvsum(c, r), v[i][4]);
	}
	free(r);
	hm_destroy_ctx(c);
}

/* damon_test_merge_regions_of */
static void test_merge_regions_of(void **state)
{
	static const uint64_t sa[] = { 0, 100, 114, 122, 130, 156, 170, 184, 230 };
	static const uint64_t ea[] = { 100, 112, 122, 130, 156, 170, 184, 230, 10170 };
	static const uint32_t nrs[] = { 0, 0, 10, 10, 20, 30, 1, 2, 5 };
	static const uint64_t es[] = { 0, 114, 130, 156, 170, 230 };
	static const uint64_t ee[] = { 112, 130, 156, 170, 230, 10170 };
	struct hm_target *t = hm_new_target();
	unsigned int i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(sa); i++)
		add(t, sa[i], ea[i], nrs[i]);
	hm_merge_regions_of(t, 9, 9999);
	assert_int_equal(hm_nr_regions(t), 6);
	for (i = 0; i < 6; i++) {
		assert_int_equal(nth(t, i)->start, es[i]);
		assert_int_equal(nth(t, i)->end, ee[i]);
	}
	/* merged values are size-weighted: (1*14 + 2*46) / 60 = 1 */
	assert_int_equal(nth(t, 4)->nr_accesses, 1);
	hm_destroy_target(t, NULL);
}

/* The merge rule's edges: gaps, the inclusive threshold, the exact size cap. */
static void test_merge_edges(void **state)
{
	struct hm_target *t = hm_new_target();

	(void)state;
	add(t, 0, 50, 4);
	add(t, 50, 80, 6);	/* diff 2 <= 3: merges, (4*50+6*30)/80 = 4 */
	add(t, 80, 200, 20);	/* diff 16: stays */
	add(t, 300, 400, 21);	/* a gap: stays */
	hm_merge_regions_of(t, 3, 1000);
	assert_int_equal(hm_nr_regions(t), 3);
	assert_int_equal(nth(t, 0)->end, 80);
	assert_int_equal(nth(t, 0)->nr_accesses, 4);
	hm_destroy_target(t, NULL);

	t = hm_new_target();
	add(t, 0, 10, 10);
	add(t, 10, 20, 13);	/* diff exactly 3: merges */
	add(t, 20, 30, 14);	/* would make 30 > 29: blocked by one byte */
	hm_merge_regions_of(t, 3, 29);
	assert_int_equal(hm_nr_regions(t), 2);
	assert_int_equal(nth(t, 0)->end, 20);
	hm_destroy_target(t, NULL);
}

/* The age rule, counted once per merge pass. */
static void test_age_rule(void **state)
{
	struct hm_target *t = hm_new_target();
	struct hm_region *a, *b, *c, *d;

	(void)state;
	a = add(t, 0, 10, 5);		/* |5-5| <= 2: ages */
	a->last_nr_accesses = 5;
	a->age = 7;
	b = add(t, 100, 110, 9);	/* |9-5| > 2: reset */
	b->last_nr_accesses = 5;
	b->age = 7;
	c = add(t, 200, 210, 0);	/* 0 vs 1: one side zero, reset */
	c->last_nr_accesses = 1;
	c->age = 7;
	d = add(t, 300, 310, 0);	/* both zero: ages */
	d->age = 7;
	hm_merge_regions_of(t, 2, 1 << 20);
	assert_int_equal(a->age, 8);
	assert_int_equal(b->age, 0);
	assert_int_equal(c->age, 0);
	assert_int_equal(d->age, 8);
	/* repeated (aggressive) passes leave age alone */
	hm_merge_regions_of_aged(t, 2, 1 << 20, false);
	assert_int_equal(a->age, 8);
	hm_destroy_target(t, NULL);
}

/* Above max_nr_regions: more passes with doubling thresholds, age counted once. */
static void test_merge_above_max(void **state)
{
	struct hm_ctx *c = hm_new_ctx();
	struct hm_target *t = hm_new_target();
	unsigned int i;

	(void)state;
	c->attrs.max_nr_regions = 4;
	c->attrs.min_nr_regions = 3;
	hm_add_target(c, t);
	for (i = 0; i < 16; i++) {
		struct hm_region *r = add(t, i * 10, i * 10 + 10, (i % 2) ? 16 : 0);

		r->last_nr_accesses = r->nr_accesses;
		r->age = 1;
	}
	/* threshold 20/10 = 2 merges nothing here; doubling reaches 16 */
	hm_merge_regions(c, 20, 1 << 20);
	assert_true(hm_nr_regions(t) <= 4);
	assert_int_equal(nth(t, 0)->age, 2);	/* counted once, not per pass */
	hm_destroy_ctx(c);
}

static void min_nr_case(uint64_t sz, uint64_t min_sz, uint32_t min_nr,
			uint64_t expect_max, unsigned int expect_nr)
{
	struct hm_ctx *c = hm_new_ctx();
	struct hm_target *t = hm_new_target();

	hm_add_target(c, t);
	add(t, 0, sz, 0);
	c->min_region_sz = min_sz;
	c->attrs.min_nr_regions = min_nr;
	assert_int_equal(hm_apply_min_nr_regions(c), expect_max);
	assert_int_equal(hm_nr_regions(t), expect_nr);
	hm_destroy_ctx(c);
}

/* damon_test_apply_min_nr_regions */
static void test_apply_min_nr_regions(void **state)
{
	(void)state;
	min_nr_case(10, 1, 10, 1, 10);
	min_nr_case(10, 1, 15, 1, 10);	/* no zero size limit */
	min_nr_case(10, 2, 2, 6, 2);	/* aligned up to min_region_sz */
	min_nr_case(10, 2, 10, 2, 5);	/* min_region_sz wins */
}

/*
 * damon_test_split_regions_of, and alignment of every piece. The kernel's
 * case uses min_region_sz 5 and checks sz % 5 >= 0, which cannot fail;
 * alignment needs a power of two (mm 2026 enforces it), so 8 here.
 */
static void test_split_regions_of(void **state)
{
	struct hm_ctx *c = hm_new_ctx();
	struct hm_target *t;
	struct hm_region *r;
	static const uint64_t sa[] = { 0, 300, 500 }, ea[] = { 220, 400, 700 };
	unsigned int i, round;

	(void)state;
	c->min_region_sz = 1;
	for (round = 0; round < 200; round++) {
		hm_ctx_seed(c, round);
		t = hm_new_target();
		add(t, 0, 22, 0);
		hm_split_regions_of(c, t, 2);
		assert_true(hm_nr_regions(t) <= 2);
		hm_destroy_target(t, NULL);

		t = hm_new_target();
		add(t, 0, 220, 0);
		hm_split_regions_of(c, t, 4);
		assert_true(hm_nr_regions(t) <= 4);
		hm_destroy_target(t, NULL);

		c->min_region_sz = 8;
		t = hm_new_target();
		for (i = 0; i < 3; i++)
			add(t, sa[i] * 8 / 5, ea[i] * 8 / 5, 0);
		hm_split_regions_of(c, t, 4);
		assert_true(hm_nr_regions(t) <= 12);
		hm_for_each_region(r, t) {
			assert_int_equal(r->start % 8, 0);
			assert_int_equal(hm_sz_region(r) % 8, 0);
			/* a cut lands at 10-90% of what it cut */
			assert_true(hm_sz_region(r) > 0);
		}
		hm_destroy_target(t, NULL);
		c->min_region_sz = 1;
	}
	hm_destroy_ctx(c);
}

/* What compaction must keep: every field of every region, in order. */
struct reg_copy {
	uint64_t start, end, est, last_est;
	uint32_t nr, last_nr, age, wres;
};

static unsigned int copy_regions(struct hm_target *t, struct reg_copy *out)
{
	struct hm_region *r;
	unsigned int n = 0;

	hm_for_each_region(r, t)
		out[n++] = (struct reg_copy){ r->start, r->end, r->est_accesses,
					      r->last_est_accesses, r->nr_accesses,
					      r->last_nr_accesses, r->age, r->wres_bp };
	return n;
}

static bool contiguous(struct hm_target *t)
{
	struct hm_region *r, *prev = NULL;

	hm_for_each_region(r, t) {
		if (prev && r != prev + 1)
			return false;
		prev = r;
	}
	return true;
}

/* Merge and split with fresh random counts: the churn that scatters nodes. */
static void churn(struct hm_ctx *c, struct hm_target *t, struct hm_rand *rng)
{
	struct hm_region *r;

	hm_for_each_region(r, t) {
		r->nr_accesses = (uint32_t)hm_rand_below(rng, 21);
		r->age = (uint32_t)hm_rand_below(rng, 100);
		r->est_accesses = hm_rand_below(rng, 1000);
	}
	hm_merge_regions(c, 20, c->sz_limit);
	hm_reset_aggregated(c);
	hm_split_regions(c);
}

/*
 * hm_compact_regions: a scattered list of more than 128 KiB of regions is
 * laid out contiguously with nothing changed but where the nodes are; a
 * small or an already tidy list is left alone; the spare array is reused
 * across rounds, and merges and splits keep working on compacted nodes
 * (ASan checks the frees, its leak check that nothing is lost).
 */
static void test_compact_regions(void **state)
{
	static struct reg_copy before[8192], after[8192];
	struct hm_ctx *c = hm_new_ctx();
	struct hm_target *t = hm_new_target(), *small = hm_new_target();
	struct hm_addr_range range = { 0, 4096ull * 4096 };
	struct hm_addr_range small_range = { 1ull << 40, (1ull << 40) + 64 * 4096 };
	struct hm_attrs a = c->attrs;
	struct hm_rand rng;
	unsigned int round, n;

	(void)state;
	hm_rand_seed(&rng, 11);
	hm_ctx_seed(c, 11);
	a.max_nr_regions = 4096;
	assert_int_equal(hm_set_attrs(c, &a), 0);
	hm_add_target(c, t);
	assert_int_equal(hm_set_regions(t, &range, 1, 4096), 0);
	c->attrs.min_nr_regions = 4096;	/* cut into 4096 pages */
	hm_apply_min_nr_regions(c);
	c->attrs.min_nr_regions = 10;
	assert_int_equal(hm_nr_regions(t), 4096);
	hm_add_target(c, small);
	assert_int_equal(hm_set_regions(small, &small_range, 1, 4096), 0);
	c->sz_limit = hm_apply_min_nr_regions(c);

	for (round = 0; round < 6; round++) {
		churn(c, t, &rng);
		assert_false(contiguous(t));
		n = copy_regions(t, before);
		assert_true(n * sizeof(struct hm_region) > (128u << 10));
		assert_int_equal(hm_compact_regions(c), 1);	/* t, not small */
		assert_int_equal(copy_regions(t, after), n);
		assert_int_equal(hm_nr_regions(t), n);
		assert_memory_equal(before, after, n * sizeof(before[0]));
		assert_true(contiguous(t));
		/* tidy now: nothing to do */
		assert_int_equal(hm_compact_regions(c), 0);
	}
	/* the small target is never compacted: its nodes stay where they are */
	assert_true(hm_nr_regions(small) >= 1);
	hm_destroy_ctx(c);
}

/* damon_test_split_above_half_progresses */
static void test_split_above_half(void **state)
{
	struct hm_ctx *c = hm_new_ctx();
	struct hm_target *t = hm_new_target();
	unsigned int i, before;

	(void)state;
	c->min_region_sz = 1;
	c->attrs.min_nr_regions = 10;
	c->attrs.max_nr_regions = 1500;
	hm_add_target(c, t);
	for (i = 0; i < 760; i++) {
		struct hm_region *r = add(t, i * 100, i * 100 + 100, (i & 1) ? 0 : 100);

		r->age = 5;
	}
	before = hm_nr_regions(t);
	assert_true(before > 1500 / 2);
	hm_split_regions(c);
	assert_true(hm_nr_regions(t) > before);
	assert_true(hm_nr_regions(t) <= 1500);
	/* and again, from a rotated offset, never past the maximum */
	for (i = 0; i < 10; i++) {
		hm_split_regions(c);
		assert_true(hm_nr_regions(t) <= 1500);
	}
	hm_destroy_ctx(c);
}

/* Three pieces when the count is stuck below max/3, two otherwise. */
static void test_split_three_when_stuck(void **state)
{
	struct hm_ctx *c = hm_new_ctx();
	struct hm_target *t = hm_new_target();
	unsigned int max3 = 0, round;

	(void)state;
	c->min_region_sz = 1;
	c->attrs.max_nr_regions = 1000;
	hm_add_target(c, t);
	add(t, 0, 1 << 20, 0);
	hm_split_regions(c);	/* first call: count 1 is not "stuck" */
	assert_true(hm_nr_regions(t) <= 2);
	for (round = 0; round < 50; round++) {
		/* put it back to one region: the count is unchanged since */
		while (hm_nr_regions(t) > 1)
			hm_merge_two_regions(t, nth(t, 0), nth(t, 1));
		c->last_nr_regions = 1;
		hm_split_regions(c);
		assert_true(hm_nr_regions(t) <= 3);
		max3 += hm_nr_regions(t) == 3;
	}
	assert_true(max3 > 0);
	hm_destroy_ctx(c);
}

/* damon_test_feed_loop_next_input, with the reference's values */
static void test_feed_loop(void **state)
{
	(void)state;
	assert_int_equal(hm_feed_loop_next_input(900000, 200), 1782000);
	assert_int_equal(hm_feed_loop_next_input(900000, 2000), 1620000);
	assert_int_equal(hm_feed_loop_next_input(900000, 250000000), 10000);
	assert_int_equal(hm_feed_loop_next_input(50000, 5000), 75000);
	assert_int_equal(hm_feed_loop_next_input(50000, 15000), 25000);
	assert_int_equal(hm_feed_loop_next_input(50000, 10000), 50000);
	assert_int_equal(hm_feed_loop_next_input(50000, 19999), 10000);	/* floor */
	/* L x d would overflow: (L / goal) x d instead, as the kernel does */
	assert_true(hm_feed_loop_next_input(UINT64_MAX / 2, 0) ==
		    UINT64_MAX / 2 + UINT64_MAX / 2 / 10000 * 10000);
	assert_true(hm_feed_loop_next_input(UINT64_MAX / 2, 0) == UINT64_MAX - 5808);
	/* and the sum saturates */
	assert_true(hm_feed_loop_next_input(UINT64_MAX, 0) == UINT64_MAX);
}

/*
 * Intervals auto-tuning. With 20 samples per window and a 4% goal, the
 * target is 4% of (total bytes x 20) access events, the score is events
 * over target in basis points, and the sampling interval moves by
 * feed_loop(1e8, score) / 1e4 basis points (shrinking at most by half).
 */
static struct hm_target *tune_case(struct hm_ctx *c, uint32_t nr_hot)
{
	struct hm_target *t = hm_new_target();

	hm_add_target(c, t);
	/* 1000 bytes: target = 1000 x 20 x 4% = 800 events */
	add(t, 0, 100, nr_hot);
	add(t, 100, 1000, 0);
	hm_tune_intervals(c);
	return t;
}

static void test_tune_intervals(void **state)
{
	struct hm_ctx *c = hm_new_ctx();
	struct hm_attrs a = c->attrs;

	(void)state;
	a.intervals_goal = (struct hm_intervals_goal){ .access_bp = 400, .aggrs = 3,
						       .min_sample_us = 1000,
						       .max_sample_us = 10000000 };
	assert_int_equal(hm_set_attrs(c, &a), 0);

	hm_destroy_target(tune_case(c, 0), c);		/* nothing seen: x2 */
	assert_int_equal(c->attrs.sample_interval_us, 10000);
	assert_int_equal(c->attrs.aggr_interval_us, 200000);	/* ratio kept */

	hm_destroy_target(tune_case(c, 20), c);	/* 2000 events, 2.5x: halve */
	assert_int_equal(c->attrs.sample_interval_us, 5000);

	hm_destroy_target(tune_case(c, 4), c);		/* 400 events, score 5000: x1.5 */
	assert_int_equal(c->attrs.sample_interval_us, 7500);
	assert_int_equal(c->attrs.aggr_interval_us, 150000);

	hm_destroy_target(tune_case(c, 12), c);	/* 1200 events, 15000: x0.75 */
	assert_int_equal(c->attrs.sample_interval_us, 5625);

	hm_destroy_target(tune_case(c, 8), c);		/* at the goal: unchanged */
	assert_int_equal(c->attrs.sample_interval_us, 5625);

	c->attrs.intervals_goal.max_sample_us = 6000;	/* clamped */
	hm_destroy_target(tune_case(c, 0), c);
	assert_int_equal(c->attrs.sample_interval_us, 6000);
	assert_int_equal(c->attrs.aggr_interval_us, 120000);
	hm_destroy_ctx(c);
}

/* An online change of intervals converts what the running monitor has. */
static void test_online_attrs(void **state)
{
	struct hm_ctx *c = hm_new_ctx();
	struct hm_target *t = hm_new_target();
	struct hm_attrs a;
	struct hm_region *r;

	(void)state;
	hm_add_target(c, t);
	r = add(t, 0, 1 << 20, 0);
	assert_int_equal(hm_monitor_start(c, 0), 0);
	/* mid-window: pretend 10 samples of 20 were seen, last window 16 */
	c->passed_sample_intervals = 10;
	c->next_aggregation_sis = 20;
	r->nr_accesses = 8;
	r->last_nr_accesses = 16;
	r->age = 10;
	a = c->attrs;
	a.aggr_interval_us = 200000;	/* 40 samples per window now */
	assert_int_equal(hm_set_attrs(c, &a), 0);
	assert_int_equal(r->last_nr_accesses, 32);	/* same share of a window */
	assert_int_equal(r->nr_accesses, 0);		/* the window restarts */
	assert_int_equal(r->age, 5);			/* same time */
	assert_int_equal(c->next_aggregation_sis, 10 + 40);
	hm_destroy_ctx(c);
}

/* ---- the loop ------------------------------------------------------------- */

struct agg_log {
	unsigned int calls;
	uint64_t passed[64];
	uint32_t nr[64];
};

static void on_aggregate(struct hm_ctx *ctx, void *arg)
{
	struct agg_log *l = arg;
	struct hm_target *t = hm_list_first_entry(&ctx->targets, struct hm_target, list);

	if (l->calls < 64) {
		l->passed[l->calls] = ctx->passed_sample_intervals;
		l->nr[l->calls] = hm_first_region(t)->nr_accesses;
	}
	l->calls++;
}

/* DAMON's order within a step, and the boundaries in sampling intervals. */
static void test_loop_order(void **state)
{
	static struct test_ops o;
	struct hm_scheme tmpl = { .action = HM_ACTION_MIGRATE_HOT, .nr_dests = 1,
				  .pattern = { .max_sz = UINT64_MAX,
					       .max_nr_accesses = UINT32_MAX,
					       .max_age = UINT32_MAX } };
	struct hm_ctx *c = hm_new_ctx();
	struct hm_target *t = hm_new_target();
	struct agg_log l = { 0 };
	uint64_t now;
	int steps = 0;

	(void)state;
	tops_init(&o, 0, 4096, 1024, 1);
	o.nr_ranges = 1;
	o.ranges[0] = (struct hm_addr_range){ 0, 1024 * 4096 };
	o.hot[0].start = 0;
	o.hot[0].end = 1024 * 4096;
	o.hot[0].permil = 1000;	/* everything accessed every sample */
	o.nr_hot = 1;
	tops_attach(&o, c);
	c->attrs.ops_update_interval_us = 250000;	/* every 50 samples */
	c->after_aggregate = on_aggregate;
	c->after_aggregate_arg = &l;
	hm_add_target(c, t);
	hm_add_scheme(c, hm_new_scheme(&tmpl, NULL));

	assert_int_equal(hm_monitor_start(c, 0), 0);
	assert_true(hm_nr_regions(t) >= 10);	/* ops ranges, cut to min_nr */
	/* not due before one sampling interval */
	assert_int_equal(hm_monitor_step(c, 4999999), 0);
	for (now = 5000000; now <= 500000000; now += 5000000)
		steps += hm_monitor_step(c, now);
	assert_int_equal(steps, 100);
	assert_int_equal(c->passed_sample_intervals, 100);
	/* aggregations every 20 samples, seeing every sample accessed */
	assert_int_equal(l.calls, 5);
	assert_int_equal(l.passed[0], 20);
	assert_int_equal(l.passed[4], 100);
	assert_int_equal(l.nr[0], 20);
	/* start: ranges, prepare. each step: check, (apply at boundaries), prepare;
	 * ranges again every 50 samples */
	assert_memory_equal(o.log, "RPCP", 4);
	{
		/* the 20th step: check, apply, prepare */
		const char *first_apply = strchr(o.log, 'A');
		size_t before = (size_t)(first_apply - o.log), checks = 0, i;

		for (i = 0; i < before; i++)
			checks += o.log[i] == 'C';
		assert_int_equal(checks, 20);
		assert_int_equal(first_apply[-1], 'C');
	}
	assert_int_equal(o.ranges_calls, 3);	/* start, sample 50, sample 100 */
	tops_free(&o);
	hm_destroy_ctx(c);
}

/* Every scheme deactivated by its watermarks: no sampling at all. */
static void test_loop_watermarks_pause(void **state)
{
	static struct test_ops o;
	struct hm_scheme tmpl = { .action = HM_ACTION_STAT,
				  .pattern = { .max_sz = UINT64_MAX,
					       .max_nr_accesses = UINT32_MAX,
					       .max_age = UINT32_MAX },
				  .wmarks = { .metric = HM_WMARK_FREE_MEM_RATE,
					      .interval_us = 50000,
					      .high = 500, .mid = 400, .low = 200 } };
	struct hm_ctx *c = hm_new_ctx();
	struct hm_target *t = hm_new_target();
	uint64_t now;

	(void)state;
	tops_init(&o, 0, 4096, 64, 1);
	o.nr_ranges = 1;
	o.ranges[0] = (struct hm_addr_range){ 0, 64 * 4096 };
	o.free_permil = 900;	/* plenty free: above high, inactive */
	tops_attach(&o, c);
	hm_add_target(c, t);
	hm_add_scheme(c, hm_new_scheme(&tmpl, NULL));
	assert_int_equal(hm_monitor_start(c, 0), 0);
	for (now = 5000000; now <= 200000000; now += 5000000)
		hm_monitor_step(c, now);
	assert_int_equal(c->passed_sample_intervals, 0);
	assert_int_equal(o.checks, 0);
	assert_true(c->skipped_samples > 0);
	/* memory gets tight (below mid): sampling resumes */
	o.free_permil = 300;
	for (; now <= 400000000; now += 5000000)
		hm_monitor_step(c, now);
	assert_true(c->passed_sample_intervals > 20);
	tops_free(&o);
	hm_destroy_ctx(c);
}

/* Regions stay sorted, disjoint, inside the ranges; the count stays in bounds. */
static void check_invariants(struct hm_ctx *c, struct test_ops *o, bool at_boundary)
{
	struct hm_target *t;
	struct hm_region *r, *prev;
	unsigned int n = 0;

	hm_for_each_target(t, c) {
		prev = NULL;
		hm_for_each_region(r, t) {
			unsigned int i;
			bool inside = false;

			assert_true(r->start < r->end);
			assert_int_equal(r->start % c->min_region_sz, 0);
			assert_int_equal(r->end % c->min_region_sz, 0);
			if (prev)
				assert_true(prev->end <= r->start);
			for (i = 0; i < o->nr_ranges; i++)
				inside |= o->ranges[i].start <= r->start &&
					  r->end <= o->ranges[i].end;
			assert_true(inside);
			assert_true(r->nr_accesses <= hm_samples_per_aggr(&c->attrs));
			prev = r;
			n++;
		}
	}
	if (at_boundary) {
		assert_true(n >= c->attrs.min_nr_regions);
		assert_true(n <= c->attrs.max_nr_regions);
	}
}

static void run_property(uint64_t seed, uint32_t min_nr, uint32_t max_nr, char *out,
			 size_t outlen)
{
	static struct test_ops o;
	struct hm_ctx *c = hm_new_ctx();
	struct hm_target *t = hm_new_target();
	struct hm_rand rng;
	struct hm_attrs a;
	struct hm_region *r;
	uint64_t now;
	size_t len = 0;
	unsigned int i;

	hm_rand_seed(&rng, seed);
	tops_init(&o, 0, 4096, 4096, seed);
	/* two disjoint ranges with a gap, 16 MiB in all */
	o.nr_ranges = 2;
	o.ranges[0] = (struct hm_addr_range){ 0, 6 << 20 };
	o.ranges[1] = (struct hm_addr_range){ 8 << 20, 16 << 20 };
	for (i = 0; i < 4; i++) {
		uint64_t s = hm_rand_below(&rng, 4096) * 4096;

		o.hot[i].start = s;
		o.hot[i].end = s + (1 + hm_rand_below(&rng, 256)) * 4096;
		o.hot[i].permil = (uint32_t)hm_rand_below(&rng, 1001);
	}
	o.nr_hot = 4;
	o.cold_permil = 20;
	tops_attach(&o, c);
	hm_ctx_seed(c, seed);
	a = c->attrs;
	a.min_nr_regions = min_nr;
	a.max_nr_regions = max_nr;
	assert_int_equal(hm_set_attrs(c, &a), 0);
	hm_add_target(c, t);
	assert_int_equal(hm_monitor_start(c, 0), 0);
	for (now = 5000000; now <= 2000000000; now += 5000000) {
		int ran = hm_monitor_step(c, now);

		assert_true(ran >= 0);
		check_invariants(c, &o, ran && c->passed_sample_intervals % 20 == 0);
	}
	/* a fingerprint of the final regions, for the determinism test */
	hm_for_each_region(r, t)
		len += (size_t)snprintf(out + len, len < outlen ? outlen - len : 0,
					"%llx-%llx:%u:%u;", (unsigned long long)r->start,
					(unsigned long long)r->end, r->last_nr_accesses, r->age);
	tops_free(&o);
	hm_destroy_ctx(c);
}

static void test_property_runs(void **state)
{
	static char a[1 << 16];
	uint64_t seed;

	(void)state;
	for (seed = 1; seed <= 6; seed++) {
		run_property(seed, 10, 1000, a, sizeof(a));
		run_property(seed, 3, 7, a, sizeof(a));
		run_property(seed, 50, 120, a, sizeof(a));
	}
	/*
	 * Enough regions for compaction to run (more than 128 KiB of them,
	 * 1,821). The minimum is one that DAMON's rule can reach: the size
	 * limit is aligned up to the region size, so 3,584 pages allow 1,792
	 * regions of two pages but not, say, 2,000.
	 */
	for (seed = 1; seed <= 2; seed++)
		run_property(seed, 1792, 3584, a, sizeof(a));
}

/* Same seed, same regions, byte for byte; another seed, other regions. */
static void test_deterministic(void **state)
{
	static char a[1 << 16], b[1 << 16], c[1 << 16];

	(void)state;
	run_property(42, 10, 1000, a, sizeof(a));
	run_property(42, 10, 1000, b, sizeof(b));
	run_property(43, 10, 1000, c, sizeof(c));
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
}

/* The monitor finds the hot range: its regions end up with high counts. */
static void test_finds_hot_range(void **state)
{
	static struct test_ops o;
	struct hm_ctx *c = hm_new_ctx();
	struct hm_target *t = hm_new_target();
	struct hm_region *r;
	uint64_t now, hot_bytes = 0;

	(void)state;
	tops_init(&o, 0, 4096, 4096, 7);
	o.nr_ranges = 1;
	o.ranges[0] = (struct hm_addr_range){ 0, 16 << 20 };
	o.hot[0].start = 5 << 20;
	o.hot[0].end = 7 << 20;
	o.hot[0].permil = 900;
	o.nr_hot = 1;
	o.cold_permil = 0;
	tops_attach(&o, c);
	hm_add_target(c, t);
	assert_int_equal(hm_monitor_start(c, 0), 0);
	for (now = 5000000; now <= 3000000000ull; now += 5000000)
		hm_monitor_step(c, now);
	/* regions with high last-window counts cover the hot range, and little else */
	hm_for_each_region(r, t) {
		if (r->last_nr_accesses >= 10) {
			assert_true(r->start >= (4 << 20) && r->end <= (8 << 20));
			hot_bytes += hm_sz_region(r);
		}
	}
	assert_true(hot_bytes >= (1 << 20));
	tops_free(&o);
	hm_destroy_ctx(c);
}

/* Reports drained by the loop count like the sampling check. */
static void test_loop_with_reports(void **state)
{
	struct hm_ring_set_attr ra = { .ring_entries = 256, .max_rings = 1 };
	struct hm_addr_range rg = { 0, 1 << 20 };
	struct hm_ctx *c = hm_new_ctx();
	struct hm_target *t = hm_new_target();
	struct hm_ring_set *set;
	struct hm_ring *ring;
	struct hm_region *r;
	uint64_t now;

	(void)state;
	assert_int_equal(hm_ring_set_create(&ra, &set), 0);
	assert_int_equal(hm_ring_open(set, &ring), 0);
	assert_int_equal(hm_set_regions(t, &rg, 1, 4096), 0);
	hm_add_target(c, t);
	hm_add_source(c, "s", HM_ACCT_BINARY, 1);
	c->reports = set;
	assert_int_equal(hm_monitor_start(c, 0), 0);
	for (now = 5000000; now <= 100000000; now += 5000000) {
		struct hm_report rep = { .addr = 4096, .size = 64, .count = 1,
					 .time_ns = now - 1000, .pid = -1 };

		assert_int_equal(hm_report_access(ring, &rep), 0);
		assert_int_equal(hm_monitor_step(c, now), 1);
	}
	/* the first region was reported in every one of the 20 samples */
	r = hm_first_region(t);
	assert_int_equal(r->last_nr_accesses, 20);
	hm_ring_set_destroy(set);
	hm_destroy_ctx(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_update_monitoring_result),
		cmocka_unit_test(test_set_attrs),
		cmocka_unit_test(test_mvsum),
		cmocka_unit_test(test_nr_accesses_mvsum),
		cmocka_unit_test(test_merge_regions_of),
		cmocka_unit_test(test_merge_edges),
		cmocka_unit_test(test_age_rule),
		cmocka_unit_test(test_merge_above_max),
		cmocka_unit_test(test_apply_min_nr_regions),
		cmocka_unit_test(test_split_regions_of),
		cmocka_unit_test(test_compact_regions),
		cmocka_unit_test(test_split_above_half),
		cmocka_unit_test(test_split_three_when_stuck),
		cmocka_unit_test(test_feed_loop),
		cmocka_unit_test(test_tune_intervals),
		cmocka_unit_test(test_online_attrs),
		cmocka_unit_test(test_loop_order),
		cmocka_unit_test(test_loop_watermarks_pause),
		cmocka_unit_test(test_property_runs),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_finds_hot_range),
		cmocka_unit_test(test_loop_with_reports),
	};

	return hm_run_tests(tests);
}
