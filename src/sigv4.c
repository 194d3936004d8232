/* sigv4.c -- AWS Signature Version 4 for non-S3 services: parse, canonicalize, sign, verify. */
#include "sigv4.h"
#include "alloc.h"
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>

/* Error texts are AWS's own, as returned by AWS JSON/query services and collected in the IAM
 * user guide "Troubleshoot signed requests for AWS APIs" (reference_sigv-troubleshooting). */
#define MSG_MISSING "Missing Authentication Token"
#define MSG_MISMATCH "The request signature we calculated does not match the signature you provided. " \
    "Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
#define MSG_HOST_UNSIGNED "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
#define MSG_BOTH_FORMS "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."
#define MAX_EXPIRES 604800L /* seven days: SigV4 query auth, "X-Amz-Expires" */

/* ---- bytes and strings ---------------------------------------------------------------- */

static char lower(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c; }
static int is_ws(char c) { return c == ' ' || c == '\t'; }
static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* RFC 3986 unreserved characters: the only bytes SigV4 leaves unencoded. */
static int unreserved(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~';
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static void hex_encode(const unsigned char *in, size_t n, char *out) {
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

/* Percent-encodes every byte but the unreserved ones (and '/' when keep_slash), uppercase hex,
 * per "Create a canonical request" in the IAM user guide (create-signed-request.html). */
static void uri_encode(const char *s, size_t n, int keep_slash, sw_buf *out) {
    static const char digits[] = "0123456789ABCDEF";
    sw_buf_reserve(out, n * 3);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (unreserved(c) || (keep_slash && c == '/')) { out->data[out->len++] = (char)c; continue; }
        out->data[out->len++] = '%';
        out->data[out->len++] = digits[c >> 4];
        out->data[out->len++] = digits[c & 15];
    }
    out->data[out->len] = '\0';
}

/* Decodes %XX escapes; a '%' not followed by two hex digits stays literal. '+' stays '+'. */
static void pct_decode(const char *s, size_t n, sw_buf *out) {
    sw_buf_reserve(out, n);
    for (size_t i = 0; i < n; i++) {
        int hi = -1, lo = -1;
        if (s[i] == '%' && i + 2 < n) { hi = hexval(s[i + 1]); lo = hexval(s[i + 2]); }
        if (hi >= 0 && lo >= 0) { out->data[out->len++] = (char)(hi * 16 + lo); i += 2; }
        else out->data[out->len++] = s[i];
    }
    out->data[out->len] = '\0';
}

/* Copies n bytes into a fixed field; -1 (field untouched) when they would not fit with the NUL
 * or hold a NUL themselves (which would silently shorten the field). */
static int put_field(char *dst, size_t cap, const char *s, size_t n) {
    if (n >= cap || (n && memchr(s, '\0', n))) return -1;
    if (n) memcpy(dst, s, n);
    dst[n] = '\0';
    return 0;
}

static void set_msg(char *msg, size_t msglen, const char *text, size_t n) {
    if (!msg || msglen == 0) return;
    if (n >= msglen) n = msglen - 1;
    memcpy(msg, text, n);
    msg[n] = '\0';
}

static sw_sigv4_status fail(char *msg, size_t msglen, sw_sigv4_status st, const char *text) {
    set_msg(msg, msglen, text, strlen(text));
    return st;
}

static sw_sigv4_status fail_buf(char *msg, size_t msglen, sw_sigv4_status st, sw_buf *text) {
    set_msg(msg, msglen, text->data ? text->data : "", text->len);
    sw_buf_free(text);
    return st;
}

/* ---- time ------------------------------------------------------------------------------ */

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static long long days_from_civil(long long y, unsigned m, unsigned d) {
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long long)doe - 719468;
}

