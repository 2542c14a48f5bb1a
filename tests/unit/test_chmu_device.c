// SPDX-License-Identifier: MIT
/*
 * The emulated CHMU through its registers only: the block layout and the
 * capability encodings, register semantics (read-only, reserved bits, W1C,
 * access widths, operations in progress, configuration locked while
 * enabled, refused enables), the ring (full, overflow, wrap, postponing,
 * fill threshold, interrupts or polling), the three reporting modes on
 * hand-computed examples, exact and randomized downsampling, the
 * access-type and range filters, saturation, the counter-width rule and
 * instance overlap.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <hotmem/hotmem.h>
#include <hotmem/chmu.h>

#include "../hm_test.h"

#define US 1000ull
#define MS 1000000ull

static uint64_t base(const struct hm_chmu *d, unsigned int inst)
{
	uint64_t len;

	hm_chmu_read64(d, HM_CHMU_COMMON_CAP1, &len);
	return HM_CHMU_INST0 + inst * (len & 0xffff);
}

static uint64_t rd(const struct hm_chmu *d, unsigned int inst, uint64_t off)
{
	uint64_t v;

	assert_int_equal(hm_chmu_read64(d, base(d, inst) + off, &v), 0);
	return v;
}

static void wr(struct hm_chmu *d, unsigned int inst, uint64_t off, uint64_t v)
{
	assert_int_equal(hm_chmu_write64(d, base(d, inst) + off, v), 0);
}

static struct hm_chmu *device(struct hm_chmu_desc *desc)
{
	char err[256] = "";
	struct hm_chmu *d = hm_chmu_new(desc, 1, err, sizeof(err));

	if (!d)
		fail_msg("device refused: %s", err);
	return d;
}

static struct hm_chmu_desc preset(const char *name)
{
	struct hm_chmu_desc desc;

	assert_int_equal(hm_chmu_preset(name, &desc), 0);
	return desc;
}

/* Let the operation just started finish: the clock lands on its completion. */
static void settle(struct hm_chmu *d)
{
	hm_chmu_advance(d, hm_chmu_now(d) + hm_chmu_get_desc(d)->op_delay_ns);
}

struct prog {
	unsigned int type, unit, ds, mode, scale, mult;
	uint32_t thr, fill;
	uint64_t bitmap0;	/* ranges 0-63 */
	bool random;
	bool irqs;
};

/* The RFC driver's sequence, by hand: reset, cfg1, bitmap, cfg2, enable. */
static void program(struct hm_chmu *d, unsigned int inst, const struct prog *p)
{
	wr(d, inst, HM_CHMU_CFG0, HM_CHMU_CFG0_RESET);
	settle(d);
	wr(d, inst, HM_CHMU_CFG1, p->unit | (uint64_t)p->ds << 32 | (uint64_t)p->mode << 40 |
				  (uint64_t)p->scale << 48 | (uint64_t)p->mult << 52);
	wr(d, inst, HM_CHMU_BITMAP, p->bitmap0);
	wr(d, inst, HM_CHMU_CFG2, p->fill);
	wr(d, inst, HM_CHMU_CFG0, p->type | (p->random ? HM_CHMU_CFG0_RANDOM_DS : 0) |
				  (p->irqs ? HM_CHMU_CFG0_IRQ_OVERFLOW | HM_CHMU_CFG0_IRQ_FILL : 0) |
				  HM_CHMU_CFG0_ENABLE | (uint64_t)p->thr << 32);
	settle(d);
}

/* Take every entry out of the ring (head to tail, wrapping), as a driver does. */
static size_t drain(struct hm_chmu *d, unsigned int inst, uint64_t *out, size_t max)
{
	uint64_t cap0 = rd(d, inst, HM_CHMU_CAP0), hl = rd(d, inst, HM_CHMU_HOTLIST_OFF);
	uint16_t head, tail, size = (uint16_t)HM_CHMU_CAP0_HOTLIST_SIZE(cap0);
	size_t n = 0;

	assert_int_equal(hm_chmu_read16(d, base(d, inst) + HM_CHMU_HEAD, &head), 0);
	assert_int_equal(hm_chmu_read16(d, base(d, inst) + HM_CHMU_TAIL, &tail), 0);
	while (head != tail && n < max) {
		out[n++] = rd(d, inst, hl + head * 8ull);
		head = (uint16_t)((head + 1) % size);
	}
	assert_int_equal(hm_chmu_write16(d, base(d, inst) + HM_CHMU_HEAD, head), 0);
	return n;
}

