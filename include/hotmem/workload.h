/* SPDX-License-Identifier: MIT */
/*
 * Access streams: synthetic generators and traces.
 *
 * A generator turns a spec string such as "hotset:size=1G,hot=64M,frac=0.9"
 * and a seed into a deterministic stream of memory accesses (time, address,
 * read or write, TEE or not, CPU). The same string is used on the command
 * line and in JSON configurations. A trace stores such a stream in a binary
 * or a text file. docs/workload.md documents the generators, their
 * parameters and both trace formats.
 */
#ifndef HOTMEM_WORKLOAD_H
#define HOTMEM_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* hm_access.flags */
#define HM_ACCESS_WRITE	0x01	/* a write (else a read) */
#define HM_ACCESS_TEE	0x02	/* a TEE (trusted execution) request */

/**
 * struct hm_access - one memory access.
 * @time_ns:	when, on the stream's clock.
 * @addr:	the address accessed (physical in the device's or host's space,
 *		as the consumer takes it).
 * @cpu:	the CPU that made it.
 * @flags:	HM_ACCESS_* bits.
 */
struct hm_access {
	uint64_t time_ns;
	uint64_t addr;
	uint32_t cpu;
	uint32_t flags;
};

enum hm_workload_kind {
	HM_WORKLOAD_UNIFORM,	/* every line of the span equally likely */
	HM_WORKLOAD_ZIPF,	/* items of @gran bytes by Zipf rank */
	HM_WORKLOAD_HOTSET,	/* @frac of accesses in a hot set of @hot bytes */
	HM_WORKLOAD_TRACE,	/* a recorded stream, replayed (hm_workload_from_accesses) */
};

/**
 * struct hm_workload_spec - what a generator produces.
 * @kind:	the generator.
 * @base:	first address of the span.
 * @size:	bytes of the span; a multiple of @line.
 * @line:	bytes of one access; addresses are aligned to it (64: a cache
 *		line, what reaches a CXL device).
 * @rate:	accesses per second of stream time; times are evenly spaced.
 * @write_ppm:	share of writes, in parts per million.
 * @tee_ppm:	share of TEE requests, in parts per million.
 * @cpus:	accesses are spread over CPUs 0..@cpus-1 at random.
 * @exponent_milli: Zipf exponent in thousandths (990 = 0.99).
 * @gran:	Zipf item size: 4 KiB units or 2 MiB chunks, say.
 * @scramble:	Zipf ranks are scattered over the span (else rank 1 is the
 *		first item, rank 2 the second, and so on).
 * @hot:	hot set size (hotset).
 * @frac_ppm:	share of accesses that go to the hot set (hotset), ppm; the
 *		rest go uniformly to the cold part of the span.
 * @move_ns:	the hot set moves to a new random place every @move_ns of
 *		stream time; 0: it stays at the start of the span.
 */
struct hm_workload_spec {
	enum hm_workload_kind kind;
	uint64_t base;
	uint64_t size;
	uint64_t line;
	uint64_t rate;
	uint32_t write_ppm;
	uint32_t tee_ppm;
	uint32_t cpus;
	uint32_t exponent_milli;
	uint64_t gran;
	bool scramble;
	uint64_t hot;
	uint32_t frac_ppm;
	uint64_t move_ns;
};

struct hm_workload;

/*
 * Parse a spec string, "KIND:key=value,key=value". Unset keys take their
 * defaults (docs/workload.md). Return: 0; -EINVAL with one line in @err
 * naming the key and what was wrong, @spec unchanged.
 */
int hm_workload_parse(const char *s, struct hm_workload_spec *spec, char *err,
		      size_t errlen);
/* The canonical string of @spec, every key written. Return: its length. */
int hm_workload_format(const struct hm_workload_spec *spec, char *buf, size_t len);
/*
 * A generator for @spec, seeded with @seed: the same spec and seed give the
 * same stream. Return: the generator, or NULL with errno set (EINVAL for a
 * spec hm_workload_parse would refuse, ENOMEM).
 */
struct hm_workload *hm_workload_new(const struct hm_workload_spec *spec, uint64_t seed);
void hm_workload_free(struct hm_workload *w);
/* The next @n accesses into @out. */
void hm_workload_fill(struct hm_workload *w, struct hm_access *out, size_t n);
/* Where the hot set is now (hotset): its first address. */
uint64_t hm_workload_hot_start(const struct hm_workload *w);

