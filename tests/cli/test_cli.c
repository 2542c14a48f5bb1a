// SPDX-License-Identifier: MIT
/*
 * The hotmem command as a user meets it: run the built binary, capture its
 * stdout, stderr and exit code, and check them. The binary's path comes from
 * HOTMEM_BIN (set by meson).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "../hm_test.h"
#include "cli_util.h"

static void test_help(void **state)
{
	static const char *const a[] = { "--help", NULL };
	static const char *const b[] = { "help", NULL };
	static const char *const c[] = { "help", "--json", NULL };
	struct json_object *o, *cmds;
	struct run r1, r2, r3;
	size_t i;

	(void)state;
	run(&r1, a);
	run(&r2, b);
	run(&r3, c);
	assert_int_equal(code(&r1), 0);
	assert_int_equal(code(&r2), 0);
	assert_int_equal(code(&r3), 0);
	assert_string_equal(r1.out, r2.out);
	/* every command of the table is listed */
	o = parse_json(r3.out);
	assert_true(json_object_object_get_ex(o, "commands", &cmds));
	assert_true(json_object_array_length(cmds) >= 3);
	for (i = 0; i < json_object_array_length(cmds); i++) {
		struct json_object *cmd = json_object_array_get_idx(cmds, i), *n;

		assert_true(json_object_object_get_ex(cmd, "name", &n));
		assert_non_null(strstr(r1.out, json_object_get_string(n)));
	}
	assert_non_null(strstr(r1.out, "demo"));
	json_object_put(o);
	done(&r1);
	done(&r2);
	done(&r3);
}

static void test_no_args(void **state)
{
	static const char *const a[] = { NULL };
	struct run r;

	(void)state;
	run(&r, a);
	assert_int_equal(code(&r), 2);
	assert_non_null(strstr(r.err, "usage: hotmem"));
	assert_int_equal(r.nout, 0);
	done(&r);
}

static void test_unknown_command(void **state)
{
	static const char *const a[] = { "nosuch", NULL };
	static const char *const b[] = { "--frob", NULL };
	static const char *const c[] = { "help", "nosuch", NULL };
	struct run r;

	(void)state;
	run(&r, a);
	assert_int_equal(code(&r), 2);
	assert_one_error_line(&r, "hotmem: nosuch: unknown command: ");
	done(&r);
	run(&r, b);
	assert_int_equal(code(&r), 2);
	assert_one_error_line(&r, "hotmem: --frob: unknown option: ");
	done(&r);
	run(&r, c);
	assert_int_equal(code(&r), 2);
	assert_one_error_line(&r, "hotmem: help: nosuch: unknown command");
	done(&r);
}

static void test_version(void **state)
{
	static const char *const a[] = { "version", NULL };
	static const char *const b[] = { "version", "--json", NULL };
	static const char *const c[] = { "--version", NULL };
	struct json_object *o, *v;
	struct run r1, r2, r3;

	(void)state;
	run(&r1, a);
	run(&r2, b);
	run(&r3, c);
	assert_int_equal(code(&r1), 0);
	assert_string_equal(r1.out, r3.out);
	o = parse_json(r2.out);
	assert_true(json_object_object_get_ex(o, "version", &v));
	assert_true(strlen(json_object_get_string(v)) > 0);
	assert_non_null(strstr(r1.out, json_object_get_string(v)));
	json_object_put(o);
	done(&r1);
	done(&r2);
	done(&r3);
}

/* Every command answers --help, the same as "hotmem help <command>". */
static void test_command_help(void **state)
{
	static const char *const names[] = { "config", "demo", "help", "pipeline", "report", "sim", "version" };
	unsigned int i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		const char *a[] = { names[i], "--help", NULL };
		const char *b[] = { "help", names[i], NULL };
		struct run r1, r2;

		run(&r1, a);
		run(&r2, b);
		assert_int_equal(code(&r1), 0);
		assert_int_equal(code(&r2), 0);
		assert_non_null(strstr(r1.out, "usage: hotmem"));
		assert_string_equal(r1.out, r2.out);
		done(&r1);
		done(&r2);
	}
}

