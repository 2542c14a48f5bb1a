// SPDX-License-Identifier: MIT
/*
 * Schemes (DAMOS): access pattern -> action, within a quota. Per apply
 * interval, each due scheme's quota is adjusted (charge windows, the
 * effective size from goals, time and size, the minimum score from a size
 * histogram of scores), then every region is offered to every due scheme:
 * skip what the last full window already charged, trim to the quota, filter,
 * apply through the ops, charge and count. The rules are DAMON's; where the
 * kernel generations differ hotmem follows mm 2026 (moving-sum matching,
 * resume point cleared at a target's last region without skipping it).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <hotmem/scheme.h>

#include "internal.h"

#define BP 10000u
#define MAX_SUBSCORE 100
#define MAX_AGE_IN_LOG 32

static uint64_t sat_mul(uint64_t a, uint64_t b)
{
	unsigned __int128 v = (unsigned __int128)a * b;

	return v > UINT64_MAX ? UINT64_MAX : (uint64_t)v;
}

/* ---- schemes: create, validate, commit -------------------------------------- */

static int validate(const struct hm_scheme *s)
{
	const struct hm_access_pattern *p = &s->pattern;
	uint32_t i;

	if ((unsigned int)s->action >= HM_NR_ACTIONS)
		return -EINVAL;
	if (p->min_sz > p->max_sz || p->min_nr_accesses > p->max_nr_accesses ||
	    p->min_age > p->max_age)
		return -EINVAL;
	if (s->nr_dests > HM_MAX_DESTS || s->quota.nr_goals > HM_MAX_GOALS ||
	    s->nr_filters > HM_MAX_FILTERS)
		return -EINVAL;
	if (s->action != HM_ACTION_STAT && !s->nr_dests)
		return -EINVAL;
	if (s->nr_dests > 1) {
		uint64_t w = 0;

		for (i = 0; i < s->nr_dests; i++)
			w += s->dests[i].weight;
		if (!w)
			return -EINVAL;
	}
	for (i = 0; i < s->quota.nr_goals; i++) {
		const struct hm_quota_goal *g = &s->quota.goals[i];

		if ((unsigned int)g->metric >= HM_NR_GOAL_METRICS || !g->target_value)
			return -EINVAL;
	}
	if ((unsigned int)s->quota.tuner > HM_TUNER_TEMPORAL)
		return -EINVAL;
	for (i = 0; i < s->nr_filters; i++) {
		const struct hm_filter *f = &s->filters[i];

		if (f->type != HM_FILTER_ADDR && f->type != HM_FILTER_TARGET)
			return -EINVAL;
		if (f->type == HM_FILTER_ADDR && f->addr.start >= f->addr.end)
			return -EINVAL;
	}
	if (s->wmarks.metric != HM_WMARK_NONE &&
	    s->wmarks.metric != HM_WMARK_FREE_MEM_RATE)
		return -EINVAL;
	if (s->wmarks.metric == HM_WMARK_FREE_MEM_RATE &&
	    !(s->wmarks.low <= s->wmarks.mid && s->wmarks.mid <= s->wmarks.high))
		return -EINVAL;
	return 0;
}

void hm_set_filters_default_reject(struct hm_scheme *s)
{
	/* Rejected by default iff the last filter allows (no ops filters). */
	s->core_filters_default_reject =
		s->nr_filters && s->filters[s->nr_filters - 1].allow;
}

