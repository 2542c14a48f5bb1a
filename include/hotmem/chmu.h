/* SPDX-License-Identifier: MIT */
/*
 * The CXL Hotness Monitoring Unit (CHMU, CXL r3.2 section 8.2.8), emulated:
 * the register block, the counting path (access-type filter, range bitmap,
 * downsampling, unit size, saturating counters), epoch and always-on
 * reporting, the hotlist ring with its status bits and interrupts, and the
 * tracker that does the counting within a resource budget.
 *
 * The device is driven like hardware: registers are read and written at
 * byte offsets through hm_chmu_read64()/hm_chmu_write64() (16-bit for the
 * hotlist head and tail), accesses arrive through hm_chmu_access(), and time
 * advances only when the caller says so (hm_chmu_advance()). The host side
 * (discovery, validation, programming, draining, address translation) is in
 * chmu_host.h. docs/chmu.md has the register map and the trackers' error
 * behaviour.
 */
#ifndef HOTMEM_CHMU_H
#define HOTMEM_CHMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- register map (offsets from the block base, or the instance base) ---- */

#define HM_CHMU_COMMON_CAP0		0x00	/* 3:0 version, 15:8 instances */
#define HM_CHMU_COMMON_CAP1		0x08	/* 15:0 instance length */
#define HM_CHMU_INST0			0x10	/* instance i at 0x10 + i * length */

/* per instance */
#define HM_CHMU_CAP0			0x00
#define HM_CHMU_CAP1			0x08
#define HM_CHMU_BITMAP_OFF		0x10	/* offset of the range bitmap */
#define HM_CHMU_HOTLIST_OFF		0x18	/* offset of the hotlist */
#define HM_CHMU_CFG0			0x40
#define HM_CHMU_CFG1			0x48
#define HM_CHMU_CFG2			0x50
#define HM_CHMU_STATUS			0x60
#define HM_CHMU_HEAD			0x68	/* 16-bit */
#define HM_CHMU_TAIL			0x6a	/* 16-bit */
#define HM_CHMU_BITMAP			0x70	/* where this model puts the bitmap */

/* Capability 0 */
#define HM_CHMU_CAP0_MSI(v)		((v) & 0xf)
#define HM_CHMU_CAP0_IRQ_OVERFLOW	(1ull << 4)
#define HM_CHMU_CAP0_IRQ_FILL		(1ull << 5)
#define HM_CHMU_CAP0_EPOCH_TYPE(v)	(((v) >> 6) & 0x3)	/* 0 global, 1 per counter */
#define HM_CHMU_CAP0_TYPES(v)		(((v) >> 8) & 0xff)	/* bit t-1: access type t */
#define HM_CHMU_CAP0_MAX_SCALE(v)	(((v) >> 16) & 0xf)
#define HM_CHMU_CAP0_MAX_MULT(v)	(((v) >> 20) & 0xfff)
#define HM_CHMU_CAP0_MIN_SCALE(v)	(((v) >> 32) & 0xf)
#define HM_CHMU_CAP0_MIN_MULT(v)	(((v) >> 36) & 0xfff)
#define HM_CHMU_CAP0_HOTLIST_SIZE(v)	(((v) >> 48) & 0xffff)

/* Capability 1 */
#define HM_CHMU_CAP1_UNITS(v)		((v) & 0xffffffffu)	/* bit n: 2^n x 256 B */
#define HM_CHMU_CAP1_DS(v)		(((v) >> 32) & 0xffff)	/* bit n: factor 2^n */
#define HM_CHMU_CAP1_EPOCH		(1ull << 48)
#define HM_CHMU_CAP1_ALWAYS_ON		(1ull << 49)
#define HM_CHMU_CAP1_RANDOM_DS		(1ull << 50)
#define HM_CHMU_CAP1_OVERLAP		(1ull << 51)
#define HM_CHMU_CAP1_POSTPONE		(1ull << 52)

/* Configuration 0 */
#define HM_CHMU_CFG0_TYPE(v)		((v) & 0xff)
#define HM_CHMU_CFG0_RANDOM_DS		(1ull << 8)
#define HM_CHMU_CFG0_IRQ_OVERFLOW	(1ull << 9)
#define HM_CHMU_CFG0_IRQ_FILL		(1ull << 10)
#define HM_CHMU_CFG0_ENABLE		(1ull << 16)
#define HM_CHMU_CFG0_RESET		(1ull << 17)
#define HM_CHMU_CFG0_THRESHOLD(v)	((uint32_t)((v) >> 32))

