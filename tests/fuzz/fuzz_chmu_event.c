// SPDX-License-Identifier: MIT
/*
 * Fuzz target for the cxl_hmu perf event parser: any string is refused with
 * one line, or parsed into an event that prints back to a string parsing to
 * the same event.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <hotmem/chmu_host.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hm_chmu_event ev, again;
	char s[2048], out[2048], err[512];

	if (size >= sizeof(s))
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	err[0] = '\0';
	if (hm_chmu_event_parse(s, &ev, err, sizeof(err))) {
		if (!err[0] || strchr(err, '\n'))
			abort();
		return 0;
	}
	hm_chmu_event_format(&ev, out, sizeof(out));
	if (hm_chmu_event_parse(out, &again, err, sizeof(err)) ||
	    memcmp(&ev, &again, sizeof(ev)))
		abort();
	return 0;
}
