/* logs_loadgen.c -- benchmark client for CloudWatch Logs over AWS JSON 1.1: signed PutLogEvents replay and
 * FilterLogEvents paging over keep-alive HTTP/1.1.
 *
 * put:    generates the benchmark corpus (access-log lines, JSON lines, Java application logs with multi-line
 *         stack traces, 1-5% ERROR; 100 streams in 10 groups; the generator of bench/logstore_bench.c with one
 *         random state per stream, so it is deterministic for a given --mb and --t0-ms), creates the groups and
 *         streams, pre-builds one PutLogEvents request per batch (AWS's rules: at most 1,048,576 bytes counting
 *         26 bytes per event, at most 10,000 events, chronological), then replays them over K connections, one
 *         thread per connection, in rounds (batch r of every stream before batch r+1 of any). Each request is
 *         SigV4-signed (service "logs") just before it is sent, over the SHA-256 computed at build time; the
 *         server must answer 200 without rejectedLogEventsInfo. --raw FILE writes the messages that were put,
 *         one per line, for zstd / rg / grep.
 * filter: pages FilterLogEvents (nextToken until none) through every group for one pattern, one group at a time per
 *         connection (--conns, default 1), and reports the raw bytes covered per second (--raw-bytes, the bytes put
 *         into those groups, over the wall time).
 * With --pid the server's CPU time (utime+stime from /proc/PID/stat) is read before and after. Prints one JSON
 * line of results on stdout. The HTTP client is the one of bench/loadgen.c. Loopback use only. */
#include "buf.h"
#include "httpc.h"
#include "logs_corpus.h"
#include "sigv4.h"
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define LL_MAX_CONNS 256
#define LL_GROUPS 10
#define LL_STREAMS_PER_GROUP 10
#define LL_STREAMS (LL_GROUPS * LL_STREAMS_PER_GROUP)
#define LL_BATCH_BYTES 1048576  /* PutLogEvents: "The maximum batch size is 1,048,576 bytes" ... */
#define LL_EVENT_OVERHEAD 26    /* ... "the sum of all event messages in UTF-8, plus 26 bytes for each log event" */
#define LL_BATCH_EVENTS 10000

typedef struct ll_opts {
    const char *mode;      /* "put" or "filter" */
    const char *host;
    int port;
    double mb;             /* corpus size, MiB */
    double max_mb;         /* put only the first rounds up to this many MiB of messages; 0 = all */
    long long t0_ms;       /* first timestamp of every stream; 0 = three hours ago */
    int conns;
    int pid;
    const char *raw;       /* put: write the messages put here */
    const char *pattern;   /* filter */
    double raw_bytes;      /* filter: raw bytes in the groups searched */
    const char *akid, *secret, *region;
} ll_opts;

static ll_opts ll_o = {
    .mode = "put", .host = "127.0.0.1", .mb = 300, .conns = 8, .pattern = "ERROR",
    .akid = "AKIDBENCH", .secret = "benchsecret", .region = "us-east-1",
};

static void ll_die(const char *msg) {
    fprintf(stderr, "logs_loadgen: %s\n", msg);
    exit(1);
}

static void ll_group_name(int g, char out[32]) { snprintf(out, 32, "/bench/group-%02d", g); }

static void ll_stream_name(int s, char out[48]) {
    int kind = (s / LL_STREAMS_PER_GROUP) % 3;
    snprintf(out, 48, "i-%04d/app/%s", s, kind == 0 ? "access" : kind == 1 ? "json" : "java");
}

/* Appends s as the inside of a JSON string, escaped as Python's json.dumps (botocore) does for ASCII. */
static void ll_json_str(sw_buf *b, const char *s, size_t n) {
    sw_buf_reserve(b, n + n / 8 + 16);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') { sw_buf_putc(b, '\\'); sw_buf_putc(b, (char)c); }
        else if (c == '\n') sw_buf_puts(b, "\\n");
        else if (c == '\t') sw_buf_puts(b, "\\t");
        else if (c == '\r') sw_buf_puts(b, "\\r");
        else if (c < 0x20) sw_buf_printf(b, "\\u%04x", c);
        else sw_buf_putc(b, (char)c);
    }
}

