// SPDX-License-Identifier: MIT
/*
 * The CHMU's formats on the host: the cxl_hmu perf event string with its
 * config/config1/config2 bit positions, the AUX batches the RFC driver
 * writes (a 16-byte header - entry count in bits 15:0, counter width in
 * 23:16, then 0xdeadbeef - and the raw entries), and the text that `perf
 * report --dump-raw-traces` prints for those batches. Every parser refuses
 * bad input with one line that says where and what was expected.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hotmem/chmu_host.h>
#include <hotmem/parse.h>

/* ---- the perf event ---------------------------------------------------------- */

static const struct {
	const char *name;
	unsigned int word;	/* 0 config, 1 config1, 2 config2 */
	unsigned int lo, bits;
} fields[HM_CHMU_NR_FIELDS] = {
	[HM_CHMU_F_EPOCH_TYPE] = { "epoch_type", 0, 0, 2 },
	[HM_CHMU_F_ACCESS_TYPE] = { "access_type", 0, 2, 8 },
	[HM_CHMU_F_EPOCH_SCALE] = { "epoch_scale", 0, 10, 4 },
	[HM_CHMU_F_EPOCH_MULT] = { "epoch_multiplier", 0, 14, 12 },
	[HM_CHMU_F_RANDOM_DS] = { "randomized_downsampling", 0, 26, 1 },
	[HM_CHMU_F_DS_FACTOR] = { "downsampling_factor", 0, 27, 8 },
	[HM_CHMU_F_THRESHOLD] = { "hotness_threshold", 1, 0, 32 },
	[HM_CHMU_F_GRANUAL] = { "hotness_granual", 1, 32, 32 },
	[HM_CHMU_F_RANGE_BASE] = { "range_base", 2, 0, 32 },
	[HM_CHMU_F_RANGE_SIZE] = { "range_size", 2, 32, 32 },
};

static const char *const word_names[] = { "config", "config1", "config2" };

const char *hm_chmu_field_name(enum hm_chmu_field f)
{
	return f < HM_CHMU_NR_FIELDS ? fields[f].name : "?";
}

static uint64_t *word_of(struct hm_chmu_event *ev, unsigned int w)
{
	return w == 0 ? &ev->config : w == 1 ? &ev->config1 : &ev->config2;
}

static uint64_t field_max(enum hm_chmu_field f)
{
	return fields[f].bits == 64 ? UINT64_MAX : (1ull << fields[f].bits) - 1;
}

uint64_t hm_chmu_event_get(const struct hm_chmu_event *ev, enum hm_chmu_field f)
{
	uint64_t w = fields[f].word == 0 ? ev->config :
		     fields[f].word == 1 ? ev->config1 : ev->config2;

	return w >> fields[f].lo & field_max(f);
}

int hm_chmu_event_set(struct hm_chmu_event *ev, enum hm_chmu_field f, uint64_t v)
{
	uint64_t *w = word_of(ev, fields[f].word);

	if (v > field_max(f))
		return -ERANGE;
	*w = (*w & ~(field_max(f) << fields[f].lo)) | v << fields[f].lo;
	ev->given |= 1u << f;
	return 0;
}

/* Copy @s without blanks and backslash line continuations (pasted from docs). */
static int squeeze(const char *s, char *out, size_t len)
{
	size_t n = 0;

	for (; *s; s++) {
		if (*s == '\\' && (s[1] == '\n' || (s[1] == '\r' && s[2] == '\n')))
			continue;
		if (isspace((unsigned char)*s))
			continue;
		if (n + 1 >= len)
			return -ENAMETOOLONG;
		out[n++] = *s;
	}
	out[n] = '\0';
	return 0;
}

