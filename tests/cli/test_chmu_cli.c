// SPDX-License-Identifier: MIT
/*
 * hotmem chmu as a user meets it: caps, config (the RFC's example event
 * accepted, downsampling_factor=32 refused naming the field, the qemu
 * preset refusing type 6), emulate (the acceptance run, an exact tracker
 * scoring 1.0/1.0, exhaustion, interleave, a trace, determinism, the
 * adaptive controller in charge) and
 * decode reading back what emulate wrote, perf's dump text, and refusing
 * what is not AUX data - every error one line with exit code 2.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "../hm_test.h"
#include "cli_util.h"

#define RFC_EVENT                                                                        \
	"cxl_hmu_mem0.0.0/epoch_type=0,access_type=6,hotness_threshold=1024,"            \
	"epoch_multiplier=4,epoch_scale=4,range_base=0,range_size=1024,hotness_granual=12/"
#define RFC_DOC_EVENT                                                                     \
	"cxl_hmu_mem0.0.0/epoch_type=0,access_type=6,hotness_threshold=1024,"             \
	"epoch_multiplier=4,epoch_scale=4,range_base=0,range_size=1024,"                  \
	"randomized_downsampling=0,downsampling_factor=32,hotness_granual=12/"

static char dir[] = "/tmp/hotmem-chmu-XXXXXX";

static const char *path(const char *name)
{
	static char p[8][256];
	static unsigned int k;

	k = (k + 1) % 8;
	snprintf(p[k], sizeof(p[k]), "%s/%s", dir, name);
	return p[k];
}

static double get_double(struct json_object *o, const char *key)
{
	struct json_object *v;

	assert_true(json_object_object_get_ex(o, key, &v));
	return json_object_get_double(v);
}

static const char *get_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	assert_true(json_object_object_get_ex(o, key, &v));
	return json_object_get_string(v);
}

static struct json_object *ok_json(const char *const *args)
{
	struct json_object *o;
	struct run r;

	run(&r, args);
	if (code(&r))
		fail_msg("exit %d: %s", code(&r), r.err);
	assert_int_equal(r.nerr, 0);
	o = parse_json(r.out);
	done(&r);
	return o;
}

static void test_caps(void **state)
{
	static const char *const a[] = { "chmu", "caps", NULL };
	static const char *const b[] = { "chmu", "caps", "--preset", "qemu", "--json", NULL };
	struct json_object *o, *t;
	struct run r;

	(void)state;
	run(&r, a);
	assert_int_equal(code(&r), 0);
	assert_non_null(strstr(r.out, "1024 entries"));
	assert_non_null(strstr(r.out, "6 (all read/write)"));
	done(&r);
	o = ok_json(b);
	assert_true(json_object_object_get_ex(o, "access_types", &t));
	assert_int_equal(json_object_array_length(t), 3);
	assert_int_equal(get_u64(o, "hotlist_entries"), 1024);
	json_object_put(o);
}

static void test_config(void **state)
{
	static const char *const a[] = { "chmu", "config", RFC_EVENT, NULL };
	static const char *const b[] = { "chmu", "config", RFC_EVENT, "--json", NULL };
	static const char *const c[] = { "chmu", "config", RFC_DOC_EVENT, NULL };
	static const char *const d[] = { "chmu", "config", RFC_EVENT, "--preset", "qemu", NULL };
	static const char *const e[] = { "chmu", "config", "cxl_hmu_mem0.0.0/access_type=6", NULL };
	struct json_object *o, *s, *w;
	struct run r;

	(void)state;
	run(&r, a);
	assert_int_equal(code(&r), 0);
	assert_non_null(strstr(r.out, "config 0x11018, config1 0xc00000400, config2 0x40000000000"));
	assert_non_null(strstr(r.out, "0x0000040000010606"));
	done(&r);
	o = ok_json(b);
	assert_true(json_object_object_get_ex(o, "settings", &s));
	assert_int_equal(get_u64(s, "counter_width"), 16);
	assert_int_equal(get_u64(s, "epoch_ns"), 400000000);
	assert_true(json_object_object_get_ex(o, "writes", &w));
	assert_int_equal(json_object_array_length(w), 5);
	json_object_put(o);
	/* the acceptance: the documented example's downsampling_factor=32 is refused */
	run(&r, c);
	assert_int_equal(code(&r), 2);
	assert_one_error_line(&r, "hotmem: chmu: downsampling_factor: 32 is a log2");
	done(&r);
	run(&r, d);
	assert_int_equal(code(&r), 2);
	assert_one_error_line(&r, "hotmem: chmu: access_type: 6 is not supported; this device "
				  "tracks 1 (non-TEE read), 2 (non-TEE write), 3 (non-TEE "
				  "read/write)");
	done(&r);
	run(&r, e);
	assert_int_equal(code(&r), 2);
	assert_one_error_line(&r, "hotmem: chmu: EVENT: missing the closing '/'");
	done(&r);
}