/* Copy @src's parameters onto @dst, keeping @dst's state. */
static void commit_params(struct hm_scheme *dst, const struct hm_scheme *src)
{
	struct hm_quota *dq = &dst->quota;
	const struct hm_quota *sq = &src->quota;
	uint32_t i;

	dst->pattern = src->pattern;
	dst->action = src->action;
	memcpy(dst->dests, src->dests, sizeof(dst->dests));
	dst->nr_dests = src->nr_dests;
	dst->apply_interval_us = src->apply_interval_us;

	dq->reset_interval_ms = sq->reset_interval_ms;
	dq->ms = sq->ms;
	dq->sz = sq->sz;
	/* Goals by position; a user_input goal takes the new current value. */
	for (i = 0; i < sq->nr_goals; i++) {
		struct hm_quota_goal *d = &dq->goals[i];
		const struct hm_quota_goal *g = &sq->goals[i];

		if (i >= dq->nr_goals || d->metric != g->metric)
			d->current_value = g->current_value;
		if (g->metric == HM_GOAL_USER_INPUT)
			d->current_value = g->current_value;
		d->metric = g->metric;
		d->target_value = g->target_value;
		d->nid = g->nid;
	}
	dq->nr_goals = sq->nr_goals;
	dq->tuner = sq->tuner;
	dq->fail_charge_num = sq->fail_charge_num;
	dq->fail_charge_denom = sq->fail_charge_denom;
	dq->weight_sz = sq->weight_sz;
	dq->weight_nr_accesses = sq->weight_nr_accesses;
	dq->weight_age = sq->weight_age;

	dst->wmarks.metric = src->wmarks.metric;
	dst->wmarks.interval_us = src->wmarks.interval_us;
	dst->wmarks.high = src->wmarks.high;
	dst->wmarks.mid = src->wmarks.mid;
	dst->wmarks.low = src->wmarks.low;

	memcpy(dst->filters, src->filters, sizeof(dst->filters));
	dst->nr_filters = src->nr_filters;
	dst->max_nr_snapshots = src->max_nr_snapshots;
	hm_set_filters_default_reject(dst);
}

struct hm_scheme *hm_new_scheme(const struct hm_scheme *tmpl, int *err)
{
	struct hm_scheme *s;
	int ret = tmpl ? validate(tmpl) : -EINVAL;

	if (ret) {
		if (err)
			*err = ret;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		if (err)
			*err = -ENOMEM;
		return NULL;
	}
	commit_params(s, tmpl);
	s->wmarks.activated = true;
	hm_list_init(&s->list);
	return s;
}

void hm_add_scheme(struct hm_ctx *ctx, struct hm_scheme *s)
{
	hm_list_add_tail(&s->list, &ctx->schemes);
}

void hm_destroy_scheme(struct hm_scheme *s)
{
	if (!s)
		return;
	hm_list_del(&s->list);
	free(s);
}

int hm_commit_scheme(struct hm_scheme *dst, const struct hm_scheme *src)
{
	int ret = validate(src);

	if (ret)
		return ret;
	commit_params(dst, src);
	return 0;
}

unsigned int hm_nr_schemes(const struct hm_ctx *ctx)
{
	const struct hm_list *p;
	unsigned int n = 0;

	for (p = ctx->schemes.next; p != &ctx->schemes; p = p->next)
		n++;
	return n;
}

int hm_commit_schemes(struct hm_ctx *ctx, const struct hm_scheme *src, unsigned int n)
{
	unsigned int have = hm_nr_schemes(ctx), i, nr_new = n > have ? n - have : 0;
	struct hm_scheme **fresh, *s, *next;
	int ret = 0;

	for (i = 0; i < n; i++) {
		ret = validate(&src[i]);
		if (ret)
			return ret;
	}
	fresh = calloc(nr_new ? nr_new : 1, sizeof(*fresh));
	if (!fresh)
		return -ENOMEM;
	for (i = 0; i < nr_new; i++) {
		fresh[i] = hm_new_scheme(&src[have + i], &ret);
		if (!fresh[i]) {
			while (i--)
				hm_destroy_scheme(fresh[i]);
			free(fresh);
			return ret;
		}
	}
	i = 0;
	hm_for_each_scheme_safe(s, next, ctx) {
		if (i < n)
			commit_params(s, &src[i]);
		else
			hm_destroy_scheme(s);
		i++;
	}
	for (i = 0; i < nr_new; i++) {
		hm_add_scheme(ctx, fresh[i]);
		/* due at the next apply point from now */
		fresh[i]->next_apply_sis = ctx->passed_sample_intervals +
			(fresh[i]->apply_interval_us ? fresh[i]->apply_interval_us :
						       ctx->attrs.aggr_interval_us) /
				(ctx->attrs.sample_interval_us ? ctx->attrs.sample_interval_us : 1);
	}
	free(fresh);
	return 0;
}

/* ---- matching and scores ------------------------------------------------------ */

