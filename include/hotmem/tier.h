/* SPDX-License-Identifier: MIT */
/*
 * Memory tiers from node performance, computed as the kernel computes them
 * (mm/memory-tiers.c): an abstract distance from a node's read and write
 * latency and bandwidth relative to DRAM's, and a tier per 128 of distance.
 * Pure: the simulator and the Linux backend share it (docs/tiers.md).
 */
#ifndef HOTMEM_TIER_H
#define HOTMEM_TIER_H

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

#ifdef __cplusplus
}
#endif

#endif /* HOTMEM_TIER_H */
