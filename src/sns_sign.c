/* sns_sign.c -- the key SNS signs messages with: an RSA 2048 key (DATA/sns/signing-key.pem, mode 0600)
 * and a self-signed X.509 certificate for it (DATA/sns/signing-cert.pem), made on first start and
 * served at SigningCertURL, so subscribers verify SignatureVersion 1 (SHA1withRSA) and 2
 * (SHA256withRSA) signatures exactly as they verify AWS's. */
#include "alloc.h"
#include "fileio.h"
#include "sns_int.h"
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define SW_SNS_CERT_DAYS 3650

struct sw_sns_signer {
    EVP_PKEY *key;
    char *cert_pem;
};

static char *sw_read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    sw_buf b;
    sw_buf_init(&b);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) sw_buf_append(&b, chunk, n);
    fclose(f);
    sw_buf_putc(&b, '\0');
    return sw_buf_detach(&b, NULL);
}

/* Writes text to path (mode) durably: a temporary file, fsync, rename. */
static int sw_write_file(const char *dir, const char *path, const char *text, int mode) {
    char tmp[1200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) return -1;
    int bad = sw_write_all(fd, text, strlen(text)) || fsync(fd);
    close(fd);
    if (bad || rename(tmp, path) != 0) { unlink(tmp); return -1; }
    return sw_fsync_dir(dir);
}

static char *sw_pem_of(int (*writer)(BIO *, void *), void *obj) {
    BIO *bio = BIO_new(BIO_s_mem());
    char *out = NULL;
    if (bio && writer(bio, obj) == 1) {
        char *p;
        long n = BIO_get_mem_data(bio, &p);
        out = sw_strndup(p, (size_t)n);
    }
    BIO_free(bio);
    return out;
}

static int sw_write_key(BIO *b, void *k) { return PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL); }
static int sw_write_cert(BIO *b, void *c) { return PEM_write_bio_X509(b, c); }

static X509 *sw_self_signed(EVP_PKEY *key) {
    X509 *x = X509_new();
    if (!x) return NULL;
    unsigned char serial[8];
    FILE *r = fopen("/dev/urandom", "rb");
    size_t got = r ? fread(serial, 1, sizeof serial, r) : 0;
    if (r) fclose(r);
    uint64_t sn = 1;
    for (size_t i = 0; i < got; i++) sn = sn << 8 | serial[i];
    X509_set_version(x, 2);
    ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), sn >> 1);
    X509_gmtime_adj(X509_getm_notBefore(x), -86400);
    X509_gmtime_adj(X509_getm_notAfter(x), (long)SW_SNS_CERT_DAYS * 86400);
    X509_set_pubkey(x, key);
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"skywatch", -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"skywatch SNS message signing", -1, -1, 0);
    X509_set_issuer_name(x, name);
    if (!X509_sign(x, key, EVP_sha256())) { X509_free(x); return NULL; }
    return x;
}

/* Makes a new key and certificate and stores both. */
static int sw_generate(sw_sns_signer *g, const char *dir, const char *key_path, const char *cert_path, char *err, size_t errlen) {
    g->key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    X509 *x = g->key ? sw_self_signed(g->key) : NULL;
    char *key_pem = x ? sw_pem_of(sw_write_key, g->key) : NULL;
    g->cert_pem = key_pem ? sw_pem_of(sw_write_cert, x) : NULL;
    int rc = -1;
    if (!g->cert_pem) snprintf(err, errlen, "cannot generate the SNS signing key");
    else if (sw_write_file(dir, key_path, key_pem, 0600) || sw_write_file(dir, cert_path, g->cert_pem, 0644))
        snprintf(err, errlen, "cannot write the SNS signing key in %s: %s", dir, strerror(errno));
    else rc = 0;
    if (key_pem) OPENSSL_cleanse(key_pem, strlen(key_pem));
    sw_free(key_pem);
    X509_free(x);
    return rc;
}

sw_sns_signer *sw_sns_signer_open(const char *dir, char *err, size_t errlen) {
    char key_path[1200], cert_path[1200];
    snprintf(key_path, sizeof key_path, "%s/signing-key.pem", dir);
    snprintf(cert_path, sizeof cert_path, "%s/signing-cert.pem", dir);
    sw_sns_signer *g = sw_calloc(1, sizeof *g);
    char *key_pem = sw_read_file(key_path);
    g->cert_pem = key_pem ? sw_read_file(cert_path) : NULL;
    if (key_pem && g->cert_pem) {
        BIO *bio = BIO_new_mem_buf(key_pem, -1);
        g->key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
        BIO_free(bio);
        if (!g->key) snprintf(err, errlen, "%s is not a PEM private key", key_path);
    } else {
        sw_free(g->cert_pem);
        g->cert_pem = NULL;
        sw_generate(g, dir, key_path, cert_path, err, errlen);
    }
    if (key_pem) OPENSSL_cleanse(key_pem, strlen(key_pem));
    sw_free(key_pem);
    if (!g->key || !g->cert_pem) { sw_sns_signer_close(g); return NULL; }
    return g;
}

void sw_sns_signer_close(sw_sns_signer *g) {
    if (!g) return;
    EVP_PKEY_free(g->key);
    sw_free(g->cert_pem);
    sw_free(g);
}

const char *sw_sns_signer_cert_pem(sw_sns_signer *g) { return g->cert_pem; }

int sw_sns_sign(sw_sns_signer *g, int version, const char *data, size_t len, sw_buf *out) {
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char sig[512];
    size_t siglen = sizeof sig;
    int ok = ctx && EVP_DigestSignInit(ctx, NULL, version == 2 ? EVP_sha256() : EVP_sha1(), NULL, g->key) == 1 &&
             EVP_DigestSign(ctx, sig, &siglen, (const unsigned char *)data, len) == 1;
    EVP_MD_CTX_free(ctx);
    if (!ok) return -1;
    unsigned char b64[700];
    int n = EVP_EncodeBlock(b64, sig, (int)siglen);
    sw_buf_append(out, b64, (size_t)n);
    return 0;
}
