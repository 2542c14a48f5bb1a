// SPDX-License-Identifier: MIT
/*
 * hotmem tiers, pools and migrate as a user runs them: against the fixture
 * trees, on this machine read-only (under a mount namespace where
 * /sys/kernel/mm and /proc/sys are read-only, so a bug gets EROFS instead of
 * changing the host), with overrides in a state file, and without privilege
 * (setpriv drops it: the tests run as root).
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../hm_test.h"
#include "cli_util.h"

extern char **environ;

static char qemu_fx[PATH_MAX / 2], ci_fx[PATH_MAX / 2], tmpdir[64];

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("no key '%s'", key);
	return v;
}

static struct json_object *node_of(struct json_object *root, int id)
{
	struct json_object *nodes = get(root, "nodes");

	for (size_t i = 0; i < json_object_array_length(nodes); i++) {
		struct json_object *n = json_object_array_get_idx(nodes, i);

		if (json_object_get_int(get(n, "id")) == id)
			return n;
	}
	fail_msg("no node %d", id);
	return NULL;
}

static void state_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", tmpdir, name);
}

static void test_fixture_json(void **state)
{
	static const char *const keys[] = { "id", "cpus", "mem_total", "mem_free",
					    "read_latency_ns", "write_latency_ns",
					    "read_bandwidth_mbps", "write_bandwidth_mbps",
					    "adistance", "tier", "kernel_tier", "demotion_targets",
					    "override" };
	char st[PATH_MAX];
	struct run r;
	struct json_object *root, *n1, *tiers, *pools;

	(void)state;
	state_path(st, sizeof(st), "none.json");
	run(&r, (const char *[]){ "tiers", "--json", "--sysfs", qemu_fx, "--state", st, NULL });
	assert_int_equal(code(&r), 0);
	root = parse_json(r.out);
	for (int id = 0; id < 2; id++)
		for (size_t k = 0; k < ARRAY_SIZE(keys); k++)
			get(node_of(root, id), keys[k]);
	n1 = node_of(root, 1);
	assert_int_equal(json_object_get_int(get(n1, "adistance")), 4608);
	assert_int_equal(json_object_get_int(get(n1, "tier")), 36);
	assert_int_equal(json_object_get_int(get(n1, "kernel_tier")), 36);
	assert_int_equal(json_object_get_int(get(n1, "read_latency_ns")), 40);
	assert_int_equal(json_object_get_int(get(n1, "write_bandwidth_mbps")), 5120);
	assert_true(json_object_is_type(get(n1, "override"), json_type_null));
	assert_int_equal(json_object_array_length(get(n1, "cpus")), 0);
	assert_int_equal(json_object_array_length(get(node_of(root, 0), "cpus")), 1);
	tiers = get(root, "tiers");
	assert_int_equal(json_object_array_length(tiers), 2);
	assert_int_equal(json_object_get_int(get(json_object_array_get_idx(tiers, 1), "id")), 36);
	pools = get(root, "pools");
	assert_int_equal(json_object_get_int(get(json_object_array_get_idx(pools, 0), "tier")), 4);
	json_object_put(root);
	done(&r);

	/* the text form names the same tiers and pools */
	run(&r, (const char *[]){ "tiers", "--sysfs", qemu_fx, "--state", st, NULL });
	assert_int_equal(code(&r), 0);
	assert_non_null(strstr(r.out, "tiers:  4: node 0  36: node 1"));
	assert_non_null(strstr(r.out, "pools:  0 (tier 4): node 0  1 (tier 36): node 1"));
	done(&r);
}

/*
 * This machine, read-only: hotmem tiers in a mount namespace where the
 * kernel's mm and sysctl trees cannot be written. Its tiers must be the
 * kernel's.
 */
