// SPDX-License-Identifier: MIT
/*
 * Synthetic access streams: uniform, Zipf and hot set (optionally moving),
 * with a read/write and TEE mix, spread over CPUs, evenly spaced in time.
 * The spec string is parsed here, so the command line and JSON files share
 * one syntax; a spec and a seed always give the same stream.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hotmem/parse.h>
#include <hotmem/rand.h>
#include <hotmem/workload.h>

#define PPM 1000000u
#define MAX_CPUS 4096u

/* ---- the spec string ------------------------------------------------------- */

static const char *const kind_names[] = { "uniform", "zipf", "hotset", "trace" };

/* "0.3", "30%", "1": parts per million, at most 1. */
static int parse_ppm(const char *s, uint32_t *out)
{
	uint64_t whole = 0, frac = 0, scale = PPM, div = 1;
	const char *p = s;

	for (; *p >= '0' && *p <= '9'; p++) {
		whole = whole * 10 + (uint64_t)(*p - '0');
		if (whole > 100)
			return -EINVAL;
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++) {
			if (div >= PPM)
				return -EINVAL;	/* finer than a ppm */
			div *= 10;
			frac = frac * 10 + (uint64_t)(*p - '0');
		}
	}
	if (p == s || (p == s + 1 && *s == '.'))
		return -EINVAL;
	if (*p == '%') {
		scale = PPM / 100;
		p++;
	}
	if (*p)
		return -EINVAL;
	whole = whole * scale + frac * scale / div;
	if (whole > PPM)
		return -EINVAL;
	*out = (uint32_t)whole;
	return 0;
}

/* "10000000", "10M", "2.5G": a count, with k/M/G as powers of 1000. */
static int parse_count(const char *s, uint64_t *out)
{
	uint64_t whole = 0, frac = 0, div = 1, mult = 1;
	const char *p = s;

	for (; *p >= '0' && *p <= '9'; p++) {
		if (whole > UINT64_MAX / 10 / 1000000000ull)
			return -ERANGE;
		whole = whole * 10 + (uint64_t)(*p - '0');
	}
	if (p == s)
		return -EINVAL;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++) {
			if (div >= 1000000000ull)
				return -EINVAL;
			div *= 10;
			frac = frac * 10 + (uint64_t)(*p - '0');
		}
	}
	if (*p == 'k' || *p == 'K')
		mult = 1000;
	else if (*p == 'M')
		mult = 1000000;
	else if (*p == 'G')
		mult = 1000000000;
	if (mult > 1)
		p++;
	if (*p)
		return -EINVAL;
	*out = whole * mult + frac * mult / div;
	return 0;
}

/* A decimal with at most three decimals, in thousandths, at most 10. */
static int parse_milli(const char *s, uint32_t *out)
{
	uint64_t whole = 0, frac = 0, div = 1;
	const char *p = s;

	for (; *p >= '0' && *p <= '9'; p++) {
		whole = whole * 10 + (uint64_t)(*p - '0');
		if (whole > 10)
			return -ERANGE;
	}
	if (p == s)
		return -EINVAL;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++) {
			if (div == 1000)
				return -EINVAL;
			div *= 10;
			frac = frac * 10 + (uint64_t)(*p - '0');
		}
	}
	if (*p)
		return -EINVAL;
	whole = whole * 1000 + frac * 1000 / div;
	if (whole > 10000)
		return -ERANGE;
	*out = (uint32_t)whole;
	return 0;
}

static void defaults(struct hm_workload_spec *s, enum hm_workload_kind kind)
{
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->line = 64;
	s->rate = 10000000;
	s->cpus = 1;
	s->exponent_milli = 990;
	s->gran = 4096;
	s->scramble = true;
	s->frac_ppm = 900000;
}

/* Keys each kind takes, after the common ones. */
static const char *const common_keys = "base, size, line, rate, write, tee, cpus";
static const char *const kind_keys[] = { "", ", s, gran, scramble", ", hot, frac, move" };

