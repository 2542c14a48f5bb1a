// SPDX-License-Identifier: MIT
/*
 * Contexts, targets and regions: the data the monitor works on, with DAMON's
 * region operations (new, add, split at an offset, merge two, set regions to
 * a list of ranges, reset the aggregation). Pure C, no system calls.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <hotmem/monitor.h>

#include "internal.h"

struct hm_target *hm_new_target(void)
{
	struct hm_target *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->pid = -1;
	t->space = HM_SPACE_ANY;
	hm_list_init(&t->regions);
	hm_list_init(&t->list);
	return t;
}

void hm_add_target(struct hm_ctx *ctx, struct hm_target *t)
{
	hm_list_add_tail(&t->list, &ctx->targets);
}

void hm_destroy_target(struct hm_target *t, struct hm_ctx *ctx)
{
	struct hm_region *r, *next;

	if (!t)
		return;
	(void)ctx;
	hm_list_del(&t->list);
	hm_for_each_region_safe(r, next, t)
		free(r);
	hm_snapshot_free(t->snap);
	free(t);
}

unsigned int hm_nr_targets(const struct hm_ctx *ctx)
{
	const struct hm_list *p;
	unsigned int n = 0;

	for (p = ctx->targets.next; p != &ctx->targets; p = p->next)
		n++;
	return n;
}

struct hm_region *hm_new_region(uint64_t start, uint64_t end)
{
	struct hm_region *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->start = start;
	r->end = end;
	hm_list_init(&r->list);
	return r;
}

void hm_add_region(struct hm_region *r, struct hm_target *t)
{
	hm_list_add_tail(&r->list, &t->regions);
	t->nr_regions++;
}

void hm_insert_region(struct hm_region *r, struct hm_region *prev,
		      struct hm_region *next, struct hm_target *t)
{
	hm_list_insert(&r->list, &prev->list, &next->list);
	t->nr_regions++;
}

/* Insert @r before the list node @next (which may be the list head). */
static void insert_before(struct hm_region *r, struct hm_list *next,
			  struct hm_target *t)
{
	hm_list_insert(&r->list, next->prev, next);
	t->nr_regions++;
}

void hm_destroy_region(struct hm_region *r, struct hm_target *t)
{
	hm_list_del(&r->list);
	t->nr_regions--;
	free(r);
}

unsigned int hm_nr_regions(const struct hm_target *t)
{
	return t->nr_regions;
}

/* est_accesses is a total: the left part keeps its share by size. */
static uint64_t share_by_size(uint64_t total, uint64_t part, uint64_t whole)
{
	return (uint64_t)((unsigned __int128)total * part / whole);
}

int hm_split_region_at(struct hm_target *t, struct hm_region *r, uint64_t sz_r)
{
	uint64_t sz = hm_sz_region(r), est_l;
	struct hm_region *n;

	if (!sz_r || sz_r >= sz)
		return -EINVAL;
	n = hm_new_region(r->start + sz_r, r->end);
	if (!n)
		return -ENOMEM;
	r->end = n->start;

	n->nr_accesses = r->nr_accesses;
	n->last_nr_accesses = r->last_nr_accesses;
	n->age = r->age;
	n->wres_bp = r->wres_bp;
	est_l = share_by_size(r->est_accesses, sz_r, sz);
	n->est_accesses = r->est_accesses - est_l;
	r->est_accesses = est_l;
	est_l = share_by_size(r->last_est_accesses, sz_r, sz);
	n->last_est_accesses = r->last_est_accesses - est_l;
	r->last_est_accesses = est_l;

	hm_insert_region(n, r, hm_next_region(r), t);
	return 0;
}

