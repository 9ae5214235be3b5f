/* SPDX-License-Identifier: MIT */
/*
 * Poly1305's eight-lane inner loop for CPUs with AVX-512 IFMA; private to
 * poly1305.c. h and the powers are in poly1305.c's radix 2^44.
 */
#ifndef CVPC_CRYPTO_POLY1305_IFMA_H
#define CVPC_CRYPTO_POLY1305_IFMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

bool poly1305_ifma_usable(void);

/*
 * Absorbs 8 * groups blocks (groups >= 1) into h; pw[k] is r^(k + 1).
 * h comes back with limbs up to 2^48, for the scalar code to carry.
 */
void poly1305_ifma_blocks(uint64_t h[3], const uint64_t pw[4][3],
			  const uint8_t *m, size_t groups);

#endif
