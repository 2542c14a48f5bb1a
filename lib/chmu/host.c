// SPDX-License-Identifier: MIT
/*
 * The CHMU host driver, written against register accessors only, so the
 * same code runs the emulated device and (later) a real one: capability
 * discovery, validation of a perf event with the reference's corrected
 * rules, the Linux RFC driver's start and stop sequences, and draining the
 * hotlist ring.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <hotmem/chmu_host.h>
#include <hotmem/parse.h>

#define POLL_US 10
#define POLL_MAX (100000 / POLL_US)	/* "assuming 0.1 seconds is enough" */

/* ---- the emulated device's io ------------------------------------------------------- */

static int e_read64(void *p, uint64_t off, uint64_t *v)
{
	return hm_chmu_read64(p, off, v);
}

static int e_write64(void *p, uint64_t off, uint64_t v)
{
	return hm_chmu_write64(p, off, v);
}

static int e_read16(void *p, uint64_t off, uint16_t *v)
{
	return hm_chmu_read16(p, off, v);
}

static int e_write16(void *p, uint64_t off, uint16_t v)
{
	return hm_chmu_write16(p, off, v);
}

static void e_delay(void *p, uint32_t us)
{
	struct hm_chmu *d = p;

	hm_chmu_advance(d, hm_chmu_now(d) + (uint64_t)us * 1000);
}

void hm_chmu_emulated_io(struct hm_chmu *d, struct hm_chmu_io *io)
{
	io->read64 = e_read64;
	io->write64 = e_write64;
	io->read16 = e_read16;
	io->write16 = e_write16;
	io->delay_us = e_delay;
	io->priv = d;
}

/* ---- discovery -------------------------------------------------------------------- */

static int rd(const struct hm_chmu_io *io, uint64_t off, uint64_t *v)
{
	return io->read64(io->priv, off, v) ? -EIO : 0;
}

static int wr(const struct hm_chmu_io *io, uint64_t off, uint64_t v)
{
	return io->write64(io->priv, off, v) ? -EIO : 0;
}

int hm_chmu_discover(const struct hm_chmu_io *io, unsigned int inst, struct hm_chmu_caps *c,
		     unsigned int *nr_instances)
{
	uint64_t common0, common1;

	memset(c, 0, sizeof(*c));
	if (rd(io, HM_CHMU_COMMON_CAP0, &common0) || rd(io, HM_CHMU_COMMON_CAP1, &common1))
		return -EIO;
	if (nr_instances)
		*nr_instances = (unsigned int)(common0 >> 8 & 0xff);
	if (inst >= (common0 >> 8 & 0xff))
		return -ENODEV;
	c->base = HM_CHMU_INST0 + inst * (common1 & 0xffff);
	if (rd(io, c->base + HM_CHMU_CAP0, &c->cap0) || rd(io, c->base + HM_CHMU_CAP1, &c->cap1) ||
	    rd(io, c->base + HM_CHMU_BITMAP_OFF, &c->bitmap_off) ||
	    rd(io, c->base + HM_CHMU_HOTLIST_OFF, &c->hotlist_off))
		return -EIO;
	c->hotlist_size = (uint32_t)HM_CHMU_CAP0_HOTLIST_SIZE(c->cap0);
	c->nr_ranges = c->hotlist_off > c->bitmap_off ?
			       (uint32_t)((c->hotlist_off - c->bitmap_off) * 8) : 0;
	return 0;
}

/* ---- validation ------------------------------------------------------------------- */

static const char *const type_names[] = {
	"", "non-TEE read", "non-TEE write", "non-TEE read/write", "all read", "all write",
	"all read/write",
};