static const struct prog rfc = {	/* type 6, 4 KiB, 1 ms epochs, range 0 */
	.type = 6, .unit = 12, .scale = 2, .mult = 1, .thr = 3, .fill = 512, .bitmap0 = 1,
};

static void test_layout(void **state)
{
	struct hm_chmu_desc desc = preset("default");
	struct hm_chmu *d;
	uint64_t v, len;

	(void)state;
	desc.nr_instances = 3;
	desc.msi = 5;
	d = device(&desc);
	hm_chmu_read64(d, HM_CHMU_COMMON_CAP0, &v);
	assert_int_equal(v & 0xf, 1);			/* version */
	assert_int_equal(v >> 8 & 0xff, 3);		/* instances */
	hm_chmu_read64(d, HM_CHMU_COMMON_CAP1, &len);
	/* 0x70 + 1024 ranges / 8 + 1024 entries x 8 */
	assert_int_equal(len, 0x70 + 128 + 8192);
	assert_int_equal(hm_chmu_block_size(d), 0x10 + 3 * len);
	v = rd(d, 2, HM_CHMU_CAP0);
	assert_int_equal(HM_CHMU_CAP0_MSI(v), 5);
	assert_true(v & HM_CHMU_CAP0_IRQ_OVERFLOW && v & HM_CHMU_CAP0_IRQ_FILL);
	assert_int_equal(HM_CHMU_CAP0_EPOCH_TYPE(v), 0);
	assert_int_equal(HM_CHMU_CAP0_TYPES(v), 0x3f);
	assert_int_equal(HM_CHMU_CAP0_MAX_SCALE(v), 5);
	assert_int_equal(HM_CHMU_CAP0_MAX_MULT(v), 4095);
	assert_int_equal(HM_CHMU_CAP0_MIN_SCALE(v), 1);
	assert_int_equal(HM_CHMU_CAP0_MIN_MULT(v), 1);
	assert_int_equal(HM_CHMU_CAP0_HOTLIST_SIZE(v), 1024);
	v = rd(d, 2, HM_CHMU_CAP1);
	assert_int_equal(HM_CHMU_CAP1_UNITS(v), 0x3fff);
	assert_int_equal(HM_CHMU_CAP1_DS(v), 0xffff);
	assert_true(v & HM_CHMU_CAP1_EPOCH && v & HM_CHMU_CAP1_ALWAYS_ON &&
		    v & HM_CHMU_CAP1_RANDOM_DS);
	assert_false(v & HM_CHMU_CAP1_OVERLAP || v & HM_CHMU_CAP1_POSTPONE);
	assert_int_equal(rd(d, 0, HM_CHMU_BITMAP_OFF), 0x70);
	/* trackable ranges = (hotlist offset - bitmap offset) x 8 */
	assert_int_equal((rd(d, 0, HM_CHMU_HOTLIST_OFF) - 0x70) * 8, 1024);
	/* the qemu preset: non-TEE types only, 4 and 8 KiB, full rate as BIT(0) */
	hm_chmu_free(d);
	desc = preset("qemu");
	d = device(&desc);
	v = rd(d, 0, HM_CHMU_CAP0);
	assert_int_equal(HM_CHMU_CAP0_TYPES(v), 0x07);
	v = rd(d, 0, HM_CHMU_CAP1);
	assert_int_equal(HM_CHMU_CAP1_UNITS(v), 0x30);
	assert_int_equal(HM_CHMU_CAP1_DS(v), 0x1);
	assert_false(v & HM_CHMU_CAP1_ALWAYS_ON);
	hm_chmu_free(d);
	assert_int_equal(hm_chmu_preset("nosuch", &desc), -ENOENT);
}

