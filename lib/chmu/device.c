// SPDX-License-Identifier: MIT
/*
 * The emulated CHMU: a register block with one or more instances, each
 * with capability, configuration and status registers, a range bitmap and a
 * hotlist ring, behind the offsets of CXL r3.2 section 8.2.8 as the Linux
 * RFC driver and QEMU read them. Accesses pass the access-type filter, the
 * range bitmap and downsampling, and are counted per unit by the instance's
 * tracker; reports reach the ring at the end of each epoch (global or
 * per-counter) or when a counter reaches the threshold (always on). Time
 * moves only in hm_chmu_advance(), so a run is exact and repeatable.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hotmem/chmu.h>
#include <hotmem/parse.h>
#include <hotmem/rand.h>
#include <hotmem/workload.h>

#define MAX_WIDTH 32		/* counters and entry counts are at most 32 bits */

/* cfg0 bits the host may set; the rest is reserved */
#define CFG0_RW (0xffull | HM_CHMU_CFG0_RANDOM_DS | HM_CHMU_CFG0_IRQ_OVERFLOW | \
		 HM_CHMU_CFG0_IRQ_FILL | HM_CHMU_CFG0_ENABLE | HM_CHMU_CFG0_RESET | \
		 0xffffffff00000000ull)
/* cfg1: unit 31:0, downsampling 35:32, mode 47:40, scale 51:48, multiplier 63:52 */
#define CFG1_RW (0xffffffffull | 0xfull << 32 | 0xffull << 40 | 0xfull << 48 | \
		 0xfffull << 52)
#define STATUS_W1C (HM_CHMU_STATUS_OVERFLOW | HM_CHMU_STATUS_FILL)

struct pending {		/* a per-counter epoch waiting to end */
	uint64_t unit;
	uint64_t first_ns;
};

struct inst {
	uint64_t cfg0, cfg1, cfg2;
	uint64_t status;	/* the W1C bits; the rest is computed */
	uint16_t head, tail;
	uint64_t *bitmap;
	uint64_t *ring;
	bool enabled;
	enum hm_chmu_op op;
	uint64_t op_done_ns;
	/* while enabled */
	struct hm_tracker *tr;
	uint32_t thr;
	uint32_t width;
	unsigned int unit_log2;
	unsigned int type;
	enum hm_chmu_mode mode;
	uint64_t epoch_ns;
	uint64_t epoch_end_ns;
	uint64_t ds_mask;	/* factor - 1 */
	bool ds_random;
	uint64_t ds_seen;
	uint64_t ds_left;
	struct pending *pend;	/* per-counter epochs, oldest first */
	size_t pend_head, pend_n, pend_cap;
	uint64_t *backlog;	/* postponed entries */
	size_t backlog_n;
	struct hm_chmu_stats st;
	char error[160];
};

struct hm_chmu {
	struct hm_chmu_desc desc;
	uint64_t inst_len;
	uint64_t bitmap_words;
	uint64_t hotlist_off;	/* from the instance base */
	uint64_t now_ns;
	struct hm_rand rng;
	void (*irq)(void *arg, unsigned int inst);
	void *irq_arg;
	uint64_t seed;
	struct inst *in;
};

const char *const hm_chmu_preset_names[] = { "default", "qemu", NULL };

static const struct hm_tracker_spec default_tracker = {
	.kind = HM_TRACKER_CMS, .depth = 4, .width = 16384, .candidates = 1024,
};

int hm_chmu_preset(const char *name, struct hm_chmu_desc *d)
{
	memset(d, 0, sizeof(*d));
	if (!strcmp(name, "default")) {
		/* runs the Linux RFC's example event: type 6, 4 KiB units, 1024 ranges */
		d->nr_instances = 1;
		d->hotlist_size = 1024;
		d->unit_sizes = 0x3fff;		/* 256 B .. 2 MiB */
		d->ds_factors = 0xffff;		/* 1 .. 32768 */
		d->min_scale = 1;		/* 100 us */
		d->min_mult = 1;
		d->max_scale = 5;		/* 4095 s */
		d->max_mult = 4095;
		d->epoch_mode = d->always_on = true;
		d->access_types = 0x3f;		/* all six */
		d->irq_overflow = d->irq_fill = true;
		d->random_ds = true;
		d->counter_width = 16;
		d->capacity = 256ull << 30;	/* 1024 ranges of 256 MiB */
		d->tracker = default_tracker;
		d->op_delay_ns = 10000;
		return 0;
	}
	if (!strcmp(name, "qemu")) {
		/* QEMU's cxl-chmu (RFC v2): an oracle, epoch mode, non-TEE only */
		d->nr_instances = 1;
		d->hotlist_size = 1024;
		d->unit_sizes = 0x30;		/* 4 KiB and 8 KiB */
		d->ds_factors = 0x1;		/* full rate (QEMU meant BIT(0)) */
		d->min_scale = 4;		/* 100 ms */
		d->min_mult = 1;
		d->max_scale = 5;		/* 100 s */
		d->max_mult = 100;
		d->epoch_mode = true;
		d->access_types = 0x07;		/* non-TEE read, write, read/write */
		d->irq_overflow = d->irq_fill = true;
		d->random_ds = d->overlap = true;
		d->counter_width = 16;
		d->capacity = 1ull << 40;	/* its bitmap is sized for 1 TB */
		d->tracker.kind = HM_TRACKER_EXACT;
		d->op_delay_ns = 10000;
		return 0;
	}
	return -ENOENT;
}

