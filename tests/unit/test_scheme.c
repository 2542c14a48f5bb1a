// SPDX-License-Identifier: MIT
/*
 * Schemes: the kernel's DAMOS unit-test cases (apply_scheme's quota trim and
 * filtered sizes, filter_out, default reject, the last region's quota reset,
 * the temporal tuner's saturation), the reference's worked examples (scores,
 * fail charge, feed loop), and the DAMON selftests' acceptance criteria as
 * unit cases (size quota, apply interval, user-input goal), plus windows,
 * fairness, watermarks, goals and online commits.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <hotmem/hotmem.h>

#include "../hm_test.h"
#include "../test_ops.h"

#define MIB (1ull << 20)

static const struct hm_access_pattern any = {
	.max_sz = UINT64_MAX, .max_nr_accesses = UINT32_MAX, .max_age = UINT32_MAX,
};

static struct hm_region *add(struct hm_target *t, uint64_t s, uint64_t e,
			     uint32_t nr, uint32_t age)
{
	struct hm_region *r = hm_new_region(s, e);

	r->nr_accesses = nr;
	r->age = age;
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

static struct hm_scheme *scheme(enum hm_action action)
{
	struct hm_scheme tmpl = { .pattern = any, .action = action };

	if (action != HM_ACTION_STAT) {
		tmpl.nr_dests = 1;
		tmpl.dests[0].nid = 0;
	}
	return hm_new_scheme(&tmpl, NULL);
}

/* ---- scores ------------------------------------------------------------- */

/* The reference's worked examples: 5 ms / 100 ms, both weights 1. */
static void test_scores(void **state)
{
	struct hm_ctx *c = hm_new_ctx();
	struct hm_scheme *hot = scheme(HM_ACTION_MIGRATE_HOT);
	struct hm_scheme *cold = scheme(HM_ACTION_MIGRATE_COLD);
	struct hm_scheme *stat = scheme(HM_ACTION_STAT);
	struct hm_region *r = hm_new_region(0, 4096);

	(void)state;
	hot->quota.weight_nr_accesses = hot->quota.weight_age = 1;
	cold->quota = hot->quota;
	r->nr_accesses = 10;
	r->age = 30;
	assert_int_equal(hm_hot_score(c, r, hot), 50);
	assert_int_equal(hm_cold_score(c, r, hot), 49);
	assert_int_equal(hm_scheme_score(c, r, hot), 50);
	assert_int_equal(hm_scheme_score(c, r, cold), 49);
	assert_int_equal(hm_scheme_score(c, r, stat), 99);
	r->nr_accesses = 0;
	r->age = 600;
	assert_int_equal(hm_hot_score(c, r, hot), 19);
	assert_int_equal(hm_cold_score(c, r, hot), 80);
	/* no weights: hotness is the unweighted sum, still within 0-99 */
	hot->quota.weight_nr_accesses = hot->quota.weight_age = 0;
	assert_int_equal(hm_hot_score(c, r, hot), 0);
	free(r);
	hm_destroy_scheme(hot);
	hm_destroy_scheme(cold);
	hm_destroy_scheme(stat);
	hm_destroy_ctx(c);
}

/* The histogram puts the quota on the best regions first. */
static void test_min_score_histogram(void **state)
{
	struct hm_ctx *c = hm_new_ctx();
	struct hm_target *t = hm_new_target();
	struct hm_scheme *s = scheme(HM_ACTION_MIGRATE_HOT);

	(void)state;
	hm_add_target(c, t);
	s->quota.weight_nr_accesses = 1;
	s->quota.sz = 3 * MIB;
	/* hot scores 99 x (20/20) = 99, 99 x 10/20 = 49, 0 */
	add(t, 0, 2 * MIB, 20, 0);
	add(t, 2 * MIB, 4 * MIB, 10, 0);
	add(t, 4 * MIB, 8 * MIB, 0, 0);
	hm_adjust_quota(c, s);
	assert_int_equal(s->quota.esz, 3 * MIB);
	/* 2 MiB at 99 is not enough; with 49 it is 4 MiB >= 3 MiB */
	assert_int_equal(s->quota.min_score, 49);
	s->quota.sz = 1 * MIB;
	s->quota.window_started = false;
	hm_adjust_quota(c, s);
	assert_int_equal(s->quota.min_score, 99);
	/* exactly enough at 99: the walk stops there (>=) */
	s->quota.sz = 2 * MIB;
	s->quota.window_started = false;
	hm_adjust_quota(c, s);
	assert_int_equal(s->quota.min_score, 99);
	hm_destroy_scheme(s);
	hm_destroy_ctx(c);
}

/* ---- quotas --------------------------------------------------------------- */

/* The design doc's example: 1000 MiB tried, 700 applied, num/denom 1/1024. */
static void test_fail_charge(void **state)
{
	struct hm_quota q = { .fail_charge_num = 1, .fail_charge_denom = 1024 };

	(void)state;
	hm_quota_charge(&q, 1000 * MIB, 700 * MIB);
	assert_int_equal(q.charged_sz, 700 * MIB + 300 * MIB / 1024);
	q.charged_sz = 0;
	q.fail_charge_denom = 0;	/* no ratio: charged in full */
	hm_quota_charge(&q, 1000 * MIB, 700 * MIB);
	assert_int_equal(q.charged_sz, 1000 * MIB);
	q.charged_sz = 0;
	q.fail_charge_denom = 1024;
	hm_quota_charge(&q, 10, 11);	/* more applied than tried: the size */
	assert_int_equal(q.charged_sz, 10);
}

