// SPDX-License-Identifier: MIT
/*
 * The drain: reports into regions. A seeded comparison against a plain
 * linear-scan reference written here, then one test per rule: the binary
 * rule, weighted accounting and its normalization, the nr_accesses bound,
 * boundaries and straddling (reject and split), freshness, the sample-filter
 * truth table with DAMON's default rule, eligibility by pid and address
 * space, and draining from rings versus from an array.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <hotmem/drain.h>
#include <hotmem/rand.h>

#include "../hm_test.h"

#define MS 1000000ull

/* A context with one target over the given ranges and two sources:
 * id 0 binary (scale 1), id 1 weighted (scale 16). */
static struct hm_ctx *ctx_with(const struct hm_addr_range *ranges, unsigned int n,
			       int32_t pid, struct hm_target **tp)
{
	struct hm_ctx *ctx = hm_new_ctx();
	struct hm_target *t = hm_new_target();

	assert_non_null(ctx);
	assert_non_null(t);
	ctx->min_region_sz = 1;
	t->pid = pid;
	assert_int_equal(hm_set_regions(t, ranges, n, 1), 0);
	hm_add_target(ctx, t);
	assert_int_equal(hm_add_source(ctx, "sampler", HM_ACCT_BINARY, 1), 0);
	assert_int_equal(hm_add_source(ctx, "counter", HM_ACCT_WEIGHTED, 16), 1);
	if (tp)
		*tp = t;
	return ctx;
}

static struct hm_region *nth(struct hm_target *t, unsigned int i)
{
	struct hm_region *r;

	hm_for_each_region(r, t)
		if (!i--)
			return r;
	return NULL;
}

static struct hm_report at(uint64_t addr, uint64_t size, uint8_t source,
			   uint32_t count)
{
	struct hm_report r = { .addr = addr, .size = size, .time_ns = 10 * MS,
			       .count = count, .pid = 7, .tid = 70, .cpu = 0,
			       .node = -1, .source = source };
	return r;
}

static void assert_partition(const struct hm_drain_stats *s)
{
	assert_int_equal(s->drained, s->stale + s->invalid + s->filtered +
					     s->applied + s->straddling + s->unmatched);
}

static void assert_counters_equal(const struct hm_drain_stats *a,
				  const struct hm_drain_stats *b)
{
	assert_int_equal(a->drained, b->drained);
	assert_int_equal(a->stale, b->stale);
	assert_int_equal(a->invalid, b->invalid);
	assert_int_equal(a->filtered, b->filtered);
	assert_int_equal(a->applied, b->applied);
	assert_int_equal(a->straddling, b->straddling);
	assert_int_equal(a->unmatched, b->unmatched);
}

/* ---- the seeded comparison --------------------------------------------- */

struct ref_region {
	uint64_t start, end;
	uint32_t nr;
	uint32_t wres;
	uint64_t est;
	bool hit;
	uint64_t w;
};

struct ref_target {
	int32_t pid;
	enum hm_addr_space space;
	struct ref_region *r;
	unsigned int n;
};

struct ref_filter {
	struct hm_sample_filter f;
	uint64_t cpus[1];
	int32_t tids[4];
};

static bool ref_eligible(const struct ref_target *t, const struct hm_report *r)
{
	bool phys = r->flags & HM_REPORT_PHYS;

	if (t->pid >= 0)
		return !phys && r->pid == t->pid;
	if (t->space == HM_SPACE_VIRT)
		return !phys;
	if (t->space == HM_SPACE_PHYS)
		return phys;
	return true;
}

static bool ref_keep(const struct ref_filter *fs, unsigned int nf,
		     const struct hm_report *r)
{
	unsigned int i, j;

	for (i = 0; i < nf; i++) {
		const struct hm_sample_filter *f = &fs[i].f;
		bool prop = false;

		if (f->type == HM_SAMPLE_FILTER_WRITE)
			prop = r->flags & HM_REPORT_WRITE;
		else if (f->type == HM_SAMPLE_FILTER_CPUMASK)
			prop = r->cpu >= 0 && r->cpu < 64 && (fs[i].cpus[0] >> r->cpu & 1);
		else
			for (j = 0; j < f->nr_tids; j++)
				prop |= fs[i].tids[j] == r->tid;
		if (prop == f->matching)
			return f->allow;
	}
	return nf ? !fs[nf - 1].f.allow : true;
}

/* 0 unmatched, 1 straddling, 2 applied */
static int ref_apply(struct ref_target *t, const struct hm_report *r, bool split,
		     bool weighted, uint64_t w)
{
	uint64_t size = r->size ? r->size : 1;
	uint64_t last = size > UINT64_MAX - r->addr ? UINT64_MAX : r->addr + size;
	unsigned int i;

	for (i = 0; i < t->n; i++) {
		struct ref_region *g = &t->r[i];

		if (g->start <= r->addr && r->addr < g->end) {
			if (last <= g->end) {
				if (weighted)
					g->w += w;
				else
					g->hit = true;
				return 2;
			}
			break;
		}
	}
	if (!split)
		return i < t->n ? 1 : 0;
	/* share by overlap, with the cumulative rounding the drain documents */
	{
		uint64_t done = 0, given = 0;
		bool any = false;

		for (i = 0; i < t->n; i++) {
			struct ref_region *g = &t->r[i];
			uint64_t lo = g->start > r->addr ? g->start : r->addr;
			uint64_t hi = g->end < last ? g->end : last;
			uint64_t share;

			if (hi <= lo)
				continue;
			done += hi - lo;
			share = (uint64_t)((unsigned __int128)w * done /
					   (last - r->addr)) - given;
			given += share;
			if (weighted)
				g->w += share;
			else
				g->hit = true;
			any = true;
		}
		return any ? 2 : 0;
	}
}

