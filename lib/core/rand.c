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

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void hm_rand_seed(struct hm_rand *rng, uint64_t seed)
{
	int i;

	for (i = 0; i < 4; i++)
		rng->s[i] = splitmix64(&seed);
}

uint64_t hm_rand_next(struct hm_rand *rng)
{
	uint64_t *s = rng->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint64_t hm_rand_below(struct hm_rand *rng, uint64_t n)
{
	unsigned __int128 m;
	uint64_t lo;

	if (!n)
		return 0;
	m = (unsigned __int128)hm_rand_next(rng) * n;
	lo = (uint64_t)m;
	if (lo < n) {
		uint64_t thresh = -n % n;

		while (lo < thresh) {
			m = (unsigned __int128)hm_rand_next(rng) * n;
			lo = (uint64_t)m;
		}
	}
	return (uint64_t)(m >> 64);
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
