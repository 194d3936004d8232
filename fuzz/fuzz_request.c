/* fuzz_request.c -- libFuzzer target: whole requests through sw_dispatch (route, SigV4, inflate, decode,
 * coerce, handlers, encode) against a real metrics engine, without sockets.
 *
 * Input layout: byte 0 holds flags (below); then a line up to '\n' that is the X-Amz-Target (JSON),
 * the operation or the whole path (CBOR) or the query string (query); for unsigned requests a second
 * line that is the Authorization header; the rest is the body. Signed requests carry a valid SigV4
 * signature over the fuzzed body, so the fuzzer gets past authentication into the decoders. */
#include "alloc.h"
#include "cbor.h"
#include "clock.h"
#include "json.h"
#include "keys.h"
#include "logstore.h"
#include "metrics.h"
#include "protocol.h"
#include "sigv4.h"
#include <ftw.h>
#include <sys/stat.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define FUZZ_NOW 1704067200LL /* 2024-01-01T00:00:00Z: a fixed clock keeps signatures reproducible */
#define FUZZ_AMZ_DATE "20240101T000000Z"
#define FUZZ_ACCOUNT "123456789012"
#define FUZZ_ROOT_AKID "AKIDFUZZROOT0000"
#define FUZZ_ROOT_SECRET "fuzz/root+secret0000000000000000000000000"
#define FUZZ_USER_AKID "AKIDFUZZUSER0000"
#define FUZZ_USER_SECRET "fuzz/user+secret0000000000000000000000000"
#define FUZZ_TARGET_PREFIX "GraniteServiceVersion20100801"
#define FUZZ_MAX_HEADERS 8

/* Flags in byte 0. */
#define F_PROTO 0x03      /* 0 query POST, 1 JSON, 2 CBOR, 3 query GET */
#define F_SIGN 0x04       /* sign validly; otherwise the Authorization line is used as is */
#define F_ENCODING 0x18   /* 0 none, 1 gzip made here, 2 "gzip" over the raw body, 3 unsupported */
#define F_BAD_REGION 0x20 /* a credential scope region the server must refuse */
#define F_ODD 0x40        /* the other content type (or method) of the protocol */
#define F_USER_KEY 0x80   /* sign with the untrusted key of the key file instead of the root key */

enum { PROTO_QUERY_POST, PROTO_JSON, PROTO_CBOR, PROTO_QUERY_GET };

static char fuzz_dir[64];
static sw_server fuzz_srv;

/* Removes the engine's files: the data directory lives in /dev/shm (tmpfs, where the log's fsync is
 * cheap) or /tmp, and should not outlive the run. */
static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw) {
    return remove(path);
}

