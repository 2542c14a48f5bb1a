// SPDX-License-Identifier: MIT
/*
 * The configuration loader: the examples load and mean what they say; the
 * canonical form loads back to the same thing; and each kind of mistake is
 * one line naming the file and the JSON path.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#include "../hm_test.h"

static struct hm_ctx *load_example(const char *name, struct hm_config *cfg)
{
	char path[4096], err[1024];
	struct hm_ctx *ctx = NULL;
	int ret;

	snprintf(path, sizeof(path), "%s/%s", getenv("EXAMPLES_SRC"), name);
	ret = hm_config_load(path, NULL, &ctx, cfg, err, sizeof(err));
	if (ret)
		print_message("%s\n", err);
	assert_int_equal(ret, 0);
	return ctx;
}

static struct hm_scheme *nth_scheme(struct hm_ctx *ctx, unsigned int i)
{
	struct hm_scheme *s;

	hm_for_each_scheme(s, ctx)
		if (!i--)
			return s;
	return NULL;
}

static void test_tiering_example(void **state)
{
	struct hm_config cfg;
	struct hm_ctx *ctx = load_example("tiering.json", &cfg);
	struct hm_target *t = hm_list_first_entry(&ctx->targets, struct hm_target, list);
	struct hm_scheme *pull = nth_scheme(ctx, 0);

	(void)state;
	assert_int_equal(ctx->attrs.ops_update_interval_us, 1000000);
	assert_int_equal(t->space, HM_SPACE_PHYS);
	assert_int_equal(t->pid, -1);
	assert_int_equal(hm_first_region(t)->start, 0);
	assert_true(hm_last_region(t)->end == 48ull << 30);
	assert_int_equal(ctx->nr_sources, 2);
	assert_int_equal(ctx->sources[0].acct, HM_ACCT_WEIGHTED);
	assert_int_equal(ctx->sources[0].scale, 16);
	assert_int_equal(hm_nr_schemes(ctx), 2);
	assert_string_equal(cfg.scheme_names[0], "pull");
	assert_int_equal(pull->action, HM_ACTION_MIGRATE_HOT);
	assert_int_equal(pull->dests[0].nid, 0);
	assert_true(pull->pattern.rate);
	assert_int_equal(pull->pattern.min_nr_accesses, 5);
	assert_int_equal(pull->pattern.max_nr_accesses, 100);
	assert_int_equal(pull->quota.sz, 512 << 20);
	assert_int_equal(pull->quota.reset_interval_ms, 1000);
	assert_int_equal(pull->quota.tuner, HM_TUNER_TEMPORAL);
	assert_int_equal(pull->quota.goals[0].metric, HM_GOAL_NODE_ELIGIBLE_MEM_BP);
	assert_int_equal(pull->quota.goals[0].target_value, 7000);
	assert_int_equal(pull->filters[0].type, HM_FILTER_ADDR);
	assert_true(pull->filters[0].addr.start == 16ull << 30);
	assert_true(pull->filters[0].addr.end == 48ull << 30);
	hm_config_release(&cfg);
	hm_destroy_ctx(ctx);
}

static void test_other_examples(void **state)
{
	struct hm_config cfg;
	struct hm_ctx *ctx = load_example("reclaim-cold.json", &cfg);
	struct hm_scheme *s = nth_scheme(ctx, 0);
	struct hm_sample_filter sf[2];

	(void)state;
	assert_int_equal(s->pattern.min_age, 1200);	/* 2 min of 100 ms windows */
	assert_int_equal(s->quota.ms, 10);
	assert_int_equal(s->quota.goals[0].target_value, 50);	/* 0.5% */
	assert_int_equal(s->wmarks.metric, HM_WMARK_FREE_MEM_RATE);
	assert_int_equal(s->wmarks.interval_us, 5000000);
	hm_config_release(&cfg);
	hm_destroy_ctx(ctx);

	ctx = load_example("intervals-tuning.json", &cfg);
	assert_int_equal(ctx->attrs.intervals_goal.access_bp, 400);
	assert_int_equal(ctx->attrs.intervals_goal.max_sample_us, 10000000);
	assert_int_equal(cfg.seed, 42);
	assert_int_equal(hm_get_sample_filters(ctx, sf, 2), 1);
	assert_int_equal(sf[0].type, HM_SAMPLE_FILTER_CPUMASK);
	assert_int_equal(sf[0].cpus[0], 0xf);
	hm_config_release(&cfg);
	hm_destroy_ctx(ctx);
}

