// SPDX-License-Identifier: MIT
/*
 * Placement policies on the simulated machine: hotmem's monitor and schemes
 * through simulator ops, and the baselines it is compared with (docs/sim.md
 * gives each one's source and what is kept of it).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hotmem/hotmem.h>
#include <hotmem/sim.h>

#include "sim_internal.h"

static const char *const pol_names[HM_SIM_NR_POLICIES] = {
	"static", "oracle-bound", "oracle-real", "numab", "memtis", "hemem", "hotmem",
};

const char *hm_sim_policy_name(enum hm_sim_policy_kind k)
{
	return (unsigned int)k < HM_SIM_NR_POLICIES ? pol_names[k] : "?";
}

int hm_sim_policy_parse(const char *name)
{
	int i;

	for (i = 0; i < HM_SIM_NR_POLICIES; i++)
		if (!strcmp(name, pol_names[i]))
			return i;
	if (!strcmp(name, "tpp"))
		return HM_SIM_POL_NUMAB;
	return -EINVAL;
}

int hm_sim_policy_list(char *buf, enum hm_sim_policy_kind *kinds, const char **bad)
{
	char *p, *save = NULL;
	int n = 0, i;

	for (p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		int k = hm_sim_policy_parse(p);

		if (k < 0) {
			*bad = p;
			return -EINVAL;
		}
		for (i = 0; i < n && kinds[i] != (enum hm_sim_policy_kind)k; i++)
			;
		if (i == n)
			kinds[n++] = (enum hm_sim_policy_kind)k;
	}
	return n;
}

void hm_sim_baseline_defaults(struct hm_sim_baseline_params *p)
{
	memset(p, 0, sizeof(*p));
	p->interval_ns = 100 * 1000 * 1000;
	p->numab_threshold_ns = 1000ull * 1000 * 1000;	/* NUMAB2's hot threshold: 1 s */
	p->numab_rate = 65536ull << 20;			/* its default rate limit */
	p->headroom_pm = 20;				/* 2% kept free for new pages */
	p->hemem_read_thr = 8;
	p->hemem_write_thr = 4;
	p->hemem_cool_thr = 18;
	p->memtis_cool_samples = 2000000;
}

struct hm_sim_pol {
	enum hm_sim_policy_kind kind;
	struct hm_sim_policy pol;
	struct hm_sim *s;
	struct hm_sim_baseline_params prm;
	uint64_t next_ns;
	/* per page state (baselines) */
	uint16_t *rd, *wr;
	uint8_t *mark;
	uint32_t *cand;
	size_t nr_cand, cap_cand;
	uint64_t hand;
	uint64_t samples;
	uint32_t thr_bin;
	uint64_t hist[17];
	int64_t numab_budget;
	uint64_t placed_gen, placed_mapped;
	/* hotmem */
	struct hm_ctx *ctx;
	struct hm_ring_set *rings;
	struct hm_ring *ring[HM_SIM_NR_SRC];
	uint8_t src_id[HM_SIM_NR_SRC];
	struct hm_ops ops;
	uint32_t dest_turn;
	int err;
};

static int fast_node(const struct hm_sim *s)
{
	return hm_sim_node_rank(s, 0);
}

/* The fastest node below @nid's speed that has a free frame, or -1. */
static int slower_with_room(const struct hm_sim *s, int nid)
{
	unsigned int i;
	bool past = false;

	for (i = 0; i < s->d.nr_nodes; i++) {
		int n = hm_sim_node_rank(s, i);

		if (n == nid) {
			past = true;
			continue;
		}
		if (past && hm_sim_node_free(s, n))
			return n;
	}
	return -1;
}

static uint64_t vpage_of(const struct hm_sim *s, const struct hm_report *r)
{
	return hm_sim_phys_page(s, r->addr);
}

static int cand_add(struct hm_sim_pol *p, uint64_t v)
{
	if (p->nr_cand == p->cap_cand) {
		size_t cap = p->cap_cand ? p->cap_cand * 2 : 1024;
		uint32_t *c = realloc(p->cand, cap * sizeof(*c));

		if (!c)
			return -ENOMEM;
		p->cand = c;
		p->cap_cand = cap;
	}
	p->cand[p->nr_cand++] = (uint32_t)v;
	return 0;
}

/*
 * Demote cold pages from the fast node until @want frames are free, with a
 * second-chance clock over its frames; @cold says whether a page may go.
 */
