// SPDX-License-Identifier: MIT
/*
 * The state file: {"version": 1, "overrides": [{"node": 1, "tier": 2},
 * {"node": 2, "read_latency_ns": ..., "write_latency_ns": ...,
 * "read_bandwidth_mbps": ..., "write_bandwidth_mbps": ...}]}. Read strictly
 * (an unknown key or a bad value names itself), written atomically.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include <hotmem/parse.h>

#include "state.h"

#define MAX_TIER 0xffffff

static const char *const perf_keys[] = { "read_latency_ns", "write_latency_ns",
					 "read_bandwidth_mbps", "write_bandwidth_mbps" };

/* A key as it can appear in a one-line message: printable, at most 40 bytes. */
static const char *shown(const char *key, char *buf, size_t len)
{
	size_t i;

	for (i = 0; key[i] && i + 1 < len && i < 40; i++)
		buf[i] = key[i] >= 0x20 && key[i] < 0x7f ? key[i] : '?';
	buf[i] = '\0';
	return buf;
}

const char *hm_state_path(const char *opt)
{
	const char *env = getenv("HOTMEM_STATE");

	if (opt)
		return opt;
	return env && *env ? env : HM_STATE_DEFAULT;
}

struct hm_override *hm_state_get(struct hm_state *s, int node, bool create)
{
	for (unsigned int i = 0; i < s->nr; i++)
		if (s->ov[i].node == node)
			return &s->ov[i];
	if (!create || s->nr >= HM_MAX_NODES)
		return NULL;
	s->ov[s->nr] = (struct hm_override){ .node = node, .tier = HM_NO_TIER };
	return &s->ov[s->nr++];
}

bool hm_state_drop(struct hm_state *s, int node)
{
	for (unsigned int i = 0; i < s->nr; i++) {
		if (s->ov[i].node != node)
			continue;
		memmove(&s->ov[i], &s->ov[i + 1], (s->nr - i - 1) * sizeof(s->ov[0]));
		s->nr--;
		return true;
	}
	return false;
}

static int get_uint(struct json_object *v, int64_t max, int64_t *out)
{
	int64_t x;

	if (!json_object_is_type(v, json_type_int))
		return -EINVAL;
	errno = 0;
	x = json_object_get_int64(v);
	if (errno || x < 0 || x > max)
		return -EINVAL;
	*out = x;
	return 0;
}

static int load_override(struct json_object *o, unsigned int idx, struct hm_state *s,
			 char *err, size_t len)
{
	struct hm_override ov = { .node = -1, .tier = HM_NO_TIER };
	uint32_t *pv[4] = { &ov.perf.read_latency, &ov.perf.write_latency,
			    &ov.perf.read_bandwidth, &ov.perf.write_bandwidth };
	unsigned int nperf = 0;

	if (!json_object_is_type(o, json_type_object))
		return hm_errmsg(err, len, "overrides[%u]: not an object", idx);
	json_object_object_foreach(o, key, val) {
		int64_t x;
		int k;

		if (!strcmp(key, "node")) {
			if (get_uint(val, HM_MAX_NODES - 1, &x))
				return hm_errmsg(err, len, "overrides[%u].node: not a node id 0-%d",
						 idx, HM_MAX_NODES - 1);
			ov.node = (int)x;
			continue;
		}
		if (!strcmp(key, "tier")) {
			if (get_uint(val, MAX_TIER, &x))
				return hm_errmsg(err, len, "overrides[%u].tier: not a tier id 0-%d",
						 idx, MAX_TIER);
			ov.tier = (int)x;
			continue;
		}
		for (k = 0; k < 4; k++)
			if (!strcmp(key, perf_keys[k]))
				break;
		if (k == 4) {
			char b[48];

			return hm_errmsg(err, len, "overrides[%u]: unknown key '%s'", idx,
					 shown(key, b, sizeof(b)));
		}
		if (get_uint(val, UINT32_MAX, &x) || !x)
			return hm_errmsg(err, len, "overrides[%u].%s: not a number 1-%u", idx, key,
					 UINT32_MAX);
		*pv[k] = (uint32_t)x;
		nperf++;
	}
	if (ov.node < 0)
		return hm_errmsg(err, len, "overrides[%u]: no \"node\"", idx);
	if (nperf && nperf != 4)
		return hm_errmsg(err, len, "overrides[%u]: give all four performance figures or none",
				 idx);
	if (!nperf && ov.tier == HM_NO_TIER)
		return hm_errmsg(err, len, "overrides[%u]: neither a tier nor performance figures",
				 idx);
	if (hm_state_get(s, ov.node, false))
		return hm_errmsg(err, len, "overrides[%u]: node %d appears twice", idx, ov.node);
	ov.has_perf = nperf == 4;
	*hm_state_get(s, ov.node, true) = ov;
	return 0;
}