static void test_effective_quota(void **state)
{
	struct hm_ctx *c = hm_new_ctx();
	struct hm_scheme *s = scheme(HM_ACTION_STAT);
	struct hm_quota *q = &s->quota;

	(void)state;
	/* size only */
	q->sz = 5 * MIB;
	hm_set_effective_quota(c, s);
	assert_int_equal(q->esz, 5 * MIB);
	/* time quota, nothing measured yet: 4 MiB per ms */
	q->sz = 0;
	q->ms = 10;
	hm_set_effective_quota(c, s);
	assert_int_equal(q->esz, 40 * MIB);
	/* measured: 100 MiB in 50 ms = 2 MiB per ms */
	q->total_charged_sz = 100 * MIB;
	q->total_charged_ns = 50000000;
	hm_set_effective_quota(c, s);
	assert_int_equal(q->esz, 20 * MIB);
	/* min'ed with the size quota */
	q->sz = 7 * MIB;
	hm_set_effective_quota(c, s);
	assert_int_equal(q->esz, 7 * MIB);
	/* goals (consist): starts from one byte and doubles when nothing is met */
	q->ms = 0;
	q->sz = 0;
	q->nr_goals = 1;
	q->goals[0] = (struct hm_quota_goal){ .metric = HM_GOAL_USER_INPUT,
					      .target_value = 10000, .current_value = 0 };
	hm_set_effective_quota(c, s);
	assert_int_equal(q->esz_bp, 20000);
	assert_int_equal(q->esz, 2);
	hm_set_effective_quota(c, s);
	assert_int_equal(q->esz, 4);
	/* the goal-derived quota never exceeds the size quota */
	q->esz_bp = 100 * MIB * 10000;
	q->sz = 1 * MIB;
	hm_set_effective_quota(c, s);
	assert_int_equal(q->esz, 1 * MIB);
	hm_destroy_scheme(s);
	hm_destroy_ctx(c);
}

/* damos_test_esz_goal_temporal: the size in basis points saturates. */
static void test_temporal_saturates(void **state)
{
	struct hm_ctx *c = hm_new_ctx();
	struct hm_scheme *s = scheme(HM_ACTION_STAT);
	struct hm_quota *q = &s->quota;

	(void)state;
	q->tuner = HM_TUNER_TEMPORAL;
	q->nr_goals = 1;
	q->goals[0] = (struct hm_quota_goal){ .metric = HM_GOAL_USER_INPUT,
					      .target_value = 10000 };
	q->sz = UINT64_MAX / 10000;
	hm_set_effective_quota(c, s);
	assert_true(q->esz == UINT64_MAX / 10000);
	q->sz = UINT64_MAX / 10000 + 1;
	hm_set_effective_quota(c, s);
	assert_true(q->esz == UINT64_MAX / 10000);
	q->sz = UINT64_MAX;
	hm_set_effective_quota(c, s);
	assert_true(q->esz == UINT64_MAX / 10000);
	/* and the goal met stops the scheme */
	q->goals[0].current_value = 10000;
	hm_set_effective_quota(c, s);
	assert_int_equal(q->esz, 0);
	assert_true(hm_quota_is_set(q));
	hm_destroy_scheme(s);
	hm_destroy_ctx(c);
}

/* Charge windows: first, new after the reset interval, qt_exceeds, totals. */
static void test_windows(void **state)
{
	struct hm_ctx *c = hm_new_ctx();
	struct hm_scheme *s = scheme(HM_ACTION_STAT);
	struct hm_quota *q = &s->quota;

	(void)state;
	q->sz = 10 * MIB;
	q->reset_interval_ms = 100;
	c->now_ns = 1000000;
	hm_adjust_quota(c, s);
	assert_true(q->window_started);
	assert_int_equal(q->charged_from_ns, 1000000);
	assert_int_equal(q->esz, 10 * MIB);
	q->charged_sz = 10 * MIB;	/* full */
	c->now_ns = 50000000;		/* same window */
	hm_adjust_quota(c, s);
	assert_int_equal(q->charged_sz, 10 * MIB);
	assert_int_equal(s->stat.qt_exceeds, 0);
	c->now_ns = 101000000;		/* 100 ms later: a new window */
	hm_adjust_quota(c, s);
	assert_int_equal(s->stat.qt_exceeds, 1);
	assert_int_equal(q->total_charged_sz, 10 * MIB);
	assert_int_equal(q->charged_sz, 0);
	assert_int_equal(q->charged_from_ns, 101000000);
	q->charged_sz = 1 * MIB;	/* not full this time */
	c->now_ns = 201000000;
	hm_adjust_quota(c, s);
	assert_int_equal(s->stat.qt_exceeds, 1);
	assert_int_equal(q->total_charged_sz, 11 * MIB);
	hm_destroy_scheme(s);
	hm_destroy_ctx(c);
}

static int stub_apply(void *priv, struct hm_target *t, struct hm_region *r,
		      const struct hm_scheme *s, struct hm_action_result *res)
{
	(void)priv;
	(void)t;
	(void)r;
	(void)s;
	(void)res;
	return 0;
}

static const struct hm_ops stub_ops = { .apply = stub_apply };

/* damos_test_apply_scheme_quota_sz */
static void test_apply_scheme_quota_sz(void **state)
{
	const uint64_t m = 4096;
	struct hm_ctx *c = hm_new_ctx();
	struct hm_target *t = hm_new_target();
	struct hm_scheme *s = scheme(HM_ACTION_STAT);
	struct hm_region *r, *n;

	(void)state;
	hm_add_target(c, t);
	hm_add_scheme(c, s);
	/* no apply operation: the whole region is counted */
	r = add(t, 0, 4 * m, 0, 0);
	hm_apply_scheme(c, t, r, s);
	assert_int_equal(s->stat.sz_tried, 4 * m);
	assert_int_equal(hm_nr_regions(t), 1);
	/* no filter and no quota: the whole region is counted */
	c->ops = &stub_ops;
	memset(&s->stat, 0, sizeof(s->stat));
	hm_apply_scheme(c, t, r, s);
	assert_int_equal(s->stat.sz_tried, 4 * m);
	assert_int_equal(hm_nr_regions(t), 1);
	/* the quota trims the region: the trimmed size is counted */
	hm_for_each_region_safe(r, n, t)
		hm_destroy_region(r, t);
	memset(&s->stat, 0, sizeof(s->stat));
	s->quota.esz = 2 * m;
	s->quota.charged_sz = 0;
	r = add(t, 0, 8 * m, 0, 0);
	hm_apply_scheme(c, t, r, s);
	assert_int_equal(r->end, 2 * m);
	assert_int_equal(s->stat.sz_tried, 2 * m);
	/* quota remainder below one region: tried, nothing counted */
	hm_for_each_region_safe(r, n, t)
		hm_destroy_region(r, t);
	memset(&s->stat, 0, sizeof(s->stat));
	s->quota.esz = 1;
	s->quota.charged_sz = 0;
	r = add(t, 0, 4 * m, 0, 0);
	hm_apply_scheme(c, t, r, s);
	assert_int_equal(s->stat.nr_tried, 1);
	assert_int_equal(s->stat.sz_tried, 0);
	assert_int_equal(r->end, 4 * m);
	hm_destroy_ctx(c);
}

