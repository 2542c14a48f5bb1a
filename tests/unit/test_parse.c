// SPDX-License-Identifier: MIT
/* Numbers, sizes and range lists: what is accepted, and where errors point. */
#include <errno.h>
#include <string.h>

#include <hotmem/parse.h>

#include "../hm_test.h"

static void test_u64(void **state)
{
	uint64_t v = 7;
	size_t at = 99;

	(void)state;
	assert_int_equal(hm_parse_u64("0", &v, &at), 0);
	assert_int_equal(v, 0);
	assert_int_equal(hm_parse_u64("18446744073709551615", &v, &at), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(hm_parse_u64("0xFFff", &v, &at), 0);
	assert_int_equal(v, 0xffff);
	assert_int_equal(hm_parse_u64("18446744073709551616", &v, &at), -ERANGE);
	assert_int_equal(hm_parse_u64("0x10000000000000000", &v, &at), -ERANGE);
	v = 7;
	assert_int_equal(hm_parse_u64("", &v, &at), -EINVAL);
	assert_int_equal(at, 0);
	assert_int_equal(hm_parse_u64("12a", &v, &at), -EINVAL);
	assert_int_equal(at, 2);
	assert_int_equal(hm_parse_u64("-1", &v, &at), -EINVAL);
	assert_int_equal(at, 0);
	assert_int_equal(hm_parse_u64(" 1", &v, &at), -EINVAL);
	assert_int_equal(hm_parse_u64("0x", &v, &at), -EINVAL);
	assert_int_equal(at, 2);
	assert_int_equal(v, 7);	/* untouched on error */
	assert_int_equal(hm_parse_u64(NULL, &v, &at), -EINVAL);
}

static void test_size(void **state)
{
	static const struct {
		const char *s;
		uint64_t v;
	} ok[] = {
		{ "4096", 4096 },	{ "4K", 4096 },		{ "4k", 4096 },
		{ "4KiB", 4096 },	{ "4kb", 4096 },	{ "4KB", 4096 },
		{ "1M", 1 << 20 },	{ "3G", 3ull << 30 },	{ "2T", 2ull << 40 },
		{ "1P", 1ull << 50 },	{ "15E", 15ull << 60 }, { "0x10K", 16 << 10 },
		{ "0", 0 },		{ "0G", 0 },
	};
	static const struct {
		const char *s;
		int err;
		size_t at;
	} bad[] = {
		{ "", -EINVAL, 0 },	{ "K", -EINVAL, 0 },	{ "4X", -EINVAL, 1 },
		{ "4KX", -EINVAL, 2 },	{ "4Ki", -EINVAL, 2 },	{ "4KiBB", -EINVAL, 4 },
		{ "4 K", -EINVAL, 1 },	{ "16E", -ERANGE, 0 },	{ "1.5G", -EINVAL, 1 },
	};
	unsigned int i;
	uint64_t v;
	size_t at;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(ok); i++) {
		assert_int_equal(hm_parse_size(ok[i].s, &v, &at), 0);
		assert_true(v == ok[i].v);
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		at = 99;
		assert_int_equal(hm_parse_size(bad[i].s, &v, &at), bad[i].err);
		assert_int_equal(at, bad[i].at);
	}
}

struct items {
	uint64_t lo[8], hi[8];
	unsigned int n;
	int fail_at;
};

static int record(uint64_t lo, uint64_t hi, void *arg)
{
	struct items *it = arg;

	if ((int)it->n == it->fail_at)
		return -EEXIST;
	it->lo[it->n] = lo;
	it->hi[it->n] = hi;
	it->n++;
	return 0;
}

