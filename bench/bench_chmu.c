// SPDX-License-Identifier: MIT
/*
 * bench_chmu: accesses per second through each CHMU tracker on one core, and
 * the budget each spends per unit it tracks, with the exact tracker (a
 * counter per unit, unbounded) as the reference measured in the same run.
 * The stream is the HeMem GUPS shape - 1 GiB, a 64 MiB hot set taking 90%
 * of the accesses - as 4 KiB unit indices generated before the clock starts.
 * Goals: table >= 150 M accesses/s, cms 4xW+K >= 60 M accesses/s.
 */
#include <hotmem/hotmem.h>
#include <hotmem/chmu.h>

#include "bench.h"

#define STREAM (1u << 22)

static uint64_t units[STREAM];

/* Best of @reps passes over the stream, in accesses per second. */
static double rate(const char *spec, unsigned int reps, struct hm_tracker_stats *st)
{
	struct hm_tracker_spec s;
	double best = 0;
	unsigned int r;
	char err[128];

	if (hm_tracker_parse(spec, &s, err, sizeof(err))) {
		fprintf(stderr, "bench_chmu: %s\n", err);
		exit(1);
	}
	for (r = 0; r < reps; r++) {
		struct hm_tracker *t = hm_tracker_new(&s, 65535, 1);
		uint32_t before, after;
		uint64_t t0, t1, sink = 0;
		size_t i;

		if (!t) {
			fprintf(stderr, "bench_chmu: out of memory\n");
			exit(1);
		}
		t0 = bench_now_ns();
		for (i = 0; i < STREAM; i++) {
			hm_tracker_add(t, units[i], 1, 0, &before, &after);
			sink += after;
		}
		t1 = bench_now_ns();
		if (sink == 1)
			puts("");
		if ((double)STREAM * 1e9 / (double)(t1 - t0) > best)
			best = (double)STREAM * 1e9 / (double)(t1 - t0);
		hm_tracker_get_stats(t, st);
		hm_tracker_free(t);
	}
	return best;
}

int main(int argc, char **argv)
{
	static const char *const trackers[] = { "table:65536", "cms:4x16384+1024", "topk:1024",
						"lfu:1024x4" };
	static struct hm_access acc[STREAM];
	struct hm_workload_spec spec;
	struct hm_workload *w;
	struct hm_tracker_stats st, ref_st;
	struct bench_opts o;
	unsigned int reps, i;
	double ref;
	char err[128], extra[256];

	bench_parse_args(argc, argv, "bench_chmu",
			 "Accesses per second through each CHMU tracker and its bytes per "
			 "tracked unit, against the exact tracker.", &o);
	reps = o.quick ? 1 : 9;
	if (hm_workload_parse("hotset:size=1G,hot=64M,frac=0.9", &spec, err, sizeof(err)))
		return 1;
	w = hm_workload_new(&spec, 1);
	hm_workload_fill(w, acc, STREAM);
	hm_workload_free(w);
	for (i = 0; i < STREAM; i++)
		units[i] = acc[i].addr >> 12;

	ref = rate("exact", reps, &ref_st);
	snprintf(extra, sizeof(extra), "\"bytes\": %llu, \"tracked\": %llu, \"bytes_per_unit\": %.1f",
		 (unsigned long long)ref_st.bytes, (unsigned long long)ref_st.tracked,
		 (double)ref_st.bytes / (double)ref_st.tracked);
	bench_emit(&o, "chmu", "exact", ref, "accesses/s", ref, extra, NULL);
	for (i = 0; i < sizeof(trackers) / sizeof(trackers[0]); i++) {
		double r = rate(trackers[i], reps, &st);

		snprintf(extra, sizeof(extra),
			 "\"bytes\": %llu, \"tracked\": %llu, \"bytes_per_unit\": %.1f, "
			 "\"evictions\": %llu, \"untracked\": %llu",
			 (unsigned long long)st.bytes, (unsigned long long)st.tracked,
			 (double)st.bytes / (double)(st.tracked ? st.tracked : 1),
			 (unsigned long long)st.evictions, (unsigned long long)st.untracked);
		bench_emit(&o, "chmu", trackers[i], r, "accesses/s", ref, extra, NULL);
	}
	return 0;
}