/* damos_test_filter_out */
static void test_filter_out(void **state)
{
	struct hm_ctx *c = hm_new_ctx();
	struct hm_target *t = hm_new_target();
	struct hm_filter f = { .type = HM_FILTER_ADDR, .matching = true,
			       .addr = { 2, 6 } };
	struct hm_region *r, *r2;

	(void)state;
	c->min_region_sz = 1;
	r = add(t, 3, 5, 0, 0);
	assert_true(hm_filter_match(c, t, r, &f));	/* inside */
	assert_int_equal(hm_nr_regions(t), 1);
	r->start = 1;
	r->end = 2;
	assert_false(hm_filter_match(c, t, r, &f));	/* before */
	r->start = 6;
	r->end = 8;
	assert_false(hm_filter_match(c, t, r, &f));	/* after */
	assert_int_equal(hm_nr_regions(t), 1);
	r->start = 1;
	r->end = 4;					/* starts before: split */
	assert_false(hm_filter_match(c, t, r, &f));
	assert_int_equal(r->start, 1);
	assert_int_equal(r->end, 2);
	assert_int_equal(hm_nr_regions(t), 2);
	r2 = hm_next_region(r);
	assert_int_equal(r2->start, 2);
	assert_int_equal(r2->end, 4);
	hm_destroy_region(r2, t);
	r->start = 2;
	r->end = 8;					/* starts inside: split */
	assert_true(hm_filter_match(c, t, r, &f));
	assert_int_equal(r->end, 6);
	r2 = hm_next_region(r);
	assert_int_equal(r2->start, 6);
	assert_int_equal(r2->end, 8);
	hm_destroy_target(t, NULL);
	hm_destroy_ctx(c);
}

/* damos_test_apply_scheme_filtered_sz and _filter_sz_unchanged */
static void test_apply_filtered_sz(void **state)
{
	const uint64_t m = 4096;
	struct hm_ctx *c = hm_new_ctx();
	struct hm_target *t = hm_new_target();
	struct hm_scheme *s = scheme(HM_ACTION_STAT);
	struct hm_region *r, *n;

	(void)state;
	c->ops = &stub_ops;
	hm_add_target(c, t);
	hm_add_scheme(c, s);
	s->nr_filters = 1;
	s->filters[0] = (struct hm_filter){ .type = HM_FILTER_ADDR, .matching = true,
					    .allow = false, .addr = { 2 * m, 8 * m } };
	hm_set_filters_default_reject(s);

	/* reject filter, region starting before the range */
	r = add(t, 0, 4 * m, 0, 0);
	hm_apply_scheme(c, t, r, s);
	assert_int_equal(hm_nr_regions(t), 2);
	assert_int_equal(r->end, 2 * m);
	assert_int_equal(s->stat.sz_tried, 2 * m);
	hm_for_each_region_safe(r, n, t)
		hm_destroy_region(r, t);
	memset(&s->stat, 0, sizeof(s->stat));

	/* allow filter, region starting inside the range */
	s->filters[0].allow = true;
	hm_set_filters_default_reject(s);
	r = add(t, 2 * m, 10 * m, 0, 0);
	hm_apply_scheme(c, t, r, s);
	assert_int_equal(hm_nr_regions(t), 2);
	assert_int_equal(r->end, 8 * m);
	assert_int_equal(s->stat.sz_tried, 6 * m);
	hm_for_each_region_safe(r, n, t)
		hm_destroy_region(r, t);
	memset(&s->stat, 0, sizeof(s->stat));

	/* wholly inside a reject range: not counted at all */
	s->filters[0].allow = false;
	hm_set_filters_default_reject(s);
	r = add(t, 4 * m, 6 * m, 0, 0);
	hm_apply_scheme(c, t, r, s);
	assert_int_equal(s->stat.nr_tried, 0);
	assert_int_equal(s->stat.sz_tried, 0);
	/* wholly inside an allow range: counted whole, not split */
	s->filters[0].allow = true;
	hm_set_filters_default_reject(s);
	hm_apply_scheme(c, t, r, s);
	assert_int_equal(s->stat.sz_tried, 2 * m);
	assert_int_equal(hm_nr_regions(t), 1);
	hm_destroy_region(r, t);
	memset(&s->stat, 0, sizeof(s->stat));

	/* two filters, each trimming: the size left after both is counted */
	s->nr_filters = 2;
	s->filters[0] = (struct hm_filter){ .type = HM_FILTER_ADDR, .matching = true,
					    .allow = false, .addr = { 4 * m, 12 * m } };
	s->filters[1] = (struct hm_filter){ .type = HM_FILTER_ADDR, .matching = true,
					    .allow = false, .addr = { 2 * m, 3 * m } };
	hm_set_filters_default_reject(s);
	r = add(t, 0, 8 * m, 0, 0);
	hm_apply_scheme(c, t, r, s);
	assert_int_equal(hm_nr_regions(t), 3);
	assert_int_equal(r->end, 2 * m);
	assert_int_equal(s->stat.sz_tried, 2 * m);

	/* a core filter that never splits: counted whole */
	memset(&s->stat, 0, sizeof(s->stat));
	s->nr_filters = 1;
	s->filters[0] = (struct hm_filter){ .type = HM_FILTER_TARGET, .matching = true,
					    .allow = true, .target_idx = 0 };
	hm_set_filters_default_reject(s);
	hm_apply_scheme(c, t, r, s);
	assert_int_equal(hm_nr_regions(t), 3);
	assert_int_equal(s->stat.sz_tried, 2 * m);
	/* ... and a target filter for another target rejects by default */
	memset(&s->stat, 0, sizeof(s->stat));
	s->filters[0].target_idx = 1;
	hm_apply_scheme(c, t, r, s);
	assert_int_equal(s->stat.nr_tried, 0);
	hm_destroy_ctx(c);
}

