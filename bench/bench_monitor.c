// SPDX-License-Identifier: MIT
/*
 * bench_monitor: what one aggregation costs per region - merge, the
 * min-regions cut, two schemes (a stat scheme and a migrate_hot with a size
 * quota, so the score histogram and the quota trim run too), reset and split
 * and compaction - at 1,000, 10,000 and 100,000 regions, against a reference pass that only
 * walks the same regions. Before each aggregation every region gets a new
 * random nr_accesses (not timed), so merging and splitting do real work and
 * the count stays near where it started.
 */
#include <hotmem/hotmem.h>

#include "bench.h"

static int noop_apply(void *priv, struct hm_target *t, struct hm_region *r,
		      const struct hm_scheme *s, struct hm_action_result *res)
{
	(void)priv;
	(void)t;
	(void)s;
	res->sz_applied = hm_sz_region(r);
	return 0;
}

static const struct hm_ops ops = { .apply = noop_apply };

static __attribute__((noinline)) uint64_t walk(struct hm_ctx *ctx)
{
	struct hm_target *t;
	struct hm_region *r;
	uint64_t sum = 0;

	hm_for_each_target(t, ctx)
		hm_for_each_region(r, t)
			sum += r->nr_accesses + r->age + r->start;
	return sum;
}

static void randomize(struct hm_ctx *ctx, struct hm_rand *rng)
{
	struct hm_target *t;
	struct hm_region *r;

	hm_for_each_target(t, ctx) {
		hm_for_each_region(r, t) {
			r->last_nr_accesses = r->nr_accesses;
			r->nr_accesses = (uint32_t)hm_rand_below(rng, 21);
		}
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	static const unsigned int counts[] = { 1000, 10000, 100000 };
	struct bench_opts o;
	unsigned int c;
	uint64_t sink = 0;

	bench_parse_args(argc, argv, "bench_monitor",
			 "Cost of one aggregation (merge, split, schemes) per region, "
			 "against a walk over the same regions.", &o);
	for (c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		unsigned int n = counts[c], it, iters = o.quick ? 3 : (n >= 100000 ? 20 : 100);
		struct hm_scheme stat = { .action = HM_ACTION_STAT,
					  .pattern = { .max_sz = UINT64_MAX,
						       .max_nr_accesses = UINT32_MAX,
						       .max_age = UINT32_MAX } };
		struct hm_scheme hot = stat;
		struct hm_ctx *ctx = hm_new_ctx();
		struct hm_target *t = hm_new_target();
		struct hm_addr_range range = { 0, (uint64_t)n * 65536 };
		struct hm_attrs a = ctx->attrs;
		struct hm_rand rng;
		double agg_ns = 0, regions = 0, best_agg = 1e30, best_walk = 1e30;
		double samples[100];
		char kase[32], extra[128];

		hm_rand_seed(&rng, 7);
		hm_ctx_seed(ctx, 7);
		a.max_nr_regions = n;
		hm_set_attrs(ctx, &a);
		ctx->ops = &ops;
		hm_add_target(ctx, t);
		hm_set_regions(t, &range, 1, 4096);
		/* cut into n regions of 64 KiB */
		ctx->attrs.min_nr_regions = n;
		hm_apply_min_nr_regions(ctx);
		ctx->attrs.min_nr_regions = 10;
		ctx->sz_limit = hm_apply_min_nr_regions(ctx);

		hot.action = HM_ACTION_MIGRATE_HOT;
		hot.nr_dests = 1;
		hot.quota.sz = range.end / 8;
		hot.quota.weight_nr_accesses = 1;
		hot.quota.weight_age = 1;
		hm_add_scheme(ctx, hm_new_scheme(&stat, NULL));
		hm_add_scheme(ctx, hm_new_scheme(&hot, NULL));

		for (it = 0; it < iters; it++) {
			unsigned int before;
			uint64_t t0, t1;
			double per_agg, per_walk;
			struct hm_scheme *s;

			randomize(ctx, &rng);
			before = hm_nr_regions(t);
			/* every scheme due, a new quota window each time */
			ctx->now_ns += 100000000;
			hm_for_each_scheme(s, ctx)
				s->next_apply_sis = 0;

			t0 = bench_now_ns();
			sink += walk(ctx);
			t1 = bench_now_ns();
			per_walk = (double)(t1 - t0) / before;

			t0 = bench_now_ns();
			hm_merge_regions(ctx, 20, ctx->sz_limit);
			ctx->sz_limit = hm_apply_min_nr_regions(ctx);
			hm_apply_schemes(ctx);
			hm_reset_aggregated(ctx);
			hm_split_regions(ctx);
			hm_compact_regions(ctx);
			t1 = bench_now_ns();
			per_agg = (double)(t1 - t0) / before;

			agg_ns += (double)(t1 - t0);
			regions += before;
			samples[it] = per_agg;
			if (per_agg < best_agg)
				best_agg = per_agg;
			if (per_walk < best_walk)
				best_walk = per_walk;
		}
		snprintf(kase, sizeof(kase), "regions=%u", n);
		snprintf(extra, sizeof(extra),
			 "\"mean_ns_per_region\": %.2f, \"median_ns_per_region\": %.2f, "
			 "\"final_regions\": %u, \"aggregations\": %u",
			 agg_ns / regions, median(samples, iters), hm_nr_regions(t), iters);
		/* lower is better: ratio is how many walks one aggregation costs */
		bench_emit(&o, "monitor", kase, best_agg, "ns/region", best_walk, extra, NULL);
		hm_destroy_ctx(ctx);
	}
	if (sink == 42)
		puts("");
	return 0;
}
