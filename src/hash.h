/* hash.h -- a fast 64-bit hash for in-memory tables (not for anything an attacker can exploit remotely
 * beyond slowing its own account's lookups: tables grow and the seed is random per process). */
#ifndef SW_HASH_H
#define SW_HASH_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint64_t sw_hash64(const void *data, size_t n, uint64_t seed) {
    const unsigned char *p = data;
    uint64_t h = seed ^ (n * 0x9E3779B97F4A7C15ULL);
    while (n >= 8) {
        uint64_t k;
        memcpy(&k, p, 8);
        k *= 0xBF58476D1CE4E5B9ULL;
        k ^= k >> 31;
        h = (h ^ k) * 0x94D049BB133111EBULL;
        p += 8;
        n -= 8;
    }
    /* The tail as a little-endian word, built in a register: a memcpy of n < 8 bytes into a stack word
     * stores bytes that the load of the whole word then waits for (a store-forwarding stall that cost
     * more than the rest of the hash for short strings). Same value as memcpy on little-endian. */
    uint64_t k = 0;
    while (n--) k = k << 8 | p[n];
    h ^= k * 0xBF58476D1CE4E5B9ULL;
    h ^= h >> 29;
    h *= 0x94D049BB133111EBULL;
    return h ^ (h >> 32);
}

#endif
