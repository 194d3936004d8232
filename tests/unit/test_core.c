/* test_core.c -- unit tests for the form decoder, model coercion, time formats, statistics,
 * config parsing, gzip limits and the write-ahead log. */
#include "test.h"
#include "config.h"
#include "crc32c.h"
#include "form.h"
#include "gzip.h"
#include "json.h"
#include "model.h"
#include "stats.h"
#include "timefmt.h"
#include "wal.h"
#include <sys/stat.h>
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>
#include <zlib.h>

extern const char sw_model_cloudwatch[], sw_model_cloudwatch_end[];

static sw_model *cw_model(void) {
    static sw_model *m;
    char err[256];
    if (!m) m = sw_model_load(sw_model_cloudwatch, (size_t)(sw_model_cloudwatch_end - sw_model_cloudwatch), err, sizeof err);
    return m;
}

static void test_form_nested_paths(void) {
    sw_arena a;
    sw_arena_init(&a, 0);
    sw_value *v;
    char err[128];
    const char *body = "Action=PutMetricData&Namespace=My%2FApp&MetricData.member.1.MetricName=a+b&MetricData.member.1.Value=1.5";
    T_EQ_INT(sw_form_decode(&a, body, strlen(body), &v, err, sizeof err), 0);
    T_EQ_STR(sw_v_get_str(v, "Namespace", NULL), "My/App");
    sw_value *d1 = sw_v_get(sw_v_get(sw_v_get(v, "MetricData"), "member"), "1");
    T_EQ_STR(sw_v_get_str(d1, "MetricName", NULL), "a b");
    T_EQ_INT(sw_form_decode(&a, "A=%zz", 5, &v, err, sizeof err), -1);
    T_EQ_INT(sw_form_decode(&a, "A=1&A.member.1=2", 16, &v, err, sizeof err), -1);
    T_EQ_INT(sw_form_decode(&a, "A..B=1", 6, &v, err, sizeof err), -1);
    T_EQ_INT(sw_form_decode(&a, "A=%4", 4, &v, err, sizeof err), -1);
    sw_arena_free(&a);
}

static void test_coerce_query_lists_and_types(void) {
    sw_arena a;
    sw_arena_init(&a, 0);
    sw_value *v;
    sw_error e = {0};
    char err[128];
    const char *body = "Namespace=N&MetricData.member.2.MetricName=b&MetricData.member.1.MetricName=a"
                       "&MetricData.member.1.Value=2.5&MetricData.member.1.Timestamp=2024-01-02T03%3A04%3A05Z"
                       "&MetricData.member.1.Dimensions.member.1.Name=H&MetricData.member.1.Dimensions.member.1.Value=x";
    T_EQ_INT(sw_form_decode(&a, body, strlen(body), &v, err, sizeof err), 0);
    const sw_shape *in = sw_model_op(cw_model(), "PutMetricData", 13)->input;
    T_EQ_INT(sw_model_coerce(&a, in, &v, SW_WIRE_QUERY, &e), 0);
    sw_value *md = sw_v_get(v, "MetricData");
    T_EQ_INT(md->type, SW_V_LIST);
    T_EQ_INT(md->u.list.n, 2);
    T_EQ_STR(sw_v_get_str(md->u.list.items[0], "MetricName", NULL), "a");
    T_EQ_INT(sw_v_get(md->u.list.items[0], "Value")->type, SW_V_DOUBLE);
    T_EQ_DBL(sw_v_get(md->u.list.items[0], "Timestamp")->u.d, 1704164645.0, 0);
    sw_arena_free(&a);
}