/* Configuration 1 */
#define HM_CHMU_CFG1_UNIT(v)		((uint32_t)(v))		/* log2 bytes */
#define HM_CHMU_CFG1_DS(v)		(((v) >> 32) & 0xf)	/* log2 factor */
#define HM_CHMU_CFG1_MODE(v)		(((v) >> 40) & 0xff)	/* 0 epoch, 1 always on */
#define HM_CHMU_CFG1_SCALE(v)		(((v) >> 48) & 0xf)
#define HM_CHMU_CFG1_MULT(v)		(((v) >> 52) & 0xfff)

/* Configuration 2 */
#define HM_CHMU_CFG2_FILL(v)		((v) & 0xffff)

/* Status */
#define HM_CHMU_STATUS_ENABLED		(1ull << 0)
#define HM_CHMU_STATUS_OP(v)		(((v) >> 16) & 0xffff)
#define HM_CHMU_STATUS_WIDTH(v)		(((v) >> 32) & 0xff)
#define HM_CHMU_STATUS_OVERFLOW		(1ull << 40)	/* write 1 to clear */
#define HM_CHMU_STATUS_FILL		(1ull << 41)	/* write 1 to clear */

enum hm_chmu_op {
	HM_CHMU_OP_NONE,
	HM_CHMU_OP_ENABLE,
	HM_CHMU_OP_DISABLE,
	HM_CHMU_OP_RESET,
};

enum hm_chmu_mode {
	HM_CHMU_MODE_EPOCH,
	HM_CHMU_MODE_ALWAYS_ON,
};

#define HM_CHMU_RANGE_SHIFT	28	/* one bitmap bit per 256 MiB of DPA */

/* The epoch length of (scale, multiplier), in ns: scale 1 = 100 us .. 5 = 1 s. */
uint64_t hm_chmu_epoch_ns(unsigned int scale, unsigned int mult);
/*
 * The (scale, multiplier) of the longest epoch not above @ns, at the finest
 * scale that can state it: exact whenever @ns can be stated at all
 * (hm_chmu_epoch_ns() of the result equals @ns). Return: 0; -EINVAL below
 * 100 us or above 4095 s.
 */
int hm_chmu_epoch_encode(uint64_t ns, unsigned int *scale, unsigned int *mult);

/* ---- trackers ---- */

enum hm_tracker_kind {
	HM_TRACKER_EXACT,	/* a counter per unit touched: the ground truth */
	HM_TRACKER_TABLE,	/* N counters on first touch; then untracked */
	HM_TRACKER_CMS,		/* Count-Min sketch + K candidate unit ids */
	HM_TRACKER_TOPK,	/* Space-Saving with K counters */
	HM_TRACKER_LFU,		/* set-associative, least count evicted */
};

/**
 * struct hm_tracker_spec - a tracker and its resources.
 * @kind:	the algorithm.
 * @entries:	table: counters; topk: K.
 * @depth, @width: cms: rows and counters per row.
 * @candidates:	cms: unit ids kept to name hot units at report time.
 * @sets, @ways: lfu.
 */
struct hm_tracker_spec {
	enum hm_tracker_kind kind;
	uint32_t entries;
	uint32_t depth, width;
	uint32_t candidates;
	uint32_t sets, ways;
};

/**
 * struct hm_tracker_stats - what a tracker holds and what it cost.
 * @bytes:	its budget: 8 bytes per unit id, 4 per counter (cms: the
 *		sketch's counters plus its candidates' ids and counters; exact:
 *		what it holds now). The model's own memory is not counted.
 * @counters:	counters in the budget (exact: now in use).
 * @tracked:	units it holds now.
 * @untracked:	additions it could not take (table full).
 * @evictions:	units it dropped to make room (topk, lfu, cms candidates).
 */
struct hm_tracker_stats {
	uint64_t bytes;
	uint64_t counters;
	uint64_t tracked;
	uint64_t untracked;
	uint64_t evictions;
};

struct hm_tracker;

/*
 * "exact", "table:N", "cms:DxW+K", "topk:K", "lfu:SETSxWAYS". Return: 0;
 * -EINVAL with one line in @err naming what was wrong.
 */
int hm_tracker_parse(const char *s, struct hm_tracker_spec *spec, char *err, size_t errlen);
int hm_tracker_format(const struct hm_tracker_spec *spec, char *buf, size_t len);
/*
 * A tracker whose counters saturate at @max_count; @seed picks the sketch's
 * hash functions. Return: NULL with errno set on failure.
 */
