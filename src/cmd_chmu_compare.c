// SPDX-License-Identifier: MIT
/*
 * hotmem chmu compare: fixed CHMU settings and the adaptive controller on
 * the same access streams, scored against the exact hot set of each
 * consumer interval (lib/chmu/eval.c; docs/chmu.md, "Comparing settings").
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <hotmem/chmu_eval.h>
#include <hotmem/parse.h>

#include "cli.h"
#include "output.h"
#include "sim_run.h"

#define CMD "chmu compare"
#define MAX_ITEMS 16

/* The shipped workloads: 1 GiB of CXL memory, 256 K pages of 4 KiB. */
struct wl_def {
	const char *name;
	const char *spec, *then;	/* @then: the second phase, from half-time */
	uint32_t ways, granularity;
};

#define HOT	"hotset:size=1G,hot=4M,frac=0.9,rate=500K"
#define ZIPF(s)	"zipf:size=1G,gran=4K,s=" s ",rate=500K"

static const struct wl_def wl_defs[] = {
	{ "hotset", HOT, NULL, 1, 4096 },
	{ "zipf0.8", ZIPF("0.8"), NULL, 1, 4096 },
	{ "zipf1.0", ZIPF("1.0"), NULL, 1, 4096 },
	{ "zipf1.2", ZIPF("1.2"), NULL, 1, 4096 },
	{ "moving", HOT ",move=3s", NULL, 1, 4096 },
	{ "phase", HOT, ZIPF("1.0"), 1, 4096 },
	{ "interleave2", HOT, NULL, 2, 256 },
	{ "interleave4", HOT, NULL, 4, 256 },
	{ "wide", "hotset:size=4G,hot=4M,frac=0.2,rate=20M,move=2s", NULL, 1, 4096 },
};

#define NR_WL_DEFS (sizeof(wl_defs) / sizeof(wl_defs[0]))

static const char *const tracker_names[] = { "table", "cms", "topk", "lfu" };
static const enum hm_tracker_kind tracker_kinds[] = { HM_TRACKER_TABLE, HM_TRACKER_CMS,
						      HM_TRACKER_TOPK, HM_TRACKER_LFU };

enum cfg { CFG_ADAPTIVE, CFG_PGHOT, CFG_QEMU, CFG_EXPERT, NR_CFG };

static const char *const cfg_names[NR_CFG] = { "adaptive", "pghot", "qemu", "tuned-expert" };

/* the fixed baselines, and where the adaptive controller starts (pghot's guess) */
static const struct hm_chmu_eval_fixed cfg_fixed[NR_CFG] = {
	[CFG_ADAPTIVE] = { 16, 0, 100000000 },
	[CFG_PGHOT] = { 16, 0, 1000000000 },
	[CFG_QEMU] = { 635, 0, 400000000 },
};

/* the tuned expert's grid, searched with hindsight on the same stream */
static const uint64_t grid_epochs[] = { 10000000, 100000000, 1000000000 };
#define GRID_THR_MAX 4096	/* thresholds 1, 4, 16, ... */

