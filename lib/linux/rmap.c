// SPDX-License-Identifier: MIT
/*
 * The reverse map from physical page frames to a process's virtual pages,
 * built from /proc/PID/pagemap. It is what lets physical-address reports
 * (kernel DAMON paddr, IBS/PEBS physical addresses, a CHMU) reach a process
 * target. The kernel shows PFNs in pagemap only to CAP_SYS_ADMIN; without it
 * every PFN reads 0, and building the map fails with -EPERM rather than
 * returning a map that matches nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hotmem/linux.h>

#define PM_PRESENT	(1ull << 63)
#define PM_PFN_MASK	((1ull << 55) - 1)
#define CHUNK		4096	/* pagemap entries read at once */

#define DIGIT		11	/* bits of the frame number sorted per pass */

/*
 * Sort by frame, keeping address order among equal frames: an LSD radix
 * sort, as many passes as the highest frame needs. qsort took 5.3 ms of a
 * 9 ms build for a 256 MiB process (65536 entries) on the development host;
 * this takes three linear passes for 24 GiB of frames. @tmp holds @nr.
 */
static void sort_pfn(struct hm_rmap_ent *e, struct hm_rmap_ent *tmp, size_t nr)
{
	struct hm_rmap_ent *from = e, *to = tmp;
	uint64_t max = 0;
	size_t cnt[1u << DIGIT];

	for (size_t i = 0; i < nr; i++)
		if (e[i].pfn > max)
			max = e[i].pfn;
	for (unsigned int shift = 0; shift < 64 && max >> shift; shift += DIGIT) {
		struct hm_rmap_ent *t;
		size_t sum = 0;

		memset(cnt, 0, sizeof(cnt));
		for (size_t i = 0; i < nr; i++)
			cnt[from[i].pfn >> shift & ((1u << DIGIT) - 1)]++;
		for (size_t d = 0; d < (1u << DIGIT); d++) {
			size_t c = cnt[d];

			cnt[d] = sum;
			sum += c;
		}
		for (size_t i = 0; i < nr; i++)
			to[cnt[from[i].pfn >> shift & ((1u << DIGIT) - 1)]++] = from[i];
		t = from;
		from = to;
		to = t;
	}
	if (from != e)
		memcpy(e, from, nr * sizeof(*e));
}

int hm_rmap_build(const struct hm_proc_id *id, struct hm_rmap *m)
{
	return hm_rmap_build_range(id, 0, UINT64_MAX, m);
}

int hm_rmap_build_range(const struct hm_proc_id *id, uint64_t lo, uint64_t hi, struct hm_rmap *m)
{
	uint64_t psz = (uint64_t)sysconf(_SC_PAGESIZE), *buf;
	size_t nr = 0, cap = 0, present = 0;
	struct hm_rmap_ent *e = NULL;
	struct hm_vma *v;
	char path[64];
	size_t nv;
	int fd, ret;

	memset(m, 0, sizeof(*m));
	ret = hm_proc_maps(id->pid, &v, &nv);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)id->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = errno == ENOENT ? -ESRCH : -errno;
		free(v);
		return ret;
	}
	buf = malloc(CHUNK * sizeof(*buf));
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < nv && !ret; i++) {
		uint64_t vend = v[i].end < hi ? v[i].end : hi;

		/*
		 * Nothing in a mapping the process cannot read is accessed: skip
		 * it (PROT_NONE reservations, as language runtimes make, can be
		 * terabytes of pagemap entries).
		 */
		if (!v[i].readable)
			continue;

		for (uint64_t a = v[i].start > lo ? v[i].start & ~(psz - 1) : lo & ~(psz - 1);
		     a < vend && !ret;) {
			uint64_t n = (vend - a + psz - 1) / psz;
			ssize_t got;

			if (n > CHUNK)
				n = CHUNK;
			got = pread(fd, buf, n * sizeof(*buf), (off_t)(a / psz * sizeof(*buf)));
			if (got < 0) {
				ret = -errno;
				break;
			}
			n = (uint64_t)got / sizeof(*buf);
			if (!n)
				break;
			for (uint64_t k = 0; k < n; k++) {
				if (!(buf[k] & PM_PRESENT))
					continue;
				present++;
				if (!(buf[k] & PM_PFN_MASK))
					continue;
				if (nr == cap) {
					size_t c = cap ? cap * 2 : 4096;
					struct hm_rmap_ent *x = realloc(e, c * sizeof(*e));

					if (!x) {
						ret = -ENOMEM;
						break;
					}
					e = x;
					cap = c;
				}
				e[nr].pfn = buf[k] & PM_PFN_MASK;
				e[nr].vaddr = a + k * psz;
				nr++;
			}
			a += n * psz;
		}
	}
	if (!ret && present && !nr)
		ret = -EPERM;	/* PFNs hidden: CAP_SYS_ADMIN is missing */
	if (!ret && hm_proc_check(id))
		ret = -ESRCH;
out:
	close(fd);
	free(buf);
	free(v);
	if (ret) {
		free(e);
		return ret;
	}
	if (nr) {
		struct hm_rmap_ent *tmp = malloc(nr * sizeof(*tmp));

		if (!tmp) {
			free(e);
			return -ENOMEM;
		}
		sort_pfn(e, tmp, nr);
		free(tmp);
	}
	m->e = e;
	m->nr = nr;
	m->pid = id->pid;
	m->page_size = psz;
	return 0;
}

int hm_rmap_walk(const struct hm_rmap *m, uint64_t plo, uint64_t phi,
		 void (*fn)(void *arg, uint64_t vstart, uint64_t vend), void *arg)
{
	uint64_t first = plo / m->page_size, last = (phi + m->page_size - 1) / m->page_size;
	uint64_t run_lo = 0, run_hi = 0;
	size_t lo = 0, hi = m->nr;
	int runs = 0;

	if (phi <= plo)
		return 0;
	while (lo < hi) {	/* the first entry at or above @first */
		size_t mid = lo + (hi - lo) / 2;

		if (m->e[mid].pfn < first)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < m->nr && m->e[i].pfn < last; i++) {
		uint64_t va = m->e[i].vaddr;

		if (run_hi && va == run_hi) {
			run_hi += m->page_size;
			continue;
		}
		if (run_hi) {
			fn(arg, run_lo, run_hi);
			runs++;
		}
		run_lo = va;
		run_hi = va + m->page_size;
	}
	if (run_hi) {
		fn(arg, run_lo, run_hi);
		runs++;
	}
	return runs;
}

void hm_rmap_free(struct hm_rmap *m)
{
	free(m->e);
	memset(m, 0, sizeof(*m));
}