uint64_t hm_chmu_epoch_ns(unsigned int scale, unsigned int mult)
{
	static const uint64_t unit_ns[] = { 0, 100000, 1000000, 10000000, 100000000,
					    1000000000 };

	if (scale < 1 || scale > 5)
		return 0;
	return unit_ns[scale] * mult;
}

int hm_chmu_epoch_encode(uint64_t ns, unsigned int *scale, unsigned int *mult)
{
	unsigned int s;

	/* the finest scale whose 12-bit multiplier reaches @ns */
	for (s = 1; s <= 5; s++) {
		uint64_t u = hm_chmu_epoch_ns(s, 1);

		if (ns >= u && ns / u <= 4095) {
			*scale = s;
			*mult = (unsigned int)(ns / u);
			return 0;
		}
	}
	return -EINVAL;
}

static uint64_t cap0(const struct hm_chmu_desc *d)
{
	return (uint64_t)(d->msi & 0xf) | (d->irq_overflow ? HM_CHMU_CAP0_IRQ_OVERFLOW : 0) |
	       (d->irq_fill ? HM_CHMU_CAP0_IRQ_FILL : 0) | (uint64_t)(d->epoch_type & 3) << 6 |
	       (uint64_t)d->access_types << 8 | (uint64_t)(d->max_scale & 0xf) << 16 |
	       (uint64_t)(d->max_mult & 0xfff) << 20 | (uint64_t)(d->min_scale & 0xf) << 32 |
	       (uint64_t)(d->min_mult & 0xfff) << 36 | (uint64_t)d->hotlist_size << 48;
}

static uint64_t cap1(const struct hm_chmu_desc *d)
{
	return (uint64_t)d->unit_sizes | (uint64_t)d->ds_factors << 32 |
	       (d->epoch_mode ? HM_CHMU_CAP1_EPOCH : 0) |
	       (d->always_on ? HM_CHMU_CAP1_ALWAYS_ON : 0) |
	       (d->random_ds ? HM_CHMU_CAP1_RANDOM_DS : 0) |
	       (d->overlap ? HM_CHMU_CAP1_OVERLAP : 0) | (d->postpone ? HM_CHMU_CAP1_POSTPONE : 0);
}

static unsigned int log2_ceil(uint64_t x)
{
	unsigned int n = 0;

	while (n < 64 && (1ull << n) < x)
		n++;
	return n;
}

/* The counter width for a unit of 2^@unit_log2 bytes (0 if unsupported). */
static uint32_t width_for(const struct hm_chmu *d, unsigned int unit_log2)
{
	unsigned int idx;

	if (unit_log2 < 8 || unit_log2 > 39 || !(d->desc.unit_sizes >> (unit_log2 - 8) & 1))
		return 0;
	if (d->desc.counter_width)
		return d->desc.counter_width;
	idx = log2_ceil(d->desc.capacity >> unit_log2);
	return 64 - idx > MAX_WIDTH ? MAX_WIDTH : 64 - idx;
}

struct hm_chmu *hm_chmu_new(const struct hm_chmu_desc *desc, uint64_t seed, char *err,
			    size_t errlen)
{
	const struct hm_chmu_desc *dd = desc;
	struct hm_chmu *d;
	uint64_t ranges;
	unsigned int i;

#define REFUSE(...)                               \
	do {                                      \
		hm_errmsg(err, errlen, __VA_ARGS__); \
		errno = EINVAL;                   \
		return NULL;                      \
	} while (0)
	if (!dd->nr_instances)
		REFUSE("instances: at least one");
	if (dd->hotlist_size < 2)
		REFUSE("hotlist size: %u; at least 2 entries (the ring holds one less)",
		       dd->hotlist_size);
	if (!dd->unit_sizes)
		REFUSE("unit sizes: none supported");
	if (!dd->ds_factors)
		REFUSE("downsampling factors: none supported (bit 0 is full rate)");
	if (!dd->epoch_mode && !dd->always_on)
		REFUSE("modes: neither epoch nor always-on supported");
	if (!dd->access_types || dd->access_types & ~0x3fu)
		REFUSE("access types: 0x%x; bits 0-5 for types 1-6", dd->access_types);
	if (dd->epoch_type > 1)
		REFUSE("epoch type: %u; 0 global or 1 per counter", dd->epoch_type);
	if (dd->epoch_mode && (!hm_chmu_epoch_ns(dd->min_scale, dd->min_mult) ||
			       !hm_chmu_epoch_ns(dd->max_scale, dd->max_mult) ||
			       dd->min_mult > 4095 || dd->max_mult > 4095 ||
			       hm_chmu_epoch_ns(dd->min_scale, dd->min_mult) >
				       hm_chmu_epoch_ns(dd->max_scale, dd->max_mult)))
		REFUSE("epoch range: scales 1-5 and multipliers 1-4095, minimum below maximum");
	if (dd->counter_width > MAX_WIDTH)
		REFUSE("counter width: %u; at most %d", dd->counter_width, MAX_WIDTH);
	if (dd->capacity < (1ull << HM_CHMU_RANGE_SHIFT) || dd->capacity > (1ull << 52))
		REFUSE("capacity: between 256 MiB and 4 PiB");
	if (dd->epoch_type == 1 && dd->tracker.kind == HM_TRACKER_CMS)
		REFUSE("tracker: per-counter epochs free one counter at a time, which a "
		       "Count-Min sketch cannot; use exact, table, topk or lfu");
	if (dd->msi > 15)
		REFUSE("msi: %u; 0-15", dd->msi);
#undef REFUSE

	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->desc = *desc;
	d->seed = seed;
	hm_rand_seed(&d->rng, seed);
	ranges = (dd->capacity + (1ull << HM_CHMU_RANGE_SHIFT) - 1) >> HM_CHMU_RANGE_SHIFT;
	d->bitmap_words = (ranges + 63) / 64;
	d->hotlist_off = HM_CHMU_BITMAP + d->bitmap_words * 8;
	d->inst_len = d->hotlist_off + (uint64_t)dd->hotlist_size * 8;
	if (d->inst_len > 0xffff) {
		hm_errmsg(err, errlen, "hotlist size and capacity: an instance of %llu bytes does "
			  "not fit the 16-bit instance length (at most 65535)",
			  (unsigned long long)d->inst_len);
		free(d);
		errno = EINVAL;
		return NULL;
	}
	d->in = calloc(dd->nr_instances, sizeof(*d->in));
	if (!d->in)
		goto nomem;
	for (i = 0; i < dd->nr_instances; i++) {
		d->in[i].bitmap = calloc(d->bitmap_words, 8);
		d->in[i].ring = calloc(dd->hotlist_size, 8);
		if (!d->in[i].bitmap || !d->in[i].ring)
			goto nomem;
	}
	return d;
nomem:
	hm_chmu_free(d);
	errno = ENOMEM;
	return NULL;
}