/* One value of a capability list: "12 (4 KiB)", "4 (1 in 16)", "6 (all read/write)". */
static int item(char *buf, size_t len, char kind, unsigned int b)
{
	static const char *const sfx[] = { "B", "KiB", "MiB", "GiB", "TiB" };

	if (kind == 'u')
		return snprintf(buf, len, "%u (%u %s)", b + 8, 1u << ((b + 8) % 10),
				sfx[(b + 8) / 10]);
	if (kind == 't')
		return snprintf(buf, len, "%u (%s)", b + 1, type_names[b + 1]);
	return snprintf(buf, len, "%u (1 in %u)", b, 1u << b);
}

/*
 * The set bits of @mask as a list for messages: every value, or "first to
 * last" for a run of three or more.
 */
static void list_bits(uint32_t mask, unsigned int nbits, char kind, char *buf, size_t len)
{
	unsigned int b, lo = nbits, hi = 0, n = 0;
	bool run = true;
	size_t at = 0;
	int k;

	buf[0] = '\0';
	for (b = 0; b < nbits; b++) {
		if (!(mask >> b & 1))
			continue;
		if (lo == nbits)
			lo = b;
		else if (b != hi + 1)
			run = false;
		hi = b;
		n++;
	}
	if (run && n >= 3 && kind != 't') {
		k = item(buf, len, kind, lo);
		at = k > 0 ? (size_t)k : 0;
		if (at < len)
			at += (size_t)snprintf(buf + at, len - at, " to ");
		if (at < len)
			item(buf + at, len - at, kind, hi);
		return;
	}
	for (b = 0; b < nbits && at < len; b++) {
		if (!(mask >> b & 1))
			continue;
		if (at)
			at += (size_t)snprintf(buf + at, len - at, ", ");
		if (at < len) {
			k = item(buf + at, len - at, kind, b);
			at += k > 0 ? (size_t)k : 0;
		}
	}
}

static uint64_t epoch_measure(unsigned int scale, unsigned int mult)
{
	/* the driver compares 10^scale x multiplier: a decade per scale step */
	uint64_t m = mult;

	while (scale--)
		m *= 10;
	return m;
}

static void epoch_text(unsigned int scale, unsigned int mult, char *buf, size_t len)
{
	uint64_t ns = hm_chmu_epoch_ns(scale, mult);

	if (ns >= 1000000000ull && !(ns % 1000000000ull))
		snprintf(buf, len, "%llu s", (unsigned long long)(ns / 1000000000ull));
	else if (ns >= 1000000 && !(ns % 1000000))
		snprintf(buf, len, "%llu ms", (unsigned long long)(ns / 1000000));
	else
		snprintf(buf, len, "%llu us", (unsigned long long)(ns / 1000));
}

static int lowest_bit(uint64_t mask)
{
	return mask ? __builtin_ctzll(mask) : -1;
}

