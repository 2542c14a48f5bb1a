// SPDX-License-Identifier: MIT
/*
 * The daemon's page_idle source. Every interval a thread reads each target
 * process's frames from pagemap (CAP_SYS_ADMIN), asks the idle bitmap which
 * of the frames it marked last round an access has cleared since
 * (hm_idle_round), and marks them all again. The accessed pages, joined into
 * runs, are a window the loop replays at every sample until the next round:
 * a round's "accessed at least once in the interval" stands for each sample
 * of it, as if DAMON sampled at the round's interval. The coverage
 * accounting the daemon forces on this source turns a region half of whose
 * pages were accessed into one hot half of the samples.
 *
 * Kernel DAMON's vaddr sampling marks the pages it samples idle as well:
 * with both on the same process, an access the kernel's check consumed is
 * not seen here (said at the start; docs/daemon.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hotmem/parse.h>

#include "cli.h"
#include "run_idle.h"
#include "run_window.h"

#define MAX_PROCS	64

struct proc_state {
	struct hm_proc_id id;
	struct hm_rmap prev;	/* last round's frames (prev.e NULL: none) */
};

struct run_idle {
	struct run_idle_cfg cfg;
	uint8_t source;
	void (*say)(void *arg, const char *line);
	void *arg;
	int fd;

	/* the thread's own */
	struct proc_state st[MAX_PROCS];
	unsigned int nr_st;
	bool said_rmap, said_io, said_full;

	struct run_window w;
	pthread_t thread;
	bool thread_on;
	bool stop;			/* __atomic: set by close */
	/* under @lock */
	pthread_mutex_t lock;
	struct hm_proc_id procs[MAX_PROCS];
	unsigned int nr_procs;
	struct pub {
		uint64_t rounds, round_ns, frames, judged, accessed, fresh, unknown;
		uint64_t rmap_errors, io_errors, dropped_runs;
	} pub;
};