void hm_chmu_free(struct hm_chmu *d)
{
	unsigned int i;

	if (!d)
		return;
	for (i = 0; d->in && i < d->desc.nr_instances; i++) {
		free(d->in[i].bitmap);
		free(d->in[i].ring);
		free(d->in[i].pend);
		free(d->in[i].backlog);
		hm_tracker_free(d->in[i].tr);
	}
	free(d->in);
	free(d);
}

const struct hm_chmu_desc *hm_chmu_get_desc(const struct hm_chmu *d)
{
	return &d->desc;
}

uint64_t hm_chmu_block_size(const struct hm_chmu *d)
{
	return HM_CHMU_INST0 + d->inst_len * d->desc.nr_instances;
}

uint64_t hm_chmu_now(const struct hm_chmu *d)
{
	return d->now_ns;
}

void hm_chmu_set_irq(struct hm_chmu *d, void (*fn)(void *arg, unsigned int inst), void *arg)
{
	d->irq = fn;
	d->irq_arg = arg;
}

void hm_chmu_get_stats(const struct hm_chmu *d, unsigned int inst, struct hm_chmu_stats *st)
{
	*st = d->in[inst].st;
}

const struct hm_tracker *hm_chmu_tracker(const struct hm_chmu *d, unsigned int inst)
{
	return d->in[inst].enabled ? d->in[inst].tr : NULL;
}

const char *hm_chmu_last_error(const struct hm_chmu *d, unsigned int inst)
{
	return d->in[inst].error;
}

/* ---- the hotlist ring ------------------------------------------------------------ */

static uint32_t ring_fill(const struct hm_chmu *d, const struct inst *in)
{
	return (uint32_t)((in->tail + d->desc.hotlist_size - in->head) % d->desc.hotlist_size);
}

/* Set a W1C status bit; raise the interrupt on its 0 -> 1 edge when enabled. */
static void raise(struct hm_chmu *d, unsigned int idx, uint64_t bit)
{
	struct inst *in = &d->in[idx];
	bool was = in->status & bit, irq;

	in->status |= bit;
	if (was)
		return;
	if (bit == HM_CHMU_STATUS_OVERFLOW)
		irq = d->desc.irq_overflow && (in->cfg0 & HM_CHMU_CFG0_IRQ_OVERFLOW);
	else
		irq = d->desc.irq_fill && (in->cfg0 & HM_CHMU_CFG0_IRQ_FILL);
	if (irq && d->irq)
		d->irq(d->irq_arg, idx);
}

/* Put @entry in the ring; false if it is full. */
static bool ring_put(struct hm_chmu *d, unsigned int idx, uint64_t entry)
{
	struct inst *in = &d->in[idx];

	if (ring_fill(d, in) == d->desc.hotlist_size - 1u)
		return false;
	in->ring[in->tail] = entry;
	in->tail = (uint16_t)((in->tail + 1) % d->desc.hotlist_size);
	in->st.entries++;
	if (ring_fill(d, in) > HM_CHMU_CFG2_FILL(in->cfg2))
		raise(d, idx, HM_CHMU_STATUS_FILL);
	return true;
}