/* ---------- prepared PutLogEvents requests ---------- */

typedef struct ll_req {
    char *body;
    size_t len;
    char sha[65];
    size_t raw_bytes;   /* message bytes (what MB/s counts) */
    size_t events;
    size_t aws_bytes;   /* raw_bytes + 26 per event: AWS's batch size */
    char *raw;          /* the messages, newline-terminated (for --raw) */
    size_t raw_len;
} ll_req;

typedef struct ll_stream { ll_req *reqs; size_t n, cap; } ll_stream;

static ll_stream ll_streams[LL_STREAMS];

/* Closes the batch being built in b (its messages in raw) into the next request of stream st. */
static void ll_finish_batch(ll_stream *st, sw_buf *b, sw_buf *raw, size_t events, size_t raw_bytes) {
    sw_buf_puts(b, "]}");
    if (st->n == st->cap) {
        st->cap = st->cap ? st->cap * 2 : 16;
        st->reqs = realloc(st->reqs, st->cap * sizeof *st->reqs);
    }
    ll_req *r = &st->reqs[st->n++];
    memset(r, 0, sizeof *r);
    r->body = sw_buf_detach(b, &r->len);
    r->raw = sw_buf_detach(raw, &r->raw_len);
    r->events = events;
    r->raw_bytes = raw_bytes;
    r->aws_bytes = raw_bytes + events * LL_EVENT_OVERHEAD;
    sw_sigv4_sha256_hex(r->body, r->len, r->sha);
}

static void ll_open_batch(sw_buf *b, int s) {
    char group[32], stream[48];
    ll_group_name(s / LL_STREAMS_PER_GROUP, group);
    ll_stream_name(s, stream);
    sw_buf_init(b);
    sw_buf_printf(b, "{\"logGroupName\":\"%s\",\"logStreamName\":\"%s\",\"logEvents\":[", group, stream);
}

/* Builds stream s's events as PutLogEvents bodies. Timestamps start at t0_ms and advance 1-40 ms per event;
 * about a dozen events in the whole corpus carry the rare term. */
static void ll_build_stream(int s, size_t per_stream, size_t corpus_events_est) {
    uint64_t rng = 0x9E3779B97F4A7C15ull ^ ((uint64_t)(s + 1) * 0xD1B54A32D192ED03ull);
    int g = s / LL_STREAMS_PER_GROUP, kind = g % 3, error_pct = 1 + s % 5;
    unsigned rare_every = (unsigned)(corpus_events_est / 12 + 1);
    int64_t ms = ll_o.t0_ms;
    char ev[8192];
    sw_buf b, raw;
    ll_open_batch(&b, s);
    sw_buf_init(&raw);
    size_t bytes = 0, events = 0, batch_aws = 0, batch_raw = 0;
    while (bytes < per_stream) {
        ms += 1 + (int64_t)ll_pick(&rng, 40);
        int rare = ll_pick(&rng, rare_every) == 0;
        int n = ll_make_event(&rng, kind, ms, error_pct, rare, ev, sizeof ev);
        if (batch_aws + (size_t)n + LL_EVENT_OVERHEAD > LL_BATCH_BYTES || events == LL_BATCH_EVENTS) {
            ll_finish_batch(&ll_streams[s], &b, &raw, events, batch_raw);
            ll_open_batch(&b, s);
            sw_buf_init(&raw);
            events = batch_aws = batch_raw = 0;
        }
        sw_buf_printf(&b, "%s{\"timestamp\":%lld,\"message\":\"", events ? "," : "", (long long)ms);
        ll_json_str(&b, ev, (size_t)n);
        sw_buf_puts(&b, "\"}");
        sw_buf_append(&raw, ev, (size_t)n);
        sw_buf_putc(&raw, '\n');
        events++;
        batch_aws += (size_t)n + LL_EVENT_OVERHEAD;
        batch_raw += (size_t)n;
        bytes += (size_t)n;
    }
    ll_finish_batch(&ll_streams[s], &b, &raw, events, batch_raw);
}

typedef struct ll_builder { int first, step; size_t per_stream, est; } ll_builder;

