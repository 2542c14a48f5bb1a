/* SPDX-License-Identifier: MIT */
/*
 * The simulated tiered machine: NUMA nodes with loaded-latency curves, page
 * frames and a page table, allocation policies, page migration with its
 * costs, the hotness sources real machines have (a CHMU per CXL device, an
 * IBS/PEBS-like sampler, page-table Accessed bits behind a TLB, NUMA hint
 * faults, the monitor's own sampling, an oracle), and the ground truth to
 * score placement against. Time is virtual; a seed makes a run repeatable
 * to the byte. docs/sim.md describes the model and its constants.
 *
 * Address spaces: workloads access virtual addresses; the page table maps
 * each virtual page to a frame. Frames are numbered in physical address
 * order: node 0's frames first, from physical address 0, then node 1's, and
 * so on, so a node's physical range is [sum of the earlier capacities, +
 * its capacity). Reports carry physical addresses, as a paddr monitor sees.
 */
#ifndef HOTMEM_SIM_H
#define HOTMEM_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <hotmem/chmu.h>
#include <hotmem/chmu_ctl.h>
#include <hotmem/chmu_host.h>
#include <hotmem/report.h>
#include <hotmem/workload.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HM_SIM_MAX_NODES	8
#define HM_SIM_CURVE_MAX	8
#define HM_SIM_MAX_WORKLOADS	16
#define HM_SIM_MAX_CPUS		256

/**
 * struct hm_sim_node - one NUMA node.
 * @name:	for humans ("dram", "cxl").
 * @capacity:	bytes; a multiple of the page size.
 * @read_ns, @write_ns: idle latency of a read and a write.
 * @bw:		peak bandwidth, bytes per second (reads, writes and copies).
 * @cpus:	the node has CPUs (else a CPU-less memory node).
 * @devices:	CXL devices interleaved behind the node, each with a CHMU;
 *		0: not CXL memory (no CHMU sees it).
 * @granularity: interleave granularity of those devices, bytes.
 * @nr_curve, @curve_util_pm, @curve_mult_milli: the loaded-latency curve:
 *		at utilisation curve_util_pm[i] (per mille of @bw), latency
 *		is curve_mult_milli[i] / 1000 times idle; linear between
 *		points, flat beyond the last. No points: latency never rises.
 */
struct hm_sim_node {
	char name[16];
	uint64_t capacity;
	uint32_t read_ns, write_ns;
	uint64_t bw;
	bool cpus;
	uint32_t devices;
	uint32_t granularity;
	uint32_t nr_curve;
	uint32_t curve_util_pm[HM_SIM_CURVE_MAX];
	uint32_t curve_mult_milli[HM_SIM_CURVE_MAX];
};

enum hm_sim_alloc {
	HM_SIM_ALLOC_FIRST_TOUCH,	/* fastest node with room, in touch order */
	HM_SIM_ALLOC_INTERLEAVE,	/* weighted interleave over the nodes */
	HM_SIM_ALLOC_BIND,		/* one node; fails when it is full */
};

enum hm_sim_time {
	HM_SIM_TIME_ACCESS,	/* every access an event */
	HM_SIM_TIME_EPOCH,	/* per tick, per-page counts drawn from the rates */
};

/* hm_sim_desc.sources: which sources run */
#define HM_SIM_SRC_ORACLE	0x01	/* exact counts per page per tick */
#define HM_SIM_SRC_CHMU		0x02	/* a CHMU on each CXL device */
#define HM_SIM_SRC_IBS		0x04	/* 1-in-N sampling of non-prefetch accesses */
#define HM_SIM_SRC_ABIT		0x08	/* Accessed-bit scanner (behind the TLB) */
#define HM_SIM_SRC_HINT		0x10	/* NUMA hint faults */
#define HM_SIM_NR_SRC		5

/**
 * struct hm_sim_workload - one thread group.
 * @spec:	what it accesses (lib/workload); @spec.base is a virtual address.
 * @prefetch_ppm: share of its accesses that are hardware prefetches: they
 *		reach memory (and a CHMU) but a CPU sampler never sees them.
 * @cpu_base:	its CPUs are cpu_base .. cpu_base + spec.cpus - 1.
 * @trace:	a recorded stream (hm_workload_from_accesses()), replayed by a
 *		copy; @spec must then be its spec (hm_workload_get_spec()). The
 *		caller keeps it and frees it after the simulator.
 */