int hm_chmu_validate(const struct hm_chmu_io *io, const struct hm_chmu_caps *c,
		     const struct hm_chmu_event *ev, struct hm_chmu_program *p, char *err,
		     size_t errlen)
{
	uint64_t mode = hm_chmu_event_get(ev, HM_CHMU_F_EPOCH_TYPE);
	uint64_t type = hm_chmu_event_get(ev, HM_CHMU_F_ACCESS_TYPE);
	uint64_t scale = hm_chmu_event_get(ev, HM_CHMU_F_EPOCH_SCALE);
	uint64_t mult = hm_chmu_event_get(ev, HM_CHMU_F_EPOCH_MULT);
	uint64_t random = hm_chmu_event_get(ev, HM_CHMU_F_RANDOM_DS);
	uint64_t ds = hm_chmu_event_get(ev, HM_CHMU_F_DS_FACTOR);
	uint64_t thr = hm_chmu_event_get(ev, HM_CHMU_F_THRESHOLD);
	uint64_t gran = hm_chmu_event_get(ev, HM_CHMU_F_GRANUAL);
	uint64_t rbase = hm_chmu_event_get(ev, HM_CHMU_F_RANGE_BASE);
	uint64_t rsize = hm_chmu_event_get(ev, HM_CHMU_F_RANGE_SIZE);
	uint32_t units = (uint32_t)HM_CHMU_CAP1_UNITS(c->cap1);
	uint32_t dsmask = (uint32_t)HM_CHMU_CAP1_DS(c->cap1);
	uint32_t types = (uint32_t)HM_CHMU_CAP0_TYPES(c->cap0);
	uint64_t status, old_cfg1;
	char list[512], a[32], b[32];

	memset(p, 0, sizeof(*p));
	if (rd(io, c->base + HM_CHMU_STATUS, &status))
		return -EIO;
	if (status & HM_CHMU_STATUS_ENABLED) {
		hm_errmsg(err, errlen, "the instance is enabled; stop it first");
		return -EBUSY;
	}
	/* epoch_type: the reporting mode, checked against Capability 1 bits 48/49 */
	if (mode > 1)
		return hm_errmsg(err, errlen, "epoch_type: %llu; expected 0 (epoch-based) or 1 "
				 "(always on)", (unsigned long long)mode);
	if (!(c->cap1 & (mode ? HM_CHMU_CAP1_ALWAYS_ON : HM_CHMU_CAP1_EPOCH)))
		return hm_errmsg(err, errlen, "epoch_type: %llu (%s) is not supported by this "
				 "device; it supports %s", (unsigned long long)mode,
				 mode ? "always on" : "epoch-based",
				 mode ? "0 (epoch-based) only" : "1 (always on) only");
	/* access_type 1..6, within the types of Capability 0 bits 15:8 */
	list_bits(types, 6, 't', list, sizeof(list));
	if (!(ev->given & (1u << HM_CHMU_F_ACCESS_TYPE)))
		return hm_errmsg(err, errlen, "access_type: missing; this device tracks %s", list);
	if (type < 1 || type > 6 || !(types >> (type - 1) & 1))
		return hm_errmsg(err, errlen, "access_type: %llu is not supported; this device "
				 "tracks %s", (unsigned long long)type, list);
	if (random && !(c->cap1 & HM_CHMU_CAP1_RANDOM_DS))
		return hm_errmsg(err, errlen, "randomized_downsampling: 1 is not supported by this "
				 "device");
	/* downsampling_factor: log2, a bit of Capability 1 bits 47:32; 0 = the smallest */
	list_bits(dsmask, 16, 'd', list, sizeof(list));
	if (!ds)
		ds = (uint64_t)lowest_bit(dsmask);	/* the driver's ffs(), less its off-by-one */
	else if (ds >= 16)
		return hm_errmsg(err, errlen, "downsampling_factor: %llu is a log2 (a factor of "
				 "2^%llu) and the field takes 0-15; this device supports %s",
				 (unsigned long long)ds, (unsigned long long)ds, list);
	else if (!(dsmask >> ds & 1))
		return hm_errmsg(err, errlen, "downsampling_factor: %llu (1 in %u) is not "
				 "supported; this device supports %s", (unsigned long long)ds,
				 1u << ds, list);
	/* hotness_granual: log2 of the unit, >= 8, a bit of Capability 1 bits 31:0 */
	list_bits(units, 32, 'u', list, sizeof(list));
	if (!gran)
		gran = 8 + (uint64_t)lowest_bit(units);	/* 8 + index, not 8 + ffs */
	else if (gran < 8 || gran > 39 || !(units >> (gran - 8) & 1))
		return hm_errmsg(err, errlen, "hotness_granual: %llu is not a supported unit size "
				 "(log2 of bytes); this device supports %s",
				 (unsigned long long)gran, list);
	/* the epoch, in epoch mode: 10^scale x multiplier within the device's range */
	if (mode == 0) {
		unsigned int mins = (unsigned int)HM_CHMU_CAP0_MIN_SCALE(c->cap0);
		unsigned int minm = (unsigned int)HM_CHMU_CAP0_MIN_MULT(c->cap0);
		unsigned int maxs = (unsigned int)HM_CHMU_CAP0_MAX_SCALE(c->cap0);
		unsigned int maxm = (unsigned int)HM_CHMU_CAP0_MAX_MULT(c->cap0);

		epoch_text(mins, minm, a, sizeof(a));
		epoch_text(maxs, maxm, b, sizeof(b));
		if (!scale && !mult) {
			scale = mins;	/* both 0: the device's minimum */
			mult = minm;
		} else if (scale < 1 || scale > 5) {
			return hm_errmsg(err, errlen, "epoch_scale: %llu; expected 1 (100 us), 2 (1 ms), "
					 "3 (10 ms), 4 (100 ms) or 5 (1 s)", (unsigned long long)scale);
		} else if (!mult) {
			return hm_errmsg(err, errlen, "epoch_multiplier: 0; expected 1-4095 with "
					 "epoch_scale %llu", (unsigned long long)scale);
		} else if (epoch_measure((unsigned int)scale, (unsigned int)mult) <
				   epoch_measure(mins, minm) ||
			   epoch_measure((unsigned int)scale, (unsigned int)mult) >
				   epoch_measure(maxs, maxm)) {
			char e[32];

			epoch_text((unsigned int)scale, (unsigned int)mult, e, sizeof(e));
			return hm_errmsg(err, errlen, "epoch_scale, epoch_multiplier: %llu x %llu (%s) "
					 "is outside this device's epochs, %s to %s",
					 (unsigned long long)scale, (unsigned long long)mult, e, a, b);
		}
	}
	/* the ranges, in 256 MiB chunks; size 0 = every range from base on */
	if (rbase >= c->nr_ranges || (rsize && rbase + rsize > c->nr_ranges))
		return hm_errmsg(err, errlen, "range_base, range_size: %llu + %llu ranges of 256 MiB "
				 "go past this device's %u", (unsigned long long)rbase,
				 (unsigned long long)rsize, c->nr_ranges);
	if (!rsize)
		rsize = c->nr_ranges - rbase;

	/* the counter width is known only once the unit size is written */
	if (rd(io, c->base + HM_CHMU_CFG1, &old_cfg1) || wr(io, c->base + HM_CHMU_CFG1, gran) ||
	    rd(io, c->base + HM_CHMU_STATUS, &status) || wr(io, c->base + HM_CHMU_CFG1, old_cfg1))
		return -EIO;
	p->width = (uint32_t)HM_CHMU_STATUS_WIDTH(status);
	if (!p->width || p->width >= 64)
		return hm_errmsg(err, errlen, "hotness_granual: the device reports a counter width of "
				 "%u for %llu", p->width, (unsigned long long)gran);
	/* the corrected check: the threshold must fit the counter */
	if (thr >= (1ull << p->width))
		return hm_errmsg(err, errlen, "hotness_threshold: %llu does not fit the %u-bit "
				 "counter (at most %llu)", (unsigned long long)thr, p->width,
				 (unsigned long long)((1ull << p->width) - 1));

	p->unit_log2 = (uint32_t)gran;
	p->ds_log2 = (uint32_t)ds;
	p->range_first = (uint32_t)rbase;
	p->nr_ranges = (uint32_t)rsize;
	p->ranges = NULL;
	p->cfg1 = gran | ds << 32 | mode << 40 | scale << 48 | mult << 52;
	p->cfg2 = c->hotlist_size / 2;
	p->cfg0 = type | (random ? HM_CHMU_CFG0_RANDOM_DS : 0) |
		  (c->cap0 & HM_CHMU_CAP0_IRQ_OVERFLOW ? HM_CHMU_CFG0_IRQ_OVERFLOW : 0) |
		  (c->cap0 & HM_CHMU_CAP0_IRQ_FILL ? HM_CHMU_CFG0_IRQ_FILL : 0) |
		  HM_CHMU_CFG0_ENABLE | thr << 32;
	return 0;
}