static void report(struct hm_chmu *d, unsigned int idx, uint64_t unit, uint32_t count)
{
	struct inst *in = &d->in[idx];
	uint64_t max = (1ull << in->width) - 1;
	uint64_t entry = unit << in->width | (count > max ? max : count);

	if (!in->backlog_n && ring_put(d, idx, entry))
		return;
	in->st.overflows++;
	if (d->desc.postpone && in->backlog_n < d->desc.postpone_depth) {
		if (!in->backlog) {
			in->backlog = calloc(d->desc.postpone_depth, sizeof(*in->backlog));
			if (!in->backlog) {
				in->st.dropped++;
				raise(d, idx, HM_CHMU_STATUS_OVERFLOW);
				return;
			}
		}
		in->backlog[in->backlog_n++] = entry;
		in->st.postponed++;
	} else {
		in->st.dropped++;
	}
	raise(d, idx, HM_CHMU_STATUS_OVERFLOW);
}

/* The host freed space: move postponed entries in, oldest first. */
static void flush_backlog(struct hm_chmu *d, unsigned int idx)
{
	struct inst *in = &d->in[idx];
	size_t k = 0;

	while (k < in->backlog_n && ring_put(d, idx, in->backlog[k]))
		k++;
	memmove(in->backlog, in->backlog + k, (in->backlog_n - k) * sizeof(*in->backlog));
	in->backlog_n -= k;
}

/* ---- operations: enable, disable, reset ------------------------------------------- */

static bool type_supported(const struct hm_chmu *d, unsigned int t)
{
	return t >= 1 && t <= 6 && (d->desc.access_types >> (t - 1) & 1);
}

static bool bitmaps_overlap(const struct hm_chmu *d, unsigned int a, unsigned int b)
{
	uint64_t w;

	for (w = 0; w < d->bitmap_words; w++)
		if (d->in[a].bitmap[w] & d->in[b].bitmap[w])
			return true;
	return false;
}

/* Say why in @why and refuse. */
#define NO(...)                                  \
	do {                                     \
		hm_errmsg(why, len, __VA_ARGS__); \
		return false;                    \
	} while (0)

/* Can @idx be enabled as configured? If not, @why says why. */
static bool config_ok(struct hm_chmu *d, unsigned int idx, char *why, size_t len)
{
	struct inst *in = &d->in[idx];
	const struct hm_chmu_desc *dd = &d->desc;
	unsigned int type = HM_CHMU_CFG0_TYPE(in->cfg0), unit = HM_CHMU_CFG1_UNIT(in->cfg1);
	unsigned int ds = (unsigned int)HM_CHMU_CFG1_DS(in->cfg1);
	unsigned int mode = (unsigned int)HM_CHMU_CFG1_MODE(in->cfg1);
	unsigned int scale = (unsigned int)HM_CHMU_CFG1_SCALE(in->cfg1);
	unsigned int mult = (unsigned int)HM_CHMU_CFG1_MULT(in->cfg1);
	uint32_t width = width_for(d, unit);
	unsigned int j;

	if (!type_supported(d, type))
		NO("access type %u is not supported", type);
	if (!width)
		NO("unit size 2^%u is not supported", unit);
	if (!(dd->ds_factors >> ds & 1))
		NO("downsampling 2^%u is not supported", ds);
	if ((in->cfg0 & HM_CHMU_CFG0_RANDOM_DS) && !dd->random_ds)
		NO("randomized downsampling is not supported");
	if (mode > 1 || (mode == 0 && !dd->epoch_mode) || (mode == 1 && !dd->always_on))
		NO("reporting mode %u is not supported", mode);
	if (mode == 0) {
		uint64_t e = hm_chmu_epoch_ns(scale, mult);

		if (!e || e < hm_chmu_epoch_ns(dd->min_scale, dd->min_mult) ||
		    e > hm_chmu_epoch_ns(dd->max_scale, dd->max_mult))
			NO("epoch scale %u x multiplier %u is outside the device's range",
			   scale, mult);
	}
	if (width < 32 && HM_CHMU_CFG0_THRESHOLD(in->cfg0) >= (1ull << width))
		NO("threshold %u does not fit a %u-bit counter", HM_CHMU_CFG0_THRESHOLD(in->cfg0),
		   width);
	for (j = 0; !dd->overlap && j < dd->nr_instances; j++)
		if (j != idx && d->in[j].enabled && bitmaps_overlap(d, idx, j))
			NO("its ranges overlap instance %u's and the device does not support "
			   "overlap", j);
	return true;
}
#undef NO

static uint64_t ds_gap(struct hm_chmu *d, struct inst *in)
{
	/* uniform in [1, 2F - 1]: a mean of F, never periodic */
	return 1 + hm_rand_below(&d->rng, 2 * (in->ds_mask + 1) - 1);
}

