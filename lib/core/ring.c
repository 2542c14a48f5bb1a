// SPDX-License-Identifier: MIT
/*
 * Producer rings: one single-producer/single-consumer ring per producer
 * thread, and the pending bitmap that tells the consumer which rings to visit.
 *
 * Why per thread and not per CPU: the kernel's report rings are per CPU and
 * rely on disabling preemption for exclusive access. User space cannot stop
 * the scheduler from moving a thread to another CPU between two instructions
 * (short of restartable sequences, rseq, which would tie hotmem to one
 * architecture's assembly), so the only owner a ring can have without locks is
 * a thread. A thread's signal handlers run on that thread and share its ring;
 * the re-entry guard below makes them drop rather than corrupt it.
 *
 * Layout: head (written by the producer), tail (written by the consumer) and
 * the entries each start on their own cache line. Indices run free (64 bits
 * never wrap in practice) and are masked on access, so all ring_entries slots
 * are usable and "full" is head - tail == entries.
 *
 * THE MEMORY-ORDERING ARGUMENT
 *
 * Data. The producer writes entry h, then stores head = h + 1 with release.
 * The consumer loads head with acquire, so every entry below the head it sees
 * is fully written. The consumer reads entries, then stores tail with
 * release; the producer loads tail with acquire before it reuses a slot, so it
 * never overwrites an entry still being read.
 *
 * Pending bits. The consumer must find every non-empty ring without looking
 * at all of them, and producers must not pay an atomic read-modify-write per
 * report. The consumer keeps a ring's bit set as long as it finds reports
 * there. When a visit finds the ring empty, it clears the bit (C1), runs a
 * full barrier (C2) and reloads head (C3): if head moved, it sets the bit
 * again itself. A producer, after publishing head (P1) and a barrier (P2),
 * loads its bit (P3) and sets it with fetch_or only if it reads clear. So a
 * bit is set by a producer only on the empty to non-empty transition, once
 * per time the consumer found the ring empty; in steady state P3 is a load
 * from a line nobody writes.
 *
 * Why no report is stranded (left in a ring whose bit is clear). Only C1
 * clears a bit. Take any push whose P1 the consumer did not see before C1 -
 * the reports it did see, it drained. P1-P2-P3 against C1-C2-C3 is the
 * store-buffering pattern with a barrier on each side, so either C3 sees P1
 * (and the consumer sets the bit again), or P3 sees C1 (the bit is clear, and
 * the producer sets it). When a producer's fetch_or came first and C1's
 * fetch_and cleared it, C1 read that value with acquire, so C3 sees the
 * producer's head, which was published before the fetch_or.
 *
 * The barrier pair. With no sync callback, P2 and C2 are both
 * atomic_thread_fence(seq_cst): correct anywhere, but a fence on every
 * report. With a sync callback (membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED)
 * on Linux), P2 is a compiler barrier only and C2 is the callback, which
 * executes a full barrier on every running thread of the process: each
 * producer's program is cut at one point X that is ordered after C1 and
 * before C3, and since P1 precedes P3 in program order, either P1 is before X
 * (visible at C3) or P3 is after X (sees C1). The consumer runs C2 at most
 * once per consume call and only when some ring went idle, so the cost is one
 * system call per drain at most, and none while every ring stays busy.
 *
 * The producer side (P0-P3) is inline in <hotmem/ring.h>.
 *
 * Re-entry. busy is a plain per-thread flag (the ring is per thread): set on
 * entry and cleared on exit, each ordered against the push with
 * atomic_signal_fence, which is all that is needed against a signal handler
 * running on the same thread. A handler that finds it set drops its report
 * and counts it.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <hotmem/report.h>

struct hm_ring_set {
	uint32_t entries;
	uint32_t max_rings;
	uint32_t nr_words;
	int (*sync)(void *arg);
	void *sync_arg;
	_Atomic(struct hm_ring *) *slots;
	_Atomic uint64_t *pending;
	uint64_t *idle;			/* consumer scratch: rings found empty */
	/* Consumer-owned totals. */
	uint64_t consumed;
	uint64_t visits;
	uint64_t syncs;
	/* Counters of rings already freed. */
	uint64_t retired_accepted;
	uint64_t retired_full;
	uint64_t retired_busy;
	uint64_t retired_pending_sets;
};

int hm_ring_set_create(const struct hm_ring_set_attr *attr,
		       struct hm_ring_set **out)
{
	struct hm_ring_set *set;
	uint32_t entries = HM_RING_DEFAULT_ENTRIES, max = HM_RING_DEFAULT_MAX;

