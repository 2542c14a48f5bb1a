// SPDX-License-Identifier: MIT
/*
 * The daemon's CHMU source. A cxl_hmu event is system-wide: one event on
 * one CPU, its AUX area filled by the driver with the hotlist batches the
 * device writes at the end of each epoch. hm_chmu_stream turns the bytes
 * into reports of host physical ranges; the target processes' reverse maps
 * (pagemap, CAP_SYS_ADMIN) turn those into runs of their virtual pages.
 *
 * An epoch's hotlist says "unit U had C accesses (times the downsampling
 * factor) in the last epoch". The monitor samples far more often, so the
 * runs of the newest epoch are a window replayed at every sample until
 * the next epoch's batches replace it: a run whose unit had A accesses in
 * an epoch of E ns is reported in min(1, A x S / E) of the samples of S ns,
 * spread evenly, the chance that one sample finds it accessed. A window
 * no batch has renewed within one and a half epochs is dropped: no entries
 * means no unit reached the threshold.
 *
 * With the controller, an ended epoch may ask for a new setting; a perf
 * event's setting is fixed at open, so the old event is read out, closed,
 * and the new one opened (the driver's start resets the counters: what the
 * device had counted in the unfinished epoch is lost; docs/daemon.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hotmem/chmu_ctl.h>
#include <hotmem/parse.h>

#include "cli.h"
#include "run_chmu.h"
#include "run_window.h"

struct run_chmu {
	struct run_chmu_cfg cfg;
	struct hm_chmu_event cur;	/* the event in force */
	struct hm_chmu_stream *s;
	uint8_t source;
	void (*say)(void *arg, const char *line);
	void *arg;

	struct hm_perf_event ev;
	bool ev_on;
	int fd;				/* aux_file */
	uint64_t now;			/* for the AUX sink */
	uint64_t lost_seen, trunc_seen;
	bool said_file_reopen, said_bad, said_full, said_ctl;	/* each said once */

	uint64_t win_epoch_ns;		/* the epoch of the window's batches */
	uint64_t unmapped, rmap_errors, reopen_errors, truncated;
	uint64_t batch_time;		/* when the last reports were read */
	uint64_t maps, map_ns;		/* windows mapped, and the time it took */

	/*
	 * The reader thread reads, judges, reopens and maps (a pagemap walk per
	 * target, per epoch: far too slow for the loop's 10 ms ticks under
	 * QEMU); it publishes each new window in @w, and the loop replays
	 * the window from there. Everything below @w is under @lock.
	 */
	pthread_t thread;
	bool thread_on;
	bool stop;			/* __atomic: set by close */
	struct run_window w;
	pthread_mutex_t lock;
	struct hm_proc_id procs[64];
	unsigned int nr_procs;
	struct status_copy {
		struct hm_chmu_stream_stats st;
		struct hm_chmu_ctl_setting set;
		uint64_t unmapped, rmap_errors, reopen_errors, truncated, maps, map_ns;
		bool off;
	} pub;
	bool off;			/* reading stopped after an error */
};

static void sayf(struct run_chmu *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sayf(struct run_chmu *c, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	c->say(c->arg, line);
}

/* ---- the section ---- */

static int get_size(struct json_object *v, const char *key, uint64_t *out, char *err, size_t len)
{
	size_t at;

	if (!json_object_is_type(v, json_type_string) ||
	    hm_parse_size(json_object_get_string(v), out, &at))
		return hm_errmsg(err, len, "$.daemon.chmu.%s: not a size such as \"1MiB\"", key);
	return 0;
}

static int get_dur(struct json_object *v, const char *key, uint64_t *out, char *err, size_t len)
{
	size_t at;

	if (!json_object_is_type(v, json_type_string) ||
	    hm_parse_duration(json_object_get_string(v), 1000000, out, &at) || !*out)
		return hm_errmsg(err, len, "$.daemon.chmu.%s: not a duration such as \"1s\"", key);
	return 0;
}

static int get_int(struct json_object *v, const char *key, int64_t lo, int64_t hi, int64_t *out,
		   char *err, size_t len)
{
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < lo ||
	    json_object_get_int64(v) > hi)
		return hm_errmsg(err, len, "$.daemon.chmu.%s: an integer from %" PRId64 " to %"
				 PRId64 " please", key, lo, hi);
	*out = json_object_get_int64(v);
	return 0;
}