const char hm_chmu_compare_usage[] =
	"usage: hotmem chmu compare [--workload NAME,...] [--tracker KIND,...]\n"
	"                           [--budget RATIO,...] [--config NAME,...] [--units K]\n"
	"                           [--ranges N [--coarse SIZE]]\n"
	"                           [--duration D] [--interval D] [--seed N] [--out DIR]\n"
	"                           [--log] [--json]\n"
	"\n"
	"Run fixed CHMU settings and the adaptive controller on the same access\n"
	"streams and score each against the truth: every interval, the K pages\n"
	"the hotlists named most often against the K pages with the most accesses.\n"
	"\n"
	"  --workload LIST   hotset, zipf0.8, zipf1.0, zipf1.2, moving, phase,\n"
	"                    interleave2, interleave4, wide (a 4 MiB hot set with\n"
	"                    20% of 20 M accesses/s over 4 GiB, moving every 2 s),\n"
	"                    or one workload spec\n"
	"                    (docs/workload.md) given alone\n"
	"                    (default: hotset,zipf1.0,moving)\n"
	"  --tracker LIST    table, cms, topk, lfu (default: all four)\n"
	"  --budget LIST     tracker counters per 4 KiB page: 1/16, 1/64, 1/256 or\n"
	"                    a ratio such as 0.015625 (default: 1/64)\n"
	"  --config LIST     adaptive (from 16 per 100 ms), pghot (16 per 1 s),\n"
	"                    qemu (635 per 400 ms),\n"
	"                    tuned-expert (the best fixed setting of a grid, chosen\n"
	"                    with hindsight) (default: all four)\n"
	"  --units K         pages the consumer acts on per interval (default 1024)\n"
	"  --ranges N        adaptive: the (fine) instance tracks N 256 MiB ranges\n"
	"                    at once, rotating through the rest (default: all)\n"
	"  --coarse SIZE     adaptive, with --ranges: a second instance counts every\n"
	"                    range at units of SIZE (8K to 2M) and chooses the\n"
	"                    fine instance's ranges; the budget is split between\n"
	"                    the two\n"
	"  --duration D      stream time per case (default 12s)\n"
	"  --interval D      the consumer's interval (default 1s)\n"
	"  --seed N          stream and device seed (default 1)\n"
	"  --out DIR         per case, recall per interval as CSV, and a plot\n"
	"                    through gnuplot when it is installed\n"
	"  --log             the adaptive controller's changes, on stderr\n"
	"  --json            {\"cases\": [...]} instead of a table\n";

struct copts {
	const char *wl[MAX_ITEMS];
	unsigned int nr_wl;
	int trk[MAX_ITEMS];
	unsigned int nr_trk;
	double budget[MAX_ITEMS];
	unsigned int nr_budget;
	bool cfg[NR_CFG];
	uint64_t units, duration_ns, interval_ns, seed, ranges, coarse;
	const char *out;
	bool log, json;
};