struct hm_tracker *hm_tracker_new(const struct hm_tracker_spec *spec, uint32_t max_count,
				  uint64_t seed);
void hm_tracker_free(struct hm_tracker *t);
/*
 * Count @w accesses to @unit at @now_ns. *@before and *@after get the
 * unit's count (estimate) before and after. Return: true if the unit is
 * tracked, false if the tracker had no room for it (nothing counted).
 */
bool hm_tracker_add(struct hm_tracker *t, uint64_t unit, uint32_t w, uint64_t now_ns,
		    uint32_t *before, uint32_t *after);
/* The count of @unit and when it was first counted; false if not tracked. */
bool hm_tracker_lookup(const struct hm_tracker *t, uint64_t unit, uint32_t *count,
		       uint64_t *first_ns);
/* @unit's count as the tracker would report it now (cms: any unit). */
uint32_t hm_tracker_estimate(const struct hm_tracker *t, uint64_t unit);
/* Whether single counters can be freed (all but cms). */
bool hm_tracker_can_release(const struct hm_tracker *t);
/* Free @unit's counter. Return: 0, -ENOENT, -EOPNOTSUPP (cms). */
int hm_tracker_release(struct hm_tracker *t, uint64_t unit);
/*
 * Call @fn for every unit the tracker can name (cms: its candidates), with
 * its count; stop when @fn returns nonzero. @fn must not change the tracker.
 */
void hm_tracker_for_each(const struct hm_tracker *t,
			 int (*fn)(void *arg, uint64_t unit, uint32_t count, uint64_t first_ns),
			 void *arg);
/* Forget every unit (an epoch's reset, or the Reset counters operation). */
void hm_tracker_reset(struct hm_tracker *t);
void hm_tracker_get_stats(const struct hm_tracker *t, struct hm_tracker_stats *st);

/* ---- the device ---- */

/**
 * struct hm_chmu_desc - what an emulated device is and can do. Each field
 * ends up in a capability register, but for @capacity, @tracker,
 * @op_delay_ns, @counter_width and @postpone_depth, which shape behaviour
 * the registers do not show.
 * @nr_instances: CHMU instances in the block (1-255).
 * @hotlist_size: entries of each instance's ring (2-65535); it holds one less.
 * @unit_sizes:	supported unit sizes: bit n for 2^n x 256 bytes.
 * @ds_factors:	supported downsampling factors: bit n for 2^n (bit 0: none).
 * @min_scale, @min_mult, @max_scale, @max_mult: the epoch length range.
 * @epoch_mode, @always_on: the reporting modes supported.
 * @epoch_type:	0 global epochs, 1 per-counter epochs (from first touch).
 * @access_types: bit t-1 set if access type t (1-6) can be tracked.
 * @irq_overflow, @irq_fill: interrupts supported; without them, poll.
 * @random_ds:	randomized downsampling supported.
 * @overlap:	instances may track overlapping ranges.
 * @postpone:	entries that find the ring full wait (up to @postpone_depth)
 *		instead of being dropped.
 * @counter_width: bits of count in an entry; 0: every bit the unit index
 *		does not need (64 - log2(capacity / unit size)), at most 32.
 * @capacity:	DPA bytes behind the device; the range bitmap covers it.
 * @tracker:	how each instance counts (its resources).
 * @op_delay_ns: how long enable, disable and reset take.
 * @msi:	the instances' interrupt message number (0-15).
 */
struct hm_chmu_desc {
	uint8_t nr_instances;
	uint16_t hotlist_size;
	uint32_t unit_sizes;
	uint16_t ds_factors;
	uint8_t min_scale, max_scale;
	uint16_t min_mult, max_mult;
	bool epoch_mode, always_on;
	uint8_t epoch_type;
	uint8_t access_types;
	bool irq_overflow, irq_fill;
	bool random_ds, overlap, postpone;
	uint32_t postpone_depth;
	uint8_t counter_width;
	uint64_t capacity;
	struct hm_tracker_spec tracker;
	uint64_t op_delay_ns;
	uint8_t msi;
};

/**
 * struct hm_chmu_stats - what one instance saw, since it was created.
 * @accesses:	accesses offered to the instance.
 * @type_filtered, @range_filtered: dropped by the access-type filter, or
 *		outside the enabled ranges (or the capacity).
 * @sampled_out: dropped by downsampling.
 * @counted:	reached the tracker.
 * @untracked:	found no counter (tracker full).
 * @entries:	hotlist entries written to the ring.
 * @dropped:	entries lost to a full ring.
 * @postponed:	entries that waited for room.
 * @overflows:	times the ring was found full.
 * @epochs:	global epochs ended.
 * @refused:	enables refused because of an invalid configuration.
 */