int run_chmu_parse(struct json_object *sec, struct run_chmu_cfg *c, char *err, size_t len)
{
	bool have_ev = false, have_dec = false;
	uint64_t skip = 0;
	char e[256];

	*c = (struct run_chmu_cfg){ .node = -1, .units = 1024, .interval_ns = 1000000000,
				    .counter_width = 16, .ds_max = 1, .hotlist = 1024,
				    .min_epoch_ns = 10000000, .aux_bytes = 1 << 20, .cpu = -1 };
	if (!sec)
		return 0;
	if (!json_object_is_type(sec, json_type_object))
		return hm_errmsg(err, len, "$.daemon.chmu: not an object");
	c->given = true;
	json_object_object_foreach(sec, key, v) {
		int64_t x;
		int ret = 0;

		if (!strcmp(key, "event")) {
			if (!json_object_is_type(v, json_type_string))
				return hm_errmsg(err, len, "$.daemon.chmu.event: not a string");
			if (hm_chmu_event_parse(json_object_get_string(v), &c->ev, e, sizeof(e)))
				return hm_errmsg(err, len, "$.daemon.chmu.event: %s", e);
			have_ev = true;
		} else if (!strcmp(key, "decoder")) {
			if (!json_object_is_type(v, json_type_string) ||
			    hm_hdm_parse(json_object_get_string(v), &c->dec))
				return hm_errmsg(err, len, "$.daemon.chmu.decoder: not BASE,SIZE,WAYS,"
						 "GRAN,POS (e.g. \"0x4000000000,64G,2,4K,0\")");
			have_dec = true;
		} else if (!strcmp(key, "dpa_skip")) {
			ret = get_size(v, key, &skip, err, len);
		} else if (!strcmp(key, "node")) {
			ret = get_int(v, key, -1, 1023, &x, err, len);
			c->node = (int)x;
		} else if (!strcmp(key, "adaptive")) {
			if (!json_object_is_type(v, json_type_boolean))
				return hm_errmsg(err, len, "$.daemon.chmu.adaptive: true or false");
			c->adaptive = json_object_get_boolean(v);
		} else if (!strcmp(key, "units")) {
			ret = get_int(v, key, 1, 1 << 24, &x, err, len);
			c->units = (uint32_t)x;
		} else if (!strcmp(key, "interval")) {
			ret = get_dur(v, key, &c->interval_ns, err, len);
		} else if (!strcmp(key, "counter_width")) {
			ret = get_int(v, key, 1, 63, &x, err, len);
			c->counter_width = (uint32_t)x;
		} else if (!strcmp(key, "max_downsampling")) {
			ret = get_int(v, key, 1, 32768, &x, err, len);
			if (!ret && (x & (x - 1)))
				return hm_errmsg(err, len, "$.daemon.chmu.max_downsampling: a power "
						 "of two");
			c->ds_max = (uint32_t)x;
		} else if (!strcmp(key, "hotlist_entries")) {
			ret = get_int(v, key, 2, 65536, &x, err, len);
			c->hotlist = (uint32_t)x;
		} else if (!strcmp(key, "min_epoch")) {
			ret = get_dur(v, key, &c->min_epoch_ns, err, len);
		} else if (!strcmp(key, "aux_size")) {
			ret = get_size(v, key, &c->aux_bytes, err, len);
			if (!ret && (c->aux_bytes < 8192 || (c->aux_bytes & (c->aux_bytes - 1))))
				return hm_errmsg(err, len, "$.daemon.chmu.aux_size: a power of two "
						 "of at least 8KiB (as perf's AUX area)");
		} else if (!strcmp(key, "cpu")) {
			ret = get_int(v, key, 0, 8191, &x, err, len);
			c->cpu = (int)x;
		} else if (!strcmp(key, "aux_file")) {
			if (!json_object_is_type(v, json_type_string) ||
			    !json_object_get_string_len(v) ||
			    (size_t)json_object_get_string_len(v) >= sizeof(c->aux_file))
				return hm_errmsg(err, len, "$.daemon.chmu.aux_file: a path");
			strcpy(c->aux_file, json_object_get_string(v));
		} else {
			return hm_errmsg(err, len, "$.daemon.chmu.%s: unknown key (event, decoder, "
					 "dpa_skip, node, adaptive, units, interval, counter_width, "
					 "max_downsampling, hotlist_entries, min_epoch, aux_size, "
					 "cpu, aux_file)", key);
		}
		if (ret)
			return ret;
	}
	if (!have_ev)
		return hm_errmsg(err, len, "$.daemon.chmu.event: missing (e.g. \"cxl_hmu_mem0.0.0/"
				 "epoch_type=0,access_type=6,hotness_threshold=16,epoch_scale=4,"
				 "epoch_multiplier=4,hotness_granual=12/\")");
	if (!have_dec)
		return hm_errmsg(err, len, "$.daemon.chmu.decoder: missing: the HDM decoder that "
				 "maps the device's memory into host physical addresses");
	c->dec.dpa_skip = skip;
	if (hm_hdm_check(&c->dec, e, sizeof(e)))
		return hm_errmsg(err, len, "$.daemon.chmu.decoder: %s", e);
	if (!c->ev.pmu[0] && !c->aux_file[0])
		return hm_errmsg(err, len, "$.daemon.chmu.event: name the PMU (\"cxl_hmu_mem0.0.0/"
				 ".../\"), or give aux_file");
	if (hm_chmu_event_get(&c->ev, HM_CHMU_F_EPOCH_TYPE))
		return hm_errmsg(err, len, "$.daemon.chmu.event: epoch_type=0: the daemon reads "
				 "epochs (always-on has none)");
	if (!hm_chmu_epoch_ns((unsigned int)hm_chmu_event_get(&c->ev, HM_CHMU_F_EPOCH_SCALE),
			      (unsigned int)hm_chmu_event_get(&c->ev, HM_CHMU_F_EPOCH_MULT)))
		return hm_errmsg(err, len, "$.daemon.chmu.event: give epoch_scale and "
				 "epoch_multiplier (the epoch length)");
	return 0;
}