/* damon_test_set_filters_default_reject, the core rows */
static void test_default_reject(void **state)
{
	struct hm_scheme s = { 0 };

	(void)state;
	hm_set_filters_default_reject(&s);
	assert_false(s.core_filters_default_reject);
	s.nr_filters = 1;
	s.filters[0] = (struct hm_filter){ .type = HM_FILTER_TARGET, .matching = true,
					   .allow = true };
	hm_set_filters_default_reject(&s);
	assert_true(s.core_filters_default_reject);
	s.filters[0].allow = false;
	hm_set_filters_default_reject(&s);
	assert_false(s.core_filters_default_reject);
}

/* damon_test_last_region_quota_reset */
static void test_last_region_quota_reset(void **state)
{
	struct hm_ctx *c = hm_new_ctx();
	struct hm_target *t = hm_new_target();
	struct hm_scheme *s = scheme(HM_ACTION_STAT);
	struct hm_region *r1, *r2;

	(void)state;
	c->min_region_sz = 1;
	r1 = add(t, 0, 100, 0, 0);
	r2 = add(t, 100, 200, 0, 0);
	s->quota.charge_target_from = t;
	s->quota.charge_addr_from = r1->end;
	/* r2 was not charged: not skipped; it is last: the point is cleared */
	assert_false(hm_skip_charged_region(c, t, &r2, s));
	assert_null(s->quota.charge_target_from);
	assert_int_equal(s->quota.charge_addr_from, 0);
	/* a region before the point is skipped, one across it is split */
	s->quota.charge_target_from = t;
	s->quota.charge_addr_from = 150;
	assert_true(hm_skip_charged_region(c, t, &r1, s));
	assert_false(hm_skip_charged_region(c, t, &r2, s));
	assert_int_equal(r2->start, 150);
	assert_int_equal(hm_nr_regions(t), 3);
	hm_destroy_scheme(s);
	hm_destroy_target(t, NULL);
	hm_destroy_ctx(c);
}

/* ---- whole passes through the monitor ------------------------------------- */

struct setup {
	struct test_ops o;
	struct hm_ctx *c;
	struct hm_target *t;
};

/* @n regions of @sz each, every unit on node 1; sampling per @permil. */
static void setup(struct setup *x, unsigned int n, uint64_t sz, uint32_t permil)
{
	tops_init(&x->o, 0, 4096, (uint32_t)(n * sz / 4096), 3);
	tops_place(&x->o, 0, n * sz, 1);
	x->o.cold_permil = permil;
	x->c = hm_new_ctx();
	x->t = hm_new_target();
	tops_attach(&x->o, x->c);
	hm_add_target(x->c, x->t);
	for (unsigned int i = 0; i < n; i++)
		add(x->t, i * sz, (i + 1) * sz, 0, 0);
}

static void teardown(struct setup *x)
{
	tops_free(&x->o);
	hm_destroy_ctx(x->c);
}

/* Run the monitor for @ms of virtual time from @from_ms. */
static void run_ms(struct setup *x, uint64_t from_ms, uint64_t ms)
{
	uint64_t now;

	for (now = (from_ms + 5) * 1000000; now <= (from_ms + ms) * 1000000;
	     now += 5000000)
		assert_true(hm_monitor_step(x->c, now) >= 0);
}

/* damos_quota.py: size quota 1 MiB per 100 ms; never more, always full. */
static void test_size_quota_selftest(void **state)
{
	static struct setup x;
	struct hm_scheme *s = scheme(HM_ACTION_MIGRATE_HOT);
	uint64_t last_tried = 0, w;

	(void)state;
	setup(&x, 16, 1 * MIB, 0);
	x.c->attrs.min_nr_regions = 3;
	s->quota.sz = 1 * MIB;
	s->quota.reset_interval_ms = 100;
	hm_add_scheme(x.c, s);
	assert_int_equal(hm_monitor_start(x.c, 0), 0);
	for (w = 0; w < 10; w++) {
		run_ms(&x, w * 100, 100);
		assert_true(s->stat.sz_tried - last_tried <= 1 * MIB);
		last_tried = s->stat.sz_tried;
	}
	/* every window but the last (still open) ended full */
	assert_true(s->stat.qt_exceeds >= 9);
	assert_int_equal(s->stat.sz_tried, 10 * MIB);
	teardown(&x);
}

/* Fairness: successive windows resume where the last one stopped. */
static void test_resume_point(void **state)
{
	static struct setup x;
	struct hm_scheme *s = scheme(HM_ACTION_MIGRATE_HOT);
	unsigned int i;

	(void)state;
	setup(&x, 8, 1 * MIB, 0);
	/* pin the layout: 1 MiB caps merges, the count blocks splits */
	x.c->attrs.min_nr_regions = 8;
	x.c->attrs.max_nr_regions = 8;
	s->quota.sz = 1 * MIB;
	s->quota.reset_interval_ms = 100;
	hm_add_scheme(x.c, s);
	assert_int_equal(hm_monitor_start(x.c, 0), 0);
	run_ms(&x, 0, 800);
	/* eight windows of 1 MiB: each MiB migrated once, in address order */
	assert_int_equal(x.o.nr_applied, 8);
	for (i = 0; i < 8; i++)
		assert_int_equal(x.o.applied[i].start, i * MIB);
	assert_int_equal(tops_bytes_on(&x.o, 0, 8 * MIB, 0), 8 * MIB);
	teardown(&x);
}

/* Fairness across targets: while a window's resume point is in one target,
 * the others wait their turn. */
static void test_resume_across_targets(void **state)
{
	static struct setup x;
	struct hm_scheme *s = scheme(HM_ACTION_MIGRATE_HOT);
	struct hm_target *b = hm_new_target();
	unsigned int i;

	(void)state;
	setup(&x, 4, 1 * MIB, 0);	/* target a: [0, 4 MiB) on node 1 */
	hm_destroy_region(nth(x.t, 3), x.t);
	hm_destroy_region(nth(x.t, 2), x.t);	/* a: two regions */
	add(b, 2 * MIB, 3 * MIB, 0, 0);
	add(b, 3 * MIB, 4 * MIB, 0, 0);		/* b: two regions */
	hm_add_target(x.c, b);
	x.c->attrs.min_nr_regions = 4;
	x.c->attrs.max_nr_regions = 4;
	s->quota.sz = 1 * MIB;
	s->quota.reset_interval_ms = 100;
	hm_add_scheme(x.c, s);
	assert_int_equal(hm_monitor_start(x.c, 0), 0);
	run_ms(&x, 0, 400);
	/* a's two, then b's two: b's second waits although a comes first */
	assert_int_equal(x.o.nr_applied, 4);
	for (i = 0; i < 4; i++)
		assert_int_equal(x.o.applied[i].start, i * MIB);
	teardown(&x);
}

