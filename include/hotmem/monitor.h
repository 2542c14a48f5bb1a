/* SPDX-License-Identifier: MIT */
/*
 * Monitoring contexts, targets and regions.
 *
 * The data model and the region API follow DAMON's (mm/damon/core.c) name for
 * name, so that the kernel's unit tests can be checked one for one: a context
 * owns targets, a target owns sorted, non-overlapping regions [start, end),
 * and each region carries how often it was found accessed. See
 * docs/substrate.md for where hotmem extends the model (estimated accesses fed
 * by counting sources).
 */
#ifndef HOTMEM_MONITOR_H
#define HOTMEM_MONITOR_H

#include <stdbool.h>
#include <stdint.h>

#include <hotmem/list.h>
#include <hotmem/ops.h>
#include <hotmem/rand.h>
#include <hotmem/report.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * struct hm_region - a monitoring region.
 * @start, @end:	the address range [start, end).
 * @nr_accesses:	samples of the current aggregation window in which the
 *			region was found accessed; never above the samples per
 *			aggregation.
 * @last_nr_accesses:	@nr_accesses of the previous aggregation window.
 * @age:		aggregation windows the access frequency has stayed
 *			about the same.
 * @est_accesses:	estimated accesses in the current aggregation window,
 *			from weighted (counting) sources: the sum of count x
 *			scale. A total, so split divides it by size and merge
 *			adds.
 * @last_est_accesses:	@est_accesses of the previous aggregation window.
 * @wres_bp:		carry of the weighted-to-nr_accesses normalization,
 *			in basis points of one sample (docs/substrate.md).
 * @sampling_addr:	the address the sampling access check looks at in the
 *			current sampling interval (ops with check_access).
 * @list:		link in the target's region list.
 */
struct hm_region {
	uint64_t start;
	uint64_t end;
	uint64_t sampling_addr;
	uint32_t nr_accesses;
	uint32_t last_nr_accesses;
	uint32_t age;
	uint32_t wres_bp;
	uint64_t est_accesses;
	uint64_t last_est_accesses;
	uint32_t in_place_ms;	/* when a migrate found it wholly on in_place - 1 */
	uint16_t in_place;	/* that node + 1; 0: not known */
	struct hm_list list;
};

/* Which reports a target accepts, besides its pid (see hm_report_eligible). */
enum hm_addr_space {
	HM_SPACE_ANY,	/* any report, virtual or physical (simulators, tests) */
	HM_SPACE_VIRT,	/* virtual-address reports only */
	HM_SPACE_PHYS,	/* physical-address reports only */
};

struct hm_snapshot;
struct hm_region_mem;

/**
 * struct hm_target - a monitoring target.
 * @pid:	process whose virtual addresses the regions are, or -1. A target
 *		with a pid accepts only virtual-address reports carrying that
 *		pid.
 * @space:	address space accepted when @pid is -1.
 * @nr_regions:	number of regions, kept up to date by the region API.
 * @regions:	regions, sorted by address and never overlapping.
 * @list:	link in the context's target list.
 * @snap:	private: the drain's sorted snapshot (reused between drains).
 * @mem:	private: the arrays hm_compact_regions lays regions out in.
 */
struct hm_target {
	int32_t pid;
	enum hm_addr_space space;
	uint32_t nr_regions;
	struct hm_list regions;
	struct hm_list list;
	struct hm_snapshot *snap;
	struct hm_region_mem *mem;
};

struct hm_addr_range {
	uint64_t start;
	uint64_t end;
};

/**
 * struct hm_intervals_goal - intervals auto-tuning toward an access ratio.
 * @access_bp:	the ratio of observed access events to the most possible
 *		that the tuner aims at, in basis points (4% = 400).
 * @aggrs:	tune every this many aggregation windows; 0 disables tuning.
 * @min_sample_us, @max_sample_us: bounds of the sampling interval.
 */
struct hm_intervals_goal {
	uint32_t access_bp;
	uint32_t aggrs;
	uint64_t min_sample_us;
	uint64_t max_sample_us;
};

