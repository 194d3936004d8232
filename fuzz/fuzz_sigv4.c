/* fuzz_sigv4.c -- libFuzzer target: arbitrary path, query, headers and Authorization through SigV4. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "alloc.h"
#include "buf.h"
#include "sigv4.h"

#define FIELDS 8
#define NOW 1440938160LL /* 2015-08-30T12:36:00Z, the test suite's clock */

/* Splits the input at '\n' into up to FIELDS pieces: path, query, Authorization, X-Amz-Date,
 * a free header name, its value, the secret, and a SignedHeaders list for signing. Missing
 * pieces are empty; bytes (NUL included) pass through unchanged. */
static void split(const uint8_t *data, size_t size, const char *f[FIELDS], size_t n[FIELDS]) {
    size_t k = 0, start = 0;
    for (size_t i = 0; i <= size && k < FIELDS; i++) {
        if (i < size && data[i] != '\n') continue;
        f[k] = (const char *)data + start;
        n[k++] = i - start;
        start = i + 1;
    }
    for (; k < FIELDS; k++) { f[k] = ""; n[k] = 0; }
}

/* Signing takes C strings: copy a field and cut it at its first NUL. */
static char *cstr(const char *s, size_t n) { return sw_strndup(s, n); }

static void exercise(const sw_sigv4_request *req, const char *secret) {
    sw_sigv4_auth auth;
    char msg[256], sig[65];
    sw_buf creq, sts;
    sw_buf_init(&creq);
    sw_buf_init(&sts);
    sw_sigv4_parse(req, &auth, msg, sizeof msg);
    sw_sigv4_canonical_request(req, &auth, &creq);
    sw_sigv4_string_to_sign(&auth, creq.data, creq.len, &sts);
    sw_sigv4_signature(secret, &auth, sts.data, sig);
    sw_sigv4_verify(req, &auth, secret, NOW, msg, sizeof msg);
    sw_sigv4_parse(req, &auth, NULL, 0);
    sw_sigv4_verify(req, &auth, secret, (long long)creq.len * 977 - 4096, msg, 3);
    sw_buf_free(&creq);
    sw_buf_free(&sts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *f[FIELDS];
    size_t n[FIELDS];
    split(data, size, f, n);
    sw_header h[5] = {
        {"Host", 4, "example.amazonaws.com", 21},
        {"Authorization", 13, f[2], n[2]},
        {"X-Amz-Date", 10, f[3], n[3]},
        {f[4], n[4], f[5], n[5]},
        {"X-Amz-Security-Token", 20, f[5], n[5]},
    };
    char payload[65];
    sw_sigv4_sha256_hex(data, size, payload);
    sw_sigv4_request req = {"POST", f[0], n[0], f[1], n[1], h, 5, payload};
    char *secret = cstr(f[6], n[6]);
    exercise(&req, secret);
    h[1] = h[3]; /* no Authorization: the presigned form, or MISSING */
    req.nheaders = 3;
    exercise(&req, secret);
    char *date = cstr(f[3], n[3]), *signed_headers = cstr(f[7], n[7]), *region = cstr(f[4], n[4]);
    sw_buf out;
    sw_buf_init(&out);
    sw_sigv4_sign(&req, "AKIDEXAMPLE", secret, region, "monitoring", date, signed_headers, &out);
    sw_buf_free(&out);
    sw_free(date);
    sw_free(signed_headers);
    sw_free(region);
    sw_free(secret);
    return 0;
}
