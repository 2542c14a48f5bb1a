// SPDX-License-Identifier: MIT
/*
 * hotmem sim and hotmem demo as a user runs them: one comparable row per
 * policy, the same bytes for the same seed, the demo's JSON keys and its
 * goal, and bad scenarios refused in one line naming the JSON path.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../hm_test.h"
#include "cli_util.h"

static char cfg[4096];

static void test_compare_rows(void **state)
{
	const char *a[] = { "sim", "--config", cfg, "--compare", "static,oracle-bound,numab,memtis,"
			    "hemem,hotmem", NULL };
	static const char *const pol[] = { "static", "oracle-bound", "numab", "memtis", "hemem",
					   "hotmem" };
	struct run r;
	unsigned int i;

	(void)state;
	run(&r, a);
	assert_int_equal(code(&r), 0);
	for (i = 0; i < 6; i++) {
		char row[64];

		snprintf(row, sizeof(row), "\n%s ", pol[i]);
		if (!strstr(r.out, row))
			fail_msg("no row for %s in:\n%s", pol[i], r.out);
	}
	done(&r);
}

static void test_json_and_determinism(void **state)
{
	const char *a[] = { "sim", "--config", cfg, "--json", NULL };
	const char *b[] = { "sim", "--config", cfg, "--json", "--seed", "2", NULL };
	struct run r1, r2, r3;
	struct json_object *o, *p, *x, *h;
	size_t i;

	(void)state;
	run(&r1, a);
	run(&r2, a);
	run(&r3, b);
	assert_int_equal(code(&r1), 0);
	o = parse_json(r1.out);
	assert_true(json_object_object_get_ex(o, "policies", &p));
	assert_int_equal(json_object_array_length(p), 3);
	/* wall time aside, the same seed gives the same numbers */
	for (i = 0; i < 3; i++) {
		x = json_object_array_get_idx(p, i);
		json_object_object_del(x, "wall_s");
	}
	{
		struct json_object *o2 = parse_json(r2.out), *p2;

		json_object_object_get_ex(o2, "policies", &p2);
		for (i = 0; i < 3; i++)
			json_object_object_del(json_object_array_get_idx(p2, i), "wall_s");
		assert_string_equal(json_object_to_json_string(o), json_object_to_json_string(o2));
		json_object_put(o2);
	}
	/* the clairvoyant placement bounds the others */
	x = json_object_array_get_idx(p, 1);
	json_object_object_get_ex(x, "hit_ratio", &h);
	for (i = 0; i < 3; i++) {
		struct json_object *y = json_object_array_get_idx(p, i), *hy;

		json_object_object_get_ex(y, "hit_ratio", &hy);
		assert_true(json_object_get_double(hy) <= json_object_get_double(h) + 0.003);
	}
	assert_int_equal(code(&r3), 0);
	assert_string_not_equal(r1.out, r3.out);
	json_object_put(o);
	done(&r1);
	done(&r2);
	done(&r3);
}

static void test_out_files(void **state)
{
	char dir[] = "/tmp/hm-sim-XXXXXX", path[4200];
	const char *a[] = { "sim", "--config", cfg, "--compare", "static", "--out", dir, NULL };
	struct run r;
	FILE *f;
	char line[4096];
	unsigned int n = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	run(&r, a);
	assert_int_equal(code(&r), 0);
	snprintf(path, sizeof(path), "%s/static.csv", dir);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	assert_int_equal(n, 1 + 2);	/* header, two 1 s rows */
	snprintf(path, sizeof(path), "%s/static.jsonl", dir);
	assert_int_equal(access(path, R_OK), 0);
	done(&r);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	assert_int_equal(system(path), 0);
}

static void bad(const char *json, const char *want)
{
	char path[] = "/tmp/hm-bad-XXXXXX";
	int fd = mkstemp(path);
	const char *a[] = { "sim", "--config", path, NULL };
	struct run r;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, json, strlen(json)), (ssize_t)strlen(json));
	close(fd);
	run(&r, a);
	assert_int_equal(code(&r), 2);
	assert_one_error_line(&r, "hotmem: sim: ");
	if (!strstr(r.err, want))
		fail_msg("'%s' lacks '%s'", r.err, want);
	done(&r);
	unlink(path);
}