struct hm_sim_workload {
	struct hm_workload_spec spec;
	uint32_t prefetch_ppm;
	uint32_t cpu_base;
	const struct hm_workload *trace;
};

/**
 * struct hm_sim_desc - the machine, its sources and its time model.
 * @nodes, @nr_nodes: the nodes; node ids are positions.
 * @page_size:	4 KiB or 2 MiB.
 * @alloc:	allocation policy; @weights for interleave, @bind_node for bind.
 * @migrate_rate: bytes per simulated second all migrations together may
 *		move (0: no limit but bandwidth).
 * @migrate_page_ns: fixed cost of moving one page (unmap, TLB shootdown,
 *		remap), on top of the copy at the slower node's bandwidth.
 * @bounce_ns:	a page moved back within this long counts as a bounce.
 * @time:	the time model; @tick_ns its step (epoch: the draw interval).
 * @sources:	HM_SIM_SRC_* bits.
 * @ibs_period:	the sampler takes 1 in this many accesses.
 * @ibs_weighted: the sampler's reports carry the period as their weight.
 * @tlb_entries: TLB reach per CPU in pages: an access that hits the TLB
 *		does not set the Accessed bit.
 * @abit_scan_ns: how often the Accessed-bit scanner walks the page table.
 * @hint_scan_ns, @hint_scan_bytes: every @hint_scan_ns the hint-fault
 *		source unmaps the next @hint_scan_bytes of virtual memory.
 * @chmu:	each CHMU device (@chmu.capacity is set per device).
 * @chmu_event:	how the host programs them (a cxl_hmu event string).
 * @ring_entries: entries of each source's report ring (0: 65536).
 * @chmu_adaptive: the adaptive controller reprograms each node's
 *		interleave set from @chmu_event's start, for a consumer that
 *		acts on @chmu_units pages per @chmu_interval_ns and drains at
 *		most @chmu_max_entries entries per interval (0: no limit).
 */
struct hm_sim_desc {
	struct hm_sim_node nodes[HM_SIM_MAX_NODES];
	uint32_t nr_nodes;
	uint64_t page_size;
	enum hm_sim_alloc alloc;
	uint32_t weights[HM_SIM_MAX_NODES];
	int32_t bind_node;
	uint64_t migrate_rate;
	uint64_t migrate_page_ns;
	uint64_t bounce_ns;
	enum hm_sim_time time;
	uint64_t tick_ns;
	uint32_t sources;
	uint32_t ibs_period;
	bool ibs_weighted;
	uint32_t tlb_entries;
	uint64_t abit_scan_ns;
	uint64_t hint_scan_ns;
	uint64_t hint_scan_bytes;
	struct hm_chmu_desc chmu;
	char chmu_event[192];
	uint32_t ring_entries;
	bool chmu_adaptive;
	uint32_t chmu_units;
	uint64_t chmu_interval_ns;
	uint64_t chmu_max_entries;
};

/*
 * The default machine: local DDR5 and one CXL expander (docs/sim.md gives
 * the values and where they come from), 4 KiB pages, first touch, the
 * epoch model with 10 ms ticks, CHMU and IBS-like sources.
 */
void hm_sim_default_desc(struct hm_sim_desc *d);
/* Check @d; -EINVAL with one line in @err naming the field. */
int hm_sim_check_desc(const struct hm_sim_desc *d, char *err, size_t errlen);
/* "access"/"epoch", "first_touch"/"interleave"/"bind", source names. */
const char *hm_sim_time_name(enum hm_sim_time t);
const char *hm_sim_alloc_name(enum hm_sim_alloc a);
const char *hm_sim_source_name(unsigned int bit);
/* Source bits from "chmu,ibs,..." ("none" for 0). Return: 0, -EINVAL. */
int hm_sim_parse_sources(const char *s, uint32_t *bits, char *err, size_t errlen);

