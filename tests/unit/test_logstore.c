/* test_logstore.c -- the CloudWatch Logs storage engine: catalog, paging, reads, filters, block skipping,
 * retention, restarts, crashes (a child killed mid-ingest) and damaged files. */
#include "test.h"
#include "clock.h"
#include "filter.h"
#include "logstore.h"
#include "logstore_int.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const sw_log_scope A = {"111111111111", "us-east-1"};
static const sw_log_scope B = {"222222222222", "us-east-1"};
static const sw_log_scope A2 = {"111111111111", "eu-west-1"};

static char *tmpdir(void) {
    static char dir[64];
    snprintf(dir, sizeof dir, "/tmp/sw-logstore-XXXXXX");
    if (!mkdtemp(dir)) abort();
    return dir;
}

static void rmdir_all(const char *dir) {
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", dir);
}

static sw_logstore *open_store(const char *dir) {
    char err[256] = "";
    sw_logstore *s = sw_logstore_open(dir, err, sizeof err);
    if (!s) fprintf(stderr, "open: %s\n", err);
    return s;
}

/* A store holding group "g" of account A with one or two streams (stream2 NULL: one). */
static sw_logstore *open_group(const char *dir, const char *stream, const char *stream2) {
    sw_logstore *s = open_store(dir);
    sw_logstore_create_group(s, &A, "g", 1);
    sw_logstore_create_stream(s, &A, "g", stream, 1);
    if (stream2) sw_logstore_create_stream(s, &A, "g", stream2, 1);
    return s;
}

/* ---------- collectors ---------- */

typedef struct got_event { char stream[64]; int64_t ts; char msg[256]; uint64_t id; } got_event;
typedef struct got { got_event ev[4096]; size_t n; char names[64][64]; size_t nnames; } got;

static void on_stream_event(const sw_log_event *e, uint64_t id, void *arg) {
    got *g = arg;
    if (g->n >= 4096) return;
    got_event *o = &g->ev[g->n++];
    o->stream[0] = 0, o->ts = e->timestamp_ms, o->id = id;
    snprintf(o->msg, sizeof o->msg, "%.*s", (int)e->len, e->message);
}

static void on_group_event(const char *stream, const sw_log_event *e, uint64_t id, void *arg) {
    got *g = arg;
    on_stream_event(e, id, arg);
    snprintf(g->ev[g->n - 1].stream, 64, "%s", stream);
}

static void on_group(const sw_log_group_info *gi, void *arg) {
    got *g = arg;
    snprintf(g->names[g->nnames++], 64, "%s", gi->name);
}

static char last_cursor[600];
static void on_stream(const sw_log_stream_info *st, void *arg) {
    got *g = arg;
    snprintf(g->names[g->nnames++], 64, "%s", st->name);
    snprintf(last_cursor, sizeof last_cursor, "%s", st->cursor);
}

static int put1(sw_logstore *s, const sw_log_scope *sc, const char *g, const char *st, int64_t ts, const char *msg) {
    sw_log_event e = {ts, 0, msg, strlen(msg)};
    return sw_logstore_put(s, sc, g, st, &e, 1, ts);
}

static long read_all(sw_logstore *s, const sw_log_scope *sc, const char *g, const char *st, int fwd, got *out) {
    uint64_t first = 0, last = 0;
    out->n = 0;
    return sw_logstore_read_stream(s, sc, g, st, INT64_MIN, INT64_MAX, fwd, fwd ? 0 : UINT64_MAX, 100000, 1 << 30,
                                   on_stream_event, out, &first, &last);
}

static long filter_all(sw_logstore *s, const sw_log_scope *sc, const char *g, const char *pattern, got *out) {
    sw_filter *f = pattern ? sw_filter_compile(pattern, strlen(pattern), NULL, 0) : NULL;
    uint64_t next = 0;
    out->n = 0;
    long n = sw_logstore_filter(s, sc, g, NULL, 0, NULL, INT64_MIN, INT64_MAX, f, 0, 100000, 1 << 30, on_group_event, out, &next);
    sw_filter_free(f);
    return n;
}

/* ---------- catalog ---------- */

static void test_groups_crud_and_paging(void) {
    char *dir = tmpdir();
    sw_logstore *s = open_store(dir);
    const char *names[] = {"/b/app", "/a/app", "/a/web", "c", "/a/db"};
    for (int i = 0; i < 5; i++) T_EQ_INT(sw_logstore_create_group(s, &A, names[i], 1000 + i), 0);
    T_EQ_INT(sw_logstore_create_group(s, &A, "/a/app", 1), -EEXIST);
    T_EQ_INT(sw_logstore_create_group(s, &A, "", 1), -EINVAL);
    T_EQ_INT(sw_logstore_create_group(s, &B, "/a/app", 1), 0);   /* other account: no clash */
    T_EQ_INT(sw_logstore_create_group(s, &A2, "/a/app", 1), 0);  /* other region: no clash */
    got g = {0};
    int more = 0;
    T_EQ_INT(sw_logstore_list_groups(s, &A, NULL, NULL, 100, on_group, &g, &more), 5);
    T_EQ_STR(g.names[0], "/a/app");
    T_EQ_STR(g.names[1], "/a/db");
    T_EQ_STR(g.names[2], "/a/web");
    T_EQ_STR(g.names[3], "/b/app");
    T_EQ_STR(g.names[4], "c");
    T_EQ_INT(more, 0);
    g.nnames = 0;
    T_EQ_INT(sw_logstore_list_groups(s, &A, "/a/", NULL, 2, on_group, &g, &more), 2);
    T_EQ_INT(more, 1);
    T_EQ_INT(sw_logstore_list_groups(s, &A, "/a/", g.names[1], 2, on_group, &g, &more), 1);
    T_EQ_STR(g.names[2], "/a/web");
    T_EQ_INT(more, 0);
    g.nnames = 0;
    T_EQ_INT(sw_logstore_list_groups(s, &B, NULL, NULL, 10, on_group, &g, &more), 1);
    T_EQ_INT(sw_logstore_delete_group(s, &A, "/a/db"), 0);
    T_EQ_INT(sw_logstore_delete_group(s, &A, "/a/db"), -ENOENT);
    sw_log_group_info gi;
    T_EQ_INT(sw_logstore_group_info(s, &A, "/a/db", &gi), -ENOENT);
    T_EQ_INT(sw_logstore_group_info(s, &A, "/a/web", &gi), 0);
    T_EQ_INT(gi.creation_ms, 1002);
    T_EQ_INT(sw_logstore_set_retention(s, &A, "/a/web", 7), 0);
    T_EQ_INT(sw_logstore_set_retention(s, &A, "/nope", 7), -ENOENT);
    T_EQ_INT(sw_logstore_set_tag(s, &A, "/a/web", "team", "core"), 0);
    T_EQ_INT(sw_logstore_set_tag(s, &A, "/a/web", "env", "prod"), 0);
    T_EQ_INT(sw_logstore_delete_tag(s, &A, "/a/web", "nope"), -ENOENT);
    for (int i = 0; i < 48; i++) {
        char k[16];
        snprintf(k, sizeof k, "k%d", i);
        T_EQ_INT(sw_logstore_set_tag(s, &A, "/a/web", k, "v"), 0);
    }
    T_EQ_INT(sw_logstore_set_tag(s, &A, "/a/web", "one-too-many", "v"), -ENOSPC);
    T_EQ_INT(sw_logstore_set_tag(s, &A, "/a/web", "team", "platform"), 0);  /* replacing is fine at the limit */
    T_EQ_INT(sw_logstore_put_metric_filter(s, &A, "/a/web", "errors", "{\"p\":\"ERROR\"}", 13, 2), 0);
    T_EQ_INT(sw_logstore_put_metric_filter(s, &A, "/a/web", "fatal", "\x00\x01\x02", 3, 2), 0);
    T_EQ_INT(sw_logstore_put_metric_filter(s, &A, "/a/web", "third", "x", 1, 2), -ENOSPC);
    T_EQ_INT(sw_logstore_delete_metric_filter(s, &A, "/a/web", "nope"), -ENOENT);
    sw_logstore_close(s);

    s = open_store(dir);  /* everything above survives a restart */
    g.nnames = 0;
    T_EQ_INT(sw_logstore_list_groups(s, &A, NULL, NULL, 100, on_group, &g, &more), 4);
    T_EQ_INT(sw_logstore_group_info(s, &A, "/a/web", &gi), 0);
    T_EQ_INT(gi.retention_days, 7);
    T_EQ_INT(gi.metric_filters, 2);
    sw_logstore_close(s);
    rmdir_all(dir);
}

