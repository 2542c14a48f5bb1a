// SPDX-License-Identifier: MIT
/*
 * The simulated machine: determinism, conservation of pages and frames, the
 * hit ratio of a uniform workload, the oracle bound over every policy, the
 * two time models agreeing, the baselines' defining behaviour, each
 * source's bias, the CHMU under adaptive control, and the perf text parsers.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hotmem/hotmem.h>

#include "../hm_test.h"

#define MS 1000000ull
#define SEC 1000000000ull

/* A small machine: 64 MiB DRAM, 256 MiB CXL, 4 KiB pages. */
static void small_desc(struct hm_sim_desc *d, enum hm_sim_time t)
{
	hm_sim_default_desc(d);
	d->nodes[0].capacity = 64ull << 20;
	d->nodes[1].capacity = 256ull << 20;
	d->time = t;
	d->tick_ns = 10 * MS;
	d->ibs_period = 64;
	d->sources = HM_SIM_SRC_CHMU | HM_SIM_SRC_IBS | HM_SIM_SRC_ORACLE;
}

static void wl(struct hm_sim_workload *w, const char *spec)
{
	char err[256] = "";

	memset(w, 0, sizeof(*w));
	if (hm_workload_parse(spec, &w->spec, err, sizeof(err)))
		fail_msg("%s: %s", spec, err);
}

static struct hm_sim *mk(const struct hm_sim_desc *d, const struct hm_sim_workload *w,
			 unsigned int n, uint64_t seed)
{
	char err[256] = "";
	struct hm_sim *s = hm_sim_new(d, w, n, seed, err, sizeof(err));

	if (!s)
		fail_msg("hm_sim_new: %s", err);
	assert_int_equal(hm_sim_populate(s), 0);
	return s;
}

static void checked(struct hm_sim *s)
{
	char err[256] = "";

	if (hm_sim_check(s, err, sizeof(err)))
		fail_msg("invariant: %s", err);
}

/* Run @k on a hot-set workload for @secs; return the totals. */
static void run_policy(enum hm_sim_policy_kind k, enum hm_sim_time t, uint64_t secs,
		       struct hm_sim_tick_stats *tot)
{
	struct hm_sim_desc d;
	struct hm_sim_workload w;
	struct hm_sim *s;
	struct hm_sim_pol *p;

	small_desc(&d, t);
	d.alloc = HM_SIM_ALLOC_INTERLEAVE;
	d.weights[0] = 1;
	d.weights[1] = 3;
	if (k == HM_SIM_POL_NUMAB)
		d.sources |= HM_SIM_SRC_HINT;
	wl(&w, "hotset:size=128M,hot=32M,frac=0.9,rate=2M,write=0.3,cpus=4");
	s = mk(&d, &w, 1, 7);
	p = hm_sim_baseline_new(s, k, NULL);
	assert_non_null(p);
	hm_sim_set_policy(s, hm_sim_pol_policy(p));
	assert_int_equal(hm_sim_run(s, secs * SEC), 0);
	checked(s);
	hm_sim_totals(s, tot);
	hm_sim_pol_free(p);
	hm_sim_free(s);
}

static void test_determinism(void **state)
{
	struct hm_sim_tick_stats a, b, c;

	(void)state;
	run_policy(HM_SIM_POL_MEMTIS, HM_SIM_TIME_EPOCH, 3, &a);
	run_policy(HM_SIM_POL_MEMTIS, HM_SIM_TIME_EPOCH, 3, &b);
	assert_memory_equal(&a, &b, sizeof(a));
	run_policy(HM_SIM_POL_MEMTIS, HM_SIM_TIME_ACCESS, 1, &a);
	run_policy(HM_SIM_POL_MEMTIS, HM_SIM_TIME_ACCESS, 1, &b);
	assert_memory_equal(&a, &b, sizeof(a));
	run_policy(HM_SIM_POL_STATIC, HM_SIM_TIME_ACCESS, 1, &c);
	assert_true(c.accesses == a.accesses);	/* same stream, other policy */
}

