// SPDX-License-Identifier: MIT
/*
 * The drain: turns one sampling interval's reports into region counters.
 *
 * At the start of a drain each target's regions are copied into a flat
 * snapshot sorted by address (the region list already is), so a report finds
 * its region with one branchless binary search over the start addresses:
 * O(reports x log regions) instead of the linear walk's O(reports x regions).
 * Per-sample marks (a binary hit, a weighted sum, bytes covered) live in the snapshot's own
 * arrays, which keeps the hot loop on a few dense arrays. At the end of the
 * drain every region gets its per-sample update, accessed or not, exactly as
 * DAMON's access check does: nr_accesses grows by at most one per drain.
 *
 * Weighted sources do not raise nr_accesses by their counts (that would break
 * DAMON's bound nr_accesses <= samples per aggregation, and with it scores,
 * histograms and merge thresholds). Their estimate, count x scale, goes to
 * est_accesses; nr_accesses gets a normalized share: w estimated accesses in
 * a region of sz bytes are x = w * unit / sz accesses per unit (unit =
 * min_region_sz, a page), and p = x / (1 + x) is the share of a sample they
 * are worth. The shares accumulate in wres_bp and each whole sample they add
 * up to counts as one access in that sample, never more than one per sample
 * whatever the mix of sources. The mapping is monotone: more accesses never
 * give a lower nr_accesses. docs/substrate.md discusses the choice.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <hotmem/drain.h>

#include "internal.h"

#define BP 10000u

struct hm_snapshot {
	size_t nr;
	size_t cap;
	uint64_t *start;
	uint64_t *end;
	struct hm_region **reg;
	uint8_t *hit;		/* a binary source reported it this sample */
	uint64_t *wsum;		/* weighted estimate reported this sample */
	uint64_t *cov;		/* bytes covered by coverage reports this sample */
};

struct hm_filter {
	enum hm_sample_filter_type type;
	bool matching;
	bool allow;
	uint64_t *cpus;
	uint32_t nr_cpus;
	int32_t *tids;		/* sorted */
	uint32_t nr_tids;
};

struct hm_filter_set {
	unsigned int nr;
	struct hm_filter f[];
};

/* State of one drain, passed to the batch callback. */
struct drain_run {
	struct hm_ctx *ctx;
	uint64_t now_ns;
	uint64_t fresh_ns;
	bool ops_check;		/* also ask the ops' sampling check */
	struct hm_drain_stats st;
};

/* ---- sources ---------------------------------------------------------- */

int hm_add_source(struct hm_ctx *ctx, const char *name, enum hm_accounting acct,
		  uint32_t scale)
{
	struct hm_source *s;

	if (!ctx || !scale || (acct != HM_ACCT_BINARY && acct != HM_ACCT_WEIGHTED &&
			       acct != HM_ACCT_COVERAGE))
		return -EINVAL;
	if (ctx->nr_sources >= HM_MAX_SOURCES)
		return -ENOSPC;
	s = &ctx->sources[ctx->nr_sources];
	memset(s, 0, sizeof(*s));
	if (name) {
		strncpy(s->name, name, sizeof(s->name) - 1);
		s->name[sizeof(s->name) - 1] = '\0';
	}
	s->acct = acct;
	s->scale = scale;
	return (int)ctx->nr_sources++;
}

/* ---- sample filters ----------------------------------------------------- */

void hm_filter_set_free(struct hm_filter_set *fs)
{
	unsigned int i;

	if (!fs)
		return;
	for (i = 0; i < fs->nr; i++) {
		free(fs->f[i].cpus);
		free(fs->f[i].tids);
	}
	free(fs);
}

static int cmp_i32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return (x > y) - (x < y);
}