typedef struct kv_got { char k[8][32], v[8][64]; size_t vlen[8]; int n; } kv_got;
static void on_tag(const char *k, const char *v, void *arg) {
    kv_got *g = arg;
    if (g->n < 8) snprintf(g->k[g->n], 32, "%s", k), snprintf(g->v[g->n], 64, "%s", v), g->n++;
}
static void on_mf(const char *name, const char *blob, size_t len, void *arg) {
    kv_got *g = arg;
    if (g->n < 8) snprintf(g->k[g->n], 32, "%s", name), memcpy(g->v[g->n], blob, len), g->vlen[g->n++] = len;
}

static void test_tags_and_metric_filters_persist(void) {
    char *dir = tmpdir();
    sw_logstore *s = open_store(dir);
    T_EQ_INT(sw_logstore_create_group(s, &A, "g", 1), 0);
    T_EQ_INT(sw_logstore_set_tag(s, &A, "g", "team", "core"), 0);
    T_EQ_INT(sw_logstore_set_tag(s, &A, "g", "env", "prod"), 0);
    T_EQ_INT(sw_logstore_delete_tag(s, &A, "g", "team"), 0);
    T_EQ_INT(sw_logstore_put_metric_filter(s, &A, "g", "b", "\x00\x01\x02", 3, 10), 0);
    T_EQ_INT(sw_logstore_put_metric_filter(s, &A, "g", "a", "blob-a", 6, 10), 0);
    T_EQ_INT(sw_logstore_put_metric_filter(s, &A, "g", "a", "blob-a2", 7, 10), 0);
    sw_logstore_close(s);
    s = open_store(dir);
    kv_got t = {0}, m = {0};
    T_EQ_INT(sw_logstore_list_tags(s, &A, "g", on_tag, &t), 1);
    T_EQ_STR(t.k[0], "env");
    T_EQ_STR(t.v[0], "prod");
    T_EQ_INT(sw_logstore_list_metric_filters(s, &A, "g", on_mf, &m), 2);
    T_EQ_STR(m.k[0], "a");
    T_EQ_INT(m.vlen[0], 7);
    T_ASSERT(memcmp(m.v[0], "blob-a2", 7) == 0);
    T_EQ_INT(m.vlen[1], 3);
    T_ASSERT(memcmp(m.v[1], "\x00\x01\x02", 3) == 0);
    T_EQ_INT(sw_logstore_list_tags(s, &A, "nope", on_tag, &t), -ENOENT);
    T_EQ_INT(sw_logstore_list_metric_filters(s, &B, "g", on_mf, &m), -ENOENT);
    sw_logstore_close(s);
    rmdir_all(dir);
}

static void test_streams_crud_listing_order(void) {
    char *dir = tmpdir();
    sw_logstore *s = open_store(dir);
    T_EQ_INT(sw_logstore_create_stream(s, &A, "g", "s", 1), -ENOENT);
    T_EQ_INT(sw_logstore_create_group(s, &A, "g", 1), 0);
    const char *names[] = {"web-2", "web-1", "db-1", "web-3"};
    for (int i = 0; i < 4; i++) T_EQ_INT(sw_logstore_create_stream(s, &A, "g", names[i], 10 + i), 0);
    T_EQ_INT(sw_logstore_create_stream(s, &A, "g", "web-1", 1), -EEXIST);
    T_EQ_INT(put1(s, &A, "g", "web-2", 500, "x"), 0);
    T_EQ_INT(put1(s, &A, "g", "db-1", 300, "y"), 0);
    T_EQ_INT(put1(s, &A, "g", "web-3", 400, "z"), 0);
    got g = {0};
    int more;
    sw_log_stream_query q = {NULL, 0, 0, NULL};
    T_EQ_INT(sw_logstore_list_streams(s, &A, "g", &q, 100, on_stream, &g, &more), 4);
    T_EQ_STR(g.names[0], "db-1");
    T_EQ_STR(g.names[3], "web-3");
    g.nnames = 0;
    q = (sw_log_stream_query){"web-", 0, 1, NULL};  /* descending, prefix, paged by 2 */
    T_EQ_INT(sw_logstore_list_streams(s, &A, "g", &q, 2, on_stream, &g, &more), 2);
    T_EQ_INT(more, 1);
    q.after = last_cursor;
    T_EQ_INT(sw_logstore_list_streams(s, &A, "g", &q, 2, on_stream, &g, &more), 1);
    T_EQ_INT(more, 0);
    T_EQ_STR(g.names[0], "web-3");
    T_EQ_STR(g.names[1], "web-2");
    T_EQ_STR(g.names[2], "web-1");
    g.nnames = 0;
    q = (sw_log_stream_query){NULL, 1, 0, NULL};  /* by last event time: no events first */
    T_EQ_INT(sw_logstore_list_streams(s, &A, "g", &q, 2, on_stream, &g, &more), 2);
    q.after = last_cursor;
    T_EQ_INT(sw_logstore_list_streams(s, &A, "g", &q, 10, on_stream, &g, &more), 2);
    T_EQ_STR(g.names[0], "web-1");
    T_EQ_STR(g.names[1], "db-1");
    T_EQ_STR(g.names[2], "web-3");
    T_EQ_STR(g.names[3], "web-2");
    q.after = "garbage";
    T_EQ_INT(sw_logstore_list_streams(s, &A, "g", &q, 10, on_stream, &g, &more), -EINVAL);
    T_EQ_INT(sw_logstore_delete_stream(s, &A, "g", "web-2"), 0);
    T_EQ_INT(sw_logstore_delete_stream(s, &A, "g", "web-2"), -ENOENT);
    T_EQ_INT(put1(s, &A, "g", "web-2", 1, "x"), -ENOENT);
    T_EQ_INT(sw_logstore_create_stream(s, &A, "g", "web-2", 99), 0);  /* recreated: starts empty */
    T_EQ_INT(read_all(s, &A, "g", "web-2", 1, &g), 0);
    T_EQ_INT(filter_all(s, &A, "g", NULL, &g), 2);
    sw_logstore_close(s);
    rmdir_all(dir);
}

/* ---------- events ---------- */

static void put_range(sw_logstore *s, const sw_log_scope *sc, const char *g, const char *st, int from, int to, int step) {
    for (int i = from; i < to; i += step) {
        char m[64];
        snprintf(m, sizeof m, "%s event %d", st, i);
        T_EQ_INT(put1(s, sc, g, st, 1000 + i, m), 0);
    }
}

