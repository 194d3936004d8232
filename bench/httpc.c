/* httpc.c -- the load generators' HTTP/1.1 client side: complete writes and Content-Length responses. */
#include "httpc.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

int bench_write_all(int fd, struct iovec *iov, int n) {
    while (n > 0) {
        ssize_t k = writev(fd, iov, n);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return -1;
        while (n > 0 && (size_t)k >= iov->iov_len) { k -= (ssize_t)iov->iov_len; iov++; n--; }
        if (n > 0) { iov->iov_base = (char *)iov->iov_base + k; iov->iov_len -= (size_t)k; }
    }
    return 0;
}

int bench_fill(bench_conn *c) {
    if (c->incap - c->inlen < 65536) {
        c->incap = c->incap ? c->incap * 2 : 262144;
        c->in = realloc(c->in, c->incap);
    }
    ssize_t k;
    do k = read(c->fd, c->in + c->inlen, c->incap - c->inlen - 1); while (k < 0 && errno == EINTR);
    if (k > 0) { c->inlen += (size_t)k; c->in[c->inlen] = '\0'; }
    return (int)k;
}

/* Returns the value of header name in the head [head, head+hlen), or NULL. */
const char *bench_find_header(const char *head, size_t hlen, const char *name) {
    size_t n = strlen(name);
    const char *end = head + hlen;
    for (const char *p = memchr(head, '\n', hlen); p && p + 1 < end; p = memchr(p + 1, '\n', (size_t)(end - p - 1))) {
        const char *line = p + 1;
        if ((size_t)(end - line) > n && strncasecmp(line, name, n) == 0 && line[n] == ':') {
            line += n + 1;
            while (*line == ' ') line++;
            return line;
        }
    }
    return NULL;
}

/* Reads one response. Returns the status, or -1 on a broken connection. *body and *blen point into c->in
 * until the next call. Sets *closing when the server will close the connection after it. */
int bench_read_response(bench_conn *c, const char **body, size_t *blen, int *closing) {
    c->inlen = 0;
    char *eoh;
    while (!(c->inlen && (eoh = strstr(c->in, "\r\n\r\n"))))
        if (bench_fill(c) <= 0) return -1;
    size_t hlen = (size_t)(eoh - c->in) + 4;
    int status = 0;
    if (sscanf(c->in, "HTTP/%*d.%*d %d", &status) != 1) return -1;
    const char *cl = bench_find_header(c->in, hlen, "Content-Length");
    const char *conn = bench_find_header(c->in, hlen, "Connection");
    *closing = (conn && strncasecmp(conn, "close", 5) == 0) || strncmp(c->in, "HTTP/1.0", 8) == 0;
    if (bench_find_header(c->in, hlen, "Transfer-Encoding")) return -2; /* chunked: not used by skywatch or moto */
    if (cl) {
        size_t want = hlen + strtoull(cl, NULL, 10);
        while (c->inlen < want)
            if (bench_fill(c) <= 0) return -1;
    } else {
        *closing = 1;
        while (bench_fill(c) > 0) {}
    }
    *body = c->in + hlen;
    *blen = c->inlen - hlen;
    return status;
}

int bench_send(bench_conn *c, const void *body, size_t len, const char **rbody, size_t *rlen) {
    struct iovec iov[2] = {{c->head.data, c->head.len}, {(void *)body, len}};
    int closing = 0, status = -1;
    if (bench_write_all(c->fd, iov, 2) == 0) status = bench_read_response(c, rbody, rlen, &closing);
    if (status < 0 || closing) { close(c->fd); c->fd = -1; }
    return status;
}

void bench_conn_free(bench_conn *c) {
    if (c->fd >= 0) close(c->fd);
    sw_buf_free(&c->head);
    free(c->in);
}

double bench_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double bench_self_cpu(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

double bench_proc_cpu(int pid) {
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    const char *p = strrchr(buf, ')'); /* the fields after the command name */
    unsigned long ut = 0, st = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2) return 0;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}
