/* SPDX-License-Identifier: MIT */
/*
 * Adaptive CHMU control: between epochs, reprogram a CHMU's threshold,
 * downsampling, epoch length and range bitmap from what a host can see
 * (hotlist entries and their counts, the overflow status, drops), so that a
 * tracker with a budget the host cannot see inside still yields about the
 * number of hot units the consumer can act on. Every change is reported
 * with its reason; the controller draws no random numbers, so the same
 * observations give the same decisions. docs/chmu.md, "Adaptive control".
 */
#ifndef HOTMEM_CHMU_CTL_H
#define HOTMEM_CHMU_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hotmem/chmu_host.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HM_CHMU_CTL_MAX_RANGES	4096	/* 256 MiB ranges: 1 TiB of DPA */

/**
 * struct hm_chmu_ctl_limits - what the device allows (its capabilities).
 * @min_threshold, @max_threshold: the hotness threshold's range; the top
 *		is the largest count an entry can carry.
 * @ds_mask:	supported downsampling factors: bit n for 2^n.
 * @min_epoch_ns, @max_epoch_ns: the epoch length's range.
 * @nr_ranges:	256 MiB ranges the device's capacity spans.
 * @hotlist_size: entries the hotlist ring holds.
 */
struct hm_chmu_ctl_limits {
	uint32_t min_threshold, max_threshold;
	uint32_t ds_mask;
	uint64_t min_epoch_ns, max_epoch_ns;
	uint32_t nr_ranges;
	uint32_t hotlist_size;
};

/**
 * struct hm_chmu_ctl_want - what the consumer wants.
 * @units:	hot units it can act on per epoch, or per @interval_ns when
 *		that is set (say, the migration quota in units).
 * @max_ranges:	ranges tracked at once; 0: all. Smaller when the tracker
 *		cannot hold every range's units; the controller then rotates.
 * @interval_ns: 0: the consumer acts on each epoch's hotlist, and the
 *		controller aims for @units to 2 x @units entries per epoch.
 *		Else the consumer adds up the counts of all the epochs of an
 *		interval this long before it picks its @units units, and the
 *		controller runs the shortest epochs at the lowest threshold
 *		that stay within @max_entries, neither overflow nor starve
 *		(docs/chmu.md, "Adaptive control").
 * @max_entries: with @interval_ns: hotlist entries the host will drain per
 *		interval, the drain budget; 0: no limit.
 */
struct hm_chmu_ctl_want {
	uint32_t units;
	uint32_t max_ranges;
	uint64_t interval_ns;
	uint64_t max_entries;
};

/**
 * struct hm_chmu_ctl_setting - one epoch's program.
 * @threshold:	hotness threshold.
 * @ds_log2:	downsampling factor, log2.
 * @epoch_ns:	epoch length.
 * @ranges:	the range bitmap: bit r enables 256 MiB range r.
 */
struct hm_chmu_ctl_setting {
	uint32_t threshold;
	uint32_t ds_log2;
	uint64_t epoch_ns;
	uint64_t ranges[HM_CHMU_CTL_MAX_RANGES / 64];
};

/* One hotlist entry as the host decoded it: the unit and its count. */
struct hm_chmu_ctl_unit {
	uint64_t unit;
	uint32_t count;
};

/**
 * struct hm_chmu_ctl_obs - what the host saw in the epoch that ended.
 * @units, @nr_units: the entries drained in the epoch (any order; a unit
 *		may repeat).
 * @overflow:	the overflow status bit was set (entries were lost).
 * @dropped:	entries lost, where the device counts them; else 0.
 * @untracked:	accesses that found no counter, where the device or a model
 *		tells (a CXL r3.2 CHMU does not: leave 0).
 * @max_count:	the largest count an entry can carry (saturation).
 * @unit_log2:	the unit size, for mapping units to 256 MiB ranges.
 * @range_heat:	coarse-plus-fine: per 256 MiB range (@nr_ranges of the
 *		limits), what a coarse instance over every range counted in the
 *		same epoch (hm_chmu_ctl_range_heat()); NULL otherwise. The
 *		ranges this controller enables then follow that heat.
 */