int hm_set_sample_filters(struct hm_ctx *ctx,
			  const struct hm_sample_filter *filters, unsigned int n)
{
	struct hm_filter_set *fs;
	unsigned int i;

	if (!ctx || (n && !filters))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		const struct hm_sample_filter *f = &filters[i];

		switch (f->type) {
		case HM_SAMPLE_FILTER_CPUMASK:
			if (f->nr_cpus && !f->cpus)
				return -EINVAL;
			break;
		case HM_SAMPLE_FILTER_THREADS:
			if (f->nr_tids && !f->tids)
				return -EINVAL;
			break;
		case HM_SAMPLE_FILTER_WRITE:
			break;
		default:
			return -EINVAL;
		}
	}
	fs = calloc(1, sizeof(*fs) + n * sizeof(fs->f[0]));
	if (!fs)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		const struct hm_sample_filter *f = &filters[i];
		struct hm_filter *d = &fs->f[i];

		fs->nr = i + 1;
		d->type = f->type;
		d->matching = f->matching;
		d->allow = f->allow;
		if (f->type == HM_SAMPLE_FILTER_CPUMASK && f->nr_cpus) {
			size_t words = (f->nr_cpus + 63) / 64;

			d->cpus = malloc(words * sizeof(*d->cpus));
			if (!d->cpus)
				goto nomem;
			memcpy(d->cpus, f->cpus, words * sizeof(*d->cpus));
			d->nr_cpus = f->nr_cpus;
		}
		if (f->type == HM_SAMPLE_FILTER_THREADS && f->nr_tids) {
			d->tids = malloc(f->nr_tids * sizeof(*d->tids));
			if (!d->tids)
				goto nomem;
			memcpy(d->tids, f->tids, f->nr_tids * sizeof(*d->tids));
			qsort(d->tids, f->nr_tids, sizeof(*d->tids), cmp_i32);
			d->nr_tids = f->nr_tids;
		}
	}
	hm_filter_set_free(ctx->filters);
	ctx->filters = n ? fs : NULL;
	if (!n)
		free(fs);
	return 0;
nomem:
	hm_filter_set_free(fs);
	return -ENOMEM;
}

unsigned int hm_get_sample_filters(const struct hm_ctx *ctx,
				   struct hm_sample_filter *out, unsigned int max)
{
	const struct hm_filter_set *fs = ctx->filters;
	unsigned int i;

	if (!fs)
		return 0;
	for (i = 0; i < fs->nr && i < max; i++) {
		const struct hm_filter *f = &fs->f[i];

		out[i] = (struct hm_sample_filter){
			.type = f->type, .matching = f->matching, .allow = f->allow,
			.cpus = f->cpus, .nr_cpus = f->nr_cpus,
			.tids = f->tids, .nr_tids = f->nr_tids,
		};
	}
	return fs->nr;
}

static bool filter_property(const struct hm_filter *f, const struct hm_report *r)
{
	switch (f->type) {
	case HM_SAMPLE_FILTER_CPUMASK:
		return r->cpu >= 0 && (uint32_t)r->cpu < f->nr_cpus &&
		       (f->cpus[r->cpu / 64] >> (r->cpu % 64) & 1);
	case HM_SAMPLE_FILTER_THREADS:
		return f->nr_tids &&
		       bsearch(&r->tid, f->tids, f->nr_tids, sizeof(*f->tids),
			       cmp_i32);
	case HM_SAMPLE_FILTER_WRITE:
		return r->flags & HM_REPORT_WRITE;
	}
	return false;
}

bool hm_sample_filters_pass(const struct hm_ctx *ctx, const struct hm_report *r)
{
	const struct hm_filter_set *fs = ctx->filters;
	unsigned int i;

	if (!fs || !fs->nr)
		return true;
	for (i = 0; i < fs->nr; i++) {
		const struct hm_filter *f = &fs->f[i];

		if (filter_property(f, r) == f->matching)
			return f->allow;
	}
	/* No filter matched: the opposite of the last filter's allow. */
	return !fs->f[fs->nr - 1].allow;
}

/* ---- eligibility ---------------------------------------------------------- */

bool hm_report_eligible(const struct hm_target *t, const struct hm_report *r)
{
	bool phys = r->flags & HM_REPORT_PHYS;

	if (t->pid >= 0)
		return !phys && r->pid == t->pid;
	switch (t->space) {
	case HM_SPACE_VIRT:
		return !phys;
	case HM_SPACE_PHYS:
		return phys;
	case HM_SPACE_ANY:
		break;
	}
	return true;
}

