/* SPDX-License-Identifier: MIT */
/*
 * The host side of a CHMU: the perf event format of the Linux RFC driver,
 * the AUX batches it writes (and the text perf prints for them), capability
 * discovery, validation and the programming sequence over any register
 * accessor (the emulated device today, a mapped BAR tomorrow), hotlist
 * draining, unit index to DPA to HPA through HDM decoders, the merge of an
 * interleave set's hotlists, and the adapter that turns hotlist entries into
 * access reports. docs/chmu.md describes each.
 */
#ifndef HOTMEM_CHMU_HOST_H
#define HOTMEM_CHMU_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hotmem/chmu.h>
#include <hotmem/report.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the perf event (drivers/cxl/hmu.c format attributes) ---- */

enum hm_chmu_field {
	HM_CHMU_F_EPOCH_TYPE,		/* config:0-1, 0 epoch, 1 always on */
	HM_CHMU_F_ACCESS_TYPE,		/* config:2-9, 1-6 */
	HM_CHMU_F_EPOCH_SCALE,		/* config:10-13, 1 = 100 us .. 5 = 1 s */
	HM_CHMU_F_EPOCH_MULT,		/* config:14-25 */
	HM_CHMU_F_RANDOM_DS,		/* config:26 */
	HM_CHMU_F_DS_FACTOR,		/* config:27-34, log2 */
	HM_CHMU_F_THRESHOLD,		/* config1:0-31 */
	HM_CHMU_F_GRANUAL,		/* config1:32-63, log2 of the unit size */
	HM_CHMU_F_RANGE_BASE,		/* config2:0-31, in 256 MiB */
	HM_CHMU_F_RANGE_SIZE,		/* config2:32-63, in 256 MiB; 0: all */
	HM_CHMU_NR_FIELDS,
};

/**
 * struct hm_chmu_event - a cxl_hmu perf event.
 * @pmu:	the PMU name ("cxl_hmu_mem0.0.0"), "" if not given.
 * @config, @config1, @config2: perf_event_attr's words.
 * @given:	bit f set if field f was written in the string.
 */
struct hm_chmu_event {
	char pmu[64];
	uint64_t config, config1, config2;
	uint32_t given;
};

const char *hm_chmu_field_name(enum hm_chmu_field f);
uint64_t hm_chmu_event_get(const struct hm_chmu_event *ev, enum hm_chmu_field f);
/* Return: 0, or -ERANGE if @v does not fit the field. */
int hm_chmu_event_set(struct hm_chmu_event *ev, enum hm_chmu_field f, uint64_t v);
/*
 * "cxl_hmu_mem0.0.0/epoch_type=0,access_type=6,.../" or just the terms.
 * Return: 0; -EINVAL with one line in @err naming the key that was wrong.
 */
int hm_chmu_event_parse(const char *s, struct hm_chmu_event *ev, char *err, size_t errlen);
/* The event as a string, the fields given in the driver's order. */
int hm_chmu_event_format(const struct hm_chmu_event *ev, char *buf, size_t len);

/* ---- AUX batches: 16-byte header (count 15:0, width 23:16; 0xdeadbeef), entries ---- */

#define HM_CHMU_AUX_MAGIC	0xdeadbeefull
#define HM_CHMU_AUX_MAX		0xffff	/* entries per batch */

/*
 * Encode @n entries (at most HM_CHMU_AUX_MAX) as one batch into @out, which
 * needs 16 + 8 n bytes. Return: the bytes written.
 */
size_t hm_chmu_aux_encode(const uint64_t *entries, uint32_t n, uint32_t width, uint8_t *out);

/* Called for each batch decoded; return nonzero to stop. */
typedef int (*hm_chmu_batch_fn)(void *arg, uint32_t batch, uint32_t width,
				const uint64_t *entries, uint32_t n);
/*
 * Decode AUX data: binary batches, or the text `perf report
 * --dump-raw-traces` prints for them (told apart by the first bytes).
 * Return: the number of batches; -EINVAL with one line in @err giving the
 * byte offset (binary) or line (text) and what was expected; -ENOMEM.
 */
long hm_chmu_decode(const uint8_t *buf, size_t len, hm_chmu_batch_fn fn, void *arg,
		    char *err, size_t errlen);
long hm_chmu_aux_decode(const uint8_t *buf, size_t len, hm_chmu_batch_fn fn, void *arg,
			char *err, size_t errlen);