/* A remainder smaller than a region makes the quota full: not even tried. */
static void test_quota_full_remainder(void **state)
{
	static struct setup x;
	struct hm_scheme *s = scheme(HM_ACTION_MIGRATE_HOT);

	(void)state;
	setup(&x, 4, 1 * MIB, 0);
	s->quota.sz = 1 * MIB + 100;
	hm_add_scheme(x.c, s);
	x.c->sz_limit = 0;
	hm_apply_schemes(x.c);
	assert_int_equal(s->stat.nr_tried, 1);
	assert_int_equal(s->stat.sz_tried, 1 * MIB);
	teardown(&x);
}

/* damos_apply_interval.py: a 10 ms apply interval tries ~10x as often. */
static void test_apply_interval(void **state)
{
	static struct setup a, b;
	struct hm_scheme *sa = scheme(HM_ACTION_STAT), *sb = scheme(HM_ACTION_STAT);

	(void)state;
	setup(&a, 4, 1 * MIB, 0);
	setup(&b, 4, 1 * MIB, 0);
	sb->apply_interval_us = 10000;
	hm_add_scheme(a.c, sa);
	hm_add_scheme(b.c, sb);
	assert_int_equal(hm_monitor_start(a.c, 0), 0);
	assert_int_equal(hm_monitor_start(b.c, 0), 0);
	run_ms(&a, 0, 2000);
	run_ms(&b, 0, 2000);
	assert_true(sb->stat.nr_snapshots >= 9 * sa->stat.nr_snapshots);
	assert_int_equal(sa->stat.nr_snapshots, 20);
	teardown(&a);
	teardown(&b);
}

/* damos_quota_goal.py: the quota rises iff current < target. */
static void test_user_input_goal(void **state)
{
	static const uint64_t feed[] = { 0, 15000, 5000, 18000 };
	static struct setup x;
	struct hm_scheme *s = scheme(HM_ACTION_STAT);
	uint64_t last = 0, w;

	(void)state;
	setup(&x, 4, 1 * MIB, 0);
	s->quota.reset_interval_ms = 100;
	s->quota.nr_goals = 1;
	s->quota.goals[0] = (struct hm_quota_goal){ .metric = HM_GOAL_USER_INPUT,
						    .target_value = 10000 };
	hm_add_scheme(x.c, s);
	assert_int_equal(hm_monitor_start(x.c, 0), 0);
	run_ms(&x, 0, 100);
	last = s->quota.esz;
	for (w = 0; w < 4; w++) {
		s->quota.goals[0].current_value = feed[w];
		run_ms(&x, 100 + w * 100, 100);
		if (feed[w] < 10000)
			assert_true(s->quota.esz > last);
		else
			assert_true(s->quota.esz < last || s->quota.esz == 1);
		last = s->quota.esz;
	}
	teardown(&x);
}

/* Stats, age reset, pages already on the destination. */
static void test_stats_and_age(void **state)
{
	static struct setup x;
	struct hm_scheme *m = scheme(HM_ACTION_MIGRATE_HOT);
	struct hm_scheme *st = scheme(HM_ACTION_STAT);
	struct hm_region *r;

	(void)state;
	setup(&x, 4, 1 * MIB, 0);
	tops_place(&x.o, 0, MIB / 2, 0);	/* half of region 0 already there */
	hm_add_scheme(x.c, st);
	hm_add_scheme(x.c, m);
	hm_for_each_region(r, x.t)
		r->age = 9;
	x.c->sz_limit = 0;	/* keep the regions as they are */
	hm_apply_schemes(x.c);	/* not started: every scheme due now */
	assert_int_equal(st->stat.nr_tried, 4);
	assert_int_equal(st->stat.sz_tried, 4 * MIB);
	assert_int_equal(st->stat.nr_applied, 0);	/* stat applies nothing */
	assert_int_equal(m->stat.nr_tried, 4);
	assert_int_equal(m->stat.sz_applied, 4 * MIB - MIB / 2);
	assert_int_equal(m->stat.nr_applied, 4);
	assert_int_equal(m->stat.nr_snapshots, 1);
	hm_for_each_region(r, x.t)
		assert_int_equal(r->age, 0);		/* migrate reset it */
	teardown(&x);
}

/* Migrate-cold with a quota takes the coldest regions first. */
static void test_cold_first(void **state)
{
	static struct setup x;
	struct hm_scheme *s = scheme(HM_ACTION_MIGRATE_COLD);

	(void)state;
	setup(&x, 4, 1 * MIB, 0);
	tops_place(&x.o, 0, 4 * MIB, 0);
	s->dests[0].nid = 1;
	s->quota.sz = 1 * MIB;
	s->quota.weight_nr_accesses = 1;
	nth(x.t, 0)->nr_accesses = 18;
	nth(x.t, 1)->nr_accesses = 12;
	nth(x.t, 2)->nr_accesses = 0;	/* the coldest */
	nth(x.t, 3)->nr_accesses = 6;
	hm_add_scheme(x.c, s);
	x.c->sz_limit = 0;
	hm_apply_schemes(x.c);
	assert_int_equal(x.o.nr_applied, 1);
	assert_int_equal(x.o.applied[0].start, 2 * MIB);
	teardown(&x);
}

/*
 * A small quota and regions already moved: the two hottest regions are on
 * the destination already, two cooler ones are not. Each window the quota
 * holds one region. The priority threshold alone would offer the hottest
 * two every window and never reach the others; with the in-place mark the
 * scheme tries each of those once, leaves them alone, and moves the rest.
 * Past HM_IN_PLACE_MS the marks lapse; a second destination, or a merge
 * with a region elsewhere, does not keep them. In a physical address space
 * a moved page leaves its region, so only pages found in place mark it.
 */