static void test_live_read_only(void **state)
{
	const char *bin = getenv("HOTMEM_BIN");
	struct json_object *root, *nodes;
	struct run r;

	(void)state;
	if (access("/usr/bin/unshare", X_OK))
		hm_skip("no /usr/bin/unshare");
	run_bin(&r, "/usr/bin/unshare",
		(const char *[]){ "-m", "sh", "-c",
				  "mount --bind /sys/kernel/mm /sys/kernel/mm &&"
				  " mount -o remount,bind,ro /sys/kernel/mm &&"
				  " mount --bind /proc/sys /proc/sys &&"
				  " mount -o remount,bind,ro /proc/sys &&"
				  " grep -q ' /sys/kernel/mm [^ ]* ro,' /proc/self/mounts &&"
				  " grep -q ' /proc/sys [^ ]* ro,' /proc/self/mounts || exit 99;"
				  " exec \"$0\" tiers --json --state /nonexistent/state.json",
				  bin, NULL });
	if (code(&r) == 99) {
		done(&r);
		hm_skip("cannot make /sys/kernel/mm and /proc/sys read-only in a mount namespace");
	}
	assert_int_equal(code(&r), 0);
	root = parse_json(r.out);
	nodes = get(root, "nodes");
	assert_true(json_object_array_length(nodes) >= 1);
	/* CXL objects through libcxl, or why not; a machine without a CXL bus has none */
	{
		struct json_object *cxl = get(root, "cxl"), *v;

		if (json_object_object_get_ex(cxl, "unavailable", &v)) {
			printf("# cxl: %s\n", json_object_get_string(v));
		} else {
			printf("# cxl: %zu memdevs, %zu regions\n",
			       json_object_array_length(get(cxl, "memdevs")),
			       json_object_array_length(get(cxl, "regions")));
			if (access("/sys/bus/cxl", F_OK))
				assert_int_equal(json_object_array_length(get(cxl, "memdevs")), 0);
		}
	}
	if (!json_object_get_boolean(get(root, "kernel_tiers"))) {
		json_object_put(root);
		done(&r);
		hm_skip("this kernel shows no memory tiers");
	}
	for (size_t i = 0; i < json_object_array_length(nodes); i++) {
		struct json_object *n = json_object_array_get_idx(nodes, i);

		if (json_object_is_type(get(n, "tier"), json_type_null))
			continue;
		printf("# live node %d: tier %d, kernel tier %d\n",
		       json_object_get_int(get(n, "id")), json_object_get_int(get(n, "tier")),
		       json_object_get_int(get(n, "kernel_tier")));
		assert_int_equal(json_object_get_int(get(n, "tier")),
				 json_object_get_int(get(n, "kernel_tier")));
		assert_false(json_object_get_boolean(get(n, "tier_differs")));
	}
	json_object_put(root);
	done(&r);
}

static void test_override_survives(void **state)
{
	char st[PATH_MAX];
	struct run r;
	struct json_object *root, *n1, *pools;

	(void)state;
	state_path(st, sizeof(st), "ovr.json");
	unlink(st);
	run(&r, (const char *[]){ "tiers", "set", "1", "2", "--sysfs", qemu_fx, "--state", st,
				  NULL });
	assert_int_equal(code(&r), 0);
	done(&r);
	/* a new hotmem process reads it back and places pool 0 on node 1 */
	run(&r, (const char *[]){ "tiers", "--json", "--sysfs", qemu_fx, "--state", st, NULL });
	assert_int_equal(code(&r), 0);
	root = parse_json(r.out);
	n1 = node_of(root, 1);
	assert_int_equal(json_object_get_int(get(n1, "tier")), 2);
	assert_int_equal(json_object_get_int(get(get(n1, "override"), "tier")), 2);
	assert_true(json_object_get_boolean(get(n1, "tier_differs")));
	pools = get(root, "pools");
	assert_int_equal(json_object_get_int(json_object_array_get_idx(
				 get(json_object_array_get_idx(pools, 0), "nodes"), 0)), 1);
	json_object_put(root);
	done(&r);

	/* figures for node 1: 20 ns, 10 GiB/s is 576 x 40 / 20 = 1152, tier 9 */
	run(&r, (const char *[]){ "tiers", "set", "1", "--perf", "20,20,10240,10240", "--sysfs",
				  qemu_fx, "--state", st, NULL });
	assert_int_equal(code(&r), 0);
	done(&r);
	run(&r, (const char *[]){ "tiers", "unset", "1", "--state", st, NULL });
	assert_int_equal(code(&r), 0);
	done(&r);
	run(&r, (const char *[]){ "tiers", "set", "1", "--perf", "20,20,10240,10240", "--sysfs",
				  qemu_fx, "--state", st, NULL });
	assert_int_equal(code(&r), 0);
	done(&r);
	run(&r, (const char *[]){ "tiers", "--json", "--sysfs", qemu_fx, "--state", st, NULL });
	root = parse_json(r.out);
	n1 = node_of(root, 1);
	assert_int_equal(json_object_get_int(get(n1, "adistance")), 1152);
	assert_int_equal(json_object_get_int(get(n1, "tier")), 9);
	assert_int_equal(json_object_get_int(get(n1, "read_latency_ns")), 20);
	json_object_put(root);
	done(&r);
}

