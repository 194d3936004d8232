/* http.c -- libmicrohttpd glue: one sw_dispatch call per complete request, bodies bounded. */
#include "http.h"
#include "alloc.h"
#include "log.h"
#include <arpa/inet.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct sw_http {
    struct MHD_Daemon *d;
    sw_server *srv;
    atomic_int in_flight;
    int port;
    pthread_mutex_t conns_mu; /* the open connections' sockets, for sw_http_stop */
    int *conns;
    size_t n_conns, cap_conns;
};

typedef struct sw_conn_req {
    sw_buf body;
    int too_large;
    struct timespec start;
} sw_conn_req;

typedef struct sw_collect { sw_header *h; size_t n, cap; sw_buf *query; } sw_collect;

static enum MHD_Result sw_collect_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value) {
    sw_collect *c = cls;
    if (c->n == c->cap) { c->cap = c->cap ? c->cap * 2 : 32; c->h = sw_realloc(c->h, c->cap * sizeof *c->h); }
    c->h[c->n++] = (sw_header){key, strlen(key), value ? value : "", value ? strlen(value) : 0};
    return MHD_YES;
}

/* Rebuilds the raw query string: the unescape callback below keeps MHD from decoding it. */
static enum MHD_Result sw_collect_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value) {
    sw_collect *c = cls;
    if (c->query->len) sw_buf_putc(c->query, '&');
    sw_buf_puts(c->query, key);
    if (value) { sw_buf_putc(c->query, '='); sw_buf_puts(c->query, value); }
    return MHD_YES;
}

static size_t sw_keep_escaped(void *cls, struct MHD_Connection *c, char *s) { return strlen(s); }

static void sw_log_request(sw_http *h, const sw_http_request *rq, const sw_http_response *rs, size_t out_len, const sw_conn_req *cr) {
    if (!h->srv->request_log) return;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long us = (now.tv_sec - cr->start.tv_sec) * 1000000L + (now.tv_nsec - cr->start.tv_nsec) / 1000;
    sw_log("info", "request",
           "\"id\":\"%s\",\"proto\":\"%s\",\"op\":\"%s\",\"status\":%d,\"us\":%ld,\"bytes_in\":%zu,\"bytes_out\":%zu,\"access_key\":\"%s\"%s%s%s",
           rs->request_id, rs->protocol, rs->operation, rs->status, us, rq->body_len, out_len, rs->access_key,
           rs->query_error[0] ? ",\"error\":\"" : "", rs->query_error[0] ? rs->query_error : "", rs->query_error[0] ? "\"" : "");
}

static enum MHD_Result sw_respond(sw_http *h, struct MHD_Connection *conn, const char *url, const char *method, sw_conn_req *cr) {
    sw_collect col = {0};
    sw_buf query;
    sw_buf_init(&query);
    col.query = &query;
    MHD_get_connection_values(conn, MHD_HEADER_KIND, sw_collect_header, &col);
    sw_collect args = {.query = &query};
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, sw_collect_arg, &args);
    sw_http_request rq = {method, url, strlen(url), query.data ? query.data : "", query.len, col.h, col.n,
                          cr->body.data ? cr->body.data : "", cr->body.len, cr->too_large, NULL};
    sw_http_response rs;
    sw_dispatch(h->srv, &rq, &rs);
    size_t len;
    char *body = sw_buf_detach(&rs.body, &len);
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (rs.content_type) MHD_add_response_header(resp, "Content-Type", rs.content_type);
    MHD_add_response_header(resp, "x-amzn-RequestId", rs.request_id);
    if (rs.smithy_protocol) MHD_add_response_header(resp, "Smithy-Protocol", rs.smithy_protocol);
    if (rs.query_error[0]) MHD_add_response_header(resp, "x-amzn-query-error", rs.query_error);
    enum MHD_Result r = MHD_queue_response(conn, (unsigned)rs.status, resp);
    MHD_destroy_response(resp);
    sw_log_request(h, &rq, &rs, len, cr);
    sw_free(col.h);
    sw_buf_free(&query);
    return r;
}

static enum MHD_Result sw_count_content_length(void *cls, enum MHD_ValueKind kind, const char *key, const char *value) {
    if (strcasecmp(key, "Content-Length") == 0) (*(int *)cls)++;
    return MHD_YES;
}

/* RFC 9112 6.3: several Content-Length headers make the message length unknowable (request smuggling):
 * answer 400 and close the connection without reading a body. */