static void do_enable(struct hm_chmu *d, unsigned int idx)
{
	struct inst *in = &d->in[idx];

	in->error[0] = '\0';
	if (!config_ok(d, idx, in->error, sizeof(in->error))) {
		in->cfg0 &= ~HM_CHMU_CFG0_ENABLE;
		in->st.refused++;
		return;
	}
	in->unit_log2 = HM_CHMU_CFG1_UNIT(in->cfg1);
	in->width = width_for(d, in->unit_log2);
	in->type = HM_CHMU_CFG0_TYPE(in->cfg0);
	in->thr = HM_CHMU_CFG0_THRESHOLD(in->cfg0);
	in->mode = HM_CHMU_CFG1_MODE(in->cfg1) ? HM_CHMU_MODE_ALWAYS_ON : HM_CHMU_MODE_EPOCH;
	in->epoch_ns = hm_chmu_epoch_ns((unsigned int)HM_CHMU_CFG1_SCALE(in->cfg1),
					(unsigned int)HM_CHMU_CFG1_MULT(in->cfg1));
	in->ds_mask = (1ull << HM_CHMU_CFG1_DS(in->cfg1)) - 1;
	in->ds_random = in->cfg0 & HM_CHMU_CFG0_RANDOM_DS;
	in->ds_seen = 0;
	in->ds_left = in->ds_random ? ds_gap(d, in) : 0;
	hm_tracker_free(in->tr);
	in->tr = hm_tracker_new(&d->desc.tracker,
				in->width >= 32 ? UINT32_MAX : (uint32_t)((1ull << in->width) - 1),
				d->seed + idx);
	if (!in->tr) {
		hm_errmsg(in->error, sizeof(in->error), "no memory for the tracker");
		in->cfg0 &= ~HM_CHMU_CFG0_ENABLE;
		in->st.refused++;
		return;
	}
	in->pend_head = in->pend_n = 0;
	in->epoch_end_ns = d->now_ns + in->epoch_ns;
	in->enabled = true;
}

static void start_op(struct hm_chmu *d, unsigned int idx, enum hm_chmu_op op)
{
	struct inst *in = &d->in[idx];

	in->op = op;
	in->op_done_ns = d->now_ns + d->desc.op_delay_ns;
}

static void finish_op(struct hm_chmu *d, unsigned int idx)
{
	struct inst *in = &d->in[idx];
	enum hm_chmu_op op = in->op;

	in->op = HM_CHMU_OP_NONE;
	switch (op) {
	case HM_CHMU_OP_ENABLE:
		do_enable(d, idx);
		break;
	case HM_CHMU_OP_DISABLE:
		in->enabled = false;
		break;
	case HM_CHMU_OP_RESET:
		in->cfg0 &= ~HM_CHMU_CFG0_RESET;
		if (in->tr)
			hm_tracker_reset(in->tr);
		in->pend_head = in->pend_n = 0;
		break;
	default:
		break;
	}
}

/* ---- registers ------------------------------------------------------------------- */

/* The instance and the offset within it, or -1 for the common registers. */
static int locate(const struct hm_chmu *d, uint64_t off, uint64_t *rel)
{
	uint64_t idx;

	if (off < HM_CHMU_INST0) {
		*rel = off;
		return -1;
	}
	idx = (off - HM_CHMU_INST0) / d->inst_len;
	*rel = (off - HM_CHMU_INST0) % d->inst_len;
	return (int)idx;
}

/* A 64-bit access at @off: aligned, inside the block; then locate it. */
static int locate64(const struct hm_chmu *d, uint64_t off, int *idx, uint64_t *rel)
{
	if (off & 7)
		return -EINVAL;
	if (off >= hm_chmu_block_size(d))
		return -ERANGE;
	*idx = locate(d, off, rel);
	return 0;
}

static uint64_t status_of(const struct hm_chmu *d, const struct inst *in)
{
	return (in->enabled ? HM_CHMU_STATUS_ENABLED : 0) | (uint64_t)in->op << 16 |
	       (uint64_t)width_for(d, HM_CHMU_CFG1_UNIT(in->cfg1)) << 32 | in->status;
}

int hm_chmu_read64(const struct hm_chmu *d, uint64_t off, uint64_t *val)
{
	const struct inst *in;
	uint64_t rel;
	int idx, ret = locate64(d, off, &idx, &rel);

	if (ret)
		return ret;
	*val = 0;
	if (idx < 0) {
		if (rel == HM_CHMU_COMMON_CAP0)
			*val = 1 | (uint64_t)d->desc.nr_instances << 8;
		else if (rel == HM_CHMU_COMMON_CAP1)
			*val = d->inst_len & 0xffff;
		return 0;
	}
	in = &d->in[idx];
	switch (rel) {
	case HM_CHMU_CAP0:
		*val = cap0(&d->desc);
		break;
	case HM_CHMU_CAP1:
		*val = cap1(&d->desc);
		break;
	case HM_CHMU_BITMAP_OFF:
		*val = HM_CHMU_BITMAP;
		break;
	case HM_CHMU_HOTLIST_OFF:
		*val = d->hotlist_off;
		break;
	case HM_CHMU_CFG0:
		*val = in->cfg0;
		break;
	case HM_CHMU_CFG1:
		*val = in->cfg1;
		break;
	case HM_CHMU_CFG2:
		*val = in->cfg2;
		break;
	case HM_CHMU_STATUS:
		*val = status_of(d, in);
		break;
	case HM_CHMU_HEAD:
		return -EINVAL;	/* head and tail are 16-bit registers */
	default:
		if (rel >= HM_CHMU_BITMAP && rel < d->hotlist_off)
			*val = in->bitmap[(rel - HM_CHMU_BITMAP) / 8];
		else if (rel >= d->hotlist_off)
			*val = in->ring[(rel - d->hotlist_off) / 8];
		break;
	}
	return 0;
}

static bool busy(const struct inst *in)
{
	return in->enabled || in->op != HM_CHMU_OP_NONE;
}

