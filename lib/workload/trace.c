// SPDX-License-Identifier: MIT
/*
 * Access traces, binary and text. The binary form is a 16-byte header
 * ("HMTRACE\0", version, record size) and 24-byte little-endian records; the
 * text form is one access per line. The reader streams (a trace can be far
 * larger than memory), tells the formats apart by the first bytes, and
 * reports every defect as one line with the byte offset or the line number.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <hotmem/parse.h>
#include <hotmem/workload.h>

#define MAGIC "HMTRACE"		/* and a NUL: 8 bytes */
#define VERSION 1
#define HDR_SIZE 16
#define REC_SIZE 24
#define MAX_LINE 4096
#define FLAGS_KNOWN (HM_ACCESS_WRITE | HM_ACCESS_TEE)

struct hm_trace_reader {
	FILE *f;
	const char *name;
	enum hm_trace_format fmt;
	uint64_t offset;	/* binary: bytes consumed */
	uint64_t line;		/* text: lines read */
	uint64_t last_ns;
	bool started;		/* binary: header read */
	char *buf;		/* text: the current line */
	size_t cap;
	int err;		/* sticky: the first error */
};

struct hm_trace_writer {
	FILE *f;
	enum hm_trace_format fmt;
	int err;
};

static uint64_t get_le(const unsigned char *p, unsigned int n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

static void put_le(unsigned char *p, uint64_t v, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++, v >>= 8)
		p[i] = (unsigned char)v;
}

int hm_trace_open(FILE *f, const char *name, struct hm_trace_reader **out)
{
	struct hm_trace_reader *r = calloc(1, sizeof(*r));
	int c;

	if (!r)
		return -ENOMEM;
	r->f = f;
	r->name = name ? name : "trace";
	/* 'H' starts the binary magic; a text trace starts with a digit, '#' or space */
	c = getc(f);
	if (c != EOF)
		ungetc(c, f);
	r->fmt = c == 'H' ? HM_TRACE_BINARY : HM_TRACE_TEXT;
	*out = r;
	return 0;
}

enum hm_trace_format hm_trace_reader_format(const struct hm_trace_reader *r)
{
	return r->fmt;
}

void hm_trace_close(struct hm_trace_reader *r)
{
	if (!r)
		return;
	free(r->buf);
	free(r);
}

static int read_header(struct hm_trace_reader *r, char *err, size_t errlen)
{
	unsigned char h[HDR_SIZE];
	size_t got = fread(h, 1, sizeof(h), r->f);
	uint64_t v;

	if (ferror(r->f))
		return -EIO;
	if (got < sizeof(h))
		return hm_errmsg(err, errlen, "%s: offset 0: a binary trace starts with a 16-byte header; "
			    "the file has %zu bytes", r->name, got);
	if (memcmp(h, MAGIC, 8))
		return hm_errmsg(err, errlen, "%s: offset 0: not a hotmem trace (expected \"HMTRACE\" "
			    "and a NUL byte)", r->name);
	v = get_le(h + 8, 4);
	if (v != VERSION)
		return hm_errmsg(err, errlen, "%s: offset 8: version %llu is not supported (this "
			    "hotmem reads %d)", r->name, (unsigned long long)v, VERSION);
	v = get_le(h + 12, 4);
	if (v != REC_SIZE)
		return hm_errmsg(err, errlen, "%s: offset 12: record size %llu, expected %d", r->name,
			    (unsigned long long)v, REC_SIZE);
	r->offset = HDR_SIZE;
	r->started = true;
	return 0;
}