static void teardown(void) {
    sw_metrics_close(fuzz_srv.metrics);
    sw_logstore_close(fuzz_srv.logs);
    sw_keys_close(fuzz_srv.keys);
    nftw(fuzz_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    snprintf(fuzz_dir, sizeof fuzz_dir, "%s/skywatch-fuzz-XXXXXX", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
    if (!mkdtemp(fuzz_dir)) { perror("mkdtemp"); abort(); }
    char err[256], keys[512];
    fuzz_srv.metrics = sw_metrics_open(fuzz_dir, err, sizeof err);
    if (!fuzz_srv.metrics) { fprintf(stderr, "metrics: %s\n", err); abort(); }
    char logs_dir[128];
    snprintf(logs_dir, sizeof logs_dir, "%s/logs", fuzz_dir);
    fuzz_srv.logs = sw_logstore_open(logs_dir, err, sizeof err);
    if (!fuzz_srv.logs) { fprintf(stderr, "logs: %s\n", err); abort(); }
    snprintf(keys, sizeof keys, "%s/keys", fuzz_dir);
    sw_key user = {FUZZ_USER_AKID, FUZZ_USER_SECRET, FUZZ_ACCOUNT, 0};
    if (sw_keys_file_add(keys, &user) != 0) { perror("keys"); abort(); }
    fuzz_srv.keys = sw_keys_open(keys);
    sw_key root = {FUZZ_ROOT_AKID, FUZZ_ROOT_SECRET, FUZZ_ACCOUNT, 1};
    sw_keys_set_root(fuzz_srv.keys, &root);
    fuzz_srv.max_request_bytes = 1 << 20;
    fuzz_srv.max_inflated_bytes = 1 << 20;
    sw_clock_set_ms(FUZZ_NOW * 1000);
    atexit(teardown);
    return 0;
}

/* Takes the bytes up to the next '\n' (or to the end) off the front of [*p, end). */
static size_t take_line(const uint8_t **p, const uint8_t *end, const char **line) {
    const uint8_t *nl = memchr(*p, '\n', (size_t)(end - *p));
    *line = (const char *)*p;
    size_t n = (size_t)((nl ? nl : end) - *p);
    *p = nl ? nl + 1 : end;
    return n;
}

static void gzip_compress(const char *src, size_t n, sw_buf *out) {
    z_stream zs = {0};
    if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK) abort();
    size_t bound = deflateBound(&zs, (uLong)n);
    sw_buf_reserve(out, bound);
    zs.next_in = (Bytef *)src;
    zs.avail_in = (uInt)n;
    zs.next_out = (Bytef *)out->data;
    zs.avail_out = (uInt)bound;
    if (deflate(&zs, Z_FINISH) != Z_STREAM_END) abort();
    out->len = bound - zs.avail_out;
    deflateEnd(&zs);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

/* The ";"-joined, sorted, lowercase names of every header so far, as an SDK signs them. */
static void signed_headers(const sw_header *h, size_t nh, char *out, size_t outlen) {
    char names[FUZZ_MAX_HEADERS][32];
    const char *sorted[FUZZ_MAX_HEADERS];
    for (size_t i = 0; i < nh; i++) {
        size_t j = 0;
        for (; j < h[i].nlen && j < sizeof names[i] - 1; j++) names[i][j] = (char)(h[i].name[j] | 0x20);
        names[i][j] = '\0';
        sorted[i] = names[i];
    }
    qsort(sorted, nh, sizeof *sorted, cmp_str);
    size_t off = 0;
    out[0] = '\0';
    for (size_t i = 0; i < nh; i++) off += (size_t)snprintf(out + off, outlen - off, "%s%s", i ? ";" : "", sorted[i]);
}

static void add_header(sw_header *h, size_t *nh, const char *name, const char *value, size_t vlen) {
    h[(*nh)++] = (sw_header){name, strlen(name), value, vlen};
}

/* 1 when s[0..n) is well-formed UTF-8 (RFC 3629: shortest forms, no surrogates, at most U+10FFFF). */
static int utf8_valid(const unsigned char *s, size_t n) {
    for (size_t i = 0; i < n;) {
        unsigned c = s[i], len = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
        if (len == 0 || i + len > n) return 0;
        for (unsigned k = 1; k < len; k++)
            if ((s[i + k] & 0xC0) != 0x80) return 0;
        if ((c == 0xE0 && s[i + 1] < 0xA0) || (c == 0xED && s[i + 1] > 0x9F) || (c == 0xF0 && s[i + 1] < 0x90) ||
            (c == 0xF4 && s[i + 1] > 0x8F))
            return 0;
        i += len;
    }
    return 1;
}

/* What every answer must be: a known status, and a body its protocol's client can parse. */
static void check_response(const sw_http_response *r) {
    if (r->status < 200 || r->status > 599) abort();
    if (r->status != 200 && (!r->content_type || r->body.len == 0)) abort();
    if (!r->content_type) return;
    sw_arena a;
    sw_arena_init(&a, 0);
    sw_value *v;
    char err[128];
    if (strncmp(r->content_type, "application/x-amz-json-1.", 25) == 0) {
        if (sw_json_decode(&a, r->body.data, r->body.len, &v, err, sizeof err) != 0) {
            fprintf(stderr, "response is not JSON (%s): %.*s\n", err, (int)r->body.len, r->body.data);
            abort();
        }
    } else if (strcmp(r->content_type, "application/cbor") == 0) {
        if (sw_cbor_decode(&a, (const uint8_t *)r->body.data, r->body.len, &v, err, sizeof err) != 0) {
            fprintf(stderr, "response is not CBOR: %s\n", err);
            abort();
        }
    } else if (strcmp(r->content_type, "text/xml") == 0) {
        /* XML 1.0 is UTF-8 here and allows no control characters but tab, newline and carriage return. */
        if (r->body.len == 0 || r->body.data[0] != '<' || r->body.data[r->body.len - 1] != '>') abort();
        if (!utf8_valid((const unsigned char *)r->body.data, r->body.len)) {
            fprintf(stderr, "XML response is not UTF-8: %.*s\n", (int)r->body.len, r->body.data);
            abort();
        }
        for (size_t i = 0; i < r->body.len; i++) {
            unsigned char c = (unsigned char)r->body.data[i];
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
                fprintf(stderr, "control character 0x%02x in XML at %zu: %.*s\n", c, i, (int)r->body.len, r->body.data);
                abort();
            }
        }
    } else {
        abort();
    }
    sw_arena_free(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    const uint8_t *p = data + 1, *end = data + size;
    int flags = data[0], proto = flags & F_PROTO, encoding = (flags & F_ENCODING) >> 3;
    const char *line, *auth = "";
    size_t line_len = take_line(&p, end, &line), auth_len = 0;
    if (!(flags & F_SIGN)) auth_len = take_line(&p, end, &auth);
    const char *body = (const char *)p;
    size_t body_len = (size_t)(end - p);

    sw_buf target, path, query, gz, authz;
    sw_buf_init(&target);
    sw_buf_init(&path);
    sw_buf_init(&query);
    sw_buf_init(&gz);
    sw_buf_init(&authz);
    sw_buf_puts(&path, "/");
    sw_buf_puts(&query, "");
    const char *method = "POST";
    int logs = 0;
    sw_header h[FUZZ_MAX_HEADERS];
    size_t nh = 0;
    add_header(h, &nh, "Host", "monitoring.us-east-1.amazonaws.com", 34);
    add_header(h, &nh, "X-Amz-Date", FUZZ_AMZ_DATE, 16);
    if (proto == PROTO_JSON) {
        if (!memchr(line, '.', line_len)) sw_buf_puts(&target, FUZZ_TARGET_PREFIX ".");
        sw_buf_append(&target, line, line_len);
        /* A target naming CloudWatch Logs is sent as Logs sends it: JSON 1.1, signed for "logs". */
        logs = target.len >= 13 && memcmp(target.data, "Logs_20140328", 13) == 0;
        const char *ct = flags & F_ODD ? "application/json" : logs ? "application/x-amz-json-1.1" : "application/x-amz-json-1.0";
        add_header(h, &nh, "Content-Type", ct, strlen(ct));
        add_header(h, &nh, "X-Amz-Target", target.data, target.len);
    } else if (proto == PROTO_CBOR) {
        sw_buf_reset(&path);
        if (line_len == 0 || line[0] != '/') sw_buf_puts(&path, "/service/" FUZZ_TARGET_PREFIX "/operation/");
        sw_buf_append(&path, line, line_len);
        const char *sp = flags & F_ODD ? "rpc-v2-json" : "rpc-v2-cbor";
        add_header(h, &nh, "Content-Type", "application/cbor", 16);
        add_header(h, &nh, "Smithy-Protocol", sp, strlen(sp));
    } else {
        sw_buf_append(&query, line, line_len);
        if (proto == PROTO_QUERY_GET) method = flags & F_ODD ? "DELETE" : "GET";
        else {
            const char *ct = flags & F_ODD ? "text/plain" : "application/x-www-form-urlencoded; charset=utf-8";
            add_header(h, &nh, "Content-Type", ct, strlen(ct));
        }
    }
    if (encoding == 1) {
        gzip_compress(body, body_len, &gz);
        body = gz.data;
        body_len = gz.len;
    }
    if (encoding == 1 || encoding == 2) add_header(h, &nh, "Content-Encoding", "gzip", 4);
    if (encoding == 3) add_header(h, &nh, "Content-Encoding", "br", 2);

    if (flags & F_SIGN) {
        char payload[65], names[256];
        sw_sigv4_sha256_hex(body, body_len, payload);
        signed_headers(h, nh, names, sizeof names);
        sw_sigv4_request sreq = {method, path.data, path.len, query.data, query.len, h, nh, payload};
        int user = flags & F_USER_KEY;
        if (sw_sigv4_sign(&sreq, user ? FUZZ_USER_AKID : FUZZ_ROOT_AKID, user ? FUZZ_USER_SECRET : FUZZ_ROOT_SECRET,
                          flags & F_BAD_REGION ? "US_EAST_1" : "us-east-1", logs ? "logs" : "monitoring", FUZZ_AMZ_DATE, names, &authz) != 0)
            abort();
        add_header(h, &nh, "Authorization", authz.data, authz.len);
    } else if (auth_len) {
        add_header(h, &nh, "Authorization", auth, auth_len);
    }

    sw_http_request req = {method, path.data, path.len, query.data, query.len, h, nh, body, body_len, 0, NULL};
    sw_http_response resp;
    sw_dispatch(&fuzz_srv, &req, &resp);
    check_response(&resp);
    sw_buf_free(&resp.body);
    sw_buf_free(&target);
    sw_buf_free(&path);
    sw_buf_free(&query);
    sw_buf_free(&gz);
    sw_buf_free(&authz);
    return 0;
}
