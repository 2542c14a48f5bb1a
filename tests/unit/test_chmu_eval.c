// SPDX-License-Identifier: MIT
/*
 * Scoring CHMU settings against the truth (lib/chmu/eval.c): a setting
 * that reports every hot page scores 1, one that reports nothing scores
 * 0; an interleave set's split counts are merged back per page; a moving
 * hot set's recovery is counted in intervals; the adaptive controller
 * finds a signal from a threshold no page reaches, and logs why; a coarse
 * instance guides a fine one to a moving hot set; the same case gives the
 * same result; bad cases are refused with a reason.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hotmem/chmu_eval.h>

#include "../hm_test.h"

#define MS 1000000ull
#define S 1000000000ull

/* 16 K pages, a hot set of 256 pages taking 90% of 200 K accesses/s */
#define HOT "hotset:size=64M,hot=1M,frac=0.9,rate=200K"

static void base_case(struct hm_chmu_eval_case *c, const char *spec)
{
	memset(c, 0, sizeof(*c));
	assert_int_equal(hm_workload_parse(spec, &c->wl[0], NULL, 0), 0);
	c->nr_wl = 1;
	c->ways = 1;
	c->granularity = 4096;
	c->tracker = HM_TRACKER_TOPK;
	c->budget = 1.0 / 16;	/* of a 256 MiB device (its least): 4096 counters */
	c->units = 256;
	c->interval_ns = S;
	c->duration_ns = 4 * S;
	c->fixed = (struct hm_chmu_eval_fixed){ 1, 0, S };
	c->seed = 7;
}

static void run(const struct hm_chmu_eval_case *c, struct hm_chmu_eval_result *r)
{
	char err[256];

	memset(r, 0, sizeof(*r));
	if (hm_chmu_eval_run(c, r, err, sizeof(err)))
		fail_msg("%s", err);
}

static void test_sizes(void **state)
{
	struct hm_tracker_spec t;

	(void)state;
	assert_int_equal(hm_chmu_eval_tracker(HM_TRACKER_CMS, 4096, &t), 0);
	assert_int_equal(t.candidates, 1024);
	assert_int_equal(t.depth * t.width + t.candidates, 4096);
	assert_int_equal(hm_chmu_eval_tracker(HM_TRACKER_LFU, 4096, &t), 0);
	assert_int_equal(t.sets * t.ways, 4096);
	assert_int_equal(hm_chmu_eval_tracker(HM_TRACKER_TABLE, 8, &t), -EINVAL);
	assert_int_equal(hm_chmu_eval_tracker(HM_TRACKER_EXACT, 4096, &t), -EINVAL);
	/* epochs are what scale x multiplier can say, rounded down */
	assert_int_equal(hm_chmu_eval_epoch(31250000), 31200000);
	assert_int_equal(hm_chmu_eval_epoch(400 * MS), 400 * MS);
	assert_int_equal(hm_chmu_eval_epoch(50000), 0);
}

static void test_all_and_nothing(void **state)
{
	struct hm_chmu_eval_case c;
	struct hm_chmu_eval_result r;
	double series[8];

	(void)state;
	base_case(&c, HOT);
	r.series = series;
	r.max_series = 8;
	memset(series, 0, sizeof(series));
	{
		char err[256];

		assert_int_equal(hm_chmu_eval_run(&c, &r, err, sizeof(err)), 0);
	}
	/* hot pages take ~700 accesses an interval, cold ones under one */
	printf("# threshold 1: recall %.4f precision %.4f, %llu entries\n", r.recall, r.precision,
	       (unsigned long long)r.entries);
	assert_int_equal(r.intervals, 4);
	assert_true(r.recall == 1.0 && r.precision == 1.0);
	assert_true(series[0] == 1.0 && series[3] == 1.0);
	assert_int_equal(r.recovery, -1);
	assert_int_equal(r.tracker_bytes, 4096 * 16);	/* topk: 16 bytes a counter */
	/* a threshold no page reaches (the counters are 16-bit): nothing chosen */
	c.fixed.threshold = 65535;
	run(&c, &r);
	assert_int_equal(r.entries, 0);
	assert_true(r.recall == 0.0 && r.precision == 0.0);
}

static void test_interleave_merged(void **state)
{
	struct hm_chmu_eval_case c;
	struct hm_chmu_eval_result r;

	(void)state;
	/* 256 B granules over 4 devices: each page's count is split four ways */
	base_case(&c, HOT);
	c.ways = 4;
	c.granularity = 256;
	run(&c, &r);
	printf("# 4 ways at 256 B: recall %.4f precision %.4f\n", r.recall, r.precision);
	assert_true(r.recall == 1.0 && r.precision == 1.0);
	/* 4 devices, each with the budget of its 256 MiB share */
	assert_int_equal(r.tracker_bytes, 4 * (uint64_t)(65536 / 16) * 16);
}

static void test_recovery(void **state)
{
	struct hm_chmu_eval_case c;
	struct hm_chmu_eval_result r, slow;

	(void)state;
	base_case(&c, HOT ",move=2s");
	c.duration_ns = 8 * S;
	run(&c, &r);
	/* epochs of one interval: the first whole interval after a move is clean */
	printf("# moving: recall %.4f, recovery %d\n", r.recall, r.recovery);
	assert_int_equal(r.recovery, 1);
	/* 2 s epochs report every other interval: the interval after a move may be empty */
	c.fixed.epoch_ns = 2 * S;
	run(&c, &slow);
	printf("# moving, 2 s epochs: recall %.4f, recovery %d\n", slow.recall, slow.recovery);
	assert_true(slow.recall < r.recall);
	assert_true(slow.recovery >= 1);
	/* a phase switch counts as a change of the hot set */
	base_case(&c, HOT);
	assert_int_equal(hm_workload_parse("hotset:size=64M,hot=1M,frac=0.9,rate=200K,base=32M",
					   &c.wl[1], NULL, 0), 0);
	c.nr_wl = 2;
	c.switch_ns[1] = 2 * S;
	run(&c, &r);
	assert_int_equal(r.recovery, 1);
}

