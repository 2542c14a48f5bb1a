// SPDX-License-Identifier: MIT
/*
 * The monitor: DAMON's kdamond loop, driven by the caller's clock. Each due
 * step closes the sampling interval the previous step opened (the access
 * check: drain the report rings and/or ask the ops' sampling check), does
 * the aggregation work at aggregation boundaries (merge, schemes, interval
 * tuning, reset, split), refreshes target ranges at ops-update boundaries,
 * and opens the next interval (watermarks, sampling addresses). The region
 * rules - merge threshold, age, size limit, random splits - are DAMON's,
 * restated in docs/monitor.md with the kernel's test values.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <hotmem/drain.h>
#include <hotmem/scheme.h>

#include "internal.h"

#define BP 10000u

static uint64_t align_down(uint64_t x, uint64_t a)
{
	return x & ~(a - 1);
}

static uint64_t align_up(uint64_t x, uint64_t a)
{
	return (x + a - 1) & ~(a - 1);
}

static uint64_t sample_us(const struct hm_attrs *a)
{
	return a->sample_interval_us ? a->sample_interval_us : 1;
}

/* ---- contexts and attributes -------------------------------------------- */

struct hm_ctx *hm_new_ctx(void)
{
	struct hm_ctx *ctx = calloc(1, sizeof(*ctx));

	if (!ctx)
		return NULL;
	ctx->attrs.sample_interval_us = 5 * 1000;
	ctx->attrs.aggr_interval_us = 100 * 1000;
	ctx->attrs.ops_update_interval_us = 60 * 1000 * 1000;
	ctx->attrs.min_nr_regions = 10;
	ctx->attrs.max_nr_regions = 1000;
	ctx->aggr_samples = 20;
	ctx->min_region_sz = 4096;
	ctx->straddle = HM_STRADDLE_REJECT;
	hm_list_init(&ctx->targets);
	hm_list_init(&ctx->schemes);
	hm_rand_seed(&ctx->rng, 0);
	return ctx;
}

void hm_destroy_ctx(struct hm_ctx *ctx)
{
	struct hm_target *t, *next;
	struct hm_scheme *s, *snext;

	if (!ctx)
		return;
	hm_for_each_target_safe(t, next, ctx)
		hm_destroy_target(t, ctx);
	hm_for_each_scheme_safe(s, snext, ctx)
		hm_destroy_scheme(s);
	hm_filter_set_free(ctx->filters);
	free(ctx);
}

void hm_ctx_seed(struct hm_ctx *ctx, uint64_t seed)
{
	hm_rand_seed(&ctx->rng, seed);
}

uint32_t hm_samples_per_aggr(const struct hm_attrs *attrs)
{
	uint64_t n = attrs->aggr_interval_us / sample_us(attrs);

	if (n > UINT32_MAX)
		n = UINT32_MAX;
	return n ? (uint32_t)n : 1;
}

static bool valid_intervals_goal(const struct hm_attrs *a)
{
	const struct hm_intervals_goal *g = &a->intervals_goal;

	if (!g->aggrs)
		return true;
	return g->min_sample_us <= g->max_sample_us &&
	       a->sample_interval_us >= g->min_sample_us &&
	       a->sample_interval_us <= g->max_sample_us;
}

