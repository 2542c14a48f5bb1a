// SPDX-License-Identifier: MIT
/*
 * hotmem run: the tiering daemon on a real host. Process targets (by PID or
 * a command it starts), a hotness source on the real kernel (kernel DAMON
 * through sysfs), hotmem's monitor and schemes, and the migrator closing the
 * loop; an event loop on timerfd and signalfd, a status socket, SIGHUP to
 * reload, SIGTERM/SIGINT to stop and undo what it set up (docs/daemon.md).
 * hotmem status asks a running daemon over its socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <glob.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <linux/perf_event.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hotmem/linux.h>
#include <hotmem/monitor.h>
#include <hotmem/parse.h>
#include <hotmem/scheme.h>

#include "cli.h"
#include "config.h"
#include "output.h"
#include "record.h"
#include "run_chmu.h"
#include "run_idle.h"
#include "topo_cli.h"

#define CMD "run"
#define DEFAULT_SOCKET "/run/hotmem/hotmem.sock"
#define DEFAULT_OWNER "/run/hotmem/kdamonds.owner"
#define MAX_KREGIONS 4096

const char hm_run_usage[] =
	"usage: hotmem run --config FILE [--pid PID]... [options] [-- COMMAND [ARG]...]\n"
	"       hotmem run --list-sources [--json] [--sysfs DIR]\n"
	"\n"
	"The tiering daemon (docs/daemon.md). It monitors its targets with a\n"
	"hotness source on this kernel, runs the configuration's schemes on what\n"
	"it sees, and moves pages with move_pages(2). Targets are the\n"
	"configuration's pid targets, or the processes given with --pid or\n"
	"--cgroup, or the COMMAND it starts. The configuration's sources are one\n"
	"of \"damon\" (a vaddr kdamond per process) or \"damon-paddr\" (one\n"
	"paddr kdamond, mapped back through pagemap; needs CAP_SYS_ADMIN), and\n"
	"optionally perf samplers of the targets' accesses: \"page-faults\",\n"
	"\"ibs\", \"pebs\" (their scale is the sampling period), and \"chmu\": a\n"
	"CXL device's hotness monitor read through its cxl_hmu perf event, its\n"
	"physical reports mapped back through pagemap (\"daemon\": {\"chmu\": {...}}\n"
	"says which event and decoder; CAP_SYS_ADMIN), and \"page_idle\": the\n"
	"kernel's idle page tracking over the targets' pages (CAP_SYS_ADMIN). A\n"
	"sampler, chmu or page_idle may run without kernel DAMON. With\n"
	"\"daemon\": {\"offload\": true} the kernel runs the schemes as DAMOS (with\n"
	"their addr filters and watermarks) and hotmem feeds their goals. It\n"
	"runs until interrupted (SIGINT, SIGTERM), or\n"
	"until every target has exited; then it stops its kdamonds and removes them.\n"
	"SIGHUP reloads the configuration and commits the schemes and monitoring\n"
	"attributes without losing the regions.\n"
	"\n"
	"--list-sources: the hotness sources of this machine, one row each: name,\n"
	"state (available, unavailable, in-use-by-other) and why.\n"
	"\n"
	"options:\n"
	"  --pid PID        monitor this process (repeatable; replaces the file's\n"
	"                   targets)\n"
	"  --cgroup DIR     monitor the processes of this cgroup (v2: DIR/cgroup.procs),\n"
	"                   following them as they come and go\n"
	"  --record FILE    write every aggregation window (hotmem report reads it)\n"
	"  --socket PATH    the status socket (default " DEFAULT_SOCKET ")\n"
	"  --duration SECS  stop after this long (default: run until stopped)\n"
	"  --sysfs DIR      for --list-sources: read DIR instead of /sys\n"
	"  --json           for --list-sources: JSON\n";

const char hm_status_usage[] =
	"usage: hotmem status [--socket PATH] [--json]\n"
	"\n"
	"Ask a running 'hotmem run' what it is doing: targets, sources with their\n"
	"rates and drops, schemes with bytes tried and applied, goals with their\n"
	"current and target values, bytes moved per node. The socket speaks one\n"
	"JSON request per connection, {\"request\": \"status\"}, and answers with\n"
	"one JSON object (docs/daemon.md).\n"
	"\n"
	"  --socket PATH   default " DEFAULT_SOCKET "\n"
	"  --json          the reply as it came\n";

/* ---- sources -------------------------------------------------------------- */

struct source_row {
	const char *name;
	const char *state;
	char why[768];
};

static bool has_glob(const char *pattern)
{
	glob_t g;
	bool any = !glob(pattern, 0, NULL, &g) && g.gl_pathc;

	if (any)
		globfree(&g);
	return any;
}

/* A CPU sampler's PMU: present (a source of the daemon's) or not. */
static void pmu_row(struct source_row *row, const char *name, const char *root,
		    const char *rel, const char *missing, const char *what)
{
	char path[256];

	row->name = name;
	row->state = "unavailable";
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	if (access(path, F_OK)) {
		snprintf(row->why, sizeof(row->why), "no %s: %s", path, missing);
	} else {
		row->state = "available";
		snprintf(row->why, sizeof(row->why), "%s: %s samples of the targets' data "
			 "addresses (\"sources\": [{\"name\": \"%s\"}])", path, what, name);
	}
}

static unsigned int list_sources(const char *sysfs, struct source_row *rows)
{
	const char *root = sysfs ? sysfs : "/sys";
	char path[256];
	unsigned int n = 0;
	int st;

	rows[n].name = "damon";
	st = hm_damon_probe(sysfs, rows[n].why, sizeof(rows[n].why));
	rows[n].state = st == HM_DAMON_AVAILABLE ? "available" :
			st == HM_DAMON_IN_USE	 ? "in-use-by-other" : "unavailable";
	n++;

	rows[n].name = "page_idle";
	rows[n].state = "unavailable";
	snprintf(path, sizeof(path), "%s/kernel/mm/page_idle/bitmap", root);
	if (access(path, F_OK))
		snprintf(rows[n].why, sizeof(rows[n].why),
			 "no %s: the kernel has no idle page tracking (CONFIG_IDLE_PAGE_TRACKING)",
			 path);
	else if (!hm_have_cap(CAP_SYS_ADMIN))
		snprintf(rows[n].why, sizeof(rows[n].why),
			 "%s: needs CAP_SYS_ADMIN (pagemap's frame numbers, and the bitmap "
			 "is root's)", path);
	else {
		rows[n].state = "available";
		snprintf(rows[n].why, sizeof(rows[n].why),
			 "%s: the Accessed bits of every page of the targets, one round "
			 "per interval (\"sources\": [{\"name\": \"page_idle\"}])", path);
	}
	n++;

	pmu_row(&rows[n++], "ibs", root, "bus/event_source/devices/ibs_op",
		"no AMD IBS op PMU on this CPU (or it is not exposed to this VM)", "IBS op");
	pmu_row(&rows[n++], "pebs", root, "bus/event_source/devices/cpu/events/mem-loads",
		"no Intel PEBS load-latency event on this CPU (or this VM)", "PEBS load-latency");
	pmu_row(&rows[n++], "page-faults", root, "bus/event_source/devices/software",
		"the kernel has no perf events (CONFIG_PERF_EVENTS)", "page-fault");

	rows[n].name = "chmu";
	rows[n].state = "unavailable";
	snprintf(path, sizeof(path), "%s/bus/event_source/devices/cxl_hmu*", root);
	if (has_glob(path)) {
		rows[n].state = "available";
		snprintf(rows[n].why, sizeof(rows[n].why),
			 "%s: a CXL device's hotness monitor (\"sources\": [{\"name\": \"chmu\"}] "
			 "and \"daemon\": {\"chmu\": {\"event\", \"decoder\"}})", path);
	} else {
		snprintf(rows[n].why, sizeof(rows[n].why),
			 "no cxl_hmu PMU: no CXL device with a Hotness Monitoring Unit (or no "
			 "driver); a captured AUX stream can still be replayed (aux_file)");
	}
	n++;

	rows[n].name = "pagemap_rmap";
	rows[n].state = "unavailable";
	if (hm_have_cap(CAP_SYS_ADMIN)) {
		rows[n].state = "available";
		snprintf(rows[n].why, sizeof(rows[n].why),
			 "CAP_SYS_ADMIN: /proc/PID/pagemap shows frame numbers, so physical "
			 "reports (the damon-paddr source) reach process targets");
	} else {
		snprintf(rows[n].why, sizeof(rows[n].why),
			 "needs CAP_SYS_ADMIN: without it pagemap hides PFNs, and physical "
			 "reports reach processes only through kernel DAMOS offload");
	}
	n++;
	return n;
}

static int cmd_list_sources(const char *sysfs, bool json)
{
	struct source_row rows[10];
	unsigned int n = list_sources(sysfs, rows);

	if (json) {
		struct json_object *a = json_object_new_array();

		for (unsigned int i = 0; i < n; i++) {
			struct json_object *o = json_object_new_object();

			json_object_object_add(o, "name", json_object_new_string(rows[i].name));
			json_object_object_add(o, "state", json_object_new_string(rows[i].state));
			json_object_object_add(o, "reason", json_object_new_string(rows[i].why));
			json_object_array_add(a, o);
		}
		struct json_object *root = json_object_new_object();

		json_object_object_add(root, "sources", a);
		return hm_print_json(root);
	}
	for (unsigned int i = 0; i < n; i++)
		printf("%-13s %-16s %s\n", rows[i].name, rows[i].state, rows[i].why);
	return HM_EXIT_OK;
}

/* ---- the daemon ------------------------------------------------------------ */

/* A perf sampler of the targets' accesses: one event per process. */
#define MAX_SAMPLERS 4
struct sampler {
	const char *name;
	uint8_t src;			/* its index among the configuration's sources */
	uint32_t scale;
	unsigned int nr;		/* events open: one per process and CPU */
	struct hm_perf_event *ev;
};

struct daemon {
	const char *config_path;
	const char *socket_path;
	const char *owner_path;
	const char *record_path;
	const char *cgroup;
	uint64_t next_rescan_ns;
	uint64_t next_gone_check;
	uint64_t duration_ns;
	pid_t pids[HM_DAMON_MAX_KDAMONDS];
	unsigned int nr_pids;
	pid_t child;

	struct hm_ctx *ctx;
	struct hm_config cfg;
	struct hm_linux_ops lo;
	struct hm_ring_set *rings;
	struct hm_ring *ring;
	uint8_t src_id;
	struct hm_kdamond kd;
	bool kd_on;
	struct hm_damon_attr kattr;
	struct hm_record_writer *rec;

	/* the kernel's last windows, one per kdamond, replayed as reports */
	struct hm_damon_region *kreg[HM_DAMON_MAX_KDAMONDS];
	unsigned int nr_kreg[HM_DAMON_MAX_KDAMONDS];
	uint64_t samples_since_read;
	uint64_t reports, drops;

	/*
	 * The reader thread: asking a kdamond for its regions blocks until the
	 * kdamond's next aggregation, so it must not hold up the loop. It fills
	 * @next under @lock and bumps @version; the loop copies what is new.
	 */
	pthread_t reader;
	bool reader_on;
	pthread_mutex_t lock;
	struct hm_damon_region *next[HM_DAMON_MAX_KDAMONDS];
	unsigned int nr_next[HM_DAMON_MAX_KDAMONDS];
	uint64_t version, seen_version;
	uint64_t reads, read_ns, read_errors;
	char read_err[448];
	bool reader_stop;		/* __atomic */

