// SPDX-License-Identifier: MIT
/*
 * bench_ring: what the producer rings cost, against a plain single-producer
 * single-consumer ring with the same layout but no pending bit and no
 * re-entry guard, measured side by side.
 *
 *   one-thread     push a batch, drain it, repeat, on one thread
 *   thread         a producer thread and a consumer thread; the consumer
 *                  drains like the monitor does, in batches: after a small
 *                  batch it waits a few microseconds (same policy for both)
 *   overload       a producer far faster than a consumer that drains every
 *                  millisecond: pushes per second and the share dropped
 *
 * hotmem's rings run in the mode the command uses: fence-free producers with
 * membarrier(2) when the kernel has it (the "fence" cases show the fallback).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include <hotmem/linux.h>
#include <hotmem/report.h>

#include "bench.h"

#define BATCH 256
#define T2T_ENTRIES 16384
#define T2T_SMALL 8192		/* a batch below this: wait before the next */
#define T2T_WAIT_NS 20000

/* The consumer's pause after a small batch: a short busy wait. */
static void consumer_pause(void)
{
	uint64_t until = bench_now_ns() + T2T_WAIT_NS;

	while (bench_now_ns() < until)
		__builtin_ia32_pause();
}

/* ---- the reference: a plain SPSC ring --------------------------------- */

struct plain_ring {
	_Alignas(64) _Atomic uint64_t head;
	uint64_t tail_seen;
	uint64_t dropped;
	_Alignas(64) _Atomic uint64_t tail;
	_Alignas(64) uint32_t mask;
	struct hm_report *ent;
};

static struct plain_ring *plain_new(uint32_t entries)
{
	struct plain_ring *r = aligned_alloc(64, sizeof(*r));

	memset(r, 0, sizeof(*r));
	r->mask = entries - 1;
	r->ent = aligned_alloc(64, entries * sizeof(struct hm_report));
	return r;
}

static void plain_free(struct plain_ring *r)
{
	free(r->ent);
	free(r);
}

/* Inline, like hm_report_access(): both sides get the same compiler help. */
static inline int plain_push(struct plain_ring *r, const struct hm_report *rep)
{
	uint64_t h = atomic_load_explicit(&r->head, memory_order_relaxed);

	if (h - r->tail_seen > r->mask) {
		r->tail_seen = atomic_load_explicit(&r->tail, memory_order_acquire);
		if (h - r->tail_seen > r->mask) {
			r->dropped++;
			return -ENOBUFS;
		}
	}
	r->ent[h & r->mask] = *rep;
	atomic_store_explicit(&r->head, h + 1, memory_order_release);
	return 0;
}

static uint64_t plain_consume(struct plain_ring *r, uint64_t *sum)
{
	uint64_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);
	uint64_t h = atomic_load_explicit(&r->head, memory_order_acquire);
	uint64_t i, s = 0;

	for (i = t; i != h; i++)
		s += r->ent[i & r->mask].addr;
	*sum += s;
	atomic_store_explicit(&r->tail, h, memory_order_release);
	return h - t;
}

/* ---- hotmem's rings ------------------------------------------------------ */

static void sum_batch(void *arg, const struct hm_report *r, size_t n)
{
	uint64_t *sum = arg, s = 0;
	size_t i;

	for (i = 0; i < n; i++)
		s += r[i].addr;
	*sum += s;
}

static struct hm_ring_set *hm_set(uint32_t entries, bool membarrier)
{
	struct hm_ring_set_attr a = { .ring_entries = entries, .max_rings = 4 };
	struct hm_ring_set *set;

	if (membarrier)
		a.sync = hm_membarrier_sync;
	if (hm_ring_set_create(&a, &set))
		exit(1);
	return set;
}

/* ---- one thread ---------------------------------------------------------- */

static double one_thread_hm(uint64_t n, bool membarrier, uint64_t *sum)
{
	struct hm_ring_set *set = hm_set(1024, membarrier);
	struct hm_report rep = { .size = 64, .count = 1 };
	struct hm_ring *ring;
	uint64_t i, t0, got = 0;

	hm_ring_open(set, &ring);
	t0 = bench_now_ns();
	for (i = 0; i < n; i += BATCH) {
		for (unsigned int k = 0; k < BATCH; k++) {
			rep.addr = i + k;
			hm_report_access(ring, &rep);
		}
		got += hm_ring_set_consume(set, sum_batch, sum);
	}
	t0 = bench_now_ns() - t0;
	hm_ring_set_destroy(set);
	if (got != n)
		exit(3);
	return (double)n * 1e9 / (double)t0;
}