static void ref_sample(struct ref_target *t)
{
	unsigned int i;

	for (i = 0; i < t->n; i++) {
		struct ref_region *g = &t->r[i];
		bool acc = g->hit;

		g->est += g->w;
		if (g->w)
			g->wres += hm_weighted_sample_bp(g->w, g->end - g->start, 1);
		if (g->wres >= 10000) {
			g->wres -= 10000;
			acc = true;
		}
		g->nr += acc;
		g->hit = false;
		g->w = 0;
	}
}

static void random_case(uint64_t seed, bool split)
{
	struct ref_target rt[2];
	struct ref_filter rf[3];
	struct hm_sample_filter hf[3];
	struct hm_drain_stats st, want;
	struct hm_report *reps;
	struct hm_target *t;
	struct hm_rand rng;
	struct hm_ctx *ctx;
	unsigned int nf, i, k, s;
	uint64_t now;

	hm_rand_seed(&rng, seed);
	ctx = hm_new_ctx();
	ctx->min_region_sz = 1;
	ctx->straddle = split ? HM_STRADDLE_SPLIT : HM_STRADDLE_REJECT;
	ctx->freshness_ns = 5 * MS;
	assert_int_equal(hm_add_source(ctx, "b", HM_ACCT_BINARY, 1), 0);
	assert_int_equal(hm_add_source(ctx, "w16", HM_ACCT_WEIGHTED, 16), 1);
	assert_int_equal(hm_add_source(ctx, "w1", HM_ACCT_WEIGHTED, 1), 2);

	/* two targets: a process (pid 7) and a physical-address one */
	for (k = 0; k < 2; k++) {
		struct hm_addr_range ranges[64];
		uint64_t pos = hm_rand_below(&rng, 1000);
		unsigned int n = 1 + (unsigned int)hm_rand_below(&rng, 64);

		for (i = 0; i < n; i++) {
			/* adjacent or with a gap, sizes 1..5000 */
			pos += hm_rand_chance(&rng, 1, 3) ? hm_rand_below(&rng, 3000) : 0;
			ranges[i].start = pos;
			pos += 1 + hm_rand_below(&rng, 5000);
			ranges[i].end = pos;
		}
		t = hm_new_target();
		t->pid = k == 0 ? 7 : -1;
		t->space = k == 0 ? HM_SPACE_VIRT : HM_SPACE_PHYS;
		assert_int_equal(hm_set_regions(t, ranges, n, 1), 0);
		hm_add_target(ctx, t);
		rt[k].pid = t->pid;
		rt[k].space = t->space;
		rt[k].n = n;
		rt[k].r = calloc(n, sizeof(*rt[k].r));
		for (i = 0; i < n; i++) {
			rt[k].r[i].start = ranges[i].start;
			rt[k].r[i].end = ranges[i].end;
		}
	}

	/* up to three random sample filters */
	nf = (unsigned int)hm_rand_below(&rng, 4);
	memset(rf, 0, sizeof(rf));
	for (i = 0; i < nf; i++) {
		struct hm_sample_filter *f = &rf[i].f;

		f->type = (enum hm_sample_filter_type)hm_rand_below(&rng, 3);
		f->matching = hm_rand_chance(&rng, 1, 2);
		f->allow = hm_rand_chance(&rng, 1, 2);
		rf[i].cpus[0] = hm_rand_next(&rng) & 0xff;
		for (k = 0; k < 4; k++)
			rf[i].tids[k] = (int32_t)hm_rand_below(&rng, 8);
		f->cpus = rf[i].cpus;
		f->nr_cpus = 64;
		f->tids = rf[i].tids;
		f->nr_tids = 4;
		hf[i] = *f;
	}
	assert_int_equal(hm_set_sample_filters(ctx, hf, nf), 0);

	reps = calloc(2000, sizeof(*reps));
	for (s = 1; s <= 12; s++) {
		unsigned int nrep = (unsigned int)hm_rand_below(&rng, 2000);

		now = s * 5 * MS;
		memset(&want, 0, sizeof(want));
		for (i = 0; i < nrep; i++) {
			struct hm_report *r = &reps[i];
			static const uint64_t sizes[] = { 0, 1, 8, 64, 4096 };

			memset(r, 0, sizeof(*r));
			r->addr = hm_rand_below(&rng, 200000);
			r->size = hm_rand_chance(&rng, 1, 10) ?
					  hm_rand_below(&rng, 20000) :
					  sizes[hm_rand_below(&rng, 5)];
			r->count = (uint32_t)hm_rand_below(&rng, 100);
			r->source = (uint8_t)(hm_rand_chance(&rng, 1, 50) ? 3 :
					      hm_rand_below(&rng, 3));
			r->pid = hm_rand_chance(&rng, 4, 5) ? 7 : 8;
			r->tid = (int32_t)hm_rand_below(&rng, 8);
			r->cpu = (int32_t)hm_rand_below(&rng, 10) - 1;
			r->flags = (uint8_t)hm_rand_below(&rng, 4);
			r->time_ns = now - hm_rand_below(&rng, 7 * MS);

			/* the reference */
			want.drained++;
			/* in the first samples some times wrap into the future:
			 * those are fresh */
			if (r->time_ns < now && now - r->time_ns > 5 * MS) {
				want.stale++;
				continue;
			}
			if (r->source >= 3) {
				want.invalid++;
				continue;
			}
			if (!ref_keep(rf, nf, r)) {
				want.filtered++;
				continue;
			}
			{
				int best = 0;
				bool weighted = r->source != 0;
				uint64_t w = (uint64_t)r->count * (r->source == 1 ? 16 : 1);

				for (k = 0; k < 2; k++) {
					int o;

					if (!ref_eligible(&rt[k], r))
						continue;
					o = ref_apply(&rt[k], r, split, weighted, w);
					best = o > best ? o : best;
				}
				if (best == 2)
					want.applied++;
				else if (best == 1)
					want.straddling++;
				else
					want.unmatched++;
			}
		}
		for (k = 0; k < 2; k++)
			ref_sample(&rt[k]);

		assert_int_equal(hm_drain_reports(ctx, reps, nrep, now, &st), 0);
		assert_counters_equal(&st, &want);
		assert_partition(&st);

		k = 0;
		hm_for_each_target(t, ctx) {
			struct hm_region *r;

			i = 0;
			hm_for_each_region(r, t) {
				assert_int_equal(r->nr_accesses, rt[k].r[i].nr);
				assert_int_equal(r->est_accesses, rt[k].r[i].est);
				assert_int_equal(r->wres_bp, rt[k].r[i].wres);
				assert_true(r->nr_accesses <= s);
				i++;
			}
			k++;
		}
	}
	free(reps);
	free(rt[0].r);
	free(rt[1].r);
	hm_destroy_ctx(ctx);
}

