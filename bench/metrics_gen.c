/* metrics_gen.c -- the data of issue 3's query and start-up benchmark (bench/metrics_query.py), one generator
 * for skywatch, VictoriaMetrics and Prometheus.
 *
 * The data: --series N series named as CloudWatch users see them (AWS/EC2 CPUUtilization by InstanceId,
 * AWS/ApplicationELB TargetResponseTime by LoadBalancer and TargetGroup, Service/Host Latency by Service and
 * Host, ...: see mg_families), one day at 10 s ending at --end (default: today's 00:00 UTC), each a random walk
 * around a per-series level, in two shapes: full-precision doubles (sent with 17 significant digits, which
 * round-trip exactly) or rounded to 2 decimals. Series indices from N on belong to an extra family
 * (Service/Worker JobDuration by Worker), used to bring skywatch to 100 million samples. --long selects instead
 * one series, AWS/RDS CPUUtilization DBInstanceIdentifier=orders-primary, 30 days at 60 s. Every series draws
 * from its own xorshift state seeded by its index, so it has the same values in every mode and on every run.
 *
 * Modes:
 *   put    signed PutMetricData (AWS JSON 1.0, uncompressed, StorageResolution 1 for the 10 s data) to skywatch
 *          over --conns keep-alive connections, in time order: request r holds the samples of step r / C of
 *          the C chunks (at most 1,000 datums of one namespace each), or, for --long, 1,000 consecutive
 *          minutes. --advance-clock first moves the server's manual clock (POST /_skywatch/clock) to each
 *          request's last timestamp, so data older than PutMetricData's two-week window can be loaded.
 *   vm     VictoriaMetrics /api/v1/import JSON lines on stdout, one line per series.
 *   om     OpenMetrics text on stdout, for `promtool tsdb create-blocks-from openmetrics`; --with-long appends the
 *          long series, --t-from/--t-to keep only the samples in [from, to).
 *   list   the series' identities as JSON lines (no samples).
 *   clock  POST /_skywatch/clock {"set_ms": --set-ms, default now}.
 * In VictoriaMetrics and Prometheus a series is named <Namespace>_<MetricName> with '/' as '_' and labelled
 * with its dimensions. put and clock print one JSON line on stdout and exit 1 on any non-200 answer. */
#include "buf.h"
#include "httpc.h"
#include "sigv4.h"
#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define MG_MAX_CONNS 64
#define MG_MAX_DIMS 2

typedef struct mg_opts {
    const char *mode;
    int series;            /* catalogue size N */
    int from, to;          /* series indices to produce, [from, to) */
    int is_long;           /* the one 30-day series instead */
    int with_long;         /* om: the long series too, after the others */
    long t_from, t_to;     /* om: only samples with t_from <= t < t_to */
    int long_days;
    int dec2;              /* shape: values rounded to 2 decimals */
    long end;              /* epoch seconds: every series ends just before it */
    int samples, step;     /* per series of the day set */
    int port, conns, datums, pid, advance_clock;
    long long set_ms;
    const char *akid, *secret;
} mg_opts;

static mg_opts mg_o = {.series = 10000, .from = 0, .to = -1, .long_days = 30, .samples = 8640, .step = 10,
                       .conns = 4, .datums = 1000, .set_ms = -1, .t_from = 0, .t_to = 1L << 40, .akid = "AKIDBENCH", .secret = "benchsecret"};

static void mg_die(const char *msg) {
    fprintf(stderr, "metrics_gen: %s\n", msg);
    exit(1);
}

/* ---------- the series catalogue ---------- */

typedef struct mg_series {
    const char *ns, *name, *unit, *prom;  /* prom: the VictoriaMetrics/Prometheus metric name */
    int ndims;
    char dn[MG_MAX_DIMS][24], dv[MG_MAX_DIMS][96];
    double level;                         /* the walk's starting value and scale of its steps */
    uint64_t rng;
} mg_series;

static const char *mg_services[] = {"orders", "payments", "search", "catalog", "auth", "cart", "shipping", "reviews",
                                    "inventory", "pricing", "users", "email", "recommend", "checkout", "media",
                                    "gateway", "billing", "ledger", "fraud", "notify"};