/* ---- start, stop, drain ---------------------------------------------------------- */

static int wait_op(const struct hm_chmu_io *io, const struct hm_chmu_caps *c)
{
	uint64_t status;
	unsigned int i;

	for (i = 0; i <= POLL_MAX; i++) {
		if (rd(io, c->base + HM_CHMU_STATUS, &status))
			return -EIO;
		if (!HM_CHMU_STATUS_OP(status))
			return 0;
		io->delay_us(io->priv, POLL_US);
	}
	return -ETIMEDOUT;
}

int hm_chmu_start(const struct hm_chmu_io *io, const struct hm_chmu_caps *c,
		  const struct hm_chmu_program *p)
{
	uint64_t w, status, words = (c->nr_ranges + 63) / 64;
	int ret;

	ret = wr(io, c->base + HM_CHMU_CFG0, HM_CHMU_CFG0_RESET);
	if (!ret)
		ret = wait_op(io, c);
	if (!ret)
		ret = wr(io, c->base + HM_CHMU_CFG1, p->cfg1);
	for (w = 0; !ret && w < words; w++) {
		uint64_t bits = 0, lo = w * 64, b;

		if (p->ranges)
			bits = p->ranges[w];
		else
			for (b = 0; b < 64; b++)
				if (lo + b >= p->range_first &&
				    lo + b < (uint64_t)p->range_first + p->nr_ranges)
					bits |= 1ull << b;
		ret = wr(io, c->base + c->bitmap_off + w * 8, bits);
	}
	if (!ret)
		ret = wr(io, c->base + HM_CHMU_CFG2, p->cfg2);
	if (!ret)
		ret = wr(io, c->base + HM_CHMU_CFG0, p->cfg0);
	if (!ret)
		ret = wait_op(io, c);
	if (ret)
		return ret;
	if (rd(io, c->base + HM_CHMU_STATUS, &status))
		return -EIO;
	return status & HM_CHMU_STATUS_ENABLED ? 0 : -ENODEV;
}

