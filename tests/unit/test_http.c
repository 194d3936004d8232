/* test_http.c -- the HTTP front end's shutdown: sw_http_stop while clients keep sending requests that
 * libmicrohttpd answers by itself (malformed ones), while a keep-alive connection sits idle, and after
 * a request the server answered. libmicrohttpd 0.9.75 crashes (NULL response, SEGV at 0x98) when its
 * own error answer meets MHD_stop_daemon; sw_http_stop must never let the two meet. */
#include "alloc.h"
#include "clock.h"
#include "http.h"
#include "keys.h"
#include "metrics.h"
#include "test.h"
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static char dir[64];
static sw_server srv;

static void open_server(void) {
    signal(SIGPIPE, SIG_IGN);
    snprintf(dir, sizeof dir, "/tmp/skywatch-test-http-XXXXXX");
    if (!mkdtemp(dir)) { perror("mkdtemp"); exit(2); }
    char err[256], keys[128];
    srv.metrics = sw_metrics_open(dir, err, sizeof err);
    if (!srv.metrics) { fprintf(stderr, "metrics: %s\n", err); exit(2); }
    snprintf(keys, sizeof keys, "%s/keys", dir);
    srv.keys = sw_keys_open(keys);
    sw_key root = {"AKIDTESTROOT0000", "test/root+secret0000000000000000000000000", "123456789012", 1};
    sw_keys_set_root(srv.keys, &root);
    srv.max_request_bytes = 64 << 10;
    srv.max_inflated_bytes = 1 << 20;
}

static void close_server(void) {
    sw_metrics_close(srv.metrics);
    sw_keys_close(srv.keys);
    DIR *d = opendir(dir);
    char path[512];
    for (struct dirent *e; d && (e = readdir(d));) {
        if (e->d_name[0] == '.') continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    if (d) closedir(d);
    rmdir(dir);
}

static int connect_to(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) { close(fd); return -1; }
    return fd;
}

/* Reads until the peer closes or `ms` of silence; returns the bytes read (at most cap - 1, NUL-ended). */
static size_t read_answer(int fd, char *buf, size_t cap, int ms) {
    size_t n = 0;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    while (n + 1 < cap && poll(&p, 1, ms) > 0) {
        ssize_t r = recv(fd, buf + n, cap - 1 - n, 0);
        if (r <= 0) break;
        n += (size_t)r;
        if (memmem(buf, n, "\r\n\r\n", 4)) break;
    }
    buf[n] = '\0';
    return n;
}

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

typedef struct { int port; atomic_int *stop; int answered; } storm_arg;

/* HTTP/1.1 without Host, and a header line without a colon: libmicrohttpd answers 400 itself. */
static void *storm(void *p) {
    storm_arg *a = p;
    static const char *bad[] = {"GET / HTTP/1.1\r\n\r\n", "POST / HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n"};
    for (int i = 0; !atomic_load(a->stop); i++) {
        int fd = connect_to(a->port);
        if (fd < 0) continue; /* refused once the server stopped accepting */
        send(fd, bad[i & 1], strlen(bad[i & 1]), MSG_NOSIGNAL);
        char buf[512];
        if (read_answer(fd, buf, sizeof buf, 200) && strncmp(buf, "HTTP/1.1 400", 12) == 0) a->answered++;
        close(fd);
    }
    return NULL;
}

/* 40 rounds of: four clients sending malformed requests as fast as they get answers, then
 * sw_http_stop in the middle of it. Before the fix, this crashed within a few rounds. */
static void test_stop_during_malformed_requests(void) {
    open_server();
    int answered = 0;
    for (int round = 0; round < 40; round++) {
        char err[256];
        sw_http *h = sw_http_start(&srv, "127.0.0.1", 0, 64, err, sizeof err);
        T_ASSERT(h != NULL);
        if (!h) break;
        atomic_int stop = 0;
        storm_arg args[4];
        pthread_t th[4];
        for (int i = 0; i < 4; i++) {
            args[i] = (storm_arg){sw_http_port(h), &stop, 0};
            pthread_create(&th[i], NULL, storm, &args[i]);
        }
        usleep(20000 + (useconds_t)(round % 5) * 3000);
        sw_http_stop(h, 1000);
        atomic_store(&stop, 1);
        for (int i = 0; i < 4; i++) {
            pthread_join(th[i], NULL);
            answered += args[i].answered;
        }
    }
    T_ASSERT(answered > 40); /* the storm reached the parser, not only the listen queue */
    close_server();
}

/* An idle keep-alive connection does not hold the stop up, and the port is free afterwards. */
static void test_stop_closes_idle_keepalive(void) {
    open_server();
    char err[256];
    sw_http *h = sw_http_start(&srv, "127.0.0.1", 0, 64, err, sizeof err);
    T_ASSERT(h != NULL);
    if (!h) { close_server(); return; }
    int fd = connect_to(sw_http_port(h));
    T_ASSERT(fd >= 0);
    static const char req[] = "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                              "Content-Length: 37\r\n\r\nAction=ListMetrics&Version=2010-08-01";
    send(fd, req, sizeof req - 1, MSG_NOSIGNAL);
    char buf[4096];
    size_t n = read_answer(fd, buf, sizeof buf, 2000);
    T_ASSERT(n > 12 && strncmp(buf, "HTTP/1.1 4", 10) == 0); /* unsigned: AWS's 4xx, connection kept */
    int port = sw_http_port(h);
    double t0 = now_s();
    sw_http_stop(h, 30000);
    double took = now_s() - t0;
    T_ASSERT(took < 5.0); /* MHD's connection timeout is 120 s; the shutdown must not wait for it */
    char c;
    T_EQ_INT(recv(fd, &c, 1, 0), 0); /* the server closed its side */
    close(fd);
    int again = connect_to(port);
    T_EQ_INT(again, -1); /* the port is released, not left queueing connections nobody accepts */
    if (again >= 0) close(again);
    close_server();
}

sw_test_case sw_tests[] = {
    {"stop_during_malformed_requests", test_stop_during_malformed_requests},
    {"stop_closes_idle_keepalive", test_stop_closes_idle_keepalive},
    {NULL, NULL},
};
#include "test_main.h"
