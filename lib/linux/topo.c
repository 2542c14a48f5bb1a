// SPDX-License-Identifier: MIT
/*
 * The machine's nodes as the kernel shows them in sysfs: which are online and
 * have CPUs or memory, each node's CPUs, memory and distances, its HMAT
 * performance (access classes), and the kernel's memory tiers. Everything is
 * read under a root directory that stands for /sys, so tests read trees
 * captured from other machines (tests/fixtures). Read only, always.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hotmem/linux.h>
#include <hotmem/parse.h>
#include <hotmem/tier.h>

#define NODE_DIR	"devices/system/node"
#define TIER_DIR	"devices/virtual/memory_tiering"

struct ctx {
	const char *root;
	char *err;
	size_t errlen;
};

/*
 * Read the sysfs file @root/@rel into @buf without its trailing newline.
 * Return its length, -ENOENT if it does not exist, or another negative errno.
 */
static int read_file(const struct ctx *c, const char *rel, char *buf, size_t len)
{
	char path[4096];
	ssize_t n;
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s", c->root, rel) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0)
		return (int)n;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return (int)n;
}

static int access_rel(const struct ctx *c, const char *rel)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", c->root, rel);
	return access(path, R_OK);
}

static int fail(const struct ctx *c, int ret, const char *rel, const char *why)
{
	hm_errmsg(c->err, c->errlen, "%s/%s: %s", c->root, rel, why);
	return ret;
}

struct bits {
	uint64_t mask;
	uint32_t count;
	bool over;
};

static int add_bits(uint64_t lo, uint64_t hi, void *arg)
{
	struct bits *b = arg;

	for (uint64_t i = lo; i <= hi; i++) {
		b->count++;
		if (i < 64)
			b->mask |= 1ull << i;
		else
			b->over = true;
	}
	return 0;
}

/* A node list file ("0-1,3"; empty is allowed) into a mask of ids < 64. */
static int read_list(const struct ctx *c, const char *rel, struct bits *b, bool must)
{
	char buf[4096];
	size_t at;
	int n = read_file(c, rel, buf, sizeof(buf));

	memset(b, 0, sizeof(*b));
	if (n == -ENOENT && !must)
		return 0;
	if (n < 0)
		return fail(c, n, rel, strerror(-n));
	if (!n)
		return 0;
	if (hm_parse_list(buf, 65535, add_bits, b, &at))
		return fail(c, -EINVAL, rel, "not a list of ranges");
	return 0;
}

/* "Node 0 MemTotal:  24614628 kB" lines */
static int read_meminfo(const struct ctx *c, const char *rel, struct hm_topo_node *n)
{
	char buf[8192], *line, *save = NULL;
	bool total = false, free_ = false;
	int ret = read_file(c, rel, buf, sizeof(buf));

	if (ret == -ENOENT)
		return 0;
	if (ret < 0)
		return fail(c, ret, rel, strerror(-ret));
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char key[64];
		uint64_t kb;
		int id;

		if (sscanf(line, "Node %d %63[^:]: %" SCNu64 " kB", &id, key, &kb) != 3)
			continue;
		if (id != n->id)
			return fail(c, -EINVAL, rel, "names another node");
		if (!strcmp(key, "MemTotal")) {
			n->mem_total = kb << 10;
			total = true;
		} else if (!strcmp(key, "MemFree")) {
			n->mem_free = kb << 10;
			free_ = true;
		}
	}
	if (!total || !free_)
		return fail(c, -EINVAL, rel, "no MemTotal or MemFree line");
	return 0;
}

static int read_distance(const struct ctx *c, const char *rel, struct hm_topo_node *n,
			 uint64_t online)
{
	char buf[4096], *p = buf, *end;
	int ret = read_file(c, rel, buf, sizeof(buf));

	if (ret == -ENOENT)
		return 0;
	if (ret < 0)
		return fail(c, ret, rel, strerror(-ret));
	/* one value per online node, in id order */
	for (int id = 0; id < HM_MAX_NODES; id++) {
		unsigned long v;

		if (!(online & (1ull << id)))
			continue;
		errno = 0;
		v = strtoul(p, &end, 10);
		if (end == p || errno || v > 255)
			return fail(c, -EINVAL, rel, "not one distance (0-255) per online node");
		n->distance[id] = (uint8_t)v;
		p = end;
	}
	while (*p == ' ')
		p++;
	if (*p)
		return fail(c, -EINVAL, rel, "more distances than online nodes");
	return 0;
}

