// SPDX-License-Identifier: MIT
/*
 * Fuzz target for the value parsers. The first byte picks the parser; the
 * rest is the text. Checks what every parser promises: no crash, an error
 * offset inside the text, values within the limits asked for, and nothing
 * written on error.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <hotmem/parse.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check_item(uint64_t lo, uint64_t hi, void *arg)
{
	uint64_t max = *(uint64_t *)arg;

	if (lo > hi || hi > max)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t v = 0x5a5a, max = 4095, bits[64];
	size_t at = (size_t)-1, len;
	char *s;
	int ret = 0;

	if (!size)
		return 0;
	s = malloc(size);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	len = strlen(s);

	switch (data[0] % 5) {
	case 0:
		ret = hm_parse_u64(s, &v, &at);
		break;
	case 1:
		ret = hm_parse_size(s, &v, &at);
		break;
	case 2:
		ret = hm_parse_list(s, max, check_item, &max, &at);
		break;
	case 3:
		memset(bits, 0xa5, sizeof(bits));
		ret = hm_parse_cpulist(s, bits, 4096, &at);
		break;
	case 4:
		ret = hm_parse_duration(s, 1000, &v, &at);
		break;
	}
	if (ret && ret != -EINVAL && ret != -ERANGE)
		abort();
	if (ret && at != (size_t)-1 && at > len)
		abort();
	if (ret && (data[0] % 5 < 2 || data[0] % 5 == 4) && v != 0x5a5a)
		abort();
	free(s);
	return 0;
}