	if (!out)
		return -EINVAL;
	if (attr && attr->ring_entries)
		entries = attr->ring_entries;
	if (attr && attr->max_rings)
		max = attr->max_rings;
	if (entries < 2 || (entries & (entries - 1)) || entries > (1u << 30))
		return -EINVAL;
	if (max > (1u << 20))
		return -EINVAL;

	set = calloc(1, sizeof(*set));
	if (!set)
		return -ENOMEM;
	set->entries = entries;
	set->max_rings = max;
	set->nr_words = (max + 63) / 64;
	if (attr) {
		set->sync = attr->sync;
		set->sync_arg = attr->sync_arg;
	}
	set->slots = calloc(max, sizeof(*set->slots));
	set->pending = calloc(set->nr_words, sizeof(*set->pending));
	set->idle = calloc(set->nr_words, sizeof(*set->idle));
	if (!set->slots || !set->pending || !set->idle) {
		hm_ring_set_destroy(set);
		return -ENOMEM;
	}
	*out = set;
	return 0;
}

static void ring_fold_stats(struct hm_ring_set *set, struct hm_ring *ring)
{
	set->retired_accepted += atomic_load_explicit(&ring->head,
						      memory_order_relaxed);
	set->retired_full += atomic_load_explicit(&ring->dropped_full,
						  memory_order_relaxed);
	set->retired_busy += atomic_load_explicit(&ring->dropped_busy,
						  memory_order_relaxed);
	set->retired_pending_sets +=
		atomic_load_explicit(&ring->pending_sets, memory_order_relaxed);
}

void hm_ring_set_destroy(struct hm_ring_set *set)
{
	uint32_t i;

	if (!set)
		return;
	if (set->slots) {
		for (i = 0; i < set->max_rings; i++)
			free(atomic_load_explicit(&set->slots[i],
						  memory_order_acquire));
	}
	free(set->slots);
	free(set->pending);
	free(set->idle);
	free(set);
}

int hm_ring_open(struct hm_ring_set *set, struct hm_ring **out)
{
	struct hm_ring *ring;
	size_t sz;
	uint32_t i;

	if (!set || !out)
		return -EINVAL;
	sz = sizeof(*ring) + (size_t)set->entries * sizeof(struct hm_report);
	sz = (sz + HM_CACHELINE - 1) & ~(size_t)(HM_CACHELINE - 1);
	ring = aligned_alloc(HM_CACHELINE, sz);
	if (!ring)
		return -ENOMEM;
	memset(ring, 0, sizeof(*ring));
	ring->mask = set->entries - 1;
	ring->fence_per_push = !set->sync;
	ring->ent = ring->entries;
	ring->set = set;

	for (i = 0; i < set->max_rings; i++) {
		struct hm_ring *expected = NULL;

		ring->index = i;
		ring->pending_word = &set->pending[i / 64];
		ring->pending_bit = 1ull << (i % 64);
		/* Release: the consumer sees an initialized ring. */
		if (atomic_compare_exchange_strong_explicit(
			    &set->slots[i], &expected, ring,
			    memory_order_acq_rel, memory_order_relaxed)) {
			*out = ring;
			return 0;
		}
	}
	free(ring);
	return -ENOSPC;
}

void hm_ring_close(struct hm_ring *ring)
{
	if (!ring)
		return;
	/* The last head store precedes this; the consumer frees the ring. */
	atomic_store_explicit(&ring->closed, 1, memory_order_release);
	atomic_fetch_or_explicit(ring->pending_word, ring->pending_bit,
				 memory_order_release);
}

void hm_ring_get_stats(const struct hm_ring *ring, struct hm_ring_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->accepted = atomic_load_explicit(&ring->head, memory_order_relaxed);
	st->consumed = atomic_load_explicit(&ring->tail, memory_order_relaxed);
	st->dropped_full = atomic_load_explicit(&ring->dropped_full,
						memory_order_relaxed);
	st->dropped_busy = atomic_load_explicit(&ring->dropped_busy,
						memory_order_relaxed);
	st->pending_sets = atomic_load_explicit(&ring->pending_sets,
						memory_order_relaxed);
}

/* Hand [tail, head) to @fn and release the slots. Returns the count. */
static uint64_t ring_drain(struct hm_ring *ring, hm_report_batch_fn fn,
			   void *arg)
{
	uint64_t t = atomic_load_explicit(&ring->tail, memory_order_relaxed);
	uint64_t h = atomic_load_explicit(&ring->head, memory_order_acquire);
	uint64_t n = h - t, first;
	uint32_t off = t & ring->mask;

	if (!n)
		return 0;
	first = (uint64_t)ring->mask + 1 - off;
	if (first > n)
		first = n;
	fn(arg, &ring->entries[off], first);
	if (n > first)
		fn(arg, &ring->entries[0], n - first);
	atomic_store_explicit(&ring->tail, h, memory_order_release);
	return n;
}

