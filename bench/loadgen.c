/* loadgen.c -- benchmark client: signed PutMetricData / GetMetricStatistics over keep-alive HTTP/1.1.
 *
 * put: pre-builds N distinct PutMetricData requests (1,000 datums over 1,000 series, 3 dimensions
 *      each), gzip'd and shaped as botocore sends them (AWS JSON 1.0 with x-amzn-query-mode, or the
 *      query protocol), then replays them over K connections, one thread per connection.
 * gms: issues GetMetricStatistics (5 statistics + p99, 60 s periods) one at a time and reports
 *      latency percentiles.
 * Requests are signed (SigV4, service "monitoring") just before they are sent; signing is a few
 * microseconds per request and is outside the timed window in gms mode. With --pid the server's
 * CPU time (utime+stime from /proc/PID/stat) and RSS are read before and after the run.
 * Prints one JSON line of results on stdout. Loopback use only. */
#include "buf.h"
#include "httpc.h"
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
#include <zlib.h>

#define LG_MAX_CONNS 256

typedef struct lg_opts {
    const char *mode;          /* "put" or "gms" */
    const char *host;
    int port;
    const char *proto;         /* "json" or "query" */
    int requests;              /* distinct requests to build (put) */
    long count;                /* requests to send in all; 0 = until --duration */
    double duration;           /* seconds, when count is 0 */
    int conns;
    int datums;                /* per request */
    int series;
    long t0;                   /* timestamp of request 0 (put); each request is one second later */
    int resolution;            /* StorageResolution */
    long start, end;           /* gms range */
    int period;
    int gzip_level;
    int pid;                   /* server to measure, 0 = none */
    const char *ns;
    const char *akid, *secret, *region;
} lg_opts;

static lg_opts lg_o = {
    .mode = "put", .host = "127.0.0.1", .port = 0, .proto = "json", .requests = 100, .count = 0, .duration = 10,
    .conns = 2, .datums = 1000, .series = 1000, .t0 = 0, .resolution = 1, .start = 0, .end = 0, .period = 60,
    .gzip_level = 6, .pid = 0, .ns = "Bench", .akid = "AKIDBENCH", .secret = "benchsecret", .region = "us-east-1",
};

static void lg_die(const char *msg) {
    fprintf(stderr, "loadgen: %s\n", msg);
    exit(1);
}

/* ---------- the series and their datums ---------- */

static const char *lg_names[] = {"Latency", "RequestCount", "ErrorRate", "CPUUtilization"};
static const char *lg_units[] = {"Milliseconds", "Count", "Percent", "Percent"};
static const char *lg_services[] = {"orders", "payments", "search", "catalog", "auth", "cart", "shipping", "reviews"};

/* Series s: metric name s % 4, Host from s / 4, so every series has its own identity. */
static void lg_series_dims(int s, char host[32], const char **service, char az[16]) {
    snprintf(host, 32, "i-0a1b2c3d%07d", s / 4);
    *service = lg_services[(s / 4) % 8];
    snprintf(az, 16, "us-east-1%c", 'a' + (s / 4) % 3);
}

static double lg_value(int s, int r) { return ((s * 7919 + r * 104729) % 100000) / 100.0; }

static void lg_json_datum(sw_buf *b, int s, int r, long t) {
    char host[32], az[16];
    const char *svc;
    lg_series_dims(s, host, &svc, az);
    sw_buf_printf(b, "{\"MetricName\":\"%s\",\"Dimensions\":[{\"Name\":\"Host\",\"Value\":\"%s\"},"
                     "{\"Name\":\"Service\",\"Value\":\"%s\"},{\"Name\":\"AZ\",\"Value\":\"%s\"}],"
                     "\"Timestamp\":%ld,\"Value\":%.2f,\"Unit\":\"%s\",\"StorageResolution\":%d}",
                  lg_names[s % 4], host, svc, az, t, lg_value(s, r), lg_units[s % 4], lg_o.resolution);
}

static void lg_iso8601(long t, char out[32]) {
    struct tm tm;
    time_t tt = (time_t)t;
    gmtime_r(&tt, &tm);
    strftime(out, 32, "%Y-%m-%dT%H%%3A%M%%3A%SZ", &tm);  /* ':' percent-encoded, as botocore's urlencode does */
}