static bool key_allowed(enum hm_workload_kind kind, const char *key)
{
	static const char *const common[] = { "base", "size", "line", "rate", "write", "tee",
					      "cpus" };
	static const char *const zipf[] = { "s", "gran", "scramble" };
	static const char *const hot[] = { "hot", "frac", "move" };
	size_t i;

	for (i = 0; i < sizeof(common) / sizeof(common[0]); i++)
		if (!strcmp(key, common[i]))
			return true;
	for (i = 0; kind == HM_WORKLOAD_ZIPF && i < 3; i++)
		if (!strcmp(key, zipf[i]))
			return true;
	for (i = 0; kind == HM_WORKLOAD_HOTSET && i < 3; i++)
		if (!strcmp(key, hot[i]))
			return true;
	return false;
}

static int set_key(struct hm_workload_spec *s, const char *key, const char *val, char *err,
		   size_t errlen)
{
	size_t at;
	uint64_t v;

	if (!*val)
		return hm_errmsg(err, errlen, "%s: missing value", key);
	if (!strcmp(key, "base") || !strcmp(key, "size") || !strcmp(key, "line") ||
	    !strcmp(key, "gran") || !strcmp(key, "hot")) {
		if (hm_parse_size(val, &v, &at))
			return hm_errmsg(err, errlen, "%s: '%s' is not a size such as 4096, 64K or 1G",
				    key, val);
		if (!strcmp(key, "base"))
			s->base = v;
		else if (!strcmp(key, "size"))
			s->size = v;
		else if (!strcmp(key, "line"))
			s->line = v;
		else if (!strcmp(key, "gran"))
			s->gran = v;
		else
			s->hot = v;
	} else if (!strcmp(key, "rate")) {
		if (parse_count(val, &v) || !v)
			return hm_errmsg(err, errlen, "rate: '%s' is not a positive count of accesses "
				    "per second such as 10M", val);
		s->rate = v;
	} else if (!strcmp(key, "write") || !strcmp(key, "tee") || !strcmp(key, "frac")) {
		uint32_t ppm;

		if (parse_ppm(val, &ppm))
			return hm_errmsg(err, errlen, "%s: '%s' is not a share between 0 and 1 such as "
				    "0.3 or 30%%", key, val);
		if (!strcmp(key, "write"))
			s->write_ppm = ppm;
		else if (!strcmp(key, "tee"))
			s->tee_ppm = ppm;
		else
			s->frac_ppm = ppm;
	} else if (!strcmp(key, "cpus")) {
		if (hm_parse_u64(val, &v, &at) || !v || v > MAX_CPUS)
			return hm_errmsg(err, errlen, "cpus: '%s' is not a number of CPUs, 1-%u", val,
				    MAX_CPUS);
		s->cpus = (uint32_t)v;
	} else if (!strcmp(key, "s")) {
		uint32_t m;

		if (parse_milli(val, &m) || !m)
			return hm_errmsg(err, errlen, "s: '%s' is not a Zipf exponent above 0 and at "
				    "most 10 (three decimals at most)", val);
		s->exponent_milli = m;
	} else if (!strcmp(key, "scramble")) {
		if (strcmp(val, "0") && strcmp(val, "1"))
			return hm_errmsg(err, errlen, "scramble: '%s' is not 0 or 1", val);
		s->scramble = val[0] == '1';
	} else if (!strcmp(key, "move")) {
		if (hm_parse_duration(val, 1000000, &v, &at))
			return hm_errmsg(err, errlen, "move: '%s' is not a duration such as 500ms or 2s",
				    val);
		s->move_ns = v;
	}
	return 0;
}

static bool pow2(uint64_t x)
{
	return x && !(x & (x - 1));
}

