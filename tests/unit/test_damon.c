// SPDX-License-Identifier: MIT
/*
 * The kernel DAMON coexistence rules on fake sysfs trees (plain files in a
 * temporary directory, never /sys): what the probe says about a machine's
 * kdamonds, what the cleanup of a killed hotmem's kdamonds may touch, and
 * how offloaded schemes' filters and watermarks are written.
 * The guest tests (tests/kernel) check the same on a real kernel.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <hotmem/linux.h>

#include "../hm_test.h"

#define K "kernel/mm/damon/admin/kdamonds"

static char root[64], owner[PATH_MAX];

static void put(const char *rel, const char *text)
{
	char path[PATH_MAX / 2], cmd[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p $(dirname %s)", path);
	assert_int_equal(system(cmd), 0);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static const char *get(const char *rel)
{
	static char buf[64];
	char path[PATH_MAX];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	/* a write of "0" over "1\n" leaves "0\n" in a plain file: compare values */
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/hm-damon-XXXXXX");
	assert_non_null(mkdtemp(root));
	snprintf(owner, sizeof(owner), "%s/owner", root);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	return system(cmd);
}

/* A PID that certainly does not run: a reaped child's. */
static pid_t dead_pid(void)
{
	pid_t p = fork();

	assert_true(p >= 0);
	if (!p)
		_exit(0);
	waitpid(p, NULL, 0);
	return p;
}

static void test_probe(void **state)
{
	char why[256];

	(void)state;
	assert_int_equal(hm_damon_probe(root, why, sizeof(why)), HM_DAMON_ABSENT);
	assert_non_null(strstr(why, "no DAMON sysfs interface"));
	put(K "/nr_kdamonds", "1\n");
	put(K "/0/state", "on\n");
	assert_int_equal(hm_damon_probe(root, why, sizeof(why)), HM_DAMON_IN_USE);
	assert_non_null(strstr(why, "1 kdamond already set up by another owner (kdamond 0 is on)"));
	put(K "/nr_kdamonds", "0\n");
	if (geteuid())
		assert_int_equal(hm_damon_probe(root, why, sizeof(why)), HM_DAMON_NO_PRIV);
	else
		assert_int_equal(hm_damon_probe(root, why, sizeof(why)), HM_DAMON_AVAILABLE);
	put(K "/nr_kdamonds", "x\n");
	assert_int_equal(hm_damon_probe(root, why, sizeof(why)), HM_DAMON_ABSENT);
}

/* Only kdamonds that are exactly those a dead hotmem recorded are removed. */
static void test_cleanup(void **state)
{
	char msg[256], rec[128];
	struct hm_proc_id me;

	(void)state;
	put(K "/nr_kdamonds", "1\n");
	put(K "/0/state", "on\n");
	put(K "/0/pid", "4242\n");

	/* no record: nothing to do */
	assert_int_equal(hm_damon_cleanup(root, owner, msg, sizeof(msg)), 0);

	/* a record of a hotmem that still runs (this test): hands off */
	assert_int_equal(hm_proc_open(getpid(), &me), 0);
	snprintf(rec, sizeof(rec), "hotmem %d %llu\nkdamond 0 4242\n", (int)me.pid,
		 (unsigned long long)me.start_time);
	put("owner", rec);
	assert_int_equal(hm_damon_cleanup(root, owner, msg, sizeof(msg)), -EBUSY);
	assert_string_equal(get(K "/0/state"), "on");

	/* a dead hotmem whose kdamond thread differs: only the record goes */
	snprintf(rec, sizeof(rec), "hotmem %d 1\nkdamond 0 999\n", (int)dead_pid());
	put("owner", rec);
	assert_int_equal(hm_damon_cleanup(root, owner, msg, sizeof(msg)), 1);
	assert_non_null(strstr(msg, "removed its record only"));
	assert_string_equal(get(K "/0/state"), "on");
	assert_string_equal(get(K "/nr_kdamonds"), "1");
	assert_int_equal(access(owner, F_OK), -1);

	/* a dead hotmem, but there are more kdamonds now than it made */
	put(K "/nr_kdamonds", "2\n");
	snprintf(rec, sizeof(rec), "hotmem %d 1\nkdamond 0 4242\n", (int)dead_pid());
	put("owner", rec);
	assert_int_equal(hm_damon_cleanup(root, owner, msg, sizeof(msg)), 1);
	assert_string_equal(get(K "/0/state"), "on");
	assert_string_equal(get(K "/nr_kdamonds"), "2");

	/* exactly what it recorded: stopped and removed */
	put(K "/nr_kdamonds", "1\n");
	snprintf(rec, sizeof(rec), "hotmem %d 1\nkdamond 0 4242\n", (int)dead_pid());
	put("owner", rec);
	assert_int_equal(hm_damon_cleanup(root, owner, msg, sizeof(msg)), 1);
	assert_non_null(strstr(msg, "stopped and removed 1 kdamond left by a killed hotmem"));
	assert_string_equal(get(K "/0/state"), "off");
	assert_string_equal(get(K "/nr_kdamonds"), "0");
	assert_int_equal(access(owner, F_OK), -1);

	/* a record that is not one: left alone, kdamonds too */
	put(K "/nr_kdamonds", "1\n");
	put(K "/0/state", "on\n");
	put("owner", "something else\n");
	assert_int_equal(hm_damon_cleanup(root, owner, msg, sizeof(msg)), -EINVAL);
	assert_non_null(strstr(msg, "not an owner record; left alone"));
	assert_string_equal(get(K "/0/state"), "on");
	assert_int_equal(access(owner, F_OK), 0);
}