static long read_binary(struct hm_trace_reader *r, struct hm_access *out, size_t n,
			char *err, size_t errlen)
{
	unsigned char rec[REC_SIZE];
	size_t k, got;
	int ret;

	if (!r->started) {
		ret = read_header(r, err, errlen);
		if (ret)
			return ret;
	}
	for (k = 0; k < n; k++) {
		struct hm_access *a = &out[k];

		got = fread(rec, 1, sizeof(rec), r->f);
		if (ferror(r->f))
			return -EIO;
		if (!got)
			break;
		if (got < sizeof(rec))
			return hm_errmsg(err, errlen, "%s: offset %llu: record cut short (%zu of %d bytes)",
				    r->name, (unsigned long long)r->offset, got, REC_SIZE);
		a->time_ns = get_le(rec, 8);
		a->addr = get_le(rec + 8, 8);
		a->cpu = (uint32_t)get_le(rec + 16, 4);
		a->flags = (uint32_t)get_le(rec + 20, 4);
		if (a->flags & ~FLAGS_KNOWN)
			return hm_errmsg(err, errlen, "%s: offset %llu: flags 0x%x has unknown bits "
				    "(known: 0x1 write, 0x2 TEE)", r->name,
				    (unsigned long long)r->offset + 20, a->flags);
		if (a->time_ns < r->last_ns)
			return hm_errmsg(err, errlen, "%s: offset %llu: time %llu ns is before the "
				    "previous record's %llu ns", r->name,
				    (unsigned long long)r->offset, (unsigned long long)a->time_ns,
				    (unsigned long long)r->last_ns);
		r->last_ns = a->time_ns;
		r->offset += REC_SIZE;
	}
	return (long)k;
}

/* The next whitespace-separated field of *@p, NUL-terminated, or NULL. */
static char *field(char **p)
{
	char *s = *p, *e;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s)
		return NULL;
	for (e = s; *e && *e != ' ' && *e != '\t'; e++)
		;
	if (*e)
		*e++ = '\0';
	*p = e;
	return s;
}

/* One text line into @a. Return: 1 parsed, 0 blank or comment, <0 error. */
static int parse_line(struct hm_trace_reader *r, char *line, struct hm_access *a, char *err,
		      size_t errlen)
{
	char *p = line, *f[6];
	unsigned int nf = 0;
	uint64_t v;
	size_t at;
	char *hash = strchr(line, '#');

	if (hash)
		*hash = '\0';
	while (nf < 6 && (f[nf] = field(&p)))
		nf++;
	if (!nf)
		return 0;
	if (nf < 4 || nf > 5)
		return hm_errmsg(err, errlen, "%s:%llu: expected \"time_ns addr r|w cpu [tee]\", found "
			    "%u field%s", r->name, (unsigned long long)r->line, nf, nf == 1 ? "" : "s");
	if (hm_parse_u64(f[0], &a->time_ns, &at))
		return hm_errmsg(err, errlen, "%s:%llu: time '%s' is not a number of ns", r->name,
			    (unsigned long long)r->line, f[0]);
	if (hm_parse_u64(f[1], &a->addr, &at))
		return hm_errmsg(err, errlen, "%s:%llu: address '%s' is not a number", r->name,
			    (unsigned long long)r->line, f[1]);
	if (strcmp(f[2], "r") && strcmp(f[2], "w"))
		return hm_errmsg(err, errlen, "%s:%llu: '%s' is not r or w", r->name,
			    (unsigned long long)r->line, f[2]);
	if (hm_parse_u64(f[3], &v, &at) || v > UINT32_MAX)
		return hm_errmsg(err, errlen, "%s:%llu: cpu '%s' is not a CPU number", r->name,
			    (unsigned long long)r->line, f[3]);
	a->cpu = (uint32_t)v;
	a->flags = f[2][0] == 'w' ? HM_ACCESS_WRITE : 0;
	if (nf == 5) {
		if (strcmp(f[4], "tee"))
			return hm_errmsg(err, errlen, "%s:%llu: '%s' is not tee (the only optional field)",
				    r->name, (unsigned long long)r->line, f[4]);
		a->flags |= HM_ACCESS_TEE;
	}
	if (a->time_ns < r->last_ns)
		return hm_errmsg(err, errlen, "%s:%llu: time %llu ns is before the previous line's %llu ns",
			    r->name, (unsigned long long)r->line, (unsigned long long)a->time_ns,
			    (unsigned long long)r->last_ns);
	r->last_ns = a->time_ns;
	return 1;
}