static char *slurp(const char *path)
{
	static char buf[8192];
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void test_bad_input(void **state)
{
	static const char *const broken[] = {
		"{\"version\": 1, \"overrides\": [{\"node\": 1, \"tier\": -3}]}",
		"{\"version\": 2}",
		"{\"version\": 1, \"overrides\": [{\"node\": 1, \"read_latency_ns\": 5}]}",
		"{\"version\": 1, \"overides\": []}",
		"not json",
	};
	static const char *const says[] = { "overrides[0].tier", "\"version\" is not 1",
					    "all four", "unknown key 'overides'", "not JSON" };
	char st[PATH_MAX], before[8192];
	struct run r;

	(void)state;
	state_path(st, sizeof(st), "bad.json");
	for (size_t i = 0; i < ARRAY_SIZE(broken); i++) {
		FILE *f = fopen(st, "w");

		fputs(broken[i], f);
		fclose(f);
		snprintf(before, sizeof(before), "%s", slurp(st));
		run(&r, (const char *[]){ "tiers", "set", "1", "2", "--sysfs", qemu_fx, "--state",
					  st, NULL });
		assert_int_equal(code(&r), 1);
		assert_one_error_line(&r, "hotmem: tiers: ");
		if (!strstr(r.err, st) || !strstr(r.err, says[i]))
			fail_msg("'%s' names not %s and '%s'", r.err, st, says[i]);
		done(&r);
		assert_string_equal(slurp(st), before);
	}
	unlink(st);

	/* usage errors: 2; runtime: 1; one line each */
	static const struct {
		const char *args[10];
		int code;
		const char *prefix;
	} cases[] = {
		{ { "tiers", "set", "1", "x", NULL }, 2, "hotmem: tiers: TIER" },
		{ { "tiers", "set", "1", NULL }, 2, "hotmem: tiers: set" },
		{ { "tiers", "set", "1", "--perf", "1,2,3", NULL }, 2, "hotmem: tiers: --perf" },
		{ { "tiers", "set", "64", "2", NULL }, 2, "hotmem: tiers: NODE" },
		{ { "tiers", "frob", NULL }, 2, "hotmem: tiers: frob" },
		{ { "tiers", "--sysfs", "/nonexistent", NULL }, 1,
		  "hotmem: tiers: topology: /nonexistent/devices/system/node/online" },
		{ { "pools", "--pid", "0", NULL }, 2, "hotmem: pools: --pid" },
		{ { "pools", "--perf", "1", NULL }, 2, "hotmem: pools: --perf" },
		{ { "pools", "--watch", NULL }, 2, "hotmem: pools: --watch" },
		{ { "pools", "--socket", "/x", NULL }, 2, "hotmem: pools: --socket: only with --pid" },
		{ { "tiers", "--watch", "--interval", "5", NULL }, 2, "hotmem: tiers: --interval" },
		{ { "migrate", "--range", "all", "--to-pool", "0", NULL }, 2,
		  "hotmem: migrate: --pid" },
		{ { "migrate", "--pid", "1", "--range", "0x2000-0x1000", "--to-pool", "0", NULL },
		  2, "hotmem: migrate: --range" },
		{ { "migrate", "--pid", "1", "--range", "all", NULL }, 2,
		  "hotmem: migrate: --to-pool" },
		{ { "migrate", "--pid", "1", "--range", "all", "--to-pool", "9", NULL }, 2,
		  "hotmem: migrate: --to-pool: no pool 9" },
	};
	state_path(st, sizeof(st), "none.json");
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *args[16];
		size_t n = 0;

		for (; cases[i].args[n]; n++)
			args[n] = cases[i].args[n];
		args[n++] = "--state";
		args[n++] = st;
		if (strcmp(cases[i].args[0], "tiers") || strcmp(cases[i].args[1], "--sysfs")) {
			args[n++] = "--sysfs";
			args[n++] = qemu_fx;
		}
		args[n] = NULL;
		run(&r, args);
		if (code(&r) != cases[i].code || strncmp(r.err, cases[i].prefix,
							 strlen(cases[i].prefix)))
			fail_msg("case %zu: exit %d, '%s'", i, code(&r), r.err);
		assert_one_error_line(&r, cases[i].prefix);
		done(&r);
	}
	/* a node that is not online is refused, and nothing is written */
	run(&r, (const char *[]){ "tiers", "set", "5", "2", "--sysfs", qemu_fx, "--state", st,
				  NULL });
	assert_int_equal(code(&r), 1);
	assert_one_error_line(&r, "hotmem: tiers: set: node 5 is not online");
	assert_int_equal(access(st, F_OK), -1);
	done(&r);
}