struct hm_chmu_stats {
	uint64_t accesses;
	uint64_t type_filtered;
	uint64_t range_filtered;
	uint64_t sampled_out;
	uint64_t counted;
	uint64_t untracked;
	uint64_t entries;
	uint64_t dropped;
	uint64_t postponed;
	uint64_t overflows;
	uint64_t epochs;
	uint64_t refused;
};

struct hm_chmu;

/* Fill @d with the preset @name ("default", "qemu"). Return: 0, -ENOENT. */
int hm_chmu_preset(const char *name, struct hm_chmu_desc *d);
/* The presets' names, NULL-terminated. */
extern const char *const hm_chmu_preset_names[];
/*
 * A device from @desc, seeded with @seed (randomized downsampling, sketch
 * hashes). Return: NULL with errno EINVAL and one line in @err for a
 * description that cannot be built (naming the field), or ENOMEM.
 */
struct hm_chmu *hm_chmu_new(const struct hm_chmu_desc *desc, uint64_t seed, char *err,
			    size_t errlen);
void hm_chmu_free(struct hm_chmu *d);
const struct hm_chmu_desc *hm_chmu_get_desc(const struct hm_chmu *d);
/* Bytes of the register block: 0x10 + instances x instance length. */
uint64_t hm_chmu_block_size(const struct hm_chmu *d);

/*
 * Register access at byte offset @off from the block base. 64-bit accesses
 * must be 8-byte aligned; the hotlist head and tail take 16-bit accesses
 * only. Read-only registers ignore writes, reserved bits read 0 and ignore
 * what is written, the status interrupt bits are write-1-to-clear, and
 * configuration writes are ignored while an instance is enabled or an
 * operation is in progress (see docs/chmu.md). Return: 0; -EINVAL for a
 * misaligned or wrongly sized access; -ERANGE beyond the block.
 */
int hm_chmu_read64(const struct hm_chmu *d, uint64_t off, uint64_t *val);
int hm_chmu_write64(struct hm_chmu *d, uint64_t off, uint64_t val);
int hm_chmu_read16(const struct hm_chmu *d, uint64_t off, uint16_t *val);
int hm_chmu_write16(struct hm_chmu *d, uint64_t off, uint16_t val);

/* One access of the device's memory, at the device's current time. */
void hm_chmu_access(struct hm_chmu *d, uint64_t dpa, unsigned int access_flags);
/*
 * @n accesses to the unit holding @dpa at once (a time model that draws
 * counts per unit): the same filters, downsampling and counting as @n calls
 * of hm_chmu_access().
 */
void hm_chmu_access_n(struct hm_chmu *d, uint64_t dpa, unsigned int access_flags, uint64_t n);
/*
 * @reads reads then @writes writes of the unit holding @dpa, @access_flags'
 * other bits (HM_ACCESS_TEE) applying to all: the same as the two calls of
 * hm_chmu_access_n(), with one tracker update.
 */
void hm_chmu_access_rw(struct hm_chmu *d, uint64_t dpa, unsigned int access_flags,
		       uint64_t reads, uint64_t writes);
/*
 * Move the device's clock to @now_ns (never back), completing operations
 * and ending epochs on the way, in time order. Interrupts are delivered
 * from here (and from register writes that free ring space).
 */
void hm_chmu_advance(struct hm_chmu *d, uint64_t now_ns);
uint64_t hm_chmu_now(const struct hm_chmu *d);
/* When the next operation completes or epoch ends; UINT64_MAX if none. */
uint64_t hm_chmu_next_event(const struct hm_chmu *d);
/*
 * Called when an instance raises an enabled interrupt (an overflow or
 * fill-threshold status bit going from 0 to 1). It may read and write the
 * device's registers.
 */
void hm_chmu_set_irq(struct hm_chmu *d, void (*fn)(void *arg, unsigned int inst),
		     void *arg);
void hm_chmu_get_stats(const struct hm_chmu *d, unsigned int inst, struct hm_chmu_stats *st);
/* The instance's tracker while enabled (NULL otherwise), for its stats. */
const struct hm_tracker *hm_chmu_tracker(const struct hm_chmu *d, unsigned int inst);
/* Why the last enable of @inst was refused ("" if it was not). */
const char *hm_chmu_last_error(const struct hm_chmu *d, unsigned int inst);

#ifdef __cplusplus
}
#endif

#endif /* HOTMEM_CHMU_H */
