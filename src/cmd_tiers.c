// SPDX-License-Identifier: MIT
/*
 * hotmem tiers and hotmem pools: the machine's nodes, the tiers hotmem puts
 * them in (and the kernel's, flagged where they differ), the pools users
 * place memory in, and the operator's overrides (docs/tiers.md).
 */
#include <errno.h>
#include <getopt.h>
#include <linux/capability.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hotmem/linux.h>
#include <hotmem/parse.h>

#include "cli.h"
#include "output.h"
#include "state.h"
#include "topo_cli.h"

const char hm_tiers_usage[] =
	"usage: hotmem tiers [--json] [--sysfs DIR] [--state FILE]\n"
	"       hotmem tiers --watch [--interval MS] [--count N] [--json] [--sysfs DIR]\n"
	"       hotmem tiers set NODE TIER [--state FILE] [--sysfs DIR]\n"
	"       hotmem tiers set NODE --perf RLAT,WLAT,RBW,WBW [--state FILE] [--sysfs DIR]\n"
	"       hotmem tiers unset NODE [--state FILE]\n"
	"\n"
	"Show the online NUMA nodes: CPUs, memory, HMAT latency (ns) and bandwidth\n"
	"(MB/s), the abstract distance and tier hotmem computes as the kernel does,\n"
	"the kernel's own tier ('*' where the two differ), the kernel's preferred\n"
	"demotion targets, and the pools: one per tier, numbered from the fastest.\n"
	"\n"
	"set NODE TIER puts NODE in tier TIER whatever its figures say; set NODE\n"
	"--perf gives figures to a node the firmware describes not (or wrongly).\n"
	"Overrides live in the state file and apply to every hotmem command;\n"
	"unset drops a node's override. hotmem never changes the kernel's tiers.\n"
	"\n"
	"--watch prints a line whenever a node comes or goes, gains or loses\n"
	"memory (hotplug), or its figures or tiers change; it rereads sysfs every\n"
	"--interval MS (1000) and at once on a memory or node uevent, until\n"
	"interrupted or --count N changes were seen. With --json, one JSON object\n"
	"per change.\n"
	"\n"
	"  --sysfs DIR   read the sysfs tree under DIR instead of /sys\n"
	"  --state FILE  the state file (default $HOTMEM_STATE, else\n"
	"                " HM_STATE_DEFAULT ")\n"
	"  --json        JSON instead of text\n";

const char hm_pools_usage[] =
	"usage: hotmem pools [--pid PID [--socket PATH]] [--json] [--sysfs DIR] [--state FILE]\n"
	"\n"
	"Show the pools (one per tier, 0 the fastest): tier, nodes, capacity, used\n"
	"and free memory. With --pid, also the bytes of that process in each pool\n"
	"(a move_pages(2) query of every page of its mappings), and the bytes it\n"
	"has mapped but not present; and, when a 'hotmem run' monitoring it\n"
	"answers on its status socket (default /run/hotmem/hotmem.sock), the\n"
	"relative hotness of each pool and the source it came from.\n"
	"\n"
	"  --pid PID     a process to place (needs ptrace access to it)\n"
	"  --socket PATH a running daemon's status socket, for hotness\n"
	"  --sysfs DIR   read the sysfs tree under DIR instead of /sys\n"
	"  --state FILE  the state file with overrides (see 'hotmem tiers')\n"
	"  --json        JSON instead of text\n";

int hm_topo_load(const char *cmd, const char *sysfs, const char *state_path,
		 struct hm_topo *t, struct hm_state *st)
{
	struct hm_state local;
	const char *path = hm_state_path(state_path);
	char err[512];
	unsigned int missing;
	int ret;

	if (!st)
		st = &local;
	ret = hm_topo_read(sysfs, t, err, sizeof(err));
	if (ret)
		return hm_fail(cmd, "topology", "%s", err);
	ret = hm_state_load(path, st, err, sizeof(err));
	if (ret)
		return hm_fail(cmd, path, "%s (the file was left as it is)", err);
	missing = hm_state_apply(st, t);
	if (missing)
		hm_err(cmd, path, "%u override(s) name nodes that are not online; kept, not applied",
		       missing);
	return 0;
}