struct trail {
	char line[64][200];
	unsigned int n;
};

static void logger(void *arg, unsigned int dev, const struct hm_chmu_ctl_change *ch)
{
	struct trail *t = arg;

	(void)dev;
	if (t->n < 64)
		hm_chmu_ctl_change_format(ch, t->line[t->n++], sizeof(t->line[0]));
}

static void test_adaptive(void **state)
{
	struct hm_chmu_eval_case c;
	struct hm_chmu_eval_result fixed, r, again;
	struct trail *t = calloc(2, sizeof(*t));
	unsigned int i;

	(void)state;
	assert_non_null(t);
	base_case(&c, HOT);
	c.duration_ns = 16 * S;
	c.fixed = (struct hm_chmu_eval_fixed){ 60000, 0, 100 * MS };
	run(&c, &fixed);
	assert_true(fixed.recall == 0.0);
	c.adaptive = true;
	c.log = logger;
	c.log_arg = &t[0];
	run(&c, &r);
	printf("# adaptive from threshold 60000: recall %.4f precision %.4f, threshold %u, "
	       "%llu reprograms, %u changes\n", r.recall, r.precision, r.threshold,
	       (unsigned long long)r.reprograms, t[0].n);
	for (i = 0; i < t[0].n && i < 3; i++)
		printf("#   %s\n", t[0].line[i]);
	assert_true(r.recall > 0.5);
	assert_true(r.threshold < 60000);
	assert_true(r.reprograms > 0);
	assert_true(t[0].n > 0);
	assert_non_null(strstr(t[0].line[0], "threshold 60000 -> "));
	assert_non_null(strstr(t[0].line[0], "fewer than the 256 wanted"));
	/* the same case, the same decisions and scores */
	c.log_arg = &t[1];
	run(&c, &again);
	assert_true(again.recall == r.recall && again.precision == r.precision);
	assert_int_equal(t[1].n, t[0].n);
	for (i = 0; i < t[0].n; i++)
		assert_string_equal(t[1].line[i], t[0].line[i]);
	free(t);
}

/*
 * Coarse plus fine: a 2 GiB device (8 ranges), the fine instance tracking
 * one range at a time, a 2 MiB hot set with 30% of the accesses moving
 * every second. Rotation alone visits its range one epoch in 8; with a
 * coarse instance over every range choosing the fine one's range, recall
 * is near 1 (and at least 25 points above), on the same tracker budget.
 */
static void test_coarse_plus_fine(void **state)
{
	struct hm_chmu_eval_case c;
	struct hm_chmu_eval_result rot, cf;

	(void)state;
	base_case(&c, "hotset:size=2G,hot=2M,frac=0.3,rate=2M,move=1s");
	c.tracker = HM_TRACKER_TABLE;
	c.budget = 1.0 / 256;
	c.units = 512;
	c.duration_ns = 3 * S;
	c.adaptive = true;
	c.fixed = (struct hm_chmu_eval_fixed){ 16, 0, 100 * MS };
	c.max_ranges = 1;
	run(&c, &rot);
	c.coarse_log2 = 21;
	run(&c, &cf);
	print_message("# rotation alone: recall %.3f; coarse plus fine: %.3f\n", rot.recall,
		      cf.recall);
	assert_true(cf.recall >= 0.95);
	assert_true(rot.recall + 0.25 <= cf.recall);
	assert_true(cf.precision >= 0.95);
	/* the budget is split, not doubled */
	assert_true(cf.tracker_bytes <= rot.tracker_bytes);
	/* coarse plus fine needs the controller, and units the device can take */
	c.adaptive = false;
	assert_int_equal(hm_chmu_eval_run(&c, &cf, NULL, 0), -EINVAL);
	c.adaptive = true;
	c.coarse_log2 = 30;
	assert_int_equal(hm_chmu_eval_run(&c, &cf, NULL, 0), -EINVAL);
}

static void test_bad_cases(void **state)
{
	struct hm_chmu_eval_case c;
	struct hm_chmu_eval_result r = { 0 };
	char err[256];

	(void)state;
	base_case(&c, HOT);
	c.budget = 0;
	assert_int_equal(hm_chmu_eval_run(&c, &r, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "budget"));
	base_case(&c, HOT);
	c.units = 0;
	assert_int_equal(hm_chmu_eval_run(&c, &r, err, sizeof(err)), -EINVAL);
	base_case(&c, HOT);
	c.ways = 2;
	c.granularity = 100;
	assert_int_equal(hm_chmu_eval_run(&c, &r, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "interleave"));
	base_case(&c, HOT);
	c.fixed.epoch_ns = 1000;
	assert_int_equal(hm_chmu_eval_run(&c, &r, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "epoch"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_all_and_nothing),
		cmocka_unit_test(test_interleave_merged),
		cmocka_unit_test(test_recovery),
		cmocka_unit_test(test_adaptive),
		cmocka_unit_test(test_coarse_plus_fine),
		cmocka_unit_test(test_bad_cases),
	};

	return hm_run_tests(tests);
}
