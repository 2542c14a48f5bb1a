// SPDX-License-Identifier: MIT
/*
 * The JSON configuration loader. It reads with json-c, walks the document
 * with a JSON path kept alongside, and checks every key and type, so that
 * every mistake is reported as one line naming the file and the path. The
 * context is built fresh and returned only when everything passed: a bad
 * file changes nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hotmem/parse.h>

#include "config.h"
#include "config_read.h"

#define MAX_CPUS 4096
#define MAX_RANGES 256


static const char *const action_names[] = { "stat", "migrate_hot", "migrate_cold" };
static const char *const metric_names[] = {
	"user_input", "node_mem_used_bp", "node_mem_free_bp",
	"node_eligible_mem_bp", "node_hot_share_bp",
};
static const char *const tuner_names[] = { "consist", "temporal" };
static const char *const space_names[] = { "any", "virt", "phys" };
static const char *const acct_names[] = { "binary", "weighted", "coverage" };
static const char *const straddle_names[] = { "reject", "split" };
static const char *const sfilter_names[] = { "cpumask", "threads", "write" };
static const char *const filter_names[] = { "addr", "target" };
static const char *const wmark_names[] = { "none", "free_mem_rate" };

#define N(a) (sizeof(a) / sizeof((a)[0]))

const char *hm_action_name(enum hm_action a)
{
	return (unsigned int)a < N(action_names) ? action_names[a] : "?";
}

const char *hm_goal_metric_name(enum hm_goal_metric m)
{
	return (unsigned int)m < N(metric_names) ? metric_names[m] : "?";
}

/* ---- paths and errors ---------------------------------------------------- */

size_t hm_cfg_push_key(struct hm_cfg_reader *c, const char *key)
{
	size_t old = c->plen;
	int n = snprintf(c->path + c->plen, sizeof(c->path) - c->plen, ".%s", key);

	if (n > 0)
		c->plen += (size_t)n < sizeof(c->path) - c->plen ? (size_t)n :
								     sizeof(c->path) - c->plen - 1;
	return old;
}

size_t hm_cfg_push_idx(struct hm_cfg_reader *c, size_t i)
{
	size_t old = c->plen;
	int n = snprintf(c->path + c->plen, sizeof(c->path) - c->plen, "[%zu]", i);

	if (n > 0)
		c->plen += (size_t)n < sizeof(c->path) - c->plen ? (size_t)n :
								     sizeof(c->path) - c->plen - 1;
	return old;
}

void hm_cfg_pop(struct hm_cfg_reader *c, size_t old)
{
	c->plen = old;
	c->path[old] = '\0';
}

int hm_cfg_fail(struct hm_cfg_reader *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	char *p;

	n = snprintf(c->err, c->errlen, "%s: %s: ", c->name, c->path);
	if (n >= 0 && (size_t)n < c->errlen) {
		va_start(ap, fmt);
		vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	/* Keys and values quoted from the file may hold control characters:
	 * the message stays one line (found by fuzz_config). */
	for (p = c->err; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return -EINVAL;
}

static void join(char *buf, size_t len, const char *const *names, size_t n)
{
	size_t i, at = 0;

	buf[0] = '\0';
	for (i = 0; i < n && at < len; i++)
		at += (size_t)snprintf(buf + at, len - at, "%s%s", i ? ", " : "", names[i]);
}

/* ---- readers ---------------------------------------------------------------- */

static const char *type_name(struct json_object *v)
{
	return json_type_to_name(json_object_get_type(v));
}

int hm_cfg_check_keys(struct hm_cfg_reader *c, struct json_object *o, const char *const *keys,
		      size_t n, const char *const *more)
{
	char list[512];

	if (!json_object_is_type(o, json_type_object))
		return hm_cfg_fail(c, "expected an object, not %s", type_name(o));
	json_object_object_foreach(o, k, v) {
		size_t i, old;
		bool ok = false;

		(void)v;
		for (i = 0; i < n && !ok; i++)
			ok = !strcmp(k, keys[i]);
		for (i = 0; more && more[i] && !ok; i++)
			ok = !strcmp(k, more[i]);
		if (!ok) {
			join(list, sizeof(list), keys, n);
			old = hm_cfg_push_key(c, k);
			hm_cfg_fail(c, "unknown key (expected one of: %s)", list);
			hm_cfg_pop(c, old);
			return -EINVAL;
		}
	}
	return 0;
}

/* An unsigned number: a JSON integer, or a string parsed by @parse. */
static int read_num(struct hm_cfg_reader *c, struct json_object *v, uint64_t *out,
		    int (*parse)(const char *, uint64_t *, size_t *), const char *what)
{
	size_t at;
	int ret;

	if (json_object_is_type(v, json_type_int)) {
		if (json_object_get_int64(v) < 0)
			return hm_cfg_fail(c, "expected %s, not a negative number", what);
		*out = json_object_get_uint64(v);
		return 0;
	}
	if (json_object_is_type(v, json_type_string)) {
		ret = parse(json_object_get_string(v), out, &at);
		if (ret == -ERANGE)
			return hm_cfg_fail(c, "'%s' is too large", json_object_get_string(v));
		if (ret)
			return hm_cfg_fail(c, "'%s' is not %s (the problem starts at offset %zu)",
				    json_object_get_string(v), what, at);
		return 0;
	}
	return hm_cfg_fail(c, "expected %s, not %s", what, type_name(v));
}

int hm_cfg_read_u64(struct hm_cfg_reader *c, struct json_object *v, uint64_t min, uint64_t max,
		    uint64_t *out)
{
	int ret = read_num(c, v, out, hm_parse_u64, "a number");

	if (!ret && (*out < min || *out > max))
		return hm_cfg_fail(c, "%llu is out of range [%llu, %llu]", (unsigned long long)*out,
			    (unsigned long long)min, (unsigned long long)max);
	return ret;
}

int hm_cfg_read_u32(struct hm_cfg_reader *c, struct json_object *v, uint32_t min, uint32_t max,
		    uint32_t *out)
{
	uint64_t x;
	int ret = hm_cfg_read_u64(c, v, min, max, &x);

	if (!ret)
		*out = (uint32_t)x;
	return ret;
}

int hm_cfg_read_size(struct hm_cfg_reader *c, struct json_object *v, uint64_t *out)
{
	return read_num(c, v, out, hm_parse_size, "a size such as 4096, \"64KiB\" or \"0x1000\"");
}

static int parse_us(const char *s, uint64_t *out, size_t *err)
{
	uint64_t ns;
	int ret = hm_parse_duration(s, 1000, &ns, err);

	if (!ret)
		*out = ns / 1000;
	return ret;
}

/* A duration in µs: a JSON integer (µs) or a string with a unit ("5ms"). */
int hm_cfg_read_us(struct hm_cfg_reader *c, struct json_object *v, uint64_t *out)
{
	return read_num(c, v, out, parse_us, "a duration such as 5000 (µs) or \"5ms\"");
}

int hm_cfg_read_bool(struct hm_cfg_reader *c, struct json_object *v, bool *out)
{
	if (!json_object_is_type(v, json_type_boolean))
		return hm_cfg_fail(c, "expected true or false, not %s", type_name(v));
	*out = json_object_get_boolean(v);
	return 0;
}

int hm_cfg_read_enum(struct hm_cfg_reader *c, struct json_object *v, const char *const *names,
		     size_t n, unsigned int *out)
{
	char list[512];
	size_t i;

	if (!json_object_is_type(v, json_type_string))
		return hm_cfg_fail(c, "expected a string, not %s", type_name(v));
	for (i = 0; i < n; i++) {
		if (!strcmp(json_object_get_string(v), names[i])) {
			*out = (unsigned int)i;
			return 0;
		}
	}
	join(list, sizeof(list), names, n);
	return hm_cfg_fail(c, "unknown value '%s' (expected one of: %s)", json_object_get_string(v),
		    list);
}

/* Basis points: an integer, or a percentage string "70%" or "70.5%". */
int hm_cfg_read_bp(struct hm_cfg_reader *c, struct json_object *v, uint64_t *out)
{
	const char *s, *p;
	uint64_t whole = 0, frac = 0, scale = 100;

	if (json_object_is_type(v, json_type_int))
		return hm_cfg_read_u64(c, v, 0, UINT64_MAX, out);
	if (!json_object_is_type(v, json_type_string))
		return hm_cfg_fail(c, "expected basis points or a percentage such as \"70%%\", not %s",
			    type_name(v));
	s = json_object_get_string(v);
	for (p = s; *p >= '0' && *p <= '9'; p++) {
		if (whole > 1000000)
			return hm_cfg_fail(c, "'%s' is too large", s);
		whole = whole * 10 + (uint64_t)(*p - '0');
	}
	if (p == s)
		return hm_cfg_fail(c, "'%s' is not a percentage such as \"70%%\"", s);
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++) {
			if (scale == 1)
				return hm_cfg_fail(c, "'%s': at most two decimals", s);
			scale /= 10;
			frac += (uint64_t)(*p - '0') * scale;
		}
	}
	if (strcmp(p, "%"))
		return hm_cfg_fail(c, "'%s' is not a percentage such as \"70%%\"", s);
	*out = whole * 100 + frac;
	return 0;
}