/* "0-1,3" from a node mask; "-" when empty */
char *hm_fmt_nodes(uint64_t mask, char *buf, size_t len)
{
	size_t at = 0;

	buf[0] = '\0';
	for (int i = 0; i < 64 && at < len; i++) {
		int j = i;

		if (!(mask & (1ull << i)))
			continue;
		while (j + 1 < 64 && (mask & (1ull << (j + 1))))
			j++;
		at += (size_t)snprintf(buf + at, len - at, "%s%d", at ? "," : "", i);
		if (j > i && at < len)
			at += (size_t)snprintf(buf + at, len - at, "%s%d", j > i + 1 ? "-" : ",", j);
		i = j;
	}
	if (!at)
		snprintf(buf, len, "-");
	return buf;
}

struct json_object *hm_json_nodes(uint64_t mask)
{
	struct json_object *a = json_object_new_array();

	for (int i = 0; i < 64; i++)
		if (mask & (1ull << i))
			json_object_array_add(a, json_object_new_int(i));
	return a;
}

static int add_cpu(uint64_t lo, uint64_t hi, void *arg)
{
	for (uint64_t c = lo; c <= hi; c++)
		json_object_array_add(arg, json_object_new_int64((int64_t)c));
	return 0;
}

static const struct hm_node_perf *node_perf(const struct hm_topo_node *n)
{
	if (n->has_ovr_perf)
		return &n->ovr_perf;
	return n->has_perf ? &n->perf : NULL;
}

static bool tier_differs(const struct hm_topo *t, const struct hm_topo_node *n)
{
	return t->kernel_tiers && n->has_memory && n->tier != n->kernel_tier;
}

static struct json_object *json_u32_or_null(bool have, uint32_t v)
{
	return have ? json_object_new_int64(v) : NULL;
}

static struct json_object *pools_json(const struct hm_topo *t, const struct hm_placement *pl)
{
	struct json_object *a = json_object_new_array();

	for (unsigned int k = 0; k < t->nr_pools; k++) {
		const struct hm_pool *p = &t->pool[k];
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "id", json_object_new_int((int)k));
		json_object_object_add(o, "tier", json_object_new_int(p->tier));
		json_object_object_add(o, "nodes", hm_json_nodes(p->nodes));
		json_object_object_add(o, "capacity", json_object_new_int64((int64_t)p->mem_total));
		json_object_object_add(o, "used",
				       json_object_new_int64((int64_t)(p->mem_total - p->mem_free)));
		json_object_object_add(o, "free", json_object_new_int64((int64_t)p->mem_free));
		if (pl) {
			uint64_t b = 0;

			for (int i = 0; i < HM_MAX_NODES; i++)
				if (p->nodes & (1ull << i))
					b += pl->bytes[i];
			json_object_object_add(o, "process_bytes", json_object_new_int64((int64_t)b));
		}
		json_object_array_add(a, o);
	}
	return a;
}

/*
 * CXL objects, when libcxl can read them: it reads the live /sys only, so a
 * --sysfs tree has none. Host physical addresses only for CAP_SYS_ADMIN.
 */
static const char *read_cxl(const char *sysfs, struct hm_cxl *c)
{
	static char why[128];
	int ret;

	if (sysfs)
		return "libcxl reads the live /sys only, not a --sysfs tree";
	ret = hm_cxl_read(c);
	if (ret == -EOPNOTSUPP)
		return "hotmem was built without libcxl";
	if (ret) {
		snprintf(why, sizeof(why), "libcxl: %s", strerror(-ret));
		return why;
	}
	return NULL;
}

static struct json_object *json_hpa(uint64_t hpa, bool show)
{
	return show ? json_object_new_int64((int64_t)hpa) : NULL;
}

static struct json_object *cxl_json(const struct hm_cxl *c, const char *why)
{
	struct json_object *o = json_object_new_object(), *a;
	bool admin = hm_have_cap(CAP_SYS_ADMIN);

