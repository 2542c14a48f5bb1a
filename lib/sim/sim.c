// SPDX-License-Identifier: MIT
/*
 * The simulated tiered machine: frames, page table, allocation, migration,
 * the two time models, the sources and the metrics (docs/sim.md).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <hotmem/chmu_eval.h>
#include <hotmem/rand.h>
#include <hotmem/sim.h>

#include "sim_internal.h"

static void errf(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void errf(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!err || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

/* ---- description ---------------------------------------------------------------- */

static void set_curve(struct hm_sim_node *n)
{
	/* 1x idle up to 40%, 1.25x at 70%, 2x at 90%, 2.5x at 95% and beyond */
	static const uint32_t util[] = { 0, 400, 700, 900, 950 };
	static const uint32_t mult[] = { 1000, 1000, 1250, 2000, 2500 };

	n->nr_curve = 5;
	memcpy(n->curve_util_pm, util, sizeof(util));
	memcpy(n->curve_mult_milli, mult, sizeof(mult));
}

void hm_sim_default_desc(struct hm_sim_desc *d)
{
	memset(d, 0, sizeof(*d));
	d->nr_nodes = 2;
	snprintf(d->nodes[0].name, sizeof(d->nodes[0].name), "dram");
	d->nodes[0].capacity = 16ull << 30;
	d->nodes[0].read_ns = 80;
	d->nodes[0].write_ns = 80;
	d->nodes[0].bw = 64ull * 1000 * 1000 * 1000;
	d->nodes[0].cpus = true;
	set_curve(&d->nodes[0]);
	snprintf(d->nodes[1].name, sizeof(d->nodes[1].name), "cxl");
	d->nodes[1].capacity = 64ull << 30;
	d->nodes[1].read_ns = 170;
	d->nodes[1].write_ns = 170;
	d->nodes[1].bw = 22ull * 1000 * 1000 * 1000;
	d->nodes[1].devices = 1;
	d->nodes[1].granularity = 4096;
	set_curve(&d->nodes[1]);
	d->page_size = 4096;
	d->alloc = HM_SIM_ALLOC_FIRST_TOUCH;
	d->weights[0] = d->weights[1] = 1;
	d->migrate_rate = 2048ull << 20;
	d->migrate_page_ns = 2000;
	d->bounce_ns = 10ull * 1000 * 1000 * 1000;
	d->time = HM_SIM_TIME_EPOCH;
	d->tick_ns = 10 * 1000 * 1000;
	d->sources = HM_SIM_SRC_CHMU | HM_SIM_SRC_IBS;
	d->ibs_period = 4096;
	d->tlb_entries = 1536;
	d->abit_scan_ns = 100 * 1000 * 1000;
	d->hint_scan_ns = 100 * 1000 * 1000;
	d->hint_scan_bytes = 256ull << 20;
	hm_chmu_preset("default", &d->chmu);
	snprintf(d->chmu_event, sizeof(d->chmu_event),
		 "epoch_type=0,access_type=6,epoch_scale=4,epoch_multiplier=1,"
		 "hotness_threshold=1,hotness_granual=12");
	d->ring_entries = 65536;
	d->chmu_units = 1024;
	d->chmu_interval_ns = 1000000000;
}

static const char *const time_names[] = { "access", "epoch" };
static const char *const alloc_names[] = { "first_touch", "interleave", "bind" };
static const char *const src_names[HM_SIM_NR_SRC] = { "oracle", "chmu", "ibs", "abit", "hint" };

const char *hm_sim_time_name(enum hm_sim_time t)
{
	return (unsigned int)t < 2 ? time_names[t] : "?";
}

const char *hm_sim_alloc_name(enum hm_sim_alloc a)
{
	return (unsigned int)a < 3 ? alloc_names[a] : "?";
}

const char *hm_sim_source_name(unsigned int bit)
{
	unsigned int i;

	for (i = 0; i < HM_SIM_NR_SRC; i++)
		if (bit == 1u << i)
			return src_names[i];
	return "?";
}

int hm_sim_parse_sources(const char *s, uint32_t *bits, char *err, size_t errlen)
{
	uint32_t b = 0;
	const char *p = s;

	if (!strcmp(s, "none")) {
		*bits = 0;
		return 0;
	}
	while (*p) {
		size_t len = strcspn(p, ",");
		unsigned int i;

		for (i = 0; i < HM_SIM_NR_SRC; i++)
			if (len == strlen(src_names[i]) && !strncmp(p, src_names[i], len))
				break;
		if (i == HM_SIM_NR_SRC) {
			errf(err, errlen, "'%.*s' is not a source (oracle, chmu, ibs, abit, hint)",
			     (int)len, p);
			return -EINVAL;
		}
		b |= 1u << i;
		p += len;
		if (*p == ',')
			p++;
	}
	*bits = b;
	return 0;
}

int hm_sim_check_desc(const struct hm_sim_desc *d, char *err, size_t errlen)
{
	uint64_t frames = 0;
	unsigned int i, j;

	if (!d->nr_nodes || d->nr_nodes > HM_SIM_MAX_NODES) {
		errf(err, errlen, "nodes: 1 to %d nodes, not %u", HM_SIM_MAX_NODES, d->nr_nodes);
		return -EINVAL;
	}
	if (d->page_size != 4096 && d->page_size != (2u << 20)) {
		errf(err, errlen, "page_size: 4KiB or 2MiB, not %llu",
		     (unsigned long long)d->page_size);
		return -EINVAL;
	}
	for (i = 0; i < d->nr_nodes; i++) {
		const struct hm_sim_node *n = &d->nodes[i];

		if (!n->capacity || n->capacity % d->page_size) {
			errf(err, errlen, "nodes[%u].capacity: a non-zero multiple of the page size",
			     i);
			return -EINVAL;
		}
		frames += n->capacity / d->page_size;
		if (!n->read_ns || !n->write_ns || !n->bw) {
			errf(err, errlen, "nodes[%u]: latencies and bandwidth must be non-zero", i);
			return -EINVAL;
		}
		if (n->nr_curve > HM_SIM_CURVE_MAX) {
			errf(err, errlen, "nodes[%u].latency_curve: at most %d points", i,
			     HM_SIM_CURVE_MAX);
			return -EINVAL;
		}
		for (j = 0; j < n->nr_curve; j++) {
			if ((j && n->curve_util_pm[j] <= n->curve_util_pm[j - 1]) ||
			    n->curve_util_pm[j] > 1000 || n->curve_mult_milli[j] < 1000) {
				errf(err, errlen, "nodes[%u].latency_curve[%u]: utilisation must rise "
				     "within 0-100%% and the factor be at least 1", i, j);
				return -EINVAL;
			}
		}
		if (n->devices) {
			struct hm_hdm_decoder dec = { .hpa_size = n->capacity, .ways = n->devices,
						      .granularity = n->granularity };
			char e[128];

			if (hm_hdm_check(&dec, e, sizeof(e))) {
				errf(err, errlen, "nodes[%u]: CXL devices: %s", i, e);
				return -EINVAL;
			}
			if (n->capacity % ((uint64_t)n->devices << HM_CHMU_RANGE_SHIFT)) {
				errf(err, errlen, "nodes[%u].capacity: with %u device(s), a multiple of "
				     "%u x 256MiB", i, n->devices, n->devices);
				return -EINVAL;
			}
		}
	}
	if (frames >= UINT32_MAX) {
		errf(err, errlen, "nodes: %llu frames, more than the model's 2^32 - 1",
		     (unsigned long long)frames);
		return -EINVAL;
	}
	if (d->alloc > HM_SIM_ALLOC_BIND) {
		errf(err, errlen, "alloc: unknown policy");
		return -EINVAL;
	}
	if (d->alloc == HM_SIM_ALLOC_BIND &&
	    (d->bind_node < 0 || (uint32_t)d->bind_node >= d->nr_nodes)) {
		errf(err, errlen, "alloc.node: %d is not a node", d->bind_node);
		return -EINVAL;
	}
	if (d->alloc == HM_SIM_ALLOC_INTERLEAVE) {
		uint64_t sum = 0;

		for (i = 0; i < d->nr_nodes; i++)
			sum += d->weights[i];
		if (!sum) {
			errf(err, errlen, "alloc.weights: at least one must be non-zero");
			return -EINVAL;
		}
	}
	if (d->time > HM_SIM_TIME_EPOCH || !d->tick_ns) {
		errf(err, errlen, "time: a model and a non-zero tick");
		return -EINVAL;
	}
	if ((d->sources & HM_SIM_SRC_IBS) && !d->ibs_period) {
		errf(err, errlen, "ibs_period: must be at least 1");
		return -EINVAL;
	}
	if ((d->sources & HM_SIM_SRC_ABIT) && !d->abit_scan_ns) {
		errf(err, errlen, "abit_scan: must be non-zero");
		return -EINVAL;
	}
	if ((d->sources & HM_SIM_SRC_HINT) && (!d->hint_scan_ns || !d->hint_scan_bytes)) {
		errf(err, errlen, "hint_scan: period and size must be non-zero");
		return -EINVAL;
	}
	if (d->ring_entries & (d->ring_entries - 1)) {
		errf(err, errlen, "ring_entries: a power of two");
		return -EINVAL;
	}
	if (d->chmu_adaptive && (!d->chmu_units || d->chmu_interval_ns < 10000000)) {
		errf(err, errlen, "chmu_adaptive: units at least 1 and an interval of at least 10 ms");
		return -EINVAL;
	}
	return 0;
}

/* ---- big arrays ------------------------------------------------------------------ */

/*
 * The page table and reverse map get mappings of their own, with huge pages
 * asked for (THP in "madvise" mode serves only those who ask): the access
 * path looks pages up at random, and a 4 KiB-page TLB misses on nearly each.
 * Resizing keeps the contents; @len 0 unmaps.
 */