static int check(const struct hm_workload_spec *s, char *err, size_t errlen)
{
	if (!s->size)
		return hm_errmsg(err, errlen, "size: missing (the bytes the stream covers, e.g. size=1G)");
	if (!pow2(s->line) || s->line > (1u << 20))
		return hm_errmsg(err, errlen, "line: %llu is not a power of two up to 1 MiB",
			    (unsigned long long)s->line);
	if (s->size % s->line)
		return hm_errmsg(err, errlen, "size: %llu is not a multiple of line (%llu)",
			    (unsigned long long)s->size, (unsigned long long)s->line);
	if (s->base % s->line)
		return hm_errmsg(err, errlen, "base: 0x%llx is not aligned to line (%llu)",
			    (unsigned long long)s->base, (unsigned long long)s->line);
	if (s->base + s->size < s->base)
		return hm_errmsg(err, errlen, "base + size goes past the end of the address space");
	if (!s->rate)
		return hm_errmsg(err, errlen, "rate: 0 accesses per second; give a positive count");
	if (s->kind == HM_WORKLOAD_TRACE)
		return hm_errmsg(err, errlen, "trace: made by hm_workload_from_accesses()");
	if (s->kind == HM_WORKLOAD_ZIPF) {
		if (!s->gran || s->gran % s->line || s->size % s->gran)
			return hm_errmsg(err, errlen, "gran: %llu must be a multiple of line (%llu) that "
				    "divides size (%llu)", (unsigned long long)s->gran,
				    (unsigned long long)s->line, (unsigned long long)s->size);
		if (s->size / s->gran > (1ull << 40))
			return hm_errmsg(err, errlen, "gran: %llu items are more than 2^40",
				    (unsigned long long)(s->size / s->gran));
	}
	if (s->kind == HM_WORKLOAD_HOTSET) {
		if (!s->hot)
			return hm_errmsg(err, errlen, "hot: missing (the hot set's size, e.g. hot=64M)");
		if (s->hot % s->line)
			return hm_errmsg(err, errlen, "hot: %llu is not a multiple of line (%llu)",
				    (unsigned long long)s->hot, (unsigned long long)s->line);
		if (s->hot > s->size)
			return hm_errmsg(err, errlen, "hot: %llu is larger than size (%llu)",
				    (unsigned long long)s->hot, (unsigned long long)s->size);
	}
	return 0;
}

int hm_workload_parse(const char *str, struct hm_workload_spec *spec, char *err,
		      size_t errlen)
{
	struct hm_workload_spec s;
	char buf[512], *p, *item, *save = NULL;
	size_t klen, i;
	int ret;

	if (!str || !spec)
		return hm_errmsg(err, errlen, "no workload given");
	if (strlen(str) >= sizeof(buf))
		return hm_errmsg(err, errlen, "longer than %zu characters", sizeof(buf) - 1);
	strcpy(buf, str);
	p = strchr(buf, ':');
	klen = p ? (size_t)(p - buf) : strlen(buf);
	for (i = 0; i < 3; i++)
		if (strlen(kind_names[i]) == klen && !strncmp(buf, kind_names[i], klen))
			break;
	if (i == 3 && klen == 5 && !strncmp(buf, "trace", 5))
		return hm_errmsg(err, errlen, "trace: a recorded stream comes from a file, not a "
			    "spec (in a scenario: {\"trace\": FILE})");
	if (i == 3)
		return hm_errmsg(err, errlen, "'%.*s' is not a workload (expected uniform, zipf or "
			    "hotset, as in hotset:size=1G,hot=64M,frac=0.9)", (int)klen, buf);
	defaults(&s, (enum hm_workload_kind)i);
	for (item = p ? strtok_r(p + 1, ",", &save) : NULL; item;
	     item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '=');

		if (!eq)
			return hm_errmsg(err, errlen, "'%s' is not key=value", item);
		*eq = '\0';
		if (!key_allowed(s.kind, item))
			return hm_errmsg(err, errlen, "%s: not a key of %s (expected one of: %s%s)", item,
				    kind_names[s.kind], common_keys, kind_keys[s.kind]);
		ret = set_key(&s, item, eq + 1, err, errlen);
		if (ret)
			return ret;
	}
	ret = check(&s, err, errlen);
	if (ret)
		return ret;
	*spec = s;
	return 0;
}

