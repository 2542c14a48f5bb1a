// SPDX-License-Identifier: MIT
/*
 * Fuzz target for the daemon's source sections, each given the same JSON:
 * "chmu" (src/run_chmu.c) and "page_idle" (src/run_idle.c). Any JSON either
 * is taken, or is refused with one line naming the section; what "chmu"
 * takes is a decoder hm_hdm_check accepts and an epoch-mode event with an
 * epoch; what "page_idle" takes is an interval from 10 ms to 60 s and a
 * bitmap path. Input that is not JSON is left to the JSON parser.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include <hotmem/chmu.h>

#include "../../src/run_chmu.h"
#include "../../src/run_idle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o;
	struct run_chmu_cfg c;
	struct run_idle_cfg ic;
	char err[512] = "", e[128];

	if (!tok)
		return 0;
	o = json_tokener_parse_ex(tok, (const char *)data, (int)(size > INT32_MAX ? INT32_MAX : size));
	json_tokener_free(tok);
	if (!o)
		return 0;
	if (run_chmu_parse(o, &c, err, sizeof(err))) {
		if (!err[0] || strchr(err, '\n') || strncmp(err, "$.daemon.chmu", 13))
			abort();
	} else if (!c.given || hm_hdm_check(&c.dec, e, sizeof(e)) ||
		   hm_chmu_event_get(&c.ev, HM_CHMU_F_EPOCH_TYPE) ||
		   !hm_chmu_epoch_ns((unsigned int)hm_chmu_event_get(&c.ev, HM_CHMU_F_EPOCH_SCALE),
				     (unsigned int)hm_chmu_event_get(&c.ev, HM_CHMU_F_EPOCH_MULT)) ||
		   (!c.ev.pmu[0] && !c.aux_file[0]) || (c.aux_bytes & (c.aux_bytes - 1))) {
		abort();
	}
	err[0] = 0;
	if (run_idle_parse(o, &ic, err, sizeof(err))) {
		if (!err[0] || strchr(err, '\n') || strncmp(err, "$.daemon.page_idle", 18))
			abort();
	} else if (ic.interval_ns < 10000000 || ic.interval_ns > 60000000000ull ||
		   !ic.bitmap[0] || !memchr(ic.bitmap, 0, sizeof(ic.bitmap))) {
		abort();
	}
	json_object_put(o);
	return 0;
}
