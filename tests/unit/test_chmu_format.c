// SPDX-License-Identifier: MIT
/*
 * The CHMU's host formats: the perf event string (bit positions, round
 * trips, every error naming its key), AUX batches (round trips, every
 * malformed input refused with its byte offset) and the text of perf report
 * --dump-raw-traces (the RFC's own example, colour codes, cut and foreign
 * text refused with the line).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <hotmem/chmu_host.h>

#include "../hm_test.h"

#define RFC_EVENT                                                                        \
	"cxl_hmu_mem0.0.0/epoch_type=0,access_type=6,hotness_threshold=1024,"            \
	"epoch_multiplier=4,epoch_scale=4,range_base=0,range_size=1024,hotness_granual=12/"

static void test_event_bits(void **state)
{
	struct hm_chmu_event ev;
	char err[512] = "", buf[512];

	(void)state;
	assert_int_equal(hm_chmu_event_parse(RFC_EVENT, &ev, err, sizeof(err)), 0);
	assert_string_equal(ev.pmu, "cxl_hmu_mem0.0.0");
	/* config: access_type 6 at 2-9, scale 4 at 10-13, multiplier 4 at 14-25 */
	assert_int_equal(ev.config, 6ull << 2 | 4ull << 10 | 4ull << 14);
	/* config1: threshold 1024 at 0-31, granual 12 at 32-63 */
	assert_int_equal(ev.config1, 1024ull | 12ull << 32);
	/* config2: base 0 at 0-31, size 1024 at 32-63 */
	assert_int_equal(ev.config2, 1024ull << 32);
	assert_int_equal(hm_chmu_event_get(&ev, HM_CHMU_F_ACCESS_TYPE), 6);
	/* printed back in the driver's field order, and that parses to the same */
	hm_chmu_event_format(&ev, buf, sizeof(buf));
	assert_string_equal(buf, "cxl_hmu_mem0.0.0/epoch_type=0,access_type=6,epoch_scale=4,"
				 "epoch_multiplier=4,hotness_threshold=1024,hotness_granual=12,"
				 "range_base=0,range_size=1024/");
	{
		struct hm_chmu_event e2;

		assert_int_equal(hm_chmu_event_parse(buf, &e2, err, sizeof(err)), 0);
		assert_memory_equal(&ev, &e2, sizeof(ev));
	}
	/* the other fields, a bare term (perf: = 1), hex, and the RFC doc's layout */
	assert_int_equal(hm_chmu_event_parse("cxl_hmu_mem0.0.0/epoch_type=0,access_type=6,\\\n"
					     " hotness_threshold=0x10,randomized_downsampling,\\\n"
					     " downsampling_factor=3/", &ev, err, sizeof(err)), 0);
	assert_int_equal(ev.config, 6ull << 2 | 1ull << 26 | 3ull << 27);
	assert_int_equal(ev.config1, 16);
	/* terms alone, no PMU */
	assert_int_equal(hm_chmu_event_parse("access_type=1,epoch_type=1", &ev, err, sizeof(err)), 0);
	assert_string_equal(ev.pmu, "");
	assert_int_equal(ev.config, 1ull | 1ull << 2);
	hm_chmu_event_format(&ev, buf, sizeof(buf));
	assert_string_equal(buf, "epoch_type=1,access_type=1");
}

static void event_err(const char *s, const char *want)
{
	struct hm_chmu_event ev;
	char err[512] = "";

	memset(&ev, 0x5a, sizeof(ev));
	assert_int_equal(hm_chmu_event_parse(s, &ev, err, sizeof(err)), -EINVAL);
	if (!strstr(err, want))
		fail_msg("'%s': '%s' lacks '%s'", s, err, want);
	assert_int_equal(ev.config, 0x5a5a5a5a5a5a5a5aull);	/* untouched */
}

static void test_event_errors(void **state)
{
	(void)state;
	/* the RFC documentation's example: no closing slash */
	event_err("cxl_hmu_mem0.0.0/epoch_type=0,access_type=6", "missing the closing '/'");
	event_err("cxl_hmu_mem0.0.0/access_type=6/x", "'x' after the closing '/'");
	event_err("/access_type=6/", "no PMU name");
	event_err("access_typo=6", "access_typo: not a field of the cxl_hmu event");
	event_err("access_type=6,access_type=5", "access_type: given twice");
	event_err("access_type=six", "access_type: 'six' is not a number");
	event_err("epoch_type=4", "epoch_type: 4 does not fit its 2 bits (config:0-1)");
	event_err("downsampling_factor=256", "downsampling_factor: 256 does not fit its 8 bits "
					     "(config:27-34)");
	event_err("epoch_multiplier=4096", "epoch_multiplier: 4096 does not fit its 12 bits");
	event_err("hotness_threshold=4294967296", "hotness_threshold: 4294967296 does not fit");
	event_err("access_type=6,,epoch_type=0", "an empty term");
	event_err("access_type=6,", "an empty term");
	event_err("=5", "an empty term");
}