static void test_bad_scenarios(void **state)
{
	(void)state;
	bad("{\"version\": 1}", "a simulation needs \"workloads\"");
	bad("{\"version\": 1, \"workloads\": [\"uniform:size=1M\"], "
	    "\"machine\": {\"nodes\": [{\"capacity\": \"1000\"}]}}",
	    "$.machine: nodes[0].capacity");
	bad("{\"version\": 1, \"workloads\": [\"zipf:size=1M,s=x\"]}", "$.workloads[0]: s:");
	bad("{\"version\": 1, \"workloads\": [\"uniform:size=1M\"], "
	    "\"machine\": {\"nodes\": [{\"read_latency\": \"fast\"}]}}",
	    "$.machine.nodes[0].read_latency: 'fast' is not a duration");
	bad("{\"version\": 1, \"workloads\": [\"uniform:size=1M\"], \"sim\": {\"tick\": 5, "
	    "\"sources\": \"ibs,foo\"}}", "$.sim.sources: 'foo' is not a source");
	bad("{\"version\": 1, \"workloads\": [\"uniform:size=1M\"], \"phases\": [{\"name\": \"x\"}]}",
	    "$.phases[0]: a phase needs \"duration\"");
}

static void test_bad_args(void **state)
{
	const char *a[] = { "sim", NULL };
	const char *b[] = { "sim", "--config", cfg, "--compare", "lru", NULL };
	const char *c[] = { "sim", "--config", "/nonexistent.json", NULL };
	struct run r;

	(void)state;
	run(&r, a);
	assert_int_equal(code(&r), 2);
	assert_one_error_line(&r, "hotmem: sim: --config: ");
	done(&r);
	run(&r, b);
	assert_int_equal(code(&r), 2);
	assert_one_error_line(&r, "hotmem: sim: --compare: 'lru' is not a policy");
	done(&r);
	run(&r, c);
	assert_int_equal(code(&r), 1);
	assert_one_error_line(&r, "hotmem: sim: /nonexistent.json: ");
	done(&r);
}

/*
 * Without report sources hotmem samples Accessed bits as DAMON does, and
 * still finds and promotes the hot set.
 */
static void test_damon_sampling(void **state)
{
	static const char json[] =
		"{\"version\": 1, \"monitor\": {\"sample_interval\": \"10ms\", "
		"\"aggr_interval\": \"100ms\", \"min_region_size\": \"4KiB\"}, "
		"\"targets\": [{\"space\": \"phys\", \"ranges\": [[\"0\", \"64MiB\"], "
		"[\"64MiB\", \"320MiB\"]]}], "
		"\"schemes\": [{\"name\": \"pull\", \"action\": \"migrate_hot\", \"node\": 0, "
		"\"access_pattern\": {\"access_rate\": [\"50%\", \"100%\"]}, "
		"\"quota\": {\"size\": \"8MiB\", \"reset_interval\": \"1s\"}, "
		"\"filters\": [{\"type\": \"addr\", \"start\": \"64MiB\", \"end\": \"320MiB\", "
		"\"allow\": true}]}], "
		"\"machine\": {\"nodes\": [{\"capacity\": \"64MiB\"}, {\"capacity\": \"256MiB\"}], "
		"\"alloc\": \"interleave\", \"alloc_weights\": [1, 3]}, "
		"\"sim\": {\"tick\": \"10ms\", \"sources\": \"none\", \"tlb_entries\": 0}, "
		"\"workloads\": [\"hotset:size=128M,hot=16M,frac=0.9,rate=1M\"], "
		"\"phases\": [{\"name\": \"one\", \"duration\": \"3s\"}]}";
	char path[] = "/tmp/hm-damon-XXXXXX";
	const char *a[] = { "sim", "--config", path, "--compare", "static,hotmem", "--json", NULL };
	struct json_object *o, *p, *st, *hm, *v;
	struct run r;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, json, sizeof(json) - 1), (ssize_t)sizeof(json) - 1);
	close(fd);
	run(&r, a);
	assert_int_equal(code(&r), 0);
	o = parse_json(r.out);
	json_object_object_get_ex(o, "policies", &p);
	st = json_object_array_get_idx(p, 0);
	hm = json_object_array_get_idx(p, 1);
	json_object_object_get_ex(hm, "promoted_bytes", &v);
	assert_true(json_object_get_uint64(v) > 0);
	json_object_object_get_ex(hm, "hot_fast_pct", &v);
	{
		struct json_object *w;

		json_object_object_get_ex(st, "hot_fast_pct", &w);
		if (json_object_get_double(v) < json_object_get_double(w) + 20)
			fail_msg("hot set in DRAM: hotmem %.1f%%, static %.1f%%",
				 json_object_get_double(v), json_object_get_double(w));
	}
	json_object_put(o);
	done(&r);
	unlink(path);
}