/* Append to @buf at *@at, snprintf-style: *@at counts what would be written. */
static void append(char *buf, size_t len, size_t *at, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void append(char *buf, size_t len, size_t *at, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf + (*at < len ? *at : len), *at < len ? len - *at : 0, fmt, ap);
	va_end(ap);
	*at += n > 0 ? (size_t)n : 0;
}

int hm_workload_format(const struct hm_workload_spec *s, char *buf, size_t len)
{
	size_t at = 0;

	append(buf, len, &at, "%s:base=0x%llx,size=%llu,line=%llu,rate=%llu,cpus=%u",
	       kind_names[s->kind], (unsigned long long)s->base, (unsigned long long)s->size,
	       (unsigned long long)s->line, (unsigned long long)s->rate, s->cpus);
	append(buf, len, &at, ",write=%u.%06u,tee=%u.%06u", s->write_ppm / PPM,
	       s->write_ppm % PPM, s->tee_ppm / PPM, s->tee_ppm % PPM);
	if (s->kind == HM_WORKLOAD_ZIPF)
		append(buf, len, &at, ",s=%u.%03u,gran=%llu,scramble=%d", s->exponent_milli / 1000,
		       s->exponent_milli % 1000, (unsigned long long)s->gran, s->scramble ? 1 : 0);
	if (s->kind == HM_WORKLOAD_HOTSET)
		append(buf, len, &at, ",hot=%llu,frac=%u.%06u,move=%lluns",
		       (unsigned long long)s->hot, s->frac_ppm / PPM, s->frac_ppm % PPM,
		       (unsigned long long)s->move_ns);
	return (int)at;
}

/* ---- Zipf by rejection inversion ------------------------------------------------ */

/*
 * Hörmann and Derflinger's rejection-inversion: O(1) per draw, no table, for
 * any exponent s > 0. H is an integral of h(x) = x^-s, written through
 * log1p/expm1 so that s near 1 keeps its precision.
 */
struct zipf {
	double s;
	double h_x1;		/* H(1.5) - 1 */
	double h_n;		/* H(n + 0.5) */
	double s_cut;		/* accept without the test below this distance */
	uint64_t n;
};

static double log1p_over_x(double x)
{
	return fabs(x) > 1e-8 ? log1p(x) / x : 1 - x * (0.5 - x * (1.0 / 3 - 0.25 * x));
}

static double expm1_over_x(double x)
{
	return fabs(x) > 1e-8 ? expm1(x) / x : 1 + x * 0.5 * (1 + x / 3 * (1 + 0.25 * x));
}

static double zipf_h(const struct zipf *z, double x)
{
	return exp(-z->s * log(x));
}

static double zipf_H(const struct zipf *z, double x)
{
	double lx = log(x);

	return expm1_over_x((1 - z->s) * lx) * lx;
}

static double zipf_H_inv(const struct zipf *z, double x)
{
	double t = x * (1 - z->s);

	if (t < -1)
		t = -1;
	return exp(log1p_over_x(t) * x);
}

static void zipf_init(struct zipf *z, uint64_t n, double s)
{
	z->n = n;
	z->s = s;
	z->h_x1 = zipf_H(z, 1.5) - 1;
	z->h_n = zipf_H(z, (double)n + 0.5);
	z->s_cut = 2 - zipf_H_inv(z, zipf_H(z, 2.5) - zipf_h(z, 2));
}

static double unit_double(struct hm_rand *rng)
{
	return (double)(hm_rand_next(rng) >> 11) * 0x1.0p-53;
}

/* A rank in [1, n]. */
static uint64_t zipf_draw(const struct zipf *z, struct hm_rand *rng)
{
	for (;;) {
		double u = z->h_n + unit_double(rng) * (z->h_x1 - z->h_n);
		double x = zipf_H_inv(z, u);
		double kd = floor(x + 0.5);
		uint64_t k;

		if (kd < 1)
			kd = 1;
		else if (kd > (double)z->n)
			kd = (double)z->n;
		k = (uint64_t)kd;
		if (kd - x <= z->s_cut || u >= zipf_H(z, kd + 0.5) - zipf_h(z, kd))
			return k;
	}
}

