/* sigv4.h -- AWS Signature Version 4: parse, verify and sign requests (pure, no I/O). */
#ifndef SW_SIGV4_H
#define SW_SIGV4_H
#include <stddef.h>
#include "buf.h"

/* One request header, raw as received: names in any case, values untrimmed. */
typedef struct sw_header {
    const char *name; size_t nlen;
    const char *value; size_t vlen;
} sw_header;

/* The parts of a request that SigV4 covers. Nothing here is owned by the module. */
typedef struct sw_sigv4_request {
    const char *method;                  /* "POST" */
    const char *path; size_t path_len;   /* raw request path as on the wire (percent-encoded), no query */
    const char *query; size_t query_len; /* raw query string without '?', may be empty */
    const sw_header *headers; size_t nheaders;
    const char *payload_sha256_hex;      /* hex SHA-256 of the body as received, computed by the caller */
} sw_sigv4_request;

/* What the Authorization header or the presigned query says. Every string is NUL-terminated. */
typedef struct sw_sigv4_auth {
    char algorithm[32];         /* "AWS4-HMAC-SHA256" when well formed */
    char access_key[129];
    char date[9];               /* yyyymmdd from the credential scope */
    char region[64];
    char service[64];
    char terminator[32];        /* "aws4_request" when well formed */
    char amz_date[17];          /* yyyymmddThhmmssZ from X-Amz-Date (header or query parameter) */
    char signed_headers[1024];  /* ;-joined lowercase */
    char signature[65];
    int presigned;              /* 1 when taken from the query string */
    long expires;               /* X-Amz-Expires for presigned, else 0 */
    int has_security_token;
} sw_sigv4_auth;

typedef enum {
    SW_SIGV4_OK = 0,
    SW_SIGV4_MISSING,     /* no credentials at all: AWS "MissingAuthenticationToken" */
    SW_SIGV4_INCOMPLETE,  /* malformed Authorization / query parameters: "IncompleteSignature" */
    SW_SIGV4_MISMATCH,    /* signature differs, or host not signed: "SignatureDoesNotMatch" */
    SW_SIGV4_EXPIRED,     /* X-Amz-Date outside +-5 min, or presigned URL past X-Amz-Expires */
    SW_SIGV4_BAD_SCOPE    /* scope date/terminator/algorithm wrong ("InvalidSignature" family) */
} sw_sigv4_status;

#define SW_SIGV4_ALGORITHM "AWS4-HMAC-SHA256"
#define SW_SIGV4_MAX_SKEW 300 /* seconds either way */

/* Fills *auth from the Authorization header, or from the X-Amz-* query parameters when the
 * query carries X-Amz-Algorithm or X-Amz-Signature. Never reads past the given lengths and
 * never overflows auth: an over-long field is rejected. On failure writes AWS's message text
 * into msg (always NUL-terminated, truncated to msglen) and returns MISSING or INCOMPLETE;
 * scope/date consistency is left to sw_sigv4_verify. msg may be NULL when msglen is 0. */
sw_sigv4_status sw_sigv4_parse(const sw_sigv4_request *req, sw_sigv4_auth *auth, char *msg, size_t msglen);

/* Appends the canonical request (method, canonical URI, canonical query, canonical headers,
 * signed headers, payload hash) to out, exactly as AWS builds it for non-S3 services.
 * Can't fail. */
void sw_sigv4_canonical_request(const sw_sigv4_request *req, const sw_sigv4_auth *auth, sw_buf *out);

/* Appends "AWS4-HMAC-SHA256\n<amz_date>\n<scope>\n<hex sha256(canonical)>" to out. Can't fail. */
void sw_sigv4_string_to_sign(const sw_sigv4_auth *auth, const char *canonical, size_t canonical_len, sw_buf *out);

/* Writes the lowercase hex HMAC-SHA256 signature of string_to_sign under the key derived from
 * "AWS4"+secret -> date -> region -> service -> "aws4_request". Can't fail. */
void sw_sigv4_signature(const char *secret, const sw_sigv4_auth *auth, const char *string_to_sign, char out_hex[65]);

/* Checks a parsed request: algorithm, scope terminator and date, that host is signed, clock
 * skew against now_epoch_seconds, presigned expiry, then compares signatures in constant time.
 * Returns OK or the failing status with AWS's message in msg. */
sw_sigv4_status sw_sigv4_verify(const sw_sigv4_request *req, const sw_sigv4_auth *auth, const char *secret,
                                long long now_epoch_seconds, char *msg, size_t msglen);

/* Signs req as an AWS SDK would and appends the Authorization header value to out. The request's
 * headers must already hold every name in signed_headers (";"-joined, lowercase, sorted), and
 * amz_date must be the X-Amz-Date value. Returns 0, or -1 when an argument does not fit
 * sw_sigv4_auth (out untouched). */
int sw_sigv4_sign(const sw_sigv4_request *req, const char *access_key, const char *secret, const char *region,
                  const char *service, const char *amz_date, const char *signed_headers, sw_buf *out);

/* Writes the lowercase hex SHA-256 of data (for payload hashes). Can't fail. */
void sw_sigv4_sha256_hex(const void *data, size_t len, char out_hex[65]);

/* Formats epoch seconds as yyyymmddThhmmssZ (years 0..9999; others are clamped). Can't fail. */
void sw_sigv4_format_amz_date(long long epoch, char out[17]);

/* Parses yyyymmddThhmmssZ into epoch seconds. Returns 0, or -1 when s is not in that form. */
int sw_sigv4_parse_amz_date(const char *s, long long *epoch);

#endif
