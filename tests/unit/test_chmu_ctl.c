// SPDX-License-Identifier: MIT
/*
 * The adaptive CHMU controller on synthetic devices: the threshold loop
 * raises on overflow, lowers on drought and settles; downsampling rises
 * on saturation and falls when counts are sparse; epochs shorten on churn
 * and lengthen when counts are too low; the range rotation covers every
 * range within its bound and zooms into a planted hot range; the same
 * observations give the same decisions; every change names its reason.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hotmem/chmu_ctl.h>

#include "../hm_test.h"

#define MS 1000000ull
#define UNIT_LOG2 12	/* 4 KiB units: 65536 per 256 MiB range */

/* The audit trail of one controller. */
struct trail {
	struct hm_chmu_ctl_change c[4096];
	unsigned int n;
};

static void logger(void *arg, const struct hm_chmu_ctl_change *c)
{
	struct trail *t = arg;

	if (t->n < sizeof(t->c) / sizeof(t->c[0]))
		t->c[t->n++] = *c;
}

static unsigned int count_knob(const struct trail *t, enum hm_chmu_ctl_knob k, unsigned int from)
{
	unsigned int i, n = 0;

	for (i = from; i < t->n; i++)
		n += t->c[i].knob == k;
	return n;
}

static void limits(struct hm_chmu_ctl_limits *l, uint32_t nr_ranges)
{
	memset(l, 0, sizeof(*l));
	l->min_threshold = 1;
	l->max_threshold = 65535;
	l->ds_mask = 0xff;	/* 1 to 128 */
	l->min_epoch_ns = 1 * MS;
	l->max_epoch_ns = 1000 * MS;
	l->nr_ranges = nr_ranges;
	l->hotlist_size = 1024;
}

/*
 * A synthetic device: unit i of @nr is touched @rate[i] times a second;
 * an epoch reports the units of enabled ranges whose downsampled count
 * reaches the threshold, up to a ring of hotlist_size - 1.
 */
struct dev {
	uint64_t nr;
	double *rate;
	uint64_t *unit;
	struct hm_chmu_ctl_unit *out;
	uint32_t max_count;
	uint32_t ring;
};

static void epoch(struct dev *d, const struct hm_chmu_ctl_setting *s, struct hm_chmu_ctl_obs *o)
{
	uint64_t i, n = 0, over = 0;

	memset(o, 0, sizeof(*o));
	for (i = 0; i < d->nr; i++) {
		uint64_t r = (d->unit[i] << UNIT_LOG2) >> 28;
		double cnt = d->rate[i] * (double)s->epoch_ns / 1e9 / (double)(1u << s->ds_log2);
		uint32_t c = cnt >= d->max_count ? d->max_count : (uint32_t)cnt;

		if (!(s->ranges[r / 64] >> (r % 64) & 1) || c < s->threshold)
			continue;
		if (n == d->ring) {
			over++;
			continue;
		}
		d->out[n++] = (struct hm_chmu_ctl_unit){ d->unit[i], c };
	}
	o->units = d->out;
	o->nr_units = n;
	o->overflow = over > 0;
	o->dropped = over;
	o->max_count = d->max_count;
	o->unit_log2 = UNIT_LOG2;
}

/* Zipf-like rates over @nr units spread over the first @ranges ranges. */
static void dev_init(struct dev *d, uint64_t nr, uint32_t ranges, double top)
{
	uint64_t i;

	d->nr = nr;
	d->rate = malloc(nr * sizeof(*d->rate));
	d->unit = malloc(nr * sizeof(*d->unit));
	d->out = malloc(nr * sizeof(*d->out));
	assert_non_null(d->rate);
	assert_non_null(d->unit);
	assert_non_null(d->out);
	for (i = 0; i < nr; i++) {
		d->rate[i] = top / (double)(i + 1);
		/* scattered: consecutive ranks land in different ranges */
		d->unit[i] = (i % ranges) * 65536 + i / ranges;
	}
	d->max_count = 65535;
	d->ring = 1023;
}

static void dev_free(struct dev *d)
{
	free(d->rate);
	free(d->unit);
	free(d->out);
}