static void test_against_reference(void **state)
{
	uint64_t seed;

	(void)state;
	for (seed = 1; seed <= 40; seed++) {
		random_case(seed, false);
		random_case(seed, true);
	}
}

/* ---- one rule at a time ----------------------------------------------- */

/* Many reports in one region in one sample count once (DAMON's binary rule);
 * unreported regions get a not-accessed sample. */
static void test_binary_rule(void **state)
{
	struct hm_addr_range rg[] = { { 0, 100 }, { 100, 200 } };
	struct hm_report reps[50];
	struct hm_drain_stats st;
	struct hm_target *t;
	struct hm_ctx *ctx = ctx_with(rg, 2, 7, &t);
	unsigned int i;

	(void)state;
	for (i = 0; i < 50; i++)
		reps[i] = at(i, 1, 0, 1);
	assert_int_equal(hm_drain_reports(ctx, reps, 50, 10 * MS, &st), 0);
	assert_int_equal(nth(t, 0)->nr_accesses, 1);
	assert_int_equal(nth(t, 1)->nr_accesses, 0);
	assert_int_equal(st.applied, 50);
	assert_int_equal(st.max_nr_accesses, 1);
	/* a drain with no reports at all is still a sample */
	assert_int_equal(hm_drain_reports(ctx, NULL, 0, 15 * MS, &st), 0);
	assert_int_equal(nth(t, 0)->nr_accesses, 1);
	assert_int_equal(ctx->totals.samples, 2);
	hm_destroy_ctx(ctx);
}

/* Weighted reports add count x scale to est_accesses. */
static void test_weighted_estimate(void **state)
{
	struct hm_addr_range rg[] = { { 0, 4096 } };
	struct hm_report reps[3] = { at(0, 64, 1, 3), at(64, 64, 1, 5),
				     at(128, 64, 0, 9) };
	struct hm_target *t;
	struct hm_ctx *ctx = ctx_with(rg, 1, 7, &t);

	(void)state;
	assert_int_equal(hm_drain_reports(ctx, reps, 3, 10 * MS, NULL), 0);
	/* (3 + 5) x 16; the binary report adds nothing to the estimate */
	assert_int_equal(nth(t, 0)->est_accesses, 128);
	assert_int_equal(nth(t, 0)->nr_accesses, 1);
	hm_destroy_ctx(ctx);
}

