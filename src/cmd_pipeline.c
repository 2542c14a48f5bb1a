// SPDX-License-Identifier: MIT
/*
 * hotmem pipeline: synthetic access reports through the whole monitoring path.
 * Producer threads push reports, from a sampling source and a counting
 * source, into their own rings; the monitor drains every pending ring once
 * per sampling interval and adapts its regions DAMON's way (merge, split,
 * age) at every aggregation window; the last window is printed as a table
 * and every window can be recorded. Time is virtual and each thread draws
 * from its own seeded generator, so a seed always gives the same output.
 * (hotmem demo runs the simulated tiered machine; this is the substrate alone.)
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hotmem/drain.h>
#include <hotmem/linux.h>
#include <hotmem/parse.h>
#include <hotmem/rand.h>

#include "cli.h"
#include "output.h"
#include "record.h"

#define CMD "pipeline"
#define MAX_CPUS 1024

const char hm_pipeline_usage[] =
	"usage: hotmem pipeline [options]\n"
	"\n"
	"Push synthetic access reports from producer threads through their rings\n"
	"into the monitor, which drains them every sampling interval (5 ms of\n"
	"virtual time) and adapts one process target's regions at every\n"
	"aggregation window (100 ms): merging similar neighbours, splitting,\n"
	"ageing. Print the regions of the last window; record every window.\n"
	"\n"
	"Each thread stands for one CPU. Per sample it emits --reports reports:\n"
	"80% inside a hot window (the 1/8 of the span starting at 1/4), 20%\n"
	"uniform over the span plus 1/16 beyond it. A quarter come from a\n"
	"counting source (weighted, scale 16: CHMU-like 4 KiB units with counts\n"
	"1-8), the rest from a sampling source (binary, 64-byte accesses); 30%\n"
	"are writes. To exercise every counter, 1% are stamped three samples\n"
	"old (stale) and 1% carry another pid (not eligible).\n"
	"\n"
	"options:\n"
	"  --threads N       producer threads, 1-64 (default 2)\n"
	"  --reports N       reports per thread per sample, 1-1000000 (default 50)\n"
	"  --windows N       aggregation windows to run, 1-1000 (default 10)\n"
	"  --min-regions N   fewest regions the monitor keeps (default 10)\n"
	"  --max-regions N   most regions the monitor keeps (default 1000)\n"
	"  --record FILE     write every window to FILE (docs/records.md), for\n"
	"                    'hotmem report'\n"
	"  --span SIZE       monitored bytes, e.g. 1G (default 1 GiB)\n"
	"  --ring-entries N  capacity of each ring, a power of two (default 4096)\n"
	"  --cpus LIST       keep only reports from these CPUs, e.g. 0,2-3\n"
	"  --write-only      keep only writes\n"
	"  --straddle MODE   reject (DAMON's rule) or split (default reject)\n"
	"  --seed N          random seed (default 1)\n"
	"  --json            print JSON instead of the table\n"
	"  -h, --help        this text\n";

struct demo_opts {
	uint64_t threads;
	uint64_t reports;
	uint64_t windows;
	uint64_t min_regions, max_regions;
	const char *record;
	uint64_t span;
	uint64_t ring_entries;
	uint64_t seed;
	uint64_t cpus[MAX_CPUS / 64];
	bool have_cpus;
	bool write_only;
	enum hm_straddle_policy straddle;
	bool json;
};

struct demo {
	struct demo_opts o;
	struct hm_ctx *ctx;
	struct hm_ring_set *set;
	pthread_barrier_t start, done;
	struct hm_record_writer *rec;
	uint64_t samples;		/* sampling intervals to run */
	int sampler, counter;
	int32_t pid;
	uint64_t sample_ns;
	uint64_t base;		/* first monitored address */
};

struct producer {
	struct demo *d;
	unsigned int index;
	struct hm_ring *ring;
	int err;
	uint64_t rejected;	/* pushes refused by the ring */
	pthread_t thread;
};

/* One synthetic report for sample @k (1-based virtual time). */
static void make_report(struct producer *p, struct hm_rand *rng, uint64_t k,
			struct hm_report *r)
{
	const struct demo *d = p->d;
	uint64_t span = d->o.span, off;
	bool counted = hm_rand_chance(rng, 1, 4);