static void test_read_stream_forward_backward_cursors(void) {
    char *dir = tmpdir();
    sw_logstore *s = open_group(dir, "s", "other");
    put_range(s, &A, "g", "s", 0, 50, 1);
    T_EQ_INT(sw_logstore_flush(s), 0);  /* half in a segment, half in the head */
    put_range(s, &A, "g", "s", 50, 100, 1);
    put_range(s, &A, "g", "other", 0, 100, 1);
    /* A late event: older timestamp, arrives last; reads order by time. */
    T_EQ_INT(put1(s, &A, "g", "s", 1000 + 10, "late"), 0);
    got g = {0};
    T_EQ_INT(read_all(s, &A, "g", "s", 1, &g), 101);
    T_EQ_STR(g.ev[0].msg, "s event 0");
    T_EQ_STR(g.ev[10].msg, "s event 10");
    T_EQ_STR(g.ev[11].msg, "late");
    T_EQ_STR(g.ev[100].msg, "s event 99");
    /* Forward pages of 30 with cursors. */
    uint64_t pos = 0, first = 0, last = 0;
    size_t total = 0;
    got page = {0};
    for (int i = 0; i < 10; i++) {
        page.n = 0;
        long n = sw_logstore_read_stream(s, &A, "g", "s", INT64_MIN, INT64_MAX, 1, pos, 30, 1 << 20, on_stream_event, &page, &first, &last);
        if (n <= 0) break;
        T_EQ_STR(page.ev[0].msg, g.ev[total].msg);
        total += (size_t)n;
        pos = last;
    }
    T_EQ_INT(total, 101);
    /* Backward from the end: the newest 30 in ascending order, then the 30 before them. */
    page.n = 0;
    T_EQ_INT(sw_logstore_read_stream(s, &A, "g", "s", INT64_MIN, INT64_MAX, 0, UINT64_MAX, 30, 1 << 20, on_stream_event, &page, &first, &last), 30);
    T_EQ_STR(page.ev[0].msg, "s event 70");
    T_EQ_STR(page.ev[29].msg, "s event 99");
    page.n = 0;
    T_EQ_INT(sw_logstore_read_stream(s, &A, "g", "s", INT64_MIN, INT64_MAX, 0, first, 30, 1 << 20, on_stream_event, &page, &first, &last), 30);
    T_EQ_STR(page.ev[29].msg, "s event 69");
    /* Time range [1020, 1025) and a byte limit. */
    page.n = 0;
    T_EQ_INT(sw_logstore_read_stream(s, &A, "g", "s", 1020, 1025, 1, 0, 100, 1 << 20, on_stream_event, &page, &first, &last), 5);
    page.n = 0;
    T_EQ_INT(sw_logstore_read_stream(s, &A, "g", "s", INT64_MIN, INT64_MAX, 1, 0, 100, 3 * (26 + 10), on_stream_event, &page, &first, &last), 3);
    /* Errors: a missing stream, a position of another stream, a position from the future. */
    T_EQ_INT(sw_logstore_read_stream(s, &A, "g", "nope", INT64_MIN, INT64_MAX, 1, 0, 10, 1 << 20, on_stream_event, &page, &first, &last), -ENOENT);
    got o = {0};
    read_all(s, &A, "g", "other", 1, &o);
    T_EQ_INT(sw_logstore_read_stream(s, &A, "g", "s", INT64_MIN, INT64_MAX, 1, o.ev[0].id, 10, 1 << 20, on_stream_event, &page, &first, &last), -EINVAL);
    T_EQ_INT(sw_logstore_read_stream(s, &A, "g", "s", INT64_MIN, INT64_MAX, 1, 1u << 30, 10, 1 << 20, on_stream_event, &page, &first, &last), -EINVAL);
    sw_logstore_stats st;
    sw_logstore_get_stats(s, &st);
    T_EQ_INT(st.segments, 1);
    sw_logstore_close(s);
    rmdir_all(dir);
}

static void test_filter_merge_order_limits_cursors(void) {
    char *dir = tmpdir();
    sw_logstore *s = open_store(dir);
    sw_logstore_create_group(s, &A, "g", 1);
    const char *streams[] = {"c", "a", "b"};
    for (int i = 0; i < 3; i++) sw_logstore_create_stream(s, &A, "g", streams[i], 1);
    /* Interleaved timestamps; equal timestamps across streams tie by stream (creation), then arrival. */
    for (int i = 0; i < 60; i++) {
        char m[64];
        snprintf(m, sizeof m, "%s %d %s", streams[i % 3], i / 3, i % 7 == 0 ? "ERROR boom" : "INFO ok");
        T_EQ_INT(put1(s, &A, "g", streams[i % 3], 1000 + i / 3, m), 0);
        if (i == 30) sw_logstore_flush(s);
    }
    got g = {0};
    T_EQ_INT(filter_all(s, &A, "g", NULL, &g), 60);
    for (size_t i = 1; i < g.n; i++) T_ASSERT(g.ev[i - 1].ts <= g.ev[i].ts);
    T_EQ_STR(g.ev[0].stream, "c");  /* created first: lowest stream order at a tie */
    T_EQ_STR(g.ev[1].stream, "a");
    T_EQ_STR(g.ev[2].stream, "b");
    T_EQ_INT(filter_all(s, &A, "g", "ERROR", &g), 9);
    for (size_t i = 0; i < g.n; i++) T_ASSERT(strstr(g.ev[i].msg, "ERROR") != NULL);
    /* Paging by 7 through the cursor returns the same sequence. */
    got all = {0};
    filter_all(s, &A, "g", NULL, &all);
    uint64_t cur = 0, next = 0;
    size_t total = 0;
    do {
        got p = {0};
        long n = sw_logstore_filter(s, &A, "g", NULL, 0, NULL, INT64_MIN, INT64_MAX, NULL, cur, 7, 1 << 20, on_group_event, &p, &next);
        T_ASSERT(n > 0);
        for (long i = 0; i < n; i++) T_EQ_STR(p.ev[i].msg, all.ev[total + (size_t)i].msg);
        total += (size_t)n;
        cur = next;
    } while (next && total < 100);
    T_EQ_INT(total, 60);
    /* Stream selection: names, prefix; and the time range. */
    const char *sel[] = {"a", "b", "nope"};
    got p = {0};
    T_EQ_INT(sw_logstore_filter(s, &A, "g", sel, 3, NULL, INT64_MIN, INT64_MAX, NULL, 0, 100, 1 << 20, on_group_event, &p, &next), 40);
    p.n = 0;
    T_EQ_INT(sw_logstore_filter(s, &A, "g", NULL, 0, "c", 1005, 1010, NULL, 0, 100, 1 << 20, on_group_event, &p, &next), 5);
    T_EQ_INT(next, 0);
    T_EQ_INT(sw_logstore_filter(s, &A, "nope", NULL, 0, NULL, INT64_MIN, INT64_MAX, NULL, 0, 100, 1 << 20, on_group_event, &p, &next), -ENOENT);
    T_EQ_INT(sw_logstore_filter(s, &B, "g", NULL, 0, NULL, INT64_MIN, INT64_MAX, NULL, 0, 100, 1 << 20, on_group_event, &p, &next), -ENOENT);
    sw_logstore_close(s);
    rmdir_all(dir);
}

