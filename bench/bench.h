/* SPDX-License-Identifier: MIT */
/*
 * Shared by the benchmarks: a monotonic clock, the command line (--json,
 * --quick), and the result line. Every result is a ratio against a reference
 * measured in the same run, so numbers from different machines or days
 * compare by their ratios.
 */
#ifndef HOTMEM_BENCH_H
#define HOTMEM_BENCH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct bench_opts {
	bool json;
	bool quick;	/* a short smoke run: the numbers mean little */
};

static inline uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline void bench_parse_args(int argc, char **argv, const char *name,
				    const char *about, struct bench_opts *o)
{
	int i;

	memset(o, 0, sizeof(*o));
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			o->json = true;
		} else if (!strcmp(argv[i], "--quick")) {
			o->quick = true;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: %s [--json] [--quick]\n\n%s\n\n"
			       "  --json   one JSON object per line\n"
			       "  --quick  a short run that only checks the benchmark works\n",
			       name, about);
			exit(0);
		} else {
			fprintf(stderr, "%s: %s: unknown option (see --help)\n", name,
				argv[i]);
			exit(2);
		}
	}
}

/*
 * One result. @extra, if not NULL, is more JSON members ("\"k\": v, ...")
 * appended to the object, or a human note.
 */
static inline void bench_emit(const struct bench_opts *o, const char *bench,
			      const char *kase, double value, const char *unit,
			      double reference, const char *extra_json,
			      const char *note)
{
	double ratio = reference > 0 ? value / reference : 0;

	if (o->json) {
		printf("{\"bench\": \"%s\", \"case\": \"%s\", \"value\": %.6g, "
		       "\"unit\": \"%s\", \"reference\": %.6g, \"ratio\": %.4g%s%s}\n",
		       bench, kase, value, unit, reference, ratio,
		       extra_json ? ", " : "", extra_json ? extra_json : "");
	} else {
		printf("%-6s %-26s %10.3g %-10s reference %10.3g  ratio %7.3f%s%s\n",
		       bench, kase, value, unit, reference, ratio,
		       note ? "  " : "", note ? note : "");
	}
	fflush(stdout);
}

#endif /* HOTMEM_BENCH_H */
