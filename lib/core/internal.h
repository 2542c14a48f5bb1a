/* SPDX-License-Identifier: MIT */
/* Declarations shared between lib/core files and not part of the API. */
#ifndef HOTMEM_CORE_INTERNAL_H
#define HOTMEM_CORE_INTERNAL_H

#include <hotmem/monitor.h>

void hm_snapshot_free(struct hm_snapshot *snap);
void hm_filter_set_free(struct hm_filter_set *fs);

/*
 * The monitor's access check for one sampling interval: drain @set (may be
 * NULL), then give every region its sample, asking the ops' sampling check
 * (check_access) as well. Same returns as hm_drain().
 */
int hm__access_check(struct hm_ctx *ctx, struct hm_ring_set *set, uint64_t now_ns,
		     struct hm_drain_stats *st);

#endif /* HOTMEM_CORE_INTERNAL_H */
