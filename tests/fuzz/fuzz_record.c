// SPDX-License-Identifier: MIT
/*
 * Fuzz target for the record reader: any input is refused with one line, or
 * read into a record whose windows are in time order and whose regions are
 * sorted, non-empty and disjoint.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hm_record *rec = NULL;
	char err[512];
	size_t i;
	uint32_t t, r;

	if (hm_record_parse((const char *)data, size, "fuzz", &rec, err, sizeof(err))) {
		if (rec || !err[0] || strchr(err, '\n'))
			abort();
		return 0;
	}
	for (i = 0; i < rec->nr_snaps; i++) {
		if (i && rec->snaps[i].time_ns < rec->snaps[i - 1].time_ns)
			abort();
		for (t = 0; t < rec->snaps[i].nr_targets; t++) {
			const struct hm_record_target *tg = &rec->snaps[i].targets[t];

			for (r = 0; r < tg->nr_regions; r++) {
				if (tg->regions[r].start >= tg->regions[r].end)
					abort();
				if (r && tg->regions[r].start < tg->regions[r - 1].end)
					abort();
			}
		}
	}
	hm_record_free(rec);
	return 0;
}