static void test_register_semantics(void **state)
{
	struct hm_chmu_desc desc = preset("default");
	struct hm_chmu *d = device(&desc);
	uint64_t cap0 = rd(d, 0, HM_CHMU_CAP0), v, b = base(d, 0);
	uint16_t h;

	(void)state;
	/* read only */
	wr(d, 0, HM_CHMU_CAP0, ~0ull);
	assert_int_equal(rd(d, 0, HM_CHMU_CAP0), cap0);
	assert_int_equal(hm_chmu_write64(d, HM_CHMU_COMMON_CAP0, 0), 0);
	hm_chmu_read64(d, HM_CHMU_COMMON_CAP0, &v);
	assert_int_equal(v >> 8 & 0xff, 1);
	/* reserved bits ignored: cfg0 11-15 and 18-31, cfg1 36-39, cfg2 16-63 */
	wr(d, 0, HM_CHMU_CFG0, 0x0000000afffcf806ull);
	assert_int_equal(rd(d, 0, HM_CHMU_CFG0), 0x0000000a00000006ull);
	wr(d, 0, HM_CHMU_CFG1, 0xffffffffffffffffull);
	assert_int_equal(rd(d, 0, HM_CHMU_CFG1), 0xffffff0fffffffffull);
	wr(d, 0, HM_CHMU_CFG2, 0x12345678ull);
	assert_int_equal(rd(d, 0, HM_CHMU_CFG2), 0x5678);
	/* the bitmap's 16 words cover the 1024 ranges exactly: all writable */
	wr(d, 0, HM_CHMU_BITMAP + 15 * 8, ~0ull);
	assert_int_equal(rd(d, 0, HM_CHMU_BITMAP + 15 * 8), ~0ull);
	wr(d, 0, HM_CHMU_BITMAP + 15 * 8, 0);
	/* widths and alignment */
	assert_int_equal(hm_chmu_read64(d, b + HM_CHMU_HEAD, &v), -EINVAL);
	assert_int_equal(hm_chmu_read16(d, b + HM_CHMU_CFG0, &h), -EINVAL);
	assert_int_equal(hm_chmu_read64(d, b + 4, &v), -EINVAL);
	assert_int_equal(hm_chmu_read64(d, hm_chmu_block_size(d), &v), -ERANGE);
	assert_int_equal(hm_chmu_write16(d, hm_chmu_block_size(d), 0), -ERANGE);
	/* status: width follows the unit size written; op in progress */
	wr(d, 0, HM_CHMU_CFG1, 12);
	assert_int_equal(HM_CHMU_STATUS_WIDTH(rd(d, 0, HM_CHMU_STATUS)), 16);
	wr(d, 0, HM_CHMU_CFG1, 30);		/* 1 GiB units: not supported */
	assert_int_equal(HM_CHMU_STATUS_WIDTH(rd(d, 0, HM_CHMU_STATUS)), 0);
	wr(d, 0, HM_CHMU_CFG0, HM_CHMU_CFG0_RESET);
	assert_int_equal(HM_CHMU_STATUS_OP(rd(d, 0, HM_CHMU_STATUS)), HM_CHMU_OP_RESET);
	assert_true(rd(d, 0, HM_CHMU_CFG0) & HM_CHMU_CFG0_RESET);
	wr(d, 0, HM_CHMU_CFG1, 13);		/* ignored: an operation is in progress */
	assert_int_equal(rd(d, 0, HM_CHMU_CFG1), 30);
	hm_chmu_advance(d, 9999);
	assert_int_equal(HM_CHMU_STATUS_OP(rd(d, 0, HM_CHMU_STATUS)), HM_CHMU_OP_RESET);
	hm_chmu_advance(d, 10000);		/* the 10 us the preset takes */
	assert_int_equal(HM_CHMU_STATUS_OP(rd(d, 0, HM_CHMU_STATUS)), HM_CHMU_OP_NONE);
	assert_false(rd(d, 0, HM_CHMU_CFG0) & HM_CHMU_CFG0_RESET);
	/* locked while enabled: cfg1, cfg2, bitmap, and cfg0 but for Enable */
	program(d, 0, &rfc);
	assert_true(rd(d, 0, HM_CHMU_STATUS) & HM_CHMU_STATUS_ENABLED);
	wr(d, 0, HM_CHMU_CFG1, 13);
	wr(d, 0, HM_CHMU_CFG2, 7);
	wr(d, 0, HM_CHMU_BITMAP, 0xff);
	wr(d, 0, HM_CHMU_CFG0, 5 | HM_CHMU_CFG0_ENABLE);
	assert_int_equal(HM_CHMU_CFG1_UNIT(rd(d, 0, HM_CHMU_CFG1)), 12);
	assert_int_equal(rd(d, 0, HM_CHMU_CFG2), 512);
	assert_int_equal(rd(d, 0, HM_CHMU_BITMAP), 1);
	assert_int_equal(HM_CHMU_CFG0_TYPE(rd(d, 0, HM_CHMU_CFG0)), 6);
	/* clearing Enable starts a disable */
	wr(d, 0, HM_CHMU_CFG0, 6);
	assert_int_equal(HM_CHMU_STATUS_OP(rd(d, 0, HM_CHMU_STATUS)), HM_CHMU_OP_DISABLE);
	settle(d);
	assert_false(rd(d, 0, HM_CHMU_STATUS) & HM_CHMU_STATUS_ENABLED);
	hm_chmu_free(d);
}

