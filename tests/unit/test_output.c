// SPDX-License-Identifier: MIT
/* The command's output helpers: IEC sizes, aligned tables, quiet progress. */
#include <stdlib.h>
#include <string.h>

#include "output.h"

#include "../hm_test.h"

static void test_iec(void **state)
{
	static const struct {
		uint64_t v;
		const char *s;
	} cases[] = {
		{ 0, "0 B" },
		{ 1023, "1023 B" },
		{ 1024, "1 KiB" },
		{ 1536, "1.5 KiB" },
		{ 1025, "1.0 KiB" },
		{ 1048575, "1.0 MiB" },		/* 1023.999 KiB rounds up a unit */
		{ 64ull << 20, "64 MiB" },
		{ 3ull << 30, "3 GiB" },
		{ (1ull << 40) + (1ull << 39), "1.5 TiB" },
		{ UINT64_MAX, "16.0 EiB" },
	};
	char buf[32];
	unsigned int i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		assert_string_equal(hm_fmt_iec(cases[i].v, buf, sizeof(buf)),
				    cases[i].s);
}

static void test_table(void **state)
{
	static const char *const hdr[] = { "name", "size", "note" };
	struct hm_table *t = hm_table_new(3, hdr, "lrl");
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_non_null(t);
	assert_int_equal(hm_table_rowf(t, "%s\t%d\t%s", "a", 12345, "x"), 0);
	assert_int_equal(hm_table_rowf(t, "%s\t%d\t%s", "longer", 7, "last"), 0);
	f = open_memstream(&out, &len);
	hm_table_print(t, f);
	fclose(f);
	assert_string_equal(out,
			    "name     size  note\n"
			    "a       12345  x\n"
			    "longer      7  last\n");
	free(out);
	hm_table_free(t);
	/* a bad alignment string is refused */
	assert_null(hm_table_new(2, hdr, "lx"));
	assert_null(hm_table_new(2, hdr, "l"));
}

/* Progress is drawn only on a terminal: a file stays empty. */
static void test_progress_quiet(void **state)
{
	struct hm_progress p;
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	(void)state;
	hm_progress_begin(&p, f, "x", 10);
	hm_progress_update(&p, 5);
	hm_progress_end(&p);
	fclose(f);
	assert_int_equal(len, 0);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iec),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_progress_quiet),
	};

	return hm_run_tests(tests);
}