	memset(r, 0, sizeof(*r));
	if (hm_rand_chance(rng, 4, 5))
		off = span / 4 + hm_rand_below(rng, span / 8);
	else
		off = hm_rand_below(rng, span + span / 16);
	if (counted) {
		r->addr = d->base + (off & ~4095ull);
		r->size = 4096;
		r->count = (uint32_t)hm_rand_range(rng, 1, 9);
		r->source = (uint8_t)d->counter;
	} else {
		r->addr = d->base + (off & ~63ull);
		r->size = 64;
		r->count = 1;
		r->source = (uint8_t)d->sampler;
	}
	r->time_ns = k * d->sample_ns - hm_rand_below(rng, d->sample_ns);
	if (hm_rand_chance(rng, 1, 100))
		r->time_ns = (k > 3 ? k - 3 : 0) * d->sample_ns;
	r->pid = hm_rand_chance(rng, 1, 100) ? d->pid + 1 : d->pid;
	r->tid = d->pid + 1000 + (int32_t)p->index;
	r->cpu = (int32_t)p->index;
	r->node = -1;
	if (hm_rand_chance(rng, 3, 10))
		r->flags |= HM_REPORT_WRITE;
}

static void *producer_main(void *arg)
{
	struct producer *p = arg;
	struct demo *d = p->d;
	struct hm_rand rng;
	uint64_t k, i;

	hm_rand_seed(&rng, d->o.seed * 1000003 + p->index);
	for (k = 1; k <= d->samples; k++) {
		pthread_barrier_wait(&d->start);
		for (i = 0; i < d->o.reports; i++) {
			struct hm_report r;

			make_report(p, &rng, k, &r);
			if (hm_report_access(p->ring, &r))
				p->rejected++;
		}
		pthread_barrier_wait(&d->done);
	}
	return NULL;
}