static uint32_t nr_for_new_attrs(uint32_t nr, const struct hm_attrs *old_attrs,
				 const struct hm_attrs *new_attrs)
{
	uint64_t bp = hm__mult_frac(nr, BP, hm_samples_per_aggr(old_attrs));
	uint64_t v = bp * hm_samples_per_aggr(new_attrs) / BP;

	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

void hm_update_monitoring_result(struct hm_region *r, const struct hm_attrs *old_attrs,
				 const struct hm_attrs *new_attrs, bool aggregating)
{
	uint64_t age;

	if (!aggregating) {
		r->nr_accesses = nr_for_new_attrs(r->nr_accesses, old_attrs, new_attrs);
		r->est_accesses = hm__mult_frac(r->est_accesses, new_attrs->aggr_interval_us,
					    old_attrs->aggr_interval_us);
	} else {
		/* Mid-window: look as if the window had just been reset. */
		r->last_nr_accesses = nr_for_new_attrs(r->last_nr_accesses,
						       old_attrs, new_attrs);
		r->last_est_accesses = hm__mult_frac(r->last_est_accesses,
						 new_attrs->aggr_interval_us,
						 old_attrs->aggr_interval_us);
		r->nr_accesses = 0;
		r->est_accesses = 0;
	}
	age = hm__mult_frac(r->age, old_attrs->aggr_interval_us, new_attrs->aggr_interval_us);
	r->age = age > UINT32_MAX ? UINT32_MAX : (uint32_t)age;
}

static void set_next_apply(struct hm_ctx *ctx, struct hm_scheme *s)
{
	uint64_t interval = s->apply_interval_us ? s->apply_interval_us :
						   ctx->attrs.aggr_interval_us;

	s->next_apply_sis = ctx->passed_sample_intervals +
			    interval / sample_us(&ctx->attrs);
}

/* Apply validated attributes; @keep_aggr_samples for the intervals tuner. */
static void apply_attrs(struct hm_ctx *ctx, const struct hm_attrs *attrs,
			bool keep_aggr_samples)
{
	bool aggregating = ctx->passed_sample_intervals < ctx->next_aggregation_sis;
	const struct hm_attrs *o = &ctx->attrs;
	struct hm_scheme *s;
	struct hm_target *t;
	struct hm_region *r;

	if (!keep_aggr_samples)
		ctx->aggr_samples = attrs->aggr_interval_us / sample_us(attrs);
	ctx->next_aggregation_sis = ctx->passed_sample_intervals +
				    attrs->aggr_interval_us / sample_us(attrs);
	ctx->next_ops_update_sis = ctx->passed_sample_intervals +
				   attrs->ops_update_interval_us / sample_us(attrs);
	/* Nothing is converted if any interval is zero. */
	if (o->sample_interval_us && o->aggr_interval_us &&
	    attrs->sample_interval_us && attrs->aggr_interval_us) {
		hm_for_each_target(t, ctx)
			hm_for_each_region(r, t)
				hm_update_monitoring_result(r, o, attrs, aggregating);
	}
	ctx->attrs = *attrs;
	hm_for_each_scheme(s, ctx)
		set_next_apply(ctx, s);
}

int hm_set_attrs(struct hm_ctx *ctx, const struct hm_attrs *attrs)
{
	if (!ctx || !attrs)
		return -EINVAL;
	if (!valid_intervals_goal(attrs))
		return -EINVAL;
	if (attrs->min_nr_regions < 3)
		return -EINVAL;
	if (attrs->min_nr_regions > attrs->max_nr_regions)
		return -EINVAL;
	if (attrs->sample_interval_us > attrs->aggr_interval_us)
		return -EINVAL;
	apply_attrs(ctx, attrs, false);
	return 0;
}

/* ---- merging -------------------------------------------------------------- */

static uint32_t diff_of(uint32_t a, uint32_t b)
{
	return a > b ? a - b : b - a;
}

/* @apart: regions with different in-place marks stay apart (see below). */
static void merge_of(struct hm_target *t, uint32_t threshold, uint64_t sz_limit,
		     bool count_age, bool apart)
{
	struct hm_region *r, *next, *prev = NULL;

	hm_for_each_region_safe(r, next, t) {
		if (count_age) {
			if (diff_of(r->nr_accesses, r->last_nr_accesses) > threshold)
				r->age = 0;
			else if ((r->nr_accesses == 0) != (r->last_nr_accesses == 0))
				r->age = 0;
			else if (r->age < UINT32_MAX)
				r->age++;
		}
		if (prev && prev->end == r->start &&
		    diff_of(prev->nr_accesses, r->nr_accesses) <= threshold &&
		    hm_sz_region(prev) + hm_sz_region(r) <= sz_limit &&
		    (!apart || prev->in_place == r->in_place))
			hm_merge_two_regions(t, prev, r);
		else
			prev = r;
	}
}

void hm_merge_regions_of_aged(struct hm_target *t, uint32_t threshold,
			      uint64_t sz_limit, bool count_age)
{
	merge_of(t, threshold, sz_limit, count_age, false);
}

void hm_merge_regions_of(struct hm_target *t, uint32_t threshold, uint64_t sz_limit)
{
	hm_merge_regions_of_aged(t, threshold, sz_limit, true);
}

static unsigned int total_nr_regions(const struct hm_ctx *ctx)
{
	const struct hm_target *t;
	unsigned int n = 0;

	hm_for_each_target(t, ctx)
		n += t->nr_regions;
	return n;
}

void hm_merge_regions(struct hm_ctx *ctx, uint32_t max_nr_accesses, uint64_t sz_limit)
{
	uint32_t thres = max_nr_accesses / 10;
	uint32_t max_thres = hm_samples_per_aggr(&ctx->attrs);
	struct hm_target *t;

	/*
	 * A region a migrate found wholly on a node is not merged into one
	 * that was not: the merged region would lose the mark, and the quota's
	 * next try, which starts at a region's start, would find the same
	 * pages in place again (docs/monitor.md, "Regions already in place").
	 * Marks past HM_IN_PLACE_MS are cleared first, and the harder merges
	 * below the region cap ignore them.
	 */
	hm_for_each_target(t, ctx) {
		struct hm_region *r;

		hm_for_each_region(r, t)
			if (!hm__in_place_fresh(ctx, r))
				r->in_place = 0;
		merge_of(t, thres, sz_limit, true, true);
	}
	/* Above the maximum: merge harder, without counting age again. */
	while (total_nr_regions(ctx) > ctx->attrs.max_nr_regions && thres < max_thres) {
		thres = thres * 2 > 1 ? thres * 2 : 1;
		if (thres > max_thres)
			thres = max_thres;
		hm_for_each_target(t, ctx)
			hm_merge_regions_of_aged(t, thres, sz_limit, false);
	}
}

uint64_t hm_apply_min_nr_regions(struct hm_ctx *ctx)
{
	uint64_t total = 0, limit, max_sz;
	struct hm_target *t;
	struct hm_region *r, *next;

	uint64_t biggest = 0;

	hm_for_each_target(t, ctx) {
		hm_for_each_region(r, t) {
			total += hm_sz_region(r);
			if (hm_sz_region(r) > biggest)
				biggest = hm_sz_region(r);
		}
	}
	limit = ctx->attrs.min_nr_regions ? total / ctx->attrs.min_nr_regions : total;
	if (limit < ctx->min_region_sz)
		limit = ctx->min_region_sz;
	max_sz = align_up(limit, ctx->min_region_sz);
	if (biggest <= max_sz)	/* the usual case: merging kept to the limit */
		return max_sz;

	hm_for_each_target(t, ctx) {
		hm_for_each_region_safe(r, next, t) {
			/* Cut left to right; the last piece keeps the rest. */
			while (hm_sz_region(r) > max_sz) {
				if (hm_split_region_at(t, r, max_sz))
					break;
				r = hm_next_region(r);
			}
		}
	}
	return max_sz;
}

/* ---- splitting ------------------------------------------------------------ */

static uint64_t damon_rand(struct hm_ctx *ctx, uint64_t l, uint64_t r)
{
	return hm_rand_range(&ctx->rng, l, r);
}

/* Cut @r at a random 10-90% point; *@sz is its size, updated. */
static bool split_random(struct hm_ctx *ctx, struct hm_target *t,
			 struct hm_region *r, uint64_t *sz)
{
	uint64_t sz_sub = align_down(damon_rand(ctx, 1, 10) * *sz / 10,
				     ctx->min_region_sz);

	if (!sz_sub || sz_sub >= *sz)
		return false;
	if (hm_split_region_at(t, r, sz_sub))
		return false;
	*sz = sz_sub;
	return true;
}

void hm_split_regions_of(struct hm_ctx *ctx, struct hm_target *t, unsigned int nr_subs)
{
	struct hm_region *r, *next;
	unsigned int i;

	hm_for_each_region_safe(r, next, t) {
		uint64_t sz = hm_sz_region(r);

		/* Further attempts keep cutting the left piece. */
		for (i = 0; i + 1 < nr_subs && sz > 2 * ctx->min_region_sz; i++)
			split_random(ctx, t, r, &sz);
	}
}

/* Above max/2: cut one in every @step regions, from a rotating offset. */
static void split_some(struct hm_ctx *ctx, unsigned int nr, unsigned int max)
{
	unsigned int step = max / (max - nr), idx = 0, budget = max - nr;
	struct hm_target *t;
	struct hm_region *r, *next;

	ctx->split_offset = (ctx->split_offset + 1) % step;
	hm_for_each_target(t, ctx) {
		hm_for_each_region_safe(r, next, t) {
			uint64_t sz = hm_sz_region(r);

			if ((idx++ + ctx->split_offset) % step || !budget)
				continue;
			if (sz < 2 * ctx->min_region_sz)
				continue;
			if (split_random(ctx, t, r, &sz))
				budget--;
		}
	}
}

void hm_split_regions(struct hm_ctx *ctx)
{
	unsigned int nr = total_nr_regions(ctx), max = ctx->attrs.max_nr_regions;
	unsigned int nr_subs = 2;
	struct hm_target *t;

	if (nr >= max)
		return;
	if (nr > max / 2) {
		split_some(ctx, nr, max);
	} else {
		/* Stuck at the same count: maybe the middle differs. */
		if (ctx->last_nr_regions == nr && nr < max / 3)
			nr_subs = 3;
		hm_for_each_target(t, ctx)
			hm_split_regions_of(ctx, t, nr_subs);
	}
	ctx->last_nr_regions = nr;
}

/* ---- the moving sum --------------------------------------------------------- */

uint64_t hm_mvsum(uint64_t current, uint64_t last, uint64_t left_bp)
{
	return current + hm__mult_frac(last, left_bp, BP);
}

void hm__view_init(const struct hm_ctx *ctx, struct hm__view *v)
{
	uint64_t w = hm_samples_per_aggr(&ctx->attrs), left = 0;

	if (ctx->passed_sample_intervals < ctx->next_aggregation_sis)
		left = ctx->next_aggregation_sis - ctx->passed_sample_intervals;
	v->left_bp = hm__mult_frac(left, BP, w);
	v->samples_per_aggr = (uint32_t)w;
	v->aggr_interval_us = ctx->attrs.aggr_interval_us;
}

uint32_t hm_nr_accesses_mvsum(const struct hm_ctx *ctx, const struct hm_region *r)
{
	struct hm__view v;

	hm__view_init(ctx, &v);
	return hm__mvsum_at(&v, r);
}

/* ---- intervals auto-tuning --------------------------------------------------- */

static uint64_t intervals_score(struct hm_ctx *ctx)
{
	unsigned __int128 max_events = 0, events = 0, target;
	struct hm_target *t;
	struct hm_region *r;

	hm_for_each_target(t, ctx) {
		hm_for_each_region(r, t) {
			max_events += (unsigned __int128)hm_sz_region(r) * ctx->aggr_samples;
			events += (unsigned __int128)hm_sz_region(r) * r->nr_accesses;
		}
	}
	target = max_events * ctx->attrs.intervals_goal.access_bp / BP;
	if (!target)
		target = 1;
	events = events * BP / target;
	return events > UINT64_MAX ? UINT64_MAX : (uint64_t)events;
}

void hm_tune_intervals(struct hm_ctx *ctx)
{
	const struct hm_intervals_goal *g = &ctx->attrs.intervals_goal;
	struct hm_attrs n = ctx->attrs;
	uint64_t a, sample;

	/* 1 (far too many events) .. 20000 (none), 10000 at the goal */
	a = hm_feed_loop_next_input(100000000, intervals_score(ctx)) / BP;
	if (a <= BP)
		a = 5000 + a / 2;	/* shrink at most by half per step */
	sample = hm__mult_frac(ctx->attrs.sample_interval_us, a, BP);
	if (sample < g->min_sample_us)
		sample = g->min_sample_us;
	if (sample > g->max_sample_us)
		sample = g->max_sample_us;
	n.sample_interval_us = sample;
	n.aggr_interval_us = sample * ctx->aggr_samples;
	apply_attrs(ctx, &n, true);
}

/* ---- the loop ---------------------------------------------------------------- */

static int refresh_ranges(struct hm_ctx *ctx, bool only_empty)
{
	struct hm_addr_range *ranges;
	const unsigned int max = 256;
	struct hm_target *t;
	int n, ret = 0;

	if (!ctx->ops || !ctx->ops->target_ranges)
		return 0;
	ranges = calloc(max, sizeof(*ranges));
	if (!ranges)
		return -ENOMEM;
	hm_for_each_target(t, ctx) {
		if (only_empty && t->nr_regions)
			continue;
		n = ctx->ops->target_ranges(ctx->ops_priv, t, ranges, max);
		if (n < 0) {
			ret = n;
			break;
		}
		if (n > 0) {
			ret = hm_set_regions(t, ranges, (unsigned int)n, ctx->min_region_sz);
			if (ret)
				break;
		}
	}
	free(ranges);
	return ret;
}

/*
 * Watermarks of every scheme: 0 if monitoring should go on, else the
 * shortest wait in µs (every scheme is deactivated).
 */
static uint64_t wmarks_wait(struct hm_ctx *ctx)
{
	uint64_t wait, min_wait = 0;
	bool first = true, have_metric = false;
	uint32_t metric = 0;
	struct hm_scheme *s;

	hm_for_each_scheme(s, ctx) {
		if (s->wmarks.metric == HM_WMARK_FREE_MEM_RATE && !have_metric) {
			if (!ctx->ops || !ctx->ops->free_mem_rate ||
			    ctx->ops->free_mem_rate(ctx->ops_priv, &metric))
				metric = 0;	/* unknown: below low, inactive */
			have_metric = true;
		}
		wait = hm_wmark_wait_us(s, metric);
		if (first || wait < min_wait) {
			min_wait = wait;
			first = false;
		}
	}
	return min_wait;
}

/* Open a sampling interval at ctx->now_ns (or wait, if deactivated). */
static void open_interval(struct hm_ctx *ctx)
{
	uint64_t wait = wmarks_wait(ctx);
	struct hm_target *t;
	struct hm_region *r;

	if (wait) {
		ctx->interval_open = false;
		ctx->next_sample_ns = ctx->now_ns + wait * 1000;
		return;
	}
	hm_for_each_target(t, ctx) {
		hm_for_each_region(r, t) {
			r->sampling_addr = hm_rand_range(&ctx->rng, r->start, r->end);
			if (ctx->ops && ctx->ops->prepare_access)
				ctx->ops->prepare_access(ctx->ops_priv, t, r);
		}
	}
	ctx->interval_open = true;
	ctx->next_sample_ns = ctx->now_ns + sample_us(&ctx->attrs) * 1000;
}

int hm_monitor_start(struct hm_ctx *ctx, uint64_t now_ns)
{
	struct hm_scheme *s;
	struct hm_attrs a;
	int ret;

	if (!ctx || !ctx->min_region_sz || (ctx->min_region_sz & (ctx->min_region_sz - 1)))
		return -EINVAL;
	a = ctx->attrs;
	ctx->passed_sample_intervals = 0;
	ctx->next_aggregation_sis = 0;
	ret = hm_set_attrs(ctx, &a);
	if (ret)
		return ret;
	ctx->next_intervals_tune_sis = ctx->next_aggregation_sis *
				       ctx->attrs.intervals_goal.aggrs;
	hm_for_each_scheme(s, ctx) {
		set_next_apply(ctx, s);
		hm_set_filters_default_reject(s);
	}
	ret = refresh_ranges(ctx, true);
	if (ret)
		return ret;
	ctx->sz_limit = hm_apply_min_nr_regions(ctx);
	ctx->now_ns = now_ns;
	ctx->running = true;
	open_interval(ctx);
	return 0;
}

int hm_monitor_step(struct hm_ctx *ctx, uint64_t now_ns)
{
	struct hm_drain_stats st;
	int ret;

	if (!ctx || !ctx->running)
		return -EINVAL;
	if (now_ns < ctx->next_sample_ns)
		return 0;
	ctx->now_ns = now_ns;
	if (!ctx->interval_open) {
		/* Deactivated until now: check again, maybe start sampling. */
		ctx->skipped_samples++;
		open_interval(ctx);
		return 0;
	}

	/* The interval opened by the previous step is over: check accesses. */
	ctx->passed_sample_intervals++;
	ret = hm__access_check(ctx, ctx->reports, now_ns, &st);
	ctx->max_nr_accesses = st.max_nr_accesses;
	if (ret && ret != -ENOMEM)
		return ret;

	if (ctx->passed_sample_intervals >= ctx->next_aggregation_sis) {
		hm_merge_regions(ctx, ctx->max_nr_accesses, ctx->sz_limit);
		ctx->sz_limit = hm_apply_min_nr_regions(ctx);
	}

	hm_apply_schemes(ctx);

	if (ctx->passed_sample_intervals >= ctx->next_aggregation_sis) {
		uint64_t next = ctx->next_aggregation_sis;

		if (ctx->attrs.intervals_goal.aggrs &&
		    ctx->passed_sample_intervals >= ctx->next_intervals_tune_sis) {
			ctx->next_intervals_tune_sis += ctx->aggr_samples *
							ctx->attrs.intervals_goal.aggrs;
			hm_tune_intervals(ctx);
		}
		ctx->next_aggregation_sis = next + ctx->attrs.aggr_interval_us /
							   sample_us(&ctx->attrs);
		if (ctx->after_aggregate)
			ctx->after_aggregate(ctx, ctx->after_aggregate_arg);
		hm_reset_aggregated(ctx);
		hm_split_regions(ctx);
		/* only a cost: without memory the regions stay where they are */
		(void)hm_compact_regions(ctx);
	}

	if (ctx->passed_sample_intervals >= ctx->next_ops_update_sis) {
		ctx->next_ops_update_sis += ctx->attrs.ops_update_interval_us /
					    sample_us(&ctx->attrs);
		ret = refresh_ranges(ctx, false);
		if (ret)
			return ret;
	}

	open_interval(ctx);
	return 1;
}