static void demote_until(struct hm_sim_pol *p, uint64_t want,
			 bool (*cold)(struct hm_sim_pol *p, uint64_t v))
{
	struct hm_sim *s = p->s;
	int fast = fast_node(s);
	uint64_t start, end, frames = hm_sim_node_frames(s, fast), looked = 0;

	hm_sim_node_range(s, fast, &start, &end);
	while (hm_sim_node_free(s, fast) < want && looked < 2 * frames) {
		uint64_t pa = start + ((p->hand++ % frames) << s->shift);
		uint64_t v = hm_sim_phys_page(s, pa);
		int to;

		looked++;
		if (v == UINT64_MAX || !cold(p, v))
			continue;
		to = slower_with_room(s, fast);
		if (to < 0 || hm_sim_migrate(s, v, to) == -EAGAIN)
			return;
	}
}

/* ---- static, oracle ---------------------------------------------------------------- */

static void static_tick(struct hm_sim *s, void *priv, uint64_t now)
{
	(void)s;
	(void)priv;
	(void)now;
}

/* Mark the pages the fast node would hold: the highest rates that fit. */
static uint64_t oracle_mark(struct hm_sim_pol *p)
{
	struct hm_sim *s = p->s;
	uint64_t room = hm_sim_node_frames(s, fast_node(s)), n = 0, v;
	size_t i;

	memset(p->mark, 0, s->nr_v);
	for (i = 0; i < s->nr_runs && room; i++) {
		const struct run *r = &s->runs[s->by_rate[i]];

		for (v = r->v0; v < r->v1 && room; v++) {
			if (s->pg[v].frame == NO_FRAME)
				continue;
			p->mark[v] = 1;
			room--;
			n++;
		}
	}
	return n;
}

static void oracle_tick(struct hm_sim *s, void *priv, uint64_t now)
{
	struct hm_sim_pol *p = priv;
	bool real = p->kind == HM_SIM_POL_ORACLE_REAL;
	int fast = fast_node(s);
	uint64_t start, end, pa;
	size_t i;

	uint64_t mapped = 0;
	unsigned int k;

	for (k = 0; k < s->d.nr_nodes; k++)
		mapped += hm_sim_node_frames(s, (int)k) - hm_sim_node_free(s, (int)k);
	if (real ? now < p->next_ns : p->placed_gen == s->runs_gen && p->placed_mapped == mapped)
		return;
	p->next_ns = now + p->prm.interval_ns;
	p->placed_gen = s->runs_gen;
	p->placed_mapped = mapped;
	oracle_mark(p);
	/* out with what should not be there, then in with what should, hottest first */
	hm_sim_node_range(s, fast, &start, &end);
	for (pa = start; pa < end; pa += s->d.page_size) {
		uint64_t v = hm_sim_phys_page(s, pa);
		int to;

		if (v == UINT64_MAX || p->mark[v])
			continue;
		to = slower_with_room(s, fast);
		if (to < 0)
			break;
		if (real ? hm_sim_migrate(s, v, to) == -EAGAIN : hm_sim_place(s, v, to) != 0)
			break;
	}
	for (i = 0; i < s->nr_runs; i++) {
		const struct run *r = &s->runs[s->by_rate[i]];
		uint64_t v;

		for (v = r->v0; v < r->v1; v++) {
			int ret;

			if (!p->mark[v] || hm_sim_page_node(s, v) == fast)
				continue;
			ret = real ? hm_sim_migrate(s, v, fast) : hm_sim_place(s, v, fast);
			if (ret == -EAGAIN || ret == -ENOSPC)
				return;
		}
	}
}

/* ---- NUMA balancing tiering / TPP ----------------------------------------------------- */

static bool numab_cold(struct hm_sim_pol *p, uint64_t v)
{
	/* kswapd's second chance: a referenced page gets its bit cleared and stays */
	return !hm_sim_abit(p->s, v, true);
}

static void numab_fault(struct hm_sim *s, void *priv, uint64_t v, uint64_t lat, uint64_t now)
{
	struct hm_sim_pol *p = priv;
	int fast = fast_node(s);

	(void)now;
	if (hm_sim_page_node(s, v) == fast || lat > p->prm.numab_threshold_ns)
		return;
	if (p->numab_budget < (int64_t)s->d.page_size)
		return;
	if (!hm_sim_migrate(s, v, fast))
		p->numab_budget -= (int64_t)s->d.page_size;
}