static void civil_from_days(long long z, int *y, unsigned *m, unsigned *d) {
    z += 719468;
    long long era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

#define MAX_EPOCH 253402300799LL /* 9999-12-31T23:59:59Z */

static long long clamp_epoch(long long t) { return t < 0 ? 0 : (t > MAX_EPOCH ? MAX_EPOCH : t); }

void sw_sigv4_format_amz_date(long long epoch, char out[17]) {
    epoch = clamp_epoch(epoch);
    int y; unsigned mo, d;
    civil_from_days(epoch / 86400, &y, &mo, &d);
    unsigned s = (unsigned)(epoch % 86400);
    unsigned v[6] = {(unsigned)y, mo, d, s / 3600, s / 60 % 60, s % 60};
    static const int width[6] = {4, 2, 2, 2, 2, 2};
    char *p = out;
    for (int i = 0; i < 6; i++) {
        for (int k = width[i] - 1; k >= 0; k--) { p[k] = (char)('0' + v[i] % 10); v[i] /= 10; }
        p += width[i];
        if (i == 2) *p++ = 'T';
    }
    *p++ = 'Z';
    *p = '\0';
}

static unsigned digits_at(const char *s, int n) {
    unsigned v = 0;
    for (int i = 0; i < n; i++) v = v * 10 + (unsigned)(s[i] - '0');
    return v;
}

int sw_sigv4_parse_amz_date(const char *s, long long *epoch) {
    for (int i = 0; i < 16; i++) {
        char want = i == 8 ? 'T' : (i == 15 ? 'Z' : '0');
        if (want == '0' ? !is_digit(s[i]) : s[i] != want) return -1;
    }
    if (s[16] != '\0') return -1;
    unsigned mo = digits_at(s + 4, 2), d = digits_at(s + 6, 2);
    unsigned h = digits_at(s + 9, 2), mi = digits_at(s + 11, 2), se = digits_at(s + 13, 2);
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return -1;
    *epoch = days_from_civil(digits_at(s, 4), mo, d) * 86400 + h * 3600 + mi * 60 + se;
    return 0;
}

/* ---- request access -------------------------------------------------------------------- */

static int name_is(const char *name, size_t n, const char *lname) {
    size_t ln = strlen(lname);
    if (n != ln) return 0;
    for (size_t i = 0; i < n; i++) if (lower(name[i]) != lname[i]) return 0;
    return 1;
}

static const sw_header *find_header(const sw_sigv4_request *req, const char *lname) {
    for (size_t i = 0; i < req->nheaders; i++)
        if (name_is(req->headers[i].name, req->headers[i].nlen, lname)) return &req->headers[i];
    return NULL;
}

/* Walks "k=v&k=v": fills the next pair and returns 1, or 0 at the end. Empty pieces are skipped. */
typedef struct { const char *k, *v; size_t kn, vn; } qpair;

static int query_next(const char *q, size_t qn, size_t *pos, qpair *p) {
    while (*pos < qn && q[*pos] == '&') (*pos)++;
    if (*pos >= qn) return 0;
    size_t start = *pos, end = start;
    while (end < qn && q[end] != '&') end++;
    const char *eq = memchr(q + start, '=', end - start);
    p->k = q + start;
    p->kn = eq ? (size_t)(eq - p->k) : end - start;
    p->v = eq ? eq + 1 : q + end;
    p->vn = eq ? (size_t)(q + end - p->v) : 0;
    *pos = end;
    return 1;
}

/* Finds the first query parameter whose decoded name is `name`; decodes its value into out. */
static int query_get(const sw_sigv4_request *req, const char *name, sw_buf *out) {
    size_t pos = 0;
    qpair p;
    sw_buf key;
    sw_buf_init(&key);
    int found = 0;
    while (!found && query_next(req->query, req->query_len, &pos, &p)) {
        sw_buf_reset(&key);
        pct_decode(p.k, p.kn, &key);
        if (key.len == strlen(name) && memcmp(key.data, name, key.len) == 0) {
            sw_buf_reset(out);
            pct_decode(p.v, p.vn, out);
            found = 1;
        }
    }
    sw_buf_free(&key);
    return found;
}

/* ---- canonical request ------------------------------------------------------------------- */

typedef struct { const char *p; size_t n; } span;

/* Canonical URI for non-S3 services: remove dot segments and empty segments (RFC 3986 5.2.4
 * as the SigV4 test suite's normalize-path cases expect), then URI-encode each segment. The
 * path arrives already percent-encoded, so encoding it once more is AWS's "encode twice". */
static void canonical_uri(const char *p, size_t n, sw_buf *out) {
    size_t cap = 1;
    for (size_t i = 0; i < n; i++) cap += p[i] == '/';
    span *seg = sw_malloc(cap * sizeof *seg);
    size_t depth = 0, i = 0;
    int trailing = n > 0 && p[n - 1] == '/';
    while (i < n) {
        size_t j = i;
        while (j < n && p[j] != '/') j++;
        size_t len = j - i;
        int dot = len == 1 && p[i] == '.', dotdot = len == 2 && p[i] == '.' && p[i + 1] == '.';
        if (dotdot && depth) depth--;
        else if (len && !dot && !dotdot) seg[depth++] = (span){p + i, len};
        if (j == n) trailing = trailing || dot || dotdot;
        i = j + 1;
    }
    sw_buf_putc(out, '/');
    for (size_t k = 0; k < depth; k++) {
        if (k) sw_buf_putc(out, '/');
        uri_encode(seg[k].p, seg[k].n, 0, out);
    }
    if (depth && trailing) sw_buf_putc(out, '/');
    sw_free(seg);
}

typedef struct { size_t ko, kn, vo, vn; const char *k, *v; } cq_param;

static int cq_cmp(const void *a, const void *b) {
    const cq_param *x = a, *y = b;
    size_t n = x->kn < y->kn ? x->kn : y->kn;
    int c = memcmp(x->k, y->k, n);
    if (c || x->kn != y->kn) return c ? c : (x->kn < y->kn ? -1 : 1);
    n = x->vn < y->vn ? x->vn : y->vn;
    c = memcmp(x->v, y->v, n);
    if (c || x->vn != y->vn) return c ? c : (x->vn < y->vn ? -1 : 1);
    return 0;
}

/* Decodes one name or value and appends it re-encoded to pool; returns its offset. */
static size_t reencode(const char *s, size_t n, sw_buf *tmp, sw_buf *pool, size_t *len) {
    sw_buf_reset(tmp);
    pct_decode(s, n, tmp);
    size_t off = pool->len;
    uri_encode(tmp->data, tmp->len, 0, pool);
    *len = pool->len - off;
    return off;
}

/* Canonical query string: every parameter decoded, re-encoded strictly, sorted by name then
 * value; the presigned form drops X-Amz-Signature itself (IAM user guide, create-signed-request). */
static void canonical_query(const sw_sigv4_request *req, int presigned, sw_buf *out) {
    size_t pos = 0, count = 0, cap = 8;
    cq_param *v = sw_malloc(cap * sizeof *v);
    sw_buf pool, tmp;
    sw_buf_init(&pool);
    sw_buf_init(&tmp);
    qpair p;
    while (query_next(req->query, req->query_len, &pos, &p)) {
        cq_param c;
        c.ko = reencode(p.k, p.kn, &tmp, &pool, &c.kn);
        if (presigned && c.kn == 15 && memcmp(pool.data + c.ko, "X-Amz-Signature", 15) == 0) continue;
        c.vo = reencode(p.v, p.vn, &tmp, &pool, &c.vn);
        if (count == cap) v = sw_realloc(v, (cap *= 2) * sizeof *v);
        v[count++] = c;
    }
    for (size_t i = 0; i < count; i++) { v[i].k = pool.data + v[i].ko; v[i].v = pool.data + v[i].vo; }
    qsort(v, count, sizeof *v, cq_cmp);
    for (size_t i = 0; i < count; i++) {
        if (i) sw_buf_putc(out, '&');
        sw_buf_append(out, v[i].k, v[i].kn);
        sw_buf_putc(out, '=');
        sw_buf_append(out, v[i].v, v[i].vn);
    }
    sw_free(v);
    sw_buf_free(&pool);
    sw_buf_free(&tmp);
}

/* Appends s with inner runs of spaces collapsed to one; s has no leading/trailing space. */
static void append_collapsed(const char *s, size_t n, sw_buf *out) {
    for (size_t i = 0; i < n; i++) {
        if (is_ws(s[i]) && is_ws(s[i + 1])) continue; /* s[i+1] exists: s[n-1] is not space */
        sw_buf_putc(out, is_ws(s[i]) ? ' ' : s[i]);
    }
}

/* Appends one value, trimmed, after a ',' unless it is the name's first. A continuation line
 * (always = 0) that trims to nothing adds nothing. */
static void append_piece(const char *s, size_t n, int always, int *first, sw_buf *out) {
    while (n && is_ws(*s)) { s++; n--; }
    while (n && is_ws(s[n - 1])) n--;
    if (n == 0 && !always) return;
    if (!*first) sw_buf_putc(out, ',');
    *first = 0;
    append_collapsed(s, n, out);
}

/* A value folded over several lines (obsolete line folding, RFC 7230 3.2.4) counts as one
 * value per line, joined by ',' like repeated headers: the suite's get-header-value-multiline. */
static void append_value(const char *s, size_t n, int *first, sw_buf *out) {
    size_t i = 0;
    do {
        size_t j = i;
        while (j < n && s[j] != '\r' && s[j] != '\n') j++;
        append_piece(s + i, j - i, i == 0, first, out);
        while (j < n && (s[j] == '\r' || s[j] == '\n')) j++;
        i = j;
    } while (i < n);
}

/* Canonical headers: each signed name, lowercase, then every value of that name in the order
 * received, trimmed and comma-joined (IAM user guide, create-signed-request). */
static void canonical_headers(const sw_sigv4_request *req, const char *signed_headers, sw_buf *out) {
    const char *s = signed_headers;
    while (*s) {
        const char *e = strchr(s, ';');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        sw_buf_append(out, s, n);
        sw_buf_putc(out, ':');
        int first = 1;
        for (size_t i = 0; i < req->nheaders; i++) {
            const sw_header *h = &req->headers[i];
            if (h->nlen != n) continue;
            size_t k = 0;
            while (k < n && lower(h->name[k]) == s[k]) k++;
            if (k == n) append_value(h->value, h->vlen, &first, out);
        }
        sw_buf_putc(out, '\n');
        s += n + (e != NULL);
    }
}

void sw_sigv4_canonical_request(const sw_sigv4_request *req, const sw_sigv4_auth *auth, sw_buf *out) {
    sw_buf_puts(out, req->method ? req->method : "");
    sw_buf_putc(out, '\n');
    canonical_uri(req->path, req->path_len, out);
    sw_buf_putc(out, '\n');
    canonical_query(req, auth->presigned, out);
    sw_buf_putc(out, '\n');
    canonical_headers(req, auth->signed_headers, out);
    sw_buf_putc(out, '\n');
    sw_buf_puts(out, auth->signed_headers);
    sw_buf_putc(out, '\n');
    sw_buf_puts(out, req->payload_sha256_hex ? req->payload_sha256_hex : "");
}

/* ---- crypto ------------------------------------------------------------------------------ */

void sw_sigv4_sha256_hex(const void *data, size_t len, char out_hex[65]) {
    unsigned char md[32];
    unsigned int mdlen = sizeof md;
    EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
    hex_encode(md, sizeof md, out_hex);
}

static void hmac(const void *key, size_t klen, const char *data, unsigned char out[32]) {
    unsigned int len = 32;
    HMAC(EVP_sha256(), key, (int)klen, (const unsigned char *)data, strlen(data), out, &len);
}

static void append_scope(const sw_sigv4_auth *auth, sw_buf *out) {
    sw_buf_printf(out, "%s/%s/%s/aws4_request", auth->date, auth->region, auth->service);
}

void sw_sigv4_string_to_sign(const sw_sigv4_auth *auth, const char *canonical, size_t canonical_len, sw_buf *out) {
    char hash[65];
    sw_sigv4_sha256_hex(canonical, canonical_len, hash);
    sw_buf_printf(out, SW_SIGV4_ALGORITHM "\n%s\n", auth->amz_date);
    append_scope(auth, out);
    sw_buf_putc(out, '\n');
    sw_buf_puts(out, hash);
}

/* Signing key derivation, "Calculate the signature" in the IAM user guide. */
void sw_sigv4_signature(const char *secret, const sw_sigv4_auth *auth, const char *string_to_sign, char out_hex[65]) {
    unsigned char k[32];
    sw_buf key;
    sw_buf_init(&key);
    sw_buf_puts(&key, "AWS4");
    sw_buf_puts(&key, secret);
    hmac(key.data, key.len, auth->date, k);
    OPENSSL_cleanse(key.data, key.len);
    sw_buf_free(&key);
    hmac(k, 32, auth->region, k);
    hmac(k, 32, auth->service, k);
    hmac(k, 32, "aws4_request", k);
    hmac(k, 32, string_to_sign, k);
    hex_encode(k, 32, out_hex);
}

/* Computes the signature the request should carry under secret. */
static void expected_signature(const sw_sigv4_request *req, const sw_sigv4_auth *auth, const char *secret,
                               char out_hex[65]) {
    sw_buf creq, sts;
    sw_buf_init(&creq);
    sw_buf_init(&sts);
    sw_sigv4_canonical_request(req, auth, &creq);
    sw_sigv4_string_to_sign(auth, creq.data, creq.len, &sts);
    sw_sigv4_signature(secret, auth, sts.data, out_hex);
    sw_buf_free(&creq);
    sw_buf_free(&sts);
}

/* ---- parsing ----------------------------------------------------------------------------- */

/* Splits keyid/date/region/service/term into auth. */
static sw_sigv4_status parse_credential(const char *c, size_t n, sw_sigv4_auth *auth, char *msg, size_t msglen) {
    span part[5];
    size_t count = 0, start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && c[i] != '/') continue;
        if (count < 5) part[count] = (span){c + start, i - start};
        count++;
        start = i + 1;
    }
    if (count != 5) {
        sw_buf m;
        sw_buf_init(&m);
        sw_buf_puts(&m, "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '");
        sw_buf_append(&m, c, n);
        sw_buf_putc(&m, '\'');
        return fail_buf(msg, msglen, SW_SIGV4_INCOMPLETE, &m);
    }
    if (put_field(auth->access_key, sizeof auth->access_key, part[0].p, part[0].n) ||
        put_field(auth->date, sizeof auth->date, part[1].p, part[1].n) ||
        put_field(auth->region, sizeof auth->region, part[2].p, part[2].n) ||
        put_field(auth->service, sizeof auth->service, part[3].p, part[3].n) ||
        put_field(auth->terminator, sizeof auth->terminator, part[4].p, part[4].n))
        return fail(msg, msglen, SW_SIGV4_INCOMPLETE, "Credential element too long or malformed.");
    return SW_SIGV4_OK;
}

