// SPDX-License-Identifier: MIT
/*
 * The monitor's ops for process targets on a real kernel: what lib/sim does
 * on the simulated machine, done with /proc, sysfs and move_pages(2). The
 * access check itself is not here: on a real kernel reports come from
 * sources (kernel DAMON, samplers), drained by the monitor.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hotmem/linux.h>
#include <hotmem/monitor.h>
#include <hotmem/scheme.h>

int hm_linux_ops_add_proc(struct hm_linux_ops *lo, pid_t pid)
{
	if (lo->nr_procs == sizeof(lo->procs) / sizeof(lo->procs[0]))
		return -ENOSPC;
	return hm_proc_open(pid, &lo->procs[lo->nr_procs++]) ? (lo->nr_procs--, -ESRCH) : 0;
}

static const struct hm_proc_id *proc_of(struct hm_linux_ops *lo, int32_t pid)
{
	for (unsigned int i = 0; i < lo->nr_procs; i++)
		if (lo->procs[i].pid == pid)
			return &lo->procs[i];
	return NULL;
}

int hm_proc_three_ranges(pid_t pid, uint64_t range[3][2])
{
	uint64_t gap[2][2] = { { 0, 0 }, { 0, 0 } };	/* the two largest: [start, end) */
	struct hm_vma *v;
	size_t nr;
	int ret = hm_proc_maps(pid, &v, &nr), n = 0;

	if (ret)
		return ret;
	if (!nr) {
		free(v);
		return 0;
	}
	for (size_t i = 1; i < nr; i++) {
		uint64_t lo = v[i - 1].end, hi = v[i].start, sz = hi > lo ? hi - lo : 0;

		if (sz > gap[0][1] - gap[0][0]) {
			memcpy(gap[1], gap[0], sizeof(gap[0]));
			gap[0][0] = lo;
			gap[0][1] = hi;
		} else if (sz > gap[1][1] - gap[1][0]) {
			gap[1][0] = lo;
			gap[1][1] = hi;
		}
	}
	if (gap[0][0] > gap[1][0] && gap[1][1] > gap[1][0]) {
		uint64_t t[2];

		memcpy(t, gap[0], sizeof(t));
		memcpy(gap[0], gap[1], sizeof(t));
		memcpy(gap[1], t, sizeof(t));
	}
	range[0][0] = v[0].start;
	for (int g = 0; g < 2; g++) {
		if (gap[g][1] <= gap[g][0])
			continue;
		range[n][1] = gap[g][0];
		range[++n][0] = gap[g][1];
	}
	range[n++][1] = v[nr - 1].end;
	free(v);
	return n;
}

static int ops_target_ranges(void *priv, struct hm_target *t, struct hm_addr_range *ranges,
			     unsigned int max)
{
	uint64_t r[3][2];
	int n;

	(void)priv;
	if (t->pid < 0 || max < 3)
		return 0;
	n = hm_proc_three_ranges(t->pid, r);
	if (n == -ESRCH)
		return 0;	/* the daemon notices the exit and drops the target */
	for (int i = 0; i < n; i++) {
		ranges[i].start = r[i][0];
		ranges[i].end = r[i][1];
	}
	return n;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int ops_apply(void *priv, struct hm_target *t, struct hm_region *r,
		     const struct hm_scheme *sc, struct hm_action_result *res)
{
	struct hm_linux_ops *lo = priv;
	const struct hm_proc_id *id = proc_of(lo, t->pid);
	uint64_t psz = (uint64_t)sysconf(_SC_PAGESIZE), t0 = now_ns();
	struct hm_migrate_attr a = {
		.start = r->start, .end = r->end, .rate_bps = lo->rate_bps, .max_retries = 3,
	};
	struct hm_migrate_stats st;
	int ret;

	if (sc->action != HM_ACTION_MIGRATE_HOT && sc->action != HM_ACTION_MIGRATE_COLD)
		return 0;
	if (!id)
		return 0;
	a.node = hm_scheme_pick_dest(sc, &lo->dest_turn);
	if (a.node < 0)
		return 0;
	ret = hm_migrate(id, &a, &st);
	lo->st.pages += st.pages;
	lo->st.moved += st.moved;
	lo->st.already += st.already;
	lo->st.busy += st.busy;
	lo->st.nomem += st.nomem;
	lo->st.absent += st.absent;
	lo->st.shared += st.shared;
	lo->st.other += st.other;
	lo->st.retries += st.retries;
	lo->moved[a.node] += st.moved * psz;
	if (st.nomem)
		lo->nomem_node = a.node;
	res->sz_applied = st.moved * psz;
	res->sz_ops_filter_passed = (st.pages - st.absent) * psz;
	res->sz_in_place = st.already * psz;
	res->time_ns = now_ns() - t0;
	if (ret == -ESRCH) {
		lo->gone = t->pid;
		return 0;
	}
	return ret == -ENODEV || ret == -EINVAL ? ret : 0;
}

static int ops_node_mem(void *priv, int nid, struct hm_node_mem *mem)
{
	struct hm_linux_ops *lo = priv;

	return hm_node_meminfo(lo->root, nid, &mem->total, &mem->free);
}

static int ops_range_on_node(void *priv, struct hm_target *t, uint64_t start, uint64_t end,
			     int nid, uint64_t *on_node, uint64_t *resident)
{
	struct hm_linux_ops *lo = priv;
	const struct hm_proc_id *id = proc_of(lo, t->pid);
	struct hm_placement pl;
	int ret;

	*on_node = *resident = 0;
	if (nid < 0 || nid >= HM_MAX_NODES)
		return -ENODEV;
	if (!id)
		return 0;
	ret = hm_proc_placement(id, start, end, &pl);
	if (ret == -ESRCH) {
		lo->gone = t->pid;
		return 0;
	}
	if (ret)
		return ret;
	for (int i = 0; i < HM_MAX_NODES; i++)
		*resident += pl.bytes[i];
	*on_node = pl.bytes[nid];
	return 0;
}

static int ops_free_rate(void *priv, uint32_t *permil)
{
	struct hm_linux_ops *lo = priv;
	uint64_t total = 0, free_sum = 0;

	for (int nid = 0; nid < HM_MAX_NODES; nid++) {
		uint64_t t, f;

		if (!hm_node_meminfo(lo->root, nid, &t, &f)) {
			total += t;
			free_sum += f;
		}
	}
	if (!total)
		return -ENODEV;
	*permil = (uint32_t)(free_sum * 1000 / total);
	return 0;
}

const struct hm_ops hm_linux_ops = {
	.target_ranges = ops_target_ranges,
	.apply = ops_apply,
	.node_mem = ops_node_mem,
	.range_on_node = ops_range_on_node,
	.free_mem_rate = ops_free_rate,
};
