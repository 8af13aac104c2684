/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * One pseudo-random generator for the whole project: xorshift64* (Vigna),
 * a few shifts and one multiply on a 64-bit state the caller owns. Fast
 * enough to draw once per measured op, good enough to pick keys and
 * schedules; not for anything that needs unpredictability.
 *
 * Context: any thread; the state is the caller's (one per thread) and must
 * never be zero (seed with something | 1).
 */
#ifndef LB_RAND_H
#define LB_RAND_H

#include <stdint.h>

static inline uint64_t lb_rand64(uint64_t *state)
{
	uint64_t x = *state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545F4914F6CDD1Dull;
}

#endif