static void write_cfg0(struct hm_chmu *d, unsigned int idx, uint64_t val)
{
	struct inst *in = &d->in[idx];

	if (in->op != HM_CHMU_OP_NONE)
		return;		/* one operation at a time */
	if (in->enabled) {
		/* only clearing Enable is taken: the rest is locked while enabled */
		if (!(val & HM_CHMU_CFG0_ENABLE)) {
			in->cfg0 &= ~HM_CHMU_CFG0_ENABLE;
			start_op(d, idx, HM_CHMU_OP_DISABLE);
		}
		return;
	}
	in->cfg0 = val & CFG0_RW;
	if (val & HM_CHMU_CFG0_RESET) {
		in->cfg0 &= ~HM_CHMU_CFG0_ENABLE;	/* a reset first; enable afterwards */
		start_op(d, idx, HM_CHMU_OP_RESET);
	} else if (val & HM_CHMU_CFG0_ENABLE) {
		start_op(d, idx, HM_CHMU_OP_ENABLE);
	}
	if (!d->desc.op_delay_ns)
		finish_op(d, idx);
}

int hm_chmu_write64(struct hm_chmu *d, uint64_t off, uint64_t val)
{
	struct inst *in;
	uint64_t rel;
	int idx, ret = locate64(d, off, &idx, &rel);

	if (ret)
		return ret;
	if (idx < 0)
		return 0;	/* common capabilities: read only */
	in = &d->in[idx];
	switch (rel) {
	case HM_CHMU_CFG0:
		write_cfg0(d, (unsigned int)idx, val);
		break;
	case HM_CHMU_CFG1:
		if (!busy(in))
			in->cfg1 = val & CFG1_RW;
		break;
	case HM_CHMU_CFG2:
		if (!busy(in))
			in->cfg2 = val & 0xffff;
		break;
	case HM_CHMU_STATUS:
		in->status &= ~(val & STATUS_W1C);
		break;
	case HM_CHMU_HEAD:
		return -EINVAL;
	default:
		if (rel >= HM_CHMU_BITMAP && rel < d->hotlist_off && !busy(in)) {
			uint64_t w = (rel - HM_CHMU_BITMAP) / 8;
			uint64_t ranges = (d->desc.capacity + (1ull << HM_CHMU_RANGE_SHIFT) - 1) >>
					  HM_CHMU_RANGE_SHIFT;
			uint64_t valid = ranges >= (w + 1) * 64 ? UINT64_MAX :
					 (1ull << (ranges - w * 64)) - 1;

			in->bitmap[w] = val & valid;
		}
		break;	/* capabilities and the hotlist: read only */
	}
	return 0;
}

int hm_chmu_read16(const struct hm_chmu *d, uint64_t off, uint16_t *val)
{
	uint64_t rel;
	int idx;

	if (off >= hm_chmu_block_size(d))
		return -ERANGE;
	idx = locate(d, off, &rel);
	if (idx < 0 || (rel != HM_CHMU_HEAD && rel != HM_CHMU_TAIL))
		return -EINVAL;
	*val = rel == HM_CHMU_HEAD ? d->in[idx].head : d->in[idx].tail;
	return 0;
}

int hm_chmu_write16(struct hm_chmu *d, uint64_t off, uint16_t val)
{
	struct inst *in;
	uint64_t rel;
	int idx;

	if (off >= hm_chmu_block_size(d))
		return -ERANGE;
	idx = locate(d, off, &rel);
	if (idx < 0 || (rel != HM_CHMU_HEAD && rel != HM_CHMU_TAIL))
		return -EINVAL;
	in = &d->in[idx];
	if (val >= d->desc.hotlist_size)
		return 0;	/* not an index of the ring: ignored */
	if (rel == HM_CHMU_HEAD) {
		/* the host consumed up to here; it may not pass the tail */
		if (((uint32_t)val + d->desc.hotlist_size - in->head) % d->desc.hotlist_size >
		    ring_fill(d, in))
			return 0;
		in->head = val;
		if (in->backlog_n)
			flush_backlog(d, (unsigned int)idx);
	} else if (!busy(in)) {
		in->tail = val;	/* writable, as QEMU has it, but only while disabled */
	}
	return 0;
}

/* ---- counting ---------------------------------------------------------------------- */

static bool type_matches(unsigned int type, unsigned int flags)
{
	bool w = flags & HM_ACCESS_WRITE, tee = flags & HM_ACCESS_TEE;

	switch (type) {
	case 1:
		return !tee && !w;
	case 2:
		return !tee && w;
	case 3:
		return !tee;
	case 4:
		return !w;
	case 5:
		return w;
	default:
		return true;
	}
}

static void pend_push(struct inst *in, uint64_t unit, uint64_t first_ns)
{
	if (in->pend_n == in->pend_cap) {
		size_t cap = in->pend_cap ? in->pend_cap * 2 : 1024, i;
		struct pending *p = malloc(cap * sizeof(*p));

		if (!p)
			return;	/* that counter's epoch ends with the next reset */
		for (i = 0; i < in->pend_n; i++)
			p[i] = in->pend[(in->pend_head + i) % in->pend_cap];
		free(in->pend);
		in->pend = p;
		in->pend_cap = cap;
		in->pend_head = 0;
	}
	in->pend[(in->pend_head + in->pend_n++) % in->pend_cap] =
		(struct pending){ unit, first_ns };
}