int hm_cfg_read_string(struct hm_cfg_reader *c, struct json_object *v, char *buf, size_t len)
{
	if (!json_object_is_type(v, json_type_string))
		return hm_cfg_fail(c, "expected a string, not %s", type_name(v));
	if (strlen(json_object_get_string(v)) >= len)
		return hm_cfg_fail(c, "longer than %zu characters", len - 1);
	strcpy(buf, json_object_get_string(v));
	return 0;
}

/* A [min, max] pair; "max" in the second place means no upper bound. */
static int read_pair(struct hm_cfg_reader *c, struct json_object *v,
		     int (*rd)(struct hm_cfg_reader *, struct json_object *, uint64_t *),
		     uint64_t max_value, uint64_t *lo, uint64_t *hi)
{
	struct json_object *a, *b;
	size_t old;
	int ret;

	if (!json_object_is_type(v, json_type_array) || json_object_array_length(v) != 2)
		return hm_cfg_fail(c, "expected [min, max]");
	a = json_object_array_get_idx(v, 0);
	b = json_object_array_get_idx(v, 1);
	old = hm_cfg_push_idx(c, 0);
	ret = rd(c, a, lo);
	hm_cfg_pop(c, old);
	if (ret)
		return ret;
	old = hm_cfg_push_idx(c, 1);
	if (json_object_is_type(b, json_type_string) && !strcmp(json_object_get_string(b), "max"))
		*hi = max_value;
	else
		ret = rd(c, b, hi);
	hm_cfg_pop(c, old);
	if (ret)
		return ret;
	if (*hi > max_value)
		*hi = max_value;
	if (*lo > *hi)
		return hm_cfg_fail(c, "min %llu is above max %llu", (unsigned long long)*lo,
			    (unsigned long long)*hi);
	return 0;
}

static int rd_size(struct hm_cfg_reader *c, struct json_object *v, uint64_t *o)
{
	return hm_cfg_read_size(c, v, o);
}

static int rd_count(struct hm_cfg_reader *c, struct json_object *v, uint64_t *o)
{
	return hm_cfg_read_u64(c, v, 0, UINT32_MAX, o);
}

static int rd_percent(struct hm_cfg_reader *c, struct json_object *v, uint64_t *o)
{
	uint64_t bp;
	int ret;

	if (json_object_is_type(v, json_type_int))
		return hm_cfg_read_u64(c, v, 0, 100, o);
	ret = hm_cfg_read_bp(c, v, &bp);
	if (!ret) {
		if (bp % 100)
			return hm_cfg_fail(c, "access rates are whole percentages");
		if (bp > 10000)
			return hm_cfg_fail(c, "%llu is out of range [0, 100]",
				    (unsigned long long)(bp / 100));
		*o = bp / 100;
	}
	return ret;
}

/* Age: aggregation windows, or a duration converted with the aggregation interval. */
static int rd_age(struct hm_cfg_reader *c, struct json_object *v, uint64_t *o)
{
	uint64_t us;
	int ret;

	if (!json_object_is_type(v, json_type_string))
		return hm_cfg_read_u64(c, v, 0, UINT32_MAX, o);
	ret = hm_cfg_read_us(c, v, &us);
	if (!ret)
		*o = us / (c->aggr_us ? c->aggr_us : 1);
	return ret;
}

/* Walk an array: @fn(c, element, index, arg) for each, with the path. */
int hm_cfg_each(struct hm_cfg_reader *c, struct json_object *arr, size_t max,
		int (*fn)(struct hm_cfg_reader *, struct json_object *, size_t, void *), void *arg)
{
	size_t i, n, old;
	int ret;

	if (!json_object_is_type(arr, json_type_array))
		return hm_cfg_fail(c, "expected an array, not %s", type_name(arr));
	n = json_object_array_length(arr);
	if (n > max)
		return hm_cfg_fail(c, "at most %zu entries", max);
	for (i = 0; i < n; i++) {
		old = hm_cfg_push_idx(c, i);
		ret = fn(c, json_object_array_get_idx(arr, i), i, arg);
		hm_cfg_pop(c, old);
		if (ret)
			return ret;
	}
	return 0;
}

/* ---- sections ---------------------------------------------------------------- */

static int parse_intervals_goal(struct hm_cfg_reader *c, struct json_object *o,
				struct hm_intervals_goal *g)
{
	static const char *const keys[] = { "access", "aggrs", "min_sample", "max_sample" };
	uint64_t bp = g->access_bp;
	int ret = hm_cfg_check_keys(c, o, keys, N(keys), NULL);