/**
 * struct hm_attrs - monitoring attributes, DAMON's monitoring_attrs.
 * @sample_interval_us:	time between access checks (report drains).
 * @aggr_interval_us:	length of an aggregation window.
 * @ops_update_interval_us: how often target address ranges are refreshed.
 * @min_nr_regions, @max_nr_regions: bounds of the adaptive region count.
 * @intervals_goal:	intervals auto-tuning (off when aggrs is 0).
 */
struct hm_attrs {
	uint64_t sample_interval_us;
	uint64_t aggr_interval_us;
	uint64_t ops_update_interval_us;
	uint32_t min_nr_regions;
	uint32_t max_nr_regions;
	struct hm_intervals_goal intervals_goal;
};

/* How a source's reports turn into region counters. */
enum hm_accounting {
	/* A region counts at most one access per sampling interval (DAMON). */
	HM_ACCT_BINARY,
	/* count x scale is added to est_accesses; nr_accesses gets a
	 * normalized share (docs/substrate.md). */
	HM_ACCT_WEIGHTED,
	/*
	 * A report is a range found accessed as a whole (a hot unit, a run of
	 * them): a region counts an access with the chance that one random
	 * address of it lies in what was reported this sample, as DAMON's
	 * check of one sampled address per region. For sources that report
	 * every hot range every sample, where binary would make a large
	 * region hot for one hot page in it.
	 */
	HM_ACCT_COVERAGE,
};

#define HM_MAX_SOURCES		32
#define HM_SOURCE_NAME_LEN	32

/**
 * struct hm_source - a registered report source.
 * @name:	for humans.
 * @acct:	binary or weighted accounting.
 * @scale:	accesses one unit of a report's count stands for (a sampling
 *		period, a downsampling factor); at least 1.
 */
struct hm_source {
	char name[HM_SOURCE_NAME_LEN];
	enum hm_accounting acct;
	uint32_t scale;
};

/* What the drain does with a report that crosses a region boundary. */
enum hm_straddle_policy {
	HM_STRADDLE_REJECT,	/* ignore it and count it (DAMON's rule) */
	HM_STRADDLE_SPLIT,	/* share it among the regions it overlaps */
};

enum hm_sample_filter_type {
	HM_SAMPLE_FILTER_CPUMASK,	/* the report's cpu is in a set */
	HM_SAMPLE_FILTER_THREADS,	/* the report's tid is in a set */
	HM_SAMPLE_FILTER_WRITE,		/* the report is a write */
};

/**
 * struct hm_sample_filter - DAMON's sample filter.
 * @type:	the property tested.
 * @matching:	the filter matches a report when (property holds) == matching.
 * @allow:	a matching filter keeps (true) or drops (false) the report.
 * @cpus, @nr_cpus: CPUMASK: bitmap of @nr_cpus bits (bit n = CPU n).
 * @tids, @nr_tids: THREADS: thread ids, in any order.
 *
 * The first matching filter decides. When none matches, the report is kept
 * if the last filter is a reject filter and dropped if it is an allow filter.
 * With no filters everything is kept.
 */
struct hm_sample_filter {
	enum hm_sample_filter_type type;
	bool matching;
	bool allow;
	const uint64_t *cpus;
	uint32_t nr_cpus;
	const int32_t *tids;
	uint32_t nr_tids;
};

struct hm_filter_set;

/**
 * struct hm_drain_stats - what one drain (or all drains) did with reports.
 *
 * Every drained report lands in exactly one of stale, invalid, filtered,
 * applied, straddling and unmatched, in that order of precedence.
 *
 * @drained:	reports taken from rings (or passed in an array).
 * @stale:	older than the freshness window; ignored.
 * @invalid:	carried an unregistered source id; ignored.
 * @filtered:	dropped by the sample filters.
 * @applied:	counted in at least one region of an eligible target.
 * @straddling:	crossed a region boundary and were rejected (reject policy).
 * @unmatched:	fell in no region of any eligible target.
 * @max_nr_accesses: largest nr_accesses of any region after this drain
 *		(for hm_drain_stats totals: after the last drain).
 * @samples:	drains (sampling intervals) these counters cover.
 */