long hm_chmu_dump_decode(const char *text, size_t len, hm_chmu_batch_fn fn, void *arg,
			 char *err, size_t errlen);

/* ---- the host driver ---- */

/**
 * struct hm_chmu_io - how the driver reaches the registers.
 * @read64, @write64, @read16, @write16: at byte offsets from the block base.
 * @delay_us:	wait (the emulated device advances its clock here).
 * @priv:	passed to each.
 */
struct hm_chmu_io {
	int (*read64)(void *priv, uint64_t off, uint64_t *val);
	int (*write64)(void *priv, uint64_t off, uint64_t val);
	int (*read16)(void *priv, uint64_t off, uint16_t *val);
	int (*write16)(void *priv, uint64_t off, uint16_t val);
	void (*delay_us)(void *priv, uint32_t us);
	void *priv;
};

/* The io of an emulated device (delay_us advances its clock). */
void hm_chmu_emulated_io(struct hm_chmu *d, struct hm_chmu_io *io);

/**
 * struct hm_chmu_caps - one instance's capabilities, decoded.
 * @base:	the instance's offset from the block base.
 * @cap0, @cap1: the raw registers.
 * @hotlist_size, @nr_ranges: entries; trackable 256 MiB ranges.
 * @bitmap_off, @hotlist_off: from the instance base.
 */
struct hm_chmu_caps {
	uint64_t base;
	uint64_t cap0, cap1;
	uint32_t hotlist_size;
	uint32_t nr_ranges;
	uint64_t bitmap_off, hotlist_off;
};

/*
 * Read the common registers and instance @inst's capabilities. Return: 0;
 * -ENODEV (no such instance), -EIO (a register read failed).
 */
int hm_chmu_discover(const struct hm_chmu_io *io, unsigned int inst, struct hm_chmu_caps *c,
		     unsigned int *nr_instances);

/**
 * struct hm_chmu_program - the register values for an event, defaults resolved.
 * @cfg0, @cfg1, @cfg2: what the start sequence writes (cfg0 with Enable).
 * @range_first, @nr_ranges: the range bitmap bits set.
 * @ranges:	when set, the bitmap to write instead (bit r of word r / 64:
 *		range r), for a set of ranges that is not one run; validate
 *		leaves it NULL.
 * @width:	the counter width the device reported for the unit size.
 * @unit_log2, @ds_log2: the unit size and downsampling factor used.
 */
struct hm_chmu_program {
	uint64_t cfg0, cfg1, cfg2;
	uint32_t range_first, nr_ranges;
	const uint64_t *ranges;
	uint32_t width;
	uint32_t unit_log2, ds_log2;
};

/*
 * Check @ev against @c, resolving defaults the way the driver does (with
 * its off-by-one corrected), and compute the register values. The counter
 * width is read from the device after writing the unit size, so the
 * instance must be disabled. Return: 0; -EINVAL with one line in @err
 * naming the field and the allowed values; -EBUSY (enabled); -EIO.
 */
int hm_chmu_validate(const struct hm_chmu_io *io, const struct hm_chmu_caps *c,
		     const struct hm_chmu_event *ev, struct hm_chmu_program *p, char *err,
		     size_t errlen);
/*
 * The driver's start sequence: reset (waiting out "operation in progress",
 * 10 us steps, 100 ms at most), configuration 1, the bitmap, configuration
 * 2, then configuration 0 with Enable. Return: 0; -ETIMEDOUT; -EIO;
 * -ENODEV if the device did not enable (its configuration was refused).
 */
int hm_chmu_start(const struct hm_chmu_io *io, const struct hm_chmu_caps *c,
		  const struct hm_chmu_program *p);
/* Clear Enable and wait for the disable to finish. */
int hm_chmu_stop(const struct hm_chmu_io *io, const struct hm_chmu_caps *c);
/*
 * Take the entries between head and tail (two reads when they wrap), move
 * head to tail, and clear the status interrupt bits that were set. @out
 * gets at most the hotlist size less one. *@width gets the counter width.
 * Return: the number of entries, or -EIO.
 */
long hm_chmu_drain(const struct hm_chmu_io *io, const struct hm_chmu_caps *c, uint64_t *out,
		   uint32_t *width);

/* ---- unit index to DPA to HPA ---- */

/**
 * struct hm_hdm_decoder - one endpoint HDM decoder, as committed.
 * @hpa_base:	start of the region in the host physical address space.
 * @hpa_size:	bytes of the region (all ways).
 * @dpa_skip:	DPA bytes skipped before this decoder's range.
 * @ways:	interleave ways: 1, 2, 4, 8, 16, 3, 6 or 12.
 * @granularity: interleave granularity, 256 B to 16 KiB.
 * @position:	this device's position in the interleave set.
 */
