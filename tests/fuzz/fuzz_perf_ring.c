// SPDX-License-Identifier: MIT
/*
 * Fuzz target for the perf mmap ring reader: the input (after two control
 * bytes: the physical-address switch and where in the ring it starts) is
 * what the kernel wrote between data_tail and data_head, possibly wrapping;
 * the AUX area holds the same bytes. Any input is either read, or refused
 * with one line; either way the ring ends empty and the counts add up.
 */
#include <linux/perf_event.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <hotmem/chmu_host.h>
#include <hotmem/linux.h>
#include <hotmem/report.h>

#define DATA 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int take(void *arg, const struct hm_report *r)
{
	uint64_t *n = arg;

	(*n)++;
	return r->addr == 0;	/* the reader never hands over an address of 0 */
}

static int batch(void *arg, uint32_t b, uint32_t width, const uint64_t *e, uint32_t n)
{
	(void)arg;
	(void)b;
	(void)width;
	(void)e;
	(void)n;
	return 0;
}

static int aux(void *arg, const uint8_t *buf, size_t len)
{
	char err[128];

	(void)arg;
	return hm_chmu_aux_decode(buf, len, batch, NULL, err, sizeof(err)) < 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t mem[4096 + DATA], auxa[DATA];
	struct perf_event_mmap_page *meta = (struct perf_event_mmap_page *)mem;
	uint64_t reports = 0, start;
	struct hm_perf_sink sink = { take, aux, &reports };
	struct hm_perf_ring r;
	char err[256] = "";
	long ret;

	if (size < 2)
		return 0;
	memset(mem, 0, sizeof(mem));
	meta->data_offset = 4096;
	start = (uint64_t)data[1] * 61;
	meta->data_head = meta->data_tail = start;
	if (hm_perf_ring_init(&r, mem, DATA, auxa, DATA,
			      PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_ADDR |
			      PERF_SAMPLE_CPU | PERF_SAMPLE_WEIGHT | PERF_SAMPLE_DATA_SRC |
			      PERF_SAMPLE_PHYS_ADDR, 0))
		abort();
	r.phys = data[0] & 1;
	data += 2;
	size -= 2;
	if (size > DATA)
		size = DATA;
	for (size_t i = 0; i < size; i++) {
		mem[4096 + ((start + i) & (DATA - 1))] = data[i];
		auxa[i] = data[i];
	}
	meta->data_head = start + size;
	ret = hm_perf_ring_read(&r, &sink, err, sizeof(err));
	if (ret < 0 && (!err[0] || strchr(err, '\n')))
		abort();
	if (meta->data_tail != meta->data_head || r.drops || reports + r.no_addr != r.samples)
		abort();
	return 0;
}
