// SPDX-License-Identifier: MIT
/*
 * hotmem report: read a monitoring record and show it.
 *   access   one aggregation window: a temperature strip and a table of regions
 *   heatmap  time x address, in the terminal or as PNG/SVG through gnuplot
 *   wss      working-set size percentiles over the record
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <hotmem/parse.h>

#include "cli.h"
#include "output.h"
#include "record.h"

#define CMD "report"

extern char **environ;

const char hm_report_usage[] =
	"usage: hotmem report access FILE [--snapshot N] [--target ID] [--json]\n"
	"       hotmem report heatmap FILE [--target ID] [--rows N] [--cols N]\n"
	"                                  [--output FILE.png|FILE.svg] [--json]\n"
	"       hotmem report wss FILE [--target ID] [--min-accesses N]\n"
	"                              [--percentiles LIST] [--json]\n"
	"\n"
	"Show a monitoring record (docs/records.md), as written by\n"
	"'hotmem demo --record FILE'.\n"
	"\n"
	"access: one aggregation window (the last, or --snapshot N counting from 0;\n"
	"  negative counts from the end): per region its address range, size, access\n"
	"  rate (nr_accesses over the samples of the window), age, and estimated\n"
	"  accesses when a counting source fed it; above the table a strip of 80\n"
	"  temperature digits, each for 1/80 of the monitored bytes (temperature as\n"
	"  damo defines it: access rate and age, negative when idle; 0 coldest, 9\n"
	"  hottest).\n"
	"heatmap: access rate over time (rows, oldest first) and address (columns,\n"
	"  monitored bytes only, gaps skipped), from ' ' (0%) to '@' (100%).\n"
	"  --output draws it with gnuplot instead (PNG or SVG by the file name).\n"
	"wss: per window, the bytes of regions with at least --min-accesses (1)\n"
	"  accesses; printed as percentiles over the windows (--percentiles,\n"
	"  default 0,25,50,75,100).\n"
	"\n"
	"  --target ID   which target (default: the first of the record)\n"
	"  --json        JSON instead of text\n";

static const char levels[] = " .:-=+*#%@";

struct pcts {
	uint64_t v[101];
	unsigned int n;
};

static int add_pct(uint64_t lo, uint64_t hi, void *arg)
{
	struct pcts *p = arg;

	for (; lo <= hi && p->n < 101; lo++)
		p->v[p->n++] = lo;
	return 0;
}

struct opts {
	const char *file;
	struct pcts pct;
	long snapshot;
	bool have_snapshot;
	int32_t target;
	bool have_target;
	uint64_t rows, cols, min_acc;
	const char *output;
	const char *pcts;
	bool json;
};

static const struct hm_record_target *find_target(const struct hm_record_snapshot *s, int32_t id)
{
	uint32_t i;

	for (i = 0; i < s->nr_targets; i++)
		if (s->targets[i].id == id)
			return &s->targets[i];
	return NULL;
}

static const char *age_str(uint64_t us, char *buf, size_t len)
{
	if (us >= 60000000)
		snprintf(buf, len, "%.1f min", (double)us / 60e6);
	else if (us >= 1000000)
		snprintf(buf, len, "%.1f s", (double)us / 1e6);
	else
		snprintf(buf, len, "%llu ms", (unsigned long long)(us / 1000));
	return buf;
}

/* damo's temperature: weights 0 (size), 100 (rate %), 100 (age µs); idle is negative. */
static double temperature(const struct hm_record_region *r, uint64_t spa, uint64_t aggr_us)
{
	double rate = 100.0 * r->nr_accesses / (double)spa;
	double age_us = (double)r->age * (double)aggr_us;

	return rate > 0 ? 100.0 * rate + 100.0 * age_us : -100.0 * age_us;
}