static int parse_term(struct hm_chmu_event *ev, char *term, char *err, size_t errlen)
{
	char *eq = strchr(term, '=');
	const char *val = eq ? eq + 1 : "1";	/* perf: a bare term means 1 */
	uint64_t v;
	size_t at;
	unsigned int f;

	if (eq)
		*eq = '\0';
	if (!*term)
		return hm_errmsg(err, errlen, "an empty term (two commas, or '=' with no key)");
	for (f = 0; f < HM_CHMU_NR_FIELDS; f++)
		if (!strcmp(term, fields[f].name))
			break;
	if (f == HM_CHMU_NR_FIELDS)
		return hm_errmsg(err, errlen, "%s: not a field of the cxl_hmu event (expected "
				 "epoch_type, access_type, epoch_scale, epoch_multiplier, "
				 "randomized_downsampling, downsampling_factor, "
				 "hotness_threshold, hotness_granual, range_base or range_size)",
				 term);
	if (ev->given & (1u << f))
		return hm_errmsg(err, errlen, "%s: given twice", term);
	if (hm_parse_u64(val, &v, &at))
		return hm_errmsg(err, errlen, "%s: '%s' is not a number", term, val);
	if (hm_chmu_event_set(ev, (enum hm_chmu_field)f, v))
		return hm_errmsg(err, errlen, "%s: %llu does not fit its %u bits (%s:%u-%u), at "
				 "most %llu", term, (unsigned long long)v, fields[f].bits,
				 word_names[fields[f].word], fields[f].lo,
				 fields[f].lo + fields[f].bits - 1,
				 (unsigned long long)field_max((enum hm_chmu_field)f));
	return 0;
}