static void numab_tick(struct hm_sim *s, void *priv, uint64_t now)
{
	struct hm_sim_pol *p = priv;
	uint64_t frames = hm_sim_node_frames(s, fast_node(s));
	int64_t add = (int64_t)(p->prm.numab_rate * s->d.tick_ns / 1000000000ull);

	(void)now;
	p->numab_budget += add;
	if (p->numab_budget > add * 10 + (int64_t)s->d.page_size)
		p->numab_budget = add * 10 + (int64_t)s->d.page_size;
	/* demotion keeps the headroom free (TPP's decoupled watermark) */
	demote_until(p, frames * p->prm.headroom_pm / 1000 + 1, numab_cold);
}

/* ---- Memtis and HeMem: sampled counts ---------------------------------------------- */

static unsigned int log2_bin(uint32_t c)
{
	return c ? 32 - (unsigned int)__builtin_clz(c) : 0;	/* 0, 1, 2-3, 4-7, ... */
}

static void count_samples(struct hm_sim_pol *p)
{
	struct hm_sim *s = p->s;
	size_t n, i;
	const struct hm_report *r = hm_sim_reports(s, HM_SIM_SRC_IBS, &n);

	for (i = 0; i < n; i++) {
		uint64_t v = vpage_of(s, &r[i]);
		uint32_t c = r[i].count;

		if (v == UINT64_MAX)
			continue;
		if (r[i].flags & HM_REPORT_WRITE)
			p->wr[v] = (uint16_t)(p->wr[v] + c > 65535 ? 65535 : p->wr[v] + c);
		else
			p->rd[v] = (uint16_t)(p->rd[v] + c > 65535 ? 65535 : p->rd[v] + c);
		p->samples += c;
		if (!p->mark[v]) {
			p->mark[v] = 1;
			cand_add(p, v);
		}
	}
}

static void halve_all(struct hm_sim_pol *p)
{
	uint64_t v;

	for (v = 0; v < p->s->nr_v; v++) {
		p->rd[v] >>= 1;
		p->wr[v] >>= 1;
	}
}

static bool memtis_hot(const struct hm_sim_pol *p, uint64_t v)
{
	return log2_bin((uint32_t)p->rd[v] + p->wr[v]) >= p->thr_bin &&
	       p->rd[v] + p->wr[v] > 0;
}

static bool memtis_cold(struct hm_sim_pol *p, uint64_t v)
{
	return !memtis_hot(p, v);
}

static bool hemem_hot(const struct hm_sim_pol *p, uint64_t v)
{
	return p->rd[v] >= p->prm.hemem_read_thr || p->wr[v] >= p->prm.hemem_write_thr;
}

static bool hemem_cold(struct hm_sim_pol *p, uint64_t v)
{
	return !hemem_hot(p, v);
}

/* Memtis: the hot threshold is the lowest bin whose pages and up fit the fast node. */
static void memtis_threshold(struct hm_sim_pol *p)
{
	struct hm_sim *s = p->s;
	uint64_t cap = hm_sim_node_frames(s, fast_node(s)), sum = 0, v;
	int b;

	memset(p->hist, 0, sizeof(p->hist));
	for (v = 0; v < s->nr_v; v++)
		if (s->pg[v].frame != NO_FRAME)
			p->hist[log2_bin((uint32_t)p->rd[v] + p->wr[v]) > 16 ?
					16 : log2_bin((uint32_t)p->rd[v] + p->wr[v])]++;
	p->thr_bin = 17;
	for (b = 16; b >= 1; b--) {
		if (sum + p->hist[b] > cap)
			break;
		sum += p->hist[b];
		p->thr_bin = (uint32_t)b;
	}
}

static void sampled_tick(struct hm_sim *s, void *priv, uint64_t now)
{
	struct hm_sim_pol *p = priv;
	bool memtis = p->kind == HM_SIM_POL_MEMTIS;
	int fast = fast_node(s);
	uint64_t frames = hm_sim_node_frames(s, fast);
	size_t i;

	count_samples(p);
	if (memtis && p->samples >= p->prm.memtis_cool_samples) {
		halve_all(p);
		p->samples = 0;
	}
	if (!memtis) {
		for (i = 0; i < p->nr_cand; i++) {
			uint32_t v = p->cand[i];

			if (p->rd[v] >= p->prm.hemem_cool_thr || p->wr[v] >= p->prm.hemem_cool_thr) {
				halve_all(p);
				break;
			}
		}
	}
	if (now < p->next_ns)
		return;
	p->next_ns = now + p->prm.interval_ns;
	if (memtis)
		memtis_threshold(p);
	/* promote the sampled hot pages; make room from the cold ones */
	for (i = 0; i < p->nr_cand; i++) {
		uint32_t v = p->cand[i];
		int ret;

		p->mark[v] = 0;
		if (!(memtis ? memtis_hot(p, v) : hemem_hot(p, v)) ||
		    hm_sim_page_node(s, v) == fast)
			continue;
		if (!hm_sim_node_free(s, fast))
			demote_until(p, 1 + frames * p->prm.headroom_pm / 1000,
				     memtis ? memtis_cold : hemem_cold);
		ret = hm_sim_migrate(s, v, fast);
		if (ret == -EAGAIN)
			break;
	}
	for (; i < p->nr_cand; i++)
		p->mark[p->cand[i]] = 0;
	p->nr_cand = 0;
}