	if (why) {
		json_object_object_add(o, "unavailable", json_object_new_string(why));
		return o;
	}
	if (!admin)
		json_object_object_add(o, "hpa_hidden",
				       json_object_new_string("host physical addresses need "
							      "CAP_SYS_ADMIN"));
	a = json_object_new_array();
	for (unsigned int i = 0; i < c->nr_memdevs; i++) {
		const struct hm_cxl_memdev *m = &c->memdev[i];
		struct json_object *x = json_object_new_object();

		json_object_object_add(x, "name", json_object_new_string(m->name));
		json_object_object_add(x, "host", json_object_new_string(m->host));
		json_object_object_add(x, "ram_size", json_object_new_int64((int64_t)m->ram_size));
		json_object_object_add(x, "pmem_size", json_object_new_int64((int64_t)m->pmem_size));
		json_object_object_add(x, "serial", json_object_new_int64((int64_t)m->serial));
		json_object_object_add(x, "numa_node", m->numa_node < 0 ? NULL :
						       json_object_new_int(m->numa_node));
		json_object_array_add(a, x);
	}
	json_object_object_add(o, "memdevs", a);
	a = json_object_new_array();
	for (unsigned int i = 0; i < c->nr_decoders; i++) {
		const struct hm_cxl_decoder *d = &c->decoder[i];
		struct json_object *x = json_object_new_object();

		json_object_object_add(x, "name", json_object_new_string(d->name));
		json_object_object_add(x, "root", json_object_new_boolean(d->root));
		json_object_object_add(x, "hpa", json_hpa(d->hpa, admin));
		json_object_object_add(x, "size", json_object_new_int64((int64_t)d->size));
		json_object_object_add(x, "interleave_ways", json_object_new_int((int)d->ways));
		json_object_array_add(a, x);
	}
	json_object_object_add(o, "decoders", a);
	a = json_object_new_array();
	for (unsigned int i = 0; i < c->nr_regions; i++) {
		const struct hm_cxl_region *r = &c->region[i];
		struct json_object *x = json_object_new_object();

		json_object_object_add(x, "name", json_object_new_string(r->name));
		json_object_object_add(x, "decoder", json_object_new_string(r->decoder));
		json_object_object_add(x, "hpa", json_hpa(r->hpa, admin));
		json_object_object_add(x, "size", json_object_new_int64((int64_t)r->size));
		json_object_object_add(x, "interleave_ways", json_object_new_int((int)r->ways));
		json_object_object_add(x, "interleave_granularity",
				       json_object_new_int((int)r->granularity));
		json_object_array_add(a, x);
	}
	json_object_object_add(o, "regions", a);
	json_object_object_add(o, "truncated", json_object_new_boolean(c->truncated));
	return o;
}

static void cxl_text(const struct hm_cxl *c, const char *why)
{
	bool admin = hm_have_cap(CAP_SYS_ADMIN);

	if (why) {
		printf("cxl: not read (%s)\n", why);
		return;
	}
	if (!c->nr_memdevs && !c->nr_decoders && !c->nr_regions) {
		printf("cxl: no memdevs, decoders or regions\n");
		return;
	}
	for (unsigned int i = 0; i < c->nr_memdevs; i++) {
		char ram[32], pm[32];

		printf("cxl %s (%s): ram %s, pmem %s, node %d\n", c->memdev[i].name,
		       c->memdev[i].host, hm_fmt_iec(c->memdev[i].ram_size, ram, sizeof(ram)),
		       hm_fmt_iec(c->memdev[i].pmem_size, pm, sizeof(pm)), c->memdev[i].numa_node);
	}
	for (unsigned int i = 0; i < c->nr_regions; i++) {
		const struct hm_cxl_region *r = &c->region[i];
		char sz[32];

		printf("cxl %s from %s: %s, %u-way x %u B", r->name, r->decoder,
		       hm_fmt_iec(r->size, sz, sizeof(sz)), r->ways, r->granularity);
		if (admin)
			printf(", HPA 0x%" PRIx64 "\n", r->hpa);
		else
			printf(", HPA hidden (needs CAP_SYS_ADMIN)\n");
	}
	printf("cxl: %u decoders\n", c->nr_decoders);
}