/* Pages are never lost or duplicated, capacities hold, accesses are all counted. */
static void test_conservation(void **state)
{
	struct hm_sim_desc d;
	struct hm_sim_workload w;
	struct hm_sim_tick_stats t;
	struct hm_sim *s;
	struct hm_sim_pol *p;
	uint64_t v, mapped = 0, per[2] = { 0, 0 };

	(void)state;
	small_desc(&d, HM_SIM_TIME_ACCESS);
	d.alloc = HM_SIM_ALLOC_INTERLEAVE;
	d.weights[0] = d.weights[1] = 1;
	wl(&w, "hotset:size=96M,hot=24M,frac=0.9,rate=1M,move=500ms");
	s = mk(&d, &w, 1, 3);
	p = hm_sim_baseline_new(s, HM_SIM_POL_ORACLE_REAL, NULL);
	hm_sim_set_policy(s, hm_sim_pol_policy(p));
	assert_int_equal(hm_sim_run(s, 2 * SEC), 0);
	checked(s);
	for (v = 0; v < hm_sim_nr_vpages(s); v++) {
		int n = hm_sim_page_node(s, v);

		if (n >= 0) {
			mapped++;
			per[n]++;
		}
	}
	assert_int_equal(mapped, (96ull << 20) / 4096);
	assert_true(per[0] <= hm_sim_node_frames(s, 0));
	assert_int_equal(per[0] + hm_sim_node_free(s, 0), hm_sim_node_frames(s, 0));
	assert_int_equal(per[1] + hm_sim_node_free(s, 1), hm_sim_node_frames(s, 1));
	hm_sim_totals(s, &t);
	assert_int_equal(t.accesses, 2000000);	/* 1 M/s for 2 s */
	assert_int_equal(t.node_accesses[0] + t.node_accesses[1], t.accesses);
	assert_true(t.moves > 0);
	hm_sim_pol_free(p);
	hm_sim_free(s);
}

/* The sum of hm_sim_page_count() over pages [v0, v1). */
static uint64_t count_sum(const struct hm_sim *s, uint64_t v0, uint64_t v1)
{
	uint64_t v, n = 0;

	for (v = v0; v < v1; v++)
		n += hm_sim_page_count(s, v);
	return n;
}

/*
 * Per-page counts cover one tick only, however long ago a page was last
 * touched: a page counted in the first tick and never again reads zero in
 * each of the next 65540 ticks, past the point where the tick generation
 * the counts are stamped with wraps round to its first values.
 */
static void test_tick_counts(void **state)
{
	struct hm_sim_desc d;
	struct hm_sim_workload a, b;
	struct hm_sim_tick_stats t;
	struct hm_sim *s;
	uint64_t k, stale = 0;
	char err[256] = "";

	(void)state;
	small_desc(&d, HM_SIM_TIME_ACCESS);
	d.sources = HM_SIM_SRC_ORACLE;
	d.tick_ns = MS;
	wl(&a, "uniform:size=256K,rate=1M");
	wl(&b, "uniform:base=1M,size=256K,rate=1000");
	s = mk(&d, &a, 1, 5);
	assert_int_equal(hm_sim_run(s, MS), 0);
	hm_sim_take_stats(s, &t);
	assert_int_equal(t.accesses, 1000);
	assert_int_equal(count_sum(s, 0, 64), 1000);
	if (hm_sim_set_workloads(s, &b, 1, err, sizeof(err)))
		fail_msg("hm_sim_set_workloads: %s", err);
	assert_int_equal(hm_sim_populate(s), 0);
	for (k = 2; k <= 65542; k++) {
		assert_int_equal(hm_sim_run(s, k * MS), 0);
		stale += count_sum(s, 0, 64);
		hm_sim_take_stats(s, &t);
		if (count_sum(s, 256, 320) != t.accesses)
			fail_msg("tick %llu: counts %llu, accesses %llu", (unsigned long long)k,
				 (unsigned long long)count_sum(s, 256, 320),
				 (unsigned long long)t.accesses);
	}
	assert_int_equal(stale, 0);
	hm_sim_free(s);
}

/* Uniform accesses over 1:3 interleaved memory hit DRAM a quarter of the time. */
static void test_uniform_hit_ratio(void **state)
{
	enum hm_sim_time models[] = { HM_SIM_TIME_ACCESS, HM_SIM_TIME_EPOCH };
	unsigned int i;

	(void)state;
	for (i = 0; i < 2; i++) {
		struct hm_sim_desc d;
		struct hm_sim_workload w;
		struct hm_sim_tick_stats t;
		struct hm_sim *s;

		small_desc(&d, models[i]);
		d.alloc = HM_SIM_ALLOC_INTERLEAVE;
		d.weights[0] = 1;
		d.weights[1] = 3;
		wl(&w, "uniform:size=128M,rate=2M");
		s = mk(&d, &w, 1, 11);
		assert_int_equal(hm_sim_run(s, 2 * SEC), 0);
		hm_sim_totals(s, &t);
		if (fabs(t.fast_share - 0.25) > 0.005)
			fail_msg("%s: hit ratio %.4f, DRAM holds 0.25", hm_sim_time_name(models[i]),
				 t.fast_share);
		hm_sim_free(s);
	}
}

