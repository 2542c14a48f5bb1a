// SPDX-License-Identifier: MIT
/*
 * Scoring CHMU settings against the truth (include/hotmem/chmu_eval.h).
 * The devices are driven through the host driver exactly as `hotmem chmu
 * emulate` drives them; the adaptive case steps one controller for the
 * whole interleave set on the set's merged hotlist and reprograms every
 * device (stop, validate, start) when it changes something.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hotmem/chmu_eval.h>
#include <hotmem/chmu_host.h>
#include <hotmem/report.h>

#include "internal.h"

#define ACC_CHUNK	4096
#define RECOVERED	0.9	/* an interval's recall that counts as recovered */

struct edev {
	struct hm_chmu *d;
	struct hm_chmu_io io;
	struct hm_chmu_caps c;
	struct hm_chmu_program p;
	struct hm_hdm_decoder dec;	/* this device's position in the set */
	uint64_t t0;			/* device time at stream time 0 */
	uint64_t epochs;		/* epochs ended */
	bool overflow;			/* seen in the set's current epoch */
	struct eval *ev;
	unsigned int idx;
	struct hm_chmu_caps cc;		/* coarse plus fine: the coarse instance (1) */
	struct hm_chmu_program cp;
};

struct eval {
	const struct hm_chmu_eval_case *c;
	struct hm_chmu_eval_result *r;
	struct edev dv[HM_CHMU_EVAL_MAX_WAYS];
	struct hm_chmu_ctl *ctl;
	struct hm_chmu_ctl_setting set;
	uint64_t set_epochs;		/* set epochs handled */
	struct hm__reps ep, iv;		/* this set epoch's and this interval's reports */
	struct hm_tracker *truth;	/* exact counts per 4 KiB page, this interval */
	struct hm_chmu_ctl_unit *obs;
	size_t cap_obs;
	uint64_t next_ev;		/* stream time of the set's next device event */
	uint64_t hits, chosen, wanted;
	uint64_t *change_ns;		/* when the hot set changed, stream time */
	size_t nr_change, cap_change;
	double *rec;			/* every interval's recall, for recovery */
	size_t cap_rec;
	uint64_t *ent;			/* one drain's entries */
	struct hm_report *rep;		/* and their reports */
	size_t cap_ent, cap_rep;
	uint64_t *heat;			/* coarse counts per range, this set epoch */
	uint32_t nr_ranges;
	struct hm_chmu_ctl_unit *cu;	/* one coarse drain's units */
	struct hm_chmu_ctl_setting cset; /* the coarse instance's program */
	int err;
	char *msg;
	size_t msglen;
};

static int fail(struct eval *e, int ret, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct eval *e, int ret, const char *fmt, ...)
{
	va_list ap;

	if (e->msg && e->msglen) {
		va_start(ap, fmt);
		vsnprintf(e->msg, e->msglen, fmt, ap);
		va_end(ap);
	}
	return ret;
}

int hm_chmu_eval_tracker(enum hm_tracker_kind kind, uint64_t counters,
			 struct hm_tracker_spec *out)
{
	memset(out, 0, sizeof(*out));
	out->kind = kind;
	if (counters < 16 || counters > (1ull << 30))
		return -EINVAL;
	switch (kind) {
	case HM_TRACKER_TABLE:
	case HM_TRACKER_TOPK:
		out->entries = (uint32_t)counters;
		return 0;
	case HM_TRACKER_CMS:
		out->candidates = (uint32_t)(counters / 4);
		out->depth = 4;
		out->width = (uint32_t)((counters - out->candidates) / 4);
		return 0;
	case HM_TRACKER_LFU:
		out->ways = 8;
		out->sets = (uint32_t)(counters / 8);
		return 0;
	default:
		return -EINVAL;
	}
}

uint64_t hm_chmu_eval_epoch(uint64_t ns)
{
	unsigned int s, m;

	return hm_chmu_epoch_encode(ns, &s, &m) ? 0 : hm_chmu_epoch_ns(s, m);
}

