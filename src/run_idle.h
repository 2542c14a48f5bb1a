/* SPDX-License-Identifier: MIT */
/*
 * The daemon's page_idle source (src/run_idle.c): idle page tracking over
 * the target processes' pages, one round per interval, the pages found
 * accessed replayed into the monitor's report ring until the next round.
 * docs/daemon.md, "Idle page tracking".
 */
#ifndef HOTMEM_SRC_RUN_IDLE_H
#define HOTMEM_SRC_RUN_IDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include <hotmem/linux.h>
#include <hotmem/report.h>

#define RUN_IDLE_BITMAP	"/sys/kernel/mm/page_idle/bitmap"

/**
 * struct run_idle_cfg - the configuration's "daemon": {"page_idle": {...}}.
 * @given:	the section was there.
 * @interval_ns: the time between rounds.
 * @bitmap:	the bitmap file (the kernel's unless a test gives another).
 */
struct run_idle_cfg {
	bool given;
	uint64_t interval_ns;
	char bitmap[256];
};

/* Parse and check the section (NULL: the defaults). 0, or -EINVAL with one line in @err. */
int run_idle_parse(struct json_object *sec, struct run_idle_cfg *c, char *err, size_t len);

struct run_idle;

/*
 * Open the bitmap and start the thread that runs the rounds. @say logs one
 * line (from either thread). Return: NULL with one line in @err.
 */
struct run_idle *run_idle_open(const struct run_idle_cfg *c, uint8_t source,
			       void (*say)(void *arg, const char *line), void *arg, char *err,
			       size_t len);
/* The target processes (at most 64), at the start and whenever they change. */
void run_idle_procs(struct run_idle *s, const struct hm_proc_id *procs, unsigned int n);
/* This sample's reports of the last round's accessed pages into @ring. */
void run_idle_feed(struct run_idle *s, uint64_t now, uint64_t sample_ns, struct hm_ring *ring);
struct json_object *run_idle_status(struct run_idle *s, double up_s);
void run_idle_close(struct run_idle *s);

#endif /* HOTMEM_SRC_RUN_IDLE_H */