static struct hm_chmu_ctl *ctl(const struct hm_chmu_ctl_limits *l, uint32_t units,
			       uint32_t max_ranges, uint32_t thr, uint64_t epoch_ns,
			       struct trail *t)
{
	struct hm_chmu_ctl_want w = { .units = units, .max_ranges = max_ranges };
	struct hm_chmu_ctl_setting s = { .threshold = thr, .epoch_ns = epoch_ns };
	struct hm_chmu_ctl *c = hm_chmu_ctl_new(l, &w, &s, logger, t);

	assert_non_null(c);
	return c;
}

/* From a threshold far too low (overflow) and far too high (drought), it settles in band. */
static void test_threshold_settles(void **state)
{
	static const uint32_t starts[] = { 1, 60000 };
	struct hm_chmu_ctl_limits l;
	struct dev d;
	unsigned int s;

	(void)state;
	limits(&l, 4);
	for (s = 0; s < 2; s++) {
		struct trail *t = calloc(1, sizeof(*t));
		struct hm_chmu_ctl *c;
		struct hm_chmu_ctl_obs o;
		unsigned int e, settled = 0, mark = 0;

		assert_non_null(t);
		dev_init(&d, 100000, 4, 2e5);
		c = ctl(&l, 100, 0, starts[s], 100 * MS, t);
		for (e = 0; e < 200; e++) {
			epoch(&d, hm_chmu_ctl_get(c), &o);
			if (o.nr_units >= 100 && o.nr_units <= 200 && !o.overflow) {
				if (!settled) {
					settled = e + 1;
					mark = t->n;
				}
			}
			hm_chmu_ctl_step(c, &o, NULL);
		}
		if (!settled)
			fail_msg("start %u: never yielded 100-200 units; threshold %u", starts[s],
				 hm_chmu_ctl_get(c)->threshold);
		print_message("start %u: in band after %u epochs, threshold %u, %u changes\n",
			      starts[s], settled, hm_chmu_ctl_get(c)->threshold, t->n);
		/* once in band, it stays: no change for the rest of the run */
		assert_int_equal(t->n, mark);
		epoch(&d, hm_chmu_ctl_get(c), &o);
		assert_in_range(o.nr_units, 100, 200);
		if (s == 0) {
			assert_true(t->n > 0);
			assert_non_null(strstr(t->c[0].why, "hotlist overflowed"));
			assert_int_equal(t->c[0].knob, HM_CHMU_CTL_THRESHOLD);
			assert_int_equal(t->c[0].to, 2 * t->c[0].from);
		} else {
			assert_non_null(strstr(t->c[0].why, "below the 100 wanted"));
			assert_true(t->c[0].to < t->c[0].from);
			/* hysteresis: the first drought epoch changes nothing */
			assert_int_equal(t->c[0].epoch, 2);
		}
		hm_chmu_ctl_free(c);
		dev_free(&d);
		free(t);
	}
}

/* Saturated counters raise the downsampling and halve the threshold. */
static void test_downsample_on_saturation(void **state)
{
	struct hm_chmu_ctl_unit u[10];
	struct hm_chmu_ctl_obs o = { .units = u, .nr_units = 10, .max_count = 255,
				     .unit_log2 = UNIT_LOG2 };
	struct hm_chmu_ctl_limits l;
	struct trail t = { .n = 0 };
	struct hm_chmu_ctl_setting next;
	struct hm_chmu_ctl *c;
	unsigned int i;

	(void)state;
	limits(&l, 1);
	for (i = 0; i < 10; i++)
		u[i] = (struct hm_chmu_ctl_unit){ i, i < 5 ? 255 : 100 };
	c = ctl(&l, 10, 0, 64, 100 * MS, &t);
	assert_int_equal(hm_chmu_ctl_step(c, &o, &next), 2);
	assert_int_equal(next.ds_log2, 1);
	assert_int_equal(next.threshold, 32);
	assert_int_equal(t.c[0].knob, HM_CHMU_CTL_DOWNSAMPLE);
	assert_int_equal(t.c[0].from, 1);
	assert_int_equal(t.c[0].to, 2);
	assert_string_equal(t.c[0].why, "5 of 10 hot units saturated their counters");
	/* fewer than one in ten saturated: no change */
	for (i = 0; i < 10; i++)
		u[i].count = 100;
	assert_int_equal(hm_chmu_ctl_step(c, &o, &next), 0);
	hm_chmu_ctl_free(c);
}

/*
 * At the lowest threshold with too few units: less downsampling first, then
 * (none left, units persisting) longer epochs.
 */