/*
 * What a time model that draws counts instead of accesses needs to follow
 * a generator (lib/sim's epoch model):
 * hm_workload_advance() applies the hot set's moves up to @time_ns (the
 * moves draw from their own stream, so they happen at the same times and
 * places whether or not accesses are drawn); hm_workload_next_move() says
 * when the next one is due (UINT64_MAX: never). For zipf,
 * hm_workload_nr_items() is the item count and hm_workload_item() the item
 * (0-based, in @gran units from the base) that rank @rank (0-based) lands
 * on; rank k is drawn with probability (k + 1)^-s / sum.
 */
void hm_workload_advance(struct hm_workload *w, uint64_t time_ns);
uint64_t hm_workload_next_move(const struct hm_workload *w);
uint64_t hm_workload_nr_items(const struct hm_workload *w);
uint64_t hm_workload_item(const struct hm_workload *w, uint64_t rank);
/* The accesses rank @rank gets per pass of a trace; 0 for generators. */
uint64_t hm_workload_item_count(const struct hm_workload *w, uint64_t rank);

/*
 * A recorded stream as a workload: @a (@n accesses, times not going back,
 * as hm_trace_read() or hm_perf_parse() give them) is replayed in a loop.
 * Its addresses are packed: the distinct @gran-byte units it touches, in
 * address order, are laid side by side from @base, each keeping the offset
 * of its accesses inside it (aligned down to 64 bytes), so a trace from a
 * 47-bit address space fits a simulated machine while its pages keep their
 * order. Times start from 0 and one pass lasts the trace's span plus one
 * mean gap. CPUs are renumbered densely in the order of their ids. The
 * spec (hm_workload_get_spec()) has kind HM_WORKLOAD_TRACE, @size the
 * packed units, @rate the mean rate, and the write and TEE shares of the
 * trace; its items are the packed units, busiest first.
 * Return: the workload, or NULL with one line in @err (fewer than two
 * accesses, no time between the first and the last or more than 10^6 s,
 * time going back,
 * @gran not a power of two from 64 bytes to 1 GiB, or ENOMEM).
 */
struct hm_workload *hm_workload_from_accesses(const struct hm_access *a, size_t n,
					      uint64_t base, uint64_t gran, char *err,
					      size_t errlen);
/* A copy that continues the same stream (a trace's data is shared). */
struct hm_workload *hm_workload_dup(const struct hm_workload *w);
const struct hm_workload_spec *hm_workload_get_spec(const struct hm_workload *w);

/* ---- traces ---- */

enum hm_trace_format {
	HM_TRACE_BINARY,	/* 16-byte header, 24-byte little-endian records */
	HM_TRACE_TEXT,		/* "time_ns addr r|w cpu [tee]" per line */
};

struct hm_trace_reader;
struct hm_trace_writer;

/*
 * Read a trace from @f (binary or text, told apart by the first bytes);
 * @name is used in messages. Return: 0; -ENOMEM.
 */
int hm_trace_open(FILE *f, const char *name, struct hm_trace_reader **out);
/*
 * Up to @n accesses into @out. Return: how many (0 at the end), or -EINVAL
 * with one line in @err naming the byte offset (binary) or the line (text)
 * and what was expected; -errno for a read error. Times never go back.
 */
long hm_trace_read(struct hm_trace_reader *r, struct hm_access *out, size_t n,
		   char *err, size_t errlen);
enum hm_trace_format hm_trace_reader_format(const struct hm_trace_reader *r);
void hm_trace_close(struct hm_trace_reader *r);

/* Write a trace to @f in @fmt. Return: 0, -ENOMEM, -errno. */
int hm_trace_create(FILE *f, enum hm_trace_format fmt, struct hm_trace_writer **out);
int hm_trace_write(struct hm_trace_writer *w, const struct hm_access *a, size_t n);
/* Flush; does not close @f. Return: 0 or the first error. */
int hm_trace_finish(struct hm_trace_writer *w);

#ifdef __cplusplus
}
#endif

#endif /* HOTMEM_WORKLOAD_H */