#define MG_NSERVICES 20

static uint64_t mg_mix(uint64_t x) { /* splitmix64's finaliser */
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

static void mg_dim(mg_series *m, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void mg_dim(mg_series *m, const char *name, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    snprintf(m->dn[m->ndims], sizeof m->dn[0], "%s", name);
    vsnprintf(m->dv[m->ndims], sizeof m->dv[0], fmt, ap);
    va_end(ap);
    m->ndims++;
}

static void mg_dims_instance(mg_series *m, int k) { mg_dim(m, "InstanceId", "i-0%016llx", (unsigned long long)mg_mix((uint64_t)k) >> 4); }
static void mg_dims_alb(mg_series *m, int k) {
    const char *svc = mg_services[(k / 10) % MG_NSERVICES];
    mg_dim(m, "LoadBalancer", "app/%s-alb-%d/%016llx", svc, k / 10, (unsigned long long)mg_mix(1000003u + (uint64_t)(k / 10)));
    mg_dim(m, "TargetGroup", "targetgroup/%s-tg-%d/%016llx", svc, k, (unsigned long long)mg_mix(2000003u + (uint64_t)k));
}
static void mg_dims_db(mg_series *m, int k) { mg_dim(m, "DBInstanceIdentifier", "%s-db-%03d", mg_services[k % MG_NSERVICES], k / MG_NSERVICES); }
static void mg_dims_lambda(mg_series *m, int k) {
    static const char *verbs[] = {"get", "put", "list", "delete", "sync"};
    mg_dim(m, "FunctionName", "%s-%s-handler-%03d", mg_services[k % MG_NSERVICES], verbs[(k / MG_NSERVICES) % 5], k / 100);
}
static void mg_dims_host(mg_series *m, int k) {
    mg_dim(m, "Service", "%s", mg_services[k % MG_NSERVICES]);
    mg_dim(m, "Host", "ip-10-%d-%d-%d.ec2.internal", 16 + k / 62500, (k / 250) % 250, k % 250 + 1);
}
static void mg_dims_worker(mg_series *m, int k) { mg_dim(m, "Worker", "worker-%05d", k); }

/* The families of the day set and their share of N in percent. Families sharing a dimension function share
 * its resources: the k-th CPUUtilization and NetworkIn series are the same instance, Latency/Errors/Requests
 * the same hosts. Service/Host Latency is the SEARCH target (N/10 series), AWS/EC2 CPUUtilization the
 * GetMetricData one. */
typedef struct mg_family {
    const char *ns, *name, *unit, *prom;
    int weight;
    double lo, hi;  /* range of the per-series level */
    void (*dims)(mg_series *, int);
} mg_family;

static const mg_family mg_families[] = {
    {"AWS/EC2", "CPUUtilization", "Percent", "AWS_EC2_CPUUtilization", 20, 5, 90, mg_dims_instance},
    {"AWS/EC2", "NetworkIn", "Bytes", "AWS_EC2_NetworkIn", 10, 1e5, 1e8, mg_dims_instance},
    {"AWS/ApplicationELB", "TargetResponseTime", "Seconds", "AWS_ApplicationELB_TargetResponseTime", 10, 0.005, 2, mg_dims_alb},
    {"AWS/ApplicationELB", "RequestCount", "Count", "AWS_ApplicationELB_RequestCount", 10, 10, 20000, mg_dims_alb},
    {"AWS/RDS", "DatabaseConnections", "Count", "AWS_RDS_DatabaseConnections", 5, 5, 500, mg_dims_db},
    {"AWS/Lambda", "Duration", "Milliseconds", "AWS_Lambda_Duration", 10, 5, 3000, mg_dims_lambda},
    {"Service/Host", "Latency", "Milliseconds", "Service_Host_Latency", 10, 1, 500, mg_dims_host},
    {"Service/Host", "Errors", "Count", "Service_Host_Errors", 10, 0.1, 50, mg_dims_host},
    {"Service/Host", "Requests", "Count", "Service_Host_Requests", 15, 100, 50000, mg_dims_host},
};
#define MG_NFAMILIES (int)(sizeof mg_families / sizeof mg_families[0])
static const mg_family mg_extra = {"Service/Worker", "JobDuration", "Seconds", "Service_Worker_JobDuration", 0, 1, 600, mg_dims_worker};
static const mg_family mg_long = {"AWS/RDS", "CPUUtilization", "Percent", "AWS_RDS_CPUUtilization", 0, 20, 60, NULL};

static double mg_unit(uint64_t *x) { /* xorshift64, then the top 53 bits as [0, 1) */
    *x ^= *x << 13, *x ^= *x >> 7, *x ^= *x << 17;
    return (double)(*x >> 11) / 9007199254740992.0;
}

/* Fills m with series s of the catalogue (s < 0: the long series). Family f holds N * weight / 100 series,
 * the last family the remainder; s >= N is the extra family. */
static void mg_series_get(int s, mg_series *m) {
    memset(m, 0, sizeof *m);
    const mg_family *f = &mg_long;
    int k = 0;
    if (s >= mg_o.series) f = &mg_extra, k = s - mg_o.series;
    else if (s >= 0) {
        int start = 0;
        for (int i = 0; i < MG_NFAMILIES; i++) {
            int n = i == MG_NFAMILIES - 1 ? mg_o.series - start : mg_o.series * mg_families[i].weight / 100;
            if (s < start + n) { f = &mg_families[i], k = s - start; break; }
            start += n;
        }
    }
    m->ns = f->ns, m->name = f->name, m->unit = f->unit, m->prom = f->prom;
    if (f->dims) f->dims(m, k);
    else mg_dim(m, "DBInstanceIdentifier", "orders-primary");
    m->rng = mg_mix(0x5EEDull + (uint64_t)(int64_t)s) | 1;
    double u = mg_unit(&m->rng);
    m->level = f->lo + (f->hi - f->lo) * u * u; /* skewed to the low end, as real fleets are */
}

/* The walk's next value: steps of up to +-0.5 % of the level (as in bench/tscodec_bench.c). */
static double mg_next(mg_series *m, double *x) {
    *x += (mg_unit(&m->rng) - 0.5) * m->level * 0.01;
    return *x;
}

/* ---------- number formatting (exact, and much faster than printf's %.17g) ---------- */

static size_t mg_u64(char *out, uint64_t v) {
    char tmp[24];
    size_t n = 0;
    do tmp[n++] = (char)('0' + v % 10), v /= 10; while (v);
    for (size_t i = 0; i < n; i++) out[i] = tmp[n - 1 - i];
    return n;
}

/* x with 17 significant digits, correctly rounded (so it parses back to the same double), trailing zeros cut.
 * Exact integer arithmetic: x = m / 2^sh, digits = round(m * 10^k / 2^sh) with m < 2^53, 10^k < 2^67. */
static size_t mg_fmt_full(char *out, double x) {
    if (!(fabs(x) >= 1e-4 && fabs(x) < 1e15)) return (size_t)snprintf(out, 32, "%.17g", x);
    size_t n = 0;
    if (x < 0) out[n++] = '-', x = -x;
    int e2;
    double fr = frexp(x, &e2);
    uint64_t m = (uint64_t)ldexp(fr, 53);
    int sh = 53 - e2; /* > 0: x < 2^50 */
    int k = 16 - (int)floor(log10(x));
    unsigned __int128 q;
    for (;;) {
        unsigned __int128 p = m, half = (unsigned __int128)1 << (sh - 1);
        for (int i = 0; i < k; i++) p *= 10;
        q = p >> sh;
        unsigned __int128 r = p & (((unsigned __int128)1 << sh) - 1);
        if (r > half || (r == half && (q & 1))) q++;
        if (q >= 100000000000000000ull) k--;
        else if (q < 10000000000000000ull) k++;
        else break;
    }
    char d[17];
    uint64_t v = (uint64_t)q;
    for (int i = 16; i >= 0; i--) d[i] = (char)('0' + v % 10), v /= 10;
    int last = 16, intd = 17 - k; /* digits before the point */
    while (last > 0 && last >= intd && d[last] == '0') last--;
    if (intd <= 0) {
        out[n++] = '0', out[n++] = '.';
        for (int i = intd; i < 0; i++) out[n++] = '0';
        for (int i = 0; i <= last; i++) out[n++] = d[i];
    } else {
        for (int i = 0; i < intd; i++) out[n++] = d[i];
        if (last >= intd) {
            out[n++] = '.';
            for (int i = intd; i <= last; i++) out[n++] = d[i];
        }
    }
    return n;
}

/* The sample as sent: every digit, or rounded to 2 decimals ("12.30" parses to the same double as 1230/100.0). */
static size_t mg_fmt(char *out, double x) {
    if (!mg_o.dec2) return mg_fmt_full(out, x);
    long long c = llround(x * 100);
    size_t n = 0;
    if (c < 0) out[n++] = '-', c = -c;
    n += mg_u64(out + n, (uint64_t)(c / 100));
    out[n++] = '.', out[n++] = (char)('0' + c / 10 % 10), out[n++] = (char)('0' + c % 10);
    return n;
}

/* ---------- vm, om: series-major text ---------- */

static int mg_nseries(void) { return mg_o.is_long ? 1 : mg_o.to - mg_o.from; }
static int mg_index(int i) { return mg_o.is_long ? -1 : mg_o.from + i; }
static int mg_samples(void) { return mg_o.is_long ? mg_o.long_days * 1440 : mg_o.samples; }
static int mg_step(void) { return mg_o.is_long ? 60 : mg_o.step; }
static long mg_t0(void) { return mg_o.end - (long)mg_samples() * mg_step(); }

static void mg_write(const sw_buf *b) {
    if (fwrite(b->data, 1, b->len, stdout) != b->len) mg_die("write failed");
}

static void mg_vm(void) {
    sw_buf b;
    sw_buf_init(&b);
    char num[40];
    int T = mg_samples();
    for (int i = 0; i < mg_nseries(); i++) {
        mg_series m;
        mg_series_get(mg_index(i), &m);
        sw_buf_reset(&b);
        sw_buf_printf(&b, "{\"metric\":{\"__name__\":\"%s\"", m.prom);
        for (int d = 0; d < m.ndims; d++) sw_buf_printf(&b, ",\"%s\":\"%s\"", m.dn[d], m.dv[d]);
        sw_buf_puts(&b, "},\"values\":[");
        double x = m.level;
        for (int j = 0; j < T; j++) {
            if (j) sw_buf_putc(&b, ',');
            sw_buf_append(&b, num, mg_fmt(num, mg_next(&m, &x)));
        }
        sw_buf_puts(&b, "],\"timestamps\":[");
        for (int j = 0; j < T; j++) {
            if (j) sw_buf_putc(&b, ',');
            sw_buf_append(&b, num, mg_u64(num, (uint64_t)(mg_t0() + (long)j * mg_step()) * 1000));
        }
        sw_buf_puts(&b, "]}\n");
        mg_write(&b);
    }
    sw_buf_free(&b);
}

/* One series' samples with from <= t < to as OpenMetrics lines (timestamps in seconds). */
static void mg_om_series(int s, int T, int step, long t0, sw_buf *b, sw_buf *labels) {
    char num[40];
    mg_series m;
    mg_series_get(s, &m);
    sw_buf_reset(labels);
    sw_buf_printf(labels, "%s{", m.prom);
    for (int d = 0; d < m.ndims; d++) sw_buf_printf(labels, "%s%s=\"%s\"", d ? "," : "", m.dn[d], m.dv[d]);
    sw_buf_puts(labels, "} ");
    double x = m.level;
    for (int j = 0; j < T; j++) {
        double v = mg_next(&m, &x);
        long t = t0 + (long)j * step;
        if (t < mg_o.t_from || t >= mg_o.t_to) continue;
        sw_buf_append(b, labels->data, labels->len);
        sw_buf_append(b, num, mg_fmt(num, v));
        sw_buf_putc(b, ' ');
        sw_buf_append(b, num, mg_u64(num, (uint64_t)t));
        sw_buf_putc(b, '\n');
    }
}

/* The selected series, then with --with-long the long one, each family under one TYPE line (a family's series
 * are contiguous in the catalogue). promtool reads its whole input once per block, so the driver gives it the
 * day set with the long series' last day (one 24 h block), and the long series' other days apart. */
static void mg_om(void) {
    sw_buf b, labels;
    sw_buf_init(&b);
    sw_buf_init(&labels);
    const char *family = NULL;
    int n = mg_nseries() + (mg_o.with_long && !mg_o.is_long);
    for (int i = 0; i < n; i++) {
        int s = i < mg_nseries() ? mg_index(i) : -1;
        mg_series m;
        mg_series_get(s, &m);
        sw_buf_reset(&b);
        if (family != m.prom) sw_buf_printf(&b, "# TYPE %s gauge\n", m.prom), family = m.prom;
        if (s >= 0) mg_om_series(s, mg_o.samples, mg_o.step, mg_o.end - (long)mg_o.samples * mg_o.step, &b, &labels);
        else mg_om_series(s, mg_o.long_days * 1440, 60, mg_o.end - (long)mg_o.long_days * 86400, &b, &labels);
        mg_write(&b);
    }
    fputs("# EOF\n", stdout);
    sw_buf_free(&b);
    sw_buf_free(&labels);
}

/* One JSON object per series: its index, identity in both namings, unit and level (the driver picks its query
 * targets from these). */
static void mg_list(void) {
    for (int i = 0; i < mg_nseries(); i++) {
        mg_series m;
        mg_series_get(mg_index(i), &m);
        printf("{\"s\":%d,\"ns\":\"%s\",\"name\":\"%s\",\"prom\":\"%s\",\"unit\":\"%s\",\"dims\":[", mg_index(i), m.ns, m.name,
               m.prom, m.unit);
        for (int d = 0; d < m.ndims; d++) printf("%s[\"%s\",\"%s\"]", d ? "," : "", m.dn[d], m.dv[d]);
        printf("]}\n");
    }
}

/* ---------- HTTP and signing ---------- */

typedef bench_conn mg_conn;

static int mg_connect(mg_conn *c) {
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)mg_o.port)};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(c->fd);
        c->fd = -1;
        return -1;
    }
    return 0;
}

