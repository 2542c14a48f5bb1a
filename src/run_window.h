/* SPDX-License-Identifier: MIT */
/*
 * A window of hot virtual runs, built by a source's reader thread and
 * replayed into the monitor's report ring by the daemon's loop at every
 * sample until the next window replaces it or it expires. The chmu source
 * (src/run_chmu.c) and the page_idle source (src/run_idle.c) publish their
 * findings this way: both learn at a coarser period than the monitor
 * samples, and both read in a thread because a pagemap walk per target is
 * far too slow for the loop's ticks under QEMU.
 */
#ifndef HOTMEM_SRC_RUN_WINDOW_H
#define HOTMEM_SRC_RUN_WINDOW_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <json-c/json.h>

#include <hotmem/report.h>

#define RUN_WINDOW_MAX	(1u << 20)	/* runs replayed at once */
#define RUN_EVERY	UINT32_MAX	/* a rate: found accessed at every sample */

/**
 * struct run_span - a run of one process's virtual pages.
 * @rate:	its accesses per second, rounded up; a sample of S ns finds it
 *		accessed in min(1, rate x S) of the samples, spread evenly.
 */
struct run_span {
	pid_t pid;
	uint32_t rate;
	uint64_t lo, hi;
};

/**
 * struct run_window - what the loop replays, and the one being built.
 * @next, @nr_next: the builder's (the reader thread's alone).
 * Everything else is under @lock.
 */
struct run_window {
	pthread_mutex_t lock;
	struct run_span *win, *next;
	size_t nr, cap, nr_next, cap_next;
	uint64_t time;			/* when the window was published */
	uint64_t fed_samples, bytes, windows, fed, drops;
};

void run_window_init(struct run_window *w);
void run_window_free(struct run_window *w);
/* Start the next window empty, or (@keep) from the published one. */
void run_window_begin(struct run_window *w, bool keep);
/* One run into the next window: 0, or -ENOSPC (RUN_WINDOW_MAX) / -ENOMEM. */
int run_window_add(struct run_window *w, pid_t pid, uint32_t rate, uint64_t lo, uint64_t hi);
/*
 * Sort and join the next window and publish it at @now; with @fresh it is a
 * new period's (its samples count from the start, and it is counted).
 */
void run_window_publish(struct run_window *w, uint64_t now, bool fresh);
/* Drop the published window if it is older than @life_ns. */
void run_window_expire(struct run_window *w, uint64_t now, uint64_t life_ns);
bool run_window_empty(struct run_window *w);
/* This sample's share of the window into @ring, as source @source. */
void run_window_feed(struct run_window *w, uint64_t now, uint64_t sample_ns,
		     struct hm_ring *ring, uint8_t source);
/* windows, window_runs, window_bytes, reports, reports_per_s, drops into @x. */
void run_window_status(struct run_window *w, struct json_object *x, double up_s);

#endif /* HOTMEM_SRC_RUN_WINDOW_H */