static void lg_query_datum(sw_buf *b, int i, int s, int r, long t) {
    char host[32], az[16], ts[32];
    const char *svc;
    lg_series_dims(s, host, &svc, az);
    lg_iso8601(t, ts);
    const char *dn[3] = {"Host", "Service", "AZ"}, *dv[3] = {host, svc, az};
    sw_buf_printf(b, "&MetricData.member.%d.MetricName=%s", i, lg_names[s % 4]);
    for (int k = 0; k < 3; k++)
        sw_buf_printf(b, "&MetricData.member.%d.Dimensions.member.%d.Name=%s&MetricData.member.%d.Dimensions.member.%d.Value=%s",
                      i, k + 1, dn[k], i, k + 1, dv[k]);
    sw_buf_printf(b, "&MetricData.member.%d.Timestamp=%s&MetricData.member.%d.Value=%.2f&MetricData.member.%d.Unit=%s"
                     "&MetricData.member.%d.StorageResolution=%d",
                  i, ts, i, lg_value(s, r), i, lg_units[s % 4], i, lg_o.resolution);
}

/* ---------- prepared requests ---------- */

typedef struct lg_req {
    char *body;         /* on the wire (gzip'd for put) */
    size_t len;
    size_t raw_len;     /* before gzip */
    char sha[65];       /* hex SHA-256 of body */
    int datums;
} lg_req;

static lg_req *lg_reqs;

/* Compresses in into out->body; --gzip-level 0 sends the body as is (moto_server cannot take gzip). */
static void lg_gzip(const sw_buf *in, lg_req *out) {
    out->raw_len = in->len;
    if (lg_o.gzip_level == 0) {
        out->body = malloc(in->len);
        memcpy(out->body, in->data, in->len);
        out->len = in->len;
        return;
    }
    z_stream z = {0};
    if (deflateInit2(&z, lg_o.gzip_level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) lg_die("deflateInit2");
    size_t cap = deflateBound(&z, in->len);
    out->body = malloc(cap);
    z.next_in = (Bytef *)in->data;
    z.avail_in = (uInt)in->len;
    z.next_out = (Bytef *)out->body;
    z.avail_out = (uInt)cap;
    if (deflate(&z, Z_FINISH) != Z_STREAM_END) lg_die("deflate");
    out->len = z.total_out;
    deflateEnd(&z);
}

/* Request r: one datum per series for series [r*datums, (r+1)*datums) mod series, at t0 + r. */
static void lg_build_put(int r, sw_buf *b) {
    long t = lg_o.t0 + r;
    sw_buf_reset(b);
    int json = strcmp(lg_o.proto, "json") == 0;
    if (json) sw_buf_printf(b, "{\"Namespace\":\"%s\",\"MetricData\":[", lg_o.ns);
    else sw_buf_printf(b, "Action=PutMetricData&Version=2010-08-01&Namespace=%s", lg_o.ns);
    for (int i = 0; i < lg_o.datums; i++) {
        int s = (int)(((long)r * lg_o.datums + i) % lg_o.series);
        if (json) {
            if (i) sw_buf_putc(b, ',');
            lg_json_datum(b, s, r, t);
        } else lg_query_datum(b, i + 1, s, r, t);
    }
    if (json) sw_buf_puts(b, "]}");
    lg_gzip(b, &lg_reqs[r]);
    lg_reqs[r].datums = lg_o.datums;
    sw_sigv4_sha256_hex(lg_reqs[r].body, lg_reqs[r].len, lg_reqs[r].sha);
}

typedef struct lg_builder { int first, step; } lg_builder;

static void *lg_build_thread(void *arg) {
    lg_builder *bd = arg;
    sw_buf b;
    sw_buf_init(&b);
    for (int r = bd->first; r < lg_o.requests; r += bd->step) lg_build_put(r, &b);
    sw_buf_free(&b);
    return NULL;
}

static void lg_build_all(void) {
    lg_reqs = calloc((size_t)lg_o.requests, sizeof *lg_reqs);
    enum { NB = 2 };
    pthread_t th[NB];
    lg_builder bd[NB];
    for (int i = 0; i < NB; i++) { bd[i] = (lg_builder){i, NB}; pthread_create(&th[i], NULL, lg_build_thread, &bd[i]); }
    for (int i = 0; i < NB; i++) pthread_join(th[i], NULL);
}

/* ---------- HTTP ---------- */

typedef bench_conn lg_conn;

static int lg_connect(lg_conn *c) {
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)lg_o.port)};
    if (inet_pton(AF_INET, lg_o.host, &sa.sin_addr) != 1) lg_die("--host must be an IPv4 address");
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

