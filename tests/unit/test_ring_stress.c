// SPDX-License-Identifier: MIT
/*
 * Producer rings under concurrency: several producer threads, each also
 * interrupted by signals whose handler pushes into the same ring, and one
 * consumer thread draining only the rings marked pending. Every report must
 * be consumed exactly once, in order, or counted as dropped. And no report
 * may be stranded: producers push in bursts and then wait, without pushing,
 * until the consumer has taken the whole burst - a report left in a ring
 * whose pending bit is clear would never be taken. Runs in both barrier
 * modes, and is also built with ThreadSanitizer by make check.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hotmem/linux.h>
#include <hotmem/report.h>

#include "../hm_test.h"

#define NR_PRODUCERS 4
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define PER_PRODUCER 20000
#else
#define PER_PRODUCER 200000
#endif
/* A burst not taken within this long was stranded. */
#define STRANDED_NS 2000000000ull
#define HANDLER_TAG (1ull << 62)

struct producer {
	pthread_t thread;
	unsigned int id;
	struct hm_ring *ring;
	uint64_t pushed, dropped, full, unexpected;	/* main path */
	uint64_t bursts, stranded;
	_Atomic uint64_t sig_pushed, sig_full, sig_busy;	/* handler path */
	_Atomic int started, finished;
};

struct seen {
	uint64_t next_seq;		/* main-path sequence expected next */
	uint64_t next_sig;		/* handler sequence expected next */
	uint64_t main, sig;
	int bad;
};

static struct producer prod[NR_PRODUCERS];
static struct seen seen[NR_PRODUCERS];
static _Atomic int producers_done;
static __thread struct producer *self;
static __thread uint64_t sig_seq;

