/* SPDX-License-Identifier: MIT */
/* Declarations shared between lib/core files and not part of the API. */
#ifndef HOTMEM_CORE_INTERNAL_H
#define HOTMEM_CORE_INTERNAL_H

#include <stdint.h>

#include <hotmem/monitor.h>

/* x * n / d without overflow of the product, saturating at UINT64_MAX. */
static inline uint64_t hm__mult_frac(uint64_t x, uint64_t n, uint64_t d)
{
	unsigned __int128 v;
	uint64_t p;

	/* 64-bit when the product fits: a 128-bit division is a libcall */
	if (!__builtin_mul_overflow(x, n, &p))
		return p / d;
	v = (unsigned __int128)x * n / d;
	return v > UINT64_MAX ? UINT64_MAX : (uint64_t)v;
}

/* @r carries an in-place mark younger than HM_IN_PLACE_MS (scheme.c). */
bool hm__in_place_fresh(const struct hm_ctx *ctx, const struct hm_region *r);

/*
 * What matching and scoring need from the context, computed once for a pass
 * over all regions instead of once per region: the moving sum's weight of
 * the last window (10000 = all from the last window) and samples per window.
 */
struct hm_scheme;

struct hm__view {
	uint64_t left_bp;
	uint32_t samples_per_aggr;
	uint64_t aggr_interval_us;
};

void hm__view_init(const struct hm_ctx *ctx, struct hm__view *v);

/* hm_nr_accesses_mvsum with the view's weight. */
static inline uint32_t hm__mvsum_at(const struct hm__view *v, const struct hm_region *r)
{
	uint64_t sum;

	if (v->left_bp == 10000)	/* the window just reset: all from the last one */
		return r->last_nr_accesses;
	sum = r->nr_accesses + hm__mult_frac(r->last_nr_accesses, v->left_bp, 10000);
	return sum > UINT32_MAX ? UINT32_MAX : (uint32_t)sum;
}
bool hm__pattern_match(const struct hm__view *v, const struct hm_region *r,
		       const struct hm_scheme *s);
uint32_t hm__score(const struct hm__view *v, const struct hm_region *r,
		   const struct hm_scheme *s);

void hm_snapshot_free(struct hm_snapshot *snap);
void hm_filter_set_free(struct hm_filter_set *fs);

/*
 * The monitor's access check for one sampling interval: drain @set (may be
 * NULL), then give every region its sample, asking the ops' sampling check
 * (check_access) as well. Same returns as hm_drain().
 */
int hm__access_check(struct hm_ctx *ctx, struct hm_ring_set *set, uint64_t now_ns,
		     struct hm_drain_stats *st);

#endif /* HOTMEM_CORE_INTERNAL_H */