/* ---- hotmem: the monitor through simulator ops ------------------------------------ */

static int ops_target_ranges(void *priv, struct hm_target *t, struct hm_addr_range *ranges,
			     unsigned int max)
{
	struct hm_sim_pol *p = priv;
	unsigned int i, n = 0;

	if (t->nr_regions)
		return 0;
	for (i = 0; i < p->s->d.nr_nodes && n < max; i++, n++)
		hm_sim_node_range(p->s, (int)i, &ranges[n].start, &ranges[n].end);
	return (int)n;
}

static void ops_prepare(void *priv, struct hm_target *t, struct hm_region *r)
{
	struct hm_sim_pol *p = priv;
	uint64_t v = hm_sim_phys_page(p->s, r->sampling_addr);

	(void)t;
	if (v != UINT64_MAX)
		hm_sim_abit(p->s, v, true);
}

static bool ops_check(void *priv, struct hm_target *t, struct hm_region *r)
{
	struct hm_sim_pol *p = priv;
	uint64_t v = hm_sim_phys_page(p->s, r->sampling_addr);

	(void)t;
	return v != UINT64_MAX && hm_sim_abit(p->s, v, false);
}

static int ops_apply(void *priv, struct hm_target *t, struct hm_region *r,
		     const struct hm_scheme *sc, struct hm_action_result *res)
{
	struct hm_sim_pol *p = priv;
	struct hm_sim *s = p->s;
	uint64_t pa, before = s->cur.migrate_ns;

	(void)t;
	if (sc->action != HM_ACTION_MIGRATE_HOT && sc->action != HM_ACTION_MIGRATE_COLD)
		return 0;
	for (pa = r->start & ~(s->d.page_size - 1); pa < r->end; pa += s->d.page_size) {
		uint64_t v = hm_sim_phys_page(s, pa);
		int to, ret;

		if (v == UINT64_MAX)
			continue;
		res->sz_ops_filter_passed += s->d.page_size;
		to = hm_scheme_pick_dest(sc, &p->dest_turn);
		if (to < 0)
			break;
		ret = hm_sim_migrate(s, v, to);
		if (!ret)
			res->sz_applied += s->d.page_size;
		else if (ret == -EEXIST)
			res->sz_in_place += s->d.page_size;
		else if (ret == -EAGAIN)
			break;
	}
	res->time_ns = s->cur.migrate_ns - before;
	return 0;
}

static int ops_node_mem(void *priv, int nid, struct hm_node_mem *mem)
{
	struct hm_sim_pol *p = priv;

	if (nid < 0 || (uint32_t)nid >= p->s->d.nr_nodes)
		return -ENODEV;
	mem->total = hm_sim_node_frames(p->s, nid) << p->s->shift;
	mem->free = hm_sim_node_free(p->s, nid) << p->s->shift;
	return 0;
}

static int ops_range_on_node(void *priv, struct hm_target *t, uint64_t start, uint64_t end,
			     int nid, uint64_t *on_node, uint64_t *resident)
{
	struct hm_sim_pol *p = priv;
	struct hm_sim *s = p->s;
	uint64_t ns, ne, f, f1 = (end + s->d.page_size - 1) >> s->shift;

	(void)t;
	if (nid < 0 || (uint32_t)nid >= s->d.nr_nodes)
		return -ENODEV;
	hm_sim_node_range(s, nid, &ns, &ne);
	*on_node = *resident = 0;
	if (f1 > s->nr_frames)
		f1 = s->nr_frames;
	for (f = start >> s->shift; f < f1; f++) {
		if (s->rmap[f] == NO_FRAME)
			continue;
		*resident += s->d.page_size;
		if ((f << s->shift) >= ns && (f << s->shift) < ne)
			*on_node += s->d.page_size;
	}
	return 0;
}