static void test_in_place(void **state)
{
	static struct setup x;
	struct hm_scheme *s = scheme(HM_ACTION_MIGRATE_HOT);
	struct hm_region *r;

	(void)state;
	setup(&x, 4, 1 * MIB, 0);
	x.t->space = HM_SPACE_VIRT;		/* test_ops moves pages in place */
	tops_place(&x.o, 0, 2 * MIB, 0);	/* regions 0 and 1: there already */
	s->quota.sz = 1 * MIB;
	s->quota.reset_interval_ms = 100;
	s->quota.weight_nr_accesses = 1;
	nth(x.t, 0)->nr_accesses = 18;
	nth(x.t, 1)->nr_accesses = 18;
	nth(x.t, 2)->nr_accesses = 12;
	nth(x.t, 3)->nr_accesses = 12;
	hm_add_scheme(x.c, s);
	x.c->sz_limit = 0;
	for (int w = 0; w < 4; w++) {
		x.c->now_ns = (uint64_t)w * 200 * 1000000;
		x.c->passed_sample_intervals = s->next_apply_sis;
		hm_apply_schemes(x.c);
	}
	/* one try each: the two in place, then the two that move */
	assert_int_equal(x.o.nr_applied, 4);
	assert_int_equal(x.o.applied[0].start, 0);
	assert_int_equal(x.o.applied[1].start, 1 * MIB);
	assert_int_equal(x.o.applied[2].start, 2 * MIB);
	assert_int_equal(x.o.applied[3].start, 3 * MIB);
	assert_int_equal(tops_bytes_on(&x.o, 0, 4 * MIB, 0), 4 * MIB);
	assert_int_equal(s->stat.sz_applied, 2 * MIB);
	hm_for_each_region(r, x.t)
		assert_int_equal(r->in_place, 1);	/* node 0, + 1 */
	/* all marked: nothing is tried until the marks lapse */
	x.c->now_ns = 1000 * 1000000ull;
	x.c->passed_sample_intervals = s->next_apply_sis;
	hm_apply_schemes(x.c);
	assert_int_equal(x.o.nr_applied, 4);
	x.c->now_ns = (600 + HM_IN_PLACE_MS) * 1000000ull;
	x.c->passed_sample_intervals = s->next_apply_sis;
	hm_apply_schemes(x.c);
	assert_int_equal(x.o.nr_applied, 5);
	/* a merge with a region not known to be there drops the mark */
	nth(x.t, 2)->in_place = 0;
	hm_merge_two_regions(x.t, nth(x.t, 1), nth(x.t, 2));
	assert_int_equal(nth(x.t, 1)->in_place, 0);
	assert_int_equal(nth(x.t, 0)->in_place, 1);
	/* with two destinations the mark says nothing */
	s->nr_dests = 2;
	s->dests[1].nid = 1;
	assert_false(hm_region_in_place(x.c, nth(x.t, 0), s));
	teardown(&x);

	/* physical: the moved regions are not marked, the ones in place are */
	s = scheme(HM_ACTION_MIGRATE_HOT);
	setup(&x, 2, 1 * MIB, 0);
	x.t->space = HM_SPACE_PHYS;
	tops_place(&x.o, 0, 1 * MIB, 0);
	hm_add_scheme(x.c, s);
	x.c->sz_limit = 0;
	hm_apply_schemes(x.c);
	assert_int_equal(x.o.nr_applied, 2);
	assert_int_equal(nth(x.t, 0)->in_place, 1);
	assert_int_equal(nth(x.t, 1)->in_place, 0);
	teardown(&x);
}

/*
 * The merge pass keeps a region marked in place apart from an unmarked
 * neighbour of the same hotness while the mark is fresh, and merges them
 * once it has lapsed; two regions with the same mark merge.
 */
static void test_in_place_merge(void **state)
{
	static struct setup x;

	(void)state;
	setup(&x, 3, 1 * MIB, 0);
	for (int i = 0; i < 3; i++)
		nth(x.t, i)->nr_accesses = 10;
	x.c->now_ns = 5000 * 1000000ull;
	nth(x.t, 0)->in_place = 1;
	nth(x.t, 0)->in_place_ms = 5000;
	hm_merge_regions(x.c, 20, 16 * MIB);
	assert_int_equal(hm_nr_regions(x.t), 2);	/* 0 apart; 1 and 2 merged */
	assert_int_equal(nth(x.t, 0)->end, 1 * MIB);
	assert_int_equal(nth(x.t, 0)->in_place, 1);
	nth(x.t, 1)->in_place = 1;
	nth(x.t, 1)->in_place_ms = 5000;
	hm_merge_regions(x.c, 20, 16 * MIB);
	assert_int_equal(hm_nr_regions(x.t), 1);	/* the same mark */
	assert_int_equal(nth(x.t, 0)->in_place, 1);
	teardown(&x);

	setup(&x, 2, 1 * MIB, 0);
	nth(x.t, 0)->in_place = 1;
	nth(x.t, 0)->in_place_ms = 5000;
	x.c->now_ns = (5000 + HM_IN_PLACE_MS) * 1000000ull;
	hm_merge_regions(x.c, 20, 16 * MIB);
	assert_int_equal(hm_nr_regions(x.t), 1);	/* lapsed: merged */
	assert_int_equal(nth(x.t, 0)->in_place, 0);
	teardown(&x);
}

/* max_nr_snapshots stops a scheme after that many passes. */
static void test_max_snapshots(void **state)
{
	static struct setup x;
	struct hm_scheme *s = scheme(HM_ACTION_STAT);

	(void)state;
	setup(&x, 4, 1 * MIB, 0);
	s->max_nr_snapshots = 3;
	hm_add_scheme(x.c, s);
	assert_int_equal(hm_monitor_start(x.c, 0), 0);
	run_ms(&x, 0, 1000);
	assert_int_equal(s->stat.nr_snapshots, 3);
	teardown(&x);
}

/* ---- goals' metrics ----------------------------------------------------- */