static double one_thread_plain(uint64_t n, uint64_t *sum)
{
	struct plain_ring *r = plain_new(1024);
	struct hm_report rep = { .size = 64, .count = 1 };
	uint64_t i, t0, got = 0;

	t0 = bench_now_ns();
	for (i = 0; i < n; i += BATCH) {
		for (unsigned int k = 0; k < BATCH; k++) {
			rep.addr = i + k;
			plain_push(r, &rep);
		}
		got += plain_consume(r, sum);
	}
	t0 = bench_now_ns() - t0;
	plain_free(r);
	if (got != n)
		exit(3);
	return (double)n * 1e9 / (double)t0;
}

/* ---- two threads ------------------------------------------------------- */

struct xfer {
	uint64_t n;
	struct hm_ring *ring;
	struct plain_ring *plain;
	_Atomic int go;
	_Atomic int stop;		/* overload: producer stops */
	uint64_t attempts, drops;
};

static void *hm_producer(void *arg)
{
	struct xfer *x = arg;
	struct hm_report rep = { .size = 64, .count = 1 };
	uint64_t i;

	while (!atomic_load(&x->go))
		;
	for (i = 0; i < x->n;) {
		rep.addr = i;
		if (!hm_report_access(x->ring, &rep))
			i++;
	}
	return NULL;
}

static void *plain_producer(void *arg)
{
	struct xfer *x = arg;
	struct hm_report rep = { .size = 64, .count = 1 };
	uint64_t i;

	while (!atomic_load(&x->go))
		;
	for (i = 0; i < x->n;) {
		rep.addr = i;
		if (!plain_push(x->plain, &rep))
			i++;
	}
	return NULL;
}

static double thread_hm(uint64_t n, bool membarrier, uint64_t *sum)
{
	struct hm_ring_set *set = hm_set(T2T_ENTRIES, membarrier);
	struct xfer x = { .n = n };
	pthread_t th;
	uint64_t got = 0, t0, k;

	hm_ring_open(set, &x.ring);
	pthread_create(&th, NULL, hm_producer, &x);
	t0 = bench_now_ns();
	atomic_store(&x.go, 1);
	while (got < n) {
		k = hm_ring_set_consume(set, sum_batch, sum);
		got += k;
		if (k < T2T_SMALL)
			consumer_pause();
	}
	t0 = bench_now_ns() - t0;
	pthread_join(th, NULL);
	hm_ring_set_destroy(set);
	return (double)n * 1e9 / (double)t0;
}

static double thread_plain(uint64_t n, uint64_t *sum)
{
	struct xfer x = { .n = n, .plain = plain_new(T2T_ENTRIES) };
	pthread_t th;
	uint64_t got = 0, t0, k;

	pthread_create(&th, NULL, plain_producer, &x);
	t0 = bench_now_ns();
	atomic_store(&x.go, 1);
	while (got < n) {
		k = plain_consume(x.plain, sum);
		got += k;
		if (k < T2T_SMALL)
			consumer_pause();
	}
	t0 = bench_now_ns() - t0;
	pthread_join(th, NULL);
	plain_free(x.plain);
	return (double)n * 1e9 / (double)t0;
}

/* ---- overload: drain every millisecond ------------------------------------- */

static void *hm_flood(void *arg)
{
	struct xfer *x = arg;
	struct hm_report rep = { .size = 64, .count = 1 };

	while (!atomic_load(&x->go))
		;
	while (!atomic_load_explicit(&x->stop, memory_order_relaxed)) {
		rep.addr = x->attempts++;
		x->drops += hm_report_access(x->ring, &rep) != 0;
	}
	return NULL;
}

static void *plain_flood(void *arg)
{
	struct xfer *x = arg;
	struct hm_report rep = { .size = 64, .count = 1 };

	while (!atomic_load(&x->go))
		;
	while (!atomic_load_explicit(&x->stop, memory_order_relaxed)) {
		rep.addr = x->attempts++;
		x->drops += plain_push(x->plain, &rep) != 0;
	}
	return NULL;
}