/* Read the overflow bit, drain the hotlist, keep the entries as HPA reports. */
static void take(struct edev *v)
{
	struct eval *e = v->ev;
	struct hm_chmu_source src = { .unit_log2 = v->p.unit_log2, .dec = &v->dec, .node = -1,
				      .time_ns = hm_chmu_now(v->d) };
	uint64_t status;
	uint32_t width;
	long n, k;

	if (v->io.read64(v->io.priv, v->c.base + HM_CHMU_STATUS, &status) == 0 &&
	    (status & HM_CHMU_STATUS_OVERFLOW))
		v->overflow = true;
	n = hm_chmu_drain(&v->io, &v->c, e->ent, &width);
	if (n <= 0) {
		if (n < 0)
			e->err = (int)n;
		return;
	}
	e->r->entries += (uint64_t)n;
	if (e->c->batch)
		e->c->batch(e->c->batch_arg, v->idx, e->ent, (uint32_t)n, width);
	k = hm_chmu_reports(&src, e->ent, (uint32_t)n, width, e->rep, e->cap_rep);
	if (k < 0 || hm__reps_push(&e->ep, e->rep, (size_t)k) ||
	    hm__reps_push(&e->iv, e->rep, (size_t)k))
		e->err = k < 0 ? (int)k : -ENOMEM;
}

/* Coarse plus fine: drain the coarse instance into the per-range heat. */
static void take_coarse(struct edev *v)
{
	struct eval *e = v->ev;
	uint32_t width, i;
	long n = hm_chmu_drain(&v->io, &v->cc, e->ent, &width);

	if (n <= 0) {
		if (n < 0)
			e->err = (int)n;
		return;
	}
	e->r->entries += (uint64_t)n;
	for (i = 0; i < (uint32_t)n; i++)
		e->cu[i] = (struct hm_chmu_ctl_unit){ e->ent[i] >> width,
						      (uint32_t)(e->ent[i] &
								 ((1ull << width) - 1)) };
	hm_chmu_ctl_range_heat(e->cu, (size_t)n, e->c->coarse_log2, e->heat, e->nr_ranges);
}

static void on_irq(void *arg, unsigned int inst)
{
	if (inst == 1)
		take_coarse(arg);
	else
		take(arg);
}

static int program(struct eval *e, struct edev *v, const struct hm_chmu_ctl_setting *s)
{
	struct hm_chmu_event ev = { 0 };
	char err[256];
	int ret;

	hm_chmu_event_set(&ev, HM_CHMU_F_ACCESS_TYPE, 6);
	hm_chmu_event_set(&ev, HM_CHMU_F_RANDOM_DS, e->c->random_ds);
	hm_chmu_event_set(&ev, HM_CHMU_F_GRANUAL, HM_CHMU_EVAL_PAGE_SHIFT);
	ret = hm_chmu_ctl_program(&v->io, &v->c, &ev, s, &v->p, err, sizeof(err));
	if (!ret && e->c->coarse_log2) {
		/* the coarse instance: every range, the fine one's epoch */
		e->cset.epoch_ns = s->epoch_ns;
		hm_chmu_event_set(&ev, HM_CHMU_F_GRANUAL, e->c->coarse_log2);
		ret = hm_chmu_ctl_program(&v->io, &v->cc, &ev, &e->cset, &v->cp, err, sizeof(err));
	}
	if (ret == -EINVAL)
		return fail(e, ret, "device %u: %s", v->idx, err);
	if (ret)
		return fail(e, ret, "device %u did not start: %s", v->idx,
			    ret == -ENODEV ? hm_chmu_last_error(v->d, 0) : strerror(-ret));
	return 0;
}

static void ctl_log(void *arg, const struct hm_chmu_ctl_change *ch)
{
	struct eval *e = arg;

	if (e->c->log)
		e->c->log(e->c->log_arg, 0, ch);
}

