// SPDX-License-Identifier: MIT
/* hm_cxl_read() in a build without libcxl (the static guest binary). */
#include <errno.h>
#include <string.h>

#include <hotmem/linux.h>

int hm_cxl_read(struct hm_cxl *c)
{
	memset(c, 0, sizeof(*c));
	return -EOPNOTSUPP;
}