static void *big_resize(void *p, size_t old, size_t len)
{
	void *q;

	if (!len) {
		if (p)
			munmap(p, old);
		return NULL;
	}
	if (p)
		q = mremap(p, old, len, MREMAP_MAYMOVE);
	else
		q = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (q == MAP_FAILED)
		return NULL;
	madvise(q, len, MADV_HUGEPAGE);	/* a hint: without THP it stays 4 KiB pages */
	return q;
}

/* ---- frames ---------------------------------------------------------------------- */

static int frame_node(const struct hm_sim *s, uint32_t f)
{
	int n = 0;

	while (n + 1 < (int)s->d.nr_nodes && f >= s->node_f0[n + 1])
		n++;
	return n;
}

static uint32_t frame_alloc(struct hm_sim *s, int nid)
{
	if (!s->nfree[nid])
		return NO_FRAME;
	return s->free_stack[nid][--s->nfree[nid]];
}

static void frame_free(struct hm_sim *s, uint32_t f)
{
	int nid = frame_node(s, f);

	s->free_stack[nid][s->nfree[nid]++] = f;
	s->rmap[f] = NO_FRAME;
}

static void map_page(struct hm_sim *s, uint64_t v, uint32_t f)
{
	s->pg[v].frame = f;
	s->pg[v].node = (uint8_t)frame_node(s, f);
	s->rmap[f] = (uint32_t)v;
}

/* A frame for @v by the allocation policy; NO_FRAME when the machine is full. */
static uint32_t policy_frame(struct hm_sim *s)
{
	const struct hm_sim_desc *d = &s->d;
	unsigned int i, k;
	uint32_t f;

	switch (d->alloc) {
	case HM_SIM_ALLOC_BIND:
		return frame_alloc(s, d->bind_node);
	case HM_SIM_ALLOC_INTERLEAVE:
		for (k = 0; k < d->nr_nodes; k++) {
			while (!s->il_left) {
				s->il_node = (s->il_node + 1) % d->nr_nodes;
				s->il_left = d->weights[s->il_node];
			}
			s->il_left--;
			f = frame_alloc(s, (int)s->il_node);
			if (f != NO_FRAME)
				return f;
			s->il_left = 0;	/* full: its turn passes */
		}
		return NO_FRAME;
	default:
		for (i = 0; i < d->nr_nodes; i++) {
			f = frame_alloc(s, s->rank[i]);
			if (f != NO_FRAME)
				return f;
		}
		return NO_FRAME;
	}
}

/* ---- workloads and their rates --------------------------------------------------- */

static int cmp_run_rate(const void *a, const void *b, void *arg)
{
	const struct run *runs = arg;
	const struct run *x = &runs[*(const uint32_t *)a], *y = &runs[*(const uint32_t *)b];

	if (x->rate != y->rate)
		return x->rate < y->rate ? 1 : -1;
	return x->v0 < y->v0 ? -1 : x->v0 > y->v0;
}

static int push_run(struct hm_sim *s, uint64_t v0, uint64_t v1, double rate, uint32_t wl)
{
	struct run *r;

	if (v0 >= v1)
		return 0;
	if (s->nr_runs && s->runs[s->nr_runs - 1].v1 == v0 &&
	    s->runs[s->nr_runs - 1].rate == rate && s->runs[s->nr_runs - 1].wl == wl) {
		s->runs[s->nr_runs - 1].v1 = v1;
		return 0;
	}
	if (s->nr_runs == s->cap_runs) {
		size_t cap = s->cap_runs ? s->cap_runs * 2 : 64;

		r = realloc(s->runs, cap * sizeof(*r));
		if (!r)
			return -ENOMEM;
		s->runs = r;
		s->cap_runs = cap;
	}
	r = &s->runs[s->nr_runs++];
	memset(r, 0, sizeof(*r));
	r->v0 = v0;
	r->v1 = v1;
	r->rate = rate;
	r->wl = wl;
	return 0;
}

/*
 * Runs of a span whose lines have rate @in_rate inside [a, b) (byte offsets
 * from the base) and @out_rate elsewhere; pages that straddle a or b get
 * the mix.
 */
static int runs_two_level(struct hm_sim *s, uint32_t wl, uint64_t a, uint64_t b,
			  double in_rate, double out_rate)
{
	const struct hm_workload_spec *sp = &s->wl[wl].w.spec;
	uint64_t ps = s->d.page_size, base_v = sp->base >> s->shift;
	uint64_t pages = sp->size / ps, pa = a / ps, pb = (b + ps - 1) / ps;
	double lpp = (double)ps / (double)sp->line;
	uint64_t p;
	int ret;

	if (a >= b)
		return push_run(s, base_v, base_v + pages, out_rate * lpp, wl);
	ret = push_run(s, base_v, base_v + pa, out_rate * lpp, wl);
	for (p = pa; !ret && p < pb; p++) {
		uint64_t lo = p * ps > a ? p * ps : a, hi = (p + 1) * ps < b ? (p + 1) * ps : b;
		double in = (double)(hi - lo) / (double)sp->line;

		if (hi - lo == ps && p + 1 < pb && (p + 1) * ps < b) {
			/* whole pages inside: one run up to the last whole one */
			uint64_t q = b / ps;

			ret = push_run(s, base_v + p, base_v + q, in_rate * lpp, wl);
			p = q - 1;
			continue;
		}
		ret = push_run(s, base_v + p, base_v + p + 1, in * in_rate + (lpp - in) * out_rate,
			       wl);
	}
	if (!ret)
		ret = push_run(s, base_v + pb, base_v + pages, out_rate * lpp, wl);
	return ret;
}

/* Zipf ranks, or a trace's units: the rate of each item by its rank */
static int runs_items(struct hm_sim *s, uint32_t wl)
{
	struct wl_state *w = &s->wl[wl];
	const struct hm_workload_spec *sp = &w->w.spec;
	uint64_t items = hm_workload_nr_items(w->gen), ps = s->d.page_size;
	uint64_t pages = sp->size / ps, k, base_v = sp->base >> s->shift;
	bool zipf = sp->kind == HM_WORKLOAD_ZIPF;
	double ex = sp->exponent_milli / 1000.0, sum = 0;
	double *rate = calloc(pages, sizeof(*rate));
	int ret = 0;

	if (!rate)
		return -ENOMEM;
	for (k = 0; k < items; k++)
		sum += zipf ? pow((double)(k + 1), -ex) : (double)hm_workload_item_count(w->gen, k);
	for (k = 0; k < items; k++) {
		double r = (double)sp->rate / sum *
			   (zipf ? pow((double)(k + 1), -ex) : (double)hm_workload_item_count(w->gen, k));
		uint64_t off = hm_workload_item(w->gen, k) * sp->gran, p;

		if (sp->gran >= ps) {
			uint64_t n = sp->gran / ps;

			for (p = 0; p < n; p++)
				rate[off / ps + p] += r / (double)n;
		} else {
			rate[off / ps] += r;
		}
	}
	for (k = 0; k < pages && !ret; k++)
		ret = push_run(s, base_v + k, base_v + k + 1, rate[k], wl);
	free(rate);
	return ret;
}

static int runs_of(struct hm_sim *s, uint32_t wl)
{
	struct wl_state *w = &s->wl[wl];
	const struct hm_workload_spec *sp = &w->w.spec;
	double lines = (double)(sp->size / sp->line);

	switch (sp->kind) {
	case HM_WORKLOAD_ZIPF:
	case HM_WORKLOAD_TRACE:
		return runs_items(s, wl);
	case HM_WORKLOAD_HOTSET: {
		uint64_t a = hm_workload_hot_start(w->gen) - sp->base;
		double hl = (double)(sp->hot / sp->line), cl = lines - hl;
		double f = sp->frac_ppm / 1e6;

		if (cl <= 0)
			f = 1;
		return runs_two_level(s, wl, a, a + sp->hot, (double)sp->rate * f / hl,
				      cl > 0 ? (double)sp->rate * (1 - f) / cl : 0);
	}
	default:
		return runs_two_level(s, wl, 0, 0, 0, (double)sp->rate / lines);
	}
}

/*
 * The runs of every workload: in address order, with their rates, the true
 * hot set, the TLB-resident pages, and the clairvoyant hit ratio.
 */
/* poisson() below this mean searches; a table pays off for runs this long */
#define POIS_MAX_LAM	30
#define POIS_MIN_PAGES	256
#define POIS_MAX_K	1000