/* config check reads a scenario's sections too. */
static void test_config_check(void **state)
{
	char path[] = "/tmp/hm-cc-XXXXXX";
	const char *a[] = { "config", "check", cfg, NULL };
	const char *b[] = { "config", "check", path, NULL };
	static const char bad_json[] = "{\"version\": 1, \"workloads\": [\"uniform:size=1M\"], "
				       "\"machine\": {\"page_size\": \"8K\"}}";
	struct run r;
	int fd;

	(void)state;
	run(&r, a);
	assert_int_equal(code(&r), 0);
	assert_non_null(strstr(r.out, "simulation scenario: 2 node(s), 1 workload(s), 1 phase(s)"));
	done(&r);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, bad_json, sizeof(bad_json) - 1), (ssize_t)sizeof(bad_json) - 1);
	close(fd);
	run(&r, b);
	assert_int_equal(code(&r), 2);
	assert_one_error_line(&r, "hotmem: config: ");
	assert_non_null(strstr(r.err, "$.machine: page_size: 4KiB or 2MiB, not 8192"));
	done(&r);
	unlink(path);
}

/* The demo: its keys, and the goal every phase must meet. */
static void test_demo(void **state)
{
	const char *a[] = { "demo", "--json", "--out", "-", NULL };
	struct run r;
	struct json_object *o, *ph, *v;
	size_t i;
	static const char *const keys[] = { "hit_ratio", "oracle_hit_ratio", "promoted_bytes",
					    "demoted_bytes", "bounce_pct" };
	static const double targets[] = { 70, 30, 90, 85 };

	(void)state;
	run(&r, a);
	assert_int_equal(code(&r), 0);
	o = parse_json(r.out);
	for (i = 0; i < 5; i++)
		assert_true(json_object_object_get_ex(o, keys[i], &v));
	assert_true(json_object_object_get_ex(o, "phases", &ph));
	assert_int_equal(json_object_array_length(ph), 4);
	for (i = 0; i < 4; i++) {
		struct json_object *p = json_object_array_get_idx(ph, i), *x;
		double off, sd;

		json_object_object_get_ex(p, "target_pct", &x);
		assert_true(fabs(json_object_get_double(x) - targets[i]) < 1e-9);
		json_object_object_get_ex(p, "offset_pp", &x);
		off = json_object_get_double(x);
		json_object_object_get_ex(p, "stddev_pp", &x);
		sd = json_object_get_double(x);
		assert_true(json_object_object_get_ex(p, "mean_pct", &x));
		assert_true(json_object_object_get_ex(p, "converge_s", &x));
		assert_non_null(x);	/* it converged */
		if (fabs(off) > 0.5 || sd > 0.7)
			fail_msg("phase %zu: offset %.2f pp, stddev %.2f pp", i, off, sd);
	}
	json_object_put(o);
	done(&r);
}

/*
 * examples/chmu-only.json: the demo's schemes with the CHMU alone. The
 * CHMU sees no DRAM traffic, so the push scheme finds no hot DRAM region
 * and the pull scheme, whose goal never counts DRAM's hot memory, fills
 * DRAM: the 30% phase ends far above its target.
 */
static void test_chmu_only_push_blind(void **state)
{
	char path[4096];
	const char *a[] = { "sim", "--config", path, "--json", "--out", "-", NULL };
	const char *src = getenv("EXAMPLES_SRC");
	struct json_object *o, *pols, *ph, *p, *x;
	struct run r;

	(void)state;
	snprintf(path, sizeof(path), "%s/chmu-only.json", src ? src : "examples");
	run(&r, a);
	assert_int_equal(code(&r), 0);
	o = parse_json(r.out);
	assert_true(json_object_object_get_ex(o, "policies", &pols));
	assert_true(json_object_object_get_ex(json_object_array_get_idx(pols, 0), "phases", &ph));
	assert_int_equal(json_object_array_length(ph), 2);
	p = json_object_array_get_idx(ph, 1);
	assert_true(json_object_object_get_ex(p, "mean_pct", &x));
	if (json_object_get_double(x) < 60)
		fail_msg("CHMU only, 30%% target: DRAM share %.2f%%; a blind push should leave "
			 "it far above", json_object_get_double(x));
	json_object_put(o);
	done(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compare_rows),
		cmocka_unit_test(test_json_and_determinism),
		cmocka_unit_test(test_out_files),
		cmocka_unit_test(test_bad_scenarios),
		cmocka_unit_test(test_bad_args),
		cmocka_unit_test(test_config_check),
		cmocka_unit_test(test_damon_sampling),
		cmocka_unit_test(test_demo),
		cmocka_unit_test(test_chmu_only_push_blind),
	};
	const char *src = getenv("TESTS_DATA");

	snprintf(cfg, sizeof(cfg), "%s/sim-small.json", src ? src : "tests/data");
	return hm_run_tests(tests);
}