int hm_chmu_stop(const struct hm_chmu_io *io, const struct hm_chmu_caps *c)
{
	uint64_t cfg0;

	if (rd(io, c->base + HM_CHMU_CFG0, &cfg0) ||
	    wr(io, c->base + HM_CHMU_CFG0, cfg0 & ~HM_CHMU_CFG0_ENABLE))
		return -EIO;
	return wait_op(io, c);
}

long hm_chmu_drain(const struct hm_chmu_io *io, const struct hm_chmu_caps *c, uint64_t *out,
		   uint32_t *width)
{
	uint64_t status;
	uint16_t head, tail;
	long n = 0;

	if (rd(io, c->base + HM_CHMU_STATUS, &status) ||
	    io->read16(io->priv, c->base + HM_CHMU_HEAD, &head) ||
	    io->read16(io->priv, c->base + HM_CHMU_TAIL, &tail))
		return -EIO;
	if (width)
		*width = (uint32_t)HM_CHMU_STATUS_WIDTH(status);
	if (!c->hotlist_size || head >= c->hotlist_size || tail >= c->hotlist_size)
		return -EIO;
	/* head up to the end of the ring, then from slot 0 when it wrapped */
	while (head != tail) {
		if (rd(io, c->base + c->hotlist_off + head * 8ull, &out[n]))
			return -EIO;
		n++;
		head = (uint16_t)((head + 1u) % c->hotlist_size);
	}
	if (io->write16(io->priv, c->base + HM_CHMU_HEAD, tail))
		return -EIO;
	/* clear the interrupt bits that were set, by writing them back */
	status &= HM_CHMU_STATUS_OVERFLOW | HM_CHMU_STATUS_FILL;
	if (status && wr(io, c->base + HM_CHMU_STATUS, status))
		return -EIO;
	return n;
}