static uint32_t pct_to_nr(const struct hm__view *v, uint32_t pct)
{
	uint64_t nr = hm__mult_frac(pct, v->samples_per_aggr, 100);

	return nr > UINT32_MAX ? UINT32_MAX : (uint32_t)nr;
}

bool hm__pattern_match(const struct hm__view *v, const struct hm_region *r,
		       const struct hm_scheme *s)
{
	const struct hm_access_pattern *p = &s->pattern;
	uint64_t sz = hm_sz_region(r);
	uint32_t lo = p->min_nr_accesses, hi = p->max_nr_accesses, nr;

	if (sz < p->min_sz || sz > p->max_sz || r->age < p->min_age || r->age > p->max_age)
		return false;
	if (p->rate) {
		lo = pct_to_nr(v, lo);
		hi = pct_to_nr(v, hi);
	}
	nr = hm__mvsum_at(v, r);
	return lo <= nr && nr <= hi;
}

bool hm_scheme_pattern_match(const struct hm_ctx *ctx, const struct hm_region *r,
			     const struct hm_scheme *s)
{
	struct hm__view v;

	hm__view_init(ctx, &v);
	return hm__pattern_match(&v, r, s);
}

static uint32_t hot_score(const struct hm__view *v, const struct hm_region *r,
			  const struct hm_scheme *s)
{
	uint32_t w_freq = s->quota.weight_nr_accesses, w_age = s->quota.weight_age;
	uint64_t freq = (uint64_t)hm__mvsum_at(v, r) * MAX_SUBSCORE / v->samples_per_aggr;
	uint64_t age_sec = (uint64_t)r->age * v->aggr_interval_us / 1000000;
	int age_log, age_sub;
	uint64_t hot;

	if (freq > MAX_SUBSCORE)
		freq = MAX_SUBSCORE;
	/* the number of halvings that bring age_sec to zero, at most 32 */
	age_log = age_sec ? 64 - __builtin_clzll(age_sec) : 0;
	if (age_log > MAX_AGE_IN_LOG)
		age_log = MAX_AGE_IN_LOG;
	/* An idle region gets colder as it ages. */
	if (!freq)
		age_log = -age_log;
	age_log += MAX_AGE_IN_LOG;
	age_sub = age_log * MAX_SUBSCORE / MAX_AGE_IN_LOG / 2;

	hot = (uint64_t)w_freq * freq + (uint64_t)w_age * (uint64_t)age_sub;
	if (w_freq + w_age)
		hot /= (uint64_t)w_freq + w_age;
	return (uint32_t)(hot * HM_MAX_SCORE / MAX_SUBSCORE);
}

uint32_t hm__score(const struct hm__view *v, const struct hm_region *r,
		   const struct hm_scheme *s)
{
	switch (s->action) {
	case HM_ACTION_MIGRATE_HOT:
		return hot_score(v, r, s);
	case HM_ACTION_MIGRATE_COLD:
		return HM_MAX_SCORE - hot_score(v, r, s);
	default:
		return HM_MAX_SCORE;
	}
}

uint32_t hm_hot_score(const struct hm_ctx *ctx, const struct hm_region *r,
		      const struct hm_scheme *s)
{
	struct hm__view v;

	hm__view_init(ctx, &v);
	return hot_score(&v, r, s);
}

uint32_t hm_cold_score(const struct hm_ctx *ctx, const struct hm_region *r,
		       const struct hm_scheme *s)
{
	return HM_MAX_SCORE - hm_hot_score(ctx, r, s);
}

uint32_t hm_scheme_score(const struct hm_ctx *ctx, const struct hm_region *r,
			 const struct hm_scheme *s)
{
	struct hm__view v;

	hm__view_init(ctx, &v);
	return hm__score(&v, r, s);
}

/* ---- the feedback loop, goals and the effective quota ------------------------- */

uint64_t hm_feed_loop_next_input(uint64_t last_input, uint64_t score)
{
	const uint64_t goal = BP, min_input = BP;
	uint64_t diff, comp;

	if (score == goal)
		return last_input;
	if (score >= goal * 2)
		return min_input;
	diff = score > goal ? score - goal : goal - score;
	if (last_input && diff > UINT64_MAX / last_input)
		comp = last_input / goal * diff;
	else
		comp = last_input * diff / goal;
	if (score > goal)
		return last_input > comp && last_input - comp > min_input ?
			       last_input - comp : min_input;
	return last_input + comp < last_input ? UINT64_MAX : last_input + comp;
}