/* Appends the request line and headers, signed now, for a POST of body (hash sha) to c->head. */
static void lg_sign_head(lg_conn *c, const char *target, const char *ctype, int gzip, const char *sha, size_t len) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    char date[17], hostport[64];
    sw_sigv4_format_amz_date(ts.tv_sec, date);
    snprintf(hostport, sizeof hostport, "%s:%d", lg_o.host, lg_o.port);
    sw_header h[6];
    size_t n = 0;
#define LG_H(name, value) (h[n++] = (sw_header){name, strlen(name), value, strlen(value)})
    if (gzip) LG_H("content-encoding", "gzip");
    LG_H("content-type", ctype);
    LG_H("host", hostport);
    LG_H("x-amz-date", date);
    if (target) { LG_H("x-amz-target", target); LG_H("x-amzn-query-mode", "true"); }
#undef LG_H
    const char *signed_headers = target ? (gzip ? "content-encoding;content-type;host;x-amz-date;x-amz-target;x-amzn-query-mode"
                                                : "content-type;host;x-amz-date;x-amz-target;x-amzn-query-mode")
                                        : (gzip ? "content-encoding;content-type;host;x-amz-date" : "content-type;host;x-amz-date");
    sw_sigv4_request sr = {"POST", "/", 1, "", 0, h, n, sha};
    sw_buf auth;
    sw_buf_init(&auth);
    if (sw_sigv4_sign(&sr, lg_o.akid, lg_o.secret, lg_o.region, "monitoring", date, signed_headers, &auth)) lg_die("sign");
    sw_buf_reset(&c->head);
    sw_buf_printf(&c->head, "POST / HTTP/1.1\r\nHost: %s\r\n", hostport);
    if (target) sw_buf_printf(&c->head, "X-Amz-Target: %s\r\n", target);
    sw_buf_printf(&c->head, "Content-Type: %s\r\n", ctype);
    if (target) sw_buf_puts(&c->head, "x-amzn-query-mode: true\r\n");
    if (gzip) sw_buf_puts(&c->head, "Content-Encoding: gzip\r\n");
    sw_buf_printf(&c->head, "X-Amz-Date: %s\r\nAuthorization: %s\r\nContent-Length: %zu\r\n\r\n", date, auth.data, len);
    sw_buf_free(&auth);
}


/* Sends one prepared POST and reads its answer; reconnects when the server closed. Returns the status or -1. */
static int lg_exchange(lg_conn *c, const char *body, size_t len, const char **rbody, size_t *rlen) {
    for (int attempt = 0; attempt < 2; attempt++) {
        if (c->fd < 0 && lg_connect(c)) return -1;
        int status = bench_send(c, body, len, rbody, rlen);
        if (status >= 0) return status;
    }
    return -1;
}

/* ---------- server measurements ---------- */

typedef struct lg_proc { double cpu_s; long rss_kb, hwm_kb; } lg_proc;

static void lg_proc_read(int pid, lg_proc *p) {
    memset(p, 0, sizeof *p);
    if (!pid) return;
    p->cpu_s = bench_proc_cpu(pid);
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    FILE *f = fopen(path, "r");
    if (f) {
        while (fgets(buf, sizeof buf, f)) {
            if (strncmp(buf, "VmRSS:", 6) == 0) p->rss_kb = atol(buf + 6);
            if (strncmp(buf, "VmHWM:", 6) == 0) p->hwm_kb = atol(buf + 6);
        }
        fclose(f);
    }
}

static int lg_dbl_cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double lg_pct(const double *sorted, size_t n, double p) {
    if (!n) return 0;
    size_t i = (size_t)(p / 100.0 * (double)(n - 1) + 0.5);
    return sorted[i < n ? i : n - 1];
}

/* ---------- put ---------- */

static atomic_long lg_next;
static atomic_long lg_ok, lg_bad, lg_datapoints;
static double lg_deadline;
static atomic_int lg_first_error_shown;

typedef struct lg_worker { double *lat; size_t nlat, cap; } lg_worker;

