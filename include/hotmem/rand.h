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
uint64_t hm_rand_next(struct hm_rand *rng);
/* Uniform in [0, n); n = 0 gives 0. Unbiased (Lemire's method). */
uint64_t hm_rand_below(struct hm_rand *rng, uint64_t n);
/* Uniform in [l, r), as DAMON's damon_rand(l, r); r <= l gives l. */
uint64_t hm_rand_range(struct hm_rand *rng, uint64_t l, uint64_t r);
/* True with probability num/den. */
int hm_rand_chance(struct hm_rand *rng, uint64_t num, uint64_t den);

#ifdef __cplusplus
}
#endif

#endif /* HOTMEM_RAND_H */