static inline bool quota_is_set(const struct hm_quota *q)
{
	return q->esz || q->sz || q->ms || q->nr_goals;
}

bool hm_quota_is_set(const struct hm_quota *q)
{
	return quota_is_set(q);
}

static bool quota_is_full(const struct hm_quota *q, uint64_t min_region_sz)
{
	if (!quota_is_set(q))
		return false;
	return q->charged_sz >= q->esz || q->esz - q->charged_sz < min_region_sz;
}

/* Bytes of @t's pattern-matching regions on @nid, resident, and weighted. */
/*
 * Bytes of pattern-matching memory on the node and anywhere; accesses to it
 * weighed two ways: estimated accesses (weighted sources' counts, as a
 * moving sum like nr_accesses') and DAMON's frequency x bytes.
 */
struct node_sum {
	uint64_t on_node, resident;
	unsigned __int128 est_on, est_all;
	unsigned __int128 w_on, w_all;
};

/* The estimated accesses' moving sum, as hm__mvsum_at for nr_accesses. */
static uint64_t est_mvsum(const struct hm__view *v, const struct hm_region *r)
{
	if (v->left_bp == BP)
		return r->last_est_accesses;
	return r->est_accesses + hm__mult_frac(r->last_est_accesses, v->left_bp, BP);
}

static void sum_node(struct hm_ctx *ctx, struct hm_scheme *s, int nid,
		     struct node_sum *sum)
{
	struct hm_target *t;
	struct hm_region *r;
	struct hm__view v;

	hm__view_init(ctx, &v);
	memset(sum, 0, sizeof(*sum));
	hm_for_each_target(t, ctx) {
		hm_for_each_region(r, t) {
			uint64_t on = 0, res = 0, w;

			if (!hm__pattern_match(&v, r, s))
				continue;
			if (ctx->ops->range_on_node(ctx->ops_priv, t, r->start, r->end,
						    nid, &on, &res) || !res)
				continue;
			if (on > res)
				on = res;
			sum->on_node += on;
			sum->resident += res;
			/* accesses in DAMON's unit: frequency x bytes */
			w = hm__mvsum_at(&v, r);
			sum->w_on += (unsigned __int128)w * hm_sz_region(r) * on / res;
			sum->w_all += (unsigned __int128)w * hm_sz_region(r);
			/* and as counted, spread evenly over the resident bytes */
			w = est_mvsum(&v, r);
			sum->est_on += (unsigned __int128)w * on / res;
			sum->est_all += w;
		}
	}
}

void hm_update_goal_values(struct hm_ctx *ctx, struct hm_scheme *s)
{
	uint32_t i;

	for (i = 0; i < s->quota.nr_goals; i++) {
		struct hm_quota_goal *g = &s->quota.goals[i];
		struct hm_node_mem mem;
		struct node_sum sum;

		switch (g->metric) {
		case HM_GOAL_USER_INPUT:
			break;
		case HM_GOAL_NODE_MEM_USED_BP:
		case HM_GOAL_NODE_MEM_FREE_BP:
			if (!ctx->ops || !ctx->ops->node_mem)
				break;
			if (ctx->ops->node_mem(ctx->ops_priv, g->nid, &mem)) {
				/* no such node: nothing used, all free */
				g->current_value = g->metric == HM_GOAL_NODE_MEM_USED_BP ? 0 : BP;
			} else if (!mem.total || mem.total < mem.free) {
				g->current_value = g->metric == HM_GOAL_NODE_MEM_USED_BP ? BP : 0;
			} else {
				uint64_t used = hm__mult_frac(mem.total - mem.free, BP, mem.total);

				g->current_value = g->metric == HM_GOAL_NODE_MEM_USED_BP ?
							   used : BP - used;
			}
			break;
		case HM_GOAL_NODE_ELIGIBLE_MEM_BP:
		case HM_GOAL_NODE_HOT_SHARE_BP:
			if (!ctx->ops || !ctx->ops->range_on_node)
				break;
			sum_node(ctx, s, g->nid, &sum);
			if (g->metric == HM_GOAL_NODE_ELIGIBLE_MEM_BP)
				g->current_value = sum.resident ?
					hm__mult_frac(sum.on_node, BP, sum.resident) : 0;
			else if (sum.est_all)	/* a counting source: its estimates */
				g->current_value = (uint64_t)(sum.est_on * BP / sum.est_all);
			else
				g->current_value = sum.w_all ?
					(uint64_t)(sum.w_on * BP / sum.w_all) : 0;
			break;
		default:
			break;
		}
	}
}

