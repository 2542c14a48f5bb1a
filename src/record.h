/* SPDX-License-Identifier: MIT */
/*
 * Monitoring records: JSON lines, a header and then one line per
 * aggregation window with every target's regions. docs/records.md is the
 * format's reference.
 */
#ifndef HOTMEM_SRC_RECORD_H
#define HOTMEM_SRC_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hotmem/monitor.h>

#define HM_RECORD_FORMAT "hotmem-record"
#define HM_RECORD_VERSION 1

struct hm_record_writer;

/* Create @path and write the header for @ctx's targets. */
int hm_record_create(const char *path, const struct hm_ctx *ctx,
		     struct hm_record_writer **out, char *err, size_t errlen);
/* One aggregation window: call from ctx->after_aggregate (before the reset). */
int hm_record_write(struct hm_record_writer *w, const struct hm_ctx *ctx,
		    uint64_t time_ns);
/* An after_aggregate callback writing to the writer in @arg. */
void hm_record_on_aggregate(struct hm_ctx *ctx, void *arg);
/* Flush and close. Return: 0, or the first write error (-errno). */
int hm_record_close(struct hm_record_writer *w);

struct hm_record_region {
	uint64_t start, end;
	uint32_t nr_accesses;
	uint32_t age;
	uint64_t est_accesses;
};

struct hm_record_target {
	int32_t id;
	uint32_t nr_regions;
	struct hm_record_region *regions;
};

struct hm_record_snapshot {
	uint64_t time_ns;
	uint64_t sample_us, aggr_us;
	uint32_t nr_targets;
	struct hm_record_target *targets;
};

struct hm_record_target_info {
	int32_t id;
	char kind[16];		/* "process", "virt", "phys" or "any" */
	int32_t pid;		/* -1 unless a process */
};

struct hm_record {
	uint32_t version;
	uint64_t sample_us, aggr_us;
	uint32_t nr_targets;
	struct hm_record_target_info *targets;
	size_t nr_snaps;
	struct hm_record_snapshot *snaps;
};

/*
 * Read a whole record. Errors are one line: "PATH:LINE: $.path: what"
 * (or "PATH: why" for I/O). Return: 0, -EINVAL, -ENOMEM or -errno.
 */
int hm_record_read(const char *path, struct hm_record **out, char *err, size_t errlen);
int hm_record_parse(const char *text, size_t len, const char *name,
		    struct hm_record **out, char *err, size_t errlen);
void hm_record_free(struct hm_record *rec);

/* Samples per aggregation of a snapshot, for access rates (at least 1). */
uint64_t hm_record_samples_per_aggr(const struct hm_record_snapshot *s);

#endif /* HOTMEM_SRC_RECORD_H */