static void test_sparse_counts(void **state)
{
	struct hm_chmu_ctl_unit u[3] = { { 1, 1 }, { 2, 1 }, { 3, 1 } };
	struct hm_chmu_ctl_obs o = { .units = u, .nr_units = 3, .max_count = 255,
				     .unit_log2 = UNIT_LOG2 };
	struct hm_chmu_ctl_setting s = { .threshold = 1, .ds_log2 = 2, .epoch_ns = 100 * MS };
	struct hm_chmu_ctl_want w = { .units = 50 };
	struct hm_chmu_ctl_limits l;
	struct trail t = { .n = 0 };
	struct hm_chmu_ctl *c;
	unsigned int e;

	(void)state;
	limits(&l, 1);
	c = hm_chmu_ctl_new(&l, &w, &s, logger, &t);
	assert_non_null(c);
	for (e = 0; e < 12; e++)
		hm_chmu_ctl_step(c, &o, NULL);
	assert_int_equal(hm_chmu_ctl_get(c)->ds_log2, 0);
	assert_true(hm_chmu_ctl_get(c)->epoch_ns > 100 * MS);
	assert_int_equal(t.c[0].knob, HM_CHMU_CTL_DOWNSAMPLE);
	assert_non_null(strstr(t.c[0].why, "too sparse"));
	assert_int_equal(t.c[2].knob, HM_CHMU_CTL_EPOCH);
	assert_non_null(strstr(t.c[2].why, "100% persisting"));
	assert_int_equal(t.c[2].to, 2 * t.c[2].from);
	hm_chmu_ctl_free(c);
}

/* Hot units that do not last from one epoch to the next: shorter epochs. */
static void test_churn_shortens_epoch(void **state)
{
	struct hm_chmu_ctl_unit u[100];
	struct hm_chmu_ctl_obs o = { .units = u, .nr_units = 100, .max_count = 65535,
				     .unit_log2 = UNIT_LOG2 };
	struct hm_chmu_ctl_limits l;
	struct trail t = { .n = 0 };
	struct hm_chmu_ctl *c;
	unsigned int e, i;

	(void)state;
	limits(&l, 1);
	c = ctl(&l, 100, 0, 40, 400 * MS, &t);
	for (e = 0; e < 2; e++) {
		for (i = 0; i < 100; i++)
			u[i] = (struct hm_chmu_ctl_unit){ e * 1000 + i, 50 };
		hm_chmu_ctl_step(c, &o, NULL);
	}
	assert_int_equal(hm_chmu_ctl_get(c)->epoch_ns, 200 * MS);
	assert_int_equal(hm_chmu_ctl_get(c)->threshold, 20);
	assert_int_equal(t.c[0].knob, HM_CHMU_CTL_EPOCH);
	assert_string_equal(t.c[0].why, "0% of 100 hot units were hot in the last epoch");
	/* the same units again: they persist, nothing changes */
	t.n = 0;
	hm_chmu_ctl_step(c, &o, NULL);
	assert_int_equal(t.n, 0);
	hm_chmu_ctl_free(c);
}

/*
 * 64 ranges, 8 at a time: with nothing hot, every range is enabled within
 * ceil(64 / 8) = 8 epochs. A planted hot range, once seen, stays enabled
 * (zoom) and the rest are still covered within ceil(63 / 7) = 9 epochs.
 */
