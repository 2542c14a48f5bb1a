// SPDX-License-Identifier: MIT
/*
 * From a hotlist entry to host physical addresses: unit index to DPA, DPA
 * to HPA through the device's HDM decoder (modulo interleave over 1, 2, 4,
 * 8, 16, 3, 6 or 12 ways at 256 B to 16 KiB granularity, the arithmetic of
 * Linux's drivers/cxl/core/region.c), the HPA pieces of a unit larger than
 * the granularity, reports for the monitor, and the merge of an interleave
 * set's devices into per-HPA counts.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <hotmem/chmu_host.h>
#include <hotmem/parse.h>

int hm_hdm_parse(const char *s, struct hm_hdm_decoder *d)
{
	char buf[256], *f[5], *save = NULL, *t;
	uint64_t v[5];
	size_t at;
	int n = 0;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	for (t = strtok_r(buf, ",", &save); t && n < 5; t = strtok_r(NULL, ",", &save))
		f[n++] = t;
	if (n != 5 || t)
		return -EINVAL;
	if (hm_parse_size(f[0], &v[0], &at) || hm_parse_size(f[1], &v[1], &at) ||
	    hm_parse_u64(f[2], &v[2], &at) || hm_parse_size(f[3], &v[3], &at) ||
	    hm_parse_u64(f[4], &v[4], &at) || v[2] > 16 || v[3] > 65536 || v[4] > 16)
		return -EINVAL;
	*d = (struct hm_hdm_decoder){ .hpa_base = v[0], .hpa_size = v[1], .ways = (uint32_t)v[2],
				      .granularity = (uint32_t)v[3], .position = (uint32_t)v[4] };
	return 0;
}

int hm_hdm_check(const struct hm_hdm_decoder *d, char *err, size_t errlen)
{
	static const uint32_t ways[] = { 1, 2, 4, 8, 16, 3, 6, 12 };
	unsigned int i;

	for (i = 0; i < 8 && ways[i] != d->ways; i++)
		;
	if (i == 8)
		return hm_errmsg(err, errlen, "ways: %u; expected 1, 2, 4, 8, 16, 3, 6 or 12", d->ways);
	if (d->granularity < 256 || d->granularity > 16384 ||
	    (d->granularity & (d->granularity - 1)))
		return hm_errmsg(err, errlen, "granularity: %u; expected a power of two, 256 to 16384",
				 d->granularity);
	if (d->position >= d->ways)
		return hm_errmsg(err, errlen, "position: %u; expected 0 to %u (one less than ways)",
				 d->position, d->ways - 1);
	if (!d->hpa_size || d->hpa_size % ((uint64_t)d->granularity * d->ways))
		return hm_errmsg(err, errlen, "size: %llu; expected a non-zero multiple of ways x "
				 "granularity (%llu)", (unsigned long long)d->hpa_size,
				 (unsigned long long)d->granularity * d->ways);
	if (d->hpa_base % d->granularity)
		return hm_errmsg(err, errlen, "base: 0x%llx is not aligned to the granularity",
				 (unsigned long long)d->hpa_base);
	if (d->hpa_base + d->hpa_size < d->hpa_base)
		return hm_errmsg(err, errlen, "base + size goes past the address space");
	return 0;
}

uint64_t hm_hdm_dpa_base(const struct hm_hdm_decoder *dec, unsigned int n, unsigned int i)
{
	uint64_t base = 0;
	unsigned int j;

	for (j = 0; j < i && j < n; j++)
		base += dec[j].dpa_skip + dec[j].hpa_size / dec[j].ways;
	return base + (i < n ? dec[i].dpa_skip : 0);
}

uint64_t hm_hdm_dpa_to_hpa(const struct hm_hdm_decoder *d, uint64_t dpa_off)
{
	uint64_t g = d->granularity;

	/* chunk k of this device is chunk k x ways + position of the region */
	return d->hpa_base + ((dpa_off / g) * d->ways + d->position) * g + dpa_off % g;
}

int hm_hdm_hpa_to_dpa(const struct hm_hdm_decoder *d, uint64_t hpa, uint64_t *dpa_off,
		      uint32_t *pos)
{
	uint32_t ways = d->ways ? d->ways : 1;
	uint64_t off, chunk;
	unsigned int gs;

	if (hpa < d->hpa_base || hpa - d->hpa_base >= d->hpa_size)
		return -ERANGE;
	/* the granularity is a power of two (hm_hdm_check): shifts, not divisions */
	gs = (unsigned int)__builtin_ctz(d->granularity ? d->granularity : 1);
	off = hpa - d->hpa_base;
	chunk = off >> gs;
	if (!(ways & (ways - 1))) {
		*pos = (uint32_t)(chunk & (ways - 1));
		chunk >>= __builtin_ctz(ways);
	} else {
		*pos = (uint32_t)(chunk % ways);
		chunk /= ways;
	}
	*dpa_off = chunk << gs | (off & (((uint64_t)1 << gs) - 1));
	return 0;
}

unsigned int hm_hdm_pieces(const struct hm_hdm_decoder *d, uint64_t dpa_off, uint64_t len,
			   struct hm_hpa_piece *out, unsigned int max)
{
	uint64_t g = d->granularity, end = dpa_off + len;
	unsigned int n = 0;

	while (dpa_off < end) {
		uint64_t chunk_end = (dpa_off / g + 1) * g, stop = chunk_end < end ? chunk_end : end;
		uint64_t hpa = hm_hdm_dpa_to_hpa(d, dpa_off), l = stop - dpa_off;

		if (n && out[n - 1].hpa + out[n - 1].len == hpa)
			out[n - 1].len += l;	/* one way, or a contiguous run */
		else if (n < max)
			out[n++] = (struct hm_hpa_piece){ hpa, l };
		else
			break;
		dpa_off = stop;
	}
	return n;
}