static void heat_strip(const struct hm_record_target *t, uint64_t spa, uint64_t aggr_us,
		       char *out, unsigned int cols)
{
	double tmin = 0, tmax = 0;
	uint64_t total = 0, off = 0;
	uint32_t i, j = 0;
	unsigned int c;

	for (i = 0; i < t->nr_regions; i++) {
		double x = temperature(&t->regions[i], spa, aggr_us);

		total += t->regions[i].end - t->regions[i].start;
		if (!i || x < tmin)
			tmin = x;
		if (!i || x > tmax)
			tmax = x;
	}
	for (c = 0; c < cols; c++) {
		uint64_t mid = (uint64_t)(((unsigned __int128)total * (2 * c + 1)) / (2 * cols));
		double x;

		while (j < t->nr_regions &&
		       off + (t->regions[j].end - t->regions[j].start) <= mid) {
			off += t->regions[j].end - t->regions[j].start;
			j++;
		}
		if (j >= t->nr_regions) {
			out[c] = ' ';
			continue;
		}
		x = temperature(&t->regions[j], spa, aggr_us);
		out[c] = (char)('0' + (tmax > tmin ? (int)(9.0 * (x - tmin) / (tmax - tmin) + 0.5) : 9));
	}
	out[cols] = '\0';
}

static int report_access(const struct hm_record *rec, const struct opts *o)
{
	const struct hm_record_snapshot *s;
	const struct hm_record_target *t;
	uint64_t spa, total = 0;
	long idx = o->have_snapshot ? o->snapshot : (long)rec->nr_snaps - 1;
	double bw = 0;
	uint32_t i;

	if (!rec->nr_snaps)
		return hm_fail(CMD, o->file, "the record holds no aggregation window");
	if (idx < 0)
		idx += (long)rec->nr_snaps;
	if (idx < 0 || idx >= (long)rec->nr_snaps)
		return hm_usage_err(CMD, "--snapshot", "%ld is outside the record's %zu windows",
				    o->snapshot, rec->nr_snaps);
	s = &rec->snaps[idx];
	t = find_target(s, o->have_target ? o->target : rec->targets[0].id);
	if (!t)
		return hm_usage_err(CMD, "--target", "no target %d in window %ld",
				    o->have_target ? o->target : rec->targets[0].id, idx);
	spa = hm_record_samples_per_aggr(s);

	if (o->json) {
		struct json_object *j = json_object_new_object(), *rs = json_object_new_array();

		json_object_object_add(j, "snapshot", json_object_new_int64(idx));
		json_object_object_add(j, "time_ns", json_object_new_uint64(s->time_ns));
		json_object_object_add(j, "target", json_object_new_int(t->id));
		json_object_object_add(j, "samples_per_aggr", json_object_new_uint64(spa));
		for (i = 0; i < t->nr_regions; i++) {
			const struct hm_record_region *r = &t->regions[i];
			struct json_object *x = json_object_new_object();

			json_object_object_add(x, "start", json_object_new_uint64(r->start));
			json_object_object_add(x, "end", json_object_new_uint64(r->end));
			json_object_object_add(x, "nr_accesses", json_object_new_uint64(r->nr_accesses));
			json_object_object_add(x, "access_rate_pct",
					       json_object_new_double(100.0 * r->nr_accesses / (double)spa));
			json_object_object_add(x, "age_us",
					       json_object_new_uint64((uint64_t)r->age * s->aggr_us));
			json_object_object_add(x, "est_accesses", json_object_new_uint64(r->est_accesses));
			json_object_array_add(rs, x);
		}
		json_object_object_add(j, "regions", rs);
		return hm_print_json(j);
	}

	{
		static const char *const hdr[] = { "region", "start", "end", "size",
						   "access rate", "age", "est accesses" };
		struct hm_table *tbl = hm_table_new(7, hdr, "rllrrrr");
		char strip[81], sz[32], age[32];

		if (!tbl)
			return hm_fail(CMD, "output", "%s", strerror(ENOMEM));
		for (i = 0; i < t->nr_regions; i++) {
			const struct hm_record_region *r = &t->regions[i];
			char est[32] = "-";

			if (r->est_accesses)
				snprintf(est, sizeof(est), "%llu", (unsigned long long)r->est_accesses);
			hm_table_rowf(tbl, "%u\t0x%llx\t0x%llx\t%s\t%.0f%%\t%s\t%s", i,
				      (unsigned long long)r->start, (unsigned long long)r->end,
				      hm_fmt_iec(r->end - r->start, sz, sizeof(sz)),
				      100.0 * r->nr_accesses / (double)spa,
				      age_str((uint64_t)r->age * s->aggr_us, age, sizeof(age)), est);
			total += r->end - r->start;
			bw += (double)(r->end - r->start) * r->nr_accesses;
		}
		heat_strip(t, spa, s->aggr_us, strip, 80);
		printf("%s: window %ld of %zu, at %.3f s; target %d; %u regions\n", o->file, idx,
		       rec->nr_snaps, (double)s->time_ns / 1e9, t->id, t->nr_regions);
		printf("temperature: %s\n\n", strip);
		hm_table_print(tbl, stdout);
		hm_table_free(tbl);
		printf("\ntotal %s; access-weighted bytes %.3g per second (damo's bandwidth "
		       "estimate)\n",
		       hm_fmt_iec(total, sz, sizeof(sz)),
		       bw / ((double)s->aggr_us / 1e6 ? (double)s->aggr_us / 1e6 : 1));
	}
	return HM_EXIT_OK;
}