/* Many blocks of ordinary lines and one rare token: a search must decompress only the block holding it. */
static void test_block_skipping_skips(void) {
    char *dir = tmpdir();
    sw_logstore *s = open_group(dir, "s", NULL);
    static sw_log_event ev[4000];
    static char msgs[4000][300];
    int64_t ts = 1000000;
    for (int batch = 0; batch < 8; batch++) {  /* ~1.1 MB per batch: about one block each */
        for (int i = 0; i < 4000; i++) {
            int n = snprintf(msgs[i], sizeof msgs[i], "10.0.%d.%d - - [GET /api/v1/items/%d HTTP/1.1] 200 %d \"Mozilla/5.0 (X11; Linux x86_64)\" rt=%d.%03d user=u%05d %s",
                             batch, i % 250, i * 7 + batch, i * 13 % 9000, i % 3, i % 1000, (i * 31 + batch) % 50000,
                             batch == 5 && i == 1234 ? "kaboom_unique_token" : "padding-padding-padding-padding-padding-padding-padding-padding-padding");
            ev[i] = (sw_log_event){ts++, 0, msgs[i], (size_t)n};
        }
        T_EQ_INT(sw_logstore_put(s, &A, "g", "s", ev, 4000, ts), 0);
    }
    T_EQ_INT(sw_logstore_flush(s), 0);
    sw_logstore_stats before, after;
    sw_logstore_get_stats(s, &before);
    T_ASSERT(before.segments >= 1);
    got g = {0};
    T_EQ_INT(filter_all(s, &A, "g", "kaboom_unique_token", &g), 1);
    T_ASSERT(strstr(g.ev[0].msg, "kaboom_unique_token") != NULL);
    sw_logstore_get_stats(s, &after);
    T_EQ_INT(after.blocks_read - before.blocks_read, 1);
    T_ASSERT(after.blocks_skipped - before.blocks_skipped >= 5);
    /* A phrase, a term that is nowhere, and a time range limited to one batch also skip. */
    sw_logstore_get_stats(s, &before);
    T_EQ_INT(filter_all(s, &A, "g", "\"zebra crossing\"", &g), 0);
    sw_logstore_get_stats(s, &after);
    T_EQ_INT(after.blocks_read - before.blocks_read, 0);
    uint64_t next;
    got p = {0};
    sw_logstore_get_stats(s, &before);
    T_EQ_INT(sw_logstore_filter(s, &A, "g", NULL, 0, NULL, 1000000 + 4000 * 2 + 10, 1000000 + 4000 * 2 + 20, NULL, 0, 100, 1 << 20,
                                on_group_event, &p, &next), 10);
    sw_logstore_get_stats(s, &after);
    T_ASSERT(after.blocks_read - before.blocks_read <= 2);
    /* Patterns that give no required terms (OR) read every block and still find the event. */
    T_EQ_INT(filter_all(s, &A, "g", "?kaboom_unique_token ?zebra", &g), 1);
    /* storedBytes: compressed, far below the raw bytes. */
    sw_log_group_info gi;
    sw_logstore_group_info(s, &A, "g", &gi);
    T_ASSERT(gi.stored_bytes > 0 && gi.stored_bytes < 8 * 4000 * 150 / 3);
    sw_logstore_close(s);
    rmdir_all(dir);
}

/* Order checks for the error-block test: every event once, in the merge's order. */
typedef struct order_check { size_t n, bad; int64_t last_ts; uint64_t id_sum; } order_check;

static void on_ordered(const sw_log_event *e, uint64_t id, void *arg) {
    order_check *o = arg;
    if (o->n && e->timestamp_ms < o->last_ts) o->bad++;
    o->last_ts = e->timestamp_ms, o->id_sum += id, o->n++;
}

static void on_ordered_group(const char *stream, const sw_log_event *e, uint64_t id, void *arg) { on_ordered(e, id, arg); }

/* Events naming an error severity are packed into blocks of their own: a search for ERROR reads only those
 * blocks, and every read still returns each event once, in time order, across both kinds of block. */
static void test_error_events_packed_apart(void) {
    char *dir = tmpdir();
    sw_logstore *s = open_group(dir, "a", "b");
    static sw_log_event ev[4000];
    static char msgs[4000][300];
    size_t errors = 0, total = 0;
    /* Space-delimited patterns: an equality a field must meet is a literal the event holds, so it skips
     * blocks too (the first one reads only error blocks); each must find what the matcher finds. */
    const char *delim[] = {"[date, time, level = ERROR, ...]", "[date, time, level = INFO, thread = \"exec-17\", ...]",
                           "[date, time, level = INFO || level = WARN, thread = exec-1*, ...]", "[d, t, l, th, c, dash, r, id = 1*, ...]"};
    enum { ND = sizeof delim / sizeof delim[0] };
    sw_filter *df[ND];
    long dwant[ND] = {0};
    for (int k = 0; k < ND; k++) T_ASSERT((df[k] = sw_filter_compile(delim[k], strlen(delim[k]), NULL, 0)) != NULL);
    for (int batch = 0; batch < 8; batch++) {  /* ~1.1 MB per batch */
        for (int i = 0; i < 4000; i++) {
            const char *level = i % 50 == 7 ? "ERROR" : i % 97 == 3 ? "WARN java.lang.IllegalStateException" : "INFO";
            errors += i % 50 == 7;
            int n = snprintf(msgs[i], sizeof msgs[i], "2026-12-03 10:%02d:%02d,%03d %s [exec-%d] com.example.Cart - request %d done in %d ms padding-padding-padding-padding-padding-padding-padding-padding-padding-padding-padding-padding-padding-padding",
                             batch, i / 1000, i % 1000, level, i % 200, batch * 4000 + i, i * 7 % 3000);
            ev[i] = (sw_log_event){1000000 + (int64_t)batch * 4000 + i, 0, msgs[i], (size_t)n};
            for (int k = 0; k < ND; k++) dwant[k] += sw_filter_match(df[k], msgs[i], (size_t)n);
        }
        T_EQ_INT(sw_logstore_put(s, &A, "g", batch % 2 ? "b" : "a", ev, 4000, 2000000), 0);
        total += 4000;
    }
    T_EQ_INT(sw_logstore_flush(s), 0);
    sw_logstore_stats before, after;
    sw_logstore_get_stats(s, &before);
    T_ASSERT(before.segments >= 1);
    got g = {0};
    T_EQ_INT(filter_all(s, &A, "g", "ERROR", &g), (long)errors);
    sw_logstore_get_stats(s, &after);
    /* ~40 KB of ERROR events and ~20 KB naming an Exception: one block, two at most; 6 or more otherwise */
    T_ASSERT(after.blocks_read - before.blocks_read <= 2);
    T_ASSERT(after.blocks_skipped - before.blocks_skipped >= 5); /* mixed, every block would hold ERROR events */
    for (size_t i = 1; i < g.n; i++) T_ASSERT(g.ev[i].ts >= g.ev[i - 1].ts);
    T_ASSERT(strstr(g.ev[0].msg, "ERROR") != NULL);
    T_EQ_INT(dwant[0], (long)errors);
    for (int k = 0; k < ND; k++) {
        T_ASSERT(dwant[k] > 0);
        sw_logstore_get_stats(s, &before);
        T_EQ_INT(filter_all(s, &A, "g", delim[k], &g), dwant[k]);
        sw_logstore_get_stats(s, &after);
        if (k == 0) T_ASSERT(after.blocks_read - before.blocks_read <= 2 && after.blocks_skipped - before.blocks_skipped >= 5);
        sw_filter_free(df[k]);
    }
    /* Everything, across the error blocks and the others: each event once, in order, both directions. */
    uint64_t want_sum = 0;
    for (size_t i = 1; i <= total; i++) want_sum += i;
    order_check all = {0};
    uint64_t next = 0;
    T_EQ_INT(sw_logstore_filter(s, &A, "g", NULL, 0, NULL, INT64_MIN, INT64_MAX, NULL, 0, 100000, 1 << 30, on_ordered_group, &all, &next),
             (long)total);
    T_EQ_INT(all.n, total);
    T_EQ_INT(all.bad, 0);
    T_EQ_INT(all.id_sum, want_sum);
    /* Paged: each page opens blocks ahead of the merge and drops what it did not need; the pages still
     * give every event once, in order. */
    order_check paged = {0};
    next = 0;
    int pages = 0;
    do {
        long n = sw_logstore_filter(s, &A, "g", NULL, 0, NULL, INT64_MIN, INT64_MAX, NULL, next, 777, 1 << 30,
                                    on_ordered_group, &paged, &next);
        T_ASSERT(n > 0);
        pages++;
    } while (next && pages < 100);
    T_EQ_INT(paged.n, total);
    T_EQ_INT(paged.bad, 0);
    T_EQ_INT(paged.id_sum, want_sum);
    for (int fwd = 1; fwd >= 0; fwd--) {
        order_check one = {0};
        uint64_t first = 0, last = 0;
        T_EQ_INT(sw_logstore_read_stream(s, &A, "g", "a", INT64_MIN, INT64_MAX, fwd, fwd ? 0 : UINT64_MAX, 100000, 1 << 30,
                                         on_ordered, &one, &first, &last), (long)total / 2);
        T_EQ_INT(one.bad, 0);
    }
    /* A term in both kinds of event reads every block and finds all of them. */
    order_check ms = {0};
    sw_filter *f = sw_filter_compile("\"done in\"", 9, NULL, 0);
    T_EQ_INT(sw_logstore_filter(s, &A, "g", NULL, 0, NULL, INT64_MIN, INT64_MAX, f, 0, 100000, 1 << 30, on_ordered_group, &ms, &next),
             (long)total);
    T_EQ_INT(ms.bad, 0);
    sw_filter_free(f);
    sw_logstore_close(s);
    rmdir_all(dir);
}

