// SPDX-License-Identifier: MIT
/*
 * Fuzz target for the sysfs topology reader: the input, cut at NUL bytes,
 * becomes the files of a two-node tree (node states, CPU lists, meminfo,
 * distances, HMAT figures, a kernel tier list). The reader either fails
 * with a one-line message and leaves the topology alone, or gives one whose
 * pools hold every node with memory exactly once.
 */
#include <errno.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hotmem/linux.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const files[] = {
	"devices/system/node/online",
	"devices/system/node/has_cpu",
	"devices/system/node/has_memory",
	"devices/system/node/node0/cpulist",
	"devices/system/node/node0/meminfo",
	"devices/system/node/node0/distance",
	"devices/system/node/node1/cpulist",
	"devices/system/node/node1/meminfo",
	"devices/system/node/node1/distance",
	"devices/system/node/node1/access1/initiators/read_latency",
	"devices/system/node/node1/access1/initiators/write_latency",
	"devices/system/node/node1/access1/initiators/read_bandwidth",
	"devices/system/node/node1/access1/initiators/write_bandwidth",
	"devices/virtual/memory_tiering/memory_tier4/nodelist",
};

static char root[64];

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static void cleanup(void)
{
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void mkdirs(const char *rel)
{
	char p[256], *s;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	for (s = p + strlen(root) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *at = data, *end = data + size;
	struct hm_topo t;
	char err[512];
	int ret;

	if (!root[0]) {
		snprintf(root, sizeof(root), "/tmp/hm-fuzz-topo-%d", (int)getpid());
		mkdir(root, 0755);
		atexit(cleanup);
		for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
			mkdirs(files[i]);
	}
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		const uint8_t *nul = at < end ? memchr(at, 0, (size_t)(end - at)) : NULL;
		size_t n = nul ? (size_t)(nul - at) : (size_t)(end - at);
		char p[256];
		FILE *f;

		snprintf(p, sizeof(p), "%s/%s", root, files[i]);
		f = fopen(p, "w");
		if (!f || fwrite(at, 1, n, f) != n)
			abort();
		fclose(f);
		at = nul ? nul + 1 : end;
	}
	memset(&t, 0x5a, sizeof(t));
	err[0] = '\0';
	ret = hm_topo_read(root, &t, err, sizeof(err));
	if (ret) {
		if (ret > 0 || !err[0] || strchr(err, '\n') || t.nr_nodes != 0x5a5a5a5a)
			abort();
		return 0;
	}
	for (unsigned int i = 0; i < t.nr_nodes; i++) {
		const struct hm_topo_node *n = &t.node[i];
		unsigned int in = 0;

		for (unsigned int k = 0; k < t.nr_pools; k++)
			in += !!(t.pool[k].nodes & (1ull << n->id));
		if (in != (n->has_memory ? 1u : 0u) || n->tier != (n->has_memory ? n->tier : -1))
			abort();
	}
	return 0;
}
