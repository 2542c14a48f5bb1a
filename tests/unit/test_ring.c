// SPDX-License-Identifier: MIT
/*
 * Producer rings on one thread: wrap-around, exact drop counts, the pending
 * bit (set only on the empty to non-empty transition, visited only when set),
 * the re-entry guard against a signal handler that pushes in the middle of a
 * push, and closing. The push is inline (<hotmem/ring.h>), so this file sets
 * the hook that stops a push between the entry write and the head publish.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

struct hm_ring;
static void (*hm_ring_test_publish_hook)(struct hm_ring *ring);
#define HM_RING_PUBLISH_HOOK(ring)                       \
	do {                                             \
		if (hm_ring_test_publish_hook)           \
			hm_ring_test_publish_hook(ring); \
	} while (0)

#include <hotmem/linux.h>
#include <hotmem/report.h>

#include "../hm_test.h"

enum mode { MODE_FENCE, MODE_MEMBARRIER };

struct collected {
	struct hm_report r[4096];
	size_t n;
	unsigned int batches;
};

static void collect(void *arg, const struct hm_report *r, size_t n)
{
	struct collected *c = arg;

	assert_true(c->n + n <= ARRAY_SIZE(c->r));
	memcpy(&c->r[c->n], r, n * sizeof(*r));
	c->n += n;
	c->batches++;
}

static struct hm_report rep(uint64_t seq)
{
	struct hm_report r = { .addr = seq * 64, .size = 64, .time_ns = seq,
			       .count = 1, .pid = 1, .tid = 2, .cpu = 0 };
	return r;
}

static struct hm_ring_set *make_set(uint32_t entries, uint32_t max, enum mode m)
{
	struct hm_ring_set_attr a = { .ring_entries = entries, .max_rings = max };
	struct hm_ring_set *set = NULL;

	if (m == MODE_MEMBARRIER) {
		if (hm_membarrier_setup())
			return NULL;
		a.sync = hm_membarrier_sync;
	}
	assert_int_equal(hm_ring_set_create(&a, &set), 0);
	return set;
}

static void test_create_validation(void **state)
{
	struct hm_ring_set_attr a = { 0 };
	struct hm_ring_set *set = NULL;

	(void)state;
	a.ring_entries = 3;
	assert_int_equal(hm_ring_set_create(&a, &set), -EINVAL);
	a.ring_entries = 1;
	assert_int_equal(hm_ring_set_create(&a, &set), -EINVAL);
	assert_int_equal(hm_ring_set_create(NULL, NULL), -EINVAL);
	/* zero means the defaults */
	assert_int_equal(hm_ring_set_create(NULL, &set), 0);
	hm_ring_set_destroy(set);
}

/* FIFO order and contents survive thousands of wraps of an 8-entry ring. */
static void test_wraparound(void **state)
{
	struct hm_ring_set *set = make_set(8, 1, MODE_FENCE);
	static struct collected c;
	struct hm_ring *ring;
	uint64_t seq = 0, want = 0;
	unsigned int round, i, wrapped = 0;

	(void)state;
	assert_int_equal(hm_ring_open(set, &ring), 0);
	for (round = 0; round < 3000; round++) {
		unsigned int n = 1 + round % 8;	/* 1..8 reports, every phase */

		for (i = 0; i < n; i++) {
			struct hm_report r = rep(seq++);

			assert_int_equal(hm_report_access(ring, &r), 0);
		}
		memset(&c, 0, sizeof(c));
		assert_int_equal(hm_ring_set_consume(set, collect, &c), n);
		assert_int_equal(c.n, n);
		wrapped += c.batches == 2;
		for (i = 0; i < n; i++) {
			struct hm_report r = rep(want++);

			assert_memory_equal(&c.r[i], &r, sizeof(r));
		}
	}
	/* the two-batch path (entries split across the end) was taken */
	assert_true(wrapped > 100);
	hm_ring_set_destroy(set);
}

