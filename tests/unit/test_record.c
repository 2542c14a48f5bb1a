// SPDX-License-Identifier: MIT
/*
 * Monitoring records: what the writer writes the reader reads back, value for
 * value; damaged records are refused with one line naming file, line and path.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "record.h"

#include "../hm_test.h"

static struct hm_region *add(struct hm_target *t, uint64_t s, uint64_t e, uint32_t nr,
			     uint32_t age, uint64_t est)
{
	struct hm_region *r = hm_new_region(s, e);

	r->nr_accesses = nr;
	r->age = age;
	r->est_accesses = est;
	hm_add_region(r, t);
	return r;
}

static void test_round_trip(void **state)
{
	char path[] = "/tmp/hotmem-test-record-XXXXXX";
	struct hm_ctx *ctx = hm_new_ctx();
	struct hm_target *a = hm_new_target(), *b = hm_new_target();
	struct hm_record_writer *w;
	struct hm_record *rec;
	char err[512];
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	a->pid = 1234;
	b->space = HM_SPACE_PHYS;
	hm_add_target(ctx, a);
	hm_add_target(ctx, b);
	add(a, 0x1000, 0x5000, 3, 7, 0);
	add(a, 0x5000, 0x9000, 20, 0, 12345678901ull);
	add(b, 1ull << 40, (1ull << 40) + 4096, 1, 2, 9);

	assert_int_equal(hm_record_create(path, ctx, &w, err, sizeof(err)), 0);
	assert_int_equal(hm_record_write(w, ctx, 100000000), 0);
	hm_first_region(a)->nr_accesses = 4;
	ctx->attrs.sample_interval_us = 10000;	/* intervals may change midway */
	ctx->attrs.aggr_interval_us = 200000;
	assert_int_equal(hm_record_write(w, ctx, 300000000), 0);
	assert_int_equal(hm_record_close(w), 0);

	assert_int_equal(hm_record_read(path, &rec, err, sizeof(err)), 0);
	assert_int_equal(rec->version, 1);
	assert_int_equal(rec->sample_us, 5000);
	assert_int_equal(rec->aggr_us, 100000);
	assert_int_equal(rec->nr_targets, 2);
	assert_string_equal(rec->targets[0].kind, "process");
	assert_int_equal(rec->targets[0].pid, 1234);
	assert_string_equal(rec->targets[1].kind, "phys");
	assert_int_equal(rec->targets[1].pid, -1);
	assert_int_equal(rec->nr_snaps, 2);
	assert_int_equal(rec->snaps[0].time_ns, 100000000);
	assert_int_equal(rec->snaps[0].targets[0].nr_regions, 2);
	assert_int_equal(rec->snaps[0].targets[0].regions[0].start, 0x1000);
	assert_int_equal(rec->snaps[0].targets[0].regions[0].nr_accesses, 3);
	assert_int_equal(rec->snaps[0].targets[0].regions[0].age, 7);
	assert_int_equal(rec->snaps[0].targets[0].regions[0].est_accesses, 0);
	assert_true(rec->snaps[0].targets[0].regions[1].est_accesses == 12345678901ull);
	assert_true(rec->snaps[0].targets[1].regions[0].start == 1ull << 40);
	assert_int_equal(rec->snaps[1].targets[0].regions[0].nr_accesses, 4);
	assert_int_equal(rec->snaps[1].sample_us, 10000);
	assert_int_equal(hm_record_samples_per_aggr(&rec->snaps[1]), 20);
	hm_record_free(rec);
	unlink(path);
	hm_destroy_ctx(ctx);
}

static void expect_error(const char *text, const char *want)
{
	struct hm_record *rec = NULL;
	char err[512] = "";
	int ret = hm_record_parse(text, strlen(text), "x", &rec, err, sizeof(err));

	if (ret != -EINVAL || strncmp(err, want, strlen(want)))
		print_message("record: %s\n  got (%d): %s\n  want: %s\n", text, ret, err, want);
	assert_int_equal(ret, -EINVAL);
	assert_null(rec);
	assert_true(strncmp(err, want, strlen(want)) == 0);
	assert_null(strchr(err, '\n'));
}