	/* damon-paddr: one paddr kdamond, its regions mapped back to processes */
	bool paddr;
	struct hm_damon_region *pbuf;

	/* DAMOS offload: the kernel runs the schemes, hotmem feeds their goals */
	bool offload;
	unsigned int nr_off;
	struct hm_damos_spec spec[HM_DAMOS_MAX_SCHEMES];
	enum hm_goal_metric metric[HM_DAMOS_MAX_SCHEMES];
	unsigned int stat_of[HM_DAMOS_MAX_SCHEMES];	/* its tried-regions stat scheme */
	unsigned int nr_user;				/* the configuration's schemes */
	int metric_nid[HM_DAMOS_MAX_SCHEMES];
	uint64_t user_current[HM_DAMOS_MAX_SCHEMES];
	uint64_t goal_current[HM_DAMOS_MAX_SCHEMES];
	struct hm_damos_stats kst[HM_DAMOS_MAX_SCHEMES];
	uint64_t node_rng[HM_MAX_NODES][16][2];
	unsigned int nr_node_rng[HM_MAX_NODES];
	uint64_t last_applied;

	struct sampler smp[MAX_SAMPLERS];
	unsigned int nr_smp;
	uint64_t smp_now;

	/* kernel DAMON is one source among others, and may be absent */
	bool damon;
	int chmu_src;			/* the chmu source's index, or -1 */
	struct run_chmu_cfg chmu_cfg;
	struct run_chmu *chmu;
	int idle_src;			/* the page_idle source's index, or -1 */
	struct run_idle_cfg idle_cfg;
	struct run_idle *idle;

	int sfd, tfd, lfd;
	uint64_t t0;
	uint64_t last_moved;
	bool stop;
};

static int open_samplers(struct daemon *d);
static void close_samplers(struct daemon *d);

static void say(struct daemon *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct daemon *d, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "hotmem: run: %7.1f s: ", (double)(hm_mono_ns() - d->t0) * 1e-9);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static const char *const daemon_sections[] = { "daemon", NULL };

/* The "daemon" section: {"socket", "owner_record", "rate_mbps", "damon": {...}} */
static int read_daemon_section(struct daemon *d, struct json_object *sec, char *err,
			       size_t len)
{
	struct json_object *v;

	d->kattr = (struct hm_damon_attr){ 5000, 100000, 10, 1000 };
	run_chmu_parse(NULL, &d->chmu_cfg, err, len);
	run_idle_parse(NULL, &d->idle_cfg, err, len);
	if (!sec)
		return 0;
	if (!json_object_is_type(sec, json_type_object))
		return hm_errmsg(err, len, "$.daemon: not an object");
	json_object_object_foreach(sec, key, val) {
		if (!strcmp(key, "socket") && json_object_is_type(val, json_type_string)) {
			if (!d->socket_path)
				d->socket_path = json_object_get_string(val);
		} else if (!strcmp(key, "owner_record") &&
			   json_object_is_type(val, json_type_string)) {
			d->owner_path = json_object_get_string(val);
		} else if (!strcmp(key, "offload") && json_object_is_type(val, json_type_boolean)) {
			d->offload = json_object_get_boolean(val);
		} else if (!strcmp(key, "chmu")) {
			if (run_chmu_parse(val, &d->chmu_cfg, err, len))
				return -EINVAL;
		} else if (!strcmp(key, "page_idle")) {
			if (run_idle_parse(val, &d->idle_cfg, err, len))
				return -EINVAL;
		} else if (!strcmp(key, "rate_mbps") && json_object_is_type(val, json_type_int) &&
			   json_object_get_int64(val) >= 0) {
			d->lo.rate_bps = (uint64_t)json_object_get_int64(val) * 1000000;
		} else if (!strcmp(key, "damon") && json_object_is_type(val, json_type_object)) {
			json_object_object_foreach(val, k2, v2) {
				uint64_t ns;
				size_t at;

				if ((!strcmp(k2, "sample_interval") || !strcmp(k2, "aggr_interval")) &&
				    json_object_is_type(v2, json_type_string) &&
				    !hm_parse_duration(json_object_get_string(v2), 1000, &ns, &at) &&
				    ns >= 1000) {
					*(k2[0] == 's' ? &d->kattr.sample_us : &d->kattr.aggr_us) =
						ns / 1000;
				} else if ((!strcmp(k2, "min_nr_regions") ||
					    !strcmp(k2, "max_nr_regions")) &&
					   json_object_is_type(v2, json_type_int) &&
					   json_object_get_int(v2) >= 3) {
					*(k2[1] == 'i' ? &d->kattr.min_nr_regions :
							 &d->kattr.max_nr_regions) =
						(unsigned int)json_object_get_int(v2);
				} else {
					return hm_errmsg(err, len, "$.daemon.damon.%s: unknown key or bad "
							 "value (sample_interval, aggr_interval: "
							 "durations; min_nr_regions, "
							 "max_nr_regions: integers >= 3)", k2);
				}
			}
		} else {
			return hm_errmsg(err, len, "$.daemon.%s: unknown key or wrong type "
					 "(socket, owner_record: strings; rate_mbps: an integer; "
					 "offload: a boolean; damon, chmu, page_idle: objects)", key);
		}
	}
	if (d->kattr.sample_us > d->kattr.aggr_us)
		return hm_errmsg(err, len, "$.daemon.damon: sample_interval above aggr_interval");
	if (d->kattr.min_nr_regions > d->kattr.max_nr_regions)
		return hm_errmsg(err, len, "$.daemon.damon: min_nr_regions above max_nr_regions");
	(void)v;
	return 0;
}

/* The sources that replay ranges (pick_sources sets their accounting). */
bool hm_run_forces_coverage(const char *name)
{
	return !strcmp(name, "damon") || !strcmp(name, "damon-paddr") || !strcmp(name, "chmu") ||
	       !strcmp(name, "page_idle");
}

int hm_run_check_section(struct json_object *sec, char *err, size_t len)
{
	static struct daemon scratch;

	memset(&scratch, 0, sizeof(scratch));
	return read_daemon_section(&scratch, sec, err, len);
}

/* The report sets: one per kdamond (vaddr), or one per process (paddr). */
static unsigned int nsets(const struct daemon *d)
{
	return d->paddr ? d->nr_pids : d->kd.nr;
}

static pid_t set_pid(const struct daemon *d, unsigned int i)
{
	return d->paddr ? d->pids[i] : d->kd.pid[i];
}

struct vrun {
	struct hm_damon_region *out;
	size_t n, cap;
	uint32_t nr_accesses, age;
	bool oom;
};

static void add_vrun(void *arg, uint64_t lo, uint64_t hi)
{
	struct vrun *v = arg;

	if (v->n == v->cap) {
		size_t c = v->cap ? v->cap * 2 : 4096;
		struct hm_damon_region *x = realloc(v->out, c * sizeof(*x));

		if (!x) {
			v->oom = true;
			return;
		}
		v->out = x;
		v->cap = c;
	}
	v->out[v->n++] = (struct hm_damon_region){ lo, hi, v->nr_accesses, v->age };
}

