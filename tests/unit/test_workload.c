// SPDX-License-Identifier: MIT
/*
 * Workload generators: the spec syntax (defaults, every error naming its
 * key, canonical round trip), determinism for a seed, and the distributions
 * - uniform buckets, the hot set's share and its moves, Zipf rank
 * frequencies against the exact law, the write and TEE shares, CPUs and time
 * spacing - within statistical bounds for fixed seeds.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <hotmem/hotmem.h>

#include "../hm_test.h"

#define N 1000000

static struct hm_access acc[N];

static void parse_ok(const char *s, struct hm_workload_spec *spec)
{
	char err[256] = "";

	if (hm_workload_parse(s, spec, err, sizeof(err)))
		fail_msg("'%s' refused: %s", s, err);
}

static void parse_err(const char *s, const char *want)
{
	struct hm_workload_spec spec;
	char err[256] = "";

	memset(&spec, 0x5a, sizeof(spec));
	assert_int_equal(hm_workload_parse(s, &spec, err, sizeof(err)), -EINVAL);
	if (!strstr(err, want))
		fail_msg("'%s': message '%s' lacks '%s'", s, err, want);
	assert_int_equal(((unsigned char *)&spec)[0], 0x5a);	/* untouched */
}

static void test_parse(void **state)
{
	struct hm_workload_spec s, t;
	char buf[512];

	(void)state;
	parse_ok("hotset:size=1G,hot=64M,frac=0.9", &s);
	assert_int_equal(s.kind, HM_WORKLOAD_HOTSET);
	assert_int_equal(s.size, 1ull << 30);
	assert_int_equal(s.hot, 64ull << 20);
	assert_int_equal(s.frac_ppm, 900000);
	assert_int_equal(s.line, 64);
	assert_int_equal(s.rate, 10000000);
	assert_int_equal(s.cpus, 1);
	parse_ok("zipf:size=256M,s=1.2,gran=2M,scramble=0,write=30%,tee=0.05,rate=2.5M,cpus=4",
		 &s);
	assert_int_equal(s.exponent_milli, 1200);
	assert_int_equal(s.gran, 2ull << 20);
	assert_false(s.scramble);
	assert_int_equal(s.write_ppm, 300000);
	assert_int_equal(s.tee_ppm, 50000);
	assert_int_equal(s.rate, 2500000);
	assert_int_equal(s.cpus, 4);
	parse_ok("uniform:size=4K,base=0x10000,line=256", &s);
	assert_int_equal(s.base, 0x10000);
	parse_ok("hotset:size=1G,hot=64M,move=250ms", &s);
	assert_int_equal(s.move_ns, 250000000);

	/* the canonical form parses back to the same spec */
	parse_ok("zipf:size=256M,s=1.2,gran=2M,scramble=0,write=30%,tee=0.05,rate=2.5M", &s);
	hm_workload_format(&s, buf, sizeof(buf));
	parse_ok(buf, &t);
	assert_memory_equal(&s, &t, sizeof(s));
	parse_ok("hotset:size=1G,hot=64M,frac=0.123456,move=1s,base=0x40000000", &s);
	hm_workload_format(&s, buf, sizeof(buf));
	parse_ok(buf, &t);
	assert_memory_equal(&s, &t, sizeof(s));

	parse_err("gups:size=1G", "'gups' is not a workload");
	parse_err("hotset:size=1G", "hot: missing");
	parse_err("uniform:hot=1M", "hot: not a key of uniform");
	parse_err("uniform:line=64", "size: missing");
	parse_err("uniform:size=1Q", "size: '1Q' is not a size");
	parse_err("uniform:size=1000", "size: 1000 is not a multiple of line");
	parse_err("uniform:size=1G,line=48", "line: 48 is not a power of two");
	parse_err("uniform:size=1G,base=0x10", "base: 0x10 is not aligned");
	parse_err("hotset:size=1G,hot=2G", "hot: 2147483648 is larger than size");
	parse_err("hotset:size=1G,hot=1M,frac=1.5", "frac: '1.5' is not a share");
	parse_err("uniform:size=1G,write=101%", "write: '101%' is not a share");
	parse_err("uniform:size=1G,rate=0", "rate: '0' is not a positive count");
	parse_err("uniform:size=1G,cpus=0", "cpus: '0' is not a number of CPUs");
	parse_err("zipf:size=1G,s=0", "s: '0' is not a Zipf exponent");
	parse_err("zipf:size=1G,s=1.2345", "s: '1.2345' is not a Zipf exponent");
	parse_err("zipf:size=1G,gran=3M", "gran: 3145728 must be a multiple of line");
	parse_err("zipf:size=1G,scramble=yes", "scramble: 'yes' is not 0 or 1");
	parse_err("hotset:size=1G,hot=1M,move=soon", "move: 'soon' is not a duration");
	parse_err("uniform:size=1G,oops", "'oops' is not key=value");
	parse_err("uniform:size=", "size: missing value");
}

