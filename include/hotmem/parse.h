/* SPDX-License-Identifier: MIT */
/*
 * Parsers for the small value syntaxes hotmem shares between its command line
 * and its configuration files: unsigned numbers, sizes with binary suffixes,
 * and lists of ranges ("0-3,8,10-11"). Each reports where parsing stopped so
 * callers can name the offending character.
 */
#ifndef HOTMEM_PARSE_H
#define HOTMEM_PARSE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Decimal, or hexadecimal with 0x. No sign, no spaces, no trailing text.
 * Return: 0; -EINVAL (then *@err is the offset of the first bad character);
 * -ERANGE on overflow.
 */
int hm_parse_u64(const char *s, uint64_t *out, size_t *err);

/*
 * A byte count: a number (as hm_parse_u64) optionally followed by one of
 * K, M, G, T, P, E (any case; powers of 1024, as the kernel's memparse) and
 * an optional "iB" or "B". "4K", "4KiB", "4kb" and "4096" are the same size.
 * Same returns as hm_parse_u64.
 */
int hm_parse_size(const char *s, uint64_t *out, size_t *err);

/*
 * A duration in nanoseconds: a number followed by ns, us, ms, s, m (or min)
 * or h
 * ("5ms", "1s", "250us"); a bare number is taken in @default_unit_ns
 * (1000 for microseconds). Same returns as hm_parse_u64.
 */
int hm_parse_duration(const char *s, uint64_t default_unit_ns, uint64_t *out_ns,
		      size_t *err);

/*
 * A comma-separated list of numbers and inclusive ranges lo-hi, as in
 * /sys/devices/system/cpu/online. @fn is called once per item, in order,
 * after the whole list has been validated, so an error leaves nothing
 * half-applied. Items must be at most @max.
 * Return: 0; -EINVAL (bad syntax, empty list or item, lo > hi; *@err is the
 * offset); -ERANGE (a value above @max or overflowing); or @fn's negative
 * return, which stops the walk.
 */
int hm_parse_list(const char *s, uint64_t max,
		  int (*fn)(uint64_t lo, uint64_t hi, void *arg), void *arg,
		  size_t *err);

/*
 * A CPU list into a bitmap of @nr_bits bits (cleared first, only on success).
 * Return: as hm_parse_list; -ERANGE for a CPU >= @nr_bits.
 */
int hm_parse_cpulist(const char *s, uint64_t *bits, uint32_t nr_bits,
		     size_t *err);

/*
 * For parsers that explain themselves: format one line into @err (if @err
 * and @len are non-zero), as snprintf does, control characters (from quoted
 * input) shown as '?'. Return: -EINVAL, so that
 * "return hm_errmsg(err, len, ...)" refuses and says why in one go.
 */
int hm_errmsg(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#ifdef __cplusplus
}
#endif

#endif /* HOTMEM_PARSE_H */