/* Every device of the set ended an epoch: judge the merged hotlist, reprogram. */
static int set_epoch(struct eval *e)
{
	const struct hm_chmu_eval_case *c = e->c;
	struct hm_chmu_ctl_obs obs = { .unit_log2 = HM_CHMU_EVAL_PAGE_SHIFT };
	struct hm_chmu_ctl_setting next;
	unsigned int d;
	long n;
	int ret;

	e->set_epochs++;
	if (!e->ctl) {
		e->ep.n = 0;
		return 0;
	}
	n = hm_chmu_ctl_units(e->ep.r, e->ep.n, HM_CHMU_EVAL_PAGE_SHIFT, &e->dv[0].dec, 0,
			      &e->obs, &e->cap_obs);
	if (n < 0)
		return (int)n;
	if (c->coarse_log2) {
		for (d = 0; d < c->ways; d++)
			take_coarse(&e->dv[d]);
		obs.range_heat = e->heat;
	}
	obs.units = e->obs;
	obs.nr_units = (size_t)n;
	obs.max_count = e->dv[0].p.width >= 32 ? UINT32_MAX :
						 (uint32_t)((1ull << e->dv[0].p.width) - 1);
	for (d = 0; d < c->ways; d++) {
		obs.overflow |= e->dv[d].overflow;
		e->dv[d].overflow = false;
	}
	e->ep.n = 0;
	ret = hm_chmu_ctl_step(e->ctl, &obs, &next);
	if (e->heat)
		memset(e->heat, 0, e->nr_ranges * sizeof(*e->heat));
	if (ret < 0)
		return ret;
	if (!ret)
		return 0;
	next.epoch_ns = hm_chmu_eval_epoch(next.epoch_ns);
	e->set = next;
	e->r->reprograms++;
	for (d = 0; d < c->ways; d++) {
		struct edev *v = &e->dv[d];

		take(v);
		ret = hm_chmu_stop(&v->io, &v->c);
		if (!ret && c->coarse_log2) {
			take_coarse(v);
			ret = hm_chmu_stop(&v->io, &v->cc);
		}
		if (ret)
			return fail(e, ret, "device %u did not stop: %s", d, strerror(-ret));
		ret = program(e, v, &e->set);
		if (ret)
			return ret;
		v->epochs = e->set_epochs;
	}
	return 0;
}

static uint64_t dev_next(const struct edev *v)
{
	uint64_t ne = hm_chmu_next_event(v->d);

	return ne == UINT64_MAX ? UINT64_MAX : ne - v->t0;
}

/* Handle every device event up to stream time @t, in time order. */
static int events_until(struct eval *e, uint64_t t)
{
	const struct hm_chmu_eval_case *c = e->c;

	for (;;) {
		struct edev *v = NULL;
		uint64_t best = UINT64_MAX, ne;
		struct hm_chmu_stats st;
		unsigned int d;
		int ret;

		for (d = 0; d < c->ways; d++) {
			ne = dev_next(&e->dv[d]);
			if (ne < best) {
				best = ne;
				v = &e->dv[d];
			}
		}
		if (!v || best > t) {
			e->next_ev = best;
			return e->err;
		}
		hm_chmu_advance(v->d, v->t0 + best);
		hm_chmu_get_stats(v->d, 0, &st);
		if (st.epochs <= v->epochs)
			continue;
		v->epochs = st.epochs;
		take(v);
		if (e->err)
			return e->err;
		for (d = 0; d < c->ways; d++)
			if (e->dv[d].epochs <= e->set_epochs)
				break;
		if (d == c->ways) {
			ret = set_epoch(e);
			if (ret)
				return ret;
		}
	}
}

struct page_count {
	uint64_t page, count;
};

/* busiest first, ties by address */
static int order(uint64_t ca, uint64_t cb, uint64_t a, uint64_t b)
{
	if (ca != cb)
		return ca > cb ? -1 : 1;
	return (a > b) - (a < b);
}

static int by_count(const void *a, const void *b)
{
	const struct page_count *x = a, *y = b;

	return order(x->count, y->count, x->page, y->page);
}