/* JSON events without a backslash are packed in blocks flagged free of escapes, whose token filters a JSON
 * pattern's literal then rules out; events that could spell the literal with escapes are still found. */
static void test_json_search_skips_clean_blocks(void) {
    char *dir = tmpdir();
    sw_logstore *s = open_group(dir, "a", NULL);
    static sw_log_event ev[4000];
    static char msgs[4000][300];
    size_t want = 0;
    for (int batch = 0; batch < 8; batch++) {  /* ~1 MB per batch */
        for (int i = 0; i < 4000; i++) {
            /* ERROR plainly (error blocks), ERROR spelled with an escape (backslash blocks), other levels */
            const char *level = i % 50 == 7 ? "ERROR" : i % 211 == 5 ? "\\u0045RROR" : i % 3 ? "INFO" : "WARN";
            want += i % 50 == 7 || i % 211 == 5;
            int n = snprintf(msgs[i], sizeof msgs[i], "{\"time\":\"2026-12-03T10:%02d:%02d.%03dZ\",\"level\":\"%s\",\"logger\":\"com.example.Cart\",\"thread\":\"exec-%d\",\"msg\":\"request %d done in %d ms\",\"pad\":\"padding-padding-padding-padding-padding-padding-padding-padding-padding-padding\"}",
                             batch, i / 1000, i % 1000, level, i % 200, batch * 4000 + i, i * 7 % 3000);
            ev[i] = (sw_log_event){1000000 + (int64_t)batch * 4000 + i, 0, msgs[i], (size_t)n};
        }
        T_EQ_INT(sw_logstore_put(s, &A, "g", "a", ev, 4000, 2000000), 0);
    }
    T_EQ_INT(sw_logstore_flush(s), 0);
    sw_logstore_stats before, after;
    sw_logstore_get_stats(s, &before);
    got *g = calloc(1, sizeof *g);
    T_EQ_INT(filter_all(s, &A, "g", "{ $.level = \"ERROR\" }", g), (long)want);
    sw_logstore_get_stats(s, &after);
    /* ~50 KB of ERROR events and ~40 KB of escaped ones: two blocks, three at most; 7 or more in all */
    T_ASSERT(after.blocks_read - before.blocks_read <= 3);
    T_ASSERT(after.blocks_skipped - before.blocks_skipped >= 6);
    int escaped = 0;
    for (size_t i = 0; i < g->n; i++) {
        escaped += strstr(g->ev[i].msg, "\\u0045RROR") != NULL;
        if (i) T_ASSERT(g->ev[i].ts > g->ev[i - 1].ts);
    }
    T_EQ_INT(escaped, 8 * (4000 / 211 + (4000 % 211 > 5)));
    /* A literal the escape-free blocks hold is found in all of them, and != reads every block. */
    long warn = 0;
    for (int i = 0; i < 4000; i++) warn += !(i % 50 == 7 || i % 211 == 5) && i % 3 == 0;
    T_EQ_INT(filter_all(s, &A, "g", "{ $.level = \"WARN\" }", g), 8 * warn);
    sw_filter *f = sw_filter_compile("{ $.level != \"INFO\" }", 21, NULL, 0);
    uint64_t next = 0;
    order_check oc = {0};
    long n = sw_logstore_filter(s, &A, "g", NULL, 0, NULL, INT64_MIN, INT64_MAX, f, 0, 100000, 1 << 30, on_ordered_group, &oc, &next);
    T_EQ_INT(oc.bad, 0);
    long info = 0;
    for (int i = 0; i < 4000; i++) info += !(i % 50 == 7 || i % 211 == 5) && i % 3;
    T_EQ_INT(n, 8 * (4000 - info));
    sw_filter_free(f);
    free(g);
    sw_logstore_close(s);
    rmdir_all(dir);
}

static void test_retention_fixed_clock(void) {
    char *dir = tmpdir();
    int64_t day = 86400000, t0 = 1700000000000;
    sw_clock_set_ms(t0);
    sw_logstore *s = open_store(dir);
    sw_logstore_create_group(s, &A, "g", t0);
    sw_logstore_create_stream(s, &A, "g", "s", t0);
    T_EQ_INT(put1(s, &A, "g", "s", t0 - 10 * day, "old"), 0);
    T_EQ_INT(sw_logstore_flush(s), 0);
    T_EQ_INT(put1(s, &A, "g", "s", t0 - 2 * day, "recent"), 0);
    T_EQ_INT(sw_logstore_flush(s), 0);
    T_EQ_INT(put1(s, &A, "g", "s", t0 - 9 * day, "old but in the head"), 0);
    T_EQ_INT(put1(s, &A, "g", "s", t0, "now"), 0);
    got g = {0};
    T_EQ_INT(read_all(s, &A, "g", "s", 1, &g), 4);
    T_EQ_INT(sw_logstore_set_retention(s, &A, "g", 7), 0);
    T_EQ_INT(read_all(s, &A, "g", "s", 1, &g), 2);  /* hidden at once */
    T_EQ_STR(g.ev[0].msg, "recent");
    T_EQ_INT(filter_all(s, &A, "g", NULL, &g), 2);
    sw_log_group_info before, after;
    sw_logstore_group_info(s, &A, "g", &before);
    T_EQ_INT(sw_logstore_apply_retention(s, sw_clock_now_ms()), 1);
    sw_logstore_group_info(s, &A, "g", &after);
    T_ASSERT(after.stored_bytes < before.stored_bytes);
    sw_logstore_stats st;
    sw_logstore_get_stats(s, &st);
    T_EQ_INT(st.segments, 1);
    sw_clock_advance_ms(6 * day);  /* "recent" is now 8 days old */
    T_EQ_INT(read_all(s, &A, "g", "s", 1, &g), 1);
    T_EQ_INT(sw_logstore_apply_retention(s, sw_clock_now_ms()), 1);
    sw_logstore_close(s);
    s = open_store(dir);
    T_EQ_INT(read_all(s, &A, "g", "s", 1, &g), 1);
    T_EQ_STR(g.ev[0].msg, "now");
    sw_logstore_close(s);
    sw_clock_set_ms(-1);
    rmdir_all(dir);
}

/* The file's last 8 bytes: "SWSEGEND" (packed at LS_ZSTD_LEVEL), or "SWSEGLZ4" (packed fast; "SWSEGFST" before) or
 * "SWSEGLIV" (packed at LS_ZSTD_LIVE), both rewritten when idle. */
static int seg_footers(const char *dir, int *dense, int *fast) {
    char cmd[512], line[512];
    snprintf(cmd, sizeof cmd, "find '%s' -name 'seg-*.sws'", dir);
    FILE *p = popen(cmd, "r");
    *dense = *fast = 0;
    while (p && fgets(line, sizeof line, p)) {
        line[strcspn(line, "\n")] = 0;
        FILE *f = fopen(line, "rb");
        char end[9] = "";
        if (f && fseek(f, -8, SEEK_END) == 0 && fread(end, 1, 8, f) == 8) {
            if (strcmp(end, "SWSEGEND") == 0) (*dense)++;
            if (strcmp(end, "SWSEGFST") == 0 || strcmp(end, "SWSEGLZ4") == 0 || strcmp(end, "SWSEGLIV") == 0) (*fast)++;
        }
        if (f) fclose(f);
    }
    if (p) pclose(p);
    return *dense + *fast;
}

/* Flushers behind pack at the fast level; once idle they rewrite those segments at LS_ZSTD_LEVEL in place:
 * same events and ids, smaller files, and a restart reads them. */