/* ---- generators ----------------------------------------------------------------- */

struct hm_workload {
	struct hm_workload_spec spec;
	struct hm_rand rng;
	uint64_t t_ns, t_rem;	/* the next access's time: i * 1e9 / rate, and the remainder */
	uint64_t step_ns, step_rem;	/* 1e9 / rate, and 1e9 % rate */
	uint64_t write_thr;	/* a draw below this is a write */
	uint64_t tee_thr;
	uint64_t hot_thr;
	uint64_t lines;		/* lines in the span */
	/* zipf */
	struct zipf zipf;
	uint64_t items, item_mask, item_mult, item_key, item_lines;
	/* hotset */
	uint64_t hot_off;	/* offset of the hot set in the span */
	uint64_t hot_lines, cold_lines, hot_align;
	uint64_t next_move_ns;
	struct hm_rand move_rng;	/* moves only: a time model without draws follows them */
	/* trace */
	struct trace_data *tr;
	size_t tr_at;		/* the next access */
	uint64_t tr_pass_ns;	/* time of the current pass's start */
};

/* A recorded stream, shared by a workload and its copies. */
struct trace_data {
	unsigned long refs;
	size_t n;
	struct hm_access *acc;	/* times from 0, addresses packed */
	uint64_t period_ns;	/* one pass */
	uint64_t items;		/* packed units */
	uint64_t *item;		/* by rank: the unit */
	uint64_t *count;	/* by rank: its accesses per pass */
};

static uint64_t ppm_threshold(uint32_t ppm)
{
	if (ppm >= PPM)
		return UINT64_MAX;
	return (uint64_t)(((unsigned __int128)ppm << 64) / PPM);
}

struct hm_workload *hm_workload_new(const struct hm_workload_spec *spec, uint64_t seed)
{
	struct hm_workload *w;

	if (!spec || check(spec, NULL, 0)) {
		errno = EINVAL;
		return NULL;
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->spec = *spec;
	hm_rand_seed(&w->rng, seed);
	w->step_ns = 1000000000u / spec->rate;
	w->step_rem = 1000000000u % spec->rate;
	w->write_thr = ppm_threshold(spec->write_ppm);
	w->tee_thr = ppm_threshold(spec->tee_ppm);
	w->hot_thr = ppm_threshold(spec->frac_ppm);
	w->lines = spec->size / spec->line;
	if (spec->kind == HM_WORKLOAD_ZIPF) {
		uint64_t m = 1;

		w->items = spec->size / spec->gran;
		w->item_lines = spec->gran / spec->line;
		while (m < w->items)
			m <<= 1;
		w->item_mask = m - 1;
		w->item_mult = 0x9e3779b97f4a7c15ull | 1;
		w->item_key = hm_rand_next(&w->rng) & w->item_mask;
		zipf_init(&w->zipf, w->items, spec->exponent_milli / 1000.0);
	} else if (spec->kind == HM_WORKLOAD_HOTSET) {
		w->hot_lines = spec->hot / spec->line;
		w->cold_lines = (spec->size - spec->hot) / spec->line;
		w->hot_align = spec->hot % 4096 || spec->size % 4096 ? spec->line : 4096;
		w->next_move_ns = spec->move_ns ? spec->move_ns : UINT64_MAX;
		hm_rand_seed(&w->move_rng, seed ^ 0x6d6f76652d686f74ull);
	}
	return w;
}

static void trace_put(struct trace_data *t)
{
	if (!t || --t->refs)
		return;
	free(t->acc);
	free(t->item);
	free(t->count);
	free(t);
}

void hm_workload_free(struct hm_workload *w)
{
	if (w)
		trace_put(w->tr);
	free(w);
}

struct hm_workload *hm_workload_dup(const struct hm_workload *w)
{
	struct hm_workload *d = malloc(sizeof(*d));