static sw_sigv4_status parse_signed_headers(const char *s, size_t n, sw_sigv4_auth *auth, char *msg, size_t msglen) {
    if (put_field(auth->signed_headers, sizeof auth->signed_headers, s, n))
        return fail(msg, msglen, SW_SIGV4_INCOMPLETE, "SignedHeaders too long or malformed.");
    for (size_t i = 0; i < n; i++) auth->signed_headers[i] = lower(s[i]);
    return SW_SIGV4_OK;
}

/* A signature that does not fit is kept empty: verify then reports a mismatch, as AWS would. */
static void parse_signature(const char *s, size_t n, sw_sigv4_auth *auth) {
    if (put_field(auth->signature, sizeof auth->signature, s, n)) auth->signature[0] = '\0';
}

/* X-Amz-Date must be ISO-8601 basic format; the wording is AWS's IncompleteSignature text. */
static sw_sigv4_status parse_amz_date(const char *s, size_t n, sw_sigv4_auth *auth, char *msg, size_t msglen) {
    long long t;
    if (put_field(auth->amz_date, sizeof auth->amz_date, s, n) == 0 && sw_sigv4_parse_amz_date(auth->amz_date, &t) == 0)
        return SW_SIGV4_OK;
    auth->amz_date[0] = '\0';
    sw_buf m;
    sw_buf_init(&m);
    sw_buf_puts(&m, "Date must be in ISO-8601 'basic format'. Got '");
    sw_buf_append(&m, s, n);
    sw_buf_puts(&m, "'. See http://en.wikipedia.org/wiki/ISO_8601");
    return fail_buf(msg, msglen, SW_SIGV4_INCOMPLETE, &m);
}