struct hm_drain_stats {
	uint64_t drained;
	uint64_t stale;
	uint64_t invalid;
	uint64_t filtered;
	uint64_t applied;
	uint64_t straddling;
	uint64_t unmatched;
	uint32_t max_nr_accesses;
	uint64_t samples;
};

/* Called with the aggregated regions, just before they are reset. */
typedef void (*hm_aggregate_fn)(struct hm_ctx *ctx, void *arg);

/**
 * struct hm_ctx - a monitoring context.
 * @attrs:	monitoring attributes; change them with hm_set_attrs().
 * @min_region_sz: smallest region and alignment unit (a power of two; a page
 *		in real use, 1 in unit tests). Also the unit in which weighted
 *		accesses are normalized.
 * @freshness_ns: reports older than this at drain time are ignored; 0 means
 *		one sampling interval.
 * @straddle:	what to do with reports that cross a region boundary.
 * @targets:	the monitoring targets.
 * @sources:	registered report sources, indexed by report.source.
 * @nr_sources:	number of registered sources.
 * @filters:	private: the sample filters (hm_set_sample_filters()).
 * @totals:	counters summed over every drain of this context.
 *
 * The monitor (hm_monitor_start(), hm_monitor_step()):
 * @ops, @ops_priv: the backend, or NULL.
 * @reports:	producer rings drained every sampling interval, or NULL.
 * @schemes:	the schemes, applied in order.
 * @after_aggregate, @after_aggregate_arg: called at each aggregation
 *		boundary with the window's results (records use it).
 * @rng:	the generator for region splitting and sampling addresses;
 *		seeded with hm_ctx_seed().
 * @now_ns:	the caller's clock at the current step.
 * @next_sample_ns: when the next sampling interval is due.
 * @passed_sample_intervals: sampling intervals done (DAMON's clock).
 * @next_aggregation_sis, @next_ops_update_sis, @next_intervals_tune_sis:
 *		when the next of each is due, in sampling intervals.
 * @aggr_samples: sampling intervals per aggregation window, kept when the
 *		intervals tuner changes the sampling interval.
 * @sz_limit:	region size cap for merging (hm_apply_min_nr_regions()).
 * @last_nr_regions: region count at the last split (three-way split rule).
 * @split_offset: rotating start of "split one in every step" above max/2.
 * @max_nr_accesses: largest nr_accesses after the last access check.
 * @skipped_samples: sampling intervals not run because every scheme was
 *		deactivated by its watermarks.
 * @running:	hm_monitor_start() succeeded.
 * @interval_open: a sampling interval is under way (watermarks allowed it).
 * @score_hist:	private: bytes per score, for the quota's minimum score.
 */
struct hm_ctx {
	struct hm_attrs attrs;
	uint64_t min_region_sz;
	uint64_t freshness_ns;
	enum hm_straddle_policy straddle;
	struct hm_list targets;
	struct hm_source sources[HM_MAX_SOURCES];
	uint32_t nr_sources;
	struct hm_filter_set *filters;
	struct hm_drain_stats totals;

	const struct hm_ops *ops;
	void *ops_priv;
	struct hm_ring_set *reports;
	struct hm_list schemes;
	hm_aggregate_fn after_aggregate;
	void *after_aggregate_arg;
	struct hm_rand rng;
	uint64_t now_ns;
	uint64_t next_sample_ns;
	uint64_t passed_sample_intervals;
	uint64_t next_aggregation_sis;
	uint64_t next_ops_update_sis;
	uint64_t next_intervals_tune_sis;
	uint64_t aggr_samples;
	uint64_t sz_limit;
	uint32_t last_nr_regions;
	uint32_t split_offset;
	uint32_t max_nr_accesses;
	uint64_t skipped_samples;
	bool running;
	bool interval_open;
	uint64_t score_hist[100];
};

#define hm_for_each_target(t, ctx) \
	hm_list_for_each_entry(t, &(ctx)->targets, list)

#define hm_for_each_target_safe(t, next, ctx) \
	hm_list_for_each_entry_safe(t, next, &(ctx)->targets, list)

#define hm_for_each_region(r, t) \
	hm_list_for_each_entry(r, &(t)->regions, list)