struct hm_sim;

/*
 * A machine for @d and the workloads @w[0..@n) (their spans must not
 * overlap), seeded with @seed. Nothing is allocated until first touch
 * (first_touch) or hm_sim_populate().
 * Return: the simulator, or NULL with one line in @err.
 */
struct hm_sim *hm_sim_new(const struct hm_sim_desc *d, const struct hm_sim_workload *w,
			  unsigned int n, uint64_t seed, char *err, size_t errlen);
void hm_sim_free(struct hm_sim *s);
const struct hm_sim_desc *hm_sim_get_desc(const struct hm_sim *s);

/*
 * Map every page of every workload now (MAP_POPULATE), with the allocation
 * policy. Return: 0; -ENOMEM if the machine is too small.
 */
int hm_sim_populate(struct hm_sim *s);
/* Unmap everything and map it again with the policy (a cold restart). */
int hm_sim_repopulate(struct hm_sim *s);
/*
 * Replace the workloads (a new phase). Spans may grow; pages already mapped
 * stay where they are. Return: 0, -EINVAL, -ENOMEM.
 */
int hm_sim_set_workloads(struct hm_sim *s, const struct hm_sim_workload *w, unsigned int n,
			 char *err, size_t errlen);

/* ---- driving it ---- */

/*
 * A policy: called after every tick with the tick's accesses done and the
 * sources' reports collected (hm_sim_reports()). It moves pages with
 * hm_sim_migrate(). @fault, when set, is called for each hint fault.
 */
struct hm_sim_policy {
	const char *name;
	void (*tick)(struct hm_sim *s, void *priv, uint64_t now_ns);
	void (*fault)(struct hm_sim *s, void *priv, uint64_t vpage, uint64_t latency_ns,
		      uint64_t now_ns);
	void *priv;
};

void hm_sim_set_policy(struct hm_sim *s, const struct hm_sim_policy *p);
/*
 * Run ticks until simulated time @until_ns. Return: 0; -ENOMEM (a
 * first-touch allocation found no frame anywhere).
 */
int hm_sim_run(struct hm_sim *s, uint64_t until_ns);
uint64_t hm_sim_now(const struct hm_sim *s);

/* ---- what the policies see and do ---- */

uint64_t hm_sim_nr_vpages(const struct hm_sim *s);
uint32_t hm_sim_page_shift(const struct hm_sim *s);
/* The node of virtual page @v, or -1 if unmapped. */
int hm_sim_page_node(const struct hm_sim *s, uint64_t v);
/* The physical address of virtual page @v, or UINT64_MAX if unmapped. */
uint64_t hm_sim_page_phys(const struct hm_sim *s, uint64_t v);
/* The virtual page in frame at physical address @pa, or UINT64_MAX if free. */
uint64_t hm_sim_phys_page(const struct hm_sim *s, uint64_t pa);
/* Physical range of node @nid. */
void hm_sim_node_range(const struct hm_sim *s, int nid, uint64_t *start, uint64_t *end);
/* Free and total frames of node @nid. */
uint64_t hm_sim_node_free(const struct hm_sim *s, int nid);
uint64_t hm_sim_node_frames(const struct hm_sim *s, int nid);
/* Nodes by idle read latency, fastest first (ties: lower id). */
int hm_sim_node_rank(const struct hm_sim *s, unsigned int rank);
/* Accesses to virtual page @v in the last tick (the oracle's view). */
uint32_t hm_sim_page_count(const struct hm_sim *s, uint64_t v);
/* Expected accesses per second to @v now (the workloads' rates). */
double hm_sim_page_rate(const struct hm_sim *s, uint64_t v);
/* Whether @v belongs to a workload's true hot set now. */
bool hm_sim_page_hot(const struct hm_sim *s, uint64_t v);
/* The Accessed bit of @v: read it, and clear it if @clear. */
bool hm_sim_abit(struct hm_sim *s, uint64_t v, bool clear);

/*
 * Move virtual page @v to node @nid, paying the copy on both nodes'
 * bandwidth, the rate limit and the per-page cost.
 * Return: 0; -EEXIST (already there), -ENOSPC (destination full), -EAGAIN
 * (the rate limit's budget for this tick is spent), -ENOENT (unmapped).
 */