typedef struct { span credential, signed_headers, signature; int has_cred, has_sh, has_sig; } authz_params;

/* Splits "Key=Value" items separated by commas and/or spaces, as every AWS SDK variant emits. */
static sw_sigv4_status split_authz(const char *v, size_t n, size_t i, authz_params *ap, char *msg, size_t msglen) {
    while (i < n) {
        while (i < n && (is_ws(v[i]) || v[i] == ',')) i++;
        size_t j = i;
        while (j < n && !is_ws(v[j]) && v[j] != ',') j++;
        if (j == i) break;
        const char *eq = memchr(v + i, '=', j - i);
        if (!eq) {
            sw_buf m;
            sw_buf_init(&m);
            sw_buf_putc(&m, '\'');
            sw_buf_append(&m, v + i, j - i);
            sw_buf_puts(&m, "' not a valid key=value pair (missing equal-sign) in Authorization header: '");
            sw_buf_append(&m, v, n);
            sw_buf_putc(&m, '\'');
            return fail_buf(msg, msglen, SW_SIGV4_INCOMPLETE, &m);
        }
        span key = {v + i, (size_t)(eq - (v + i))}, val = {eq + 1, (size_t)(v + j - eq - 1)};
        if (key.n == 10 && memcmp(key.p, "Credential", 10) == 0) { ap->credential = val; ap->has_cred = val.n > 0; }
        else if (key.n == 13 && memcmp(key.p, "SignedHeaders", 13) == 0) { ap->signed_headers = val; ap->has_sh = val.n > 0; }
        else if (key.n == 9 && memcmp(key.p, "Signature", 9) == 0) { ap->signature = val; ap->has_sig = val.n > 0; }
        i = j;
    }
    return SW_SIGV4_OK;
}