/* ---- the weighted normalization ------------------------------------------ */

uint32_t hm_weighted_sample_bp(uint64_t w, uint64_t sz, uint64_t unit)
{
	unsigned __int128 wu, num, den;

	if (!w)
		return 0;
	if (!sz)
		return BP;
	if (!unit)
		unit = 1;
	/* p = wu / (sz + wu), rounded to nearest basis point. */
	wu = (unsigned __int128)w * unit;
	den = (unsigned __int128)sz + wu;
	num = wu * (2 * BP) + den;
	return (uint32_t)(num / (2 * den));
}

/* ---- snapshots ------------------------------------------------------------- */

void hm_snapshot_free(struct hm_snapshot *snap)
{
	if (!snap)
		return;
	free(snap->start);
	free(snap->end);
	free(snap->reg);
	free(snap->hit);
	free(snap->wsum);
	free(snap->cov);
	free(snap);
}

static int snapshot_reserve(struct hm_snapshot *s, size_t n)
{
	size_t cap = s->cap ? s->cap : 64;
	void *p;

	if (n <= s->cap)
		return 0;
	while (cap < n)
		cap *= 2;
	/* Grow each array; a failure keeps the old, still consistent, ones. */
	p = realloc(s->start, cap * sizeof(*s->start));
	if (!p)
		return -ENOMEM;
	s->start = p;
	p = realloc(s->end, cap * sizeof(*s->end));
	if (!p)
		return -ENOMEM;
	s->end = p;
	p = realloc(s->reg, cap * sizeof(*s->reg));
	if (!p)
		return -ENOMEM;
	s->reg = p;
	p = realloc(s->hit, cap * sizeof(*s->hit));
	if (!p)
		return -ENOMEM;
	s->hit = p;
	p = realloc(s->wsum, cap * sizeof(*s->wsum));
	if (!p)
		return -ENOMEM;
	s->wsum = p;
	p = realloc(s->cov, cap * sizeof(*s->cov));
	if (!p)
		return -ENOMEM;
	s->cov = p;
	s->cap = cap;
	return 0;
}

static int snapshot_build(struct hm_target *t)
{
	struct hm_snapshot *s = t->snap;
	struct hm_region *r;
	size_t i = 0;

	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s)
			return -ENOMEM;
		t->snap = s;
	}
	if (snapshot_reserve(s, t->nr_regions))
		return -ENOMEM;
	hm_for_each_region(r, t) {
		s->start[i] = r->start;
		s->end[i] = r->end;
		s->reg[i] = r;
		i++;
	}
	s->nr = i;
	if (i) {	/* a target without regions has no arrays yet */
		memset(s->hit, 0, i * sizeof(*s->hit));
		memset(s->wsum, 0, i * sizeof(*s->wsum));
		memset(s->cov, 0, i * sizeof(*s->cov));
	}
	return 0;
}

/*
 * Index of the last region starting at or below @addr, or -1. Branchless:
 * the loop always runs log2(n) times and compiles to conditional moves.
 */
static inline ptrdiff_t find_region(const uint64_t *start, size_t n,
				    uint64_t addr)
{
	const uint64_t *base = start;

	if (!n || addr < start[0])
		return -1;
	while (n > 1) {
		size_t half = n / 2;

		base = base[half] <= addr ? base + half : base;
		n -= half;
	}
	return base - start;
}

/* ---- applying reports ------------------------------------------------------ */

enum outcome { OUT_NONE, OUT_UNMATCHED, OUT_STRADDLING, OUT_APPLIED };

/* @w: the weight (weighted), or the bytes of region @i reported (coverage). */
static void mark(struct hm_snapshot *s, size_t i, enum hm_accounting acct, uint64_t w)
{
	if (acct == HM_ACCT_WEIGHTED)
		s->wsum[i] = s->wsum[i] + w < w ? UINT64_MAX : s->wsum[i] + w;
	else if (acct == HM_ACCT_COVERAGE)
		s->cov[i] = s->cov[i] + w < w ? UINT64_MAX : s->cov[i] + w;
	else
		s->hit[i] = 1;
}