static int read_u32(const struct ctx *c, const char *rel, uint32_t *out)
{
	char buf[64];
	uint64_t v;
	size_t at;
	int ret = read_file(c, rel, buf, sizeof(buf));

	if (ret < 0)
		return ret == -ENOENT ? ret : fail(c, ret, rel, strerror(-ret));
	if (hm_parse_u64(buf, &v, &at) || v > UINT32_MAX)
		return fail(c, -EINVAL, rel, "not a number below 2^32");
	*out = (uint32_t)v;
	return 0;
}

/*
 * The node's performance from the CPU access class (access1, what the kernel
 * computes tiers from), else from access0. All four values or none.
 */
static int read_perf(const struct ctx *c, struct hm_topo_node *n)
{
	static const char *const names[] = { "read_latency", "write_latency",
					     "read_bandwidth", "write_bandwidth" };

	for (int cls = 1; cls >= 0; cls--) {
		uint32_t v[4];
		int ret = 0;

		for (int i = 0; i < 4 && !ret; i++) {
			char rel[256];

			snprintf(rel, sizeof(rel), NODE_DIR "/node%d/access%d/initiators/%s",
				 n->id, cls, names[i]);
			ret = read_u32(c, rel, &v[i]);
		}
		if (ret == -ENOENT)
			continue;
		if (ret)
			return ret;
		n->perf = (struct hm_node_perf){ v[0], v[1], v[2], v[3] };
		n->has_perf = true;
		return 0;
	}
	return 0;
}

static int read_kernel_tiers(const struct ctx *c, struct hm_topo *t)
{
	char path[4096];
	struct dirent *de;
	DIR *d;
	int ret = 0;

	snprintf(path, sizeof(path), "%s/" TIER_DIR, c->root);
	d = opendir(path);
	if (!d)
		return errno == ENOENT ? 0 : fail(c, -errno, TIER_DIR, strerror(errno));
	t->kernel_tiers = true;
	while (!ret && (de = readdir(d))) {
		char rel[512];
		struct bits b;
		unsigned int id;
		int len;

		if (sscanf(de->d_name, "memory_tier%u%n", &id, &len) != 1 ||
		    de->d_name[len] || id > INT32_MAX)
			continue;
		snprintf(rel, sizeof(rel), TIER_DIR "/%s/nodelist", de->d_name);
		ret = read_list(c, rel, &b, true);
		for (unsigned int i = 0; !ret && i < t->nr_nodes; i++)
			if (b.mask & (1ull << t->node[i].id))
				t->node[i].kernel_tier = (int)id;
	}
	closedir(d);
	return ret;
}

