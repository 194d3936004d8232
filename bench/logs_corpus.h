/* logs_corpus.h -- the logs benchmark's corpus: access-log lines, JSON lines and Java application logs (with
 * multi-line stack traces), a given share of errors and a rare term, from one random state per stream. Shared by
 * bench/logs_loadgen.c (issue 5's benchmark), bench/logstore_bench.c and bench/ple_decode.c. Header-only: every
 * function is static. */
#ifndef SW_BENCH_LOGS_CORPUS_H
#define SW_BENCH_LOGS_CORPUS_H
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#define LL_RARE "kaboom_rare_7f3a9c"

/* bench/logstore_bench.c's generator, with the random state passed in. */
static uint64_t ll_rnd(uint64_t *s) {
    *s ^= *s << 13, *s ^= *s >> 7, *s ^= *s << 17;
    return *s;
}
static unsigned ll_pick(uint64_t *s, unsigned n) { return (unsigned)(ll_rnd(s) % n); }

static const char *ll_paths[] = {"/api/v1/users", "/api/v1/orders", "/api/v1/cart", "/static/app.js", "/healthz", "/api/v2/search",
                                 "/login", "/api/v1/payments", "/favicon.ico", "/api/v1/inventory/items"};
static const char *ll_agents[] = {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0 Safari/537.36",
                                  "Mozilla/5.0 (Macintosh; Intel Mac OS X 13_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Safari/605.1.15",
                                  "curl/8.4.0", "python-requests/2.31.0", "ELB-HealthChecker/2.0", "okhttp/4.11.0"};
static const char *ll_services[] = {"checkout", "cart", "auth", "search", "inventory", "payments"};
static const char *ll_msgs[] = {"order placed", "cache miss", "user logged in", "payment authorized", "item reserved", "search completed",
                                "token refreshed", "request throttled"};
static const char *ll_classes[] = {"com.example.shop.OrderService", "com.example.shop.PaymentClient", "com.example.shop.CartController",
                                   "com.example.shop.InventoryRepository", "org.springframework.web.servlet.DispatcherServlet"};
static const char *ll_exceptions[] = {"java.lang.IllegalStateException: order already settled",
                                      "java.net.SocketTimeoutException: connect timed out",
                                      "java.sql.SQLTransientConnectionException: HikariPool-1 - Connection is not available, request timed out after 30000ms.",
                                      "java.lang.NullPointerException: Cannot invoke \"String.length()\" because \"name\" is null",
                                      "org.springframework.dao.DataIntegrityViolationException: could not execute statement"};

static void ll_hex(uint64_t *s, char *out, int n) {
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < n; i++) out[i] = digits[ll_pick(s, 16)];
    out[n] = 0;
}

static void ll_clock_text(int64_t ms, char *iso, char *clf, char *app) {
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(iso, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    strftime(clf, 40, "%d/%b/%Y:%H:%M:%S +0000", &tm);
    strftime(app, 32, "%Y-%m-%d %H:%M:%S", &tm);
}

/* One event of the given stream kind (0 access log, 1 JSON, 2 Java) into out; returns its length. */
static int ll_make_event(uint64_t *s, int kind, int64_t ms, int error_pct, int rare, char *out, size_t cap) {
    char iso[32], clf[40], app[32], id[40];
    ll_clock_text(ms, iso, clf, app);
    int err = (int)ll_pick(s, 1000) < error_pct * 10;
    int n = 0;
    ll_hex(s, id, 32);
    if (kind == 0) {
        int status = err ? 500 + (int)ll_pick(s, 4) : (ll_pick(s, 10) ? 200 : 304 - (int)ll_pick(s, 2) * 104);
        n = snprintf(out, cap, "10.%u.%u.%u - - [%s] \"%s %s/%u?page=%u HTTP/1.1\" %d %u \"-\" \"%s\" rt=%u.%03u req_id=%.16s%s%s",
                     ll_pick(s, 8), ll_pick(s, 256), ll_pick(s, 256), clf, ll_pick(s, 5) ? "GET" : "POST", ll_paths[ll_pick(s, 10)],
                     ll_pick(s, 100000), ll_pick(s, 20), status, ll_pick(s, 50000), ll_agents[ll_pick(s, 6)], ll_pick(s, 3),
                     ll_pick(s, 1000), id, err ? " ERROR upstream reset" : "", rare ? " " LL_RARE : "");
    } else if (kind == 1) {
        n = snprintf(out, cap,
                     "{\"ts\":\"%s.%03dZ\",\"level\":\"%s\",\"service\":\"%s\",\"trace_id\":\"%s\",\"msg\":\"%s%s\",\"user_id\":%u,"
                     "\"latency_ms\":%u,\"status\":%d,\"path\":\"%s\"}",
                     iso, (int)(ms % 1000), err ? "ERROR" : ll_pick(s, 10) ? "INFO" : "WARN", ll_services[ll_pick(s, 6)], id,
                     err ? "request failed: connection reset" : ll_msgs[ll_pick(s, 8)], rare ? " " LL_RARE : "", ll_pick(s, 1000000),
                     ll_pick(s, err ? 30000 : 500), err ? 500 + (int)ll_pick(s, 4) : 200, ll_paths[ll_pick(s, 10)]);
    } else {
        const char *cls = ll_classes[ll_pick(s, 5)];
        if (err && ll_pick(s, 2)) {  /* half the errors come with a stack trace */
            n = snprintf(out, cap, "%s,%03d ERROR [http-nio-8080-exec-%u] %s - Failed to process order %u%s\n%s", app, (int)(ms % 1000),
                         ll_pick(s, 200), cls, ll_pick(s, 1000000), rare ? " " LL_RARE : "", ll_exceptions[ll_pick(s, 5)]);
            int frames = 8 + (int)ll_pick(s, 10);
            for (int f = 0; f < frames && n < (int)cap - 200; f++)
                n += snprintf(out + n, cap - (size_t)n, "\n\tat %s.%s(%s.java:%u)", ll_classes[ll_pick(s, 5)],
                              f % 3 ? "invoke" : "handleRequest", "Source", 20 + ll_pick(s, 400));
        } else {
            n = snprintf(out, cap, "%s,%03d %s [http-nio-8080-exec-%u] %s - %s id=%u customer=%u duration=%ums%s%s", app, (int)(ms % 1000),
                         err ? "ERROR" : ll_pick(s, 20) ? "INFO" : "DEBUG", ll_pick(s, 200), cls, ll_msgs[ll_pick(s, 8)],
                         ll_pick(s, 1000000), ll_pick(s, 100000), ll_pick(s, 2000), err ? " timeout=30000" : "", rare ? " " LL_RARE : "");
        }
    }
    return n < (int)cap ? n : (int)cap - 1;
}

#endif
