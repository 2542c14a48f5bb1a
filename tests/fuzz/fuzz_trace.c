// SPDX-License-Identifier: MIT
/*
 * Fuzz target for the trace reader, binary and text: any input is refused
 * with one line, or read into accesses whose times never go back and whose
 * flags carry only the known bits.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hotmem/workload.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hm_trace_reader *tr;
	struct hm_access a[64];
	uint64_t last = 0;
	char err[512];
	long got, i;
	FILE *f = fmemopen((void *)data, size, "r");

	if (!f)
		return 0;
	if (hm_trace_open(f, "fuzz", &tr)) {
		fclose(f);
		return 0;
	}
	err[0] = '\0';
	while ((got = hm_trace_read(tr, a, 64, err, sizeof(err))) > 0) {
		for (i = 0; i < got; i++) {
			if (a[i].time_ns < last || a[i].flags & ~3u)
				abort();
			last = a[i].time_ns;
		}
	}
	if (got < 0 && (!err[0] || strchr(err, '\n')))
		abort();
	hm_trace_close(tr);
	fclose(f);
	return 0;
}