/* Share a straddling report among the regions it overlaps. */
static enum outcome apply_split(struct hm_snapshot *s, uint64_t addr,
				uint64_t size, enum hm_accounting acct, uint64_t w)
{
	uint64_t last = size > UINT64_MAX - addr ? UINT64_MAX : addr + size;
	uint64_t done = 0, given = 0;
	ptrdiff_t i = find_region(s->start, s->nr, addr);
	bool any = false;

	if (i < 0 || addr >= s->end[i])
		i++;	/* starts in a gap: the first region after it */
	for (; (size_t)i < s->nr && s->start[i] < last; i++) {
		uint64_t lo = s->start[i] > addr ? s->start[i] : addr;
		uint64_t hi = s->end[i] < last ? s->end[i] : last;
		uint64_t share;

		if (hi <= lo)
			continue;
		/* Cumulative rounding: the shares add up to w exactly. */
		done += hi - lo;
		share = (uint64_t)((unsigned __int128)w * done / (last - addr)) -
			given;
		given += share;
		mark(s, (size_t)i, acct, acct == HM_ACCT_COVERAGE ? hi - lo : share);
		any = true;
	}
	return any ? OUT_APPLIED : OUT_UNMATCHED;
}

static enum outcome apply_one(const struct hm_ctx *ctx, struct hm_snapshot *s,
			      const struct hm_report *r, enum hm_accounting acct, uint64_t w)
{
	uint64_t size = r->size ? r->size : 1;
	ptrdiff_t i = find_region(s->start, s->nr, r->addr);
	bool inside = i >= 0 && r->addr < s->end[i];

	if (inside && size <= s->end[i] - r->addr) {
		mark(s, (size_t)i, acct, acct == HM_ACCT_COVERAGE ? size : w);
		return OUT_APPLIED;
	}
	if (ctx->straddle == HM_STRADDLE_SPLIT)
		return apply_split(s, r->addr, size, acct, w);
	return inside ? OUT_STRADDLING : OUT_UNMATCHED;
}

static void apply_batch(void *arg, const struct hm_report *reps, size_t n)
{
	struct drain_run *run = arg;
	struct hm_ctx *ctx = run->ctx;
	size_t k;

	run->st.drained += n;
	for (k = 0; k < n; k++) {
		const struct hm_report *r = &reps[k];
		const struct hm_source *src;
		enum outcome best = OUT_NONE;
		struct hm_target *t;
		uint64_t w;

		if (r->time_ns < run->now_ns &&
		    run->now_ns - r->time_ns > run->fresh_ns) {
			run->st.stale++;
			continue;
		}
		if (r->source >= ctx->nr_sources) {
			run->st.invalid++;
			continue;
		}
		if (ctx->filters && !hm_sample_filters_pass(ctx, r)) {
			run->st.filtered++;
			continue;
		}
		src = &ctx->sources[r->source];
		w = (uint64_t)r->count * src->scale;

		hm_for_each_target(t, ctx) {
			enum outcome o;

			if (!hm_report_eligible(t, r))
				continue;
			o = apply_one(ctx, t->snap, r, src->acct, w);
			if (o > best)
				best = o;
		}
		switch (best) {
		case OUT_APPLIED:
			run->st.applied++;
			break;
		case OUT_STRADDLING:
			run->st.straddling++;
			break;
		default:
			run->st.unmatched++;
			break;
		}
	}
}

/* ---- the per-sample update ------------------------------------------------- */

static uint32_t sample_region(struct hm_region *r, bool hit, uint64_t w,
			      uint64_t unit)
{
	bool accessed = hit;

	if (w) {
		r->est_accesses = r->est_accesses + w < w ? UINT64_MAX :
							    r->est_accesses + w;
		r->wres_bp += hm_weighted_sample_bp(w, hm_sz_region(r), unit);
	}
	/* wres_bp < 2 * BP here, so this fires at most once per sample. */
	if (r->wres_bp >= BP) {
		r->wres_bp -= BP;
		accessed = true;
	}
	if (accessed)
		r->nr_accesses++;
	return r->nr_accesses;
}