int hm_chmu_event_parse(const char *s, struct hm_chmu_event *ev, char *err, size_t errlen)
{
	struct hm_chmu_event e;
	char buf[1024], *terms, *slash, *t, *save = NULL;
	int ret;

	memset(&e, 0, sizeof(e));
	if (!s)
		return hm_errmsg(err, errlen, "no event given");
	if (squeeze(s, buf, sizeof(buf)))
		return hm_errmsg(err, errlen, "longer than %zu characters", sizeof(buf) - 1);
	terms = buf;
	slash = strchr(buf, '/');
	if (slash) {
		size_t n = (size_t)(slash - buf);

		if (!n)
			return hm_errmsg(err, errlen, "a '/' with no PMU name before it");
		if (n >= sizeof(e.pmu))
			return hm_errmsg(err, errlen, "PMU name longer than %zu characters",
					 sizeof(e.pmu) - 1);
		memcpy(e.pmu, buf, n);
		terms = slash + 1;
		slash = strchr(terms, '/');
		if (!slash)
			return hm_errmsg(err, errlen, "missing the closing '/' after the terms "
					 "(PMU/term=value,.../)");
		if (slash[1])
			return hm_errmsg(err, errlen, "'%s' after the closing '/'", slash + 1);
		*slash = '\0';
	}
	if (strchr(terms, ',') == terms || (*terms && terms[strlen(terms) - 1] == ',') ||
	    strstr(terms, ",,"))
		return hm_errmsg(err, errlen, "an empty term (a comma at an end, or two in a row)");
	for (t = strtok_r(terms, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		ret = parse_term(&e, t, err, errlen);
		if (ret)
			return ret;
	}
	*ev = e;
	return 0;
}

int hm_chmu_event_format(const struct hm_chmu_event *ev, char *buf, size_t len)
{
	size_t at = 0;
	unsigned int f;
	bool first = true;
	int n;

	n = snprintf(buf, len, "%s%s", ev->pmu, ev->pmu[0] ? "/" : "");
	at = n > 0 ? (size_t)n : 0;
	for (f = 0; f < HM_CHMU_NR_FIELDS; f++) {
		if (!(ev->given & (1u << f)))
			continue;
		n = snprintf(buf + (at < len ? at : len), at < len ? len - at : 0, "%s%s=%llu",
			     first ? "" : ",", fields[f].name,
			     (unsigned long long)hm_chmu_event_get(ev, (enum hm_chmu_field)f));
		at += n > 0 ? (size_t)n : 0;
		first = false;
	}
	if (ev->pmu[0]) {
		n = snprintf(buf + (at < len ? at : len), at < len ? len - at : 0, "/");
		at += n > 0 ? (size_t)n : 0;
	}
	return (int)at;
}

/* ---- AUX batches -------------------------------------------------------------- */

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void put64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

size_t hm_chmu_aux_encode(const uint64_t *entries, uint32_t n, uint32_t width, uint8_t *out)
{
	uint32_t i;

	put64(out, (uint64_t)(n & 0xffff) | (uint64_t)(width & 0xff) << 16);
	put64(out + 8, HM_CHMU_AUX_MAGIC);
	for (i = 0; i < n; i++)
		put64(out + 16 + 8 * (size_t)i, entries[i]);
	return 16 + 8 * (size_t)n;
}

long hm_chmu_aux_decode(const uint8_t *buf, size_t len, hm_chmu_batch_fn fn, void *arg,
			char *err, size_t errlen)
{
	uint64_t *entries = NULL;
	size_t off = 0;
	uint32_t cap = 0;
	long batches = 0;

	while (off < len) {
		uint64_t h0, h1;
		uint32_t n, width, i;

		if (len - off < 16)
			goto bad_header;
		h0 = get64(buf + off);
		h1 = get64(buf + off + 8);
		n = (uint32_t)(h0 & 0xffff);
		width = (uint32_t)(h0 >> 16 & 0xff);
		if (h1 != HM_CHMU_AUX_MAGIC) {
			free(entries);
			return hm_errmsg(err, errlen, "offset %zu: header marker 0x%llx, expected "
					 "0xdeadbeef (not CHMU AUX data, or a batch cut short "
					 "before it)", off + 8, (unsigned long long)h1);
		}
		if (h0 >> 24) {
			free(entries);
			return hm_errmsg(err, errlen, "offset %zu: header bits 63:24 are 0x%llx; the "
					 "driver writes them as zero", off,
					 (unsigned long long)(h0 >> 24));
		}
		if (!width || width >= 64) {
			free(entries);
			return hm_errmsg(err, errlen, "offset %zu: counter width %u, expected 1-63",
					 off + 2, width);
		}
		if ((len - off - 16) / 8 < n) {
			free(entries);
			return hm_errmsg(err, errlen, "offset %zu: the batch announces %u entries "
					 "(%u bytes) but %zu bytes are left", off, n, n * 8,
					 len - off - 16);
		}
		if (n > cap) {
			/* as large as the largest batch so far, not the largest possible */
			uint64_t *p = realloc(entries, (size_t)n * sizeof(*entries));

			if (!p) {
				free(entries);
				return -ENOMEM;
			}
			entries = p;
			cap = n;
		}
		for (i = 0; i < n; i++)
			entries[i] = get64(buf + off + 16 + 8 * (size_t)i);
		off += 16 + 8 * (size_t)n;
		if (fn && fn(arg, (uint32_t)batches, width, entries, n)) {
			batches++;
			break;
		}
		batches++;
	}
	free(entries);
	return batches;
bad_header:
	free(entries);
	return hm_errmsg(err, errlen, "offset %zu: a batch header needs 16 bytes; %zu left",
			 off, len - off);
}

/* ---- the text of perf report --dump-raw-traces ------------------------------------ */

struct dump {
	const char *p, *end;
	unsigned long line;
	char buf[512];
};

/* The next line, with ANSI colour codes and surrounding blanks removed. */
static bool next_line(struct dump *d)
{
	const char *nl;
	size_t n = 0;

	if (d->p >= d->end)
		return false;
	nl = memchr(d->p, '\n', (size_t)(d->end - d->p));
	if (!nl)
		nl = d->end;
	d->line++;
	for (; d->p < nl; d->p++) {
		if (*d->p == '\x1b' && d->p + 1 < nl && d->p[1] == '[') {
			/* ESC [ params letter */
			for (d->p += 2; d->p < nl && !isalpha((unsigned char)*d->p); d->p++)
				;
			continue;
		}
		if (n + 1 < sizeof(d->buf))
			d->buf[n++] = *d->p;
	}
	d->p = nl < d->end ? nl + 1 : nl;
	while (n && isspace((unsigned char)d->buf[n - 1]))
		n--;
	d->buf[n] = '\0';
	return true;
}

static const char *trimmed(const struct dump *d)
{
	const char *s = d->buf;

	while (isspace((unsigned char)*s))
		s++;
	return s;
}

/* Whole-string hex number (no 0x), 1-16 digits. */
static bool hex64(const char *s, uint64_t *v)
{
	size_t n = 0;

	*v = 0;
	for (; isxdigit((unsigned char)*s); s++, n++) {
		if (n == 16)
			return false;
		*v = *v << 4 | (uint64_t)(isdigit((unsigned char)*s) ? *s - '0' :
					  tolower((unsigned char)*s) - 'a' + 10);
	}
	return n && !*s;
}

long hm_chmu_dump_decode(const char *text, size_t len, hm_chmu_batch_fn fn, void *arg,
			 char *err, size_t errlen)
{
	static const char tag[] = "CXL_HMU data: size ";
	struct dump d = { .p = text, .end = text + len };
	uint64_t *entries = NULL;
	long batches = 0;
	bool found = false;

	while (next_line(&d)) {
		const char *t = trimmed(&d), *at = strstr(t, tag);
		unsigned long section = d.line;
		unsigned long long size;
		uint64_t words, w;
		char *end;

		if (!at)
			continue;	/* perf prints much else around the data */
		found = true;
		size = strtoull(at + sizeof(tag) - 1, &end, 10);
		if (end == at + sizeof(tag) - 1 || strcmp(end, " bytes")) {
			free(entries);
			return hm_errmsg(err, errlen, "line %lu: expected 'CXL_HMU data: size N bytes'",
					 d.line);
		}
		words = size / 8;
		for (w = 0; w < words;) {
			uint64_t units, width, v, k;

			/* a batch: Header 0, Header 1, then the entries */
			if (!next_line(&d))
				goto cut;
			if (sscanf(trimmed(&d), "Header 0: units: %" SCNx64 " counter_width %" SCNx64,
				   &units, &width) != 2) {
				free(entries);
				return hm_errmsg(err, errlen, "line %lu: expected 'Header 0: units: N "
						 "counter_width W' (hex), found '%.60s'", d.line,
						 trimmed(&d));
			}
			if (!width || width >= 64 || units > HM_CHMU_AUX_MAX) {
				free(entries);
				return hm_errmsg(err, errlen, "line %lu: %llu units of counter width %llu; "
						 "expected at most 0xffff units of width 1-63", d.line,
						 (unsigned long long)units, (unsigned long long)width);
			}
			if (++w == words || !next_line(&d))
				goto cut;
			if (sscanf(trimmed(&d), "Header 1 : %" SCNx64, &v) != 1 ||
			    v != HM_CHMU_AUX_MAGIC) {
				free(entries);
				return hm_errmsg(err, errlen, "line %lu: expected 'Header 1 : deadbeef', "
						 "found '%.60s'", d.line, trimmed(&d));
			}
			w++;
			if (!entries) {
				entries = malloc(HM_CHMU_AUX_MAX * sizeof(*entries));
				if (!entries)
					return -ENOMEM;
			}
			for (k = 0; k < units; k++, w++) {
				if (w == words || !next_line(&d))
					goto cut;
				if (!hex64(trimmed(&d), &entries[k])) {
					free(entries);
					return hm_errmsg(err, errlen, "line %lu: expected an entry, 16 hex "
							 "digits, found '%.60s'", d.line, trimmed(&d));
				}
			}
			if (fn && fn(arg, (uint32_t)batches++, (uint32_t)width, entries,
				     (uint32_t)units)) {
				free(entries);
				return batches;
			}
			continue;
cut:
			free(entries);
			return hm_errmsg(err, errlen, "line %lu: the CXL_HMU data of line %lu (%llu "
					 "bytes) ends inside a batch", d.line, section, size);
		}
	}
	free(entries);
	if (!found)
		return hm_errmsg(err, errlen, "no 'CXL_HMU data' in the text (expected the output of "
				 "perf report --dump-raw-traces, or binary AUX batches)");
	return batches;
}

long hm_chmu_decode(const uint8_t *buf, size_t len, hm_chmu_batch_fn fn, void *arg,
		    char *err, size_t errlen)
{
	/* binary batches have zero bytes in their first 16 (the header's top); text has none */
	if (len && !memchr(buf, 0, len < 16 ? len : 16))
		return hm_chmu_dump_decode((const char *)buf, len, fn, arg, err, errlen);
	return hm_chmu_aux_decode(buf, len, fn, arg, err, errlen);
}