static void test_goal_metrics(void **state)
{
	static struct setup x;
	struct hm_scheme *s = scheme(HM_ACTION_MIGRATE_HOT);
	struct hm_quota_goal *g = s->quota.goals;

	(void)state;
	setup(&x, 4, 1 * MIB, 0);
	s->quota.nr_goals = 6;
	g[0] = (struct hm_quota_goal){ .metric = HM_GOAL_NODE_MEM_USED_BP, .nid = 0,
				       .target_value = 1 };
	g[1] = (struct hm_quota_goal){ .metric = HM_GOAL_NODE_MEM_FREE_BP, .nid = 0,
				       .target_value = 1 };
	g[2] = (struct hm_quota_goal){ .metric = HM_GOAL_NODE_MEM_USED_BP, .nid = 7,
				       .target_value = 1 };
	g[3] = (struct hm_quota_goal){ .metric = HM_GOAL_NODE_MEM_FREE_BP, .nid = 1,
				       .target_value = 1 };
	g[4] = (struct hm_quota_goal){ .metric = HM_GOAL_NODE_ELIGIBLE_MEM_BP,
				       .nid = 0, .target_value = 1 };
	g[5] = (struct hm_quota_goal){ .metric = HM_GOAL_NODE_HOT_SHARE_BP, .nid = 0,
				       .target_value = 1 };
	x.o.mem[0] = (struct hm_node_mem){ .total = 1000, .free = 250 };
	x.o.mem[1] = (struct hm_node_mem){ .total = 0, .free = 0 };
	/* regions 0 and 1 on node 0; region 0 hot (nr 15), region 1 cold */
	tops_place(&x.o, 0, 2 * MIB, 0);
	nth(x.t, 0)->nr_accesses = 15;
	nth(x.t, 2)->nr_accesses = 5;
	/* match only regions with some access: 0 and 2 (and 3? no: nr 0) */
	s->pattern.min_nr_accesses = 1;
	hm_update_goal_values(x.c, s);
	assert_int_equal(g[0].current_value, 7500);
	assert_int_equal(g[1].current_value, 2500);
	assert_int_equal(g[2].current_value, 0);	/* no such node: none used */
	assert_int_equal(g[3].current_value, 0);	/* no memory: none free */
	/* eligible: regions 0 (node 0) and 2 (node 1), 1 MiB each: half */
	assert_int_equal(g[4].current_value, 5000);
	/* hot share: 15 x 1 MiB on node 0 of (15 + 5) x 1 MiB */
	assert_int_equal(g[5].current_value, 7500);
	/*
	 * With a counting source's estimates, those decide: 1000 on node 0
	 * against 3000 on node 1 although the sampled counts say otherwise.
	 * Mid-window the moving sum applies (left_bp 2500 here: 5 of 20
	 * samples left): 100 + 3600 x 1/4 = 1000 on node 0, 3000 on node 1.
	 */
	nth(x.t, 0)->est_accesses = 1000;
	nth(x.t, 2)->est_accesses = 3000;
	hm_update_goal_values(x.c, s);
	assert_int_equal(g[5].current_value, 2500);
	x.c->next_aggregation_sis = x.c->passed_sample_intervals + 5;
	nth(x.t, 0)->est_accesses = 100;
	nth(x.t, 0)->last_est_accesses = 3600;
	nth(x.t, 2)->est_accesses = 3000;
	nth(x.t, 2)->last_est_accesses = 0;
	hm_update_goal_values(x.c, s);
	assert_int_equal(g[5].current_value, 2500);
	/* nothing matching: 0 */
	s->pattern.min_nr_accesses = 100;
	hm_update_goal_values(x.c, s);
	assert_int_equal(g[4].current_value, 0);
	assert_int_equal(g[5].current_value, 0);
	hm_destroy_scheme(s);
	teardown(&x);
}

/* ---- watermarks ------------------------------------------------------------ */

static void test_watermarks(void **state)
{
	struct hm_scheme *s = scheme(HM_ACTION_STAT);

	(void)state;
	/* none: always active */
	assert_int_equal(hm_wmark_wait_us(s, 0), 0);
	s->wmarks = (struct hm_watermarks){ .metric = HM_WMARK_FREE_MEM_RATE,
					    .interval_us = 5000000, .high = 500,
					    .mid = 400, .low = 200 };
	/* above high: inactive, wait */
	assert_int_equal(hm_wmark_wait_us(s, 600), 5000000);
	assert_false(s->wmarks.activated);
	/* between mid and high while inactive: stay inactive */
	assert_int_equal(hm_wmark_wait_us(s, 450), 5000000);
	assert_false(s->wmarks.activated);
	/* below mid: activate at once */
	assert_int_equal(hm_wmark_wait_us(s, 399), 0);
	assert_true(s->wmarks.activated);
	/* back between mid and high while active: stay active */
	assert_int_equal(hm_wmark_wait_us(s, 450), 0);
	assert_true(s->wmarks.activated);
	/* exactly high is still inside */
	assert_int_equal(hm_wmark_wait_us(s, 500), 0);
	/* below low: deactivate */
	assert_int_equal(hm_wmark_wait_us(s, 199), 5000000);
	assert_false(s->wmarks.activated);
	/* exactly mid while inactive: stays inactive */
	s->wmarks.activated = false;
	assert_int_equal(hm_wmark_wait_us(s, 400), 5000000);
	assert_false(s->wmarks.activated);
	/* exactly low, inactive, below mid: activate */
	assert_int_equal(hm_wmark_wait_us(s, 200), 0);
	assert_true(s->wmarks.activated);
	hm_destroy_scheme(s);
}

/* ---- online commits ---------------------------------------------------------- */

