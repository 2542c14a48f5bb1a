// SPDX-License-Identifier: MIT
/*
 * Sampled accesses from perf's text outputs: `perf script -F` with the
 * tid, cpu, time, addr (and phys_addr) fields, and `perf mem report -D`
 * (perf report's raw dump). docs/sim.md shows both.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hotmem/sim.h>

struct acc_vec {
	struct hm_access *a;
	size_t n, cap;
};

static int push(struct acc_vec *v, const struct hm_access *a)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 1024;
		struct hm_access *x = realloc(v->a, cap * sizeof(*x));

		if (!x)
			return -ENOMEM;
		v->a = x;
		v->cap = cap;
	}
	v->a[v->n++] = *a;
	return 0;
}

static bool parse_hex(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;

	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		i = 2;
	if (i == len || len - i > 16)
		return false;
	for (; i < len; i++) {
		int c = tolower((unsigned char)s[i]);

		if (!isxdigit(c))
			return false;
		v = v << 4 | (uint64_t)(c <= '9' ? c - '0' : c - 'a' + 10);
	}
	*out = v;
	return true;
}

static bool parse_dec(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (!len || len > 19)
		return false;
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return true;
}

/* "12345.678901" seconds to ns */
static bool parse_secs(const char *s, size_t len, uint64_t *ns)
{
	const char *dot = memchr(s, '.', len);
	uint64_t sec, frac = 0;
	size_t fl, i;

	if (!dot)
		return false;
	if (!parse_dec(s, (size_t)(dot - s), &sec) || sec > 4000000000ull)
		return false;
	fl = len - (size_t)(dot - s) - 1;
	if (!fl || fl > 9 || !parse_dec(dot + 1, fl, &frac))
		return false;
	for (i = fl; i < 9; i++)
		frac *= 10;
	*ns = sec * 1000000000ull + frac;
	return true;
}

/* One `perf script` line: [comm] tid|pid/tid [cpu] secs: [event:] addr [phys_addr] */
static int script_line(const char *l, size_t len, bool phys, struct hm_access *a, char *why,
		       size_t whylen)
{
	bool have_time = false, have_cpu = false;
	uint64_t addr = 0, paddr = 0, t = 0, cpu = 0;
	unsigned int nhex = 0;
	size_t i = 0;

	while (i < len) {
		size_t j;

		while (i < len && isspace((unsigned char)l[i]))
			i++;
		j = i;
		while (j < len && !isspace((unsigned char)l[j]))
			j++;
		if (j == i)
			break;
		if (l[i] == '[' && l[j - 1] == ']') {
			if (!parse_dec(l + i + 1, j - i - 2, &cpu) || cpu > 65535) {
				snprintf(why, whylen, "cpu '%.*s' is not [N]", (int)(j - i), l + i);
				return -EINVAL;
			}
			have_cpu = true;
		} else if (l[j - 1] == ':' && !have_time && parse_secs(l + i, j - i - 1, &t)) {
			have_time = true;
		} else if (have_time && l[j - 1] != ':' && nhex < 2 &&
			   parse_hex(l + i, j - i, nhex ? &paddr : &addr)) {
			nhex++;
		}
		/* anything else (comm, tid, event names) is not needed */
		i = j;
	}
	if (!have_time) {
		snprintf(why, whylen, "no time field (SECONDS.FRACTION:)");
		return -EINVAL;
	}
	if (!nhex) {
		snprintf(why, whylen, "no address after the time");
		return -EINVAL;
	}
	if (phys && nhex < 2) {
		snprintf(why, whylen, "no phys_addr field after the address");
		return -EINVAL;
	}
	memset(a, 0, sizeof(*a));
	a->time_ns = t;
	a->addr = phys ? paddr : addr;
	a->cpu = have_cpu ? (uint32_t)cpu : 0;
	return 0;
}

/* Bytes from @p before @end that are (@in) or are not (!@in) in @set: strspn that stops at @end */
static size_t span(const char *p, const char *end, const char *set, bool in)
{
	const char *q = p;

	while (q < end && *q && (strchr(set, *q) != NULL) == in)
		q++;
	return (size_t)(q - p);
}

