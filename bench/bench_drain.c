// SPDX-License-Identifier: MIT
/*
 * bench_drain: one sampling interval's drain of 1,000,000 uniform-random
 * reports into 100 to 100,000 regions, from producer rings, against the
 * reference: an early-exit linear scan over the same flat start/end arrays
 * applying the same binary rule. The reference is too slow to run on every
 * report at large region counts; it then runs on a prefix of the same
 * reports (the rate does not depend on how many), and says so.
 */
#include <hotmem/drain.h>
#include <hotmem/rand.h>

#include "bench.h"

#define SPAN (1ull << 40)
#define NR_RINGS 16

/* The reference lookup: walk from the first region, stop at the match. */
static __attribute__((noinline)) uint64_t linear_drain(const uint64_t *start,
						       const uint64_t *end,
						       uint8_t *hit, size_t nr,
						       const struct hm_report *reps,
						       size_t n)
{
	uint64_t applied = 0;
	size_t k, i;

	for (k = 0; k < n; k++) {
		uint64_t a = reps[k].addr, sz = reps[k].size ? reps[k].size : 1;

		for (i = 0; i < nr; i++) {
			if (a < end[i]) {
				if (a >= start[i] && sz <= end[i] - a) {
					hit[i] = 1;
					applied++;
				}
				break;
			}
		}
	}
	return applied;
}

static void fill_rings(struct hm_ring **rings, const struct hm_report *reps,
		       size_t n)
{
	size_t k;

	for (k = 0; k < n; k++)
		if (hm_report_access(rings[k % NR_RINGS], &reps[k]))
			exit(3);
}

int main(int argc, char **argv)
{
	static const unsigned int region_counts[] = { 100, 1000, 10000, 100000 };
	struct bench_opts o;
	struct hm_report *reps;
	struct hm_rand rng;
	size_t n, k;
	unsigned int c;

	bench_parse_args(argc, argv, "bench_drain",
			 "Drain uniform-random reports into regions: sorted "
			 "snapshot and binary search against a linear scan.", &o);
	n = o.quick ? 100000 : 1000000;
	reps = calloc(n, sizeof(*reps));
	hm_rand_seed(&rng, 1);
	for (k = 0; k < n; k++) {
		reps[k].addr = hm_rand_below(&rng, SPAN) & ~63ull;
		reps[k].size = 64;
		reps[k].count = 1;
		reps[k].pid = -1;
		reps[k].tid = -1;
		reps[k].cpu = (int32_t)(k % NR_RINGS);
		reps[k].node = -1;
		reps[k].time_ns = 1000000;
	}

	for (c = 0; c < sizeof(region_counts) / sizeof(region_counts[0]); c++) {
		unsigned int nr = region_counts[c], i, rep, reps_n = o.quick ? 1 : 5;
		struct hm_ring_set_attr ra = { .ring_entries = 1u << 17,
					       .max_rings = NR_RINGS };
		struct hm_addr_range *ranges = calloc(nr, sizeof(*ranges));
		uint64_t *start = calloc(nr, sizeof(*start));
		uint64_t *end = calloc(nr, sizeof(*end));
		uint8_t *hit = calloc(nr, 1);
		struct hm_ring *rings[NR_RINGS];
		struct hm_ring_set *set;
		struct hm_drain_stats st;
		struct hm_target *t;
		struct hm_ctx *ctx;
		double best = 0, ref, ns;
		size_t nref;
		uint64_t t0, applied;
		char kase[32], extra[96], note[96];

		ctx = hm_new_ctx();
		t = hm_new_target();
		for (i = 0; i < nr; i++) {
			uint64_t step = SPAN / nr & ~4095ull;

			ranges[i].start = step * i;
			ranges[i].end = i + 1 == nr ? SPAN : step * (i + 1);
			start[i] = ranges[i].start;
			end[i] = ranges[i].end;
		}
		if (hm_set_regions(t, ranges, nr, 4096))
			exit(1);
		hm_add_target(ctx, t);
		hm_add_source(ctx, "sampler", HM_ACCT_BINARY, 1);
		if (hm_ring_set_create(&ra, &set))
			exit(1);
		for (i = 0; i < NR_RINGS; i++)
			hm_ring_open(set, &rings[i]);

		for (rep = 0; rep < reps_n; rep++) {
			fill_rings(rings, reps, n);
			t0 = bench_now_ns();
			hm_drain(ctx, set, 1000000, &st);
			ns = (double)(bench_now_ns() - t0);
			if (st.drained != n || st.applied != n)
				exit(4);
			best = (double)n * 1e9 / ns > best ? (double)n * 1e9 / ns : best;
		}

		/* the reference, on at most ~2e9 region visits */
		nref = (size_t)(4e9 / nr);
		nref = nref > n ? n : nref;
		t0 = bench_now_ns();
		applied = linear_drain(start, end, hit, nr, reps, nref);
		ns = (double)(bench_now_ns() - t0);
		if (applied != nref)
			exit(5);
		ref = (double)nref * 1e9 / ns;

		snprintf(kase, sizeof(kase), "regions=%u", nr);
		snprintf(extra, sizeof(extra), "\"reports\": %zu, \"reference_reports\": %zu",
			 n, nref);
		snprintf(note, sizeof(note), "(reference on %zu reports)", nref);
		bench_emit(&o, "drain", kase, best, "reports/s", ref, extra,
			   nref < n ? note : NULL);

		hm_ring_set_destroy(set);
		hm_destroy_ctx(ctx);
		free(ranges);
		free(start);
		free(end);
		free(hit);
	}
	free(reps);
	return 0;
}