/* The header form: "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...". */
static sw_sigv4_status parse_header_form(const sw_sigv4_request *req, const sw_header *h, sw_sigv4_auth *auth,
                                         char *msg, size_t msglen) {
    const char *v = h->value;
    size_t n = h->vlen, i = 0;
    while (i < n && is_ws(v[i])) i++;
    size_t a = i;
    while (i < n && !is_ws(v[i]) && v[i] != ',') i++;
    if (put_field(auth->algorithm, sizeof auth->algorithm, v + a, i - a)) auth->algorithm[0] = '\0';
    authz_params ap;
    memset(&ap, 0, sizeof ap);
    sw_sigv4_status st = split_authz(v, n, i, &ap, msg, msglen);
    if (st) return st;
    const sw_header *date = find_header(req, "x-amz-date");
    if (!date) date = find_header(req, "date");
    if (!ap.has_cred || !ap.has_sig || !ap.has_sh || !date) {
        sw_buf m;
        sw_buf_init(&m);
        if (!ap.has_cred) sw_buf_puts(&m, "Authorization header requires 'Credential' parameter. ");
        if (!ap.has_sig) sw_buf_puts(&m, "Authorization header requires 'Signature' parameter. ");
        if (!ap.has_sh) sw_buf_puts(&m, "Authorization header requires 'SignedHeaders' parameter. ");
        if (!date) sw_buf_puts(&m, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ");
        sw_buf_puts(&m, "Authorization=");
        sw_buf_append(&m, v, n);
        return fail_buf(msg, msglen, SW_SIGV4_INCOMPLETE, &m);
    }
    if ((st = parse_credential(ap.credential.p, ap.credential.n, auth, msg, msglen))) return st;
    if ((st = parse_signed_headers(ap.signed_headers.p, ap.signed_headers.n, auth, msg, msglen))) return st;
    parse_signature(ap.signature.p, ap.signature.n, auth);
    auth->has_security_token = find_header(req, "x-amz-security-token") != NULL;
    return parse_amz_date(date->value, date->vlen, auth, msg, msglen);
}

/* X-Amz-Expires: a number of seconds, at most seven days (SigV4 query authentication). */
static sw_sigv4_status parse_expires(const sw_buf *e, sw_sigv4_auth *auth, char *msg, size_t msglen) {
    long v = 0;
    if (e->len == 0) return fail(msg, msglen, SW_SIGV4_INCOMPLETE, "X-Amz-Expires should be a number");
    for (size_t i = 0; i < e->len; i++) {
        if (!is_digit(e->data[i])) return fail(msg, msglen, SW_SIGV4_INCOMPLETE, "X-Amz-Expires should be a number");
        v = v * 10 + (e->data[i] - '0');
        if (v > MAX_EXPIRES)
            return fail(msg, msglen, SW_SIGV4_INCOMPLETE,
                        "X-Amz-Expires must be less than a week (in seconds) that is 604800");
    }
    auth->expires = v;
    return SW_SIGV4_OK;
}

static const char *const query_required[5] = {
    "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date"};

/* The fields of the presigned form, parsed after query_form has fetched them. */
static sw_sigv4_status query_fields(const sw_buf val[5], sw_sigv4_auth *auth, char *msg, size_t msglen) {
    sw_sigv4_status st;
    if (put_field(auth->algorithm, sizeof auth->algorithm, val[0].data, val[0].len)) auth->algorithm[0] = '\0';
    if ((st = parse_credential(val[1].data, val[1].len, auth, msg, msglen))) return st;
    parse_signature(val[2].data, val[2].len, auth);
    if ((st = parse_signed_headers(val[3].data, val[3].len, auth, msg, msglen))) return st;
    return parse_amz_date(val[4].data, val[4].len, auth, msg, msglen);
}

/* The presigned form: X-Amz-* query parameters, URL-decoded. */
static sw_sigv4_status parse_query_form(const sw_sigv4_request *req, sw_sigv4_auth *auth, char *msg, size_t msglen) {
    sw_buf val[5], m, extra;
    sw_buf_init(&m);
    sw_buf_init(&extra);
    for (int i = 0; i < 5; i++) {
        sw_buf_init(&val[i]);
        if (!query_get(req, query_required[i], &val[i]) || val[i].len == 0)
            sw_buf_printf(&m, "AWS query-string parameters must include '%s'. ", query_required[i]);
    }
    sw_sigv4_status st = SW_SIGV4_OK;
    auth->presigned = 1;
    auth->has_security_token = query_get(req, "X-Amz-Security-Token", &extra);
    if (m.len) {
        sw_buf_puts(&m, "Re-examine the query-string parameters.");
        st = fail_buf(msg, msglen, SW_SIGV4_INCOMPLETE, &m);
    }
    if (!st) st = query_fields(val, auth, msg, msglen);
    if (!st && query_get(req, "X-Amz-Expires", &extra)) st = parse_expires(&extra, auth, msg, msglen);
    for (int i = 0; i < 5; i++) sw_buf_free(&val[i]);
    sw_buf_free(&m);
    sw_buf_free(&extra);
    return st;
}

sw_sigv4_status sw_sigv4_parse(const sw_sigv4_request *req, sw_sigv4_auth *auth, char *msg, size_t msglen) {
    memset(auth, 0, sizeof *auth);
    set_msg(msg, msglen, "", 0);
    const sw_header *h = find_header(req, "authorization");
    sw_buf tmp;
    sw_buf_init(&tmp);
    int q_alg = query_get(req, "X-Amz-Algorithm", &tmp);
    int q_sig = query_get(req, "X-Amz-Signature", &tmp);
    sw_buf_free(&tmp);
    if (h && q_alg) return fail(msg, msglen, SW_SIGV4_INCOMPLETE, MSG_BOTH_FORMS);
    if (h) return parse_header_form(req, h, auth, msg, msglen);
    if (q_alg || q_sig) return parse_query_form(req, auth, msg, msglen);
    return fail(msg, msglen, SW_SIGV4_MISSING, MSG_MISSING);
}

/* ---- verification ------------------------------------------------------------------------ */

/* Algorithm, terminator and scope date, worded as AWS words them (scope errors accumulate). */
static sw_sigv4_status check_scope(const sw_sigv4_auth *auth, char *msg, size_t msglen) {
    sw_buf m;
    sw_buf_init(&m);
    if (strcmp(auth->algorithm, SW_SIGV4_ALGORITHM) != 0) {
        sw_buf_printf(&m, "Unsupported AWS 'algorithm': '%s'.", auth->algorithm);
        return fail_buf(msg, msglen, SW_SIGV4_BAD_SCOPE, &m);
    }
    if (strcmp(auth->terminator, "aws4_request") != 0)
        sw_buf_printf(&m, "Credential should be scoped with a valid terminator: 'aws4_request', not '%s'. ",
                      auth->terminator);
    if (strlen(auth->date) != 8 || memcmp(auth->date, auth->amz_date, 8) != 0)
        sw_buf_printf(&m, "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
                      "HTTP: '%s' != '%.8s', from '%s'. ", auth->date, auth->amz_date, auth->amz_date);
    if (m.len == 0) { sw_buf_free(&m); return SW_SIGV4_OK; }
    m.data[--m.len] = '\0';
    return fail_buf(msg, msglen, SW_SIGV4_BAD_SCOPE, &m);
}

static int host_signed(const char *signed_headers) {
    const char *s = signed_headers;
    while (*s) {
        const char *e = strchr(s, ';');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n == 4 && memcmp(s, "host", 4) == 0) return 1;
        s += n + (e != NULL);
    }
    return 0;
}

