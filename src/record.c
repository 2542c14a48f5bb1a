// SPDX-License-Identifier: MIT
/*
 * Monitoring records, written and read. The writer prints JSON lines
 * directly (a window can hold 100,000 regions; building json objects for
 * them would cost more than the monitoring). The reader parses each line
 * with json-c and checks its structure, so a damaged record is reported as
 * one line naming the file, the line and the JSON path.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "record.h"

struct hm_record_writer {
	FILE *f;
	int err;
};

static const char *target_kind(const struct hm_target *t)
{
	if (t->pid >= 0)
		return "process";
	return t->space == HM_SPACE_PHYS ? "phys" : t->space == HM_SPACE_VIRT ? "virt" : "any";
}

int hm_record_create(const char *path, const struct hm_ctx *ctx,
		     struct hm_record_writer **out, char *err, size_t errlen)
{
	struct hm_record_writer *w;
	const struct hm_target *t;
	int id = 0, ret;

	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->f = fopen(path, "we");
	if (!w->f) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(w);
		return ret;
	}
	fprintf(w->f, "{\"format\": \"%s\", \"version\": %d, \"sample_interval_us\": %llu, "
		      "\"aggr_interval_us\": %llu, \"targets\": [",
		HM_RECORD_FORMAT, HM_RECORD_VERSION,
		(unsigned long long)ctx->attrs.sample_interval_us,
		(unsigned long long)ctx->attrs.aggr_interval_us);
	hm_for_each_target(t, ctx) {
		fprintf(w->f, "%s{\"id\": %d, \"kind\": \"%s\"", id ? ", " : "", id,
			target_kind(t));
		if (t->pid >= 0)
			fprintf(w->f, ", \"pid\": %d", t->pid);
		fputc('}', w->f);
		id++;
	}
	fputs("]}\n", w->f);
	if (ferror(w->f))
		w->err = -EIO;
	*out = w;
	return 0;
}

int hm_record_write(struct hm_record_writer *w, const struct hm_ctx *ctx, uint64_t time_ns)
{
	const struct hm_target *t;
	const struct hm_region *r;
	int id = 0;

	if (w->err)
		return w->err;
	fprintf(w->f, "{\"time_ns\": %llu, \"sample_interval_us\": %llu, "
		      "\"aggr_interval_us\": %llu, \"targets\": [",
		(unsigned long long)time_ns, (unsigned long long)ctx->attrs.sample_interval_us,
		(unsigned long long)ctx->attrs.aggr_interval_us);
	hm_for_each_target(t, ctx) {
		bool first = true;

		fprintf(w->f, "%s{\"id\": %d, \"regions\": [", id ? ", " : "", id);
		hm_for_each_region(r, t) {
			fprintf(w->f, "%s[%llu, %llu, %u, %u", first ? "" : ", ",
				(unsigned long long)r->start, (unsigned long long)r->end,
				r->nr_accesses, r->age);
			if (r->est_accesses)
				fprintf(w->f, ", %llu", (unsigned long long)r->est_accesses);
			fputc(']', w->f);
			first = false;
		}
		fputs("]}", w->f);
		id++;
	}
	fputs("]}\n", w->f);
	if (ferror(w->f))
		w->err = -EIO;
	return w->err;
}

void hm_record_on_aggregate(struct hm_ctx *ctx, void *arg)
{
	hm_record_write(arg, ctx, ctx->now_ns);
}

int hm_record_close(struct hm_record_writer *w)
{
	int ret;

	if (!w)
		return 0;
	ret = w->err;
	if (fclose(w->f) && !ret)
		ret = -errno;
	free(w);
	return ret;
}

/* ---- reading ---------------------------------------------------------------- */

struct rd {
	const char *name;
	char *err;
	size_t errlen;
	unsigned long line;
};