static int cmp_vrun(const void *a, const void *b)
{
	const struct hm_damon_region *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/*
 * damon-paddr: the kernel's physical regions, through each process's
 * reverse map, become virtual regions of that process. Walking frames in
 * physical order gives many short virtual runs when memory is fragmented;
 * sorted by address and merged where they touch with the same count, they
 * fit the replay (a first version capped the runs unsorted, and on a
 * fragmented node lost most of the hot set).
 */
static void paddr_round(struct daemon *d)
{
	unsigned int nr = 0;
	int ret = hm_damon_read(&d->kd, 0, d->pbuf, MAX_KREGIONS, &nr);

	for (unsigned int i = 0; !ret && i < d->nr_pids; i++) {
		struct vrun v = { 0 };
		struct hm_rmap m;
		size_t out = 0;
		int r = hm_rmap_build(&d->lo.procs[i], &m);

		if (r) {
			pthread_mutex_lock(&d->lock);
			d->read_errors++;
			snprintf(d->read_err, sizeof(d->read_err),
				 r == -EPERM ? "process %d: physical reports reach processes only "
					       "through pagemap's frame numbers, which need "
					       "CAP_SYS_ADMIN" : "process %d: pagemap: %s",
				 (int)d->pids[i], strerror(-r));
			d->nr_next[i] = 0;
			pthread_mutex_unlock(&d->lock);
			continue;
		}
		for (unsigned int k = 0; k < nr; k++) {
			if (!d->pbuf[k].nr_accesses)
				continue;
			v.nr_accesses = d->pbuf[k].nr_accesses;
			v.age = d->pbuf[k].age;
			hm_rmap_walk(&m, d->pbuf[k].start, d->pbuf[k].end, add_vrun, &v);
		}
		hm_rmap_free(&m);
		if (v.n)
			qsort(v.out, v.n, sizeof(*v.out), cmp_vrun);
		for (size_t k = 0; k < v.n; k++) {
			if (out && v.out[out - 1].end == v.out[k].start &&
			    v.out[out - 1].nr_accesses == v.out[k].nr_accesses)
				v.out[out - 1].end = v.out[k].end;
			else
				v.out[out++] = v.out[k];
		}
		pthread_mutex_lock(&d->lock);
		if (out > MAX_KREGIONS || v.oom) {
			d->read_errors++;
			snprintf(d->read_err, sizeof(d->read_err),
				 "process %d: %zu accessed runs, more than the %d replayed",
				 (int)d->pids[i], out, MAX_KREGIONS);
			out = out > MAX_KREGIONS ? MAX_KREGIONS : out;
		}
		memcpy(d->next[i], v.out, out * sizeof(*v.out));
		d->nr_next[i] = (unsigned int)out;
		pthread_mutex_unlock(&d->lock);
		free(v.out);
	}
	pthread_mutex_lock(&d->lock);
	if (ret) {
		d->read_errors++;
		snprintf(d->read_err, sizeof(d->read_err), "paddr kdamond: %s",
			 d->kd.err[0] ? d->kd.err : strerror(-ret));
	}
	d->version++;
	pthread_mutex_unlock(&d->lock);
}

/*
 * Replay the kernel's last window as binary reports, one per kernel region
 * that was accessed in this sample: a region with n accesses out of the
 * kernel's N samples is reported in n of every N of hotmem's samples, spread
 * evenly. Each report covers the whole kernel region; with straddling
 * reports split, every hotmem region under it counts as accessed.
 */
static void feed_reports(struct daemon *d, uint64_t now)
{
	uint64_t nk = d->kattr.aggr_us / d->kattr.sample_us, j = d->samples_since_read++;

	if (!nk)
		nk = 1;
	j %= nk;
	for (unsigned int i = 0; i < nsets(d); i++) {
		for (unsigned int k = 0; k < d->nr_kreg[i]; k++) {
			const struct hm_damon_region *kr = &d->kreg[i][k];
			uint64_t n = kr->nr_accesses > nk ? nk : kr->nr_accesses;
			struct hm_report r;

			if ((j + 1) * n / nk == j * n / nk)
				continue;
			r = (struct hm_report){ .addr = kr->start, .size = kr->end - kr->start,
						.time_ns = now, .count = 1, .pid = set_pid(d, i),
						.tid = -1, .cpu = -1, .node = -1,
						.source = d->src_id };
			if (hm_report_access(d->ring, &r))
				d->drops++;
			else
				d->reports++;
		}
	}
}

/* One round of the offload: goal metrics computed here, fed to the kernel. */
static void offload_round(struct daemon *d)
{
	uint64_t cur[HM_DAMOS_MAX_SCHEMES];
	struct hm_damos_stats st[HM_DAMOS_MAX_SCHEMES];
	bool tried = false;
	int ret = 0;

	for (unsigned int j = 0; j < d->nr_off; j++) {
		cur[j] = UINT64_MAX;
		if (!d->spec[j].goal)
			continue;
		switch (d->metric[j]) {
		case HM_GOAL_USER_INPUT:
			cur[j] = d->user_current[j];
			break;
		case HM_GOAL_NODE_MEM_FREE_BP:
		case HM_GOAL_NODE_MEM_USED_BP: {
			uint64_t t, f;

			if (hm_node_meminfo(NULL, d->metric_nid[j], &t, &f) || !t)
				break;
			cur[j] = (d->metric[j] == HM_GOAL_NODE_MEM_FREE_BP ? f : t - f) * 10000 / t;
			break;
		}
		case HM_GOAL_NODE_ELIGIBLE_MEM_BP: {
			uint64_t on, all;
			int nid = d->metric_nid[j];

			if (!tried && !ret) {
				ret = hm_damos_update_tried(&d->kd);
				tried = !ret;
			}
			if (tried && !hm_damos_tried(&d->kd, d->stat_of[j],
						     (const uint64_t (*)[2])d->node_rng[nid],
						     d->nr_node_rng[nid], &on, &all))
				cur[j] = all ? on * 10000 / all : 0;
			break;
		}
		default:
			break;
		}
	}
	if (!ret)
		ret = hm_damos_feed_goals(&d->kd, cur);
	if (!ret)
		ret = hm_damos_stats(&d->kd, st);
	pthread_mutex_lock(&d->lock);
	if (ret) {
		d->read_errors++;
		snprintf(d->read_err, sizeof(d->read_err), "offload: %s",
			 d->kd.err[0] ? d->kd.err : strerror(-ret));
	} else {
		memcpy(d->kst, st, sizeof(st));
		for (unsigned int j = 0; j < d->nr_off; j++)
			if (cur[j] != UINT64_MAX)
				d->goal_current[j] = cur[j];
	}
	d->version++;
	pthread_mutex_unlock(&d->lock);
}

static void *reader_main(void *arg)
{
	struct daemon *d = arg;
	struct hm_damon_region *buf = calloc(MAX_KREGIONS, sizeof(*buf));

	while (buf && !__atomic_load_n(&d->reader_stop, __ATOMIC_ACQUIRE)) {
		uint64_t t0 = hm_mono_ns();

		if (d->offload)
			offload_round(d);
		else if (d->paddr)
			paddr_round(d);
		for (unsigned int i = 0; !d->offload && !d->paddr && i < d->kd.nr &&
		     !__atomic_load_n(&d->reader_stop, __ATOMIC_ACQUIRE);
		     i++) {
			unsigned int nr = 0;
			int ret = hm_damon_read(&d->kd, i, buf, MAX_KREGIONS, &nr);

			pthread_mutex_lock(&d->lock);
			if (ret && ret != -ESRCH) {
				d->read_errors++;
				snprintf(d->read_err, sizeof(d->read_err), "kdamond %u: %s", i,
					 d->kd.err[0] ? d->kd.err : strerror(-ret));
			}
			d->nr_next[i] = ret ? 0 : nr;
			if (!ret)
				memcpy(d->next[i], buf, nr * sizeof(*buf));
			pthread_mutex_unlock(&d->lock);
		}
		pthread_mutex_lock(&d->lock);
		d->version++;
		d->reads++;
		d->read_ns += hm_mono_ns() - t0;
		pthread_mutex_unlock(&d->lock);
		/*
		 * A read waits for the kdamond's next aggregation; one that came
		 * back sooner (a kdamond off after its target exited, an error)
		 * must not spin: at most one round per kernel aggregation.
		 */
		{
			uint64_t spent = hm_mono_ns() - t0, aggr = d->kattr.aggr_us * 1000;

			if (spent < aggr && !__atomic_load_n(&d->reader_stop, __ATOMIC_ACQUIRE))
				usleep((useconds_t)((aggr - spent) / 1000));
		}
	}
	free(buf);
	return NULL;
}

/* Take the reader's newest windows, if any; log a read error once. */
static void take_kernel(struct daemon *d)
{
	char err[sizeof(d->read_err)] = "";

	pthread_mutex_lock(&d->lock);
	if (d->version != d->seen_version) {
		for (unsigned int i = 0; i < nsets(d); i++) {
			memcpy(d->kreg[i], d->next[i], d->nr_next[i] * sizeof(*d->next[i]));
			d->nr_kreg[i] = d->nr_next[i];
		}
		d->seen_version = d->version;
		d->samples_since_read = 0;
	}
	if (d->read_err[0]) {
		memcpy(err, d->read_err, sizeof(err));
		d->read_err[0] = '\0';
	}
	pthread_mutex_unlock(&d->lock);
	if (err[0])
		say(d, "%s", err);
}

/* The processes of cgroup @dir, at most @max, in @pids; how many in all. */
static int cgroup_procs(const char *dir, pid_t *pids, unsigned int max, unsigned int *n)
{
	char path[4096], line[32];
	unsigned int all = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	*n = 0;
	while (fgets(line, sizeof(line), f)) {
		int pid = atoi(line);

		if (pid <= 0)
			continue;
		all++;
		if (*n < max)
			pids[(*n)++] = pid;
	}
	fclose(f);
	return (int)all;
}

static void stop_reader(struct daemon *d)
{
	if (!d->reader_on)
		return;
	__atomic_store_n(&d->reader_stop, true, __ATOMIC_RELEASE);
	pthread_join(d->reader, NULL);
	d->reader_on = false;
	__atomic_store_n(&d->reader_stop, false, __ATOMIC_RELEASE);
}

/*
 * The cgroup's membership changed: new targets for new processes, none for
 * those that left, and the kdamonds made again for the new set (a kdamond
 * serves one process, and nr_kdamonds cannot change while any runs).
 */
static int rescan_cgroup(struct daemon *d, uint64_t now)
{
	pid_t pids[HM_DAMON_MAX_KDAMONDS];
	unsigned int n, added = 0, removed = 0;
	struct hm_target *t, *next;
	int all, ret;

	if (!d->cgroup || now < d->next_rescan_ns)
		return 0;
	d->next_rescan_ns = now + 2000000000ull;
	all = cgroup_procs(d->cgroup, pids, HM_DAMON_MAX_KDAMONDS, &n);
	if (all < 0) {
		say(d, "cgroup %s: %s; stopping", d->cgroup, strerror(-all));
		return -1;
	}
	hm_for_each_target_safe(t, next, d->ctx) {
		bool in = false;

		for (unsigned int i = 0; i < n; i++)
			in |= pids[i] == t->pid;
		if (!in) {
			hm_destroy_target(t, d->ctx);
			removed++;
		}
	}
	for (unsigned int i = 0; i < n; i++) {
		bool have = false;

		hm_for_each_target(t, d->ctx)
			have |= t->pid == pids[i];
		if (have)
			continue;
		t = hm_new_target();
		if (!t)
			return -1;
		t->pid = pids[i];
		hm_add_target(d->ctx, t);
		added++;
	}
	if (!added && !removed)
		return 0;
	/* the reader thread uses the process list (damon-paddr maps regions to it) */
	stop_reader(d);
	d->lo.nr_procs = 0;
	d->nr_pids = 0;
	hm_for_each_target(t, d->ctx)
		if (!hm_linux_ops_add_proc(&d->lo, t->pid))
			d->pids[d->nr_pids++] = t->pid;
	if (!d->nr_pids) {
		say(d, "cgroup %s is empty; stopping", d->cgroup);
		return -1;
	}
	memset(d->nr_kreg, 0, sizeof(d->nr_kreg));
	memset(d->nr_next, 0, sizeof(d->nr_next));
	/* one vaddr kdamond per process; the paddr one watches every process already */
	if (d->damon && !d->paddr) {
		hm_damon_stop(&d->kd);
		d->kd_on = false;
		ret = hm_damon_start(&d->kd, NULL, d->owner_path, &d->kattr, d->pids, d->nr_pids);
		if (ret) {
			say(d, "cgroup %s: making the kdamonds again: %s; stopping", d->cgroup,
			    d->kd.err);
			return -1;
		}
		d->kd_on = true;
	}
	ret = d->damon ? pthread_create(&d->reader, NULL, reader_main, d) : 0;
	if (ret) {
		say(d, "the DAMON reader thread: %s; stopping", strerror(ret));
		return -1;
	}
	d->reader_on = d->damon;
	say(d, "cgroup %s: %u process%s (+%u -%u%s); %s", d->cgroup, d->nr_pids,
	    d->nr_pids == 1 ? "" : "es", added, removed,
	    (unsigned int)all > n ? ", more than hotmem follows" : "",
	    !d->damon ? "no kernel DAMON" :
	    d->paddr ? "the paddr kdamond goes on, mapped to the new set" :
		       "kdamonds made again");
	if (d->chmu)
		run_chmu_procs(d->chmu, d->lo.procs, d->lo.nr_procs);
	if (d->idle)
		run_idle_procs(d->idle, d->lo.procs, d->lo.nr_procs);
	/* the samplers follow the new set too (their counts start over) */
	if (d->nr_smp) {
		close_samplers(d);
		if (open_samplers(d)) {
			say(d, "cgroup %s: the samplers could not follow; stopping", d->cgroup);
			return -1;
		}
	}
	return 0;
}

/*
 * Drop targets whose process is gone; true if none is left. The migrator's
 * word is taken at once; /proc is asked at most once a second, because an
 * open and a read of /proc/PID/stat per target per tick was the loop's
 * largest cost (100 system calls a second per target at 10 ms samples).
 */
static bool drop_gone(struct daemon *d, uint64_t now)
{
	struct hm_target *t, *next;
	unsigned int left = 0;
	bool ask = now >= d->next_gone_check;

	if (ask)
		d->next_gone_check = now + 1000000000ull;
	hm_for_each_target_safe(t, next, d->ctx) {
		struct hm_proc_id id = { 0 };
		bool gone = d->lo.gone == t->pid;

		if (!gone && !ask) {
			left++;
			continue;
		}

		for (unsigned int i = 0; i < d->lo.nr_procs; i++)
			if (d->lo.procs[i].pid == t->pid)
				id = d->lo.procs[i];
		if (!gone && id.pid && hm_proc_check(&id))
			gone = true;
		if (gone) {
			say(d, "target %d exited; dropped", t->pid);
			hm_destroy_target(t, d->ctx);
			continue;
		}
		left++;
	}
	d->lo.gone = 0;
	return !left;
}

static void log_moves(struct daemon *d)
{
	uint64_t moved = 0;

	for (int n = 0; n < HM_MAX_NODES; n++)
		moved += d->lo.moved[n];
	if (moved != d->last_moved) {
		char a[32], b[32];

		say(d, "moved %s (%s in all); %" PRIu64 " pages already in place, %" PRIu64
		     " busy, %" PRIu64 " refused for lack of memory",
		     hm_fmt_iec(moved - d->last_moved, a, sizeof(a)), hm_fmt_iec(moved, b, sizeof(b)),
		     d->lo.st.already, d->lo.st.busy, d->lo.st.nomem);
		d->last_moved = moved;
	}
	if (d->lo.nomem_node >= 0) {
		say(d, "node %d has no free memory for promoted pages; moves to it fail until "
		     "memory is freed", d->lo.nomem_node);
		d->lo.nomem_node = -1;
	}
}

/*
 * Relative hotness per pool of target @t: each region's access rate in the
 * last window, weighted by its bytes on each pool's nodes (move_pages
 * queries), as a share of the whole. {"pool", "tier", "bytes", "hot_bytes",
 * "hotness_bp"} per pool; null if the placement cannot be read.
 */
static struct json_object *pool_hotness(struct daemon *d, struct hm_target *t)
{
	uint32_t samples = hm_samples_per_aggr(&d->ctx->attrs);
	double w[HM_MAX_NODES] = { 0 }, total = 0;
	uint64_t bytes[HM_MAX_NODES] = { 0 }, hot[HM_MAX_NODES] = { 0 };
	const struct hm_proc_id *id = NULL;
	struct json_object *a;
	struct hm_region *r;
	struct hm_topo topo;
	char err[256];

	for (unsigned int i = 0; i < d->lo.nr_procs; i++)
		if (d->lo.procs[i].pid == t->pid)
			id = &d->lo.procs[i];
	if (!id || hm_topo_read(NULL, &topo, err, sizeof(err)))
		return NULL;
	hm_for_each_region(r, t) {
		struct hm_placement pl;
		double rate = samples ? (double)r->last_nr_accesses / samples : 0;

		if (hm_proc_placement(id, r->start, r->end, &pl))
			return NULL;
		for (int n = 0; n < HM_MAX_NODES; n++) {
			if (!pl.bytes[n])
				continue;
			bytes[n] += pl.bytes[n];
			w[n] += rate * (double)pl.bytes[n];
			total += rate * (double)pl.bytes[n];
			if (r->last_nr_accesses)
				hot[n] += pl.bytes[n];
		}
	}
	a = json_object_new_array();
	for (unsigned int k = 0; k < topo.nr_pools; k++) {
		struct json_object *o = json_object_new_object();
		uint64_t b = 0, h = 0;
		double pw = 0;

		for (int n = 0; n < HM_MAX_NODES; n++)
			if (topo.pool[k].nodes & (1ull << n)) {
				b += bytes[n];
				h += hot[n];
				pw += w[n];
			}
		json_object_object_add(o, "pool", json_object_new_int((int)k));
		json_object_object_add(o, "tier", json_object_new_int(topo.pool[k].tier));
		json_object_object_add(o, "bytes", json_object_new_int64((int64_t)b));
		json_object_object_add(o, "hot_bytes", json_object_new_int64((int64_t)h));
		json_object_object_add(o, "hotness_bp",
				       json_object_new_int(total > 0 ? (int)(pw * 10000 / total) : 0));
		json_object_array_add(a, o);
	}
	return a;
}

static struct json_object *status_json(struct daemon *d)
{
	struct json_object *o = json_object_new_object(), *a;
	struct hm_target *t;
	struct hm_scheme *s;
	double up = (double)(hm_mono_ns() - d->t0) * 1e-9;
	unsigned int i = 0;

	json_object_object_add(o, "uptime_s", json_object_new_double(up));
	json_object_object_add(o, "pid", json_object_new_int((int)getpid()));
	a = json_object_new_array();
	hm_for_each_target(t, d->ctx) {
		struct json_object *x = json_object_new_object();
		uint64_t bytes = 0;
		struct hm_region *r;

		hm_for_each_region(r, t)
			bytes += hm_sz_region(r);
		json_object_object_add(x, "pid", json_object_new_int(t->pid));
		json_object_object_add(x, "regions", json_object_new_int((int)t->nr_regions));
		json_object_object_add(x, "pools", pool_hotness(d, t));
		json_object_object_add(x, "monitored_bytes", json_object_new_int64((int64_t)bytes));
		json_object_array_add(a, x);
	}
	json_object_object_add(o, "targets", a);
	a = json_object_new_array();
	if (d->damon || d->offload) {
		struct json_object *x = json_object_new_object();

		json_object_object_add(x, "name", json_object_new_string(
					       d->offload ? "damos-offload" :
					       d->paddr ? "damon-paddr" : "damon"));
		json_object_object_add(x, "kdamonds", json_object_new_int((int)d->kd.nr));
		pthread_mutex_lock(&d->lock);
		json_object_object_add(x, "reads", json_object_new_int64((int64_t)d->reads));
		json_object_object_add(x, "read_errors",
				       json_object_new_int64((int64_t)d->read_errors));
		/* each read waits for the kdamond to take the command */
		json_object_object_add(x, "read_ms_avg",
				       json_object_new_double(d->reads ? (double)d->read_ns * 1e-6 /
									 (double)d->reads : 0));
		pthread_mutex_unlock(&d->lock);
		json_object_object_add(x, "reports", json_object_new_int64((int64_t)d->reports));
		json_object_object_add(x, "reports_per_s",
				       json_object_new_double(up > 0 ? (double)d->reports / up : 0));
		json_object_object_add(x, "drops", json_object_new_int64((int64_t)d->drops));
		json_object_array_add(a, x);
	}
	for (unsigned int k = 0; k < d->nr_smp; k++) {
		struct json_object *x = json_object_new_object();
		uint64_t smp = 0, lost = 0, none = 0, drops = 0, bad = 0;

		for (unsigned int j = 0; j < d->smp[k].nr; j++) {
			const struct hm_perf_ring *r = &d->smp[k].ev[j].ring;

			bad += r->bad;
			smp += r->samples;
			lost += r->lost;
			none += r->no_addr;
			drops += r->drops;
		}
		json_object_object_add(x, "name", json_object_new_string(d->smp[k].name));
		json_object_object_add(x, "events", json_object_new_int((int)d->smp[k].nr));
		json_object_object_add(x, "samples", json_object_new_int64((int64_t)smp));
		json_object_object_add(x, "reports", json_object_new_int64((int64_t)(smp - none -
										      drops)));
		json_object_object_add(x, "reports_per_s",
				       json_object_new_double(up > 0 ? (double)(smp - none - drops) /
									up : 0));
		json_object_object_add(x, "lost", json_object_new_int64((int64_t)lost));
		json_object_object_add(x, "no_address", json_object_new_int64((int64_t)none));
		json_object_object_add(x, "drops", json_object_new_int64((int64_t)drops));
		json_object_object_add(x, "malformed", json_object_new_int64((int64_t)bad));
		json_object_array_add(a, x);
	}
	if (d->chmu)
		json_object_array_add(a, run_chmu_status(d->chmu, up));
	if (d->idle)
		json_object_array_add(a, run_idle_status(d->idle, up));
	json_object_object_add(o, "sources", a);
	a = json_object_new_array();
	hm_for_each_scheme(s, d->ctx) {
		struct json_object *x = json_object_new_object(), *g = json_object_new_array();

		json_object_object_add(x, "name", json_object_new_string(
						  i < d->cfg.nr_schemes ? d->cfg.scheme_names[i] : ""));
		bool off = d->offload && i < d->nr_off;

		pthread_mutex_lock(&d->lock);
		json_object_object_add(x, "sz_tried", json_object_new_int64(
				       (int64_t)(off ? d->kst[i].sz_tried : s->stat.sz_tried)));
		json_object_object_add(x, "sz_applied", json_object_new_int64(
				       (int64_t)(off ? d->kst[i].sz_applied : s->stat.sz_applied)));
		json_object_object_add(x, "quota_bytes", json_object_new_int64(
				       (int64_t)(off ? d->kst[i].effective_bytes : s->quota.esz)));
		json_object_object_add(x, "offloaded", json_object_new_boolean(off));
		pthread_mutex_unlock(&d->lock);
		for (unsigned int k = 0; k < s->quota.nr_goals; k++) {
			struct json_object *y = json_object_new_object();
			uint64_t cur = off && !k ? d->goal_current[i] : s->quota.goals[k].current_value;

			json_object_object_add(y, "current", json_object_new_int64((int64_t)cur));
			json_object_object_add(y, "target",
					       json_object_new_int64((int64_t)s->quota.goals[k].target_value));
			json_object_object_add(y, "node", json_object_new_int(s->quota.goals[k].nid));
			json_object_array_add(g, y);
		}
		json_object_object_add(x, "goals", g);
		json_object_array_add(a, x);
		i++;
	}
	json_object_object_add(o, "schemes", a);
	a = json_object_new_array();
	for (int n = 0; n < HM_MAX_NODES; n++) {
		struct json_object *x;

		if (!d->lo.moved[n])
			continue;
		x = json_object_new_object();
		json_object_object_add(x, "node", json_object_new_int(n));
		json_object_object_add(x, "moved_bytes", json_object_new_int64((int64_t)d->lo.moved[n]));
		json_object_array_add(a, x);
	}
	json_object_object_add(o, "moved", a);
	/* what the migrator found, page by page, over every action so far */
	{
		const struct hm_migrate_stats *m = &d->lo.st;
		struct json_object *x = json_object_new_object();

		json_object_object_add(x, "pages", json_object_new_int64((int64_t)m->pages));
		json_object_object_add(x, "moved", json_object_new_int64((int64_t)m->moved));
		json_object_object_add(x, "already", json_object_new_int64((int64_t)m->already));
		json_object_object_add(x, "busy", json_object_new_int64((int64_t)m->busy));
		json_object_object_add(x, "nomem", json_object_new_int64((int64_t)m->nomem));
		json_object_object_add(x, "absent", json_object_new_int64((int64_t)m->absent));
		json_object_object_add(x, "shared", json_object_new_int64((int64_t)m->shared));
		json_object_object_add(x, "other", json_object_new_int64((int64_t)m->other));
		json_object_object_add(o, "migrate_pages", x);
	}
	return o;
}

static void serve_status(struct daemon *d)
{
	int c = accept4(d->lfd, NULL, NULL, SOCK_CLOEXEC);
	char buf[1024];
	ssize_t n;
	struct json_object *req, *v, *reply;
	const char *text;

	if (c < 0)
		return;
	/* one request per connection; a slow client gets a second at most */
	{
		struct pollfd p = { .fd = c, .events = POLLIN };

		n = poll(&p, 1, 1000) > 0 ? read(c, buf, sizeof(buf) - 1) : -1;
	}
	buf[n > 0 ? n : 0] = '\0';
	req = json_tokener_parse(buf);
	if (req && json_object_object_get_ex(req, "request", &v) &&
	    !strcmp(json_object_get_string(v), "status")) {
		reply = status_json(d);
	} else {
		reply = json_object_new_object();
		json_object_object_add(reply, "error",
				       json_object_new_string("expected {\"request\": \"status\"}"));
	}
	json_object_put(req);
	text = json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PLAIN);
	if (write(c, text, strlen(text)) < 0 || write(c, "\n", 1) < 0)
		say(d, "status: writing the reply: %s", strerror(errno));
	json_object_put(reply);
	close(c);
}

