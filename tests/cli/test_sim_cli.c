// SPDX-License-Identifier: MIT
/*
 * hotmem sim and hotmem demo as a user runs them: one comparable row per
 * policy, the same bytes for the same seed, the demo's JSON keys and its
 * goal, and bad scenarios refused in one line naming the JSON path.
 */
#include <dirent.h>
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
	bad("{\"version\": 1, \"workloads\": [\"uniform:size=1M\"], \"sim\": {\"chmu_adaptive\": 1}}",
	    "$.sim.chmu_adaptive: expected true, false or");
	bad("{\"version\": 1, \"workloads\": [\"uniform:size=1M\"], \"sim\": {\"chmu_adaptive\": "
	    "{\"interval\": \"1ms\"}}}", "$.sim.chmu_adaptive.interval: at least 10ms");
	bad("{\"version\": 1, \"workloads\": [\"uniform:size=1M\"], \"sim\": {\"chmu_adaptive\": "
	    "{\"unit\": 5}}}", "$.sim.chmu_adaptive.unit: unknown key");
}

/* A perf capture replays as a workload; a bad one is refused naming the file and line. */
static void test_trace_workloads(void **state)
{
	const char *src = getenv("TESTS_DATA");
	const char *a[] = { "sim", "--config", NULL, "--json", NULL };
	char path[4200], tpath[] = "/tmp/hm-perf-XXXXXX", json[8400];
	static const char back[] = "1 [2] 5.000000: 7f0000001000\n1 [2] 4.000000: 7f0000002000\n";
	struct json_object *o, *p;
	struct run r;
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/sim-perf.json", src ? src : "tests/data");
	a[2] = path;
	run(&r, a);
	assert_int_equal(code(&r), 0);
	o = parse_json(r.out);
	assert_true(json_object_object_get_ex(o, "policies", &p));
	assert_int_equal(json_object_array_length(p), 3);
	json_object_put(o);
	done(&r);

	fd = mkstemp(tpath);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, back, strlen(back)), (ssize_t)strlen(back));
	close(fd);
	snprintf(json, sizeof(json), "{\"version\": 1, \"workloads\": [{\"trace\": \"%s\", "
		 "\"format\": \"perf\"}]}", tpath);
	snprintf(path, sizeof(path), "trace: %s:2: time goes back", tpath);
	bad(json, path);
	snprintf(json, sizeof(json), "{\"version\": 1, \"workloads\": [{\"trace\": \"%s\"}]}",
		 tpath);
	bad(json, "trace: ");	/* not a hotmem trace */
	unlink(tpath);
	bad("{\"version\": 1, \"workloads\": [{\"trace\": \"/nonexistent/t.txt\", "
	    "\"format\": \"perf\"}]}", "$.workloads[0]: trace: /nonexistent/t.txt: No such file");
	bad("{\"version\": 1, \"workloads\": [{\"trace\": \"/dev/null\"}]}",
	    "trace: /dev/null: not a regular file");
	bad("{\"version\": 1, \"workloads\": [{\"trace\": \"t\", \"spec\": \"uniform:size=1M\"}]}",
	    "a workload needs \"spec\" or \"trace\", not both");
	bad("{\"version\": 1, \"workloads\": [{\"spec\": \"uniform:size=1M\", \"format\": \"perf\"}]}",
	    "\"format\", \"addr\" and \"base\" go with \"trace\"");
	bad("{\"version\": 1, \"workloads\": [\"trace:size=1M\"]}",
	    "trace: a recorded stream comes from a file");
}

