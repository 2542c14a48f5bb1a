// SPDX-License-Identifier: MIT
/*
 * hotmem migrate: move a range of a live process's memory to a pool, with
 * move_pages(2), at a bounded rate, accounting for every page. The process is
 * named by PID and checked by start time before every batch.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hotmem/linux.h>
#include <hotmem/parse.h>

#include "cli.h"
#include "output.h"
#include "topo_cli.h"

#define CMD "migrate"

const char hm_migrate_usage[] =
	"usage: hotmem migrate --pid PID --range START-END|all --to-pool N [options]\n"
	"\n"
	"Move the pages of process PID inside [START, END) to pool N (see 'hotmem\n"
	"pools'; 0 is the fastest). START and END are virtual addresses, hex with\n"
	"0x or decimal; 'all' is every mapping. Pages go to the pool's node with\n"
	"the most free memory. Pages already there, not present, busy after\n"
	"retries, refused for lack of memory, or shared with other processes are\n"
	"counted, not moved. If the process exits, hotmem stops and says so (exit\n"
	"1); a PID reused by another process is never touched.\n"
	"\n"
	"Moving another user's process needs CAP_SYS_NICE and ptrace access to it\n"
	"(CAP_SYS_PTRACE).\n"
	"\n"
	"options:\n"
	"  --rate MB/S    at most this many MB (10^6 bytes) moved per second\n"
	"                 (default 0: no limit)\n"
	"  --batch N      pages per move_pages(2) call (default 1024)\n"
	"  --sysfs DIR    read the topology under DIR instead of /sys\n"
	"  --state FILE   the state file with tier overrides (see 'hotmem tiers')\n"
	"  --json         the result as JSON\n";

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static int check_stop(const struct hm_migrate_stats *st, void *arg)
{
	(void)st;
	(void)arg;
	return interrupted;
}

static int parse_range(const char *s, uint64_t *lo, uint64_t *hi)
{
	const char *dash;
	char a[64];
	size_t at;

	if (!strcmp(s, "all")) {
		*lo = 0;
		*hi = UINT64_MAX;
		return 0;
	}
	dash = strchr(s, '-');
	if (!dash || (size_t)(dash - s) >= sizeof(a))
		return -EINVAL;
	memcpy(a, s, (size_t)(dash - s));
	a[dash - s] = '\0';
	if (hm_parse_u64(a, lo, &at) || hm_parse_u64(dash + 1, hi, &at) || *lo >= *hi)
		return -EINVAL;
	return 0;
}

/*
 * The kernel lets a caller move another process's pages only with ptrace
 * access to it; hotmem also asks for CAP_SYS_NICE, as moving memory out from
 * under another user's process is a scheduling decision about it.
 */
