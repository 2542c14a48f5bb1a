// SPDX-License-Identifier: MIT
/*
 * Fuzz target for the AUX batch decoder: any bytes are refused with one line
 * naming an offset, or decoded into batches of at most 65535 entries with a
 * counter width of 1-63 that encode back to the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <hotmem/chmu_host.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct check {
	const uint8_t *data;
	size_t off;
	uint8_t buf[16 + 8 * 65536];
};

static int batch(void *arg, uint32_t b, uint32_t width, const uint64_t *e, uint32_t n)
{
	struct check *c = arg;
	size_t len;

	(void)b;
	if (!width || width > 63 || n > 0xffff)
		abort();
	len = hm_chmu_aux_encode(e, n, width, c->buf);
	if (memcmp(c->buf, c->data + c->off, len))
		abort();
	c->off += len;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct check c;
	char err[512];

	c.data = data;
	c.off = 0;
	err[0] = '\0';
	if (hm_chmu_aux_decode(data, size, batch, &c, err, sizeof(err)) < 0) {
		if (!strstr(err, "offset ") || strchr(err, '\n'))
			abort();
	} else if (c.off != size) {
		abort();
	}
	return 0;
}
