/* fuzz_config.c -- libFuzzer target: the config file parser on arbitrary, unterminated bytes. */
#include "alloc.h"
#include "config.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The text is copied into a buffer of exactly size bytes (no NUL after it), so an over-read of
 * the length-delimited input is caught by ASan. Whatever the outcome, the settings stay in range. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = sw_malloc(size);
    if (size) memcpy(text, data, size);
    sw_config c;
    char err[256] = "";
    sw_config_defaults(&c);
    int rc = sw_config_parse(&c, text, size, err, sizeof err);
    if (rc != 0 && (rc != -1 || err[0] == '\0')) abort();
    if (strnlen(c.listen_host, sizeof c.listen_host) == sizeof c.listen_host) abort();
    if (strnlen(c.data_dir, sizeof c.data_dir) == sizeof c.data_dir) abort();
    if (c.listen_port < 0 || c.listen_port > 65535 || c.max_connections < 1 || c.max_connections > 65536) abort();
    if (rc == 0 && (c.data_dir[0] == '\0' || c.max_request_bytes < 1024 || c.max_inflated_bytes < 1024)) abort();
    sw_free(text);
    return 0;
}