/* The canonical form loads back to the same canonical form. */
static void test_round_trip(void **state)
{
	static const char *const names[] = { "tiering.json", "reclaim-cold.json",
					     "intervals-tuning.json" };
	unsigned int i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		struct hm_config cfg, cfg2;
		struct hm_ctx *ctx = load_example(names[i], &cfg), *ctx2 = NULL;
		struct json_object *a = hm_config_dump(ctx, &cfg), *b;
		const char *text = json_object_to_json_string(a);
		char err[1024];

		assert_int_equal(hm_config_parse(text, strlen(text), "dump", NULL, &ctx2, &cfg2,
						 err, sizeof(err)), 0);
		b = hm_config_dump(ctx2, &cfg2);
		assert_string_equal(text, json_object_to_json_string(b));
		json_object_put(a);
		json_object_put(b);
		hm_config_release(&cfg);
		hm_config_release(&cfg2);
		hm_destroy_ctx(ctx);
		hm_destroy_ctx(ctx2);
	}
}

static void expect_error(const char *text, const char *want)
{
	struct hm_config cfg;
	struct hm_ctx *ctx = NULL;
	char err[1024] = "";
	int ret;

	ret = hm_config_parse(text, strlen(text), "x.json", NULL, &ctx, &cfg, err, sizeof(err));
	if (ret != -EINVAL || strncmp(err, want, strlen(want)))
		print_message("config: %s\n  got (%d): %s\n  want: %s\n", text, ret, err, want);
	assert_int_equal(ret, -EINVAL);
	assert_null(ctx);
	assert_true(strncmp(err, want, strlen(want)) == 0);
	assert_null(strchr(err, '\n'));		/* one line */
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("{\"monitor\": {\"sampel_interval\": 5}}",
		     "x.json: $.monitor.sampel_interval: unknown key (expected one of: "
		     "sample_interval, aggr_interval,");
	expect_error("{\"monitor\": {\"sample_interval\": \"5x\"}}",
		     "x.json: $.monitor.sample_interval: '5x' is not a duration");
	expect_error("{\"monitor\": {\"min_nr_regions\": 2}}",
		     "x.json: $.monitor: min_nr_regions is 2; it must be at least 3");
	expect_error("{\"monitor\": {\"min_nr_regions\": -1}}",
		     "x.json: $.monitor.min_nr_regions: expected a number, not a negative number");
	expect_error("{\"monitor\": {\"min_region_size\": 3000}}",
		     "x.json: $.monitor: min_region_size 3000 is not a power of two");
	expect_error("{\"monitor\": {\"sample_interval\": \"1s\"}}",
		     "x.json: $.monitor: sample_interval (1000000 µs) is longer than aggr_interval");
	expect_error("{\"monitor\": {\"straddle\": 1}}",
		     "x.json: $.monitor.straddle: expected a string, not int");
	expect_error("{\"version\": 2}", "x.json: $.version: version 2 is not supported");
	expect_error("[1, 2]", "x.json: $: expected an object, not array");
	expect_error("{\"monitor\": ", "x.json: line 1, column 13: the document ends too early");
	expect_error("{\"a\": 1,\n \"b\" 2}", "x.json: line 2, column 6:");
	expect_error("{} x", "x.json: line 1, column 4: text after the JSON document");
	expect_error("", "x.json: line 1, column 1:");
	expect_error("{\"targets\": [{\"ranges\": [[10, 5]]}]}",
		     "x.json: $.targets[0].ranges[0]: min 10 is above max 5");
	expect_error("{\"targets\": [{\"ranges\": [[0, 8192], [4096, 16384]]}]}",
		     "x.json: $.targets[0].ranges: ranges must be non-empty, sorted and disjoint");
	expect_error("{\"targets\": [{\"pid\": 5, \"space\": \"phys\"}]}",
		     "x.json: $.targets[0]: a process target has virtual addresses");
	expect_error("{\"sources\": [{\"accounting\": \"magic\"}]}",
		     "x.json: $.sources[0].accounting: unknown value 'magic' "
		     "(expected one of: binary, weighted, coverage)");
	expect_error("{\"sources\": [{\"scale\": 0}]}",
		     "x.json: $.sources[0].scale: 0 is out of range");
	expect_error("{\"sample_filters\": [{\"type\": \"cpumask\", \"cpus\": \"0-x\"}]}",
		     "x.json: $.sample_filters[0].cpus: '0-x' is not a CPU list");
	expect_error("{\"sample_filters\": [{\"type\": \"threads\"}]}",
		     "x.json: $.sample_filters[0]: a threads filter needs \"tids\"");
	expect_error("{\"schemes\": [{\"action\": \"migrate_hot\"}]}",
		     "x.json: $.schemes[0]: migrate_hot needs a destination");
	expect_error("{\"schemes\": [{\"node\": 1}]}",
		     "x.json: $.schemes[0]: missing \"action\"");
	expect_error("{\"schemes\": [{\"action\": \"stat\", \"node\": 1, \"dests\": []}]}",
		     "x.json: $.schemes[0]: give node or dests, not both");
	expect_error("{\"schemes\": [{\"action\": \"stat\", \"access_pattern\": "
		     "{\"age\": [5, 2]}}]}",
		     "x.json: $.schemes[0].access_pattern.age: min 5 is above max 2");
	expect_error("{\"schemes\": [{\"action\": \"stat\", \"access_pattern\": "
		     "{\"access_rate\": [\"5%\", \"150%\"]}}]}",
		     "x.json: $.schemes[0].access_pattern.access_rate[1]: 150 is out of range");
	expect_error("{\"schemes\": [{\"action\": \"stat\", \"access_pattern\": "
		     "{\"nr_accesses\": [1, 2], \"access_rate\": [1, 2]}}]}",
		     "x.json: $.schemes[0].access_pattern: give nr_accesses or access_rate");
	expect_error("{\"schemes\": [{\"action\": \"stat\", \"quota\": {\"goals\": "
		     "[{\"metric\": \"node_eligible_mem_bp\", \"target\": \"70%\"}]}}]}",
		     "x.json: $.schemes[0].quota.goals[0]: node_eligible_mem_bp needs \"node\"");
	expect_error("{\"schemes\": [{\"action\": \"stat\", \"quota\": {\"goals\": "
		     "[{\"metric\": \"user_input\", \"target\": 0}]}}]}",
		     "x.json: $.schemes[0].quota.goals[0]: target must not be 0");
	expect_error("{\"schemes\": [{\"action\": \"stat\", \"quota\": {\"goals\": "
		     "[{\"metric\": \"node_mem_used_bp\", \"node\": 0, \"target\": \"x%\"}]}}]}",
		     "x.json: $.schemes[0].quota.goals[0].target: 'x%' is not a percentage");
	expect_error("{\"schemes\": [{\"action\": \"stat\", \"quota\": {\"goals\": "
		     "[{\"metric\": \"node_mem_used_bp\", \"node\": 0, \"target\": 20000}]}}]}",
		     "x.json: $.schemes[0].quota.goals[0]: node_mem_used_bp is in basis points");
	expect_error("{\"schemes\": [{\"action\": \"stat\", \"quota\": "
		     "{\"fail_charge\": [3, 2]}}]}",
		     "x.json: $.schemes[0].quota.fail_charge: expected [num, denom]");
	expect_error("{\"schemes\": [{\"action\": \"stat\", \"quota\": {\"time\": \"1500us\"}}]}",
		     "x.json: $.schemes[0].quota.time: quota times are whole milliseconds");
	expect_error("{\"schemes\": [{\"action\": \"stat\", \"quota\": "
		     "{\"weights\": {\"freq\": 1}}}]}",
		     "x.json: $.schemes[0].quota.weights.freq: unknown key");
	expect_error("{\"schemes\": [{\"action\": \"stat\", \"filters\": "
		     "[{\"type\": \"addr\", \"start\": 10, \"end\": 10}]}]}",
		     "x.json: $.schemes[0].filters[0]: start must be below end");
	expect_error("{\"schemes\": [{\"action\": \"stat\", \"watermarks\": "
		     "{\"metric\": \"free_mem_rate\", \"high\": 100, \"mid\": 200, \"low\": 50}}]}",
		     "x.json: $.schemes[0].watermarks: expected low <= mid <= high");
	expect_error("{\"schemes\": [{\"action\": \"stat\", \"name\": "
		     "\"a-name-far-too-long-for-a-scheme-here\"}]}",
		     "x.json: $.schemes[0].name: longer than 31 characters");
}