/* Clock skew: AWS accepts X-Amz-Date within 5 minutes of its clock, and words the failure
 * "Signature expired: <date> is now earlier than <limit> (<now> - 5 min.)" or
 * "Signature not yet current: <date> is still later than <limit> (<now> + 5 min.)". */
static sw_sigv4_status check_time(const sw_sigv4_auth *auth, long long now, char *msg, size_t msglen) {
    long long t;
    if (sw_sigv4_parse_amz_date(auth->amz_date, &t) != 0)
        return fail(msg, msglen, SW_SIGV4_INCOMPLETE, "Date must be in ISO-8601 'basic format'.");
    now = clamp_epoch(now);
    char a[17], b[17];
    sw_sigv4_format_amz_date(now, b);
    sw_buf m;
    sw_buf_init(&m);
    if (t > now + SW_SIGV4_MAX_SKEW) {
        sw_sigv4_format_amz_date(now + SW_SIGV4_MAX_SKEW, a);
        sw_buf_printf(&m, "Signature not yet current: %s is still later than %s (%s + 5 min.)", auth->amz_date, a, b);
        return fail_buf(msg, msglen, SW_SIGV4_EXPIRED, &m);
    }
    if (auth->presigned && auth->expires > 0) {
        /* Query auth is valid for X-Amz-Expires seconds from X-Amz-Date; AWS says only this. */
        if (now > t + auth->expires) return fail(msg, msglen, SW_SIGV4_EXPIRED, "Request has expired");
        return SW_SIGV4_OK;
    }
    if (t < now - SW_SIGV4_MAX_SKEW) {
        sw_sigv4_format_amz_date(now - SW_SIGV4_MAX_SKEW, a);
        sw_buf_printf(&m, "Signature expired: %s is now earlier than %s (%s - 5 min.)", auth->amz_date, a, b);
        return fail_buf(msg, msglen, SW_SIGV4_EXPIRED, &m);
    }
    sw_buf_free(&m);
    return SW_SIGV4_OK;
}