struct hm_hdm_decoder {
	uint64_t hpa_base;
	uint64_t hpa_size;
	uint64_t dpa_skip;
	uint32_t ways;
	uint32_t granularity;
	uint32_t position;
};

/*
 * "BASE,SIZE,WAYS,GRAN,POS" (sizes with K/M/G suffixes, e.g.
 * "0x4000000000,64G,2,4K,0"); the skip is left 0. Return: 0, or -EINVAL
 * (check the values with hm_hdm_check).
 */
int hm_hdm_parse(const char *s, struct hm_hdm_decoder *d);
/* Check a decoder; -EINVAL with one line in @err naming the field. */
int hm_hdm_check(const struct hm_hdm_decoder *d, char *err, size_t errlen);
/*
 * The DPA base of decoder @i of a device's @n decoders: the sum of every
 * earlier decoder's skip and per-device size, plus decoder @i's own skip.
 */
uint64_t hm_hdm_dpa_base(const struct hm_hdm_decoder *dec, unsigned int n, unsigned int i);
/*
 * DPA offset within the decoder to HPA, and back (modulo interleave: the
 * arithmetic of Linux's drivers/cxl/core/region.c). hm_hdm_hpa_to_dpa
 * returns -ERANGE for an HPA outside the region and sets *@pos to the
 * position that holds it.
 */
uint64_t hm_hdm_dpa_to_hpa(const struct hm_hdm_decoder *d, uint64_t dpa_off);
int hm_hdm_hpa_to_dpa(const struct hm_hdm_decoder *d, uint64_t hpa, uint64_t *dpa_off,
		      uint32_t *pos);

/**
 * struct hm_hpa_piece - a contiguous HPA range a unit maps to.
 */
struct hm_hpa_piece {
	uint64_t hpa;
	uint64_t len;
};

/*
 * The HPA pieces of the DPA range [@dpa_off, @dpa_off + @len): one when the
 * granularity covers it, else one per granule (contiguous ones joined).
 * Return: the number of pieces (write at most @max).
 */
unsigned int hm_hdm_pieces(const struct hm_hdm_decoder *d, uint64_t dpa_off, uint64_t len,
			   struct hm_hpa_piece *out, unsigned int max);

/**
 * struct hm_hpa_count - accesses counted in one HPA granule.
 */
struct hm_hpa_count {
	uint64_t hpa;
	uint64_t count;
};

/*
 * Merge reports from the devices of an interleave set into per-granule
 * counts: each report's count is shared out over the @granule-sized HPA
 * blocks it covers, by size, and the devices' shares added up. *@out gets
 * the blocks with a non-zero count, sorted by address (free() it).
 * Return: the number of blocks, or -ENOMEM / -EINVAL (@granule not a power
 * of two).
 */
long hm_hpa_merge(const struct hm_report *r, size_t n, uint64_t granule,
		  struct hm_hpa_count **out);

/* ---- reports ---- */

/**
 * struct hm_chmu_source - how one device's hotlist becomes reports.
 * @unit_log2:	the unit size the device was programmed with.
 * @dpa_base:	DPA of the decoder's first byte (hm_hdm_dpa_base), when @dec.
 * @dec:	the HDM decoder, or NULL to report DPAs.
 * @node:	NUMA node of the memory, or -1.
 * @source:	the report source id (registered weighted, scale = downsampling).
 * @time_ns:	when the entries were read.
 */
struct hm_chmu_source {
	uint32_t unit_log2;
	uint64_t dpa_base;
	const struct hm_hdm_decoder *dec;
	int16_t node;
	uint8_t source;
	uint64_t time_ns;
};

/*
 * Turn hotlist entries into reports: address (HPA with a decoder, else DPA;
 * physical), size = the unit (or the piece, when interleaving splits it; the
 * count is shared out by size), count = the counter. A unit gives at most
 * unit size / granularity reports. Return: the reports written; -ERANGE
 * when a unit falls outside the decoder; -ENOSPC when @max is too small.
 */
long hm_chmu_reports(const struct hm_chmu_source *s, const uint64_t *entries, uint32_t n,
		     uint32_t width, struct hm_report *out, size_t max);

#ifdef __cplusplus
}
#endif

#endif /* HOTMEM_CHMU_HOST_H */
