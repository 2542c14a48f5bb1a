// SPDX-License-Identifier: MIT
/*
 * Reading a perf_event_open(2) mmap ring directly: the records between
 * data_tail and data_head, with the wrap at the end of the ring. Samples of
 * memory accesses (AMD IBS op, Intel PEBS load latency: ADDR, PHYS_ADDR,
 * WEIGHT, DATA_SRC) become reports; PERF_RECORD_LOST is counted as drops;
 * PERF_RECORD_AUX points at CXL CHMU batches in the AUX area, and
 * PERF_RECORD_AUXTRACE (perf's own record, data inline) carries them in
 * saved streams. Both go to lib/chmu's decoder. A record that cannot be
 * right (a size below its header, past the ring, a sample shorter than its
 * sample_type says) stops the read with one line, and the ring is emptied so
 * the next read starts on a record boundary again.
 */
#include <errno.h>
#include <inttypes.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>

#include <hotmem/chmu_host.h>
#include <hotmem/linux.h>
#include <hotmem/parse.h>

#define REC_AUXTRACE	71	/* perf's PERF_RECORD_AUXTRACE (tools/perf) */

/* Fixed-size sample fields, in the order the kernel writes them. */
static const uint64_t fixed_order[] = {
	PERF_SAMPLE_IDENTIFIER, PERF_SAMPLE_IP, PERF_SAMPLE_TID, PERF_SAMPLE_TIME,
	PERF_SAMPLE_ADDR, PERF_SAMPLE_ID, PERF_SAMPLE_STREAM_ID, PERF_SAMPLE_CPU,
	PERF_SAMPLE_PERIOD,
	/* READ, CALLCHAIN, RAW, BRANCH_STACK, REGS_USER, STACK_USER: refused */
	PERF_SAMPLE_WEIGHT | PERF_SAMPLE_WEIGHT_STRUCT, PERF_SAMPLE_DATA_SRC,
	PERF_SAMPLE_TRANSACTION,
	/* REGS_INTR: refused */
	PERF_SAMPLE_PHYS_ADDR, PERF_SAMPLE_CGROUP, PERF_SAMPLE_DATA_PAGE_SIZE,
	PERF_SAMPLE_CODE_PAGE_SIZE,
};

#define VARIABLE (PERF_SAMPLE_READ | PERF_SAMPLE_CALLCHAIN | PERF_SAMPLE_RAW |		\
		  PERF_SAMPLE_BRANCH_STACK | PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER | \
		  PERF_SAMPLE_REGS_INTR | PERF_SAMPLE_AUX)

int hm_perf_ring_init(struct hm_perf_ring *r, void *base, uint64_t data_size, void *aux,
		      uint64_t aux_size, uint64_t sample_type, uint8_t source)
{
	uint64_t known = 0;

	for (size_t i = 0; i < sizeof(fixed_order) / sizeof(fixed_order[0]); i++)
		known |= fixed_order[i];
	if (!base || !data_size || (data_size & (data_size - 1)) ||
	    (aux && (!aux_size || (aux_size & (aux_size - 1)))))
		return -EINVAL;
	if (sample_type & ~known)
		return -EOPNOTSUPP;	/* variable-size fields: no fixed layout */
	memset(r, 0, sizeof(*r));
	r->meta = base;
	r->data = (uint8_t *)base + (r->meta->data_offset ? r->meta->data_offset : 4096);
	r->size = data_size;
	r->aux = aux;
	r->aux_size = aux_size;
	r->sample_type = sample_type;
	r->source = source;
	return 0;
}

/* @len bytes at ring offset @off, copied out if they wrap. */
static const uint8_t *at(const uint8_t *ring, uint64_t size, uint64_t off, size_t len,
			 uint8_t *tmp)
{
	uint64_t o = off & (size - 1);

	if (o + len <= size)
		return ring + o;
	memcpy(tmp, ring + o, size - o);
	memcpy(tmp + (size - o), ring, len - (size - o));
	return tmp;
}