static void lg_record(lg_worker *w, double s) {
    if (w->nlat == w->cap) { w->cap = w->cap ? w->cap * 2 : 4096; w->lat = realloc(w->lat, w->cap * sizeof *w->lat); }
    w->lat[w->nlat++] = s;
}

static void lg_show_error(int status, const char *body, size_t len) {
    if (atomic_exchange(&lg_first_error_shown, 1)) return;
    fprintf(stderr, "loadgen: status %d: %.*s\n", status, (int)(len > 400 ? 400 : len), body ? body : "");
}

static void *lg_put_thread(void *arg) {
    lg_worker *w = arg;
    lg_conn c = {.fd = -1};
    sw_buf_init(&c.head);
    int json = strcmp(lg_o.proto, "json") == 0, gzip = lg_o.gzip_level > 0;
    for (;;) {
        long i = atomic_fetch_add(&lg_next, 1);
        if (lg_o.count ? i >= lg_o.count : bench_now() >= lg_deadline) break;
        lg_req *r = &lg_reqs[i % lg_o.requests];
        if (json) lg_sign_head(&c, "GraniteServiceVersion20100801.PutMetricData", "application/x-amz-json-1.0", gzip, r->sha, r->len);
        else lg_sign_head(&c, NULL, "application/x-www-form-urlencoded; charset=utf-8", gzip, r->sha, r->len);
        const char *rb = NULL;
        size_t rl = 0;
        double t0 = bench_now();
        int status = lg_exchange(&c, r->body, r->len, &rb, &rl);
        lg_record(w, bench_now() - t0);
        if (status == 200) { atomic_fetch_add(&lg_ok, 1); atomic_fetch_add(&lg_datapoints, r->datums); }
        else { atomic_fetch_add(&lg_bad, 1); lg_show_error(status, rb, rl); if (status < 0) break; }
    }
    bench_conn_free(&c);
    return NULL;
}

static void lg_print_latency(lg_worker *w, int nw) {
    size_t n = 0;
    for (int i = 0; i < nw; i++) n += w[i].nlat;
    double *all = malloc((n ? n : 1) * sizeof *all);
    size_t k = 0;
    for (int i = 0; i < nw; i++) { memcpy(all + k, w[i].lat, w[i].nlat * sizeof *all); k += w[i].nlat; free(w[i].lat); }
    qsort(all, n, sizeof *all, lg_dbl_cmp);
    printf("\"p50_ms\":%.3f,\"p95_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f", lg_pct(all, n, 50) * 1e3,
           lg_pct(all, n, 95) * 1e3, lg_pct(all, n, 99) * 1e3, n ? all[n - 1] * 1e3 : 0);
    free(all);
}

static int lg_put(void) {
    if (lg_o.t0 == 0) lg_o.t0 = (long)time(NULL) - lg_o.requests;
    double b0 = bench_now();
    lg_build_all();
    double build_s = bench_now() - b0;
    size_t wire = 0, raw = 0;
    for (int i = 0; i < lg_o.requests; i++) { wire += lg_reqs[i].len; raw += lg_reqs[i].raw_len; }
    fprintf(stderr, "loadgen: built %d %s requests in %.1f s (%.1f KiB on the wire, %.1f KiB before gzip, each)\n", lg_o.requests,
            lg_o.proto, build_s, wire / 1024.0 / lg_o.requests, raw / 1024.0 / lg_o.requests);
    lg_worker w[LG_MAX_CONNS] = {{0}};
    pthread_t th[LG_MAX_CONNS];
    lg_proc p0, p1;
    lg_proc_read(lg_o.pid, &p0);
    double self0 = bench_self_cpu(), t0 = bench_now();
    lg_deadline = t0 + lg_o.duration;
    for (int i = 0; i < lg_o.conns; i++) pthread_create(&th[i], NULL, lg_put_thread, &w[i]);
    for (int i = 0; i < lg_o.conns; i++) pthread_join(th[i], NULL);
    double secs = bench_now() - t0, self = bench_self_cpu() - self0;
    lg_proc_read(lg_o.pid, &p1);
    long dp = atomic_load(&lg_datapoints);
    printf("{\"mode\":\"put\",\"proto\":\"%s\",\"conns\":%d,\"requests_ok\":%ld,\"requests_failed\":%ld,\"datapoints\":%ld,"
           "\"seconds\":%.3f,\"datapoints_per_s\":%.0f,\"bytes_per_request\":%.0f,",
           lg_o.proto, lg_o.conns, atomic_load(&lg_ok), atomic_load(&lg_bad), dp, secs, dp / secs,
           (double)wire / lg_o.requests);
    if (lg_o.pid)
        printf("\"server_cpu_s\":%.2f,\"server_cpu_us_per_dp\":%.4f,\"server_cores_busy\":%.2f,\"server_rss_kb_before\":%ld,"
               "\"server_rss_kb_after\":%ld,\"server_hwm_kb\":%ld,",
               p1.cpu_s - p0.cpu_s, dp ? (p1.cpu_s - p0.cpu_s) * 1e6 / dp : 0, (p1.cpu_s - p0.cpu_s) / secs, p0.rss_kb,
               p1.rss_kb, p1.hwm_kb);
    printf("\"client_cpu_us_per_dp\":%.4f,", dp ? self * 1e6 / dp : 0);
    lg_print_latency(w, lg_o.conns);
    printf("}\n");
    return atomic_load(&lg_bad) ? 1 : 0;
}

