/* SPDX-License-Identifier: MIT */
/*
 * The daemon's CHMU source (src/run_chmu.c): a cxl_hmu perf event's AUX
 * stream (or the same bytes from a file), read into hm_chmu_stream, its
 * physical reports mapped to the target processes through pagemap, and
 * replayed into the monitor's report ring; with the adaptive controller,
 * the event is reopened with each new setting. docs/daemon.md, "CHMU".
 */
#ifndef HOTMEM_SRC_RUN_CHMU_H
#define HOTMEM_SRC_RUN_CHMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include <hotmem/chmu_host.h>
#include <hotmem/linux.h>
#include <hotmem/report.h>

/**
 * struct run_chmu_cfg - the configuration's "daemon": {"chmu": {...}}.
 * @given:	the section was there.
 * @ev:		the event (its PMU names the device).
 * @dec:	the HDM decoder of the device's memory (dpa_skip included).
 * @node:	the memory's NUMA node, or -1.
 * @adaptive, @units, @interval_ns: the controller and what it aims for.
 * @counter_width, @ds_max, @hotlist, @min_epoch_ns: the device's limits
 *		(a perf PMU does not export its capability registers).
 * @aux_bytes:	the AUX area.
 * @cpu:	the CPU the event is opened on; -1: the PMU's cpumask.
 * @aux_file:	read the AUX bytes from this file (or FIFO) instead.
 */
struct run_chmu_cfg {
	bool given;
	struct hm_chmu_event ev;
	struct hm_hdm_decoder dec;
	int node;
	bool adaptive;
	uint32_t units;
	uint64_t interval_ns;
	uint32_t counter_width, ds_max, hotlist;
	uint64_t min_epoch_ns;
	uint64_t aux_bytes;
	int cpu;
	char aux_file[256];
};

/* Parse and check the section (NULL: not given). 0, or -EINVAL with one line in @err. */
int run_chmu_parse(struct json_object *sec, struct run_chmu_cfg *c, char *err, size_t len);

struct run_chmu;

/*
 * Open and enable the event (or the file), and start the reader thread,
 * which reads, lets the controller judge each ended epoch (reopening the
 * event with its new setting) and maps new reports to the processes.
 * @say logs one line (from either thread). Return: NULL with one line in
 * @err naming what failed.
 */
struct run_chmu *run_chmu_open(const struct run_chmu_cfg *c, uint8_t source,
			       void (*say)(void *arg, const char *line), void *arg, char *err,
			       size_t len);
/* The target processes (at most 64), at the start and whenever they change. */
void run_chmu_procs(struct run_chmu *c, const struct hm_proc_id *procs, unsigned int n);
/* This sample's share of the current window into @ring (see run_chmu.c). */
void run_chmu_feed(struct run_chmu *c, uint64_t now, uint64_t sample_ns, struct hm_ring *ring);
struct json_object *run_chmu_status(struct run_chmu *c, double up_s);
void run_chmu_close(struct run_chmu *c);

#endif /* HOTMEM_SRC_RUN_CHMU_H */