struct hm_chmu_ctl_obs {
	const struct hm_chmu_ctl_unit *units;
	size_t nr_units;
	bool overflow;
	uint64_t dropped;
	uint64_t untracked;
	uint32_t max_count;
	uint32_t unit_log2;
	const uint64_t *range_heat;
};

/* What a change touched. */
enum hm_chmu_ctl_knob {
	HM_CHMU_CTL_THRESHOLD,
	HM_CHMU_CTL_DOWNSAMPLE,
	HM_CHMU_CTL_EPOCH,
	HM_CHMU_CTL_RANGES,
};

/**
 * struct hm_chmu_ctl_change - one decision, for the audit trail.
 * @epoch:	the controller's epoch count when it decided.
 * @knob:	what changed; @from and @to its values (ranges: the number of
 *		ranges enabled).
 * @why:	the reason, one line.
 */
struct hm_chmu_ctl_change {
	uint64_t epoch;
	enum hm_chmu_ctl_knob knob;
	uint64_t from, to;
	char why[160];
};

struct hm_chmu_ctl;

/*
 * A controller starting from @start (its bitmap may be empty: then every
 * range, or the first @want.max_ranges, are enabled). @log, when set, gets
 * every change. Return: NULL with errno EINVAL (limits that allow nothing,
 * @want.units 0, more than HM_CHMU_CTL_MAX_RANGES ranges) or ENOMEM.
 */
struct hm_chmu_ctl *hm_chmu_ctl_new(const struct hm_chmu_ctl_limits *lim,
				    const struct hm_chmu_ctl_want *want,
				    const struct hm_chmu_ctl_setting *start,
				    void (*log)(void *arg, const struct hm_chmu_ctl_change *c),
				    void *arg);
void hm_chmu_ctl_free(struct hm_chmu_ctl *c);
/*
 * An epoch ended with @obs: decide the next epoch's program into @next.
 * Return: the number of changes made (each also sent to the log).
 */
int hm_chmu_ctl_step(struct hm_chmu_ctl *c, const struct hm_chmu_ctl_obs *obs,
		     struct hm_chmu_ctl_setting *next);
/* The program now in force. */
const struct hm_chmu_ctl_setting *hm_chmu_ctl_get(const struct hm_chmu_ctl *c);
/* "threshold", "downsample", "epoch", "ranges". */
const char *hm_chmu_ctl_knob_name(enum hm_chmu_ctl_knob k);
/* "epoch 12: threshold 64 -> 48: ..." Return: its length, snprintf-style. */
int hm_chmu_ctl_change_format(const struct hm_chmu_ctl_change *c, char *buf, size_t len);
/* Ranges enabled in @s. */
uint32_t hm_chmu_ctl_nr_ranges(const struct hm_chmu_ctl_setting *s);

/* ---- between the controller and a device driven through chmu_host.h ---- */

/*
 * Program a stopped device with @s: @base (access type, unit size, ...)
 * with @s's threshold, downsampling and epoch, epoch mode, and @s's range
 * bitmap when it has one; validate, then start. @p keeps pointing into @s.
 * Return: 0; -EINVAL with one line in @err (a setting the device refuses);
 * what hm_chmu_start() returns.
 */
int hm_chmu_ctl_program(const struct hm_chmu_io *io, const struct hm_chmu_caps *c,
			const struct hm_chmu_event *base, const struct hm_chmu_ctl_setting *s,
			struct hm_chmu_program *p, char *err, size_t errlen);
/*
 * The units an epoch's reports name (an interleave set's devices together),
 * merged per 2^@unit_log2 bytes of host physical address, as the
 * controller's observation, into *@units (grown as needed; *@cap its room).
 * With @dec (the set's decoder; reports at or above its HPA base), each is
 * a unit of a device's own space: HPA offset / ways, plus @dpa_base, so
 * that the controller's range bitmap names the device's 256 MiB ranges.
 * Return: the number of units; -ENOMEM.
 */
long hm_chmu_ctl_units(const struct hm_report *r, size_t n, unsigned int unit_log2,
		       const struct hm_hdm_decoder *dec, uint64_t dpa_base,
		       struct hm_chmu_ctl_unit **units, size_t *cap);