static void sayf(struct run_idle *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sayf(struct run_idle *s, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	s->say(s->arg, line);
}

int run_idle_parse(struct json_object *sec, struct run_idle_cfg *c, char *err, size_t len)
{
	*c = (struct run_idle_cfg){ .interval_ns = 500000000 };
	snprintf(c->bitmap, sizeof(c->bitmap), "%s", RUN_IDLE_BITMAP);
	if (!sec)
		return 0;
	if (!json_object_is_type(sec, json_type_object))
		return hm_errmsg(err, len, "$.daemon.page_idle: not an object");
	c->given = true;
	json_object_object_foreach(sec, key, v) {
		if (!strcmp(key, "interval")) {
			size_t at;

			if (!json_object_is_type(v, json_type_string) ||
			    hm_parse_duration(json_object_get_string(v), 1000000, &c->interval_ns,
					      &at) ||
			    c->interval_ns < 10000000 || c->interval_ns > 60000000000ull)
				return hm_errmsg(err, len, "$.daemon.page_idle.interval: a duration "
						 "from \"10ms\" to \"60s\" please");
		} else if (!strcmp(key, "bitmap")) {
			const char *p = json_object_is_type(v, json_type_string) ?
					json_object_get_string(v) : NULL;

			if (!p || !*p || strlen(p) >= sizeof(c->bitmap))
				return hm_errmsg(err, len, "$.daemon.page_idle.bitmap: a path of at "
						 "most %zu bytes please", sizeof(c->bitmap) - 1);
			snprintf(c->bitmap, sizeof(c->bitmap), "%s", p);
		} else {
			return hm_errmsg(err, len, "$.daemon.page_idle.%s: unknown key (interval, "
					 "bitmap)", key);
		}
	}
	return 0;
}

static void *idle_main(void *arg);

struct run_idle *run_idle_open(const struct run_idle_cfg *cfg, uint8_t source,
			       void (*say)(void *arg, const char *line), void *arg, char *err,
			       size_t len)
{
	struct run_idle *s = calloc(1, sizeof(*s));
	int ret;

	if (!s) {
		hm_errmsg(err, len, "out of memory");
		return NULL;
	}
	s->cfg = *cfg;
	s->source = source;
	s->say = say;
	s->arg = arg;
	run_window_init(&s->w);
	pthread_mutex_init(&s->lock, NULL);
	s->fd = open(cfg->bitmap, O_RDWR | O_CLOEXEC);
	if (s->fd < 0) {
		int e = errno;

		hm_errmsg(err, len, "%s: %s", cfg->bitmap,
			  e == ENOENT && !strcmp(cfg->bitmap, RUN_IDLE_BITMAP) ?
			  "the kernel has no idle page tracking (CONFIG_IDLE_PAGE_TRACKING)" :
			  e == EACCES ? "permission denied (the bitmap is root's, mode 0600)" :
			  strerror(e));
		run_idle_close(s);
		return NULL;
	}
	ret = pthread_create(&s->thread, NULL, idle_main, s);
	if (ret) {
		hm_errmsg(err, len, "the reader thread: %s", strerror(ret));
		run_idle_close(s);
		return NULL;
	}
	s->thread_on = true;
	return s;
}

void run_idle_close(struct run_idle *s)
{
	if (!s)
		return;
	if (s->thread_on) {
		__atomic_store_n(&s->stop, true, __ATOMIC_RELEASE);
		pthread_join(s->thread, NULL);
	}
	for (unsigned int i = 0; i < s->nr_st; i++)
		hm_rmap_free(&s->st[i].prev);
	if (s->fd >= 0)
		close(s->fd);
	pthread_mutex_destroy(&s->lock);
	run_window_free(&s->w);
	free(s);
}

/* Follow the target set: keep the state of processes still in it. */
static void follow(struct run_idle *s, const struct hm_proc_id *procs, unsigned int n)
{
	struct proc_state next[MAX_PROCS];

	for (unsigned int i = 0; i < n; i++) {
		next[i] = (struct proc_state){ .id = procs[i] };
		for (unsigned int k = 0; k < s->nr_st; k++) {
			if (s->st[k].id.pid == procs[i].pid &&
			    s->st[k].id.start_time == procs[i].start_time) {
				next[i].prev = s->st[k].prev;
				s->st[k].prev = (struct hm_rmap){ 0 };
				break;
			}
		}
	}
	for (unsigned int k = 0; k < s->nr_st; k++)
		hm_rmap_free(&s->st[k].prev);
	memcpy(s->st, next, n * sizeof(*next));
	s->nr_st = n;
}

struct adding {
	struct run_idle *s;
	pid_t pid;
	bool full;
};

static void add_run(void *arg, uint64_t lo, uint64_t hi)
{
	struct adding *a = arg;

	if (run_window_add(&a->s->w, a->pid, RUN_EVERY, lo, hi))
		a->full = true;
}

/* One round over every target. */
static void round_all(struct run_idle *s, uint64_t now)
{
	struct hm_proc_id procs[MAX_PROCS];
	struct pub sum = { 0 };
	unsigned int n;

	pthread_mutex_lock(&s->lock);
	n = s->nr_procs;
	memcpy(procs, s->procs, n * sizeof(*procs));
	pthread_mutex_unlock(&s->lock);
	follow(s, procs, n);
	run_window_begin(&s->w, false);
	for (unsigned int i = 0; i < s->nr_st; i++) {
		struct proc_state *p = &s->st[i];
		struct adding a = { .s = s, .pid = p->id.pid };
		struct hm_idle_stats st;
		struct hm_rmap cur;
		int ret = hm_rmap_build(&p->id, &cur);

		if (ret) {
			/* a process gone is the loop's to drop */
			if (ret != -ESRCH) {
				sum.rmap_errors++;
				if (!s->said_rmap)
					sayf(s, "source page_idle: process %d: %s (said once)",
					     (int)p->id.pid, ret == -EPERM ?
					     "pagemap hides frame numbers without CAP_SYS_ADMIN" :
					     strerror(-ret));
				s->said_rmap = true;
			}
			hm_rmap_free(&p->prev);
			continue;
		}
		ret = hm_idle_round(s->fd, p->prev.e ? &p->prev : NULL, &cur, add_run, &a, &st);
		hm_rmap_free(&p->prev);
		if (ret) {
			sum.io_errors++;
			if (!s->said_io)
				sayf(s, "source page_idle: %s: %s (said once)", s->cfg.bitmap,
				     strerror(-ret));
			s->said_io = true;
			/* half-marked: the next round starts afresh */
			hm_rmap_free(&cur);
			continue;
		}
		p->prev = cur;
		sum.frames += cur.nr;
		sum.judged += st.judged;
		sum.accessed += st.accessed;
		sum.fresh += st.fresh;
		sum.unknown += st.unknown;
		if (a.full) {
			sum.dropped_runs++;
			if (!s->said_full)
				sayf(s, "source page_idle: more than %u accessed runs in one round; "
				     "the rest are dropped (said once)", RUN_WINDOW_MAX);
			s->said_full = true;
		}
	}
	run_window_publish(&s->w, hm_mono_ns(), true);
	pthread_mutex_lock(&s->lock);
	s->pub.rounds++;
	s->pub.round_ns += hm_mono_ns() - now;
	s->pub.frames = sum.frames;
	s->pub.judged = sum.judged;
	s->pub.accessed = sum.accessed;
	s->pub.fresh = sum.fresh;
	s->pub.unknown = sum.unknown;
	s->pub.rmap_errors += sum.rmap_errors;
	s->pub.io_errors += sum.io_errors;
	s->pub.dropped_runs += sum.dropped_runs;
	pthread_mutex_unlock(&s->lock);
}

static void *idle_main(void *arg)
{
	struct run_idle *s = arg;
	uint64_t next = hm_mono_ns();

	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
		uint64_t now = hm_mono_ns();

		if (now >= next) {
			round_all(s, now);
			next = now + s->cfg.interval_ns;
			continue;
		}
		/* at most 10 ms at a time: close does not wait a whole interval */
		usleep((useconds_t)((next - now) / 1000 < 10000 ? (next - now) / 1000 : 10000));
	}
	return NULL;
}

