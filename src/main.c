/* main.c -- the skywatch command line: serve, keys, help. */
#include "alarms.h"
#include "clock.h"
#include "config.h"
#include "fsck.h"
#include "http.h"
#include "keys.h"
#include "log.h"
#include "logstore.h"
#include "metrics.h"
#include "protocol.h"
#include "scheduler.h"
#include "service.h"
#include "sns.h"
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SW_VERSION "0.1.0"

static const char *sw_usage =
    "skywatch " SW_VERSION " -- a self-hosted AWS monitoring plane (CloudWatch wire protocols)\n"
    "\n"
    "Usage:\n"
    "  skywatch serve [--listen ADDR:PORT] [--data DIR] [--config FILE] [--max-connections N]\n"
    "  skywatch keys create [--data DIR] [--account ID] [--trusted]\n"
    "  skywatch keys list   [--data DIR]\n"
    "  skywatch keys delete ACCESS_KEY_ID [--data DIR]\n"
    "  skywatch fsck DIR    read-only check of a data directory; exit 0 intact, 1 damage, 2 unreadable\n"
    "  skywatch --help | --version\n"
    "\n"
    "serve flags (each overrides the config file):\n"
    "  --listen ADDR:PORT   IPv4 address and port to listen on (default 127.0.0.1:4590; port 0 = any free port)\n"
    "  --data DIR           data directory: write-ahead log and key file (default ./skywatch-data)\n"
    "  --config FILE        read settings from FILE (format below)\n"
    "  --max-connections N  concurrent client connections, one thread each (default 1024)\n"
    "  --manual-clock MS    testing: start the clock at epoch milliseconds MS (or 'now') and let only\n"
    "                       POST /_skywatch/clock move it (see docs/operations.md)\n"
    "  --public-url URL     base URL subscribers use to reach this server (default http://ADDR:PORT)\n"
    "\n"
    "Config file: one 'key = value' per line, '#' starts a comment. Keys:\n"
    "  listen = 127.0.0.1:4590       same as --listen\n"
    "  data = /var/lib/skywatch      same as --data\n"
    "  max_connections = 1024        same as --max-connections\n"
    "  max_request_bytes = 8388608   largest request body of any service on the wire (413 past it);\n"
    "                                CloudWatch also applies its own 1 MB PutMetricData limit\n"
    "  max_inflated_bytes = 16777216 largest body after Content-Encoding: gzip\n"
    "  request_log = on              one JSON line per request on stderr (on|off)\n"
    "  manual_clock = now            same as --manual-clock\n"
    "  public_url = http://host:4590 same as --public-url\n"
    "  smtp_url = smtp://127.0.0.1:25  relay for SNS email subscriptions (none by default)\n"
    "  smtp_from = sns@example.com   From address of SNS email\n"
    "  metrics_retention = 15,63,455 days kept of raw samples, 5-minute and 1-hour roll-ups\n"
    "  metrics_retention_namespace = 30,90,730 App/Web   the same for one namespace (repeat per namespace)\n"
    "\n"
    "Credentials: DIR/keys (mode 0600) maps access key id -> secret -> 12-digit account id.\n"
    "  On first start with no key, serve creates one and prints how to export it.\n"
    "  SKYWATCH_ROOT_ACCESS_KEY_ID, SKYWATCH_ROOT_SECRET_ACCESS_KEY [, SKYWATCH_ROOT_ACCOUNT_ID]\n"
    "  define an administrator key (held in memory, trusted to publish AWS/ namespaces).\n"
    "  keys create --trusted makes a key that may publish AWS/ namespaces too.\n";

static volatile sig_atomic_t sw_stop_signal = 0;
static void sw_on_signal(int sig) { sw_stop_signal = sig; }

static void sw_keys_path(const char *dir, char *out, size_t n) { snprintf(out, n, "%s/keys", dir); }

static int sw_mkdir_data(const char *dir) {
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "skywatch: cannot create data directory %s: %s\n", dir, strerror(errno));
        return -1;
    }
    return 0;
}

static void sw_print_export(const sw_key *k, const sw_config *c) {
    printf("skywatch: created access key %s for account %s (stored in %s/keys, mode 0600).\n"
           "Use it with the AWS CLI:\n"
           "  export AWS_ACCESS_KEY_ID=%s\n"
           "  export AWS_SECRET_ACCESS_KEY=%s\n"
           "  export AWS_DEFAULT_REGION=us-east-1\n"
           "  aws --endpoint-url http://%s:%d cloudwatch list-metrics\n",
           k->akid, k->account, c->data_dir, k->akid, k->secret, c->listen_host, c->listen_port);
    fflush(stdout);
}