static void *ll_build_thread(void *arg) {
    ll_builder *bd = arg;
    for (int s = bd->first; s < LL_STREAMS; s += bd->step) ll_build_stream(s, bd->per_stream, bd->est);
    return NULL;
}

static ll_req **ll_order;   /* the requests to send, round by round */
static size_t ll_nreqs;

/* Builds the corpus on two threads, then orders the requests: batch r of every stream before batch r+1. With
 * --max-mb only the first requests of that order are kept, up to that many MiB of messages. */
static void ll_build_all(void) {
    size_t target = (size_t)(ll_o.mb * 1048576.0), per_stream = target / LL_STREAMS;
    enum { NB = 2 };
    pthread_t th[NB];
    ll_builder bd[NB];
    for (int i = 0; i < NB; i++) {
        bd[i] = (ll_builder){i, NB, per_stream, target / 200};
        pthread_create(&th[i], NULL, ll_build_thread, &bd[i]);
    }
    for (int i = 0; i < NB; i++) pthread_join(th[i], NULL);
    size_t total = 0, rounds = 0;
    for (int s = 0; s < LL_STREAMS; s++) {
        total += ll_streams[s].n;
        if (ll_streams[s].n > rounds) rounds = ll_streams[s].n;
    }
    ll_order = malloc(total * sizeof *ll_order);
    double limit = ll_o.max_mb > 0 ? ll_o.max_mb * 1048576.0 : 1e300, kept = 0;
    for (size_t r = 0; r < rounds; r++)
        for (int s = 0; s < LL_STREAMS; s++) {
            if (r >= ll_streams[s].n) continue;
            ll_req *q = &ll_streams[s].reqs[r];
            if (kept + (double)q->raw_bytes > limit) return;
            kept += (double)q->raw_bytes;
            ll_order[ll_nreqs++] = q;
        }
}

static void ll_write_raw(void) {
    FILE *f = fopen(ll_o.raw, "w");
    if (!f) ll_die("cannot write --raw");
    for (size_t i = 0; i < ll_nreqs; i++) fwrite(ll_order[i]->raw, 1, ll_order[i]->raw_len, f);
    if (fclose(f)) ll_die("cannot write --raw");
}

/* ---------- HTTP (as bench/loadgen.c) ---------- */

typedef bench_conn ll_conn;

static int ll_connect(ll_conn *c) {
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)ll_o.port)};
    if (inet_pton(AF_INET, ll_o.host, &sa.sin_addr) != 1) ll_die("--host must be an IPv4 address");
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(c->fd);
        c->fd = -1;
        return -1;
    }
    c->inlen = 0;
    return 0;
}

/* Writes into c->head the request line and headers of a Logs POST of len bytes (hash sha), signed now as
 * botocore signs AWS JSON 1.1 calls. */
static void ll_sign_head(ll_conn *c, const char *op, const char *sha, size_t len) {
    char date[17], hostport[64], target[96];
    sw_sigv4_format_amz_date((long long)time(NULL), date);
    snprintf(hostport, sizeof hostport, "%s:%d", ll_o.host, ll_o.port);
    snprintf(target, sizeof target, "Logs_20140328.%s", op);
    const char *ctype = "application/x-amz-json-1.1";
    sw_header h[4] = {{"content-type", 12, ctype, strlen(ctype)}, {"host", 4, hostport, strlen(hostport)},
                      {"x-amz-date", 10, date, strlen(date)}, {"x-amz-target", 12, target, strlen(target)}};
    sw_sigv4_request sr = {"POST", "/", 1, "", 0, h, 4, sha};
    sw_buf auth;
    sw_buf_init(&auth);
    if (sw_sigv4_sign(&sr, ll_o.akid, ll_o.secret, ll_o.region, "logs", date, "content-type;host;x-amz-date;x-amz-target", &auth))
        ll_die("sign");
    sw_buf_reset(&c->head);
    sw_buf_printf(&c->head,
                  "POST / HTTP/1.1\r\nHost: %s\r\nX-Amz-Target: %s\r\nContent-Type: %s\r\nX-Amz-Date: %s\r\nAuthorization: %s\r\n"
                  "Content-Length: %zu\r\n\r\n",
                  hostport, target, ctype, date, auth.data, len);
    sw_buf_free(&auth);
}