/* Bad options: exit 2, one line, naming the option. */
static void test_bad_options(void **state)
{
	static const struct {
		const char *args[8];
		const char *prefix;
	} cases[] = {
		{ { "pipeline", "--threads", "0" }, "hotmem: pipeline: --threads: '0' is out of range" },
		{ { "pipeline", "--threads", "65" }, "hotmem: pipeline: --threads: '65' is out of range" },
		{ { "pipeline", "--threads", "x" }, "hotmem: pipeline: --threads: 'x' is not a number" },
		{ { "pipeline", "--threads" }, "hotmem: pipeline: --threads: missing value" },
		{ { "pipeline", "--span", "1X" }, "hotmem: pipeline: --span: '1X' is not a size" },
		{ { "pipeline", "--cpus", "5-3" }, "hotmem: pipeline: --cpus: '5-3' is not a CPU list" },
		{ { "pipeline", "--cpus", "4096" }, "hotmem: pipeline: --cpus: '4096' names a CPU above" },
		{ { "pipeline", "--straddle", "foo" }, "hotmem: pipeline: --straddle: 'foo' is neither" },
		{ { "pipeline", "--ring-entries", "3" }, "hotmem: pipeline: --ring-entries: '3' is not a power of two" },
		{ { "pipeline", "--windows", "0" }, "hotmem: pipeline: --windows: '0' is out of range" },
		{ { "pipeline", "--min-regions", "2000", "--max-regions", "4000", "--span=4M" },
		  "hotmem: pipeline: --min-regions: 2000 regions do not fit" },
		{ { "pipeline", "--min-regions", "20", "--max-regions", "10" },
		  "hotmem: pipeline: --min-regions: 20 is above --max-regions 10" },
		{ { "config" }, "hotmem: config: check: missing the file" },
		{ { "config", "frob", "x" }, "hotmem: config: frob: unknown subcommand" },
		{ { "config", "check", "a", "b" }, "hotmem: config: check: one file at a time" },
		{ { "report" }, "hotmem: report: -: missing what to report" },
		{ { "report", "nosuch", "x" }, "hotmem: report: nosuch: unknown report" },
		{ { "report", "access" }, "hotmem: report: access: missing the record file" },
		{ { "report", "wss", "x", "--percentiles", "5,200" },
		  "hotmem: report: --percentiles: '5,200' has a percentile above 100" },
		{ { "report", "wss", "x", "--percentiles", "5,x" },
		  "hotmem: report: --percentiles: '5,x' is not a list of percentiles" },
		{ { "pipeline", "--frob" }, "hotmem: pipeline: --frob: unknown option" },
		{ { "pipeline", "--json=1" }, "hotmem: pipeline: --json=1: unknown option" },
		{ { "pipeline", "-x" }, "hotmem: pipeline: -: unknown option '-x'" },
		{ { "pipeline", "extra" }, "hotmem: pipeline: extra: unexpected argument" },
		{ { "version", "extra" }, "hotmem: version: extra: unexpected argument" },
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct run r;

		run(&r, cases[i].args);
		if (code(&r) != 2 || strncmp(r.err, cases[i].prefix,
					     strlen(cases[i].prefix)))
			print_message("case %u: exit %d, stderr: %s", i, code(&r), r.err);
		assert_int_equal(code(&r), 2);
		assert_one_error_line(&r, cases[i].prefix);
		done(&r);
	}
}

static struct json_object *demo_json(const char *const *extra)
{
	const char *a[16] = { "pipeline", "--json" };
	struct json_object *o;
	unsigned int i;
	struct run r;

	for (i = 0; extra && extra[i]; i++)
		a[2 + i] = extra[i];
	a[2 + i] = NULL;
	run(&r, a);
	assert_int_equal(code(&r), 0);
	assert_int_equal(r.nerr, 0);
	o = parse_json(r.out);
	done(&r);
	return o;
}

/*
 * The demo's JSON: complete, consistent, and the monitor finds the hot
 * window: bytes there are accessed in far more samples than elsewhere.
 */