static void test_refused_enable(void **state)
{
	struct hm_chmu_desc desc = preset("qemu");
	struct hm_chmu *d = device(&desc);
	struct hm_chmu_stats st;
	struct prog p = rfc;

	(void)state;
	/* QEMU's model tracks non-TEE requests only: type 6 is refused */
	p.scale = 4;
	program(d, 0, &p);
	assert_false(rd(d, 0, HM_CHMU_STATUS) & HM_CHMU_STATUS_ENABLED);
	assert_false(rd(d, 0, HM_CHMU_CFG0) & HM_CHMU_CFG0_ENABLE);
	assert_string_equal(hm_chmu_last_error(d, 0), "access type 6 is not supported");
	p.type = 3;
	p.scale = 2;				/* 1 ms: below its 100 ms minimum */
	program(d, 0, &p);
	assert_non_null(strstr(hm_chmu_last_error(d, 0), "epoch scale 2 x multiplier 1"));
	p.scale = 4;
	p.thr = 70000;				/* does not fit 16 bits */
	program(d, 0, &p);
	assert_non_null(strstr(hm_chmu_last_error(d, 0), "threshold 70000 does not fit"));
	p.thr = 3;
	program(d, 0, &p);
	assert_string_equal(hm_chmu_last_error(d, 0), "");
	assert_true(rd(d, 0, HM_CHMU_STATUS) & HM_CHMU_STATUS_ENABLED);
	hm_chmu_get_stats(d, 0, &st);
	assert_int_equal(st.refused, 3);
	hm_chmu_free(d);
}

static void touch(struct hm_chmu *d, uint64_t unit, unsigned int n, unsigned int flags)
{
	while (n--)
		hm_chmu_access(d, unit * 4096 + 64, flags);
}

/* Global epochs of 1 ms, threshold 3: what each epoch reports, worked by hand. */
static void test_epoch_global(void **state)
{
	struct hm_chmu_desc desc = preset("default");
	struct hm_chmu *d;
	uint64_t e[16], t0;
	size_t n;

	(void)state;
	desc.tracker.kind = HM_TRACKER_EXACT;
	d = device(&desc);
	program(d, 0, &rfc);
	t0 = hm_chmu_now(d);
	touch(d, 2, 2, 0);	/* below the threshold */
	touch(d, 0, 5, 0);
	touch(d, 1, 3, HM_ACCESS_WRITE);
	hm_chmu_advance(d, t0 + MS - 1);
	assert_int_equal(drain(d, 0, e, 16), 0);	/* not yet */
	hm_chmu_advance(d, t0 + MS);
	n = drain(d, 0, e, 16);
	/* unit << 16 | count, in unit order */
	assert_int_equal(n, 2);
	assert_int_equal(e[0], 0ull << 16 | 5);
	assert_int_equal(e[1], 1ull << 16 | 3);
	/* counters start over each epoch: unit 2's two do not carry */
	touch(d, 2, 1, 0);
	hm_chmu_advance(d, t0 + 2 * MS);
	assert_int_equal(drain(d, 0, e, 16), 0);
	touch(d, 2, 3, 0);
	hm_chmu_advance(d, t0 + 5 * MS);	/* empty epochs are skipped over */
	n = drain(d, 0, e, 16);
	assert_int_equal(n, 1);
	assert_int_equal(e[0], 2ull << 16 | 3);
	hm_chmu_free(d);
}