/* A full ring accepts exactly its capacity, then drops and counts each push. */
static void test_full_drops(void **state)
{
	struct hm_ring_set *set = make_set(16, 2, MODE_FENCE);
	static struct collected c;
	struct hm_ring_stats st;
	struct hm_ring *ring;
	unsigned int i;

	(void)state;
	assert_int_equal(hm_ring_open(set, &ring), 0);
	for (i = 0; i < 16 + 5; i++) {
		struct hm_report r = rep(i);

		assert_int_equal(hm_report_access(ring, &r), i < 16 ? 0 : -ENOBUFS);
	}
	hm_ring_get_stats(ring, &st);
	assert_int_equal(st.accepted, 16);
	assert_int_equal(st.dropped_full, 5);
	memset(&c, 0, sizeof(c));
	assert_int_equal(hm_ring_set_consume(set, collect, &c), 16);
	/* the first 16 survived intact, the dropped ones left no trace */
	for (i = 0; i < 16; i++)
		assert_int_equal(c.r[i].time_ns, i);
	/* space again after the consumer freed the slots */
	for (i = 0; i < 16; i++) {
		struct hm_report r = rep(100 + i);

		assert_int_equal(hm_report_access(ring, &r), 0);
	}
	hm_ring_set_get_stats(set, &st);
	assert_int_equal(st.accepted, 32);
	assert_int_equal(st.dropped_full, 5);
	assert_int_equal(st.consumed, 16);
	hm_ring_set_destroy(set);
}

static void pending_protocol(enum mode m)
{
	struct hm_ring_set *set = make_set(64, 128, m);
	static struct collected c;
	struct hm_ring *rings[70];
	struct hm_ring_stats st, rs;
	unsigned int i;

	if (!set)
		hm_skip("membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) unavailable here");
	/* 70 rings: the pending bitmap spans two words */
	for (i = 0; i < 70; i++)
		assert_int_equal(hm_ring_open(set, &rings[i]), 0);

	/* nothing pending: nothing visited */
	assert_int_equal(hm_ring_set_consume(set, collect, &c), 0);
	hm_ring_set_get_stats(set, &st);
	assert_int_equal(st.visits, 0);

	/* three reports into ring 66: one transition, one bit set */
	for (i = 0; i < 3; i++) {
		struct hm_report r = rep(i);

		assert_int_equal(hm_report_access(rings[66], &r), 0);
	}
	hm_ring_get_stats(rings[66], &rs);
	assert_int_equal(rs.pending_sets, 1);

	memset(&c, 0, sizeof(c));
	assert_int_equal(hm_ring_set_consume(set, collect, &c), 3);
	hm_ring_set_get_stats(set, &st);
	assert_int_equal(st.visits, 1);	/* only ring 66 was looked at */
	assert_int_equal(st.syncs, 0);	/* it had reports: its bit stays */

	/* busy ring: pushes after each drain find the bit still set */
	for (i = 0; i < 5; i++) {
		struct hm_report r = rep(10 + i);

		assert_int_equal(hm_report_access(rings[66], &r), 0);
		memset(&c, 0, sizeof(c));
		assert_int_equal(hm_ring_set_consume(set, collect, &c), 1);
	}
	hm_ring_get_stats(rings[66], &rs);
	assert_int_equal(rs.pending_sets, 1);

	/* idle: one more visit finds it empty, clears the bit with one sync */
	assert_int_equal(hm_ring_set_consume(set, collect, &c), 0);
	hm_ring_set_get_stats(set, &st);
	assert_int_equal(st.visits, 7);
	assert_int_equal(st.syncs, 1);
	assert_int_equal(hm_ring_set_consume(set, collect, &c), 0);
	hm_ring_set_get_stats(set, &st);
	assert_int_equal(st.visits, 7);	/* not visited any more */

	/* the next report is a new transition */
	{
		struct hm_report r = rep(99);

		assert_int_equal(hm_report_access(rings[66], &r), 0);
		assert_int_equal(hm_report_access(rings[3], &r), 0);
	}
	hm_ring_get_stats(rings[66], &rs);
	assert_int_equal(rs.pending_sets, 2);
	memset(&c, 0, sizeof(c));
	assert_int_equal(hm_ring_set_consume(set, collect, &c), 2);
	hm_ring_set_get_stats(set, &st);
	assert_int_equal(st.visits, 9);
	hm_ring_set_destroy(set);
}

