/* utf8.c -- UTF-8 validation (RFC 3629 table 3-7 of Unicode's well-formed sequences). */
#include "utf8.h"
#include <stdint.h>
#include <string.h>

size_t sw_utf8_seq(const unsigned char *s, size_t n) {
    unsigned c = s[0];
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len == 0 || len > n) return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xC0) != 0x80) return 0;
    if ((len == 2 && c < 0xC2) || (len == 3 && c == 0xE0 && s[1] < 0xA0) || (len == 3 && c == 0xED && s[1] >= 0xA0) ||
        (len == 4 && ((c == 0xF0 && s[1] < 0x90) || c > 0xF4 || (c == 0xF4 && s[1] >= 0x90))))
        return 0;
    return len;
}

int sw_utf8_valid(const char *s, size_t n) {
    for (size_t i = 0; i < n;) {
        uint64_t w; /* most CloudWatch strings are ASCII: check eight bytes at a time */
        if (n - i >= 8 && (memcpy(&w, s + i, 8), !(w & 0x8080808080808080ULL))) { i += 8; continue; }
        size_t len = sw_utf8_seq((const unsigned char *)s + i, n - i);
        if (len == 0) return 0;
        i += len;
    }
    return 1;
}

void sw_utf8_repair(char *s) {
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        size_t len = sw_utf8_seq((const unsigned char *)s + i, n - i);
        if (len == 0) { s[i++] = '?'; continue; }
        i += len;
    }
}
