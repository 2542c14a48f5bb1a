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

#ifdef __cplusplus
}
#endif

#endif /* HOTMEM_CHMU_H */