/* Per-counter epochs: each counter's epoch starts at its first touch. */
static void test_epoch_per_counter(void **state)
{
	struct hm_chmu_desc desc = preset("default");
	struct hm_chmu *d;
	uint64_t e[16], t0;

	(void)state;
	desc.epoch_type = 1;
	desc.tracker.kind = HM_TRACKER_EXACT;
	d = device(&desc);
	program(d, 0, &rfc);
	t0 = hm_chmu_now(d);
	touch(d, 7, 3, 0);			/* unit 7's epoch: t0 .. t0 + 1 ms */
	hm_chmu_advance(d, t0 + MS / 2);
	touch(d, 9, 4, 0);			/* unit 9's: t0 + 0.5 .. 1.5 ms */
	touch(d, 7, 1, 0);
	hm_chmu_advance(d, t0 + MS);
	assert_int_equal(drain(d, 0, e, 16), 1);
	assert_int_equal(e[0], 7ull << 16 | 4);
	hm_chmu_advance(d, t0 + MS + MS / 4);
	assert_int_equal(drain(d, 0, e, 16), 0);
	touch(d, 7, 3, 0);			/* a new epoch for unit 7 */
	hm_chmu_advance(d, t0 + MS + MS / 2);
	assert_int_equal(drain(d, 0, e, 16), 1);
	assert_int_equal(e[0], 9ull << 16 | 4);
	hm_chmu_advance(d, t0 + 3 * MS);
	assert_int_equal(drain(d, 0, e, 16), 1);
	assert_int_equal(e[0], 7ull << 16 | 3);
	hm_chmu_free(d);
	/* a Count-Min sketch cannot free one counter: such a device is refused */
	desc.tracker = (struct hm_tracker_spec){ .kind = HM_TRACKER_CMS, .depth = 2,
						 .width = 64, .candidates = 4 };
	{
		char err[256];

		assert_null(hm_chmu_new(&desc, 1, err, sizeof(err)));
		assert_non_null(strstr(err, "per-counter epochs"));
	}
}

/* Always on: an entry each time a counter reaches the threshold. */
static void test_always_on(void **state)
{
	static const char *const trackers[] = { "exact", "table:8", "topk:8", "lfu:4x2",
						"cms:4x256+8" };
	size_t k;

	(void)state;
	for (k = 0; k < ARRAY_SIZE(trackers); k++) {
		struct hm_chmu_desc desc = preset("default");
		struct prog p = rfc;
		struct hm_chmu *d;
		uint64_t e[16];
		char err[64];

		assert_int_equal(hm_tracker_parse(trackers[k], &desc.tracker, err, sizeof(err)), 0);
		d = device(&desc);
		p.mode = 1;
		p.thr = 4;
		program(d, 0, &p);
		touch(d, 3, 10, 0);		/* reaches 4 twice, 2 left over */
		assert_int_equal(drain(d, 0, e, 16), 2);
		assert_int_equal(e[0], 3ull << 16 | 4);
		assert_int_equal(e[1], 3ull << 16 | 4);
		touch(d, 3, 2, 0);		/* the leftover two and two more: a third */
		assert_int_equal(drain(d, 0, e, 16), 1);
		hm_chmu_free(d);
	}
}

/*
 * @n accesses at once give what @n single accesses give, for every tracker,
 * both modes and fixed downsampling: the same entries and counters.
 */
static void test_access_n(void **state)
{
	static const char *const trackers[] = { "exact", "table:8", "topk:8", "lfu:4x2",
						"cms:4x256+8" };
	static const unsigned int counts[] = { 1, 3, 7, 10, 25, 4, 9 };
	size_t k, mode, ds, i;

	(void)state;
	for (k = 0; k < ARRAY_SIZE(trackers); k++)
		for (mode = 0; mode < 2; mode++)
			for (ds = 0; ds < 3; ds += 2) {
				struct hm_chmu_desc desc = preset("default");
				struct hm_chmu *a, *b;
				struct hm_chmu_stats sa, sb;
				struct prog p = rfc;
				uint64_t ea[64], eb[64];
				size_t na, nb;
				char err[64];

				assert_int_equal(hm_tracker_parse(trackers[k], &desc.tracker, err,
								  sizeof(err)), 0);
				a = device(&desc);
				b = device(&desc);
				p.mode = (unsigned int)mode;
				p.thr = 4;
				p.ds = (unsigned int)ds;
				program(a, 0, &p);
				program(b, 0, &p);
				for (i = 0; i < ARRAY_SIZE(counts); i++) {
					touch(a, i % 3, counts[i], 0);
					hm_chmu_access_n(b, (i % 3) * 4096 + 64, 0, counts[i]);
				}
				hm_chmu_advance(a, hm_chmu_now(a) + 2 * MS);
				hm_chmu_advance(b, hm_chmu_now(b) + 2 * MS);
				na = drain(a, 0, ea, 64);
				nb = drain(b, 0, eb, 64);
				assert_int_equal(na, nb);
				assert_memory_equal(ea, eb, na * sizeof(ea[0]));
				hm_chmu_get_stats(a, 0, &sa);
				hm_chmu_get_stats(b, 0, &sb);
				assert_memory_equal(&sa, &sb, sizeof(sa));
				hm_chmu_free(a);
				hm_chmu_free(b);
			}
}

static unsigned int irqs;

static void on_irq(void *arg, unsigned int inst)
{
	(void)arg;
	(void)inst;
	irqs++;
}