/* Collects batches for the tests. */
struct got {
	uint32_t batches;
	uint32_t width[8];
	uint32_t n[8];
	uint64_t e[8][64];
};

static int take(void *arg, uint32_t batch, uint32_t width, const uint64_t *entries, uint32_t n)
{
	struct got *g = arg;

	assert_true(batch < 8 && n <= 64);
	g->width[batch] = width;
	g->n[batch] = n;
	memcpy(g->e[batch], entries, n * sizeof(*entries));
	g->batches = batch + 1;
	return 0;
}

static void test_aux_round_trip(void **state)
{
	static const uint64_t a[] = { 0x0000000000000283ull, 0x0000000000010364ull,
				      0x0000000000020366ull };
	static const uint64_t b[] = { 5ull << 12 | 7 };
	uint8_t buf[256];
	struct got g = { 0 };
	char err[256];
	size_t len;

	(void)state;
	len = hm_chmu_aux_encode(a, 3, 16, buf);
	assert_int_equal(len, 16 + 24);
	/* the header as the driver writes it: count 15:0, width 23:16, then the marker */
	assert_int_equal(buf[0], 3);
	assert_int_equal(buf[2], 16);
	assert_int_equal(buf[8], 0xef);
	assert_int_equal(buf[11], 0xde);
	len += hm_chmu_aux_encode(b, 1, 12, buf + len);
	len += hm_chmu_aux_encode(NULL, 0, 16, buf + len);	/* an empty batch */
	assert_int_equal(hm_chmu_decode(buf, len, take, &g, err, sizeof(err)), 3);
	assert_int_equal(g.width[0], 16);
	assert_int_equal(g.n[0], 3);
	assert_memory_equal(g.e[0], a, sizeof(a));
	assert_int_equal(g.width[1], 12);
	assert_int_equal(g.e[1][0], b[0]);
	assert_int_equal(g.n[2], 0);
	assert_int_equal(hm_chmu_aux_decode(buf, 0, take, &g, err, sizeof(err)), 0);
}

static void aux_err(const uint8_t *buf, size_t len, const char *want)
{
	char err[512] = "";

	assert_int_equal(hm_chmu_aux_decode(buf, len, NULL, NULL, err, sizeof(err)), -EINVAL);
	if (!strstr(err, want))
		fail_msg("'%s' lacks '%s'", err, want);
	assert_null(strchr(err, '\n'));
}

static void test_aux_errors(void **state)
{
	static const uint64_t e[] = { 1, 2 };
	uint8_t buf[128];
	size_t len;

	(void)state;
	len = hm_chmu_aux_encode(e, 2, 16, buf);
	aux_err(buf, 10, "offset 0: a batch header needs 16 bytes; 10 left");
	aux_err(buf, len - 3, "offset 0: the batch announces 2 entries (16 bytes) but 13 bytes "
			      "are left");
	memcpy(buf + len, buf, len);	/* a second batch, damaged below */
	buf[len + 8] = 0xee;
	aux_err(buf, 2 * len, "offset 40: header marker 0xdeadbeee, expected 0xdeadbeef");
	buf[len + 8] = 0xef;
	buf[len + 2] = 0;
	aux_err(buf, 2 * len, "offset 34: counter width 0, expected 1-63");
	buf[len + 2] = 64;
	aux_err(buf, 2 * len, "counter width 64");
	buf[len + 2] = 16;
	buf[len + 4] = 1;
	aux_err(buf, 2 * len, "offset 32: header bits 63:24 are 0x100");
	/* foreign bytes */
	aux_err((const uint8_t *)"\x7f" "ELF\2\1\1\0\0\0\0\0\0\0\0\0\0\0", 18,
		"header marker");
}

