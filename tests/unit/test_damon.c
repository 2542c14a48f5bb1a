// SPDX-License-Identifier: MIT
/*
 * The kernel DAMON coexistence rules on fake sysfs trees (plain files in a
 * temporary directory, never /sys): what the probe says about a machine's
 * kdamonds, and what the cleanup of a killed hotmem's kdamonds may touch.
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_probe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cleanup, setup, teardown),
	};

	return hm_run_tests(tests);
}