static int check_privilege(pid_t pid)
{
	uid_t real, saved, me = getuid();
	bool nice, ptrace;
	int ret = hm_proc_uids(pid, &real, &saved);

	if (ret)
		return ret == -ESRCH ? hm_fail(CMD, "--pid", "no process %d", (int)pid) :
				       hm_fail(CMD, "--pid", "/proc/%d/status: %s", (int)pid,
					       strerror(-ret));
	if (real == me && saved == me)
		return 0;
	nice = hm_have_cap(CAP_SYS_NICE);
	ptrace = hm_have_cap(CAP_SYS_PTRACE);
	if (nice && ptrace)
		return 0;
	return hm_fail(CMD, "--pid",
		       "process %d belongs to uid %u: moving another user's pages needs %s%s%s "
		       "(hotmem runs as uid %u without it)",
		       (int)pid, (unsigned int)real, nice ? "" : "CAP_SYS_NICE",
		       !nice && !ptrace ? " and " : "", ptrace ? "" : "CAP_SYS_PTRACE",
		       (unsigned int)me);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void print_result(const struct hm_migrate_stats *st, int pid, uint64_t lo, uint64_t hi,
			 unsigned int pool, int node, double secs, const char *outcome, bool json)
{
	uint64_t psz = (uint64_t)sysconf(_SC_PAGESIZE);
	double mibs = secs > 0 ? (double)(st->moved * psz) / (1 << 20) / secs : 0;

	if (json) {
		struct json_object *o = json_object_new_object();
		char r[64];

		snprintf(r, sizeof(r), "0x%" PRIx64 "-0x%" PRIx64, lo, hi);
		json_object_object_add(o, "pid", json_object_new_int(pid));
		json_object_object_add(o, "range", json_object_new_string(r));
		json_object_object_add(o, "pool", json_object_new_int((int)pool));
		json_object_object_add(o, "node", json_object_new_int(node));
		json_object_object_add(o, "outcome", json_object_new_string(outcome));
#define F(x) json_object_object_add(o, #x, json_object_new_int64((int64_t)st->x))
		F(pages);
		F(moved);
		F(already);
		F(busy);
		F(nomem);
		F(absent);
		F(shared);
		F(other);
		F(retries);
		F(batches);
#undef F
		json_object_object_add(o, "seconds", json_object_new_double(secs));
		hm_print_json(o);
		return;
	}
	printf("pid %d: %" PRIu64 " pages -> pool %u (node %d): %s in %.2f s (%.1f MiB/s)\n",
	       pid, st->pages, pool, node, outcome, secs, mibs);
	printf("  moved %" PRIu64 ", already there %" PRIu64 ", busy %" PRIu64
	       ", no memory %" PRIu64 ", not present %" PRIu64 ", shared %" PRIu64
	       ", other %" PRIu64 " (retries %" PRIu64 ")\n",
	       st->moved, st->already, st->busy, st->nomem, st->absent, st->shared, st->other,
	       st->retries);
	fflush(stdout);
}

int hm_cmd_migrate(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "range", required_argument, NULL, 'r' },
		{ "to-pool", required_argument, NULL, 't' },
		{ "rate", required_argument, NULL, 'R' },
		{ "batch", required_argument, NULL, 'b' },
		{ "sysfs", required_argument, NULL, 'S' },
		{ "state", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct hm_migrate_attr a = { .max_retries = 5, .progress = check_stop };
	uint64_t pid = 0, pool = UINT64_MAX, rate = 0, batch = 1024, lo_a = 0, hi_a = 0;
	const char *sysfs = NULL, *state = NULL, *range = NULL;
	struct hm_migrate_stats st;
	struct sigaction sa = { .sa_handler = on_signal };
	struct hm_proc_id id;
	struct hm_topo t;
	bool json = false;
	double t0;
	int c, ret, node;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (hm_opt_u64(CMD, "--pid", optarg, 1, INT32_MAX, &pid))
				return HM_EXIT_USAGE;
			break;
		case 'r':
			range = optarg;
			break;
		case 't':
			if (hm_opt_u64(CMD, "--to-pool", optarg, 0, HM_MAX_NODES - 1, &pool))
				return HM_EXIT_USAGE;
			break;
		case 'R':
			if (hm_opt_u64(CMD, "--rate", optarg, 0, 1000000000, &rate))
				return HM_EXIT_USAGE;
			break;
		case 'b':
			if (hm_opt_u64(CMD, "--batch", optarg, 1, 1 << 20, &batch))
				return HM_EXIT_USAGE;
			break;
		case 'S':
			sysfs = optarg;
			break;
		case 's':
			state = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			hm_print_usage(hm_find_command(CMD), false);
			return HM_EXIT_OK;
		default:
			return hm_getopt_err(CMD, c, argv);
		}
	}
	if (optind < argc)
		return hm_usage_err(CMD, argv[optind], "unexpected argument");
	if (!pid)
		return hm_usage_err(CMD, "--pid", "required");
	if (!range)
		return hm_usage_err(CMD, "--range", "required (START-END, or all)");
	if (parse_range(range, &lo_a, &hi_a))
		return hm_usage_err(CMD, "--range",
				    "'%s' is not START-END (hex with 0x or decimal, START < END) "
				    "or all", range);
	if (pool == UINT64_MAX)
		return hm_usage_err(CMD, "--to-pool", "required");
	ret = hm_topo_load(CMD, sysfs, state, &t, NULL);
	if (ret)
		return ret;
	if (pool >= t.nr_pools)
		return hm_usage_err(CMD, "--to-pool", "no pool %" PRIu64 " (pools 0-%u)", pool,
				    t.nr_pools - 1);
	node = hm_pool_pick_node(&t, (unsigned int)pool);
	ret = check_privilege((pid_t)pid);
	if (ret)
		return ret;
	ret = hm_proc_open((pid_t)pid, &id);
	if (ret)
		return hm_fail(CMD, "--pid", "no process %" PRIu64, pid);

	a.start = lo_a;
	a.end = hi_a;
	a.node = node;
	a.rate_bps = rate * 1000000;
	a.batch = (unsigned int)batch;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	t0 = now_s();
	ret = hm_migrate(&id, &a, &st);
	t0 = now_s() - t0;
	switch (ret) {
	case 0:
		print_result(&st, (int)pid, lo_a, hi_a, (unsigned int)pool, node, t0, "done", json);
		return HM_EXIT_OK;
	case -ESRCH:
		print_result(&st, (int)pid, lo_a, hi_a, (unsigned int)pool, node, t0, "exited",
			     json);
		return hm_fail(CMD, "--pid",
			       "process %" PRIu64 " exited during the migration; stopped after "
			       "%" PRIu64 " pages moved", pid, st.moved);
	case -EINTR:
		print_result(&st, (int)pid, lo_a, hi_a, (unsigned int)pool, node, t0,
			     "interrupted", json);
		return hm_fail(CMD, NULL, "interrupted after %" PRIu64 " pages moved", st.moved);
	case -EPERM:
	case -EACCES:
		return hm_fail(CMD, "--pid",
			       "the kernel refused (%s): moving process %" PRIu64 "'s pages needs "
			       "ptrace access to it and CAP_SYS_NICE", strerror(-ret), pid);
	case -ENODEV:
		return hm_fail(CMD, "--to-pool", "node %d of pool %" PRIu64 " is not online", node,
			       pool);
	default:
		return hm_fail(CMD, NULL, "move_pages: %s", strerror(-ret));
	}
}