static struct json_object *tiers_json(const struct hm_topo *t, const struct hm_cxl *c,
				      const char *cxl_why)
{
	struct json_object *root = json_object_new_object();
	struct json_object *nodes = json_object_new_array();
	struct json_object *tiers = json_object_new_array();

	for (unsigned int i = 0; i < t->nr_nodes; i++) {
		const struct hm_topo_node *n = &t->node[i];
		const struct hm_node_perf *p = node_perf(n);
		struct json_object *o = json_object_new_object();
		struct json_object *cpus = json_object_new_array();
		struct json_object *ovr = NULL;
		size_t at;

		if (n->nr_cpus)
			hm_parse_list(n->cpulist, 65535, add_cpu, cpus, &at);
		json_object_object_add(o, "id", json_object_new_int(n->id));
		json_object_object_add(o, "cpus", cpus);
		json_object_object_add(o, "mem_total", json_object_new_int64((int64_t)n->mem_total));
		json_object_object_add(o, "mem_free", json_object_new_int64((int64_t)n->mem_free));
		json_object_object_add(o, "read_latency_ns", json_u32_or_null(p, p ? p->read_latency : 0));
		json_object_object_add(o, "write_latency_ns",
				       json_u32_or_null(p, p ? p->write_latency : 0));
		json_object_object_add(o, "read_bandwidth_mbps",
				       json_u32_or_null(p, p ? p->read_bandwidth : 0));
		json_object_object_add(o, "write_bandwidth_mbps",
				       json_u32_or_null(p, p ? p->write_bandwidth : 0));
		json_object_object_add(o, "adistance",
				       n->has_memory ? json_object_new_int(n->adistance) : NULL);
		json_object_object_add(o, "tier", n->has_memory ? json_object_new_int(n->tier) : NULL);
		json_object_object_add(o, "kernel_tier", n->kernel_tier == HM_NO_TIER ? NULL :
							 json_object_new_int(n->kernel_tier));
		json_object_object_add(o, "tier_differs", json_object_new_boolean(tier_differs(t, n)));
		json_object_object_add(o, "pool", n->pool < 0 ? NULL : json_object_new_int(n->pool));
		json_object_object_add(o, "demotion_targets", hm_json_nodes(n->demotion));
		if (n->ovr_tier != HM_NO_TIER || n->has_ovr_perf) {
			ovr = json_object_new_object();
			if (n->ovr_tier != HM_NO_TIER)
				json_object_object_add(ovr, "tier", json_object_new_int(n->ovr_tier));
			if (n->has_ovr_perf)
				json_object_object_add(ovr, "perf", json_object_new_boolean(true));
		}
		json_object_object_add(o, "override", ovr);
		json_object_array_add(nodes, o);
	}
	for (unsigned int k = 0; k < t->nr_pools; k++) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "id", json_object_new_int(t->pool[k].tier));
		json_object_object_add(o, "nodes", hm_json_nodes(t->pool[k].nodes));
		json_object_array_add(tiers, o);
	}
	json_object_object_add(root, "nodes", nodes);
	json_object_object_add(root, "tiers", tiers);
	json_object_object_add(root, "pools", pools_json(t, NULL));
	json_object_object_add(root, "kernel_tiers", json_object_new_boolean(t->kernel_tiers));
	json_object_object_add(root, "cxl", cxl_json(c, cxl_why));
	return root;
}

static int tiers_text(const struct hm_topo *t, const struct hm_cxl *c, const char *cxl_why)
{
	static const char *const hdr[] = { "node", "cpus", "memory", "free", "latency r/w",
					   "bandwidth r/w", "distance", "tier", "kernel", "pool",
					   "demotes to", "override" };
	struct hm_table *tbl = hm_table_new(12, hdr, "llrrllrrrrll");
	bool differs = false;

	if (!tbl)
		return hm_fail("tiers", NULL, "out of memory");
	for (unsigned int i = 0; i < t->nr_nodes; i++) {
		const struct hm_topo_node *n = &t->node[i];
		const struct hm_node_perf *p = node_perf(n);
		char mem[32], fr[32], lat[32] = "-", bw[32] = "-", ad[16] = "-", tier[16] = "-";
		char kt[16] = "-", pool[16] = "-", dem[64], ovr[48] = "-";

		if (p) {
			snprintf(lat, sizeof(lat), "%u/%u ns", p->read_latency, p->write_latency);
			snprintf(bw, sizeof(bw), "%u/%u MB/s", p->read_bandwidth, p->write_bandwidth);
		}
		if (n->has_memory) {
			snprintf(ad, sizeof(ad), "%d", n->adistance);
			snprintf(tier, sizeof(tier), "%d", n->tier);
			snprintf(pool, sizeof(pool), "%d", n->pool);
		}
		if (n->kernel_tier != HM_NO_TIER)
			snprintf(kt, sizeof(kt), "%d%s", n->kernel_tier, tier_differs(t, n) ? "*" : "");
		if (tier_differs(t, n))
			differs = true;
		if (n->ovr_tier != HM_NO_TIER && n->has_ovr_perf)
			snprintf(ovr, sizeof(ovr), "tier %d, figures", n->ovr_tier);
		else if (n->ovr_tier != HM_NO_TIER)
			snprintf(ovr, sizeof(ovr), "tier %d", n->ovr_tier);
		else if (n->has_ovr_perf)
			snprintf(ovr, sizeof(ovr), "figures");
		hm_table_rowf(tbl, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s", n->id,
			      n->nr_cpus ? n->cpulist : "-", hm_fmt_iec(n->mem_total, mem, sizeof(mem)),
			      hm_fmt_iec(n->mem_free, fr, sizeof(fr)), lat, bw, ad, tier, kt, pool,
			      hm_fmt_nodes(n->demotion, dem, sizeof(dem)), ovr);
	}
	hm_table_print(tbl, stdout);
	hm_table_free(tbl);
	printf("\ntiers:");
	for (unsigned int k = 0; k < t->nr_pools; k++) {
		char nodes[64];

		printf("  %d: node %s", t->pool[k].tier,
		       hm_fmt_nodes(t->pool[k].nodes, nodes, sizeof(nodes)));
	}
	printf("\npools:");
	for (unsigned int k = 0; k < t->nr_pools; k++) {
		char nodes[64];

		printf("  %u (tier %d): node %s", k, t->pool[k].tier,
		       hm_fmt_nodes(t->pool[k].nodes, nodes, sizeof(nodes)));
	}
	printf("\n");
	if (!t->kernel_tiers)
		printf("the kernel shows no memory tiers (no memory_tiering in sysfs)\n");
	if (differs)
		printf("* hotmem's tier differs from the kernel's (an override, or figures the\n"
		       "  kernel has not applied)\n");
	cxl_text(c, cxl_why);
	return HM_EXIT_OK;
}

