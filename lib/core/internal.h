/* SPDX-License-Identifier: MIT */
/* Declarations shared between lib/core files and not part of the API. */
#ifndef HOTMEM_CORE_INTERNAL_H
#define HOTMEM_CORE_INTERNAL_H

#include <hotmem/monitor.h>

void hm_snapshot_free(struct hm_snapshot *snap);
void hm_filter_set_free(struct hm_filter_set *fs);

#endif /* HOTMEM_CORE_INTERNAL_H */