/* Start argv as a child; return its PID. */
static pid_t spawn(const char *const *argv)
{
	pid_t pid;

	assert_int_equal(posix_spawn(&pid, argv[0], NULL, NULL, (char **)argv, environ), 0);
	usleep(200000);
	return pid;
}

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void test_pools_pid(void **state)
{
	char pid_s[16], st[PATH_MAX], sock[PATH_MAX];
	struct json_object *root, *pools;
	uint64_t sum = 0;
	struct run r;
	pid_t pid = spawn((const char *[]){ "/bin/sleep", "30", NULL });

	(void)state;
	state_path(st, sizeof(st), "none.json");
	snprintf(pid_s, sizeof(pid_s), "%d", (int)pid);
	state_path(sock, sizeof(sock), "none.sock");
	run(&r, (const char *[]){ "pools", "--pid", pid_s, "--json", "--state", st, "--socket",
				  sock, NULL });
	assert_int_equal(code(&r), 0);
	root = parse_json(r.out);
	pools = get(root, "pools");
	for (size_t i = 0; i < json_object_array_length(pools); i++)
		sum += get_u64(json_object_array_get_idx(pools, i), "process_bytes");
	printf("# sleep(1) has %llu bytes present\n", (unsigned long long)sum);
	assert_true(sum > 0);
	/* no daemon watches it: hotness says why, and names no source */
	assert_true(json_object_is_type(get(root, "hotness"), json_type_null));
	assert_non_null(strstr(json_object_get_string(get(root, "hotness_unavailable")),
			       "no hotmem run answers on"));
	json_object_put(root);
	done(&r);

	run(&r, (const char *[]){ "migrate", "--pid", pid_s, "--range", "all", "--to-pool", "0",
				  "--json", "--state", st, NULL });
	assert_int_equal(code(&r), 0);
	root = parse_json(r.out);
	assert_string_equal(json_object_get_string(get(root, "outcome")), "done");
	assert_int_equal(get_u64(root, "pages"),
			 get_u64(root, "moved") + get_u64(root, "already") +
				 get_u64(root, "absent") + get_u64(root, "busy") +
				 get_u64(root, "nomem") + get_u64(root, "shared") +
				 get_u64(root, "other"));
	json_object_put(root);
	done(&r);

	reap(pid);
	run(&r, (const char *[]){ "pools", "--pid", pid_s, "--state", st, NULL });
	assert_int_equal(code(&r), 1);
	assert_one_error_line(&r, "hotmem: pools: --pid: no process");
	done(&r);
	run(&r, (const char *[]){ "migrate", "--pid", pid_s, "--range", "all", "--to-pool", "0",
				  "--state", st, NULL });
	assert_int_equal(code(&r), 1);
	assert_one_error_line(&r, "hotmem: migrate: --pid: no process");
	done(&r);
}