struct common {
	const char *sysfs;
	const char *state;
	bool json;
	bool watch;
	uint64_t interval_ms;
	uint64_t count;
	const char *perf;
	uint64_t pid;
	bool have_pid;
	const char *socket;
};

/* Parse the options of tiers/pools; leave the operands in argv[optind..]. */
static int parse_common(const char *cmd, int argc, char **argv, struct common *o, bool pools)
{
	static const struct option lo[] = {
		{ "sysfs", required_argument, NULL, 'S' },
		{ "state", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "perf", required_argument, NULL, 'p' },
		{ "pid", required_argument, NULL, 'P' },
		{ "watch", no_argument, NULL, 'w' },
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'n' },
		{ "socket", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->interval_ms = 1000;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
		if (pools && (c == 'w' || c == 'i' || c == 'n'))
			return hm_usage_err(cmd, argv[optind - 1], "only for 'hotmem tiers'");
		switch (c) {
		case 'w':
			o->watch = true;
			break;
		case 'k':
			if (!pools)
				return hm_usage_err(cmd, "--socket", "only for 'hotmem pools'");
			o->socket = optarg;
			break;
		case 'i':
			if (hm_opt_u64(cmd, "--interval", optarg, 10, 3600000, &o->interval_ms))
				return HM_EXIT_USAGE;
			break;
		case 'n':
			if (hm_opt_u64(cmd, "--count", optarg, 1, UINT32_MAX, &o->count))
				return HM_EXIT_USAGE;
			break;
		case 'S':
			o->sysfs = optarg;
			break;
		case 's':
			o->state = optarg;
			break;
		case 'j':
			o->json = true;
			break;
		case 'p':
			if (pools)
				return hm_usage_err(cmd, "--perf", "only for 'hotmem tiers set'");
			o->perf = optarg;
			break;
		case 'P':
			if (!pools)
				return hm_usage_err(cmd, "--pid", "only for 'hotmem pools'");
			if (hm_opt_u64(cmd, "--pid", optarg, 1, INT32_MAX, &o->pid))
				return HM_EXIT_USAGE;
			o->have_pid = true;
			break;
		case 'h':
			hm_print_usage(hm_find_command(cmd), false);
			return -1;
		default:
			return hm_getopt_err(cmd, c, argv);
		}
	}
	return 0;
}

static int parse_perf(const char *s, struct hm_node_perf *p)
{
	uint32_t *v[4] = { &p->read_latency, &p->write_latency, &p->read_bandwidth,
			   &p->write_bandwidth };
	char buf[128], *tok, *save = NULL;
	int i = 0;

	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		uint64_t x;
		size_t at;

		if (i == 4 || hm_parse_u64(tok, &x, &at) || !x || x > UINT32_MAX)
			return -EINVAL;
		*v[i++] = (uint32_t)x;
	}
	return i == 4 ? 0 : -EINVAL;
}