/* A scenario past 1 MiB is refused in one line before it is parsed. */
static void test_big_scenario(void **state)
{
	char path[] = "/tmp/hm-big-XXXXXX";
	const char *a[] = { "sim", "--config", path, NULL };
	size_t n = (1 << 20) + 10;
	char *text = malloc(n);
	struct run r;
	int fd = mkstemp(path);

	(void)state;
	assert_non_null(text);
	assert_true(fd >= 0);
	memset(text, ' ', n);
	text[0] = '{';
	text[n - 1] = '}';
	assert_int_equal(write(fd, text, n), (ssize_t)n);
	close(fd);
	free(text);
	run(&r, a);
	assert_int_equal(code(&r), 1);
	assert_one_error_line(&r, "hotmem: sim: ");
	assert_non_null(strstr(r.err, "larger than 1 MiB"));
	done(&r);
	unlink(path);
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

/* sim.chmu_adaptive: the run says what the controller did to the device. */
static void test_chmu_adaptive_output(void **state)
{
	static const char json[] =
		"{\"version\": 1,"
		" \"monitor\": {\"sample_interval\": \"10ms\", \"aggr_interval\": \"100ms\"},"
		" \"targets\": [{\"space\": \"phys\", \"ranges\": [[\"0\", \"320MiB\"]]}],"
		" \"sources\": [{\"name\": \"chmu\", \"accounting\": \"weighted\", \"scale\": 1}],"
		" \"machine\": {\"nodes\": [{\"capacity\": \"64MiB\"}, {\"capacity\": \"256MiB\"}],"
		"  \"alloc\": \"bind\", \"alloc_node\": 1},"
		" \"sim\": {\"tick\": \"10ms\", \"sources\": \"chmu\", \"compare\": \"static\","
		"  \"chmu_event\": \"epoch_type=0,access_type=6,epoch_scale=4,epoch_multiplier=1,"
		"hotness_threshold=4000,hotness_granual=12\","
		"  \"chmu_adaptive\": {\"units\": 512, \"interval\": \"1s\"}},"
		" \"workloads\": [{\"spec\": \"hotset:size=64M,hot=2M,frac=0.9,rate=1M\"}],"
		" \"phases\": [{\"name\": \"one\", \"duration\": \"2s\"}]}";
	char path[] = "/tmp/hm-ad-XXXXXX";
	const char *a[] = { "sim", "--config", path, "--json", NULL };
	const char *b[] = { "sim", "--config", path, NULL };
	struct json_object *o, *pols, *c, *x;
	struct run r;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, json, strlen(json)), (ssize_t)strlen(json));
	close(fd);
	run(&r, a);
	if (code(&r))
		fail_msg("exit %d: %s", code(&r), r.err);
	o = parse_json(r.out);
	assert_true(json_object_object_get_ex(o, "policies", &pols));
	assert_true(json_object_object_get_ex(json_object_array_get_idx(pols, 0), "chmu_control",
					      &c));
	assert_int_equal(get_u64(c, "node"), 1);
	assert_true(get_u64(c, "changes") >= 1);
	assert_true(get_u64(c, "threshold") < 4000);
	assert_true(json_object_object_get_ex(c, "first_changes", &x));
	assert_non_null(strstr(json_object_get_string(json_object_array_get_idx(x, 0)),
			       "epoch 1: threshold 4000 -> "));
	json_object_put(o);
	done(&r);
	run(&r, b);
	assert_int_equal(code(&r), 0);
	assert_non_null(strstr(r.out, "static: adaptive CHMU control of node 1: "));
	done(&r);
	unlink(path);
}

/* hotmem's figures from `sim --json` on a scenario file */
static void hotmem_row(const char *file, double *hot_pct, uint64_t *failed)
{
	const char *a[] = { "sim", "--config", file, "--compare", "hotmem", "--json", NULL };
	struct json_object *o, *pols, *p, *x;
	struct run r;

	run(&r, a);
	if (code(&r))
		fail_msg("%s: exit %d: %s", file, code(&r), r.err);
	o = parse_json(r.out);
	assert_true(json_object_object_get_ex(o, "policies", &pols));
	p = json_object_array_get_idx(pols, 0);
	assert_true(json_object_object_get_ex(p, "hot_fast_pct", &x));
	*hot_pct = json_object_get_double(x);
	*failed = get_u64(p, "failed_moves");
	json_object_put(o);
	done(&r);
}

/*
 * examples/tiering-capacity.json: DRAM starts full of cold pages and the
 * hot set starts on CXL. With the migrate_cold capacity scheme the pull and
 * push pair brings the hot set to its 70% target; without it every
 * promotion fails for want of a free DRAM frame.
 */
static void test_tiering_capacity(void **state)
{
	char path[4096], tmp[] = "/tmp/hm-tc-XXXXXX";
	const char *src = getenv("EXAMPLES_SRC");
	struct json_object *o, *schemes;
	uint64_t failed;
	double hot;
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/tiering-capacity.json", src ? src : "examples");
	hotmem_row(path, &hot, &failed);
	if (hot < 65 || hot > 75)
		fail_msg("with the capacity scheme: %.1f%% of the hot set in DRAM, target 70%%", hot);
	o = json_object_from_file(path);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "schemes", &schemes));
	assert_int_equal(json_object_array_length(schemes), 3);
	assert_int_equal(json_object_array_del_idx(schemes, 2, 1), 0);
	fd = mkstemp(tmp);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(json_object_to_file(tmp, o), 0);
	json_object_put(o);
	hotmem_row(tmp, &hot, &failed);
	unlink(tmp);
	if (hot > 1 || failed < 1000)
		fail_msg("without it: %.1f%% of the hot set in DRAM, %llu failed moves", hot,
			 (unsigned long long)failed);
}

