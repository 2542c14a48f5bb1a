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

/*
 * The contiguous arrays hm_compact_regions lays a target's regions out in:
 * @base holds the regions of the last compaction and of the splits since
 * (@nr used of @cap, @live still on the list: merges free nodes one by one,
 * the memory goes only when all have), @spare a free array of @spare_cap kept
 * for the next compaction, so it reuses memory that is already faulted in.
 * Splits take the free tail of @base; once it is used up, malloc. @churn
 * counts what moved since, to tell when to compact without a walk.
 */
struct hm_region_mem {
	struct hm_region *base;
	size_t nr;
	size_t cap;
	size_t live;
	struct hm_region *spare;
	size_t spare_cap;
	size_t churn;		/* nodes made or freed since the last compaction */
};

static bool in_block(const struct hm_region_mem *m, const struct hm_region *r)
{
	return m && r >= m->base && r < m->base + m->nr;
}

/* Free the node @r of @t, which is no longer on any list. */
static void free_region(struct hm_target *t, struct hm_region *r)
{
	struct hm_region_mem *m = t->mem;

	if (m)
		m->churn++;
	if (!in_block(m, r)) {
		free(r);
		return;
	}
	if (--m->live)
		return;
	/* the array is empty: keep the larger of it and the spare */
	if (m->cap > m->spare_cap) {
		free(m->spare);
		m->spare = m->base;
		m->spare_cap = m->cap;
	} else {
		free(m->base);
	}
	m->base = NULL;
	m->nr = m->cap = 0;
}

/* A new region for @t: from the array's free tail if it has one. */
static struct hm_region *new_region_of(struct hm_target *t, uint64_t start, uint64_t end)
{
	struct hm_region_mem *m = t->mem;
	struct hm_region *r;

	if (m)
		m->churn++;
	if (!m || !m->base || m->nr == m->cap)
		return hm_new_region(start, end);
	r = &m->base[m->nr++];
	m->live++;
	memset(r, 0, sizeof(*r));
	r->start = start;
	r->end = end;
	hm_list_init(&r->list);
	return r;
}

static void free_region_mem(struct hm_target *t)
{
	if (!t->mem)
		return;
	free(t->mem->base);
	free(t->mem->spare);
	free(t->mem);
	t->mem = NULL;
}

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
		free_region(t, r);
	free_region_mem(t);
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
	free_region(t, r);
}

unsigned int hm_nr_regions(const struct hm_target *t)
{
	return t->nr_regions;
}

/* est_accesses is a total: the left part keeps its share by size. */
static uint64_t share_by_size(uint64_t total, uint64_t part, uint64_t whole)
{
	return hm__mult_frac(total, part, whole);
}

int hm_split_region_at(struct hm_target *t, struct hm_region *r, uint64_t sz_r)
{
	uint64_t sz = hm_sz_region(r), est_l;
	struct hm_region *n;

	if (!sz_r || sz_r >= sz)
		return -EINVAL;
	n = new_region_of(t, r->start + sz_r, r->end);
	if (!n)
		return -ENOMEM;
	r->end = n->start;

	n->nr_accesses = r->nr_accesses;
	n->last_nr_accesses = r->last_nr_accesses;
	n->age = r->age;
	n->wres_bp = r->wres_bp;
	n->in_place = r->in_place;
	n->in_place_ms = r->in_place_ms;
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
	unsigned __int128 num;
	uint64_t pa, pb, sum;

	/* in 64 bits when nothing overflows: a 128-bit division is a libcall */
	if (!__builtin_mul_overflow(a, sz_a, &pa) && !__builtin_mul_overflow(b, sz_b, &pb) &&
	    !__builtin_add_overflow(pa, pb, &sum) && sz_a + sz_b > sz_a)
		return (uint32_t)(sum / (sz_a + sz_b));
	num = (unsigned __int128)a * sz_a + (unsigned __int128)b * sz_b;
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
	/* wholly on a node only if both halves were, and as of the older mark */
	if (l->in_place != r->in_place)
		l->in_place = 0;
	else if ((int32_t)(r->in_place_ms - l->in_place_ms) < 0)
		l->in_place_ms = r->in_place_ms;
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

/*
 * Worth laying out again? Not while the list is small enough to stay in the
 * cache however it is scattered (128 KiB: DAMON's default of at most 1,000
 * regions never gets here); above that, when more than a quarter of the
 * nodes are not right after their predecessor (after the first compaction,
 * counted as they move rather than walked).
 */
#define COMPACT_MIN_BYTES (128u << 10)

static bool scattered(const struct hm_target *t)
{
	const struct hm_region *r, *prev = NULL;
	uint32_t far = 0;

	if ((size_t)t->nr_regions * sizeof(*r) <= COMPACT_MIN_BYTES)
		return false;
	if (t->mem)	/* laid out before: what moved since tells */
		return t->mem->churn > t->nr_regions / 4;
	hm_for_each_region(r, t) {
		if (prev && r != prev + 1)
			far++;
		prev = r;
	}
	return far > t->nr_regions / 4;
}

static int compact_target(struct hm_target *t)
{
	struct hm_region_mem *m = t->mem;
	struct hm_region *r, *next, *to;
	size_t need = t->nr_regions, cap, i = 0;
	struct hm_list head;

	if (!m) {
		m = calloc(1, sizeof(*m));
		if (!m)
			return -ENOMEM;
		t->mem = m;
	}
	if (m->spare_cap >= need && m->spare_cap / 4 <= need) {	/* not far too big */
		to = m->spare;
		cap = m->spare_cap;
	} else {
		cap = need + need / 4;	/* room for splits before malloc */
		to = malloc(cap * sizeof(*to));
		if (!to)
			return -ENOMEM;
		free(m->spare);
	}
	m->spare = NULL;
	m->spare_cap = 0;

	/* Copy in list order onto a new list; nothing can fail from here. */
	hm_list_init(&head);
	hm_for_each_region_safe(r, next, t) {
		to[i] = *r;
		hm_list_add_tail(&to[i].list, &head);
		i++;
		if (!in_block(m, r))
			free(r);
	}
	/* every node of the old array was on the list: it becomes the spare */
	if (m->base) {
		m->spare = m->base;
		m->spare_cap = m->cap;
	}
	m->base = to;
	m->nr = m->live = need;
	m->cap = cap;
	m->churn = 0;
	hm_list_init(&t->regions);
	t->regions.next = head.next;
	t->regions.prev = head.prev;
	head.next->prev = &t->regions;
	head.prev->next = &t->regions;
	return 0;
}

int hm_compact_regions(struct hm_ctx *ctx)
{
	struct hm_target *t;
	int done = 0, ret;

	hm_for_each_target(t, ctx) {
		if (t->nr_regions < 2 || !scattered(t))
			continue;
		ret = compact_target(t);
		if (ret)
			return ret;
		done++;
	}
	return done;
}