	if (ret)
		return ret;
	WITH(c, o, "access", hm_cfg_read_bp(c, v, &bp));
	g->access_bp = (uint32_t)(bp > 10000 ? 10000 : bp);
	WITH(c, o, "aggrs", hm_cfg_read_u32(c, v, 0, UINT32_MAX, &g->aggrs));
	WITH(c, o, "min_sample", hm_cfg_read_us(c, v, &g->min_sample_us));
	WITH(c, o, "max_sample", hm_cfg_read_us(c, v, &g->max_sample_us));
	return 0;
}

static int parse_monitor(struct hm_cfg_reader *c, struct json_object *o, struct hm_ctx *ctx,
			 struct hm_config *cfg)
{
	static const char *const keys[] = {
		"sample_interval", "aggr_interval", "ops_update_interval", "min_nr_regions",
		"max_nr_regions", "min_region_size", "intervals_goal", "freshness",
		"straddle", "seed",
	};
	struct hm_attrs a = ctx->attrs;
	unsigned int straddle = ctx->straddle;
	uint64_t min_sz = ctx->min_region_sz, fresh_us = 0;
	int ret = hm_cfg_check_keys(c, o, keys, N(keys), NULL);

	if (ret)
		return ret;
	WITH(c, o, "sample_interval", hm_cfg_read_us(c, v, &a.sample_interval_us));
	WITH(c, o, "aggr_interval", hm_cfg_read_us(c, v, &a.aggr_interval_us));
	WITH(c, o, "ops_update_interval", hm_cfg_read_us(c, v, &a.ops_update_interval_us));
	WITH(c, o, "min_nr_regions", hm_cfg_read_u32(c, v, 0, UINT32_MAX, &a.min_nr_regions));
	WITH(c, o, "max_nr_regions", hm_cfg_read_u32(c, v, 0, UINT32_MAX, &a.max_nr_regions));
	WITH(c, o, "min_region_size", hm_cfg_read_size(c, v, &min_sz));
	WITH(c, o, "intervals_goal", parse_intervals_goal(c, v, &a.intervals_goal));
	WITH(c, o, "freshness", hm_cfg_read_us(c, v, &fresh_us));
	WITH(c, o, "straddle", hm_cfg_read_enum(c, v, straddle_names, N(straddle_names), &straddle));
	WITH(c, o, "seed", hm_cfg_read_u64(c, v, 0, UINT64_MAX, &cfg->seed));

	/* DAMON's rules, each with its own message */
	if (a.min_nr_regions < 3)
		return hm_cfg_fail(c, "min_nr_regions is %u; it must be at least 3", a.min_nr_regions);
	if (a.min_nr_regions > a.max_nr_regions)
		return hm_cfg_fail(c, "min_nr_regions (%u) is above max_nr_regions (%u)",
			    a.min_nr_regions, a.max_nr_regions);
	if (a.sample_interval_us > a.aggr_interval_us)
		return hm_cfg_fail(c, "sample_interval (%llu µs) is longer than aggr_interval (%llu µs)",
			    (unsigned long long)a.sample_interval_us,
			    (unsigned long long)a.aggr_interval_us);
	if (a.intervals_goal.aggrs &&
	    (a.intervals_goal.min_sample_us > a.intervals_goal.max_sample_us ||
	     a.sample_interval_us < a.intervals_goal.min_sample_us ||
	     a.sample_interval_us > a.intervals_goal.max_sample_us))
		return hm_cfg_fail(c, "intervals_goal: sample_interval must lie in [min_sample, max_sample]");
	if (!min_sz || (min_sz & (min_sz - 1)))
		return hm_cfg_fail(c, "min_region_size %llu is not a power of two",
			    (unsigned long long)min_sz);
	if (hm_set_attrs(ctx, &a))
		return hm_cfg_fail(c, "the monitoring attributes are not valid");
	ctx->min_region_sz = min_sz;
	ctx->freshness_ns = fresh_us * 1000;
	ctx->straddle = (enum hm_straddle_policy)straddle;
	hm_ctx_seed(ctx, cfg->seed);
	c->aggr_us = a.aggr_interval_us;
	return 0;
}

static int read_range(struct hm_cfg_reader *c, struct json_object *v, size_t i, void *arg)
{
	struct hm_addr_range *r = (struct hm_addr_range *)arg + i;

	return read_pair(c, v, rd_size, UINT64_MAX, &r->start, &r->end);
}

static int parse_target(struct hm_cfg_reader *c, struct json_object *o, size_t i, void *arg)
{
	static const char *const keys[] = { "pid", "space", "ranges" };
	struct hm_ctx *ctx = arg;
	struct hm_addr_range *ranges = NULL;
	struct hm_target *t;
	unsigned int space = HM_SPACE_ANY;
	uint64_t pid = UINT64_MAX;
	size_t n = 0;
	int ret = hm_cfg_check_keys(c, o, keys, N(keys), NULL);

	(void)i;
	if (ret)
		return ret;
	WITH(c, o, "pid", hm_cfg_read_u64(c, v, 0, INT32_MAX, &pid));
	WITH(c, o, "space", hm_cfg_read_enum(c, v, space_names, N(space_names), &space));
	if (pid != UINT64_MAX && space == HM_SPACE_PHYS)
		return hm_cfg_fail(c, "a process target has virtual addresses, not \"phys\"");
	t = hm_new_target();
	if (!t)
		return -ENOMEM;
	t->pid = pid == UINT64_MAX ? -1 : (int32_t)pid;
	t->space = pid == UINT64_MAX ? (enum hm_addr_space)space : HM_SPACE_VIRT;
	hm_add_target(ctx, t);	/* the context owns it from here */
	{
		struct json_object *v;

		if (json_object_object_get_ex(o, "ranges", &v)) {
			size_t old = hm_cfg_push_key(c, "ranges");

			ranges = calloc(MAX_RANGES, sizeof(*ranges));
			if (!ranges)
				return -ENOMEM;
			ret = hm_cfg_each(c, v, MAX_RANGES, read_range, ranges);
			n = json_object_is_type(v, json_type_array) ? json_object_array_length(v) : 0;
			if (!ret && hm_set_regions(t, ranges, (unsigned int)n, ctx->min_region_sz))
				ret = hm_cfg_fail(c, "ranges must be non-empty, sorted and disjoint once "
					      "aligned to min_region_size (%llu bytes)",
					   (unsigned long long)ctx->min_region_sz);
			hm_cfg_pop(c, old);
			free(ranges);
			if (ret)
				return ret;
		}
	}
	return 0;
}

static int parse_source(struct hm_cfg_reader *c, struct json_object *o, size_t i, void *arg)
{
	static const char *const keys[] = { "name", "accounting", "scale" };
	struct hm_ctx *ctx = arg;
	char name[HM_SOURCE_NAME_LEN] = "";
	unsigned int acct = HM_ACCT_BINARY;
	uint32_t scale = 1;
	int ret = hm_cfg_check_keys(c, o, keys, N(keys), NULL);

	(void)i;
	if (ret)
		return ret;
	WITH(c, o, "name", hm_cfg_read_string(c, v, name, sizeof(name)));
	WITH(c, o, "accounting", hm_cfg_read_enum(c, v, acct_names, N(acct_names), &acct));
	WITH(c, o, "scale", hm_cfg_read_u32(c, v, 1, UINT32_MAX, &scale));
	ret = hm_add_source(ctx, name, (enum hm_accounting)acct, scale);
	return ret < 0 ? hm_cfg_fail(c, "cannot add the source (%s)", strerror(-ret)) : 0;
}

