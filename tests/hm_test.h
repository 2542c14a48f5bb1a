/* SPDX-License-Identifier: MIT */
/*
 * What every hotmem test program shares: cmocka with the headers it needs,
 * TAP output (scripts/check.sh counts the "ok" lines), and a skip that says
 * why.
 */
#ifndef HOTMEM_TEST_H
#define HOTMEM_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

/* Skip the current test, printing the reason as a TAP comment first. */
#define hm_skip(...)                            \
	do {                                    \
		printf("# skip: ");             \
		printf(__VA_ARGS__);            \
		printf("\n");                   \
		fflush(stdout);                 \
		skip();                         \
	} while (0)

#define hm_run_tests(tests)                                              \
	(cmocka_set_message_output(CM_OUTPUT_TAP),                       \
	 cmocka_run_group_tests_name(__FILE__, tests, NULL, NULL))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif /* HOTMEM_TEST_H */