/* The files hm_damos_start() writes for one scheme with @nf filters, as empty files. */
static void offload_tree(unsigned int nf, bool allow)
{
	static const char *const files[] = {
		"operations", "monitoring_attrs/intervals/sample_us",
		"monitoring_attrs/intervals/aggr_us", "monitoring_attrs/nr_regions/min",
		"monitoring_attrs/nr_regions/max", "targets/nr_targets",
		"targets/0/regions/nr_regions", "targets/0/regions/0/start",
		"targets/0/regions/0/end", "schemes/nr_schemes", "schemes/0/action",
		"schemes/0/target_nid", "schemes/0/access_pattern/sz/min",
		"schemes/0/access_pattern/sz/max", "schemes/0/access_pattern/nr_accesses/min",
		"schemes/0/access_pattern/nr_accesses/max", "schemes/0/access_pattern/age/min",
		"schemes/0/access_pattern/age/max", "schemes/0/quotas/bytes", "schemes/0/quotas/ms",
		"schemes/0/quotas/reset_interval_ms", "schemes/0/quotas/weights/sz_permil",
		"schemes/0/quotas/weights/nr_accesses_permil",
		"schemes/0/quotas/weights/age_permil", "schemes/0/watermarks/metric",
		"schemes/0/watermarks/interval_us", "schemes/0/watermarks/high",
		"schemes/0/watermarks/mid", "schemes/0/watermarks/low",
		"schemes/0/filters/nr_filters",
	};
	char rel[256];

	put(K "/nr_kdamonds", "0\n");
	put(K "/0/state", "off\n");
	put(K "/0/pid", "4242\n");
	put(K "/0/contexts/nr_contexts", "0\n");
	for (unsigned int i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(rel, sizeof(rel), K "/0/contexts/0/%s", files[i]);
		put(rel, "");
	}
	for (unsigned int f = 0; f < nf; f++) {
		static const char *const ff[] = { "type", "addr_start", "addr_end", "matching",
						  "allow" };

		for (unsigned int i = 0; i < (allow ? 5u : 4u); i++) {
			snprintf(rel, sizeof(rel), K "/0/contexts/0/schemes/0/filters/%u/%s", f, ff[i]);
			put(rel, "");
		}
	}
}

static const char *filt(unsigned int f, const char *file)
{
	char rel[256];

	snprintf(rel, sizeof(rel), K "/0/contexts/0/schemes/0/filters/%u/%s", f, file);
	return get(rel);
}