static void ring_retire(struct hm_ring_set *set, struct hm_ring *ring)
{
	uint32_t i = ring->index;

	ring_fold_stats(set, ring);
	atomic_fetch_and_explicit(&set->pending[i / 64], ~(1ull << (i % 64)),
				  memory_order_relaxed);
	free(ring);
	atomic_store_explicit(&set->slots[i], NULL, memory_order_release);
}

/*
 * C3: after the barrier, has the ring received a report, or been closed,
 * since it was found empty? A close whose fetch_or our C1 consumed is seen
 * here too, because C1 read it with acquire.
 */
static bool ring_moved(struct hm_ring *ring)
{
	return atomic_load_explicit(&ring->head, memory_order_acquire) !=
		       atomic_load_explicit(&ring->tail, memory_order_relaxed) ||
	       atomic_load_explicit(&ring->closed, memory_order_acquire);
}

static bool set_sync(struct hm_ring_set *set)
{
	set->syncs++;
	if (set->sync)
		return set->sync(set->sync_arg) == 0;
	atomic_thread_fence(memory_order_seq_cst);
	return true;
}

size_t hm_ring_set_consume(struct hm_ring_set *set, hm_report_batch_fn fn,
			   void *arg)
{
	uint64_t total = 0;
	bool any_idle = false;
	uint32_t w;

	for (w = 0; w < set->nr_words; w++) {
		uint64_t bits = atomic_load_explicit(&set->pending[w],
						     memory_order_acquire);

		set->idle[w] = 0;
		while (bits) {
			uint32_t b = (uint32_t)__builtin_ctzll(bits);
			struct hm_ring *ring;
			uint64_t n;
			int closed;

			bits &= bits - 1;
			ring = atomic_load_explicit(&set->slots[w * 64 + b],
						    memory_order_acquire);
			if (!ring)
				continue;
			set->visits++;
			/* Acquire: a closed ring's head is final below. */
			closed = atomic_load_explicit(&ring->closed,
						      memory_order_acquire);
			n = ring_drain(ring, fn, arg);
			total += n;
			if (closed) {
				ring_retire(set, ring);
			} else if (!n) {
				set->idle[w] |= 1ull << b;
				any_idle = true;
			}
		}
	}

	if (any_idle) {
		/* C1: clear the bits of rings found empty. */
		for (w = 0; w < set->nr_words; w++) {
			if (set->idle[w])
				atomic_fetch_and_explicit(&set->pending[w],
							  ~set->idle[w],
							  memory_order_acq_rel);
		}
		/* C2, then C3: re-flag rings that moved meanwhile. */
		if (!set_sync(set)) {
			/* Without the barrier nothing may stay cleared. */
			for (w = 0; w < set->nr_words; w++)
				if (set->idle[w])
					atomic_fetch_or_explicit(
						&set->pending[w], set->idle[w],
						memory_order_relaxed);
		} else {
			for (w = 0; w < set->nr_words; w++) {
				uint64_t bits = set->idle[w];

				while (bits) {
					uint32_t b = (uint32_t)
						__builtin_ctzll(bits);
					struct hm_ring *ring;

					bits &= bits - 1;
					ring = atomic_load_explicit(
						&set->slots[w * 64 + b],
						memory_order_acquire);
					if (ring_moved(ring))
						atomic_fetch_or_explicit(
							&set->pending[w],
							1ull << b,
							memory_order_relaxed);
				}
			}
		}
	}
	set->consumed += total;
	return total;
}

void hm_ring_set_get_stats(const struct hm_ring_set *set,
			   struct hm_ring_stats *st)
{
	uint32_t i;

	memset(st, 0, sizeof(*st));
	st->accepted = set->retired_accepted;
	st->dropped_full = set->retired_full;
	st->dropped_busy = set->retired_busy;
	st->pending_sets = set->retired_pending_sets;
	for (i = 0; i < set->max_rings; i++) {
		struct hm_ring *ring = atomic_load_explicit(
			&set->slots[i], memory_order_acquire);
		struct hm_ring_stats rs;

		if (!ring)
			continue;
		hm_ring_get_stats(ring, &rs);
		st->accepted += rs.accepted;
		st->dropped_full += rs.dropped_full;
		st->dropped_busy += rs.dropped_busy;
		st->pending_sets += rs.pending_sets;
		st->open_rings++;
	}
	st->consumed = set->consumed;
	st->visits = set->visits;
	st->syncs = set->syncs;
}