/* ---- opening ---- */

/* The first CPU of the PMU's cpumask ("0", "0-3", "2,5"), or 0. */
static int pmu_cpu(const char *pmu)
{
	char path[256], buf[64];
	FILE *f;
	int cpu = 0;

	snprintf(path, sizeof(path), "/sys/bus/event_source/devices/%s/cpumask", pmu);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (fgets(buf, sizeof(buf), f))
		cpu = atoi(buf);
	fclose(f);
	return cpu;
}

static int open_event(struct run_chmu *c, const struct hm_chmu_event *ev)
{
	long page = sysconf(_SC_PAGESIZE);
	struct hm_perf_spec sp = {
		.pmu = ev->pmu, .config = ev->config, .config1 = ev->config1,
		.config2 = ev->config2, .pid = -1,
		.cpu = c->cfg.cpu >= 0 ? c->cfg.cpu : pmu_cpu(ev->pmu),
		.data_pages = 8, .aux_pages = c->cfg.aux_bytes / (uint64_t)page,
		.system = true, .source = c->source,
	};
	int ret = hm_perf_open(&c->ev, &sp);

	if (!ret) {
		c->ev_on = true;
		ret = hm_perf_enable(&c->ev, true);
	}
	c->lost_seen = c->trunc_seen = 0;
	return ret;
}

static const char *open_why(int ret)
{
	switch (ret) {
	case -ENODEV:
		return "this machine has no such PMU (hotmem run --list-sources)";
	case -EACCES:
	case -EPERM:
		return "needs CAP_PERFMON (hotlist entries are device physical addresses)";
	case -EOPNOTSUPP:
		return "the PMU takes no AUX area, or no event of this kind";
	case -EBUSY:
		return "the device is in use by another event (the PMU is exclusive)";
	default:
		return strerror(-ret);
	}
}

