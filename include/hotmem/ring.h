/* SPDX-License-Identifier: MIT */
/*
 * The producer side of hotmem's report rings, inline: a report costs a few
 * instructions and no function call, which is what lets a sampler push
 * hundreds of millions of reports a second (bench_ring). Like liburing's
 * submission path, this exposes the ring's layout; its fields are private
 * to hotmem and may change between versions. Include <hotmem/report.h>, not
 * this file.
 *
 * The memory-ordering argument, with the steps P1-P3 used below, is at the
 * top of lib/core/ring.c.
 */
#ifndef HOTMEM_RING_H
#define HOTMEM_RING_H

#ifndef HOTMEM_REPORT_H
#error "include <hotmem/report.h> instead"
#endif

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>

#define HM_CACHELINE 64

/*
 * Always inline: out of line, a report the caller just built field by field
 * is copied with wide loads the CPU cannot forward from the narrow stores,
 * which halves the push rate (bench_ring).
 */
#if defined(__GNUC__)
#define HM_RING_INLINE static inline __attribute__((always_inline))
#else
#define HM_RING_INLINE static inline
#endif

/* Tests define this before the include to act between P0 and P1. */
#ifndef HM_RING_PUBLISH_HOOK
#define HM_RING_PUBLISH_HOOK(ring) do { } while (0)
#endif

struct hm_ring_set;

/* Private. Head, tail and entries each start a cache line. */
struct hm_ring {
	/* Producer's line: written only by the owning thread. */
	_Alignas(HM_CACHELINE) _Atomic uint64_t head;
	uint64_t tail_seen;		/* last tail the producer loaded */
	_Atomic uint64_t dropped_full;
	_Atomic uint64_t dropped_busy;
	_Atomic uint64_t pending_sets;
	_Atomic int closed;
	int busy;			/* the re-entry guard */
	uint32_t mask;
	bool fence_per_push;
	_Atomic uint64_t *pending_word;
	uint64_t pending_bit;
	struct hm_report *ent;

	/* Consumer's line. */
	_Alignas(HM_CACHELINE) _Atomic uint64_t tail;

	/* Read-only after hm_ring_open(). */
	_Alignas(HM_CACHELINE) struct hm_ring_set *set;
	uint32_t index;

	_Alignas(HM_CACHELINE) struct hm_report entries[];
};

/* Only this thread writes it, and never from a nested handler: no RMW. */
HM_RING_INLINE void hm__ring_inc(_Atomic uint64_t *v)
{
	atomic_store_explicit(v, atomic_load_explicit(v, memory_order_relaxed) + 1,
			      memory_order_relaxed);
}

/**
 * hm_ring_reserve() - claim the next slot of the calling thread's ring.
 *
 * Fill the returned report in place, then call hm_ring_commit(). Between the
 * two the ring is busy: a signal handler that tries to push on it is refused.
 * Async-signal-safe; no lock, no allocation, no system call.
 *
 * Return: the slot, or NULL if the ring is full (counted in dropped_full) or
 * already inside a push on this thread (counted in dropped_busy).
 */
HM_RING_INLINE struct hm_report *hm_ring_reserve(struct hm_ring *ring)
{
	uint64_t h;

	if (ring->busy) {
		/* An RMW: nested handlers may race on this counter. */
		atomic_fetch_add_explicit(&ring->dropped_busy, 1,
					  memory_order_relaxed);
		return NULL;
	}
	ring->busy = 1;
	atomic_signal_fence(memory_order_seq_cst);

	h = atomic_load_explicit(&ring->head, memory_order_relaxed);
	if (h - ring->tail_seen > ring->mask) {
		/* Acquire: the consumer is done with the slots it freed. */
		ring->tail_seen = atomic_load_explicit(&ring->tail,
						       memory_order_acquire);
		if (h - ring->tail_seen > ring->mask) {
			hm__ring_inc(&ring->dropped_full);
			atomic_signal_fence(memory_order_seq_cst);
			ring->busy = 0;
			return NULL;
		}
	}
	return &ring->ent[h & ring->mask];		/* P0: fill it */
}

/* Publish the slot hm_ring_reserve() returned (which must not be NULL). */
HM_RING_INLINE void hm_ring_commit(struct hm_ring *ring)
{
	uint64_t h = atomic_load_explicit(&ring->head, memory_order_relaxed);

	HM_RING_PUBLISH_HOOK(ring);
	atomic_store_explicit(&ring->head, h + 1, memory_order_release); /* P1 */
	if (ring->fence_per_push)					/* P2 */
		atomic_thread_fence(memory_order_seq_cst);
	else
		atomic_signal_fence(memory_order_seq_cst);
	/* P3: the consumer cleared our bit after finding us empty? */
	if (!(atomic_load_explicit(ring->pending_word, memory_order_relaxed) &
	      ring->pending_bit)) {
		hm__ring_inc(&ring->pending_sets);
		atomic_fetch_or_explicit(ring->pending_word, ring->pending_bit,
					 memory_order_release);
	}
	atomic_signal_fence(memory_order_seq_cst);
	ring->busy = 0;
}

/**
 * hm_report_access() - push one report into the calling thread's ring.
 *
 * The same as hm_ring_reserve(), a copy of @r, and hm_ring_commit().
 * Async-signal-safe; no lock, no allocation, no system call.
 *
 * Return: 0; -ENOBUFS when the ring is full (counted in dropped_full);
 * -EBUSY when called from a signal handler that interrupted a push on the
 * same ring (counted in dropped_busy).
 */
HM_RING_INLINE int hm_report_access(struct hm_ring *ring, const struct hm_report *r)
{
	struct hm_report *slot = hm_ring_reserve(ring);

	if (!slot)
		return ring->busy ? -EBUSY : -ENOBUFS;
	*slot = *r;
	hm_ring_commit(ring);
	return 0;
}

#endif /* HOTMEM_RING_H */