static void test_oracle_bounds_all(void **state)
{
	static const enum hm_sim_policy_kind k[] = {
		HM_SIM_POL_STATIC, HM_SIM_POL_ORACLE_REAL, HM_SIM_POL_NUMAB,
		HM_SIM_POL_MEMTIS, HM_SIM_POL_HEMEM,
	};
	struct hm_sim_tick_stats bound, t;
	unsigned int i;

	(void)state;
	run_policy(HM_SIM_POL_ORACLE_BOUND, HM_SIM_TIME_EPOCH, 4, &bound);
	/* the bound reaches the clairvoyant ratio it is defined by */
	assert_true(fabs(bound.fast_share - bound.oracle_share) < 0.005);
	for (i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		run_policy(k[i], HM_SIM_TIME_EPOCH, 4, &t);
		if (t.fast_share > bound.fast_share + 0.003)
			fail_msg("%s: hit ratio %.4f above the bound %.4f",
				 hm_sim_policy_name(k[i]), t.fast_share, bound.fast_share);
	}
}

/* The access-level and epoch-level models agree on a small static case. */
static void test_time_models_agree(void **state)
{
	struct hm_sim_tick_stats a, e;

	(void)state;
	run_policy(HM_SIM_POL_STATIC, HM_SIM_TIME_ACCESS, 2, &a);
	run_policy(HM_SIM_POL_STATIC, HM_SIM_TIME_EPOCH, 2, &e);
	assert_true(fabs(a.fast_share - e.fast_share) < 0.01);
	assert_true(fabs((double)a.accesses - (double)e.accesses) < 0.01 * (double)a.accesses);
	assert_true(fabs(a.amat_ns - e.amat_ns) < 2);
	/* the sources see the same traffic: CHMU within 5%, IBS within 5% */
	assert_true(fabs((double)a.reports[2] - (double)e.reports[2]) < 0.05 * (double)a.reports[2]);
	if (fabs((double)a.reports[1] - (double)e.reports[1]) > 0.05 * (double)a.reports[1])
		fail_msg("CHMU reports: access model %llu, epoch model %llu",
			 (unsigned long long)a.reports[1], (unsigned long long)e.reports[1]);
	/* and both moving-hot-set generators move at the same times and places */
	run_policy(HM_SIM_POL_ORACLE_BOUND, HM_SIM_TIME_ACCESS, 2, &a);
	run_policy(HM_SIM_POL_ORACLE_BOUND, HM_SIM_TIME_EPOCH, 2, &e);
	assert_true(fabs(a.fast_share - e.fast_share) < 0.01);
}

/* NUMA balancing promotes a faulting slow page only under the latency threshold. */
static void test_numab_threshold(void **state)
{
	struct hm_sim_desc d;
	struct hm_sim_workload w;
	struct hm_sim *s;
	struct hm_sim_pol *p;
	const struct hm_sim_policy *pol;
	uint64_t v;

	(void)state;
	small_desc(&d, HM_SIM_TIME_EPOCH);
	d.alloc = HM_SIM_ALLOC_BIND;
	d.bind_node = 1;
	wl(&w, "uniform:size=4M,rate=1");
	s = mk(&d, &w, 1, 1);
	p = hm_sim_baseline_new(s, HM_SIM_POL_NUMAB, NULL);
	pol = hm_sim_pol_policy(p);
	hm_sim_set_policy(s, pol);
	assert_int_equal(hm_sim_run(s, 100 * MS), 0);	/* the rate-limit budget fills */
	v = 3;
	assert_int_equal(hm_sim_page_node(s, v), 1);
	pol->fault(s, pol->priv, v, 2 * SEC, hm_sim_now(s));	/* slower than 1 s: cold */
	assert_int_equal(hm_sim_page_node(s, v), 1);
	pol->fault(s, pol->priv, v, 200 * MS, hm_sim_now(s));	/* faster: hot, promoted */
	assert_int_equal(hm_sim_page_node(s, v), 0);
	hm_sim_pol_free(p);
	hm_sim_free(s);
}

/*
 * A hand-checked machine for the sampled baselines: single-page workloads
 * with exact per-tick counts. The access model spaces a stream's accesses
 * evenly, so a page at rate R per second gets R/100 accesses in each 10 ms
 * tick, and a sampler period of 1 reports every one of them.
 */
static struct hm_sim *one_page_machine(uint64_t fast_pages, const uint32_t *rates,
				       const bool *writes, unsigned int n)
{
	struct hm_sim_workload w[8];
	struct hm_sim_desc d;
	char spec[128];
	unsigned int i;

	hm_sim_default_desc(&d);
	d.nodes[0].capacity = fast_pages * 4096;
	d.nodes[1].capacity = 64 * 4096;
	d.nodes[1].devices = 0;
	d.time = HM_SIM_TIME_ACCESS;
	d.tick_ns = 10 * MS;
	d.sources = HM_SIM_SRC_IBS;
	d.ibs_period = 1;
	d.alloc = HM_SIM_ALLOC_BIND;
	d.bind_node = 1;
	for (i = 0; i < n; i++) {
		snprintf(spec, sizeof(spec), "uniform:base=%u,size=4K,rate=%u,write=%s", i * 4096,
			 rates[i], writes[i] ? "100%" : "0");
		wl(&w[i], spec);
	}
	return mk(&d, w, n, 1);
}

