// SPDX-License-Identifier: MIT
/*
 * The topology reader against sysfs trees captured from the QEMU guest and
 * from the CI machine (tests/fixtures), against broken copies of them, and
 * the tier/pool rules on machines built by hand; the process helpers and the
 * migrator on this test's own pages (read-only towards the kernel: moving a
 * page to the node it is on, or to a node that does not exist).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <hotmem/linux.h>
#include <hotmem/tier.h>

#include "../hm_test.h"

static char fixtures[PATH_MAX / 2];

static void fixture(char *buf, size_t len, const char *name)
{
	assert_true(snprintf(buf, len, "%s/%s", fixtures, name) < (int)len);
}

static void test_qemu_guest(void **state)
{
	char root[PATH_MAX], err[256];
	struct hm_topo t;
	struct hm_topo_node *n0, *n1;

	(void)state;
	fixture(root, sizeof(root), "qemu-6.12");
	assert_int_equal(hm_topo_read(root, &t, err, sizeof(err)), 0);
	assert_int_equal(t.nr_nodes, 2);
	assert_true(t.kernel_tiers);
	n0 = hm_topo_find(&t, 0);
	n1 = hm_topo_find(&t, 1);
	assert_non_null(n0);
	assert_non_null(n1);
	assert_true(n0->has_cpu && n0->has_memory && !n1->has_cpu && n1->has_memory);
	assert_string_equal(n0->cpulist, "0");
	assert_int_equal(n0->nr_cpus, 1);
	assert_int_equal(n1->nr_cpus, 0);
	assert_true(n0->mem_total > (900ull << 20) && n0->mem_total <= (1ull << 30));
	assert_true(n1->mem_free <= n1->mem_total);
	assert_int_equal(n0->distance[1], 20);
	assert_int_equal(n1->distance[0], 20);
	assert_int_equal(n1->distance[1], 10);
	/* QEMU's HMAT: 40 ns, 5 GiB/s against 10 ns, 10 GiB/s */
	assert_true(n1->has_perf);
	assert_int_equal(n1->perf.read_latency, 40);
	assert_int_equal(n1->perf.write_bandwidth, 5120);
	/* 576 x 80 / 20 = 2304; x 20480 / 10240 = 4608; tier 36, as the kernel */
	assert_int_equal(n0->adistance, 576);
	assert_int_equal(n1->adistance, 4608);
	assert_int_equal(n0->tier, 4);
	assert_int_equal(n1->tier, 36);
	assert_int_equal(n0->kernel_tier, 4);
	assert_int_equal(n1->kernel_tier, 36);
	assert_int_equal(n0->demotion, 1ull << 1);
	assert_int_equal(n1->demotion, 0);
	assert_int_equal(t.nr_pools, 2);
	assert_int_equal(t.pool[0].tier, 4);
	assert_int_equal(t.pool[0].nodes, 1ull << 0);
	assert_int_equal(t.pool[1].nodes, 1ull << 1);
	assert_int_equal(t.pool[1].mem_total, n1->mem_total);
	assert_int_equal(hm_pool_pick_node(&t, 0), 0);
	assert_int_equal(hm_pool_pick_node(&t, 1), 1);
	assert_int_equal(hm_pool_pick_node(&t, 2), -EINVAL);
}

static void test_ci_machine(void **state)
{
	char root[PATH_MAX], err[256];
	struct hm_topo t;

	(void)state;
	fixture(root, sizeof(root), "ci-6.18");
	assert_int_equal(hm_topo_read(root, &t, err, sizeof(err)), 0);
	assert_int_equal(t.nr_nodes, 1);
	assert_true(t.node[0].has_cpu && t.node[0].has_memory);
	assert_false(t.node[0].has_perf);
	assert_int_equal(t.node[0].tier, 4);
	assert_int_equal(t.node[0].kernel_tier, 4);
	assert_int_equal(t.nr_pools, 1);
}

/* The live system: whatever it is, hotmem's tiers must be the kernel's. */
static void test_live(void **state)
{
	char err[256];
	struct hm_topo t;

	(void)state;
	assert_int_equal(hm_topo_read(NULL, &t, err, sizeof(err)), 0);
	assert_true(t.nr_nodes >= 1);
	if (!t.kernel_tiers)
		hm_skip("this kernel shows no memory_tiering in sysfs");
	for (unsigned int i = 0; i < t.nr_nodes; i++)
		if (t.node[i].has_memory)
			assert_int_equal(t.node[i].tier, t.node[i].kernel_tier);
}