/* Signs and sends one POST of operation op, reads its answer; reconnects once when the server closed.
 * Returns the status or -1. */
static int ll_call(ll_conn *c, const char *op, const char *body, size_t len, const char *sha, const char **rbody, size_t *rlen) {
    for (int attempt = 0; attempt < 2; attempt++) {
        if (c->fd < 0 && ll_connect(c)) return -1;
        ll_sign_head(c, op, sha, len);
        int status = bench_send(c, body, len, rbody, rlen);
        if (status >= 0) return status;
    }
    return -1;
}


static atomic_int ll_first_error_shown;

static void ll_show_error(const char *what, int status, const char *body, size_t len) {
    if (atomic_exchange(&ll_first_error_shown, 1)) return;
    fprintf(stderr, "logs_loadgen: %s: status %d: %.*s\n", what, status, (int)(len > 400 ? 400 : len), body ? body : "");
}

/* Sends a small JSON call; returns the status. */
static int ll_call_json(ll_conn *c, const char *op, const sw_buf *body, const char **rb, size_t *rl) {
    char sha[65];
    sw_sigv4_sha256_hex(body->data, body->len, sha);
    return ll_call(c, op, body->data, body->len, sha, rb, rl);
}

/* ---------- put ---------- */

/* CreateLogGroup and CreateLogStream for the whole corpus (an existing one is fine). */
static void ll_setup(void) {
    ll_conn c = {.fd = -1};
    sw_buf_init(&c.head);
    sw_buf b;
    sw_buf_init(&b);
    for (int s = 0; s < LL_STREAMS; s++) {
        char group[32], stream[48];
        ll_group_name(s / LL_STREAMS_PER_GROUP, group);
        ll_stream_name(s, stream);
        const char *rb = NULL;
        size_t rl = 0;
        int status;
        if (s % LL_STREAMS_PER_GROUP == 0) {
            sw_buf_reset(&b);
            sw_buf_printf(&b, "{\"logGroupName\":\"%s\"}", group);
            status = ll_call_json(&c, "CreateLogGroup", &b, &rb, &rl);
            if (status != 200 && !(rb && memmem(rb, rl, "ResourceAlreadyExists", 21))) { ll_show_error("CreateLogGroup", status, rb, rl); exit(1); }
        }
        sw_buf_reset(&b);
        sw_buf_printf(&b, "{\"logGroupName\":\"%s\",\"logStreamName\":\"%s\"}", group, stream);
        status = ll_call_json(&c, "CreateLogStream", &b, &rb, &rl);
        if (status != 200 && !(rb && memmem(rb, rl, "ResourceAlreadyExists", 21))) { ll_show_error("CreateLogStream", status, rb, rl); exit(1); }
    }
    sw_buf_free(&b);
    bench_conn_free(&c);
}

static atomic_size_t ll_next;
static atomic_long ll_ok, ll_bad, ll_rejected;
static atomic_size_t ll_put_bytes, ll_put_events;

typedef struct ll_worker { double *lat; size_t nlat, cap; } ll_worker;

static void *ll_put_thread(void *arg) {
    ll_worker *w = arg;
    ll_conn c = {.fd = -1};
    sw_buf_init(&c.head);
    for (;;) {
        size_t i = atomic_fetch_add(&ll_next, 1);
        if (i >= ll_nreqs) break;
        ll_req *r = ll_order[i];
        const char *rb = NULL;
        size_t rl = 0;
        double t0 = bench_now();
        int status = ll_call(&c, "PutLogEvents", r->body, r->len, r->sha, &rb, &rl);
        if (w->nlat == w->cap) { w->cap = w->cap ? w->cap * 2 : 1024; w->lat = realloc(w->lat, w->cap * sizeof *w->lat); }
        w->lat[w->nlat++] = bench_now() - t0;
        if (status != 200) {
            atomic_fetch_add(&ll_bad, 1);
            ll_show_error("PutLogEvents", status, rb, rl);
            if (status < 0) break;
            continue;
        }
        if (memmem(rb, rl, "rejectedLogEventsInfo", 21)) { atomic_fetch_add(&ll_rejected, 1); ll_show_error("PutLogEvents rejected events", status, rb, rl); }
        atomic_fetch_add(&ll_ok, 1);
        atomic_fetch_add(&ll_put_bytes, r->raw_bytes);
        atomic_fetch_add(&ll_put_events, r->events);
    }
    bench_conn_free(&c);
    return NULL;
}