static struct hm_sim_pol *sampled_policy(struct hm_sim *s, enum hm_sim_policy_kind k)
{
	struct hm_sim_baseline_params prm;
	struct hm_sim_pol *p;

	hm_sim_baseline_defaults(&prm);
	prm.interval_ns = 10 * MS;	/* act every tick */
	p = hm_sim_baseline_new(s, k, &prm);
	assert_non_null(p);
	hm_sim_set_policy(s, hm_sim_pol_policy(p));
	return p;
}

/*
 * HeMem: hot at 8 sampled reads or 4 sampled writes; every count halves
 * when one reaches 18. Per tick, A reads 7, B writes 4, C reads 3, D writes 3.
 */
static void test_hemem_thresholds(void **state)
{
	static const uint32_t rate[] = { 700, 400, 300, 300 };
	static const bool write[] = { false, true, false, true };
	struct hm_sim *s = one_page_machine(4, rate, write, 4);
	struct hm_sim_pol *p = sampled_policy(s, HM_SIM_POL_HEMEM);

	(void)state;
	/* tick 1: A 7 reads (< 8), B 4 writes (hot), C 3, D 3 */
	assert_int_equal(hm_sim_run(s, 10 * MS), 0);
	assert_int_equal(hm_sim_page_node(s, 0), 1);
	assert_int_equal(hm_sim_page_node(s, 1), 0);
	assert_int_equal(hm_sim_page_node(s, 2), 1);
	assert_int_equal(hm_sim_page_node(s, 3), 1);
	/* tick 2: A 14 reads and D 6 writes are hot; C's 6 reads are not */
	assert_int_equal(hm_sim_run(s, 20 * MS), 0);
	assert_int_equal(hm_sim_page_node(s, 0), 0);
	assert_int_equal(hm_sim_page_node(s, 3), 0);
	assert_int_equal(hm_sim_page_node(s, 2), 1);
	/*
	 * tick 3: A reaches 21 >= 18 and everything halves, C's 9 reads to 4:
	 * without the cooling C would be hot now. Ticks 4 and 5 leave it at
	 * 7, then 10 halved to 5.
	 */
	assert_int_equal(hm_sim_run(s, 50 * MS), 0);
	assert_int_equal(hm_sim_page_node(s, 2), 1);
	checked(s);
	hm_sim_pol_free(p);
	hm_sim_free(s);
}

/*
 * Memtis: counts in log2 bins, and the hot threshold the lowest bin whose
 * pages and all above fit the fast node. Six pages sampled 1, 2, 4, 8, 16
 * and 32 times a tick sit in bins 1 to 6.
 */
static void test_memtis_threshold_fits(void **state)
{
	static const uint32_t rate[] = { 100, 200, 400, 800, 1600, 3200 };
	static const bool write[6] = { false };
	uint64_t fast;

	(void)state;
	for (fast = 2; fast <= 3; fast++) {
		struct hm_sim *s = one_page_machine(fast, rate, write, 6);
		struct hm_sim_pol *p = sampled_policy(s, HM_SIM_POL_MEMTIS);
		uint64_t v;

		assert_int_equal(hm_sim_run(s, 10 * MS), 0);
		/* 3 fast pages: bins 4-6 fit (threshold 8 samples); 2: bins 5-6 (16) */
		for (v = 0; v < 6; v++)
			if (hm_sim_page_node(s, v) != (v >= 6 - fast ? 0 : 1))
				fail_msg("%llu fast pages: page %llu (%u samples) on node %d",
					 (unsigned long long)fast, (unsigned long long)v,
					 rate[v] / 100, hm_sim_page_node(s, v));
		checked(s);
		hm_sim_pol_free(p);
		hm_sim_free(s);
	}
}

/* Policy lists: names in order, each once, tpp for numab; the first bad name. */
static void test_policy_list(void **state)
{
	enum hm_sim_policy_kind k[HM_SIM_NR_POLICIES];
	char good[] = "hotmem,static,tpp,hotmem,numab", bad_list[] = "static,foo,bar", none[] = "";
	const char *bad = NULL;

	(void)state;
	assert_int_equal(hm_sim_policy_list(good, k, &bad), 3);
	assert_int_equal(k[0], HM_SIM_POL_HOTMEM);
	assert_int_equal(k[1], HM_SIM_POL_STATIC);
	assert_int_equal(k[2], HM_SIM_POL_NUMAB);
	assert_int_equal(hm_sim_policy_list(bad_list, k, &bad), -EINVAL);
	assert_string_equal(bad, "foo");
	assert_int_equal(hm_sim_policy_list(none, k, &bad), 0);
}