static void test_demo_json(void **state)
{
	struct json_object *o = demo_json(NULL), *regs, *dr, *ri;
	uint64_t span, base, n, spw, prev_end = 0;
	double hot_w = 0, hot_b = 0, cold_w = 0, cold_b = 0;
	size_t i;

	(void)state;
	assert_true(json_object_object_get_ex(o, "regions", &regs));
	assert_true(json_object_object_get_ex(o, "drain", &dr));
	assert_true(json_object_object_get_ex(o, "rings", &ri));
	span = get_u64(o, "span");
	spw = get_u64(o, "samples_per_window");
	assert_int_equal(spw, 20);
	assert_int_equal(get_u64(o, "windows"), 10);
	n = json_object_array_length(regs);
	assert_true(n >= 10 && n <= 1000);
	base = get_u64(json_object_array_get_idx(regs, 0), "start");
	for (i = 0; i < n; i++) {
		struct json_object *g = json_object_array_get_idx(regs, i);
		uint64_t start = get_u64(g, "start") - base, end = get_u64(g, "end") - base;
		uint64_t nr = get_u64(g, "nr_accesses");
		double mid = (double)(start + end) / 2;

		assert_true(start >= prev_end);		/* sorted, disjoint */
		assert_true(start < end);
		assert_true(nr <= spw);
		prev_end = end;
		/* the hot window is [span/4, span/4 + span/8) */
		if (mid >= span / 4.0 && mid < span / 4.0 + span / 8.0) {
			hot_w += (double)nr * (double)(end - start);
			hot_b += (double)(end - start);
		} else {
			cold_w += (double)nr * (double)(end - start);
			cold_b += (double)(end - start);
		}
	}
	assert_int_equal(prev_end, span);	/* the whole span is covered */
	assert_true(hot_b > 0 && cold_b > 0);
	/* hot bytes were seen in (nearly) every sample, cold ones rarely */
	assert_true(hot_w / hot_b > 0.9 * (double)spw);
	assert_true(hot_w / hot_b > 3 * (cold_w / cold_b));
	assert_int_equal(get_u64(dr, "drained"),
			 get_u64(dr, "applied") + get_u64(dr, "stale") +
				 get_u64(dr, "filtered") + get_u64(dr, "straddling") +
				 get_u64(dr, "unmatched") + get_u64(dr, "invalid"));
	assert_int_equal(get_u64(dr, "drained"), get_u64(ri, "accepted"));
	assert_int_equal(get_u64(dr, "drained"), get_u64(o, "threads") *
			 get_u64(o, "reports_per_sample") * get_u64(o, "windows") * spw);
	/* the demo injects stale and foreign-pid reports on purpose */
	assert_true(get_u64(dr, "stale") > 0);
	assert_true(get_u64(dr, "unmatched") > 0);
	json_object_put(o);
}

/* Same seed, same bytes; another seed, other bytes. */
static void test_demo_deterministic(void **state)
{
	static const char *const s2[] = { "--seed", "2", NULL };
	static const char *const t4[] = { "--threads", "4", "--reports", "500", NULL };
	struct json_object *a = demo_json(NULL), *b = demo_json(NULL);
	struct json_object *c = demo_json(s2), *d = demo_json(t4), *e = demo_json(t4);

	(void)state;
	assert_string_equal(json_object_to_json_string(a), json_object_to_json_string(b));
	assert_string_not_equal(json_object_to_json_string(a),
				json_object_to_json_string(c));
	assert_string_equal(json_object_to_json_string(d), json_object_to_json_string(e));
	json_object_put(a);
	json_object_put(b);
	json_object_put(c);
	json_object_put(d);
	json_object_put(e);
}

