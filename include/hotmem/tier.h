/* SPDX-License-Identifier: MIT */
/*
 * Memory tiers from node performance, computed as the kernel computes them
 * (mm/memory-tiers.c): an abstract distance from a node's read and write
 * latency and bandwidth relative to DRAM's, and a tier per 128 of distance.
 * Pure: the simulator and the Linux backend share it (docs/tiers.md).
 */
#ifndef HOTMEM_TIER_H
#define HOTMEM_TIER_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HM_TIER_CHUNK_BITS	7
#define HM_TIER_CHUNK_SIZE	(1u << HM_TIER_CHUNK_BITS)
/* DRAM's abstract distance: the middle of tier 4 (4 x 128 + 64) */
#define HM_ADISTANCE_DRAM	(4 * HM_TIER_CHUNK_SIZE + (HM_TIER_CHUNK_SIZE >> 1))

/* A node's performance as the HMAT access classes give it: ns and MB/s. */
struct hm_node_perf {
	uint32_t read_latency;
	uint32_t write_latency;
	uint32_t read_bandwidth;
	uint32_t write_bandwidth;
};

/*
 * The abstract distance of a node with performance @p, DRAM's being @dram:
 * 576 x (read + write latency) / (DRAM's) x (DRAM's read + write
 * bandwidth) / (read + write bandwidth), in 32-bit unsigned arithmetic in
 * that order, as the kernel does. Return 0; -EINVAL when a latency or a
 * bandwidth sum of either is 0.
 */
int hm_adistance(const struct hm_node_perf *p, const struct hm_node_perf *dram, int *adist);

/* The kernel's tier id of an abstract distance (memory_tierN in sysfs). */
static inline int hm_tier_of(int adist)
{
	return adist < 0 ? 0 : adist >> HM_TIER_CHUNK_BITS;
}

/*
 * Nodes, tiers and pools. A reader (lib/linux/topo.c for a live or captured
 * sysfs, or a caller building one by hand) fills the "read" fields of each
 * node; hm_topo_compute() then derives hotmem's view: distance, tier,
 * demotion targets, tiers and pools, taking operator overrides into account.
 */
#define HM_MAX_NODES		64	/* node ids 0..63 */
#define HM_NO_TIER		(-1)

/**
 * struct hm_topo_node - one online NUMA node.
 * @id:		node id.
 * @has_cpu, @has_memory: the node is in has_cpu / has_memory.
 * @nr_cpus:	number of CPUs in @cpulist.
 * @cpulist:	the node's CPUs as the kernel prints them ("0-3,8").
 * @mem_total, @mem_free: bytes, from the node's meminfo.
 * @distance:	SLIT distance to each node id; 0 where unknown.
 * @has_perf:	@perf came from the firmware (HMAT access class 1, or 0).
 * @perf:	read/write latency (ns) and bandwidth (MB/s) from initiators.
 * @kernel_tier: the kernel's memory_tierN holding the node; HM_NO_TIER when
 *		the kernel shows no tiers.
 * @ovr_tier:	operator override of the tier id; HM_NO_TIER for none.
 * @ovr_perf:	operator performance for the node (@has_ovr_perf); used in
 *		place of @perf.
 * Computed by hm_topo_compute():
 * @adistance:	abstract distance; -1 if the node has no memory.
 * @tier:	hotmem's tier id (the override if set).
 * @pool:	index into hm_topo.pool; -1 if the node has no memory.
 * @demotion:	bitmask of node ids the kernel's rule prefers for demotion.
 */
struct hm_topo_node {
	int id;
	bool has_cpu;
	bool has_memory;
	uint32_t nr_cpus;
	char cpulist[128];
	uint64_t mem_total;
	uint64_t mem_free;
	uint8_t distance[HM_MAX_NODES];
	bool has_perf;
	struct hm_node_perf perf;
	int kernel_tier;
	int ovr_tier;
	bool has_ovr_perf;
	struct hm_node_perf ovr_perf;

	int adistance;
	int tier;
	int pool;
	uint64_t demotion;
};

/**
 * struct hm_pool - the unit users place memory in: every node of one tier.
 * Pools are numbered from the fastest (lowest tier id) to the slowest.
 * @tier:	the tier id.
 * @nodes:	bitmask of node ids.
 * @mem_total, @mem_free: sums over the nodes, bytes.
 */
struct hm_pool {
	int tier;
	uint64_t nodes;
	uint64_t mem_total;
	uint64_t mem_free;
};

/**
 * struct hm_topo - the machine as hotmem places memory on it.
 * @nr_nodes:	online nodes, in @node in increasing id order.
 * @kernel_tiers: the kernel exposes memory tiers (memory_tiering in sysfs).
 * @dram:	index in @node of the performance reference (the first node with
 *		CPUs, memory and performance figures); -1 if none.
 * @nr_pools:	pools in @pool, fastest first.
 */
struct hm_topo {
	unsigned int nr_nodes;
	struct hm_topo_node node[HM_MAX_NODES];
	bool kernel_tiers;
	int dram;
	unsigned int nr_pools;
	struct hm_pool pool[HM_MAX_NODES];
};

/* Make @t empty: no nodes, no overrides. */
void hm_topo_init(struct hm_topo *t);

/*
 * Append node @id with nothing known (no override, no kernel tier). Nodes
 * must be added in increasing id order. Return it, or NULL when @t is full
 * or @id is out of range or not above the last.
 */
struct hm_topo_node *hm_topo_add(struct hm_topo *t, int id);

/* The node with id @id, or NULL. */
struct hm_topo_node *hm_topo_find(struct hm_topo *t, int id);

/*
 * Derive distances, tiers, demotion targets and pools from what was read, as
 * mm/memory-tiers.c does at boot (docs/tiers.md): nodes with CPUs, and nodes
 * without performance figures, get DRAM's distance; a CPU-less node with
 * figures gets the distance from them against the reference node's. An
 * override of the tier wins; override performance replaces the firmware's.
 * Return 0, or -EINVAL for a node id out of range or duplicated.
 */
int hm_topo_compute(struct hm_topo *t);

/* The pool holding node @id, or -1. */
int hm_topo_pool_of(const struct hm_topo *t, int id);

/*
 * The node of pool @pool that new pages should go to: the one with the most
 * free memory (lowest id on a tie). Return the node id, or -EINVAL.
 */
int hm_pool_pick_node(const struct hm_topo *t, unsigned int pool);

#ifdef __cplusplus
}
#endif

#endif /* HOTMEM_TIER_H */