static void test_fast_segments_rewritten_when_idle(void) {
    char *dir = tmpdir();
    sw_logstore *s = open_store(dir);
    pthread_mutex_lock(&s->fq_lock);
    s->fast_backlog = 0; /* as if always behind */
    s->rewrite_quiet_ms = 0;
    pthread_mutex_unlock(&s->fq_lock);
    sw_logstore_create_group(s, &A, "g", 1);
    sw_logstore_create_stream(s, &A, "g", "s", 1);
    static sw_log_event ev[4000];
    static char msgs[4000][200];
    int64_t ts = 1000000;
    for (int batch = 0; batch < 3; batch++) {
        for (int i = 0; i < 4000; i++) {
            int n = snprintf(msgs[i], sizeof msgs[i], "{\"level\":\"%s\",\"req\":%d,\"path\":\"/api/v1/items/%d\",\"ms\":%d}",
                             i % 40 ? "INFO" : "ERROR", batch * 4000 + i, i * 7919 % 100000, i * 31 % 997);
            ev[i] = (sw_log_event){ts++, 0, msgs[i], (size_t)n};
        }
        T_EQ_INT(sw_logstore_put(s, &A, "g", "s", ev, 4000, ts), 0);
        T_EQ_INT(sw_logstore_flush(s), 0); /* one segment per batch */
    }
    static got before, after, errors, again; /* 1.4 MB each: not on the stack */
    long n0 = read_all(s, &A, "g", "s", 1, &before);
    T_EQ_INT(n0, 3 * 4000);
    int dense = 0, fast = 0;
    for (int i = 0; i < 500 && atomic_load(&s->rewritten) < 3; i++) usleep(10000);
    T_EQ_INT(atomic_load(&s->rewritten), 3);
    T_EQ_INT(seg_footers(dir, &dense, &fast), 3);
    T_EQ_INT(dense, 3);
    T_EQ_INT(fast, 0);
    T_EQ_INT(read_all(s, &A, "g", "s", 1, &after), n0);
    for (size_t i = 0; i < after.n; i++) {
        T_EQ_STR(after.ev[i].msg, before.ev[i].msg);
        T_EQ_INT(after.ev[i].id, before.ev[i].id);
        T_EQ_INT(after.ev[i].ts, before.ev[i].ts);
    }
    T_EQ_INT(filter_all(s, &A, "g", "{ $.level = \"ERROR\" }", &errors), 300);
    sw_logstore_close(s);
    s = open_store(dir);
    T_EQ_INT(read_all(s, &A, "g", "s", 1, &again), n0);
    T_EQ_STR(again.ev[again.n - 1].msg, before.ev[before.n - 1].msg);
    sw_logstore_close(s);
    rmdir_all(dir);
}

/* Idle rewrites wait until no put has come for the quiet period, on the injectable clock. */
static void test_rewrite_waits_for_quiet(void) {
    char *dir = tmpdir();
    int64_t t0 = 1700000000000;
    sw_clock_set_ms(t0);
    sw_logstore *s = open_store(dir);
    pthread_mutex_lock(&s->fq_lock);
    s->fast_backlog = 0;
    s->rewrite_quiet_ms = 200;
    pthread_mutex_unlock(&s->fq_lock);
    sw_logstore_create_group(s, &A, "g", t0);
    sw_logstore_create_stream(s, &A, "g", "s", t0);
    T_EQ_INT(put1(s, &A, "g", "s", t0, "packed fast, then rewritten"), 0);
    T_EQ_INT(sw_logstore_flush(s), 0);
    usleep(500000); /* the flusher looked more than once: the clock stands still, so it is never quiet */
    T_EQ_INT(atomic_load(&s->rewritten), 0);
    sw_clock_advance_ms(200);
    for (int i = 0; i < 500 && atomic_load(&s->rewritten) < 1; i++) usleep(10000);
    T_EQ_INT(atomic_load(&s->rewritten), 1);
    got g = {0};
    T_EQ_INT(read_all(s, &A, "g", "s", 1, &g), 1);
    T_EQ_STR(g.ev[0].msg, "packed fast, then rewritten");
    sw_logstore_close(s);
    sw_clock_set_ms(-1);
    rmdir_all(dir);
}

static void test_restart_keeps_everything(void) {
    char *dir = tmpdir();
    sw_logstore *s = open_store(dir);
    sw_logstore_create_group(s, &A, "g", 5);
    sw_logstore_create_stream(s, &A, "g", "s1", 6);
    sw_logstore_create_stream(s, &A, "g", "s2", 7);
    put_range(s, &A, "g", "s1", 0, 40, 1);
    sw_logstore_flush(s);
    put_range(s, &A, "g", "s2", 0, 40, 2);  /* stays in the write-ahead log */
    sw_log_group_info gi0;
    sw_logstore_group_info(s, &A, "g", &gi0);
    got all0 = {0};
    filter_all(s, &A, "g", NULL, &all0);
    sw_logstore_close(s);
    for (int round = 0; round < 2; round++) {  /* the second open sees what the first one's flush made */
        s = open_store(dir);
        got all = {0};
        T_EQ_INT(filter_all(s, &A, "g", NULL, &all), 60 + round);
        for (size_t i = 0; i < all.n && i < all0.n; i++) {
            T_EQ_STR(all.ev[i].msg, all0.ev[i].msg);
            T_EQ_INT(all.ev[i].id, all0.ev[i].id);
        }
        got g = {0};
        int more;
        sw_log_stream_query q = {NULL, 0, 0, NULL};
        T_EQ_INT(sw_logstore_list_streams(s, &A, "g", &q, 10, on_stream, &g, &more), 2);
        sw_log_group_info gi;
        sw_logstore_group_info(s, &A, "g", &gi);
        T_EQ_INT(gi.creation_ms, 5);
        T_ASSERT(gi.stored_bytes > 0);
        /* New events get new ids after a restart. */
        T_EQ_INT(put1(s, &A, "g", "s1", 5000 + round, "after restart"), 0);
        read_all(s, &A, "g", "s1", 0, &g);
        T_ASSERT(g.ev[g.n - 1].id > all0.ev[all0.n - 1].id);
        sw_logstore_close(s);
    }
    rmdir_all(dir);
}

/* A child ingests, reporting each acknowledged put through a pipe, and is killed at a random moment
 * (or exits without closing); every acknowledged event must be there after open. */
static void crash_run(int kill_it, unsigned seed) {
    char *dir = tmpdir();
    int fds[2];
    if (pipe(fds)) abort();
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        sw_logstore *s = open_store(dir);
        sw_logstore_create_group(s, &A, "g", 1);
        sw_logstore_create_stream(s, &A, "g", "s", 1);
        static char msg[2000];
        memset(msg, 'x', sizeof msg);
        for (int i = 0; i < 100000; i++) {
            sw_log_event ev[50];
            char head[32];
            for (int k = 0; k < 50; k++) ev[k] = (sw_log_event){i * 50 + k, 0, msg, 100 + (size_t)((i * 50 + k) % 1800)};
            snprintf(head, sizeof head, "%010d", i);
            memcpy(msg, head, 10);
            if (sw_logstore_put(s, &A, "g", "s", ev, 50, 1) != 0) _exit(2);
            if (write(fds[1], &i, sizeof i) != sizeof i) _exit(3);
            if (!kill_it && i == 300) _exit(0);  /* no close: the log must carry everything */
        }
        _exit(0);
    }
    close(fds[1]);
    srand(seed);
    if (kill_it) {
        usleep(200000 + (useconds_t)(rand() % 400000));
        kill(pid, SIGKILL);
    }
    int status;
    waitpid(pid, &status, 0);
    int acked = -1, v;
    while (read(fds[0], &v, sizeof v) == sizeof v) acked = v;
    close(fds[0]);
    T_ASSERT(acked > 0);
    sw_logstore *s = open_store(dir);
    T_ASSERT(s != NULL);
    if (s) {
        uint64_t first, last;
        got g = {0};
        long n = sw_logstore_read_stream(s, &A, "g", "s", INT64_MIN, INT64_MAX, 0, UINT64_MAX, 1, 1 << 20, on_stream_event, &g, &first, &last);
        T_EQ_INT(n, 1);
        /* The newest event is at least the last acknowledged one, and every event up to it is there. */
        T_ASSERT(g.ev[0].ts >= (int64_t)acked * 50 + 49);
        got p = {0};
        n = sw_logstore_read_stream(s, &A, "g", "s", (int64_t)acked * 50, (int64_t)acked * 50 + 50, 1, 0, 100, 1 << 30, on_stream_event, &p, &first, &last);
        T_EQ_INT(n, 50);
        char head[32];
        snprintf(head, sizeof head, "%010d", acked);
        T_ASSERT(p.n > 0 && strncmp(p.ev[0].msg, head, 10) == 0);
        sw_logstore_stats st;
        sw_logstore_get_stats(s, &st);
        size_t count = 0;
        int64_t lo = 0;
        for (;;) {  /* count every event in pages: no gaps, no duplicates */
            p.n = 0;
            n = sw_logstore_read_stream(s, &A, "g", "s", lo, INT64_MAX, 1, 0, 4000, 1 << 30, on_stream_event, &p, &first, &last);
            if (n <= 0) break;
            for (long i = 0; i < n; i++) {
                if (p.ev[i].ts != (int64_t)count) { T_EQ_INT(p.ev[i].ts, count); break; }
                count++;
            }
            lo = p.ev[n - 1].ts + 1;
        }
        T_ASSERT(count >= (size_t)acked * 50 + 50);
        sw_logstore_close(s);
    }
    rmdir_all(dir);
}