/*
 * Without privilege, moving another user's process fails with one line that
 * names the missing capability. setpriv drops what root has.
 */
static void test_migrate_privilege(void **state)
{
	const char *bin = getenv("HOTMEM_BIN");
	char root_pid[16], nobody_pid[16], st[PATH_MAX];
	pid_t rp, np;
	struct run r;

	(void)state;
	if (access("/usr/bin/setpriv", X_OK))
		hm_skip("no /usr/bin/setpriv (util-linux)");
	state_path(st, sizeof(st), "none.json");
	rp = spawn((const char *[]){ "/bin/sleep", "30", NULL });
	np = spawn((const char *[]){ "/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
				     "--clear-groups", "/bin/sleep", "30", NULL });
	snprintf(root_pid, sizeof(root_pid), "%d", (int)rp);
	snprintf(nobody_pid, sizeof(nobody_pid), "%d", (int)np);

	/* nobody against root's process: both capabilities missing */
	run_bin(&r, "/usr/bin/setpriv",
		(const char *[]){ "--reuid=65534", "--regid=65534", "--clear-groups",
				  "--inh-caps=-all", bin, "migrate", "--pid", root_pid, "--range",
				  "all", "--to-pool", "0", "--state", st, NULL });
	assert_int_equal(code(&r), 1);
	assert_one_error_line(&r, "hotmem: migrate: --pid: ");
	assert_non_null(strstr(r.err, "CAP_SYS_NICE"));
	assert_non_null(strstr(r.err, "belongs to uid 0"));
	done(&r);

	/* root without CAP_SYS_NICE against nobody's process: names just that */
	run_bin(&r, "/usr/bin/setpriv",
		(const char *[]){ "--bounding-set=-sys_nice", "--inh-caps=-sys_nice", bin,
				  "migrate", "--pid", nobody_pid, "--range", "all", "--to-pool",
				  "0", "--state", st, NULL });
	assert_int_equal(code(&r), 1);
	assert_one_error_line(&r, "hotmem: migrate: --pid: ");
	assert_non_null(strstr(r.err, "needs CAP_SYS_NICE (hotmem"));
	done(&r);

	/* its own user's process needs nothing */
	run_bin(&r, "/usr/bin/setpriv",
		(const char *[]){ "--reuid=65534", "--regid=65534", "--clear-groups",
				  "--inh-caps=-all", bin, "migrate", "--pid", nobody_pid,
				  "--range", "all", "--to-pool", "0", "--state", st, NULL });
	if (code(&r))
		fail_msg("nobody moving its own process: exit %d, %s", code(&r), r.err);
	assert_non_null(strstr(r.out, ": done in"));
	done(&r);
	reap(rp);
	reap(np);
}

static void read_small(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, len - 1, f) : 0;

	buf[n] = '\0';
	if (f)
		fclose(f);
}

/*
 * hotmem run on this machine, under the read-only guard: the machine's own
 * kdamond makes kernel DAMON "in use by another owner"; the daemon refuses in
 * one line, and the kdamond is exactly as it was.
 */
