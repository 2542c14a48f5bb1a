// SPDX-License-Identifier: MIT
/*
 * The perf mmap ring reader on synthetic rings laid out as the kernel lays
 * them out: samples with ADDR, PHYS_ADDR, WEIGHT and DATA_SRC, LOST records,
 * records that wrap at the end of the ring, PERF_RECORD_AUX pointing into an
 * AUX area of CHMU batches, perf's inline AUXTRACE, and malformed records.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <sys/mman.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include <hotmem/chmu_host.h>
#include <hotmem/linux.h>
#include <hotmem/report.h>

#include "../hm_test.h"

#define DATA	8192
#define AUXSZ	4096
#define TYPE	(PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_ADDR | PERF_SAMPLE_CPU | \
		 PERF_SAMPLE_WEIGHT | PERF_SAMPLE_DATA_SRC | PERF_SAMPLE_PHYS_ADDR)

struct fake {
	uint8_t *mem;	/* one page of metadata, then DATA bytes */
	uint8_t aux[AUXSZ];
	struct perf_event_mmap_page *meta;
	struct hm_report got[64];
	unsigned int nr;
	uint64_t entries;
	unsigned int batches;
};

static void fake_init(struct fake *f, uint64_t start)
{
	memset(f, 0, sizeof(*f));
	f->mem = calloc(1, 4096 + DATA);
	assert_non_null(f->mem);
	f->meta = (struct perf_event_mmap_page *)f->mem;
	f->meta->data_offset = 4096;
	f->meta->data_size = DATA;
	f->meta->data_head = f->meta->data_tail = start;
}

/* Write @len bytes at the head, wrapping, as the kernel does. */
static void put(struct fake *f, const void *p, size_t len)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < len; i++)
		f->mem[4096 + ((f->meta->data_head + i) & (DATA - 1))] = b[i];
	f->meta->data_head += len;
}

static void sample(struct fake *f, uint32_t pid, uint32_t tid, uint64_t time, uint64_t addr,
		   uint32_t cpu, uint64_t weight, uint64_t src, uint64_t phys)
{
	struct perf_event_header h = { PERF_RECORD_SAMPLE, 0, sizeof(h) + 7 * 8 };
	uint64_t v[7] = { pid | (uint64_t)tid << 32, time, addr, cpu, weight, src, phys };

	put(f, &h, sizeof(h));
	put(f, v, sizeof(v));
}

static int take(void *arg, const struct hm_report *r)
{
	struct fake *f = arg;

	if (f->nr == 64)
		return -1;
	f->got[f->nr++] = *r;
	return 0;
}

static int batch(void *arg, uint32_t b, uint32_t width, const uint64_t *e, uint32_t n)
{
	struct fake *f = arg;

	(void)b;
	(void)width;
	(void)e;
	f->entries += n;
	f->batches++;
	return 0;
}

static int aux(void *arg, const uint8_t *buf, size_t len)
{
	char err[128];

	return hm_chmu_aux_decode(buf, len, batch, arg, err, sizeof(err)) < 0;
}