static uint64_t file_size(const char *p)
{
	struct stat st;

	assert_int_equal(stat(p, &st), 0);
	return (uint64_t)st.st_size;
}

/* The acceptance run, shortened to 300 ms of stream time. */
static void test_emulate_and_decode(void **state)
{
	const char *out = path("accept.aux");
	const char *a[] = { "chmu", "emulate", "--workload", "hotset:size=1G,hot=64M,frac=0.9",
			    "--tracker", "cms:4x16384+1024", "--duration", "300ms", "--out", out,
			    "--json", NULL };
	const char *b[] = { "chmu", "decode", out, "--unit", "4K", "--json", NULL };
	const char *c[] = { "chmu", "emulate", "--workload", "hotset:size=1G,hot=64M,frac=0.9",
			    "--tracker", "cms:4x16384+1024", "--duration", "300ms", "--out", out,
			    NULL };
	const char *d[] = { "chmu", "decode", out, NULL };
	struct json_object *o, *q, *batches;
	uint64_t entries = 0, in_hot = 0, aux, n;
	double p, rc;
	size_t i, j;
	struct run r;

	(void)state;
	o = ok_json(a);
	p = get_double(o, "precision");
	rc = get_double(o, "recall");
	/* 1024 candidates against 16384 hot units: exact where it reports, 1/16 of them */
	assert_true(p > 0.99 && p <= 1.0);
	assert_true(rc > 0.05 && rc < 0.08);
	assert_int_equal(get_u64(o, "windows"), 3);
	assert_int_equal(get_u64(o, "dropped"), 0);
	aux = get_u64(o, "aux_batches");
	n = get_u64(o, "entries");
	assert_true(aux > 0);
	json_object_put(o);
	/* decode reads back every batch and entry */
	q = ok_json(b);
	assert_true(json_object_object_get_ex(q, "batches", &batches));
	assert_int_equal(json_object_array_length(batches), aux);
	for (i = 0; i < json_object_array_length(batches); i++) {
		struct json_object *bt = json_object_array_get_idx(batches, i), *es;

		assert_int_equal(get_u64(bt, "counter_width"), 16);
		assert_true(json_object_object_get_ex(bt, "entries", &es));
		for (j = 0; j < json_object_array_length(es); j++) {
			struct json_object *e = json_object_array_get_idx(es, j);

			assert_int_equal(get_u64(e, "dpa"), get_u64(e, "unit") * 4096);
			/* counts clear the threshold; nearly all in the hot set, the
			 * first 64 MiB (a sketch may overcount a cold unit past it) */
			assert_true(get_u64(e, "count") >= 16);
			in_hot += get_u64(e, "dpa") < (64ull << 20);
			entries++;
		}
	}
	assert_int_equal(entries, n);
	assert_true(in_hot * 100 >= entries * 99);
	assert_int_equal(file_size(out), 16 * aux + 8 * n);
	json_object_put(q);
	/* the text form says the same */
	run(&r, c);
	assert_int_equal(code(&r), 0);
	assert_non_null(strstr(r.out, "precision "));
	assert_non_null(strstr(r.out, "recall "));
	done(&r);
	run(&r, d);
	assert_int_equal(code(&r), 0);
	assert_non_null(strstr(r.out, "batch"));
	done(&r);
}