/* A unit's counter went from @before to @after: the entries and epochs that follow. */
static void counted(struct hm_chmu *d, unsigned int idx, uint64_t unit, uint32_t before,
		    uint32_t after)
{
	struct inst *in = &d->in[idx];
	uint32_t thr, k;

	if (in->mode == HM_CHMU_MODE_ALWAYS_ON) {
		thr = in->thr ? in->thr : 1;
		if (hm_tracker_can_release(in->tr)) {
			if (after >= thr) {
				report(d, idx, unit, after);
				hm_tracker_release(in->tr, unit);
			}
		} else {
			/* a sketch cannot free a counter: report each multiple crossed */
			for (k = before / thr; k < after / thr; k++)
				report(d, idx, unit, thr);
		}
	} else if (d->desc.epoch_type == 1 && !before) {
		pend_push(in, unit, d->now_ns);
	}
}

static void count(struct hm_chmu *d, unsigned int idx, uint64_t unit)
{
	struct inst *in = &d->in[idx];
	uint32_t before, after;

	if (!hm_tracker_add(in->tr, unit, 1, d->now_ns, &before, &after)) {
		in->st.untracked++;
		return;
	}
	in->st.counted++;
	counted(d, idx, unit, before, after);
}

void hm_chmu_access(struct hm_chmu *d, uint64_t dpa, unsigned int flags)
{
	unsigned int i;

	for (i = 0; i < d->desc.nr_instances; i++) {
		struct inst *in = &d->in[i];
		uint64_t range = dpa >> HM_CHMU_RANGE_SHIFT;

		if (!in->enabled)
			continue;
		in->st.accesses++;
		if (!type_matches(in->type, flags)) {
			in->st.type_filtered++;
			continue;
		}
		if (dpa >= d->desc.capacity || !(in->bitmap[range / 64] >> (range % 64) & 1)) {
			in->st.range_filtered++;
			continue;
		}
		if (in->ds_random) {
			if (--in->ds_left) {
				in->st.sampled_out++;
				continue;
			}
			in->ds_left = ds_gap(d, in);
		} else if (in->ds_mask && (++in->ds_seen & in->ds_mask)) {
			in->st.sampled_out++;	/* exactly every 2^N-th one is counted */
			continue;
		}
		count(d, i, dpa >> in->unit_log2);
	}
}

/*
 * @n accesses to one unit at once: what the access path would do with them
 * one by one, but for the order in which a randomized downsampler's picks
 * fall (the count that passes is the same in distribution).
 */
static void count_n(struct hm_chmu *d, unsigned int idx, uint64_t unit, uint64_t n)
{
	struct inst *in = &d->in[idx];
	uint32_t before, after, thr, w;
	uint64_t first;

	while (n) {
		w = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
		if (in->mode == HM_CHMU_MODE_ALWAYS_ON && hm_tracker_can_release(in->tr)) {
			thr = in->thr ? in->thr : 1;
			/* up to the threshold: the entry is written and the counter freed */
			if (!hm_tracker_lookup(in->tr, unit, &before, &first))
				before = 0;
			if (before < thr && w > thr - before)
				w = thr - before;
		}
		n -= w;
		if (!hm_tracker_add(in->tr, unit, w, d->now_ns, &before, &after)) {
			in->st.untracked += w;
			continue;
		}
		in->st.counted += w;
		counted(d, idx, unit, before, after);
	}
}

void hm_chmu_access_rw(struct hm_chmu *d, uint64_t dpa, unsigned int flags, uint64_t reads,
		       uint64_t writes)
{
	unsigned int i, rf = flags & ~(unsigned int)HM_ACCESS_WRITE, wf = rf | HM_ACCESS_WRITE;
	uint64_t all = reads + writes;

	if (!all)
		return;
	for (i = 0; i < d->desc.nr_instances; i++) {
		struct inst *in = &d->in[i];
		uint64_t range = dpa >> HM_CHMU_RANGE_SHIFT, n, pass;

		if (!in->enabled)
			continue;
		in->st.accesses += all;
		n = (type_matches(in->type, rf) ? reads : 0) +
		    (type_matches(in->type, wf) ? writes : 0);
		in->st.type_filtered += all - n;
		if (!n)
			continue;
		if (dpa >= d->desc.capacity || !(in->bitmap[range / 64] >> (range % 64) & 1)) {
			in->st.range_filtered += n;
			continue;
		}
		pass = n;
		if (in->ds_random) {
			uint64_t left = n;

			pass = 0;
			while (left >= in->ds_left) {
				left -= in->ds_left;
				pass++;
				in->ds_left = ds_gap(d, in);
			}
			in->ds_left -= left;
		} else if (in->ds_mask) {
			uint64_t f = in->ds_mask + 1, seen = in->ds_seen;

			/* the accesses numbered seen + 1 .. seen + n that are multiples of F */
			pass = (seen + n) / f - seen / f;
			in->ds_seen += n;
		}
		in->st.sampled_out += n - pass;
		count_n(d, i, dpa >> in->unit_log2, pass);
	}
}

void hm_chmu_access_n(struct hm_chmu *d, uint64_t dpa, unsigned int flags, uint64_t n)
{
	if (flags & HM_ACCESS_WRITE)
		hm_chmu_access_rw(d, dpa, flags, 0, n);
	else
		hm_chmu_access_rw(d, dpa, flags, n, 0);
}