static bool ops_accessed(struct hm_ctx *ctx, bool ops_check, struct hm_target *t,
			 struct hm_region *r)
{
	return ops_check && ctx->ops && ctx->ops->check_access &&
	       ctx->ops->check_access(ctx->ops_priv, t, r);
}

static uint32_t finish_sample(struct hm_ctx *ctx, bool have_snapshots, bool ops_check)
{
	uint32_t max = 0, nr;
	struct hm_target *t;
	struct hm_region *r;
	size_t i;

	hm_for_each_target(t, ctx) {
		struct hm_snapshot *s = t->snap;

		if (!have_snapshots) {
			hm_for_each_region(r, t) {
				nr = sample_region(r, ops_accessed(ctx, ops_check, t, r), 0,
						   ctx->min_region_sz);
				max = nr > max ? nr : max;
			}
			continue;
		}
		for (i = 0; i < s->nr; i++) {
			bool hit = s->hit[i] || ops_accessed(ctx, ops_check, t, s->reg[i]);
			uint64_t sz = s->end[i] - s->start[i];

			/* one random address of the region: in what was covered? */
			if (!hit && s->cov[i])
				hit = s->cov[i] >= sz || hm_rand_next(&ctx->rng) % sz < s->cov[i];

			nr = sample_region(s->reg[i], hit, s->wsum[i], ctx->min_region_sz);
			max = nr > max ? nr : max;
		}
	}
	return max;
}

static int begin(struct hm_ctx *ctx, uint64_t now_ns, struct drain_run *run)
{
	struct hm_target *t;

	memset(run, 0, sizeof(*run));
	run->ctx = ctx;
	run->now_ns = now_ns;
	run->fresh_ns = ctx->freshness_ns ? ctx->freshness_ns :
					    ctx->attrs.sample_interval_us * 1000;
	hm_for_each_target(t, ctx) {
		if (snapshot_build(t))
			return -ENOMEM;
	}
	return 0;
}

static void add_stats(struct hm_drain_stats *to, const struct hm_drain_stats *s)
{
	to->drained += s->drained;
	to->stale += s->stale;
	to->invalid += s->invalid;
	to->filtered += s->filtered;
	to->applied += s->applied;
	to->straddling += s->straddling;
	to->unmatched += s->unmatched;
	to->samples += s->samples;
	to->max_nr_accesses = s->max_nr_accesses;
}

static int end(struct hm_ctx *ctx, struct drain_run *run, bool ok,
	       struct hm_drain_stats *st)
{
	run->st.max_nr_accesses = finish_sample(ctx, ok, run->ops_check);
	run->st.samples = 1;
	add_stats(&ctx->totals, &run->st);
	if (st)
		*st = run->st;
	return ok ? 0 : -ENOMEM;
}

int hm__access_check(struct hm_ctx *ctx, struct hm_ring_set *set, uint64_t now_ns,
		     struct hm_drain_stats *st)
{
	struct drain_run run;
	bool ok = !begin(ctx, now_ns, &run);

	run.ops_check = true;
	if (ok && set)
		hm_ring_set_consume(set, apply_batch, &run);
	return end(ctx, &run, ok, st);
}

int hm_drain(struct hm_ctx *ctx, struct hm_ring_set *set, uint64_t now_ns,
	     struct hm_drain_stats *st)
{
	struct drain_run run;
	bool ok;

	if (!ctx || !set)
		return -EINVAL;
	ok = !begin(ctx, now_ns, &run);
	if (ok)
		hm_ring_set_consume(set, apply_batch, &run);
	return end(ctx, &run, ok, st);
}

int hm_drain_reports(struct hm_ctx *ctx, const struct hm_report *reports,
		     size_t n, uint64_t now_ns, struct hm_drain_stats *st)
{
	struct drain_run run;
	bool ok;

	if (!ctx || (n && !reports))
		return -EINVAL;
	ok = !begin(ctx, now_ns, &run);
	if (ok && n)
		apply_batch(&run, reports, n);
	return end(ctx, &run, ok, st);
}
