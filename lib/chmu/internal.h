/* SPDX-License-Identifier: MIT */
/* Declarations shared between lib/chmu files and not part of the API. */
#ifndef HOTMEM_CHMU_INTERNAL_H
#define HOTMEM_CHMU_INTERNAL_H

#include <errno.h>
#include <stdlib.h>

/*
 * Room for @need elements of @size bytes in the array at *@p, which has
 * room for *@cap: grown to twice @need (at least 64) when short.
 * Return: 0, -ENOMEM (the array is left as it was).
 */
static inline int hm__grow(void *p, size_t *cap, size_t need, size_t size)
{
	void **pp = p, *q;
	size_t n;

	if (need <= *cap)
		return 0;
	n = need * 2 > 64 ? need * 2 : 64;
	q = realloc(*pp, n * size);
	if (!q)
		return -ENOMEM;
	*pp = q;
	*cap = n;
	return 0;
}

#endif /* HOTMEM_CHMU_INTERNAL_H */