/* The monitored bytes of target @id, as one line: total and the regions of
 * the first window that has it, for the heatmap's address axis. */
static uint64_t span_of(const struct hm_record *rec, int32_t id, uint64_t *lo, uint64_t *hi)
{
	uint64_t best = 0;
	size_t i;

	*lo = UINT64_MAX;
	*hi = 0;
	for (i = 0; i < rec->nr_snaps; i++) {
		const struct hm_record_target *t = find_target(&rec->snaps[i], id);
		uint64_t tot = 0;
		uint32_t k;

		if (!t || !t->nr_regions)
			continue;
		for (k = 0; k < t->nr_regions; k++)
			tot += t->regions[k].end - t->regions[k].start;
		if (t->regions[0].start < *lo)
			*lo = t->regions[0].start;
		if (t->regions[t->nr_regions - 1].end > *hi)
			*hi = t->regions[t->nr_regions - 1].end;
		if (tot > best)
			best = tot;
	}
	return best;
}

/*
 * Access rate per cell: rows are equal slices of the windows, columns equal
 * slices of [lo, hi); each cell averages the rate of the bytes it covers.
 */
static void heat_grid(const struct hm_record *rec, int32_t id, uint64_t lo, uint64_t hi,
		      unsigned int rows, unsigned int cols, double *grid)
{
	double *w = calloc((size_t)rows * cols, sizeof(double));
	uint64_t width = hi - lo;
	size_t i;
	unsigned int c;

	memset(grid, 0, (size_t)rows * cols * sizeof(double));
	for (i = 0; w && i < rec->nr_snaps; i++) {
		const struct hm_record_target *t = find_target(&rec->snaps[i], id);
		unsigned int row = (unsigned int)(i * rows / rec->nr_snaps);
		uint64_t spa = hm_record_samples_per_aggr(&rec->snaps[i]);
		uint32_t k;

		if (!t)
			continue;
		for (k = 0; k < t->nr_regions; k++) {
			const struct hm_record_region *r = &t->regions[k];
			double rate = 100.0 * r->nr_accesses / (double)spa;

			for (c = 0; c < cols; c++) {
				uint64_t cs = lo + (uint64_t)((unsigned __int128)width * c / cols);
				uint64_t ce = lo + (uint64_t)((unsigned __int128)width * (c + 1) / cols);
				uint64_t a = r->start > cs ? r->start : cs;
				uint64_t b = r->end < ce ? r->end : ce;

				if (b <= a)
					continue;
				grid[row * cols + c] += rate * (double)(b - a);
				w[row * cols + c] += (double)(b - a);
			}
		}
	}
	for (i = 0; w && i < (size_t)rows * cols; i++)
		grid[i] = w[i] > 0 ? grid[i] / w[i] : -1;	/* -1: nothing monitored */
	free(w);
}