static void test_commit(void **state)
{
	struct hm_ctx *c = hm_new_ctx();
	struct hm_scheme *s = scheme(HM_ACTION_MIGRATE_HOT);
	struct hm_scheme src[3];
	struct hm_scheme *it;
	unsigned int i;

	(void)state;
	s->stat.nr_tried = 42;
	s->quota.esz = 123;
	s->quota.esz_bp = 456;
	s->quota.charged_sz = 12;
	s->wmarks.activated = false;
	hm_add_scheme(c, s);

	memset(src, 0, sizeof(src));
	for (i = 0; i < 3; i++) {
		src[i].pattern = any;
		src[i].action = HM_ACTION_MIGRATE_COLD;
		src[i].nr_dests = 2;
		src[i].dests[0] = (struct hm_dest){ .nid = 1, .weight = 3 };
		src[i].dests[1] = (struct hm_dest){ .nid = 2, .weight = 1 };
		src[i].quota.sz = (i + 1) * MIB;
		src[i].quota.nr_goals = 1;
		src[i].quota.goals[0] = (struct hm_quota_goal){
			.metric = HM_GOAL_USER_INPUT, .target_value = 7000,
			.current_value = 5 };
	}
	/* an invalid one anywhere: nothing changes */
	src[2].quota.goals[0].target_value = 0;
	assert_int_equal(hm_commit_schemes(c, src, 3), -EINVAL);
	assert_int_equal(hm_nr_schemes(c), 1);
	assert_int_equal(s->action, HM_ACTION_MIGRATE_HOT);
	src[2].quota.goals[0].target_value = 7000;

	assert_int_equal(hm_commit_schemes(c, src, 3), 0);
	assert_int_equal(hm_nr_schemes(c), 3);
	/* the first was updated in place: new parameters, old state */
	assert_ptr_equal(hm_list_first_entry(&c->schemes, struct hm_scheme, list), s);
	assert_int_equal(s->action, HM_ACTION_MIGRATE_COLD);
	assert_int_equal(s->nr_dests, 2);
	assert_int_equal(s->quota.sz, 1 * MIB);
	assert_int_equal(s->quota.goals[0].current_value, 5);
	assert_int_equal(s->stat.nr_tried, 42);
	assert_int_equal(s->quota.esz, 123);
	assert_int_equal(s->quota.esz_bp, 456);
	assert_int_equal(s->quota.charged_sz, 12);
	assert_false(s->wmarks.activated);
	/* the others were appended, fresh */
	i = 0;
	hm_for_each_scheme(it, c) {
		assert_int_equal(it->quota.sz, (i + 1) * MIB);
		i++;
	}
	/* shrinking destroys the extra ones */
	assert_int_equal(hm_commit_schemes(c, src, 1), 0);
	assert_int_equal(hm_nr_schemes(c), 1);
	/* a live goal change keeps the tuner's state */
	src[0].quota.goals[0].target_value = 9000;
	assert_int_equal(hm_commit_scheme(s, &src[0]), 0);
	assert_int_equal(s->quota.goals[0].target_value, 9000);
	assert_int_equal(s->quota.esz_bp, 456);
	hm_destroy_ctx(c);
}

static void test_validation(void **state)
{
	struct hm_scheme t = { .pattern = any, .action = HM_ACTION_MIGRATE_HOT };
	int err = 0;

	(void)state;
	assert_null(hm_new_scheme(&t, &err));	/* migrate without a destination */
	assert_int_equal(err, -EINVAL);
	t.nr_dests = 2;				/* weights all zero */
	assert_null(hm_new_scheme(&t, &err));
	t.nr_dests = 1;
	t.pattern.min_age = 5;
	t.pattern.max_age = 4;			/* min above max */
	assert_null(hm_new_scheme(&t, &err));
	t.pattern = any;
	t.nr_filters = 1;
	t.filters[0].type = HM_FILTER_ADDR;	/* empty range */
	assert_null(hm_new_scheme(&t, &err));
	t.filters[0].addr.end = 10;
	t.wmarks = (struct hm_watermarks){ .metric = HM_WMARK_FREE_MEM_RATE,
					   .high = 100, .mid = 200, .low = 50 };
	assert_null(hm_new_scheme(&t, &err));	/* mid above high */
	t.wmarks.high = 300;
	{
		struct hm_scheme *s = hm_new_scheme(&t, &err);

		assert_non_null(s);
		assert_true(s->wmarks.activated);
		hm_destroy_scheme(s);
	}
}

/* Weighted destinations are taken in turn by weight; one, or none, as is. */
static void test_pick_dest(void **state)
{
	struct hm_scheme s = { .nr_dests = 2, .dests = { { 0, 3 }, { 1, 1 } } };
	static const int want[8] = { 0, 0, 0, 1, 0, 0, 0, 1 };
	uint32_t turn = 0;

	(void)state;
	for (int i = 0; i < 8; i++)
		assert_int_equal(hm_scheme_pick_dest(&s, &turn), want[i]);
	assert_int_equal(turn, 8);
	s.dests[1].weight = 0;	/* 0 counts as 1 */
	turn = 0;
	assert_int_equal(hm_scheme_pick_dest(&s, &turn), 0);
	assert_int_equal(hm_scheme_pick_dest(&s, &turn), 0);
	assert_int_equal(hm_scheme_pick_dest(&s, &turn), 0);
	assert_int_equal(hm_scheme_pick_dest(&s, &turn), 1);
	s.nr_dests = 1;
	assert_int_equal(hm_scheme_pick_dest(&s, &turn), 0);
	s.nr_dests = 0;
	assert_int_equal(hm_scheme_pick_dest(&s, &turn), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scores),
		cmocka_unit_test(test_min_score_histogram),
		cmocka_unit_test(test_fail_charge),
		cmocka_unit_test(test_effective_quota),
		cmocka_unit_test(test_temporal_saturates),
		cmocka_unit_test(test_windows),
		cmocka_unit_test(test_apply_scheme_quota_sz),
		cmocka_unit_test(test_filter_out),
		cmocka_unit_test(test_apply_filtered_sz),
		cmocka_unit_test(test_default_reject),
		cmocka_unit_test(test_last_region_quota_reset),
		cmocka_unit_test(test_size_quota_selftest),
		cmocka_unit_test(test_resume_point),
		cmocka_unit_test(test_resume_across_targets),
		cmocka_unit_test(test_quota_full_remainder),
		cmocka_unit_test(test_apply_interval),
		cmocka_unit_test(test_user_input_goal),
		cmocka_unit_test(test_stats_and_age),
		cmocka_unit_test(test_cold_first),
		cmocka_unit_test(test_in_place),
		cmocka_unit_test(test_in_place_merge),
		cmocka_unit_test(test_max_snapshots),
		cmocka_unit_test(test_goal_metrics),
		cmocka_unit_test(test_watermarks),
		cmocka_unit_test(test_commit),
		cmocka_unit_test(test_validation),
		cmocka_unit_test(test_pick_dest),
	};

	return hm_run_tests(tests);
}
