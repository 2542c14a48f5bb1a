/* SPDX-License-Identifier: MIT */
/* Declarations shared between lib/chmu files and not part of the API. */
#ifndef HOTMEM_CHMU_INTERNAL_H
#define HOTMEM_CHMU_INTERNAL_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <hotmem/report.h>

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

/* A growing array of reports. */
struct hm__reps {
	struct hm_report *r;
	size_t n, cap;
};

/* Append @n reports. Return: 0, -ENOMEM (nothing appended). */
static inline int hm__reps_push(struct hm__reps *v, const struct hm_report *r, size_t n)
{
	if (hm__grow(&v->r, &v->cap, v->n + n, sizeof(*r)))
		return -ENOMEM;
	memcpy(v->r + v->n, r, n * sizeof(*r));
	v->n += n;
	return 0;
}

#endif /* HOTMEM_CHMU_INTERNAL_H */
