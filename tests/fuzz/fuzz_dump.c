// SPDX-License-Identifier: MIT
/*
 * Fuzz target for the perf --dump-raw-traces text decoder (and the format
 * detection in front of it): any input is refused with one line, or decoded
 * into batches of at most 65535 entries with a counter width of 1-63.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <hotmem/chmu_host.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int batch(void *arg, uint32_t b, uint32_t width, const uint64_t *e, uint32_t n)
{
	(void)arg;
	(void)b;
	(void)e;
	if (!width || width > 63 || n > 0xffff)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];

	err[0] = '\0';
	if (hm_chmu_decode(data, size, batch, NULL, err, sizeof(err)) < 0 &&
	    (!err[0] || strchr(err, '\n')))
		abort();
	return 0;
}
