/* buf.h -- growable byte buffer used by every encoder and the write-ahead log. */
#ifndef SW_BUF_H
#define SW_BUF_H
#include <stddef.h>
#include <stdint.h>

typedef struct sw_buf {
    char *data;  /* always NUL-terminated when len > 0 or after any append */
    size_t len;
    size_t cap;
} sw_buf;

void sw_buf_init(sw_buf *b);
void sw_buf_free(sw_buf *b);
void sw_buf_reset(sw_buf *b);                 /* len = 0, keeps memory */
void sw_buf_reserve(sw_buf *b, size_t extra); /* ensures cap >= len + extra + 1 */
void sw_buf_append(sw_buf *b, const void *p, size_t n);
void sw_buf_puts(sw_buf *b, const char *s);
void sw_buf_putc(sw_buf *b, char c);
void sw_buf_printf(sw_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sw_buf_put_u8(sw_buf *b, uint8_t v);
void sw_buf_put_u16be(sw_buf *b, uint16_t v);
void sw_buf_put_u32be(sw_buf *b, uint32_t v);
void sw_buf_put_u64be(sw_buf *b, uint64_t v);
/* Decimal text of v, as printf's %lld / %llu would write it. */
void sw_buf_put_i64(sw_buf *b, int64_t v);
void sw_buf_put_u64_dec(sw_buf *b, uint64_t v);
/* Shortest round-trip decimal form of a double ("1", "0.5", "1e+300"); never "nan"/"inf". */
void sw_buf_put_double(sw_buf *b, double d);
/* Takes ownership of the bytes: the buffer is left empty. Caller frees with sw_free. */
char *sw_buf_detach(sw_buf *b, size_t *len);

#endif
