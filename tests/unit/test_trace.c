// SPDX-License-Identifier: MIT
/*
 * Traces: both formats round-trip a generated stream exactly, and every
 * malformed input - binary and text - is refused with one line naming the
 * byte offset or the line and what was expected.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <hotmem/hotmem.h>

#include "../hm_test.h"

static void round_trip(enum hm_trace_format fmt)
{
	static struct hm_access a[5000], b[5001];
	struct hm_workload_spec s;
	struct hm_workload *w;
	struct hm_trace_writer *tw;
	struct hm_trace_reader *tr;
	char *mem = NULL, err[256];
	size_t len = 0;
	long got, total = 0;
	FILE *f = open_memstream(&mem, &len);

	assert_int_equal(hm_workload_parse("zipf:size=1G,write=0.5,tee=0.2,cpus=16", &s, err,
					   sizeof(err)), 0);
	w = hm_workload_new(&s, 1);
	hm_workload_fill(w, a, 5000);
	hm_workload_free(w);
	assert_int_equal(hm_trace_create(f, fmt, &tw), 0);
	assert_int_equal(hm_trace_write(tw, a, 3000), 0);
	assert_int_equal(hm_trace_write(tw, a + 3000, 2000), 0);
	assert_int_equal(hm_trace_finish(tw), 0);
	fclose(f);

	f = fmemopen(mem, len, "r");
	assert_int_equal(hm_trace_open(f, "t", &tr), 0);
	assert_int_equal(hm_trace_reader_format(tr), fmt);
	while ((got = hm_trace_read(tr, b + total, 777, err, sizeof(err))) > 0)
		total += got;
	assert_int_equal(got, 0);
	assert_int_equal(total, 5000);
	assert_memory_equal(a, b, sizeof(a));
	hm_trace_close(tr);
	fclose(f);
	free(mem);
}

static void test_round_trip(void **state)
{
	(void)state;
	round_trip(HM_TRACE_BINARY);
	round_trip(HM_TRACE_TEXT);
}

/* Read all of @data; expect the error @want (or success when NULL). */
static void expect(const void *data, size_t len, const char *want, long want_n)
{
	struct hm_access a[16];
	struct hm_trace_reader *tr;
	char err[256] = "";
	long got, total = 0;
	FILE *f = fmemopen((void *)data, len, "r");

	assert_non_null(f);
	assert_int_equal(hm_trace_open(f, "t", &tr), 0);
	while ((got = hm_trace_read(tr, a, 16, err, sizeof(err))) > 0)
		total += got;
	if (!want) {
		if (got)
			fail_msg("refused: %s", err);
		assert_int_equal(total, want_n);
	} else {
		assert_int_equal(got, -EINVAL);
		if (!strstr(err, want))
			fail_msg("message '%s' lacks '%s'", err, want);
		assert_null(strchr(err, '\n'));
		/* sticky: reading on gives the same error */
		assert_int_equal(hm_trace_read(tr, a, 16, err, sizeof(err)), -EINVAL);
	}
	hm_trace_close(tr);
	fclose(f);
}

static void put(unsigned char *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++, v >>= 8)
		p[i] = (unsigned char)v;
}

static void test_binary_errors(void **state)
{
	unsigned char b[16 + 3 * 24];

	(void)state;
	memset(b, 0, sizeof(b));
	memcpy(b, "HMTRACE", 8);
	put(b + 8, 1, 4);
	put(b + 12, 24, 4);
	put(b + 16, 100, 8);		/* time */
	put(b + 24, 0x1000, 8);		/* addr */
	put(b + 40, 200, 8);
	put(b + 64, 300, 8);
	expect(b, sizeof(b), NULL, 3);
	expect(b, 16, NULL, 0);		/* a header and no records */
	expect(b, 10, "offset 0: a binary trace starts with a 16-byte header", 0);
	expect("HELLO WORLD, HI THERE", 21, "offset 0: not a hotmem trace", 0);
	expect(b, 16 + 24 + 5, "offset 40: record cut short (5 of 24 bytes)", 0);
	put(b + 8, 2, 4);
	expect(b, sizeof(b), "offset 8: version 2 is not supported", 0);
	put(b + 8, 1, 4);
	put(b + 12, 32, 4);
	expect(b, sizeof(b), "offset 12: record size 32, expected 24", 0);
	put(b + 12, 24, 4);
	put(b + 36, 0x4, 4);		/* flags of record 0 */
	expect(b, sizeof(b), "offset 36: flags 0x4 has unknown bits", 0);
	put(b + 36, 0x3, 4);
	put(b + 40, 50, 8);		/* record 1 goes back in time */
	expect(b, sizeof(b), "offset 40: time 50 ns is before the previous record's 100 ns", 0);
}

static void test_text(void **state)
{
	struct hm_access a[4];
	struct hm_trace_reader *tr;
	char err[256];
	const char *t = "# a comment\n\n10 0x1000 r 0\n20 4096 w 3 tee # trailing\r\n"
			"  30\t0x2000\tr\t1\n";
	FILE *f = fmemopen((void *)t, strlen(t), "r");

	(void)state;
	assert_int_equal(hm_trace_open(f, "t", &tr), 0);
	assert_int_equal(hm_trace_reader_format(tr), HM_TRACE_TEXT);
	assert_int_equal(hm_trace_read(tr, a, 4, err, sizeof(err)), 3);
	assert_int_equal(a[0].addr, 0x1000);
	assert_int_equal(a[0].flags, 0);
	assert_int_equal(a[1].addr, 4096);
	assert_int_equal(a[1].cpu, 3);
	assert_int_equal(a[1].flags, HM_ACCESS_WRITE | HM_ACCESS_TEE);
	assert_int_equal(a[2].time_ns, 30);
	assert_int_equal(hm_trace_read(tr, a, 4, err, sizeof(err)), 0);
	hm_trace_close(tr);
	fclose(f);
}

static void test_text_errors(void **state)
{
	static char longline[5000];

	(void)state;
	expect("10 0x1000 r\n", 12, "t:1: expected \"time_ns addr r|w cpu [tee]\", found 3 fields",
	       0);
	expect("10 0x1000 r 0 tee x\n", 20, "found 6 fields", 0);
	expect("ten 0x1000 r 0\n", 15, "t:1: time 'ten' is not a number of ns", 0);
	expect("10 0xzz r 0\n", 12, "t:1: address '0xzz' is not a number", 0);
	expect("10 0x10 x 0\n", 12, "t:1: 'x' is not r or w", 0);
	expect("10 0x10 r -1\n", 13, "t:1: cpu '-1' is not a CPU number", 0);
	expect("10 0x10 r 1 trusted\n", 20, "t:1: 'trusted' is not tee", 0);
	expect("10 0x10 r 1\n5 0x10 r 1\n", 24, "t:2: time 5 ns is before the previous line's 10", 0);
	expect("10 0x10 r 1\n1\0 0x10 r 1\n", 24, "t:2: a NUL byte in a text line", 0);
	memset(longline, '1', sizeof(longline) - 1);
	expect(longline, sizeof(longline) - 1, "t:1: line longer than 4096 characters", 0);
	expect("", 0, NULL, 0);		/* empty: a text trace with nothing in it */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_binary_errors),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_text_errors),
	};

	return hm_run_tests(tests);
}
