// SPDX-License-Identifier: MIT
/*
 * Fuzz target for the perf text parsers (perf script -F, perf mem report
 * -D), with and without physical addresses: any input is refused with one
 * line naming the file, or read into accesses whose times start at 0 and
 * never go back; those then replay as a workload whose packed addresses
 * stay inside its span and whose times never go back across passes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <hotmem/sim.h>
#include <hotmem/workload.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void replay(const struct hm_access *a, size_t n)
{
	const struct hm_workload_spec *sp;
	struct hm_access out[64];
	struct hm_workload *w;
	char err[512] = "";
	uint64_t last = 0;
	size_t k, i;

	w = hm_workload_from_accesses(a, n, 1ull << 30, 4096, err, sizeof(err));
	if (!w) {
		if (!err[0] || strchr(err, '\n'))
			abort();
		return;
	}
	sp = hm_workload_get_spec(w);
	if (sp->size != hm_workload_nr_items(w) * 4096 || !sp->rate)
		abort();
	for (k = 0; k < 3 * n / 64 + 2; k++) {
		hm_workload_fill(w, out, 64);
		for (i = 0; i < 64; i++) {
			if (out[i].addr < sp->base || out[i].addr >= sp->base + sp->size ||
			    out[i].time_ns < last || out[i].cpu >= sp->cpus)
				abort();
			last = out[i].time_ns;
		}
	}
	hm_workload_free(w);
}

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
		replay(a, (size_t)n);
		free(a);
	}
	return 0;
}
