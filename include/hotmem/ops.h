/* SPDX-License-Identifier: MIT */
/*
 * Ops: what the monitor asks of a backend (DAMON calls this an operations
 * set). The simulator and the Linux backends each provide one; tests use a
 * small in-memory one. Every callback is optional: a missing one means the
 * backend cannot do that, and the monitor does without (no sampling check,
 * no ranges update, actions only counted, metrics unavailable).
 *
 * Callbacks run on the monitor's thread, from hm_monitor_start() and
 * hm_monitor_step(). They return 0 or a negative errno unless said otherwise.
 */
#ifndef HOTMEM_OPS_H
#define HOTMEM_OPS_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct hm_ctx;
struct hm_target;
struct hm_region;
struct hm_scheme;
struct hm_addr_range;

/**
 * struct hm_action_result - what applying an action did.
 * @sz_applied:	bytes the action was applied to (may be less than the region:
 *		pages already on the destination, a full destination).
 * @sz_ops_filter_passed: bytes that passed the backend's own filters.
 * @sz_in_place: bytes of those a migrate action found already on its
 *		destination. When these and @sz_applied cover @sz_ops_filter_passed,
 *		the region is wholly there: a single-destination migrate scheme
 *		leaves it out for a while (docs/monitor.md, "Regions already in
 *		place").
 * @time_ns:	how long it took; the simulator answers in virtual time. The
 *		time quota converts its budget to bytes with the throughput
 *		these measure.
 */
struct hm_action_result {
	uint64_t sz_applied;
	uint64_t sz_ops_filter_passed;
	uint64_t sz_in_place;
	uint64_t time_ns;
};

/**
 * struct hm_node_mem - memory of one NUMA node, in bytes.
 * @total:	managed memory of the node.
 * @free:	free memory of the node.
 */
struct hm_node_mem {
	uint64_t total;
	uint64_t free;
};

struct hm_ops {
	/*
	 * Address ranges of @t: at start (when @t has no regions yet) and every
	 * ops-update interval. Fill at most @max sorted, disjoint ranges into
	 * @ranges and return how many (0 leaves the regions alone), or a
	 * negative errno. The monitor applies them with hm_set_regions().
	 */
	int (*target_ranges)(void *priv, struct hm_target *t,
			     struct hm_addr_range *ranges, unsigned int max);
	/*
	 * Sampling access check (DAMON's page-table check): prepare is called
	 * for every region at the start of a sampling interval, after the
	 * monitor picked r->sampling_addr; check at its end returns whether
	 * that address was accessed since.
	 */
	void (*prepare_access)(void *priv, struct hm_target *t, struct hm_region *r);
	bool (*check_access)(void *priv, struct hm_target *t, struct hm_region *r);
	/*
	 * Apply scheme @s's action to all of @r (already trimmed to the quota
	 * and the filters). Fill @res.
	 */
	int (*apply)(void *priv, struct hm_target *t, struct hm_region *r,
		     const struct hm_scheme *s, struct hm_action_result *res);
	/* Memory of node @nid; -ENODEV if there is no such node. */
	int (*node_mem)(void *priv, int nid, struct hm_node_mem *mem);
	/*
	 * Of [start, end) in @t, how many bytes are resident on node @nid and
	 * how many are resident anywhere (goal metrics per node).
	 */
	int (*range_on_node)(void *priv, struct hm_target *t, uint64_t start,
			     uint64_t end, int nid, uint64_t *on_node,
			     uint64_t *resident);
	/* Free memory of the whole system, per mille, for watermarks. */
	int (*free_mem_rate)(void *priv, uint32_t *permil);
};

#ifdef __cplusplus
}
#endif

#endif /* HOTMEM_OPS_H */
