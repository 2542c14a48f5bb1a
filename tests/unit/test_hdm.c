// SPDX-License-Identifier: MIT
/*
 * DPA <-> HPA through HDM decoders: the reference's worked example, 2-, 3-
 * and 4-way tables at 256 B and 4 KiB against an independent write-up of
 * Linux's region.c arithmetic (eiw/eig encodings), the mapping being a
 * bijection between the set's devices and the region, decoder DPA bases,
 * units split into pieces, reports that share a count by size, and the
 * merge of a set's devices into per-HPA counts.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <hotmem/chmu_host.h>

#include "../hm_test.h"

static void test_worked_example(void **state)
{
	struct hm_hdm_decoder d = { .hpa_base = 1ull << 32, .hpa_size = 1 << 20, .ways = 4,
				    .granularity = 1024, .position = 2 };
	uint64_t dpa;
	uint32_t pos;

	(void)state;
	assert_int_equal(hm_hdm_check(&d, NULL, 0), 0);
	/* W = 4, G = 1024, P = 2, dpa_off = 5000: hpa_off = (4 x 4 + 2) x 1024 + 904 */
	assert_int_equal(hm_hdm_dpa_to_hpa(&d, 5000), (1ull << 32) + 19336);
	assert_int_equal(hm_hdm_hpa_to_dpa(&d, (1ull << 32) + 19336, &dpa, &pos), 0);
	assert_int_equal(dpa, 5000);
	assert_int_equal(pos, 2);
	assert_int_equal(hm_hdm_hpa_to_dpa(&d, (1ull << 32) - 1, &dpa, &pos), -ERANGE);
	assert_int_equal(hm_hdm_hpa_to_dpa(&d, (1ull << 32) + (1 << 20), &dpa, &pos), -ERANGE);
}

/* Linux's cxl_dpa_to_hpa, written from its eiw/eig encoding. */
static uint64_t linux_hpa_off(uint64_t dpa_off, uint32_t ways, uint32_t gran, uint32_t pos)
{
	unsigned int eig = (unsigned int)__builtin_ctz(gran) - 8, eiw;
	uint64_t mask_upper = ~((1ull << (eig + 8)) - 1), hpa, upper;

	switch (ways) {
	case 3: eiw = 8; break;
	case 6: eiw = 9; break;
	case 12: eiw = 10; break;
	default: eiw = (unsigned int)__builtin_ctz(ways); break;
	}
	if (eiw < 8) {
		hpa = (dpa_off & mask_upper) << eiw;
		hpa |= (uint64_t)pos << (eig + 8);
	} else {
		upper = (dpa_off & mask_upper) >> (eig + 8);
		upper *= 3;
		hpa = ((upper << (eiw - 8)) + pos) << (eig + 8);
	}
	return hpa | (dpa_off & ((1ull << (eig + 8)) - 1));
}

static void test_tables(void **state)
{
	static const uint32_t ways[] = { 2, 3, 4, 6, 12, 16 }, grans[] = { 256, 4096 };
	size_t wi, gi;

	(void)state;
	for (wi = 0; wi < ARRAY_SIZE(ways); wi++) {
		for (gi = 0; gi < ARRAY_SIZE(grans); gi++) {
			uint32_t w = ways[wi], g = grans[gi], p, chunks = 16;
			uint64_t span = (uint64_t)chunks * g, o;
			/* who owns each HPA chunk of the region: exactly one (pos, chunk) */
			uint8_t *seen = calloc(chunks * w, 1);

			for (p = 0; p < w; p++) {
				struct hm_hdm_decoder d = { .hpa_base = 0x40000000,
							    .hpa_size = span * w, .ways = w,
							    .granularity = g, .position = p };

				assert_int_equal(hm_hdm_check(&d, NULL, 0), 0);
				for (o = 0; o < span; o += 61) {
					uint64_t hpa = hm_hdm_dpa_to_hpa(&d, o), back;
					uint32_t pos;

					assert_int_equal(hpa - 0x40000000,
							 linux_hpa_off(o, w, g, p));
					assert_int_equal(hm_hdm_hpa_to_dpa(&d, hpa, &back, &pos), 0);
					assert_int_equal(back, o);
					assert_int_equal(pos, p);
				}
				for (o = 0; o < chunks; o++) {
					uint64_t c = (hm_hdm_dpa_to_hpa(&d, o * g) - 0x40000000) / g;

					assert_true(c < (uint64_t)chunks * w);
					assert_int_equal(seen[c]++, 0);
				}
			}
			for (o = 0; o < (uint64_t)chunks * w; o++)
				assert_int_equal(seen[o], 1);
			free(seen);
		}
	}
}