	if (!d)
		return NULL;
	*d = *w;
	if (d->tr)
		d->tr->refs++;
	return d;
}

const struct hm_workload_spec *hm_workload_get_spec(const struct hm_workload *w)
{
	return &w->spec;
}

uint64_t hm_workload_hot_start(const struct hm_workload *w)
{
	return w->spec.base + w->hot_off;
}

void hm_workload_advance(struct hm_workload *w, uint64_t time_ns)
{
	const struct hm_workload_spec *s = &w->spec;

	while (time_ns >= w->next_move_ns) {
		uint64_t slots = (s->size - s->hot) / w->hot_align + 1;

		w->hot_off = hm_rand_below(&w->move_rng, slots) * w->hot_align;
		w->next_move_ns += s->move_ns;
	}
}

uint64_t hm_workload_next_move(const struct hm_workload *w)
{
	return w->spec.kind == HM_WORKLOAD_HOTSET ? w->next_move_ns : UINT64_MAX;
}

/*
 * Scatter ranks over the items: xor with a key drawn from the seed,
 * multiply by an odd constant, fold the high half down - each a bijection
 * on [0, 2^b) - and walk the cycle until the value lands below the item
 * count, which keeps it a bijection on [0, n).
 */
static uint64_t scatter(const struct hm_workload *w, uint64_t x)
{
	unsigned int half = (unsigned int)(__builtin_popcountll(w->item_mask) + 1) / 2;

	do {
		x = ((x ^ w->item_key) * w->item_mult) & w->item_mask;
		x ^= x >> half;
	} while (x >= w->items);
	return x;
}

uint64_t hm_workload_nr_items(const struct hm_workload *w)
{
	if (w->tr)
		return w->tr->items;
	return w->spec.kind == HM_WORKLOAD_ZIPF ? w->items : 0;
}

uint64_t hm_workload_item(const struct hm_workload *w, uint64_t rank)
{
	if (w->tr)
		return rank < w->tr->items ? w->tr->item[rank] : 0;
	return w->spec.scramble ? scatter(w, rank) : rank;
}

uint64_t hm_workload_item_count(const struct hm_workload *w, uint64_t rank)
{
	return w->tr && rank < w->tr->items ? w->tr->count[rank] : 0;
}

/*
 * The next address of a generated stream of @kind, a constant in each of
 * fill_kind()'s copies. @rng is the caller's copy of w->rng, kept out of
 * memory the stores may alias.
 */
static inline __attribute__((always_inline)) uint64_t
next_addr(struct hm_workload *w, struct hm_rand *rng, uint64_t time_ns, enum hm_workload_kind kind)
{
	const struct hm_workload_spec *s = &w->spec;
	uint64_t off;

	switch (kind) {
	case HM_WORKLOAD_ZIPF: {
		uint64_t item = zipf_draw(&w->zipf, rng) - 1;

		if (s->scramble)
			item = scatter(w, item);
		off = item * s->gran + hm_rand_below(rng, w->item_lines) * s->line;
		break;
	}
	case HM_WORKLOAD_HOTSET: {
		bool hot;

		if (time_ns >= w->next_move_ns)
			hm_workload_advance(w, time_ns);
		/* selects, not branches: one access in ten going cold is no pattern to predict */
		hot = !w->cold_lines || hm_rand_next(rng) < w->hot_thr;
		off = (hot ? w->hot_off : 0) +
		      hm_rand_below(rng, hot ? w->hot_lines : w->cold_lines) * s->line;
		off += !hot && off >= w->hot_off ? s->hot : 0;
		break;
	}
	default:
		off = hm_rand_below(rng, w->lines) * s->line;
		break;
	}
	return s->base + off;
}

/*
 * hm_workload_fill() for a generated stream of one @kind: a copy per kind,
 * so the loop carries no switch and the stream's state fits in registers.
 */
static inline __attribute__((always_inline)) void
fill_kind(struct hm_workload *w, struct hm_access *out, size_t n, enum hm_workload_kind kind)
{
	const struct hm_workload_spec *s = &w->spec;
	/*
	 * The stream's state lives in locals for the loop: the stores to @out
	 * may alias it, and reloading it from memory after each store put a
	 * store-to-load round trip on every draw's dependency chain.
	 */
	struct hm_rand rng = w->rng;
	uint64_t t_ns = w->t_ns, t_rem = w->t_rem;
	size_t k;

	for (k = 0; k < n; k++) {
		struct hm_access *a = &out[k];
		uint32_t flags = 0;

		/* floor(i * 1e9 / rate), stepped exactly without a division */
		a->time_ns = t_ns;
		t_ns += w->step_ns;
		t_rem += w->step_rem;
		if (t_rem >= s->rate) {
			t_rem -= s->rate;
			t_ns++;
		}
		a->addr = next_addr(w, &rng, a->time_ns, kind);
		a->cpu = s->cpus > 1 ? (uint32_t)hm_rand_below(&rng, s->cpus) : 0;
		if (w->write_thr && hm_rand_next(&rng) < w->write_thr)
			flags |= HM_ACCESS_WRITE;
		if (w->tee_thr && hm_rand_next(&rng) < w->tee_thr)
			flags |= HM_ACCESS_TEE;
		a->flags = flags;
	}
	w->rng = rng;
	w->t_ns = t_ns;
	w->t_rem = t_rem;
}

void hm_workload_fill(struct hm_workload *w, struct hm_access *out, size_t n)
{
	size_t k;

	if (w->tr) {
		for (k = 0; k < n; k++) {
			out[k] = w->tr->acc[w->tr_at];
			out[k].time_ns += w->tr_pass_ns;
			if (++w->tr_at == w->tr->n) {
				w->tr_at = 0;
				w->tr_pass_ns += w->tr->period_ns;
			}
		}
		return;
	}
	switch (w->spec.kind) {
	case HM_WORKLOAD_ZIPF:
		fill_kind(w, out, n, HM_WORKLOAD_ZIPF);
		break;
	case HM_WORKLOAD_HOTSET:
		fill_kind(w, out, n, HM_WORKLOAD_HOTSET);
		break;
	default:
		fill_kind(w, out, n, HM_WORKLOAD_UNIFORM);
		break;
	}
}

/* ---- recorded streams ------------------------------------------------------------ */

/* 10^6 s: passes of a longer trace would overflow 64-bit ns within a few thousand */
#define TRACE_MAX_SPAN_NS	(1000000ull * 1000000000u)

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Index of @key in the sorted, distinct @v[0..n). */
static size_t find_u64(const uint64_t *v, size_t n, uint64_t key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static size_t uniq_u64(uint64_t *v, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if (!k || v[k - 1] != v[i])
			v[k++] = v[i];
	return k;
}

/* (count, unit) pairs: the busiest first, ties by address */
static int cmp_rank(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	if (x[0] != y[0])
		return x[0] > y[0] ? -1 : 1;
	return x[1] < y[1] ? -1 : x[1] > y[1];
}

struct hm_workload *hm_workload_from_accesses(const struct hm_access *a, size_t n,
					      uint64_t base, uint64_t gran, char *err,
					      size_t errlen)
{
	struct trace_data *t = NULL;
	struct hm_workload *w = NULL;
	uint64_t *units = NULL, *pairs = NULL, span, writes = 0, tees = 0;
	uint64_t *cpus = NULL;
	size_t i, nu, nc;

	if (!pow2(gran) || gran < 64 || gran > (1ull << 30)) {
		hm_errmsg(err, errlen, "the packing unit %llu is not a power of two from 64 to 1G",
			  (unsigned long long)gran);
		return NULL;
	}
	if (n < 2) {
		hm_errmsg(err, errlen, "%zu access%s: a trace needs at least two", n,
			  n == 1 ? "" : "es");
		return NULL;
	}
	for (i = 1; i < n; i++) {
		if (a[i].time_ns < a[i - 1].time_ns) {
			hm_errmsg(err, errlen, "access %zu: time goes back", i + 1);
			return NULL;
		}
	}
	span = a[n - 1].time_ns - a[0].time_ns;
	if (!span) {
		hm_errmsg(err, errlen, "all %zu accesses have the same time: no rate to replay at", n);
		return NULL;
	}
	if (span > TRACE_MAX_SPAN_NS) {
		hm_errmsg(err, errlen, "the trace spans %llu s; at most %llu s replay",
			  (unsigned long long)(span / 1000000000u), TRACE_MAX_SPAN_NS / 1000000000u);
		return NULL;
	}
	if (base % gran) {
		hm_errmsg(err, errlen, "base 0x%llx is not aligned to the packing unit (%llu)",
			  (unsigned long long)base, (unsigned long long)gran);
		return NULL;
	}
	units = malloc(n * sizeof(*units));
	cpus = malloc(n * sizeof(*cpus));
	t = calloc(1, sizeof(*t));
	w = calloc(1, sizeof(*w));
	if (!units || !cpus || !t || !w)
		goto nomem;
	for (i = 0; i < n; i++) {
		units[i] = a[i].addr / gran;
		cpus[i] = a[i].cpu;
	}
	qsort(units, n, sizeof(*units), cmp_u64);
	nu = uniq_u64(units, n);
	qsort(cpus, n, sizeof(*cpus), cmp_u64);
	nc = uniq_u64(cpus, n);
	if (base + nu * gran < base) {
		hm_errmsg(err, errlen, "%zu units of %llu bytes from 0x%llx pass the end of the "
			  "address space", nu, (unsigned long long)gran, (unsigned long long)base);
		goto fail;
	}
	t->refs = 1;
	t->n = n;
	t->items = nu;
	t->acc = malloc(n * sizeof(*t->acc));
	t->item = malloc(nu * sizeof(*t->item));
	t->count = malloc(nu * sizeof(*t->count));
	pairs = calloc(nu, 2 * sizeof(*pairs));
	if (!t->acc || !t->item || !t->count || !pairs)
		goto nomem;
	for (i = 0; i < n; i++) {
		size_t u = find_u64(units, nu, a[i].addr / gran);
		uint32_t c = (uint32_t)find_u64(cpus, nc, a[i].cpu);

		t->acc[i].time_ns = a[i].time_ns - a[0].time_ns;
		t->acc[i].addr = base + u * gran + ((a[i].addr % gran) & ~63ull);
		t->acc[i].cpu = c % MAX_CPUS;
		t->acc[i].flags = a[i].flags & (HM_ACCESS_WRITE | HM_ACCESS_TEE);
		writes += !!(a[i].flags & HM_ACCESS_WRITE);
		tees += !!(a[i].flags & HM_ACCESS_TEE);
		pairs[2 * u]++;
	}
	for (i = 0; i < nu; i++)
		pairs[2 * i + 1] = i;
	qsort(pairs, nu, 2 * sizeof(*pairs), cmp_rank);
	for (i = 0; i < nu; i++) {
		t->count[i] = pairs[2 * i];
		t->item[i] = pairs[2 * i + 1];
	}
	/* one pass: the span and one mean gap, so passes follow at the same pace */
	t->period_ns = span + span / (n - 1);
	defaults(&w->spec, HM_WORKLOAD_TRACE);
	w->spec.base = base;
	w->spec.size = nu * gran;
	w->spec.gran = gran;
	w->spec.rate = (uint64_t)((double)n * 1e9 / (double)t->period_ns + 0.5);
	if (!w->spec.rate)
		w->spec.rate = 1;
	w->spec.cpus = nc < MAX_CPUS ? (uint32_t)nc : MAX_CPUS;
	w->spec.write_ppm = (uint32_t)(writes * PPM / n);
	w->spec.tee_ppm = (uint32_t)(tees * PPM / n);
	w->next_move_ns = UINT64_MAX;
	w->tr = t;
	free(units);
	free(cpus);
	free(pairs);
	return w;
nomem:
	hm_errmsg(err, errlen, "out of memory for a trace of %zu accesses", n);
fail:
	free(units);
	free(cpus);
	free(pairs);
	if (t) {
		free(t->acc);
		free(t->item);
		free(t->count);
	}
	free(t);
	free(w);
	return NULL;
}