/* A writable copy of the qemu fixture in a temporary directory. */
static void copy_fixture(char *dir, size_t len)
{
	char cmd[PATH_MAX * 2 + 32], src[PATH_MAX];

	snprintf(dir, len, "/tmp/hm-topo-XXXXXX");
	assert_non_null(mkdtemp(dir));
	fixture(src, sizeof(src), "qemu-6.12");
	snprintf(cmd, sizeof(cmd), "cp -a %s/. %s", src, dir);
	assert_int_equal(system(cmd), 0);
}

static void put(const char *dir, const char *rel, const char *text)
{
	char path[PATH_MAX * 2];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if (!text) {
		assert_int_equal(unlink(path), 0);
		return;
	}
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void rmtree(const char *dir)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* Each broken file is refused, named, and leaves the caller's topology alone. */
static void test_broken_trees(void **state)
{
	static const struct {
		const char *rel, *text, *says;
		int ret;
	} cases[] = {
		{ "devices/system/node/online", NULL, "online: No such file", -ENOENT },
		{ "devices/system/node/online", "0-x\n", "online: not a list", -EINVAL },
		{ "devices/system/node/online", "\n", "online: no node online", -EINVAL },
		{ "devices/system/node/online", "0-1,64\n", "node ids above 63", -ERANGE },
		{ "devices/system/node/node1/distance", "20 ten\n", "node1/distance: not one",
		  -EINVAL },
		{ "devices/system/node/node1/distance", "20 10 30\n", "more distances", -EINVAL },
		{ "devices/system/node/node1/access1/initiators/read_latency", "fast\n",
		  "access1/initiators/read_latency: not a number", -EINVAL },
		{ "devices/system/node/node0/meminfo", "Node 0 MemFree: 1 kB\n",
		  "node0/meminfo: no MemTotal", -EINVAL },
		{ "devices/system/node/node0/meminfo", "Node 1 MemTotal: 1 kB\n",
		  "names another node", -EINVAL },
		{ "devices/system/node/node1/cpulist", NULL, "node1/cpulist: missing", -ENOENT },
		{ "devices/virtual/memory_tiering/memory_tier36/nodelist", "1-\n",
		  "memory_tier36/nodelist: not a list", -EINVAL },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char dir[PATH_MAX], err[512];
		struct hm_topo t;

		copy_fixture(dir, sizeof(dir));
		put(dir, cases[i].rel, cases[i].text);
		memset(&t, 0x5a, sizeof(t));
		assert_int_equal(hm_topo_read(dir, &t, err, sizeof(err)), cases[i].ret);
		if (!strstr(err, cases[i].says))
			fail_msg("case %zu: '%s' does not say '%s'", i, err, cases[i].says);
		assert_int_equal(t.nr_nodes, 0x5a5a5a5a);
		rmtree(dir);
	}
}

/* Optional files may be missing: no HMAT, no tiers, no meminfo. */
static void test_sparse_tree(void **state)
{
	char dir[PATH_MAX], err[512];
	struct hm_topo t;

	(void)state;
	copy_fixture(dir, sizeof(dir));
	rmtree(strcat(strcpy(err, dir), "/devices/system/node/node1/access0"));
	rmtree(strcat(strcpy(err, dir), "/devices/system/node/node1/access1"));
	rmtree(strcat(strcpy(err, dir), "/devices/virtual/memory_tiering"));
	assert_int_equal(hm_topo_read(dir, &t, err, sizeof(err)), 0);
	/* a CPU-less node without figures is put with DRAM, as the kernel does */
	assert_false(t.node[1].has_perf);
	assert_int_equal(t.node[1].tier, 4);
	assert_false(t.kernel_tiers);
	assert_int_equal(t.node[1].kernel_tier, HM_NO_TIER);
	assert_int_equal(t.nr_pools, 1);
	rmtree(dir);
}

static struct hm_topo_node *node(struct hm_topo *t, int id, bool cpu, uint64_t free_mib,
				 const struct hm_node_perf *p)
{
	struct hm_topo_node *n = hm_topo_add(t, id);

	assert_non_null(n);
	n->has_cpu = cpu;
	n->has_memory = true;
	n->mem_total = 4096ull << 20;
	n->mem_free = free_mib << 20;
	if (p) {
		n->has_perf = true;
		n->perf = *p;
	}
	return n;
}

/*
 * Two DRAM nodes and two CXL nodes at different distances: each DRAM node
 * demotes to its nearest CXL node; an override moves a node between pools
 * and so changes where pool 0's pages go.
 */
static void test_overrides_change_placement(void **state)
{
	const struct hm_node_perf dram = { 80, 80, 100000, 100000 };
	const struct hm_node_perf cxl = { 170, 170, 30000, 30000 };
	static const uint8_t dist[4][4] = {
		{ 10, 21, 14, 24 }, { 21, 10, 24, 14 }, { 14, 24, 10, 26 }, { 24, 14, 26, 10 },
	};
	struct hm_topo t;

	(void)state;
	hm_topo_init(&t);
	node(&t, 0, true, 100, &dram);
	node(&t, 1, true, 200, &dram);
	node(&t, 2, false, 3000, &cxl);
	node(&t, 3, false, 3500, &cxl);
	for (int i = 0; i < 4; i++)
		memcpy(t.node[i].distance, dist[i], 4);
	assert_null(hm_topo_add(&t, 3));	/* ids must increase */
	assert_int_equal(hm_topo_compute(&t), 0);
	assert_int_equal(t.node[2].adistance, 4080);
	assert_int_equal(t.nr_pools, 2);
	assert_int_equal(t.pool[0].nodes, 0x3);
	assert_int_equal(t.pool[1].nodes, 0xc);
	assert_int_equal(t.node[0].demotion, 1ull << 2);
	assert_int_equal(t.node[1].demotion, 1ull << 3);
	/* pool 0's pages go to its node with the most free memory */
	assert_int_equal(hm_pool_pick_node(&t, 0), 1);
	assert_int_equal(hm_pool_pick_node(&t, 1), 3);

	/* the operator puts node 3 above DRAM: it alone is pool 0 now */
	t.node[3].ovr_tier = 1;
	assert_int_equal(hm_topo_compute(&t), 0);
	assert_int_equal(t.nr_pools, 3);
	assert_int_equal(t.pool[0].nodes, 1ull << 3);
	assert_int_equal(hm_pool_pick_node(&t, 0), 3);
	assert_int_equal(hm_topo_pool_of(&t, 0), 1);
	/* node 3 now demotes to its nearest DRAM node; node 1 to node 2, the only CXL left */
	assert_int_equal(t.node[3].demotion, 1ull << 1);
	assert_int_equal(t.node[1].demotion, 1ull << 2);
	t.node[3].ovr_tier = HM_NO_TIER;

	/* figures for a node that had none place it by them */
	t.node[2].has_perf = false;
	assert_int_equal(hm_topo_compute(&t), 0);
	assert_int_equal(t.node[2].tier, 4);
	t.node[2].has_ovr_perf = true;
	t.node[2].ovr_perf = (struct hm_node_perf){ 400, 400, 10000, 10000 };
	assert_int_equal(hm_topo_compute(&t), 0);
	/* 576 x 800 / 160 = 2880; x 200000 / 20000 = 28800; tier 225 */
	assert_int_equal(t.node[2].adistance, 28800);
	assert_int_equal(t.node[2].tier, 225);
	assert_int_equal(t.nr_pools, 3);
	assert_int_equal(hm_topo_pool_of(&t, 2), 2);
}

/* The watcher on a copied tree: each kind of change, and a reading that fails. */
static void test_watch(void **state)
{
	struct hm_topo_watch w;
	char dir[PATH_MAX], err[512];
	uint64_t nodes;

	(void)state;
	copy_fixture(dir, sizeof(dir));
	assert_int_equal(hm_topo_watch_init(&w, dir, err, sizeof(err)), 0);
	assert_int_equal(w.fd, -1);	/* a tree gets no uevents */
	assert_int_equal(hm_topo_watch_poll(&w, 0, &nodes, err, sizeof(err)), 0);

	put(dir, "devices/system/node/node1/meminfo",
	    "Node 1 MemTotal: 860528 kB\nNode 1 MemFree: 1000 kB\n");
	assert_int_equal(hm_topo_watch_poll(&w, 0, &nodes, err, sizeof(err)), HM_TOPO_MEMORY);
	assert_int_equal(nodes, 1ull << 1);
	assert_int_equal(w.cur.node[1].mem_total, 860528ull << 10);
	/* free memory alone is no change */
	put(dir, "devices/system/node/node1/meminfo",
	    "Node 1 MemTotal: 860528 kB\nNode 1 MemFree: 2000 kB\n");
	assert_int_equal(hm_topo_watch_poll(&w, 0, &nodes, err, sizeof(err)), 0);

	/* slower figures: 99 ns is 576 x 139 / 20 = 4003; x 2 = 8006, tier 62 */
	put(dir, "devices/system/node/node1/access1/initiators/read_latency", "99\n");
	assert_int_equal(hm_topo_watch_poll(&w, 0, &nodes, err, sizeof(err)),
			 HM_TOPO_PERF | HM_TOPO_TIERS);
	assert_int_equal(w.cur.node[1].tier, 62);

	/* a half-written file: an error, and the last good reading stays */
	put(dir, "devices/system/node/node1/distance", "20 x\n");
	assert_int_equal(hm_topo_watch_poll(&w, 0, &nodes, err, sizeof(err)), -EINVAL);
	assert_int_equal(w.cur.node[1].tier, 62);
	put(dir, "devices/system/node/node1/distance", "20 10\n");

	/* node 1 goes away */
	put(dir, "devices/system/node/online", "0\n");
	put(dir, "devices/system/node/has_memory", "0\n");
	put(dir, "devices/system/node/node0/distance", "10\n");
	assert_int_equal(hm_topo_watch_poll(&w, 0, &nodes, err, sizeof(err)),
			 HM_TOPO_NODES | HM_TOPO_MEMORY);
	assert_int_equal(nodes, 1ull << 1);
	assert_int_equal(w.cur.nr_nodes, 1);
	hm_topo_watch_close(&w);
	rmtree(dir);
}

static void test_proc_identity(void **state)
{
	struct hm_proc_id me, other;
	int status;
	pid_t child;

	(void)state;
	assert_int_equal(hm_proc_open(getpid(), &me), 0);
	assert_int_equal(hm_proc_check(&me), 0);
	/* the same PID with another start time is another process */
	other = me;
	other.start_time++;
	assert_int_equal(hm_proc_check(&other), -ESRCH);
	assert_int_equal(hm_proc_open(0, &other), -EINVAL);
	/* a zombie is gone, and so is a reaped child */
	child = fork();
	assert_true(child >= 0);
	if (!child)
		_exit(0);
	assert_int_equal(hm_proc_open(child, &other), 0);
	usleep(100000);
	assert_int_equal(hm_proc_check(&other), -ESRCH);
	assert_int_equal(hm_proc_open(child, &other), -ESRCH);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_int_equal(hm_proc_check(&other), -ESRCH);
	assert_int_equal(hm_proc_open(child, &other), -ESRCH);
}

static void test_placement_and_migrate_self(void **state)
{
	long psz = sysconf(_SC_PAGESIZE);
	size_t len = 64 * (size_t)psz;
	struct hm_migrate_attr a = { 0 };
	struct hm_migrate_stats st;
	struct hm_placement pl;
	struct hm_proc_id me;
	uint64_t sum = 0;
	char *buf;
	int node;

	(void)state;
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(buf != MAP_FAILED);
	assert_int_equal(madvise(buf, len, MADV_NOHUGEPAGE), 0);
	memset(buf, 1, len / 2);	/* half present, half never touched */
	assert_int_equal(hm_proc_open(getpid(), &me), 0);
	assert_int_equal(hm_proc_placement(&me, (uintptr_t)buf, (uintptr_t)buf + len, &pl), 0);
	for (int i = 0; i < HM_MAX_NODES; i++)
		sum += pl.bytes[i];
	assert_int_equal(sum, len / 2);
	assert_int_equal(pl.absent, len / 2);
	for (node = 0; !pl.bytes[node]; node++)
		;
	/* to the node the pages are on: nothing moves, everything is counted */
	a.start = (uintptr_t)buf;
	a.end = (uintptr_t)buf + len;
	a.node = node;
	a.batch = 7;
	assert_int_equal(hm_migrate(&me, &a, &st), 0);
	assert_int_equal(st.pages, 64);
	assert_int_equal(st.already, 32);
	assert_int_equal(st.absent, 32);
	assert_int_equal(st.moved + st.busy + st.nomem + st.other + st.shared, 0);
	assert_int_equal(st.batches, 10);
	/* an unaligned start covers its page; an empty range is refused */
	a.start = (uintptr_t)buf + 100;
	a.end = (uintptr_t)buf + 200;
	assert_int_equal(hm_migrate(&me, &a, &st), 0);
	assert_int_equal(st.pages, 1);
	a.end = a.start;
	assert_int_equal(hm_migrate(&me, &a, &st), -EINVAL);
	/* a node with no memory: the kernel refuses the whole call */
	a.start = (uintptr_t)buf;
	a.end = (uintptr_t)buf + len;
	a.node = HM_MAX_NODES - 1;
	assert_int_equal(hm_migrate(&me, &a, &st), -ENODEV);
	a.node = HM_MAX_NODES;
	assert_int_equal(hm_migrate(&me, &a, &st), -EINVAL);
	munmap(buf, len);
}

struct runs {
	uint64_t lo[64], hi[64];
	unsigned int n;
};

static void got_run(void *arg, uint64_t lo, uint64_t hi)
{
	struct runs *r = arg;

	if (r->n < 64) {
		r->lo[r->n] = lo;
		r->hi[r->n] = hi;
	}
	r->n++;
}

/*
 * The reverse map on this test's own pages: each page's frame maps back to
 * it; a range of frames gives the runs of pages in it; without CAP_SYS_ADMIN
 * the kernel hides frames and building the map says so.
 */
static void test_rmap(void **state)
{
	long psz = sysconf(_SC_PAGESIZE);
	size_t len = 16 * (size_t)psz;
	struct hm_proc_id me;
	struct hm_rmap m;
	uint64_t pfn[16];
	struct runs r;
	char *buf;
	int status;
	pid_t child;

	(void)state;
	if (geteuid())
		hm_skip("reading PFNs from pagemap needs CAP_SYS_ADMIN; not root");
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(buf != MAP_FAILED);
	memset(buf, 1, len);
	assert_int_equal(hm_proc_open(getpid(), &me), 0);
	/* the buffer's range only: under ASan the whole process is terabytes */
	assert_int_equal(hm_rmap_build_range(&me, (uintptr_t)buf, (uintptr_t)buf + len, &m), 0);
	assert_int_equal(m.nr, 16);
	for (size_t k = 1; k < m.nr; k++)	/* in frame order */
		assert_true(m.e[k - 1].pfn <= m.e[k].pfn);
	for (int i = 0; i < 16; i++) {
		pfn[i] = 0;
		for (size_t k = 0; k < m.nr; k++)
			if (m.e[k].vaddr == (uintptr_t)buf + (uint64_t)i * (uint64_t)psz)
				pfn[i] = m.e[k].pfn;
		assert_true(pfn[i] != 0);
	}
	for (int i = 0; i < 16; i++) {
		memset(&r, 0, sizeof(r));
		assert_int_equal(hm_rmap_walk(&m, pfn[i] * (uint64_t)psz,
					      pfn[i] * (uint64_t)psz + (uint64_t)psz, got_run, &r), 1);
		assert_int_equal(r.lo[0], (uintptr_t)buf + (uint64_t)i * (uint64_t)psz);
		assert_int_equal(r.hi[0] - r.lo[0], (uint64_t)psz);
		/* a part of the frame is the frame */
		memset(&r, 0, sizeof(r));
		assert_int_equal(hm_rmap_walk(&m, pfn[i] * (uint64_t)psz + 100,
					      pfn[i] * (uint64_t)psz + 200, got_run, &r), 1);
	}
	/* pages the process can no longer read are left out */
	assert_int_equal(mprotect(buf + 8 * psz, 8 * (size_t)psz, PROT_NONE), 0);
	{
		struct hm_rmap half;

		assert_int_equal(hm_rmap_build_range(&me, (uintptr_t)buf, (uintptr_t)buf + len,
						     &half), 0);
		assert_int_equal(half.nr, 8);
		for (size_t k = 0; k < half.nr; k++)
			assert_true(half.e[k].vaddr < (uintptr_t)buf + 8 * (uint64_t)psz);
		hm_rmap_free(&half);
	}
	assert_int_equal(mprotect(buf + 8 * psz, 8 * (size_t)psz, PROT_READ | PROT_WRITE), 0);
	/* an empty range, and frames nobody of ours holds */
	memset(&r, 0, sizeof(r));
	assert_int_equal(hm_rmap_walk(&m, 4096, 4096, got_run, &r), 0);
	assert_int_equal(r.n, 0);
	hm_rmap_free(&m);

	/* without CAP_SYS_ADMIN the frames read 0: -EPERM, not an empty map */
	child = fork();
	assert_true(child >= 0);
	if (!child) {
		struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
		struct __user_cap_data_struct d[2] = { { 0, 0, 0 }, { 0, 0, 0 } };
		struct hm_proc_id self;

		if (syscall(SYS_capset, &h, d) || hm_proc_open(getpid(), &self))
			_exit(2);
		_exit(hm_rmap_build_range(&self, (uintptr_t)buf, (uintptr_t)buf + len, &m) ==
		      -EPERM ? 0 : 1);
	}
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	munmap(buf, len);
}

struct idle_runs {
	int n;
	uint64_t lo[8], hi[8];
};

static void idle_run(void *arg, uint64_t lo, uint64_t hi)
{
	struct idle_runs *r = arg;

	if (r->n < 8) {
		r->lo[r->n] = lo;
		r->hi[r->n] = hi;
	}
	r->n++;
}

static bool idle_bit(int fd, uint64_t pfn)
{
	uint64_t w = 0;

	assert_int_equal(pread(fd, &w, 8, (off_t)(pfn / 64 * 8)), 8);
	return w >> (pfn % 64) & 1;
}

/* What an access does in the kernel: the frame's idle mark is cleared. */
static void idle_touch(int fd, uint64_t pfn)
{
	uint64_t w;

	assert_int_equal(pread(fd, &w, 8, (off_t)(pfn / 64 * 8)), 8);
	w &= ~(1ull << (pfn % 64));
	assert_int_equal(pwrite(fd, &w, 8, (off_t)(pfn / 64 * 8)), 8);
}

/*
 * Idle page tracking rounds against a file laid out like the kernel's
 * bitmap (this kernel has none): the first round judges nothing and marks
 * every frame; a round after some marks were cleared reports those pages,
 * joined into runs of contiguous addresses; a frame at a new address, or
 * new, is not judged; frames past the bitmap's end are unknown and left
 * alone; frames far apart take more than one read; a read-only bitmap
 * fails with the error and is not half-judged.
 */
static void test_idle_round(void **state)
{
	char path[] = "/tmp/hm-idle-XXXXXX";
	struct hm_rmap_ent e1[] = {
		{ 10, 0x1000 }, { 11, 0x2000 }, { 12, 0x3000 }, { 13, 0x8000 },
		{ 200, 0x5000 }, { 64 * 600, 0x6000 }, { 64 * 2000, 0x7000 },
	};
	struct hm_rmap_ent e2[] = {
		{ 10, 0x1000 }, { 11, 0x2000 }, { 12, 0x3000 }, { 13, 0x8000 },
		{ 200, 0x9000 }, { 300, 0xa000 }, { 64 * 600, 0x6000 }, { 64 * 2000, 0x7000 },
	};
	struct hm_rmap m1 = { .e = e1, .nr = 7, .pid = 1, .page_size = 4096 };
	struct hm_rmap m2 = { .e = e2, .nr = 8, .pid = 1, .page_size = 4096 };
	struct hm_idle_stats st;
	struct idle_runs r = { 0 };
	int fd, ro;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	/* the bitmap ends before frame 64 x 2000 */
	assert_int_equal(ftruncate(fd, 64 * 1000 / 8), 0);

	assert_int_equal(hm_idle_round(fd, NULL, &m1, idle_run, &r, &st), 0);
	assert_int_equal(st.judged, 0);
	assert_int_equal(st.fresh, 6);
	assert_int_equal(st.unknown, 1);
	assert_int_equal(r.n, 0);
	for (int i = 0; i < 6; i++)
		assert_true(idle_bit(fd, e1[i].pfn));
	assert_false(idle_bit(fd, 14));
	assert_false(idle_bit(fd, 199));

	/* nothing touched: nothing reported */
	assert_int_equal(hm_idle_round(fd, &m1, &m1, idle_run, &r, &st), 0);
	assert_int_equal(st.judged, 6);
	assert_int_equal(st.accessed, 0);
	assert_int_equal(r.n, 0);

	/* 11 and 12 are one run; 13 is elsewhere; 64 x 600 in the second read */
	idle_touch(fd, 11);
	idle_touch(fd, 12);
	idle_touch(fd, 13);
	idle_touch(fd, 64 * 600);
	assert_int_equal(hm_idle_round(fd, &m1, &m1, idle_run, &r, &st), 0);
	assert_int_equal(st.judged, 6);
	assert_int_equal(st.accessed, 4);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.lo[0], 0x2000);
	assert_int_equal(r.hi[0], 0x4000);
	assert_int_equal(r.lo[1], 0x8000);
	assert_int_equal(r.hi[1], 0x9000);
	assert_int_equal(r.lo[2], 0x6000);
	assert_int_equal(r.hi[2], 0x7000);
	for (int i = 0; i < 6; i++)
		assert_true(idle_bit(fd, e1[i].pfn));

	/* frame 200 moved to another address, 300 is new: marked, not judged */
	idle_touch(fd, 200);
	memset(&r, 0, sizeof(r));
	assert_int_equal(hm_idle_round(fd, &m1, &m2, idle_run, &r, &st), 0);
	assert_int_equal(st.judged, 5);
	assert_int_equal(st.fresh, 2);
	assert_int_equal(st.accessed, 0);
	assert_int_equal(r.n, 0);
	assert_true(idle_bit(fd, 300));

	/* a bitmap that cannot be written */
	ro = open(path, O_RDONLY);
	assert_true(ro >= 0);
	assert_int_equal(hm_idle_round(ro, &m2, &m2, NULL, NULL, &st), -EBADF);
	close(ro);
	close(fd);
	unlink(path);
}