struct sfilters {
	struct hm_sample_filter f[16];
	uint64_t cpus[16][MAX_CPUS / 64];
	int32_t *tids[16];
};

static int read_tid(struct hm_cfg_reader *c, struct json_object *v, size_t i, void *arg)
{
	uint64_t x;
	int ret = hm_cfg_read_u64(c, v, 0, INT32_MAX, &x);

	if (!ret)
		((int32_t *)arg)[i] = (int32_t)x;
	return ret;
}

static int read_cpu(struct hm_cfg_reader *c, struct json_object *v, size_t i, void *arg)
{
	uint64_t x;
	int ret = hm_cfg_read_u64(c, v, 0, MAX_CPUS - 1, &x);

	(void)i;
	if (!ret)
		((uint64_t *)arg)[x / 64] |= 1ull << (x % 64);
	return ret;
}

static int read_cpus(struct hm_cfg_reader *c, struct json_object *v, uint64_t *bits)
{
	size_t at;
	int ret;

	if (json_object_is_type(v, json_type_array))
		return hm_cfg_each(c, v, MAX_CPUS, read_cpu, bits);
	if (!json_object_is_type(v, json_type_string))
		return hm_cfg_fail(c, "expected a CPU list such as \"0-3,8\" or an array of CPUs");
	ret = hm_parse_cpulist(json_object_get_string(v), bits, MAX_CPUS, &at);
	if (ret == -ERANGE)
		return hm_cfg_fail(c, "'%s' names a CPU above %d", json_object_get_string(v), MAX_CPUS - 1);
	if (ret)
		return hm_cfg_fail(c, "'%s' is not a CPU list such as \"0-3,8\" (the problem starts at offset %zu)",
			    json_object_get_string(v), at);
	return 0;
}

static int parse_sfilter(struct hm_cfg_reader *c, struct json_object *o, size_t i, void *arg)
{
	static const char *const keys[] = { "type", "matching", "allow", "cpus", "tids" };
	struct sfilters *sf = arg;
	struct hm_sample_filter *f = &sf->f[i];
	struct json_object *tv;
	unsigned int type = 0;
	int ret = hm_cfg_check_keys(c, o, keys, N(keys), NULL);

	if (ret)
		return ret;
	if (!json_object_object_get_ex(o, "type", &tv))
		return hm_cfg_fail(c, "missing \"type\" (cpumask, threads or write)");
	f->matching = true;
	f->allow = true;
	WITH(c, o, "type", hm_cfg_read_enum(c, v, sfilter_names, N(sfilter_names), &type));
	f->type = (enum hm_sample_filter_type)type;
	WITH(c, o, "matching", hm_cfg_read_bool(c, v, &f->matching));
	WITH(c, o, "allow", hm_cfg_read_bool(c, v, &f->allow));
	if (f->type == HM_SAMPLE_FILTER_CPUMASK) {
		if (!json_object_object_get_ex(o, "cpus", &tv))
			return hm_cfg_fail(c, "a cpumask filter needs \"cpus\"");
		WITH(c, o, "cpus", read_cpus(c, v, sf->cpus[i]));
		f->cpus = sf->cpus[i];
		f->nr_cpus = MAX_CPUS;
	} else if (f->type == HM_SAMPLE_FILTER_THREADS) {
		size_t n;

		if (!json_object_object_get_ex(o, "tids", &tv) ||
		    !json_object_is_type(tv, json_type_array))
			return hm_cfg_fail(c, "a threads filter needs \"tids\", an array of thread ids");
		n = json_object_array_length(tv);
		sf->tids[i] = calloc(n ? n : 1, sizeof(int32_t));
		if (!sf->tids[i])
			return -ENOMEM;
		WITH(c, o, "tids", hm_cfg_each(c, v, 1u << 20, read_tid, sf->tids[i]));
		f->tids = sf->tids[i];
		f->nr_tids = (uint32_t)n;
	}
	return 0;
}

static int read_dest(struct hm_cfg_reader *c, struct json_object *o, size_t i, void *arg)
{
	static const char *const keys[] = { "node", "weight" };
	struct hm_dest *d = (struct hm_dest *)arg + i;
	uint64_t node = UINT64_MAX;
	int ret = hm_cfg_check_keys(c, o, keys, N(keys), NULL);

	if (ret)
		return ret;
	d->weight = 1;
	WITH(c, o, "node", hm_cfg_read_u64(c, v, 0, INT32_MAX, &node));
	WITH(c, o, "weight", hm_cfg_read_u32(c, v, 0, UINT32_MAX, &d->weight));
	if (node == UINT64_MAX)
		return hm_cfg_fail(c, "missing \"node\"");
	d->nid = (int32_t)node;
	return 0;
}

static int read_nr_bounds(struct hm_cfg_reader *c, struct json_object *v, struct hm_access_pattern *p,
			  bool rate)
{
	uint64_t lo, hi;
	int ret = rate ? read_pair(c, v, rd_percent, 100, &lo, &hi) :
			 read_pair(c, v, rd_count, UINT32_MAX, &lo, &hi);

	if (!ret) {
		p->min_nr_accesses = (uint32_t)lo;
		p->max_nr_accesses = (uint32_t)hi;
		p->rate = rate;
	}
	return ret;
}

static int read_age_bounds(struct hm_cfg_reader *c, struct json_object *v, struct hm_access_pattern *p)
{
	uint64_t lo, hi;
	int ret = read_pair(c, v, rd_age, UINT32_MAX, &lo, &hi);

	if (!ret) {
		p->min_age = (uint32_t)lo;
		p->max_age = (uint32_t)hi;
	}
	return ret;
}

static int parse_pattern(struct hm_cfg_reader *c, struct json_object *o, struct hm_access_pattern *p)
{
	static const char *const keys[] = { "size", "nr_accesses", "access_rate", "age" };
	struct json_object *tmp;
	int ret = hm_cfg_check_keys(c, o, keys, N(keys), NULL);

	if (ret)
		return ret;
	if (json_object_object_get_ex(o, "nr_accesses", &tmp) &&
	    json_object_object_get_ex(o, "access_rate", &tmp))
		return hm_cfg_fail(c, "give nr_accesses or access_rate, not both");
	WITH(c, o, "size", read_pair(c, v, rd_size, UINT64_MAX, &p->min_sz, &p->max_sz));
	WITH(c, o, "nr_accesses", read_nr_bounds(c, v, p, false));
	WITH(c, o, "access_rate", read_nr_bounds(c, v, p, true));
	WITH(c, o, "age", read_age_bounds(c, v, p));
	return 0;
}

