/* SPDX-License-Identifier: MIT */
/*
 * The drain: once per sampling interval, reports from the producer rings are
 * matched against every target's regions (a sorted snapshot and a binary
 * search per report) and turned into region counters, with per-source
 * accounting, freshness, sample filters and per-target eligibility.
 */
#ifndef HOTMEM_DRAIN_H
#define HOTMEM_DRAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hotmem/monitor.h>
#include <hotmem/report.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Register a source. @scale is what one unit of a report's count stands for
 * (1 for plain samples; the sampling period or downsampling factor otherwise).
 * Return: the source id (0..HM_MAX_SOURCES-1) to put in hm_report.source;
 * -EINVAL for a bad accounting or a zero scale; -ENOSPC when full.
 */
int hm_add_source(struct hm_ctx *ctx, const char *name, enum hm_accounting acct,
		  uint32_t scale);

/*
 * Replace the sample filters with copies of @filters (all or nothing).
 * Return: 0; -EINVAL for an unknown type or a set without its array; -ENOMEM.
 */
int hm_set_sample_filters(struct hm_ctx *ctx,
			  const struct hm_sample_filter *filters, unsigned int n);

/*
 * The context's sample filters, at most @max of them into @out; the arrays
 * they point to belong to the context. Return: how many there are.
 */
unsigned int hm_get_sample_filters(const struct hm_ctx *ctx,
				   struct hm_sample_filter *out, unsigned int max);

/* Whether the context's sample filters keep @r. */
bool hm_sample_filters_pass(const struct hm_ctx *ctx, const struct hm_report *r);

/* Whether target @t accepts report @r (pid and address space). */
bool hm_report_eligible(const struct hm_target *t, const struct hm_report *r);

/*
 * One sampling interval's drain. Takes every report from the pending rings
 * of @set (hm_drain) or from @reports (hm_drain_reports), applies them, then
 * gives every region its per-sample update: nr_accesses grows by at most one.
 * @now_ns is the caller's clock, in the reports' time base.
 *
 * @st (may be NULL) receives this drain's counters; ctx->totals accumulates
 * them.
 * Return: 0, or -ENOMEM if the snapshot could not grow: then no report was
 * taken (they wait in the rings), every region got a not-accessed sample,
 * and the next drain retries.
 */
int hm_drain(struct hm_ctx *ctx, struct hm_ring_set *set, uint64_t now_ns,
	     struct hm_drain_stats *st);
int hm_drain_reports(struct hm_ctx *ctx, const struct hm_report *reports,
		     size_t n, uint64_t now_ns, struct hm_drain_stats *st);

/*
 * The normalization from a weighted estimate to a share of one sample, in
 * basis points: @w estimated accesses in a region of @sz bytes, counted in
 * units of @unit bytes, give x = w * unit / sz accesses per unit, and
 * 10000 * x / (1 + x), rounded to nearest. Monotone in @w, 0 for 0, at most
 * 10000. Exposed for tests and documentation.
 */
uint32_t hm_weighted_sample_bp(uint64_t w, uint64_t sz, uint64_t unit);

#ifdef __cplusplus
}
#endif

#endif /* HOTMEM_DRAIN_H */