/* The highest goal score: the least aggressive of them. */
static uint64_t quota_score(const struct hm_quota *q)
{
	uint64_t best = 0, v;
	uint32_t i;

	for (i = 0; i < q->nr_goals; i++) {
		v = hm__mult_frac(q->goals[i].current_value, BP, q->goals[i].target_value);
		if (v > best)
			best = v;
	}
	return best;
}

/* Bytes per ms the time quota converts with: measured, or a first guess. */
static uint64_t quota_throughput(const struct hm_quota *q)
{
	return q->total_charged_ns ?
		hm__mult_frac(q->total_charged_sz, 1000000, q->total_charged_ns) :
		4096ull * 1024;
}

/*
 * hotmem's addition to the consist tuner: its state never exceeds the
 * largest quota the scheme could use - the size quota, the time quota, all
 * monitored memory. DAMON's tuner keeps growing while a cap binds (integrator
 * windup) and then needs as many windows to come back, overshooting the goal
 * (docs/monitor.md shows it on the plant test). This is the ceiling half of
 * a kernel proposal; its floor is not taken, so the ramp still starts at one
 * byte as in DAMON.
 */
static void consist_anti_windup(const struct hm_ctx *ctx, struct hm_quota *q)
{
	uint64_t max = 0;
	const struct hm_target *t;
	const struct hm_region *r;

	hm_for_each_target(t, ctx)
		hm_for_each_region(r, t)
			max += hm_sz_region(r);
	if (q->sz && q->sz < max)
		max = q->sz;
	if (q->ms && sat_mul(quota_throughput(q), q->ms) < max)
		max = sat_mul(quota_throughput(q), q->ms);
	if (max && q->esz_bp > sat_mul(max, BP))
		q->esz_bp = sat_mul(max, BP);
}

void hm_set_effective_quota(struct hm_ctx *ctx, struct hm_scheme *s)
{
	struct hm_quota *q = &s->quota;
	uint64_t esz = UINT64_MAX;

	if (!q->ms && !q->nr_goals) {
		q->esz = q->sz;
		return;
	}
	if (q->nr_goals) {
		uint64_t score;

		hm_update_goal_values(ctx, s);
		score = quota_score(q);
		if (q->tuner == HM_TUNER_TEMPORAL) {
			if (score >= BP)
				q->esz_bp = 0;
			else
				q->esz_bp = q->sz ? sat_mul(q->sz, BP) : UINT64_MAX;
		} else {
			q->esz_bp = hm_feed_loop_next_input(q->esz_bp > BP ? q->esz_bp : BP,
							    score);
			consist_anti_windup(ctx, q);
		}
		esz = q->esz_bp / BP;
	}
	if (q->ms) {
		uint64_t esz_time = sat_mul(quota_throughput(q), q->ms);

		if (esz_time < ctx->min_region_sz)
			esz_time = ctx->min_region_sz;
		if (esz_time < esz)
			esz = esz_time;
	}
	if (q->sz && q->sz < esz)
		esz = q->sz;
	q->esz = esz;
}

void hm_quota_charge(struct hm_quota *q, uint64_t sz, uint64_t applied)
{
	if (!q->fail_charge_denom || applied > sz)
		q->charged_sz += sz;
	else
		q->charged_sz += applied + hm__mult_frac(sz - applied, q->fail_charge_num,
						     q->fail_charge_denom);
}

