/* SPDX-License-Identifier: MIT */
/*
 * Access reports and the producer rings that carry them.
 *
 * A report is the one unit of access information in hotmem, whatever produced
 * it: a CPU sample (IBS, PEBS), a CHMU hotlist entry, a page-table scan, a
 * trace record. Producers push reports into their own single-producer /
 * single-consumer ring; the monitor drains every ring marked pending once per
 * sampling interval (see drain.h). docs/substrate.md describes the design.
 */
#ifndef HOTMEM_REPORT_H
#define HOTMEM_REPORT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* hm_report.flags */
#define HM_REPORT_WRITE	0x01	/* the access was a write */
#define HM_REPORT_PHYS	0x02	/* addr is a physical address (else virtual) */

/**
 * struct hm_report - one access observation.
 * @addr:	first byte accessed; physical if HM_REPORT_PHYS is set, else a
 *		virtual address in process @pid.
 * @size:	bytes covered, from @addr (0 is taken as 1: a point access).
 * @time_ns:	when the access happened, on the consumer's clock, in ns.
 * @count:	accesses this report stands for (1 for a sample; the counter of
 *		a CHMU entry). Scaled by the source's scale when the source is
 *		weighted.
 * @pid:	process (tgid) that made the access, -1 if unknown.
 * @tid:	thread that made the access, -1 if unknown.
 * @cpu:	CPU that made the access, -1 if unknown.
 * @node:	NUMA node of the accessed memory, -1 if unknown.
 * @flags:	HM_REPORT_* bits.
 * @source:	source id, as returned by hm_add_source().
 * @reserved:	zero. Makes the layout explicit: no padding bytes, so a
 *		report copied field by field and one copied byte by byte are
 *		the same bytes (traces, tests, comparisons).
 */
struct hm_report {
	uint64_t addr;
	uint64_t size;
	uint64_t time_ns;
	uint32_t count;
	int32_t pid;
	int32_t tid;
	int32_t cpu;
	int16_t node;
	uint8_t flags;
	uint8_t source;
	uint32_t reserved;
};

_Static_assert(sizeof(struct hm_report) == 48, "a report is 48 bytes, no padding");

struct hm_ring_set;
struct hm_ring;

/**
 * struct hm_ring_set_attr - how to build a set of producer rings.
 * @ring_entries: capacity of each ring; a power of two, at least 2. Every
 *		slot is usable (free-running indices), so a ring holds exactly
 *		this many reports before it drops.
 * @max_rings:	how many rings may be open at once (one per producer thread).
 * @sync:	optional process-wide memory barrier run by the consumer, such
 *		as membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) (see
 *		hm_membarrier_sync() in linux.h). With it, producers need only a
 *		compiler barrier; without it (NULL), every push pays a full
 *		fence. Must be set before any ring is opened.
 * @sync_arg:	passed to @sync.
 */
struct hm_ring_set_attr {
	uint32_t ring_entries;
	uint32_t max_rings;
	int (*sync)(void *arg);
	void *sync_arg;
};

/**
 * struct hm_ring_stats - counters of one ring, or of a whole set.
 * @accepted:	reports pushed successfully.
 * @consumed:	reports taken out by the consumer.
 * @dropped_full: pushes dropped because the ring was full.
 * @dropped_busy: pushes dropped because the same thread was already inside a
 *		push (a signal handler interrupted it).
 * @pending_sets: times a producer set the ring's pending bit (the ring went
 *		from empty to non-empty while the consumer had cleared the bit).
 * @visits:	rings the consumer looked at (sets only).
 * @syncs:	process-wide barriers the consumer ran (sets only).
 * @open_rings:	rings currently open (sets only).
 */
struct hm_ring_stats {
	uint64_t accepted;
	uint64_t consumed;
	uint64_t dropped_full;
	uint64_t dropped_busy;
	uint64_t pending_sets;
	uint64_t visits;
	uint64_t syncs;
	uint32_t open_rings;
};

/* Defaults used when an attribute is 0. */
#define HM_RING_DEFAULT_ENTRIES	4096
#define HM_RING_DEFAULT_MAX	1024

int hm_ring_set_create(const struct hm_ring_set_attr *attr,
		       struct hm_ring_set **out);
/* Frees every ring too; producers must have stopped using them. */
void hm_ring_set_destroy(struct hm_ring_set *set);

/*
 * Producer side. hm_ring_open() allocates (call it at thread start, not from
 * a signal handler); the ring then belongs to the calling thread and its
 * signal handlers. hm_ring_close() hands the ring back: the consumer drains
 * what is left and frees it.
 */
int hm_ring_open(struct hm_ring_set *set, struct hm_ring **out);
void hm_ring_close(struct hm_ring *ring);

/*
 * Pushing reports - hm_report_access(), hm_ring_reserve() and
 * hm_ring_commit() - is inline, in <hotmem/ring.h> below: no lock, no
 * allocation, no system call, async-signal-safe.
 */

/* Counters of one ring; may be read by any thread (values may lag). */
void hm_ring_get_stats(const struct hm_ring *ring, struct hm_ring_stats *st);

/*
 * Consumer side: one thread only.
 *
 * hm_ring_set_consume() visits the rings whose pending bit is set, hands
 * their reports to @fn in at most two contiguous batches per ring, then frees
 * the slots. Returns the number of reports consumed.
 */
typedef void (*hm_report_batch_fn)(void *arg, const struct hm_report *r,
				   size_t n);

size_t hm_ring_set_consume(struct hm_ring_set *set, hm_report_batch_fn fn,
			   void *arg);

/* Totals over all rings ever opened in the set; consumer thread only. */
void hm_ring_set_get_stats(const struct hm_ring_set *set,
			   struct hm_ring_stats *st);

#ifdef __cplusplus
}
#endif

#include <hotmem/ring.h>

#endif /* HOTMEM_REPORT_H */