static void test_deterministic(void **state)
{
	static struct hm_access a[1000], b[1000];
	struct hm_workload_spec s;
	struct hm_workload *w;

	(void)state;
	parse_ok("zipf:size=1G,write=0.3,tee=0.1,cpus=8", &s);
	w = hm_workload_new(&s, 7);
	hm_workload_fill(w, a, 1000);
	hm_workload_free(w);
	w = hm_workload_new(&s, 7);
	hm_workload_fill(w, b, 500);
	hm_workload_fill(w, b + 500, 500);	/* in pieces: the same stream */
	hm_workload_free(w);
	assert_memory_equal(a, b, sizeof(a));
	w = hm_workload_new(&s, 8);
	hm_workload_fill(w, b, 1000);
	hm_workload_free(w);
	assert_memory_not_equal(a, b, sizeof(a));
	/* a spec the parser would refuse is refused here too */
	s.size = 0;
	assert_null(hm_workload_new(&s, 1));
}

/* |observed - expected| within @k standard deviations of a binomial count. */
static void near_binomial(uint64_t observed, uint64_t n, double p, double k)
{
	double mean = (double)n * p, sd = sqrt((double)n * p * (1 - p));

	if (fabs((double)observed - mean) > k * sd + 1)
		fail_msg("observed %llu, expected %.1f +- %.1f (%.0f sd)",
			 (unsigned long long)observed, mean, k * sd, k);
}

static void test_uniform(void **state)
{
	struct hm_workload_spec s;
	struct hm_workload *w;
	uint64_t bucket[16] = { 0 }, writes = 0, tees = 0;
	double chi2 = 0;
	size_t i;

	(void)state;
	parse_ok("uniform:size=64M,base=0x100000000,write=0.25,tee=1%,cpus=3,rate=1M", &s);
	w = hm_workload_new(&s, 1);
	hm_workload_fill(w, acc, N);
	for (i = 0; i < N; i++) {
		uint64_t off = acc[i].addr - 0x100000000ull;

		assert_true(acc[i].addr >= 0x100000000ull && off < (64ull << 20));
		assert_int_equal(off % 64, 0);
		assert_true(acc[i].cpu < 3);
		/* evenly spaced: 1 M/s is 1 us apart */
		assert_int_equal(acc[i].time_ns, i * 1000);
		bucket[off / (4ull << 20)]++;
		writes += !!(acc[i].flags & HM_ACCESS_WRITE);
		tees += !!(acc[i].flags & HM_ACCESS_TEE);
	}
	for (i = 0; i < 16; i++)
		chi2 += pow((double)bucket[i] - N / 16.0, 2) / (N / 16.0);
	/* 15 degrees of freedom: p = 0.001 at 37.7 */
	assert_true(chi2 < 37.7);
	near_binomial(writes, N, 0.25, 5);
	near_binomial(tees, N, 0.01, 5);
	hm_workload_free(w);
}

static void test_hotset(void **state)
{
	struct hm_workload_spec s;
	struct hm_workload *w;
	uint64_t hot = 0, cold_lo = 0, i;

	(void)state;
	/* HeMem's GUPS shape: 1 GiB, 64 MiB hot, 90% of accesses there */
	parse_ok("hotset:size=1G,hot=64M,frac=0.9", &s);
	w = hm_workload_new(&s, 3);
	hm_workload_fill(w, acc, N);
	assert_int_equal(hm_workload_hot_start(w), 0);	/* not moving: at the start */
	for (i = 0; i < N; i++) {
		if (acc[i].addr < (64ull << 20))
			hot++;
		else if (acc[i].addr < (64ull << 20) + (480ull << 20))
			cold_lo++;
	}
	near_binomial(hot, N, 0.9, 5);
	/* the cold tenth spreads uniformly over the other 960 MiB: half below 544 MiB */
	near_binomial(cold_lo, N - hot, 0.5, 5);
	hm_workload_free(w);
}