static int open_socket(struct daemon *d)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[sizeof(sa.sun_path)];
	char *slash;

	if (strlen(d->socket_path) >= sizeof(sa.sun_path))
		return hm_fail(CMD, "--socket", "'%s' is too long for a unix socket",
			       d->socket_path);
	snprintf(dir, sizeof(dir), "%s", d->socket_path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		mkdir(dir, 0755);
	}
	strcpy(sa.sun_path, d->socket_path);
	d->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (d->lfd < 0)
		return hm_fail(CMD, "socket", "%s", strerror(errno));
	/* a socket file without a listener is a leftover */
	if (!connect(d->lfd, (struct sockaddr *)&sa, sizeof(sa)))
		return hm_fail(CMD, d->socket_path, "another hotmem run is listening there");
	unlink(d->socket_path);
	if (bind(d->lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(d->lfd, 8))
		return hm_fail(CMD, d->socket_path, "%s", strerror(errno));
	return 0;
}

/* SIGHUP: the file again; schemes and attributes committed, regions kept. */
static void reload(struct daemon *d)
{
	struct hm_config cfg;
	struct hm_ctx *nctx = NULL;
	struct hm_scheme *arr = NULL, *s;
	unsigned int n = 0;
	char err[512];
	int ret;

	ret = hm_config_load(d->config_path, daemon_sections, &nctx, &cfg, err, sizeof(err));
	if (ret) {
		say(d, "reload: %s; kept the running configuration", err);
		return;
	}
	n = hm_nr_schemes(nctx);
	arr = calloc(n ? n : 1, sizeof(*arr));
	if (arr) {
		unsigned int i = 0;

		hm_for_each_scheme(s, nctx)
			arr[i++] = *s;
		ret = hm_set_attrs(d->ctx, &nctx->attrs);
		if (!ret)
			ret = hm_commit_schemes(d->ctx, arr, n);
	} else {
		ret = -ENOMEM;
	}
	if (ret) {
		say(d, "reload: %s: %s; kept the running configuration", d->config_path,
		     strerror(-ret));
	} else {
		memcpy(d->cfg.scheme_names, cfg.scheme_names, sizeof(cfg.scheme_names));
		d->cfg.nr_schemes = cfg.nr_schemes;
		say(d, "reloaded %s: %u schemes committed, monitoring state kept", d->config_path,
		     n);
	}
	free(arr);
	hm_config_release(&cfg);
	hm_destroy_ctx(nctx);
}