/* ---------- gms ---------- */

static void lg_gms_body(sw_buf *b, int s) {
    char host[32], az[16];
    const char *svc;
    lg_series_dims(s, host, &svc, az);
    sw_buf_reset(b);
    sw_buf_printf(b, "{\"Namespace\":\"%s\",\"MetricName\":\"%s\",\"Dimensions\":[{\"Name\":\"Host\",\"Value\":\"%s\"},"
                     "{\"Name\":\"Service\",\"Value\":\"%s\"},{\"Name\":\"AZ\",\"Value\":\"%s\"}],\"StartTime\":%ld,"
                     "\"EndTime\":%ld,\"Period\":%d,\"Statistics\":[\"SampleCount\",\"Average\",\"Sum\",\"Minimum\",\"Maximum\"],"
                     "\"ExtendedStatistics\":[\"p99\"]}",
                  lg_o.ns, lg_names[s % 4], host, svc, az, lg_o.start, lg_o.end, lg_o.period);
}

static size_t lg_count(const char *s, size_t n, const char *needle) {
    size_t k = 0, nl = strlen(needle);
    for (const char *p = s; (p = memmem(p, (size_t)(s + n - p), needle, nl)); p += nl) k++;
    return k;
}

static int lg_gms(void) {
    if (!lg_o.end) lg_o.end = (long)time(NULL) / 60 * 60 + 60;
    if (!lg_o.start) lg_o.start = lg_o.end - 3 * 3600;
    long count = lg_o.count ? lg_o.count : 1000;
    double *lat = calloc((size_t)count, sizeof *lat);
    lg_conn c = {.fd = -1};
    sw_buf_init(&c.head);
    sw_buf body;
    sw_buf_init(&body);
    long bad = 0, dps = 0, p99s = 0, n = 0;
    lg_proc p0, p1;
    lg_proc_read(lg_o.pid, &p0);
    double t0 = bench_now();
    for (long i = 0; i < count; i++) {
        if (!lg_o.count && bench_now() - t0 > lg_o.duration) break;
        lg_gms_body(&body, (int)((i * 7) % lg_o.series));
        char sha[65];
        sw_sigv4_sha256_hex(body.data, body.len, sha);
        lg_sign_head(&c, "GraniteServiceVersion20100801.GetMetricStatistics", "application/x-amz-json-1.0", 0, sha, body.len);
        const char *rb = NULL;
        size_t rl = 0;
        double s0 = bench_now();
        int status = lg_exchange(&c, body.data, body.len, &rb, &rl);
        lat[n++] = bench_now() - s0;
        if (status != 200) { bad++; lg_show_error(status, rb, rl); if (status < 0) break; continue; }
        if (i == 0 && getenv("LOADGEN_SHOW")) fprintf(stderr, "loadgen: first response: %.*s\n", (int)(rl > 2000 ? 2000 : rl), rb);
        dps += (long)lg_count(rb, rl, "\"Timestamp\"");
        p99s += (long)lg_count(rb, rl, "\"p99\"");
    }
    double secs = bench_now() - t0;
    lg_proc_read(lg_o.pid, &p1);
    qsort(lat, (size_t)n, sizeof *lat, lg_dbl_cmp);
    printf("{\"mode\":\"gms\",\"requests\":%ld,\"failed\":%ld,\"seconds\":%.3f,\"p50_ms\":%.3f,\"p95_ms\":%.3f,\"p99_ms\":%.3f,"
           "\"max_ms\":%.3f,\"datapoints_per_response\":%.1f,\"p99_per_response\":%.1f,\"range_s\":%ld,\"period\":%d",
           n, bad, secs, lg_pct(lat, (size_t)n, 50) * 1e3, lg_pct(lat, (size_t)n, 95) * 1e3, lg_pct(lat, (size_t)n, 99) * 1e3,
           n ? lat[n - 1] * 1e3 : 0, n - bad ? (double)dps / (double)(n - bad) : 0, n - bad ? (double)p99s / (double)(n - bad) : 0,
           lg_o.end - lg_o.start, lg_o.period);
    if (lg_o.pid)
        printf(",\"server_cpu_ms_per_request\":%.3f", n ? (p1.cpu_s - p0.cpu_s) * 1e3 / (double)n : 0);
    printf("}\n");
    free(lat);
    sw_buf_free(&body);
    bench_conn_free(&c);
    return bad ? 1 : 0;
}