/* The normalization, with numbers. */
static void test_weighted_normalization(void **state)
{
	uint64_t w;
	uint32_t prev = 0;

	(void)state;
	assert_int_equal(hm_weighted_sample_bp(0, 4096, 4096), 0);
	assert_int_equal(hm_weighted_sample_bp(1, 4096, 4096), 5000);	  /* x = 1 */
	assert_int_equal(hm_weighted_sample_bp(3, 4096, 4096), 7500);	  /* x = 3 */
	assert_int_equal(hm_weighted_sample_bp(1, 3 * 4096, 4096), 2500); /* x = 1/3 */
	assert_int_equal(hm_weighted_sample_bp(1, 9999 * 4096, 4096), 1);
	assert_int_equal(hm_weighted_sample_bp(UINT64_MAX, 4096, 4096), 10000);
	assert_int_equal(hm_weighted_sample_bp(5, 0, 4096), 10000);
	/* monotone in the estimate, never above one sample */
	for (w = 0; w < 100000; w += 1 + w / 7) {
		uint32_t p = hm_weighted_sample_bp(w, 1 << 20, 4096);

		assert_true(p >= prev);
		assert_true(p <= 10000);
		prev = p;
	}
}

/* A sparse weighted stream: shares carry over between samples. */
static void test_weighted_carry(void **state)
{
	struct hm_addr_range rg[] = { { 0, 4 * 4096 } };
	struct hm_target *t;
	struct hm_ctx *ctx = ctx_with(rg, 1, 7, &t);
	unsigned int s;

	(void)state;
	ctx->min_region_sz = 4096;
	/* one access per sample over 4 pages: x = 1/4, p = 2000 bp per sample */
	ctx->sources[1].scale = 1;
	for (s = 1; s <= 20; s++) {
		struct hm_report r = at(0, 64, 1, 1);

		r.time_ns = s * 5 * MS;
		assert_int_equal(hm_drain_reports(ctx, &r, 1, s * 5 * MS, NULL), 0);
	}
	assert_int_equal(nth(t, 0)->nr_accesses, 4);	/* 20 x 2000 bp */
	assert_int_equal(nth(t, 0)->wres_bp, 0);
	assert_int_equal(nth(t, 0)->est_accesses, 20);
	hm_destroy_ctx(ctx);
}

/* Whatever the mix and the weights, nr_accesses <= samples. */
static void test_nr_accesses_bound(void **state)
{
	struct hm_addr_range rg[] = { { 0, 4096 }, { 4096, 8192 } };
	struct hm_report reps[4];
	struct hm_drain_stats st;
	struct hm_target *t;
	struct hm_ctx *ctx = ctx_with(rg, 2, 7, &t);
	unsigned int s;

	(void)state;
	for (s = 1; s <= 20; s++) {
		reps[0] = at(0, 64, 1, UINT32_MAX);
		reps[1] = at(100, 64, 0, 1);
		reps[2] = at(4096, 64, 1, UINT32_MAX);
		reps[3] = at(5000, 64, 1, UINT32_MAX);
		for (unsigned int i = 0; i < 4; i++)
			reps[i].time_ns = s * 5 * MS;
		assert_int_equal(hm_drain_reports(ctx, reps, 4, s * 5 * MS, &st), 0);
		assert_true(nth(t, 0)->nr_accesses <= s);
		assert_true(nth(t, 1)->nr_accesses <= s);
		assert_true(st.max_nr_accesses <= s);
	}
	assert_int_equal(nth(t, 0)->nr_accesses, 20);
	assert_int_equal(nth(t, 1)->nr_accesses, 20);
	hm_destroy_ctx(ctx);
}

/* Region boundaries, as the binary search sees them. */
static void test_boundaries(void **state)
{
	struct hm_addr_range rg[] = { { 100, 200 }, { 200, 300 }, { 400, 500 } };
	struct hm_report r;
	struct hm_drain_stats st;
	struct hm_target *t;
	struct hm_ctx *ctx = ctx_with(rg, 3, 7, &t);
	struct {
		uint64_t addr, size;
		int hit;		/* region index counted, -1 none */
		bool straddling;
	} cases[] = {
		{ 100, 1, 0, false },	/* a region's first byte */
		{ 199, 1, 0, false },	/* end - 1, size 1 */
		{ 199, 2, -1, true },	/* crosses into the next region */
		{ 200, 100, 1, false },	/* exactly the second region */
		{ 250, 51, -1, true },	/* crosses into the gap */
		{ 300, 1, -1, false },	/* the gap */
		{ 99, 1, -1, false },	/* before the first */
		{ 99, 2, -1, false },	/* starts outside: not a straddle */
		{ 499, 1, 2, false },	/* the last byte */
		{ 500, 1, -1, false },	/* past the end */
		{ 450, 0, 2, false },	/* size 0 is a point */
		{ UINT64_MAX, 5, -1, false },
	};
	unsigned int i, j;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		for (j = 0; j < 3; j++)
			nth(t, j)->nr_accesses = 0;
		r = at(cases[i].addr, cases[i].size, 0, 1);
		assert_int_equal(hm_drain_reports(ctx, &r, 1, 10 * MS, &st), 0);
		for (j = 0; j < 3; j++)
			assert_int_equal(nth(t, j)->nr_accesses,
					 (int)j == cases[i].hit);
		assert_int_equal(st.applied, cases[i].hit >= 0);
		assert_int_equal(st.straddling, cases[i].straddling);
		assert_int_equal(st.unmatched, cases[i].hit < 0 && !cases[i].straddling);
	}
	hm_destroy_ctx(ctx);
}