/* The demo's filters act: only CPU 1's reports pass --cpus 1. */
static void test_demo_filters(void **state)
{
	static const char *const cpus[] = { "--cpus", "1", NULL };
	static const char *const wo[] = { "--write-only", NULL };
	struct json_object *a = demo_json(cpus), *b = demo_json(wo), *dr;
	uint64_t drained, filtered;

	(void)state;
	assert_true(json_object_object_get_ex(a, "drain", &dr));
	drained = get_u64(dr, "drained");
	filtered = get_u64(dr, "filtered");
	/* two threads = CPUs 0 and 1; half of the fresh reports are CPU 0's */
	assert_true(filtered > drained * 45 / 100 && filtered < drained * 50 / 100);
	assert_true(json_object_object_get_ex(b, "drain", &dr));
	/* 70% are reads */
	assert_true(get_u64(dr, "filtered") > get_u64(dr, "drained") * 60 / 100);
	json_object_put(a);
	json_object_put(b);
}

/* The human table: a header row and one row per region. */
static void test_demo_table(void **state)
{
	/* four 256 MiB regions that can neither merge nor split */
	static const char *const a[] = { "pipeline", "--windows", "1", "--min-regions", "4",
					 "--max-regions", "4", NULL };
	struct run r;

	(void)state;
	run(&r, a);
	assert_int_equal(code(&r), 0);
	assert_non_null(strstr(r.out, "region  start"));
	assert_non_null(strstr(r.out, "age"));
	assert_non_null(strstr(r.out, "nr_accesses"));
	assert_non_null(strstr(r.out, "256 MiB"));
	assert_non_null(strstr(r.out, "\nreports: "));
	/* title, blank, header, 4 rows, blank, reports, rings */
	assert_int_equal(lines(r.out), 10);
	done(&r);
}