static enum MHD_Result sw_refuse_framing(struct MHD_Connection *conn) {
    static const char body[] = "<ErrorResponse><Error><Type>Sender</Type><Code>BadRequest</Code>"
                               "<Message>The request has more than one Content-Length header.</Message></Error></ErrorResponse>";
    struct MHD_Response *resp = MHD_create_response_from_buffer(sizeof body - 1, (void *)body, MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(resp, "Content-Type", "text/xml");
    MHD_add_response_header(resp, "Connection", "close");
    enum MHD_Result r = MHD_queue_response(conn, 400, resp);
    MHD_destroy_response(resp);
    return r;
}

static enum MHD_Result sw_on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                     const char *version, const char *upload, size_t *upload_size, void **state) {
    sw_http *h = cls;
    sw_conn_req *cr = *state;
    if (!cr) {
        cr = sw_calloc(1, sizeof *cr);
        sw_buf_init(&cr->body);
        clock_gettime(CLOCK_MONOTONIC, &cr->start);
        atomic_fetch_add(&h->in_flight, 1);
        *state = cr;
        int lengths = 0;
        MHD_get_connection_values(conn, MHD_HEADER_KIND, sw_count_content_length, &lengths);
        if (lengths > 1) return sw_refuse_framing(conn);
        /* room for the whole body at once: growing by doubling would copy a 1 MB body twice over */
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        char *end;
        unsigned long long want = cl ? strtoull(cl, &end, 10) : 0;
        if (cl && *end == '\0' && want > 0 && want <= h->srv->max_request_bytes) sw_buf_reserve(&cr->body, (size_t)want);
        return MHD_YES;
    }
    if (*upload_size) {
        if (cr->body.len + *upload_size > h->srv->max_request_bytes) cr->too_large = 1;  /* keep reading, drop bytes */
        else sw_buf_append(&cr->body, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    return sw_respond(h, conn, url, method, cr);
}

static void sw_on_completed(void *cls, struct MHD_Connection *conn, void **state, enum MHD_RequestTerminationCode tc) {
    sw_http *h = cls;
    sw_conn_req *cr = *state;
    if (!cr) return;
    sw_buf_free(&cr->body);
    sw_free(cr);
    *state = NULL;
    atomic_fetch_sub(&h->in_flight, 1);
}

/* Keeps the set of open connection sockets. MHD reports CLOSED before it closes the socket, so a
 * socket in the set is still this connection's while the mutex is held. The socket is remembered in the
 * connection's context at STARTED, so CLOSED removes exactly what STARTED added. */
static void sw_on_connection(void *cls, struct MHD_Connection *conn, void **socket_context, enum MHD_ConnectionNotificationCode code) {
    sw_http *h = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        if (!ci) return;
        *socket_context = (void *)(intptr_t)(ci->connect_fd + 1);
        pthread_mutex_lock(&h->conns_mu);
        if (h->n_conns == h->cap_conns) {
            h->cap_conns = h->cap_conns ? h->cap_conns * 2 : 16;
            h->conns = sw_realloc(h->conns, h->cap_conns * sizeof *h->conns);
        }
        h->conns[h->n_conns++] = ci->connect_fd;
        pthread_mutex_unlock(&h->conns_mu);
        return;
    }
    int fd = (int)(intptr_t)*socket_context - 1;
    if (fd < 0) return;
    pthread_mutex_lock(&h->conns_mu);
    for (size_t i = 0; i < h->n_conns; i++)
        if (h->conns[i] == fd) { h->conns[i] = h->conns[--h->n_conns]; break; }
    pthread_mutex_unlock(&h->conns_mu);
}

sw_http *sw_http_start(sw_server *srv, const char *host, int port, int max_connections, char *err, size_t errlen) {
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
        snprintf(err, errlen, "listen address %s is not an IPv4 address", host);
        return NULL;
    }
    sw_http *h = sw_calloc(1, sizeof *h);
    h->srv = srv;
    pthread_mutex_init(&h->conns_mu, NULL);
    /* One thread per connection: a request waiting for the log's group commit blocks only its own
     * connection (a shared pool thread would stall every connection it serves; measured). */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL | MHD_USE_ITC;
    h->d = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, sw_on_request, h,
                            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                            MHD_OPTION_CONNECTION_LIMIT, (unsigned)max_connections,
                            MHD_OPTION_THREAD_STACK_SIZE, (size_t)(512 * 1024),
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(256 * 1024),
                            MHD_OPTION_UNESCAPE_CALLBACK, sw_keep_escaped, NULL,
                            MHD_OPTION_NOTIFY_COMPLETED, sw_on_completed, h,
                            MHD_OPTION_NOTIFY_CONNECTION, sw_on_connection, h,
                            MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1,
                            MHD_OPTION_END);
    if (!h->d) {
        snprintf(err, errlen, "cannot listen on %s:%d (address in use or not permitted)", host, port);
        pthread_mutex_destroy(&h->conns_mu);
        sw_free(h);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
    h->port = info ? info->port : port;
    return h;
}

int sw_http_port(sw_http *h) { return h->port; }

/* libmicrohttpd 0.9.75 crashes when MHD_stop_daemon meets a connection thread answering a malformed
 * request by itself: once the daemon is marked as shutting down, MHD_queue_response returns MHD_YES
 * without attaching the response, and the error path then builds headers from a NULL response
 * (SEGV at 0x98). So no connection may be open when MHD_stop_daemon runs: after the requests in
 * flight finish, every open socket is shut down and its thread left to close it. */
void sw_http_stop(sw_http *h, int timeout_ms) {
    if (!h) return;
    /* stop accepting; connections already open finish their requests. The listen socket is ours to
     * close from here on (MHD_stop_daemon leaves a quiesced daemon's socket open: the port would stay
     * bound, queueing connections nobody accepts). */
    MHD_socket listen_fd = MHD_quiesce_daemon(h->d);
    int waited = 0;
    for (; atomic_load(&h->in_flight) > 0 && waited < timeout_ms; waited += 10) usleep(10000);
    /* shut down again on every pass: a connection accepted just before the quiesce may register late */
    for (int left = 2000;; left -= 10) {
        pthread_mutex_lock(&h->conns_mu);
        size_t open = h->n_conns;
        for (size_t i = 0; i < open; i++) shutdown(h->conns[i], SHUT_RDWR);
        pthread_mutex_unlock(&h->conns_mu);
        if (open == 0 || left <= 0) break;
        usleep(10000);
    }
    MHD_stop_daemon(h->d);
    if (listen_fd != MHD_INVALID_SOCKET) close(listen_fd);
    pthread_mutex_destroy(&h->conns_mu);
    sw_free(h->conns);
    sw_free(h);
}
