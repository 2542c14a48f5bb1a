// SPDX-License-Identifier: MIT
/* Abstract distance and tiers, as mm/memory-tiers.c computes them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

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

void hm_topo_init(struct hm_topo *t)
{
	memset(t, 0, sizeof(*t));
	t->dram = -1;
}

struct hm_topo_node *hm_topo_add(struct hm_topo *t, int id)
{
	struct hm_topo_node *n;

	if (t->nr_nodes >= HM_MAX_NODES || id < 0 || id >= HM_MAX_NODES ||
	    (t->nr_nodes && t->node[t->nr_nodes - 1].id >= id))
		return NULL;
	n = &t->node[t->nr_nodes++];
	memset(n, 0, sizeof(*n));
	n->id = id;
	n->kernel_tier = HM_NO_TIER;
	n->ovr_tier = HM_NO_TIER;
	n->adistance = -1;
	n->tier = HM_NO_TIER;
	n->pool = -1;
	return n;
}

struct hm_topo_node *hm_topo_find(struct hm_topo *t, int id)
{
	for (unsigned int i = 0; i < t->nr_nodes; i++)
		if (t->node[i].id == id)
			return &t->node[i];
	return NULL;
}

static const struct hm_node_perf *perf_of(const struct hm_topo_node *n)
{
	if (n->has_ovr_perf)
		return &n->ovr_perf;
	return n->has_perf ? &n->perf : NULL;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/*
 * The kernel's preferred demotion targets of @n: the nodes of the next slower
 * tier at the smallest distance from @n (establish_demotion_targets()).
 */
static uint64_t demotion_targets(const struct hm_topo *t, const struct hm_topo_node *n,
				 const int *tiers, unsigned int nr_tiers)
{
	int best = -1, next = HM_NO_TIER;
	uint64_t mask = 0;

	for (unsigned int i = 0; i + 1 < nr_tiers; i++)
		if (tiers[i] == n->tier)
			next = tiers[i + 1];
	if (next == HM_NO_TIER)
		return 0;
	for (unsigned int i = 0; i < t->nr_nodes; i++) {
		const struct hm_topo_node *m = &t->node[i];
		int d = n->distance[m->id];

		if (!m->has_memory || m->tier != next)
			continue;
		if (best < 0 || d < best) {
			best = d;
			mask = 0;
		}
		if (d == best)
			mask |= 1ull << m->id;
	}
	return mask;
}

int hm_topo_compute(struct hm_topo *t)
{
	const struct hm_node_perf *ref = NULL;
	int tiers[HM_MAX_NODES];
	unsigned int nr_tiers = 0;
	uint64_t seen = 0;

	if (t->nr_nodes > HM_MAX_NODES)
		return -EINVAL;
	t->dram = -1;
	for (unsigned int i = 0; i < t->nr_nodes; i++) {
		struct hm_topo_node *n = &t->node[i];

		if (n->id < 0 || n->id >= HM_MAX_NODES || (seen & (1ull << n->id)))
			return -EINVAL;
		seen |= 1ull << n->id;
		if (t->dram < 0 && n->has_cpu && n->has_memory && perf_of(n)) {
			t->dram = (int)i;
			ref = perf_of(n);
		}
	}
	for (unsigned int i = 0; i < t->nr_nodes; i++) {
		struct hm_topo_node *n = &t->node[i];
		const struct hm_node_perf *p = perf_of(n);
		bool known = false;

		n->pool = -1;
		n->demotion = 0;
		if (!n->has_memory) {
			n->adistance = -1;
			n->tier = HM_NO_TIER;
			continue;
		}
		n->adistance = HM_ADISTANCE_DRAM;
		if (!n->has_cpu && p && ref)
			known = !hm_adistance(p, ref, &n->adistance);
		if (!known)
			n->adistance = HM_ADISTANCE_DRAM;
		n->tier = n->ovr_tier != HM_NO_TIER ? n->ovr_tier : hm_tier_of(n->adistance);
		for (unsigned int k = 0; k <= nr_tiers; k++) {
			if (k == nr_tiers) {
				tiers[nr_tiers++] = n->tier;
				break;
			}
			if (tiers[k] == n->tier)
				break;
		}
	}
	qsort(tiers, nr_tiers, sizeof(*tiers), cmp_int);
	t->nr_pools = nr_tiers;
	for (unsigned int k = 0; k < nr_tiers; k++)
		t->pool[k] = (struct hm_pool){ .tier = tiers[k] };
	for (unsigned int i = 0; i < t->nr_nodes; i++) {
		struct hm_topo_node *n = &t->node[i];
		struct hm_pool *pl;

		if (!n->has_memory)
			continue;
		for (unsigned int k = 0; k < nr_tiers; k++)
			if (tiers[k] == n->tier)
				n->pool = (int)k;
		pl = &t->pool[n->pool];
		pl->nodes |= 1ull << n->id;
		pl->mem_total += n->mem_total;
		pl->mem_free += n->mem_free;
		n->demotion = demotion_targets(t, n, tiers, nr_tiers);
	}
	return 0;
}

int hm_topo_pool_of(const struct hm_topo *t, int id)
{
	for (unsigned int i = 0; i < t->nr_nodes; i++)
		if (t->node[i].id == id)
			return t->node[i].pool;
	return -1;
}

int hm_pool_pick_node(const struct hm_topo *t, unsigned int pool)
{
	const struct hm_topo_node *best = NULL;

	if (pool >= t->nr_pools)
		return -EINVAL;
	for (unsigned int i = 0; i < t->nr_nodes; i++) {
		const struct hm_topo_node *n = &t->node[i];

		if (n->pool != (int)pool)
			continue;
		if (!best || n->mem_free > best->mem_free)
			best = n;
	}
	return best ? best->id : -EINVAL;
}