static int ops_free_rate(void *priv, uint32_t *permil)
{
	struct hm_sim_pol *p = priv;
	uint64_t free = 0;
	unsigned int i;

	for (i = 0; i < p->s->d.nr_nodes; i++)
		free += p->s->nfree[i];
	*permil = (uint32_t)(free * 1000 / p->s->nr_frames);
	return 0;
}

static void hotmem_tick(struct hm_sim *s, void *priv, uint64_t now)
{
	struct hm_sim_pol *p = priv;
	unsigned int i;

	for (i = 0; i < HM_SIM_NR_SRC; i++) {
		const struct hm_report *r;
		uint64_t drops = 0;
		size_t n, k;

		if (!p->ring[i])
			continue;
		r = hm_sim_reports(s, 1u << i, &n);
		for (k = 0; k < n; k++) {
			struct hm_report x = r[k];

			x.source = p->src_id[i];
			if (hm_report_access(p->ring[i], &x))
				drops++;
		}
		if (drops)
			hm_sim_count_drops(s, 1u << i, drops);
	}
	if (!p->err) {
		int ret = hm_monitor_step(p->ctx, now);

		if (ret < 0)
			p->err = ret;
	}
}

struct hm_sim_pol *hm_sim_hotmem_new(struct hm_sim *s, struct hm_ctx *ctx, char *err,
				     size_t errlen)
{
	struct hm_ring_set_attr attr = { .ring_entries = s->d.ring_entries, .max_rings = 8 };
	struct hm_sim_pol *p;
	unsigned int i, k;
	int ret;

	if (ctx->attrs.sample_interval_us * 1000 < s->d.tick_ns ||
	    ctx->attrs.sample_interval_us * 1000 % s->d.tick_ns) {
		snprintf(err, errlen, "monitor.sample_interval: %llu us is not a multiple of the "
			 "simulator's %llu us tick",
			 (unsigned long long)ctx->attrs.sample_interval_us,
			 (unsigned long long)(s->d.tick_ns / 1000));
		errno = EINVAL;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->kind = HM_SIM_POL_HOTMEM;
	p->s = s;
	p->ctx = ctx;
	ret = hm_ring_set_create(&attr, &p->rings);
	if (ret) {
		free(p);
		errno = -ret;
		return NULL;
	}
	for (i = 0; i < ctx->nr_sources; i++) {
		for (k = 0; k < HM_SIM_NR_SRC; k++)
			if (!strcmp(ctx->sources[i].name, hm_sim_source_name(1u << k)))
				break;
		if (k == HM_SIM_NR_SRC || p->ring[k])
			continue;
		if (hm_ring_open(p->rings, &p->ring[k])) {
			hm_sim_pol_free(p);
			errno = ENOMEM;
			return NULL;
		}
		p->src_id[k] = (uint8_t)i;
	}
	p->ops = (struct hm_ops){
		.target_ranges = ops_target_ranges,
		/* DAMON's own check only when no report source feeds the monitor */
		.prepare_access = ctx->nr_sources ? NULL : ops_prepare,
		.check_access = ctx->nr_sources ? NULL : ops_check,
		.apply = ops_apply,
		.node_mem = ops_node_mem,
		.range_on_node = ops_range_on_node,
		.free_mem_rate = ops_free_rate,
	};
	ctx->ops = &p->ops;
	ctx->ops_priv = p;
	ctx->reports = p->rings;
	/* reports carry the tick's end; a drain at the next sample takes them */
	ctx->freshness_ns = 2 * ctx->attrs.sample_interval_us * 1000;
	ret = hm_monitor_start(ctx, hm_sim_now(s));
	if (ret) {
		snprintf(err, errlen, "monitor: cannot start: %s", strerror(-ret));
		ctx->ops = NULL;
		ctx->reports = NULL;
		hm_sim_pol_free(p);
		errno = -ret;
		return NULL;
	}
	p->pol = (struct hm_sim_policy){ .name = "hotmem", .tick = hotmem_tick, .priv = p };
	return p;
}

struct hm_sim_pol *hm_sim_baseline_new(struct hm_sim *s, enum hm_sim_policy_kind k,
				       const struct hm_sim_baseline_params *prm)
{
	struct hm_sim_pol *p;

	if (k >= HM_SIM_POL_HOTMEM) {
		errno = EINVAL;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->kind = k;
	p->s = s;
	if (prm)
		p->prm = *prm;
	else
		hm_sim_baseline_defaults(&p->prm);
	p->pol.name = pol_names[k];
	p->pol.priv = p;
	switch (k) {
	case HM_SIM_POL_STATIC:
		p->pol.tick = static_tick;
		break;
	case HM_SIM_POL_ORACLE_BOUND:
	case HM_SIM_POL_ORACLE_REAL:
		p->mark = calloc(s->nr_v ? s->nr_v : 1, 1);
		p->pol.tick = oracle_tick;
		break;
	case HM_SIM_POL_NUMAB:
		p->pol.tick = numab_tick;
		p->pol.fault = numab_fault;
		break;
	default:
		p->mark = calloc(s->nr_v ? s->nr_v : 1, 1);
		p->rd = calloc(s->nr_v ? s->nr_v : 1, sizeof(*p->rd));
		p->wr = calloc(s->nr_v ? s->nr_v : 1, sizeof(*p->wr));
		p->pol.tick = sampled_tick;
		if (!p->rd || !p->wr) {
			hm_sim_pol_free(p);
			errno = ENOMEM;
			return NULL;
		}
		break;
	}
	if ((k == HM_SIM_POL_ORACLE_BOUND || k == HM_SIM_POL_ORACLE_REAL ||
	     k == HM_SIM_POL_MEMTIS || k == HM_SIM_POL_HEMEM) && !p->mark) {
		hm_sim_pol_free(p);
		errno = ENOMEM;
		return NULL;
	}
	return p;
}

void hm_sim_pol_free(struct hm_sim_pol *p)
{
	unsigned int i;

	if (!p)
		return;
	if (p->ctx) {
		for (i = 0; i < HM_SIM_NR_SRC; i++)
			if (p->ring[i])
				hm_ring_close(p->ring[i]);
		p->ctx->ops = NULL;
		p->ctx->ops_priv = NULL;
		p->ctx->reports = NULL;
		p->ctx->running = false;
	}
	hm_ring_set_destroy(p->rings);
	free(p->rd);
	free(p->wr);
	free(p->mark);
	free(p->cand);
	free(p);
}

const struct hm_sim_policy *hm_sim_pol_policy(struct hm_sim_pol *p)
{
	return &p->pol;
}

int hm_sim_pol_error(const struct hm_sim_pol *p)
{
	return p->err;
}

bool hm_sim_pol_accuracy(struct hm_sim_pol *p, double *precision, double *recall)
{
	struct hm_sim *s = p->s;
	uint64_t det = 0, tp = 0, truth = 0, v;

	switch (p->kind) {
	case HM_SIM_POL_HOTMEM: {
		struct hm_scheme *sc, *hot = NULL;
		struct hm_target *t;
		struct hm_region *r;

		hm_for_each_scheme(sc, p->ctx)
			if (sc->action == HM_ACTION_MIGRATE_HOT) {
				hot = sc;
				break;
			}
		if (!hot)
			return false;
		hm_for_each_target(t, p->ctx)
			hm_for_each_region(r, t) {
				uint64_t pa;

				if (!hm_scheme_pattern_match(p->ctx, r, hot))
					continue;
				for (pa = r->start; pa < r->end; pa += s->d.page_size) {
					v = hm_sim_phys_page(s, pa);
					if (v == UINT64_MAX)
						continue;
					det++;
					tp += hm_sim_page_hot(s, v);
				}
			}
		break;
	}
	case HM_SIM_POL_MEMTIS:
	case HM_SIM_POL_HEMEM:
		for (v = 0; v < s->nr_v; v++) {
			bool d = p->kind == HM_SIM_POL_MEMTIS ? memtis_hot(p, v) : hemem_hot(p, v);

			if (!d || s->pg[v].frame == NO_FRAME)
				continue;
			det++;
			tp += hm_sim_page_hot(s, v);
		}
		break;
	case HM_SIM_POL_ORACLE_BOUND:
	case HM_SIM_POL_ORACLE_REAL:
		oracle_mark(p);
		for (v = 0; v < s->nr_v; v++) {
			if (!p->mark[v])
				continue;
			det++;
			tp += hm_sim_page_hot(s, v);
		}
		break;
	default:
		return false;
	}
	for (v = 0; v < s->nr_v; v++)
		truth += s->pg[v].frame != NO_FRAME && hm_sim_page_hot(s, v);
	*precision = det ? (double)tp / (double)det : 0;
	*recall = truth ? (double)tp / (double)truth : 0;
	return true;
}