static int ll_dbl_cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double ll_pct(const double *sorted, size_t n, double p) {
    if (!n) return 0;
    size_t i = (size_t)(p / 100.0 * (double)(n - 1) + 0.5);
    return sorted[i < n ? i : n - 1];
}

static void ll_print_latency(ll_worker *w, int nw) {
    size_t n = 0, k = 0;
    for (int i = 0; i < nw; i++) n += w[i].nlat;
    double *all = malloc((n ? n : 1) * sizeof *all);
    for (int i = 0; i < nw; i++) { memcpy(all + k, w[i].lat, w[i].nlat * sizeof *all); k += w[i].nlat; free(w[i].lat); }
    qsort(all, n, sizeof *all, ll_dbl_cmp);
    printf("\"p50_ms\":%.2f,\"p99_ms\":%.2f,\"max_ms\":%.2f", ll_pct(all, n, 50) * 1e3, ll_pct(all, n, 99) * 1e3, n ? all[n - 1] * 1e3 : 0);
    free(all);
}

static int ll_put(void) {
    if (!ll_o.t0_ms) ll_o.t0_ms = ((long long)time(NULL) - 3 * 3600) * 1000;
    double b0 = bench_now();
    ll_build_all();
    double build_s = bench_now() - b0;
    size_t raw = 0, events = 0, wire = 0, max_wire = 0, max_aws = 0, max_events = 0;
    for (size_t i = 0; i < ll_nreqs; i++) {
        const ll_req *r = ll_order[i];
        raw += r->raw_bytes, events += r->events, wire += r->len;
        if (r->len > max_wire) max_wire = r->len;
        if (r->aws_bytes > max_aws) max_aws = r->aws_bytes;
        if (r->events > max_events) max_events = r->events;
    }
    fprintf(stderr, "logs_loadgen: built %zu PutLogEvents requests in %.1f s: %.1f MB of messages, %zu events, %.2f MB on the wire each "
                    "(largest %zu bytes; AWS batch size up to %zu)\n",
            ll_nreqs, build_s, raw / 1e6, events, wire / 1e6 / (double)ll_nreqs, max_wire, max_aws);
    if (ll_o.raw) ll_write_raw();
    ll_setup();
    ll_worker w[LL_MAX_CONNS] = {{0}};
    pthread_t th[LL_MAX_CONNS];
    double cpu0 = (ll_o.pid ? bench_proc_cpu(ll_o.pid) : 0), self0 = bench_self_cpu(), t0 = bench_now();
    for (int i = 0; i < ll_o.conns; i++) pthread_create(&th[i], NULL, ll_put_thread, &w[i]);
    for (int i = 0; i < ll_o.conns; i++) pthread_join(th[i], NULL);
    double secs = bench_now() - t0, self = bench_self_cpu() - self0, cpu = (ll_o.pid ? bench_proc_cpu(ll_o.pid) : 0) - cpu0;
    double mb = (double)atomic_load(&ll_put_bytes) / 1e6;
    printf("{\"mode\":\"put\",\"conns\":%d,\"requests\":%zu,\"requests_ok\":%ld,\"requests_failed\":%ld,\"requests_with_rejected\":%ld,"
           "\"events\":%zu,\"raw_bytes\":%zu,\"wire_bytes\":%zu,\"max_body_bytes\":%zu,\"max_aws_batch_bytes\":%zu,\"max_batch_events\":%zu,"
           "\"build_s\":%.2f,\"seconds\":%.3f,\"mb_per_s\":%.1f,\"events_per_s\":%.0f,",
           ll_o.conns, ll_nreqs, atomic_load(&ll_ok), atomic_load(&ll_bad), atomic_load(&ll_rejected), atomic_load(&ll_put_events),
           atomic_load(&ll_put_bytes), wire, max_wire, max_aws, max_events, build_s, secs, mb / secs,
           (double)atomic_load(&ll_put_events) / secs);
    if (ll_o.pid)
        printf("\"server_cpu_s\":%.2f,\"server_cpu_us_per_mb\":%.0f,\"server_cores_busy\":%.2f,", cpu, mb > 0 ? cpu * 1e6 / mb : 0, cpu / secs);
    printf("\"client_cpu_s\":%.2f,\"client_cpu_us_per_mb\":%.0f,", self, mb > 0 ? self * 1e6 / mb : 0);
    ll_print_latency(w, ll_o.conns);
    printf("}\n");
    return atomic_load(&ll_bad) || atomic_load(&ll_rejected) ? 1 : 0;
}