static void test_run_on_host(void **state)
{
	const char *bin = getenv("HOTMEM_BIN");
	char before[3][64], after[3][64], cfg[PATH_MAX], sock[PATH_MAX], cmd[PATH_MAX * 3];
	static const char *const files[] = { "nr_kdamonds", "0/state", "0/pid" };
	const char *k = "/sys/kernel/mm/damon/admin/kdamonds";
	struct json_object *root, *src;
	struct run r;
	pid_t pid;
	char pid_s[16];

	(void)state;
	if (access("/usr/bin/unshare", X_OK))
		hm_skip("no /usr/bin/unshare");
	for (int i = 0; i < 3; i++) {
		snprintf(cmd, sizeof(cmd), "%s/%s", k, files[i]);
		read_small(cmd, before[i], sizeof(before[i]));
	}
	run_bin(&r, "/usr/bin/unshare",
		(const char *[]){ "-m", "sh", "-c",
				  "mount --bind /sys/kernel/mm /sys/kernel/mm &&"
				  " mount -o remount,bind,ro /sys/kernel/mm &&"
				  " grep -q ' /sys/kernel/mm [^ ]* ro,' /proc/self/mounts || exit 99;"
				  " exec \"$0\" run --list-sources --json", bin, NULL });
	if (code(&r) == 99) {
		done(&r);
		hm_skip("cannot make /sys/kernel/mm read-only in a mount namespace");
	}
	assert_int_equal(code(&r), 0);
	root = parse_json(r.out);
	src = json_object_array_get_idx(get(root, "sources"), 0);
	assert_string_equal(json_object_get_string(get(src, "name")), "damon");
	printf("# damon here: %s: %s\n", json_object_get_string(get(src, "state")),
	       json_object_get_string(get(src, "reason")));
	if (access(k, F_OK) || !strcmp(before[0], "0\n")) {
		/* a machine without DAMON, or with DAMON free: nothing more to see here */
		json_object_put(root);
		done(&r);
		hm_skip("no kdamond of the machine's own here (nr_kdamonds %s)",
			access(k, F_OK) ? "absent" : "0");
	}
	assert_string_equal(json_object_get_string(get(src, "state")), "in-use-by-other");
	for (size_t i = 1; i < json_object_array_length(get(root, "sources")); i++) {
		struct json_object *o = json_object_array_get_idx(get(root, "sources"), i);

		assert_true(strlen(json_object_get_string(get(o, "reason"))) > 10);
	}
	json_object_put(root);
	done(&r);

	/* the daemon itself refuses, in one line, before writing anything */
	snprintf(cfg, sizeof(cfg), "%s/../kernel/conf/promote.json", getenv("FIXTURES_DIR"));
	state_path(sock, sizeof(sock), "hm.sock");
	pid = spawn((const char *[]){ "/bin/sleep", "30", NULL });
	snprintf(pid_s, sizeof(pid_s), "%d", (int)pid);
	snprintf(cmd, sizeof(cmd),
		 "mount --bind /sys/kernel/mm /sys/kernel/mm &&"
		 " mount -o remount,bind,ro /sys/kernel/mm || exit 99;"
		 " exec \"%s\" run --config %s --pid %s --socket %s", bin, cfg, pid_s, sock);
	run_bin(&r, "/usr/bin/unshare", (const char *[]){ "-m", "sh", "-c", cmd, NULL });
	reap(pid);
	assert_int_equal(code(&r), 1);
	assert_int_equal(lines(r.err), 1);
	assert_non_null(strstr(r.err, "hotmem: run: damon: "));
	assert_non_null(strstr(r.err, "another owner"));
	done(&r);
	for (int i = 0; i < 3; i++) {
		snprintf(cmd, sizeof(cmd), "%s/%s", k, files[i]);
		read_small(cmd, after[i], sizeof(after[i]));
		assert_string_equal(before[i], after[i]);
	}
}