void hm_adjust_quota(struct hm_ctx *ctx, struct hm_scheme *s)
{
	struct hm_quota *q = &s->quota;
	uint32_t score, max_score = 0;
	struct hm_target *t;
	struct hm_region *r;
	struct hm__view v;
	uint64_t cum;

	if (!q->ms && !q->sz && !q->nr_goals)
		return;
	if (!q->window_started) {
		q->window_started = true;
		q->charged_from_ns = ctx->now_ns;
		hm_set_effective_quota(ctx, s);
	}
	if (ctx->now_ns >= q->charged_from_ns + sat_mul(q->reset_interval_ms, 1000000)) {
		if (q->esz && q->charged_sz >= q->esz)
			s->stat.qt_exceeds++;
		q->total_charged_sz += q->charged_sz;
		q->charged_from_ns = ctx->now_ns;
		q->charged_sz = 0;
		hm_set_effective_quota(ctx, s);
	}

	/* The score at which the quota is spent: walk down a size histogram. */
	hm__view_init(ctx, &v);
	memset(ctx->score_hist, 0, sizeof(ctx->score_hist));
	hm_for_each_target(t, ctx) {
		hm_for_each_region(r, t) {
			if (!hm__pattern_match(&v, r, s))
				continue;
			if (hm_core_filter_out(ctx, t, r, s) || hm_region_in_place(ctx, r, s))
				continue;
			score = hm__score(&v, r, s);
			ctx->score_hist[score] += hm_sz_region(r);
			if (score > max_score)
				max_score = score;
		}
	}
	for (cum = 0, score = max_score;; score--) {
		cum += ctx->score_hist[score];
		if (cum >= q->esz || !score)
			break;
	}
	q->min_score = score;
}

/* ---- filters ---------------------------------------------------------------- */

/*
 * A region a migrate action found wholly on the destination of @s (one
 * destination only) within the last HM_IN_PLACE_MS. It is left out of
 * the scheme's quota histogram and not tried: otherwise a small quota is
 * spent each window on the hottest regions, which are the ones already
 * moved, and the rest never reach the priority threshold. The mark goes
 * with the time limit (pages can move without hotmem), with a merge into
 * a region not wholly on the same node, and with the next migrate action
 * that finds the region elsewhere.
 */
bool hm__in_place_fresh(const struct hm_ctx *ctx, const struct hm_region *r)
{
	return r->in_place && (uint32_t)(ctx->now_ns / 1000000) - r->in_place_ms < HM_IN_PLACE_MS;
}

bool hm_region_in_place(const struct hm_ctx *ctx, const struct hm_region *r,
			const struct hm_scheme *s)
{
	if (s->nr_dests != 1 ||
	    (s->action != HM_ACTION_MIGRATE_HOT && s->action != HM_ACTION_MIGRATE_COLD))
		return false;
	return r->in_place == s->dests[0].nid + 1 && hm__in_place_fresh(ctx, r);
}

bool hm_filter_match(struct hm_ctx *ctx, struct hm_target *t, struct hm_region *r,
		     const struct hm_filter *f)
{
	uint64_t a = ctx->min_region_sz, start, end;
	struct hm_target *ti;
	uint32_t idx = 0;
	bool matched = false;

	switch (f->type) {
	case HM_FILTER_TARGET:
		hm_for_each_target(ti, ctx) {
			if (ti == t)
				break;
			idx++;
		}
		matched = idx == f->target_idx;
		break;
	case HM_FILTER_ADDR:
		start = f->addr.start & ~(a - 1);
		end = f->addr.end & ~(a - 1);
		if (start <= r->start && r->end <= end) {
			matched = true;			/* inside */
		} else if (r->end <= start || end <= r->start) {
			matched = false;		/* outside */
		} else if (r->start < start) {
			/* starts before: keep the part before, not matched */
			hm_split_region_at(t, r, start - r->start);
			matched = false;
		} else {
			/* starts inside: keep the part inside, matched */
			hm_split_region_at(t, r, end - r->start);
			matched = true;
		}
		break;
	default:
		return false;
	}
	return matched == f->matching;
}

bool hm_core_filter_out(struct hm_ctx *ctx, struct hm_target *t,
			struct hm_region *r, struct hm_scheme *s)
{
	uint32_t i;

	if (!s->nr_filters)
		return s->core_filters_default_reject;
	for (i = 0; i < s->nr_filters; i++)
		if (hm_filter_match(ctx, t, r, &s->filters[i]))
			return !s->filters[i].allow;
	return s->core_filters_default_reject;
}

/* ---- watermarks ---------------------------------------------------------------- */

