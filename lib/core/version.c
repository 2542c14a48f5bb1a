// SPDX-License-Identifier: MIT
/* The library's version, so a program can tell which libhotmem it runs. */
#include <hotmem/version.h>

const char *hm_version(void)
{
	return HOTMEM_VERSION;
}