static void test_samples_and_lost(void **state)
{
	struct hm_perf_sink sink;
	struct hm_perf_ring r;
	struct fake f;
	char err[128];
	struct perf_event_header lh = { PERF_RECORD_LOST, 0, sizeof(lh) + 16 };
	uint64_t lost[2] = { 7, 42 };

	(void)state;
	fake_init(&f, 0);
	sink = (struct hm_perf_sink){ .report = take, .arg = &f };
	assert_int_equal(hm_perf_ring_init(&r, f.mem, DATA, NULL, 0, TYPE, 3), 0);
	/* a load, a store (mem_op 0x04), a sample without an address */
	sample(&f, 100, 101, 5000, 0x7f0000001000, 2, 180, PERF_MEM_OP_LOAD, 0x123000);
	sample(&f, 100, 102, 6000, 0x7f0000002008, 1, 40, PERF_MEM_OP_STORE, 0x456008);
	sample(&f, 100, 101, 7000, 0, 0, 0, 0, 0);
	put(&f, &lh, sizeof(lh));
	put(&f, lost, sizeof(lost));
	assert_int_equal(hm_perf_ring_read(&r, &sink, err, sizeof(err)), 4);
	assert_int_equal(f.nr, 2);
	assert_int_equal(f.got[0].addr, 0x7f0000001000);
	assert_int_equal(f.got[0].pid, 100);
	assert_int_equal(f.got[0].tid, 101);
	assert_int_equal(f.got[0].cpu, 2);
	assert_int_equal(f.got[0].time_ns, 5000);
	assert_int_equal(f.got[0].source, 3);
	assert_int_equal(f.got[0].flags, 0);
	assert_int_equal(f.got[1].flags, HM_REPORT_WRITE);
	assert_int_equal(r.samples, 3);
	assert_int_equal(r.no_addr, 1);
	assert_int_equal(r.lost, 42);
	assert_int_equal(f.meta->data_tail, f.meta->data_head);
	/* nothing new: nothing read */
	assert_int_equal(hm_perf_ring_read(&r, &sink, err, sizeof(err)), 0);

	/* physical addresses when asked for: no pid, the PHYS flag */
	r.phys = true;
	f.nr = 0;
	sample(&f, 100, 101, 8000, 0x7f0000003000, 0, 0, 0, 0x789000);
	assert_int_equal(hm_perf_ring_read(&r, &sink, err, sizeof(err)), 1);
	assert_int_equal(f.got[0].addr, 0x789000);
	assert_int_equal(f.got[0].flags, HM_REPORT_PHYS);
	assert_int_equal(f.got[0].pid, -1);
	free(f.mem);
}

/* Records that straddle the end of the ring come out whole. */
static void test_wrap(void **state)
{
	struct hm_perf_sink sink;
	struct hm_perf_ring r;
	struct fake f;
	char err[128];

	(void)state;
	/* a sample is 64 bytes: start 24 bytes before the end, twice around */
	fake_init(&f, 3 * (uint64_t)DATA - 24);
	sink = (struct hm_perf_sink){ .report = take, .arg = &f };
	assert_int_equal(hm_perf_ring_init(&r, f.mem, DATA, NULL, 0, TYPE, 0), 0);
	for (int i = 0; i < 4; i++)
		sample(&f, 7, 7, (uint64_t)i, 0x1000 * (uint64_t)(i + 1), 0, 0, 0, 0);
	assert_int_equal(hm_perf_ring_read(&r, &sink, err, sizeof(err)), 4);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(f.got[i].addr, 0x1000 * (uint64_t)(i + 1));
		assert_int_equal(f.got[i].time_ns, (uint64_t)i);
	}
	assert_int_equal(f.meta->data_tail, 3 * (uint64_t)DATA - 24 + 4 * 64);
	free(f.mem);
}