static void test_dpa_base_and_check(void **state)
{
	struct hm_hdm_decoder dec[3] = {
		{ .hpa_size = 4ull << 30, .ways = 2, .granularity = 4096, .dpa_skip = 0 },
		{ .hpa_size = 3ull << 30, .ways = 3, .granularity = 256, .dpa_skip = 1 << 20 },
		{ .hpa_size = 1ull << 30, .ways = 1, .granularity = 256, .dpa_skip = 0 },
	};
	struct hm_hdm_decoder bad = dec[0];
	char err[256];

	(void)state;
	assert_int_equal(hm_hdm_dpa_base(dec, 3, 0), 0);
	/* 2 GiB per device from decoder 0, then decoder 1's own 1 MiB skip */
	assert_int_equal(hm_hdm_dpa_base(dec, 3, 1), (2ull << 30) + (1 << 20));
	assert_int_equal(hm_hdm_dpa_base(dec, 3, 2), (2ull << 30) + (1 << 20) + (1ull << 30));
	bad.ways = 5;
	assert_int_equal(hm_hdm_check(&bad, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "ways: 5"));
	bad = dec[0];
	bad.granularity = 32768;
	hm_hdm_check(&bad, err, sizeof(err));
	assert_non_null(strstr(err, "granularity: 32768"));
	bad = dec[0];
	bad.position = 2;
	hm_hdm_check(&bad, err, sizeof(err));
	assert_non_null(strstr(err, "position: 2; expected 0 to 1"));
	bad = dec[0];
	bad.hpa_size = 4096;
	hm_hdm_check(&bad, err, sizeof(err));
	assert_non_null(strstr(err, "size: 4096"));
}

static void test_pieces(void **state)
{
	struct hm_hdm_decoder d = { .hpa_base = 0, .hpa_size = 1 << 20, .ways = 2,
				    .granularity = 256, .position = 1 };
	struct hm_hpa_piece pc[32];
	unsigned int n, i;

	(void)state;
	/* a 4 KiB unit over 256-byte granules, two ways: 16 pieces, 512 B apart */
	n = hm_hdm_pieces(&d, 4096, 4096, pc, 32);
	assert_int_equal(n, 16);
	for (i = 0; i < n; i++) {
		assert_int_equal(pc[i].len, 256);
		assert_int_equal(pc[i].hpa, 8192 + 256 + i * 512ull);
	}
	/* one way: one piece */
	d.ways = 1;
	d.position = 0;
	assert_int_equal(hm_hdm_pieces(&d, 4096, 4096, pc, 32), 1);
	assert_int_equal(pc[0].len, 4096);
	/* a granularity above the unit: one piece */
	d.ways = 4;
	d.granularity = 16384;
	d.position = 3;
	assert_int_equal(hm_hdm_pieces(&d, 4096, 4096, pc, 32), 1);
	assert_int_equal(pc[0].hpa, 3 * 16384 + 4096);
}