/* examples/report_substrate runs and finds its hot region (index 5). */
static void test_example(void **state)
{
	static const char *const none[] = { NULL };
	const char *dir = getenv("EXAMPLES_DIR");
	unsigned int idx = 0, hottest = 99, best = 0, nr, max = 0;
	char path[4096], *line, *save = NULL;
	struct run r;

	(void)state;
	assert_non_null(dir);
	snprintf(path, sizeof(path), "%s/report_substrate", dir);
	run_bin(&r, path, none);
	assert_int_equal(code(&r), 0);
	for (line = strtok_r(r.out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned long long a, b, est;

		if (sscanf(line, "[%llx, %llx) %u %llu", &a, &b, &nr, &est) == 4) {
			if (nr > best) {
				best = nr;
				hottest = idx;
			}
			idx++;
		}
		if (sscanf(line, "drained %*u reports, applied %*u, max nr_accesses %u",
			   &max) == 1)
			assert_int_equal(max, best);
	}
	assert_int_equal(idx, 8);
	assert_int_equal(hottest, 5);
	assert_int_equal(best, 20);	/* hit in every sample */
	done(&r);
}

static char *tmpfile_with(const char *text)
{
	static char path[64];
	int fd;

	strcpy(path, "/tmp/hotmem-cli-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

/* hotmem config check: valid files, their canonical JSON, and errors. */
static void test_config_check(void **state)
{
	char file[4096];
	const char *a[] = { "config", "check", file, NULL };
	const char *b[] = { "config", "check", file, "--json", NULL };
	static const char *const c[] = { "config", "check", "/nonexistent.json", NULL };
	struct json_object *o, *v;
	struct run r;

	(void)state;
	snprintf(file, sizeof(file), "%s/tiering.json", getenv("EXAMPLES_SRC"));
	run(&r, a);
	assert_int_equal(code(&r), 0);
	assert_non_null(strstr(r.out, "valid"));
	assert_non_null(strstr(r.out, "goal: node_eligible_mem_bp node 0 -> 70.00%"));
	done(&r);
	run(&r, b);
	assert_int_equal(code(&r), 0);
	o = parse_json(r.out);
	assert_int_equal(get_u64(o, "version"), 1);
	assert_true(json_object_object_get_ex(o, "schemes", &v));
	assert_int_equal(json_object_array_length(v), 2);
	json_object_put(o);
	done(&r);
	/* each source's accounting by name, and what hotmem run makes of it */
	strcpy(file, tmpfile_with("{\"sources\": [{\"name\": \"ibs\", \"accounting\": "
				  "\"weighted\", \"scale\": 65536}, {\"name\": \"damon\"}, "
				  "{\"name\": \"page_idle\", \"accounting\": \"coverage\"}, "
				  "{\"name\": \"page-faults\"}]}"));
	run(&r, a);
	assert_int_equal(code(&r), 0);
	assert_non_null(strstr(r.out, "[0] ibs: weighted, scale 65536\n"));
	assert_non_null(strstr(r.out, "[1] damon: binary, scale 1 (hotmem run counts it with "
				      "coverage)\n"));
	assert_non_null(strstr(r.out, "[2] page_idle: coverage, scale 1\n"));
	assert_non_null(strstr(r.out, "[3] page-faults: binary, scale 1\n"));
	unlink(file);
	done(&r);
	/* invalid content: exit 2, one line with the file and the JSON path */
	strcpy(file, tmpfile_with("{\"schemes\": [{\"action\": \"migrate_hot\"}]}"));
	run(&r, a);
	assert_int_equal(code(&r), 2);
	assert_int_equal(lines(r.err), 1);
	assert_non_null(strstr(r.err, "hotmem: config: "));
	assert_non_null(strstr(r.err, ": $.schemes[0]: migrate_hot needs a destination"));
	unlink(file);
	done(&r);
	/* unreadable: exit 1 */
	run(&r, c);
	assert_int_equal(code(&r), 1);
	assert_one_error_line(&r, "hotmem: config: /nonexistent.json: No such file or directory");
	done(&r);
}

/*
 * The issue's acceptance path: a record made by the demo, read by
 * "hotmem report access" (a readable table) and drawn by "report heatmap".
 */
static void test_record_reports(void **state)
{
	char rec[64] = "/tmp/hotmem-rec-XXXXXX";
	int fd = mkstemp(rec);
	const char *mk[] = { "pipeline", "--windows", "12", "--record", rec, NULL };
	const char *acc[] = { "report", "access", rec, NULL };
	const char *accj[] = { "report", "access", rec, "--snapshot", "-1", "--json", NULL };
	const char *heat[] = { "report", "heatmap", rec, "--rows", "6", "--cols", "40", NULL };
	const char *wss[] = { "report", "wss", rec, "--json", NULL };
	const char *snap[] = { "report", "access", rec, "--snapshot", "99", NULL };
	struct json_object *o, *v;
	struct run r;
	unsigned int i;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	run(&r, mk);
	assert_int_equal(code(&r), 0);
	done(&r);

	run(&r, acc);
	assert_int_equal(code(&r), 0);
	assert_non_null(strstr(r.out, "window 11 of 12"));
	assert_non_null(strstr(r.out, "temperature: "));
	assert_non_null(strstr(r.out, "access rate"));
	assert_non_null(strstr(r.out, "100%"));	/* the hot window */
	done(&r);

	run(&r, accj);
	assert_int_equal(code(&r), 0);
	o = parse_json(r.out);
	assert_int_equal(get_u64(o, "snapshot"), 11);
	assert_true(json_object_object_get_ex(o, "regions", &v));
	assert_true(json_object_array_length(v) >= 10);
	json_object_put(o);
	done(&r);

	run(&r, heat);
	assert_int_equal(code(&r), 0);
	/* a title, six rows of 40 cells between bars, the scale */
	assert_int_equal(lines(r.out), 8);
	for (i = 0; i < 6; i++)
		assert_non_null(strstr(r.out, "@@@"));	/* the hot band */
	done(&r);

	run(&r, wss);
	assert_int_equal(code(&r), 0);
	o = parse_json(r.out);
	assert_int_equal(get_u64(o, "windows"), 12);
	assert_true(json_object_object_get_ex(o, "percentiles", &v));
	assert_int_equal(json_object_array_length(v), 5);
	assert_true(get_u64(json_object_array_get_idx(v, 0), "wss_bytes") <=
		    get_u64(json_object_array_get_idx(v, 4), "wss_bytes"));
	json_object_put(o);
	done(&r);

	run(&r, snap);
	assert_int_equal(code(&r), 2);
	assert_one_error_line(&r, "hotmem: report: --snapshot: 99 is outside the record's 12");
	done(&r);
	unlink(rec);
}

/* Damaged and missing records: one line, the file and line named. */
static void test_report_errors(void **state)
{
	const char *file = tmpfile_with("{\"format\": \"hotmem-record\", \"version\": 1, "
					"\"sample_interval_us\": 1, \"aggr_interval_us\": 1, "
					"\"targets\": []}\n{\"time_ns\": \"x\"}\n");
	const char *a[] = { "report", "access", file, NULL };
	static const char *const b[] = { "report", "access", "/nonexistent.jsonl", NULL };
	char prefix[128];
	struct run r;

	(void)state;
	run(&r, a);
	assert_int_equal(code(&r), 2);
	snprintf(prefix, sizeof(prefix), "hotmem: report: %s:2: $.time_ns: expected a number",
		 file);
	assert_one_error_line(&r, prefix);
	done(&r);
	unlink(file);
	run(&r, b);
	assert_int_equal(code(&r), 1);
	assert_one_error_line(&r, "hotmem: report: /nonexistent.jsonl: No such file or directory");
	done(&r);
	/* a record that cannot be created is a runtime failure: exit 1 */
	{
		static const char *const c[] = { "pipeline", "--record", "/nonexistent/dir/r.jsonl",
						 NULL };

		run(&r, c);
		assert_int_equal(code(&r), 1);
		assert_one_error_line(&r, "hotmem: pipeline: --record: /nonexistent/dir/r.jsonl: "
					  "No such file or directory");
		done(&r);
	}
}

/* PNG and SVG through gnuplot, when it is installed. */
static void test_heatmap_plot(void **state)
{
	char rec[64] = "/tmp/hotmem-rec-XXXXXX", png[80], svg[80];
	int fd = mkstemp(rec);
	const char *mk[] = { "pipeline", "--windows", "4", "--record", rec, NULL };
	const char *p[] = { "report", "heatmap", rec, "--output", png, NULL };
	const char *s[] = { "report", "heatmap", rec, "--output", svg, NULL };
	const char *bad[] = { "report", "heatmap", rec, "--output", "/tmp/x.gif", NULL };
	unsigned char magic[8];
	struct run r;
	FILE *f;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	run(&r, mk);
	assert_int_equal(code(&r), 0);
	done(&r);
	run(&r, bad);
	assert_int_equal(code(&r), 2);
	assert_one_error_line(&r, "hotmem: report: --output: '/tmp/x.gif' must end in .png or .svg");
	done(&r);
	if (system("command -v gnuplot >/dev/null 2>&1")) {
		unlink(rec);
		hm_skip("gnuplot is not installed (optional package gnuplot-nox)");
	}
	snprintf(png, sizeof(png), "%s.png", rec);
	snprintf(svg, sizeof(svg), "%s.svg", rec);
	run(&r, p);
	assert_int_equal(code(&r), 0);
	done(&r);
	f = fopen(png, "rb");
	assert_non_null(f);
	assert_int_equal(fread(magic, 1, 8, f), 8);
	fclose(f);
	assert_memory_equal(magic, "\x89PNG\r\n\x1a\n", 8);
	run(&r, s);
	assert_int_equal(code(&r), 0);
	done(&r);
	f = fopen(svg, "rb");
	assert_non_null(f);
	assert_true(fread(magic, 1, 5, f) == 5);
	fclose(f);
	assert_true(!memcmp(magic, "<?xml", 5) || !memcmp(magic, "<svg", 4));
	unlink(png);
	unlink(svg);
	unlink(rec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_check),
		cmocka_unit_test(test_record_reports),
		cmocka_unit_test(test_report_errors),
		cmocka_unit_test(test_heatmap_plot),
		cmocka_unit_test(test_example),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_no_args),
		cmocka_unit_test(test_unknown_command),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_command_help),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_demo_json),
		cmocka_unit_test(test_demo_deterministic),
		cmocka_unit_test(test_demo_filters),
		cmocka_unit_test(test_demo_table),
	};

	return hm_run_tests(tests);
}