/* PERF_RECORD_AUX into a wrapping AUX area, and perf's inline AUXTRACE. */
static void test_chmu_aux(void **state)
{
	struct hm_perf_sink sink;
	struct hm_perf_ring r;
	struct fake f;
	uint64_t e[20], off = 3 * AUXSZ - 40, rec[3];
	uint8_t batch_buf[16 + 8 * 20];
	struct perf_event_header h = { PERF_RECORD_AUX, 0, sizeof(h) + 24 };
	struct perf_event_header t = { 71, 0, sizeof(t) + 40 };
	uint64_t trace[5];
	size_t n;
	char err[128];

	(void)state;
	for (int i = 0; i < 20; i++)
		e[i] = (uint64_t)i << 16 | 5;
	n = hm_chmu_aux_encode(e, 20, 16, batch_buf);
	assert_int_equal(n, sizeof(batch_buf));
	fake_init(&f, 0);
	for (size_t i = 0; i < n; i++)
		f.aux[(off + i) & (AUXSZ - 1)] = batch_buf[i];
	sink = (struct hm_perf_sink){ .report = take, .aux = aux, .arg = &f };
	assert_int_equal(hm_perf_ring_init(&r, f.mem, DATA, f.aux, AUXSZ, TYPE, 0), 0);
	rec[0] = off;
	rec[1] = n;
	rec[2] = PERF_AUX_FLAG_TRUNCATED;
	put(&f, &h, sizeof(h));
	put(&f, rec, sizeof(rec));
	/* AUXTRACE: size, offset, reference, idx/tid, cpu/reserved; then the data */
	trace[0] = n;
	trace[1] = trace[2] = trace[3] = trace[4] = 0;
	put(&f, &t, sizeof(t));
	put(&f, trace, sizeof(trace));
	put(&f, batch_buf, n);
	assert_int_equal(hm_perf_ring_read(&r, &sink, err, sizeof(err)), 2);
	assert_int_equal(f.batches, 2);
	assert_int_equal(f.entries, 40);
	assert_int_equal(r.aux_truncated, 1);
	assert_int_equal(r.aux_bytes, 2 * n);
	assert_int_equal(f.meta->aux_tail, off + n);
	assert_int_equal(f.meta->data_tail, f.meta->data_head);
	free(f.mem);
}

static void test_malformed(void **state)
{
	struct hm_perf_sink sink;
	struct hm_perf_ring r;
	struct fake f;
	char err[160];
	struct perf_event_header tiny = { PERF_RECORD_SAMPLE, 0, 4 };
	struct perf_event_header shorter = { PERF_RECORD_SAMPLE, 0, sizeof(tiny) + 16 };
	uint64_t v[2] = { 1, 2 };

	(void)state;
	fake_init(&f, 0);
	sink = (struct hm_perf_sink){ .report = take, .arg = &f };
	assert_int_equal(hm_perf_ring_init(&r, f.mem, DATA, NULL, 0, TYPE, 0), 0);
	sample(&f, 1, 1, 1, 0x1000, 0, 0, 0, 0);
	put(&f, &tiny, sizeof(tiny));
	sample(&f, 1, 1, 1, 0x2000, 0, 0, 0, 0);
	assert_int_equal(hm_perf_ring_read(&r, &sink, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "ring at 64: record size 4 is impossible"));
	/* the good record before it was read; the ring is empty after it */
	assert_int_equal(f.nr, 1);
	assert_int_equal(f.meta->data_tail, f.meta->data_head);
	assert_int_equal(r.bad, 1);

	put(&f, &shorter, sizeof(shorter));
	put(&f, v, sizeof(v));
	assert_int_equal(hm_perf_ring_read(&r, &sink, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "shorter than its sample_type"));
	assert_null(strchr(err, '\n'));

	/* a head that ran more than a ring ahead */
	f.meta->data_head = f.meta->data_tail + DATA + 8;
	assert_int_equal(hm_perf_ring_read(&r, &sink, err, sizeof(err)), -EINVAL);
	assert_int_equal(f.meta->data_tail, f.meta->data_head);
	free(f.mem);
}

static void test_init(void **state)
{
	struct hm_perf_ring r;
	uint8_t page[4096 + 4096] = { 0 };

	(void)state;
	assert_int_equal(hm_perf_ring_init(&r, page, 4096, NULL, 0,
					   TYPE | PERF_SAMPLE_CALLCHAIN, 0), -EOPNOTSUPP);
	assert_int_equal(hm_perf_ring_init(&r, page, 3000, NULL, 0, TYPE, 0), -EINVAL);
	assert_int_equal(hm_perf_ring_init(&r, page, 4096, page, 100, TYPE, 0), -EINVAL);
	assert_int_equal(hm_perf_ring_init(&r, page, 4096, NULL, 0, TYPE, 0), 0);
	/* without data_offset the data starts one page on */
	assert_ptr_equal(r.data, page + 4096);
}

struct count {
	uintptr_t lo, hi;
	unsigned int in, all;
};