static int run_gnuplot(const char *script, const char *output)
{
	char *argv[] = { "gnuplot", (char *)script, NULL };
	pid_t pid;
	int status;

	if (posix_spawnp(&pid, "gnuplot", NULL, NULL, argv, environ))
		return hm_fail(CMD, output, "gnuplot not found: install gnuplot-nox "
					    "(scripts/deps.sh) for PNG or SVG output");
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		return hm_fail(CMD, output, "gnuplot failed");
	return 0;
}

static int heatmap_plot(const double *grid, unsigned int rows, unsigned int cols,
			const struct hm_record *rec, uint64_t lo, uint64_t hi,
			const char *output)
{
	char data[] = "/tmp/hotmem-heatmap-XXXXXX", script[] = "/tmp/hotmem-plot-XXXXXX";
	const char *ext = strrchr(output, '.');
	bool svg = ext && !strcmp(ext, ".svg");
	double secs = rec->nr_snaps ? (double)rec->snaps[rec->nr_snaps - 1].time_ns / 1e9 : 0;
	int fd, fs, ret;
	FILE *f;
	unsigned int r, c;

	if (!ext || (strcmp(ext, ".png") && strcmp(ext, ".svg")))
		return hm_usage_err(CMD, "--output", "'%s' must end in .png or .svg", output);
	fd = mkstemp(data);
	fs = mkstemp(script);
	if (fd < 0 || fs < 0)
		return hm_fail(CMD, "heatmap", "temporary file: %s", strerror(errno));
	f = fdopen(fd, "w");
	for (r = 0; r < rows; r++) {
		for (c = 0; c < cols; c++)
			fprintf(f, "%s%.2f", c ? " " : "", grid[r * cols + c] < 0 ? 0 :
								   grid[r * cols + c]);
		fputc('\n', f);
	}
	fclose(f);
	f = fdopen(fs, "w");
	/* cells in real units: MiB from the first address, seconds */
	double xw = (double)(hi - lo) / cols / (1 << 20), yh = secs / rows;

	fprintf(f, "set terminal %s size 1000,600\n", svg ? "svg" : "pngcairo");
	fprintf(f, "set output '%s'\n", output);
	fprintf(f, "set title 'access rate (%%) over time and address'\n");
	fprintf(f, "set xlabel 'address: MiB from 0x%llx'\n", (unsigned long long)lo);
	fprintf(f, "set ylabel 'time (s)'\n");
	fprintf(f, "set xrange [0:%g]\nset yrange [0:%g]\n", xw * cols, yh * rows);
	fprintf(f, "set cbrange [0:100]\nset palette rgb 33,13,10\nunset key\n");
	fprintf(f, "plot '%s' matrix using (($1 + 0.5) * %g):(($2 + 0.5) * %g):3 with image\n",
		data, xw, yh);
	fclose(f);
	ret = run_gnuplot(script, output);
	unlink(data);
	unlink(script);
	return ret;
}