static int parse_opts(int argc, char **argv, struct demo_opts *o)
{
	enum { O_THREADS = 256, O_REPORTS, O_WINDOWS, O_MINR, O_MAXR, O_RECORD, O_SPAN,
	       O_RING, O_CPUS, O_WRITE, O_STRADDLE, O_SEED, O_JSON };
	static const struct option opts[] = {
		{ "threads", required_argument, NULL, O_THREADS },
		{ "reports", required_argument, NULL, O_REPORTS },
		{ "windows", required_argument, NULL, O_WINDOWS },
		{ "min-regions", required_argument, NULL, O_MINR },
		{ "max-regions", required_argument, NULL, O_MAXR },
		{ "record", required_argument, NULL, O_RECORD },
		{ "span", required_argument, NULL, O_SPAN },
		{ "ring-entries", required_argument, NULL, O_RING },
		{ "cpus", required_argument, NULL, O_CPUS },
		{ "write-only", no_argument, NULL, O_WRITE },
		{ "straddle", required_argument, NULL, O_STRADDLE },
		{ "seed", required_argument, NULL, O_SEED },
		{ "json", no_argument, NULL, O_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	size_t at;
	int c, ret;

	memset(o, 0, sizeof(*o));
	o->threads = 2;
	o->reports = 50;
	o->windows = 10;
	o->min_regions = 10;
	o->max_regions = 1000;
	o->span = 1ull << 30;
	o->ring_entries = 4096;
	o->seed = 1;
	o->straddle = HM_STRADDLE_REJECT;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		ret = 0;
		switch (c) {
		case O_THREADS:
			ret = hm_opt_u64(CMD, "--threads", optarg, 1, 64, &o->threads);
			break;
		case O_REPORTS:
			ret = hm_opt_u64(CMD, "--reports", optarg, 1, 1000000,
					 &o->reports);
			break;
		case O_WINDOWS:
			ret = hm_opt_u64(CMD, "--windows", optarg, 1, 1000, &o->windows);
			break;
		case O_MINR:
			ret = hm_opt_u64(CMD, "--min-regions", optarg, 3, 100000,
					 &o->min_regions);
			break;
		case O_MAXR:
			ret = hm_opt_u64(CMD, "--max-regions", optarg, 3, 1000000,
					 &o->max_regions);
			break;
		case O_RECORD:
			o->record = optarg;
			break;
		case O_SPAN:
			ret = hm_opt_size(CMD, "--span", optarg, 4096, 1ull << 50,
					  &o->span);
			break;
		case O_RING:
			ret = hm_opt_u64(CMD, "--ring-entries", optarg, 2, 1u << 24,
					 &o->ring_entries);
			if (!ret && (o->ring_entries & (o->ring_entries - 1)))
				ret = hm_usage_err(CMD, "--ring-entries",
						   "'%s' is not a power of two", optarg);
			break;
		case O_CPUS:
			ret = hm_parse_cpulist(optarg, o->cpus, MAX_CPUS, &at);
			if (ret == -ERANGE)
				ret = hm_usage_err(CMD, "--cpus",
						   "'%s' names a CPU above %d", optarg,
						   MAX_CPUS - 1);
			else if (ret)
				ret = hm_usage_err(CMD, "--cpus",
						   "'%s' is not a CPU list such as 0,2-3 (the problem starts at offset %zu)",
						   optarg, at);
			o->have_cpus = true;
			break;
		case O_WRITE:
			o->write_only = true;
			break;
		case O_STRADDLE:
			if (!strcmp(optarg, "reject"))
				o->straddle = HM_STRADDLE_REJECT;
			else if (!strcmp(optarg, "split"))
				o->straddle = HM_STRADDLE_SPLIT;
			else
				ret = hm_usage_err(CMD, "--straddle",
						   "'%s' is neither reject nor split", optarg);
			break;
		case O_SEED:
			ret = hm_opt_u64(CMD, "--seed", optarg, 0, UINT64_MAX, &o->seed);
			break;
		case O_JSON:
			o->json = true;
			break;
		case 'h':
			hm_print_usage(hm_find_command(CMD), false);
			return -1;
		default:
			return hm_getopt_err(CMD, c, argv);
		}
		if (ret)
			return ret;
	}
	if (optind < argc)
		return hm_usage_err(CMD, argv[optind], "unexpected argument");
	if (o->min_regions > o->max_regions)
		return hm_usage_err(CMD, "--min-regions", "%llu is above --max-regions %llu",
				    (unsigned long long)o->min_regions,
				    (unsigned long long)o->max_regions);
	if (o->span / o->min_regions < 4096)
		return hm_usage_err(CMD, "--min-regions",
				    "%llu regions do not fit in the span: each needs 4 KiB",
				    (unsigned long long)o->min_regions);
	return 0;
}

static int setup(struct demo *d)
{
	struct hm_ring_set_attr ra = {
		.ring_entries = (uint32_t)d->o.ring_entries,
		.max_rings = (uint32_t)d->o.threads,
	};
	struct hm_sample_filter f[2];
	struct hm_addr_range range;
	struct hm_target *t;
	struct hm_attrs a;
	unsigned int nf = 0;
	int ret;

	/* Fence-free producers where the kernel offers membarrier. */
	if (!hm_membarrier_setup())
		ra.sync = hm_membarrier_sync;
	ret = hm_ring_set_create(&ra, &d->set);
	if (ret)
		return ret;
	d->ctx = hm_new_ctx();
	t = hm_new_target();
	if (!d->ctx || !t) {
		hm_destroy_target(t, NULL);
		return -ENOMEM;
	}
	a = d->ctx->attrs;
	a.min_nr_regions = (uint32_t)d->o.min_regions;
	a.max_nr_regions = (uint32_t)d->o.max_regions;
	ret = hm_set_attrs(d->ctx, &a);
	if (ret)
		return ret;
	hm_ctx_seed(d->ctx, d->o.seed);
	d->pid = (int32_t)getpid();
	d->sample_ns = d->ctx->attrs.sample_interval_us * 1000;
	d->samples = d->o.windows * hm_samples_per_aggr(&d->ctx->attrs);
	d->base = 1ull << 32;
	t->pid = d->pid;
	hm_add_target(d->ctx, t);
	d->ctx->straddle = d->o.straddle;
	d->ctx->reports = d->set;
	range = (struct hm_addr_range){ d->base, d->base + d->o.span };
	ret = hm_set_regions(t, &range, 1, d->ctx->min_region_sz);
	if (ret)
		return ret;

	d->sampler = hm_add_source(d->ctx, "sampler", HM_ACCT_BINARY, 1);
	d->counter = hm_add_source(d->ctx, "counter", HM_ACCT_WEIGHTED, 16);
	if (d->sampler < 0 || d->counter < 0)
		return -EINVAL;

	if (d->o.have_cpus)
		f[nf++] = (struct hm_sample_filter){
			.type = HM_SAMPLE_FILTER_CPUMASK, .matching = true,
			.allow = true, .cpus = d->o.cpus, .nr_cpus = MAX_CPUS,
		};
	if (d->o.write_only)
		f[nf++] = (struct hm_sample_filter){
			.type = HM_SAMPLE_FILTER_WRITE, .matching = false,
			.allow = false,
		};
	ret = hm_set_sample_filters(d->ctx, f, nf);
	if (ret)
		return ret;
	return hm_monitor_start(d->ctx, 0);
}

static const char *heat_bar(uint32_t nr, uint64_t samples, char *buf)
{
	unsigned int fill = (unsigned int)(nr * 10 / samples), i;

	for (i = 0; i < 10; i++)
		buf[i] = i < fill ? '#' : '.';
	buf[10] = '\0';
	return buf;
}

static int print_table(const struct demo *d, const struct hm_ring_stats *rs)
{
	static const char *const hdr[] = { "region", "start", "end", "size",
					   "nr_accesses", "age", "est_accesses", "heat" };
	const struct hm_drain_stats *ds = &d->ctx->totals;
	struct hm_target *t = hm_list_first_entry(&d->ctx->targets,
						  struct hm_target, list);
	struct hm_table *tbl = hm_table_new(8, hdr, "rllrrrrl");
	uint32_t spa = hm_samples_per_aggr(&d->ctx->attrs);
	struct hm_region *r;
	unsigned int i = 0;
	char sz[32], bar[11];

	if (!tbl)
		return -ENOMEM;
	/* the window just ended was reset: its counts are the "last" ones */
	hm_for_each_region(r, t) {
		if (hm_table_rowf(tbl, "%u\t0x%llx\t0x%llx\t%s\t%u\t%u\t%llu\t%s", i++,
				  (unsigned long long)r->start,
				  (unsigned long long)r->end,
				  hm_fmt_iec(hm_sz_region(r), sz, sizeof(sz)),
				  r->last_nr_accesses, r->age,
				  (unsigned long long)r->last_est_accesses,
				  heat_bar(r->last_nr_accesses, spa, bar))) {
			hm_table_free(tbl);
			return -ENOMEM;
		}
	}
	printf("hotmem demo: %llu thread(s) x %llu reports per sample, %llu windows of %u "
	       "samples; %u regions over %s\n\n",
	       (unsigned long long)d->o.threads, (unsigned long long)d->o.reports,
	       (unsigned long long)d->o.windows, spa, hm_nr_regions(t),
	       hm_fmt_iec(d->o.span, sz, sizeof(sz)));
	hm_table_print(tbl, stdout);
	hm_table_free(tbl);
	printf("\nreports: %llu drained: %llu applied, %llu stale, %llu filtered, "
	       "%llu straddling, %llu unmatched, %llu invalid\n",
	       (unsigned long long)ds->drained, (unsigned long long)ds->applied,
	       (unsigned long long)ds->stale, (unsigned long long)ds->filtered,
	       (unsigned long long)ds->straddling,
	       (unsigned long long)ds->unmatched, (unsigned long long)ds->invalid);
	printf("rings:   %llu accepted, %llu dropped full, %llu dropped re-entry, "
	       "%llu pending-bit sets, %llu ring visits\n",
	       (unsigned long long)rs->accepted,
	       (unsigned long long)rs->dropped_full,
	       (unsigned long long)rs->dropped_busy,
	       (unsigned long long)rs->pending_sets,
	       (unsigned long long)rs->visits);
	return 0;
}

static void add_u64(struct json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_uint64(v));
}