static int bad(struct rd *d, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int bad(struct rd *d, const char *path, const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n = snprintf(d->err, d->errlen, "%s:%lu: %s: ", d->name, d->line, path);

	if (n >= 0 && (size_t)n < d->errlen) {
		va_start(ap, fmt);
		vsnprintf(d->err + n, d->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	for (p = d->err; *p; p++)	/* quoted text stays on one line */
		if ((unsigned char)*p < 0x20)
			*p = '?';
	return -EINVAL;
}

static bool get_u64(struct json_object *o, const char *key, uint64_t *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int) ||
	    json_object_get_int64(v) < 0)
		return false;
	*out = json_object_get_uint64(v);
	return true;
}

static bool as_u64(struct json_object *v, uint64_t *out)
{
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
		return false;
	*out = json_object_get_uint64(v);
	return true;
}

static int parse_header(struct rd *d, struct json_object *o, struct hm_record *rec)
{
	struct json_object *v, *ts;
	uint64_t x;
	size_t i, n;

	if (!json_object_is_type(o, json_type_object))
		return bad(d, "$", "expected the record header, an object");
	if (!json_object_object_get_ex(o, "format", &v) || !json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), HM_RECORD_FORMAT))
		return bad(d, "$.format", "not a hotmem record (expected \"%s\")", HM_RECORD_FORMAT);
	if (!get_u64(o, "version", &x))
		return bad(d, "$.version", "expected a number");
	if (x != HM_RECORD_VERSION)
		return bad(d, "$.version", "version %llu is not supported (this hotmem reads %d)",
			   (unsigned long long)x, HM_RECORD_VERSION);
	rec->version = (uint32_t)x;
	if (!get_u64(o, "sample_interval_us", &rec->sample_us))
		return bad(d, "$.sample_interval_us", "expected a number");
	if (!get_u64(o, "aggr_interval_us", &rec->aggr_us))
		return bad(d, "$.aggr_interval_us", "expected a number");
	if (!json_object_object_get_ex(o, "targets", &ts) || !json_object_is_type(ts, json_type_array))
		return bad(d, "$.targets", "expected an array");
	n = json_object_array_length(ts);
	rec->targets = calloc(n ? n : 1, sizeof(*rec->targets));
	if (!rec->targets)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct json_object *t = json_object_array_get_idx(ts, i), *k;
		struct hm_record_target_info *ti = &rec->targets[i];
		char path[64];
		uint64_t id, pid = 0;
		size_t j;

		snprintf(path, sizeof(path), "$.targets[%zu]", i);
		if (!json_object_is_type(t, json_type_object) || !get_u64(t, "id", &id) ||
		    id > INT32_MAX)
			return bad(d, path, "expected {\"id\": N, \"kind\": ...}");
		if (!json_object_object_get_ex(t, "kind", &k) || !json_object_is_type(k, json_type_string) ||
		    strlen(json_object_get_string(k)) >= sizeof(ti->kind))
			return bad(d, path, "expected a \"kind\" (process, virt, phys or any)");
		ti->id = (int32_t)id;
		strcpy(ti->kind, json_object_get_string(k));
		ti->pid = get_u64(t, "pid", &pid) && pid <= INT32_MAX ? (int32_t)pid : -1;
		for (j = 0; j < i; j++)
			if (rec->targets[j].id == ti->id)
				return bad(d, path, "target id %d appears twice", ti->id);
		rec->nr_targets++;
	}
	return 0;
}

static bool known_target(const struct hm_record *rec, int32_t id)
{
	uint32_t i;

	for (i = 0; i < rec->nr_targets; i++)
		if (rec->targets[i].id == id)
			return true;
	return false;
}

static int parse_regions(struct rd *d, struct json_object *rs, struct hm_record_target *t,
			 size_t ti)
{
	size_t i, n = json_object_array_length(rs);
	char path[96];

	t->regions = calloc(n ? n : 1, sizeof(*t->regions));
	if (!t->regions)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct json_object *a = json_object_array_get_idx(rs, i);
		struct hm_record_region *r = &t->regions[i];
		uint64_t nr, age;
		size_t len = json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;

		snprintf(path, sizeof(path), "$.targets[%zu].regions[%zu]", ti, i);
		if ((len != 4 && len != 5) || !as_u64(json_object_array_get_idx(a, 0), &r->start) ||
		    !as_u64(json_object_array_get_idx(a, 1), &r->end) ||
		    !as_u64(json_object_array_get_idx(a, 2), &nr) ||
		    !as_u64(json_object_array_get_idx(a, 3), &age) ||
		    (len == 5 && !as_u64(json_object_array_get_idx(a, 4), &r->est_accesses)))
			return bad(d, path, "expected [start, end, nr_accesses, age] or "
					    "[start, end, nr_accesses, age, est_accesses]");
		if (nr > UINT32_MAX || age > UINT32_MAX)
			return bad(d, path, "nr_accesses and age must fit in 32 bits");
		r->nr_accesses = (uint32_t)nr;
		r->age = (uint32_t)age;
		if (r->start >= r->end)
			return bad(d, path, "start must be below end");
		if (i && r->start < t->regions[i - 1].end)
			return bad(d, path, "regions must be sorted and must not overlap");
		t->nr_regions++;
	}
	return 0;
}

static int parse_snapshot(struct rd *d, struct json_object *o, struct hm_record *rec,
			  struct hm_record_snapshot *s)
{
	struct json_object *ts;
	size_t i, j, n;
	int ret;

	if (!json_object_is_type(o, json_type_object))
		return bad(d, "$", "expected an aggregation, an object");
	if (!get_u64(o, "time_ns", &s->time_ns))
		return bad(d, "$.time_ns", "expected a number");
	/* @s is already counted: the one before it is the previous window */
	if (rec->nr_snaps > 1 && s->time_ns < rec->snaps[rec->nr_snaps - 2].time_ns)
		return bad(d, "$.time_ns", "time goes backwards");
	if (!get_u64(o, "sample_interval_us", &s->sample_us))
		s->sample_us = rec->sample_us;
	if (!get_u64(o, "aggr_interval_us", &s->aggr_us))
		s->aggr_us = rec->aggr_us;
	if (!json_object_object_get_ex(o, "targets", &ts) || !json_object_is_type(ts, json_type_array))
		return bad(d, "$.targets", "expected an array");
	n = json_object_array_length(ts);
	s->targets = calloc(n ? n : 1, sizeof(*s->targets));
	if (!s->targets)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct json_object *t = json_object_array_get_idx(ts, i), *rs;
		uint64_t id;
		char path[64];