static int parse_goal(struct hm_cfg_reader *c, struct json_object *o, size_t i, void *arg)
{
	static const char *const keys[] = { "metric", "target", "node", "current" };
	struct hm_quota_goal *g = (struct hm_quota_goal *)arg + i;
	struct json_object *tmp;
	unsigned int m = 0;
	uint64_t node = UINT64_MAX;
	int ret = hm_cfg_check_keys(c, o, keys, N(keys), NULL);

	if (ret)
		return ret;
	if (!json_object_object_get_ex(o, "metric", &tmp))
		return hm_cfg_fail(c, "missing \"metric\"");
	if (!json_object_object_get_ex(o, "target", &tmp))
		return hm_cfg_fail(c, "missing \"target\"");
	WITH(c, o, "metric", hm_cfg_read_enum(c, v, metric_names, N(metric_names), &m));
	g->metric = (enum hm_goal_metric)m;
	WITH(c, o, "target", g->metric == HM_GOAL_USER_INPUT ?
				     hm_cfg_read_u64(c, v, 0, UINT64_MAX, &g->target_value) :
				     hm_cfg_read_bp(c, v, &g->target_value));
	WITH(c, o, "node", hm_cfg_read_u64(c, v, 0, INT32_MAX, &node));
	WITH(c, o, "current", hm_cfg_read_u64(c, v, 0, UINT64_MAX, &g->current_value));
	if (!g->target_value)
		return hm_cfg_fail(c, "target must not be 0");
	if (g->metric != HM_GOAL_USER_INPUT) {
		if (node == UINT64_MAX)
			return hm_cfg_fail(c, "%s needs \"node\"", metric_names[m]);
		g->nid = (int32_t)node;
		if (g->target_value > 10000)
			return hm_cfg_fail(c, "%s is in basis points: at most 10000 (100%%)",
				    metric_names[m]);
	}
	return 0;
}

static int read_ms(struct hm_cfg_reader *c, struct json_object *v, uint64_t *ms)
{
	uint64_t us;
	int ret = hm_cfg_read_us(c, v, &us);

	if (!ret)
		*ms = us / 1000;
	if (!ret && us % 1000)
		return hm_cfg_fail(c, "quota times are whole milliseconds");
	return ret;
}

static int read_fail_charge(struct hm_cfg_reader *c, struct json_object *v, struct hm_quota *q)
{
	uint64_t num = 0, den = 0;
	size_t old;
	int ret;

	if (!json_object_is_type(v, json_type_array) || json_object_array_length(v) != 2)
		return hm_cfg_fail(c, "expected [num, denom] with 0 < denom and num <= denom");
	old = hm_cfg_push_idx(c, 0);
	ret = hm_cfg_read_u64(c, json_object_array_get_idx(v, 0), 0, UINT32_MAX, &num);
	hm_cfg_pop(c, old);
	if (!ret) {
		old = hm_cfg_push_idx(c, 1);
		ret = hm_cfg_read_u64(c, json_object_array_get_idx(v, 1), 0, UINT32_MAX, &den);
		hm_cfg_pop(c, old);
	}
	if (!ret && (!den || num > den))
		ret = hm_cfg_fail(c, "expected [num, denom] with 0 < denom and num <= denom");
	if (!ret) {
		q->fail_charge_num = (uint32_t)num;
		q->fail_charge_denom = (uint32_t)den;
	}
	return ret;
}

static int read_weights(struct hm_cfg_reader *c, struct json_object *o, struct hm_quota *q)
{
	static const char *const keys[] = { "size", "nr_accesses", "age" };
	int ret = hm_cfg_check_keys(c, o, keys, N(keys), NULL);

	if (ret)
		return ret;
	WITH(c, o, "size", hm_cfg_read_u32(c, v, 0, 1000000, &q->weight_sz));
	WITH(c, o, "nr_accesses", hm_cfg_read_u32(c, v, 0, 1000000, &q->weight_nr_accesses));
	WITH(c, o, "age", hm_cfg_read_u32(c, v, 0, 1000000, &q->weight_age));
	return 0;
}

static int read_goals(struct hm_cfg_reader *c, struct json_object *v, struct hm_quota *q)
{
	int ret = hm_cfg_each(c, v, HM_MAX_GOALS, parse_goal, q->goals);

	if (!ret)
		q->nr_goals = (uint32_t)json_object_array_length(v);
	return ret;
}

static int parse_quota(struct hm_cfg_reader *c, struct json_object *o, struct hm_quota *q)
{
	static const char *const keys[] = { "size", "time", "reset_interval", "goal_tuner",
					    "fail_charge", "weights", "goals" };
	unsigned int tuner = HM_TUNER_CONSIST;
	int ret = hm_cfg_check_keys(c, o, keys, N(keys), NULL);

	if (ret)
		return ret;
	WITH(c, o, "size", hm_cfg_read_size(c, v, &q->sz));
	WITH(c, o, "time", read_ms(c, v, &q->ms));
	WITH(c, o, "reset_interval", read_ms(c, v, &q->reset_interval_ms));
	WITH(c, o, "goal_tuner", hm_cfg_read_enum(c, v, tuner_names, N(tuner_names), &tuner));
	q->tuner = (enum hm_goal_tuner)tuner;
	WITH(c, o, "fail_charge", read_fail_charge(c, v, q));
	WITH(c, o, "weights", read_weights(c, v, q));
	WITH(c, o, "goals", read_goals(c, v, q));
	return 0;
}

static int parse_filter(struct hm_cfg_reader *c, struct json_object *o, size_t i, void *arg)
{
	static const char *const keys[] = { "type", "matching", "allow", "start", "end",
					    "index" };
	struct hm_filter *f = (struct hm_filter *)arg + i;
	struct json_object *tmp;
	unsigned int type = 0;
	int ret = hm_cfg_check_keys(c, o, keys, N(keys), NULL);

	if (ret)
		return ret;
	if (!json_object_object_get_ex(o, "type", &tmp))
		return hm_cfg_fail(c, "missing \"type\" (addr or target)");
	f->matching = true;
	f->allow = true;
	WITH(c, o, "type", hm_cfg_read_enum(c, v, filter_names, N(filter_names), &type));
	f->type = (enum hm_filter_type)type;
	WITH(c, o, "matching", hm_cfg_read_bool(c, v, &f->matching));
	WITH(c, o, "allow", hm_cfg_read_bool(c, v, &f->allow));
	if (f->type == HM_FILTER_ADDR) {
		if (!json_object_object_get_ex(o, "start", &tmp) ||
		    !json_object_object_get_ex(o, "end", &tmp))
			return hm_cfg_fail(c, "an addr filter needs \"start\" and \"end\"");
		WITH(c, o, "start", hm_cfg_read_size(c, v, &f->addr.start));
		WITH(c, o, "end", hm_cfg_read_size(c, v, &f->addr.end));
		if (f->addr.start >= f->addr.end)
			return hm_cfg_fail(c, "start must be below end");
	} else {
		if (!json_object_object_get_ex(o, "index", &tmp))
			return hm_cfg_fail(c, "a target filter needs \"index\"");
		WITH(c, o, "index", hm_cfg_read_u32(c, v, 0, UINT32_MAX, &f->target_idx));
	}
	return 0;
}