#define hm_for_each_region_safe(r, next, t) \
	hm_list_for_each_entry_safe(r, next, &(t)->regions, list)

#define hm_for_each_region_from(r, t) \
	hm_list_for_each_entry_from(r, &(t)->regions, list)

#define hm_first_region(t) \
	hm_list_first_entry(&(t)->regions, struct hm_region, list)
#define hm_last_region(t) \
	hm_list_last_entry(&(t)->regions, struct hm_region, list)
#define hm_next_region(r) hm_list_next_entry(r, list)
#define hm_prev_region(r) hm_list_prev_entry(r, list)

static inline uint64_t hm_sz_region(const struct hm_region *r)
{
	return r->end - r->start;
}

/*
 * Contexts. hm_new_ctx() sets DAMON's defaults (5 ms, 100 ms, 60 s, 10,
 * 1000), a min_region_sz of 4096 and seed 0.
 */
struct hm_ctx *hm_new_ctx(void);
void hm_destroy_ctx(struct hm_ctx *ctx);
void hm_ctx_seed(struct hm_ctx *ctx, uint64_t seed);
/*
 * Validate as DAMON does (-EINVAL, nothing changed): min_nr_regions >= 3,
 * min <= max, sample <= aggr, and with an intervals goal, its bounds in
 * order around the sampling interval. Then apply, converting existing
 * results to the new intervals (online change) and moving the next due
 * points.
 */
int hm_set_attrs(struct hm_ctx *ctx, const struct hm_attrs *attrs);
/* Samples per aggregation window: max(1, aggr / max(sample, 1)). */
uint32_t hm_samples_per_aggr(const struct hm_attrs *attrs);
/*
 * One region's result converted to new intervals (damon_update_monitoring_result):
 * counts keep their share of the window, age its length in time; mid-window
 * (@aggregating) the window restarts, as if just reset.
 */
void hm_update_monitoring_result(struct hm_region *r, const struct hm_attrs *old_attrs,
				 const struct hm_attrs *new_attrs, bool aggregating);

/* Targets. */
struct hm_target *hm_new_target(void);
void hm_add_target(struct hm_ctx *ctx, struct hm_target *t);
/* Unlink from @ctx (may be NULL if never added) and free with its regions. */
void hm_destroy_target(struct hm_target *t, struct hm_ctx *ctx);
unsigned int hm_nr_targets(const struct hm_ctx *ctx);

/* Regions. */
struct hm_region *hm_new_region(uint64_t start, uint64_t end);
void hm_add_region(struct hm_region *r, struct hm_target *t);
void hm_insert_region(struct hm_region *r, struct hm_region *prev,
		      struct hm_region *next, struct hm_target *t);
void hm_destroy_region(struct hm_region *r, struct hm_target *t);
unsigned int hm_nr_regions(const struct hm_target *t);

/*
 * Split @r at @sz_r bytes from its start: @r keeps [start, start + sz_r) and
 * a new region [start + sz_r, end) follows it, with the same nr_accesses,
 * last_nr_accesses and age (est_accesses is divided by size).
 * Return: 0, -EINVAL if @sz_r is not inside the region, -ENOMEM.
 */
int hm_split_region_at(struct hm_target *t, struct hm_region *r, uint64_t sz_r);

/*
 * Merge @r into its left neighbour @l: @l takes the size-weighted averages of
 * nr_accesses and age, the sum of est_accesses, and @r's end; @r is freed.
 */
void hm_merge_two_regions(struct hm_target *t, struct hm_region *l,
			  struct hm_region *r);

/*
 * Make @t's regions cover exactly @ranges (DAMON's damon_set_regions): each
 * range is aligned (start down, end up, to @min_region_sz), regions that
 * intersect no range are removed, intersecting ones are stretched to the
 * range edges and holes are filled with new regions. Kept regions keep their
 * counters.
 * Return: 0; -EINVAL if @min_region_sz is not a power of two or a range is
 * empty, inverted, out of order or overlapping after alignment; -ENOMEM.
 * On error @t is unchanged.
 */