static int pois_build(struct hm_sim *s, struct run *r)
{
	struct pois_tab *t;
	double p = r->emlam, c = p;
	uint32_t k = 0, j = 0;

	if (s->nr_pois == s->cap_pois) {
		size_t cap = s->cap_pois ? 2 * s->cap_pois : 16;
		struct pois_tab *n = realloc(s->pois, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		s->pois = n;
		s->cap_pois = cap;
	}
	t = &s->pois[s->nr_pois];
	t->at = (uint32_t)s->nr_cdf;
	/* until the sum stops growing: past that the search would run to its cap */
	for (;;) {
		if (s->nr_cdf == s->cap_cdf) {
			size_t cap = s->cap_cdf ? 2 * s->cap_cdf : 1024;
			double *n = realloc(s->cdf, cap * sizeof(*n));

			if (!n)
				return -ENOMEM;
			s->cdf = n;
			s->cap_cdf = cap;
		}
		s->cdf[s->nr_cdf++] = c;
		if (k + 1 >= POIS_MAX_K)
			break;
		p *= r->lam / (k + 1);
		if (c + p == c)
			break;
		k++;
		c += p;
	}
	t->n = (uint32_t)(s->nr_cdf - t->at);
	for (j = 0, k = 0; j < POIS_GUIDE; j++) {
		while (k + 1 < t->n && s->cdf[t->at + k] < (double)j / POIS_GUIDE)
			k++;
		t->guide[j] = (uint16_t)k;
	}
	r->pois = (int32_t)s->nr_pois++;
	return 0;
}

static int rebuild_runs(struct hm_sim *s)
{
	uint32_t *idx;
	double acc = 0, fast;
	unsigned int w;
	size_t i;
	int ret;

	s->nr_runs = 0;
	s->runs_gen++;
	for (w = 0; w < s->nr_wl; w++) {
		ret = runs_of(s, w);
		if (ret)
			return ret;
	}
	idx = malloc((s->nr_runs + 1) * sizeof(*idx));
	if (!idx)
		return -ENOMEM;
	for (i = 0; i < s->nr_runs; i++)
		idx[i] = (uint32_t)i;
	qsort_r(idx, s->nr_runs, sizeof(*idx), cmp_run_rate, s->runs);
	s->total_rate = 0;
	for (i = 0; i < s->nr_runs; i++)
		s->total_rate += s->runs[i].rate * (double)(s->runs[i].v1 - s->runs[i].v0);
	/* per workload: hot set and TLB reach, highest rates first */
	for (w = 0; w < s->nr_wl; w++) {
		const struct hm_workload_spec *sp = &s->wl[w].w.spec;
		double wl_rate = 0, cum = 0;
		uint64_t tlb = s->d.tlb_entries;

		for (i = 0; i < s->nr_runs; i++)
			if (s->runs[i].wl == w)
				wl_rate += s->runs[i].rate * (double)(s->runs[i].v1 - s->runs[i].v0);
		for (i = 0; i < s->nr_runs; i++) {
			struct run *r = &s->runs[idx[i]];
			uint64_t n = r->v1 - r->v0;

			if (r->wl != w)
				continue;
			r->tlb_pages = tlb < n ? tlb : n;
			tlb -= r->tlb_pages;
			switch (sp->kind) {
			case HM_WORKLOAD_HOTSET:
				/* the hot set's lines make most of such a page's accesses */
				r->hot = sp->hot < sp->size &&
					 r->rate > 1.5 * (double)sp->rate *
							   (1e6 - sp->frac_ppm) / 1e6 /
							   (double)(sp->size - sp->hot) *
							   (double)s->d.page_size;
				if (sp->hot >= sp->size)
					r->hot = true;
				break;
			case HM_WORKLOAD_ZIPF:
			case HM_WORKLOAD_TRACE:
				r->hot = cum < 0.8 * wl_rate;
				break;
			default:
				r->hot = true;
				break;
			}
			cum += r->rate * (double)n;
		}
	}
	/* the oracle's hit ratio: the fast node filled with the highest rates */
	fast = (double)hm_sim_node_frames(s, s->rank[0]);
	for (i = 0; i < s->nr_runs && fast > 0; i++) {
		struct run *r = &s->runs[idx[i]];
		double n = (double)(r->v1 - r->v0);

		if (n > fast)
			n = fast;
		acc += r->rate * n;
		fast -= n;
	}
	s->oracle_share = s->total_rate > 0 ? acc / s->total_rate : 0;
	free(s->by_rate);
	s->by_rate = idx;
	s->hot_pages = 0;
	s->nr_pois = 0;
	s->nr_cdf = 0;
	for (i = 0; i < s->nr_runs; i++) {
		struct run *r = &s->runs[i];

		r->lam = r->rate * (double)s->d.tick_ns / 1e9;
		r->emlam = exp(-r->lam);
		r->pois = -1;
		if (r->lam >= 0.1 && r->lam < POIS_MAX_LAM && r->v1 - r->v0 >= POIS_MIN_PAGES) {
			ret = pois_build(s, r);
			if (ret)
				return ret;
		}
		if (r->hot)
			s->hot_pages += r->v1 - r->v0;
	}
	return 0;
}

static const struct run *run_of(const struct hm_sim *s, uint64_t v)
{
	size_t lo = 0, hi = s->nr_runs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->runs[mid].v1 <= v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->nr_runs && s->runs[lo].v0 <= v ? &s->runs[lo] : NULL;
}

static bool same_spec(const struct hm_workload_spec *a, const struct hm_workload_spec *b)
{
	return a->kind == b->kind && a->base == b->base && a->size == b->size &&
	       a->rate == b->rate && a->cpus == b->cpus && a->gran == b->gran;
}

static int open_workloads(struct hm_sim *s, const struct hm_sim_workload *w, unsigned int n,
			  char *err, size_t errlen)
{
	struct wl_state tmp[HM_SIM_MAX_WORKLOADS];
	uint64_t max_v = 0;
	unsigned int i, j;

	if (!n || n > HM_SIM_MAX_WORKLOADS) {
		errf(err, errlen, "workloads: 1 to %d, not %u", HM_SIM_MAX_WORKLOADS, n);
		return -EINVAL;
	}
	memset(tmp, 0, sizeof(tmp));
	for (i = 0; i < n; i++) {
		const struct hm_workload_spec *sp = &w[i].spec;
		uint64_t ps = s->d.page_size;

		if (sp->base % ps || sp->size % ps) {
			errf(err, errlen, "workloads[%u]: base and size must be multiples of the "
			     "%llu-byte page", i, (unsigned long long)ps);
			return -EINVAL;
		}
		if (sp->kind == HM_WORKLOAD_HOTSET && sp->hot % ps) {
			errf(err, errlen, "workloads[%u]: hot must be a multiple of the page", i);
			return -EINVAL;
		}
		if (w[i].trace ? !same_spec(sp, hm_workload_get_spec(w[i].trace)) :
				 sp->kind == HM_WORKLOAD_TRACE) {
			errf(err, errlen, "workloads[%u]: the spec is not its trace's", i);
			return -EINVAL;
		}
		if (w[i].cpu_base + sp->cpus > HM_SIM_MAX_CPUS) {
			errf(err, errlen, "workloads[%u]: CPUs beyond %d", i, HM_SIM_MAX_CPUS);
			return -EINVAL;
		}
		for (j = 0; j < i; j++)
			if (sp->base < w[j].spec.base + w[j].spec.size &&
			    w[j].spec.base < sp->base + sp->size) {
				errf(err, errlen, "workloads[%u]: overlaps workloads[%u]", i, j);
				return -EINVAL;
			}
		if ((sp->base + sp->size) >> s->shift > max_v)
			max_v = (sp->base + sp->size) >> s->shift;
	}
	if (max_v >= UINT32_MAX) {
		errf(err, errlen, "workloads: the address space ends beyond 2^32 pages");
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		tmp[i].w = w[i];
		tmp[i].gen = w[i].trace ? hm_workload_dup(w[i].trace) :
					  hm_workload_new(&w[i].spec, s->seed * 31 + i + 1);
		tmp[i].t0 = s->now;
		tmp[i].buf = malloc(ACC_BUF * sizeof(*tmp[i].buf));
		tmp[i].pf_thr = w[i].prefetch_ppm >= 1000000 ? UINT64_MAX :
				(uint64_t)(((unsigned __int128)w[i].prefetch_ppm << 64) / 1000000);
		tmp[i].ibs_left = 1;
		if (!tmp[i].gen || !tmp[i].buf) {
			for (j = 0; j <= i; j++) {
				hm_workload_free(tmp[j].gen);
				free(tmp[j].buf);
			}
			errf(err, errlen, "workloads: out of memory");
			return -ENOMEM;
		}
	}
	if (max_v > s->nr_v) {
		uint64_t old = s->nr_v, v;
		struct vpage *pg = big_resize(s->pg, old * sizeof(*pg), max_v * sizeof(*pg));
		uint32_t *hint;

		if (pg)
			s->pg = pg;
		hint = pg ? big_resize(s->hint_ms, old * sizeof(*hint), max_v * sizeof(*hint)) :
			    NULL;
		if (!hint) {
			/* the old size stays: shrink back so later frees match */
			if (pg)
				s->pg = big_resize(pg, max_v * sizeof(*pg), old * sizeof(*pg));
			for (i = 0; i < n; i++) {
				hm_workload_free(tmp[i].gen);
				free(tmp[i].buf);
			}
			errf(err, errlen, "workloads: out of memory for %llu pages",
			     (unsigned long long)max_v);
			return -ENOMEM;
		}
		s->hint_ms = hint;
		for (v = old; v < max_v; v++) {
			s->pg[v] = (struct vpage){ .frame = NO_FRAME };
			s->hint_ms[v] = 0;
		}
		s->nr_v = max_v;
	}
	for (i = 0; i < s->nr_wl; i++) {
		hm_workload_free(s->wl[i].gen);
		free(s->wl[i].buf);
	}
	memcpy(s->wl, tmp, sizeof(tmp));
	s->nr_wl = n;
	return rebuild_runs(s);
}

/* ---- CXL devices ----------------------------------------------------------------- */

static void dev_drain(struct hm_sim *s, struct dev *v)
{
	uint64_t e[65536];
	uint32_t width;
	long n = hm_chmu_drain(&v->io, &v->c, e, &width);
	struct hm_chmu_source src = {
		.unit_log2 = v->p.unit_log2, .dec = &v->dec, .node = (int16_t)v->node,
		.source = SRC_CHMU, .time_ns = s->now_dev,
	};
	struct rep_buf *b = &s->rep[SRC_CHMU];
	size_t max;
	long k;

	if (n <= 0)
		return;
	max = (size_t)n * (1u << v->p.unit_log2 > v->dec.granularity ?
				   (1u << v->p.unit_log2) / v->dec.granularity : 1);
	if (rep_reserve(b, max))
		return;
	k = hm_chmu_reports(&src, e, (uint32_t)n, width, b->r + b->n, max);
	if (k <= 0)
		return;
	/* the controller judges the set's epoch on these reports */
	if (s->cset[v->node] && !rep_reserve(&s->cset[v->node]->ep, (size_t)k)) {
		struct rep_buf *ep = &s->cset[v->node]->ep;

		memcpy(ep->r + ep->n, b->r + b->n, (size_t)k * sizeof(*ep->r));
		ep->n += (size_t)k;
	}
	b->n += (size_t)k;
}

/* ---- adaptive control of each node's devices ---- */

static void cset_log(void *arg, const struct hm_chmu_ctl_change *ch)
{
	struct cset *cs = arg;

	if (cs->nr_trail < HM_SIM_CHMU_TRAIL)
		cs->trail[cs->nr_trail++] = *ch;
	cs->changes++;
	cs->s->cur.chmu_changes++;
	cs->s->tot.chmu_changes++;
}

/* Stop, drain and start device @v with the set's program. */
static int cset_program(struct hm_sim *s, struct cset *cs, struct dev *v, char *err,
			size_t errlen)
{
	struct hm_chmu_stats st;
	int ret;

	s->now_dev = s->now;
	dev_drain(s, v);
	ret = hm_chmu_stop(&v->io, &v->c);
	if (!ret)
		ret = hm_chmu_ctl_program(&v->io, &v->c, &cs->base, &cs->set, &v->p, err, errlen);
	if (ret)
		return ret;
	v->next_ev = hm_chmu_next_event(v->d);
	hm_chmu_get_stats(v->d, 0, &st);
	v->epochs = st.epochs;
	return 0;
}

/* A controller for node @nid's devices, starting from the event @ev. */
static int cset_new(struct hm_sim *s, int nid, const struct hm_chmu_event *ev, char *err,
		    size_t errlen)
{
	struct dev *v0 = &s->devs[s->node_dev[nid]];
	const struct hm_sim_node *n = &s->d.nodes[nid];
	struct hm_chmu_ctl_setting start = { 0 };
	struct hm_chmu_ctl_limits lim = {
		.min_threshold = 1,
		.max_threshold = v0->p.width >= 32 ? UINT32_MAX :
						     (uint32_t)((1ull << v0->p.width) - 1),
		.ds_mask = (uint32_t)HM_CHMU_CAP1_DS(v0->c.cap1),
		.min_epoch_ns = s->d.tick_ns > 10000000 ? s->d.tick_ns : 10000000,
		.max_epoch_ns = s->d.chmu_interval_ns,
		.nr_ranges = (uint32_t)((n->capacity / n->devices + (1ull << HM_CHMU_RANGE_SHIFT) - 1)
					>> HM_CHMU_RANGE_SHIFT),
		.hotlist_size = v0->c.hotlist_size,
	};
	struct hm_chmu_ctl_want want = { .units = s->d.chmu_units,
					 .interval_ns = s->d.chmu_interval_ns,
					 .max_entries = s->d.chmu_max_entries };
	struct cset *cs = calloc(1, sizeof(*cs));
	unsigned int k;
	int ret;

	if (!cs)
		return -ENOMEM;
	s->cset[nid] = cs;
	cs->s = s;
	cs->base = *ev;
	cs->first = (unsigned int)s->node_dev[nid];
	cs->nr = n->devices;
	if (lim.max_epoch_ns < lim.min_epoch_ns)
		lim.min_epoch_ns = lim.max_epoch_ns;
	start.threshold = (uint32_t)hm_chmu_event_get(ev, HM_CHMU_F_THRESHOLD);
	start.ds_log2 = v0->p.ds_log2;
	start.epoch_ns = hm_chmu_epoch_ns((unsigned int)hm_chmu_event_get(ev, HM_CHMU_F_EPOCH_SCALE),
					  (unsigned int)hm_chmu_event_get(ev, HM_CHMU_F_EPOCH_MULT));
	if (!start.threshold)
		start.threshold = 1;
	cs->ctl = hm_chmu_ctl_new(&lim, &want, &start, cset_log, cs);
	if (!cs->ctl) {
		if (errno == ENOMEM)
			return -ENOMEM;
		errf(err, errlen, "chmu_adaptive: the controller refused chmu_event's setting");
		return -EINVAL;
	}
	cs->set = *hm_chmu_ctl_get(cs->ctl);
	cs->set.epoch_ns = hm_chmu_eval_epoch(cs->set.epoch_ns);
	for (k = 0; k < cs->nr; k++) {
		ret = cset_program(s, cs, &s->devs[cs->first + k], err, errlen);
		if (ret) {
			if (ret != -EINVAL)
				errf(err, errlen, "chmu: the device did not start: %s", strerror(-ret));
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * Once every device of the set has ended an epoch: its merged reports, as
 * units of the devices' address space, to the controller; reprogram on a
 * change.
 */
static int cset_step(struct hm_sim *s, struct cset *cs)
{
	struct hm_chmu_ctl_obs obs = { .unit_log2 = s->devs[cs->first].p.unit_log2 };
	struct hm_chmu_ctl_setting next;
	const struct dev *v0 = &s->devs[cs->first];
	unsigned int k;
	long n;
	int ret;

	for (k = 0; k < cs->nr; k++) {
		struct dev *v = &s->devs[cs->first + k];
		struct hm_chmu_stats st;
		uint64_t status;

		hm_chmu_get_stats(v->d, 0, &st);
		if (st.epochs <= v->epochs)
			return 0;
		if (v->io.read64(v->io.priv, v->c.base + HM_CHMU_STATUS, &status) == 0 &&
		    (status & HM_CHMU_STATUS_OVERFLOW))
			cs->overflow = true;
	}
	for (k = 0; k < cs->nr; k++) {
		struct hm_chmu_stats st;

		hm_chmu_get_stats(s->devs[cs->first + k].d, 0, &st);
		s->devs[cs->first + k].epochs = st.epochs;
	}
	n = hm_chmu_ctl_units(cs->ep.r, cs->ep.n, obs.unit_log2, &v0->dec, 0, &cs->u, &cs->cap_u);
	cs->ep.n = 0;
	if (n < 0)
		return (int)n;
	obs.units = cs->u;
	obs.nr_units = (size_t)n;
	obs.overflow = cs->overflow;
	obs.max_count = (uint32_t)((1ull << (v0->p.width >= 32 ? 32 : v0->p.width)) - 1);
	cs->overflow = false;
	ret = hm_chmu_ctl_step(cs->ctl, &obs, &next);
	if (ret <= 0)
		return ret;
	cs->set = next;
	cs->set.epoch_ns = hm_chmu_eval_epoch(cs->set.epoch_ns);
	for (k = 0; k < cs->nr; k++) {
		char e[256];

		ret = cset_program(s, cs, &s->devs[cs->first + k], e, sizeof(e));
		if (ret)
			return ret;
	}
	return 0;
}

const struct hm_chmu_ctl_setting *hm_sim_chmu_setting(const struct hm_sim *s, int nid)
{
	if (nid < 0 || nid >= HM_SIM_MAX_NODES || !s->cset[nid])
		return NULL;
	return &s->cset[nid]->set;
}

const struct hm_chmu_ctl_change *hm_sim_chmu_trail(const struct hm_sim *s, int nid, size_t *n,
						   uint64_t *total)
{
	*n = 0;
	*total = 0;
	if (nid < 0 || nid >= HM_SIM_MAX_NODES || !s->cset[nid])
		return NULL;
	*n = s->cset[nid]->nr_trail;
	*total = s->cset[nid]->changes;
	return s->cset[nid]->trail;
}

static void dev_irq(void *arg, unsigned int inst)
{
	struct dev *v = arg;

	(void)inst;
	v->irq = true;
}

static int open_devices(struct hm_sim *s, char *err, size_t errlen)
{
	struct hm_chmu_event ev;
	unsigned int i, k, nd = 0;
	char e[256];

	for (i = 0; i < s->d.nr_nodes; i++)
		nd += s->d.nodes[i].devices;
	if (!nd || !(s->d.sources & HM_SIM_SRC_CHMU))
		return 0;
	if (hm_chmu_event_parse(s->d.chmu_event, &ev, e, sizeof(e))) {
		errf(err, errlen, "chmu_event: %s", e);
		return -EINVAL;
	}
	s->devs = calloc(nd, sizeof(*s->devs));
	if (!s->devs)
		return -ENOMEM;
	for (i = 0; i < s->d.nr_nodes; i++) {
		const struct hm_sim_node *n = &s->d.nodes[i];

		s->node_dev[i] = n->devices ? (int)s->nr_devs : -1;
		for (k = 0; k < n->devices; k++) {
			struct dev *v = &s->devs[s->nr_devs];
			struct hm_chmu_desc desc = s->d.chmu;
			int ret;

			desc.capacity = n->capacity / n->devices;
			v->node = (int)i;
			v->dec = (struct hm_hdm_decoder){ .hpa_base = s->node_f0[i] << s->shift,
							  .hpa_size = n->capacity,
							  .ways = n->devices,
							  .granularity = n->granularity,
							  .position = k };
			v->d = hm_chmu_new(&desc, s->seed + 1000 + s->nr_devs, e, sizeof(e));
			if (!v->d) {
				errf(err, errlen, "chmu: %s", errno == ENOMEM ? "out of memory" : e);
				return -EINVAL;
			}
			s->nr_devs++;
			hm_chmu_emulated_io(v->d, &v->io);
			hm_chmu_discover(&v->io, 0, &v->c, NULL);
			ret = hm_chmu_validate(&v->io, &v->c, &ev, &v->p, e, sizeof(e));
			if (ret) {
				errf(err, errlen, "chmu_event: %s", e);
				return -EINVAL;
			}
			hm_chmu_set_irq(v->d, dev_irq, v);
			ret = hm_chmu_start(&v->io, &v->c, &v->p);
			if (ret) {
				errf(err, errlen, "chmu: the device did not start: %s",
				     ret == -ENODEV ? hm_chmu_last_error(v->d, 0) : strerror(-ret));
				return -EINVAL;
			}
			/* where a page spans units or devices, its accesses need a line */
			if ((1ull << v->p.unit_log2) < s->d.page_size ||
			    (v->dec.ways > 1 && v->dec.granularity < s->d.page_size))
				s->chmu_sub_page = true;
			/* device time = simulated time + t0 */
			v->t0 = hm_chmu_now(v->d);
			v->next_ev = hm_chmu_next_event(v->d);
		}
		if (n->devices && s->d.chmu_adaptive) {
			int ret = cset_new(s, (int)i, &ev, err, errlen);

			if (ret)
				return ret;
		}
	}
	return 0;
}

/* ---- life cycle ------------------------------------------------------------------ */

struct hm_sim *hm_sim_new(const struct hm_sim_desc *d, const struct hm_sim_workload *w,
			  unsigned int n, uint64_t seed, char *err, size_t errlen)
{
	struct hm_sim *s;
	uint64_t f = 0;
	unsigned int i, j;

	if (hm_sim_check_desc(d, err, errlen))
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		goto oom;
	s->d = *d;
	if (!s->d.ring_entries)
		s->d.ring_entries = 65536;
	s->seed = seed;
	s->shift = (uint32_t)__builtin_ctzll(d->page_size);
	s->gen = 1;
	hm_rand_seed(&s->rng, seed);
	for (i = 0; i < d->nr_nodes; i++) {
		s->node_f0[i] = f;
		f += d->nodes[i].capacity / d->page_size;
	}
	s->node_f0[d->nr_nodes] = f;
	s->nr_frames = f;
	s->rmap = big_resize(NULL, 0, f * sizeof(*s->rmap));
	if (!s->rmap)
		goto oom;
	for (i = 0; i < d->nr_nodes; i++) {
		uint64_t nf = s->node_f0[i + 1] - s->node_f0[i], k;

		s->free_stack[i] = malloc(nf * sizeof(uint32_t));
		if (!s->free_stack[i])
			goto oom;
		/* popped in ascending order */
		for (k = 0; k < nf; k++)
			s->free_stack[i][k] = (uint32_t)(s->node_f0[i + 1] - 1 - k);
		s->nfree[i] = nf;
	}
	memset(s->rmap, 0xff, f * sizeof(*s->rmap));
	/* fastest first: by idle read latency */
	for (i = 0; i < d->nr_nodes; i++)
		s->rank[i] = (int)i;
	for (i = 1; i < d->nr_nodes; i++)
		for (j = i; j > 0 && d->nodes[s->rank[j]].read_ns <
					     d->nodes[s->rank[j - 1]].read_ns; j--) {
			int t = s->rank[j];

			s->rank[j] = s->rank[j - 1];
			s->rank[j - 1] = t;
		}
	s->il_node = d->nr_nodes - 1;
	if (d->time == HM_SIM_TIME_ACCESS && d->tlb_entries) {
		s->tlb = calloc((size_t)HM_SIM_MAX_CPUS * d->tlb_entries, sizeof(*s->tlb));
		if (!s->tlb)
			goto oom;
		s->tlb_m = UINT64_MAX / d->tlb_entries + 1;
	}
	if (open_workloads(s, w, n, err, errlen))
		goto fail;
	if (open_devices(s, err, errlen))
		goto fail;
	s->next_abit = d->abit_scan_ns;
	s->next_hint = d->hint_scan_ns;
	return s;
oom:
	errf(err, errlen, "out of memory");
fail:
	hm_sim_free(s);
	return NULL;
}

void hm_sim_free(struct hm_sim *s)
{
	unsigned int i;

	if (!s)
		return;
	for (i = 0; i < s->nr_wl; i++) {
		hm_workload_free(s->wl[i].gen);
		free(s->wl[i].buf);
	}
	for (i = 0; i < s->nr_devs; i++)
		hm_chmu_free(s->devs[i].d);
	free(s->devs);
	for (i = 0; i < HM_SIM_MAX_NODES; i++) {
		if (!s->cset[i])
			continue;
		hm_chmu_ctl_free(s->cset[i]->ctl);
		free(s->cset[i]->ep.r);
		free(s->cset[i]->u);
		free(s->cset[i]);
	}
	for (i = 0; i < HM_SIM_MAX_NODES; i++)
		free(s->free_stack[i]);
	for (i = 0; i < HM_SIM_NR_SRC; i++)
		free(s->rep[i].r);
	big_resize(s->rmap, s->nr_frames * sizeof(*s->rmap), 0);
	big_resize(s->pg, s->nr_v * sizeof(*s->pg), 0);
	big_resize(s->hint_ms, s->nr_v * sizeof(*s->hint_ms), 0);
	free(s->runs);
	free(s->by_rate);
	free(s->pois);
	free(s->cdf);
	free(s->touched);
	free(s->tlb);
	free(s);
}

const struct hm_sim_desc *hm_sim_get_desc(const struct hm_sim *s)
{
	return &s->d;
}

int hm_sim_set_workloads(struct hm_sim *s, const struct hm_sim_workload *w, unsigned int n,
			 char *err, size_t errlen)
{
	return open_workloads(s, w, n, err, errlen);
}

int hm_sim_populate(struct hm_sim *s)
{
	unsigned int i;

	for (i = 0; i < s->nr_wl; i++) {
		const struct hm_workload_spec *sp = &s->wl[i].w.spec;
		uint64_t v;

		for (v = sp->base >> s->shift; v < (sp->base + sp->size) >> s->shift; v++) {
			uint32_t f;

			if (s->pg[v].frame != NO_FRAME)
				continue;
			f = policy_frame(s);
			if (f == NO_FRAME)
				return -ENOMEM;
			map_page(s, v, f);
		}
	}
	return 0;
}

int hm_sim_repopulate(struct hm_sim *s)
{
	uint64_t v;

	for (v = 0; v < s->nr_v; v++) {
		if (s->pg[v].frame == NO_FRAME)
			continue;
		frame_free(s, s->pg[v].frame);
		s->pg[v].frame = NO_FRAME;
		s->pg[v].pf = 0;
	}
	/* the free lists pop in ascending order again */
	for (v = 0; v < s->d.nr_nodes; v++) {
		uint64_t nf = s->node_f0[v + 1] - s->node_f0[v], k;

		for (k = 0; k < nf; k++)
			s->free_stack[v][k] = (uint32_t)(s->node_f0[v + 1] - 1 - k);
		s->nfree[v] = nf;
	}
	s->il_node = s->d.nr_nodes - 1;
	s->il_left = 0;
	if (s->tlb)
		memset(s->tlb, 0, (size_t)HM_SIM_MAX_CPUS * s->d.tlb_entries * sizeof(*s->tlb));
	return hm_sim_populate(s);
}

void hm_sim_set_policy(struct hm_sim *s, const struct hm_sim_policy *p)
{
	if (p)
		s->pol = *p;
	else
		memset(&s->pol, 0, sizeof(s->pol));
}

uint64_t hm_sim_now(const struct hm_sim *s)
{
	return s->now;
}

/* ---- queries --------------------------------------------------------------------- */

uint64_t hm_sim_nr_vpages(const struct hm_sim *s)
{
	return s->nr_v;
}

uint32_t hm_sim_page_shift(const struct hm_sim *s)
{
	return s->shift;
}

int hm_sim_page_node(const struct hm_sim *s, uint64_t v)
{
	if (v >= s->nr_v || s->pg[v].frame == NO_FRAME)
		return -1;
	return s->pg[v].node;
}

uint64_t hm_sim_page_phys(const struct hm_sim *s, uint64_t v)
{
	if (v >= s->nr_v || s->pg[v].frame == NO_FRAME)
		return UINT64_MAX;
	return (uint64_t)s->pg[v].frame << s->shift;
}

uint64_t hm_sim_phys_page(const struct hm_sim *s, uint64_t pa)
{
	uint64_t f = pa >> s->shift;

	if (f >= s->nr_frames || s->rmap[f] == NO_FRAME)
		return UINT64_MAX;
	return s->rmap[f];
}

void hm_sim_node_range(const struct hm_sim *s, int nid, uint64_t *start, uint64_t *end)
{
	*start = s->node_f0[nid] << s->shift;
	*end = s->node_f0[nid + 1] << s->shift;
}

uint64_t hm_sim_node_free(const struct hm_sim *s, int nid)
{
	return s->nfree[nid];
}

uint64_t hm_sim_node_frames(const struct hm_sim *s, int nid)
{
	return s->node_f0[nid + 1] - s->node_f0[nid];
}

int hm_sim_node_rank(const struct hm_sim *s, unsigned int rank)
{
	return rank < s->d.nr_nodes ? s->rank[rank] : -1;
}

uint32_t hm_sim_page_count(const struct hm_sim *s, uint64_t v)
{
	return v < s->nr_v && s->pg[v].gen == s->gen ? s->pg[v].cnt : 0;
}

double hm_sim_page_rate(const struct hm_sim *s, uint64_t v)
{
	const struct run *r = run_of(s, v);

	return r ? r->rate : 0;
}

bool hm_sim_page_hot(const struct hm_sim *s, uint64_t v)
{
	const struct run *r = run_of(s, v);

	return r && r->hot;
}

bool hm_sim_abit(struct hm_sim *s, uint64_t v, bool clear)
{
	bool a;

	if (v >= s->nr_v)
		return false;
	a = s->pg[v].pf & PF_ABIT;
	if (clear)
		s->pg[v].pf &= (uint8_t)~PF_ABIT;
	return a;
}

const struct hm_report *hm_sim_reports(const struct hm_sim *s, unsigned int src, size_t *n)
{
	unsigned int i = (unsigned int)__builtin_ctz(src);

	if (!src || i >= HM_SIM_NR_SRC) {
		*n = 0;
		return NULL;
	}
	*n = s->rep[i].n;
	return s->rep[i].r;
}

void hm_sim_count_drops(struct hm_sim *s, unsigned int src, uint64_t n)
{
	unsigned int i = (unsigned int)__builtin_ctz(src);

	if (src && i < HM_SIM_NR_SRC) {
		s->cur.drops[i] += n;
		s->tot.drops[i] += n;
	}
}

/* ---- migration ------------------------------------------------------------------- */

/*
 * CPU @cpu's TLB entry for page @v: v mod entries, by Lemire's
 * multiply-and-shift for 32-bit operands instead of a division per access.
 */
static inline uint32_t *tlb_entry(const struct hm_sim *s, uint32_t cpu, uint64_t v)
{
	uint64_t lo = s->tlb_m * (uint32_t)v;
	uint32_t slot = (uint32_t)(((unsigned __int128)lo * s->d.tlb_entries) >> 64);

	return &s->tlb[(size_t)cpu * s->d.tlb_entries + slot];
}

static void tlb_shootdown(struct hm_sim *s, uint64_t v)
{
	uint32_t c;

	if (!s->tlb)
		return;
	for (c = 0; c < HM_SIM_MAX_CPUS; c++) {
		uint32_t *e = tlb_entry(s, c, v);

		if (*e == v + 1)
			*e = 0;
	}
}

static int move_page(struct hm_sim *s, uint64_t v, int nid, bool account)
{
	uint32_t f, old;
	int from;

	if (v >= s->nr_v || s->pg[v].frame == NO_FRAME)
		return -ENOENT;
	old = s->pg[v].frame;
	from = s->pg[v].node;
	if (from == nid)
		return -EEXIST;
	if (nid < 0 || (uint32_t)nid >= s->d.nr_nodes)
		return -EINVAL;
	if (!s->nfree[nid]) {
		if (account) {
			s->cur.failed++;
			s->tot.failed++;
		}
		return -ENOSPC;
	}
	if (account && s->d.migrate_rate && s->budget < (int64_t)s->d.page_size) {
		s->cur.failed++;
		s->tot.failed++;
		return -EAGAIN;
	}
	f = frame_alloc(s, nid);
	frame_free(s, old);
	map_page(s, v, f);
	tlb_shootdown(s, v);
	if (account) {
		const struct hm_sim_node *a = &s->d.nodes[from], *b = &s->d.nodes[nid];
		uint64_t bw = a->bw < b->bw ? a->bw : b->bw, ms = s->now / 1000000;
		bool up = b->read_ns < a->read_ns;

		if (s->d.migrate_rate)
			s->budget -= (int64_t)s->d.page_size;
		s->mig_bytes[from] += s->d.page_size;
		s->mig_bytes[nid] += s->d.page_size;
		s->cur.migrate_ns += s->d.page_size * 1000000000ull / bw + s->d.migrate_page_ns;
		if (up)
			s->cur.promoted += s->d.page_size;
		else
			s->cur.demoted += s->d.page_size;
		s->cur.moves++;
		if ((s->pg[v].pf & PF_MOVED) && !!(s->pg[v].pf & PF_UP) != up &&
		    (ms - s->pg[v].moved_ms) * 1000000ull <= s->d.bounce_ns) {
			s->cur.bounces++;
			s->tot.bounces++;
		}
		s->pg[v].pf = (uint8_t)((s->pg[v].pf & ~PF_UP) | PF_MOVED | (up ? PF_UP : 0));
		s->pg[v].moved_ms = (uint32_t)ms;
		s->tot.promoted += up ? s->d.page_size : 0;
		s->tot.demoted += up ? 0 : s->d.page_size;
		s->tot.moves++;
	}
	return 0;
}

int hm_sim_migrate(struct hm_sim *s, uint64_t v, int nid)
{
	return move_page(s, v, nid, true);
}

int hm_sim_place(struct hm_sim *s, uint64_t v, int nid)
{
	return move_page(s, v, nid, false);
}

/* ---- the sources ----------------------------------------------------------------- */

int rep_reserve(struct rep_buf *b, size_t more)
{
	if (b->n + more > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		struct hm_report *r;

		while (cap < b->n + more)
			cap *= 2;
		r = realloc(b->r, cap * sizeof(*r));
		if (!r)
			return -ENOMEM;
		b->r = r;
		b->cap = cap;
	}
	return 0;
}

static void rep_add(struct hm_sim *s, unsigned int src, uint64_t pa, uint64_t size,
		    uint32_t count, uint32_t cpu, int node, bool write, uint64_t t)
{
	struct rep_buf *b = &s->rep[src];
	struct hm_report *r;

	if (rep_reserve(b, 1))
		return;
	r = &b->r[b->n++];
	memset(r, 0, sizeof(*r));
	r->addr = pa;
	r->size = size;
	r->time_ns = t;
	r->count = count;
	r->pid = -1;
	r->tid = (int32_t)cpu;
	r->cpu = (int32_t)cpu;
	r->node = (int16_t)node;
	r->flags = (uint8_t)(HM_REPORT_PHYS | (write ? HM_REPORT_WRITE : 0));
	r->source = (uint8_t)src;
}

/* A Poisson count for run @r by its table: the first k whose cdf reaches u. */
static inline uint32_t poisson_tab(struct hm_sim *s, const struct run *r)
{
	const struct pois_tab *t = &s->pois[r->pois];
	const double *cdf = s->cdf + t->at;
	double u = (double)(hm_rand_next(&s->rng) >> 11) * 0x1p-53;
	uint32_t k = t->guide[(uint32_t)(u * POIS_GUIDE)];

	while (k < t->n && u > cdf[k])
		k++;
	return k < t->n ? k : POIS_MAX_K;
}

static uint32_t poisson(struct hm_sim *s, double lam, double emlam)
{
	double u, p, c;
	uint32_t k = 0;

	if (lam <= 0)
		return 0;
	if (lam < 30) {
		u = (double)(hm_rand_next(&s->rng) >> 11) * 0x1p-53;
		p = emlam;
		c = p;
		while (u > c && k < 1000) {
			k++;
			p *= lam / k;
			c += p;
		}
		return k;
	}
	/* normal approximation, Box-Muller */
	u = ((double)(hm_rand_next(&s->rng) >> 11) + 0.5) * 0x1p-53;
	p = (double)(hm_rand_next(&s->rng) >> 11) * 0x1p-53;
	c = lam + sqrt(lam) * sqrt(-2 * log(u)) * cos(2 * M_PI * p) + 0.5;
	return c < 0 ? 0 : (uint32_t)c;
}

/* round @x up or down at random, keeping the mean */
static uint32_t rround(struct hm_sim *s, double x)
{
	double f = floor(x);

	return (uint32_t)f + ((double)(hm_rand_next(&s->rng) >> 11) * 0x1p-53 < x - f);
}

static void chmu_access(struct hm_sim *s, int node, uint64_t pa, unsigned int flags,
			uint64_t reads, uint64_t writes, uint64_t t)
{
	uint64_t dpa;
	uint32_t pos;
	struct dev *v;

	if (!s->nr_devs || s->node_dev[node] < 0)
		return;
	if (hm_hdm_hpa_to_dpa(&s->devs[s->node_dev[node]].dec, pa, &dpa, &pos))
		return;
	v = &s->devs[s->node_dev[node] + (int)pos];
	if (v->t0 + t >= v->next_ev) {
		hm_chmu_advance(v->d, v->t0 + t);
		v->next_ev = hm_chmu_next_event(v->d);
		if (v->irq) {
			v->irq = false;
			s->now_dev = t;
			dev_drain(s, v);
		}
	}
	if (reads + writes == 1)
		hm_chmu_access(v->d, dpa, flags | (writes ? HM_ACCESS_WRITE : 0));
	else
		hm_chmu_access_rw(v->d, dpa, flags, reads, writes);
}

static void hint_fault(struct hm_sim *s, uint64_t v, uint32_t cpu, uint64_t t)
{
	uint64_t lat = t / 1000000 >= s->hint_ms[v] ? (t / 1000000 - s->hint_ms[v]) * 1000000 : 0;

	s->pg[v].pf &= (uint8_t)~PF_PROT;
	if (s->d.sources & HM_SIM_SRC_HINT)
		rep_add(s, SRC_HINT, (uint64_t)s->pg[v].frame << s->shift, s->d.page_size, 1, cpu,
			s->pg[v].node, false, t);
	if (s->pol.fault)
		s->pol.fault(s, s->pol.priv, v, lat, t);
}

/* A first touch: the page gets a frame by the allocation policy. */
static int __attribute__((noinline)) map_first(struct hm_sim *s, uint64_t v)
{
	uint32_t f = policy_frame(s);

	if (f == NO_FRAME)
		return -ENOMEM;
	map_page(s, v, f);
	return 0;
}

static inline __attribute__((always_inline)) int ensure_mapped(struct hm_sim *s, uint64_t v)
{
	return s->pg[v].frame != NO_FRAME ? 0 : map_first(s, v);
}

static void __attribute__((noinline)) touched_grow(struct hm_sim *s)
{
	size_t cap = s->cap_touched ? s->cap_touched * 2 : 4096;
	uint32_t *t = realloc(s->touched, cap * sizeof(*t));

	if (!t)
		return;
	s->touched = t;
	s->cap_touched = cap;
}

static inline void note_touch(struct hm_sim *s, uint64_t v, uint32_t n)
{
	if (s->pg[v].gen != s->gen) {
		s->pg[v].gen = s->gen;
		s->pg[v].cnt = 0;
		if (s->nr_touched == s->cap_touched)
			touched_grow(s);
		/* without room the page is counted but not reported by the oracle */
		if (s->nr_touched < s->cap_touched)
			s->touched[s->nr_touched++] = (uint32_t)v;
	}
	s->pg[v].cnt += n;
}

/* One access (access-level model). */
static int access_one(struct hm_sim *s, struct wl_state *w, const struct hm_access *a)
{
	uint64_t t = a->time_ns, v = a->addr >> s->shift, pa;
	bool write = a->flags & HM_ACCESS_WRITE, pf;
	int node;

	if (v >= s->nr_v)
		return 0;
	if (ensure_mapped(s, v))
		return -ENOMEM;
	if (s->pg[v].pf & PF_PROT)
		hint_fault(s, v, a->cpu, t);
	pa = ((uint64_t)s->pg[v].frame << s->shift) | (a->addr & (s->d.page_size - 1));
	node = s->pg[v].node;
	s->tick_acc[node]++;
	s->tick_wr[node] += write;	/* an add, not a branch: writes come at random */
	note_touch(s, v, 1);
	if (s->tlb) {
		uint32_t *e = tlb_entry(s, a->cpu, v);

		if (*e != v + 1) {
			*e = (uint32_t)(v + 1);
			s->pg[v].pf |= PF_ABIT;
		}
	} else {
		s->pg[v].pf |= PF_ABIT;
	}
	pf = w->pf_thr && hm_rand_next(&s->rng) < w->pf_thr;
	if ((s->d.sources & HM_SIM_SRC_IBS) && !pf && !--w->ibs_left) {
		w->ibs_left = 1 + hm_rand_below(&s->rng, 2ull * s->d.ibs_period - 1);
		rep_add(s, SRC_IBS, pa & ~(uint64_t)(w->w.spec.line - 1), 0, 1, a->cpu, node,
			write, t);
	}
	if (s->d.sources & HM_SIM_SRC_CHMU)
		chmu_access(s, node, pa, a->flags & ~(unsigned int)HM_ACCESS_WRITE, !write, write, t);
	return 0;
}

/*
 * The CPU and the line of an epoch-model access, drawn only where a source
 * reports them: most pages of a tick never need either.
 */
static inline uint32_t page_cpu(struct hm_sim *s, const struct wl_state *w)
{
	uint32_t cpus = w->w.spec.cpus;

	return w->w.cpu_base + (cpus > 1 ? (uint32_t)hm_rand_below(&s->rng, cpus) : 0);
}

static inline uint64_t page_line(struct hm_sim *s, const struct hm_workload_spec *sp)
{
	return s->d.page_size > sp->line ?
		       hm_rand_below(&s->rng, s->d.page_size / sp->line) * sp->line : 0;
}

/* @n accesses to page @v in one tick (epoch model). */
static inline __attribute__((always_inline)) int
access_page(struct hm_sim *s, struct wl_state *w, const struct run *r, uint64_t v,
	    uint32_t n, uint64_t t)
{
	const struct hm_workload_spec *sp = &w->w.spec;
	uint32_t writes = sp->write_ppm ? rround(s, n * (sp->write_ppm / 1e6)) : 0;
	uint64_t pa;
	int node;

	if (ensure_mapped(s, v))
		return -ENOMEM;
	if (s->pg[v].pf & PF_PROT)
		hint_fault(s, v, page_cpu(s, w), t);
	pa = (uint64_t)s->pg[v].frame << s->shift;
	node = s->pg[v].node;
	s->tick_acc[node] += n;
	s->tick_wr[node] += writes;
	note_touch(s, v, n);
	if (v - r->v0 >= r->tlb_pages)
		s->pg[v].pf |= PF_ABIT;
	if (s->d.sources & HM_SIM_SRC_IBS) {
		uint32_t seen = w->w.prefetch_ppm ? n - rround(s, n * (w->w.prefetch_ppm / 1e6)) : n;
		uint32_t k = 0;

		/* the access model's countdown, run over this page's @seen accesses at once */
		while (seen >= w->ibs_left) {
			seen -= (uint32_t)w->ibs_left;
			k++;
			w->ibs_left = 1 + hm_rand_below(&s->rng, 2ull * s->d.ibs_period - 1);
		}
		w->ibs_left -= seen;
		if (k)
			rep_add(s, SRC_IBS, pa + page_line(s, sp), 0, k, page_cpu(s, w), node,
				writes > n / 2, t);
	}
	if (s->d.sources & HM_SIM_SRC_CHMU)
		chmu_access(s, node, s->chmu_sub_page ? pa + page_line(s, sp) : pa, 0, n - writes,
			    writes, t);
	return 0;
}

/*
 * Random pages miss the cache on the page table and the counters; the
 * generator's buffer says which pages come next, so their lines are
 * fetched this many accesses early and the misses overlap.
 */
#define PREFETCH_AHEAD	32

/*
 * A macro, not a function: GCC 12 finds a function that only prefetches
 * free of side effects and deletes its calls.
 */
#define prefetch_page(s, v)                       \
	do {                                      \
		uint64_t v_ = (v);                \
		if (v_ < (s)->nr_v)               \
			__builtin_prefetch(&(s)->pg[v_]); \
	} while (0)

/* The lines access_one() will read for @n, asked for ahead of it. */
#define prefetch_access(s, w, n)                                                  \
	do {                                                                      \
		uint32_t pcpu_ = (n)->cpu + (w)->w.cpu_base;                      \
		uint64_t pv_ = (n)->addr >> (s)->shift;                           \
                                                                                  \
		prefetch_page(s, pv_);                                            \
		if ((s)->tlb)                                                     \
			__builtin_prefetch(tlb_entry(s, pcpu_ < HM_SIM_MAX_CPUS ? \
								pcpu_ :           \
								HM_SIM_MAX_CPUS - 1,     \
						     pv_));                       \
	} while (0)

static int tick_access(struct hm_sim *s, uint64_t t1)
{
	unsigned int i;

	for (i = 0; i < s->nr_wl; i++) {
		struct wl_state *w = &s->wl[i];

		for (;;) {
			struct hm_access *a;

			if (w->at == w->n) {
				size_t k;

				hm_workload_fill(w->gen, w->buf, ACC_BUF);
				w->n = ACC_BUF;
				w->at = 0;
				/* the head of a new buffer had no turn in the loop's look-ahead */
				for (k = 0; k < PREFETCH_AHEAD; k++)
					prefetch_access(s, w, &w->buf[k]);
			}
			a = &w->buf[w->at];
			if (a->time_ns + w->t0 >= t1)
				break;
			if (w->at + PREFETCH_AHEAD < w->n)
				prefetch_access(s, w, &w->buf[w->at + PREFETCH_AHEAD]);
			a->time_ns += w->t0;
			a->cpu += w->w.cpu_base;
			if (a->cpu >= HM_SIM_MAX_CPUS)
				a->cpu = HM_SIM_MAX_CPUS - 1;
			if (access_one(s, w, a))
				return -ENOMEM;
			w->at++;
		}
	}
	return 0;
}

static int tick_epoch(struct hm_sim *s, uint64_t t0, uint64_t t1)
{
	uint64_t mid = t0 + (t1 - t0) / 2;
	size_t i;

	for (i = 0; i < s->nr_runs; i++) {
		const struct run *r = &s->runs[i];
		struct wl_state *w = &s->wl[r->wl];
		uint64_t v;

		if (r->lam <= 0)
			continue;
		if (r->lam >= 0.1) {
			for (v = r->v0; v < r->v1; v++) {
				uint32_t c = r->pois >= 0 ? poisson_tab(s, r) :
							    poisson(s, r->lam, r->emlam);

				if (c && access_page(s, w, r, v, c, mid))
					return -ENOMEM;
			}
			continue;
		}
		/* sparse: jump from touched page to touched page */
		v = r->v0;
		for (;;) {
			double u = ((double)(hm_rand_next(&s->rng) >> 11) + 0.5) * 0x1p-53;
			double skip = floor(log(u) / -r->lam);

			if (skip >= (double)(r->v1 - v))
				break;
			v += (uint64_t)skip;
			if (access_page(s, w, r, v, 1 + ((double)(hm_rand_next(&s->rng) >> 11) *
								 0x1p-53 < r->lam / 2),
					mid))
				return -ENOMEM;
			v++;
		}
	}
	return 0;
}

static void scan_abits(struct hm_sim *s, uint64_t t)
{
	uint64_t f;

	for (f = 0; f < s->nr_frames; f++) {
		uint32_t v = s->rmap[f];

		if (v == NO_FRAME || !(s->pg[v].pf & PF_ABIT))
			continue;
		s->pg[v].pf &= (uint8_t)~PF_ABIT;
		rep_add(s, SRC_ABIT, f << s->shift, s->d.page_size, 1, 0, frame_node(s, (uint32_t)f),
			false, t);
	}
}

static void scan_hint(struct hm_sim *s, uint64_t t)
{
	uint64_t left = s->d.hint_scan_bytes >> s->shift, seen = 0;

	if (!left)
		left = 1;
	while (left && seen < s->nr_v) {
		uint64_t v = s->hint_cursor++ % s->nr_v;

		seen++;
		if (s->pg[v].frame == NO_FRAME)
			continue;
		s->pg[v].pf |= PF_PROT;
		s->hint_ms[v] = (uint32_t)(t / 1000000);
		left--;
	}
}

static double loaded_factor(const struct hm_sim_node *n, uint32_t util_pm)
{
	uint32_t i;

	if (!n->nr_curve)
		return 1;
	if (util_pm <= n->curve_util_pm[0])
		return n->curve_mult_milli[0] / 1000.0;
	for (i = 1; i < n->nr_curve; i++) {
		if (util_pm <= n->curve_util_pm[i]) {
			double x = (double)(util_pm - n->curve_util_pm[i - 1]) /
				   (double)(n->curve_util_pm[i] - n->curve_util_pm[i - 1]);

			return (n->curve_mult_milli[i - 1] +
				x * ((double)n->curve_mult_milli[i] - n->curve_mult_milli[i - 1])) /
			       1000.0;
		}
	}
	return n->curve_mult_milli[n->nr_curve - 1] / 1000.0;
}

/* The tick's traffic into the interval's counters. */
static void close_tick(struct hm_sim *s, uint64_t dt)
{
	uint64_t total = 0, line = s->wl[0].w.spec.line;
	unsigned int i;

	for (i = 0; i < s->d.nr_nodes; i++) {
		const struct hm_sim_node *n = &s->d.nodes[i];
		double bytes = (double)s->tick_acc[i] * (double)line + (double)s->mig_bytes[i];
		double cap = (double)n->bw * (double)dt / 1e9;
		uint32_t u = cap > 0 ? (uint32_t)(bytes * 1000 / cap) : 0;
		double f = loaded_factor(n, u > 1000 ? 1000 : u);

		s->cur.node_accesses[i] += s->tick_acc[i];
		s->tot.node_accesses[i] += s->tick_acc[i];
		s->lat_sum += f * ((double)(s->tick_acc[i] - s->tick_wr[i]) * n->read_ns +
				   (double)s->tick_wr[i] * n->write_ns);
		s->util_sum[i] += u;
		total += s->tick_acc[i];
		s->tick_acc[i] = 0;
		s->tick_wr[i] = 0;
		s->mig_bytes[i] = 0;
	}
	s->cur.accesses += total;
	s->tot.accesses += total;
	s->orc_sum += s->oracle_share * (double)total;
	s->ticks++;
}

/*
 * The oracle's reports at the end of a tick: each counted page, its exact
 * count. As with rep_add(), reports without room are lost.
 */
static void oracle_reports(struct hm_sim *s, uint64_t t)
{
	struct rep_buf *b = &s->rep[SRC_ORACLE];
	size_t k;

	if (rep_reserve(b, s->nr_touched))
		return;
	for (k = 0; k < s->nr_touched; k++) {
		const struct vpage *p = &s->pg[s->touched[k]];

		if (k + PREFETCH_AHEAD < s->nr_touched)
			prefetch_page(s, s->touched[k + PREFETCH_AHEAD]);
		b->r[b->n++] = (struct hm_report){
			.addr = (uint64_t)p->frame << s->shift,
			.size = s->d.page_size,
			.time_ns = t,
			.count = p->cnt,
			.pid = -1,
			.node = p->node,
			.flags = HM_REPORT_PHYS,
			.source = SRC_ORACLE,
		};
	}
}

/* A new tick: every page's count is stale at once. */
static void new_gen(struct hm_sim *s)
{
	uint64_t v;

	s->nr_touched = 0;
	if (++s->gen)
		return;
	/* the wrap, each 65535 ticks: no page may keep a generation that comes round again */
	for (v = 0; v < s->nr_v; v++)
		s->pg[v].gen = 0;
	s->gen = 1;
}

int hm_sim_run(struct hm_sim *s, uint64_t until_ns)
{
	while (s->now < until_ns) {
		uint64_t t0 = s->now, t1 = t0 + s->d.tick_ns;
		unsigned int i;
		int ret;

		new_gen(s);
		for (i = 0; i < HM_SIM_NR_SRC; i++)
			s->rep[i].n = 0;
		/* the hot sets' moves (the access model's generators make their own) */
		for (i = 0; i < s->nr_wl; i++) {
			struct wl_state *w = &s->wl[i];

			if (hm_workload_next_move(w->gen) + w->t0 <= t0 &&
			    s->d.time == HM_SIM_TIME_EPOCH) {
				hm_workload_advance(w->gen, t0 - w->t0);
				if (rebuild_runs(s))
					return -ENOMEM;
			}
		}
		if (s->d.migrate_rate) {
			int64_t add = (int64_t)(s->d.migrate_rate * s->d.tick_ns / 1000000000ull);
			int64_t cap = add > (int64_t)(s->d.migrate_rate / 10) ?
					      add : (int64_t)(s->d.migrate_rate / 10);

			s->budget += add;
			if (s->budget > cap)
				s->budget = cap;
		}
		if ((s->d.sources & HM_SIM_SRC_HINT) && t0 >= s->next_hint) {
			scan_hint(s, t0);
			s->next_hint += s->d.hint_scan_ns;
		}
		ret = s->d.time == HM_SIM_TIME_ACCESS ? tick_access(s, t1) : tick_epoch(s, t0, t1);
		if (ret)
			return ret;
		if (s->d.time == HM_SIM_TIME_ACCESS) {
			/* the access model's hot sets moved inside the generators */
			for (i = 0; i < s->nr_wl; i++) {
				struct wl_state *w = &s->wl[i];

				if (w->w.spec.kind == HM_WORKLOAD_HOTSET &&
				    hm_workload_hot_start(w->gen) != w->hot_seen) {
					w->hot_seen = hm_workload_hot_start(w->gen);
					if (rebuild_runs(s))
						return -ENOMEM;
				}
			}
		}
		for (i = 0; i < s->nr_devs; i++) {
			struct dev *v = &s->devs[i];

			hm_chmu_advance(v->d, v->t0 + t1);
			v->next_ev = hm_chmu_next_event(v->d);
			v->irq = false;
			s->now_dev = t1;
			dev_drain(s, v);
		}
		for (i = 0; i < HM_SIM_MAX_NODES; i++) {
			if (!s->cset[i])
				continue;
			ret = cset_step(s, s->cset[i]);
			if (ret)
				return ret;
		}
		if ((s->d.sources & HM_SIM_SRC_ABIT) && t1 >= s->next_abit) {
			scan_abits(s, t1);
			s->next_abit += s->d.abit_scan_ns;
		}
		if (s->d.sources & HM_SIM_SRC_ORACLE)
			oracle_reports(s, t1);
		for (i = 0; i < HM_SIM_NR_SRC; i++) {
			s->cur.reports[i] += s->rep[i].n;
			s->tot.reports[i] += s->rep[i].n;
		}
		s->now = t1;
		if (s->pol.tick)
			s->pol.tick(s, s->pol.priv, t1);
		close_tick(s, s->d.tick_ns);
	}
	return 0;
}

/* ---- metrics --------------------------------------------------------------------- */

static double hot_fast_share(const struct hm_sim *s)
{
	uint64_t on = 0, all = 0, v;
	int fast = s->rank[0];
	size_t i;

	for (i = 0; i < s->nr_runs; i++) {
		const struct run *r = &s->runs[i];

		if (!r->hot)
			continue;
		for (v = r->v0; v < r->v1; v++) {
			if (s->pg[v].frame == NO_FRAME)
				continue;
			all++;
			on += s->pg[v].frame >= s->node_f0[fast] && s->pg[v].frame < s->node_f0[fast + 1];
		}
	}
	return all ? (double)on / (double)all : 0;
}

void hm_sim_take_stats(struct hm_sim *s, struct hm_sim_tick_stats *st)
{
	unsigned int i;

	*st = s->cur;
	st->t_ns = s->now;
	st->fast_share = st->accesses ?
		(double)st->node_accesses[s->rank[0]] / (double)st->accesses : 0;
	st->oracle_share = st->accesses ? s->orc_sum / (double)st->accesses : s->oracle_share;
	st->amat_ns = st->accesses ? s->lat_sum / (double)st->accesses : 0;
	for (i = 0; i < s->d.nr_nodes; i++)
		st->util_pm[i] = s->ticks ? (uint32_t)(s->util_sum[i] / s->ticks) : 0;
	st->hot_fast_share = hot_fast_share(s);
	st->hot_pages = s->hot_pages;
	s->tot.migrate_ns += s->cur.migrate_ns;
	s->tot_lat += s->lat_sum;
	s->tot_orc += s->orc_sum;
	memset(&s->cur, 0, sizeof(s->cur));
	memset(s->util_sum, 0, sizeof(s->util_sum));
	s->lat_sum = 0;
	s->orc_sum = 0;
	s->ticks = 0;
}

void hm_sim_totals(const struct hm_sim *s, struct hm_sim_tick_stats *st)
{
	*st = s->tot;
	st->migrate_ns += s->cur.migrate_ns;
	st->t_ns = s->now;
	st->fast_share = st->accesses ?
		(double)st->node_accesses[s->rank[0]] / (double)st->accesses : 0;
	st->oracle_share = st->accesses ? (s->tot_orc + s->orc_sum) / (double)st->accesses : 0;
	st->amat_ns = st->accesses ? (s->tot_lat + s->lat_sum) / (double)st->accesses : 0;
	st->hot_fast_share = hot_fast_share(s);
	st->hot_pages = s->hot_pages;
}

int hm_sim_check(const struct hm_sim *s, char *err, size_t errlen)
{
	uint64_t v, mapped = 0, f, used = 0;
	unsigned int i;

	for (v = 0; v < s->nr_v; v++) {
		if (s->pg[v].frame == NO_FRAME)
			continue;
		mapped++;
		if (s->pg[v].frame >= s->nr_frames || s->rmap[s->pg[v].frame] != v) {
			errf(err, errlen, "page %llu maps frame %u whose reverse map disagrees",
			     (unsigned long long)v, s->pg[v].frame);
			return -EUCLEAN;
		}
	}
	for (f = 0; f < s->nr_frames; f++)
		used += s->rmap[f] != NO_FRAME;
	if (used != mapped) {
		errf(err, errlen, "%llu frames in use for %llu mapped pages",
		     (unsigned long long)used, (unsigned long long)mapped);
		return -EUCLEAN;
	}
	for (i = 0; i < s->d.nr_nodes; i++) {
		uint64_t nf = s->node_f0[i + 1] - s->node_f0[i], k, inuse = 0;

		for (f = s->node_f0[i]; f < s->node_f0[i + 1]; f++)
			inuse += s->rmap[f] != NO_FRAME;
		if (s->nfree[i] + inuse != nf) {
			errf(err, errlen, "node %u: %llu free + %llu used != %llu frames", i,
			     (unsigned long long)s->nfree[i], (unsigned long long)inuse,
			     (unsigned long long)nf);
			return -EUCLEAN;
		}
		for (k = 0; k < s->nfree[i]; k++) {
			f = s->free_stack[i][k];
			if (f < s->node_f0[i] || f >= s->node_f0[i + 1] || s->rmap[f] != NO_FRAME) {
				errf(err, errlen, "node %u: free frame %llu is not free or not the "
				     "node's", i, (unsigned long long)f);
				return -EUCLEAN;
			}
		}
	}
	return 0;
}