static struct json_object *emulate(const char *tracker, const char *extra1, const char *extra2)
{
	const char *a[20] = { "chmu", "emulate", "--workload", "hotset:size=256M,hot=16M,frac=0.9",
			      "--tracker", tracker, "--duration", "200ms", "--out",
			      path("e.aux"), "--json" };
	unsigned int n = 11;

	if (extra1)
		a[n++] = extra1;
	if (extra2)
		a[n++] = extra2;
	a[n] = NULL;
	return ok_json(a);
}

static void test_emulate_trackers(void **state)
{
	struct json_object *o;

	(void)state;
	/* an oracle reports exactly the true hot set */
	o = emulate("exact", NULL, NULL);
	assert_true(get_double(o, "precision") == 1.0);
	assert_true(get_double(o, "recall") == 1.0);
	assert_true(get_u64(o, "true_hot_units") > 0);
	json_object_put(o);
	/* 1024 counters for 4096 hot units: the table fills, recall falls, nothing lies */
	o = emulate("table:1024", NULL, NULL);
	assert_true(get_double(o, "precision") == 1.0);
	assert_true(get_double(o, "recall") < 0.5);
	assert_true(get_u64(o, "untracked") > 0);
	json_object_put(o);
	/* interleaved over two devices at 4 KiB: each device's oracle is still exact */
	o = emulate("exact", "--ways", "2");
	assert_true(get_double(o, "recall") == 1.0);
	assert_int_equal(get_u64(o, "devices"), 2);
	json_object_put(o);
	assert_true(file_size(path("e.aux.0")) > 0);
	assert_true(file_size(path("e.aux.1")) > 0);
	/* downsampling 1 in 4: the threshold applies to the sampled count */
	o = emulate("exact", "--downsample", "4");
	assert_true(get_double(o, "recall") > 0.9);
	json_object_put(o);
	/* always on: entries as counters reach the threshold */
	o = emulate("exact", "--mode", "always-on");
	assert_true(get_double(o, "recall") > 0.99);
	json_object_put(o);
}

static void test_emulate_deterministic(void **state)
{
	const char *a[] = { "chmu", "emulate", "--workload", "zipf:size=256M", "--tracker",
			    "topk:256", "--duration", "100ms", "--out", path("d.aux"), "--json",
			    "--random", "--downsample", "2", NULL };
	struct run r1, r2;

	(void)state;
	run(&r1, a);
	run(&r2, a);
	assert_int_equal(code(&r1), 0);
	assert_string_equal(r1.out, r2.out);
	done(&r1);
	done(&r2);
}

/*
 * --adaptive: from a threshold no page reaches in an epoch, the controller
 * lowers it and shortens the epoch, says why, and the consumer's 256 pages
 * are the planted hot megabyte; the batches decode, the run repeats exactly.
 */