static void test_coerce_errors_are_aws_shaped(void) {
    sw_arena a;
    sw_arena_init(&a, 0);
    sw_value *v;
    sw_error e = {0};
    char err[128];
    const sw_shape *in = sw_model_op(cw_model(), "PutMetricData", 13)->input;
    const char *missing = "{\"MetricData\":[]}";
    T_EQ_INT(sw_json_decode(&a, missing, strlen(missing), &v, err, sizeof err), 0);
    T_EQ_INT(sw_model_coerce(&a, in, &v, SW_WIRE_JSON, &e), -1);
    T_EQ_STR(e.code, "MissingParameter");
    const char *badunit = "{\"Namespace\":\"N\",\"MetricData\":[{\"MetricName\":\"m\",\"Unit\":\"Parsecs\"}]}";
    T_EQ_INT(sw_json_decode(&a, badunit, strlen(badunit), &v, err, sizeof err), 0);
    T_EQ_INT(sw_model_coerce(&a, in, &v, SW_WIRE_JSON, &e), -1);
    T_EQ_STR(e.code, "ValidationError");
    T_ASSERT(strstr(e.message, "at 'metricData.1.member.unit' failed to satisfy constraint: Member must satisfy enum value set") != NULL);
    const char *badtype = "{\"Namespace\":\"N\",\"MetricData\":[{\"MetricName\":\"m\",\"Value\":\"x\"}]}";
    T_EQ_INT(sw_json_decode(&a, badtype, strlen(badtype), &v, err, sizeof err), 0);
    T_EQ_INT(sw_model_coerce(&a, in, &v, SW_WIRE_JSON, &e), -1);
    T_EQ_STR(e.code, "SerializationException");
    const char *longname = "{\"Namespace\":\"\",\"MetricData\":[]}";
    T_EQ_INT(sw_json_decode(&a, longname, strlen(longname), &v, err, sizeof err), 0);
    T_EQ_INT(sw_model_coerce(&a, in, &v, SW_WIRE_JSON, &e), -1);
    T_ASSERT(strstr(e.message, "Member must have length greater than or equal to 1") != NULL);
    const char *colon = "{\"Namespace\":\":x\",\"MetricData\":[]}";
    T_EQ_INT(sw_json_decode(&a, colon, strlen(colon), &v, err, sizeof err), 0);
    T_EQ_INT(sw_model_coerce(&a, in, &v, SW_WIRE_JSON, &e), -1);
    T_ASSERT(strstr(e.message, "Member must satisfy regular expression pattern: [^:].*") != NULL);
    sw_arena_free(&a);
}

static void test_time_parse_and_format(void) {
    double t;
    T_EQ_INT(sw_time_parse("2024-01-02T03:04:05Z", 20, &t), 0);
    T_EQ_DBL(t, 1704164645.0, 0);
    T_EQ_INT(sw_time_parse("2024-01-02T03:04:05.250+01:00", 29, &t), 0);
    T_EQ_DBL(t, 1704164645.25 - 3600, 1e-9);
    T_EQ_INT(sw_time_parse("1704164645.5", 12, &t), 0);
    T_EQ_DBL(t, 1704164645.5, 0);
    T_EQ_INT(sw_time_parse("2024-13-02T03:04:05Z", 20, &t), -1);
    T_EQ_INT(sw_time_parse("2024-01-02T03:04", 16, &t), -1);
    T_EQ_INT(sw_time_parse("nan", 3, &t), -1);
    char out[40];
    sw_time_format_iso(1704164645.123, out, sizeof out);
    T_EQ_STR(out, "2024-01-02T03:04:05.123Z");
    sw_time_format_iso(1704164645, out, sizeof out);
    T_EQ_STR(out, "2024-01-02T03:04:05Z");
}

static void test_stat_names_and_percentiles(void) {
    sw_stat s;
    T_EQ_INT(sw_stat_parse("p99", &s), 0);
    T_EQ_DBL(s.p, 99, 0);
    T_EQ_INT(sw_stat_parse("p99.99", &s), 0);
    T_EQ_INT(sw_stat_parse("p100", &s), 0);
    T_EQ_INT(sw_stat_parse("p100.1", &s), -1);
    T_EQ_INT(sw_stat_parse("p99.999", &s), -1);
    T_EQ_INT(sw_stat_parse("p", &s), -1);
    T_EQ_INT(sw_stat_parse("p9.", &s), -1);
    T_EQ_INT(sw_stat_parse("Average", &s), 0);
    T_EQ_INT(sw_stat_parse("average", &s), -1);
    double v[] = {5, 1, 4, 2, 3}, w[] = {1, 1, 1, 1, 1};
    T_EQ_DBL(sw_percentile(v, w, 5, 50), 3, 0);
    T_EQ_DBL(sw_percentile(v, w, 5, 0), 1, 0);
    T_EQ_DBL(sw_percentile(v, w, 5, 100), 5, 0);
    T_EQ_DBL(sw_percentile(v, w, 5, 81), 5, 0);
    double v2[] = {1, 100}, w2[] = {99, 1};
    T_EQ_DBL(sw_percentile(v2, w2, 2, 99), 1, 0);
    T_EQ_DBL(sw_percentile(v2, w2, 2, 99.5), 100, 0);
}