static void log_change(void *arg, const struct hm_chmu_ctl_change *ch)
{
	struct run_chmu *c = arg;
	char line[256];

	hm_chmu_ctl_change_format(ch, line, sizeof(line));
	sayf(c, "source chmu: %s", line);
}

static void *reader_main(void *arg);

struct run_chmu *run_chmu_open(const struct run_chmu_cfg *cfg, uint8_t source,
			       void (*say)(void *arg, const char *line), void *arg, char *err,
			       size_t len)
{
	uint64_t dev_size = cfg->dec.hpa_size / cfg->dec.ways;
	struct hm_chmu_stream_cfg sc = {
		.ev = cfg->ev,
		.src = { .dpa_base = cfg->dec.dpa_skip, .node = (int16_t)cfg->node,
			 .source = source },
		.adaptive = cfg->adaptive,
		.lim = {
			.min_threshold = 1,
			.max_threshold = cfg->counter_width >= 32 ? UINT32_MAX :
					 (uint32_t)((1ull << cfg->counter_width) - 1),
			.ds_mask = (cfg->ds_max << 1) - 1,
			.min_epoch_ns = cfg->min_epoch_ns,
			.max_epoch_ns = cfg->interval_ns,
			.nr_ranges = (uint32_t)((cfg->dec.dpa_skip + dev_size +
						 (1ull << HM_CHMU_RANGE_SHIFT) - 1) >>
						HM_CHMU_RANGE_SHIFT),
			.hotlist_size = cfg->hotlist,
		},
		.want = { .units = cfg->units, .interval_ns = cfg->interval_ns },
	};
	struct run_chmu *c = calloc(1, sizeof(*c));
	int ret;

	if (!c) {
		hm_errmsg(err, len, "out of memory");
		return NULL;
	}
	c->cfg = *cfg;
	c->cur = cfg->ev;
	c->source = source;
	c->say = say;
	c->arg = arg;
	c->fd = -1;
	pthread_mutex_init(&c->lock, NULL);
	run_window_init(&c->w);
	sc.src.dec = &c->cfg.dec;
	sc.log = log_change;
	sc.log_arg = c;
	if (sc.lim.max_epoch_ns < sc.lim.min_epoch_ns)
		sc.lim.min_epoch_ns = sc.lim.max_epoch_ns;
	c->s = hm_chmu_stream_new(&sc, err, len);
	if (!c->s) {
		if (errno == ENOMEM)
			hm_errmsg(err, len, "out of memory");
		free(c);
		return NULL;
	}
	if (cfg->aux_file[0]) {
		/* a FIFO opens without a writer this way, and reads never block */
		c->fd = open(cfg->aux_file, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (c->fd < 0) {
			hm_errmsg(err, len, "aux_file %s: %s", cfg->aux_file, strerror(errno));
			run_chmu_close(c);
			return NULL;
		}
	} else {
		ret = open_event(c, &c->cur);
		if (ret) {
			hm_errmsg(err, len, "%s: %s", c->cur.pmu, open_why(ret));
			run_chmu_close(c);
			return NULL;
		}
	}
	c->pub.set = *hm_chmu_stream_setting(c->s);
	ret = pthread_create(&c->thread, NULL, reader_main, c);
	if (ret) {
		hm_errmsg(err, len, "the reader thread: %s", strerror(ret));
		run_chmu_close(c);
		return NULL;
	}
	c->thread_on = true;
	return c;
}

void run_chmu_close(struct run_chmu *c)
{
	if (!c)
		return;
	if (c->thread_on) {
		__atomic_store_n(&c->stop, true, __ATOMIC_RELEASE);
		pthread_join(c->thread, NULL);
	}
	pthread_mutex_destroy(&c->lock);
	if (c->ev_on)
		hm_perf_close(&c->ev);
	if (c->fd >= 0)
		close(c->fd);
	hm_chmu_stream_free(c->s);
	run_window_free(&c->w);
	free(c);
}

/* ---- reading ---- */

static void take(struct run_chmu *c, const uint8_t *buf, size_t n)
{
	char err[256];
	int ret = hm_chmu_stream_aux(c->s, buf, n, c->now, err, sizeof(err));

	if (ret == -EINVAL && !c->said_bad) {
		sayf(c, "source chmu: %s (the stream starts over at the next batch; later "
		     "ones are counted, not logged)", err);
		c->said_bad = true;
	} else if (ret == -ENOMEM) {
		sayf(c, "source chmu: out of memory; stopped");
		c->off = true;
	}
}

static int aux_sink(void *arg, const uint8_t *buf, size_t len)
{
	take(arg, buf, len);
	return 0;
}

/* Everything the event or the file has now. Return: data was lost. */
static bool drain(struct run_chmu *c)
{
	if (c->fd >= 0) {
		uint8_t buf[65536];
		ssize_t n;

		while ((n = read(c->fd, buf, sizeof(buf))) > 0 && !c->off)
			take(c, buf, (size_t)n);
		return false;
	}
	if (c->ev_on) {
		struct hm_perf_sink sink = { .aux = aux_sink, .arg = c };
		struct hm_perf_ring *r = &c->ev.ring;
		char err[256];
		bool lost;

		hm_perf_ring_read(r, &sink, err, sizeof(err));
		lost = r->lost != c->lost_seen || r->aux_truncated != c->trunc_seen;
		c->truncated += r->aux_truncated - c->trunc_seen;
		c->lost_seen = r->lost;
		c->trunc_seen = r->aux_truncated;
		return lost;
	}
	return false;
}

/* The controller asked for @next: read the old event out, open the new one. */
static void reopen(struct run_chmu *c, const struct hm_chmu_event *next, uint64_t now)
{
	char a[256];
	int ret;

	hm_chmu_event_format(next, a, sizeof(a));
	if (c->fd >= 0) {
		if (!c->said_file_reopen)
			sayf(c, "source chmu: the controller asks for %s; the AUX bytes come from "
			     "%s, which hotmem cannot reprogram: the setting is followed in "
			     "the audit trail only (said once)", a, c->cfg.aux_file);
		c->said_file_reopen = true;
		hm_chmu_stream_reopened(c->s, now);
		return;
	}
	drain(c);
	hm_perf_close(&c->ev);
	c->ev_on = false;
	ret = open_event(c, next);
	if (!ret) {
		c->cur = *next;
		hm_chmu_stream_reopened(c->s, now);
		return;
	}
	c->reopen_errors++;
	sayf(c, "source chmu: reopening as %s: %s; the last good setting again", a,
	     open_why(ret));
	if (c->ev_on)
		hm_perf_close(&c->ev);
	c->ev_on = false;
	ret = open_event(c, &c->cur);
	if (ret) {
		sayf(c, "source chmu: reopening %s: %s; the CHMU source stops", c->cur.pmu,
		     open_why(ret));
		if (c->ev_on)
			hm_perf_close(&c->ev);
		c->ev_on = false;
		c->off = true;
		return;
	}
	hm_chmu_stream_reopened(c->s, now);
}

/*
 * The epoch length and downsampling the device runs with: the event in
 * force (from a file, the one it was captured with, whatever the
 * controller asked for since).
 */
static uint64_t cur_epoch_ns(const struct run_chmu *c)
{
	uint64_t ns = hm_chmu_epoch_ns(
		(unsigned int)hm_chmu_event_get(&c->cur, HM_CHMU_F_EPOCH_SCALE),
		(unsigned int)hm_chmu_event_get(&c->cur, HM_CHMU_F_EPOCH_MULT));

	return ns ? ns : 1;
}

struct mapping {
	struct run_chmu *c;
	pid_t pid;
	uint32_t rate;
	bool oom, any;
};

static void add_run(void *arg, uint64_t lo, uint64_t hi)
{
	struct mapping *m = arg;

	m->any = true;
	if (run_window_add(&m->c->w, m->pid, m->rate, lo, hi))
		m->oom = true;
}

/*
 * New reports: with @fresh, a new epoch's window (the old one is over);
 * else more batches of the same epoch, added to it.
 */
static void map_reports(struct run_chmu *c, const struct hm_report *r, size_t n, bool fresh,
			uint64_t now)
{
	struct hm_proc_id procs[64];
	unsigned int nr_procs;
	uint64_t per_epoch = cur_epoch_ns(c);
	unsigned int ds = (unsigned int)hm_chmu_event_get(&c->cur, HM_CHMU_F_DS_FACTOR);
	bool *hit = calloc(n ? n : 1, sizeof(*hit));
	uint64_t t;

	pthread_mutex_lock(&c->lock);
	nr_procs = c->nr_procs;
	memcpy(procs, c->procs, nr_procs * sizeof(*procs));
	pthread_mutex_unlock(&c->lock);
	run_window_begin(&c->w, !fresh);
	for (unsigned int i = 0; hit && i < nr_procs; i++) {
		struct mapping m = { .c = c, .pid = procs[i].pid };
		struct hm_rmap map;
		int ret = hm_rmap_build(&procs[i], &map);

		if (ret) {
			if (!c->rmap_errors++)
				sayf(c, "source chmu: process %d: %s", (int)procs[i].pid,
				     ret == -EPERM ? "pagemap hides frame numbers without "
						     "CAP_SYS_ADMIN" : strerror(-ret));
			continue;
		}
		for (size_t k = 0; k < n; k++) {
			/* the unit's accesses (the count times the downsampling) per second */
			unsigned __int128 a = (unsigned __int128)r[k].count << ds;
			unsigned __int128 rate = (a * 1000000000 + per_epoch - 1) / per_epoch;

			m.rate = rate > UINT32_MAX ? UINT32_MAX : (uint32_t)rate;
			m.any = false;
			hm_rmap_walk(&map, r[k].addr, r[k].addr + r[k].size, add_run, &m);
			hit[k] |= m.any;
		}
		hm_rmap_free(&map);
		if (m.oom && !c->said_full) {
			sayf(c, "source chmu: more than %u runs in one epoch; the rest are dropped "
			     "(said once)", RUN_WINDOW_MAX);
			c->said_full = true;
		}
	}
	for (size_t k = 0; hit && k < n; k++)
		c->unmapped += !hit[k];
	free(hit);
	/* its life runs from when it is published: mapping may take a good part of an epoch */
	t = hm_mono_ns();
	run_window_publish(&c->w, t, fresh);
	if (fresh)
		c->win_epoch_ns = cur_epoch_ns(c);
	c->maps++;
	c->map_ns += t - now;
}

/* Read what arrived, map new reports, let the controller judge an ended epoch. */
static void step(struct run_chmu *c, uint64_t now)
{
	struct hm_chmu_event next;
	const struct hm_report *r;
	bool lost, fresh;
	size_t n;
	int ret;

	c->now = now;
	lost = drain(c);
	r = hm_chmu_stream_reports(c->s, &n);
	/* batches read within half an epoch of each other are one epoch's */
	fresh = now - c->batch_time > cur_epoch_ns(c) / 2;
	fresh |= run_window_empty(&c->w);
	/*
	 * An epoch with no batch had no unit over the threshold: the window
	 * ends two epochs after it was published, plus what mapping it took
	 * (the next one's mapping takes about as long).
	 */
	if (!n)
		run_window_expire(&c->w, now, 2 * c->win_epoch_ns +
					      (c->maps ? c->map_ns / c->maps : 0));
	if (n) {
		c->batch_time = now;
		map_reports(c, r, n, fresh, now);
	}
	ret = hm_chmu_stream_tick(c->s, now, lost, &next);
	if (ret == 1)
		reopen(c, &next, now);
	else if (ret < 0 && !c->said_ctl) {
		sayf(c, "source chmu: the controller: %s (said once)", strerror(-ret));
		c->said_ctl = true;
	}
	pthread_mutex_lock(&c->lock);
	hm_chmu_stream_get_stats(c->s, &c->pub.st);
	c->pub.set = *hm_chmu_stream_setting(c->s);
	c->pub.unmapped = c->unmapped;
	c->pub.rmap_errors = c->rmap_errors;
	c->pub.reopen_errors = c->reopen_errors;
	c->pub.truncated = c->truncated;
	c->pub.maps = c->maps;
	c->pub.map_ns = c->map_ns;
	c->pub.off = c->off;
	pthread_mutex_unlock(&c->lock);
}

/* Every 10 ms: the device writes an epoch's batches at once, epochs are >= 100 us. */
static void *reader_main(void *arg)
{
	struct run_chmu *c = arg;

	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE) && !c->off) {
		step(c, hm_mono_ns());
		usleep(10000);
	}
	return NULL;
}

