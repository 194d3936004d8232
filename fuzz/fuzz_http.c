/* fuzz_http.c -- libFuzzer target: raw bytes over TCP into the in-process HTTP front end
 * (libmicrohttpd and src/http.c). The server shares the fuzzer's process, so any memory error it
 * makes on hostile input aborts the run.
 *
 * Byte 0 chooses the framing: odd puts "POST / HTTP/1.1\r\n" in front of the rest, so most inputs
 * reach the header and body parsers; even sends the rest as is (request line included). */
#include "clock.h"
#include "http.h"
#include "keys.h"
#include "metrics.h"
#include "protocol.h"
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/crypto.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define FUZZ_NOW 1704067200LL /* 2024-01-01T00:00:00Z */
#define FUZZ_READ_TIMEOUT_MS 50 /* silence after which an incomplete request is given up */
#define FUZZ_PREFIX "POST / HTTP/1.1\r\n"

static char fuzz_dir[64];
static sw_server fuzz_srv;
static sw_http *fuzz_http;
static struct sockaddr_in fuzz_addr;

/* Stops the daemon and removes the engine's files, which should not outlive the run. */
static void teardown(void) {
    sw_http_stop(fuzz_http, 1000);
    sw_metrics_close(fuzz_srv.metrics);
    sw_keys_close(fuzz_srv.keys);
    DIR *d = opendir(fuzz_dir);
    if (!d) return;
    char path[512];
    for (struct dirent *e; (e = readdir(d));) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        snprintf(path, sizeof path, "%s/%s", fuzz_dir, e->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(fuzz_dir);
}

/* A server as `skywatch` runs it, with a real engine on a temporary directory, listening on a
 * free port of 127.0.0.1 with one thread. */
int LLVMFuzzerInitialize(int *argc, char ***argv) {
    signal(SIGPIPE, SIG_IGN);
    /* OpenSSL initialises itself on first use, in whichever thread that is; here that would be the
     * server's, which then keeps that state past OpenSSL's atexit cleanup and LeakSanitizer reports
     * it. Initialising in this thread, before our own atexit, keeps exit leak-clean. */
    OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, NULL);
    snprintf(fuzz_dir, sizeof fuzz_dir, "%s/skywatch-fuzz-XXXXXX", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
    if (!mkdtemp(fuzz_dir)) { perror("mkdtemp"); abort(); }
    char err[256], keys[512];
    fuzz_srv.metrics = sw_metrics_open(fuzz_dir, err, sizeof err);
    if (!fuzz_srv.metrics) { fprintf(stderr, "metrics: %s\n", err); abort(); }
    snprintf(keys, sizeof keys, "%s/keys", fuzz_dir);
    fuzz_srv.keys = sw_keys_open(keys);
    sw_key root = {"AKIDFUZZROOT0000", "fuzz/root+secret0000000000000000000000000", "123456789012", 1};
    sw_keys_set_root(fuzz_srv.keys, &root);
    fuzz_srv.max_request_bytes = 64 << 10;
    fuzz_srv.max_inflated_bytes = 1 << 20;
    sw_clock_set_ms(FUZZ_NOW * 1000);
    fuzz_http = sw_http_start(&fuzz_srv, "127.0.0.1", 0, 1, err, sizeof err);
    if (!fuzz_http) { fprintf(stderr, "http: %s\n", err); abort(); }
    fuzz_addr = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons((uint16_t)sw_http_port(fuzz_http))};
    inet_pton(AF_INET, "127.0.0.1", &fuzz_addr.sin_addr);
    atexit(teardown);
    return 0;
}

static void send_all(int fd, const void *p, size_t n) {
    const char *c = p;
    while (n > 0) {
        ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
        if (w <= 0) return; /* the server may close early on garbage; that is an answer too */
        c += w;
        n -= (size_t)w;
    }
}

/* The length of the Content-Length value in the header block [p, end), or -1 when there is none. */
static long content_length(const char *p, const char *end) {
    static const char name[] = "\r\ncontent-length:";
    size_t n = sizeof name - 1;
    for (; p + n <= end; p++)
        if (strncasecmp(p, name, n) == 0) return strtol(p + n, NULL, 10);
    return -1;
}

/* 1 once b[0..n) holds a whole final response: 1xx interim answers skipped, head, Content-Length body. */
static int response_complete(const char *b, size_t n) {
    const char *p = b, *end = b + n;
    for (;;) {
        const char *head_end = memmem(p, (size_t)(end - p), "\r\n\r\n", 4);
        if (!head_end) return 0;
        if (end - p > 9 && p[9] == '1') { p = head_end + 4; continue; } /* "HTTP/1.1 100 Continue" */
        long len = content_length(p, head_end + 2);
        return len >= 0 && end - (head_end + 4) >= len;
    }
}

/* Reads the answer until the server closes, a whole response has arrived, or the server stays
 * silent for the timeout. libmicrohttpd keeps a half-closed connection open after answering (and
 * until its connection timeout when the request is incomplete), so EOF alone would cost the full
 * timeout on every input. */
static void drain(int fd) {
    char buf[65536];
    size_t len = 0;
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    while (poll(&pfd, 1, FUZZ_READ_TIMEOUT_MS) > 0) {
        ssize_t r = recv(fd, buf + len, sizeof buf - 1 - len, 0);
        if (r <= 0) return;
        len += (size_t)r;
        buf[len] = '\0';
        if (len == sizeof buf - 1 || response_complete(buf, len)) return;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) { perror("socket"); abort(); }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&fuzz_addr, sizeof fuzz_addr) != 0) { perror("connect"); abort(); }
    if (data[0] & 1) send_all(fd, FUZZ_PREFIX, sizeof FUZZ_PREFIX - 1);
    send_all(fd, data + 1, size - 1);
    shutdown(fd, SHUT_WR);
    drain(fd);
    close(fd);
    return 0;
}