static void test_emulate_adaptive(void **state)
{
	const char *out = path("a.aux");
	const char *a[] = { "chmu", "emulate", "--adaptive", "--workload",
			    "hotset:size=256M,hot=1M,frac=0.9", "--tracker", "table:1024",
			    "--threshold", "4000", "--duration", "3s", "--units", "256", "--out",
			    out, "--json", NULL };
	const char *b[] = { "chmu", "decode", out, "--json", NULL };
	const char *c[] = { "chmu", "emulate", "--adaptive", "--workload",
			    "hotset:size=256M,hot=1M,frac=0.9", "--tracker", "table:1024",
			    "--threshold", "4000", "--duration", "3s", "--units", "256", "--out",
			    out, NULL };
	struct json_object *o, *q, *ch, *x, *batches;
	struct run r1, r2;
	size_t i;

	(void)state;
	o = ok_json(a);
	assert_string_equal(get_str(o, "mode"), "adaptive");
	assert_int_equal(get_u64(o, "intervals"), 3);
	assert_true(get_double(o, "recall") >= 0.95);
	assert_true(get_double(o, "precision") >= 0.95);
	assert_true(get_u64(o, "threshold") < 4000);
	assert_true(get_u64(o, "reprograms") >= 1);
	assert_true(json_object_object_get_ex(o, "changes", &ch));
	assert_true(json_object_array_length(ch) >= 1);
	x = json_object_array_get_idx(ch, 0);
	assert_string_equal(get_str(x, "knob"), "threshold");
	assert_int_equal(get_u64(x, "from"), 4000);
	assert_true(get_u64(x, "to") < 4000);
	for (i = 0; i < json_object_array_length(ch); i++)
		assert_true(strlen(get_str(json_object_array_get_idx(ch, i), "why")) > 10);
	q = ok_json(b);
	assert_true(json_object_object_get_ex(q, "batches", &batches));
	assert_int_equal(json_object_array_length(batches), get_u64(o, "aux_batches"));
	json_object_put(q);
	json_object_put(o);
	/* the text names each change with its reason, and repeats exactly */
	run(&r1, c);
	run(&r2, c);
	assert_int_equal(code(&r1), 0);
	assert_non_null(strstr(r1.out, "epoch 1: threshold 4000 -> "));
	assert_non_null(strstr(r1.out, "fewer than the 256 wanted"));
	assert_string_equal(r1.out, r2.out);
	done(&r1);
	done(&r2);
}

/* A hand-made trace: 1 ms epochs, threshold 2; unit 1 is hot in the first only. */
static void test_emulate_trace(void **state)
{
	const char *t = path("t.trace");
	const char *a[] = { "chmu", "emulate", "--trace", t, "--tracker", "exact", "--epoch",
			    "1ms", "--threshold", "2", "--duration", "5ms", "--out",
			    path("t.aux"), "--json", NULL };
	const char *b[] = { "chmu", "emulate", "--trace", path("missing"), NULL };
	FILE *f = fopen(t, "w");
	struct json_object *o;
	struct run r;

	(void)state;
	assert_non_null(f);
	fprintf(f, "# time_ns addr r|w cpu\n"
		   "100 0x1000 r 0\n200 0x1040 w 0\n300 0x2000 r 1\n"	/* unit 1 twice */
		   "1500000 0x2000 r 0\n1600000 0x2000 r 0\n1700000 0x2000 r 0\n"
		   "3000000 0x3000 r 0\n");
	fclose(f);
	o = ok_json(a);
	/* window 1: unit 1; window 2: unit 2; windows 3 (and the partial 4th) nothing */
	assert_int_equal(get_u64(o, "reported_units"), 2);
	assert_int_equal(get_u64(o, "true_hot_units"), 2);
	assert_int_equal(get_u64(o, "accesses"), 7);
	assert_int_equal(get_u64(o, "windows"), 3);
	json_object_put(o);
	run(&r, b);
	assert_int_equal(code(&r), 1);
	assert_one_error_line(&r, "hotmem: chmu: ");
	done(&r);
}

static void test_decode_dump(void **state)
{
	const char *t = path("dump.txt");
	const char *a[] = { "chmu", "decode", t, "--json", NULL };
	const char *b[] = { "chmu", "decode", t, "--csv", "--unit", "4K", "--decoder",
			    "0x100000000,1G,2,256,1", NULL };
	FILE *f = fopen(t, "w");
	struct json_object *o, *bs, *es;
	struct run r;
	size_t i;

	(void)state;
	fprintf(f, ". ... CXL_HMU data: size 80 bytes\nHeader 0: units: 8 counter_width 10\n"
		   "Header 1 : deadbeef\n0000000000000283\n0000000000010364\n0000000000020366\n"
		   "000000000003033c\n0000000000040343\n00000000000502ff\n000000000006030d\n"
		   "000000000007031a\n");
	fclose(f);
	o = ok_json(a);
	assert_true(json_object_object_get_ex(o, "batches", &bs));
	assert_int_equal(json_object_array_length(bs), 1);
	assert_true(json_object_object_get_ex(json_object_array_get_idx(bs, 0), "entries", &es));
	assert_int_equal(json_object_array_length(es), 8);
	for (i = 0; i < 8; i++)
		assert_int_equal(get_u64(json_object_array_get_idx(es, i), "unit"), i);
	json_object_put(o);
	run(&r, b);
	assert_int_equal(code(&r), 0);
	assert_int_equal(lines(r.out), 9);
	/* unit 1: DPA 0x1000, chunk 16 of a 2-way 256-byte set at position 1 */
	assert_non_null(strstr(r.out, "0,1,868,0x1000,0x100002100\n"));
	done(&r);
}