static long read_text(struct hm_trace_reader *r, struct hm_access *out, size_t n, char *err,
		      size_t errlen)
{
	size_t k = 0;
	ssize_t len;
	int ret;

	while (k < n) {
		len = getline(&r->buf, &r->cap, r->f);
		if (len < 0) {
			if (ferror(r->f))
				return -EIO;
			break;
		}
		r->line++;
		if (len > MAX_LINE)
			return hm_errmsg(err, errlen, "%s:%llu: line longer than %d characters", r->name,
				    (unsigned long long)r->line, MAX_LINE);
		if (memchr(r->buf, '\0', (size_t)len))
			return hm_errmsg(err, errlen, "%s:%llu: a NUL byte in a text line", r->name,
				    (unsigned long long)r->line);
		if (len && r->buf[len - 1] == '\n')
			r->buf[--len] = '\0';
		if (len && r->buf[len - 1] == '\r')
			r->buf[--len] = '\0';
		ret = parse_line(r, r->buf, &out[k], err, errlen);
		if (ret < 0)
			return ret;
		k += (size_t)ret;
	}
	return (long)k;
}

long hm_trace_read(struct hm_trace_reader *r, struct hm_access *out, size_t n, char *err,
		   size_t errlen)
{
	long ret;

	if (r->err)
		return r->err;
	ret = r->fmt == HM_TRACE_BINARY ? read_binary(r, out, n, err, errlen) :
					  read_text(r, out, n, err, errlen);
	if (ret < 0) {
		if (ret == -EIO)
			hm_errmsg(err, errlen, "%s: read error", r->name);
		r->err = (int)ret;
	}
	return ret;
}

/* ---- writing -------------------------------------------------------------------- */

int hm_trace_create(FILE *f, enum hm_trace_format fmt, struct hm_trace_writer **out)
{
	struct hm_trace_writer *w = calloc(1, sizeof(*w));
	unsigned char h[HDR_SIZE] = MAGIC;

	if (!w)
		return -ENOMEM;
	w->f = f;
	w->fmt = fmt;
	if (fmt == HM_TRACE_BINARY) {
		put_le(h + 8, VERSION, 4);
		put_le(h + 12, REC_SIZE, 4);
		if (fwrite(h, 1, sizeof(h), f) != sizeof(h))
			w->err = -EIO;
	} else if (fputs("# hotmem trace: time_ns addr r|w cpu [tee]\n", f) < 0) {
		w->err = -EIO;
	}
	*out = w;
	return 0;
}

int hm_trace_write(struct hm_trace_writer *w, const struct hm_access *a, size_t n)
{
	unsigned char rec[REC_SIZE];
	size_t k;

	for (k = 0; k < n && !w->err; k++) {
		if (w->fmt == HM_TRACE_BINARY) {
			put_le(rec, a[k].time_ns, 8);
			put_le(rec + 8, a[k].addr, 8);
			put_le(rec + 16, a[k].cpu, 4);
			put_le(rec + 20, a[k].flags & FLAGS_KNOWN, 4);
			if (fwrite(rec, 1, sizeof(rec), w->f) != sizeof(rec))
				w->err = -EIO;
		} else if (fprintf(w->f, "%llu 0x%llx %c %u%s\n", (unsigned long long)a[k].time_ns,
				   (unsigned long long)a[k].addr,
				   a[k].flags & HM_ACCESS_WRITE ? 'w' : 'r', a[k].cpu,
				   a[k].flags & HM_ACCESS_TEE ? " tee" : "") < 0) {
			w->err = -EIO;
		}
	}
	return w->err;
}

int hm_trace_finish(struct hm_trace_writer *w)
{
	int ret;

	if (!w)
		return 0;
	ret = w->err;
	if (fflush(w->f) && !ret)
		ret = -errno;
	free(w);
	return ret;
}