static void test_rotation_and_zoom(void **state)
{
	struct hm_chmu_ctl_limits l;
	struct trail t = { .n = 0 };
	struct hm_chmu_ctl *c;
	struct hm_chmu_ctl_unit u[200];
	struct hm_chmu_ctl_obs o = { .units = u, .max_count = 65535, .unit_log2 = UNIT_LOG2 };
	uint64_t seen[HM_CHMU_CTL_MAX_RANGES / 64];
	unsigned int e, r, i, found = 0;

	(void)state;
	limits(&l, 64);
	c = ctl(&l, 200, 8, 4, 100 * MS, &t);
	memset(seen, 0, sizeof(seen));
	for (e = 0; e < 8; e++) {
		const struct hm_chmu_ctl_setting *s = hm_chmu_ctl_get(c);

		assert_int_equal(hm_chmu_ctl_nr_ranges(s), 8);
		for (i = 0; i < HM_CHMU_CTL_MAX_RANGES / 64; i++)
			seen[i] |= s->ranges[i];
		o.nr_units = 0;
		hm_chmu_ctl_step(c, &o, NULL);
	}
	for (r = 0; r < 64; r++)
		if (!(seen[0] >> r & 1))
			fail_msg("range %u not covered in 8 epochs", r);
	/* range 37 holds 200 hot units: reported whenever it is enabled */
	for (i = 0; i < 200; i++)
		u[i] = (struct hm_chmu_ctl_unit){ 37ull * 65536 + i, 100 };
	memset(seen, 0, sizeof(seen));
	for (e = 0; e < 30; e++) {
		const struct hm_chmu_ctl_setting *s = hm_chmu_ctl_get(c);
		bool on = s->ranges[0] >> 37 & 1;

		if (found) {
			if (!on)
				fail_msg("epoch %u: range 37 dropped after zooming in", e);
			if (e >= found + 9 && e < found + 10 && seen[0] != UINT64_MAX)
				fail_msg("ranges not covered within 9 epochs of the zoom: %llx",
					 (unsigned long long)seen[0]);
			seen[0] |= s->ranges[0];
		} else if (on) {
			found = e + 1;
		}
		assert_int_equal(hm_chmu_ctl_nr_ranges(s), 8);
		o.nr_units = on ? 200 : 0;
		hm_chmu_ctl_step(c, &o, NULL);
	}
	assert_true(found > 0);
	assert_int_equal(seen[0], UINT64_MAX);
	for (i = 0; i < t.n; i++)
		if (t.c[i].knob == HM_CHMU_CTL_RANGES)
			break;
	assert_true(i < t.n);
	assert_non_null(strstr(t.c[i].why, "zoom into range 37"));
	hm_chmu_ctl_free(c);
}

/*
 * Coarse plus fine: 64 ranges, 8 at a time for the fine instance. With a
 * coarse instance's heat naming range 37, the fine one zooms in at the
 * first step (rotation alone needs up to 8 epochs to reach it), says so,
 * keeps it, follows the heat when it moves, and still visits every range.
 */
static void test_coarse_guides_fine(void **state)
{
	struct hm_chmu_ctl_limits l;
	struct trail t = { .n = 0 };
	struct hm_chmu_ctl *c;
	struct hm_chmu_ctl_unit cu[3], fu[1];
	struct hm_chmu_ctl_obs o = { .units = fu, .max_count = 65535, .unit_log2 = UNIT_LOG2 };
	uint64_t heat[64], seen = 0;
	unsigned int e, i;

	(void)state;
	limits(&l, 64);
	c = ctl(&l, 200, 8, 4, 100 * MS, &t);
	assert_false(hm_chmu_ctl_get(c)->ranges[0] >> 37 & 1);
	/* the coarse instance's 2 MiB units: two in range 37, one in range 2 */
	cu[0] = (struct hm_chmu_ctl_unit){ 37ull * 128 + 5, 9000 };
	cu[1] = (struct hm_chmu_ctl_unit){ 37ull * 128 + 6, 1000 };
	cu[2] = (struct hm_chmu_ctl_unit){ 2ull * 128, 40 };
	memset(heat, 0, sizeof(heat));
	hm_chmu_ctl_range_heat(cu, 3, 21, heat, 64);
	assert_int_equal(heat[37], 10000);
	assert_int_equal(heat[2], 40);
	assert_int_equal(heat[36] + heat[38], 0);
	o.range_heat = heat;
	for (e = 0; e < 12; e++) {
		const struct hm_chmu_ctl_setting *s;

		o.nr_units = 0;
		hm_chmu_ctl_step(c, &o, NULL);
		s = hm_chmu_ctl_get(c);
		assert_int_equal(hm_chmu_ctl_nr_ranges(s), 8);
		if (!(s->ranges[0] >> 37 & 1) || !(s->ranges[0] >> 2 & 1))
			fail_msg("step %u: ranges 37 and 2 not both on: %llx", e,
				 (unsigned long long)s->ranges[0]);
		seen |= s->ranges[0];
	}
	/* the one rotating slot with six idle zoom slots: 62 others in 12 epochs */
	assert_int_equal(seen, UINT64_MAX);
	for (i = 0; i < t.n; i++)
		if (t.c[i].knob == HM_CHMU_CTL_RANGES)
			break;
	assert_true(i < t.n);
	assert_int_equal(t.c[i].epoch, 1);
	assert_non_null(strstr(t.c[i].why, "zoom into range 37"));
	assert_non_null(strstr(t.c[i].why, "coarse instance counted"));
	/* the heat moves to range 50: the fine instance follows at the next step */
	memset(heat, 0, sizeof(heat));
	heat[50] = 10000;
	o.nr_units = 0;
	hm_chmu_ctl_step(c, &o, NULL);
	assert_true(hm_chmu_ctl_get(c)->ranges[0] >> 50 & 1);
	hm_chmu_ctl_free(c);
}