static int count_in(void *arg, const struct hm_report *r)
{
	struct count *c = arg;

	c->all++;
	c->in += r->addr >= c->lo && r->addr < c->hi && r->pid == getpid();
	return 0;
}

/*
 * A real ring from the kernel: minor page faults of this process, sampled
 * with their addresses (a software event, so it needs no PMU), read in
 * place. Touching 200 new pages gives a sample for each.
 */
static void test_kernel_ring(void **state)
{
	struct hm_perf_spec sp = {
		.pmu = "software", .config = PERF_COUNT_SW_PAGE_FAULTS_MIN, .period = 1,
		.sample_type = PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_ADDR,
		.pid = 0, .cpu = -1, .data_pages = 64,
	};
	long psz = sysconf(_SC_PAGESIZE);
	struct hm_perf_event ev;
	struct hm_perf_sink sink;
	struct count c = { 0 };
	uint32_t type;
	char err[128], *buf;
	int ret;

	(void)state;
	assert_int_equal(hm_perf_pmu_type(NULL, "no-such-pmu", &type), -ENODEV);
	ret = hm_perf_open(&ev, &sp);
	if (ret == -EACCES || ret == -EPERM || ret == -ENOSYS || ret == -ENOENT)
		hm_skip("perf_event_open of a software event: %s (perf_event_paranoid?)",
			strerror(-ret));
	assert_int_equal(ret, 0);
	buf = mmap(NULL, 200 * (size_t)psz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		   -1, 0);
	assert_true(buf != MAP_FAILED);
	c.lo = (uintptr_t)buf;
	c.hi = (uintptr_t)buf + 200 * (size_t)psz;
	assert_int_equal(hm_perf_enable(&ev, true), 0);
	for (int i = 0; i < 200; i++)
		buf[(size_t)i * (size_t)psz] = 1;
	assert_int_equal(hm_perf_enable(&ev, false), 0);
	sink = (struct hm_perf_sink){ .report = count_in, .arg = &c };
	assert_true(hm_perf_ring_read(&ev.ring, &sink, err, sizeof(err)) >= 200);
	printf("# note: kernel ring: %u page-fault samples, %u in the buffer, %llu lost\n", c.all,
	       c.in, (unsigned long long)ev.ring.lost);
	assert_int_equal(c.in + ev.ring.lost, 200);
	munmap(buf, 200 * (size_t)psz);
	hm_perf_close(&ev);
}

/*
 * An AUX area on a PMU that has none: the kernel refuses the mapping, and
 * the open gives that error back with nothing left open or mapped. A bad
 * AUX size is refused before any system call.
 */
static void test_aux_refused(void **state)
{
	struct hm_perf_spec sp = {
		.pmu = "software", .config = PERF_COUNT_SW_PAGE_FAULTS_MIN, .period = 1,
		.sample_type = PERF_SAMPLE_TID, .pid = 0, .cpu = -1, .data_pages = 4,
		.aux_pages = 3,
	};
	struct hm_perf_event ev;
	int ret, before, after;

	(void)state;
	assert_int_equal(hm_perf_open(&ev, &sp), -EINVAL);
	sp.aux_pages = 4;
	before = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(before >= 0);
	close(before);
	ret = hm_perf_open(&ev, &sp);
	if (ret == -EACCES || ret == -EPERM || ret == -ENOSYS || ret == -ENOENT)
		hm_skip("perf_event_open of a software event: %s (perf_event_paranoid?)",
			strerror(-ret));
	assert_int_equal(ret, -EOPNOTSUPP);
	assert_int_equal(ev.fd, -1);
	assert_null(ev.base);
	assert_null(ev.aux);
	after = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_int_equal(after, before);	/* the event's descriptor was closed */
	close(after);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_samples_and_lost),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_chmu_aux),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_kernel_ring),
		cmocka_unit_test(test_aux_refused),
	};

	return hm_run_tests(tests);
}