static void test_list(void **state)
{
	struct items it = { .fail_at = -1 };
	size_t at;

	(void)state;
	assert_int_equal(hm_parse_list("0-3,5,7-7,0x10", 100, record, &it, &at), 0);
	assert_int_equal(it.n, 4);
	assert_int_equal(it.lo[0], 0);
	assert_int_equal(it.hi[0], 3);
	assert_int_equal(it.lo[1], 5);
	assert_int_equal(it.hi[1], 5);
	assert_int_equal(it.lo[2], 7);
	assert_int_equal(it.hi[2], 7);
	assert_int_equal(it.lo[3], 16);

	/* errors: nothing is applied, and the offset points at the problem */
	static const struct {
		const char *s;
		int err;
		size_t at;
	} bad[] = {
		{ "", -EINVAL, 0 },	{ "1,", -EINVAL, 2 },	{ ",1", -EINVAL, 0 },
		{ "1,,2", -EINVAL, 2 }, { "3-1", -EINVAL, 0 },	{ "1-", -EINVAL, 2 },
		{ "1;2", -EINVAL, 1 },	{ "1,2,101", -ERANGE, 4 },
		{ "1, 2", -EINVAL, 2 },
	};
	for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++) {
		memset(&it, 0, sizeof(it));
		it.fail_at = -1;
		at = 99;
		assert_int_equal(hm_parse_list(bad[i].s, 100, record, &it, &at),
				 bad[i].err);
		assert_int_equal(at, bad[i].at);
		assert_int_equal(it.n, 0);
	}
	/* the callback's error stops the walk */
	memset(&it, 0, sizeof(it));
	it.fail_at = 1;
	assert_int_equal(hm_parse_list("1,2,3", 100, record, &it, &at), -EEXIST);
	assert_int_equal(it.n, 1);
}

static void test_duration(void **state)
{
	uint64_t v = 0;
	size_t at = 99;

	(void)state;
	assert_int_equal(hm_parse_duration("5ms", 1000, &v, &at), 0);
	assert_int_equal(v, 5000000);
	assert_int_equal(hm_parse_duration("250us", 1000, &v, &at), 0);
	assert_int_equal(v, 250000);
	assert_int_equal(hm_parse_duration("1s", 1000, &v, &at), 0);
	assert_int_equal(v, 1000000000);
	assert_int_equal(hm_parse_duration("2m", 1000, &v, &at), 0);
	assert_true(v == 120000000000ull);
	assert_int_equal(hm_parse_duration("2min", 1000, &v, &at), 0);
	assert_true(v == 120000000000ull);
	assert_int_equal(hm_parse_duration("1h", 1000, &v, &at), 0);
	assert_true(v == 3600000000000ull);
	assert_int_equal(hm_parse_duration("7ns", 1000, &v, &at), 0);
	assert_int_equal(v, 7);
	assert_int_equal(hm_parse_duration("5000", 1000, &v, &at), 0);	/* µs */
	assert_int_equal(v, 5000000);
	assert_int_equal(hm_parse_duration("5sec", 1000, &v, &at), -EINVAL);
	assert_int_equal(at, 1);
	assert_int_equal(hm_parse_duration("ms", 1000, &v, &at), -EINVAL);
	assert_int_equal(at, 0);
	assert_int_equal(hm_parse_duration("1.5s", 1000, &v, &at), -EINVAL);
	assert_int_equal(hm_parse_duration("6000000h", 1000, &v, &at), -ERANGE);
}

static void test_cpulist(void **state)
{
	uint64_t bits[2] = { ~0ull, ~0ull };
	size_t at;

	(void)state;
	assert_int_equal(hm_parse_cpulist("0,2-3,64,127", bits, 128, &at), 0);
	assert_true(bits[0] == 0xdull);
	assert_true(bits[1] == (1ull | 1ull << 63));
	/* a CPU beyond the bitmap: -ERANGE and the bitmap untouched */
	assert_int_equal(hm_parse_cpulist("1,128", bits, 128, &at), -ERANGE);
	assert_int_equal(at, 2);
	assert_true(bits[0] == 0xdull);
	assert_int_equal(hm_parse_cpulist("x", bits, 128, &at), -EINVAL);
}

/* hm_errmsg keeps its one line even when it quotes input with control characters. */
static void test_errmsg(void **state)
{
	char err[64];

	(void)state;
	assert_int_equal(hm_errmsg(err, sizeof(err), "$.daemon.%s: unknown key", "a\nb\tc\x7f"), -EINVAL);
	assert_string_equal(err, "$.daemon.a?b?c?: unknown key");
	assert_int_equal(hm_errmsg(err, 4, "%s", "abcdef"), -EINVAL);
	assert_string_equal(err, "abc");
	assert_int_equal(hm_errmsg(NULL, 0, "x"), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_u64),
		cmocka_unit_test(test_size),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_cpulist),
		cmocka_unit_test(test_errmsg),
	};

	return hm_run_tests(tests);
}
