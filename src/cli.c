// SPDX-License-Identifier: MIT
/*
 * Error reporting and option helpers shared by every subcommand, so that
 * every mistake a user can make is answered the same way: one line on
 * stderr, "hotmem: <command>: <what>: <why>", and exit code 2 for usage or 1
 * for runtime failures.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <hotmem/parse.h>

#include "cli.h"
#include "output.h"

static void verr(const char *cmd, const char *what, const char *fmt, va_list ap)
{
	if (what)
		fprintf(stderr, "hotmem: %s: %s: ", cmd, what);
	else
		fprintf(stderr, "hotmem: %s: ", cmd);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void hm_err(const char *cmd, const char *what, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(cmd, what, fmt, ap);
	va_end(ap);
}

int hm_usage_err(const char *cmd, const char *what, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(cmd, what, fmt, ap);
	va_end(ap);
	return HM_EXIT_USAGE;
}

int hm_fail(const char *cmd, const char *what, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(cmd, what, fmt, ap);
	va_end(ap);
	return HM_EXIT_FAIL;
}

int hm_getopt_err(const char *cmd, int c, char **argv)
{
	const char *opt = argv[optind - 1];

	if (c == ':')
		return hm_usage_err(cmd, opt, "missing value (see 'hotmem %s --help')",
				    cmd);
	/* An unknown letter inside a cluster such as -xj: name the letter. */
	if (optopt && strncmp(opt, "--", 2))
		return hm_usage_err(cmd, "-", "unknown option '-%c' (see 'hotmem %s --help')",
				    optopt, cmd);
	return hm_usage_err(cmd, opt,
			    "unknown option, or a value it does not take (see 'hotmem %s --help')",
			    cmd);
}

static int opt_value(const char *cmd, const char *opt, const char *arg,
		     uint64_t min, uint64_t max, uint64_t *out, bool size)
{
	size_t at = 0;
	uint64_t v;
	int ret;

	ret = size ? hm_parse_size(arg, &v, &at) : hm_parse_u64(arg, &v, &at);
	if (ret == -ERANGE || (!ret && (v < min || v > max))) {
		if (size) {
			char a[32], b[32];

			return hm_usage_err(cmd, opt, "'%s' is out of range [%s, %s]",
					    arg, hm_fmt_iec(min, a, sizeof(a)),
					    hm_fmt_iec(max, b, sizeof(b)));
		}
		return hm_usage_err(cmd, opt, "'%s' is out of range [%llu, %llu]", arg,
				    (unsigned long long)min, (unsigned long long)max);
	}
	if (ret)
		return hm_usage_err(cmd, opt, "'%s' is not a %s (the problem starts at offset %zu)",
				    arg, size ? "size such as 4096, 64K or 1GiB" :
						"number", at);
	*out = v;
	return 0;
}

int hm_opt_u64(const char *cmd, const char *opt, const char *arg, uint64_t min,
	       uint64_t max, uint64_t *out)
{
	return opt_value(cmd, opt, arg, min, max, out, false);
}

int hm_opt_size(const char *cmd, const char *opt, const char *arg, uint64_t min,
		uint64_t max, uint64_t *out)
{
	return opt_value(cmd, opt, arg, min, max, out, true);
}

int hm_print_json(struct json_object *obj)
{
	const char *s;
	int ret = HM_EXIT_OK;

	if (!obj) {
		fprintf(stderr, "hotmem: json: out of memory\n");
		return HM_EXIT_FAIL;
	}
	s = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY |
						JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!s || puts(s) < 0)
		ret = HM_EXIT_FAIL;
	json_object_put(obj);
	return ret;
}

void hm_print_usage(const struct hm_cmd *cmd, bool to_stderr)
{
	fputs(cmd->usage, to_stderr ? stderr : stdout);
}

int hm_read_file(FILE *f, size_t max, uint8_t **buf, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	uint8_t *b = NULL, *p;

	for (;;) {
		if (cap - 1 > max)
			cap = max + 1;	/* one byte more tells a file of exactly @max */
		p = realloc(b, cap);
		if (!p) {
			free(b);
			return -ENOMEM;
		}
		b = p;
		n += fread(b + n, 1, cap - n, f);
		if (n < cap)
			break;
		if (n > max) {
			free(b);
			return -EFBIG;
		}
		cap *= 2;
	}
	if (ferror(f)) {
		free(b);
		return -EIO;
	}
	*buf = b;
	*len = n;
	return 0;
}

uint64_t hm_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

bool hm_have_cap(int cap)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	if (cap < 0 || cap >= 32 * _LINUX_CAPABILITY_U32S_3 || syscall(SYS_capget, &h, d))
		return false;
	return d[cap / 32].effective & (1u << (cap % 32));
}
