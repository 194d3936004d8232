/* crc32c.h -- CRC-32C (Castagnoli), the checksum of every log record. */
#ifndef SW_CRC32C_H
#define SW_CRC32C_H
#include <stddef.h>
#include <stdint.h>

/* Extends crc (0 to start) over n bytes. Uses the SSE 4.2 instruction when the CPU has it (about
 * 20 GB/s), a table otherwise; both give the same result. Can't fail. */
uint32_t sw_crc32c(uint32_t crc, const void *data, size_t n);

#endif