static int tiers_set(struct common *o, int nargs, char **args, bool set)
{
	const char *path = hm_state_path(o->state);
	struct hm_state st;
	struct hm_topo t;
	struct hm_override *ov;
	uint64_t node, tier = 0;
	char err[512];
	int ret;

	if (nargs < 1)
		return hm_usage_err("tiers", set ? "set" : "unset", "needs a NODE");
	if (hm_opt_u64("tiers", "NODE", args[0], 0, HM_MAX_NODES - 1, &node))
		return HM_EXIT_USAGE;
	if (!set) {
		if (nargs != 1 || o->perf)
			return hm_usage_err("tiers", "unset", "takes only NODE");
		ret = hm_state_load(path, &st, err, sizeof(err));
		if (ret)
			return hm_fail("tiers", path, "%s (the file was left as it is)", err);
		if (!hm_state_drop(&st, (int)node))
			return hm_fail("tiers", "unset", "node %" PRIu64 " has no override in %s",
				       node, path);
	} else {
		struct hm_node_perf perf;

		if ((nargs == 2) == !!o->perf)
			return hm_usage_err("tiers", "set", "give NODE and either TIER or --perf");
		if (nargs == 2 && hm_opt_u64("tiers", "TIER", args[1], 0, 0xffffff, &tier))
			return HM_EXIT_USAGE;
		if (o->perf && parse_perf(o->perf, &perf))
			return hm_usage_err("tiers", "--perf",
					    "'%s' is not four numbers above 0: RLAT,WLAT,RBW,WBW "
					    "(ns, ns, MB/s, MB/s)", o->perf);
		ret = hm_topo_load("tiers", o->sysfs, o->state, &t, &st);
		if (ret)
			return ret;
		if (!hm_topo_find(&t, (int)node))
			return hm_fail("tiers", "set", "node %" PRIu64 " is not online", node);
		if (!hm_topo_find(&t, (int)node)->has_memory)
			return hm_fail("tiers", "set", "node %" PRIu64 " has no memory", node);
		ov = hm_state_get(&st, (int)node, true);
		if (nargs == 2) {
			ov->tier = (int)tier;
		} else {
			ov->has_perf = true;
			ov->perf = perf;
		}
	}
	ret = hm_state_save(path, &st, err, sizeof(err));
	if (ret)
		return hm_fail("tiers", path, "cannot write: %s; nothing changed", err);
	fprintf(stderr, "hotmem: tiers: %s node %" PRIu64 " in %s\n",
		set ? "override of" : "dropped the override of", node, path);
	return HM_EXIT_OK;
}

static volatile sig_atomic_t watch_stop;

static void on_stop(int sig)
{
	(void)sig;
	watch_stop = 1;
}

static void flag_names(unsigned int f, char *buf, size_t len, struct json_object *arr)
{
	static const char *const names[] = { "nodes", "memory", "cpus", "perf", "tiers" };
	size_t at = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(f & (1u << i)))
			continue;
		if (arr)
			json_object_array_add(arr, json_object_new_string(names[i]));
		at += (size_t)snprintf(buf + at, len > at ? len - at : 0, "%s%s", at ? ", " : "",
				       names[i]);
	}
}

static void watch_line(const struct hm_topo *t, unsigned int f, uint64_t nodes, double secs,
		       bool json)
{
	char what[96], ids[64];

	if (json) {
		struct json_object *o = json_object_new_object();
		struct json_object *arr = json_object_new_array();
		static struct hm_cxl none;

		flag_names(f, what, sizeof(what), arr);
		json_object_object_add(o, "seconds", json_object_new_double(secs));
		json_object_object_add(o, "changed", arr);
		json_object_object_add(o, "nodes", hm_json_nodes(nodes));
		json_object_object_add(o, "topology",
				       tiers_json(t, &none, "not read while watching"));
		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
	} else {
		flag_names(f, what, sizeof(what), NULL);
		printf("%8.1f s  %s of node %s;", secs, what, hm_fmt_nodes(nodes, ids, sizeof(ids)));
		for (unsigned int i = 0; i < t->nr_nodes; i++) {
			char mem[32];

			printf(" node %d %s tier %d%s", t->node[i].id,
			       hm_fmt_iec(t->node[i].mem_total, mem, sizeof(mem)), t->node[i].tier,
			       i + 1 < t->nr_nodes ? "," : "\n");
		}
	}
	fflush(stdout);
}

