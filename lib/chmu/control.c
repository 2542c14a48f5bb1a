// SPDX-License-Identifier: MIT
/*
 * Adaptive CHMU control (include/hotmem/chmu_ctl.h). One decision family
 * per epoch, in this order, so that each change's effect is seen before
 * the next: saturation (downsampling up), overflow (threshold up), then
 * for a consumer of single epochs churn (shorter epochs) and the yield
 * loop (threshold, and at its floor less downsampling or longer epochs),
 * and for a consumer of whole intervals the drain loop (on_interval()).
 * Ranges rotate independently.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hotmem/chmu_ctl.h>

#define RANGE_SHIFT	28	/* 256 MiB */
#define STREAK		2	/* epochs out of band before the threshold moves */
#define SAT_SHARE	10	/* 1 in this many entries saturated: downsample more */
#define CHURN_PCT	25	/* fewer of the hot units persist: epochs too long */
#define PERSIST_PCT	50	/* at least this many persist: a longer epoch helps */
#define REPROBE		64	/* epochs after a drought before shorter ones are tried again */

struct hm_chmu_ctl {
	struct hm_chmu_ctl_limits lim;
	struct hm_chmu_ctl_want want;
	struct hm_chmu_ctl_setting cur;
	void (*log)(void *arg, const struct hm_chmu_ctl_change *c);
	void *arg;
	uint64_t epoch;
	unsigned int low, high;		/* epochs in a row below and above the band */
	uint64_t *prev, *now;		/* last and this epoch's distinct units, sorted */
	size_t nr_prev, cap_prev, cap_now;
	uint32_t slots;			/* ranges tracked at once */
	uint32_t cursor;		/* the rotation's next range */
	struct hm_chmu_ctl_setting last;	/* the program the last epoch ran with */
	bool have_last;
	uint64_t *score;		/* per range: hot units (or coarse counts) seen, decayed */
	uint8_t *zoom;			/* per range: in the zoom set */
	uint64_t epoch_floor;		/* interval mode: the epoch a drought set, or 0 */
	unsigned int since_drought;	/* epochs since then */
	int changes;
};

static bool range_on(const struct hm_chmu_ctl_setting *s, uint32_t r)
{
	return s->ranges[r / 64] >> (r % 64) & 1;
}

static void range_set(struct hm_chmu_ctl_setting *s, uint32_t r)
{
	s->ranges[r / 64] |= 1ull << (r % 64);
}

uint32_t hm_chmu_ctl_nr_ranges(const struct hm_chmu_ctl_setting *s)
{
	uint32_t i, n = 0;

	for (i = 0; i < HM_CHMU_CTL_MAX_RANGES / 64; i++)
		n += (uint32_t)__builtin_popcountll(s->ranges[i]);
	return n;
}

static const char *const knob_names[] = { "threshold", "downsample", "epoch", "ranges" };

const char *hm_chmu_ctl_knob_name(enum hm_chmu_ctl_knob k)
{
	return (unsigned int)k < 4 ? knob_names[k] : "?";
}

/* A knob's value as people write it: epochs in ms or us, downsampling as 1/N. */
static void knob_value(enum hm_chmu_ctl_knob k, uint64_t v, char *buf, size_t len)
{
	if (k == HM_CHMU_CTL_EPOCH && v % 1000000 == 0)
		snprintf(buf, len, "%llu ms", (unsigned long long)(v / 1000000));
	else if (k == HM_CHMU_CTL_EPOCH)
		snprintf(buf, len, "%llu us", (unsigned long long)(v / 1000));
	else if (k == HM_CHMU_CTL_DOWNSAMPLE)
		snprintf(buf, len, "1/%llu", (unsigned long long)v);
	else
		snprintf(buf, len, "%llu", (unsigned long long)v);
}