static uint32_t weighted_avg(uint32_t a, uint64_t sz_a, uint32_t b,
			     uint64_t sz_b)
{
	unsigned __int128 num = (unsigned __int128)a * sz_a +
				(unsigned __int128)b * sz_b;

	return (uint32_t)(num / ((unsigned __int128)sz_a + sz_b));
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

void hm_merge_two_regions(struct hm_target *t, struct hm_region *l,
			  struct hm_region *r)
{
	uint64_t sz_l = hm_sz_region(l), sz_r = hm_sz_region(r);

	l->nr_accesses = weighted_avg(l->nr_accesses, sz_l, r->nr_accesses, sz_r);
	l->age = weighted_avg(l->age, sz_l, r->age, sz_r);
	l->wres_bp = weighted_avg(l->wres_bp, sz_l, r->wres_bp, sz_r);
	l->est_accesses = sat_add(l->est_accesses, r->est_accesses);
	l->last_est_accesses = sat_add(l->last_est_accesses,
				       r->last_est_accesses);
	l->end = r->end;
	hm_destroy_region(r, t);
}

static bool intersects(const struct hm_region *r,
		       const struct hm_addr_range *ar)
{
	return !(r->end <= ar->start || ar->end <= r->start);
}

/* A pool of regions allocated up front, so set_regions cannot fail midway. */
struct region_pool {
	struct hm_region **r;
	unsigned int nr;
};

static struct hm_region *pool_take(struct region_pool *p, uint64_t start,
				   uint64_t end)
{
	struct hm_region *r = p->r[--p->nr];

	r->start = start;
	r->end = end;
	return r;
}

int hm_set_regions(struct hm_target *t, const struct hm_addr_range *ranges,
		   unsigned int nr_ranges, uint64_t min_region_sz)
{
	struct hm_addr_range *al;
	struct region_pool pool = { 0 };
	struct hm_region *r, *next;
	unsigned int i, need;
	int ret = 0;

	if (!t || (nr_ranges && !ranges))
		return -EINVAL;
	if (!min_region_sz || (min_region_sz & (min_region_sz - 1)))
		return -EINVAL;

	/* Align first, then validate: nothing is touched before this passes. */
	al = calloc(nr_ranges ? nr_ranges : 1, sizeof(*al));
	if (!al)
		return -ENOMEM;
	for (i = 0; i < nr_ranges; i++) {
		uint64_t mask = min_region_sz - 1;

		if (ranges[i].end > UINT64_MAX - mask) {
			ret = -EINVAL;
			goto out;
		}
		al[i].start = ranges[i].start & ~mask;
		al[i].end = (ranges[i].end + mask) & ~mask;
		if (ranges[i].start >= ranges[i].end ||
		    al[i].start >= al[i].end ||
		    (i && al[i - 1].end > al[i].start)) {
			ret = -EINVAL;
			goto out;
		}
	}

	/* At most one new region per range plus one per hole between regions. */
	need = nr_ranges + t->nr_regions;
	pool.r = calloc(need ? need : 1, sizeof(*pool.r));
	if (!pool.r) {
		ret = -ENOMEM;
		goto out;
	}
	for (pool.nr = 0; pool.nr < need; pool.nr++) {
		pool.r[pool.nr] = hm_new_region(0, 0);
		if (!pool.r[pool.nr]) {
			ret = -ENOMEM;
			goto out;
		}
	}

	/* Remove regions that intersect none of the new ranges. */
	hm_for_each_region_safe(r, next, t) {
		for (i = 0; i < nr_ranges; i++)
			if (intersects(r, &al[i]))
				break;
		if (i == nr_ranges)
			hm_destroy_region(r, t);
	}

	r = hm_first_region(t);
	for (i = 0; i < nr_ranges; i++) {
		struct hm_region *first = NULL, *last = NULL;

		hm_for_each_region_from(r, t) {
			if (intersects(r, &al[i])) {
				if (!first)
					first = r;
				last = r;
			}
			if (r->start >= al[i].end)
				break;
		}
		if (!first) {
			/* r is where the walk stopped: insert before it. */
			insert_before(pool_take(&pool, al[i].start, al[i].end),
				      &r->list, t);
			continue;
		}
		first->start = al[i].start;
		last->end = al[i].end;
		/* Fill the holes between first and last. */
		for (struct hm_region *p = first; p != last;) {
			struct hm_region *n = hm_next_region(p);

			if (p->end != n->start)
				hm_insert_region(pool_take(&pool, p->end,
							   n->start),
						 p, n, t);
			p = n;
		}
	}
out:
	while (pool.nr)
		free(pool.r[--pool.nr]);
	free(pool.r);
	free(al);
	return ret;
}

void hm_reset_aggregated(struct hm_ctx *ctx)
{
	struct hm_target *t;
	struct hm_region *r;

	hm_for_each_target(t, ctx) {
		hm_for_each_region(r, t) {
			r->last_nr_accesses = r->nr_accesses;
			r->nr_accesses = 0;
			r->last_est_accesses = r->est_accesses;
			r->est_accesses = 0;
		}
	}
}