/*
 * The acceptance run on examples/gups-hotset.json: a row per policy, none
 * above the oracle bound, and the sampled baselines doing what they are
 * for. HeMem and Memtis count samples per 2 MiB page, as the originals do;
 * on 4 KiB pages a hot page there gathered HeMem's 8 samples in about a
 * minute and the HeMem row sat at the static hit ratio.
 */
static void test_gups_example(void **state)
{
	static const char *const pol[] = { "static", "oracle-bound", "numab", "memtis", "hemem",
					   "hotmem" };
	const char *src = getenv("EXAMPLES_SRC");
	char path[4096];
	const char *a[] = { "sim", "--config", path, "--compare", "static,oracle-bound,numab,"
			    "memtis,hemem,hotmem", "--json", NULL };
	struct json_object *o, *pols, *x;
	double hit[6], hot[6];
	struct run r;
	unsigned int i;

	(void)state;
	snprintf(path, sizeof(path), "%s/gups-hotset.json", src ? src : "examples");
	run(&r, a);
	if (code(&r))
		fail_msg("%s: exit %d: %s", path, code(&r), r.err);
	o = parse_json(r.out);
	assert_true(json_object_object_get_ex(o, "policies", &pols));
	assert_int_equal(json_object_array_length(pols), 6);
	for (i = 0; i < 6; i++) {
		struct json_object *p = json_object_array_get_idx(pols, i);

		assert_true(json_object_object_get_ex(p, "policy", &x));
		assert_string_equal(json_object_get_string(x), pol[i]);
		assert_true(json_object_object_get_ex(p, "hit_ratio", &x));
		hit[i] = json_object_get_double(x);
		assert_true(json_object_object_get_ex(p, "hot_fast_pct", &x));
		hot[i] = json_object_get_double(x);
	}
	for (i = 0; i < 6; i++)
		if (hit[i] > hit[1] + 1e-9)
			fail_msg("%s: hit ratio %.4f above the oracle bound %.4f", pol[i], hit[i],
				 hit[1]);
	/* 1:3 interleave: a quarter of the accesses hit DRAM without migration */
	assert_true(fabs(hit[0] - 0.25) < 0.01);
	for (i = 3; i < 6; i++)
		if (hit[i] < hit[0] + 0.3 || hot[i] < 90)
			fail_msg("%s: hit ratio %.4f (static %.4f), %.1f%% of the hot set in DRAM",
				 pol[i], hit[i], hit[0], hot[i]);
	json_object_put(o);
	done(&r);
}

/* Every shipped example passes `config check`, traces and all. */
static void test_examples_check(void **state)
{
	const char *src = getenv("EXAMPLES_SRC");
	DIR *d = opendir(src ? src : "examples");
	struct dirent *e;
	unsigned int n = 0;

	(void)state;
	assert_non_null(d);
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		char path[4096];
		const char *a[] = { "config", "check", path, NULL };
		struct run r;

		if (l < 6 || strcmp(e->d_name + l - 5, ".json"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", src ? src : "examples", e->d_name);
		run(&r, a);
		if (code(&r))
			fail_msg("%s: exit %d: %s", path, code(&r), r.err);
		done(&r);
		n++;
	}
	closedir(d);
	assert_true(n >= 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compare_rows),
		cmocka_unit_test(test_json_and_determinism),
		cmocka_unit_test(test_out_files),
		cmocka_unit_test(test_bad_scenarios),
		cmocka_unit_test(test_chmu_adaptive_output),
		cmocka_unit_test(test_trace_workloads),
		cmocka_unit_test(test_big_scenario),
		cmocka_unit_test(test_bad_args),
		cmocka_unit_test(test_config_check),
		cmocka_unit_test(test_damon_sampling),
		cmocka_unit_test(test_demo),
		cmocka_unit_test(test_chmu_only_push_blind),
		cmocka_unit_test(test_tiering_capacity),
		cmocka_unit_test(test_gups_example),
		cmocka_unit_test(test_examples_check),
	};
	const char *src = getenv("TESTS_DATA");

	snprintf(cfg, sizeof(cfg), "%s/sim-small.json", src ? src : "tests/data");
	return hm_run_tests(tests);
}