/* Split @arg at commas into @items (at most MAX_ITEMS). Return: the count, or -1. */
static int split(char *arg, char **items)
{
	int n = 0;
	char *save = NULL, *t;

	for (t = strtok_r(arg, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (n == MAX_ITEMS)
			return -1;
		items[n++] = t;
	}
	return n;
}

static int parse_budget(const char *s, double *out)
{
	char *end;
	double v;

	if (!strncmp(s, "1/", 2)) {
		v = strtod(s + 2, &end);
		v = v >= 1 ? 1 / v : 0;
	} else {
		v = strtod(s, &end);
	}
	if (*end || !(v > 0) || v > 1)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_list(int opt, char *arg, struct copts *o)
{
	char *it[MAX_ITEMS];
	int n, i;
	unsigned int k;

	if (opt == 'w' && strchr(arg, ':')) {
		/* a spec carries commas of its own: it comes alone */
		if (o->nr_wl == MAX_ITEMS)
			return hm_usage_err(CMD, "--workload", "at most %d workloads", MAX_ITEMS);
		o->wl[o->nr_wl++] = arg;
		return 0;
	}
	n = split(arg, it);
	if (n <= 0)
		return hm_usage_err(CMD, opt == 'w' ? "--workload" : opt == 't' ? "--tracker" :
					 opt == 'b' ? "--budget" : "--config",
				    "an empty list, or more than %d items", MAX_ITEMS);
	if ((opt == 'w' ? o->nr_wl : opt == 't' ? o->nr_trk : opt == 'b' ? o->nr_budget : 0) +
		    (unsigned int)n > MAX_ITEMS)
		return hm_usage_err(CMD, opt == 'w' ? "--workload" : opt == 't' ? "--tracker" :
					 "--budget", "at most %d items in all", MAX_ITEMS);
	for (i = 0; i < n; i++) {
		switch (opt) {
		case 'w':
			for (k = 0; k < NR_WL_DEFS && strcmp(it[i], wl_defs[k].name); k++)
				;
			if (k == NR_WL_DEFS)
				return hm_usage_err(CMD, "--workload", "'%s': not one of hotset, "
						    "zipf0.8, zipf1.0, zipf1.2, moving, phase, "
						    "interleave2, interleave4, nor a spec", it[i]);
			o->wl[o->nr_wl++] = wl_defs[k].name;
			break;
		case 't':
			for (k = 0; k < 4 && strcmp(it[i], tracker_names[k]); k++)
				;
			if (k == 4)
				return hm_usage_err(CMD, "--tracker", "'%s': not table, cms, topk or "
						    "lfu", it[i]);
			o->trk[o->nr_trk++] = (int)k;
			break;
		case 'b':
			if (parse_budget(it[i], &o->budget[o->nr_budget]))
				return hm_usage_err(CMD, "--budget", "'%s': not a ratio in (0, 1] "
						    "such as 1/64 or 0.015625", it[i]);
			o->nr_budget++;
			break;
		default:
			for (k = 0; k < NR_CFG && strcmp(it[i], cfg_names[k]); k++)
				;
			if (k == NR_CFG)
				return hm_usage_err(CMD, "--config", "'%s': not adaptive, pghot, qemu "
						    "or tuned-expert", it[i]);
			o->cfg[k] = true;
			break;
		}
	}
	return 0;
}

/* The case for workload @w (a shipped name or a spec): its streams and interleave set. */
static int wl_case(const struct copts *o, const char *w, struct hm_chmu_eval_case *c)
{
	const struct wl_def *d = NULL;
	char err[512];
	unsigned int k;

	for (k = 0; k < NR_WL_DEFS; k++)
		if (!strcmp(w, wl_defs[k].name))
			d = &wl_defs[k];
	memset(c, 0, sizeof(*c));
	c->nr_wl = 1;
	c->ways = d ? d->ways : 1;
	c->granularity = d ? d->granularity : 4096;
	if (hm_workload_parse(d ? d->spec : w, &c->wl[0], err, sizeof(err)))
		return hm_usage_err(CMD, "--workload", "%s", err);
	if (c->wl[0].kind == HM_WORKLOAD_TRACE)
		return hm_usage_err(CMD, "--workload", "a generator, not a trace");
	if (d && d->then) {
		hm_workload_parse(d->then, &c->wl[1], NULL, 0);
		c->switch_ns[1] = o->duration_ns / o->interval_ns / 2 * o->interval_ns;
		c->nr_wl = 2;
	}
	c->units = (uint32_t)o->units;
	c->interval_ns = o->interval_ns;
	c->duration_ns = o->duration_ns;
	c->seed = o->seed;
	return 0;
}

struct row {
	const char *wl;
	int trk;
	double budget;
	enum cfg cfg;
	struct hm_chmu_eval_fixed fixed;	/* the setting it started from */
	struct hm_chmu_eval_result r;
};

static void log_change(void *arg, unsigned int dev, const struct hm_chmu_ctl_change *ch)
{
	const char *name = arg;
	char buf[256];

	(void)dev;
	hm_chmu_ctl_change_format(ch, buf, sizeof(buf));
	fprintf(stderr, "hotmem: %s: %s: %s\n", CMD, name, buf);
}

static double f1(const struct hm_chmu_eval_result *r)
{
	return r->recall + r->precision > 0 ?
		       2 * r->recall * r->precision / (r->recall + r->precision) : 0;
}

static int run_one(struct hm_chmu_eval_case *c, struct row *row, double *series, size_t n)
{
	char err[512];
	int ret;

	row->r.series = series;
	row->r.max_series = n;
	ret = hm_chmu_eval_run(c, &row->r, err, sizeof(err));
	if (ret == -EINVAL)
		return hm_usage_err(CMD, row->wl, "%s", err);
	if (ret)
		return hm_fail(CMD, row->wl, "%s", err[0] ? err : strerror(-ret));
	return 0;
}

/* The grid, each point on the same stream; the best by F1 (ties: the first). */
static int expert(struct hm_chmu_eval_case *c, struct row *row, double *series, size_t n)
{
	struct row best = *row, cur;
	unsigned int e;
	uint32_t thr;
	int ret;
	bool have = false;

	for (e = 0; e < sizeof(grid_epochs) / sizeof(grid_epochs[0]); e++) {
		for (thr = 1; thr <= GRID_THR_MAX; thr *= 4) {
			cur = *row;
			c->adaptive = false;
			c->fixed = (struct hm_chmu_eval_fixed){ thr, 0, grid_epochs[e] };
			cur.fixed = c->fixed;
			ret = run_one(c, &cur, NULL, 0);
			if (ret)
				return ret;
			if (!have || f1(&cur.r) > f1(&best.r)) {
				best = cur;
				have = true;
			}
		}
	}
	/* once more for its series */
	c->fixed = best.fixed;
	*row = best;
	return run_one(c, row, series, n);
}

static int write_series(const struct copts *o, const struct row *rows, unsigned int nr,
			double (*series)[4096], const char *label)
{
	char csv[NR_CFG][4096], png[4096], title[300];
	const char *paths[NR_CFG], *names[NR_CFG];
	unsigned int i, k;
	FILE *f;
	int ret;

	if (mkdir(o->out, 0777) && errno != EEXIST)
		return hm_fail(CMD, o->out, "%s", strerror(errno));
	for (k = 0; k < nr; k++) {
		snprintf(csv[k], sizeof(csv[k]), "%s/%s-%s.csv", o->out, label,
			 cfg_names[rows[k].cfg]);
		f = fopen(csv[k], "w");
		if (!f)
			return hm_fail(CMD, csv[k], "%s", strerror(errno));
		fprintf(f, "time_s,recall\n");
		for (i = 0; i < rows[k].r.intervals && i < 4096; i++)
			fprintf(f, "%.3f,%.4f\n",
				(double)(i + 1) * (double)o->interval_ns / 1e9, series[k][i]);
		if (fclose(f))
			return hm_fail(CMD, csv[k], "%s", strerror(errno));
		paths[k] = csv[k];
		names[k] = cfg_names[rows[k].cfg];
	}
	snprintf(png, sizeof(png), "%s/%s.png", o->out, label);
	/* gnuplot reads _ as a subscript: the title says it with spaces */
	snprintf(title, sizeof(title), "recall: %s, %s, budget 1/%.0f",
		 strchr(rows[0].wl, ':') ? "spec" : rows[0].wl, tracker_names[rows[0].trk],
		 1 / rows[0].budget);
	ret = hm_sc_plot(paths, names, nr, title, "recall per interval", 2, png);
	if (ret == -ENOENT)
		fprintf(stderr, "hotmem: note: gnuplot is not installed; the data is in %s/*.csv\n",
			o->out);
	else if (ret)
		fprintf(stderr, "hotmem: note: gnuplot failed; the data is in %s/*.csv\n", o->out);
	return 0;
}

static void print_rows(const struct copts *o, const struct row *rows, size_t n)
{
	struct json_object *j, *arr;
	size_t i;

	if (!o->json) {
		printf("%-12s %-5s %-9s %-12s %6s %6s %9s %8s %7s  %s\n", "workload", "trk",
		       "budget", "config", "recall", "prec", "overflows", "recovery", "tracker",
		       "setting at the end");
		for (i = 0; i < n; i++) {
			const struct row *r = &rows[i];
			char rec[16];

			if (r->r.recovery < 0)
				snprintf(rec, sizeof(rec), "-");
			else
				snprintf(rec, sizeof(rec), "%d", r->r.recovery);
			char extra[64] = "", sz[32];

			if (r->cfg == CFG_ADAPTIVE && o->ranges)
				snprintf(extra, sizeof(extra), ", %llu ranges%s%s",
					 (unsigned long long)o->ranges, o->coarse ? ", coarse " : "",
					 o->coarse ? hm_fmt_iec(o->coarse, sz, sizeof(sz)) : "");
			printf("%-12s %-5s 1/%-7.0f %-12s %6.3f %6.3f %9llu %8s %6lluK  thr %u, "
			       "epoch %llu ms, ds 1/%u%s\n", r->wl, tracker_names[r->trk],
			       1 / r->budget, cfg_names[r->cfg], r->r.recall, r->r.precision,
			       (unsigned long long)r->r.overflows, rec,
			       (unsigned long long)(r->r.tracker_bytes / 1024), r->r.threshold,
			       (unsigned long long)(r->r.epoch_ns / 1000000), 1u << r->r.ds_log2,
			       extra);
		}
		return;
	}
	j = json_object_new_object();
	arr = json_object_new_array();
	for (i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		struct json_object *c = json_object_new_object();

		json_object_object_add(c, "workload", json_object_new_string(r->wl));
		json_object_object_add(c, "tracker", json_object_new_string(tracker_names[r->trk]));
		json_object_object_add(c, "budget", json_object_new_double(r->budget));
		json_object_object_add(c, "config", json_object_new_string(cfg_names[r->cfg]));
		json_object_object_add(c, "recall", json_object_new_double(r->r.recall));
		json_object_object_add(c, "precision", json_object_new_double(r->r.precision));
		json_object_object_add(c, "overflows", json_object_new_uint64(r->r.overflows));
		json_object_object_add(c, "recovery_epochs", r->r.recovery < 0 ? NULL :
				       json_object_new_int(r->r.recovery));
		json_object_object_add(c, "tracker_bytes", json_object_new_uint64(r->r.tracker_bytes));
		json_object_object_add(c, "dropped", json_object_new_uint64(r->r.dropped));
		json_object_object_add(c, "entries", json_object_new_uint64(r->r.entries));
		json_object_object_add(c, "intervals", json_object_new_uint64(r->r.intervals));
		json_object_object_add(c, "threshold", json_object_new_uint64(r->r.threshold));
		json_object_object_add(c, "epoch_ns", json_object_new_uint64(r->r.epoch_ns));
		json_object_object_add(c, "downsample", json_object_new_uint64(1u << r->r.ds_log2));
		json_object_object_add(c, "reprograms", json_object_new_uint64(r->r.reprograms));
		if (r->cfg == CFG_ADAPTIVE && o->ranges)
			json_object_object_add(c, "max_ranges", json_object_new_uint64(o->ranges));
		if (r->cfg == CFG_ADAPTIVE && o->coarse)
			json_object_object_add(c, "coarse_unit", json_object_new_uint64(o->coarse));
		json_object_array_add(arr, c);
	}
	json_object_object_add(j, "cases", arr);
	hm_print_json(j);
}

static int compare(const struct copts *o)
{
	size_t nr = (size_t)o->nr_wl * o->nr_trk * o->nr_budget * NR_CFG, n = 0;
	struct row *rows = calloc(nr ? nr : 1, sizeof(*rows));
	double (*series)[4096] = calloc(NR_CFG, sizeof(*series));
	unsigned int w, t, b, k;
	int ret = 0;

	if (!rows || !series) {
		free(rows);
		free(series);
		return hm_fail(CMD, "compare", "out of memory");
	}
	for (w = 0; w < o->nr_wl && !ret; w++) {
		for (t = 0; t < o->nr_trk && !ret; t++) {
			for (b = 0; b < o->nr_budget && !ret; b++) {
				struct hm_chmu_eval_case c;
				size_t first = n;
				char label[256];

				ret = wl_case(o, o->wl[w], &c);
				if (ret)
					break;
				c.tracker = tracker_kinds[o->trk[t]];
				c.budget = o->budget[b];
				snprintf(label, sizeof(label), "%s-%s-1_%.0f",
					 strchr(o->wl[w], ':') ? "spec" : o->wl[w],
					 tracker_names[o->trk[t]], 1 / o->budget[b]);
				for (k = 0; k < NR_CFG && !ret; k++) {
					struct row *r = &rows[n];

					if (!o->cfg[k])
						continue;
					*r = (struct row){ .wl = o->wl[w], .trk = o->trk[t],
							   .budget = o->budget[b], .cfg = k,
							   .fixed = cfg_fixed[k] };
					c.adaptive = k == CFG_ADAPTIVE;
					c.max_ranges = c.adaptive ? (uint32_t)o->ranges : 0;
					c.coarse_log2 = c.adaptive && o->coarse ?
								(uint32_t)__builtin_ctzll(o->coarse) : 0;
					c.fixed = cfg_fixed[k];
					c.log = k == CFG_ADAPTIVE && o->log ? log_change : NULL;
					c.log_arg = label;
					ret = k == CFG_EXPERT ?
						      expert(&c, r, series[n - first], 4096) :
						      run_one(&c, r, series[n - first], 4096);
					n++;
				}
				if (!ret && o->out)
					ret = write_series(o, rows + first, (unsigned int)(n - first),
							   series, label);
			}
		}
	}
	if (!ret)
		print_rows(o, rows, n);
	free(rows);
	free(series);
	return ret;
}

int hm_cmd_chmu_compare(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "workload", required_argument, NULL, 'w' },
		{ "tracker", required_argument, NULL, 't' },
		{ "budget", required_argument, NULL, 'b' },
		{ "config", required_argument, NULL, 'c' },
		{ "units", required_argument, NULL, 'k' },
		{ "ranges", required_argument, NULL, 'r' },
		{ "coarse", required_argument, NULL, 'g' },
		{ "duration", required_argument, NULL, 'd' },
		{ "interval", required_argument, NULL, 'i' },
		{ "seed", required_argument, NULL, 's' },
		{ "out", required_argument, NULL, 'o' },
		{ "log", no_argument, NULL, 'l' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct copts o = { .units = 1024, .duration_ns = 12000000000ull,
			   .interval_ns = 1000000000ull, .seed = 1 };
	unsigned int k;
	size_t at;
	int c, ret;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
		switch (c) {
		case 'w':
		case 't':
		case 'b':
		case 'c':
			ret = parse_list(c, optarg, &o);
			if (ret)
				return ret;
			break;
		case 'k':
			if (hm_opt_u64(CMD, "--units", optarg, 1, 1u << 20, &o.units))
				return HM_EXIT_USAGE;
			break;
		case 'r':
			if (hm_opt_u64(CMD, "--ranges", optarg, 1, HM_CHMU_CTL_MAX_RANGES, &o.ranges))
				return HM_EXIT_USAGE;
			break;
		case 'g':
			if (hm_opt_size(CMD, "--coarse", optarg, 8192, 2ull << 20, &o.coarse))
				return HM_EXIT_USAGE;
			if (o.coarse & (o.coarse - 1))
				return hm_usage_err(CMD, "--coarse", "'%s' is not a power of two",
						    optarg);
			break;
		case 'd':
		case 'i':
			if (hm_parse_duration(optarg, 1000000, c == 'd' ? &o.duration_ns :
							       &o.interval_ns, &at) ||
			    !(c == 'd' ? o.duration_ns : o.interval_ns))
				return hm_usage_err(CMD, c == 'd' ? "--duration" : "--interval",
						    "'%s' is not a duration such as 500ms or 16s",
						    optarg);
			break;
		case 's':
			if (hm_opt_u64(CMD, "--seed", optarg, 0, UINT64_MAX, &o.seed))
				return HM_EXIT_USAGE;
			break;
		case 'o':
			o.out = optarg;
			break;
		case 'l':
			o.log = true;
			break;
		case 'j':
			o.json = true;
			break;
		case 'h':
			fputs(hm_chmu_compare_usage, stdout);
			return HM_EXIT_OK;
		default:
			return hm_getopt_err(CMD, c, argv);
		}
	}
	if (optind < argc)
		return hm_usage_err(CMD, argv[optind], "unexpected argument");
	if (o.interval_ns < 10000000 || o.interval_ns > 10000000000ull)
		return hm_usage_err(CMD, "--interval", "%llu ms: from 10 ms to 10 s",
				    (unsigned long long)(o.interval_ns / 1000000));
	if (o.duration_ns < o.interval_ns || o.duration_ns / o.interval_ns > 4096)
		return hm_usage_err(CMD, "--duration", "from one interval to 4096 of them");
	if (o.coarse && !o.ranges)
		return hm_usage_err(CMD, "--coarse", "needs --ranges (how many ranges the coarse "
				    "instance chooses for the fine one)");
	if (!o.nr_wl) {
		o.wl[o.nr_wl++] = "hotset";
		o.wl[o.nr_wl++] = "zipf1.0";
		o.wl[o.nr_wl++] = "moving";
	}
	if (!o.nr_trk)
		for (k = 0; k < 4; k++)
			o.trk[o.nr_trk++] = (int)k;
	if (!o.nr_budget)
		o.budget[o.nr_budget++] = 1.0 / 64;
	for (k = 0; k < NR_CFG && !o.cfg[k]; k++)
		;
	if (k == NR_CFG)
		for (k = 0; k < NR_CFG; k++)
			o.cfg[k] = true;
	return compare(&o);
}