void run_idle_procs(struct run_idle *s, const struct hm_proc_id *procs, unsigned int n)
{
	pthread_mutex_lock(&s->lock);
	s->nr_procs = n > MAX_PROCS ? MAX_PROCS : n;
	memcpy(s->procs, procs, s->nr_procs * sizeof(*procs));
	pthread_mutex_unlock(&s->lock);
}

void run_idle_feed(struct run_idle *s, uint64_t now, uint64_t sample_ns, struct hm_ring *ring)
{
	run_window_feed(&s->w, now, sample_ns, ring, s->source);
}

struct json_object *run_idle_status(struct run_idle *s, double up_s)
{
	struct json_object *x = json_object_new_object();
	struct pub p;

	pthread_mutex_lock(&s->lock);
	p = s->pub;
	pthread_mutex_unlock(&s->lock);
	json_object_object_add(x, "name", json_object_new_string("page_idle"));
	json_object_object_add(x, "bitmap", json_object_new_string(s->cfg.bitmap));
	json_object_object_add(x, "interval_ms",
			       json_object_new_double((double)s->cfg.interval_ns * 1e-6));
	json_object_object_add(x, "rounds", json_object_new_int64((int64_t)p.rounds));
	json_object_object_add(x, "round_ms_avg",
			       json_object_new_double(p.rounds ? (double)p.round_ns * 1e-6 /
								 (double)p.rounds : 0));
	/* the last round's */
	json_object_object_add(x, "pages", json_object_new_int64((int64_t)p.frames));
	json_object_object_add(x, "judged", json_object_new_int64((int64_t)p.judged));
	json_object_object_add(x, "accessed", json_object_new_int64((int64_t)p.accessed));
	json_object_object_add(x, "fresh", json_object_new_int64((int64_t)p.fresh));
	json_object_object_add(x, "past_bitmap", json_object_new_int64((int64_t)p.unknown));
	json_object_object_add(x, "rmap_errors", json_object_new_int64((int64_t)p.rmap_errors));
	json_object_object_add(x, "io_errors", json_object_new_int64((int64_t)p.io_errors));
	json_object_object_add(x, "dropped_rounds",
			       json_object_new_int64((int64_t)p.dropped_runs));
	run_window_status(&s->w, x, up_s);
	return x;
}
