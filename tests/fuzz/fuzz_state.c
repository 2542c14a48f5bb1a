// SPDX-License-Identifier: MIT
/*
 * Fuzz target for the state file: any input either fails with a one-line
 * message and leaves the state as it was, or loads; what loads saves and
 * loads back to the same overrides.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];

static void put(const uint8_t *data, size_t size)
{
	FILE *f = fopen(path, "w");

	if (!f || fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hm_state s, s2;
	char err[512];

	if (!path[0])
		snprintf(path, sizeof(path), "/tmp/hm-fuzz-state-%d.json", (int)getpid());
	put(data, size);
	memset(&s, 0x5a, sizeof(s));
	err[0] = '\0';
	if (hm_state_load(path, &s, err, sizeof(err))) {
		if (!err[0] || strchr(err, '\n') || s.nr != 0x5a5a5a5a)
			abort();
		unlink(path);
		return 0;
	}
	if (s.nr > HM_MAX_NODES || hm_state_save(path, &s, err, sizeof(err)) ||
	    hm_state_load(path, &s2, err, sizeof(err)) || s2.nr != s.nr)
		abort();
	for (unsigned int i = 0; i < s.nr; i++)
		if (memcmp(&s.ov[i], &s2.ov[i], sizeof(s.ov[i])))
			abort();
	unlink(path);
	return 0;
}