uint64_t hm_wmark_wait_us(struct hm_scheme *s, uint32_t metric)
{
	struct hm_watermarks *w = &s->wmarks;

	if (w->metric == HM_WMARK_NONE)
		return 0;
	if (metric > w->high || metric < w->low) {
		w->activated = false;
		return w->interval_us ? w->interval_us : 1;
	}
	if (metric >= w->mid && !w->activated)
		return w->interval_us ? w->interval_us : 1;
	w->activated = true;
	return 0;
}

/* ---- applying ------------------------------------------------------------------ */

static bool is_last_region(const struct hm_region *r, const struct hm_target *t)
{
	return r->list.next == &t->regions;
}

static bool is_last_target(const struct hm_target *t, const struct hm_ctx *ctx)
{
	return t->list.next == &ctx->targets;
}

bool hm_skip_charged_region(struct hm_ctx *ctx, struct hm_target *t,
			    struct hm_region **rp, struct hm_scheme *s)
{
	struct hm_quota *q = &s->quota;
	struct hm_region *r = *rp;
	uint64_t skip;

	if (!q->charge_target_from)
		return false;
	if (t != q->charge_target_from)
		return true;
	if (q->charge_addr_from && r->end <= q->charge_addr_from) {
		/* charged in the last window; at the last region, start over */
		if (is_last_region(r, t)) {
			q->charge_target_from = NULL;
			q->charge_addr_from = 0;
		}
		return true;
	}
	if (q->charge_addr_from && r->start < q->charge_addr_from) {
		skip = (q->charge_addr_from - r->start) & ~(ctx->min_region_sz - 1);
		if (!skip) {
			if (hm_sz_region(r) <= ctx->min_region_sz)
				return true;
			skip = ctx->min_region_sz;
		}
		if (!hm_split_region_at(t, r, skip)) {
			r = hm_next_region(r);
			*rp = r;
		}
	}
	q->charge_target_from = NULL;
	q->charge_addr_from = 0;
	return false;
}

void hm_apply_scheme(struct hm_ctx *ctx, struct hm_target *t, struct hm_region *r,
		     struct hm_scheme *s)
{
	struct hm_quota *q = &s->quota;
	struct hm_action_result res = { 0 };
	uint64_t sz = hm_sz_region(r);

	if (quota_is_set(q) && q->charged_sz + sz > q->esz) {
		sz = q->charged_sz < q->esz ?
			     (q->esz - q->charged_sz) & ~(ctx->min_region_sz - 1) : 0;
		/* Less than a region's worth left: tried, nothing counted. */
		if (!sz || hm_split_region_at(t, r, sz))
			goto update_stat;
	}
	/* Core-filtered regions are not tried: no stats at all. */
	if (hm_core_filter_out(ctx, t, r, s) || hm_region_in_place(ctx, r, s))
		return;
	sz = hm_sz_region(r);
	if (s->action != HM_ACTION_STAT && ctx->ops && ctx->ops->apply &&
	    ctx->ops->apply(ctx->ops_priv, t, r, s, &res))
		memset(&res, 0, sizeof(res));
	if (res.sz_applied > sz)
		res.sz_applied = sz;
	if ((s->action == HM_ACTION_MIGRATE_HOT || s->action == HM_ACTION_MIGRATE_COLD) &&
	    s->nr_dests == 1) {
		/*
		 * Virtual pages stay in the region when they move; physical
		 * ones leave it (their new frames are elsewhere), so there only
		 * pages found in place say where the region is.
		 */
		bool virt = t->pid >= 0 || t->space == HM_SPACE_VIRT;
		uint64_t there = res.sz_in_place + (virt ? res.sz_applied : 0);
		bool whole = res.sz_ops_filter_passed && there >= res.sz_ops_filter_passed;

		r->in_place = whole ? (uint16_t)(s->dests[0].nid + 1) : 0;
		r->in_place_ms = (uint32_t)(ctx->now_ns / 1000000);
	}
	q->total_charged_ns += res.time_ns;
	hm_quota_charge(q, sz, res.sz_applied);
	if (quota_is_set(q) && q->charged_sz >= q->esz) {
		q->charge_target_from = t;
		q->charge_addr_from = r->end;
	}
	if (s->action != HM_ACTION_STAT)
		r->age = 0;
update_stat:
	s->stat.nr_tried++;
	s->stat.sz_tried += sz;
	if (res.sz_applied)
		s->stat.nr_applied++;
	s->stat.sz_applied += res.sz_applied;
	s->stat.sz_ops_filter_passed += res.sz_ops_filter_passed;
}

