/* SPDX-License-Identifier: MIT */
/* The simulator's insides, shared by sim.c and policy.c. */
#ifndef HOTMEM_SIM_INTERNAL_H
#define HOTMEM_SIM_INTERNAL_H

#include <hotmem/rand.h>
#include <hotmem/sim.h>

#define NO_FRAME	UINT32_MAX
/*
 * Accesses generated per fill: 1024 of 24 bytes stay in L1 between the
 * generator writing them and the access path reading them (4096 spilled to
 * L2 and ran about a fifth slower in bench_sim).
 */
#define ACC_BUF		1024

/* per virtual page flags */
#define PF_ABIT		0x01	/* Accessed bit */
#define PF_PROT		0x02	/* unmapped for a hint fault */
#define PF_MOVED	0x04	/* moved at least once */
#define PF_UP		0x08	/* the last move was a promotion */

/* source indices (bit positions of HM_SIM_SRC_*) */
enum { SRC_ORACLE, SRC_CHMU, SRC_IBS, SRC_ABIT, SRC_HINT };

/*
 * A virtual page in 16 bytes, aligned so that no entry straddles two cache
 * lines (at 12 bytes one in eight did, and the access path's look-up
 * missed twice). @cnt counts for the tick @gen names: a page last touched
 * in an earlier tick has a stale @gen and a count of zero, so a new tick
 * resets nothing (hm_sim.gen is never 0; at its wrap every page is set
 * back to 0).
 */
struct vpage {
	uint32_t frame;		/* NO_FRAME when not mapped */
	uint32_t cnt;		/* accesses in tick @gen */
	uint8_t pf;		/* PF_* */
	uint8_t node;		/* the frame's node, kept by map_page() */
	uint16_t gen;
	uint32_t moved_ms;	/* simulated ms of the last move (PF_MOVED) */
} __attribute__((aligned(16)));

/* Pages [v0, v1) of one workload with the same rate. */
struct run {
	uint64_t v0, v1;
	double rate;		/* accesses per second, per page */
	double lam, emlam;	/* per tick, and exp(-lam) */
	uint64_t tlb_pages;	/* the first pages of the run stay in the TLB */
	int32_t pois;		/* its Poisson table in hm_sim.pois, or -1 */
	uint32_t wl;
	bool hot;
};

/*
 * The cumulative Poisson distribution for one run's rate, so that a dense
 * run draws each page's count with one uniform and a short search instead
 * of a product per step: cdf[at .. at + n) in hm_sim.cdf, built with the
 * same recurrence as the search it replaces (the same draws give the same
 * counts), and guide[j] the first k whose cdf reaches j / POIS_GUIDE.
 */
#define POIS_GUIDE	32

struct pois_tab {
	uint32_t at, n;
	uint16_t guide[POIS_GUIDE];
};

struct wl_state {
	struct hm_sim_workload w;
	struct hm_workload *gen;
	uint64_t t0;		/* simulated time of its stream's zero */
	struct hm_access *buf;
	size_t n, at;
	uint64_t pf_thr;
	uint64_t ibs_left;
	uint64_t hot_seen;
};

struct dev {
	struct hm_chmu *d;
	struct hm_chmu_io io;
	struct hm_chmu_caps c;
	struct hm_chmu_program p;
	struct hm_hdm_decoder dec;
	uint64_t t0, next_ev;
	uint64_t epochs;		/* with a controller: epochs ended and judged */
	int node;
	bool irq;
};

struct rep_buf {
	struct hm_report *r;
	size_t n, cap;
};

/* One node's interleave set under the adaptive controller. */
struct cset {
	struct hm_chmu_ctl *ctl;
	struct hm_chmu_ctl_setting set;
	struct hm_chmu_event base;	/* sim.chmu_event: what the controller does not set */
	unsigned int first, nr;		/* its devices */
	struct rep_buf ep;		/* this set epoch's reports */
	struct hm_chmu_ctl_unit *u;
	size_t cap_u;
	bool overflow;
	struct hm_chmu_ctl_change trail[HM_SIM_CHMU_TRAIL];
	size_t nr_trail;
	uint64_t changes;
	struct hm_sim *s;
};

struct hm_sim {
	struct hm_sim_desc d;
	uint64_t seed;
	uint32_t shift;
	struct hm_rand rng;
	uint64_t now, now_dev;

	uint64_t nr_v;
	struct vpage *pg;	/* per virtual page */
	uint32_t *hint_ms;	/* simulated ms a page was unmapped for a hint fault */
	uint32_t *touched;	/* the pages this tick counted, in first-touch order */
	size_t nr_touched, cap_touched;
	uint16_t gen;		/* this tick's vpage.gen */

	uint64_t nr_frames;
	uint32_t *rmap;
	uint64_t node_f0[HM_SIM_MAX_NODES + 1];
	uint32_t *free_stack[HM_SIM_MAX_NODES];
	uint64_t nfree[HM_SIM_MAX_NODES];
	int rank[HM_SIM_MAX_NODES];
	uint32_t il_node, il_left;

	struct wl_state wl[HM_SIM_MAX_WORKLOADS];
	unsigned int nr_wl;
	struct run *runs;
	size_t nr_runs, cap_runs;
	uint32_t *by_rate;
	struct pois_tab *pois;
	size_t nr_pois, cap_pois;
	double *cdf;
	size_t nr_cdf, cap_cdf;
	double total_rate, oracle_share;
	uint64_t hot_pages;
	uint64_t runs_gen;

	uint32_t *tlb;
	uint64_t tlb_m;		/* 2^64 / tlb_entries, rounded up */
	struct dev *devs;
	unsigned int nr_devs;
	bool chmu_sub_page;	/* a CHMU unit is smaller than a page: the line matters */
	int node_dev[HM_SIM_MAX_NODES];
	struct cset *cset[HM_SIM_MAX_NODES];	/* with chmu_adaptive */
	struct rep_buf rep[HM_SIM_NR_SRC];
	uint64_t next_abit, next_hint, hint_cursor;
	int64_t budget;

	struct hm_sim_policy pol;

	uint64_t tick_acc[HM_SIM_MAX_NODES], tick_wr[HM_SIM_MAX_NODES];
	uint64_t mig_bytes[HM_SIM_MAX_NODES];
	struct hm_sim_tick_stats cur, tot;
	double lat_sum, orc_sum, tot_lat, tot_orc;
	double util_sum[HM_SIM_MAX_NODES];
	uint64_t ticks;
};

int rep_reserve(struct rep_buf *b, size_t more);

#endif /* HOTMEM_SIM_INTERNAL_H */
