/* crc32c.c -- CRC-32C with the SSE 4.2 crc32 instruction, and a table fallback. */
#include "crc32c.h"
#include <string.h>

static uint32_t sw_crc_table[256];

static void sw_crc_table_init(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = c & 1 ? (c >> 1) ^ 0x82F63B78u : c >> 1;
        sw_crc_table[i] = c;
    }
}

static uint32_t sw_crc32c_sw(uint32_t crc, const unsigned char *p, size_t n) {
    if (!sw_crc_table[1]) sw_crc_table_init();
    crc = ~crc;
    while (n--) crc = sw_crc_table[(crc ^ *p++) & 0xFF] ^ (crc >> 8);
    return ~crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) static uint32_t sw_crc32c_hw(uint32_t crc, const unsigned char *p, size_t n) {
    uint64_t c = ~crc;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        c = __builtin_ia32_crc32di(c, w);
        p += 8;
        n -= 8;
    }
    uint32_t c32 = (uint32_t)c;
    while (n--) c32 = __builtin_ia32_crc32qi(c32, *p++);
    return ~c32;
}
#endif

uint32_t sw_crc32c(uint32_t crc, const void *data, size_t n) {
#if defined(__x86_64__)
    static int hw = -1;
    if (hw < 0) hw = __builtin_cpu_supports("sse4.2");
    if (hw) return sw_crc32c_hw(crc, data, n);
#endif
    return sw_crc32c_sw(crc, data, n);
}