/* The sampler misses the prefetch share; the CHMU and the oracle do not. */
static void test_ibs_prefetch_bias(void **state)
{
	struct hm_sim_desc d;
	struct hm_sim_workload w[2];
	struct hm_sim *s;
	const struct hm_report *r;
	size_t n, i;
	double ibs[2] = { 0, 0 }, orc[2] = { 0, 0 };
	uint64_t t;

	(void)state;
	small_desc(&d, HM_SIM_TIME_ACCESS);
	d.alloc = HM_SIM_ALLOC_BIND;
	d.bind_node = 1;
	wl(&w[0], "uniform:size=16M,rate=1M");
	wl(&w[1], "uniform:size=16M,base=16M,rate=1M");
	w[0].prefetch_ppm = 500000;
	s = mk(&d, w, 2, 5);
	for (t = 1; t <= 100; t++) {
		assert_int_equal(hm_sim_run(s, t * 10 * MS), 0);
		r = hm_sim_reports(s, HM_SIM_SRC_IBS, &n);
		for (i = 0; i < n; i++)
			ibs[hm_sim_phys_page(s, r[i].addr) >= 4096] += r[i].count;
		r = hm_sim_reports(s, HM_SIM_SRC_ORACLE, &n);
		for (i = 0; i < n; i++)
			orc[hm_sim_phys_page(s, r[i].addr) >= 4096] += r[i].count;
	}
	assert_true(fabs(orc[0] / orc[1] - 1) < 0.02);
	if (fabs(ibs[0] / ibs[1] - 0.5) > 0.05)
		fail_msg("sampled ratio %.3f, expected 0.5", ibs[0] / ibs[1]);
	hm_sim_free(s);
}

/* Accessed bits stay clear for pages that live in the TLB. */
static void test_abit_tlb_bias(void **state)
{
	unsigned int tlb;

	(void)state;
	for (tlb = 0; tlb <= 4096; tlb += 4096) {
		struct hm_sim_desc d;
		struct hm_sim_workload w;
		struct hm_sim *s;
		uint64_t v, set = 0;

		small_desc(&d, HM_SIM_TIME_ACCESS);
		d.tlb_entries = tlb;
		wl(&w, "uniform:size=4M,rate=1M");	/* 1024 pages, all hot */
		s = mk(&d, &w, 1, 9);
		assert_int_equal(hm_sim_run(s, 50 * MS), 0);
		for (v = 0; v < 1024; v++)
			hm_sim_abit(s, v, true);
		assert_int_equal(hm_sim_run(s, 100 * MS), 0);
		for (v = 0; v < 1024; v++)
			set += hm_sim_abit(s, v, false);
		if (tlb)
			assert_int_equal(set, 0);	/* every page TLB-resident: none seen */
		else
			assert_int_equal(set, 1024);	/* no TLB: every page seen */
		hm_sim_free(s);
	}
}

/*
 * The CHMU source under the adaptive controller: from a threshold no page
 * reaches in an epoch (176 accesses per hot page per 100 ms, threshold
 * 4000), the fixed device reports nothing; the controlled one lowers it,
 * says why, and reports the hot set. Two runs give the same trail.
 */
static void chmu_run(bool adaptive, double *hot_share, uint64_t *reports,
		     struct hm_chmu_ctl_change *trail, size_t *nr_trail,
		     struct hm_chmu_ctl_setting *end)
{
	struct hm_sim_desc d;
	struct hm_sim_workload w;
	struct hm_sim *s;
	const struct hm_report *r;
	const struct hm_chmu_ctl_change *t;
	double hot = 0, all = 0;
	uint64_t total, tick;
	size_t n, i;