static void test_pending_fence(void **state)
{
	(void)state;
	pending_protocol(MODE_FENCE);
}

static void test_pending_membarrier(void **state)
{
	(void)state;
	pending_protocol(MODE_MEMBARRIER);
}

static int failing_sync(void *arg)
{
	(*(int *)arg)++;
	return -1;
}

/* If the barrier fails, bits must stay set: the ring keeps being visited. */
static void test_sync_failure_keeps_bits(void **state)
{
	int calls = 0;
	struct hm_ring_set_attr a = { .ring_entries = 8, .max_rings = 4,
				      .sync = failing_sync, .sync_arg = &calls };
	static struct collected c;
	struct hm_ring_set *set;
	struct hm_ring_stats st;
	struct hm_ring *ring;
	struct hm_report r = rep(1);

	(void)state;
	assert_int_equal(hm_ring_set_create(&a, &set), 0);
	assert_int_equal(hm_ring_open(set, &ring), 0);
	assert_int_equal(hm_report_access(ring, &r), 0);
	assert_int_equal(hm_ring_set_consume(set, collect, &c), 1);
	assert_int_equal(hm_ring_set_consume(set, collect, &c), 0);
	assert_int_equal(calls, 1);
	assert_int_equal(hm_ring_set_consume(set, collect, &c), 0);
	hm_ring_set_get_stats(set, &st);
	assert_int_equal(st.visits, 3);
	hm_ring_set_destroy(set);
}

/*
 * C3, deterministically. The consumer's barrier callback runs between C1
 * (clear the bit of a ring found empty) and C3 (reload head). Inject there a
 * push whose P3 ran before C1 - it saw the bit still set - so only its head
 * store lands after the clear. Nobody will set the bit again: only the
 * consumer's recheck can save the report.
 */
static struct hm_ring *late_ring;
static int late_pushes;

static int late_push_sync(void *arg)
{
	struct hm_ring *r = late_ring;
	uint64_t h = atomic_load_explicit(&r->head, memory_order_relaxed);

	(void)arg;
	if (late_pushes-- <= 0)
		return 0;
	r->ent[h & r->mask] = rep(42);
	atomic_store_explicit(&r->head, h + 1, memory_order_release);
	return 0;
}

static void test_recheck_after_clear(void **state)
{
	struct hm_ring_set_attr a = { .ring_entries = 8, .max_rings = 2,
				      .sync = late_push_sync };
	static struct collected c;
	struct hm_ring_set *set;
	struct hm_ring_stats st;
	struct hm_report r = rep(1);

	(void)state;
	assert_int_equal(hm_ring_set_create(&a, &set), 0);
	assert_int_equal(hm_ring_open(set, &late_ring), 0);
	assert_int_equal(hm_report_access(late_ring, &r), 0);
	late_pushes = 1;
	memset(&c, 0, sizeof(c));
	assert_int_equal(hm_ring_set_consume(set, collect, &c), 1);
	/* found empty: C1, then the late push inside C2, then C3 */
	assert_int_equal(hm_ring_set_consume(set, collect, &c), 0);
	hm_ring_set_get_stats(set, &st);
	assert_int_equal(st.syncs, 1);
	/* the report is taken by the next drain, with no further push */
	assert_int_equal(hm_ring_set_consume(set, collect, &c), 1);
	assert_int_equal(c.r[1].time_ns, 42);
	hm_ring_set_destroy(set);
}

/* ---- the re-entry guard ---------------------------------------------------- */

static struct hm_ring *sig_ring;
static volatile sig_atomic_t sig_ret = 1;

static void on_sigusr1(int sig)
{
	struct hm_report r = rep(777);

	(void)sig;
	sig_ret = hm_report_access(sig_ring, &r);
}

static void raise_once(struct hm_ring *ring)
{
	(void)ring;
	hm_ring_test_publish_hook = NULL;
	raise(SIGUSR1);
}

