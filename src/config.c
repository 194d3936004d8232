/* config.c -- a small "key = value" configuration format. */
#include "config.h"
#include "alloc.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void sw_config_defaults(sw_config *c) {
    memset(c, 0, sizeof *c);
    snprintf(c->listen_host, sizeof c->listen_host, "127.0.0.1");
    c->listen_port = SW_DEFAULT_PORT;
    snprintf(c->data_dir, sizeof c->data_dir, "./skywatch-data");
    c->max_connections = 1024;
    c->max_request_bytes = 8 << 20;
    c->max_inflated_bytes = 16 << 20;
    c->request_log = 1;
    c->manual_clock_ms = -1;
    c->metrics_keep_days[0] = 15, c->metrics_keep_days[1] = 63, c->metrics_keep_days[2] = 455;
    snprintf(c->smtp_from, sizeof c->smtp_from, "no-reply@sns.skywatch.invalid");
}

static int sw_set_str(char *dst, size_t cap, const char *v) {
    if (strlen(v) >= cap) return -1;
    snprintf(dst, cap, "%s", v);
    return 0;
}

static int sw_parse_size(const char *v, size_t min, size_t max, size_t *out) {
    char *end;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    if (*end || end == v || errno || v[0] == '-' || x < min || x > max) return -1;
    *out = (size_t)x;
    return 0;
}

/* "HOST:PORT" with an IPv4 host; the port may be 0 (any free port). */
static int sw_parse_listen(sw_config *c, const char *v) {
    const char *colon = strrchr(v, ':');
    size_t port;
    if (!colon || colon == v || (size_t)(colon - v) >= sizeof c->listen_host || sw_parse_size(colon + 1, 0, 65535, &port)) return -1;
    memcpy(c->listen_host, v, (size_t)(colon - v));
    c->listen_host[colon - v] = '\0';
    c->listen_port = (int)port;
    return 0;
}

int sw_config_set(sw_config *c, const char *key, const char *value, char *err, size_t errlen) {
    size_t n;
    int bad = 0;
    if (strcmp(key, "listen") == 0) bad = sw_parse_listen(c, value);
    else if (strcmp(key, "data") == 0) {
        bad = value[0] == '\0' || strlen(value) >= sizeof c->data_dir;
        if (!bad) snprintf(c->data_dir, sizeof c->data_dir, "%s", value);
    } else if (strcmp(key, "max_connections") == 0) {
        bad = sw_parse_size(value, 1, 65536, &n);
        if (!bad) c->max_connections = (int)n;
    }
    else if (strcmp(key, "max_request_bytes") == 0) bad = sw_parse_size(value, 1024, 1 << 30, &c->max_request_bytes);
    else if (strcmp(key, "max_inflated_bytes") == 0) bad = sw_parse_size(value, 1024, 1 << 30, &c->max_inflated_bytes);
    else if (strcmp(key, "manual_clock") == 0) {
        if (strcmp(value, "now") == 0) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            c->manual_clock_ms = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
        } else {
            bad = sw_parse_size(value, 0, (size_t)253402300799000ULL, &n);
            if (!bad) c->manual_clock_ms = (long long)n;
        }
    }
    else if (strcmp(key, "public_url") == 0)
        bad = (value[0] && strncmp(value, "http://", 7) && strncmp(value, "https://", 8)) || sw_set_str(c->public_url, sizeof c->public_url, value);
    else if (strcmp(key, "smtp_url") == 0)
        bad = (value[0] && strncmp(value, "smtp://", 7) && strncmp(value, "smtps://", 8)) || sw_set_str(c->smtp_url, sizeof c->smtp_url, value);
    else if (strcmp(key, "smtp_from") == 0) bad = !strchr(value, '@') || sw_set_str(c->smtp_from, sizeof c->smtp_from, value);
    else if (strcmp(key, "metrics_retention") == 0 || strcmp(key, "metrics_retention_namespace") == 0) {
        int d[3], used = 0, per_ns = key[17] == '_';
        bad = sscanf(value, "%d,%d,%d%n", &d[0], &d[1], &d[2], &used) != 3 || d[0] < 1 || d[1] < d[0] || d[2] < d[1] ||
              d[2] > 36500;
        const char *ns = value + used;
        if (!bad && per_ns) {
            bad = *ns != ' ';
            while (*ns == ' ') ns++;
            bad = bad || !*ns || strlen(ns) > 255 || c->n_metrics_ns_keep == 32;
            if (!bad) {
                snprintf(c->metrics_ns_keep[c->n_metrics_ns_keep].ns, sizeof c->metrics_ns_keep[0].ns, "%s", ns);
                memcpy(c->metrics_ns_keep[c->n_metrics_ns_keep++].days, d, sizeof d);
            }
        } else if (!bad) {
            bad = *ns != '\0';
            if (!bad) memcpy(c->metrics_keep_days, d, sizeof d);
        }
    }
    else if (strcmp(key, "request_log") == 0) {
        bad = strcmp(value, "on") && strcmp(value, "off");
        c->request_log = strcmp(value, "on") == 0;
    } else {
        snprintf(err, errlen, "unknown key '%.64s'", key);
        return -1;
    }
    if (bad) snprintf(err, errlen, "bad value '%.64s' for %s", value, key);
    return bad ? -1 : 0;
}

static char *sw_trim(char *s, char *end) {
    while (s < end && (*s == ' ' || *s == '\t' || *s == '\r')) s++;
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r')) end--;
    *end = '\0';
    return s;
}

int sw_config_parse(sw_config *c, const char *text, size_t n, char *err, size_t errlen) {
    if (memchr(text, '\0', n)) { snprintf(err, errlen, "the configuration contains a NUL byte"); return -1; }
    char *copy = sw_strndup(text, n);
    int lineno = 0, rc = 0;
    for (char *line = copy; line && rc == 0;) {
        char *nl = strchr(line, '\n'), *end = nl ? nl : line + strlen(line);
        lineno++;
        char *hash = memchr(line, '#', (size_t)(end - line));
        char *eq = memchr(line, '=', (size_t)((hash ? hash : end) - line));
        char *stop = hash ? hash : end;
        char *blank = sw_trim(line, stop);
        if (*blank) {
            char inner[160] = "";
            if (!eq || eq >= stop) { snprintf(err, errlen, "line %d: expected key = value", lineno); rc = -1; break; }
            *eq = '\0';
            char *key = sw_trim(line, eq), *value = sw_trim(eq + 1, stop);
            if (sw_config_set(c, key, value, inner, sizeof inner)) { snprintf(err, errlen, "line %d: %s", lineno, inner); rc = -1; }
        }
        line = nl ? nl + 1 : NULL;
    }
    sw_free(copy);
    return rc;
}

int sw_config_load(sw_config *c, const char *path, char *err, size_t errlen) {
    FILE *f = fopen(path, "rb");
    if (!f) { snprintf(err, errlen, "%s: %s", path, strerror(errno)); return -1; }
    char buf[65536];
    size_t n = fread(buf, 1, sizeof buf, f);
    int big = !feof(f);
    fclose(f);
    if (big) { snprintf(err, errlen, "%s: larger than 64 KiB", path); return -1; }
    char inner[256];
    if (sw_config_parse(c, buf, n, inner, sizeof inner)) { snprintf(err, errlen, "%s: %s", path, inner); return -1; }
    return 0;
}