		snprintf(path, sizeof(path), "$.targets[%zu]", i);
		if (!json_object_is_type(t, json_type_object) || !get_u64(t, "id", &id) ||
		    id > INT32_MAX || !known_target(rec, (int32_t)id))
			return bad(d, path, "expected {\"id\": N, \"regions\": [...]} for a target "
					    "of the header");
		for (j = 0; j < i; j++)
			if (s->targets[j].id == (int32_t)id)
				return bad(d, path, "target id %d appears twice", (int)id);
		s->targets[i].id = (int32_t)id;
		s->nr_targets++;
		if (!json_object_object_get_ex(t, "regions", &rs) ||
		    !json_object_is_type(rs, json_type_array))
			return bad(d, path, "expected \"regions\", an array");
		ret = parse_regions(d, rs, &s->targets[i], i);
		if (ret)
			return ret;
	}
	return 0;
}

void hm_record_free(struct hm_record *rec)
{
	size_t i;
	uint32_t j;

	if (!rec)
		return;
	for (i = 0; i < rec->nr_snaps; i++) {
		for (j = 0; j < rec->snaps[i].nr_targets; j++)
			free(rec->snaps[i].targets[j].regions);
		free(rec->snaps[i].targets);
	}
	free(rec->snaps);
	free(rec->targets);
	free(rec);
}

int hm_record_parse(const char *text, size_t len, const char *name,
		    struct hm_record **out, char *err, size_t errlen)
{
	struct rd d = { .name = name, .err = err, .errlen = errlen };
	struct hm_record *rec = calloc(1, sizeof(*rec));
	struct json_tokener *tok = json_tokener_new();
	size_t pos = 0, cap = 0;
	int ret = 0;

	if (!rec || !tok) {
		free(rec);
		json_tokener_free(tok);
		return -ENOMEM;
	}
	while (pos < len && !ret) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		struct json_object *o;

		d.line++;
		if (!n || (n == 1 && text[pos] == '\r')) {
			pos += n + 1;
			continue;	/* blank lines are allowed */
		}
		if (n > INT32_MAX) {
			ret = bad(&d, "$", "line too long");
			break;
		}
		json_tokener_reset(tok);
		o = json_tokener_parse_ex(tok, text + pos, (int)n);
		if (!o || json_tokener_get_error(tok) != json_tokener_success ||
		    json_tokener_get_parse_end(tok) != n) {
			enum json_tokener_error e = json_tokener_get_error(tok);

			ret = bad(&d, "$", "not one JSON document (%s)",
				  e == json_tokener_success ? "text after it" :
				  e == json_tokener_continue ? "the line ends inside it" :
							       json_tokener_error_desc(e));
			json_object_put(o);
			break;
		}
		if (!rec->version) {	/* the first line that is not blank */
			ret = parse_header(&d, o, rec);
		} else {
			if (rec->nr_snaps == cap) {
				size_t ncap = cap ? cap * 2 : 64;
				void *p = realloc(rec->snaps, ncap * sizeof(*rec->snaps));

				if (!p) {
					ret = -ENOMEM;
					json_object_put(o);
					break;
				}
				rec->snaps = p;
				cap = ncap;
			}
			memset(&rec->snaps[rec->nr_snaps], 0, sizeof(rec->snaps[0]));
			/* counted before parsing, so a failure frees what was built */
			rec->nr_snaps++;
			ret = parse_snapshot(&d, o, rec, &rec->snaps[rec->nr_snaps - 1]);
		}
		json_object_put(o);
		pos += n + 1;
	}
	json_tokener_free(tok);
	if (!ret && !rec->version) {
		d.line = 1;
		ret = bad(&d, "$", "an empty record (no header)");
	}
	if (ret) {
		if (ret == -ENOMEM)
			snprintf(err, errlen, "%s: out of memory", name);
		hm_record_free(rec);
		return ret;
	}
	*out = rec;
	return 0;
}

int hm_record_read(const char *path, struct hm_record **out, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	char *text = NULL;
	size_t len = 0, cap = 0, got;
	int ret;

	if (!f) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return ret;
	}
	do {
		if (len + 65536 > cap) {
			size_t ncap = cap ? cap * 2 : 1 << 20;
			char *p = realloc(text, ncap);

			if (!p) {
				free(text);
				fclose(f);
				return -ENOMEM;
			}
			text = p;
			cap = ncap;
		}
		got = fread(text + len, 1, cap - len, f);
		len += got;
	} while (got);
	ret = ferror(f) ? -EIO : 0;
	fclose(f);
	if (ret) {
		snprintf(err, errlen, "%s: read error", path);
		free(text);
		return ret;
	}
	ret = hm_record_parse(text ? text : "", len, path, out, err, errlen);
	free(text);
	return ret;
}

uint64_t hm_record_samples_per_aggr(const struct hm_record_snapshot *s)
{
	uint64_t n = s->aggr_us / (s->sample_us ? s->sample_us : 1);

	return n ? n : 1;
}