static int print_json(const struct demo *d, const struct hm_ring_stats *rs)
{
	const struct hm_drain_stats *ds = &d->ctx->totals;
	struct hm_target *t = hm_list_first_entry(&d->ctx->targets,
						  struct hm_target, list);
	struct json_object *o = json_object_new_object();
	struct json_object *regs = json_object_new_array();
	struct json_object *dr = json_object_new_object();
	struct json_object *ri = json_object_new_object();
	struct hm_region *r;

	add_u64(o, "threads", d->o.threads);
	add_u64(o, "reports_per_sample", d->o.reports);
	add_u64(o, "windows", d->o.windows);
	add_u64(o, "samples_per_window", hm_samples_per_aggr(&d->ctx->attrs));
	add_u64(o, "span", d->o.span);
	add_u64(o, "seed", d->o.seed);
	hm_for_each_region(r, t) {
		struct json_object *j = json_object_new_object();

		add_u64(j, "start", r->start);
		add_u64(j, "end", r->end);
		add_u64(j, "nr_accesses", r->last_nr_accesses);
		add_u64(j, "age", r->age);
		add_u64(j, "est_accesses", r->last_est_accesses);
		json_object_array_add(regs, j);
	}
	json_object_object_add(o, "regions", regs);
	add_u64(dr, "drained", ds->drained);
	add_u64(dr, "applied", ds->applied);
	add_u64(dr, "stale", ds->stale);
	add_u64(dr, "filtered", ds->filtered);
	add_u64(dr, "straddling", ds->straddling);
	add_u64(dr, "unmatched", ds->unmatched);
	add_u64(dr, "invalid", ds->invalid);
	add_u64(dr, "max_nr_accesses", ds->max_nr_accesses);
	json_object_object_add(o, "drain", dr);
	add_u64(ri, "accepted", rs->accepted);
	add_u64(ri, "dropped_full", rs->dropped_full);
	add_u64(ri, "dropped_busy", rs->dropped_busy);
	json_object_object_add(o, "rings", ri);
	return hm_print_json(o);
}

