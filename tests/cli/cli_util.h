/* SPDX-License-Identifier: MIT */
/* Helpers for the CLI tests: run the binary, check its output. */
#ifndef HOTMEM_TESTS_CLI_UTIL_H
#define HOTMEM_TESTS_CLI_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

struct run {
	char *out, *err;
	size_t nout, nerr;
	int status;
};

/* Run @bin (or HOTMEM_BIN) with a NULL-terminated argument list. */
void run_bin(struct run *r, const char *bin, const char *const *args);
void run(struct run *r, const char *const *args);
int code(const struct run *r);
void done(struct run *r);
unsigned int lines(const char *s);
/* An error is one line: "hotmem: <command>: <what>: <why>", nothing on stdout. */
void assert_one_error_line(const struct run *r, const char *prefix);
struct json_object *parse_json(const char *s);
uint64_t get_u64(struct json_object *o, const char *key);

#endif /* HOTMEM_TESTS_CLI_UTIL_H */