/* A tracker that says it is full gets fewer ranges at once. */
static void test_untracked_shrinks_ranges(void **state)
{
	struct hm_chmu_ctl_limits l;
	struct trail t = { .n = 0 };
	struct hm_chmu_ctl *c;
	struct hm_chmu_ctl_obs o = { .untracked = 5000, .max_count = 65535,
				     .unit_log2 = UNIT_LOG2 };

	(void)state;
	limits(&l, 16);
	c = ctl(&l, 10, 0, 4, 100 * MS, &t);
	assert_int_equal(hm_chmu_ctl_nr_ranges(hm_chmu_ctl_get(c)), 16);
	hm_chmu_ctl_step(c, &o, NULL);
	assert_int_equal(hm_chmu_ctl_nr_ranges(hm_chmu_ctl_get(c)), 8);
	assert_true(count_knob(&t, HM_CHMU_CTL_RANGES, 0) >= 1);
	assert_string_equal(t.c[t.n - 1].why, "5000 accesses found no counter: the tracker is full");
	hm_chmu_ctl_free(c);
}

/* The same observations give the same decisions, and each formats as one line. */
static void test_determinism_and_trail(void **state)
{
	struct trail *t[2];
	struct hm_chmu_ctl_limits l;
	unsigned int k, e, i;

	(void)state;
	limits(&l, 16);
	for (k = 0; k < 2; k++) {
		struct dev d;
		struct hm_chmu_ctl *c;
		struct hm_chmu_ctl_obs o;

		t[k] = calloc(1, sizeof(*t[k]));
		assert_non_null(t[k]);
		dev_init(&d, 50000, 16, 1e6);
		c = ctl(&l, 64, 4, 1, 50 * MS, t[k]);
		for (e = 0; e < 100; e++) {
			epoch(&d, hm_chmu_ctl_get(c), &o);
			hm_chmu_ctl_step(c, &o, NULL);
		}
		hm_chmu_ctl_free(c);
		dev_free(&d);
	}
	assert_true(t[0]->n > 3);
	assert_int_equal(t[0]->n, t[1]->n);
	assert_memory_equal(t[0]->c, t[1]->c, t[0]->n * sizeof(t[0]->c[0]));
	for (i = 0; i < t[0]->n; i++) {
		char line[256];
		int n = hm_chmu_ctl_change_format(&t[0]->c[i], line, sizeof(line));

		assert_true(n > 0 && (size_t)n < sizeof(line));
		assert_null(strchr(line, '\n'));
		assert_true(t[0]->c[i].why[0] != '\0');
		assert_true(t[0]->c[i].from != t[0]->c[i].to);
		assert_non_null(strstr(line, hm_chmu_ctl_knob_name(t[0]->c[i].knob)));
	}
	free(t[0]);
	free(t[1]);
}

/* A controller whose consumer adds up @iv_ms intervals, with a drain budget. */
static struct hm_chmu_ctl *ctl_iv_ds(const struct hm_chmu_ctl_limits *l, uint32_t units,
				     uint64_t iv_ms, uint64_t budget, uint32_t thr, uint32_t ds,
				     uint64_t epoch_ns, struct trail *t)
{
	struct hm_chmu_ctl_want w = { .units = units, .interval_ns = iv_ms * MS,
				      .max_entries = budget };
	struct hm_chmu_ctl_setting s = { .threshold = thr, .ds_log2 = ds, .epoch_ns = epoch_ns };
	struct hm_chmu_ctl *c = hm_chmu_ctl_new(l, &w, &s, logger, t);

	assert_non_null(c);
	return c;
}

