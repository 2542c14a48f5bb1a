/* SPDX-License-Identifier: MIT */
/*
 * A seeded pseudo-random generator (xoshiro256**, seeded through splitmix64).
 * lib/core never draws randomness on its own: callers pass one of these in,
 * so every run is repeatable for a seed.
 */
#ifndef HOTMEM_RAND_H
#define HOTMEM_RAND_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct hm_rand {
	uint64_t s[4];
};

void hm_rand_seed(struct hm_rand *rng, uint64_t seed);

static inline uint64_t hm_rand_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* The next 64 random bits. Inline: the simulator draws several per access. */
static inline uint64_t hm_rand_next(struct hm_rand *rng)
{
	uint64_t *s = rng->s;
	uint64_t result = hm_rand_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = hm_rand_rotl(s[3], 45);
	return result;
}

/*
 * Uniform in [0, n); n = 0 gives 0. Unbiased (Lemire's method). All inline,
 * the rare retry too: a call would take the generator's address, and a
 * caller's local copy of it would then live in memory instead of registers.
 */
static inline uint64_t hm_rand_below(struct hm_rand *rng, uint64_t n)
{
	unsigned __int128 m = (unsigned __int128)hm_rand_next(rng) * n;

	if (__builtin_expect((uint64_t)m < n, 0)) {
		uint64_t thresh = n ? -n % n : 0;

		while ((uint64_t)m < thresh)
			m = (unsigned __int128)hm_rand_next(rng) * n;
	}
	return (uint64_t)(m >> 64);
}

/* Uniform in [l, r), as DAMON's damon_rand(l, r); r <= l gives l. */
uint64_t hm_rand_range(struct hm_rand *rng, uint64_t l, uint64_t r);
/* True with probability num/den. */
int hm_rand_chance(struct hm_rand *rng, uint64_t num, uint64_t den);

#ifdef __cplusplus
}
#endif

#endif /* HOTMEM_RAND_H */