static void test_hotset_moves(void **state)
{
	struct hm_workload_spec s;
	struct hm_workload *w;
	uint64_t starts[4], i, per = 100000, in;
	unsigned int m;

	(void)state;
	/* 1 M accesses/s, moving every 100 ms: four placements in 400 k accesses */
	parse_ok("hotset:size=1G,hot=16M,frac=1,rate=1M,move=100ms", &s);
	w = hm_workload_new(&s, 5);
	for (m = 0; m < 4; m++) {
		hm_workload_fill(w, acc, per);
		starts[m] = hm_workload_hot_start(w);
		assert_int_equal(starts[m] % 4096, 0);
		assert_true(starts[m] + (16ull << 20) <= (1ull << 30));
		for (i = 0, in = 0; i < per; i++)
			in += acc[i].addr >= starts[m] && acc[i].addr < starts[m] + (16ull << 20);
		/* frac=1: every access of the period is in that period's hot set */
		assert_int_equal(in, per);
	}
	/* it did move (four equal starts would be a 1 in 2^30 chance) */
	assert_false(starts[0] == starts[1] && starts[1] == starts[2] && starts[2] == starts[3]);
	hm_workload_free(w);
}

/* P(rank k) for Zipf(n, s), exactly. */
static double zipf_p(uint64_t n, double s, uint64_t k)
{
	double h = 0;
	uint64_t i;

	for (i = 1; i <= n; i++)
		h += pow((double)i, -s);
	return pow((double)k, -s) / h;
}

static void zipf_case(const char *spec, uint64_t items, double s)
{
	struct hm_workload_spec sp;
	struct hm_workload *w;
	uint64_t *count = calloc(items, sizeof(*count)), i, k;

	parse_ok(spec, &sp);
	w = hm_workload_new(&sp, 11);
	hm_workload_fill(w, acc, N);
	for (i = 0; i < N; i++)
		count[acc[i].addr / sp.gran]++;
	/* unscrambled: item k-1 is rank k; the first ranks match the law */
	for (k = 1; k <= 8; k++)
		near_binomial(count[k - 1], N, zipf_p(items, s, k), 5);
	/* and the tail, summed over ranks 101-1000 */
	{
		uint64_t tail = 0;
		double p = 0;

		for (k = 101; k <= 1000 && k <= items; k++) {
			tail += count[k - 1];
			p += zipf_p(items, s, k);
		}
		near_binomial(tail, N, p, 5);
	}
	free(count);
	hm_workload_free(w);
}

static void test_zipf(void **state)
{
	(void)state;
	zipf_case("zipf:size=16M,gran=4K,s=0.99,scramble=0", 4096, 0.99);
	zipf_case("zipf:size=16M,gran=4K,s=1,scramble=0", 4096, 1.0);
	zipf_case("zipf:size=16M,gran=4K,s=0.5,scramble=0", 4096, 0.5);
	zipf_case("zipf:size=256M,gran=2M,s=1.2,scramble=0", 128, 1.2);
}

/* Scrambling permutes items: the sorted frequencies stay the law's. */
static void test_zipf_scramble(void **state)
{
	struct hm_workload_spec sp;
	struct hm_workload *w;
	uint64_t *count = calloc(4096, sizeof(*count)), i, hottest = 0, at = 0, nonzero = 0;

	(void)state;
	parse_ok("zipf:size=16M,gran=4K,s=0.99", &sp);
	w = hm_workload_new(&sp, 11);
	hm_workload_fill(w, acc, N);
	for (i = 0; i < N; i++)
		count[acc[i].addr / 4096]++;
	for (i = 0; i < 4096; i++) {
		nonzero += count[i] > 0;
		if (count[i] > hottest) {
			hottest = count[i];
			at = i;
		}
	}
	/* rank 1 moved away from item 0, and still has rank 1's share */
	assert_true(at != 0);
	near_binomial(hottest, N, zipf_p(4096, 0.99, 1), 5);
	/* a permutation: with 1 M draws every one of the 4096 items is hit */
	assert_int_equal(nonzero, 4096);
	free(count);
	hm_workload_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_uniform),
		cmocka_unit_test(test_hotset),
		cmocka_unit_test(test_hotset_moves),
		cmocka_unit_test(test_zipf),
		cmocka_unit_test(test_zipf_scramble),
	};

	return hm_run_tests(tests);
}