/*
 * Hand out what rounding left (@rest < @n: each of the @n pieces lost less
 * than one) one apiece, spaced evenly from a start that a hash of the unit
 * and the read time picks. A fixed start would give every small count to
 * the unit's first piece, so the other pages of an interleaved unit would
 * never look hot; this way each piece gets its share in expectation.
 */
static void spread_rest(struct hm_report *p, size_t n, uint64_t rest, uint64_t key)
{
	uint64_t start, i;

	if (!rest)
		return;
	key = (key ^ key >> 30) * 0xbf58476d1ce4e5b9ull;
	key = (key ^ key >> 27) * 0x94d049bb133111ebull;
	start = (key ^ key >> 31) % n;
	for (i = 0; i < rest; i++)
		p[(start + i * n / rest) % n].count++;
}

long hm_chmu_reports(const struct hm_chmu_source *s, const uint64_t *entries, uint32_t n,
		     uint32_t width, struct hm_report *out, size_t max)
{
	uint64_t unit_sz = 1ull << s->unit_log2, mask = (1ull << width) - 1;
	size_t k = 0;
	uint32_t i;

	for (i = 0; i < n; i++) {
		uint64_t unit = entries[i] >> width, count = entries[i] & mask;
		uint64_t dpa = unit << s->unit_log2, off, end, g, given = 0;
		size_t first = k;
		struct hm_report r = { .time_ns = s->time_ns, .pid = -1, .tid = -1, .cpu = -1,
				       .node = s->node, .flags = HM_REPORT_PHYS,
				       .source = s->source };

		if (k == max)
			return -ENOSPC;
		if (unit > UINT64_MAX >> s->unit_log2)
			return -ERANGE;	/* no DPA that 64 bits can say */
		if (!s->dec) {
			r.addr = dpa;
			r.size = unit_sz;
			r.count = count > UINT32_MAX ? UINT32_MAX : (uint32_t)count;
			out[k++] = r;
			continue;
		}
		if (dpa < s->dpa_base || s->dec->hpa_size / s->dec->ways < unit_sz ||
		    dpa - s->dpa_base > s->dec->hpa_size / s->dec->ways - unit_sz)
			return -ERANGE;
		/*
		 * Granule by granule; runs that land next to each other in HPA
		 * (one way, or a granularity above the unit) join into one
		 * report. The count is shared out by size.
		 */
		g = s->dec->granularity;
		for (off = dpa - s->dpa_base, end = off + unit_sz; off < end;) {
			uint64_t stop = (off / g + 1) * g < end ? (off / g + 1) * g : end;
			uint64_t hpa = hm_hdm_dpa_to_hpa(s->dec, off);

			if (k > first && out[k - 1].addr + out[k - 1].size == hpa) {
				out[k - 1].size += stop - off;
			} else if (k < max) {
				r.addr = hpa;
				r.size = stop - off;
				out[k++] = r;
			} else {
				return -ENOSPC;
			}
			off = stop;
		}
		/* a report counts in 32 bits; the share is taken without overflow */
		if (count > UINT32_MAX)
			count = UINT32_MAX;
		for (off = first; off < k; off++) {
			uint64_t p;

			/* 64-bit when the product fits: a 128-bit division is a libcall */
			if (!__builtin_mul_overflow(count, out[off].size, &p))
				out[off].count = (uint32_t)(p / unit_sz);
			else
				out[off].count = (uint32_t)((unsigned __int128)count * out[off].size /
							    unit_sz);
			given += out[off].count;
		}
		if (k > first)
			spread_rest(out + first, k - first, count - given, unit ^ s->time_ns);
	}
	return (long)k;
}

static int by_hpa(const void *a, const void *b)
{
	const struct hm_hpa_count *x = a, *y = b;

	return (x->hpa > y->hpa) - (x->hpa < y->hpa);
}

long hm_hpa_merge(const struct hm_report *r, size_t n, uint64_t granule,
		  struct hm_hpa_count **out)
{
	struct hm_hpa_count *c = NULL;
	size_t used = 0, cap = 0, i, j;

	*out = NULL;
	if (!granule || (granule & (granule - 1)))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		uint64_t a = r[i].addr, end = r[i].addr + (r[i].size ? r[i].size : 1);

		while (a < end) {
			uint64_t blk = a & ~(granule - 1), stop = blk + granule < end ? blk + granule :
											end;

			if (used == cap) {
				size_t nc = cap ? cap * 2 : 256;
				struct hm_hpa_count *p = realloc(c, nc * sizeof(*c));

				if (!p) {
					free(c);
					return -ENOMEM;
				}
				c = p;
				cap = nc;
			}
			/* this block's share of the report, by size */
			c[used++] = (struct hm_hpa_count){ blk, (uint64_t)r[i].count * (stop - a) /
								(end - r[i].addr) };
			a = stop;
		}
	}
	if (used)
		qsort(c, used, sizeof(*c), by_hpa);
	for (i = 0, j = 0; i < used; i++) {
		if (j && c[j - 1].hpa == c[i].hpa)
			c[j - 1].count += c[i].count;
		else
			c[j++] = c[i];
	}
	/* drop blocks whose share rounded to nothing */
	for (i = 0, used = 0; i < j; i++)
		if (c[i].count)
			c[used++] = c[i];
	*out = c;
	return (long)used;
}