int hm_state_load(const char *path, struct hm_state *s, char *err, size_t len)
{
	struct json_object *root, *ver, *ovs;
	struct hm_state tmp = { 0 };
	struct stat st;
	int ret = 0;

	if (stat(path, &st)) {
		if (errno == ENOENT) {
			*s = tmp;
			return 0;
		}
		ret = -errno;
		hm_errmsg(err, len, "%s", strerror(errno));
		return ret;
	}
	root = json_object_from_file(path);
	if (!root) {
		const char *why = json_util_get_last_err();

		return hm_errmsg(err, len, "not JSON (%.*s)", why ? (int)strcspn(why, "\n") : 0,
				 why ? why : "");
	}
	if (!json_object_is_type(root, json_type_object)) {
		ret = hm_errmsg(err, len, "not a JSON object");
		goto out;
	}
	json_object_object_foreach(root, key, val) {
		char b[48];

		(void)val;
		if (strcmp(key, "version") && strcmp(key, "overrides")) {
			ret = hm_errmsg(err, len, "unknown key '%s'", shown(key, b, sizeof(b)));
			goto out;
		}
	}
	if (!json_object_object_get_ex(root, "version", &ver) ||
	    !json_object_is_type(ver, json_type_int) || json_object_get_int(ver) != 1) {
		ret = hm_errmsg(err, len, "\"version\" is not 1");
		goto out;
	}
	if (json_object_object_get_ex(root, "overrides", &ovs)) {
		if (!json_object_is_type(ovs, json_type_array)) {
			ret = hm_errmsg(err, len, "\"overrides\" is not an array");
			goto out;
		}
		for (size_t i = 0; !ret && i < json_object_array_length(ovs); i++)
			ret = load_override(json_object_array_get_idx(ovs, i), (unsigned int)i, &tmp,
					    err, len);
	}
	if (!ret)
		*s = tmp;
out:
	json_object_put(root);
	return ret;
}

static struct json_object *to_json(const struct hm_state *s)
{
	struct json_object *root = json_object_new_object();
	struct json_object *arr = json_object_new_array();

	json_object_object_add(root, "version", json_object_new_int(1));
	for (unsigned int i = 0; i < s->nr; i++) {
		const struct hm_override *ov = &s->ov[i];
		struct json_object *o = json_object_new_object();
		const uint32_t pv[4] = { ov->perf.read_latency, ov->perf.write_latency,
					 ov->perf.read_bandwidth, ov->perf.write_bandwidth };

		json_object_object_add(o, "node", json_object_new_int(ov->node));
		if (ov->tier != HM_NO_TIER)
			json_object_object_add(o, "tier", json_object_new_int(ov->tier));
		for (int k = 0; ov->has_perf && k < 4; k++)
			json_object_object_add(o, perf_keys[k], json_object_new_int64(pv[k]));
		json_object_array_add(arr, o);
	}
	json_object_object_add(root, "overrides", arr);
	return root;
}

int hm_state_save(const char *path, const struct hm_state *s, char *err, size_t len)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	struct json_object *root = to_json(s);
	const char *text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY);
	size_t n = strlen(text);
	int fd, ret = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmpXXXXXX", path) >= (int)sizeof(tmp)) {
		json_object_put(root);
		return hm_errmsg(err, len, "path too long");
	}
	snprintf(dir, sizeof(dir), "%s", path);
	/* the default directory may not exist yet; create that one level only */
	if (mkdir(dirname(dir), 0755) && errno != EEXIST) {
		ret = -errno;
		hm_errmsg(err, len, "cannot create %s: %s", dir, strerror(errno));
		json_object_put(root);
		return ret;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		hm_errmsg(err, len, "%s", strerror(errno));
		json_object_put(root);
		return ret;
	}
	if (write(fd, text, n) != (ssize_t)n || write(fd, "\n", 1) != 1 || fchmod(fd, 0644) ||
	    fsync(fd))
		ret = -errno;
	if (close(fd) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret) {
		hm_errmsg(err, len, "%s", strerror(-ret));
		unlink(tmp);
	}
	json_object_put(root);
	return ret;
}

unsigned int hm_state_apply(const struct hm_state *s, struct hm_topo *t)
{
	unsigned int missing = 0;

	for (unsigned int i = 0; i < t->nr_nodes; i++) {
		t->node[i].ovr_tier = HM_NO_TIER;
		t->node[i].has_ovr_perf = false;
	}
	for (unsigned int i = 0; i < s->nr; i++) {
		struct hm_topo_node *n = hm_topo_find(t, s->ov[i].node);

		if (!n) {
			missing++;
			continue;
		}
		n->ovr_tier = s->ov[i].tier;
		n->has_ovr_perf = s->ov[i].has_perf;
		n->ovr_perf = s->ov[i].perf;
	}
	hm_topo_compute(t);
	return missing;
}