static int start_child(struct daemon *d, char **argv)
{
	pid_t pid = fork();

	if (pid < 0)
		return hm_fail(CMD, argv[0], "fork: %s", strerror(errno));
	if (!pid) {
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execvp(argv[0], argv);
		fprintf(stderr, "hotmem: run: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	d->child = pid;
	d->pids[d->nr_pids++] = pid;
	return 0;
}

static void close_samplers(struct daemon *d)
{
	for (unsigned int i = 0; i < d->nr_smp; i++) {
		for (unsigned int j = 0; j < d->smp[i].nr; j++)
			hm_perf_close(&d->smp[i].ev[j]);
		d->smp[i].nr = 0;
		free(d->smp[i].ev);
		d->smp[i].ev = NULL;
	}
}

static void teardown(struct daemon *d)
{
	close_samplers(d);
	run_chmu_close(d->chmu);
	d->chmu = NULL;
	run_idle_close(d->idle);
	d->idle = NULL;
	stop_reader(d);
	if (d->kd_on) {
		hm_damon_stop(&d->kd);
		say(d, "kdamonds stopped and removed");
		d->kd_on = false;
	}
	if (d->rec)
		hm_record_close(d->rec);
	d->rec = NULL;
	if (d->lfd >= 0) {
		close(d->lfd);
		unlink(d->socket_path);
		d->lfd = -1;
	}
	if (d->ring)
		hm_ring_close(d->ring);
	d->ring = NULL;
	if (d->ctx) {
		d->ctx->reports = NULL;
		d->ctx->ops = NULL;
	}
	hm_ring_set_destroy(d->rings);
	d->rings = NULL;
	for (unsigned int i = 0; i < HM_DAMON_MAX_KDAMONDS; i++) {
		free(d->kreg[i]);
		free(d->next[i]);
	}
	free(d->pbuf);
	hm_destroy_ctx(d->ctx);
	hm_config_release(&d->cfg);
}

/*
 * Before creating kdamonds: clean up after a killed hotmem, refuse (writing
 * nothing) when DAMON is not free, make the owner record's directory.
 */
static int prepare_damon(struct daemon *d)
{
	char err[512], dir[256], *slash;
	int ret = hm_damon_cleanup(NULL, d->owner_path, err, sizeof(err));

	if (ret > 0)
		say(d, "%s", err);
	else if (ret < 0)
		return hm_fail(CMD, "damon", "%s", err);
	if (hm_damon_probe(NULL, err, sizeof(err)) != HM_DAMON_AVAILABLE)
		return hm_fail(CMD, "damon", "%s", err);
	snprintf(dir, sizeof(dir), "%s", d->owner_path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		mkdir(dir, 0755);
	}
	return 0;
}

/* hotmem's schemes as kernel DAMOS schemes, in the kernel's units. */
static int translate(struct daemon *d, char *err, size_t len)
{
	uint64_t hs = d->ctx->attrs.aggr_interval_us / d->ctx->attrs.sample_interval_us;
	uint64_t ks = d->kattr.aggr_us / d->kattr.sample_us;
	struct hm_scheme *s;
	unsigned int j = 0;

	hm_for_each_scheme(s, d->ctx) {
		struct hm_damos_spec *k = &d->spec[j];
		const struct hm_access_pattern *p = &s->pattern;
		int nid;

		if (j == HM_DAMOS_MAX_SCHEMES)
			return hm_errmsg(err, len, "$.schemes: at most %d with offload",
					 HM_DAMOS_MAX_SCHEMES);
		if (s->action != HM_ACTION_STAT && s->nr_dests != 1)
			return hm_errmsg(err, len, "$.schemes[%u]: offload needs one destination node",
					 j);
		if (s->quota.nr_goals > 1 ||
		    (s->quota.nr_goals && s->quota.goals[0].metric == HM_GOAL_NODE_HOT_SHARE_BP))
			return hm_errmsg(err, len, "$.schemes[%u]: offload feeds one goal of "
					 "user_input, node_mem_used_bp, node_mem_free_bp or "
					 "node_eligible_mem_bp", j);
		memset(k, 0, sizeof(*k));
		k->action = s->action == HM_ACTION_MIGRATE_HOT ? "migrate_hot" :
			    s->action == HM_ACTION_MIGRATE_COLD ? "migrate_cold" : "stat";
		k->target_nid = s->nr_dests ? s->dests[0].nid : -1;
		k->sz_min = p->min_sz;
		k->sz_max = p->max_sz;
		if (p->rate) {
			k->nr_min = (uint64_t)p->min_nr_accesses * ks / 100;
			k->nr_max = p->max_nr_accesses >= 100 ? UINT32_MAX :
								(uint64_t)p->max_nr_accesses * ks / 100;
		} else {
			k->nr_min = (uint64_t)p->min_nr_accesses * ks / hs;
			k->nr_max = p->max_nr_accesses >= hs ? UINT32_MAX :
							      (uint64_t)p->max_nr_accesses * ks / hs;
		}
		k->age_min = (uint64_t)p->min_age * d->ctx->attrs.aggr_interval_us / d->kattr.aggr_us;
		k->age_max = p->max_age == UINT32_MAX ? UINT32_MAX :
				(uint64_t)p->max_age * d->ctx->attrs.aggr_interval_us / d->kattr.aggr_us;
		k->quota_bytes = s->quota.sz;
		k->quota_ms = s->quota.ms;
		k->reset_ms = s->quota.reset_interval_ms;
		k->w_sz = s->quota.weight_sz;
		k->w_nr = s->quota.weight_nr_accesses;
		k->w_age = s->quota.weight_age;
		if (s->quota.nr_goals) {
			k->goal = true;
			k->goal_target = s->quota.goals[0].target_value;
			k->goal_current = s->quota.goals[0].current_value;
			d->metric[j] = s->quota.goals[0].metric;
			d->metric_nid[j] = s->quota.goals[0].nid;
			d->user_current[j] = s->quota.goals[0].current_value;
			if (d->metric[j] != HM_GOAL_USER_INPUT &&
			    (d->metric_nid[j] < 0 || d->metric_nid[j] >= HM_MAX_NODES))
				return hm_errmsg(err, len, "$.schemes[%u]: goal node out of range", j);
		}
		nid = k->target_nid;
		if (nid >= 0 && nid < HM_MAX_NODES) {
			k->nr_excl = d->nr_node_rng[nid] > 8 ? 8 : d->nr_node_rng[nid];
			memcpy(k->excl, d->node_rng[nid], k->nr_excl * sizeof(k->excl[0]));
		}
		/* the scheme's own filters: physical ranges, as the one paddr target sees */
		for (uint32_t f = 0; f < s->nr_filters; f++) {
			const struct hm_filter *u = &s->filters[f];

			if (u->type != HM_FILTER_ADDR)
				return hm_errmsg(err, len, "$.schemes[%u].filters[%u]: with offload "
						 "there is one physical target; only addr filters "
						 "(physical ranges) apply", j, f);
			if (k->nr_excl + k->nr_filt == 8)
				return hm_errmsg(err, len, "$.schemes[%u].filters: with the %u ranges "
						 "of the destination node, at most %u filters",
						 j, k->nr_excl, 8 - k->nr_excl);
			k->filt[k->nr_filt++] = (struct hm_damos_filter){
				u->addr.start, u->addr.end, u->matching, u->allow };
		}
		if (s->wmarks.metric == HM_WMARK_FREE_MEM_RATE) {
			k->wm_metric = "free_mem_rate";
			k->wm_interval_us = s->wmarks.interval_us;
			k->wm_high = s->wmarks.high;
			k->wm_mid = s->wmarks.mid;
			k->wm_low = s->wmarks.low;
		}
		j++;
	}
	d->nr_user = j;
	/*
	 * An eligible-memory goal counts pattern-matching memory on every node,
	 * but the scheme itself is kept off its destination by a filter, and
	 * the kernel leaves filtered regions out of its tried regions. So such a
	 * scheme gets a twin: a stat scheme with the same pattern and no filter,
	 * whose tried regions the goal is computed from.
	 */
	for (unsigned int i = 0; i < d->nr_user; i++) {
		struct hm_damos_spec *k;

		d->stat_of[i] = i;
		if (!d->spec[i].goal || d->metric[i] != HM_GOAL_NODE_ELIGIBLE_MEM_BP)
			continue;
		if (j == HM_DAMOS_MAX_SCHEMES)
			return hm_errmsg(err, len, "$.schemes: too many for offload with their "
					 "eligible-memory twins (at most %d in all)",
					 HM_DAMOS_MAX_SCHEMES);
		k = &d->spec[j];
		*k = d->spec[i];
		k->action = "stat";
		k->target_nid = -1;
		k->quota_bytes = k->quota_ms = 0;
		k->goal = false;
		k->nr_excl = 0;
		k->nr_filt = 0;		/* eligible memory: the pattern, not the filters */
		k->wm_metric = NULL;	/* and counted whether or not the scheme is on */
		d->stat_of[i] = j++;
	}
	d->nr_off = j;
	return j ? 0 : hm_errmsg(err, len, "$.schemes: offload needs a scheme");
}

/* Every node's memory blocks, sorted, without the lowest 16 MiB. */
static int collect_ranges(struct daemon *d, uint64_t (*all)[2], unsigned int *pn)
{
	unsigned int nall = 0;
	struct hm_topo t;
	char err[512];
	int ret;

	ret = hm_topo_read(NULL, &t, err, sizeof(err));
	if (ret)
		return hm_fail(CMD, "topology", "%s", err);
	for (unsigned int i = 0; i < t.nr_nodes; i++) {
		int nid = t.node[i].id, n;

		if (!t.node[i].has_memory)
			continue;
		n = hm_node_phys_ranges(NULL, nid, d->node_rng[nid], 16);
		if (n < 0)
			return hm_fail(CMD, "offload", "node %d's memory blocks: %s", nid,
				       strerror(-n));
		d->nr_node_rng[nid] = (unsigned int)n;
		for (int r = 0; r < n && nall < 64; r++) {
			/* as the kernel's own tests do: leave the lowest 16 MiB alone */
			if (d->node_rng[nid][r][1] <= (16ull << 20))
				continue;
			all[nall][0] = d->node_rng[nid][r][0] < (16ull << 20) ? 16ull << 20 :
										d->node_rng[nid][r][0];
			all[nall][1] = d->node_rng[nid][r][1];
			nall++;
		}
	}
	/* the kernel wants its regions sorted */
	for (unsigned int a = 1; a < nall; a++)
		for (unsigned int b = a; b > 0 && all[b - 1][0] > all[b][0]; b--) {
			uint64_t x[2] = { all[b][0], all[b][1] };

			all[b][0] = all[b - 1][0];
			all[b][1] = all[b - 1][1];
			all[b - 1][0] = x[0];
			all[b - 1][1] = x[1];
		}
	*pn = nall;
	return nall ? 0 : hm_fail(CMD, "topology", "no node memory blocks found");
}

/* DAMOS offload: one paddr kdamond over every node's memory. */
static int setup_offload(struct daemon *d)
{
	uint64_t all[64][2];
	unsigned int nall = 0;
	char err[512];
	int ret;

	ret = collect_ranges(d, all, &nall);
	if (ret)
		return ret;
	if (translate(d, err, sizeof(err)))
		return hm_usage_err("config", d->config_path, "%s", err);
	ret = prepare_damon(d);
	if (ret)
		return ret;
	ret = hm_damos_start(&d->kd, NULL, d->owner_path, &d->kattr,
			     (const uint64_t (*)[2])all, nall, d->spec, d->nr_off);
	if (ret)
		return hm_fail(CMD, "offload", "%s", d->kd.err);
	d->kd_on = true;
	for (unsigned int j = 0; j < d->nr_user; j++) {
		const struct hm_damos_spec *k = &d->spec[j];
		char extra[128] = "";

		if (k->wm_metric)
			snprintf(extra, sizeof(extra), "; watermarks %s %u/%u/%u per mille",
				 k->wm_metric, k->wm_high, k->wm_mid, k->wm_low);
		say(d, "offloaded scheme %u: %s to node %d, nr_accesses %" PRIu64 "-%" PRIu64
		    " of %" PRIu64 ", age >= %" PRIu64 ", quota %" PRIu64 " B per %" PRIu64
		    " ms; %u filter%s of its own%s%s", j, k->action, k->target_nid, k->nr_min,
		    k->nr_max, d->kattr.aggr_us / d->kattr.sample_us, k->age_min, k->quota_bytes,
		    k->reset_ms, k->nr_filt, k->nr_filt == 1 ? "" : "s", extra,
		    k->goal ? "; goal fed by hotmem as user_input" : "");
	}
	say(d, "kernel DAMOS offload: 1 paddr kdamond over %u ranges of node memory (sample %"
	    PRIu64 " us, aggregation %" PRIu64 " us); owner record %s", nall,
	    d->kattr.sample_us, d->kattr.aggr_us, d->owner_path);
	pthread_mutex_init(&d->lock, NULL);
	ret = pthread_create(&d->reader, NULL, reader_main, d);
	if (ret)
		return hm_fail(CMD, NULL, "the DAMOS thread: %s", strerror(ret));
	d->reader_on = true;
	return open_socket(d);
}

/* PEBS load latency: the cpu PMU's mem-loads event ("event=0xcd,umask=0x1,ldlat=3"). */
static int pebs_config(uint64_t *config, uint64_t *config1)
{
	char buf[128], *save = NULL, *t;
	FILE *f = fopen("/sys/bus/event_source/devices/cpu/events/mem-loads", "r");

	if (!f)
		return -ENODEV;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	*config = *config1 = 0;
	for (t = strtok_r(buf, ",\n", &save); t; t = strtok_r(NULL, ",\n", &save)) {
		uint64_t v;
		size_t at;
		char *eq = strchr(t, '=');

		if (!eq || hm_parse_u64(eq + 1, &v, &at))
			return -EINVAL;
		*eq = '\0';
		if (!strcmp(t, "event"))
			*config |= v & 0xff;
		else if (!strcmp(t, "umask"))
			*config |= (v & 0xff) << 8;
		else if (!strcmp(t, "ldlat"))
			*config1 = v;
		else
			return -EINVAL;
	}
	return 0;
}

/*
 * The event sampler @name opens on process @pid: page faults (any kernel),
 * AMD IBS op or Intel PEBS load latency, each sample a report of the data
 * address, weighted by the source's scale (the sampling period).
 */
static int sampler_spec(const struct sampler *m, pid_t pid, struct hm_perf_spec *sp)
{
	*sp = (struct hm_perf_spec){ .pid = pid, .cpu = -1, .data_pages = 64, .source = m->src,
				     .inherit = true,
				     .sample_type = PERF_SAMPLE_TID | PERF_SAMPLE_TIME |
						    PERF_SAMPLE_ADDR };
	if (!strcmp(m->name, "page-faults")) {
		sp->pmu = "software";
		sp->config = PERF_COUNT_SW_PAGE_FAULTS;
		sp->period = m->scale ? m->scale : 1;
		return 0;
	}
	if (!strcmp(m->name, "ibs")) {
		/* the op counter counts in 16s, from 0x90 up */
		sp->pmu = "ibs_op";
		sp->period = m->scale >= 0x90 ? m->scale & ~0xfu : 65536;
		return 0;
	}
	if (!strcmp(m->name, "pebs")) {
		sp->pmu = "cpu";
		sp->precise = 2;
		sp->sample_type |= PERF_SAMPLE_WEIGHT;
		sp->period = m->scale > 1 ? m->scale : 1000;
		return pebs_config(&sp->config, &sp->config1);
	}
	return -EINVAL;
}

/*
 * Open and enable every sampler on every target, one event per CPU: the
 * kernel maps the ring of an event that follows a process's new threads
 * and children (inherit) only when it is bound to a CPU, as perf record's
 * are. Return 0 or an exit code.
 */
static int open_samplers(struct daemon *d)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	if (ncpu < 1)
		ncpu = 1;
	for (unsigned int i = 0; i < d->nr_smp; i++) {
		struct sampler *m = &d->smp[i];
		struct hm_perf_spec sp = { 0 };

		m->ev = calloc((size_t)ncpu * d->nr_pids, sizeof(*m->ev));
		if (!m->ev)
			return hm_fail(CMD, NULL, "out of memory");
		for (unsigned int j = 0; j < (unsigned int)ncpu * d->nr_pids; j++) {
			pid_t pid = d->pids[j / (unsigned int)ncpu];
			int ret = sampler_spec(m, pid, &sp);

			sp.cpu = (int)(j % (unsigned int)ncpu);
			if (!ret)
				ret = hm_perf_open(&m->ev[j], &sp);
			if (!ret) {
				m->nr = j + 1;	/* open: closed at teardown from here on */
				ret = hm_perf_enable(&m->ev[j], true);
			}
			if (ret) {
				return hm_fail(CMD, "source", "%s on process %d, CPU %d: %s",
					       m->name, (int)pid, sp.cpu,
					       ret == -ENODEV ? "this machine has no such PMU "
								"(hotmem run --list-sources says why)" :
					       ret == -EACCES || ret == -EPERM ?
							"perf_event_paranoid forbids it, or "
							"CAP_PERFMON is missing" : strerror(-ret));
			}
		}
		say(d, "source %s: perf sampling of %u process%s and what they start on %ld "
		    "CPU%s, a sample every %" PRIu64 " events", m->name, d->nr_pids,
		    d->nr_pids == 1 ? "" : "es", ncpu, ncpu == 1 ? "" : "s", sp.period);
	}
	return 0;
}

static int sampler_report(void *arg, const struct hm_report *r)
{
	struct daemon *d = arg;
	struct hm_report c = *r;

	/* the ring's clock is perf's; the monitor's is this loop's */
	c.time_ns = d->smp_now;
	return hm_report_access(d->ring, &c);
}

/*
 * Read every sampler's ring into the report ring. A malformed record empties
 * that ring (the reader's rule); the first one of each event is logged.
 */
static void read_samplers(struct daemon *d, uint64_t now)
{
	struct hm_perf_sink sink = { .report = sampler_report, .arg = d };
	char err[256];

	d->smp_now = now;
	for (unsigned int i = 0; i < d->nr_smp; i++) {
		for (unsigned int j = 0; j < d->smp[i].nr; j++) {
			struct hm_perf_ring *r = &d->smp[i].ev[j].ring;

			if (hm_perf_ring_read(r, &sink, err, sizeof(err)) == -EINVAL && r->bad == 1)
				say(d, "source %s: %s (later ones are counted, not logged)",
				    d->smp[i].name, err);
		}
	}
}

/* The configuration's sources: one kernel DAMON source, samplers, a CHMU. */
static int pick_sources(struct daemon *d)
{
	int damon = -1;

	d->chmu_src = -1;
	d->idle_src = -1;
	for (unsigned int i = 0; i < d->ctx->nr_sources; i++) {
		struct hm_source *src = &d->ctx->sources[i];

		if (!strcmp(src->name, "damon") || !strcmp(src->name, "damon-paddr")) {
			if (damon >= 0)
				return hm_usage_err("config", d->config_path, "$.sources[%u]: one "
						    "kernel DAMON source at most", i);
			if (src->acct == HM_ACCT_WEIGHTED)
				return hm_usage_err("config", d->config_path, "$.sources[%u]: the "
						    "kernel's regions are replayed as ranges: the "
						    "accounting is binary or coverage, not weighted", i);
			/*
			 * A hotmem region half over a hot kernel region is hot half
			 * the time. For paddr, whose regions around the last hot
			 * pages of a node turn mostly cold as the others leave, ask
			 * for 50% rather than 80% (docs/daemon.md).
			 */
			src->acct = HM_ACCT_COVERAGE;
			damon = (int)i;
		} else if (!strcmp(src->name, "page-faults") || !strcmp(src->name, "ibs") ||
			   !strcmp(src->name, "pebs")) {
			if (d->nr_smp == MAX_SAMPLERS)
				return hm_usage_err("config", d->config_path, "$.sources[%u]: at "
						    "most %d samplers", i, MAX_SAMPLERS);
			d->smp[d->nr_smp++] = (struct sampler){ .name = src->name,
								.src = (uint8_t)i,
								.scale = src->scale };
		} else if (!strcmp(src->name, "chmu")) {
			if (d->chmu_src >= 0)
				return hm_usage_err("config", d->config_path, "$.sources[%u]: one "
						    "chmu source at most", i);
			if (src->acct == HM_ACCT_WEIGHTED)
				return hm_usage_err("config", d->config_path, "$.sources[%u]: the "
						    "chmu source replays hot ranges: its accounting "
						    "is \"coverage\" (the default here), not "
						    "weighted", i);
			/* a large region is not hot for one hot unit in it */
			d->ctx->sources[i].acct = HM_ACCT_COVERAGE;
			if (!d->chmu_cfg.given)
				return hm_usage_err("config", d->config_path, "$.sources[%u]: the chmu "
						    "source needs \"daemon\": {\"chmu\": {\"event\", "
						    "\"decoder\"}} (docs/daemon.md)", i);
			d->chmu_src = (int)i;
		} else if (!strcmp(src->name, "page_idle")) {
			if (d->idle_src >= 0)
				return hm_usage_err("config", d->config_path, "$.sources[%u]: one "
						    "page_idle source at most", i);
			if (src->acct == HM_ACCT_WEIGHTED)
				return hm_usage_err("config", d->config_path, "$.sources[%u]: the "
						    "page_idle source replays accessed pages: its "
						    "accounting is \"coverage\" (the default here), "
						    "not weighted", i);
			/* a region half of whose pages were accessed is hot half the time */
			src->acct = HM_ACCT_COVERAGE;
			d->idle_src = (int)i;
		} else {
			return hm_usage_err("config", d->config_path, "$.sources[%u]: '%s': the "
					    "daemon takes \"damon\" (vaddr) or \"damon-paddr\", "
					    "the samplers \"page-faults\", \"ibs\", \"pebs\", "
					    "\"chmu\" and \"page_idle\"", i, src->name);
		}
	}
	if (d->idle_cfg.given && d->idle_src < 0)
		return hm_usage_err("config", d->config_path, "$.daemon.page_idle: no source named "
				    "\"page_idle\" in $.sources reads it");
	if (d->chmu_cfg.given && d->chmu_src < 0)
		return hm_usage_err("config", d->config_path, "$.daemon.chmu: no source named "
				    "\"chmu\" in $.sources reads it");
	if (damon < 0 && !d->nr_smp && d->chmu_src < 0 && d->idle_src < 0)
		return hm_usage_err("config", d->config_path,
				    "$.sources: the daemon needs [{\"name\": \"damon\"}] (vaddr), "
				    "[{\"name\": \"damon-paddr\"}], a sampler, \"chmu\" or "
				    "\"page_idle\"");
	d->damon = damon >= 0;
	d->src_id = (uint8_t)(damon >= 0 ? damon : 0);
	d->paddr = damon >= 0 && !strcmp(d->ctx->sources[damon].name, "damon-paddr");
	return 0;
}

static void say_line(void *arg, const char *line)
{
	say(arg, "%s", line);
}

/* Kernel DAMON on the processes or on physical memory, and its reader thread. */
static int start_damon(struct daemon *d)
{
	int ret = prepare_damon(d);

	if (ret)
		return ret;
	if (d->paddr) {
		uint64_t all[64][2];
		unsigned int nall;
		struct hm_damos_spec spec = {
			.action = "stat", .target_nid = -1, .sz_max = UINT64_MAX,
			.nr_max = UINT32_MAX, .age_max = UINT32_MAX,
		};

		ret = collect_ranges(d, all, &nall);
		if (ret)
			return ret;
		d->pbuf = calloc(MAX_KREGIONS, sizeof(*d->pbuf));
		if (!d->pbuf)
			return hm_fail(CMD, NULL, "out of memory");
		ret = hm_damos_start(&d->kd, NULL, d->owner_path, &d->kattr,
				     (const uint64_t (*)[2])all, nall, &spec, 1);
	} else {
		ret = hm_damon_start(&d->kd, NULL, d->owner_path, &d->kattr, d->pids, d->nr_pids);
	}
	if (ret)
		return hm_fail(CMD, "damon", "%s", d->kd.err);
	d->kd_on = true;
	ret = pthread_create(&d->reader, NULL, reader_main, d);
	if (ret)
		return hm_fail(CMD, NULL, "the DAMON reader thread: %s", strerror(ret));
	d->reader_on = true;
	say(d, "kernel DAMON: %u kdamond%s (%s, sample %" PRIu64 " us, aggregation %" PRIu64
	    " us); owner record %s", d->kd.nr, d->kd.nr == 1 ? "" : "s",
	    d->paddr ? "paddr over node memory, mapped back through pagemap" : "vaddr",
	    d->kattr.sample_us, d->kattr.aggr_us, d->owner_path);
	return 0;
}

static int setup(struct daemon *d)
{
	struct hm_ring_set_attr ra = { .ring_entries = 1 << 16, .max_rings = 2 };
	struct hm_target *t;
	char err[512];
	int ret;

	ret = hm_config_load(d->config_path, daemon_sections, &d->ctx, &d->cfg, err, sizeof(err));
	if (ret)
		return ret == -EINVAL ? hm_usage_err("config", NULL, "%s", err) :
					hm_fail("config", NULL, "%s", err);
	{
		struct json_object *sec = NULL;

		if (d->cfg.extra)
			json_object_object_get_ex(d->cfg.extra, "daemon", &sec);
		if (read_daemon_section(d, sec, err, sizeof(err)))
			return hm_usage_err("config", d->config_path, "%s", err);
	}
	if (!d->socket_path)
		d->socket_path = DEFAULT_SOCKET;
	if (!d->owner_path)
		d->owner_path = DEFAULT_OWNER;
	if (d->offload) {
		if (d->nr_pids)
			return hm_usage_err(CMD, "--pid", "with offload the kernel monitors all of "
					    "physical memory; no process targets");
		return setup_offload(d);
	}
	if (d->cgroup) {
		int all = cgroup_procs(d->cgroup, d->pids, HM_DAMON_MAX_KDAMONDS, &d->nr_pids);

		if (all < 0)
			return hm_fail(CMD, "--cgroup", "%s/cgroup.procs: %s", d->cgroup,
				       strerror(-all));
		if (!d->nr_pids)
			return hm_fail(CMD, "--cgroup", "%s has no processes", d->cgroup);
		if ((unsigned int)all > d->nr_pids)
			say(d, "cgroup %s has %d processes; hotmem follows the first %u", d->cgroup,
			    all, d->nr_pids);
		d->next_rescan_ns = hm_mono_ns() + 2000000000ull;
	}
	/* targets: --pid/COMMAND replace the file's; every target is a process */
	if (d->nr_pids) {
		struct hm_target *next;

		hm_for_each_target_safe(t, next, d->ctx)
			hm_destroy_target(t, d->ctx);
		for (unsigned int i = 0; i < d->nr_pids; i++) {
			t = hm_new_target();
			if (!t)
				return hm_fail(CMD, NULL, "out of memory");
			t->pid = d->pids[i];
			hm_add_target(d->ctx, t);
		}
	} else {
		hm_for_each_target(t, d->ctx) {
			if (t->pid < 0)
				return hm_usage_err("config", d->config_path,
						    "$.targets: the daemon monitors processes; give "
						    "each target a pid (or use --pid)");
			if (d->nr_pids == HM_DAMON_MAX_KDAMONDS)
				return hm_usage_err("config", d->config_path,
						    "$.targets: at most %d processes",
						    HM_DAMON_MAX_KDAMONDS);
			d->pids[d->nr_pids++] = t->pid;
		}
	}
	if (!d->nr_pids)
		return hm_usage_err(CMD, NULL, "no targets: give --pid, a COMMAND, or pid targets "
				    "in the configuration");
	d->lo.nomem_node = -1;
	for (unsigned int i = 0; i < d->nr_pids; i++) {
		ret = hm_linux_ops_add_proc(&d->lo, d->pids[i]);
		if (ret)
			return hm_fail(CMD, "target", "no process %d", (int)d->pids[i]);
	}
	/* kernel DAMON on the processes or on physical memory, and perf samplers */
	ret = pick_sources(d);
	if (ret)
		return ret;
	if (d->chmu_src >= 0 && !hm_have_cap(CAP_SYS_ADMIN))
		return hm_fail(CMD, "source", "chmu: the device reports physical addresses; mapping "
			       "them to processes reads frame numbers from pagemap, which needs "
			       "CAP_SYS_ADMIN");
	if (d->idle_src >= 0 && !hm_have_cap(CAP_SYS_ADMIN))
		return hm_fail(CMD, "source", "page_idle: the bitmap is indexed by frame number; "
			       "reading frames from pagemap needs CAP_SYS_ADMIN");
	/* every slot: a cgroup's kdamonds may grow to the most there can be */
	for (unsigned int i = 0; i < HM_DAMON_MAX_KDAMONDS; i++) {
		d->kreg[i] = calloc(MAX_KREGIONS, sizeof(*d->kreg[i]));
		d->next[i] = calloc(MAX_KREGIONS, sizeof(*d->next[i]));
		if (!d->kreg[i] || !d->next[i])
			return hm_fail(CMD, NULL, "out of memory");
	}
	pthread_mutex_init(&d->lock, NULL);
	if (d->damon) {
		ret = start_damon(d);
		if (ret)
			return ret;
	}
	ret = hm_ring_set_create(&ra, &d->rings);
	if (!ret)
		ret = hm_ring_open(d->rings, &d->ring);
	if (ret)
		return hm_fail(CMD, NULL, "rings: %s", strerror(-ret));
	ret = open_samplers(d);
	if (ret)
		return ret;
	if (d->chmu_src >= 0) {
		d->chmu = run_chmu_open(&d->chmu_cfg, (uint8_t)d->chmu_src, say_line, d, err,
					sizeof(err));
		if (!d->chmu)
			return hm_fail(CMD, "source", "chmu: %s", err);
		run_chmu_procs(d->chmu, d->lo.procs, d->lo.nr_procs);
		say(d, "source chmu: %s%s; %s", d->chmu_cfg.aux_file[0] ? "AUX bytes from " :
		    "the perf event of ", d->chmu_cfg.aux_file[0] ? d->chmu_cfg.aux_file :
		    d->chmu_cfg.ev.pmu, d->chmu_cfg.adaptive ? "the controller tunes it" :
		    "a fixed setting");
	}
	if (d->idle_src >= 0) {
		d->idle = run_idle_open(&d->idle_cfg, (uint8_t)d->idle_src, say_line, d, err,
					sizeof(err));
		if (!d->idle)
			return hm_fail(CMD, "source", "page_idle: %s", err);
		run_idle_procs(d->idle, d->lo.procs, d->lo.nr_procs);
		say(d, "source page_idle: %s, a round every %.0f ms%s", d->idle_cfg.bitmap,
		    (double)d->idle_cfg.interval_ns * 1e-6,
		    d->damon && !d->paddr ? "; kernel DAMON's sampling marks pages idle too, "
		    "so each sees fewer of the accesses" : "");
	}
	d->ctx->ops = &hm_linux_ops;
	d->ctx->ops_priv = &d->lo;
	d->ctx->reports = d->rings;
	d->ctx->straddle = HM_STRADDLE_SPLIT;
	d->ctx->freshness_ns = 2 * d->ctx->attrs.sample_interval_us * 1000;
	if (d->record_path) {
		ret = hm_record_create(d->record_path, d->ctx, &d->rec, err, sizeof(err));
		if (ret)
			return hm_fail(CMD, "--record", "%s", err);
		d->ctx->after_aggregate = hm_record_on_aggregate;
		d->ctx->after_aggregate_arg = d->rec;
	}
	ret = hm_monitor_start(d->ctx, hm_mono_ns());
	if (ret)
		return hm_fail(CMD, "monitor", "cannot start: %s", strerror(-ret));
	return open_socket(d);
}

static void log_offload(struct daemon *d)
{
	uint64_t applied = 0;
	char err[sizeof(d->read_err)] = "";

	pthread_mutex_lock(&d->lock);
	for (unsigned int j = 0; j < d->nr_user; j++)
		applied += d->kst[j].sz_applied;
	if (d->read_err[0]) {
		memcpy(err, d->read_err, sizeof(err));
		d->read_err[0] = '\0';
	}
	pthread_mutex_unlock(&d->lock);
	if (err[0])
		say(d, "%s", err);
	if (applied != d->last_applied) {
		char a[32], b[32];

		say(d, "the kernel moved %s (%s in all)",
		    hm_fmt_iec(applied - d->last_applied, a, sizeof(a)),
		    hm_fmt_iec(applied, b, sizeof(b)));
		d->last_applied = applied;
	}
}

static int loop(struct daemon *d)
{
	uint64_t period = d->ctx->attrs.sample_interval_us * 1000, end = 0;
	struct itimerspec its = { { (time_t)(period / 1000000000ull), (long)(period % 1000000000ull) },
				  { 0, 1 } };
	struct pollfd p[3];

	timerfd_settime(d->tfd, 0, &its, NULL);
	if (d->duration_ns)
		end = hm_mono_ns() + d->duration_ns;
	if (!d->offload) {
		char ids[128] = "";
		size_t at = 0;

		for (unsigned int i = 0; i < d->nr_pids; i++)
			at += (size_t)snprintf(ids + at, sizeof(ids) - at, "%s%d", i ? "," : "",
					       (int)d->pids[i]);
		say(d, "monitoring pid %s: sample %" PRIu64 " us, aggregation %" PRIu64
		     " us, %u scheme%s; status on %s", ids, d->ctx->attrs.sample_interval_us,
		     d->ctx->attrs.aggr_interval_us, hm_nr_schemes(d->ctx),
		     hm_nr_schemes(d->ctx) == 1 ? "" : "s", d->socket_path);
	}
	while (!d->stop) {
		p[0] = (struct pollfd){ .fd = d->sfd, .events = POLLIN };
		p[1] = (struct pollfd){ .fd = d->tfd, .events = POLLIN };
		p[2] = (struct pollfd){ .fd = d->lfd, .events = POLLIN };
		if (poll(p, 3, -1) < 0 && errno != EINTR)
			return hm_fail(CMD, "poll", "%s", strerror(errno));
		if (p[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			while (read(d->sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGHUP) {
					reload(d);
				} else if (si.ssi_signo == SIGCHLD) {
					while (waitpid(-1, NULL, WNOHANG) > 0)
						;
				} else {
					say(d, "%s: stopping", strsignal((int)si.ssi_signo));
					d->stop = true;
				}
			}
		}
		if (p[2].revents & POLLIN)
			serve_status(d);
		if (p[1].revents & POLLIN) {
			uint64_t ticks, now = hm_mono_ns();
			int ret;

			if (read(d->tfd, &ticks, sizeof(ticks)) != sizeof(ticks))
				continue;
			if (d->offload) {
				log_offload(d);
				if (end && now >= end) {
					say(d, "--duration reached; stopping");
					break;
				}
				continue;
			}
			if (rescan_cgroup(d, now))
				break;
			take_kernel(d);
			feed_reports(d, now);
			read_samplers(d, now);
			if (d->chmu)
				run_chmu_feed(d->chmu, now, period, d->ring);
			if (d->idle)
				run_idle_feed(d->idle, now, period, d->ring);
			ret = hm_monitor_step(d->ctx, now);
			if (ret < 0)
				return hm_fail(CMD, "monitor", "%s", strerror(-ret));
			log_moves(d);
			if (drop_gone(d, now)) {
				say(d, "every target has exited; stopping");
				break;
			}
			if (end && now >= end) {
				say(d, "--duration reached; stopping");
				break;
			}
		}
	}
	return HM_EXIT_OK;
}

int hm_cmd_run(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "pid", required_argument, NULL, 'p' },
		{ "cgroup", required_argument, NULL, 'g' },
		{ "record", required_argument, NULL, 'r' },
		{ "socket", required_argument, NULL, 's' },
		{ "duration", required_argument, NULL, 'd' },
		{ "list-sources", no_argument, NULL, 'L' },
		{ "sysfs", required_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static struct daemon d;
	const char *sysfs = NULL;
	bool list = false, json = false;
	sigset_t mask;
	int c, ret;

	memset(&d, 0, sizeof(d));
	d.lfd = d.sfd = d.tfd = -1;
	d.t0 = hm_mono_ns();
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:h", lo, NULL)) != -1) {
		uint64_t v;

		switch (c) {
		case 'c':
			d.config_path = optarg;
			break;
		case 'p':
			if (hm_opt_u64(CMD, "--pid", optarg, 1, INT32_MAX, &v))
				return HM_EXIT_USAGE;
			if (d.nr_pids == HM_DAMON_MAX_KDAMONDS)
				return hm_usage_err(CMD, "--pid", "at most %d", HM_DAMON_MAX_KDAMONDS);
			d.pids[d.nr_pids++] = (pid_t)v;
			break;
		case 'g':
			d.cgroup = optarg;
			break;
		case 'r':
			d.record_path = optarg;
			break;
		case 's':
			d.socket_path = optarg;
			break;
		case 'd':
			if (hm_opt_u64(CMD, "--duration", optarg, 1, 86400 * 365, &v))
				return HM_EXIT_USAGE;
			d.duration_ns = v * 1000000000ull;
			break;
		case 'L':
			list = true;
			break;
		case 'S':
			sysfs = optarg;
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
	if (list) {
		if (d.config_path || optind < argc)
			return hm_usage_err(CMD, "--list-sources", "takes only --json and --sysfs");
		return cmd_list_sources(sysfs, json);
	}
	if (!d.config_path)
		return hm_usage_err(CMD, "--config", "required (or --list-sources)");
	if (optind < argc && d.nr_pids)
		return hm_usage_err(CMD, argv[optind], "give --pid or a COMMAND, not both");
	if (d.cgroup && (d.nr_pids || optind < argc))
		return hm_usage_err(CMD, "--cgroup", "give --cgroup, --pid or a COMMAND, one of them");

	/* signals through signalfd; blocked before a child inherits the mask */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	d.sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	d.tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (d.sfd < 0 || d.tfd < 0)
		return hm_fail(CMD, NULL, "signalfd/timerfd: %s", strerror(errno));
	if (optind < argc) {
		ret = start_child(&d, argv + optind);
		if (ret)
			return ret;
		usleep(100000);	/* let it exec before DAMON looks at it */
	}
	ret = setup(&d);
	if (!ret)
		ret = loop(&d);
	teardown(&d);
	if (d.child) {
		kill(d.child, SIGTERM);
		waitpid(d.child, NULL, 0);
	}
	close(d.sfd);
	close(d.tfd);
	return ret;
}

int hm_status_request(const char *path, struct json_object **out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	static const char req[] = "{\"request\": \"status\"}\n";
	char buf[65536];
	size_t got = 0;
	ssize_t n;
	int fd, ret = 0;

	*out = NULL;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    write(fd, req, sizeof(req) - 1) < 0)
		ret = -errno;
	while (!ret && (n = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0)
		got += (size_t)n;
	close(fd);
	if (ret)
		return ret;
	buf[got] = '\0';
	*out = json_tokener_parse(buf);
	return *out ? 0 : -EBADMSG;
}

int hm_cmd_status(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *path = DEFAULT_SOCKET;
	bool json = false;
	struct json_object *o, *v;
	int c, ret;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
		switch (c) {
		case 's':
			path = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			hm_print_usage(hm_find_command("status"), false);
			return HM_EXIT_OK;
		default:
			return hm_getopt_err("status", c, argv);
		}
	}
	if (optind < argc)
		return hm_usage_err("status", argv[optind], "unexpected argument");
	ret = hm_status_request(path, &o);
	if (ret == -ENAMETOOLONG)
		return hm_usage_err("status", "--socket", "'%s' is too long", path);
	if (ret == -EBADMSG)
		return hm_fail("status", path, "the daemon's reply is not JSON");
	if (ret)
		return hm_fail("status", path, "%s: is 'hotmem run' running?", strerror(-ret));
	if (json_object_object_get_ex(o, "error", &v)) {
		hm_fail("status", path, "%s", json_object_get_string(v));
		json_object_put(o);
		return HM_EXIT_FAIL;
	}
	if (json)
		return hm_print_json(o);
	printf("hotmem run, pid %d, up %.1f s\n",
	       json_object_get_int(json_object_object_get(o, "pid")),
	       json_object_get_double(json_object_object_get(o, "uptime_s")));
	json_object_object_get_ex(o, "targets", &v);
	for (size_t i = 0; v && i < json_object_array_length(v); i++) {
		struct json_object *t = json_object_array_get_idx(v, i);
		char b[32];

		printf("target %d: %d regions, %s monitored\n",
		       json_object_get_int(json_object_object_get(t, "pid")),
		       json_object_get_int(json_object_object_get(t, "regions")),
		       hm_fmt_iec((uint64_t)json_object_get_int64(json_object_object_get(
					  t, "monitored_bytes")), b, sizeof(b)));
	}
	json_object_object_get_ex(o, "sources", &v);
	for (size_t i = 0; v && i < json_object_array_length(v); i++) {
		struct json_object *s = json_object_array_get_idx(v, i);

		printf("source %s: %.0f reports/s, %" PRId64 " dropped; %" PRId64
		       " reads of the kernel's regions, %.1f ms each\n",
		       json_object_get_string(json_object_object_get(s, "name")),
		       json_object_get_double(json_object_object_get(s, "reports_per_s")),
		       json_object_get_int64(json_object_object_get(s, "drops")),
		       json_object_get_int64(json_object_object_get(s, "reads")),
		       json_object_get_double(json_object_object_get(s, "read_ms_avg")));
	}
	json_object_object_get_ex(o, "schemes", &v);
	for (size_t i = 0; v && i < json_object_array_length(v); i++) {
		struct json_object *s = json_object_array_get_idx(v, i), *g;
		char a[32], b[32];

		printf("scheme %zu %s: tried %s, applied %s", i,
		       json_object_get_string(json_object_object_get(s, "name")),
		       hm_fmt_iec((uint64_t)json_object_get_int64(json_object_object_get(s, "sz_tried")),
				  a, sizeof(a)),
		       hm_fmt_iec((uint64_t)json_object_get_int64(json_object_object_get(
					  s, "sz_applied")), b, sizeof(b)));
		g = json_object_object_get(s, "goals");
		for (size_t k = 0; g && k < json_object_array_length(g); k++) {
			struct json_object *x = json_object_array_get_idx(g, k);

			printf("; goal %" PRId64 " of %" PRId64,
			       json_object_get_int64(json_object_object_get(x, "current")),
			       json_object_get_int64(json_object_object_get(x, "target")));
		}
		printf("\n");
	}
	json_object_put(o);
	return HM_EXIT_OK;
}
