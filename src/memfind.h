/* memfind.h -- substring search for filter terms: the first occurrence of needle in haystack.
 * SSE2 (every x86-64) compares the needle's first and last bytes at 16 positions at once and checks the
 * middle only where both agree, which suits short log terms ("ERROR", "rate_limit_exceeded") over long
 * haystacks (a whole decoded block) and costs little set-up on short ones (one event). Elsewhere, memmem. */
#ifndef SW_MEMFIND_H
#define SW_MEMFIND_H
#include <stddef.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

static inline const char *sw_memfind(const char *h, size_t n, const char *needle, size_t k) {
    if (k == 0) return h;
    if (k > n) return NULL;
    if (k == 1) return memchr(h, needle[0], n);
#if defined(__SSE2__)
    const __m128i first = _mm_set1_epi8(needle[0]), last = _mm_set1_epi8(needle[k - 1]);
    size_t i = 0;
    for (; i + k - 1 + 16 <= n; i += 16) {
        __m128i a = _mm_loadu_si128((const __m128i *)(const void *)(h + i));
        __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(h + i + k - 1));
        unsigned mask = (unsigned)_mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a, first), _mm_cmpeq_epi8(b, last)));
        while (mask) {
            unsigned bit = (unsigned)__builtin_ctz(mask);
            if (memcmp(h + i + bit + 1, needle + 1, k - 2) == 0) return h + i + bit;
            mask &= mask - 1;
        }
    }
    for (; i + k <= n; i++)
        if (h[i] == needle[0] && h[i + k - 1] == needle[k - 1] && memcmp(h + i + 1, needle + 1, k - 2) == 0) return h + i;
    return NULL;
#else
    return memmem(h, n, needle, k);
#endif
}

#endif