static void test_run_usage(void **state)
{
	char st[PATH_MAX];
	struct run r;

	(void)state;
	state_path(st, sizeof(st), "no.sock");
	run(&r, (const char *[]){ "run", NULL });
	assert_int_equal(code(&r), 2);
	assert_one_error_line(&r, "hotmem: run: --config: required");
	done(&r);
	run(&r, (const char *[]){ "run", "--list-sources", "--config", "x", NULL });
	assert_int_equal(code(&r), 2);
	assert_one_error_line(&r, "hotmem: run: --list-sources");
	done(&r);
	run(&r, (const char *[]){ "run", "--config", "x.json", "--cgroup", "/sys/fs/cgroup/x", "--pid",
				  "1", NULL });
	assert_int_equal(code(&r), 2);
	assert_one_error_line(&r, "hotmem: run: --cgroup: ");
	done(&r);
	/* a bad daemon section: one line naming it, from config check and from run */
	{
		char cfg[PATH_MAX];
		FILE *f;

		state_path(cfg, sizeof(cfg), "bad-daemon.json");
		f = fopen(cfg, "w");
		fputs("{\"version\": 1, \"sources\": [{\"name\": \"damon\"}], "
		      "\"daemon\": {\"damon\": {\"sample_interval\": \"5ms\", "
		      "\"aggr_intervall\": \"100ms\"}}}", f);
		fclose(f);
		run(&r, (const char *[]){ "config", "check", cfg, NULL });
		assert_int_equal(code(&r), 2);
		assert_int_equal(lines(r.err), 1);
		assert_non_null(strstr(r.err, "$.daemon.damon.aggr_intervall: unknown key"));
		done(&r);
		run(&r, (const char *[]){ "run", "--config", cfg, "--pid", "1", "--socket", st,
					  NULL });
		assert_int_equal(code(&r), 2);
		assert_one_error_line(&r, "hotmem: config: ");
		assert_non_null(strstr(r.err, "$.daemon.damon.aggr_intervall: unknown key"));
		done(&r);
		/* a key with a newline in it: still one line */
		f = fopen(cfg, "w");
		fputs("{\"version\": 1, \"sources\": [{\"name\": \"damon\"}], "
		      "\"daemon\": {\"sock\\net\": 1}}", f);
		fclose(f);
		run(&r, (const char *[]){ "config", "check", cfg, NULL });
		assert_int_equal(code(&r), 2);
		assert_int_equal(lines(r.err), 1);
		assert_non_null(strstr(r.err, "$.daemon.sock?et: unknown key"));
		done(&r);
	}
	/* sources the daemon cannot take: refused in one line before DAMON is touched */
	{
		static const char *const bad[][2] = {
			{ "[{\"name\": \"damon\"}, {\"name\": \"cxl\"}]", "$.sources[1]: 'cxl': " },
			{ "[]", "$.sources: the daemon needs" },
			{ "[{\"name\": \"damon\", \"accounting\": \"weighted\"}]",
			  "$.sources[0]: the kernel's regions are replayed as ranges" },
			{ "[{\"name\": \"damon\"}, {\"name\": \"damon-paddr\"}]",
			  "$.sources[1]: one kernel DAMON source" },
		};
		char cfg[PATH_MAX];

		for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
			FILE *f;

			state_path(cfg, sizeof(cfg), "bad-sources.json");
			f = fopen(cfg, "w");
			fprintf(f, "{\"version\": 1, \"sources\": %s}", bad[i][0]);
			fclose(f);
			run(&r, (const char *[]){ "run", "--config", cfg, "--pid", "1", "--socket",
						  st, NULL });
			assert_int_equal(code(&r), 2);
			assert_one_error_line(&r, "hotmem: config: ");
			if (!strstr(r.err, bad[i][1]))
				fail_msg("'%s' lacks '%s'", r.err, bad[i][1]);
			done(&r);
		}
	}
	run(&r, (const char *[]){ "status", "--socket", st, NULL });
	assert_int_equal(code(&r), 1);
	assert_one_error_line(&r, "hotmem: status: ");
	assert_non_null(strstr(r.err, "is 'hotmem run' running?"));
	done(&r);
}

int main(void)
{
	const char *fx = getenv("FIXTURES_DIR");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture_json),
		cmocka_unit_test(test_live_read_only),
		cmocka_unit_test(test_override_survives),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_pools_pid),
		cmocka_unit_test(test_migrate_privilege),
		cmocka_unit_test(test_run_on_host),
		cmocka_unit_test(test_run_usage),
	};
	int ret;

	snprintf(qemu_fx, sizeof(qemu_fx), "%s/qemu-6.12", fx ? fx : "tests/fixtures");
	snprintf(ci_fx, sizeof(ci_fx), "%s/ci-6.18", fx ? fx : "tests/fixtures");
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/hm-tiers-XXXXXX");
	if (!mkdtemp(tmpdir))
		return 1;
	chmod(tmpdir, 0755);
	ret = hm_run_tests(tests);
	snprintf(qemu_fx, sizeof(qemu_fx), "rm -rf %s", tmpdir);
	if (system(qemu_fx))
		ret = 1;
	return ret;
}