static int run(struct demo *d)
{
	struct producer *ps;
	struct hm_progress prog;
	struct hm_ring_stats rs;
	uint64_t k, i;
	int ret = 0;

	ps = calloc(d->o.threads, sizeof(*ps));
	if (!ps)
		return hm_fail(CMD, "setup", "%s", strerror(ENOMEM));
	pthread_barrier_init(&d->start, NULL, (unsigned int)d->o.threads + 1);
	pthread_barrier_init(&d->done, NULL, (unsigned int)d->o.threads + 1);
	for (i = 0; i < d->o.threads; i++) {
		ps[i].d = d;
		ps[i].index = (unsigned int)i;
		ret = hm_ring_open(d->set, &ps[i].ring);
		if (ret) {
			ret = hm_fail(CMD, "ring", "%s", strerror(-ret));
			goto out;
		}
	}
	for (i = 0; i < d->o.threads; i++) {
		ret = pthread_create(&ps[i].thread, NULL, producer_main, &ps[i]);
		if (ret) {
			/* Threads already started wait on the barrier forever;
			 * nothing to do but leave. */
			hm_err(CMD, "threads", "%s", strerror(ret));
			exit(HM_EXIT_FAIL);
		}
	}
	hm_progress_begin(&prog, stderr, "demo", d->samples);
	for (k = 1; k <= d->samples; k++) {
		pthread_barrier_wait(&d->start);
		pthread_barrier_wait(&d->done);
		ret = hm_monitor_step(d->ctx, k * d->sample_ns);
		if (ret < 0) {
			hm_progress_end(&prog);
			hm_err(CMD, "monitor", "%s", strerror(-ret));
			exit(HM_EXIT_FAIL);
		}
		hm_progress_update(&prog, k);
	}
	hm_progress_end(&prog);
	if (d->rec) {
		ret = hm_record_close(d->rec);
		d->rec = NULL;
		if (ret) {
			ret = hm_fail(CMD, d->o.record, "%s", strerror(-ret));
			goto out;
		}
	}
	for (i = 0; i < d->o.threads; i++)
		pthread_join(ps[i].thread, NULL);
	hm_ring_set_get_stats(d->set, &rs);
	ret = d->o.json ? print_json(d, &rs) : print_table(d, &rs);
	if (ret < 0)
		ret = hm_fail(CMD, "output", "%s", strerror(-ret));
out:
	free(ps);
	return ret;
}

int hm_cmd_pipeline(int argc, char **argv)
{
	struct demo d;
	int ret;

	memset(&d, 0, sizeof(d));
	ret = parse_opts(argc, argv, &d.o);
	if (ret)
		return ret < 0 ? HM_EXIT_OK : ret;
	ret = setup(&d);
	if (ret) {
		ret = hm_fail(CMD, "setup", "%s", strerror(-ret));
	} else if (d.o.record) {
		char err[512];

		ret = hm_record_create(d.o.record, d.ctx, &d.rec, err, sizeof(err));
		if (ret) {
			ret = hm_fail(CMD, "--record", "%s", err);
		} else {
			d.ctx->after_aggregate = hm_record_on_aggregate;
			d.ctx->after_aggregate_arg = d.rec;
		}
	}
	if (!ret)
		ret = run(&d);
	hm_record_close(d.rec);
	hm_destroy_ctx(d.ctx);
	hm_ring_set_destroy(d.set);
	return ret;
}