static struct hm_chmu_ctl *ctl_iv(const struct hm_chmu_ctl_limits *l, uint32_t units,
				  uint64_t iv_ms, uint64_t budget, uint32_t thr, uint64_t epoch_ns,
				  struct trail *t)
{
	return ctl_iv_ds(l, units, iv_ms, budget, thr, 0, epoch_ns, t);
}

/* Entries per interval the current program drains, from one epoch of @d. */
static uint64_t per_interval(struct dev *d, const struct hm_chmu_ctl *c, uint64_t iv_ms)
{
	const struct hm_chmu_ctl_setting *s = hm_chmu_ctl_get(c);
	struct hm_chmu_ctl_obs o;

	epoch(d, s, &o);
	return o.nr_units * ((iv_ms * MS + s->epoch_ns - 1) / s->epoch_ns);
}

/*
 * A consumer of whole intervals without a drain budget: from 1024 per
 * 500 ms the first decision goes to the floor threshold and the shortest
 * epoch, each change naming why, and nothing moves after that.
 */
static void test_interval_floor(void **state)
{
	struct hm_chmu_ctl_limits l;
	struct hm_chmu_ctl_setting next;
	struct hm_chmu_ctl_obs o;
	struct trail *t = calloc(1, sizeof(*t));
	struct hm_chmu_ctl *c;
	struct dev d;
	unsigned int i;

	(void)state;
	assert_non_null(t);
	limits(&l, 1);
	dev_init(&d, 100000, 1, 1e6);
	c = ctl_iv(&l, 256, 1000, 0, 1024, 500 * MS, t);
	epoch(&d, hm_chmu_ctl_get(c), &o);
	assert_int_equal(hm_chmu_ctl_step(c, &o, &next), 2);
	assert_int_equal(next.threshold, 1);
	assert_int_equal(next.epoch_ns, l.min_epoch_ns);
	assert_int_equal(t->c[0].knob, HM_CHMU_CTL_THRESHOLD);
	assert_non_null(strstr(t->c[0].why, "adds up each 1000 ms interval"));
	assert_int_equal(t->c[1].knob, HM_CHMU_CTL_EPOCH);
	assert_non_null(strstr(t->c[1].why, "emptied more often"));
	for (i = 0; i < 100; i++) {
		epoch(&d, hm_chmu_ctl_get(c), &o);
		assert_int_equal(hm_chmu_ctl_step(c, &o, NULL), 0);
	}
	hm_chmu_ctl_free(c);
	dev_free(&d);
	free(t);
}

/*
 * With a drain budget of 50,000 entries per interval the threshold rises
 * from the floor until the projected entries fit, then holds: the last
 * 50 epochs change nothing and stay within the budget.
 */
static void test_interval_budget(void **state)
{
	struct hm_chmu_ctl_limits l;
	struct hm_chmu_ctl_obs o;
	struct trail *t = calloc(1, sizeof(*t));
	struct hm_chmu_ctl *c;
	struct dev d;
	unsigned int i;

	(void)state;
	assert_non_null(t);
	limits(&l, 1);
	dev_init(&d, 100000, 1, 1e6);
	c = ctl_iv(&l, 16, 1000, 50000, 1, 1 * MS, t);
	assert_true(per_interval(&d, c, 1000) > 50000);
	for (i = 0; i < 50; i++) {
		epoch(&d, hm_chmu_ctl_get(c), &o);
		assert_true(hm_chmu_ctl_step(c, &o, NULL) >= 0);
	}
	assert_true(count_knob(t, HM_CHMU_CTL_THRESHOLD, 0) >= 1);
	assert_non_null(strstr(t->c[0].why, "over the drain budget of 50000"));
	for (i = 0; i < 50; i++) {
		epoch(&d, hm_chmu_ctl_get(c), &o);
		assert_int_equal(hm_chmu_ctl_step(c, &o, NULL), 0);
		assert_true(per_interval(&d, c, 1000) <= 50000);
	}
	assert_true(hm_chmu_ctl_get(c)->threshold > 1);
	hm_chmu_ctl_free(c);
	dev_free(&d);
	free(t);
}

/*
 * Too few units for the consumer even at the floor: the epoch lengthens
 * to the interval and never swings back shorter while the drought lasts.
 */