#define HDR "{\"format\": \"hotmem-record\", \"version\": 1, \"sample_interval_us\": 5000, " \
	    "\"aggr_interval_us\": 100000, \"targets\": [{\"id\": 0, \"kind\": \"any\"}]}\n"

static void test_errors(void **state)
{
	(void)state;
	expect_error("", "x:1: $: an empty record (no header)");
	expect_error("\n\n", "x:1: $: an empty record");
	expect_error("{\"format\": \"other\"}", "x:1: $.format: not a hotmem record");
	expect_error("{\"format\": \"hotmem-record\", \"version\": 2}",
		     "x:1: $.version: version 2 is not supported");
	expect_error("[1]", "x:1: $: expected the record header, an object");
	expect_error(HDR "{nope", "x:2: $: not one JSON document");
	expect_error(HDR "{\"time_ns\": 1} {}", "x:2: $: not one JSON document (text after it)");
	/* a line cut short, as a record still being written ends */
	expect_error(HDR "{\"time_ns\": 1, \"targets\": [",
		     "x:2: $: not one JSON document (the line ends inside it)");
	expect_error(HDR "{\"targets\": []}", "x:2: $.time_ns: expected a number");
	expect_error(HDR "{\"time_ns\": 1, \"targets\": [{\"id\": 5, \"regions\": []}]}",
		     "x:2: $.targets[0]: expected {\"id\": N, \"regions\": [...]} for a target "
		     "of the header");
	expect_error(HDR "{\"time_ns\": 1, \"targets\": [{\"id\": 0, \"regions\": "
		     "[[0, 10, 1, 1], [5, 20]]}]}",
		     "x:2: $.targets[0].regions[1]: expected [start, end, nr_accesses, age]");
	expect_error(HDR "{\"time_ns\": 1, \"targets\": [{\"id\": 0, \"regions\": "
		     "[[0, 10, 1, 1], [5, 20, 1, 1]]}]}",
		     "x:2: $.targets[0].regions[1]: regions must be sorted and must not overlap");
	expect_error(HDR "{\"time_ns\": 1, \"targets\": [{\"id\": 0, \"regions\": "
		     "[[10, 10, 1, 1]]}]}",
		     "x:2: $.targets[0].regions[0]: start must be below end");
	expect_error(HDR "{\"time_ns\": 5, \"targets\": []}\n{\"time_ns\": 4, \"targets\": []}",
		     "x:3: $.time_ns: time goes backwards");
	expect_error("{\"format\": \"hotmem-record\", \"version\": 1, \"sample_interval_us\": 1, "
		     "\"aggr_interval_us\": 1, \"targets\": [{\"id\": 0, \"kind\": \"any\"}, "
		     "{\"id\": 0, \"kind\": \"any\"}]}",
		     "x:1: $.targets[1]: target id 0 appears twice");
	expect_error(HDR "{\"time_ns\": 1, \"targets\": [{\"id\": 0, \"regions\": "
		     "[[0, 10, 4294967296, 1]]}]}",
		     "x:2: $.targets[0].regions[0]: nr_accesses and age must fit in 32 bits");
}

/* Blank lines are allowed; a header alone is a record without windows. */
static void test_blank_and_empty(void **state)
{
	static const char text[] = "\n" HDR "\n\n";
	struct hm_record *rec;
	char err[256];

	(void)state;
	assert_int_equal(hm_record_parse(text, strlen(text), "x", &rec, err, sizeof(err)), 0);
	assert_int_equal(rec->nr_snaps, 0);
	assert_int_equal(rec->nr_targets, 1);
	hm_record_free(rec);
	assert_int_equal(hm_record_read("/nonexistent", &rec, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "/nonexistent: No such file or directory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_blank_and_empty),
	};

	return hm_run_tests(tests);
}