/* The split policy shares a straddling report by overlap. */
static void test_straddle_split(void **state)
{
	struct hm_addr_range rg[] = { { 0, 100 }, { 100, 200 }, { 300, 400 } };
	struct hm_drain_stats st;
	struct hm_target *t;
	struct hm_ctx *ctx = ctx_with(rg, 3, 7, &t);
	struct hm_report r;

	(void)state;
	ctx->straddle = HM_STRADDLE_SPLIT;
	/* 75 bytes in region 0, 25 in region 1: weight 100 x 16 split 3:1 */
	r = at(25, 100, 1, 100);
	assert_int_equal(hm_drain_reports(ctx, &r, 1, 10 * MS, &st), 0);
	assert_int_equal(st.applied, 1);
	assert_int_equal(nth(t, 0)->est_accesses, 1200);
	assert_int_equal(nth(t, 1)->est_accesses, 400);
	/* shares below a whole sample: 1200/1300 and 400/500 of one */
	assert_int_equal(nth(t, 0)->wres_bp, 9231);
	assert_int_equal(nth(t, 1)->wres_bp, 8000);
	assert_int_equal(nth(t, 0)->nr_accesses, 0);
	/* binary: both regions sampled as accessed */
	r = at(150, 200, 0, 1);	/* [150, 350): regions 1 and 2, and the gap */
	assert_int_equal(hm_drain_reports(ctx, &r, 1, 10 * MS, &st), 0);
	assert_int_equal(nth(t, 0)->nr_accesses, 0);
	assert_int_equal(nth(t, 1)->nr_accesses, 1);
	assert_int_equal(nth(t, 2)->nr_accesses, 1);
	/* starting in the gap still reaches the region it overlaps */
	r = at(250, 100, 1, 10);
	assert_int_equal(hm_drain_reports(ctx, &r, 1, 10 * MS, &st), 0);
	assert_int_equal(st.applied, 1);
	assert_int_equal(nth(t, 2)->est_accesses, 80);	/* half of 160 */
	/* the same report under the reject rule */
	ctx->straddle = HM_STRADDLE_REJECT;
	r = at(25, 100, 1, 100);
	assert_int_equal(hm_drain_reports(ctx, &r, 1, 10 * MS, &st), 0);
	assert_int_equal(st.straddling, 1);
	assert_int_equal(nth(t, 0)->est_accesses, 1200);
	hm_destroy_ctx(ctx);
}

/*
 * Coverage: a region counts an access with the chance that one random
 * address of it was reported. A report over a quarter of a region hits it
 * in about a quarter of the samples; one over all of it, in every sample;
 * pieces add up; the region next to it, never.
 */
static void test_coverage(void **state)
{
	struct hm_addr_range rg[] = { { 0, 4000 }, { 4000, 8000 }, { 8000, 12000 } };
	struct hm_drain_stats st;
	struct hm_target *t;
	struct hm_ctx *ctx = ctx_with(rg, 3, 7, &t);
	struct hm_report r[3];
	const int n = 4000;

	(void)state;
	ctx->straddle = HM_STRADDLE_SPLIT;
	hm_rand_seed(&ctx->rng, 42);
	assert_int_equal(hm_add_source(ctx, "hot ranges", HM_ACCT_COVERAGE, 1), 2);
	r[0] = at(1000, 1000, 2, 1);	/* a quarter of region 0 */
	r[1] = at(3000, 2000, 2, 1);	/* a quarter of 0 and of 1, straddling */
	r[2] = at(5000, 3000, 2, 1);	/* the rest of 1 */
	for (int k = 0; k < n; k++) {
		assert_int_equal(hm_drain_reports(ctx, r, 3, 10 * MS, &st), 0);
		assert_int_equal(st.applied, 3);
	}
	/* region 0: half covered, 2000 of 4000 expected (binomial sd 32) */
	printf("# note: coverage: region 0 hit in %u of %d samples, region 1 in %u\n",
	       nth(t, 0)->nr_accesses, n, nth(t, 1)->nr_accesses);
	assert_in_range(nth(t, 0)->nr_accesses, 1800, 2200);
	assert_int_equal(nth(t, 1)->nr_accesses, n);	/* covered whole, in two pieces */
	assert_int_equal(nth(t, 2)->nr_accesses, 0);
	assert_int_equal(nth(t, 0)->est_accesses, 0);	/* no weight */
	/* the same reports, binary: every region they touch, every time */
	ctx->sources[2].acct = HM_ACCT_BINARY;
	for (int k = 0; k < 10; k++) {
		uint32_t before = nth(t, 0)->nr_accesses;

		assert_int_equal(hm_drain_reports(ctx, r, 3, 10 * MS, &st), 0);
		assert_int_equal(nth(t, 0)->nr_accesses, before + 1);
	}
	hm_destroy_ctx(ctx);
}