static int parse_wmarks(struct hm_cfg_reader *c, struct json_object *o, struct hm_watermarks *w)
{
	static const char *const keys[] = { "metric", "interval", "high", "mid", "low" };
	unsigned int metric = HM_WMARK_NONE;
	int ret = hm_cfg_check_keys(c, o, keys, N(keys), NULL);

	if (ret)
		return ret;
	WITH(c, o, "metric", hm_cfg_read_enum(c, v, wmark_names, N(wmark_names), &metric));
	w->metric = (enum hm_wmark_metric)metric;
	WITH(c, o, "interval", hm_cfg_read_us(c, v, &w->interval_us));
	WITH(c, o, "high", hm_cfg_read_u32(c, v, 0, 1000, &w->high));
	WITH(c, o, "mid", hm_cfg_read_u32(c, v, 0, 1000, &w->mid));
	WITH(c, o, "low", hm_cfg_read_u32(c, v, 0, 1000, &w->low));
	if (w->metric != HM_WMARK_NONE && !(w->low <= w->mid && w->mid <= w->high))
		return hm_cfg_fail(c, "expected low <= mid <= high (per mille)");
	return 0;
}

/* hm_cfg_each(), then the count into *@nr. */
static int read_list(struct hm_cfg_reader *c, struct json_object *v, size_t max,
		     int (*fn)(struct hm_cfg_reader *, struct json_object *, size_t, void *), void *arg,
		     uint32_t *nr)
{
	int ret = hm_cfg_each(c, v, max, fn, arg);

	if (!ret)
		*nr = (uint32_t)json_object_array_length(v);
	return ret;
}

struct scheme_arg {
	struct hm_ctx *ctx;
	struct hm_config *cfg;
};

static int parse_scheme(struct hm_cfg_reader *c, struct json_object *o, size_t i, void *arg)
{
	static const char *const keys[] = {
		"name", "action", "node", "dests", "access_pattern", "apply_interval",
		"quota", "filters", "watermarks", "max_nr_snapshots",
	};
	struct scheme_arg *sa = arg;
	struct hm_scheme t;
	struct hm_scheme *s;
	struct json_object *tmp;
	unsigned int action = 0;
	uint64_t node = UINT64_MAX;
	int ret = hm_cfg_check_keys(c, o, keys, N(keys), NULL), err = 0;

	if (ret)
		return ret;
	if (i >= N(sa->cfg->scheme_names))
		return hm_cfg_fail(c, "at most %zu schemes", N(sa->cfg->scheme_names));
	memset(&t, 0, sizeof(t));
	t.pattern.max_sz = UINT64_MAX;
	t.pattern.max_nr_accesses = UINT32_MAX;
	t.pattern.max_age = UINT32_MAX;
	if (!json_object_object_get_ex(o, "action", &tmp))
		return hm_cfg_fail(c, "missing \"action\" (stat, migrate_hot or migrate_cold)");
	WITH(c, o, "name", hm_cfg_read_string(c, v, sa->cfg->scheme_names[i], HM_CONFIG_NAME_LEN));
	WITH(c, o, "action", hm_cfg_read_enum(c, v, action_names, N(action_names), &action));
	t.action = (enum hm_action)action;
	if (json_object_object_get_ex(o, "node", &tmp) &&
	    json_object_object_get_ex(o, "dests", &tmp))
		return hm_cfg_fail(c, "give node or dests, not both");
	WITH(c, o, "node", hm_cfg_read_u64(c, v, 0, INT32_MAX, &node));
	if (node != UINT64_MAX) {
		t.dests[0] = (struct hm_dest){ .nid = (int32_t)node, .weight = 1 };
		t.nr_dests = 1;
	}
	WITH(c, o, "dests", read_list(c, v, HM_MAX_DESTS, read_dest, t.dests, &t.nr_dests));
	if (t.action != HM_ACTION_STAT && !t.nr_dests)
		return hm_cfg_fail(c, "%s needs a destination: \"node\" or \"dests\"", action_names[action]);
	if (t.nr_dests > 1) {
		uint64_t w = 0;

		for (uint32_t k = 0; k < t.nr_dests; k++)
			w += t.dests[k].weight;
		if (!w)
			return hm_cfg_fail(c, "the destinations' weights are all 0");
	}
	WITH(c, o, "access_pattern", parse_pattern(c, v, &t.pattern));
	WITH(c, o, "apply_interval", hm_cfg_read_us(c, v, &t.apply_interval_us));
	WITH(c, o, "quota", parse_quota(c, v, &t.quota));
	WITH(c, o, "filters", read_list(c, v, HM_MAX_FILTERS, parse_filter, t.filters,
					&t.nr_filters));
	WITH(c, o, "watermarks", parse_wmarks(c, v, &t.wmarks));
	WITH(c, o, "max_nr_snapshots", hm_cfg_read_u64(c, v, 0, UINT64_MAX, &t.max_nr_snapshots));
	s = hm_new_scheme(&t, &err);
	if (!s)
		return err == -ENOMEM ? -ENOMEM : hm_cfg_fail(c, "the scheme is not valid");
	hm_add_scheme(sa->ctx, s);
	sa->cfg->nr_schemes = (unsigned int)i + 1;
	return 0;
}

/* ---- the document -------------------------------------------------------------- */

static int parse_doc(struct hm_cfg_reader *c, struct json_object *root, const char *const *extra,
		     struct hm_ctx *ctx, struct hm_config *cfg)
{
	static const char *const keys[] = { "version", "monitor", "targets", "sources",
					    "sample_filters", "schemes" };
	struct sfilters *sf = NULL;
	struct scheme_arg sa = { ctx, cfg };
	uint64_t version = HM_CONFIG_VERSION;
	int ret = hm_cfg_check_keys(c, root, keys, N(keys), extra);
	unsigned int i;