/* A `perf report -D` sample: "CPU TIME 0xOFF [0xSZ]: PERF_RECORD_SAMPLE(...): ... addr: 0x..." */
static int dump_line(const char *l, size_t len, struct hm_access *a, char *why, size_t whylen)
{
	const char *p = l, *end = l + len, *ad;
	uint64_t cpu, t, addr;
	size_t n;

	while (p < end && isspace((unsigned char)*p))
		p++;
	n = span(p, end, "0123456789", true);
	if (!n || !parse_dec(p, n, &cpu)) {
		snprintf(why, whylen, "a sample line starts with the CPU and the time");
		return -EINVAL;
	}
	p += n;
	while (p < end && *p == ' ')
		p++;
	n = span(p, end, "0123456789", true);
	if (!n || !parse_dec(p, n, &t)) {
		snprintf(why, whylen, "no time after the CPU (record with -T / sample_time)");
		return -EINVAL;
	}
	ad = memmem(l, len, " addr: ", 7);
	if (!ad) {
		snprintf(why, whylen, "no 'addr:' (record with -d)");
		return -EINVAL;
	}
	ad += 7;
	n = span(ad, end, " \n", false);
	if (!parse_hex(ad, n, &addr)) {
		snprintf(why, whylen, "addr '%.*s' is not hexadecimal", (int)n, ad);
		return -EINVAL;
	}
	memset(a, 0, sizeof(*a));
	a->time_ns = t;
	a->addr = addr;
	a->cpu = cpu > 65535 ? 65535 : (uint32_t)cpu;
	return 0;
}

long hm_perf_parse(const char *text, size_t len, const char *name, bool phys,
		   struct hm_access **out, char *err, size_t errlen)
{
	struct acc_vec v = { 0 };
	const char *p = text, *end = text + len;
	bool dump = memmem(text, len, "PERF_RECORD_", 12) != NULL;
	uint64_t t0 = 0, last = 0, line = 0;
	char why[160];

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct hm_access a;
		const char *q = p;
		int ret = 1;

		line++;
		while (q < p + l && isspace((unsigned char)*q))
			q++;
		if (memchr(p, '\0', l)) {
			snprintf(err, errlen, "%s:%llu: a NUL byte: not perf's text output", name,
				 (unsigned long long)line);
			free(v.a);
			return -EINVAL;
		}
		if (q == p + l || *q == '#') {
			ret = 1;
		} else if (dump) {
			const char *ph;

			if (memmem(p, l, "PERF_RECORD_SAMPLE", 18))
				ret = dump_line(p, l, &a, why, sizeof(why));
			else if (phys && v.n && (ph = memmem(p, l, "phys_addr: ", 11)) &&
				 parse_hex(ph + 11, span(ph + 11, p + l, " \n", false),
					   &v.a[v.n - 1].addr))
				v.a[v.n - 1].flags |= 0x80;	/* physical seen */
		} else {
			ret = script_line(p, l, phys, &a, why, sizeof(why));
		}
		if (ret < 0) {
			snprintf(err, errlen, "%s:%llu: %s", name, (unsigned long long)line, why);
			free(v.a);
			return -EINVAL;
		}
		if (!ret) {
			if (!v.n)
				t0 = a.time_ns;
			if (a.time_ns < last) {
				snprintf(err, errlen, "%s:%llu: time goes back", name,
					 (unsigned long long)line);
				free(v.a);
				return -EINVAL;
			}
			last = a.time_ns;
			a.time_ns -= t0;
			if (push(&v, &a)) {
				free(v.a);
				snprintf(err, errlen, "%s: out of memory", name);
				return -ENOMEM;
			}
		}
		p += l + (nl ? 1 : 0);
	}
	if (dump && phys) {
		size_t i;

		for (i = 0; i < v.n; i++) {
			if (!(v.a[i].flags & 0x80)) {
				snprintf(err, errlen, "%s: sample %zu has no phys_addr (record with "
					 "--phys-data)", name, i + 1);
				free(v.a);
				return -EINVAL;
			}
			v.a[i].flags = 0;
		}
	}
	if (!v.n) {
		snprintf(err, errlen, "%s: no samples", name);
		free(v.a);
		return -EINVAL;
	}
	*out = v.a;
	return (long)v.n;
}
