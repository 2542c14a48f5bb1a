// SPDX-License-Identifier: MIT
/*
 * Idle page tracking (Documentation/admin-guide/mm/idle_page_tracking.rst):
 * /sys/kernel/mm/page_idle/bitmap holds one bit per page frame, in 64-bit
 * words read and written whole at 8-byte-aligned offsets. Writing a 1 marks
 * a frame's user page idle (and clears its Accessed bits); an access clears
 * the mark; writing a 0 changes nothing. Reads past the last frame return
 * nothing. A round for one process reads the marks of its frames, takes a
 * cleared mark as an access since the previous round, and marks the frames
 * again, word run by word run so that little time passes between the read
 * and the mark. A frame is judged only if the previous round saw it at the
 * same address: a page new since then (faulted in, migrated) was never
 * marked, and its clear bit says nothing.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <hotmem/linux.h>

#define WORDS	512	/* bitmap words read and written at once */

struct runs {
	void (*fn)(void *arg, uint64_t lo, uint64_t hi);
	void *arg;
	uint64_t lo, hi, psz;
};

static void run_add(struct runs *r, uint64_t va)
{
	if (r->hi && va == r->hi) {
		r->hi += r->psz;
		return;
	}
	if (r->hi)
		r->fn(r->arg, r->lo, r->hi);
	r->lo = va;
	r->hi = va + r->psz;
}

/* Was (@pfn, @va) in @prev? @at walks @prev in frame order with the caller. */
static bool seen(const struct hm_rmap *prev, size_t *at, uint64_t pfn, uint64_t va)
{
	if (!prev)
		return false;
	while (*at < prev->nr && prev->e[*at].pfn < pfn)
		(*at)++;
	for (size_t k = *at; k < prev->nr && prev->e[k].pfn == pfn; k++)
		if (prev->e[k].vaddr == va)
			return true;
	return false;
}

int hm_idle_round(int fd, const struct hm_rmap *prev, const struct hm_rmap *cur,
		  void (*fn)(void *arg, uint64_t lo, uint64_t hi), void *arg,
		  struct hm_idle_stats *st)
{
	struct runs r = { .fn = fn, .arg = arg, .psz = cur->page_size };
	uint64_t bits[WORDS], mark[WORDS];
	size_t i = 0, at = 0;

	memset(st, 0, sizeof(*st));
	while (i < cur->nr) {
		uint64_t w0 = cur->e[i].pfn / 64, nw = 1, have;
		size_t j = i;
		ssize_t got;

		/* the words up to the last frame that fits in WORDS of them */
		while (j < cur->nr && cur->e[j].pfn / 64 - w0 < WORDS) {
			nw = cur->e[j].pfn / 64 - w0 + 1;
			j++;
		}
		got = pread(fd, bits, nw * 8, (off_t)(w0 * 8));
		if (got < 0)
			return -errno;
		have = (uint64_t)got / 8;	/* words past the last frame read nothing */
		memset(mark, 0, nw * 8);
		for (size_t k = i; k < j; k++) {
			uint64_t w = cur->e[k].pfn / 64 - w0, bit = 1ull << (cur->e[k].pfn % 64);

			if (w >= have) {
				st->unknown++;
				continue;
			}
			mark[w] |= bit;
			if (!seen(prev, &at, cur->e[k].pfn, cur->e[k].vaddr)) {
				st->fresh++;
				continue;
			}
			st->judged++;
			if (!(bits[w] & bit)) {
				st->accessed++;
				if (fn)
					run_add(&r, cur->e[k].vaddr);
			}
		}
		if (have) {
			got = pwrite(fd, mark, have * 8, (off_t)(w0 * 8));
			if (got < 0)
				return -errno;
		}
		i = j;
	}
	if (fn && r.hi)
		fn(arg, r.lo, r.hi);
	return 0;
}