	if (ret)
		return ret;
	WITH(c, root, "version", hm_cfg_read_u64(c, v, 0, UINT64_MAX, &version));
	if (version != HM_CONFIG_VERSION) {
		size_t old = hm_cfg_push_key(c, "version");

		ret = hm_cfg_fail(c, "version %llu is not supported (this hotmem reads %d)",
			   (unsigned long long)version, HM_CONFIG_VERSION);
		hm_cfg_pop(c, old);
		return ret;
	}
	/* Fixed order: later sections use what earlier ones set. */
	WITH(c, root, "monitor", parse_monitor(c, v, ctx, cfg));
	WITH(c, root, "targets", hm_cfg_each(c, v, 4096, parse_target, ctx));
	WITH(c, root, "sources", hm_cfg_each(c, v, HM_MAX_SOURCES, parse_source, ctx));
	{
		struct json_object *v;

		if (json_object_object_get_ex(root, "sample_filters", &v)) {
			size_t old = hm_cfg_push_key(c, "sample_filters");

			sf = calloc(1, sizeof(*sf));
			ret = sf ? hm_cfg_each(c, v, 16, parse_sfilter, sf) : -ENOMEM;
			if (!ret) {
				ret = hm_set_sample_filters(ctx, sf->f,
							    (unsigned int)json_object_array_length(v));
				if (ret == -EINVAL)
					ret = hm_cfg_fail(c, "invalid sample filters");
			}
			hm_cfg_pop(c, old);
			for (i = 0; sf && i < 16; i++)
				free(sf->tids[i]);
			free(sf);
			if (ret)
				return ret;
		}
	}
	WITH(c, root, "schemes", hm_cfg_each(c, v, N(cfg->scheme_names), parse_scheme, &sa));
	for (i = 0; extra && extra[i]; i++) {
		struct json_object *v;

		if (json_object_object_get_ex(root, extra[i], &v)) {
			if (!cfg->extra)
				cfg->extra = json_object_new_object();
			json_object_object_add(cfg->extra, extra[i], json_object_get(v));
		}
	}
	return 0;
}

static void line_col(const char *text, size_t off, unsigned int *line, unsigned int *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	for (i = 0; i < off && text[i]; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

int hm_config_parse(const char *text, size_t len, const char *name,
		    const char *const *extra_sections, struct hm_ctx **out,
		    struct hm_config *cfg, char *err, size_t errlen)
{
	struct hm_cfg_reader c = { .name = name, .err = err, .errlen = errlen, .path = "$", .plen = 1 };
	struct json_tokener *tok;
	struct json_object *root;
	enum json_tokener_error jerr;
	struct hm_ctx *ctx;
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	if (len > INT32_MAX)
		return hm_cfg_fail(&c, "the file is too large");
	tok = json_tokener_new();
	if (!tok)
		return -ENOMEM;
	root = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	if (!root || jerr != json_tokener_success ||
	    json_tokener_get_parse_end(tok) < len) {
		size_t end = json_tokener_get_parse_end(tok);
		unsigned int line, col;

		/* trailing whitespace after a complete document is fine */
		while (root && jerr == json_tokener_success && end < len &&
		       strchr(" \t\r\n", text[end]))
			end++;
		if (!root || jerr != json_tokener_success || end < len) {
			line_col(text, end, &line, &col);
			snprintf(err, errlen, "%s: line %u, column %u: %s", name, line, col,
				 jerr == json_tokener_success ?
					 (root ? "text after the JSON document" :
						 "an empty document") :
				 jerr == json_tokener_continue ? "the document ends too early" :
					 json_tokener_error_desc(jerr));
			json_object_put(root);
			json_tokener_free(tok);
			return -EINVAL;
		}
	}
	json_tokener_free(tok);

	ctx = hm_new_ctx();
	if (!ctx) {
		json_object_put(root);
		return -ENOMEM;
	}
	ret = parse_doc(&c, root, extra_sections, ctx, cfg);
	json_object_put(root);
	if (ret) {
		if (ret == -ENOMEM)
			snprintf(err, errlen, "%s: out of memory", name);
		hm_destroy_ctx(ctx);
		hm_config_release(cfg);
		return ret;
	}
	*out = ctx;
	return 0;
}

int hm_config_load(const char *path, const char *const *extra_sections,
		   struct hm_ctx **ctx, struct hm_config *cfg, char *err, size_t errlen)
{
	struct stat st;
	char *text;
	ssize_t got;
	int fd, ret;

	memset(cfg, 0, sizeof(*cfg));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return ret;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > (64 << 20)) {
		close(fd);
		snprintf(err, errlen, "%s: not a regular file of at most 64 MiB", path);
		return -EINVAL;
	}
	text = malloc((size_t)st.st_size + 1);
	if (!text) {
		close(fd);
		return -ENOMEM;
	}
	got = read(fd, text, (size_t)st.st_size);
	ret = got < 0 ? -errno : 0;
	close(fd);
	if (ret || got != st.st_size) {
		snprintf(err, errlen, "%s: %s", path, ret ? strerror(-ret) : "short read");
		free(text);
		return ret ? ret : -EIO;
	}
	text[got] = '\0';
	ret = hm_config_parse(text, (size_t)got, path, extra_sections, ctx, cfg, err, errlen);
	free(text);
	return ret;
}

void hm_config_release(struct hm_config *cfg)
{
	if (!cfg)
		return;
	json_object_put(cfg->extra);
	cfg->extra = NULL;
}

/* ---- the canonical form ------------------------------------------------------------ */

static void put_u64(struct json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_uint64(v));
}

static struct json_object *pair(uint64_t lo, uint64_t hi, uint64_t max)
{
	struct json_object *a = json_object_new_array();

	json_object_array_add(a, json_object_new_uint64(lo));
	json_object_array_add(a, hi >= max ? json_object_new_string("max") :
					     json_object_new_uint64(hi));
	return a;
}

static struct json_object *dump_scheme(const struct hm_scheme *s, const char *name)
{
	struct json_object *o = json_object_new_object(), *p, *q, *arr;
	uint32_t i;

