// SPDX-License-Identifier: MIT
/*
 * Fuzz target for the configuration loader: any input either fails with a
 * one-line message, or loads; and what loads dumps to a canonical form that
 * loads again to the very same canonical form.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hm_config cfg, cfg2;
	struct hm_ctx *ctx = NULL, *ctx2 = NULL;
	struct json_object *a, *b;
	const char *text;
	char err[1024];
	int ret;

	ret = hm_config_parse((const char *)data, size, "fuzz", NULL, &ctx, &cfg, err,
			      sizeof(err));
	if (ret) {
		if (ctx || strchr(err, '\n') || !err[0])
			abort();
		return 0;
	}
	a = hm_config_dump(ctx, &cfg);
	text = json_object_to_json_string(a);
	if (hm_config_parse(text, strlen(text), "dump", NULL, &ctx2, &cfg2, err, sizeof(err)))
		abort();
	b = hm_config_dump(ctx2, &cfg2);
	if (strcmp(text, json_object_to_json_string(b)))
		abort();
	json_object_put(a);
	json_object_put(b);
	hm_config_release(&cfg);
	hm_config_release(&cfg2);
	hm_destroy_ctx(ctx);
	hm_destroy_ctx(ctx2);
	return 0;
}