	small_desc(&d, HM_SIM_TIME_EPOCH);
	d.sources = HM_SIM_SRC_CHMU;
	d.alloc = HM_SIM_ALLOC_BIND;
	d.bind_node = 1;
	snprintf(d.chmu_event, sizeof(d.chmu_event), "epoch_type=0,access_type=6,epoch_scale=4,"
		 "epoch_multiplier=1,hotness_threshold=4000,hotness_granual=12");
	d.chmu_adaptive = adaptive;
	d.chmu_units = 1024;
	d.chmu_interval_ns = SEC;
	wl(&w, "hotset:size=128M,hot=4M,frac=0.9,rate=2M");
	s = mk(&d, &w, 1, 3);
	*reports = 0;
	for (tick = 1; tick <= 300; tick++) {
		assert_int_equal(hm_sim_run(s, tick * 10 * MS), 0);
		r = hm_sim_reports(s, HM_SIM_SRC_CHMU, &n);
		*reports += n;
		for (i = 0; tick > 200 && i < n; i++) {
			hot += hm_sim_page_hot(s, hm_sim_phys_page(s, r[i].addr)) ? r[i].count : 0;
			all += r[i].count;
		}
	}
	*hot_share = all > 0 ? hot / all : 0;
	assert_null(hm_sim_chmu_setting(s, 0));	/* DRAM: no device, no controller */
	t = hm_sim_chmu_trail(s, 1, nr_trail, &total);
	if (adaptive) {
		assert_non_null(t);
		assert_int_equal(total, *nr_trail);
		memcpy(trail, t, *nr_trail * sizeof(*t));
		*end = *hm_sim_chmu_setting(s, 1);
	} else {
		assert_null(t);
		assert_null(hm_sim_chmu_setting(s, 1));
	}
	hm_sim_free(s);
}

static void test_chmu_adaptive(void **state)
{
	static struct hm_chmu_ctl_change t1[HM_SIM_CHMU_TRAIL], t2[HM_SIM_CHMU_TRAIL];
	struct hm_chmu_ctl_setting e1, e2;
	size_t n1, n2;
	uint64_t rep;
	double share;

	(void)state;
	chmu_run(false, &share, &rep, t1, &n1, &e1);
	assert_int_equal(rep, 0);
	chmu_run(true, &share, &rep, t1, &n1, &e1);
	assert_true(rep > 1000);
	if (share < 0.85)
		fail_msg("hot set's share of the last second's CHMU counts %.3f, expected ~0.9",
			 share);
	assert_true(n1 >= 1);
	assert_int_equal(t1[0].knob, HM_CHMU_CTL_THRESHOLD);
	assert_int_equal(t1[0].from, 4000);
	assert_true(t1[0].to < 4000);
	assert_true(e1.threshold < 4000);
	chmu_run(true, &share, &rep, t2, &n2, &e2);
	assert_int_equal(n1, n2);
	assert_memory_equal(t1, t2, n1 * sizeof(t1[0]));
}

static void test_bad_desc(void **state)
{
	struct hm_sim_desc d;
	struct hm_sim_workload w;
	char err[256] = "";

	(void)state;
	small_desc(&d, HM_SIM_TIME_EPOCH);
	d.page_size = 8192;
	assert_int_equal(hm_sim_check_desc(&d, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "page_size"));
	small_desc(&d, HM_SIM_TIME_EPOCH);
	d.chmu_adaptive = true;
	d.chmu_interval_ns = MS;
	assert_int_equal(hm_sim_check_desc(&d, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "chmu_adaptive"));
	small_desc(&d, HM_SIM_TIME_EPOCH);
	wl(&w, "uniform:size=4M,base=4160");
	assert_null(hm_sim_new(&d, &w, 1, 1, err, sizeof(err)));
	assert_non_null(strstr(err, "multiples of the"));
	small_desc(&d, HM_SIM_TIME_EPOCH);
	wl(&w, "uniform:size=4G");
	{
		struct hm_sim *s = hm_sim_new(&d, &w, 1, 1, err, sizeof(err));

		assert_non_null(s);
		assert_int_equal(hm_sim_populate(s), -ENOMEM);	/* 4 GiB into 320 MiB */
		checked(s);
		hm_sim_free(s);
	}
}

static void test_perf_script(void **state)
{
	static const char ok[] =
		"# comment\n"
		"  gups  4011/4012 [003]  100.000001:  cpu/mem-loads/P:  7ffd6c3a2b40  1c2f3ab40\n"
		"  gups  4011/4012 [001]  100.000501:  cpu/mem-loads/P:  7ffd6c3a3000  1c2f3b000\n";
	static const char dump[] =
		"3 100000000 0x1a2b8 [0x68]: PERF_RECORD_SAMPLE(IP, 0x4002): 4011/4012: 0x401136 "
		"period: 1 addr: 0x7ffd6c3a2b40\n"
		" ... phys_addr: 0x1c2f3ab40\n";
	struct hm_access *a;
	char err[256] = "";
	long n;

	(void)state;
	n = hm_perf_parse(ok, sizeof(ok) - 1, "s.txt", false, &a, err, sizeof(err));
	assert_int_equal(n, 2);
	assert_int_equal(a[0].addr, 0x7ffd6c3a2b40ull);
	assert_int_equal(a[0].cpu, 3);
	assert_int_equal(a[1].time_ns, 500000);
	free(a);
	n = hm_perf_parse(ok, sizeof(ok) - 1, "s.txt", true, &a, err, sizeof(err));
	assert_int_equal(n, 2);
	assert_int_equal(a[1].addr, 0x1c2f3b000ull);
	free(a);
	n = hm_perf_parse(dump, sizeof(dump) - 1, "d.txt", true, &a, err, sizeof(err));
	assert_int_equal(n, 1);
	assert_int_equal(a[0].addr, 0x1c2f3ab40ull);
	assert_int_equal(a[0].cpu, 3);
	free(a);
	n = hm_perf_parse("x 1 [2] 5.5: zz\n", 16, "b.txt", false, &a, err, sizeof(err));
	assert_int_equal(n, -EINVAL);
	assert_string_equal(err, "b.txt:1: no address after the time");
	n = hm_perf_parse("[2] 5.000: 10\n[2] 4.000: 10\n", 28, "c.txt", false, &a, err,
			  sizeof(err));
	assert_int_equal(n, -EINVAL);
	assert_string_equal(err, "c.txt:2: time goes back");
}