int hm_set_regions(struct hm_target *t, const struct hm_addr_range *ranges,
		   unsigned int nr_ranges, uint64_t min_region_sz);

/*
 * End an aggregation window: last_nr_accesses = nr_accesses, nr_accesses = 0,
 * and likewise for est_accesses (kdamond_reset_aggregated).
 */
void hm_reset_aggregated(struct hm_ctx *ctx);

/* ---- the adaptive regions (DAMON's rules, docs/monitor.md) ---- */

/*
 * One merge pass over @t's regions in address order, counting age: neighbours
 * that touch, whose nr_accesses differ by at most @threshold, and whose sizes
 * add up to at most @sz_limit are merged.
 */
void hm_merge_regions_of(struct hm_target *t, uint32_t threshold,
			 uint64_t sz_limit);
/* The same, choosing whether this pass counts age (repeated passes do not). */
void hm_merge_regions_of_aged(struct hm_target *t, uint32_t threshold,
			      uint64_t sz_limit, bool count_age);
/*
 * kdamond_merge_regions: a pass with threshold max_nr_accesses / 10, then
 * passes with a doubling threshold while the count is above max_nr_regions.
 */
void hm_merge_regions(struct hm_ctx *ctx, uint32_t max_nr_accesses,
		      uint64_t sz_limit);
/*
 * Cut every region larger than total size / min_nr_regions (aligned up to
 * min_region_sz) into pieces of that size. Return: that size.
 */
uint64_t hm_apply_min_nr_regions(struct hm_ctx *ctx);
/* Split each region of @t into up to @nr_subs random 10-90% pieces. */
void hm_split_regions_of(struct hm_ctx *ctx, struct hm_target *t,
			 unsigned int nr_subs);
/* kdamond_split_regions: two or three pieces, or some regions above max/2. */
void hm_split_regions(struct hm_ctx *ctx);
/*
 * Lay each target's regions out again in address order in one contiguous
 * block, for a target whose region nodes have scattered in memory: more
 * than 128 KiB of them, and more than a quarter not directly after their
 * predecessor. Merge and split churn scatters them; walking a scattered list
 * of 100,000 regions costs a cache miss per region. hm_monitor_step calls
 * this after each split, so, as with merge and split, region pointers do not
 * survive an aggregation.
 * Return: the number of targets compacted, or -ENOMEM (that target and the
 * ones after it left as they were; nothing is lost).
 */
int hm_compact_regions(struct hm_ctx *ctx);

/* ---- counts between aggregation boundaries ---- */

/* current + last x left_bp / 10000 (damon_mvsum). */
uint64_t hm_mvsum(uint64_t current, uint64_t last, uint64_t left_bp);
/* The on-demand moving sum of @r's nr_accesses (mm 2026). */
uint32_t hm_nr_accesses_mvsum(const struct hm_ctx *ctx, const struct hm_region *r);

/* ---- the loop ---- */

/*
 * Start monitoring at @now_ns: set the due points, give targets without
 * regions their ops ranges, cut regions to min_nr_regions, set every
 * scheme's first apply point. Return: 0, -EINVAL (bad attributes or
 * min_region_sz), or an ops error.
 */
int hm_monitor_start(struct hm_ctx *ctx, uint64_t now_ns);
/*
 * Advance to the caller's clock @now_ns. If a sampling interval is due, run
 * one kdamond iteration in DAMON's order: watermarks; prepare access
 * checks; the access check (drain of ctx->reports and/or the ops' sampling
 * check); at an aggregation boundary, merge; apply due schemes; at the
 * boundary, tune intervals, call after_aggregate, reset, split and compact
 * (hm_compact_regions); at an ops-update boundary, refresh ranges. Call it
 * at least once per sampling interval. Return: 1 if an iteration ran, 0 if none was due, or a negative
 * errno.
 */
int hm_monitor_step(struct hm_ctx *ctx, uint64_t now_ns);
/* Intervals auto-tuning, one step (run by hm_monitor_step when due). */
void hm_tune_intervals(struct hm_ctx *ctx);

#ifdef __cplusplus
}
#endif

#endif /* HOTMEM_MONITOR_H */