int hm_chmu_ctl_change_format(const struct hm_chmu_ctl_change *c, char *buf, size_t len)
{
	char from[32], to[32];

	knob_value(c->knob, c->from, from, sizeof(from));
	knob_value(c->knob, c->to, to, sizeof(to));
	return snprintf(buf, len, "epoch %llu: %s %s -> %s: %s", (unsigned long long)c->epoch,
			hm_chmu_ctl_knob_name(c->knob), from, to, c->why);
}

static void note(struct hm_chmu_ctl *c, enum hm_chmu_ctl_knob k, uint64_t from, uint64_t to,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void note(struct hm_chmu_ctl *c, enum hm_chmu_ctl_knob k, uint64_t from, uint64_t to,
		 const char *fmt, ...)
{
	struct hm_chmu_ctl_change ch = { .epoch = c->epoch, .knob = k, .from = from, .to = to };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ch.why, sizeof(ch.why), fmt, ap);
	va_end(ap);
	c->changes++;
	if (c->log)
		c->log(c->arg, &ch);
}

struct hm_chmu_ctl *hm_chmu_ctl_new(const struct hm_chmu_ctl_limits *lim,
				    const struct hm_chmu_ctl_want *want,
				    const struct hm_chmu_ctl_setting *start,
				    void (*log)(void *arg, const struct hm_chmu_ctl_change *c),
				    void *arg)
{
	struct hm_chmu_ctl *c;
	uint32_t r;

	if (!lim || !want || !start || !want->units || !lim->nr_ranges ||
	    lim->nr_ranges > HM_CHMU_CTL_MAX_RANGES || !lim->min_threshold ||
	    lim->min_threshold > lim->max_threshold || !lim->min_epoch_ns ||
	    lim->min_epoch_ns > lim->max_epoch_ns || !(lim->ds_mask & 1)) {
		errno = EINVAL;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->score = calloc(lim->nr_ranges, sizeof(*c->score));
	c->zoom = calloc(lim->nr_ranges, 1);
	if (!c->score || !c->zoom) {
		hm_chmu_ctl_free(c);
		errno = ENOMEM;
		return NULL;
	}
	c->lim = *lim;
	c->want = *want;
	c->cur = *start;
	c->log = log;
	c->arg = arg;
	if (c->cur.threshold < lim->min_threshold)
		c->cur.threshold = lim->min_threshold;
	if (c->cur.threshold > lim->max_threshold)
		c->cur.threshold = lim->max_threshold;
	if (c->cur.epoch_ns < lim->min_epoch_ns)
		c->cur.epoch_ns = lim->min_epoch_ns;
	if (c->cur.epoch_ns > lim->max_epoch_ns)
		c->cur.epoch_ns = lim->max_epoch_ns;
	if (!(lim->ds_mask >> c->cur.ds_log2 & 1))
		c->cur.ds_log2 = 0;
	c->slots = want->max_ranges && want->max_ranges < lim->nr_ranges ? want->max_ranges :
									    lim->nr_ranges;
	for (r = lim->nr_ranges; r < HM_CHMU_CTL_MAX_RANGES; r++)
		c->cur.ranges[r / 64] &= ~(1ull << (r % 64));
	if (!hm_chmu_ctl_nr_ranges(&c->cur))
		for (r = 0; r < c->slots; r++)
			range_set(&c->cur, r);
	c->cursor = c->slots % lim->nr_ranges;
	return c;
}

void hm_chmu_ctl_free(struct hm_chmu_ctl *c)
{
	if (!c)
		return;
	free(c->prev);
	free(c->now);
	free(c->score);
	free(c->zoom);
	free(c);
}

const struct hm_chmu_ctl_setting *hm_chmu_ctl_get(const struct hm_chmu_ctl *c)
{
	return &c->cur;
}

static int cmp_unit(const void *a, const void *b)
{
	const struct hm_chmu_ctl_unit *x = a, *y = b;

	return x->unit < y->unit ? -1 : x->unit > y->unit;
}

static uint32_t range_of(const struct hm_chmu_ctl_obs *o, uint64_t unit)
{
	return (uint32_t)((unit << o->unit_log2) >> RANGE_SHIFT);
}

/*
 * This epoch's distinct units (sorted into c->now) and how many of them
 * saturated; *@cmp of them lie in ranges the last epoch tracked too, and
 * *@kept of those were hot then as well.
 */
static int distinct(struct hm_chmu_ctl *c, const struct hm_chmu_ctl_obs *o, size_t *n,
		    size_t *sat, size_t *cmp, size_t *kept)
{
	struct hm_chmu_ctl_unit *u = NULL;
	size_t i, j, k;

	*n = *sat = *cmp = *kept = 0;
	if (o->nr_units) {
		u = malloc(o->nr_units * sizeof(*u));
		if (!u)
			return -ENOMEM;
		memcpy(u, o->units, o->nr_units * sizeof(*u));
		qsort(u, o->nr_units, sizeof(*u), cmp_unit);
	}
	if (o->nr_units > c->cap_now) {
		uint64_t *p = realloc(c->now, o->nr_units * sizeof(*p));

		if (!p) {
			free(u);
			return -ENOMEM;
		}
		c->now = p;
		c->cap_now = o->nr_units;
	}
	for (i = 0; i < o->nr_units; i = j) {
		uint32_t max = u[i].count;

		for (j = i + 1; j < o->nr_units && u[j].unit == u[i].unit; j++)
			if (u[j].count > max)
				max = u[j].count;
		c->now[(*n)++] = u[i].unit;
		if (o->max_count && max >= o->max_count)
			(*sat)++;
	}
	free(u);
	if (!c->have_last)
		return 0;
	for (i = 0, k = 0; i < *n; i++) {
		uint32_t r = range_of(o, c->now[i]);

		if (r >= HM_CHMU_CTL_MAX_RANGES || !range_on(&c->last, r))
			continue;
		(*cmp)++;
		while (k < c->nr_prev && c->prev[k] < c->now[i])
			k++;
		if (k < c->nr_prev && c->prev[k] == c->now[i])
			(*kept)++;
	}
	return 0;
}

static bool ds_supported(const struct hm_chmu_ctl *c, uint32_t log2)
{
	return log2 < 32 && (c->lim.ds_mask >> log2 & 1);
}

/* The next supported downsampling factor below the current one (1 is always). */
static uint32_t ds_below(const struct hm_chmu_ctl *c)
{
	uint32_t l = c->cur.ds_log2 - 1;

	while (l && !ds_supported(c, l))
		l--;
	return l;
}

static void set_threshold(struct hm_chmu_ctl *c, uint64_t t, const char *why)
{
	uint32_t old = c->cur.threshold;

	if (t < c->lim.min_threshold)
		t = c->lim.min_threshold;
	if (t > c->lim.max_threshold)
		t = c->lim.max_threshold;
	if (t == old)
		return;
	c->cur.threshold = (uint32_t)t;
	note(c, HM_CHMU_CTL_THRESHOLD, old, t, "%s", why);
}

static void set_ds(struct hm_chmu_ctl *c, uint32_t log2, const char *why)
{
	uint32_t old = c->cur.ds_log2;

	c->cur.ds_log2 = log2;
	note(c, HM_CHMU_CTL_DOWNSAMPLE, 1ull << old, 1ull << log2, "%s", why);
}

static void set_epoch(struct hm_chmu_ctl *c, uint64_t ns, const char *why)
{
	uint64_t old = c->cur.epoch_ns;

	c->cur.epoch_ns = ns;
	note(c, HM_CHMU_CTL_EPOCH, old, ns, "%s", why);
}

/* Saturated counters: a larger downsampling factor, the threshold scaled with it. */
static bool on_saturation(struct hm_chmu_ctl *c, size_t n, size_t sat)
{
	char why[160];

	if (!n || sat * SAT_SHARE < n || !ds_supported(c, c->cur.ds_log2 + 1))
		return false;
	snprintf(why, sizeof(why), "%zu of %zu hot units saturated their counters", sat, n);
	set_ds(c, c->cur.ds_log2 + 1, why);
	set_threshold(c, (c->cur.threshold + 1) / 2, "counts halve with the downsampling");
	return true;
}

static bool on_overflow(struct hm_chmu_ctl *c, const struct hm_chmu_ctl_obs *o, size_t n)
{
	char why[160];

	if (!o->overflow && !o->dropped)
		return false;
	c->low = c->high = 0;
	snprintf(why, sizeof(why), "the hotlist overflowed (%zu units, %llu entries lost, ring "
		 "of %u)", n, (unsigned long long)o->dropped, c->lim.hotlist_size);
	if (c->cur.threshold < c->lim.max_threshold) {
		set_threshold(c, 2ull * c->cur.threshold, why);
		return true;
	}
	if (ds_supported(c, c->cur.ds_log2 + 1)) {
		set_ds(c, c->cur.ds_log2 + 1, why);
		return true;
	}
	return false;
}

/* Hot units churn across epochs: shorter epochs, and a threshold for fewer counts. */
static bool on_churn(struct hm_chmu_ctl *c, size_t cmp, size_t kept)
{
	uint64_t ns = c->cur.epoch_ns / 2;
	char why[160];

	if (!c->nr_prev || cmp < c->want.units / 2 || !cmp || kept * 100 >= cmp * CHURN_PCT ||
	    ns < c->lim.min_epoch_ns)
		return false;
	snprintf(why, sizeof(why), "%zu%% of %zu hot units were hot in the last epoch",
		 kept * 100 / cmp, cmp);
	set_epoch(c, ns, why);
	set_threshold(c, (c->cur.threshold + 1) / 2, "counts halve with the epoch");
	c->low = c->high = 0;
	return true;
}

/* The yield loop: between @want.units and twice that, with hysteresis. */
static void on_yield(struct hm_chmu_ctl *c, size_t n, size_t cmp, size_t kept)
{
	uint64_t k = c->want.units, t = c->cur.threshold;
	char why[160];

	if (n > 2 * k) {
		c->low = 0;
		if (++c->high < STREAK)
			return;
		c->high = 0;
		snprintf(why, sizeof(why), "%zu hot units, above twice the %llu wanted", n,
			 (unsigned long long)k);
		set_threshold(c, t + (t / 4 ? t / 4 : 1), why);
		return;
	}
	if (n >= k) {
		c->low = c->high = 0;
		return;
	}
	c->high = 0;
	if (++c->low < STREAK)
		return;
	c->low = 0;
	snprintf(why, sizeof(why), "%zu hot units, below the %llu wanted", n,
		 (unsigned long long)k);
	if (t > c->lim.min_threshold) {
		set_threshold(c, n ? t - (t / 4 ? t / 4 : 1) : t / 2, why);
		return;
	}
	/* at the floor: more counts per unit, by sampling more or counting longer */
	if (c->cur.ds_log2) {
		snprintf(why, sizeof(why), "%zu hot units at the lowest threshold: counts too "
			 "sparse to separate hot from warm", n);
		set_ds(c, ds_below(c), why);
		return;
	}
	if (c->cur.epoch_ns * 2 <= c->lim.max_epoch_ns &&
	    (!cmp || kept * 100 >= cmp * PERSIST_PCT)) {
		snprintf(why, sizeof(why), "%zu hot units at the lowest threshold, %zu%% persisting: "
			 "a longer epoch gathers more counts", n, cmp ? kept * 100 / cmp : 0);
		set_epoch(c, c->cur.epoch_ns * 2, why);
	}
}

/*
 * A consumer that adds up an interval's epochs: the program that loses
 * least is the shortest epoch at the lowest threshold. A unit's accesses
 * under the threshold in one epoch are lost, and none are at the floor;
 * a tracker that fills up (a table's first-come entries, a sketch's
 * collisions, a top-k's evictions) forgets less when it is emptied
 * sooner. What bounds both is the host: the entries it drains per
 * interval (@want.max_entries), and a yield too thin for @want.units.
 * Entries per interval are projected from this epoch's at its length.
 */
static void on_interval(struct hm_chmu_ctl *c, const struct hm_chmu_ctl_obs *o, size_t n)
{
	uint64_t iv = c->want.interval_ns, budget = c->want.max_entries, k = c->want.units;
	uint64_t ep = c->last.epoch_ns, per = ep ? (iv + ep - 1) / ep : 1;
	uint64_t proj = (uint64_t)o->nr_units * per, t = c->cur.threshold;
	char why[160];

	if (budget && proj > budget) {
		snprintf(why, sizeof(why), "%llu entries per %llu ms interval at this rate, over "
			 "the drain budget of %llu", (unsigned long long)proj,
			 (unsigned long long)(iv / 1000000), (unsigned long long)budget);
		if (t < c->lim.max_threshold)
			set_threshold(c, 2 * t, why);
		else if (c->cur.epoch_ns * 2 <= c->lim.max_epoch_ns)
			set_epoch(c, c->cur.epoch_ns * 2, why);
		return;
	}
	if (n * per < k) {
		snprintf(why, sizeof(why), "%zu hot units per epoch, %llu epochs per interval: "
			 "fewer than the %llu wanted", n, (unsigned long long)per,
			 (unsigned long long)k);
		if (t > c->lim.min_threshold) {
			/* nothing at all: the threshold is far off, so the step is longer */
			set_threshold(c, n ? t / 2 : t / 8, why);
			return;
		}
		if (c->cur.ds_log2) {
			set_ds(c, ds_below(c), why);
			return;
		}
		if (c->cur.epoch_ns * 2 <= c->lim.max_epoch_ns) {
			set_epoch(c, c->cur.epoch_ns * 2, why);
			c->epoch_floor = c->cur.epoch_ns;
			c->since_drought = 0;
		}
		return;
	}
	/* room in the budget: halve the threshold only with room for four times the entries */
	if (t > c->lim.min_threshold && (!budget || 4 * proj <= budget)) {
		snprintf(why, sizeof(why), "the consumer adds up each %llu ms interval: counts under "
			 "the threshold are lost in every epoch (%llu entries per interval%s)",
			 (unsigned long long)(iv / 1000000), (unsigned long long)proj,
			 budget ? ", in budget" : "");
		set_threshold(c, budget ? t / 2 : c->lim.min_threshold, why);
	}
	/*
	 * Not below an epoch that starved lately, so a thin yield does not
	 * swing the epoch; after REPROBE good epochs it is tried again.
	 */
	if (c->epoch_floor && ++c->since_drought >= REPROBE)
		c->epoch_floor = 0;
	if (c->cur.epoch_ns > c->lim.min_epoch_ns) {
		uint64_t ns = c->epoch_floor > c->lim.min_epoch_ns ? c->epoch_floor :
								     c->lim.min_epoch_ns;

		/* the shortest epoch whose projected entries keep half the budget free */
		if (budget && o->nr_units) {
			uint64_t lo = (uint64_t)((unsigned __int128)iv * o->nr_units * 2 / budget);

			if (lo > ns)
				ns = lo;
		}
		if (ns < c->cur.epoch_ns) {
			snprintf(why, sizeof(why), "%zu units per %llu ms epoch: a tracker emptied "
				 "more often forgets less of what its %llu ms interval saw", n,
				 (unsigned long long)(c->cur.epoch_ns / 1000000),
				 (unsigned long long)(iv / 1000000));
			set_epoch(c, ns, why);
		}
	}
}

static int cmp_score(const void *a, const void *b, void *arg)
{
	const uint64_t *s = arg;
	const uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	if (s[x] != s[y])
		return s[x] > s[y] ? -1 : 1;
	return x < y ? -1 : x > y;
}

/*
 * The range bitmap when only @slots ranges fit: the ranges that yield hot
 * units (the zoom set, at most half the slots, busiest first), then the
 * next ranges in turn. Every range is enabled at least once in
 * ceil((nr_ranges - zoomed) / (slots - zoomed)) epochs. With a coarse
 * instance's heat the zoom set follows that instead, and may take every
 * slot but one: the coarse instance covers every range itself.
 */
static int rotate(struct hm_chmu_ctl *c, const struct hm_chmu_ctl_obs *o, size_t n)
{
	uint32_t nr = c->lim.nr_ranges, r, z = 0, zmax, picked, was;
	uint32_t *order;
	size_t i;

	for (r = 0; r < nr; r++)
		c->score[r] /= 2;
	if (o->range_heat) {
		for (r = 0; r < nr; r++)	/* an access now counts 2, halving each epoch */
			c->score[r] += o->range_heat[r] < UINT64_MAX / 8 ? 2 * o->range_heat[r] :
									   UINT64_MAX / 4;
	} else {
		for (i = 0; i < n; i++) {
			r = range_of(o, c->now[i]);
			if (r < nr && c->score[r] < UINT64_MAX / 4)
				c->score[r] += 2;	/* a hot unit now counts 2 */
		}
	}
	if (o->untracked && c->slots > 1) {
		char why[160];
		uint32_t old = c->slots;

		c->slots /= 2;
		snprintf(why, sizeof(why), "%llu accesses found no counter: the tracker is full",
			 (unsigned long long)o->untracked);
		note(c, HM_CHMU_CTL_RANGES, old, c->slots, "%s", why);
	}
	if (c->slots >= nr)
		return 0;
	order = malloc(nr * sizeof(*order));
	if (!order)
		return -ENOMEM;
	for (r = 0; r < nr; r++)
		order[r] = r;
	qsort_r(order, nr, sizeof(*order), cmp_score, c->score);
	zmax = !o->range_heat ? c->slots / 2 : c->slots > 1 ? c->slots - 1 : 1;
	memset(c->cur.ranges, 0, sizeof(c->cur.ranges));
	was = 0;
	for (r = 0; r < nr; r++)
		was += c->zoom[r];
	for (i = 0; i < nr && z < zmax && c->score[order[i]] >= 2; i++) {
		r = order[i];
		range_set(&c->cur, r);
		if (!c->zoom[r] && o->range_heat)
			note(c, HM_CHMU_CTL_RANGES, was, was + 1, "zoom into range %u (DPA 0x%llx): "
			     "the coarse instance counted %llu lately", r,
			     (unsigned long long)r << RANGE_SHIFT, (unsigned long long)c->score[r] / 2);
		else if (!c->zoom[r])
			note(c, HM_CHMU_CTL_RANGES, was, was + 1, "zoom into range %u (DPA 0x%llx): "
			     "%llu hot units lately", r, (unsigned long long)r << RANGE_SHIFT,
			     (unsigned long long)c->score[r] / 2);
		z++;
	}
	for (r = 0; r < nr; r++)
		c->zoom[r] = range_on(&c->cur, r);
	for (picked = z, i = 0; picked < c->slots && i < nr; i++) {
		r = c->cursor;
		c->cursor = (c->cursor + 1) % nr;
		if (range_on(&c->cur, r))
			continue;
		range_set(&c->cur, r);
		picked++;
	}
	free(order);
	return 0;
}

int hm_chmu_ctl_step(struct hm_chmu_ctl *c, const struct hm_chmu_ctl_obs *o,
		     struct hm_chmu_ctl_setting *next)
{
	size_t n, sat, cmp, kept, cap;
	uint64_t *t;
	int ret;

	c->epoch++;
	c->changes = 0;
	ret = distinct(c, o, &n, &sat, &cmp, &kept);
	if (ret)
		return ret;
	c->last = c->cur;
	c->have_last = true;
	if (!on_saturation(c, n, sat) && !on_overflow(c, o, n)) {
		if (c->want.interval_ns)
			on_interval(c, o, n);
		else if (!on_churn(c, cmp, kept))
			on_yield(c, n, cmp, kept);
	}
	ret = rotate(c, o, n);
	if (ret)
		return ret;
	/* this epoch's units are the next one's "last" */
	t = c->prev;
	c->prev = c->now;
	c->now = t;
	cap = c->cap_prev;
	c->cap_prev = c->cap_now;
	c->cap_now = cap;
	c->nr_prev = n;
	if (next)
		*next = c->cur;
	return c->changes;
}

/* ---- host glue ---- */

int hm_chmu_ctl_program(const struct hm_chmu_io *io, const struct hm_chmu_caps *c,
			const struct hm_chmu_event *base, const struct hm_chmu_ctl_setting *s,
			struct hm_chmu_program *p, char *err, size_t errlen)
{
	struct hm_chmu_event ev = *base;
	unsigned int scale, mult;
	int ret;

	if (hm_chmu_epoch_encode(s->epoch_ns, &scale, &mult)) {
		if (err && errlen)
			snprintf(err, errlen, "epoch %llu ns: too short for a CHMU epoch",
				 (unsigned long long)s->epoch_ns);
		return -EINVAL;
	}
	hm_chmu_event_set(&ev, HM_CHMU_F_EPOCH_TYPE, 0);
	hm_chmu_event_set(&ev, HM_CHMU_F_EPOCH_SCALE, scale);
	hm_chmu_event_set(&ev, HM_CHMU_F_EPOCH_MULT, mult);
	hm_chmu_event_set(&ev, HM_CHMU_F_DS_FACTOR, s->ds_log2);
	hm_chmu_event_set(&ev, HM_CHMU_F_THRESHOLD, s->threshold);
	ret = hm_chmu_validate(io, c, &ev, p, err, errlen);
	if (ret)
		return ret;
	if (hm_chmu_ctl_nr_ranges(s))
		p->ranges = s->ranges;
	return hm_chmu_start(io, c, p);
}

long hm_chmu_ctl_units(const struct hm_report *r, size_t n, unsigned int unit_log2,
		       const struct hm_hdm_decoder *dec, uint64_t dpa_base,
		       struct hm_chmu_ctl_unit **units, size_t *cap)
{
	uint64_t ways = dec && dec->ways ? dec->ways : 1, base = dec ? dec->hpa_base : 0;
	struct hm_hpa_count *m = NULL;
	long k, i;

	k = hm_hpa_merge(r, n, 1ull << unit_log2, &m);
	if (k < 0)
		return k;
	if ((size_t)k > *cap) {
		size_t nc = (size_t)k * 2;
		struct hm_chmu_ctl_unit *u = realloc(*units, nc * sizeof(*u));

		if (!u) {
			free(m);
			return -ENOMEM;
		}
		*units = u;
		*cap = nc;
	}
	/* a unit of HPA to one of the device's own space, where its ranges are */
	for (i = 0; i < k; i++)
		(*units)[i] = (struct hm_chmu_ctl_unit){
			(((m[i].hpa >> unit_log2 << unit_log2) - base) / ways >> unit_log2) +
				(dpa_base >> unit_log2),
			m[i].count > UINT32_MAX ? UINT32_MAX : (uint32_t)m[i].count };
	free(m);
	return k;
}

void hm_chmu_ctl_range_heat(const struct hm_chmu_ctl_unit *u, size_t n, unsigned int unit_log2,
			    uint64_t *heat, uint32_t nr_ranges)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint64_t r = (u[i].unit << unit_log2) >> RANGE_SHIFT;

		if (r < nr_ranges)
			heat[r] += u[i].count;
	}
}