static bool scheme_due(const struct hm_ctx *ctx, const struct hm_scheme *s)
{
	return ctx->passed_sample_intervals >= s->next_apply_sis;
}

/* Is @r a valid target of @s: the pattern, and the minimum score when a quota
 * is in effect. */
static bool valid_target(const struct hm__view *v, struct hm_region *r,
			 const struct hm_scheme *s)
{
	if (!hm__pattern_match(v, r, s))
		return false;
	if (!s->quota.esz)
		return true;
	return hm__score(v, r, s) >= s->quota.min_score;
}

static void do_apply_schemes(struct hm_ctx *ctx, const struct hm__view *v,
			     struct hm_target *t, struct hm_region *r)
{
	struct hm_scheme *s;

	hm_for_each_scheme(s, ctx) {
		if (!scheme_due(ctx, s) || !s->wmarks.activated)
			continue;
		if (quota_is_full(&s->quota, ctx->min_region_sz))
			continue;
		if (s->quota.charge_target_from && hm_skip_charged_region(ctx, t, &r, s))
			continue;
		if (s->max_nr_snapshots && s->stat.nr_snapshots >= s->max_nr_snapshots)
			continue;
		if (valid_target(v, r, s))
			hm_apply_scheme(ctx, t, r, s);
		if (is_last_region(r, t) && is_last_target(t, ctx))
			s->stat.nr_snapshots++;
	}
}

/* Quota trimming cut regions into slices; put equal neighbours back together. */
static void merge_quota_slices(struct hm_ctx *ctx)
{
	struct hm_target *t;
	struct hm_region *r, *next, *prev;

	hm_for_each_target(t, ctx) {
		prev = NULL;
		hm_for_each_region_safe(r, next, t) {
			if (prev && prev->end == r->start && prev->age == r->age &&
			    prev->nr_accesses == r->nr_accesses &&
			    prev->last_nr_accesses == r->last_nr_accesses &&
			    hm_sz_region(prev) + hm_sz_region(r) <= ctx->sz_limit)
				hm_merge_two_regions(t, prev, r);
			else
				prev = r;
		}
	}
}

void hm_apply_schemes(struct hm_ctx *ctx)
{
	uint64_t sample = ctx->attrs.sample_interval_us ? ctx->attrs.sample_interval_us : 1;
	struct hm_target *t;
	struct hm_region *r, *next;
	struct hm_scheme *s;
	struct hm__view v;
	bool any = false;

	hm_for_each_scheme(s, ctx) {
		if (!scheme_due(ctx, s) || !s->wmarks.activated)
			continue;
		any = true;
		hm_adjust_quota(ctx, s);
	}
	if (!any)
		return;
	hm__view_init(ctx, &v);
	hm_for_each_target(t, ctx)
		hm_for_each_region_safe(r, next, t)
			do_apply_schemes(ctx, &v, t, r);
	merge_quota_slices(ctx);
	hm_for_each_scheme(s, ctx) {
		if (!scheme_due(ctx, s))
			continue;
		s->next_apply_sis = ctx->passed_sample_intervals +
				    (s->apply_interval_us ? s->apply_interval_us :
							    ctx->attrs.aggr_interval_us) / sample;
	}
}

int hm_scheme_pick_dest(const struct hm_scheme *s, uint32_t *turn)
{
	uint32_t sum = 0, i, at;

	if (s->nr_dests <= 1)
		return s->nr_dests ? s->dests[0].nid : -1;
	for (i = 0; i < s->nr_dests; i++)
		sum += s->dests[i].weight ? s->dests[i].weight : 1;
	at = (*turn)++ % sum;
	for (i = 0; i < s->nr_dests; i++) {
		uint32_t w = s->dests[i].weight ? s->dests[i].weight : 1;

		if (at < w)
			return s->dests[i].nid;
		at -= w;
	}
	return s->dests[0].nid;
}