static int by_hpa_count(const void *a, const void *b)
{
	const struct hm_hpa_count *x = a, *y = b;

	return order(x->count, y->count, x->hpa, y->hpa);
}

struct collect {
	struct page_count *p;
	size_t n;
};

static int collect_one(void *arg, uint64_t unit, uint32_t cnt, uint64_t first)
{
	struct collect *c = arg;

	(void)first;
	c->p[c->n++] = (struct page_count){ unit, cnt };
	return 0;
}

/* Score the interval just ended: the consumer's K busiest reported pages against the truth. */
static int score(struct eval *e)
{
	const struct hm_chmu_eval_case *c = e->c;
	struct hm_chmu_eval_result *r = e->r;
	struct hm_tracker_stats ts;
	struct collect all = { 0 };
	struct hm_hpa_count *m = NULL;
	uint64_t kth = 0, hits = 0, want;
	size_t nsel, i;
	double recall;
	long n;
	int ret = -ENOMEM;

	hm_tracker_get_stats(e->truth, &ts);
	all.p = malloc((ts.tracked ? ts.tracked : 1) * sizeof(*all.p));
	n = hm_hpa_merge(e->iv.r, e->iv.n, 1ull << HM_CHMU_EVAL_PAGE_SHIFT, &m);
	if (n < 0)
		ret = (int)n;
	if (!all.p || n < 0 || hm__grow(&e->rec, &e->cap_rec, r->intervals + 1, sizeof(*e->rec)))
		goto out;
	hm_tracker_for_each(e->truth, collect_one, &all);
	qsort(all.p, all.n, sizeof(*all.p), by_count);
	want = all.n < c->units ? all.n : c->units;
	if (want)
		kth = all.p[want - 1].count;
	/* the merged pages, busiest first: the consumer takes the first K */
	if (n)
		qsort(m, (size_t)n, sizeof(*m), by_hpa_count);
	nsel = (size_t)n < c->units ? (size_t)n : c->units;
	for (i = 0; i < nsel; i++) {
		uint32_t cnt = 0;
		uint64_t first;

		if (hm_tracker_lookup(e->truth, m[i].hpa >> HM_CHMU_EVAL_PAGE_SHIFT, &cnt,
				      &first) && want && cnt >= kth)
			hits++;
	}
	recall = want ? (double)hits / (double)want : 1.0;
	if (r->series && r->intervals < r->max_series)
		r->series[r->intervals] = recall;
	e->rec[r->intervals++] = recall;
	e->hits += hits;
	e->chosen += nsel;
	e->wanted += want;
	hm_tracker_reset(e->truth);
	e->iv.n = 0;
	ret = 0;
out:
	free(all.p);
	free(m);
	return ret;
}

static int note_change(struct eval *e, uint64_t t)
{
	if (hm__grow(&e->change_ns, &e->cap_change, e->nr_change + 1, sizeof(*e->change_ns)))
		return -ENOMEM;
	e->change_ns[e->nr_change++] = t;
	return 0;
}

/* The worst number of intervals any change of the hot set took to recover from. */
static int recovery(const struct eval *e)
{
	uint64_t iv = e->c->interval_ns;
	int worst = -1;
	size_t i;

	for (i = 0; i < e->nr_change; i++) {
		uint64_t j0 = (e->change_ns[i] + iv - 1) / iv, j;
		int k;

		if (j0 >= e->r->intervals)
			continue;
		for (j = j0; j < e->r->intervals && e->rec[j] < RECOVERED; j++)
			;
		k = (int)(j - j0) + 1;
		if (k > worst)
			worst = k;
	}
	return worst;
}

/* The largest count an entry carries at 4 KiB units (the device states the width). */
static uint32_t counter_max(struct eval *e)
{
	struct hm_chmu_event ev = { 0 };
	struct hm_chmu_program p;
	struct edev *v = &e->dv[0];

	hm_chmu_event_set(&ev, HM_CHMU_F_THRESHOLD, 1);
	hm_chmu_event_set(&ev, HM_CHMU_F_GRANUAL, HM_CHMU_EVAL_PAGE_SHIFT);
	if (hm_chmu_validate(&v->io, &v->c, &ev, &p, NULL, 0) || p.width >= 32)
		return UINT32_MAX;
	return (uint32_t)((1ull << p.width) - 1);
}