static void test_crash_keeps_acknowledged_events(void) {
    crash_run(0, 1);
    crash_run(1, 2);
    crash_run(1, 3);
}

static char *find_file(const char *dir, const char *prefix, char *out, size_t n) {
    char gdir[128];
    snprintf(gdir, sizeof gdir, "%s/groups", dir);
    DIR *d = opendir(gdir);
    struct dirent *e;
    char sub[400] = "";
    while (d && (e = readdir(d)))
        if (e->d_name[0] != '.') snprintf(sub, sizeof sub, "%s/%s", gdir, e->d_name);
    if (d) closedir(d);
    d = opendir(sub);
    out[0] = 0;
    while (d && (e = readdir(d)))
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0) snprintf(out, n, "%s/%s", sub, e->d_name);
    if (d) closedir(d);
    return out;
}

static void test_torn_wal_tail_is_cut(void) {
    char *dir = tmpdir();
    sw_logstore *s = open_group(dir, "s", NULL);
    put_range(s, &A, "g", "s", 0, 20, 1);
    sw_logstore_close(s);
    char wal[512];
    find_file(dir, "wal-", wal, sizeof wal);
    T_ASSERT(wal[0] != 0);
    struct stat st;
    stat(wal, &st);
    T_EQ_INT(truncate(wal, st.st_size - 5), 0);  /* the last record is torn */
    s = open_store(dir);
    got g = {0};
    T_EQ_INT(read_all(s, &A, "g", "s", 1, &g), 19);
    T_EQ_STR(g.ev[18].msg, "s event 18");
    T_EQ_INT(put1(s, &A, "g", "s", 5000, "after repair"), 0);
    sw_logstore_close(s);
    s = open_store(dir);
    T_EQ_INT(read_all(s, &A, "g", "s", 1, &g), 20);
    sw_logstore_close(s);
    rmdir_all(dir);
}

static void flip_byte(const char *path, long off) {
    int fd = open(path, O_RDWR);
    unsigned char c;
    if (pread(fd, &c, 1, off) != 1) abort();
    c ^= 0x5a;
    if (pwrite(fd, &c, 1, off) != 1) abort();
    close(fd);
}

static void test_corrupt_segment_detected(void) {
    char *dir = tmpdir();
    sw_logstore *s = open_group(dir, "s", NULL);
    static char msg[1000];
    memset(msg, 'a', sizeof msg);
    for (int i = 0; i < 3000; i++) {  /* ~3 MB: three blocks */
        snprintf(msg, 20, "%08d", i);
        msg[8] = ' ';
        sw_log_event e = {i, 0, msg, sizeof msg};
        if (sw_logstore_put(s, &A, "g", "s", &e, 1, 1)) break;
    }
    T_EQ_INT(sw_logstore_flush(s), 0);
    sw_logstore_close(s);
    char seg[512];
    find_file(dir, "seg-", seg, sizeof seg);
    flip_byte(seg, 8 + 20);  /* inside the first block's compressed frame */
    s = open_store(dir);
    got *g = calloc(1, sizeof *g);
    long n = read_all(s, &A, "g", "s", 1, g);
    T_ASSERT(n > 1000 && n < 3000);  /* the damaged block's events are gone, the rest readable */
    T_EQ_INT(g->ev[n - 1].ts, 2999);
    sw_logstore_stats st;
    sw_logstore_get_stats(s, &st);
    T_EQ_INT(st.corrupt_blocks, 1);
    sw_logstore_close(s);
    /* A damaged index makes the whole segment unreadable, reported, never a crash. */
    struct stat sb;
    stat(seg, &sb);
    flip_byte(seg, (long)sb.st_size - 40);
    s = open_store(dir);
    T_ASSERT(s != NULL);
    T_EQ_INT(read_all(s, &A, "g", "s", 1, g), 0);
    T_EQ_INT(put1(s, &A, "g", "s", 9999, "still writable"), 0);
    T_EQ_INT(read_all(s, &A, "g", "s", 1, g), 1);
    sw_logstore_close(s);
    free(g);
    rmdir_all(dir);
}

static void test_accounts_and_regions_apart(void) {
    char *dir = tmpdir();
    sw_logstore *s = open_store(dir);
    const sw_log_scope *scopes[] = {&A, &B, &A2};
    for (int i = 0; i < 3; i++) {
        T_EQ_INT(sw_logstore_create_group(s, scopes[i], "shared", 1), 0);
        T_EQ_INT(sw_logstore_create_stream(s, scopes[i], "shared", "s", 1), 0);
        for (int k = 0; k <= i; k++) T_EQ_INT(put1(s, scopes[i], "shared", "s", 100 + k, scopes[i]->account), 0);
    }
    got g = {0};
    for (int i = 0; i < 3; i++) {
        T_EQ_INT(filter_all(s, scopes[i], "shared", NULL, &g), i + 1);
        T_EQ_STR(g.ev[0].msg, scopes[i]->account);
    }
    T_EQ_INT(sw_logstore_delete_group(s, &B, "shared"), 0);
    T_EQ_INT(filter_all(s, &A, "shared", NULL, &g), 1);
    T_EQ_INT(filter_all(s, &A2, "shared", NULL, &g), 3);
    T_EQ_INT(sw_logstore_create_group(s, &B, "shared", 1), 0);  /* recreated: empty */
    sw_logstore_create_stream(s, &B, "shared", "s", 1);
    T_EQ_INT(filter_all(s, &B, "shared", NULL, &g), 0);
    sw_logstore_close(s);
    rmdir_all(dir);
}

/* Puts, reads and stream creation from several threads at once: nothing lost, nothing torn. */
typedef struct thr_arg { sw_logstore *s; int id; } thr_arg;
static void *writer_thread(void *p) {
    thr_arg *a = p;
    char name[16], msg[64];
    snprintf(name, sizeof name, "w%d", a->id);
    sw_logstore_create_stream(a->s, &A, "g", name, 1);
    for (int i = 0; i < 300; i++) {
        snprintf(msg, sizeof msg, "thread %d event %d", a->id, i);
        sw_log_event e = {i, 0, msg, strlen(msg)};
        if (sw_logstore_put(a->s, &A, "g", name, &e, 1, 1)) return (void *)1;
        if (i % 100 == 0) {
            got *g = calloc(1, sizeof *g);
            filter_all(a->s, &A, "g", "thread", g);
            free(g);
        }
    }
    return NULL;
}

