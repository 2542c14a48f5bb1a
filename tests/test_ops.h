/* SPDX-License-Identifier: MIT */
/*
 * A small in-memory backend for tests: an address space of fixed-size units,
 * each on node 0 or 1; accesses decided per unit by a seeded generator with
 * per-range rates; actions recorded and, for migrations, carried out (now,
 * or queued for the test to carry out later: a plant with lag); node
 * memory and free-memory rate set by the test; a log of calls in order.
 */
#ifndef HOTMEM_TEST_OPS_H
#define HOTMEM_TEST_OPS_H

#include <hotmem/hotmem.h>

#define TOPS_MAX_HOT 8
#define TOPS_MAX_APPLIED 4096

struct test_ops {
	struct hm_ops ops;

	/* the address space: [base, base + nr_units * unit) */
	uint64_t base, unit;
	uint32_t nr_units;
	uint8_t *node;		/* node of each unit */

	/* target ranges returned by target_ranges (0: none) */
	struct hm_addr_range ranges[8];
	unsigned int nr_ranges;
	unsigned int ranges_calls;

	/* access rates, per mille per sample, by range; others: cold_permil */
	struct {
		uint64_t start, end;
		uint32_t permil;
	} hot[TOPS_MAX_HOT];
	unsigned int nr_hot;
	uint32_t cold_permil;
	struct hm_rand rng;
	unsigned int prepares, checks;

	/* applies, in order */
	struct {
		uint64_t start, end;
		enum hm_action action;
		int32_t nid;
	} applied[TOPS_MAX_APPLIED];
	unsigned int nr_applied;
	bool migrate_now;	/* carry migrations out at once */
	uint64_t ns_per_mib;	/* time an action takes */
	uint64_t queued;	/* bytes asked to move, not yet moved */

	/* metrics */
	struct hm_node_mem mem[2];
	uint32_t free_permil;
	bool no_free_rate;

	/* call log: one letter per call (R ranges, P prepare, C check, A apply) */
	char log[65536];
	size_t log_len;
};

void tops_init(struct test_ops *o, uint64_t base, uint64_t unit, uint32_t nr_units,
	       uint64_t seed);
void tops_free(struct test_ops *o);
/* Units [start, end) go to node @nid. */
void tops_place(struct test_ops *o, uint64_t start, uint64_t end, int nid);
/* Bytes of [start, end) on node @nid. */
uint64_t tops_bytes_on(const struct test_ops *o, uint64_t start, uint64_t end, int nid);
/* Carry out @bytes of queued migration toward node @nid, lowest units first. */
uint64_t tops_move(struct test_ops *o, uint64_t start, uint64_t end, int nid,
		   uint64_t bytes);
void tops_attach(struct test_ops *o, struct hm_ctx *ctx);

#endif /* HOTMEM_TEST_OPS_H */