static uint64_t u64_at(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* One sample into a report; 0, or -EINVAL if it is shorter than its layout. */
static int parse_sample(const struct hm_perf_ring *r, const uint8_t *p, size_t len,
			struct hm_report *rep, bool *has_addr)
{
	size_t off = sizeof(struct perf_event_header);
	uint64_t addr = 0, phys = 0, src = 0;
	bool a = false, ph = false;

	*rep = (struct hm_report){ .pid = -1, .tid = -1, .cpu = -1, .node = -1, .count = 1,
				   .source = r->source };
	for (size_t i = 0; i < sizeof(fixed_order) / sizeof(fixed_order[0]); i++) {
		uint64_t bit = fixed_order[i] & r->sample_type, v;

		if (!bit)
			continue;
		if (off + 8 > len)
			return -EINVAL;
		v = u64_at(p + off);
		off += 8;
		if (bit == PERF_SAMPLE_TID) {
			rep->pid = (int32_t)(uint32_t)v;
			rep->tid = (int32_t)(uint32_t)(v >> 32);
		} else if (bit == PERF_SAMPLE_TIME) {
			rep->time_ns = v;
		} else if (bit == PERF_SAMPLE_ADDR) {
			addr = v;
			a = true;
		} else if (bit == PERF_SAMPLE_CPU) {
			rep->cpu = (int32_t)(uint32_t)v;
		} else if (bit == PERF_SAMPLE_DATA_SRC) {
			src = v;
		} else if (bit == PERF_SAMPLE_PHYS_ADDR) {
			phys = v;
			ph = true;
		}
	}
	if (off > len)
		return -EINVAL;
	/* data_src's mem_op: a store is a write */
	if ((src & 0x1f) & PERF_MEM_OP_STORE)
		rep->flags |= HM_REPORT_WRITE;
	if (r->phys && ph && phys) {
		rep->addr = phys;
		rep->flags |= HM_REPORT_PHYS;
		rep->pid = -1;
	} else {
		rep->addr = addr;
	}
	*has_addr = (r->phys && ph && phys) || (a && addr);
	return 0;
}

static int fail(struct hm_perf_ring *r, uint64_t head, char *err, size_t errlen,
		const char *fmt, uint64_t off, uint64_t v)
{
	hm_errmsg(err, errlen, fmt, off, v);
	r->bad++;
	/* resynchronise: drop what is left, so reading resumes on a boundary */
	__atomic_store_n(&r->meta->data_tail, head, __ATOMIC_RELEASE);
	return -EINVAL;
}

long hm_perf_ring_read(struct hm_perf_ring *r, const struct hm_perf_sink *sink, char *err,
		       size_t errlen)
{
	uint64_t head = __atomic_load_n(&r->meta->data_head, __ATOMIC_ACQUIRE);
	uint64_t tail = r->meta->data_tail;
	uint8_t *tmp = NULL;
	long n = 0;
	int ret = 0;

	if (head - tail > r->size)
		return fail(r, head, err, errlen,
			    "ring at %" PRIu64 ": %" PRIu64 " bytes pending, more than the ring holds",
			    tail, head - tail);
	tmp = malloc(r->size > 65536 ? 65536 : r->size);
	if (!tmp)
		return -ENOMEM;
	while (tail < head) {
		struct perf_event_header h;
		const uint8_t *p;

		if (head - tail < sizeof(h)) {
			ret = fail(r, head, err, errlen,
				   "ring at %" PRIu64 ": %" PRIu64 " bytes, less than a record header",
				   tail, head - tail);
			break;
		}
		memcpy(&h, at(r->data, r->size, tail, sizeof(h), tmp), sizeof(h));
		if (h.size < sizeof(h) || h.size > head - tail) {
			ret = fail(r, head, err, errlen,
				   "ring at %" PRIu64 ": record size %" PRIu64 " is impossible", tail,
				   h.size);
			break;
		}
		p = at(r->data, r->size, tail, h.size, tmp);
		if (h.type == PERF_RECORD_SAMPLE) {
			struct hm_report rep;
			bool has;

			if (parse_sample(r, p, h.size, &rep, &has)) {
				ret = fail(r, head, err, errlen,
					   "ring at %" PRIu64 ": a sample of %" PRIu64 " bytes is "
					   "shorter than its sample_type", tail, h.size);
				break;
			}
			r->samples++;
			if (!has)
				r->no_addr++;
			else if (sink->report && sink->report(sink->arg, &rep))
				r->drops++;
		} else if (h.type == PERF_RECORD_LOST) {
			if (h.size < sizeof(h) + 16) {
				ret = fail(r, head, err, errlen,
					   "ring at %" PRIu64 ": a LOST record of %" PRIu64 " bytes",
					   tail, h.size);
				break;
			}
			r->lost += u64_at(p + sizeof(h) + 8);
		} else if (h.type == PERF_RECORD_AUX) {
			uint64_t off, size, flags;

			if (h.size < sizeof(h) + 24) {
				ret = fail(r, head, err, errlen,
					   "ring at %" PRIu64 ": an AUX record of %" PRIu64 " bytes",
					   tail, h.size);
				break;
			}
			off = u64_at(p + sizeof(h));
			size = u64_at(p + sizeof(h) + 8);
			flags = u64_at(p + sizeof(h) + 16);
			if (flags & PERF_AUX_FLAG_TRUNCATED)
				r->aux_truncated++;
			if (!r->aux || size > r->aux_size) {
				r->aux_skipped++;
			} else if (size) {
				uint8_t *buf = malloc(size);

				if (!buf) {
					ret = -ENOMEM;
					break;
				}
				const uint8_t *src = at(r->aux, r->aux_size, off, size, buf);

				if (src != buf)
					memcpy(buf, src, size);
				if (sink->aux && sink->aux(sink->arg, buf, size))
					r->aux_bad++;
				r->aux_bytes += size;
				free(buf);
				__atomic_store_n(&r->meta->aux_tail, off + size, __ATOMIC_RELEASE);
			}
		} else if (h.type == REC_AUXTRACE) {
			/* perf.data's record: the data follows it, outside h.size */
			uint64_t size;

			if (h.size < sizeof(h) + 8) {
				ret = fail(r, head, err, errlen,
					   "ring at %" PRIu64 ": an AUXTRACE record of %" PRIu64
					   " bytes", tail, h.size);
				break;
			}
			size = u64_at(p + sizeof(h));
			if (size > head - tail - h.size || size > 65536) {
				ret = fail(r, head, err, errlen,
					   "ring at %" PRIu64 ": AUXTRACE data of %" PRIu64
					   " bytes runs past the ring", tail, size);
				break;
			}
			if (size && sink->aux) {
				uint8_t *buf = malloc(size);

				if (!buf) {
					ret = -ENOMEM;
					break;
				}
				const uint8_t *src = at(r->data, r->size, tail + h.size, size, buf);

				if (src != buf)
					memcpy(buf, src, size);
				if (sink->aux(sink->arg, buf, size))
					r->aux_bad++;
				free(buf);
			}
			r->aux_bytes += size;
			tail += size;
		} else {
			r->other++;
		}
		tail += h.size;
		n++;
		/* hand the space back as we go: the kernel can write behind us */
		__atomic_store_n(&r->meta->data_tail, tail, __ATOMIC_RELEASE);
	}
	free(tmp);
	return ret ? ret : n;
}
