// SPDX-License-Identifier: MIT
/*
 * Fuzz target for the CHMU AUX stream reader: the first byte picks a chunk
 * size, the rest is fed in chunks of it. Any bytes are taken or refused with
 * one line; bytes that the stream takes whole in one call give the same
 * reports, in the same order, when they come in chunks.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <hotmem/chmu_ctl.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct hm_report *feed(const uint8_t *d, size_t n, size_t chunk, size_t *nr, int *ret)
{
	static const struct hm_hdm_decoder dec = { .hpa_base = 1ull << 32,
						   .hpa_size = 1ull << 32, .ways = 2,
						   .granularity = 1024, .position = 1 };
	struct hm_chmu_stream_cfg cfg = { 0 };
	struct hm_chmu_stream *s;
	struct hm_report *all = NULL;
	char err[512];
	size_t off = 0;

	*nr = 0;
	*ret = 0;
	if (hm_chmu_event_parse("epoch_type=0,access_type=6,epoch_scale=4,epoch_multiplier=1,"
				"hotness_threshold=1,hotness_granual=12", &cfg.ev, NULL, 0))
		abort();
	cfg.src = (struct hm_chmu_source){ .dec = &dec, .node = 1 };
	s = hm_chmu_stream_new(&cfg, err, sizeof(err));
	if (!s)
		abort();
	while (off < n) {
		size_t k = n - off < chunk ? n - off : chunk, m;
		const struct hm_report *r;
		struct hm_report *x;
		int rc;

		err[0] = '\0';
		rc = hm_chmu_stream_aux(s, d + off, k, 1, err, sizeof(err));
		if (rc && (rc != -EINVAL || !err[0] || strchr(err, '\n')))
			abort();
		if (rc)
			*ret = rc;
		r = hm_chmu_stream_reports(s, &m);
		off += k;
		if (!m)
			continue;
		x = realloc(all, (*nr + m) * sizeof(*x));
		if (!x)
			abort();
		all = x;
		memcpy(all + *nr, r, m * sizeof(*r));
		*nr += m;
	}
	hm_chmu_stream_free(s);
	return all;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hm_report *a, *b;
	size_t na, nb;
	int ra, rb;

	if (!size)
		return 0;
	a = feed(data + 1, size - 1, size, &na, &ra);
	b = feed(data + 1, size - 1, (size_t)data[0] + 1, &nb, &rb);
	if (!ra && (rb || na != nb || (na && memcmp(a, b, na * sizeof(*a)))))
		abort();
	free(a);
	free(b);
	return 0;
}
