// SPDX-License-Identifier: MIT
/* Abstract distance and tiers, as mm/memory-tiers.c computes them. */
#include <errno.h>

#include <hotmem/tier.h>

int hm_adistance(const struct hm_node_perf *p, const struct hm_node_perf *dram, int *adist)
{
	uint32_t lat, dlat, bw, dbw;

	if (!p || !dram || !adist)
		return -EINVAL;
	lat = p->read_latency + p->write_latency;
	dlat = dram->read_latency + dram->write_latency;
	bw = p->read_bandwidth + p->write_bandwidth;
	dbw = dram->read_bandwidth + dram->write_bandwidth;
	if (!lat || !dlat || !bw || !dbw)
		return -EINVAL;
	/* the kernel's order and width: each step truncates, and may wrap */
	*adist = (int)((uint32_t)HM_ADISTANCE_DRAM * lat / dlat * dbw / bw);
	return 0;
}