/* Reports older than the freshness window are ignored and counted. */
static void test_freshness(void **state)
{
	struct hm_addr_range rg[] = { { 0, 100 } };
	struct hm_drain_stats st;
	struct hm_target *t;
	struct hm_ctx *ctx = ctx_with(rg, 1, 7, &t);
	struct hm_report r[4];

	(void)state;
	/* default: one sampling interval, 5 ms */
	r[0] = at(0, 1, 0, 1);
	r[0].time_ns = 100 * MS - 5 * MS;	/* exactly one interval: fresh */
	r[1] = r[0];
	r[1].time_ns = 100 * MS - 5 * MS - 1;	/* one ns older: stale */
	r[2] = r[0];
	r[2].time_ns = 200 * MS;		/* from the future: fresh */
	r[3] = r[0];
	r[3].time_ns = 0;
	assert_int_equal(hm_drain_reports(ctx, r, 4, 100 * MS, &st), 0);
	assert_int_equal(st.stale, 2);
	assert_int_equal(st.applied, 2);
	/* a longer window */
	ctx->freshness_ns = 200 * MS;
	assert_int_equal(hm_drain_reports(ctx, r, 4, 100 * MS, &st), 0);
	assert_int_equal(st.stale, 0);
	hm_destroy_ctx(ctx);
}

static bool pass(struct hm_ctx *ctx, const struct hm_sample_filter *f,
		 unsigned int n, const struct hm_report *r)
{
	assert_int_equal(hm_set_sample_filters(ctx, f, n), 0);
	return hm_sample_filters_pass(ctx, r);
}

/* DAMON's filter rule, case by case. */
static void test_filter_truth_table(void **state)
{
	struct hm_ctx *ctx = hm_new_ctx();
	uint64_t cpus[1] = { 1u << 2 };			/* CPU 2 */
	int32_t tids[] = { 9, 3, 5 };
	struct hm_report on2 = at(0, 1, 0, 1), on3 = on2, wr = on2;
	struct hm_sample_filter cpu = { .type = HM_SAMPLE_FILTER_CPUMASK,
					.cpus = cpus, .nr_cpus = 64 };
	struct hm_sample_filter thr = { .type = HM_SAMPLE_FILTER_THREADS,
					.tids = tids, .nr_tids = 3 };
	struct hm_sample_filter write = { .type = HM_SAMPLE_FILTER_WRITE };
	struct hm_sample_filter two[2];
	int m, a;

	(void)state;
	on2.cpu = 2;
	on2.tid = 5;
	on3.cpu = 3;
	on3.tid = 4;
	wr.flags = HM_REPORT_WRITE;
	wr.cpu = -1;

	/* no filters: everything is kept */
	assert_true(pass(ctx, NULL, 0, &on2));

	/* one filter: matched -> its allow; not matched -> !allow */
	for (m = 0; m < 2; m++) {
		for (a = 0; a < 2; a++) {
			cpu.matching = m;
			cpu.allow = a;
			/* on2 has the property; it matches iff matching */
			assert_int_equal(pass(ctx, &cpu, 1, &on2), m ? a : !a);
			assert_int_equal(pass(ctx, &cpu, 1, &on3), m ? !a : a);
			/* an unknown CPU is outside every mask */
			assert_int_equal(pass(ctx, &cpu, 1, &wr), m ? !a : a);
			thr.matching = m;
			thr.allow = a;
			assert_int_equal(pass(ctx, &thr, 1, &on2), m ? a : !a);
			assert_int_equal(pass(ctx, &thr, 1, &on3), m ? !a : a);
			write.matching = m;
			write.allow = a;
			assert_int_equal(pass(ctx, &write, 1, &wr), m ? a : !a);
			assert_int_equal(pass(ctx, &write, 1, &on2), m ? !a : a);
		}
	}

	/* first match decides: allow CPU 2, then reject writes */
	cpu.matching = true;
	cpu.allow = true;
	write.matching = true;
	write.allow = false;
	two[0] = cpu;
	two[1] = write;
	wr.cpu = 2;
	assert_true(pass(ctx, two, 2, &wr));	/* the allow came first */
	wr.cpu = 3;
	assert_false(pass(ctx, two, 2, &wr));	/* only the reject matched */
	/* neither matched, last is reject: kept */
	assert_true(pass(ctx, two, 2, &on3));

	/* neither matched, last is allow: dropped */
	two[0] = write;				/* reject writes */
	two[1] = cpu;				/* allow CPU 2 */
	assert_false(pass(ctx, two, 2, &on3));
	assert_true(pass(ctx, two, 2, &on2));
	hm_destroy_ctx(ctx);
}

/* Filtered reports are counted; a bad filter set changes nothing. */
static void test_filters_in_drain(void **state)
{
	struct hm_addr_range rg[] = { { 0, 100 } };
	struct hm_sample_filter w = { .type = HM_SAMPLE_FILTER_WRITE,
				      .matching = false, .allow = false };
	struct hm_sample_filter bad = { .type = HM_SAMPLE_FILTER_THREADS,
					.nr_tids = 3 };
	struct hm_drain_stats st;
	struct hm_target *t;
	struct hm_ctx *ctx = ctx_with(rg, 1, 7, &t);
	struct hm_report r[2] = { at(0, 1, 0, 1), at(1, 1, 0, 1) };

	(void)state;
	r[1].flags |= HM_REPORT_WRITE;
	assert_int_equal(hm_set_sample_filters(ctx, &w, 1), 0);
	assert_int_equal(hm_set_sample_filters(ctx, &bad, 1), -EINVAL);
	assert_int_equal(hm_drain_reports(ctx, r, 2, 10 * MS, &st), 0);
	assert_int_equal(st.filtered, 1);	/* the write-only filter stayed */
	assert_int_equal(st.applied, 1);
	hm_destroy_ctx(ctx);
}