static int stop_after_one(const struct hm_migrate_stats *st, void *arg)
{
	(void)arg;
	return st->batches >= 1;
}

static void test_migrate_stops(void **state)
{
	long psz = sysconf(_SC_PAGESIZE);
	size_t len = 16 * (size_t)psz;
	struct hm_migrate_attr a = { .batch = 4, .progress = stop_after_one };
	struct hm_migrate_stats st;
	struct hm_placement pl;
	struct hm_proc_id me;
	char *buf;

	(void)state;
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(buf != MAP_FAILED);
	memset(buf, 1, len);
	assert_int_equal(hm_proc_open(getpid(), &me), 0);
	assert_int_equal(hm_proc_placement(&me, (uintptr_t)buf, (uintptr_t)buf + len, &pl), 0);
	for (a.node = 0; !pl.bytes[a.node]; a.node++)
		;
	a.start = (uintptr_t)buf;
	a.end = (uintptr_t)buf + len;
	assert_int_equal(hm_migrate(&me, &a, &st), -EINTR);
	assert_int_equal(st.batches, 1);
	assert_int_equal(st.pages, 4);
	munmap(buf, len);
}

int main(void)
{
	const char *src = getenv("FIXTURES_DIR");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qemu_guest),
		cmocka_unit_test(test_ci_machine),
		cmocka_unit_test(test_live),
		cmocka_unit_test(test_broken_trees),
		cmocka_unit_test(test_sparse_tree),
		cmocka_unit_test(test_overrides_change_placement),
		cmocka_unit_test(test_watch),
		cmocka_unit_test(test_proc_identity),
		cmocka_unit_test(test_placement_and_migrate_self),
		cmocka_unit_test(test_migrate_stops),
		cmocka_unit_test(test_rmap),
		cmocka_unit_test(test_idle_round),
	};

	snprintf(fixtures, sizeof(fixtures), "%s", src ? src : "tests/fixtures");
	return hm_run_tests(tests);
}