static void test_concurrent_puts_and_reads(void) {
    char *dir = tmpdir();
    sw_logstore *s = open_store(dir);
    sw_logstore_create_group(s, &A, "g", 1);
    pthread_t t[8];
    thr_arg args[8];
    for (int i = 0; i < 8; i++) args[i] = (thr_arg){s, i}, pthread_create(&t[i], NULL, writer_thread, &args[i]);
    for (int i = 0; i < 8; i++) {
        void *rv;
        pthread_join(t[i], &rv);
        T_ASSERT(rv == NULL);
        if (i == 3) sw_logstore_flush(s);
    }
    got *g = calloc(1, sizeof *g);
    T_EQ_INT(filter_all(s, &A, "g", NULL, g), 2400);
    sw_logstore_close(s);
    free(g);
    rmdir_all(dir);
}

/* FilterLogEvents through the store passes exactly the events the matcher passes, from the head and from
 * packed blocks (token filters, block skipping, stream merge): messages over a tiny alphabet put terms at
 * starts, ends, inside, and across the newline between two messages; counts are compared with a
 * brute-force count over the messages. */
/* The store's FilterLogEvents count for pattern over group g equals the matcher's over msgs[0..n). */
static void check_agreement(sw_logstore *s, const char *pattern, char (*msgs)[96], char (*short_msgs)[24], int n, int round) {
    sw_filter *f = sw_filter_compile(pattern, strlen(pattern), NULL, 0);
    T_ASSERT(f != NULL);
    if (!f) return;
    long want = 0;
    for (int i = 0; i < n; i++) {
        const char *m = msgs ? msgs[i] : short_msgs[i];
        want += sw_filter_match(f, m, strlen(m));
    }
    sw_filter_free(f);
    got *g = calloc(1, sizeof *g);
    long got_n = filter_all(s, &A, "g", pattern, g);
    free(g);
    if (got_n != want) fprintf(stderr, "  pattern %s (%s): %ld events, want %ld\n", pattern, round ? "segments" : "head", got_n, want);
    T_EQ_INT(got_n, want);
}

static void test_store_filter_agrees_with_the_matcher(void) {
    char *dir = tmpdir();
    sw_logstore *s = open_group(dir, "s1", "s2");
    enum { N = 3000 };
    static char msgs[N][24];
    static sw_log_event ev[N];
    uint32_t x = 12345;
    for (int i = 0; i < N; i++) {
        int len = 1 + (int)(x % 12);
        for (int k = 0; k < len; k++) {
            x = x * 1103515245u + 12345u;
            msgs[i][k] = "abAB \"E"[(x >> 16) % 7];
        }
        msgs[i][len] = 0;
        ev[i] = (sw_log_event){1000 + i, 0, msgs[i], (size_t)len};
    }
    T_EQ_INT(sw_logstore_put(s, &A, "g", "s1", ev, N / 2, 1000), 0);
    T_EQ_INT(sw_logstore_put(s, &A, "g", "s2", ev + N / 2, N - N / 2, 1000), 0);
    const char *patterns[] = {"ab", "ABa", "a b", "\"b A\"", "ab -AB", "Ea bA", "aaaa", "bE", "ab ?BA", "E"};
    for (int round = 0; round < 2; round++) {
        for (size_t p = 0; p < sizeof patterns / sizeof patterns[0]; p++) check_agreement(s, patterns[p], NULL, msgs, N, round);
        T_EQ_INT(sw_logstore_flush(s), 0); /* the second round reads packed blocks */
    }
    sw_logstore_close(s);
    rmdir_all(dir);
}

/* The same agreement for JSON patterns over JSON events, some of which spell the wanted string with
 * escapes (\u0045RROR) or hold it under another key: the block scan's literal and backslash guard
 * (sw_filter_prefilter) must never drop an event the matcher takes. */
static void test_store_json_filter_agrees_with_the_matcher(void) {
    char *dir = tmpdir();
    sw_logstore *s = open_group(dir, "s1", NULL);
    enum { N = 2000 };
    static char msgs[N][96];
    static sw_log_event ev[N];
    const char *levels[] = {"\"ERROR\"", "\"INFO\"", "\"\\u0045RROR\"", "\"ERR\\u004fR\"", "\"ERRORS\"", "12", "true", "\"xERROR\""};
    const char *others[] = {"\"x\"", "\"y\"", "\"ERROR\"", "null", "\"a\\\"b\""};
    uint32_t x = 777;
    for (int i = 0; i < N; i++) {
        x = x * 1103515245u + 12345u;
        int n = i % 17 == 0 ? snprintf(msgs[i], sizeof msgs[i], "ERROR plain text %u", x % 100)
                            : snprintf(msgs[i], sizeof msgs[i], "{\"level\":%s,\"a\":%s,\"n\":%u}", levels[(x >> 8) % 8],
                                       others[(x >> 12) % 5], (x >> 20) % 20);
        ev[i] = (sw_log_event){1000 + i, 0, msgs[i], (size_t)n};
    }
    T_EQ_INT(sw_logstore_put(s, &A, "g", "s1", ev, N, 1000), 0);
    const char *patterns[] = {"{ $.level = \"ERROR\" }", "{ $.level = \"ERR*\" }", "{ $.level = \"*ROR\" }",
                              "{ $.a = \"x\" && $.level = \"ERROR\" }", "{ $.a = \"x\" || $.level = \"ERROR\" }",
                              "{ $.level != \"ERROR\" }", "{ $.n = 12 }", "{ $.level = 12 }", "{ $.a = \"a\\\"b\" }",
                              "{ $.level IS TRUE }", "ERROR", "\"plain text\""};
    for (int round = 0; round < 2; round++) {
        for (size_t p = 0; p < sizeof patterns / sizeof patterns[0]; p++) check_agreement(s, patterns[p], msgs, NULL, N, round);
        sw_filter *f = sw_filter_compile(patterns[0], strlen(patterns[0]), NULL, 0);
        int escaped = 0; /* the escaped spellings count: the data exercises the guard */
        for (int i = 0; i < N; i++) escaped += strstr(msgs[i], "\\u00") && sw_filter_match(f, msgs[i], strlen(msgs[i]));
        sw_filter_free(f);
        T_ASSERT(escaped > N / 20);
        T_EQ_INT(sw_logstore_flush(s), 0);
    }
    sw_logstore_close(s);
    rmdir_all(dir);
}

sw_test_case sw_tests[] = {
    {"groups_crud_and_paging", test_groups_crud_and_paging},
    {"tags_and_metric_filters_persist", test_tags_and_metric_filters_persist},
    {"streams_crud_listing_order", test_streams_crud_listing_order},
    {"read_stream_forward_backward_cursors", test_read_stream_forward_backward_cursors},
    {"filter_merge_order_limits_cursors", test_filter_merge_order_limits_cursors},
    {"block_skipping_skips", test_block_skipping_skips},
    {"error_events_packed_apart", test_error_events_packed_apart},
    {"json_search_skips_clean_blocks", test_json_search_skips_clean_blocks},
    {"store_filter_agrees_with_the_matcher", test_store_filter_agrees_with_the_matcher},
    {"retention_fixed_clock", test_retention_fixed_clock},
    {"store_json_filter_agrees_with_the_matcher", test_store_json_filter_agrees_with_the_matcher},
    {"fast_segments_rewritten_when_idle", test_fast_segments_rewritten_when_idle},
    {"rewrite_waits_for_quiet", test_rewrite_waits_for_quiet},
    {"restart_keeps_everything", test_restart_keeps_everything},
    {"crash_keeps_acknowledged_events", test_crash_keeps_acknowledged_events},
    {"torn_wal_tail_is_cut", test_torn_wal_tail_is_cut},
    {"corrupt_segment_detected", test_corrupt_segment_detected},
    {"accounts_and_regions_apart", test_accounts_and_regions_apart},
    {"concurrent_puts_and_reads", test_concurrent_puts_and_reads},
    {NULL, NULL},
};

#include "test_main.h"
