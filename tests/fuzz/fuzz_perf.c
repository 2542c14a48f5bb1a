// SPDX-License-Identifier: MIT
/*
 * Fuzz target for the perf text parsers (perf script -F, perf mem report
 * -D), with and without physical addresses: any input is refused with one
 * line naming the file, or read into accesses whose times start at 0 and
 * never go back.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <hotmem/sim.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int phys;

	for (phys = 0; phys < 2; phys++) {
		struct hm_access *a = NULL;
		char err[512] = "";
		long n = hm_perf_parse((const char *)data, size, "fuzz", phys, &a, err, sizeof(err));
		long i;

		if (n < 0) {
			if (!err[0] || strchr(err, '\n') || strncmp(err, "fuzz", 4))
				abort();
			continue;
		}
		if (n == 0 || a[0].time_ns != 0)
			abort();
		for (i = 1; i < n; i++)
			if (a[i].time_ns < a[i - 1].time_ns)
				abort();
		free(a);
	}
	return 0;
}