void run_chmu_procs(struct run_chmu *c, const struct hm_proc_id *procs, unsigned int n)
{
	pthread_mutex_lock(&c->lock);
	c->nr_procs = n > 64 ? 64 : n;
	memcpy(c->procs, procs, c->nr_procs * sizeof(*procs));
	pthread_mutex_unlock(&c->lock);
}

void run_chmu_feed(struct run_chmu *c, uint64_t now, uint64_t sample_ns, struct hm_ring *ring)
{
	run_window_feed(&c->w, now, sample_ns, ring, c->source);
}

struct json_object *run_chmu_status(struct run_chmu *c, double up_s)
{
	struct json_object *x = json_object_new_object();
	struct status_copy p;

	pthread_mutex_lock(&c->lock);
	p = c->pub;
	pthread_mutex_unlock(&c->lock);
	json_object_object_add(x, "name", json_object_new_string("chmu"));
	json_object_object_add(x, "input", json_object_new_string(c->cfg.aux_file[0] ? "aux_file" :
								  "perf"));
	json_object_object_add(x, "pmu", json_object_new_string(c->cfg.ev.pmu));
	json_object_object_add(x, "state", json_object_new_string(p.off ? "stopped" : "reading"));
	json_object_object_add(x, "adaptive", json_object_new_boolean(c->cfg.adaptive));
	json_object_object_add(x, "threshold", json_object_new_int64(p.set.threshold));
	json_object_object_add(x, "downsampling", json_object_new_int64(1ll << p.set.ds_log2));
	json_object_object_add(x, "epoch_ms", json_object_new_double((double)p.set.epoch_ns * 1e-6));
	/* from a file, the controller's setting is not what the bytes were made with */
	json_object_object_add(x, "setting_applied", json_object_new_boolean(!c->cfg.aux_file[0]));
	json_object_object_add(x, "batches", json_object_new_int64((int64_t)p.st.batches));
	json_object_object_add(x, "entries", json_object_new_int64((int64_t)p.st.entries));
	json_object_object_add(x, "outside_decoder", json_object_new_int64((int64_t)p.st.outside));
	json_object_object_add(x, "malformed", json_object_new_int64((int64_t)p.st.bad));
	json_object_object_add(x, "truncated", json_object_new_int64((int64_t)p.truncated));
	json_object_object_add(x, "epochs_judged", json_object_new_int64((int64_t)p.st.epochs));
	json_object_object_add(x, "reprograms", json_object_new_int64((int64_t)p.st.reprograms));
	json_object_object_add(x, "reopen_errors", json_object_new_int64((int64_t)p.reopen_errors));
	json_object_object_add(x, "unmapped", json_object_new_int64((int64_t)p.unmapped));
	json_object_object_add(x, "rmap_errors", json_object_new_int64((int64_t)p.rmap_errors));
	/* reading a window's batches through every target's reverse map */
	json_object_object_add(x, "map_ms_avg",
			       json_object_new_double(p.maps ? (double)p.map_ns * 1e-6 /
							       (double)p.maps : 0));
	run_window_status(&c->w, x, up_s);
	return x;
}