static void test_reports_and_merge(void **state)
{
	struct hm_hdm_decoder d0 = { .hpa_base = 1ull << 30, .hpa_size = 1 << 20, .ways = 2,
				     .granularity = 1024, .position = 0 };
	struct hm_hdm_decoder d1 = d0;
	struct hm_chmu_source s = { .unit_log2 = 12, .dec = &d0, .node = 2, .source = 3,
				    .time_ns = 77 };
	uint64_t e[2] = { 3ull << 16 | 10, 0ull << 16 | 100 };
	struct hm_report r[32];
	struct hm_hpa_count *m;
	long n, i;
	uint64_t total = 0;

	(void)state;
	/* unit 3 (DPA 12 KiB) over 1 KiB granules, two ways: 4 pieces of 1 KiB */
	n = hm_chmu_reports(&s, e, 1, 16, r, 32);
	assert_int_equal(n, 4);
	for (i = 0; i < n; i++) {
		assert_int_equal(r[i].size, 1024);
		assert_int_equal(r[i].addr, (1ull << 30) + (12 + i) * 2048);
		assert_int_equal(r[i].flags, HM_REPORT_PHYS);
		assert_int_equal(r[i].node, 2);
		assert_int_equal(r[i].source, 3);
		assert_int_equal(r[i].time_ns, 77);
		total += r[i].count;
	}
	/* 10 shared out by size: 2 each, and the 2 rounding left on pieces two apart */
	assert_int_equal(total, 10);
	for (i = 0; i < n; i++)
		assert_in_range(r[i].count, 2, 3);
	assert_int_equal(r[0].count, r[2].count);
	assert_int_equal(r[1].count, r[3].count);
	assert_int_not_equal(r[0].count, r[1].count);
	/* a count of 1 lands on each piece about equally often over many reads */
	{
		unsigned int hits[4] = { 0 }, t;

		e[0] = 3ull << 16 | 1;
		for (t = 0; t < 4000; t++) {
			s.time_ns = 10000000ull * t;
			assert_int_equal(hm_chmu_reports(&s, e, 1, 16, r, 32), 4);
			for (i = 0; i < 4; i++)
				hits[i] += r[i].count;
		}
		for (i = 0; i < 4; i++)
			assert_in_range(hits[i], 850, 1150);
		s.time_ns = 77;
		e[0] = 3ull << 16 | 10;
	}
	/*
	 * AUX data is not to be trusted: a 60-bit count is clamped to what a
	 * report holds and shared out without overflow (it once made the
	 * rounding loop run for ages); a unit whose DPA passes 64 bits is
	 * outside.
	 */
	{
		uint64_t big = 1ull << 60 | ((1ull << 59) + 5);
		uint64_t sum = 0;

		assert_int_equal(hm_chmu_reports(&s, &big, 1, 60, r, 32), 4);
		for (i = 0; i < 4; i++)
			sum += r[i].count;
		assert_int_equal(sum, UINT32_MAX);
		big = 1ull << 63 | 1;
		assert_int_equal(hm_chmu_reports(&s, &big, 1, 8, r, 32), -ERANGE);
		s.dec = NULL;
		assert_int_equal(hm_chmu_reports(&s, &big, 1, 8, r, 32), -ERANGE);
		s.dec = &d0;
	}
	/* too little room, a unit past the decoder */
	assert_int_equal(hm_chmu_reports(&s, e, 1, 16, r, 3), -ENOSPC);
	e[0] = 300ull << 16 | 1;	/* DPA 1.2 MiB: past 512 KiB per device */
	assert_int_equal(hm_chmu_reports(&s, e, 1, 16, r, 32), -ERANGE);
	/* no decoder: DPAs, one report per unit */
	s.dec = NULL;
	e[0] = 3ull << 16 | 10;
	assert_int_equal(hm_chmu_reports(&s, e, 2, 16, r, 32), 2);
	assert_int_equal(r[0].addr, 12288);
	assert_int_equal(r[0].size, 4096);
	assert_int_equal(r[1].count, 100);

	/* merge: unit 0 of each device lies in the region's first 8 KiB */
	d1.position = 1;
	s.dec = &d0;
	e[0] = 0ull << 16 | 100;
	n = hm_chmu_reports(&s, e, 1, 16, r, 32);
	s.dec = &d1;
	e[0] = 0ull << 16 | 60;
	n += hm_chmu_reports(&s, e, 1, 16, r + n, 32 - (size_t)n);
	assert_int_equal(n, 8);
	/* each 4 KiB page of HPA holds half of each device's unit 0 */
	assert_int_equal(hm_hpa_merge(r, (size_t)n, 4096, &m), 2);
	assert_int_equal(m[0].hpa, 1ull << 30);
	assert_int_equal(m[1].hpa, (1ull << 30) + 4096);
	assert_int_equal(m[0].count, 50 + 30);
	assert_int_equal(m[1].count, 50 + 30);
	free(m);
	assert_int_equal(hm_hpa_merge(r, (size_t)n, 3000, &m), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_worked_example),
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_dpa_base_and_check),
		cmocka_unit_test(test_pieces),
		cmocka_unit_test(test_reports_and_merge),
	};

	return hm_run_tests(tests);
}
