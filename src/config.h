/* SPDX-License-Identifier: MIT */
/*
 * hotmem's JSON configuration: monitoring attributes, targets, sources,
 * sample filters and schemes (quotas, goals, filters, watermarks), turned
 * into a ready context. docs/config.md documents every key. Later commands
 * (sim, run) extend the schema with their own sections.
 */
#ifndef HOTMEM_SRC_CONFIG_H
#define HOTMEM_SRC_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include <hotmem/hotmem.h>

#define HM_CONFIG_VERSION 1
#define HM_CONFIG_NAME_LEN 32

/**
 * struct hm_config - what a configuration gives besides the context.
 * @seed:	the "monitor.seed" value (0 if absent), already applied.
 * @scheme_names: the schemes' names, in order ("" when unnamed).
 * @nr_schemes:	number of schemes.
 * @extra:	top-level sections the caller allowed (hm_config_load's
 *		@extra_sections), as parsed JSON; NULL if none was present.
 *		Owned by the config.
 */
struct hm_config {
	uint64_t seed;
	char scheme_names[HM_MAX_GOALS * 8][HM_CONFIG_NAME_LEN];
	unsigned int nr_schemes;
	struct json_object *extra;
};

/*
 * Parse @text (@len bytes; @name for messages) into a new context with its
 * targets, sources, sample filters and schemes. @extra_sections lists
 * further top-level keys the caller handles (NULL-terminated, may be NULL);
 * they are kept in @cfg->extra.
 * Return: 0; -EINVAL with a one-line message in @err ("NAME: $.path:
 * what"); -ENOMEM. On error nothing is returned and nothing leaks.
 */
int hm_config_parse(const char *text, size_t len, const char *name,
		    const char *const *extra_sections, struct hm_ctx **ctx,
		    struct hm_config *cfg, char *err, size_t errlen);
/* The same for a file; I/O errors give -errno and "PATH: why" in @err. */
int hm_config_load(const char *path, const char *const *extra_sections,
		   struct hm_ctx **ctx, struct hm_config *cfg, char *err,
		   size_t errlen);
void hm_config_release(struct hm_config *cfg);

/*
 * The configuration of @ctx in canonical form (durations in µs, sizes in
 * bytes, targets in basis points): loading it gives the same context.
 */
struct json_object *hm_config_dump(const struct hm_ctx *ctx,
				   const struct hm_config *cfg);

/* Names of the enums, as the configuration spells them. */
const char *hm_action_name(enum hm_action a);
const char *hm_goal_metric_name(enum hm_goal_metric m);

#endif /* HOTMEM_SRC_CONFIG_H */