static void test_interval_drought(void **state)
{
	struct hm_chmu_ctl_limits l;
	struct hm_chmu_ctl_obs o;
	struct trail *t = calloc(1, sizeof(*t));
	struct hm_chmu_ctl *c;
	struct dev d;
	unsigned int i;

	(void)state;
	assert_non_null(t);
	limits(&l, 1);
	dev_init(&d, 100000, 1, 100);
	c = ctl_iv(&l, 4096, 1000, 0, 1, 1 * MS, t);
	for (i = 0; i < 200; i++) {
		epoch(&d, hm_chmu_ctl_get(c), &o);
		assert_true(hm_chmu_ctl_step(c, &o, NULL) >= 0);
	}
	assert_true(hm_chmu_ctl_get(c)->epoch_ns * 2 > l.max_epoch_ns);
	assert_true(t->n >= 1);
	for (i = 0; i < t->n; i++) {
		assert_int_equal(t->c[i].knob, HM_CHMU_CTL_EPOCH);
		assert_true(t->c[i].to > t->c[i].from);
		assert_non_null(strstr(t->c[i].why, "fewer than the 4096 wanted"));
	}
	hm_chmu_ctl_free(c);
	dev_free(&d);
	free(t);
}

/*
 * After a drought has lengthened the epoch, a dense device does not bring
 * a shorter one back at once: the epoch holds for 63 good epochs, and the
 * next step returns to the shortest.
 */
static void test_interval_reprobe(void **state)
{
	struct hm_chmu_ctl_limits l;
	struct hm_chmu_ctl_obs o;
	struct trail *t = calloc(1, sizeof(*t));
	struct hm_chmu_ctl *c;
	struct dev sparse, dense;
	uint64_t long_ns;
	unsigned int i;

	(void)state;
	assert_non_null(t);
	limits(&l, 1);
	dev_init(&sparse, 100000, 1, 100);
	dev_init(&dense, 100000, 1, 1e6);
	dense.ring = 1u << 20;	/* no overflow: only the epoch rule is under test */
	c = ctl_iv(&l, 1000, 1000, 0, 1, 1 * MS, t);
	for (i = 0; i < 20; i++) {
		epoch(&sparse, hm_chmu_ctl_get(c), &o);
		assert_true(hm_chmu_ctl_step(c, &o, NULL) >= 0);
	}
	long_ns = hm_chmu_ctl_get(c)->epoch_ns;
	assert_true(long_ns > 100 * MS);
	for (i = 0; i < 63; i++) {
		epoch(&dense, hm_chmu_ctl_get(c), &o);
		assert_int_equal(hm_chmu_ctl_step(c, &o, NULL), 0);
		assert_int_equal(hm_chmu_ctl_get(c)->epoch_ns, long_ns);
	}
	epoch(&dense, hm_chmu_ctl_get(c), &o);
	assert_int_equal(hm_chmu_ctl_step(c, &o, NULL), 1);
	assert_int_equal(hm_chmu_ctl_get(c)->epoch_ns, l.min_epoch_ns);
	hm_chmu_ctl_free(c);
	dev_free(&sparse);
	dev_free(&dense);
	free(t);
}

/*
 * With a budget, the epoch shortens only as far as keeps half the budget
 * free: 65,536 units (one range) a 500 ms epoch against 1,000,000
 * entries a 1 s interval gives 1 s x 65536 x 2 / 10^6 = 131.072 ms, not
 * the 1 ms floor.
 */
static void test_interval_budget_epoch(void **state)
{
	struct hm_chmu_ctl_limits l;
	struct hm_chmu_ctl_setting next;
	struct hm_chmu_ctl_obs o;
	struct trail *t = calloc(1, sizeof(*t));
	struct hm_chmu_ctl *c;
	struct dev d;

	(void)state;
	assert_non_null(t);
	limits(&l, 1);
	dev_init(&d, 65536, 1, 1e6);
	d.ring = 1u << 20;
	c = ctl_iv(&l, 16, 1000, 1000000, 1, 500 * MS, t);
	epoch(&d, hm_chmu_ctl_get(c), &o);
	assert_int_equal(o.nr_units, 65536);
	assert_int_equal(hm_chmu_ctl_step(c, &o, &next), 1);
	assert_int_equal(next.epoch_ns, 131072000);
	assert_int_equal(t->c[0].knob, HM_CHMU_CTL_EPOCH);
	hm_chmu_ctl_free(c);
	dev_free(&d);
	free(t);
}