static int setup(struct eval *e)
{
	const struct hm_chmu_eval_case *c = e->c;
	struct hm_tracker_spec ex = { .kind = HM_TRACKER_EXACT };
	struct hm_chmu_desc desc;
	struct hm_hdm_decoder dec;
	uint64_t span = 0, cap, pages;
	char err[256];
	unsigned int i;
	int ret;

	for (i = 0; i < c->nr_wl; i++)
		if (c->wl[i].base + c->wl[i].size > span)
			span = c->wl[i].base + c->wl[i].size;
	if (!c->nr_wl || c->nr_wl > 2 || !c->ways || c->ways > HM_CHMU_EVAL_MAX_WAYS ||
	    !c->units || !c->interval_ns || c->duration_ns < c->interval_ns)
		return fail(e, -EINVAL, "a case needs 1-2 workloads, 1-%d ways, K > 0 and at "
			    "least one interval", HM_CHMU_EVAL_MAX_WAYS);
	/* each device's share, in whole 256 MiB ranges */
	cap = (span + c->ways - 1) / c->ways;
	cap = (cap + (1ull << HM_CHMU_RANGE_SHIFT) - 1) >> HM_CHMU_RANGE_SHIFT
						    << HM_CHMU_RANGE_SHIFT;
	dec = (struct hm_hdm_decoder){ .hpa_size = cap * c->ways, .ways = c->ways,
				       .granularity = c->granularity };
	if (hm_hdm_check(&dec, err, sizeof(err)))
		return fail(e, -EINVAL, "interleave: %s", err);
	if (c->coarse_log2 && (!c->adaptive || c->coarse_log2 < 13 || c->coarse_log2 > 21))
		return fail(e, -EINVAL, "coarse plus fine: adaptive only, coarse units of 8 KiB "
			    "to 2 MiB");
	if (c->desc)
		desc = *c->desc;
	else
		hm_chmu_preset("default", &desc);
	desc.capacity = cap;
	pages = cap >> HM_CHMU_EVAL_PAGE_SHIFT;
	if (c->coarse_log2) {
		/* two instances, one tracker each: the budget split evenly */
		desc.nr_instances = 2;
		desc.overlap = true;
		pages /= 2;
	}
	if (c->tracker_spec)
		desc.tracker = *c->tracker_spec;
	else if (!(c->budget > 0) ||
		 hm_chmu_eval_tracker(c->tracker, (uint64_t)((double)pages * c->budget + 0.5),
				      &desc.tracker))
		return fail(e, -EINVAL, "budget %g counters per page gives %.0f counters for %llu "
			    "pages: 16 to 2^30 fit", c->budget, (double)pages * c->budget,
			    (unsigned long long)pages);
	e->truth = hm_tracker_new(&ex, UINT32_MAX, 0);
	if (!e->truth)
		return -ENOMEM;
	for (i = 0; i < c->ways; i++) {
		struct edev *v = &e->dv[i];

		v->ev = e;
		v->idx = i;
		v->dec = dec;
		v->dec.position = i;
		v->d = hm_chmu_new(&desc, c->seed + 1 + i, err, sizeof(err));
		if (!v->d)
			return errno == ENOMEM ? -ENOMEM : fail(e, -EINVAL, "device: %s", err);
		hm_chmu_emulated_io(v->d, &v->io);
		ret = hm_chmu_discover(&v->io, 0, &v->c, NULL);
		if (!ret && c->coarse_log2)
			ret = hm_chmu_discover(&v->io, 1, &v->cc, NULL);
		if (ret)
			return fail(e, ret, "device %u: discovery failed", i);
		hm_chmu_set_irq(v->d, on_irq, v);
	}
	/* a drain takes at most a ring less one; a unit splits into unit / granularity pieces */
	e->cap_ent = e->dv[0].c.hotlist_size;
	e->cap_rep = e->cap_ent * ((1u << HM_CHMU_EVAL_PAGE_SHIFT) / c->granularity + 1);
	e->ent = malloc(e->cap_ent * sizeof(*e->ent));
	e->rep = malloc(e->cap_rep * sizeof(*e->rep));
	if (!e->ent || !e->rep)
		return -ENOMEM;
	e->nr_ranges = (uint32_t)(cap >> HM_CHMU_RANGE_SHIFT);
	if (c->coarse_log2) {
		e->heat = calloc(e->nr_ranges, sizeof(*e->heat));
		e->cu = malloc(e->cap_ent * sizeof(*e->cu));
		if (!e->heat || !e->cu)
			return -ENOMEM;
		e->cset.threshold = 1;
	}
	memset(&e->set, 0, sizeof(e->set));
	e->set.threshold = c->fixed.threshold;
	e->set.ds_log2 = c->fixed.ds_log2;
	e->set.epoch_ns = hm_chmu_eval_epoch(c->fixed.epoch_ns);
	if (!e->set.epoch_ns)
		return fail(e, -EINVAL, "epoch %llu ns: too short for a CHMU epoch",
			    (unsigned long long)c->fixed.epoch_ns);
	if (c->adaptive) {
		struct hm_chmu_ctl_limits lim = {
			.min_threshold = 1,
			.max_threshold = counter_max(e),
			.ds_mask = (uint32_t)HM_CHMU_CAP1_DS(e->dv[0].c.cap1),
			.min_epoch_ns = 10000000,
			.max_epoch_ns = c->interval_ns,
			.nr_ranges = (uint32_t)(cap >> HM_CHMU_RANGE_SHIFT),
			.hotlist_size = e->dv[0].c.hotlist_size,
		};
		struct hm_chmu_ctl_want want = { .units = c->units, .interval_ns = c->interval_ns,
						 .max_entries = c->max_entries,
						 .max_ranges = c->max_ranges };

		if (lim.max_epoch_ns < lim.min_epoch_ns)
			lim.min_epoch_ns = lim.max_epoch_ns;
		e->ctl = hm_chmu_ctl_new(&lim, &want, &e->set, ctl_log, e);
		if (!e->ctl)
			return errno == ENOMEM ? -ENOMEM :
						 fail(e, -EINVAL, "the controller refused the setting");
		e->set = *hm_chmu_ctl_get(e->ctl);
		e->set.epoch_ns = hm_chmu_eval_epoch(e->set.epoch_ns);
	}
	for (i = 0; i < c->ways; i++) {
		struct edev *v = &e->dv[i];

		ret = program(e, v, &e->set);
		if (ret)
			return ret;
		/* stream time 0 is when the first epoch began */
		v->t0 = hm_chmu_next_event(v->d) - e->set.epoch_ns;
	}
	return 0;
}

