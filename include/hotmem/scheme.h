/* SPDX-License-Identifier: MIT */
/*
 * Schemes: DAMOS in hotmem. A scheme is an access pattern and an action,
 * applied to matching regions once per apply interval, within a quota whose
 * size a feedback tuner sets from goals, to the highest-priority regions
 * first, gated by filters and watermarks. The rules are DAMON's (see
 * docs/monitor.md for where hotmem extends or chooses between versions).
 */
#ifndef HOTMEM_SCHEME_H
#define HOTMEM_SCHEME_H

#include <stdbool.h>
#include <stdint.h>

#include <hotmem/list.h>
#include <hotmem/monitor.h>

#ifdef __cplusplus
extern "C" {
#endif

enum hm_action {
	HM_ACTION_STAT,		/* count only */
	HM_ACTION_MIGRATE_HOT,	/* move to the destination(s), hot first */
	HM_ACTION_MIGRATE_COLD,	/* move to the destination(s), cold first */
	HM_NR_ACTIONS,
};

/**
 * struct hm_access_pattern - which regions a scheme applies to.
 * @min_sz, @max_sz:	region size in bytes, inclusive.
 * @min_nr_accesses, @max_nr_accesses: access frequency, inclusive, in
 *			samples per aggregation window, or in percent of
 *			them when @rate is set.
 * @min_age, @max_age:	age in aggregation windows, inclusive.
 * @rate:		the access bounds are percentages (0-100).
 */
struct hm_access_pattern {
	uint64_t min_sz, max_sz;
	uint32_t min_nr_accesses, max_nr_accesses;
	uint32_t min_age, max_age;
	bool rate;
};

#define HM_MAX_DESTS	16
#define HM_MAX_GOALS	8
#define HM_MAX_FILTERS	8

/* A migration destination: a node and its weight (weighted interleave). */
struct hm_dest {
	int32_t nid;
	uint32_t weight;
};

enum hm_goal_metric {
	HM_GOAL_USER_INPUT,		/* current_value set by the user */
	HM_GOAL_NODE_MEM_USED_BP,	/* node used / total, basis points */
	HM_GOAL_NODE_MEM_FREE_BP,	/* node free / total, basis points */
	HM_GOAL_NODE_ELIGIBLE_MEM_BP,	/* pattern-matching bytes on the node / all */
	/*
	 * Share of the accesses to pattern-matching memory that the node
	 * serves: weighted sources' estimated accesses when any region has
	 * some, else DAMON's frequency x bytes (both as moving sums).
	 */
	HM_GOAL_NODE_HOT_SHARE_BP,
	HM_NR_GOAL_METRICS,
};

/**
 * struct hm_quota_goal - one goal of a quota.
 * @metric:	what is measured.
 * @target_value: the value aimed at (same unit as the metric; not 0).
 * @current_value: the last measured value (user_input: set it yourself).
 * @nid:	the node, for the node metrics.
 */
struct hm_quota_goal {
	enum hm_goal_metric metric;
	uint64_t target_value;
	uint64_t current_value;
	int32_t nid;
};

enum hm_goal_tuner {
	HM_TUNER_CONSIST,	/* proportional feedback toward a steady quota */
	HM_TUNER_TEMPORAL,	/* full quota until the goal is met, then none */
};

/**
 * struct hm_quota - how much a scheme may do per reset interval.
 * @reset_interval_ms:	length of a charge window.
 * @ms:		time quota per window (0: none).
 * @sz:		size quota per window, bytes (0: none).
 * @goals, @nr_goals: goals; a goal-derived quota is min'ed with the others.
 * @tuner:	how goals set the quota.
 * @fail_charge_num, @fail_charge_denom: bytes tried but not applied are
 *		charged at this ratio (denominator 0: charged in full).
 * @weight_sz, @weight_nr_accesses, @weight_age: score weights (per mille
 *		by convention; only their ratio matters). weight_sz is kept
 *		for DAMON compatibility and, as there, not used.
 *
 * Outputs and state, reset by hm_new_scheme() and kept by commits:
 * @esz:	the effective size quota of the current window, bytes.
 * @esz_bp:	the goal tuner's state, bytes x 10000.
 * @total_charged_sz, @total_charged_ns: over all windows (throughput).
 * @charged_sz:	charged in the current window.
 * @charged_from_ns: start of the current window (monitor clock).
 * @charge_target_from, @charge_addr_from: where the last full window
 *		stopped; the next resumes there (fairness).
 * @min_score:	regions scoring below this are not valid targets.
 * @window_started: a first window has begun.
 */
struct hm_quota {
	uint64_t reset_interval_ms;
	uint64_t ms;
	uint64_t sz;
	struct hm_quota_goal goals[HM_MAX_GOALS];
	uint32_t nr_goals;
	enum hm_goal_tuner tuner;
	uint32_t fail_charge_num, fail_charge_denom;
	uint32_t weight_sz, weight_nr_accesses, weight_age;

	uint64_t esz;
	uint64_t esz_bp;
	uint64_t total_charged_sz;
	uint64_t total_charged_ns;
	uint64_t charged_sz;
	uint64_t charged_from_ns;
	struct hm_target *charge_target_from;
	uint64_t charge_addr_from;
	uint32_t min_score;
	bool window_started;
};

enum hm_filter_type {
	HM_FILTER_ADDR,		/* the region lies in an address range */
	HM_FILTER_TARGET,	/* the region belongs to the n-th target */
};

/**
 * struct hm_filter - a core filter (decided on whole regions).
 * @type:	what is tested.
 * @matching:	the filter matches regions that have (true) or lack (false)
 *		the property.
 * @allow:	a matching filter lets the region through (true) or drops it.
 * @addr:	ADDR: the range; regions crossing its edges are split there.
 * @target_idx:	TARGET: the target's position in the context, from 0.
 */
struct hm_filter {
	enum hm_filter_type type;
	bool matching;
	bool allow;
	struct hm_addr_range addr;
	uint32_t target_idx;
};

enum hm_wmark_metric {
	HM_WMARK_NONE,		/* always active */
	HM_WMARK_FREE_MEM_RATE,	/* free memory, per mille of total */
};

/**
 * struct hm_watermarks - when a scheme is active.
 * @metric:	the metric checked.
 * @interval_us: how long to wait before checking again when inactive.
 * @high, @mid, @low: thresholds, per mille: active from below mid until the
 *		metric leaves [low, high].
 * @activated:	state.
 */
struct hm_watermarks {
	enum hm_wmark_metric metric;
	uint64_t interval_us;
	uint32_t high, mid, low;
	bool activated;
};

/**
 * struct hm_scheme_stats - what a scheme did.
 * @nr_tried, @sz_tried: regions (bytes) found eligible: pattern, quota,
 *		watermarks and filters all passed.
 * @nr_applied, @sz_applied: regions (bytes) the action was applied to, at
 *		least in part.
 * @sz_ops_filter_passed: bytes that passed the backend's filters.
 * @qt_exceeds:	charge windows that ended with the quota full.
 * @nr_snapshots: complete passes over all regions.
 */
struct hm_scheme_stats {
	uint64_t nr_tried, sz_tried;
	uint64_t nr_applied, sz_applied;
	uint64_t sz_ops_filter_passed;
	uint64_t qt_exceeds;
	uint64_t nr_snapshots;
};

/**
 * struct hm_scheme - access pattern -> action, within a quota.
 * @pattern:	which regions.
 * @action:	what to do with them.
 * @dests, @nr_dests: migration destinations (one node, or a weighted set).
 * @apply_interval_us: how often to apply (0: every aggregation interval).
 * @quota:	the budget.
 * @wmarks:	when active.
 * @filters, @nr_filters: core filters, in order.
 * @max_nr_snapshots: stop applying after this many passes (0: never stop).
 * @stat:	statistics.
 * @next_apply_sis: private: the sampling interval when next due.
 * @core_filters_default_reject: private: the filters' default.
 * @list:	link in the context's scheme list.
 */
struct hm_scheme {
	struct hm_access_pattern pattern;
	enum hm_action action;
	struct hm_dest dests[HM_MAX_DESTS];
	uint32_t nr_dests;
	uint64_t apply_interval_us;
	struct hm_quota quota;
	struct hm_watermarks wmarks;
	struct hm_filter filters[HM_MAX_FILTERS];
	uint32_t nr_filters;
	uint64_t max_nr_snapshots;
	struct hm_scheme_stats stat;

	uint64_t next_apply_sis;
	bool core_filters_default_reject;
	struct hm_list list;
};

#define hm_for_each_scheme(s, ctx) \
	hm_list_for_each_entry(s, &(ctx)->schemes, list)
#define hm_for_each_scheme_safe(s, next, ctx) \
	hm_list_for_each_entry_safe(s, next, &(ctx)->schemes, list)

/* Maximum score of a region (DAMOS_MAX_SCORE). */
#define HM_MAX_SCORE 99

/*
 * A new scheme with the parameters of @tmpl (state cleared: stats, quota
 * outputs, watermark state). Validates like hm_commit_scheme().
 * Return: the scheme, or NULL (errno-style reason in *@err if not NULL).
 */
struct hm_scheme *hm_new_scheme(const struct hm_scheme *tmpl, int *err);
void hm_add_scheme(struct hm_ctx *ctx, struct hm_scheme *s);
void hm_destroy_scheme(struct hm_scheme *s);

/*
 * Online update (DAMON's commit): take @src's parameters - pattern, action,
 * destinations, apply interval, quota parameters and goals, watermark
 * parameters, filters, max snapshots - and keep @dst's state (statistics,
 * quota outputs and windows, watermark state).
 * Return: 0, or -EINVAL (nothing changed) for a goal whose target is 0, an
 * unknown action, metric or filter type, a scheme too large.
 */
int hm_commit_scheme(struct hm_scheme *dst, const struct hm_scheme *src);
/*
 * Commit a whole list by position: the first min(old, new) schemes are
 * updated in place, extra old ones destroyed, extra new ones appended.
 * All or nothing: every scheme is validated (and allocated) first.
 */
int hm_commit_schemes(struct hm_ctx *ctx, const struct hm_scheme *src,
		      unsigned int n);
unsigned int hm_nr_schemes(const struct hm_ctx *ctx);

/*
 * The destination node of scheme @s's next move, for a backend's apply():
 * its one node, or its weighted nodes in turn (@turn is the caller's
 * counter, advanced). -1 if it has none.
 */
int hm_scheme_pick_dest(const struct hm_scheme *s, uint32_t *turn);

/* The pattern alone (DAMON's __damos_valid_target), on the moving sum. */
bool hm_scheme_pattern_match(const struct hm_ctx *ctx, const struct hm_region *r,
			     const struct hm_scheme *s);

/*
 * Scores, 0-99 (ops-common.c): hot from frequency and log-age subscores with
 * the quota's weights, cold = 99 - hot; hm_scheme_score() picks the one the
 * scheme's action uses (migrate_hot: hot, migrate_cold: cold, stat: 99).
 */
uint32_t hm_hot_score(const struct hm_ctx *ctx, const struct hm_region *r,
		      const struct hm_scheme *s);
uint32_t hm_cold_score(const struct hm_ctx *ctx, const struct hm_region *r,
		       const struct hm_scheme *s);
uint32_t hm_scheme_score(const struct hm_ctx *ctx, const struct hm_region *r,
			 const struct hm_scheme *s);

/*
 * Regions a migrate action found wholly on its destination (every present
 * page moved or already there) are left out of a single-destination migrate
 * scheme's quota and tries for HM_IN_PLACE_MS: hm_region_in_place says
 * whether @r is such a region for @s now.
 */
#define HM_IN_PLACE_MS	10000u
bool hm_region_in_place(const struct hm_ctx *ctx, const struct hm_region *r,
			const struct hm_scheme *s);

/*
 * DAMON's proportional feedback (damon_feed_loop_next_input): the next
 * input from the last one and a score where 10000 means "at the goal".
 */
uint64_t hm_feed_loop_next_input(uint64_t last_input, uint64_t score);

/* Quota machinery, exposed for tests and tools. */
bool hm_quota_is_set(const struct hm_quota *q);
void hm_set_effective_quota(struct hm_ctx *ctx, struct hm_scheme *s);
void hm_adjust_quota(struct hm_ctx *ctx, struct hm_scheme *s);
/* Refresh every goal's current_value (user_input goals are left alone). */
void hm_update_goal_values(struct hm_ctx *ctx, struct hm_scheme *s);
/* Charge @sz bytes of which @applied were applied, with the fail-charge ratio. */
void hm_quota_charge(struct hm_quota *q, uint64_t sz, uint64_t applied);

/* Filters. hm_filter_match() may split @r at an address filter's edges. */
bool hm_filter_match(struct hm_ctx *ctx, struct hm_target *t,
		     struct hm_region *r, const struct hm_filter *f);
/* Whether the core filters drop @r (first match decides; default rule). */
bool hm_core_filter_out(struct hm_ctx *ctx, struct hm_target *t,
			struct hm_region *r, struct hm_scheme *s);
void hm_set_filters_default_reject(struct hm_scheme *s);

/*
 * The watermark state machine. @metric is the current value (per mille).
 * Return: 0 if the scheme is active now, else how long to wait (µs).
 */
uint64_t hm_wmark_wait_us(struct hm_scheme *s, uint32_t metric);

/*
 * Per region, as damos_skip_charged_region and damos_apply_scheme: skip
 * regions charged in the window that ended at the resume point, then trim
 * to the quota, filter, apply, charge and count.
 */
bool hm_skip_charged_region(struct hm_ctx *ctx, struct hm_target *t,
			    struct hm_region **rp, struct hm_scheme *s);
void hm_apply_scheme(struct hm_ctx *ctx, struct hm_target *t,
		     struct hm_region *r, struct hm_scheme *s);
/* One pass of every due scheme over every region (a kdamond step). */
void hm_apply_schemes(struct hm_ctx *ctx);

#ifdef __cplusplus
}
#endif

#endif /* HOTMEM_SCHEME_H */