/* Which targets accept which reports. */
static void test_eligibility(void **state)
{
	struct hm_target *t = hm_new_target();
	struct hm_report v = at(0, 1, 0, 1), p = v, other = v;

	(void)state;
	p.flags = HM_REPORT_PHYS;
	other.pid = 8;
	/* a new target accepts anything */
	assert_true(hm_report_eligible(t, &v));
	assert_true(hm_report_eligible(t, &p));
	t->space = HM_SPACE_VIRT;
	assert_true(hm_report_eligible(t, &v));
	assert_false(hm_report_eligible(t, &p));
	t->space = HM_SPACE_PHYS;
	assert_false(hm_report_eligible(t, &v));
	assert_true(hm_report_eligible(t, &p));
	/* a process target: its own pid, virtual addresses only */
	t->pid = 7;
	assert_true(hm_report_eligible(t, &v));
	assert_false(hm_report_eligible(t, &other));
	assert_false(hm_report_eligible(t, &p));
	hm_destroy_target(t, NULL);
}

/* Another process's report is not applied to this one, and is counted. */
static void test_eligibility_in_drain(void **state)
{
	struct hm_addr_range rg[] = { { 0, 100 } };
	struct hm_drain_stats st;
	struct hm_target *t;
	struct hm_ctx *ctx = ctx_with(rg, 1, 7, &t);
	struct hm_report r = at(10, 1, 0, 1);

	(void)state;
	r.pid = 8;
	assert_int_equal(hm_drain_reports(ctx, &r, 1, 10 * MS, &st), 0);
	assert_int_equal(st.unmatched, 1);
	assert_int_equal(nth(t, 0)->nr_accesses, 0);
	hm_destroy_ctx(ctx);
}

static void test_sources(void **state)
{
	struct hm_ctx *ctx = hm_new_ctx();
	struct hm_addr_range rg[] = { { 0, 100 } };
	struct hm_target *t = hm_new_target();
	struct hm_drain_stats st;
	struct hm_report r = at(0, 1, 5, 1);
	int i;

	(void)state;
	assert_int_equal(hm_add_source(ctx, "x", HM_ACCT_BINARY, 0), -EINVAL);
	assert_int_equal(hm_add_source(ctx, "x", (enum hm_accounting)9, 1), -EINVAL);
	for (i = 0; i < HM_MAX_SOURCES; i++)
		assert_int_equal(hm_add_source(ctx, "a-rather-long-source-name-here-xx",
					       HM_ACCT_BINARY, 1), i);
	assert_int_equal(hm_add_source(ctx, "x", HM_ACCT_BINARY, 1), -ENOSPC);
	assert_int_equal(strlen(ctx->sources[0].name), HM_SOURCE_NAME_LEN - 1);
	hm_destroy_ctx(ctx);

	/* a report naming no registered source is invalid */
	ctx = hm_new_ctx();
	assert_int_equal(hm_set_regions(t, rg, 1, 1), 0);
	hm_add_target(ctx, t);
	assert_int_equal(hm_add_source(ctx, "x", HM_ACCT_BINARY, 1), 0);
	assert_int_equal(hm_drain_reports(ctx, &r, 1, 10 * MS, &st), 0);
	assert_int_equal(st.invalid, 1);
	hm_destroy_ctx(ctx);
}

/* A report applied in one target and straddling in another is applied. */
static void test_multi_target(void **state)
{
	struct hm_addr_range a[] = { { 0, 100 } }, b[] = { { 0, 50 }, { 50, 100 } };
	struct hm_ctx *ctx = hm_new_ctx();
	struct hm_target *ta = hm_new_target(), *tb = hm_new_target();
	struct hm_drain_stats st;
	struct hm_report r = at(40, 20, 0, 1);

	(void)state;
	assert_int_equal(hm_set_regions(ta, a, 1, 1), 0);
	assert_int_equal(hm_set_regions(tb, b, 2, 1), 0);
	hm_add_target(ctx, ta);
	hm_add_target(ctx, tb);
	assert_int_equal(hm_add_source(ctx, "x", HM_ACCT_BINARY, 1), 0);
	assert_int_equal(hm_drain_reports(ctx, &r, 1, 10 * MS, &st), 0);
	assert_int_equal(st.applied, 1);
	assert_int_equal(nth(ta, 0)->nr_accesses, 1);
	assert_int_equal(nth(tb, 0)->nr_accesses, 0);
	tb->pid = 3;	/* only the straddling target left eligible */
	ta->pid = 4;
	r.pid = 3;
	assert_int_equal(hm_drain_reports(ctx, &r, 1, 10 * MS, &st), 0);
	assert_int_equal(st.straddling, 1);
	hm_destroy_ctx(ctx);
}

static void push_all(void *arg, const struct hm_report *r, size_t n)
{
	(void)arg;
	(void)r;
	(void)n;
}