int hm_topo_read(const char *root, struct hm_topo *t, char *err, size_t errlen)
{
	struct ctx c = { root ? root : "/sys", err, errlen };
	struct bits online, cpu, mem;
	struct hm_topo tmp;
	int ret;

	if (err && errlen)
		err[0] = '\0';
	hm_topo_init(&tmp);
	ret = read_list(&c, NODE_DIR "/online", &online, true);
	if (!ret)
		ret = read_list(&c, NODE_DIR "/has_cpu", &cpu, false);
	if (!ret)
		ret = read_list(&c, NODE_DIR "/has_memory", &mem, false);
	if (ret)
		return ret;
	if (online.over)
		return fail(&c, -ERANGE, NODE_DIR "/online", "node ids above 63");
	if (!online.mask)
		return fail(&c, -EINVAL, NODE_DIR "/online", "no node online");
	for (int id = 0; id < HM_MAX_NODES; id++) {
		struct hm_topo_node *n;
		char rel[256];
		struct bits cpus;

		if (!(online.mask & (1ull << id)))
			continue;
		n = hm_topo_add(&tmp, id);
		n->has_cpu = cpu.mask & (1ull << id);
		n->has_memory = mem.mask & (1ull << id);
		snprintf(rel, sizeof(rel), NODE_DIR "/node%d/cpulist", id);
		ret = read_file(&c, rel, n->cpulist, sizeof(n->cpulist));
		if (ret == -ENOENT)
			return fail(&c, ret, rel, "missing: is the node online?");
		if (ret < 0)
			return fail(&c, ret, rel, strerror(-ret));
		ret = read_list(&c, rel, &cpus, true);
		if (ret)
			return ret;
		n->nr_cpus = cpus.count;
		snprintf(rel, sizeof(rel), NODE_DIR "/node%d/meminfo", id);
		ret = read_meminfo(&c, rel, n);
		if (!ret) {
			snprintf(rel, sizeof(rel), NODE_DIR "/node%d/distance", id);
			ret = read_distance(&c, rel, n, online.mask);
		}
		if (!ret)
			ret = read_perf(&c, n);
		if (ret)
			return ret;
	}
	ret = read_kernel_tiers(&c, &tmp);
	if (ret)
		return ret;
	ret = hm_topo_compute(&tmp);
	if (ret)
		return fail(&c, ret, NODE_DIR, "inconsistent node ids");
	*t = tmp;
	return 0;
}

int hm_node_meminfo(const char *root, int nid, uint64_t *total, uint64_t *free_bytes)
{
	struct ctx c = { root ? root : "/sys", NULL, 0 };
	struct hm_topo_node n = { .id = nid };
	char rel[128];
	int ret;

	if (nid < 0 || nid >= HM_MAX_NODES)
		return -ENODEV;
	snprintf(rel, sizeof(rel), NODE_DIR "/node%d/meminfo", nid);
	if (access_rel(&c, rel))
		return -ENODEV;
	ret = read_meminfo(&c, rel, &n);
	if (ret)
		return ret;
	*total = n.mem_total;
	*free_bytes = n.mem_free;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int hm_node_phys_ranges(const char *root, int nid, uint64_t (*ranges)[2], unsigned int max)
{
	struct ctx c = { root ? root : "/sys", NULL, 0 };
	char path[4096], buf[64];
	uint64_t bs, *ids = NULL;
	size_t nr = 0, cap = 0;
	struct dirent *de;
	unsigned int n = 0;
	size_t at;
	DIR *d;
	int ret;

	ret = read_file(&c, "devices/system/memory/block_size_bytes", buf, sizeof(buf));
	if (ret < 0)
		return ret;
	/* the kernel prints it in hex without 0x */
	{
		char hex[72];

		snprintf(hex, sizeof(hex), "0x%s", buf);
		if (hm_parse_u64(hex, &bs, &at) || !bs)
			return -EINVAL;
	}
	snprintf(path, sizeof(path), "%s/" NODE_DIR "/node%d", c.root, nid);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		unsigned int id;
		int len;
		char rel[128], state[32];

		if (sscanf(de->d_name, "memory%u%n", &id, &len) != 1 || de->d_name[len])
			continue;
		snprintf(rel, sizeof(rel), "devices/system/memory/memory%u/state", id);
		if (read_file(&c, rel, state, sizeof(state)) < 0 || strcmp(state, "online"))
			continue;
		if (nr == cap) {
			uint64_t *x = realloc(ids, (cap = cap ? cap * 2 : 64) * sizeof(*ids));

			if (!x) {
				free(ids);
				closedir(d);
				return -ENOMEM;
			}
			ids = x;
		}
		ids[nr++] = id;
	}
	closedir(d);
	if (nr)
		qsort(ids, nr, sizeof(*ids), cmp_u64);
	for (size_t i = 0; i < nr; i++) {
		if (n && ranges[n - 1][1] == ids[i] * bs) {
			ranges[n - 1][1] += bs;
			continue;
		}
		if (n == max)
			break;
		ranges[n][0] = ids[i] * bs;
		ranges[n][1] = ids[i] * bs + bs;
		n++;
	}
	free(ids);
	return (int)n;
}