int hm_sim_migrate(struct hm_sim *s, uint64_t v, int nid);
/* Move @v without any cost or counting (the oracle-bound placement). */
int hm_sim_place(struct hm_sim *s, uint64_t v, int nid);

/* Reports a source produced in the last tick (HM_SIM_SRC_* bit). */
const struct hm_report *hm_sim_reports(const struct hm_sim *s, unsigned int src, size_t *n);

/* ---- metrics ---- */

/**
 * struct hm_sim_tick_stats - one metrics interval.
 * @t_ns:	simulated time at its end.
 * @accesses:	accesses in the interval; @node_accesses per node.
 * @fast_share: share of the accesses the fastest node served (the hit ratio).
 * @oracle_share: the clairvoyant hit ratio: the fastest node's capacity
 *		filled with the highest-rate pages.
 * @hot_fast_share: share of the true hot set's pages on the fastest node.
 * @hot_pages:	pages in the true hot set.
 * @amat_ns:	average memory access time, with loaded latencies.
 * @util_pm:	per node, bandwidth used, per mille.
 * @promoted, @demoted: bytes moved to a faster / slower node.
 * @bounces, @moves: pages moved back within the bounce window; all moves.
 * @failed:	migrations refused (full destination, rate limit).
 * @reports, @drops: per source (index = bit position), reports made and
 *		lost (set by the consumer through hm_sim_count_drops()).
 * @migrate_ns: time spent migrating.
 * @chmu_changes: changes the adaptive CHMU controllers made.
 */
struct hm_sim_tick_stats {
	uint64_t t_ns;
	uint64_t accesses;
	uint64_t node_accesses[HM_SIM_MAX_NODES];
	double fast_share;
	double oracle_share;
	double hot_fast_share;
	uint64_t hot_pages;
	double amat_ns;
	uint32_t util_pm[HM_SIM_MAX_NODES];
	uint64_t promoted, demoted;
	uint64_t bounces, moves, failed;
	uint64_t reports[HM_SIM_NR_SRC], drops[HM_SIM_NR_SRC];
	uint64_t migrate_ns;
	uint64_t chmu_changes;
};

/*
 * Take the counters accumulated since the last call (or the start) into
 * @st and start a new interval. Cumulative totals: hm_sim_totals().
 */
void hm_sim_take_stats(struct hm_sim *s, struct hm_sim_tick_stats *st);
void hm_sim_totals(const struct hm_sim *s, struct hm_sim_tick_stats *st);
/*
 * With @chmu_adaptive: node @nid's controller's program now (NULL when the
 * node has no devices or no controller), and its changes so far: the first
 * HM_SIM_CHMU_TRAIL in order, *@total of them in all.
 */
#define HM_SIM_CHMU_TRAIL	256
const struct hm_chmu_ctl_setting *hm_sim_chmu_setting(const struct hm_sim *s, int nid);
const struct hm_chmu_ctl_change *hm_sim_chmu_trail(const struct hm_sim *s, int nid, size_t *n,
						   uint64_t *total);
/* A consumer lost @n reports of source @src (a full ring). */
void hm_sim_count_drops(struct hm_sim *s, unsigned int src, uint64_t n);

/* Check the machine's invariants (tests). Return: 0, or -EUCLEAN. */
int hm_sim_check(const struct hm_sim *s, char *err, size_t errlen);

/* ---- policies ---- */

enum hm_sim_policy_kind {
	HM_SIM_POL_STATIC,	/* no migration */
	HM_SIM_POL_ORACLE_BOUND, /* clairvoyant top pages, free moves */
	HM_SIM_POL_ORACLE_REAL,	/* the same choice, paying for moves */
	HM_SIM_POL_NUMAB,	/* NUMA-balancing tiering / TPP */
	HM_SIM_POL_MEMTIS,	/* log2 histogram, threshold fit to DRAM, cooling */
	HM_SIM_POL_HEMEM,	/* fixed read/write thresholds, halving */
	HM_SIM_POL_HOTMEM,	/* the monitor and schemes */
	HM_SIM_NR_POLICIES,
};

