/* SPDX-License-Identifier: MIT */
/*
 * zpack.h: compressing a whole buffer into a zlib stream (RFC 1950) made of
 * one deflate block with the fixed Huffman codes (RFC 1951, 3.2.6), for the
 * raw answers the store keeps (store_queries.c).  Private to src/.
 *
 * Why not zlib's deflate: on answers of a few hundred bytes to a few KiB,
 * zlib spends most of its time building the block's dynamic Huffman trees
 * (three per block at every level, Z_FIXED included): of the 131 k
 * instructions level 1 took for a bank answer of 740 bytes, 88 k.  This
 * takes 22 k; its streams are 9 % larger than level 1's on those answers
 * (the fixed codes spend 9 bits on every byte of Chinese text), and any
 * zlib inflate (uncompress()) reads them.
 *
 * Matching is greedy, one candidate per 4-byte hash, distances up to
 * 32 KiB, lengths 4 to 258.  The output depends on the input alone.
 * Nothing is allocated: the hash table is on the stack (16 KiB).
 */
#ifndef CHAKONG_ZPACK_H
#define CHAKONG_ZPACK_H

#include <stddef.h>

/* The most bytes ck_zpack() writes for len bytes of input. */
size_t ck_zpack_bound(size_t len);

/* Compresses in[0..len) into out (cap bytes, at least ck_zpack_bound(len));
 * returns the length written, or 0 when cap is too small. */
size_t ck_zpack(const void *in, size_t len, void *out, size_t cap);

#endif
