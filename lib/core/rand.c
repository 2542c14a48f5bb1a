// SPDX-License-Identifier: MIT
/*
 * xoshiro256** (Blackman and Vigna), seeded through splitmix64 so that any
 * 64-bit seed, including 0, gives a well-mixed state. Small, fast, and good
 * enough for splitting regions and generating workloads; not for secrets.
 */
#include <hotmem/rand.h>

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void hm_rand_seed(struct hm_rand *rng, uint64_t seed)
{
	int i;

	for (i = 0; i < 4; i++)
		rng->s[i] = splitmix64(&seed);
}

uint64_t hm_rand_range(struct hm_rand *rng, uint64_t l, uint64_t r)
{
	if (r <= l)
		return l;
	return l + hm_rand_below(rng, r - l);
}

int hm_rand_chance(struct hm_rand *rng, uint64_t num, uint64_t den)
{
	if (!den || num >= den)
		return num >= den && den;
	return hm_rand_below(rng, den) < num;
}