const char *hm_sim_policy_name(enum hm_sim_policy_kind k);
/* Return: the kind, or -EINVAL. */
int hm_sim_policy_parse(const char *name);
/* The names hm_sim_policy_parse() takes, for error messages. */
#define HM_SIM_POLICY_NAMES "static, oracle-bound, oracle-real, numab, memtis, hemem, hotmem"
/*
 * The comma-separated policy names in @buf (cut up, as strtok does) as
 * kinds in @kinds[HM_SIM_NR_POLICIES], each once, in the order given.
 * Return: their number (0 for an empty list); -EINVAL with *@bad at the
 * first name that is no policy.
 */
int hm_sim_policy_list(char *buf, enum hm_sim_policy_kind *kinds, const char **bad);

/**
 * struct hm_sim_baseline_params - the baselines' knobs (docs/sim.md).
 * @interval_ns: how often oracle-real, memtis and hemem act.
 * @numab_threshold_ns: hint-fault latency under which a page is hot.
 * @numab_rate:	promotion rate limit, bytes/s.
 * @headroom_pm: free share of the fast node that demotion keeps, per mille.
 * @hemem_read_thr, @hemem_write_thr, @hemem_cool_thr: HeMem's constants.
 * @memtis_cool_samples: samples between Memtis's coolings.
 */
struct hm_sim_baseline_params {
	uint64_t interval_ns;
	uint64_t numab_threshold_ns;
	uint64_t numab_rate;
	uint32_t headroom_pm;
	uint32_t hemem_read_thr, hemem_write_thr, hemem_cool_thr;
	uint64_t memtis_cool_samples;
};

void hm_sim_baseline_defaults(struct hm_sim_baseline_params *p);

struct hm_ctx;
struct hm_sim_pol;

/*
 * A baseline policy (not hotmem) on @s. Return: NULL with errno set.
 */
struct hm_sim_pol *hm_sim_baseline_new(struct hm_sim *s, enum hm_sim_policy_kind k,
				       const struct hm_sim_baseline_params *p);
/*
 * hotmem's policy: @ctx (targets, sources and schemes from a configuration)
 * monitors the machine through the simulator's ops. Each of @ctx's sources
 * named like a simulator source ("chmu", "ibs", "abit", "hint", "oracle")
 * receives that source's reports through a ring; a target with no ranges
 * gets every node's physical range. The context must not be running.
 * Return: NULL with errno set; EINVAL with one line in @err.
 */
struct hm_sim_pol *hm_sim_hotmem_new(struct hm_sim *s, struct hm_ctx *ctx, char *err,
				     size_t errlen);
void hm_sim_pol_free(struct hm_sim_pol *p);
const struct hm_sim_policy *hm_sim_pol_policy(struct hm_sim_pol *p);
/* The first error the monitor returned (hotmem), or 0. */
int hm_sim_pol_error(const struct hm_sim_pol *p);
/*
 * Precision and recall of the policy's detected hot set against the true
 * hot set at the last tick (0-1); false if the policy cannot say.
 */
bool hm_sim_pol_accuracy(struct hm_sim_pol *p, double *precision, double *recall);

/* ---- perf traces ---- */

/*
 * Read sampled accesses from perf's text output: `perf script -F
 * tid,cpu,time,addr[,phys_addr]` (fields found by their shape: [CPU],
 * SECONDS.FRACTION:, then the hexadecimal addresses; other fields such as
 * comm or the event name are skipped) or a `perf mem report -D` dump (lines
 * "CPU TIME 0xOFF [0xSIZE]: PERF_RECORD_SAMPLE(...) ... addr: 0x..." and,
 * with @phys, the "phys_addr: 0x..." line that follows). @phys takes the
 * physical address instead of the virtual one. Times become ns from the
 * first sample and must not go back.
 * Return: the number of accesses (*@out, free() it); -EINVAL with one line
 * in @err naming the file, the line and what was wrong; -ENOMEM.
 */
long hm_perf_parse(const char *text, size_t len, const char *name, bool phys,
		   struct hm_access **out, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* HOTMEM_SIM_H */