/* A 4-entry ring holds 3: overflow, drops, the W1C bit, wrap-around, order. */
static void test_ring(void **state)
{
	struct hm_chmu_desc desc = preset("default");
	struct prog p = rfc;
	struct hm_chmu *d;
	struct hm_chmu_stats st;
	uint64_t e[16], s;
	uint16_t tail;
	unsigned int u;

	(void)state;
	desc.hotlist_size = 4;
	desc.tracker.kind = HM_TRACKER_EXACT;
	d = device(&desc);
	hm_chmu_set_irq(d, on_irq, NULL);
	p.mode = 1;
	p.thr = 1;				/* every access is an entry */
	p.fill = 1;				/* fill interrupt above 1 entry */
	p.irqs = true;
	program(d, 0, &p);
	irqs = 0;
	for (u = 0; u < 5; u++)
		touch(d, u, 1, 0);
	s = rd(d, 0, HM_CHMU_STATUS);
	assert_true(s & HM_CHMU_STATUS_OVERFLOW && s & HM_CHMU_STATUS_FILL);
	assert_int_equal(irqs, 2);		/* each bit fires once, on its edge */
	hm_chmu_get_stats(d, 0, &st);
	assert_int_equal(st.entries, 3);
	assert_int_equal(st.dropped, 2);
	/* W1C: writing 0 keeps the bits, writing 1 clears only that one */
	wr(d, 0, HM_CHMU_STATUS, 0);
	assert_true(rd(d, 0, HM_CHMU_STATUS) & HM_CHMU_STATUS_OVERFLOW);
	wr(d, 0, HM_CHMU_STATUS, HM_CHMU_STATUS_OVERFLOW | HM_CHMU_STATUS_ENABLED);
	s = rd(d, 0, HM_CHMU_STATUS);
	assert_false(s & HM_CHMU_STATUS_OVERFLOW);
	assert_true(s & HM_CHMU_STATUS_FILL && s & HM_CHMU_STATUS_ENABLED);
	assert_int_equal(drain(d, 0, e, 16), 3);
	assert_int_equal(e[0] >> 16, 0);
	assert_int_equal(e[2] >> 16, 2);
	/* the head may not pass the tail */
	assert_int_equal(hm_chmu_write16(d, base(d, 0) + HM_CHMU_HEAD, 2), 0);
	hm_chmu_read16(d, base(d, 0) + HM_CHMU_TAIL, &tail);
	assert_int_equal(tail, 3);
	/* wrap: three more go to slots 3, 0, 1 and come out in order */
	for (u = 10; u < 13; u++)
		touch(d, u, 1, 0);
	assert_int_equal(drain(d, 0, e, 16), 3);
	assert_int_equal(e[0] >> 16, 10);
	assert_int_equal(e[1] >> 16, 11);
	assert_int_equal(e[2] >> 16, 12);
	hm_chmu_read16(d, base(d, 0) + HM_CHMU_TAIL, &tail);
	assert_int_equal(tail, 2);
	hm_chmu_free(d);
}

/* With "postponed on overflow", entries that do not fit wait, in order. */
static void test_postpone(void **state)
{
	struct hm_chmu_desc desc = preset("default");
	struct prog p = rfc;
	struct hm_chmu *d;
	struct hm_chmu_stats st;
	uint64_t e[16];
	unsigned int u;

	(void)state;
	desc.hotlist_size = 4;
	desc.postpone = true;
	desc.postpone_depth = 2;
	desc.tracker.kind = HM_TRACKER_EXACT;
	d = device(&desc);
	assert_true(rd(d, 0, HM_CHMU_CAP1) & HM_CHMU_CAP1_POSTPONE);
	p.mode = 1;
	p.thr = 1;
	program(d, 0, &p);
	for (u = 0; u < 6; u++)
		touch(d, u, 1, 0);
	hm_chmu_get_stats(d, 0, &st);
	assert_int_equal(st.postponed, 2);
	assert_int_equal(st.dropped, 1);	/* the backlog holds two */
	assert_int_equal(drain(d, 0, e, 16), 3);
	/* freeing the ring brought the two waiting ones in */
	assert_int_equal(drain(d, 0, e, 16), 2);
	assert_int_equal(e[0] >> 16, 3);
	assert_int_equal(e[1] >> 16, 4);
	hm_chmu_free(d);
}