sw_sigv4_status sw_sigv4_verify(const sw_sigv4_request *req, const sw_sigv4_auth *auth, const char *secret,
                                long long now_epoch_seconds, char *msg, size_t msglen) {
    set_msg(msg, msglen, "", 0);
    sw_sigv4_status st = check_scope(auth, msg, msglen);
    if (st) return st;
    if (!host_signed(auth->signed_headers)) return fail(msg, msglen, SW_SIGV4_MISMATCH, MSG_HOST_UNSIGNED);
    if ((st = check_time(auth, now_epoch_seconds, msg, msglen))) return st;
    char want[65];
    expected_signature(req, auth, secret, want);
    int same = strlen(auth->signature) == 64 && CRYPTO_memcmp(want, auth->signature, 64) == 0;
    OPENSSL_cleanse(want, sizeof want);
    return same ? SW_SIGV4_OK : fail(msg, msglen, SW_SIGV4_MISMATCH, MSG_MISMATCH);
}

/* ---- signing ----------------------------------------------------------------------------- */

int sw_sigv4_sign(const sw_sigv4_request *req, const char *access_key, const char *secret, const char *region,
                  const char *service, const char *amz_date, const char *signed_headers, sw_buf *out) {
    sw_sigv4_auth auth;
    memset(&auth, 0, sizeof auth);
    if (put_field(auth.access_key, sizeof auth.access_key, access_key, strlen(access_key)) ||
        put_field(auth.region, sizeof auth.region, region, strlen(region)) ||
        put_field(auth.service, sizeof auth.service, service, strlen(service)) ||
        put_field(auth.amz_date, sizeof auth.amz_date, amz_date, strlen(amz_date)) ||
        put_field(auth.signed_headers, sizeof auth.signed_headers, signed_headers, strlen(signed_headers)) ||
        strlen(amz_date) < 8)
        return -1;
    memcpy(auth.date, amz_date, 8);
    char sig[65];
    expected_signature(req, &auth, secret, sig);
    sw_buf_printf(out, SW_SIGV4_ALGORITHM " Credential=%s/%s/%s/%s/aws4_request, SignedHeaders=%s, Signature=%s",
                  auth.access_key, auth.date, auth.region, auth.service, auth.signed_headers, sig);
    return 0;
}
