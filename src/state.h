/* SPDX-License-Identifier: MIT */
/*
 * hotmem's persistent state: the operator's tier and performance overrides,
 * kept in one JSON file (docs/tiers.md) that every command reads and only
 * `hotmem tiers set/unset` writes, atomically.
 */
#ifndef HOTMEM_SRC_STATE_H
#define HOTMEM_SRC_STATE_H

#include <stdbool.h>
#include <stddef.h>

#include <hotmem/tier.h>

#define HM_STATE_DEFAULT "/var/lib/hotmem/state.json"

/**
 * struct hm_override - what the operator said about one node.
 * @node:	node id.
 * @tier:	tier id, or HM_NO_TIER.
 * @has_perf:	@perf replaces the firmware's figures.
 */
struct hm_override {
	int node;
	int tier;
	bool has_perf;
	struct hm_node_perf perf;
};

struct hm_state {
	unsigned int nr;
	struct hm_override ov[HM_MAX_NODES];
};

/* The state file: @opt if given, else $HOTMEM_STATE, else the default. */
const char *hm_state_path(const char *opt);

/* Load @path; a missing file is an empty state. Negative errno and @err. */
int hm_state_load(const char *path, struct hm_state *s, char *err, size_t len);

/* Write @s to @path through a temporary file and rename: all or nothing. */
int hm_state_save(const char *path, const struct hm_state *s, char *err, size_t len);

/* The override of @node, created empty if @create. NULL if none or full. */
struct hm_override *hm_state_get(struct hm_state *s, int node, bool create);

/* Drop @node's override; true if there was one. */
bool hm_state_drop(struct hm_state *s, int node);

/*
 * Copy the overrides onto the nodes of @t and recompute it. Return how many
 * overrides name a node @t does not have (they stay in the state).
 */
unsigned int hm_state_apply(const struct hm_state *s, struct hm_topo *t);

#endif /* HOTMEM_SRC_STATE_H */
