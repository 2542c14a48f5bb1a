// SPDX-License-Identifier: MIT
/*
 * Fuzz target for set_regions and the drain. The input is read as: a byte of
 * options, up to 32 ranges (two 16-bit deltas each, shifted by the options),
 * then reports (48 raw bytes each). Checks: set_regions either refuses and
 * leaves the regions alone or leaves them sorted, non-overlapping and
 * aligned; every drained report is counted exactly once; nr_accesses never
 * exceeds the number of drains.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <hotmem/drain.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void check_regions(struct hm_target *t, uint64_t align)
{
	struct hm_region *r, *prev = NULL;
	unsigned int n = 0;

	hm_for_each_region(r, t) {
		if (r->start >= r->end || r->start % align || r->end % align)
			abort();
		if (prev && prev->end > r->start)
			abort();
		prev = r;
		n++;
	}
	if (n != hm_nr_regions(t))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hm_addr_range ranges[32];
	struct hm_drain_stats st;
	struct hm_report *reps;
	struct hm_target *t;
	struct hm_region *r;
	struct hm_ctx *ctx;
	unsigned int nr, i, shift, s, before;
	uint64_t pos = 0, align;
	size_t off, nrep;
	uint8_t opt;

	if (size < 1)
		return 0;
	opt = data[0];
	shift = opt & 7;		/* address scale */
	align = 1ull << ((opt >> 3) & 3) * 4;	/* 1, 16, 256, 4096 */
	nr = (unsigned int)(size - 1) / 4;
	if (nr > 32)
		nr = 32;
	for (i = 0; i < nr; i++) {
		const uint8_t *p = data + 1 + i * 4;

		ranges[i].start = pos + ((uint64_t)rd16(p) << shift);
		ranges[i].end = ranges[i].start + ((uint64_t)rd16(p + 2) << shift);
		pos = ranges[i].end;
		if (opt & 0x80)		/* sometimes unsorted input */
			pos -= pos / 3;
	}
	off = 1 + (size_t)nr * 4;

	ctx = hm_new_ctx();
	t = hm_new_target();
	if (!ctx || !t)
		abort();
	ctx->min_region_sz = align;
	ctx->straddle = opt & 0x40 ? HM_STRADDLE_SPLIT : HM_STRADDLE_REJECT;
	hm_add_target(ctx, t);
	hm_add_source(ctx, "b", HM_ACCT_BINARY, 1);
	hm_add_source(ctx, "w", HM_ACCT_WEIGHTED, 1 + (opt & 0x20));

	/* a first layout, then the fuzzed one on top of it */
	{
		struct hm_addr_range first = { 0, 1 << 20 };

		if (hm_set_regions(t, &first, 1, align))
			abort();
	}
	before = hm_nr_regions(t);
	if (hm_set_regions(t, ranges, nr, align)) {
		if (hm_nr_regions(t) != before ||
		    hm_first_region(t)->start != 0 || hm_first_region(t)->end != 1 << 20)
			abort();
	}
	check_regions(t, align);

	nrep = (size - off) / sizeof(struct hm_report);
	reps = malloc(nrep ? nrep * sizeof(*reps) : 1);
	if (!reps)
		abort();
	memcpy(reps, data + off, nrep * sizeof(*reps));
	for (s = 1; s <= 3; s++) {
		if (hm_drain_reports(ctx, reps, nrep, (uint64_t)s << 40, &st))
			abort();
		if (st.drained != nrep ||
		    st.drained != st.stale + st.invalid + st.filtered + st.applied +
					  st.straddling + st.unmatched)
			abort();
		hm_for_each_region(r, t)
			if (r->nr_accesses > s || r->wres_bp >= 10000)
				abort();
	}
	free(reps);
	hm_destroy_ctx(ctx);
	return 0;
}