static int tiers_watch(const struct common *o)
{
	struct sigaction sa = { .sa_handler = on_stop };
	struct hm_topo_watch w;
	struct hm_state st;
	struct timespec t0, t1;
	uint64_t seen = 0, nodes;
	char err[512];
	int ret;

	ret = hm_topo_load("tiers", o->sysfs, o->state, &w.cur, &st);
	if (ret)
		return ret;
	ret = hm_topo_watch_init(&w, o->sysfs, err, sizeof(err));
	if (ret)
		return hm_fail("tiers", "--watch", "%s", err);
	hm_state_apply(&st, &w.cur);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!o->json)
		printf("watching %u nodes (%s); every %" PRIu64 " ms\n", w.cur.nr_nodes,
		       w.fd >= 0 ? "uevents and polling" : "polling", o->interval_ms);
	fflush(stdout);
	while (!watch_stop && (!o->count || seen < o->count)) {
		ret = hm_topo_watch_poll(&w, (int)o->interval_ms, &nodes, err, sizeof(err));
		if (ret < 0) {
			/* a reading caught mid-change: say so, keep the last good one */
			hm_err("tiers", "--watch", "%s; retrying", err);
			continue;
		}
		if (!ret)
			continue;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		watch_line(&w.cur, (unsigned int)ret, nodes,
			   (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9,
			   o->json);
		seen++;
	}
	hm_topo_watch_close(&w);
	return HM_EXIT_OK;
}

int hm_cmd_tiers(int argc, char **argv)
{
	static struct hm_cxl cxl;
	const char *cxl_why;
	struct common o;
	struct hm_topo t;
	int ret = parse_common("tiers", argc, argv, &o, false);

	if (ret)
		return ret < 0 ? HM_EXIT_OK : ret;
	if (optind < argc) {
		const char *verb = argv[optind];

		if (!strcmp(verb, "set") || !strcmp(verb, "unset"))
			return tiers_set(&o, argc - optind - 1, argv + optind + 1, verb[0] == 's');
		return hm_usage_err("tiers", verb, "unknown; try set or unset");
	}
	if (o.perf)
		return hm_usage_err("tiers", "--perf", "only with 'set'");
	if (o.watch)
		return tiers_watch(&o);
	ret = hm_topo_load("tiers", o.sysfs, o.state, &t, NULL);
	if (ret)
		return ret;
	cxl_why = read_cxl(o.sysfs, &cxl);
	if (o.json)
		return hm_print_json(tiers_json(&t, &cxl, cxl_why));
	return tiers_text(&t, &cxl, cxl_why);
}

/*
 * Ask a daemon for process @pid's hotness per pool. Return the target's
 * "pools" array (a new reference) and the source's name, or NULL and @why.
 */
static struct json_object *daemon_hotness(const char *path, int pid, char *src, size_t srclen,
					  char *why, size_t whylen)
{
	struct json_object *o, *v, *out = NULL;
	int ret = hm_status_request(path, &o);

	if (ret == -ENAMETOOLONG) {
		snprintf(why, whylen, "socket path too long");
		return NULL;
	}
	if (ret == -EBADMSG) {
		snprintf(why, whylen, "the daemon on %s did not answer in JSON", path);
		return NULL;
	}
	if (ret) {
		snprintf(why, whylen, "no hotmem run answers on %s", path);
		return NULL;
	}
	snprintf(why, whylen, "the daemon on %s does not monitor process %d", path, pid);
	if (json_object_object_get_ex(o, "sources", &v) && json_object_array_length(v))
		snprintf(src, srclen, "hotmem run (%s)",
			 json_object_get_string(json_object_object_get(
				 json_object_array_get_idx(v, 0), "name")));
	if (json_object_object_get_ex(o, "targets", &v))
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			struct json_object *t = json_object_array_get_idx(v, i), *p;

			if (json_object_get_int(json_object_object_get(t, "pid")) != pid)
				continue;
			if (json_object_object_get_ex(t, "pools", &p) &&
			    json_object_is_type(p, json_type_array))
				out = json_object_get(p);
			else
				snprintf(why, whylen, "the daemon could not read process %d's placement",
					 pid);
		}
	json_object_put(o);
	return out;
}