/*
 * A recorded stream replays as a workload: a hot-set stream written as
 * `perf script` text from a 47-bit address, read back, packed and
 * simulated, gives the generator's hit ratios.
 */
static void test_trace_workload(void **state)
{
	static const char *const spec = "hotset:size=32M,hot=8M,frac=0.5,rate=1M,cpus=4";
	const enum hm_sim_policy_kind k[] = { HM_SIM_POL_STATIC, HM_SIM_POL_ORACLE_BOUND,
					      HM_SIM_POL_MEMTIS };
	const uint64_t n = 400000, far = 0x7f1234000000ull;
	struct hm_workload_spec sp;
	struct hm_workload *g, *t, *d;
	struct hm_access *a, *b, two[2];
	char err[256] = "", *text;
	size_t at = 0, len = n * 96;
	unsigned int i;
	long got;

	(void)state;
	assert_int_equal(hm_workload_parse(spec, &sp, err, sizeof(err)), 0);
	g = hm_workload_new(&sp, 5);
	a = malloc(n * sizeof(*a));
	text = malloc(len);
	assert_non_null(g);
	assert_non_null(a);
	assert_non_null(text);
	hm_workload_fill(g, a, n);
	hm_workload_free(g);
	for (i = 0; i < n; i++)
		at += (size_t)snprintf(text + at, len - at,
				       "  gups 100/%u [%03u] %llu.%09llu:  cpu/mem-loads/P:  %llx\n",
				       101 + a[i].cpu, 10 + 2 * a[i].cpu,
				       (unsigned long long)(50 * SEC + a[i].time_ns) / SEC,
				       (unsigned long long)(50 * SEC + a[i].time_ns) % SEC,
				       (unsigned long long)(far + a[i].addr));
	got = hm_perf_parse(text, at, "gen.txt", false, &b, err, sizeof(err));
	free(text);
	if (got != (long)n)
		fail_msg("parsed %ld of %llu samples: %s", got, (unsigned long long)n, err);
	t = hm_workload_from_accesses(b, n, 1ull << 30, 4096, err, sizeof(err));
	if (!t)
		fail_msg("from_accesses: %s", err);
	{
		const struct hm_workload_spec *ts = hm_workload_get_spec(t);

		/* every page was touched, so packing keeps the layout: only the base moves */
		assert_int_equal(ts->kind, HM_WORKLOAD_TRACE);
		assert_int_equal(ts->base, 1ull << 30);
		assert_int_equal(ts->size, 32ull << 20);
		assert_int_equal(ts->cpus, 4);	/* 10, 12, 14, 16 renumbered */
		assert_true(llabs((long long)ts->rate - 1000000) < 10000);
		assert_int_equal(hm_workload_nr_items(t), 8192);
		/* the busiest units are the hot set's, the first 8 MiB */
		for (i = 0; i < 64; i++)
			assert_true(hm_workload_item(t, i) < 2048);
		assert_true(hm_workload_item_count(t, 0) >= hm_workload_item_count(t, 100));
	}
	/* it replays the samples, packed, in a loop; a copy continues the stream */
	{
		struct hm_access *r = malloc((n + 2) * sizeof(*r));
		uint64_t period;

		assert_non_null(r);
		hm_workload_fill(t, r, n + 2);
		for (i = 0; i < n; i += 997) {
			assert_int_equal(r[i].addr, (1ull << 30) + (a[i].addr & ~63ull));
			assert_int_equal(r[i].time_ns, b[i].time_ns);
		}
		period = r[n].time_ns;
		assert_true(period > r[n - 1].time_ns);
		assert_int_equal(r[n].addr, r[0].addr);
		assert_int_equal(r[n + 1].time_ns, period + r[1].time_ns);
		d = hm_workload_dup(t);
		assert_non_null(d);
		hm_workload_fill(d, two, 1);
		assert_int_equal(two[0].time_ns, period + r[2].time_ns);
		hm_workload_free(d);
		free(r);
	}
	free(a);
	/* the replay and the generator give the same hit ratios on the same machine */
	for (i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		struct hm_sim_tick_stats x[3];
		unsigned int j;

		/* the generator, its trace, and the trace in the epoch model (its rates) */
		for (j = 0; j < 3; j++) {
			struct hm_sim_desc desc;
			struct hm_sim_workload w;
			struct hm_sim *s;
			struct hm_sim_pol *p;

			small_desc(&desc, j == 2 ? HM_SIM_TIME_EPOCH : HM_SIM_TIME_ACCESS);
			desc.nodes[0].capacity = 16ull << 20;
			desc.alloc = HM_SIM_ALLOC_INTERLEAVE;
			desc.weights[0] = 1;
			desc.weights[1] = 3;
			memset(&w, 0, sizeof(w));
			if (j) {
				w.trace = t;
				w.spec = *hm_workload_get_spec(t);
			} else {
				wl(&w, spec);
				w.spec.base = 1ull << 30;
			}
			s = mk(&desc, &w, 1, 3);
			p = hm_sim_baseline_new(s, k[i], NULL);
			assert_non_null(p);
			hm_sim_set_policy(s, hm_sim_pol_policy(p));
			assert_int_equal(hm_sim_run(s, 2 * SEC), 0);
			checked(s);
			hm_sim_totals(s, &x[j]);
			hm_sim_pol_free(p);
			hm_sim_free(s);
		}
		print_message("%s: generator %.4f, trace %.4f, its rates %.4f\n",
			      hm_sim_policy_name(k[i]), x[0].fast_share, x[1].fast_share,
			      x[2].fast_share);
		if (fabs(x[1].fast_share - x[2].fast_share) > 0.02)
			fail_msg("%s: the trace's hit ratio %.4f, its rates' %.4f",
				 hm_sim_policy_name(k[i]), x[1].fast_share, x[2].fast_share);
		if (k[i] == HM_SIM_POL_ORACLE_BOUND) {
			/* the replay repeats its samples: the bound is its own busiest 4096 pages */
			uint64_t top = 0, r;

			for (r = 0; r < 4096; r++)
				top += hm_workload_item_count(t, r);
			assert_true(fabs(x[1].fast_share - (double)top / (double)n) < 0.005);
		} else if (fabs(x[0].fast_share - x[1].fast_share) > 0.02) {
			fail_msg("%s: hit ratio %.4f from the generator, %.4f from its trace",
				 hm_sim_policy_name(k[i]), x[0].fast_share, x[1].fast_share);
		}
	}
	hm_workload_free(t);
	/* what a trace cannot be */
	b[1].time_ns = b[0].time_ns;
	assert_null(hm_workload_from_accesses(b, 2, 0, 4096, err, sizeof(err)));
	assert_string_equal(err, "all 2 accesses have the same time: no rate to replay at");
	assert_null(hm_workload_from_accesses(b, 1, 0, 4096, err, sizeof(err)));
	assert_string_equal(err, "1 access: a trace needs at least two");
	b[0].time_ns = b[2].time_ns + 1;
	assert_null(hm_workload_from_accesses(b, 3, 0, 4096, err, sizeof(err)));
	assert_string_equal(err, "access 2: time goes back");
	assert_null(hm_workload_from_accesses(b + 2, 2, 0, 3000, err, sizeof(err)));
	assert_string_equal(err, "the packing unit 3000 is not a power of two from 64 to 1G");
	assert_int_equal(hm_workload_parse("trace:size=1G", &sp, err, sizeof(err)), -EINVAL);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_determinism),
		cmocka_unit_test(test_conservation),
		cmocka_unit_test(test_tick_counts),
		cmocka_unit_test(test_uniform_hit_ratio),
		cmocka_unit_test(test_oracle_bounds_all),
		cmocka_unit_test(test_time_models_agree),
		cmocka_unit_test(test_numab_threshold),
		cmocka_unit_test(test_hemem_thresholds),
		cmocka_unit_test(test_memtis_threshold_fits),
		cmocka_unit_test(test_policy_list),
		cmocka_unit_test(test_ibs_prefetch_bias),
		cmocka_unit_test(test_abit_tlb_bias),
		cmocka_unit_test(test_chmu_adaptive),
		cmocka_unit_test(test_bad_desc),
		cmocka_unit_test(test_perf_script),
		cmocka_unit_test(test_trace_workload),
	};

	return hm_run_tests(tests);
}