static int run_stream(struct eval *e)
{
	const struct hm_chmu_eval_case *c = e->c;
	struct hm_workload *w = NULL;
	struct hm_access *buf = malloc(ACC_CHUNK * sizeof(*buf));
	uint64_t next_iv = c->interval_ns, end = c->duration_ns / c->interval_ns * c->interval_ns;
	unsigned int cur = 0;
	int ret = 0;

	if (!buf)
		return -ENOMEM;
	for (cur = 0; cur < c->nr_wl && !ret; cur++) {
		uint64_t from = cur ? c->switch_ns[cur] : 0;
		uint64_t until = cur + 1 < c->nr_wl ? c->switch_ns[cur + 1] : end;
		bool done = false;

		if (cur && (ret = note_change(e, from)))
			break;
		/* a moving hot set moves every move_ns of its own clock */
		if (c->wl[cur].kind == HM_WORKLOAD_HOTSET && c->wl[cur].move_ns) {
			uint64_t m;

			for (m = c->wl[cur].move_ns; !ret && from + m < until; m += c->wl[cur].move_ns)
				ret = note_change(e, from + m);
			if (ret)
				break;
		}
		w = hm_workload_new(&c->wl[cur], c->seed + 100 * cur);
		if (!w) {
			ret = -ENOMEM;
			break;
		}
		while (!done && !ret) {
			size_t k;

			hm_workload_fill(w, buf, ACC_CHUNK);
			for (k = 0; k < ACC_CHUNK; k++) {
				const struct hm_access *a = &buf[k];
				uint64_t t = from + a->time_ns, dpa;
				uint32_t pos, b4, af;
				struct edev *v;

				if (t >= until) {
					done = true;
					break;
				}
				while (!ret && t >= next_iv) {
					ret = events_until(e, next_iv);
					if (!ret)
						ret = score(e);
					next_iv += c->interval_ns;
				}
				/* the devices' clocks move only to their events: counts need no more */
				if (!ret && t >= e->next_ev)
					ret = events_until(e, t);
				if (ret)
					break;
				if (hm_hdm_hpa_to_dpa(&e->dv[0].dec, a->addr, &dpa, &pos))
					continue;
				v = &e->dv[pos];
				hm_chmu_access(v->d, dpa, a->flags);
				e->r->accesses++;
				hm_tracker_add(e->truth, a->addr >> HM_CHMU_EVAL_PAGE_SHIFT, 1, t, &b4,
					       &af);
			}
		}
		hm_workload_free(w);
	}
	while (!ret && next_iv <= end) {
		ret = events_until(e, next_iv);
		if (!ret)
			ret = score(e);
		next_iv += c->interval_ns;
	}
	free(buf);
	return ret;
}