/* ---------- filter ---------- */

static size_t ll_count(const char *s, size_t n, const char *needle) {
    size_t k = 0, nl = strlen(needle);
    for (const char *p = s; (p = memmem(p, (size_t)(s + n - p), needle, nl)); p += nl) k++;
    return k;
}

/* Copies the top-level "nextToken" string of a response, still JSON-escaped, into tok; returns 0 when there
 * is none. Inside messages the key would appear escaped (\"nextToken\"), so the first plain match is it. */
static int ll_next_token(const char *rb, size_t rl, sw_buf *tok) {
    static const char key[] = "\"nextToken\":\"";
    const char *p = memmem(rb, rl, key, sizeof key - 1);
    if (!p) return 0;
    p += sizeof key - 1;
    const char *q = p, *end = rb + rl;
    while (q < end && *q != '"') q += *q == '\\' ? 2 : 1;
    sw_buf_reset(tok);
    sw_buf_append(tok, p, (size_t)(q - p));
    return 1;
}

/* Totals of a filter run, shared by the paging threads. */
static atomic_int ll_next_group;
static atomic_size_t ll_f_events, ll_f_pages, ll_f_resp_bytes;
static _Atomic double ll_f_lat_max;

/* Pages FilterLogEvents through the groups this thread takes, one at a time, until none is left. */
static void *ll_filter_thread(void *arg) {
    ll_conn c = {.fd = -1};
    sw_buf_init(&c.head);
    sw_buf body, tok;
    sw_buf_init(&body);
    sw_buf_init(&tok);
    for (int g; (g = atomic_fetch_add(&ll_next_group, 1)) < LL_GROUPS;) {
        char group[32];
        ll_group_name(g, group);
        int more = 0;
        do {
            sw_buf_reset(&body);
            sw_buf_printf(&body, "{\"logGroupName\":\"%s\",\"filterPattern\":\"", group);
            ll_json_str(&body, ll_o.pattern, strlen(ll_o.pattern));
            sw_buf_putc(&body, '"');
            if (more) sw_buf_printf(&body, ",\"nextToken\":\"%s\"", tok.data);
            sw_buf_putc(&body, '}');
            const char *rb = NULL;
            size_t rl = 0;
            double s0 = bench_now();
            int status = ll_call_json(&c, "FilterLogEvents", &body, &rb, &rl);
            double dt = bench_now() - s0, seen = atomic_load(&ll_f_lat_max);
            while (dt > seen && !atomic_compare_exchange_weak(&ll_f_lat_max, &seen, dt)) {}
            if (status != 200) { ll_show_error("FilterLogEvents", status, rb, rl); exit(1); }
            atomic_fetch_add(&ll_f_pages, 1);
            atomic_fetch_add(&ll_f_resp_bytes, rl);
            atomic_fetch_add(&ll_f_events, ll_count(rb, rl, "\"eventId\":"));
            more = ll_next_token(rb, rl, &tok);
        } while (more);
    }
    sw_buf_free(&body);
    sw_buf_free(&tok);
    bench_conn_free(&c);
    return NULL;
}