/* ---- time ------------------------------------------------------------------------ */

struct epoch_walk {
	uint64_t *units;
	uint32_t *counts;
	size_t n, cap;
	uint32_t thr;
};

static int gather(void *arg, uint64_t unit, uint32_t cnt, uint64_t first)
{
	struct epoch_walk *w = arg;

	(void)first;
	if (cnt < w->thr)
		return 0;
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 256;
		uint64_t *u = realloc(w->units, cap * sizeof(*u));
		uint32_t *c;

		if (!u)
			return 1;
		w->units = u;
		c = realloc(w->counts, cap * sizeof(*c));
		if (!c)
			return 1;
		w->counts = c;
		w->cap = cap;
	}
	w->units[w->n] = unit;
	w->counts[w->n++] = cnt;
	return 0;
}

static int by_unit(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* A global epoch ended: report every unit at or above the threshold, in unit order. */
static void end_epoch(struct hm_chmu *d, unsigned int idx)
{
	struct inst *in = &d->in[idx];
	struct epoch_walk w = { .thr = in->thr };
	uint64_t *pairs;
	size_t k;

	hm_tracker_for_each(in->tr, gather, &w);
	pairs = malloc((w.n ? w.n : 1) * 2 * sizeof(*pairs));
	if (pairs) {
		for (k = 0; k < w.n; k++) {
			pairs[2 * k] = w.units[k];
			pairs[2 * k + 1] = w.counts[k];
		}
		qsort(pairs, w.n, 2 * sizeof(*pairs), by_unit);
		for (k = 0; k < w.n; k++)
			report(d, idx, pairs[2 * k], (uint32_t)pairs[2 * k + 1]);
	}
	free(pairs);
	free(w.units);
	free(w.counts);
	hm_tracker_reset(in->tr);
	in->st.epochs++;
}

/*
 * The epoch at in->epoch_end_ns is over. With nothing counted there is
 * nothing to report or reset, and no access can arrive before @now: jump
 * over every empty epoch up to @now at once.
 */
static void skip_or_end_epoch(struct hm_chmu *d, unsigned int idx, uint64_t now)
{
	struct inst *in = &d->in[idx];
	struct hm_tracker_stats st;
	uint64_t n;

	hm_tracker_get_stats(in->tr, &st);
	if (st.tracked) {
		end_epoch(d, idx);
		in->epoch_end_ns += in->epoch_ns;
		return;
	}
	n = (now - in->epoch_end_ns) / in->epoch_ns + 1;
	in->st.epochs += n;
	in->epoch_end_ns += n * in->epoch_ns;
}

/* Per-counter epochs that ended by now: report and free those counters. */
static void end_counters(struct hm_chmu *d, unsigned int idx, uint64_t now)
{
	struct inst *in = &d->in[idx];

	while (in->pend_n) {
		struct pending p = in->pend[in->pend_head];
		uint32_t cnt;
		uint64_t first;

		if (p.first_ns + in->epoch_ns > now)
			break;
		in->pend_head = (in->pend_head + 1) % in->pend_cap;
		in->pend_n--;
		/* the counter may have been evicted and reallocated since */
		if (!hm_tracker_lookup(in->tr, p.unit, &cnt, &first) || first != p.first_ns)
			continue;
		if (cnt >= in->thr)
			report(d, idx, p.unit, cnt);
		hm_tracker_release(in->tr, p.unit);
	}
}

static uint64_t inst_next_event(const struct hm_chmu *d, const struct inst *in)
{
	uint64_t t = UINT64_MAX;

	if (in->op != HM_CHMU_OP_NONE)
		t = in->op_done_ns;
	if (in->enabled && in->mode == HM_CHMU_MODE_EPOCH) {
		if (d->desc.epoch_type == 0 && in->epoch_end_ns < t)
			t = in->epoch_end_ns;
		if (d->desc.epoch_type == 1 && in->pend_n &&
		    in->pend[in->pend_head].first_ns + in->epoch_ns < t)
			t = in->pend[in->pend_head].first_ns + in->epoch_ns;
	}
	return t;
}

uint64_t hm_chmu_next_event(const struct hm_chmu *d)
{
	uint64_t t = UINT64_MAX, e;
	unsigned int i;

	for (i = 0; i < d->desc.nr_instances; i++) {
		e = inst_next_event(d, &d->in[i]);
		if (e < t)
			t = e;
	}
	return t;
}

void hm_chmu_advance(struct hm_chmu *d, uint64_t now_ns)
{
	unsigned int i;
	uint64_t t;

	if (now_ns < d->now_ns)
		return;
	/* every event up to now, in time order, with the clock at each */
	while ((t = hm_chmu_next_event(d)) <= now_ns) {
		d->now_ns = t;
		for (i = 0; i < d->desc.nr_instances; i++) {
			struct inst *in = &d->in[i];

			if (inst_next_event(d, in) != t)
				continue;
			if (in->op != HM_CHMU_OP_NONE && in->op_done_ns == t) {
				finish_op(d, i);
				continue;
			}
			if (d->desc.epoch_type == 0) {
				skip_or_end_epoch(d, i, now_ns);
			} else {
				end_counters(d, i, t);
			}
		}
	}
	d->now_ns = now_ns;
}