/* Sends a POST of body to path, signed now for service with the signed headers content-type;host;x-amz-date
 * (and x-amz-target when target is set), and reads the answer. Reconnects once if the server closed. Returns
 * the status, or -1 on a broken connection; *rb and *rl point at the answer until the next call. */
static int mg_post(mg_conn *c, const char *service, const char *path, const char *target, const char *ctype,
                   const sw_buf *body, const char **rb, size_t *rl) {
    char sha[65], date[17], host[32];
    sw_sigv4_sha256_hex(body->data, body->len, sha);
    sw_sigv4_format_amz_date((long long)time(NULL), date);
    snprintf(host, sizeof host, "127.0.0.1:%d", mg_o.port);
    sw_header h[4];
    size_t n = 0;
#define MG_H(name, value) (h[n++] = (sw_header){name, strlen(name), value, strlen(value)})
    MG_H("content-type", ctype);
    MG_H("host", host);
    MG_H("x-amz-date", date);
    if (target) MG_H("x-amz-target", target);
#undef MG_H
    sw_sigv4_request sr = {"POST", path, strlen(path), "", 0, h, n, sha};
    sw_buf auth;
    sw_buf_init(&auth);
    if (sw_sigv4_sign(&sr, mg_o.akid, mg_o.secret, "us-east-1", service, date,
                      target ? "content-type;host;x-amz-date;x-amz-target" : "content-type;host;x-amz-date", &auth))
        mg_die("signing failed");
    sw_buf_reset(&c->head);
    sw_buf_printf(&c->head, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nX-Amz-Date: %s\r\n", path, host, ctype, date);
    if (target) sw_buf_printf(&c->head, "X-Amz-Target: %s\r\n", target);
    sw_buf_printf(&c->head, "Authorization: %s\r\nContent-Length: %zu\r\n\r\n", auth.data, body->len);
    sw_buf_free(&auth);
    for (int attempt = 0; attempt < 2; attempt++) {
        if (c->fd < 0 && mg_connect(c)) return -1;
        int status = bench_send(c, body->data, body->len, rb, rl);
        if (status >= 0) return status;
    }
    return -1;
}


static pthread_mutex_t mg_clock_lock = PTHREAD_MUTEX_INITIALIZER;
static long long mg_clock_ms; /* the manual clock as last set by us */

/* Moves the manual clock to ms (never back). Returns 0, or -1 after printing the answer. */
static int mg_clock_set(mg_conn *c, long long ms) {
    sw_buf body;
    sw_buf_init(&body);
    sw_buf_printf(&body, "{\"set_ms\":%lld}", ms);
    const char *rb = NULL;
    size_t rl = 0;
    int st = mg_post(c, "skywatch", "/_skywatch/clock", NULL, "application/json", &body, &rb, &rl);
    sw_buf_free(&body);
    if (st != 200) {
        fprintf(stderr, "metrics_gen: clock: status %d: %.*s\n", st, (int)(rl > 400 ? 400 : rl), rb ? rb : "");
        return -1;
    }
    return 0;
}

/* ---------- put ---------- */

typedef struct mg_chunk {
    int n;                  /* consecutive series of the loaded range, one namespace */
    atomic_int built;       /* steps whose values are built: a request waits for its predecessor's walk */
    double *x;              /* the walk of each series */
    mg_series *m;
    char **prefix;          /* each datum's JSON up to the timestamp */
} mg_chunk;

static mg_chunk *mg_chunks;
static int mg_nchunks;
static int mg_span; /* consecutive steps per request: 1, or more when the widest chunk has fewer than --datums series */
static long mg_nreqs;
static atomic_long mg_next_req, mg_ok, mg_datapoints;
static atomic_int mg_failed;

/* Groups the range into chunks of one namespace and at most --datums series. When even the widest chunk is
 * narrower than --datums, a request takes several steps of its chunk (the long series: 1,000 minutes). */
static void mg_plan(void) {
    int ns = mg_nseries(), widest = 1;
    mg_chunks = calloc((size_t)ns, sizeof *mg_chunks);
    mg_series *all = calloc((size_t)ns, sizeof *all);
    for (int i = 0; i < ns; i++) mg_series_get(mg_index(i), &all[i]);
    for (int i = 0; i < ns;) {
        int j = i + 1;
        while (j < ns && j - i < mg_o.datums && strcmp(all[j].ns, all[i].ns) == 0) j++;
        mg_chunk *c = &mg_chunks[mg_nchunks++];
        c->n = j - i;
        if (c->n > widest) widest = c->n;
        c->m = &all[i];
        c->x = calloc((size_t)c->n, sizeof *c->x);
        c->prefix = calloc((size_t)c->n, sizeof *c->prefix);
        for (int k = 0; k < c->n; k++) {
            mg_series *m = &c->m[k];
            c->x[k] = m->level;
            sw_buf p;
            sw_buf_init(&p);
            sw_buf_printf(&p, "{\"MetricName\":\"%s\",\"Dimensions\":[", m->name);
            for (int d = 0; d < m->ndims; d++)
                sw_buf_printf(&p, "%s{\"Name\":\"%s\",\"Value\":\"%s\"}", d ? "," : "", m->dn[d], m->dv[d]);
            sw_buf_printf(&p, "],\"Unit\":\"%s\",\"StorageResolution\":%d,\"Timestamp\":", m->unit, mg_step() < 60 ? 1 : 60);
            c->prefix[k] = sw_buf_detach(&p, NULL);
        }
        i = j;
    }
    mg_span = mg_o.datums / widest;
    if (mg_span > mg_samples()) mg_span = mg_samples();
    mg_nreqs = (long)((mg_samples() + mg_span - 1) / mg_span) * mg_nchunks;
}

/* Request r: steps [b*span, (b+1)*span) with b = r / C, of chunk r % C. Builds its body, advancing the walks;
 * returns its datapoints and sets *t_after to the step after its last. */
static long mg_build(long r, sw_buf *b, long *t_after) {
    mg_chunk *c = &mg_chunks[r % mg_nchunks];
    int blk = (int)(r / mg_nchunks), s0 = blk * mg_span, s1 = s0 + mg_span;
    if (s1 > mg_samples()) s1 = mg_samples();
    while (atomic_load(&c->built) != s0) sched_yield();
    char num[40];
    sw_buf_reset(b);
    sw_buf_printf(b, "{\"Namespace\":\"%s\",\"MetricData\":[", c->m[0].ns);
    for (int s = s0; s < s1; s++) {
        long t = mg_t0() + (long)s * mg_step();
        for (int k = 0; k < c->n; k++) {
            if (s > s0 || k) sw_buf_putc(b, ',');
            sw_buf_puts(b, c->prefix[k]);
            sw_buf_append(b, num, mg_u64(num, (uint64_t)t));
            sw_buf_puts(b, ",\"Value\":");
            sw_buf_append(b, num, mg_fmt(num, mg_next(&c->m[k], &c->x[k])));
            sw_buf_putc(b, '}');
        }
    }
    sw_buf_puts(b, "]}");
    atomic_store(&c->built, s1);
    *t_after = mg_t0() + (long)s1 * mg_step();
    return (long)(s1 - s0) * c->n;
}

static void *mg_put_thread(void *arg) {
    (void)arg;
    mg_conn c = {.fd = -1};
    sw_buf_init(&c.head);
    sw_buf body;
    sw_buf_init(&body);
    for (long r; !atomic_load(&mg_failed) && (r = atomic_fetch_add(&mg_next_req, 1)) < mg_nreqs;) {
        long t_after;
        long dps = mg_build(r, &body, &t_after);
        if (mg_o.advance_clock) {
            long long want = (long long)t_after * 1000;
            pthread_mutex_lock(&mg_clock_lock);
            if (want > mg_clock_ms && mg_clock_set(&c, want) == 0) mg_clock_ms = want;
            pthread_mutex_unlock(&mg_clock_lock);
        }
        const char *rb = NULL;
        size_t rl = 0;
        int st = mg_post(&c, "monitoring", "/", "GraniteServiceVersion20100801.PutMetricData", "application/x-amz-json-1.0",
                         &body, &rb, &rl);
        if (st != 200) {
            if (!atomic_exchange(&mg_failed, 1))
                fprintf(stderr, "metrics_gen: PutMetricData: status %d: %.*s\n", st, (int)(rl > 400 ? 400 : rl), rb ? rb : "");
            break;
        }
        atomic_fetch_add(&mg_ok, 1);
        atomic_fetch_add(&mg_datapoints, dps);
    }
    sw_buf_free(&body);
    bench_conn_free(&c);
    return NULL;
}

static int mg_put(void) {
    mg_plan();
    int k = mg_o.conns < mg_nchunks ? mg_o.conns : mg_nchunks;
    pthread_t th[MG_MAX_CONNS];
    double cpu0 = mg_o.pid ? bench_proc_cpu(mg_o.pid) : 0, t0 = bench_now();
    for (int i = 0; i < k; i++) pthread_create(&th[i], NULL, mg_put_thread, NULL);
    for (int i = 0; i < k; i++) pthread_join(th[i], NULL);
    double secs = bench_now() - t0, cpu = mg_o.pid ? bench_proc_cpu(mg_o.pid) - cpu0 : 0;
    long dp = atomic_load(&mg_datapoints);
    printf("{\"mode\":\"put\",\"series\":%d,\"requests\":%ld,\"datapoints\":%ld,\"seconds\":%.2f,\"datapoints_per_s\":%.0f,"
           "\"conns\":%d,\"server_cpu_us_per_dp\":%.3f,\"first_ts\":%ld,\"end_ts\":%ld}\n",
           mg_nseries(), atomic_load(&mg_ok), dp, secs, dp / secs, k, dp ? cpu * 1e6 / (double)dp : 0, mg_t0(), mg_o.end);
    return atomic_load(&mg_failed) ? 1 : 0;
}

static int mg_clock(void) {
    mg_conn c = {.fd = -1};
    sw_buf_init(&c.head);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    long long ms = mg_o.set_ms >= 0 ? mg_o.set_ms : (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    int rc = mg_clock_set(&c, ms);
    bench_conn_free(&c);
    if (!rc) printf("{\"mode\":\"clock\",\"set_ms\":%lld}\n", ms);
    return rc ? 1 : 0;
}

/* ---------- command line ---------- */

static const char *mg_usage =
    "usage: metrics_gen put|vm|om|list|clock [options]\n"
    "  --series N (catalogue size, 10000) --from A --to B (series to produce, default 0..N; >= N: the extra family)\n"
    "  --long (the one series of --long-days 30 at 60 s instead) --shape full|dec2 --end EPOCH (default today 00:00 UTC)\n"
    "  --samples 8640 --step 10; om: --with-long (append the long series) --t-from EPOCH --t-to EPOCH (sample filter)\n"
    "  put: --port P --conns 4 --datums 1000 --pid SERVER_PID --advance-clock 1 --akid AKIDBENCH --secret benchsecret\n"
    "  clock: --port P --set-ms MS (default now)\n";

int main(int argc, char **argv) {
    if (argc < 2) { fputs(mg_usage, stderr); return 2; }
    mg_o.mode = argv[1];
    mg_o.end = (long)time(NULL) / 86400 * 86400;
    for (int i = 2; i < argc; i++) {
        const char *k = argv[i];
        if (!strcmp(k, "--long")) { mg_o.is_long = 1; continue; }
        if (!strcmp(k, "--with-long")) { mg_o.with_long = 1; continue; }
        if (i + 1 >= argc || strncmp(k, "--", 2) != 0) { fputs(mg_usage, stderr); return 2; }
        const char *v = argv[++i];
        k += 2;
        if (!strcmp(k, "series")) mg_o.series = atoi(v);
        else if (!strcmp(k, "from")) mg_o.from = atoi(v);
        else if (!strcmp(k, "to")) mg_o.to = atoi(v);
        else if (!strcmp(k, "long-days")) mg_o.long_days = atoi(v);
        else if (!strcmp(k, "shape")) mg_o.dec2 = !strcmp(v, "dec2");
        else if (!strcmp(k, "end")) mg_o.end = atol(v);
        else if (!strcmp(k, "samples")) mg_o.samples = atoi(v);
        else if (!strcmp(k, "t-from")) mg_o.t_from = atol(v);
        else if (!strcmp(k, "t-to")) mg_o.t_to = atol(v);
        else if (!strcmp(k, "step")) mg_o.step = atoi(v);
        else if (!strcmp(k, "port")) mg_o.port = atoi(v);
        else if (!strcmp(k, "conns")) mg_o.conns = atoi(v);
        else if (!strcmp(k, "datums")) mg_o.datums = atoi(v);
        else if (!strcmp(k, "pid")) mg_o.pid = atoi(v);
        else if (!strcmp(k, "advance-clock")) mg_o.advance_clock = atoi(v);
        else if (!strcmp(k, "set-ms")) mg_o.set_ms = atoll(v);
        else if (!strcmp(k, "akid")) mg_o.akid = v;
        else if (!strcmp(k, "secret")) mg_o.secret = v;
        else { fprintf(stderr, "metrics_gen: unknown option --%s\n%s", k, mg_usage); return 2; }
    }
    if (mg_o.to < 0) mg_o.to = mg_o.series;
    if (mg_o.series < 1 || mg_o.from < 0 || mg_o.to <= mg_o.from || mg_o.samples < 1 || mg_o.step < 1 || mg_o.datums < 1 ||
        mg_o.datums > 1000 || mg_o.conns < 1 || mg_o.conns > MG_MAX_CONNS) {
        fputs(mg_usage, stderr);
        return 2;
    }
    static char outbuf[1 << 20];
    setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
    if (!strcmp(mg_o.mode, "vm")) return mg_vm(), fflush(stdout) ? 1 : 0;
    if (!strcmp(mg_o.mode, "om")) return mg_om(), fflush(stdout) ? 1 : 0;
    if (!strcmp(mg_o.mode, "list")) return mg_list(), fflush(stdout) ? 1 : 0;
    if (mg_o.port <= 0) { fputs(mg_usage, stderr); return 2; }
    if (!strcmp(mg_o.mode, "put")) return mg_put();
    if (!strcmp(mg_o.mode, "clock")) return mg_clock();
    fputs(mg_usage, stderr);
    return 2;
}