/* Without interrupt support nothing is raised: the host polls the status. */
static void test_polling(void **state)
{
	struct hm_chmu_desc desc = preset("default");
	struct prog p = rfc;
	struct hm_chmu *d;

	(void)state;
	desc.irq_fill = desc.irq_overflow = false;
	desc.hotlist_size = 4;
	d = device(&desc);
	hm_chmu_set_irq(d, on_irq, NULL);
	p.mode = 1;
	p.thr = 1;
	p.fill = 1;
	p.irqs = true;
	program(d, 0, &p);
	irqs = 0;
	touch(d, 1, 5, 0);
	assert_int_equal(irqs, 0);
	assert_true(rd(d, 0, HM_CHMU_STATUS) & HM_CHMU_STATUS_FILL);
	hm_chmu_free(d);
}

static uint64_t counted(struct hm_chmu *d)
{
	struct hm_chmu_stats st;

	hm_chmu_get_stats(d, 0, &st);
	return st.counted;
}

static void test_downsampling(void **state)
{
	struct hm_chmu_desc desc = preset("default");
	struct prog p = rfc;
	struct hm_chmu *d;
	uint64_t e[4], i, a = 0, b = 0;

	(void)state;
	desc.tracker.kind = HM_TRACKER_EXACT;
	d = device(&desc);
	/* exactly every 4th access: 100 give a count of 25 */
	p.ds = 2;
	p.thr = 1;
	program(d, 0, &p);
	touch(d, 5, 100, 0);
	hm_chmu_advance(d, hm_chmu_now(d) + MS);
	assert_int_equal(drain(d, 0, e, 4), 1);
	assert_int_equal(e[0], 5ull << 16 | 25);
	/* a period-2 pattern aliases with a factor of 2: one unit is never seen */
	p.ds = 1;
	program(d, 0, &p);
	for (i = 0; i < 1000; i++)
		touch(d, i & 1, 1, 0);
	hm_chmu_advance(d, hm_chmu_now(d) + MS);
	assert_int_equal(drain(d, 0, e, 4), 1);
	assert_int_equal(e[0], 1ull << 16 | 500);
	/* randomized: both units, about half each */
	p.random = true;
	program(d, 0, &p);
	for (i = 0; i < 1000; i++)
		touch(d, i & 1, 1, 0);
	hm_chmu_advance(d, hm_chmu_now(d) + MS);
	assert_int_equal(drain(d, 0, e, 4), 2);
	a = e[0] & 0xffff;
	b = e[1] & 0xffff;
	assert_true(a > 150 && b > 150);
	hm_chmu_free(d);

	/* randomized 1-in-16 over 10^6 accesses: 62,500 within 5 deviations */
	d = device(&desc);
	p.ds = 4;
	p.random = true;
	program(d, 0, &p);
	for (i = 0; i < 1000000; i++)
		hm_chmu_access(d, (i % 4096) * 4096, 0);
	/* gaps uniform in [1, 31]: mean 16, variance 80; sd of the count sqrt(N var / 16^3) */
	assert_true(fabs((double)counted(d) - 62500) < 5 * sqrt(1e6 * 80 / 4096));
	hm_chmu_free(d);
}

static void test_filters(void **state)
{
	/* rows: types 1-6; columns: read, write, TEE read, TEE write */
	static const int want[6][4] = {
		{ 1, 0, 0, 0 }, { 0, 1, 0, 0 }, { 1, 1, 0, 0 },
		{ 1, 0, 1, 0 }, { 0, 1, 0, 1 }, { 1, 1, 1, 1 },
	};
	static const unsigned int flags[4] = { 0, HM_ACCESS_WRITE, HM_ACCESS_TEE,
					       HM_ACCESS_TEE | HM_ACCESS_WRITE };
	struct hm_chmu_desc desc = preset("default");
	struct prog p = rfc;
	struct hm_chmu *d = device(&desc);
	struct hm_chmu_stats st;
	unsigned int t, f;

	(void)state;
	for (t = 1; t <= 6; t++) {
		p.type = t;
		program(d, 0, &p);
		for (f = 0; f < 4; f++) {
			uint64_t before = counted(d);

			hm_chmu_access(d, 4096, flags[f]);
			assert_int_equal(counted(d) - before, want[t - 1][f]);
		}
	}
	/* only range 1 enabled: DPA [256 MiB, 512 MiB) */
	p.type = 6;
	p.bitmap0 = 2;
	program(d, 0, &p);
	hm_chmu_get_stats(d, 0, &st);
	t = (unsigned int)st.range_filtered;
	hm_chmu_access(d, 0, 0);
	hm_chmu_access(d, 256ull << 20, 0);
	hm_chmu_access(d, (512ull << 20) - 64, 0);
	hm_chmu_access(d, 512ull << 20, 0);
	hm_chmu_access(d, 300ull << 30, 0);	/* beyond the 256 GiB capacity */
	hm_chmu_get_stats(d, 0, &st);
	assert_int_equal(st.range_filtered - t, 3);
	hm_chmu_free(d);
}