static int report_heatmap(const struct hm_record *rec, const struct opts *o)
{
	int32_t id = o->have_target ? o->target : rec->targets[0].id;
	unsigned int rows = (unsigned int)o->rows, cols = (unsigned int)o->cols, r, c;
	uint64_t lo, hi;
	double *grid;
	int ret = HM_EXIT_OK;

	if (!rec->nr_snaps)
		return hm_fail(CMD, o->file, "the record holds no aggregation window");
	if (!span_of(rec, id, &lo, &hi))
		return hm_usage_err(CMD, "--target", "target %d has no regions in the record", id);
	if (rows > rec->nr_snaps)
		rows = (unsigned int)rec->nr_snaps;
	grid = calloc((size_t)rows * cols, sizeof(*grid));
	if (!grid)
		return hm_fail(CMD, "heatmap", "%s", strerror(ENOMEM));
	heat_grid(rec, id, lo, hi, rows, cols, grid);

	if (o->output) {
		ret = heatmap_plot(grid, rows, cols, rec, lo, hi, o->output);
	} else if (o->json) {
		struct json_object *j = json_object_new_object(), *g = json_object_new_array();

		json_object_object_add(j, "target", json_object_new_int(id));
		json_object_object_add(j, "start", json_object_new_uint64(lo));
		json_object_object_add(j, "end", json_object_new_uint64(hi));
		json_object_object_add(j, "duration_ns",
				       json_object_new_uint64(rec->snaps[rec->nr_snaps - 1].time_ns));
		for (r = 0; r < rows; r++) {
			struct json_object *row = json_object_new_array();

			for (c = 0; c < cols; c++)
				json_object_array_add(row, json_object_new_double(grid[r * cols + c]));
			json_object_array_add(g, row);
		}
		json_object_object_add(j, "access_rate_pct", g);
		ret = hm_print_json(j);
	} else {
		printf("%s: access rate, target %d, %zu windows in %u rows; address 0x%llx-0x%llx "
		       "in %u columns\n", o->file, id, rec->nr_snaps, rows, (unsigned long long)lo,
		       (unsigned long long)hi, cols);
		for (r = 0; r < rows; r++) {
			size_t first = (size_t)r * rec->nr_snaps / rows;

			printf("%8.2f s |", (double)rec->snaps[first].time_ns / 1e9);
			for (c = 0; c < cols; c++) {
				double v = grid[r * cols + c];

				putchar(v < 0 ? ' ' : levels[(int)(v / 100.0 * 9.0 + 0.5)]);
			}
			printf("|\n");
		}
		printf("           scale: '%c' 0%% .. '%c' 100%% (blank: not monitored)\n",
		       levels[0], levels[9]);
	}
	free(grid);
	return ret;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static int report_wss(const struct hm_record *rec, const struct opts *o)
{
	int32_t id = o->have_target ? o->target : rec->targets[0].id;
	const struct pcts *p = &o->pct;
	uint64_t *wss;
	size_t i, n = 0;
	unsigned int k;
	char buf[32];

	if (!rec->nr_snaps)
		return hm_fail(CMD, o->file, "the record holds no aggregation window");
	wss = calloc(rec->nr_snaps, sizeof(*wss));
	if (!wss)
		return hm_fail(CMD, "wss", "%s", strerror(ENOMEM));
	for (i = 0; i < rec->nr_snaps; i++) {
		const struct hm_record_target *t = find_target(&rec->snaps[i], id);
		uint32_t r;

		if (!t)
			continue;
		for (r = 0; r < t->nr_regions; r++)
			if (t->regions[r].nr_accesses >= o->min_acc)
				wss[n] += t->regions[r].end - t->regions[r].start;
		n++;
	}
	if (!n) {
		free(wss);
		return hm_usage_err(CMD, "--target", "target %d is in no window of the record", id);
	}
	qsort(wss, n, sizeof(*wss), cmp_u64);
	if (o->json) {
		struct json_object *j = json_object_new_object(), *a = json_object_new_array();

		json_object_object_add(j, "target", json_object_new_int(id));
		json_object_object_add(j, "windows", json_object_new_uint64(n));
		json_object_object_add(j, "min_accesses", json_object_new_uint64(o->min_acc));
		for (k = 0; k < p->n; k++) {
			struct json_object *x = json_object_new_object();

			json_object_object_add(x, "percentile", json_object_new_uint64(p->v[k]));
			json_object_object_add(x, "wss_bytes",
					       json_object_new_uint64(wss[(n - 1) * p->v[k] / 100]));
			json_object_array_add(a, x);
		}
		json_object_object_add(j, "percentiles", a);
		free(wss);
		return hm_print_json(j);
	}
	printf("%s: working set of target %d over %zu windows (regions with >= %llu accesses)\n",
	       o->file, id, n, (unsigned long long)o->min_acc);
	for (k = 0; k < p->n; k++)
		printf("  p%-3llu %s\n", (unsigned long long)p->v[k],
		       hm_fmt_iec(wss[(n - 1) * p->v[k] / 100], buf, sizeof(buf)));
	free(wss);
	return HM_EXIT_OK;
}

int hm_cmd_report(int argc, char **argv)
{
	enum { O_SNAP = 256, O_TARGET, O_ROWS, O_COLS, O_OUT, O_MIN, O_PCT, O_JSON };
	static const struct option opts[] = {
		{ "snapshot", required_argument, NULL, O_SNAP },
		{ "target", required_argument, NULL, O_TARGET },
		{ "rows", required_argument, NULL, O_ROWS },
		{ "cols", required_argument, NULL, O_COLS },
		{ "output", required_argument, NULL, O_OUT },
		{ "min-accesses", required_argument, NULL, O_MIN },
		{ "percentiles", required_argument, NULL, O_PCT },
		{ "json", no_argument, NULL, O_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct opts o = { .rows = 24, .cols = 80, .min_acc = 1, .pcts = "0,25,50,75,100" };
	struct hm_record *rec;
	const char *what;
	char err[1024], *end;
	uint64_t v;
	int c, ret;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		ret = 0;
		switch (c) {
		case O_SNAP:
			errno = 0;
			o.snapshot = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg)
				return hm_usage_err(CMD, "--snapshot", "'%s' is not a number", optarg);
			o.have_snapshot = true;
			break;
		case O_TARGET:
			ret = hm_opt_u64(CMD, "--target", optarg, 0, INT32_MAX, &v);
			o.target = (int32_t)v;
			o.have_target = true;
			break;
		case O_ROWS:
			ret = hm_opt_u64(CMD, "--rows", optarg, 1, 10000, &o.rows);
			break;
		case O_COLS:
			ret = hm_opt_u64(CMD, "--cols", optarg, 1, 1000, &o.cols);
			break;
		case O_OUT:
			o.output = optarg;
			break;
		case O_MIN:
			ret = hm_opt_u64(CMD, "--min-accesses", optarg, 0, UINT32_MAX, &o.min_acc);
			break;
		case O_PCT:
			o.pcts = optarg;
			break;
		case O_JSON:
			o.json = true;
			break;
		case 'h':
			hm_print_usage(hm_find_command(CMD), false);
			return HM_EXIT_OK;
		default:
			return hm_getopt_err(CMD, c, argv);
		}
		if (ret)
			return ret;
	}
	{
		size_t at = 0;
		int pret = hm_parse_list(o.pcts, 100, add_pct, &o.pct, &at);

		if (pret == -ERANGE)
			return hm_usage_err(CMD, "--percentiles",
					    "'%s' has a percentile above 100", o.pcts);
		if (pret)
			return hm_usage_err(CMD, "--percentiles",
					    "'%s' is not a list of percentiles 0-100 such as "
					    "0,50,100 (the problem starts at offset %zu)", o.pcts, at);
	}
	if (optind >= argc)
		return hm_usage_err(CMD, "-", "missing what to report: access, heatmap or wss");
	what = argv[optind];
	if (strcmp(what, "access") && strcmp(what, "heatmap") && strcmp(what, "wss"))
		return hm_usage_err(CMD, what, "unknown report (access, heatmap or wss)");
	if (optind + 2 != argc)
		return hm_usage_err(CMD, what, optind + 1 >= argc ? "missing the record file" :
								      "one record at a time");
	o.file = argv[optind + 1];
	ret = hm_record_read(o.file, &rec, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "hotmem: %s: %s\n", CMD, err);
		return ret == -EINVAL ? HM_EXIT_USAGE : HM_EXIT_FAIL;
	}
	if (!rec->nr_targets) {
		hm_record_free(rec);
		return hm_fail(CMD, o.file, "the record has no target");
	}
	if (!strcmp(what, "access"))
		ret = report_access(rec, &o);
	else if (!strcmp(what, "heatmap"))
		ret = report_heatmap(rec, &o);
	else
		ret = report_wss(rec, &o);
	hm_record_free(rec);
	return ret;
}