/*
 * Offloaded filters and watermarks on a fake tree: the destination's ranges
 * reject first, then the scheme's own filters in order. Without an 'allow'
 * file (6.12) a filter is written as what it excludes, and a mix that
 * exclusion cannot say is refused with nothing left behind; with one,
 * matching and allow go as they are.
 */
static void test_offload_filters(void **state)
{
	static const uint64_t rng[1][2] = { { 0, 1ull << 30 } };
	struct hm_damon_attr a = { .sample_us = 5000, .aggr_us = 100000, .min_nr_regions = 10,
				   .max_nr_regions = 1000 };
	struct hm_damos_spec sp = { .action = "migrate_hot", .target_nid = 0, .nr_excl = 1,
				    .excl = { { 0, 1ull << 28 } }, .nr_filt = 1,
				    .filt = { { 1ull << 29, 1ull << 30, true, true } },
				    .wm_metric = "free_mem_rate", .wm_interval_us = 5000000,
				    .wm_high = 500, .wm_mid = 400, .wm_low = 200 };
	struct hm_kdamond k;

	(void)state;
	if (geteuid())
		hm_skip("setting DAMON up needs root, even on a fake tree (the probe checks)");
	/* 6.12: one allow filter excludes what lies outside its range */
	offload_tree(2, false);
	if (hm_damos_start(&k, root, owner, &a, rng, 1, &sp, 1))
		fail_msg("%s", k.err);
	assert_string_equal(filt(0, "matching"), "Y");	/* the destination: rejected */
	assert_string_equal(filt(0, "addr_end"), "268435456");
	assert_string_equal(filt(1, "type"), "addr");
	assert_string_equal(filt(1, "addr_start"), "536870912");
	assert_string_equal(filt(1, "matching"), "N");
	assert_string_equal(get(K "/0/contexts/0/schemes/0/filters/nr_filters"), "2");
	assert_string_equal(get(K "/0/contexts/0/schemes/0/watermarks/metric"), "free_mem_rate");
	assert_string_equal(get(K "/0/contexts/0/schemes/0/watermarks/interval_us"), "5000000");
	assert_string_equal(get(K "/0/contexts/0/schemes/0/watermarks/high"), "500");
	assert_string_equal(get(K "/0/contexts/0/schemes/0/watermarks/mid"), "400");
	assert_string_equal(get(K "/0/contexts/0/schemes/0/watermarks/low"), "200");
	hm_damon_stop(&k);
	assert_string_equal(get(K "/nr_kdamonds"), "0");
	/* a reject filter that matches what lies outside its range excludes that */
	sp.filt[0].matching = false;
	sp.filt[0].allow = false;
	offload_tree(2, false);
	assert_int_equal(hm_damos_start(&k, root, owner, &a, rng, 1, &sp, 1), 0);
	assert_string_equal(filt(1, "matching"), "N");
	hm_damon_stop(&k);
	/* allow then reject: exclusion alone cannot say it */
	sp.nr_filt = 2;
	sp.filt[0] = (struct hm_damos_filter){ 1ull << 29, 1ull << 30, true, true };
	sp.filt[1] = (struct hm_damos_filter){ 3ull << 28, 1ull << 30, true, false };
	offload_tree(3, false);
	assert_int_not_equal(hm_damos_start(&k, root, owner, &a, rng, 1, &sp, 1), 0);
	assert_non_null(strstr(k.err, "only exclude"));
	assert_string_equal(get(K "/nr_kdamonds"), "0");
	assert_int_equal(access(owner, F_OK), -1);
	/* a kernel with 'allow': written as they are, after the destination */
	offload_tree(3, true);
	if (hm_damos_start(&k, root, owner, &a, rng, 1, &sp, 1))
		fail_msg("%s", k.err);
	assert_string_equal(filt(0, "allow"), "N");
	assert_string_equal(filt(1, "matching"), "Y");
	assert_string_equal(filt(1, "allow"), "Y");
	assert_string_equal(filt(2, "matching"), "Y");
	assert_string_equal(filt(2, "allow"), "N");
	hm_damon_stop(&k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_probe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cleanup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_offload_filters, setup, teardown),
	};

	return hm_run_tests(tests);
}