int hm_chmu_eval_run(const struct hm_chmu_eval_case *c, struct hm_chmu_eval_result *r,
		     char *err, size_t errlen)
{
	struct eval *e = calloc(1, sizeof(*e));
	double *series = r->series;
	size_t max_series = r->max_series;
	unsigned int i;
	int ret;

	if (!e)
		return -ENOMEM;
	memset(r, 0, sizeof(*r));
	r->series = series;
	r->max_series = max_series;
	e->c = c;
	e->r = r;
	e->msg = err;
	e->msglen = errlen;
	if (err && errlen)
		err[0] = '\0';
	ret = setup(e);
	if (!ret)
		ret = run_stream(e);
	if (!ret) {
		r->recall = e->wanted ? (double)e->hits / (double)e->wanted : 1.0;
		r->precision = e->chosen ? (double)e->hits / (double)e->chosen : 0.0;
		r->recovery = recovery(e);
		r->epoch_ns = e->set.epoch_ns;
		r->threshold = e->set.threshold;
		r->ds_log2 = e->set.ds_log2;
		for (i = 0; i < c->ways * (c->coarse_log2 ? 2 : 1); i++) {
			unsigned int dev = i % c->ways, inst = i / c->ways;
			const struct hm_tracker *t = hm_chmu_tracker(e->dv[dev].d, inst);
			struct hm_chmu_stats st;
			struct hm_tracker_stats ts;

			hm_chmu_get_stats(e->dv[dev].d, inst, &st);
			r->overflows += st.overflows;
			r->dropped += st.dropped;
			r->untracked += st.untracked;
			if (t) {
				hm_tracker_get_stats(t, &ts);
				r->tracker_bytes += ts.bytes;
			}
		}
	}
	if (ret == -ENOMEM && err && errlen && !err[0])
		snprintf(err, errlen, "out of memory");
	for (i = 0; i < HM_CHMU_EVAL_MAX_WAYS; i++)
		hm_chmu_free(e->dv[i].d);
	hm_chmu_ctl_free(e->ctl);
	hm_tracker_free(e->truth);
	free(e->ep.r);
	free(e->iv.r);
	free(e->obs);
	free(e->ent);
	free(e->rep);
	free(e->heat);
	free(e->cu);
	free(e->change_ns);
	free(e->rec);
	free(e);
	return ret;
}