/* ---------- command line ---------- */

static const char *lg_usage =
    "usage: loadgen put|gms --port P [options]\n"
    "  --host 127.0.0.1 --proto json|query --requests N (distinct, put) --count C (0 = use --duration)\n"
    "  --duration S --conns K --datums 1000 --series 1000 --t0 EPOCH (put: request r at t0+r; default now-N)\n"
    "  --resolution 1|60 --start EPOCH --end EPOCH --period 60 (gms; default the 3 hours up to now)\n"
    "  --gzip-level 6 (0 = send uncompressed) --pid SERVER_PID --namespace Bench --akid AKIDBENCH --secret benchsecret\n";

int main(int argc, char **argv) {
    if (argc < 2) { fputs(lg_usage, stderr); return 2; }
    lg_o.mode = argv[1];
    for (int i = 2; i < argc; i++) {
        const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v || strncmp(k, "--", 2) != 0) { fputs(lg_usage, stderr); return 2; }
        k += 2;
        i++;
        if (!strcmp(k, "host")) lg_o.host = v;
        else if (!strcmp(k, "port")) lg_o.port = atoi(v);
        else if (!strcmp(k, "proto")) lg_o.proto = v;
        else if (!strcmp(k, "requests")) lg_o.requests = atoi(v);
        else if (!strcmp(k, "count")) lg_o.count = atol(v);
        else if (!strcmp(k, "duration")) lg_o.duration = atof(v);
        else if (!strcmp(k, "conns")) lg_o.conns = atoi(v);
        else if (!strcmp(k, "datums")) lg_o.datums = atoi(v);
        else if (!strcmp(k, "series")) lg_o.series = atoi(v);
        else if (!strcmp(k, "t0")) lg_o.t0 = atol(v);
        else if (!strcmp(k, "resolution")) lg_o.resolution = atoi(v);
        else if (!strcmp(k, "start")) lg_o.start = atol(v);
        else if (!strcmp(k, "end")) lg_o.end = atol(v);
        else if (!strcmp(k, "period")) lg_o.period = atoi(v);
        else if (!strcmp(k, "gzip-level")) lg_o.gzip_level = atoi(v);
        else if (!strcmp(k, "pid")) lg_o.pid = atoi(v);
        else if (!strcmp(k, "namespace")) lg_o.ns = v;
        else if (!strcmp(k, "akid")) lg_o.akid = v;
        else if (!strcmp(k, "secret")) lg_o.secret = v;
        else { fprintf(stderr, "loadgen: unknown option --%s\n%s", k, lg_usage); return 2; }
    }
    if (lg_o.port <= 0 || lg_o.conns < 1 || lg_o.conns > LG_MAX_CONNS || lg_o.requests < 1 || lg_o.datums < 1 ||
        lg_o.series < 1 || (strcmp(lg_o.proto, "json") && strcmp(lg_o.proto, "query"))) {
        fputs(lg_usage, stderr);
        return 2;
    }
    if (!strcmp(lg_o.mode, "put")) return lg_put();
    if (!strcmp(lg_o.mode, "gms")) return lg_gms();
    fputs(lg_usage, stderr);
    return 2;
}