int hm_cmd_pools(int argc, char **argv)
{
	struct json_object *hot = NULL;
	char hot_src[96] = "", hot_why[192] = "";
	struct hm_placement pl;
	struct hm_proc_id id;
	struct common o;
	struct hm_topo t;
	int ret = parse_common("pools", argc, argv, &o, true);

	if (ret)
		return ret < 0 ? HM_EXIT_OK : ret;
	if (optind < argc)
		return hm_usage_err("pools", argv[optind], "unexpected argument");
	ret = hm_topo_load("pools", o.sysfs, o.state, &t, NULL);
	if (ret)
		return ret;
	if (o.have_pid) {
		ret = hm_proc_open((pid_t)o.pid, &id);
		if (!ret)
			ret = hm_proc_placement(&id, 0, UINT64_MAX, &pl);
		if (ret == -ESRCH)
			return hm_fail("pools", "--pid", "no process %" PRIu64, o.pid);
		if (ret == -EPERM || ret == -EACCES)
			return hm_fail("pools", "--pid",
				       "no ptrace access to process %" PRIu64
				       " (run as its user, or with CAP_SYS_PTRACE)", o.pid);
		if (ret)
			return hm_fail("pools", "--pid", "%s", strerror(-ret));
		hot = daemon_hotness(o.socket ? o.socket : "/run/hotmem/hotmem.sock", (int)o.pid,
				     hot_src, sizeof(hot_src), hot_why, sizeof(hot_why));
	} else if (o.socket) {
		return hm_usage_err("pools", "--socket", "only with --pid");
	}
	if (o.json) {
		struct json_object *root = json_object_new_object();

		json_object_object_add(root, "pools", pools_json(&t, o.have_pid ? &pl : NULL));
		if (o.have_pid) {
			json_object_object_add(root, "pid", json_object_new_int64((int64_t)o.pid));
			json_object_object_add(root, "process_absent_bytes",
					       json_object_new_int64((int64_t)pl.absent));
			json_object_object_add(root, "hotness", hot);
			json_object_object_add(root, "hotness_source",
					       hot ? json_object_new_string(hot_src) : NULL);
			if (!hot)
				json_object_object_add(root, "hotness_unavailable",
						       json_object_new_string(hot_why));
		}
		return hm_print_json(root);
	}
	{
		static const char *const hdr[] = { "pool", "tier", "nodes", "capacity", "used",
						   "free", "process" };
		struct hm_table *tbl = hm_table_new(o.have_pid ? 7 : 6, hdr, "rrlrrrr");

		if (!tbl)
			return hm_fail("pools", NULL, "out of memory");
		for (unsigned int k = 0; k < t.nr_pools; k++) {
			const struct hm_pool *p = &t.pool[k];
			char nodes[64], cap[32], used[32], fr[32], pb[32] = "";
			uint64_t b = 0;

			for (int i = 0; o.have_pid && i < HM_MAX_NODES; i++)
				if (p->nodes & (1ull << i))
					b += pl.bytes[i];
			hm_fmt_iec(b, pb, sizeof(pb));
			hm_table_rowf(tbl, o.have_pid ? "%u\t%d\t%s\t%s\t%s\t%s\t%s" :
							"%u\t%d\t%s\t%s\t%s\t%s",
				      k, p->tier, hm_fmt_nodes(p->nodes, nodes, sizeof(nodes)),
				      hm_fmt_iec(p->mem_total, cap, sizeof(cap)),
				      hm_fmt_iec(p->mem_total - p->mem_free, used, sizeof(used)),
				      hm_fmt_iec(p->mem_free, fr, sizeof(fr)), pb);
		}
		hm_table_print(tbl, stdout);
		hm_table_free(tbl);
		if (o.have_pid) {
			char ab[32];

			printf("process %" PRIu64 ": %s mapped but not present\n", o.pid,
			       hm_fmt_iec(pl.absent, ab, sizeof(ab)));
			if (!hot) {
				printf("hotness: not available: %s\n", hot_why);
			} else {
				printf("hotness from %s:", hot_src);
				for (size_t i = 0; i < json_object_array_length(hot); i++) {
					struct json_object *x = json_object_array_get_idx(hot, i);

					printf("  pool %d %.1f%%",
					       json_object_get_int(json_object_object_get(x, "pool")),
					       json_object_get_int(json_object_object_get(
						       x, "hotness_bp")) / 100.0);
				}
				printf("\n");
				json_object_put(hot);
			}
		}
	}
	return HM_EXIT_OK;
}