/* One step of a fresh interval controller on @d from @thr, @ds, @epoch_ns. */
static void step_iv(struct dev *d, const struct hm_chmu_ctl_limits *l, uint32_t units,
		    uint64_t budget, uint32_t thr, uint32_t ds, uint64_t epoch_ns,
		    struct hm_chmu_ctl_setting *next, struct trail *t)
{
	struct hm_chmu_ctl *c = ctl_iv_ds(l, units, 1000, budget, thr, ds, epoch_ns, t);
	struct hm_chmu_ctl_obs o;

	t->n = 0;
	epoch(d, hm_chmu_ctl_get(c), &o);
	assert_true(hm_chmu_ctl_step(c, &o, next) >= 0);
	hm_chmu_ctl_free(c);
}

/*
 * The other ends of the interval rules, one step each: over the budget at
 * the threshold's top the epoch doubles; a drought at the floor threshold
 * lowers the downsampling first; with a budget the threshold halves only
 * while four times the entries fit.
 */
static void test_interval_edges(void **state)
{
	struct hm_chmu_ctl_limits l;
	struct hm_chmu_ctl_setting next;
	struct trail *t = calloc(1, sizeof(*t));
	struct dev d;

	(void)state;
	assert_non_null(t);
	dev_init(&d, 65536, 1, 1e6);
	d.ring = 1u << 20;
	limits(&l, 1);
	l.max_threshold = 2;
	step_iv(&d, &l, 16, 1000, 2, 0, 10 * MS, &next, t);
	assert_int_equal(next.threshold, 2);
	assert_int_equal(next.epoch_ns, 20 * MS);
	assert_int_equal(t->c[0].knob, HM_CHMU_CTL_EPOCH);

	limits(&l, 1);
	/* at 1/8 and 10 ms, 1250 units an epoch: 125,000 an interval, under 200,000 */
	step_iv(&d, &l, 200000, 0, 1, 3, 10 * MS, &next, t);
	assert_int_equal(next.ds_log2, 2);
	assert_int_equal(next.epoch_ns, 10 * MS);
	assert_int_equal(t->c[0].knob, HM_CHMU_CTL_DOWNSAMPLE);

	/* 2 per 1 ms: 500 units an epoch, 500,000 entries an interval */
	step_iv(&d, &l, 16, 2000000, 2, 0, 1 * MS, &next, t);
	assert_int_equal(next.threshold, 1);
	step_iv(&d, &l, 16, 1999999, 2, 0, 1 * MS, &next, t);
	assert_int_equal(next.threshold, 2);
	assert_int_equal(t->n, 0);
	dev_free(&d);
	free(t);
}

static void test_bad_args(void **state)
{
	struct hm_chmu_ctl_limits l;
	struct hm_chmu_ctl_want w = { .units = 0 };
	struct hm_chmu_ctl_setting s = { .threshold = 1, .epoch_ns = MS };

	(void)state;
	limits(&l, 4);
	errno = 0;
	assert_null(hm_chmu_ctl_new(&l, &w, &s, NULL, NULL));
	assert_int_equal(errno, EINVAL);
	w.units = 1;
	l.nr_ranges = HM_CHMU_CTL_MAX_RANGES + 1;
	assert_null(hm_chmu_ctl_new(&l, &w, &s, NULL, NULL));
	limits(&l, 4);
	l.ds_mask = 0x2;	/* no factor 1 */
	assert_null(hm_chmu_ctl_new(&l, &w, &s, NULL, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threshold_settles),
		cmocka_unit_test(test_downsample_on_saturation),
		cmocka_unit_test(test_sparse_counts),
		cmocka_unit_test(test_churn_shortens_epoch),
		cmocka_unit_test(test_rotation_and_zoom),
		cmocka_unit_test(test_coarse_guides_fine),
		cmocka_unit_test(test_untracked_shrinks_ranges),
		cmocka_unit_test(test_determinism_and_trail),
		cmocka_unit_test(test_interval_floor),
		cmocka_unit_test(test_interval_budget),
		cmocka_unit_test(test_interval_drought),
		cmocka_unit_test(test_interval_reprobe),
		cmocka_unit_test(test_interval_budget_epoch),
		cmocka_unit_test(test_interval_edges),
		cmocka_unit_test(test_bad_args),
	};

	return hm_run_tests(tests);
}