static void test_saturation_and_width(void **state)
{
	struct hm_chmu_desc desc = preset("default");
	struct prog p = rfc;
	struct hm_chmu *d;
	uint64_t e[4];

	(void)state;
	desc.counter_width = 4;
	desc.tracker.kind = HM_TRACKER_EXACT;
	d = device(&desc);
	p.thr = 1;
	program(d, 0, &p);
	touch(d, 2, 100, 0);
	hm_chmu_advance(d, hm_chmu_now(d) + MS);
	assert_int_equal(drain(d, 0, e, 4), 1);
	assert_int_equal(e[0], 2ull << 4 | 15);	/* saturated at 2^4 - 1 */
	hm_chmu_free(d);
	/* the index rule: 2^44 bytes of 256-byte units need 36 bits; 28 are left */
	desc.counter_width = 0;
	desc.capacity = 1ull << 44;
	desc.hotlist_size = 64;
	d = device(&desc);
	wr(d, 0, HM_CHMU_CFG1, 8);
	assert_int_equal(HM_CHMU_STATUS_WIDTH(rd(d, 0, HM_CHMU_STATUS)), 28);
	wr(d, 0, HM_CHMU_CFG1, 21);		/* 2 MiB units: 23 bits, 41 left, 32 at most */
	assert_int_equal(HM_CHMU_STATUS_WIDTH(rd(d, 0, HM_CHMU_STATUS)), 32);
	hm_chmu_free(d);
}

static void test_overlap(void **state)
{
	struct hm_chmu_desc desc = preset("default");
	struct prog p = rfc;
	struct hm_chmu *d;

	(void)state;
	desc.nr_instances = 2;
	d = device(&desc);
	program(d, 0, &p);
	program(d, 1, &p);			/* the same range 0 */
	assert_false(rd(d, 1, HM_CHMU_STATUS) & HM_CHMU_STATUS_ENABLED);
	assert_non_null(strstr(hm_chmu_last_error(d, 1), "overlap instance 0's"));
	p.bitmap0 = 2;
	program(d, 1, &p);
	assert_true(rd(d, 1, HM_CHMU_STATUS) & HM_CHMU_STATUS_ENABLED);
	hm_chmu_free(d);
	desc.overlap = true;
	d = device(&desc);
	p.bitmap0 = 1;
	program(d, 0, &p);
	program(d, 1, &p);
	assert_true(rd(d, 1, HM_CHMU_STATUS) & HM_CHMU_STATUS_ENABLED);
	/* both count the same access */
	hm_chmu_access(d, 4096, 0);
	{
		struct hm_chmu_stats a, b;

		hm_chmu_get_stats(d, 0, &a);
		hm_chmu_get_stats(d, 1, &b);
		assert_int_equal(a.counted, 1);
		assert_int_equal(b.counted, 1);
	}
	hm_chmu_free(d);
}

static void test_bad_descriptions(void **state)
{
	struct hm_chmu_desc desc = preset("default");
	char err[256];

	(void)state;
	desc.hotlist_size = 1;
	assert_null(hm_chmu_new(&desc, 1, err, sizeof(err)));
	assert_non_null(strstr(err, "hotlist size: 1"));
	desc = preset("default");
	desc.hotlist_size = 65535;
	assert_null(hm_chmu_new(&desc, 1, err, sizeof(err)));
	assert_non_null(strstr(err, "16-bit instance length"));
	desc = preset("default");
	desc.access_types = 0x40;
	assert_null(hm_chmu_new(&desc, 1, err, sizeof(err)));
	assert_non_null(strstr(err, "access types"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_register_semantics),
		cmocka_unit_test(test_refused_enable),
		cmocka_unit_test(test_epoch_global),
		cmocka_unit_test(test_epoch_per_counter),
		cmocka_unit_test(test_always_on),
		cmocka_unit_test(test_access_n),
		cmocka_unit_test(test_ring),
		cmocka_unit_test(test_postpone),
		cmocka_unit_test(test_polling),
		cmocka_unit_test(test_downsampling),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_saturation_and_width),
		cmocka_unit_test(test_overlap),
		cmocka_unit_test(test_bad_descriptions),
	};

	return hm_run_tests(tests);
}