static void test_reentry_guard(void **state)
{
	struct hm_ring_set *set = make_set(8, 1, MODE_FENCE);
	struct sigaction sa = { .sa_handler = on_sigusr1 }, old;
	static struct collected c;
	struct hm_ring_stats st;
	struct hm_report r = rep(5);

	(void)state;
	assert_int_equal(hm_ring_open(set, &sig_ring), 0);
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGUSR1, &sa, &old), 0);

	/* A handler pushing while no push runs is an ordinary producer. */
	raise(SIGUSR1);
	assert_int_equal(sig_ret, 0);

	/* Raised between the entry write and the head publish: dropped. */
	hm_ring_test_publish_hook = raise_once;
	assert_int_equal(hm_report_access(sig_ring, &r), 0);
	assert_int_equal(sig_ret, -EBUSY);
	assert_null(hm_ring_test_publish_hook);

	hm_ring_get_stats(sig_ring, &st);
	assert_int_equal(st.accepted, 2);
	assert_int_equal(st.dropped_busy, 1);
	memset(&c, 0, sizeof(c));
	assert_int_equal(hm_ring_set_consume(set, collect, &c), 2);
	/* the interrupted push landed whole, the handler's did not land */
	assert_int_equal(c.r[0].time_ns, 777);
	assert_memory_equal(&c.r[1], &r, sizeof(r));

	sigaction(SIGUSR1, &old, NULL);
	hm_ring_set_destroy(set);
}

/* A closed ring is drained, then freed; its slot can be reused. */
static void test_close(void **state)
{
	struct hm_ring_set *set = make_set(8, 1, MODE_FENCE);
	static struct collected c;
	struct hm_ring_stats st;
	struct hm_ring *ring, *again;
	unsigned int i;

	(void)state;
	assert_int_equal(hm_ring_open(set, &ring), 0);
	assert_int_equal(hm_ring_open(set, &again), -ENOSPC);
	for (i = 0; i < 3; i++) {
		struct hm_report r = rep(i);

		assert_int_equal(hm_report_access(ring, &r), 0);
	}
	hm_ring_close(ring);
	memset(&c, 0, sizeof(c));
	assert_int_equal(hm_ring_set_consume(set, collect, &c), 3);
	hm_ring_set_get_stats(set, &st);
	assert_int_equal(st.open_rings, 0);
	assert_int_equal(st.accepted, 3);	/* counters outlive the ring */
	assert_int_equal(st.consumed, 3);
	assert_int_equal(hm_ring_open(set, &again), 0);
	hm_ring_set_destroy(set);
}

/* Closing a ring whose pending bit was already cleared still frees it. */
static void test_close_idle(void **state)
{
	struct hm_ring_set *set = make_set(8, 1, MODE_FENCE);
	static struct collected c;
	struct hm_ring_stats st;
	struct hm_ring *ring;
	struct hm_report r = rep(1);

	(void)state;
	assert_int_equal(hm_ring_open(set, &ring), 0);
	assert_int_equal(hm_report_access(ring, &r), 0);
	assert_int_equal(hm_ring_set_consume(set, collect, &c), 1);
	assert_int_equal(hm_ring_set_consume(set, collect, &c), 0); /* cleared */
	hm_ring_close(ring);
	assert_int_equal(hm_ring_set_consume(set, collect, &c), 0);
	hm_ring_set_get_stats(set, &st);
	assert_int_equal(st.open_rings, 0);
	hm_ring_set_destroy(set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_validation),
		cmocka_unit_test(test_wraparound),
		cmocka_unit_test(test_full_drops),
		cmocka_unit_test(test_pending_fence),
		cmocka_unit_test(test_pending_membarrier),
		cmocka_unit_test(test_sync_failure_keeps_bits),
		cmocka_unit_test(test_recheck_after_clear),
		cmocka_unit_test(test_reentry_guard),
		cmocka_unit_test(test_close),
		cmocka_unit_test(test_close_idle),
	};

	return hm_run_tests(tests);
}