static int ll_filter(void) {
    pthread_t th[LL_MAX_CONNS];
    double cpu0 = (ll_o.pid ? bench_proc_cpu(ll_o.pid) : 0), self0 = bench_self_cpu(), t0 = bench_now();
    for (int i = 0; i < ll_o.conns; i++) pthread_create(&th[i], NULL, ll_filter_thread, NULL);
    for (int i = 0; i < ll_o.conns; i++) pthread_join(th[i], NULL);
    double secs = bench_now() - t0, self = bench_self_cpu() - self0, cpu = (ll_o.pid ? bench_proc_cpu(ll_o.pid) : 0) - cpu0;
    sw_buf pat;
    sw_buf_init(&pat);
    ll_json_str(&pat, ll_o.pattern, strlen(ll_o.pattern));
    printf("{\"mode\":\"filter\",\"pattern\":\"%.*s\",\"conns\":%d,\"groups\":%d,\"events\":%zu,\"pages\":%zu,\"response_bytes\":%zu,"
           "\"seconds\":%.4f,\"max_call_ms\":%.1f,\"raw_bytes\":%.0f,\"gb_per_s\":%.3f,\"mb_per_s\":%.1f,\"client_cpu_s\":%.3f",
           (int)pat.len, pat.data, ll_o.conns, LL_GROUPS, atomic_load(&ll_f_events), atomic_load(&ll_f_pages),
           atomic_load(&ll_f_resp_bytes), secs, atomic_load(&ll_f_lat_max) * 1e3, ll_o.raw_bytes, ll_o.raw_bytes / secs / 1e9,
           ll_o.raw_bytes / secs / 1e6, self);
    if (ll_o.pid) printf(",\"server_cpu_s\":%.3f", cpu);
    printf("}\n");
    sw_buf_free(&pat);
    return 0;
}

/* ---------- command line ---------- */

static const char *ll_usage =
    "usage: logs_loadgen put|filter --port P [options]\n"
    "  put:    --mb 300 (corpus MiB) --max-mb M (put only the first M MiB, by rounds) --t0-ms EPOCH_MS (default 3 h ago)\n"
    "          --conns 8 --raw FILE (write the messages put, one per line)\n"
    "  filter: --pattern PATTERN --raw-bytes N (raw bytes in the 10 groups, for GB/s) --conns 1 (groups paged in parallel)\n"
    "  both:   --host 127.0.0.1 --pid SERVER_PID --akid AKIDBENCH --secret benchsecret --region us-east-1\n";

int main(int argc, char **argv) {
    if (argc < 2) { fputs(ll_usage, stderr); return 2; }
    ll_o.mode = argv[1];
    int conns_given = 0;
    for (int i = 2; i < argc; i++) {
        const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v || strncmp(k, "--", 2) != 0) { fputs(ll_usage, stderr); return 2; }
        k += 2;
        i++;
        if (!strcmp(k, "host")) ll_o.host = v;
        else if (!strcmp(k, "port")) ll_o.port = atoi(v);
        else if (!strcmp(k, "mb")) ll_o.mb = atof(v);
        else if (!strcmp(k, "max-mb")) ll_o.max_mb = atof(v);
        else if (!strcmp(k, "t0-ms")) ll_o.t0_ms = atoll(v);
        else if (!strcmp(k, "conns")) ll_o.conns = atoi(v), conns_given = 1;
        else if (!strcmp(k, "pid")) ll_o.pid = atoi(v);
        else if (!strcmp(k, "raw")) ll_o.raw = v;
        else if (!strcmp(k, "pattern")) ll_o.pattern = v;
        else if (!strcmp(k, "raw-bytes")) ll_o.raw_bytes = atof(v);
        else if (!strcmp(k, "akid")) ll_o.akid = v;
        else if (!strcmp(k, "secret")) ll_o.secret = v;
        else if (!strcmp(k, "region")) ll_o.region = v;
        else { fprintf(stderr, "logs_loadgen: unknown option --%s\n%s", k, ll_usage); return 2; }
    }
    if (ll_o.port <= 0 || ll_o.conns < 1 || ll_o.conns > LL_MAX_CONNS || ll_o.mb <= 0) { fputs(ll_usage, stderr); return 2; }
    if (!strcmp(ll_o.mode, "put")) return ll_put();
    if (!strcmp(ll_o.mode, "filter") && !conns_given) ll_o.conns = 1;
    if (!strcmp(ll_o.mode, "filter")) return ll_filter();
    fputs(ll_usage, stderr);
    return 2;
}