/* compare: one case per configuration with the acceptance's keys, the same twice */
static void test_compare(void **state)
{
	const char *a[] = { "chmu", "compare", "--workload",
			    "hotset:size=256M,hot=1M,frac=0.9,rate=100K,move=2s", "--tracker",
			    "topk", "--budget", "1/64", "--units", "256", "--duration", "6s",
			    "--out", path("cmp"), "--json", NULL };
	static const char *const keys[] = { "workload", "tracker", "budget", "config", "recall",
					     "precision", "overflows", "recovery_epochs",
					     "tracker_bytes" };
	static const char *const cfgs[] = { "adaptive", "pghot", "qemu", "tuned-expert" };
	struct json_object *o, *cases, *c, *v;
	struct run r1, r2;
	size_t i, k;

	(void)state;
	o = ok_json(a);
	assert_true(json_object_object_get_ex(o, "cases", &cases));
	assert_int_equal(json_object_array_length(cases), 4);
	for (i = 0; i < 4; i++) {
		c = json_object_array_get_idx(cases, i);
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (!json_object_object_get_ex(c, keys[k], &v))
				fail_msg("case %zu has no %s", i, keys[k]);
		json_object_object_get_ex(c, "config", &v);
		assert_string_equal(json_object_get_string(v), cfgs[i]);
		assert_true(get_double(c, "budget") == 1.0 / 64);
		assert_true(get_double(c, "recall") >= 0 && get_double(c, "recall") <= 1);
		assert_true(get_double(c, "precision") >= 0 && get_double(c, "precision") <= 1);
		/* one 256 MiB device: 1024 counters of topk at 16 bytes */
		assert_int_equal(get_u64(c, "tracker_bytes"), 16384);
		json_object_object_get_ex(c, "recovery_epochs", &v);
		assert_non_null(v);	/* the hot set moves every 2 s */
	}
	/* the expert is the best of its grid by F1, the grid holding pghot's threshold */
	assert_true(get_double(json_object_array_get_idx(cases, 3), "recall") >=
		    get_double(json_object_array_get_idx(cases, 1), "recall") - 1e-9 ||
		    get_double(json_object_array_get_idx(cases, 3), "precision") >
			    get_double(json_object_array_get_idx(cases, 1), "precision"));
	/* qemu's threshold is above the ~140 a hot page gets in 400 ms here: nothing reported */
	assert_true(get_double(json_object_array_get_idx(cases, 2), "recall") == 0);
	json_object_put(o);
	assert_true(file_size(path("cmp/spec-topk-1_64-adaptive.csv")) > 0);
	/* deterministic */
	run(&r1, a);
	run(&r2, a);
	assert_string_equal(r1.out, r2.out);
	done(&r1);
	done(&r2);
	/* --log: the controller's changes on stderr, a line each with its reason */
	{
		const char *l[] = { "chmu", "compare", "--workload",
				    "hotset:size=256M,hot=1M,frac=0.9,rate=100K", "--tracker", "topk",
				    "--config", "adaptive", "--units", "64", "--duration", "6s",
				    "--log", NULL };

		run(&r1, l);
		assert_int_equal(code(&r1), 0);
		if (!strstr(r1.err, "hotmem: chmu compare: spec-topk-1_64: epoch "))
			fail_msg("no change logged: '%s'", r1.err);
		assert_non_null(strstr(r1.err, "threshold 16 -> "));
		assert_non_null(strstr(r1.out, "adaptive"));
		done(&r1);
	}
	/* --ranges with --coarse: a coarse instance leads the fine one to the hot set */
	{
		const char *g[] = { "chmu", "compare", "--workload",
				    "hotset:size=2G,hot=2M,frac=0.3,rate=2M,move=1s", "--tracker",
				    "table", "--budget", "1/256", "--config", "adaptive", "--units",
				    "512", "--duration", "3s", "--ranges", "1", "--coarse", "2M",
				    "--json", NULL };
		struct json_object *jg = ok_json(g), *cs, *x;

		assert_true(json_object_object_get_ex(jg, "cases", &cs));
		x = json_object_array_get_idx(cs, 0);
		assert_int_equal(get_u64(x, "max_ranges"), 1);
		assert_int_equal(get_u64(x, "coarse_unit"), 2u << 20);
		assert_true(get_double(x, "recall") >= 0.95);
		json_object_put(jg);
	}
}

