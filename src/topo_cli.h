/* SPDX-License-Identifier: MIT */
/* What hotmem tiers, pools and migrate share. */
#ifndef HOTMEM_SRC_TOPO_CLI_H
#define HOTMEM_SRC_TOPO_CLI_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include <hotmem/tier.h>

#include "state.h"

/*
 * Read the topology (under @sysfs, NULL for /sys) and apply the overrides of
 * the state file. Print one line and return the exit code on failure.
 * @st, if given, receives the state.
 */
int hm_topo_load(const char *cmd, const char *sysfs, const char *state_path,
		 struct hm_topo *t, struct hm_state *st);

/* "0-1,3" from a node mask; "-" when empty. Returns @buf. */
char *hm_fmt_nodes(uint64_t mask, char *buf, size_t len);

/* A JSON array of the node ids in @mask. */
struct json_object *hm_json_nodes(uint64_t mask);

#endif /* HOTMEM_SRC_TOPO_CLI_H */