/* The statistic of name over the values 1..100 (unit weights), or NAN when it is unavailable. */
static double stat_1_to_100(const char *name) {
    sw_stat st;
    if (sw_stat_parse(name, &st)) return -12345;
    double v[100], w[100];
    for (int i = 0; i < 100; i++) v[i] = 100 - i, w[i] = 1; /* unsorted on purpose */
    sw_bucket b = {0};
    b.values = v, b.weights = w, b.nvalues = 100, b.exact = 1, b.count = 100, b.sum = 5050, b.min = 1, b.max = 100;
    double out;
    return sw_stat_compute(&st, &b, &out) ? NAN : out;
}

/* Every example of "CloudWatch statistics definitions", worked by hand over 1..100. */
static void test_extended_statistics(void) {
    T_EQ_DBL(stat_1_to_100("tm90"), 45.5, 1e-12);         /* mean of 1..90 */
    T_EQ_DBL(stat_1_to_100("TM(:90%)"), 45.5, 1e-12);
    T_EQ_DBL(stat_1_to_100("TM(10%:90%)"), 50.5, 1e-12);  /* 11..90 */
    T_EQ_DBL(stat_1_to_100("IQM"), 50.5, 1e-12);          /* 26..75 */
    T_EQ_DBL(stat_1_to_100("TM(50:80)"), 65.5, 1e-12);    /* values > 50 and <= 80 */
    T_EQ_DBL(stat_1_to_100("TM(10%:)"), 55.5, 1e-12);     /* 11..100 */
    T_EQ_DBL(stat_1_to_100("tc90"), 90, 0);
    T_EQ_DBL(stat_1_to_100("TC(50:)"), 50, 0);
    T_EQ_DBL(stat_1_to_100("ts90"), 4095, 1e-9);
    T_EQ_DBL(stat_1_to_100("TS(10%:90%)"), 4040, 1e-9);
    T_EQ_DBL(stat_1_to_100("wm90"), 49.95, 1e-12);        /* 91..100 counted as 90 */
    T_EQ_DBL(stat_1_to_100("WM(10%:90%)"), 50.4, 1e-12);  /* 1..9 as 10, 91..100 as 90 */
    T_EQ_DBL(stat_1_to_100("PR(:30)"), 30, 1e-12);
    T_EQ_DBL(stat_1_to_100("PR(10:20)"), 10, 1e-12);      /* lower exclusive, upper inclusive */
    T_EQ_DBL(stat_1_to_100("PR(100:)"), 0, 0);
    T_ASSERT(isnan(stat_1_to_100("TM(200:300)")));        /* a mean of nothing is no datapoint */
    T_EQ_DBL(stat_1_to_100("TC(200:300)"), 0, 0);
    T_EQ_DBL(stat_1_to_100("p90"), 90, 0);
    /* WM with value boundaries: 1..19 count as 20, 31..100 as 30. */
    T_EQ_DBL(stat_1_to_100("WM(20:30)"), (19 * 20 + (20 + 30) * 11 / 2.0 + 70 * 30) / 100.0, 1e-12);
    /* Weights are counts: {1 x3, 10 x1}; the 87.5 % cut takes half of the 10. */
    sw_stat st;
    double v[] = {10, 1}, w[] = {1, 3}, out;
    sw_bucket b = {0};
    b.values = v, b.weights = w, b.nvalues = 2, b.exact = 1;
    T_EQ_INT(sw_stat_parse("tm87.5", &st), 0);
    T_EQ_INT(sw_stat_compute(&st, &b, &out), 0);
    T_EQ_DBL(out, (3 * 1 + 0.5 * 10) / 3.5, 1e-12);
    T_EQ_INT(sw_stat_parse("tm75", &st), 0);
    T_EQ_INT(sw_stat_compute(&st, &b, &out), 0);
    T_EQ_DBL(out, 1, 0);
    /* Sets without raw values have no extended statistics. */
    b.exact = 0;
    T_EQ_INT(sw_stat_compute(&st, &b, &out), -1);
    const char *bad[] = {"TM()", "TM(:)", "TM(a:b)", "tm", "tm101", "PR(10%:20%)", "TM(90%:10%)", "TM(10%:90%)x",
                         "tM90", "iqm", "TM(10%)", "TM(101%:)", "tm9.12345678901", "WM(:50%", "Tm(1:2)", "p101"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (sw_stat_parse(bad[i], &st) == 0) { fprintf(stderr, "  accepted %s\n", bad[i]); T_ASSERT(0); }
    /* What PutMetricAlarm takes as ExtendedStatistic. */
    const char *alarm_ok[] = {"p99", "tm90", "tc90", "ts90", "wm90", "IQM", "PR(1:200)", "TM(10%:90%)", "WM(10%:90%)"};
    for (size_t i = 0; i < sizeof alarm_ok / sizeof alarm_ok[0]; i++) {
        T_EQ_INT(sw_stat_parse(alarm_ok[i], &st), 0);
        T_EQ_INT(sw_stat_alarm_ok(&st), 1);
    }
    const char *alarm_no[] = {"Average", "TM(5%:95%)", "TM(:90%)", "TM(10:90)", "TS(10%:91%)"};
    for (size_t i = 0; i < sizeof alarm_no / sizeof alarm_no[0]; i++) {
        T_EQ_INT(sw_stat_parse(alarm_no[i], &st), 0);
        T_EQ_INT(sw_stat_alarm_ok(&st), 0);
    }
}

static void test_config_keys_and_errors(void) {
    sw_config c;
    char err[256];
    sw_config_defaults(&c);
    const char *ok = "# comment\nlisten = 0.0.0.0:9000\n  max_connections=4  # inline\nrequest_log = off\n\n";
    T_EQ_INT(sw_config_parse(&c, ok, strlen(ok), err, sizeof err), 0);
    T_EQ_STR(c.listen_host, "0.0.0.0");
    T_EQ_INT(c.listen_port, 9000);
    T_EQ_INT(c.max_connections, 4);
    T_EQ_INT(c.request_log, 0);
    T_EQ_INT(sw_config_parse(&c, "bogus = 1", 9, err, sizeof err), -1);
    T_EQ_STR(err, "line 1: unknown key 'bogus'");
    T_EQ_INT(sw_config_parse(&c, "\nmax_connections = 0", 20, err, sizeof err), -1);
    T_ASSERT(strncmp(err, "line 2:", 7) == 0);
    T_EQ_INT(sw_config_parse(&c, "listen = 1.2.3.4:70000", 22, err, sizeof err), -1);
    T_EQ_INT(sw_config_parse(&c, "novalue", 7, err, sizeof err), -1);
    T_EQ_INT(sw_config_parse(&c, "max_connections = 4\0x", 21, err, sizeof err), -1);
    /* Metrics retention: the default tiers, and per namespace (repeatable). */
    const char *ret = "metrics_retention = 30,90,730\nmetrics_retention_namespace = 1,2,3 App/Web Tier\n"
                      "metrics_retention_namespace = 7,7,400 AWS/EC2\n";
    T_EQ_INT(sw_config_parse(&c, ret, strlen(ret), err, sizeof err), 0);
    T_EQ_INT(c.metrics_keep_days[0], 30);
    T_EQ_INT(c.metrics_keep_days[2], 730);
    T_EQ_INT(c.n_metrics_ns_keep, 2);
    T_EQ_STR(c.metrics_ns_keep[0].ns, "App/Web Tier");
    T_EQ_INT(c.metrics_ns_keep[1].days[1], 7);
    static const char *bad_ret[] = {"metrics_retention = 15,63", "metrics_retention = 15,10,455",
                                    "metrics_retention = 0,63,455", "metrics_retention = 15,63,455 X",
                                    "metrics_retention_namespace = 15,63,455", "metrics_retention_namespace = 15,63,455X",
                                    "metrics_retention = 15,63,40000"};
    for (size_t i = 0; i < sizeof bad_ret / sizeof *bad_ret; i++)
        T_EQ_INT(sw_config_parse(&c, bad_ret[i], strlen(bad_ret[i]), err, sizeof err), -1);
}

static void gz(const char *in, size_t n, sw_buf *out) {
    z_stream zs = {0};
    deflateInit2(&zs, 9, Z_DEFLATED, 31, 9, Z_DEFAULT_STRATEGY);
    sw_buf_reserve(out, deflateBound(&zs, n) + 64);
    zs.next_in = (Bytef *)in;
    zs.avail_in = (uInt)n;
    zs.next_out = (Bytef *)out->data;
    zs.avail_out = (uInt)out->cap;
    deflate(&zs, Z_FINISH);
    out->len = zs.total_out;
    deflateEnd(&zs);
}

static void test_gzip_round_trip_and_bomb(void) {
    char *zeros = calloc(1, 4 << 20);
    sw_buf z, out;
    sw_buf_init(&z);
    sw_buf_init(&out);
    gz(zeros, 4 << 20, &z);
    char err[128];
    T_EQ_INT(sw_gunzip(z.data, z.len, 8 << 20, &out, err, sizeof err), 0);
    T_EQ_INT(out.len, 4 << 20);
    sw_buf_reset(&out);
    T_EQ_INT(sw_gunzip(z.data, z.len, 1 << 20, &out, err, sizeof err), -2); /* a bomb: 4 MiB from a few KiB */
    T_ASSERT(out.len <= (1u << 20));
    sw_buf_reset(&out);
    T_EQ_INT(sw_gunzip(z.data, z.len / 2, 8 << 20, &out, err, sizeof err), -1);
    sw_buf_reset(&out);
    T_EQ_INT(sw_gunzip("not gzip", 8, 8 << 20, &out, err, sizeof err), -1);
    free(zeros);
    sw_buf_free(&z);
    sw_buf_free(&out);
}

#define WAL_HDR 16 /* "SWWAL002" and the salt */

static int count_records(const uint8_t *p, size_t n, void *arg) {
    (*(int *)arg)++;
    return n == 5 && memcmp(p, "hello", 5) == 0 ? 0 : -1;
}

static void test_wal_replay_and_torn_tail(void) {
    char dir[] = "/tmp/sw-wal-XXXXXX", path[64], err[256];
    T_ASSERT(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/t.wal", dir);
    int n = 0;
    sw_wal *w = sw_wal_open(path, count_records, &n, err, sizeof err);
    T_ASSERT(w != NULL);
    uint64_t lsn = 0;
    for (int i = 0; i < 100; i++) lsn = sw_wal_append(w, "hello", 5);
    T_EQ_INT(sw_wal_sync(w, lsn), 0);
    sw_wal_close(w);
    int fd = open(path, O_WRONLY | O_APPEND);
    T_ASSERT(write(fd, "\x05\x00\x00\x00\x01\x02\x03\x04hel", 11) == 11);
    close(fd);
    n = 0;
    w = sw_wal_open(path, count_records, &n, err, sizeof err);
    T_EQ_INT(n, 100);
    T_EQ_INT(sw_wal_size(w), WAL_HDR + 100 * 13);
    sw_wal_close(w);
    fd = open(path, O_WRONLY | O_TRUNC);
    T_ASSERT(write(fd, "NOTAWAL!", 8) == 8);
    close(fd);
    T_ASSERT(sw_wal_open(path, count_records, &n, err, sizeof err) == NULL);
    T_ASSERT(strstr(err, "bad magic") != NULL);
    unlink(path);
    rmdir(dir);
}

typedef struct { uint64_t off[8], len[8]; int n; } damage_list;

static void note_damage(uint64_t off, uint64_t len, int refused, void *arg) {
    damage_list *d = arg;
    if (d->n < 8) { d->off[d->n] = off; d->len[d->n] = len; }
    d->n++;
}

/* One flipped payload byte and one flipped length field in the middle of a log: the two records are
 * skipped and saved aside, every record after them is replayed, and fsck's check sees the same. */
static void test_wal_mid_log_damage_is_isolated(void) {
    char dir[] = "/tmp/sw-wal-XXXXXX", path[64], saved[128], err[256];
    T_ASSERT(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/t.wal", dir);
    int n = 0;
    sw_wal *w = sw_wal_open(path, count_records, &n, err, sizeof err);
    uint64_t lsn = 0;
    for (int i = 0; i < 100; i++) lsn = sw_wal_append(w, "hello", 5);
    T_EQ_INT(sw_wal_sync(w, lsn), 0);
    sw_wal_close(w);
    int fd = open(path, O_WRONLY);
    uint64_t r10 = WAL_HDR + 10 * 13, r50 = WAL_HDR + 50 * 13;
    T_ASSERT(pwrite(fd, "J", 1, (off_t)(r10 + 8 + 1)) == 1);      /* "hJllo": checksum fails */
    T_ASSERT(pwrite(fd, "\xff\xff", 2, (off_t)(r50 + 2)) == 2);  /* a length past the file */
    close(fd);
    damage_list d = {{0}, {0}, 0};
    uint64_t records, size, torn;
    T_EQ_INT(sw_wal_check(path, note_damage, &d, &records, &size, &torn, err, sizeof err), 0);
    T_EQ_INT(records, 98);
    T_EQ_INT(torn, 0);
    T_EQ_INT(d.n, 2);
    T_EQ_INT(d.off[0], r10);
    T_EQ_INT(d.len[0], 13);
    T_EQ_INT(d.off[1], r50);
    T_EQ_INT(d.len[1], 13);
    n = 0;
    w = sw_wal_open(path, count_records, &n, err, sizeof err);
    T_ASSERT(w != NULL);
    T_EQ_INT(n, 98);
    T_EQ_INT(sw_wal_replayed(w), 98);
    T_EQ_INT(sw_wal_size(w), WAL_HDR + 100 * 13); /* nothing cut */
    snprintf(saved, sizeof saved, "%s.damaged-%llu", path, (unsigned long long)r10);
    struct stat st;
    T_ASSERT(stat(saved, &st) == 0 && st.st_size == 13 && (st.st_mode & 0777) == 0600);
    unlink(saved);
    snprintf(saved, sizeof saved, "%s.damaged-%llu", path, (unsigned long long)r50);
    T_ASSERT(stat(saved, &st) == 0 && st.st_size == 13);
    unlink(saved);
    T_EQ_INT(sw_wal_sync(w, sw_wal_append(w, "hello", 5)), 0);
    sw_wal_close(w);
    n = 0;
    w = sw_wal_open(path, count_records, &n, err, sizeof err);
    T_EQ_INT(n, 99);
    sw_wal_close(w);
    /* A record the reader refuses is skipped, not the end of the log. */
    w = sw_wal_open(path, NULL, NULL, err, sizeof err);
    T_EQ_INT(sw_wal_sync(w, sw_wal_append(w, "other", 5)), 0);
    T_EQ_INT(sw_wal_sync(w, sw_wal_append(w, "hello", 5)), 0);
    sw_wal_close(w);
    n = 0;
    w = sw_wal_open(path, count_records, &n, err, sizeof err);
    T_EQ_INT(sw_wal_replayed(w), 100);
    sw_wal_close(w);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    T_EQ_INT(system(cmd), 0);
}

static void fill_hello(uint8_t *dst, void *arg) { memcpy(dst, "hello", 5); }

/* A reused log file (sw_wal_open_reusing, sw_wal_rotate with a spare): its old records, still intact under
 * the old salt, never replay; the new records do; a file of the first format is still read and appended. */
static void test_wal_reuse_and_first_format(void) {
    char dir[] = "/tmp/sw-wal-XXXXXX", a[64], b[64], c[64], live[64], sealed[64], err[256];
    int fd;
    T_ASSERT(mkdtemp(dir) != NULL);
    snprintf(a, sizeof a, "%s/a.wal", dir), snprintf(b, sizeof b, "%s/b.wal", dir), snprintf(c, sizeof c, "%s/c.wal", dir);
    snprintf(live, sizeof live, "%s/live.wal", dir), snprintf(sealed, sizeof sealed, "%s/live.wal.1", dir);
    int n = 0;
    sw_wal *w = sw_wal_open(a, count_records, &n, err, sizeof err);
    uint64_t lsn = 0;
    for (int i = 0; i < 100; i++) lsn = sw_wal_append(w, "hello", 5);
    T_EQ_INT(sw_wal_sync(w, lsn), 0);
    sw_wal_close(w);
    /* a becomes b: empty at first, two records after, the old 98 after them never replayed */
    w = sw_wal_open_reusing(b, a, dir, err, sizeof err);
    T_ASSERT(w != NULL);
    struct stat st;
    T_ASSERT(stat(a, &st) != 0 && stat(b, &st) == 0 && st.st_size == WAL_HDR + 100 * 13);
    T_EQ_INT(sw_wal_sync(w, sw_wal_append(w, "hello", 5)), 0);
    T_EQ_INT(sw_wal_sync(w, sw_wal_append_fill(w, 5, fill_hello, NULL)), 0);
    sw_wal_close(w);
    T_ASSERT(sw_wal_is_reused(b));
    uint64_t records, size, torn;
    T_EQ_INT(sw_wal_check(b, NULL, NULL, &records, &size, &torn, err, sizeof err), 0);
    T_EQ_INT(records, 2);
    T_EQ_INT(torn, 98 * 13);
    n = 0;
    w = sw_wal_open(b, count_records, &n, err, sizeof err);
    T_EQ_INT(n, 2);
    T_EQ_INT(sw_wal_size(w), WAL_HDR + 2 * 13); /* the old contents are cut at open */
    sw_wal_close(w);
    /* a reused file with no records of its own ends right after its header (an empty header marks the end),
     * so the old contents are never searched for records */
    w = sw_wal_open_reusing(a, b, dir, err, sizeof err);
    T_ASSERT(w != NULL && sw_wal_is_reused(a));
    sw_wal_close(w);
    T_EQ_INT(sw_wal_check(a, NULL, NULL, &records, &size, &torn, err, sizeof err), 0);
    T_EQ_INT(records, 0);
    T_EQ_INT(torn, size - WAL_HDR);
    uint8_t mark[8] = {1};
    fd = open(a, O_RDONLY);
    T_ASSERT(pread(fd, mark, 8, WAL_HDR) == 8 && !memcmp(mark, "\0\0\0\0\0\0\0\0", 8));
    close(fd);
    T_EQ_INT(rename(a, b), 0);
    /* no spare: a new file */
    w = sw_wal_open_reusing(c, a, dir, err, sizeof err);
    T_ASSERT(w != NULL && !sw_wal_is_reused(c));
    sw_wal_close(w);
    /* rotation onto the spare b: the live log moves to sealed with its record; the new live log is b's file */
    n = 0;
    w = sw_wal_open(live, count_records, &n, err, sizeof err);
    T_EQ_INT(sw_wal_sync(w, sw_wal_append(w, "hello", 5)), 0);
    T_EQ_INT(sw_wal_rotate(w, live, sealed, dir, b), 0);
    T_ASSERT(stat(b, &st) != 0 && sw_wal_is_reused(live));
    T_EQ_INT(sw_wal_sync(w, sw_wal_append(w, "hello", 5)), 0);
    sw_wal_close(w);
    n = 0;
    w = sw_wal_open(sealed, count_records, &n, err, sizeof err);
    T_EQ_INT(n, 1);
    sw_wal_close(w);
    n = 0;
    w = sw_wal_open(live, count_records, &n, err, sizeof err);
    T_EQ_INT(n, 1);
    sw_wal_close(w);
    /* the first format: "SWWAL001", checksums without a salt */
    fd = open(a, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    uint8_t rec[13] = {5, 0, 0, 0};
    uint32_t crc = sw_crc32c(sw_crc32c(0, rec, 4), "hello", 5);
    memcpy(rec + 4, &crc, 4), memcpy(rec + 8, "hello", 5);
    T_ASSERT(write(fd, "SWWAL001", 8) == 8 && write(fd, rec, 13) == 13);
    close(fd);
    n = 0;
    w = sw_wal_open(a, count_records, &n, err, sizeof err);
    T_EQ_INT(n, 1);
    T_EQ_INT(sw_wal_sync(w, sw_wal_append(w, "hello", 5)), 0);
    sw_wal_close(w);
    n = 0;
    w = sw_wal_open(a, count_records, &n, err, sizeof err);
    T_EQ_INT(n, 2);
    T_EQ_INT(sw_wal_size(w), 8 + 2 * 13);
    sw_wal_close(w);
    /* a header torn before it was complete starts afresh; a short file of anything else is not a log */
    fd = open(a, O_WRONLY | O_TRUNC);
    T_ASSERT(write(fd, "SWWAL002\x01\x02", 10) == 10);
    close(fd);
    w = sw_wal_open(a, count_records, &n, err, sizeof err);
    T_ASSERT(w != NULL && sw_wal_size(w) == WAL_HDR);
    sw_wal_close(w);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    T_EQ_INT(system(cmd), 0);
}

static void test_crc32c_known_values(void) {
    /* RFC 3720 B.4 test vectors; the hardware and table paths must agree. */
    unsigned char zeros[32] = {0}, ones[32];
    memset(ones, 0xFF, sizeof ones);
    T_EQ_INT(sw_crc32c(0, zeros, 32), 0x8A9136AA);
    T_EQ_INT(sw_crc32c(0, ones, 32), 0x62A8AB43);
    T_EQ_INT(sw_crc32c(0, "123456789", 9), 0xE3069283);
    T_EQ_INT(sw_crc32c(sw_crc32c(0, "1234", 4), "56789", 5), 0xE3069283);
}


/* Doubles print in the fewest significant digits that read back as the same double (15, 16 or 17, as the printf
 * loop finds them), now mostly without printf: every printed number must read back exactly, and the digit count
 * must match the reference except in rare near-halfway cases where it may be one longer. */
static void test_double_printing_round_trips(void) {
    uint64_t x = 0x243F6A8885A308D3ull;
    size_t longer = 0, n = 200000;
    sw_buf b;
    sw_buf_init(&b);
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        double d;
        if (i % 3 == 0) { uint64_t bits = x; memcpy(&d, &bits, 8); if (!isfinite(d)) continue; }
        else d = ((double)(x >> 11) / 9007199254740992.0 - 0.3) * pow(10, (int)(x % 40) - 20);
        sw_buf_reset(&b);
        sw_buf_put_double(&b, d);
        double back = strtod(b.data, NULL);
        if (back != d) { T_FAIL_("%.17g printed as %s", d, b.data); break; }
        char ref[40];
        for (int prec = 15; prec <= 17; prec++) {
            snprintf(ref, sizeof ref, "%.*g", prec, d);
            if (strtod(ref, NULL) == d) break;
        }
        size_t dig = 0, rdig = 0;
        for (const char *p = b.data; *p && *p != 'e'; p++) dig += *p >= '0' && *p <= '9';
        for (const char *p = ref; *p && *p != 'e'; p++) rdig += *p >= '0' && *p <= '9';
        if (dig > rdig) longer++;
    }
    sw_test_checks++;
    T_ASSERT(longer * 1000 < n); /* at most 0.1% one digit longer */
    sw_buf_reset(&b);
    sw_buf_put_double(&b, 0.1 + 0.2);
    T_EQ_STR(b.data, "0.30000000000000004");
    sw_buf_reset(&b);
    sw_buf_put_double(&b, 1.0 / 3);
    T_EQ_STR(b.data, "0.3333333333333333");
    sw_buf_reset(&b);
    sw_buf_put_double(&b, -2.5e-7);
    T_EQ_STR(b.data, "-2.5e-07");
    sw_buf_reset(&b);
    sw_buf_put_double(&b, 123456.7890123);
    T_EQ_STR(b.data, "123456.7890123");
    sw_buf_free(&b);
}

/* sw_buf_put_i64 / sw_buf_put_u64_dec write what printf's %lld and %llu write, extremes included. */
static void test_integer_printing_matches_printf(void) {
    static const int64_t fixed[] = {0, 1, -1, 9, 10, -10, 99, 100, 1764800000000LL, -1764800000000LL, INT64_MAX, INT64_MIN, INT64_MIN + 1};
    uint64_t x = 0x9E3779B97F4A7C15ull;
    sw_buf b;
    sw_buf_init(&b);
    char ref[48];
    for (size_t i = 0; i < 100000 + sizeof fixed / sizeof fixed[0]; i++) {
        int64_t v;
        if (i < sizeof fixed / sizeof fixed[0]) v = fixed[i];
        else { x ^= x << 13, x ^= x >> 7, x ^= x << 17; v = (int64_t)(x >> (x % 64)); if (x & 1) v = -v; }
        sw_buf_reset(&b);
        sw_buf_put_i64(&b, v);
        snprintf(ref, sizeof ref, "%lld", (long long)v);
        if (strcmp(b.data, ref) != 0) { T_FAIL_("%s printed as %s", ref, b.data); break; }
        sw_buf_reset(&b);
        sw_buf_put_u64_dec(&b, (uint64_t)v);
        snprintf(ref, sizeof ref, "%llu", (unsigned long long)(uint64_t)v);
        if (strcmp(b.data, ref) != 0) { T_FAIL_("%s printed as %s", ref, b.data); break; }
    }
    sw_test_checks++;
    sw_buf_reset(&b);
    sw_buf_put_u64_dec(&b, UINT64_MAX);
    T_EQ_STR(b.data, "18446744073709551615");
    sw_buf_free(&b);
}

sw_test_case sw_tests[] = {
    {"integer_printing_matches_printf", test_integer_printing_matches_printf},
    {"double_printing_round_trips", test_double_printing_round_trips},
    {"crc32c_known_values", test_crc32c_known_values},
    {"form_nested_paths", test_form_nested_paths},
    {"coerce_query_lists_and_types", test_coerce_query_lists_and_types},
    {"coerce_errors_are_aws_shaped", test_coerce_errors_are_aws_shaped},
    {"time_parse_and_format", test_time_parse_and_format},
    {"stat_names_and_percentiles", test_stat_names_and_percentiles},
    {"extended_statistics", test_extended_statistics},
    {"config_keys_and_errors", test_config_keys_and_errors},
    {"gzip_round_trip_and_bomb", test_gzip_round_trip_and_bomb},
    {"wal_replay_and_torn_tail", test_wal_replay_and_torn_tail},
    {"wal_mid_log_damage_is_isolated", test_wal_mid_log_damage_is_isolated},
    {"wal_reuse_and_first_format", test_wal_reuse_and_first_format},
    {NULL, NULL},
};
#include "test_main.h"
