// SPDX-License-Identifier: MIT
/*
 * A complete use of hotmem's report substrate, as a program embedding
 * libhotmem would do it: one monitoring context with a target of eight
 * regions, two sources (a sampler and a counter), a producer thread per
 * "CPU" pushing reports into its own ring - one of them from a signal
 * handler as well - and a consumer draining them once per sampling interval.
 *
 *   build/examples/report_substrate
 *
 * prints each region's nr_accesses and est_accesses after one aggregation
 * window (20 samples). Region 5 is the hot one.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <hotmem/hotmem.h>

#define NR_REGIONS 8
#define REGION_SZ (1ull << 20)
#define NR_THREADS 2
#define SAMPLES 20

static struct hm_ring_set *set;
static pthread_barrier_t tick, tock;
static __thread struct hm_ring *my_ring;
static int sampler, counter;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* A handler may push too: the ring belongs to the thread it interrupts. */
static void on_sigusr1(int sig)
{
	struct hm_report r = { .addr = 5 * REGION_SZ + 4096, .size = 64, .count = 1,
			       .time_ns = now_ns(), .pid = -1, .tid = -1,
			       .cpu = -1, .node = -1, .source = (uint8_t)sampler };

	(void)sig;
	if (my_ring)
		hm_report_access(my_ring, &r);	/* async-signal-safe */
}

static void *producer(void *arg)
{
	unsigned int cpu = (unsigned int)(uintptr_t)arg, s, i;
	struct hm_rand rng;

	hm_rand_seed(&rng, cpu);
	if (hm_ring_open(set, &my_ring))
		return NULL;
	for (s = 0; s < SAMPLES; s++) {
		pthread_barrier_wait(&tick);
		for (i = 0; i < 10; i++) {
			/* Build the report in place: no copy. */
			struct hm_report *r = hm_ring_reserve(my_ring);
			bool hot = hm_rand_chance(&rng, 9, 10);

			if (!r)
				continue;	/* full: counted by the ring */
			memset(r, 0, sizeof(*r));
			r->addr = hot ? 5 * REGION_SZ + hm_rand_below(&rng, REGION_SZ)
				      : hm_rand_below(&rng, NR_REGIONS * REGION_SZ);
			r->addr &= ~63ull;
			r->size = 64;
			r->count = i % 4 ? 1 : 8;
			r->source = (uint8_t)(i % 4 ? sampler : counter);
			r->time_ns = now_ns();
			r->pid = r->tid = -1;
			r->cpu = (int32_t)cpu;
			r->node = -1;
			hm_ring_commit(my_ring);
		}
		if (cpu == 0)
			raise(SIGUSR1);
		pthread_barrier_wait(&tock);
	}
	hm_ring_close(my_ring);
	my_ring = NULL;
	return NULL;
}

int main(void)
{
	struct hm_ring_set_attr ra = { .ring_entries = 256, .max_rings = NR_THREADS };
	struct hm_addr_range range = { 0, NR_REGIONS * REGION_SZ };
	struct sigaction sa = { .sa_handler = on_sigusr1 };
	pthread_t th[NR_THREADS];
	struct hm_drain_stats st;
	struct hm_target *t;
	struct hm_region *r;
	struct hm_ctx *ctx;
	unsigned int i, s;
	int err;

	if (!hm_membarrier_setup())
		ra.sync = hm_membarrier_sync;
	err = hm_ring_set_create(&ra, &set);
	ctx = hm_new_ctx();
	t = hm_new_target();
	if (err || !ctx || !t)
		return 1;
	ctx->freshness_ns = 1000000000;	/* real clock, loose timing */
	hm_add_target(ctx, t);
	/* one region, then split it into eight equal ones */
	if (hm_set_regions(t, &range, 1, 4096))
		return 1;
	for (i = 1; i < NR_REGIONS; i++)
		hm_split_region_at(t, hm_last_region(t), REGION_SZ);
	sampler = hm_add_source(ctx, "sampler", HM_ACCT_BINARY, 1);
	counter = hm_add_source(ctx, "counter", HM_ACCT_WEIGHTED, 4);

	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	pthread_barrier_init(&tick, NULL, NR_THREADS + 1);
	pthread_barrier_init(&tock, NULL, NR_THREADS + 1);
	for (i = 0; i < NR_THREADS; i++)
		pthread_create(&th[i], NULL, producer, (void *)(uintptr_t)i);
	for (s = 0; s < SAMPLES; s++) {
		pthread_barrier_wait(&tick);
		pthread_barrier_wait(&tock);
		hm_drain(ctx, set, now_ns(), &st);	/* one sampling interval */
	}
	for (i = 0; i < NR_THREADS; i++)
		pthread_join(th[i], NULL);

	printf("%-24s %12s %12s\n", "region", "nr_accesses", "est_accesses");
	hm_for_each_region(r, t)
		printf("[%#9llx, %#9llx) %12u %12llu\n", (unsigned long long)r->start,
		       (unsigned long long)r->end, r->nr_accesses,
		       (unsigned long long)r->est_accesses);
	printf("drained %llu reports, applied %llu, max nr_accesses %u of %d samples\n",
	       (unsigned long long)ctx->totals.drained,
	       (unsigned long long)ctx->totals.applied, st.max_nr_accesses, SAMPLES);
	hm_destroy_ctx(ctx);
	hm_ring_set_destroy(set);
	return 0;
}
