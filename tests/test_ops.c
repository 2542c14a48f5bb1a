// SPDX-License-Identifier: MIT
/* The in-memory test backend; see test_ops.h. */
#include <stdlib.h>
#include <string.h>

#include "test_ops.h"

static void logc(struct test_ops *o, char c)
{
	if (o->log_len + 1 < sizeof(o->log))
		o->log[o->log_len++] = c;
}

/* Prepares and checks come once per region: log one letter per run of them. */
static void log_run(struct test_ops *o, char c)
{
	if (!o->log_len || o->log[o->log_len - 1] != c)
		logc(o, c);
}

static int64_t unit_of(const struct test_ops *o, uint64_t addr)
{
	if (addr < o->base)
		return -1;
	addr = (addr - o->base) / o->unit;
	return addr < o->nr_units ? (int64_t)addr : -1;
}

static int t_ranges(void *priv, struct hm_target *t, struct hm_addr_range *r,
		    unsigned int max)
{
	struct test_ops *o = priv;
	unsigned int i;

	(void)t;
	logc(o, 'R');
	o->ranges_calls++;
	for (i = 0; i < o->nr_ranges && i < max; i++)
		r[i] = o->ranges[i];
	return (int)i;
}

static void t_prepare(void *priv, struct hm_target *t, struct hm_region *r)
{
	struct test_ops *o = priv;

	(void)t;
	(void)r;
	o->prepares++;
	log_run(o, 'P');
}

static uint32_t rate_at(const struct test_ops *o, uint64_t addr)
{
	unsigned int i;

	for (i = 0; i < o->nr_hot; i++)
		if (o->hot[i].start <= addr && addr < o->hot[i].end)
			return o->hot[i].permil;
	return o->cold_permil;
}

static bool t_check(void *priv, struct hm_target *t, struct hm_region *r)
{
	struct test_ops *o = priv;

	(void)t;
	o->checks++;
	log_run(o, 'C');
	return hm_rand_below(&o->rng, 1000) < rate_at(o, r->sampling_addr);
}

uint64_t tops_bytes_on(const struct test_ops *o, uint64_t start, uint64_t end, int nid)
{
	uint64_t bytes = 0, a;

	for (a = start; a < end;) {
		int64_t u = unit_of(o, a);
		uint64_t next = u < 0 ? end : o->base + (uint64_t)(u + 1) * o->unit;

		if (next > end)
			next = end;
		if (u >= 0 && o->node[u] == nid)
			bytes += next - a;
		a = next;
	}
	return bytes;
}

void tops_place(struct test_ops *o, uint64_t start, uint64_t end, int nid)
{
	uint64_t a;

	for (a = start; a < end; a += o->unit) {
		int64_t u = unit_of(o, a);

		if (u >= 0)
			o->node[u] = (uint8_t)nid;
	}
}

uint64_t tops_move(struct test_ops *o, uint64_t start, uint64_t end, int nid,
		   uint64_t bytes)
{
	uint64_t moved = 0, a;

	for (a = start; a < end && moved < bytes; a += o->unit) {
		int64_t u = unit_of(o, a);

		if (u >= 0 && o->node[u] != nid) {
			o->node[u] = (uint8_t)nid;
			moved += o->unit;
		}
	}
	return moved;
}

static int t_apply(void *priv, struct hm_target *t, struct hm_region *r,
		   const struct hm_scheme *s, struct hm_action_result *res)
{
	struct test_ops *o = priv;
	int32_t nid = s->nr_dests ? s->dests[0].nid : -1;
	uint64_t sz = hm_sz_region(r), todo;

	(void)t;
	logc(o, 'A');
	if (o->nr_applied < TOPS_MAX_APPLIED) {
		o->applied[o->nr_applied].start = r->start;
		o->applied[o->nr_applied].end = r->end;
		o->applied[o->nr_applied].action = s->action;
		o->applied[o->nr_applied].nid = nid;
		o->nr_applied++;
	}
	/* Pages already on the destination are skipped. */
	res->sz_in_place = tops_bytes_on(o, r->start, r->end, nid);
	todo = sz - res->sz_in_place;
	if (o->migrate_now)
		todo = tops_move(o, r->start, r->end, nid, todo);
	else
		o->queued += todo;
	res->sz_applied = todo;
	res->sz_ops_filter_passed = sz;
	res->time_ns = sz * o->ns_per_mib / (1 << 20);
	return 0;
}

static int t_node_mem(void *priv, int nid, struct hm_node_mem *mem)
{
	struct test_ops *o = priv;

	if (nid < 0 || nid > 1)
		return -ENODEV;
	*mem = o->mem[nid];
	return 0;
}

static int t_range_on_node(void *priv, struct hm_target *t, uint64_t start,
			   uint64_t end, int nid, uint64_t *on_node, uint64_t *resident)
{
	struct test_ops *o = priv;

	(void)t;
	*on_node = tops_bytes_on(o, start, end, nid);
	*resident = tops_bytes_on(o, start, end, 0) + tops_bytes_on(o, start, end, 1);
	return 0;
}

static int t_free_rate(void *priv, uint32_t *permil)
{
	struct test_ops *o = priv;

	if (o->no_free_rate)
		return -ENODATA;
	*permil = o->free_permil;
	return 0;
}

void tops_init(struct test_ops *o, uint64_t base, uint64_t unit, uint32_t nr_units,
	       uint64_t seed)
{
	memset(o, 0, sizeof(*o));
	o->base = base;
	o->unit = unit;
	o->nr_units = nr_units;
	o->node = calloc(nr_units ? nr_units : 1, 1);
	hm_rand_seed(&o->rng, seed);
	o->migrate_now = true;
	o->ops.target_ranges = t_ranges;
	o->ops.prepare_access = t_prepare;
	o->ops.check_access = t_check;
	o->ops.apply = t_apply;
	o->ops.node_mem = t_node_mem;
	o->ops.range_on_node = t_range_on_node;
	o->ops.free_mem_rate = t_free_rate;
}

void tops_free(struct test_ops *o)
{
	free(o->node);
}

void tops_attach(struct test_ops *o, struct hm_ctx *ctx)
{
	ctx->ops = &o->ops;
	ctx->ops_priv = o;
}