/* Draining from rings gives what draining the same reports as an array does. */
static void test_rings_equal_array(void **state)
{
	struct hm_addr_range rg[] = { { 0, 1000 }, { 1000, 5000 }, { 6000, 9000 } };
	struct hm_ring_set_attr ra = { .ring_entries = 1024, .max_rings = 3 };
	struct hm_ctx *a = ctx_with(rg, 3, 7, NULL), *b = ctx_with(rg, 3, 7, NULL);
	struct hm_ring_set *set;
	struct hm_ring *rings[3];
	struct hm_report reps[900];
	struct hm_drain_stats sa, sb;
	struct hm_target *ta, *tb;
	struct hm_region *x, *y;
	struct hm_rand rng;
	unsigned int i;

	(void)state;
	hm_rand_seed(&rng, 42);
	assert_int_equal(hm_ring_set_create(&ra, &set), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(hm_ring_open(set, &rings[i]), 0);
	for (i = 0; i < 900; i++) {
		reps[i] = at(hm_rand_below(&rng, 10000), 1 + hm_rand_below(&rng, 128),
			     (uint8_t)hm_rand_below(&rng, 2),
			     (uint32_t)hm_rand_below(&rng, 10));
		assert_int_equal(hm_report_access(rings[i % 3], &reps[i]), 0);
	}
	assert_int_equal(hm_drain(a, set, 10 * MS, &sa), 0);
	assert_int_equal(hm_drain_reports(b, reps, 900, 10 * MS, &sb), 0);
	assert_int_equal(sa.drained, 900);
	assert_counters_equal(&sa, &sb);
	assert_int_equal(sa.max_nr_accesses, sb.max_nr_accesses);
	ta = hm_list_first_entry(&a->targets, struct hm_target, list);
	tb = hm_list_first_entry(&b->targets, struct hm_target, list);
	y = hm_first_region(tb);
	hm_for_each_region(x, ta) {
		assert_int_equal(x->nr_accesses, y->nr_accesses);
		assert_int_equal(x->est_accesses, y->est_accesses);
		y = hm_next_region(y);
	}
	/* the rings are empty now */
	assert_int_equal(hm_ring_set_consume(set, push_all, NULL), 0);
	hm_ring_set_destroy(set);
	hm_destroy_ctx(a);
	hm_destroy_ctx(b);
}

/* The snapshot follows the regions as they change between drains. */
static void test_snapshot_follows_regions(void **state)
{
	struct hm_addr_range rg[] = { { 0, 100 } };
	struct hm_drain_stats st;
	struct hm_target *t;
	struct hm_ctx *ctx = ctx_with(rg, 1, 7, &t);
	struct hm_report r = at(150, 1, 0, 1);
	unsigned int i;

	(void)state;
	assert_int_equal(hm_drain_reports(ctx, &r, 1, 10 * MS, &st), 0);
	assert_int_equal(st.unmatched, 1);
	/* grow to many regions: the snapshot must grow with them */
	for (i = 0; i < 300; i++)
		hm_add_region(hm_new_region(100 + i * 10, 110 + i * 10), t);
	assert_int_equal(hm_drain_reports(ctx, &r, 1, 10 * MS, &st), 0);
	assert_int_equal(st.applied, 1);
	assert_int_equal(nth(t, 6)->nr_accesses, 1);
	hm_destroy_ctx(ctx);
}

/* A target without regions (found by fuzz_drain): reports are unmatched. */
static void test_target_without_regions(void **state)
{
	struct hm_ctx *ctx = hm_new_ctx();
	struct hm_target *t = hm_new_target();
	struct hm_drain_stats st;
	struct hm_report r = at(0, 1, 0, 1);

	(void)state;
	hm_add_target(ctx, t);
	assert_int_equal(hm_add_source(ctx, "x", HM_ACCT_BINARY, 1), 0);
	assert_int_equal(hm_drain_reports(ctx, &r, 1, 10 * MS, &st), 0);
	assert_int_equal(st.unmatched, 1);
	assert_int_equal(st.max_nr_accesses, 0);
	hm_destroy_ctx(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_target_without_regions),
		cmocka_unit_test(test_against_reference),
		cmocka_unit_test(test_binary_rule),
		cmocka_unit_test(test_weighted_estimate),
		cmocka_unit_test(test_weighted_normalization),
		cmocka_unit_test(test_weighted_carry),
		cmocka_unit_test(test_nr_accesses_bound),
		cmocka_unit_test(test_boundaries),
		cmocka_unit_test(test_straddle_split),
		cmocka_unit_test(test_coverage),
		cmocka_unit_test(test_freshness),
		cmocka_unit_test(test_filter_truth_table),
		cmocka_unit_test(test_filters_in_drain),
		cmocka_unit_test(test_eligibility),
		cmocka_unit_test(test_eligibility_in_drain),
		cmocka_unit_test(test_sources),
		cmocka_unit_test(test_multi_target),
		cmocka_unit_test(test_rings_equal_array),
		cmocka_unit_test(test_snapshot_follows_regions),
	};

	return hm_run_tests(tests);
}