/*
 * Coarse plus fine: add the counts of a coarse instance's entries (units
 * of 2^@unit_log2 bytes of the device) per 256 MiB range to
 * @heat[@nr_ranges] (zero it at each epoch's start; devices of an
 * interleave set add to the same), for the fine instance's
 * hm_chmu_ctl_obs.range_heat.
 */
void hm_chmu_ctl_range_heat(const struct hm_chmu_ctl_unit *u, size_t n, unsigned int unit_log2,
			    uint64_t *heat, uint32_t nr_ranges);

/* ---- a CHMU read through perf's AUX stream (lib/chmu/stream.c) ---- */

/**
 * struct hm_chmu_stream_cfg - one cxl_hmu perf event's stream.
 * @ev:		the event as opened (epoch mode; its unit size, threshold,
 *		downsampling and epoch are the start).
 * @src:	how entries become reports: decoder, DPA base, node, source
 *		id (@src.unit_log2 and @src.time_ns are set by the stream).
 * @adaptive:	a controller judges each epoch and asks for a new event.
 * @lim, @want:	its limits (the device's capabilities) and the consumer.
 *		@want.max_ranges must be 0: the event says one run of ranges.
 * @log, @log_arg: every change, when set.
 */
struct hm_chmu_stream_cfg {
	struct hm_chmu_event ev;
	struct hm_chmu_source src;
	bool adaptive;
	struct hm_chmu_ctl_limits lim;
	struct hm_chmu_ctl_want want;
	void (*log)(void *arg, const struct hm_chmu_ctl_change *c);
	void *log_arg;
};

/* @batches and @entries read, @reports made, @outside batches whose units
 * fell outside the decoder, @bad times the stream lost its framing,
 * @epochs judged, @reprograms asked for. */
struct hm_chmu_stream_stats {
	uint64_t batches, entries, reports, outside, bad, epochs, reprograms;
};

struct hm_chmu_stream;

/* Return: NULL with errno EINVAL and one line in @err (always-on, no epoch,
 * limits the controller refuses), or ENOMEM. */
struct hm_chmu_stream *hm_chmu_stream_new(const struct hm_chmu_stream_cfg *cfg, char *err,
					  size_t errlen);
void hm_chmu_stream_free(struct hm_chmu_stream *s);
/*
 * AUX bytes read at @now_ns, in any split: every whole batch becomes
 * reports, a partial one waits for the rest. Return: 0; -EINVAL with one
 * line in @err for bytes that are not CHMU batches (what was buffered is
 * dropped and reading starts over with the next bytes); -ENOMEM.
 */
int hm_chmu_stream_aux(struct hm_chmu_stream *s, const uint8_t *buf, size_t len, uint64_t now_ns,
		       char *err, size_t errlen);
/* The reports made since the last call (valid until the next _aux call). */
const struct hm_report *hm_chmu_stream_reports(struct hm_chmu_stream *s, size_t *n);
/*
 * Call after each read of the AUX area, at least once an epoch, with
 * @overflow when the ring said data was lost. At the first call strictly
 * more than an epoch after the last judgement, the controller judges
 * everything read since (the device's last batch of an epoch comes a little
 * after the host's clock ends it: with reads as often as epochs, that is
 * one or two epochs). Return: 1 with the event to open instead in @next
 * (read what is left, close the old one, open @next, then
 * hm_chmu_stream_reopened()); 0; -ENOMEM; -EINVAL (an epoch the event
 * cannot state).
 */
int hm_chmu_stream_tick(struct hm_chmu_stream *s, uint64_t now_ns, bool overflow,
			struct hm_chmu_event *next);
/* The new event was opened at @now_ns: its first epoch starts there. */
void hm_chmu_stream_reopened(struct hm_chmu_stream *s, uint64_t now_ns);
const struct hm_chmu_ctl_setting *hm_chmu_stream_setting(const struct hm_chmu_stream *s);
void hm_chmu_stream_get_stats(const struct hm_chmu_stream *s, struct hm_chmu_stream_stats *st);

#ifdef __cplusplus
}
#endif

#endif /* HOTMEM_CHMU_CTL_H */