/* Reads the root key from the environment; returns 1 if one is defined, -1 if it is malformed. */
static int sw_root_key(sw_key *k) {
    const char *id = getenv("SKYWATCH_ROOT_ACCESS_KEY_ID"), *secret = getenv("SKYWATCH_ROOT_SECRET_ACCESS_KEY");
    const char *account = getenv("SKYWATCH_ROOT_ACCOUNT_ID");
    if (!id && !secret) return 0;
    if (!id || !secret || !*id || !*secret || strlen(id) >= sizeof k->akid || strlen(secret) >= sizeof k->secret ||
        (account && !sw_keys_valid_account(account))) return -1;
    memset(k, 0, sizeof *k);
    snprintf(k->akid, sizeof k->akid, "%s", id);
    snprintf(k->secret, sizeof k->secret, "%s", secret);
    snprintf(k->account, sizeof k->account, "%s", account ? account : "123456789012");
    k->trusted = 1;
    return 1;
}

static int sw_serve_keys(sw_keystore *ks, const sw_config *c) {
    sw_key root;
    int r = sw_root_key(&root);
    if (r < 0) {
        fprintf(stderr, "skywatch: SKYWATCH_ROOT_ACCESS_KEY_ID and SKYWATCH_ROOT_SECRET_ACCESS_KEY must both be set "
                        "(and SKYWATCH_ROOT_ACCOUNT_ID, if set, must be 12 digits)\n");
        return -1;
    }
    if (r) sw_keys_set_root(ks, &root);
    if (sw_keys_count(ks) > 0) return 0;
    char path[1100];
    sw_keys_path(c->data_dir, path, sizeof path);
    sw_key k;
    sw_keys_generate(&k, NULL, 0);
    if (sw_keys_file_add(path, &k)) {
        fprintf(stderr, "skywatch: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    sw_print_export(&k, c);
    return 0;
}

/* Scheduled work of the log store: retention once a minute; every five minutes in-memory tails are
 * packed into compressed segments, so an idle group does not keep its recent events uncompressed. */
static int64_t sw_task_retention(void *arg, int64_t now) {
    sw_logstore_apply_retention(arg, now);
    return now + 60000;
}
static int64_t sw_task_pack(void *arg, int64_t now) {
    sw_logstore_flush(arg);
    return now + 300000;
}

/* Alarm actions on SNS topics: published as the topic's owner, named by the topic ARN
 * (arn:aws:sns:REGION:ACCOUNT:NAME). */
static int sw_alarm_notify_sns(void *arg, const char *account, const char *region, const char *topic_arn,
                               const char *subject, const char *message, char *err, size_t errlen) {
    char owner[32] = "", where[64] = "", msgid[37];
    if (sscanf(topic_arn, "arn:aws:sns:%63[^:]:%31[^:]:", where, owner) != 2) {
        snprintf(err, errlen, "Invalid SNS topic ARN %.256s", topic_arn);
        return -1;
    }
    return sw_sns_publish_internal(arg, owner, where, topic_arn, subject, message, msgid, err, errlen);
}

static int sw_serve(sw_config *c) {
    /* Requests allocate and free arenas all the time: keep freed memory instead of returning it to the
     * kernel after every request (measured: half the JSON decode time went to page faults). */
    mallopt(M_TRIM_THRESHOLD, 32 << 20);
    mallopt(M_MMAP_THRESHOLD, 4 << 20);
    mallopt(M_ARENA_MAX, 4); /* one thread per connection: bound the per-thread heaps that keep such memory */
    if (sw_mkdir_data(c->data_dir)) return 1;
    char path[1100], err[512];
    sw_keys_path(c->data_dir, path, sizeof path);
    sw_keystore *ks = sw_keys_open(path);
    if (sw_serve_keys(ks, c)) return 1;
    sw_services(); /* parse the embedded models before the first request */
    if (c->manual_clock_ms >= 0) sw_clock_set_ms(c->manual_clock_ms);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    sw_metrics *m = sw_metrics_open(c->data_dir, err, sizeof err);
    if (!m) { fprintf(stderr, "skywatch: %s\n", err); return 1; }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    sw_metrics_set_retention(m, c->metrics_keep_days[0], c->metrics_keep_days[1], c->metrics_keep_days[2]);
    for (int i = 0; i < c->n_metrics_ns_keep; i++)
        sw_metrics_set_namespace_retention(m, c->metrics_ns_keep[i].ns, c->metrics_ns_keep[i].days[0],
                                           c->metrics_ns_keep[i].days[1], c->metrics_ns_keep[i].days[2]);
    sw_metrics_stats st;
    sw_metrics_get_stats(m, &st);
    sw_log("info", "metrics recovered", "\"metrics\":%llu,\"samples\":%llu,\"wal_bytes\":%llu,\"records\":%llu,\"ms\":%.1f",
           (unsigned long long)st.metrics, (unsigned long long)st.samples, (unsigned long long)st.wal_bytes,
           (unsigned long long)st.replayed_records, (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
    char logs_dir[1100];
    snprintf(logs_dir, sizeof logs_dir, "%s/logs", c->data_dir);
    sw_logstore *logs = sw_logstore_open(logs_dir, err, sizeof err);
    if (!logs) { fprintf(stderr, "skywatch: %s\n", err); sw_metrics_close(m); return 1; }
    sw_alarms *alarms = sw_alarms_open(c->data_dir, m, err, sizeof err);
    if (!alarms) { fprintf(stderr, "skywatch: %s\n", err); sw_logstore_close(logs); sw_metrics_close(m); return 1; }
    sw_server srv = {.metrics = m, .logs = logs, .alarms = alarms, .keys = ks, .max_request_bytes = c->max_request_bytes,
                     .max_inflated_bytes = c->max_inflated_bytes, .request_log = c->request_log,
                     .manual_clock = c->manual_clock_ms >= 0};
    int64_t start = sw_clock_now_ms();
    sw_scheduler_add("logs-retention", sw_task_retention, logs, start);
    sw_scheduler_add("logs-pack", sw_task_pack, logs, start + 300000);
    sw_scheduler_add("alarms", sw_alarms_tick, alarms, start);
    struct sigaction sa = {.sa_handler = sw_on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    sw_http *h = sw_http_start(&srv, c->listen_host, c->listen_port, c->max_connections, err, sizeof err);
    if (!h) { fprintf(stderr, "skywatch: %s\n", err); sw_metrics_close(m); return 1; }
    /* SNS opens once the port is known: its SubscribeURL and SigningCertURL default to this listener. */
    char sns_dir[1100], public_url[300];
    snprintf(sns_dir, sizeof sns_dir, "%s/sns", c->data_dir);
    if (c->public_url[0]) snprintf(public_url, sizeof public_url, "%s", c->public_url);
    else snprintf(public_url, sizeof public_url, "http://%s:%d", c->listen_host, sw_http_port(h));
    sw_sns_options so = {.dir = sns_dir, .public_url = public_url, .smtp_url = c->smtp_url, .smtp_from = c->smtp_from, .metrics = m,
                          .manual_clock = c->manual_clock_ms >= 0};
    srv.sns = sw_sns_open(&so, err, sizeof err);
    if (!srv.sns) {
        fprintf(stderr, "skywatch: %s\n", err);
        sw_http_stop(h, 1000);
        sw_alarms_close(alarms);
        sw_logstore_close(logs);
        sw_metrics_close(m);
        return 1;
    }
    sw_alarms_set_notifier(alarms, sw_alarm_notify_sns, srv.sns);
    sw_log("info", "listening", "\"address\":\"%s:%d\",\"data\":\"%s\",\"max_connections\":%d", c->listen_host,
           sw_http_port(h), c->data_dir, c->max_connections);
    /* The scheduler runs due tasks on the one clock (short sleeps so a signal is noticed at once). With
     * --manual-clock time stands still here and only POST /_skywatch/clock moves it. */
    for (; !sw_stop_signal; usleep(200000)) sw_scheduler_tick();
    sw_log("info", "shutting down", "\"signal\":%d", (int)sw_stop_signal);
    sw_http_stop(h, 30000);
    sw_scheduler_reset();
    sw_alarms_close(alarms); /* before SNS: alarm actions publish through it */
    sw_sns_close(srv.sns);
    sw_logstore_flush(logs);
    sw_logstore_close(logs);
    sw_metrics_close(m);
    sw_keys_close(ks);
    sw_log("info", "stopped", NULL);
    return 0;
}

/* Parses serve's flags; the config file is applied first so flags override it. */
static int sw_serve_main(int argc, char **argv) {
    sw_config c;
    sw_config_defaults(&c);
    char err[512];
    for (int i = 2; i < argc; i++)
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc && sw_config_load(&c, argv[i + 1], err, sizeof err)) {
            fprintf(stderr, "skywatch: %s\n", err);
            return 2;
        }
    for (int i = 2; i < argc; i++) {
        const char *flag = argv[i], *key = NULL;
        if (strcmp(flag, "--listen") == 0) key = "listen";
        else if (strcmp(flag, "--data") == 0) key = "data";
        else if (strcmp(flag, "--max-connections") == 0) key = "max_connections";
        else if (strcmp(flag, "--manual-clock") == 0) key = "manual_clock";
        else if (strcmp(flag, "--public-url") == 0) key = "public_url";
        else if (strcmp(flag, "--config") == 0) { i++; continue; }
        else if (strcmp(flag, "--help") == 0) { fputs(sw_usage, stdout); return 0; }
        if (!key || i + 1 >= argc) { fprintf(stderr, "skywatch: unknown or incomplete flag %s\n%s", flag, sw_usage); return 2; }
        if (sw_config_set(&c, key, argv[++i], err, sizeof err)) { fprintf(stderr, "skywatch: %s: %s\n", flag, err); return 2; }
    }
    return sw_serve(&c);
}

static void sw_print_key(const sw_key *k, void *arg) {
    printf("%-24s %s%s\n", k->akid, k->account, k->trusted ? "  trusted" : "");
}

static int sw_keys_main(int argc, char **argv) {
    const char *dir = "./skywatch-data", *account = NULL, *target = NULL, *sub = argc > 2 ? argv[2] : "";
    int trusted = 0;
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "--data") == 0 && i + 1 < argc) dir = argv[++i];
        else if (strcmp(argv[i], "--account") == 0 && i + 1 < argc) account = argv[++i];
        else if (strcmp(argv[i], "--trusted") == 0) trusted = 1;
        else if (argv[i][0] != '-' && !target) target = argv[i];
        else { fprintf(stderr, "skywatch keys: unexpected argument %s\n", argv[i]); return 2; }
    }
    if (account && !sw_keys_valid_account(account)) { fprintf(stderr, "skywatch keys: --account must be 12 digits\n"); return 2; }
    char path[1100];
    sw_keys_path(dir, path, sizeof path);
    if (strcmp(sub, "create") == 0) {
        if (sw_mkdir_data(dir)) return 1;
        sw_key k;
        sw_keys_generate(&k, account, trusted);
        if (sw_keys_file_add(path, &k)) { fprintf(stderr, "skywatch keys: %s: %s\n", path, strerror(errno)); return 1; }
        printf("AWS_ACCESS_KEY_ID=%s\nAWS_SECRET_ACCESS_KEY=%s\nACCOUNT_ID=%s\n", k.akid, k.secret, k.account);
        return 0;
    }
    if (strcmp(sub, "list") == 0) {
        printf("%-24s %s\n", "ACCESS_KEY_ID", "ACCOUNT_ID");
        return sw_keys_file_each(path, sw_print_key, NULL) < 0 ? 1 : 0;
    }
    if (strcmp(sub, "delete") == 0 && target) {
        if (sw_keys_file_delete(path, target) == 0) return 0;
        fprintf(stderr, "skywatch keys: %s\n", errno == ENOENT ? "no such access key" : strerror(errno));
        return 1;
    }
    fputs(sw_usage, stderr);
    return 2;
}

int main(int argc, char **argv) {
    const char *cmd = argc > 1 ? argv[1] : "";
    if (strcmp(cmd, "serve") == 0) return sw_serve_main(argc, argv);
    if (strcmp(cmd, "keys") == 0) return sw_keys_main(argc, argv);
    if (strcmp(cmd, "fsck") == 0) return sw_fsck_main(argc, argv);
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) { puts("skywatch " SW_VERSION); return 0; }
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0 || strcmp(cmd, "-h") == 0) { fputs(sw_usage, stdout); return 0; }
    fputs(sw_usage, stderr);
    return 2;
}