/* The RFC cover letter's example, as perf prints it. */
static const char rfc_dump[] =
	"0x4a8 [0x30]: PERF_RECORD_AUXTRACE size: 0x82e8  offset: 0  ref: 0x1  idx: 0\n"
	".\n"
	". ... CXL_HMU data: size 80 bytes\n"
	"Header 0: units: 8 counter_width 10\n"
	"Header 1 : deadbeef\n"
	"0000000000000283\n"
	"0000000000010364\n"
	"0000000000020366\n"
	"000000000003033c\n"
	"0000000000040343\n"
	"00000000000502ff\n"
	"000000000006030d\n"
	"000000000007031a\n"
	"\n0x52d8 [0x8]: PERF_RECORD_FINISHED_ROUND\n";

static void test_dump(void **state)
{
	struct got g = { 0 };
	char err[512] = "", col[1024];
	uint32_t i;

	(void)state;
	assert_int_equal(hm_chmu_decode((const uint8_t *)rfc_dump, strlen(rfc_dump), take, &g, err,
					sizeof(err)), 1);
	assert_int_equal(g.width[0], 16);
	assert_int_equal(g.n[0], 8);
	/* "the indexes are 0, 1, 2 etc." */
	for (i = 0; i < 8; i++)
		assert_int_equal(g.e[0][i] >> 16, i);
	assert_int_equal(g.e[0][0] & 0xffff, 0x283);
	/* with perf's colour codes (a terminal) and two batches in one section */
	snprintf(col, sizeof(col),
		 "\x1b[34m. ... CXL_HMU data: size 56 bytes\x1b[m\n"
		 "\x1b[34mHeader 0: units: 1 counter_width 10\x1b[m\n"
		 "\x1b[34mHeader 1 : deadbeef\x1b[m\n"
		 "\x1b[34m0000000000000283\x1b[m\n"
		 "Header 0: units: 2 counter_width c\n"
		 "Header 1 : deadbeef\n"
		 "0000000000005001\n"
		 "0000000000006002\n");
	memset(&g, 0, sizeof(g));
	assert_int_equal(hm_chmu_decode((const uint8_t *)col, strlen(col), take, &g, err,
					sizeof(err)), 2);
	assert_int_equal(g.width[1], 12);
	assert_int_equal(g.e[1][1], 0x6002);
}

static void dump_err(const char *text, const char *want)
{
	char err[512] = "";

	assert_int_equal(hm_chmu_decode((const uint8_t *)text, strlen(text), NULL, NULL, err,
					sizeof(err)), -EINVAL);
	if (!strstr(err, want))
		fail_msg("'%s' lacks '%s'", err, want);
}

static void test_dump_errors(void **state)
{
	(void)state;
	dump_err("hello\nworld\n", "no 'CXL_HMU data' in the text");
	dump_err(". ... CXL_HMU data: size many bytes\n", "line 1: expected 'CXL_HMU data: size N");
	dump_err(". ... CXL_HMU data: size 32 bytes\nHeader 0: units: 2 counter_width 10\n",
		 "line 2: the CXL_HMU data of line 1 (32 bytes) ends inside a batch");
	dump_err(". ... CXL_HMU data: size 32 bytes\nHeader 0: units: 2 counter_width 10\n"
		 "Header 1 : deadbeee\n", "line 3: expected 'Header 1 : deadbeef'");
	dump_err(". ... CXL_HMU data: size 32 bytes\nHeader 0: units: 2 counter_width 10\n"
		 "Header 1 : deadbeef\n0000000000000001\nnot hex\n",
		 "line 5: expected an entry, 16 hex digits");
	dump_err(". ... CXL_HMU data: size 24 bytes\nHeader 0: units: 1 counter_width 0\n",
		 "line 2: 1 units of counter width 0");
	dump_err(". ... CXL_HMU data: size 24 bytes\nHeader 9: units\n",
		 "line 2: expected 'Header 0: units: N counter_width W'");
	/* the section says 24 bytes: room for one entry, but the header announced two */
	dump_err(". ... CXL_HMU data: size 24 bytes\nHeader 0: units: 2 counter_width 10\n"
		 "Header 1 : deadbeef\n0000000000000001\n0000000000000002\n",
		 "ends inside a batch");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_event_bits),
		cmocka_unit_test(test_event_errors),
		cmocka_unit_test(test_aux_round_trip),
		cmocka_unit_test(test_aux_errors),
		cmocka_unit_test(test_dump),
		cmocka_unit_test(test_dump_errors),
	};

	return hm_run_tests(tests);
}