/* Sections a caller allows are kept for it; others are errors. */
static void test_extra_sections(void **state)
{
	static const char *const extra[] = { "sim", NULL };
	static const char text[] = "{\"sim\": {\"nodes\": 2}, \"schemes\": []}";
	struct hm_config cfg;
	struct hm_ctx *ctx = NULL;
	struct json_object *sim;
	char err[512];

	(void)state;
	assert_int_equal(hm_config_parse(text, strlen(text), "x", extra, &ctx, &cfg, err,
					 sizeof(err)), 0);
	assert_true(json_object_object_get_ex(cfg.extra, "sim", &sim));
	hm_config_release(&cfg);
	hm_destroy_ctx(ctx);
	expect_error(text, "x.json: $.sim: unknown key");
}

/* A missing file is an I/O error naming it; not the same as invalid content. */
static void test_missing_file(void **state)
{
	struct hm_config cfg;
	struct hm_ctx *ctx = NULL;
	char err[512];

	(void)state;
	assert_int_equal(hm_config_load("/nonexistent/x.json", NULL, &ctx, &cfg, err,
					sizeof(err)), -ENOENT);
	assert_string_equal(err, "/nonexistent/x.json: No such file or directory");
	assert_null(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tiering_example),
		cmocka_unit_test(test_other_examples),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_extra_sections),
		cmocka_unit_test(test_missing_file),
	};

	return hm_run_tests(tests);
}
