// SPDX-License-Identifier: MIT
/* The replayed window of hot runs shared by the chmu and page_idle sources. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "run_window.h"

void run_window_init(struct run_window *w)
{
	memset(w, 0, sizeof(*w));
	pthread_mutex_init(&w->lock, NULL);
}

void run_window_free(struct run_window *w)
{
	pthread_mutex_destroy(&w->lock);
	free(w->win);
	free(w->next);
	w->win = w->next = NULL;
}

static int grow(struct run_span **v, size_t *cap, size_t need)
{
	size_t n = *cap ? *cap : 1024;
	struct run_span *x;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	x = realloc(*v, n * sizeof(*x));
	if (!x)
		return -ENOMEM;
	*v = x;
	*cap = n;
	return 0;
}

void run_window_begin(struct run_window *w, bool keep)
{
	w->nr_next = 0;
	if (!keep)
		return;
	pthread_mutex_lock(&w->lock);
	if (!grow(&w->next, &w->cap_next, w->nr)) {
		memcpy(w->next, w->win, w->nr * sizeof(*w->win));
		w->nr_next = w->nr;
	}
	pthread_mutex_unlock(&w->lock);
}

int run_window_add(struct run_window *w, pid_t pid, uint32_t rate, uint64_t lo, uint64_t hi)
{
	if (w->nr_next >= RUN_WINDOW_MAX)
		return -ENOSPC;
	if (grow(&w->next, &w->cap_next, w->nr_next + 1))
		return -ENOMEM;
	w->next[w->nr_next++] = (struct run_span){ pid, rate, lo, hi };
	return 0;
}

static int cmp_span(const void *a, const void *b)
{
	const struct run_span *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

void run_window_publish(struct run_window *w, uint64_t now, bool fresh)
{
	size_t out = 0;
	uint64_t bytes = 0;

	/* sorted and joined where runs touch at the same rate */
	if (w->nr_next)
		qsort(w->next, w->nr_next, sizeof(*w->next), cmp_span);
	for (size_t k = 0; k < w->nr_next; k++) {
		struct run_span *p = out ? &w->next[out - 1] : NULL;

		if (p && p->pid == w->next[k].pid && p->hi == w->next[k].lo &&
		    p->rate == w->next[k].rate)
			p->hi = w->next[k].hi;
		else
			w->next[out++] = w->next[k];
	}
	for (size_t k = 0; k < out; k++)
		bytes += w->next[k].hi - w->next[k].lo;
	pthread_mutex_lock(&w->lock);
	{
		struct run_span *t = w->win;
		size_t tc = w->cap;

		w->win = w->next;
		w->cap = w->cap_next;
		w->next = t;
		w->cap_next = tc;
	}
	w->nr = out;
	w->nr_next = 0;
	w->bytes = bytes;
	w->time = now;
	if (fresh) {
		w->fed_samples = 0;
		w->windows++;
	}
	pthread_mutex_unlock(&w->lock);
}

void run_window_expire(struct run_window *w, uint64_t now, uint64_t life_ns)
{
	pthread_mutex_lock(&w->lock);
	if (w->nr && now > w->time && now - w->time > life_ns) {
		w->nr = 0;
		w->bytes = 0;
	}
	pthread_mutex_unlock(&w->lock);
}

bool run_window_empty(struct run_window *w)
{
	bool e;

	pthread_mutex_lock(&w->lock);
	e = !w->nr;
	pthread_mutex_unlock(&w->lock);
	return e;
}

void run_window_feed(struct run_window *w, uint64_t now, uint64_t sample_ns,
		     struct hm_ring *ring, uint8_t source)
{
	uint64_t j;

	pthread_mutex_lock(&w->lock);
	j = w->fed_samples++;
	for (size_t k = 0; k < w->nr; k++) {
		const struct run_span *s = &w->win[k];
		/* the share of samples that find it accessed, per mille, at most all */
		unsigned __int128 p = (unsigned __int128)s->rate * sample_ns / 1000000;
		struct hm_report rep;

		if (p > 1000)
			p = 1000;
		if ((j + 1) * p / 1000 == j * p / 1000)
			continue;
		rep = (struct hm_report){ .addr = s->lo, .size = s->hi - s->lo, .time_ns = now,
					  .count = 1, .pid = s->pid, .tid = -1, .cpu = -1,
					  .node = -1, .source = source };
		if (hm_report_access(ring, &rep))
			w->drops++;
		else
			w->fed++;
	}
	pthread_mutex_unlock(&w->lock);
}

void run_window_status(struct run_window *w, struct json_object *x, double up_s)
{
	uint64_t windows, runs, bytes, fed, drops;

	pthread_mutex_lock(&w->lock);
	windows = w->windows;
	runs = w->nr;
	bytes = w->bytes;
	fed = w->fed;
	drops = w->drops;
	pthread_mutex_unlock(&w->lock);
	json_object_object_add(x, "windows", json_object_new_int64((int64_t)windows));
	json_object_object_add(x, "window_runs", json_object_new_int64((int64_t)runs));
	json_object_object_add(x, "window_bytes", json_object_new_int64((int64_t)bytes));
	json_object_object_add(x, "reports", json_object_new_int64((int64_t)fed));
	json_object_object_add(x, "reports_per_s",
			       json_object_new_double(up_s > 0 ? (double)fed / up_s : 0));
	json_object_object_add(x, "drops", json_object_new_int64((int64_t)drops));
}