static double overload(bool plain, bool membarrier, unsigned int ms,
		       double *drop_pct, uint64_t *sum)
{
	struct hm_ring_set *set = NULL;
	struct xfer x = { 0 };
	pthread_t th;
	uint64_t t0, got = 0;
	unsigned int i;

	if (plain) {
		x.plain = plain_new(4096);
		pthread_create(&th, NULL, plain_flood, &x);
	} else {
		set = hm_set(4096, membarrier);
		hm_ring_open(set, &x.ring);
		pthread_create(&th, NULL, hm_flood, &x);
	}
	t0 = bench_now_ns();
	atomic_store(&x.go, 1);
	for (i = 0; i < ms; i++) {
		usleep(1000);
		got += plain ? plain_consume(x.plain, sum) :
			       hm_ring_set_consume(set, sum_batch, sum);
	}
	atomic_store(&x.stop, 1);
	pthread_join(th, NULL);
	t0 = bench_now_ns() - t0;
	if (plain) {
		got += plain_consume(x.plain, sum);
		if (x.plain->dropped != x.drops || got + x.drops != x.attempts)
			exit(4);
		plain_free(x.plain);
	} else {
		struct hm_ring_stats st;

		got += hm_ring_set_consume(set, sum_batch, sum);
		hm_ring_set_get_stats(set, &st);
		/* the ring's own count of drops is exact */
		if (st.dropped_full != x.drops || got + x.drops != x.attempts)
			exit(4);
		hm_ring_set_destroy(set);
	}
	*drop_pct = 100.0 * (double)x.drops / (double)x.attempts;
	return (double)x.attempts * 1e9 / (double)t0;
}

static double best(double a, double b)
{
	return a > b ? a : b;
}

int main(int argc, char **argv)
{
	struct bench_opts o;
	uint64_t sum = 0, n1, n2;
	bool mb;
	double v, ref, dv, dr;
	char extra[128];
	int rep, reps;

	bench_parse_args(argc, argv, "bench_ring",
			 "Push and pop reports through hotmem's producer rings "
			 "and through a plain ring.", &o);
	mb = hm_membarrier_setup() == 0;
	n1 = o.quick ? 1u << 20 : 1u << 28;
	n2 = o.quick ? 1u << 18 : 1u << 26;
	reps = o.quick ? 1 : 3;

	/* Interleave the runs so both sides see the same machine state. */
	v = ref = 0;
	for (rep = 0; rep < reps; rep++) {
		v = best(v, one_thread_hm(n1, mb, &sum));
		ref = best(ref, one_thread_plain(n1, &sum));
	}
	bench_emit(&o, "ring", mb ? "one-thread" : "one-thread(fence)", v,
		   "reports/s", ref, NULL, NULL);
	if (mb) {
		v = 0;
		for (rep = 0; rep < reps; rep++)
			v = best(v, one_thread_hm(n1, false, &sum));
		bench_emit(&o, "ring", "one-thread(fence)", v, "reports/s", ref,
			   NULL, "fallback without membarrier");
	}

	v = ref = 0;
	for (rep = 0; rep < reps; rep++) {
		v = best(v, thread_hm(n2, mb, &sum));
		ref = best(ref, thread_plain(n2, &sum));
	}
	bench_emit(&o, "ring", mb ? "thread-to-thread" : "thread-to-thread(fence)",
		   v, "reports/s", ref, NULL, NULL);
	if (mb) {
		v = 0;
		for (rep = 0; rep < reps; rep++)
			v = best(v, thread_hm(n2, false, &sum));
		bench_emit(&o, "ring", "thread-to-thread(fence)", v, "reports/s",
			   ref, NULL, "fallback without membarrier");
	}

	v = overload(false, mb, o.quick ? 20 : 500, &dv, &sum);
	ref = overload(true, false, o.quick ? 20 : 500, &dr, &sum);
	snprintf(extra, sizeof(extra),
		 "\"drop_pct\": %.3f, \"reference_drop_pct\": %.3f", dv, dr);
	{
		char note[96];

		snprintf(note, sizeof(note), "dropped %.1f%% (reference %.1f%%)",
			 dv, dr);
		bench_emit(&o, "ring", "overload", v, "pushes/s", ref, extra, note);
	}
	/* keep the sums alive */
	if (sum == 42)
		puts("");
	return 0;
}
