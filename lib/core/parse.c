// SPDX-License-Identifier: MIT
/*
 * Number, size and range-list parsers shared by the command line and the
 * configuration loader. They never print; on error they return a negative
 * errno and the offset of the character that stopped them.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdbool.h>
#include <string.h>

#include <hotmem/parse.h>

static void set_err(size_t *err, size_t off)
{
	if (err)
		*err = off;
}

/* Parse digits at s[*i]; advances *i. Does not require the end of string. */
static int parse_num(const char *s, size_t *i, uint64_t *out)
{
	unsigned int base = 10;
	uint64_t v = 0;
	size_t start;

	if (s[*i] == '0' && (s[*i + 1] == 'x' || s[*i + 1] == 'X')) {
		base = 16;
		*i += 2;
	}
	start = *i;
	for (;; (*i)++) {
		unsigned int d;
		char c = s[*i];

		if (c >= '0' && c <= '9')
			d = (unsigned int)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (unsigned int)(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = (unsigned int)(c - 'A' + 10);
		else
			break;
		if (v > (UINT64_MAX - d) / base)
			return -ERANGE;
		v = v * base + d;
	}
	if (*i == start)
		return -EINVAL;
	*out = v;
	return 0;
}

int hm_parse_u64(const char *s, uint64_t *out, size_t *err)
{
	size_t i = 0;
	uint64_t v;
	int ret;

	if (!s || !out)
		return -EINVAL;
	ret = parse_num(s, &i, &v);
	if (ret || s[i]) {
		set_err(err, i);
		return ret ? ret : -EINVAL;
	}
	*out = v;
	return 0;
}

int hm_parse_size(const char *s, uint64_t *out, size_t *err)
{
	static const char units[] = "KMGTPE";
	unsigned int shift = 0;
	const char *u;
	size_t i = 0;
	uint64_t v;
	int ret;

	if (!s || !out)
		return -EINVAL;
	ret = parse_num(s, &i, &v);
	if (ret) {
		set_err(err, i);
		return ret;
	}
	if (s[i]) {
		char c = s[i];

		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		u = strchr(units, c);
		if (!u || !c) {
			set_err(err, i);
			return -EINVAL;
		}
		shift = 10 * (unsigned int)(u - units + 1);
		i++;
		if (s[i] == 'i' && (s[i + 1] == 'B' || s[i + 1] == 'b'))
			i += 2;
		else if (s[i] == 'B' || s[i] == 'b')
			i++;
		if (s[i]) {
			set_err(err, i);
			return -EINVAL;
		}
	}
	if (shift && v > (UINT64_MAX >> shift)) {
		set_err(err, 0);
		return -ERANGE;
	}
	*out = v << shift;
	return 0;
}

int hm_parse_duration(const char *s, uint64_t default_unit_ns, uint64_t *out_ns,
		      size_t *err)
{
	static const struct {
		const char *suffix;
		uint64_t ns;
	} units[] = {
		{ "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", 1000000000ull },
		{ "m", 60000000000ull }, { "min", 60000000000ull },
		{ "h", 3600000000000ull },
	};
	uint64_t v, mult = default_unit_ns;
	size_t i = 0, k;
	int ret;

	if (!s || !out_ns)
		return -EINVAL;
	ret = parse_num(s, &i, &v);
	if (ret) {
		set_err(err, i);
		return ret;
	}
	if (s[i]) {
		for (k = 0; k < sizeof(units) / sizeof(units[0]); k++)
			if (!strcmp(s + i, units[k].suffix))
				break;
		if (k == sizeof(units) / sizeof(units[0])) {
			set_err(err, i);
			return -EINVAL;
		}
		mult = units[k].ns;
	}
	if (mult && v > UINT64_MAX / mult) {
		set_err(err, 0);
		return -ERANGE;
	}
	*out_ns = v * mult;
	return 0;
}

/* Walk the list; call @fn per item only if @apply. */
static int walk_list(const char *s, uint64_t max,
		     int (*fn)(uint64_t, uint64_t, void *), void *arg,
		     size_t *err, bool apply)
{
	size_t i = 0;
	int ret;

	for (;;) {
		uint64_t lo, hi;
		size_t at = i;

		ret = parse_num(s, &i, &lo);
		if (ret) {
			set_err(err, i);
			return ret;
		}
		hi = lo;
		if (s[i] == '-') {
			i++;
			ret = parse_num(s, &i, &hi);
			if (ret) {
				set_err(err, i);
				return ret;
			}
			if (lo > hi) {
				set_err(err, at);
				return -EINVAL;
			}
		}
		if (hi > max) {
			set_err(err, at);
			return -ERANGE;
		}
		if (apply && fn) {
			ret = fn(lo, hi, arg);
			if (ret < 0)
				return ret;
		}
		if (!s[i])
			return 0;
		if (s[i] != ',') {
			set_err(err, i);
			return -EINVAL;
		}
		i++;
	}
}

int hm_parse_list(const char *s, uint64_t max,
		  int (*fn)(uint64_t lo, uint64_t hi, void *arg), void *arg,
		  size_t *err)
{
	int ret;

	if (!s)
		return -EINVAL;
	ret = walk_list(s, max, NULL, NULL, err, false);
	if (ret)
		return ret;
	return walk_list(s, max, fn, arg, err, true);
}

struct cpulist_arg {
	uint64_t *bits;
};

static int set_cpu_range(uint64_t lo, uint64_t hi, void *p)
{
	struct cpulist_arg *a = p;
	uint64_t c;

	for (c = lo; c <= hi; c++)
		a->bits[c / 64] |= 1ull << (c % 64);
	return 0;
}

int hm_parse_cpulist(const char *s, uint64_t *bits, uint32_t nr_bits,
		     size_t *err)
{
	struct cpulist_arg a = { .bits = bits };
	int ret;

	if (!s || !bits || !nr_bits)
		return -EINVAL;
	ret = walk_list(s, nr_bits - 1, NULL, NULL, err, false);
	if (ret)
		return ret;
	memset(bits, 0, (nr_bits + 63) / 64 * sizeof(*bits));
	return walk_list(s, nr_bits - 1, set_cpu_range, &a, err, true);
}

int hm_errmsg(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (err && len) {
		va_start(ap, fmt);
		vsnprintf(err, len, fmt, ap);
		va_end(ap);
		/* a key or value quoted from the input may hold control characters */
		for (char *p = err; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = '?';
	}
	return -EINVAL;
}