static void test_errors(void **state)
{
	static const struct {
		const char *args[12];
		const char *prefix;
	} cases[] = {
		{ { "chmu" }, "hotmem: chmu: -: missing the subcommand" },
		{ { "chmu", "probe" }, "hotmem: chmu: probe: unknown subcommand" },
		{ { "chmu", "compare", "--workload", "gups" }, "hotmem: chmu compare: --workload: 'gups': not one of" },
		{ { "chmu", "compare", "--workload", "zipf:size=1G,s=0" }, "hotmem: chmu compare: --workload: s:" },
		{ { "chmu", "compare", "--tracker", "exact" }, "hotmem: chmu compare: --tracker: 'exact': not table" },
		{ { "chmu", "compare", "--budget", "1/0" }, "hotmem: chmu compare: --budget: '1/0': not a ratio" },
		{ { "chmu", "compare", "--budget", "2" }, "hotmem: chmu compare: --budget: '2': not a ratio" },
		{ { "chmu", "compare", "--config", "best" }, "hotmem: chmu compare: --config: 'best': not adaptive" },
		{ { "chmu", "compare", "--interval", "1ms" }, "hotmem: chmu compare: --interval: 1 ms: from 10 ms" },
		{ { "chmu", "compare", "--duration", "2h" }, "hotmem: chmu compare: --duration: from one interval" },
		{ { "chmu", "compare", "extra" }, "hotmem: chmu compare: extra: unexpected argument" },
		{ { "chmu", "compare", "--coarse", "2M" }, "hotmem: chmu compare: --coarse: needs --ranges" },
		{ { "chmu", "compare", "--coarse", "4M" }, "hotmem: chmu compare: --coarse: '4M' is out of range" },
		{ { "chmu", "compare", "--coarse", "12K" }, "hotmem: chmu compare: --coarse: '12K' is not a power of two" },
		{ { "chmu", "compare", "--ranges", "0" }, "hotmem: chmu compare: --ranges: '0' is out of range" },
		{ { "chmu", "compare", "--workload", "hotset:size=1G,hot=1M", "--budget", "1/100000000" }, "hotmem: chmu compare: hotset:size=1G,hot=1M: budget" },
		{ { "chmu", "caps", "--preset", "cxl3" }, "hotmem: chmu: --preset: 'cxl3' is not" },
		{ { "chmu", "config" }, "hotmem: chmu: config: missing the event" },
		{ { "chmu", "config", "access_typo=6" }, "hotmem: chmu: EVENT: access_typo: not a field" },
		{ { "chmu", "decode" }, "hotmem: chmu: decode: missing the file" },
		{ { "chmu", "decode", "x", "--dpa-skip", "4K" }, "hotmem: chmu: --dpa-skip: needs --decoder" },
		{ { "chmu", "decode", "x", "--decoder", "1,2,3" }, "hotmem: chmu: --decoder: '1,2,3' is not" },
		{ { "chmu", "decode", "x", "--decoder", "0,1G,2,256,0" }, "hotmem: chmu: --decoder: needs --unit" },
		{ { "chmu", "emulate", "--csv" }, "hotmem: chmu: --csv: not an option of chmu emulate" },
		{ { "chmu", "emulate", "--tracker", "oracle" }, "hotmem: chmu: --tracker: 'oracle' is not a tracker" },
		{ { "chmu", "emulate", "--epoch", "150us" }, "hotmem: chmu: --epoch: 150000 ns cannot be written" },
		{ { "chmu", "emulate", "--downsample", "3" }, "hotmem: chmu: --downsample: 3 is not a power of two" },
		{ { "chmu", "emulate", "--unit", "100" }, "hotmem: chmu: --unit: '100' is out of range" },
		{ { "chmu", "emulate", "--ways", "5" }, "hotmem: chmu: --ways: ways: 5" },
		{ { "chmu", "emulate", "--ways", "2", "--granularity", "300" },
		  "hotmem: chmu: --granularity: granularity: 300" },
		{ { "chmu", "emulate", "--workload", "gups" }, "hotmem: chmu: --workload: 'gups' is not a workload" },
		{ { "chmu", "emulate", "--workload", "uniform:size=1T" }, "hotmem: chmu: --workload: its span ends" },
		{ { "chmu", "emulate", "--threshold", "70000" },
		  "hotmem: chmu: hotness_threshold: 70000 does not fit the 16-bit counter" },
		{ { "chmu", "emulate", "--preset", "qemu", "--mode", "always-on" },
		  "hotmem: chmu: epoch_type: 1 (always on) is not supported" },
		{ { "chmu", "emulate", "--workload", "uniform:size=1M", "--trace", "t" },
		  "hotmem: chmu: --trace: give --workload or --trace" },
		{ { "chmu", "emulate", "--units", "8" }, "hotmem: chmu: --units: needs --adaptive" },
		{ { "chmu", "emulate", "--interval", "2s" }, "hotmem: chmu: --interval: needs --adaptive" },
		{ { "chmu", "emulate", "--adaptive", "--trace", "t" },
		  "hotmem: chmu: --trace: --adaptive is scored against a generated stream" },
		{ { "chmu", "emulate", "--adaptive", "--mode", "always-on" },
		  "hotmem: chmu: --mode: --adaptive reprograms between epochs" },
		{ { "chmu", "emulate", "--adaptive", "--unit", "8K" },
		  "hotmem: chmu: --unit: --adaptive works on 4 KiB units" },
		{ { "chmu", "emulate", "--adaptive", "--duration", "500ms" },
		  "hotmem: chmu: --duration: shorter than --interval" },
		{ { "chmu", "emulate", "--adaptive", "--units", "0" }, "hotmem: chmu: --units: '0' is out" },
	};
	const char *garbage = path("garbage.aux");
	const char *g[] = { "chmu", "decode", garbage, NULL };
	FILE *f;
	unsigned int i;
	struct run r;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		run(&r, cases[i].args);
		if (code(&r) != 2 || strncmp(r.err, cases[i].prefix, strlen(cases[i].prefix)))
			print_message("case %u: exit %d, stderr: %s", i, code(&r), r.err);
		assert_int_equal(code(&r), 2);
		assert_one_error_line(&r, cases[i].prefix);
		done(&r);
	}
	f = fopen(garbage, "wb");
	fwrite("\0\0\0\0\0\0\0\0not a batch, not a dump", 1, 30, f);
	fclose(f);
	run(&r, g);
	assert_int_equal(code(&r), 2);
	assert_one_error_line(&r, "hotmem: chmu: ");
	assert_non_null(strstr(r.err, "offset 8: header marker"));
	done(&r);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) ? -1 : 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_emulate_and_decode),
		cmocka_unit_test(test_emulate_trackers),
		cmocka_unit_test(test_emulate_deterministic),
		cmocka_unit_test(test_emulate_adaptive),
		cmocka_unit_test(test_emulate_trace),
		cmocka_unit_test(test_decode_dump),
		cmocka_unit_test(test_compare),
		cmocka_unit_test(test_errors),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name(__FILE__, tests, setup, teardown);
}