static void on_signal(int sig)
{
	struct hm_report r = { 0 };

	(void)sig;
	if (!self)
		return;
	r.cpu = (int32_t)self->id;
	r.addr = HANDLER_TAG | sig_seq;
	switch (hm_report_access(self->ring, &r)) {
	case 0:
		sig_seq++;
		atomic_fetch_add(&self->sig_pushed, 1);
		break;
	case -ENOBUFS:
		atomic_fetch_add(&self->sig_full, 1);
		break;
	case -EBUSY:
		atomic_fetch_add(&self->sig_busy, 1);
		break;
	}
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * Wait until the consumer has taken everything this ring accepted, with
 * SIGUSR1 blocked: nothing at all is pushed meanwhile. (A handler's push
 * would go through P3 and could set the bit, rescuing a stranded report
 * and hiding the bug this hunts; and under load a signal delivered right
 * before every poll would keep one fresh report outstanding forever.)
 */
static bool wait_drained(struct producer *p)
{
	uint64_t deadline = now_ns() + STRANDED_NS;
	struct hm_ring_stats st;
	sigset_t usr1, old;
	bool ok;

	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &usr1, &old);
	for (;;) {
		hm_ring_get_stats(p->ring, &st);
		if (st.consumed == st.accepted) {
			ok = true;
			break;
		}
		if (now_ns() > deadline) {
			ok = false;
			break;
		}
		sched_yield();
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ok;
}

static void *producer_main(void *arg)
{
	struct producer *p = arg;
	uint64_t i = 0, burst;

	self = p;
	atomic_store(&p->started, 1);
	while (i < PER_PRODUCER) {
		/* bursts of 1 to 64, from a cheap per-thread sequence */
		burst = 1 + (i * 2654435761u >> 7) % 64;
		for (; burst && i < PER_PRODUCER; burst--) {
			struct hm_report r = { .addr = i, .cpu = (int32_t)p->id };
			int ret = hm_report_access(p->ring, &r);

			if (ret == 0) {
				p->pushed++;
				i++;
				continue;
			}
			/* Only a handler can be inside a push: the main path
			 * sees -ENOBUFS. (cmocka asserts stay on the test's
			 * thread.) */
			if (ret != -ENOBUFS)
				p->unexpected++;
			p->full++;
			if (i % 3 == 0) {
				/* Sometimes give up on a report: gaps. */
				p->dropped++;
				i++;
			}
		}
		p->bursts++;
		if (!wait_drained(p)) {
			/* Stranded: no need to wait out every later burst. */
			p->stranded++;
			break;
		}
	}
	self = NULL;
	atomic_store(&p->finished, 1);
	return NULL;
}

static void check_batch(void *arg, const struct hm_report *r, size_t n)
{
	size_t k;

	(void)arg;
	for (k = 0; k < n; k++) {
		struct seen *s = &seen[r[k].cpu];

		if (r[k].addr & HANDLER_TAG) {
			/* handler reports keep their own order */
			if ((r[k].addr & ~HANDLER_TAG) != s->next_sig)
				s->bad++;
			s->next_sig = (r[k].addr & ~HANDLER_TAG) + 1;
			s->sig++;
		} else {
			/* main reports arrive in order, with gaps for drops */
			if (r[k].addr < s->next_seq)
				s->bad++;
			s->next_seq = r[k].addr + 1;
			s->main++;
		}
	}
}

static void *consumer_main(void *arg)
{
	struct hm_ring_set *set = arg;
	unsigned int kick = 0;

	while (!atomic_load(&producers_done)) {
		hm_ring_set_consume(set, check_batch, NULL);
		/* Interrupt producers now and then: handlers push mid-push. */
		if (++kick % 16 == 0) {
			struct producer *p = &prod[kick / 16 % NR_PRODUCERS];

			if (atomic_load(&p->started))
				pthread_kill(p->thread, SIGUSR1);
		}
	}
	return NULL;
}

static void stress(bool membarrier)
{
	struct hm_ring_set_attr a = { .ring_entries = 32, .max_rings = NR_PRODUCERS };
	struct sigaction sa = { .sa_handler = on_signal }, old;
	struct hm_ring_set *set;
	struct hm_ring_stats st, rs;
	pthread_t consumer;
	unsigned int i, idle;
	uint64_t total = 0;

	if (membarrier) {
		if (hm_membarrier_setup())
			hm_skip("membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) unavailable here");
		a.sync = hm_membarrier_sync;
	}
	memset(prod, 0, sizeof(prod));
	memset(seen, 0, sizeof(seen));
	atomic_store(&producers_done, 0);
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	assert_int_equal(sigaction(SIGUSR1, &sa, &old), 0);
	assert_int_equal(hm_ring_set_create(&a, &set), 0);

	for (i = 0; i < NR_PRODUCERS; i++) {
		prod[i].id = i;
		assert_int_equal(hm_ring_open(set, &prod[i].ring), 0);
	}
	assert_int_equal(pthread_create(&consumer, NULL, consumer_main, set), 0);
	for (i = 0; i < NR_PRODUCERS; i++)
		assert_int_equal(pthread_create(&prod[i].thread, NULL,
						producer_main, &prod[i]), 0);
	/* Stop the signals before joining: a joined thread cannot be killed. */
	for (i = 0; i < NR_PRODUCERS; i++)
		while (!atomic_load(&prod[i].finished))
			sched_yield();
	atomic_store(&producers_done, 1);
	pthread_join(consumer, NULL);
	for (i = 0; i < NR_PRODUCERS; i++)
		pthread_join(prod[i].thread, NULL);

	/*
	 * Everything is quiet now. Draining the pending rings must empty every
	 * ring: a report left behind means a ring was not marked pending.
	 */
	for (idle = 0; idle < 2;)
		idle = hm_ring_set_consume(set, check_batch, NULL) ? 0 : idle + 1;

	for (i = 0; i < NR_PRODUCERS; i++) {
		struct producer *p = &prod[i];

		hm_ring_get_stats(p->ring, &rs);
		assert_int_equal(seen[i].bad, 0);
		assert_int_equal(p->unexpected, 0);
		assert_int_equal(seen[i].main, p->pushed);
		assert_int_equal(seen[i].sig, atomic_load(&p->sig_pushed));
		assert_int_equal(p->stranded, 0);
		assert_int_equal(p->pushed + p->dropped, PER_PRODUCER);
		assert_int_equal(rs.accepted, p->pushed + atomic_load(&p->sig_pushed));
		assert_int_equal(rs.consumed, rs.accepted);
		/* every refused push was counted by the ring, by cause */
		assert_int_equal(rs.dropped_busy, atomic_load(&p->sig_busy));
		assert_int_equal(rs.dropped_full, p->full + atomic_load(&p->sig_full));
		total += rs.accepted;
	}
	hm_ring_set_get_stats(set, &st);
	assert_int_equal(st.consumed, total);
	assert_int_equal(st.accepted, total);
	printf("# %s: %llu bursts, %llu reports consumed, %llu dropped full, "
	       "%llu dropped re-entry, %llu pending-bit sets, %llu syncs\n",
	       membarrier ? "membarrier" : "fence",
	       (unsigned long long)(prod[0].bursts + prod[1].bursts +
				    prod[2].bursts + prod[3].bursts),
	       (unsigned long long)total,
	       (unsigned long long)st.dropped_full,
	       (unsigned long long)st.dropped_busy,
	       (unsigned long long)st.pending_sets, (unsigned long long)st.syncs);
	hm_ring_set_destroy(set);
	sigaction(SIGUSR1, &old, NULL);
}

static void test_stress_fence(void **state)
{
	(void)state;
	stress(false);
}

static void test_stress_membarrier(void **state)
{
	(void)state;
	stress(true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stress_fence),
		cmocka_unit_test(test_stress_membarrier),
	};

	return hm_run_tests(tests);
}
