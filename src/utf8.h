/* utf8.h -- UTF-8 well-formedness, shared by every decoder and the error messages. */
#ifndef SW_UTF8_H
#define SW_UTF8_H
#include <stddef.h>

/* Length (1-4) of the well-formed UTF-8 sequence at s (RFC 3629: no overlongs, surrogates or code
 * points past U+10FFFF), or 0 when the bytes there are not one. n is the bytes available (> 0). */
size_t sw_utf8_seq(const unsigned char *s, size_t n);
/* 1 when [s, s+n) is well-formed UTF-8. */
int sw_utf8_valid(const char *s, size_t n);
/* Replaces, in place, every byte of the NUL-terminated s that is not part of a well-formed sequence by '?'. */
void sw_utf8_repair(char *s);

#endif