	if (name && *name)
		json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "action", json_object_new_string(hm_action_name(s->action)));
	if (s->nr_dests) {
		arr = json_object_new_array();
		for (i = 0; i < s->nr_dests; i++) {
			struct json_object *d = json_object_new_object();

			put_u64(d, "node", (uint64_t)s->dests[i].nid);
			put_u64(d, "weight", s->dests[i].weight);
			json_object_array_add(arr, d);
		}
		json_object_object_add(o, "dests", arr);
	}
	p = json_object_new_object();
	json_object_object_add(p, "size", pair(s->pattern.min_sz, s->pattern.max_sz, UINT64_MAX));
	json_object_object_add(p, s->pattern.rate ? "access_rate" : "nr_accesses",
			       pair(s->pattern.min_nr_accesses, s->pattern.max_nr_accesses,
				    s->pattern.rate ? 100 : UINT32_MAX));
	json_object_object_add(p, "age", pair(s->pattern.min_age, s->pattern.max_age, UINT32_MAX));
	json_object_object_add(o, "access_pattern", p);
	put_u64(o, "apply_interval", s->apply_interval_us);

	q = json_object_new_object();
	put_u64(q, "size", s->quota.sz);
	{
		char buf[32];

		snprintf(buf, sizeof(buf), "%llums", (unsigned long long)s->quota.ms);
		json_object_object_add(q, "time", json_object_new_string(buf));
		snprintf(buf, sizeof(buf), "%llums", (unsigned long long)s->quota.reset_interval_ms);
		json_object_object_add(q, "reset_interval", json_object_new_string(buf));
	}
	json_object_object_add(q, "goal_tuner",
			       json_object_new_string(tuner_names[s->quota.tuner]));
	if (s->quota.fail_charge_denom)
		json_object_object_add(q, "fail_charge", pair(s->quota.fail_charge_num,
							      s->quota.fail_charge_denom,
							      UINT64_MAX));
	{
		struct json_object *w = json_object_new_object();

		put_u64(w, "size", s->quota.weight_sz);
		put_u64(w, "nr_accesses", s->quota.weight_nr_accesses);
		put_u64(w, "age", s->quota.weight_age);
		json_object_object_add(q, "weights", w);
	}
	arr = json_object_new_array();
	for (i = 0; i < s->quota.nr_goals; i++) {
		const struct hm_quota_goal *g = &s->quota.goals[i];
		struct json_object *jg = json_object_new_object();

		json_object_object_add(jg, "metric",
				       json_object_new_string(hm_goal_metric_name(g->metric)));
		put_u64(jg, "target", g->target_value);
		if (g->metric == HM_GOAL_USER_INPUT)
			put_u64(jg, "current", g->current_value);
		else
			put_u64(jg, "node", (uint64_t)g->nid);
		json_object_array_add(arr, jg);
	}
	json_object_object_add(q, "goals", arr);
	json_object_object_add(o, "quota", q);

	arr = json_object_new_array();
	for (i = 0; i < s->nr_filters; i++) {
		const struct hm_filter *f = &s->filters[i];
		struct json_object *jf = json_object_new_object();

		json_object_object_add(jf, "type", json_object_new_string(filter_names[f->type]));
		json_object_object_add(jf, "matching", json_object_new_boolean(f->matching));
		json_object_object_add(jf, "allow", json_object_new_boolean(f->allow));
		if (f->type == HM_FILTER_ADDR) {
			put_u64(jf, "start", f->addr.start);
			put_u64(jf, "end", f->addr.end);
		} else {
			put_u64(jf, "index", f->target_idx);
		}
		json_object_array_add(arr, jf);
	}
	json_object_object_add(o, "filters", arr);
	{
		struct json_object *w = json_object_new_object();

		json_object_object_add(w, "metric",
				       json_object_new_string(wmark_names[s->wmarks.metric]));
		put_u64(w, "interval", s->wmarks.interval_us);
		put_u64(w, "high", s->wmarks.high);
		put_u64(w, "mid", s->wmarks.mid);
		put_u64(w, "low", s->wmarks.low);
		json_object_object_add(o, "watermarks", w);
	}
	put_u64(o, "max_nr_snapshots", s->max_nr_snapshots);
	return o;
}

struct json_object *hm_config_dump(const struct hm_ctx *ctx, const struct hm_config *cfg)
{
	struct json_object *o = json_object_new_object(), *m = json_object_new_object();
	struct json_object *arr, *g;
	const struct hm_target *t;
	const struct hm_scheme *s;
	uint32_t i;

	put_u64(o, "version", HM_CONFIG_VERSION);
	put_u64(m, "sample_interval", ctx->attrs.sample_interval_us);
	put_u64(m, "aggr_interval", ctx->attrs.aggr_interval_us);
	put_u64(m, "ops_update_interval", ctx->attrs.ops_update_interval_us);
	put_u64(m, "min_nr_regions", ctx->attrs.min_nr_regions);
	put_u64(m, "max_nr_regions", ctx->attrs.max_nr_regions);
	put_u64(m, "min_region_size", ctx->min_region_sz);
	g = json_object_new_object();
	put_u64(g, "access", ctx->attrs.intervals_goal.access_bp);
	put_u64(g, "aggrs", ctx->attrs.intervals_goal.aggrs);
	put_u64(g, "min_sample", ctx->attrs.intervals_goal.min_sample_us);
	put_u64(g, "max_sample", ctx->attrs.intervals_goal.max_sample_us);
	json_object_object_add(m, "intervals_goal", g);
	put_u64(m, "freshness", ctx->freshness_ns / 1000);
	json_object_object_add(m, "straddle", json_object_new_string(straddle_names[ctx->straddle]));
	put_u64(m, "seed", cfg ? cfg->seed : 0);
	json_object_object_add(o, "monitor", m);

	arr = json_object_new_array();
	hm_for_each_target(t, ctx) {
		struct json_object *jt = json_object_new_object(), *rs = json_object_new_array();
		const struct hm_region *r;
		uint64_t start = 0, end = 0;
		bool open = false;

		if (t->pid >= 0)
			put_u64(jt, "pid", (uint64_t)t->pid);
		else
			json_object_object_add(jt, "space",
					       json_object_new_string(space_names[t->space]));
		/* regions as the ranges they cover: touching ones joined */
		hm_for_each_region(r, t) {
			if (open && r->start == end) {
				end = r->end;
				continue;
			}
			if (open)
				json_object_array_add(rs, pair(start, end, UINT64_MAX));
			start = r->start;
			end = r->end;
			open = true;
		}
		if (open)
			json_object_array_add(rs, pair(start, end, UINT64_MAX));
		json_object_object_add(jt, "ranges", rs);
		json_object_array_add(arr, jt);
	}
	json_object_object_add(o, "targets", arr);

	arr = json_object_new_array();
	for (i = 0; i < ctx->nr_sources; i++) {
		struct json_object *js = json_object_new_object();

		json_object_object_add(js, "name", json_object_new_string(ctx->sources[i].name));
		json_object_object_add(js, "accounting",
				       json_object_new_string(acct_names[ctx->sources[i].acct]));
		put_u64(js, "scale", ctx->sources[i].scale);
		json_object_array_add(arr, js);
	}
	json_object_object_add(o, "sources", arr);

	arr = json_object_new_array();
	{
		struct hm_sample_filter sf[16];
		unsigned int n = hm_get_sample_filters(ctx, sf, 16), k;

		for (k = 0; k < n; k++) {
			struct json_object *jf = json_object_new_object(), *l;
			uint32_t b;

			json_object_object_add(jf, "type",
					       json_object_new_string(sfilter_names[sf[k].type]));
			json_object_object_add(jf, "matching",
					       json_object_new_boolean(sf[k].matching));
			json_object_object_add(jf, "allow", json_object_new_boolean(sf[k].allow));
			if (sf[k].type == HM_SAMPLE_FILTER_CPUMASK) {
				l = json_object_new_array();
				for (b = 0; b < sf[k].nr_cpus; b++)
					if (sf[k].cpus[b / 64] >> (b % 64) & 1)
						json_object_array_add(l, json_object_new_uint64(b));
				json_object_object_add(jf, "cpus", l);
			} else if (sf[k].type == HM_SAMPLE_FILTER_THREADS) {
				l = json_object_new_array();
				for (b = 0; b < sf[k].nr_tids; b++)
					json_object_array_add(l, json_object_new_int(sf[k].tids[b]));
				json_object_object_add(jf, "tids", l);
			}
			json_object_array_add(arr, jf);
		}
	}
	json_object_object_add(o, "sample_filters", arr);

	arr = json_object_new_array();
	i = 0;
	hm_for_each_scheme(s, ctx) {
		json_object_array_add(arr, dump_scheme(s, cfg && i < cfg->nr_schemes ?
							       cfg->scheme_names[i] : NULL));
		i++;
	}
	json_object_object_add(o, "schemes", arr);
	return o;
}
