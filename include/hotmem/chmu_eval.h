/* SPDX-License-Identifier: MIT */
/*
 * How well a CHMU setting finds the hot set, measured against the truth:
 * one access stream through the emulated devices of an interleave set,
 * driven by the host driver, with either fixed settings or the adaptive
 * controller (chmu_ctl.h) reprogramming them between epochs. Every
 * consumer interval the units the hotlists named are merged per 4 KiB page
 * of host physical address, the consumer takes its K busiest, and these
 * are scored against the K pages with the most accesses in that interval.
 * docs/chmu.md, "Comparing settings".
 */
#ifndef HOTMEM_CHMU_EVAL_H
#define HOTMEM_CHMU_EVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hotmem/chmu.h>
#include <hotmem/chmu_ctl.h>
#include <hotmem/workload.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HM_CHMU_EVAL_PAGE_SHIFT	12	/* units and pages: 4 KiB */
#define HM_CHMU_EVAL_MAX_WAYS	16

/**
 * struct hm_chmu_eval_fixed - a fixed setting.
 * @threshold:	hotness threshold (in counts after downsampling).
 * @ds_log2:	downsampling factor, log2.
 * @epoch_ns:	epoch length; rounded down to what scale x multiplier can
 *		state.
 */
struct hm_chmu_eval_fixed {
	uint32_t threshold;
	uint32_t ds_log2;
	uint64_t epoch_ns;
};

/**
 * struct hm_chmu_eval_case - one run.
 * @wl, @nr_wl: the stream: @wl[0] from time 0, @wl[i] from @switch_ns[i]
 *		(a phase change; each generator starts its own clock there).
 * @ways, @granularity: the interleave set the stream's addresses (HPAs
 *		from 0) are spread over.
 * @tracker:	each device's tracker kind; its size comes from @budget.
 * @budget:	tracker counters per 4 KiB page of device capacity.
 * @units:	K: pages the consumer acts on per interval.
 * @interval_ns: the consumer's interval (scoring window).
 * @duration_ns: stream time simulated; whole intervals are scored.
 * @adaptive:	the controller runs the devices, starting from @fixed;
 *		otherwise @fixed stays. It knows the consumer's interval
 *		and @units (struct hm_chmu_ctl_want).
 * @max_entries: the controller's drain budget, hotlist entries per
 *		interval for the whole set; 0: no limit.
 * @seed:	the stream's and the devices' seed.
 * @log:	the controller's changes, when set.
 * @desc:	the device to build, when set (its capacity is the case's);
 *		else the default preset.
 * @tracker_spec: each device's tracker, when set, instead of @tracker
 *		sized from @budget.
 * @random_ds:	randomized downsampling.
 * @batch:	every drain's raw entries, device by device, when set (to
 *		keep them as AUX batches).
 * @max_ranges:	adaptive: 256 MiB ranges the (fine) instance tracks at
 *		once; 0: all.
 * @coarse_log2: adaptive, 0 or 13-21: coarse plus fine. Each device runs a
 *		second instance over every range, at units of 2^@coarse_log2
 *		bytes, threshold 1 and the fine instance's epoch; what it counts
 *		per range chooses the @max_ranges ranges the fine instance
 *		tracks. The budget is split evenly between the two trackers.
 */
struct hm_chmu_eval_case {
	struct hm_workload_spec wl[2];
	uint64_t switch_ns[2];
	unsigned int nr_wl;
	uint32_t ways, granularity;
	enum hm_tracker_kind tracker;
	double budget;
	uint32_t units;
	uint64_t interval_ns, duration_ns;
	bool adaptive;
	uint64_t max_entries;
	struct hm_chmu_eval_fixed fixed;
	uint64_t seed;
	void (*log)(void *arg, unsigned int dev, const struct hm_chmu_ctl_change *c);
	void *log_arg;
	const struct hm_chmu_desc *desc;
	const struct hm_tracker_spec *tracker_spec;
	bool random_ds;
	void (*batch)(void *arg, unsigned int dev, const uint64_t *ent, uint32_t n,
		      uint32_t width);
	void *batch_arg;
	uint32_t max_ranges;
	uint32_t coarse_log2;
};

/**
 * struct hm_chmu_eval_result - how it went.
 * @recall, @precision: over all intervals: pages chosen that were truly
 *		hot, over the truly hot (K, or fewer when fewer pages were
 *		touched), and over the pages chosen. A chosen page counts as
 *		truly hot when its exact count reaches the K-th largest, so
 *		ties at the boundary do not decide. Precision is 0 when
 *		nothing was chosen.
 * @intervals:	intervals scored.
 * @overflows, @dropped: times a hotlist was found full, entries lost.
 * @entries:	hotlist entries read.
 * @recovery:	intervals after a change of the hot set (a move or a phase
 *		switch) until an interval's recall reached 90%, the worst
 *		over the changes; -1 when the stream has none; the number of
 *		intervals left plus one when it never recovered.
 * @tracker_bytes: the devices' tracker budgets together.
 * @epoch_ns, @threshold, @ds_log2: the setting at the end (device 0).
 * @reprograms: times the devices were stopped and restarted.
 * @accesses:	accesses that reached a device.
 * @untracked:	accesses that found no counter.
 * @series:	per-interval recall, when the caller gave room for it.
 */
struct hm_chmu_eval_result {
	double recall, precision;
	uint32_t intervals;
	uint64_t overflows, dropped, entries;
	int recovery;
	uint64_t tracker_bytes;
	uint64_t epoch_ns;
	uint32_t threshold, ds_log2;
	uint64_t reprograms;
	uint64_t accesses, untracked;
	double *series;
	size_t max_series;
};

/*
 * Size a tracker of @kind to @counters counters (cms: a quarter as
 * candidates, the rest in 4 rows; lfu: 8 ways). Return: 0, -EINVAL.
 */
int hm_chmu_eval_tracker(enum hm_tracker_kind kind, uint64_t counters,
			 struct hm_tracker_spec *out);
/* The epoch a device would run for @ns: the largest scale x multiplier not above it. */
uint64_t hm_chmu_eval_epoch(uint64_t ns);
/*
 * Run @c into @r (@r->series and @r->max_series as the caller set them).
 * Return: 0; -EINVAL with one line in @err (a workload outside the
 * devices, a setting the device refuses); -ENOMEM.
 */
int hm_chmu_eval_run(const struct hm_chmu_eval_case *c, struct hm_chmu_eval_result *r,
		     char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* HOTMEM_CHMU_EVAL_H */
