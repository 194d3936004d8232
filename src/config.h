/* config.h -- the server's settings: defaults, the config file, then command-line flags. */
#ifndef SW_CONFIG_H
#define SW_CONFIG_H
#include <stddef.h>

typedef struct sw_config {
    char listen_host[64];
    int listen_port;
    char data_dir[1024];
    int max_connections;
    size_t max_request_bytes;
    size_t max_inflated_bytes;
    int request_log;
    long long manual_clock_ms; /* -1: the real clock; else tests drive time from this epoch ms */
    char public_url[256];      /* how subscribers reach this server (SubscribeURL, SigningCertURL); "" = http://listen */
    char smtp_url[256];        /* SMTP relay for email subscriptions, e.g. smtp://127.0.0.1:25; "" = none */
    char smtp_from[256];       /* envelope and From address of SNS email */
    int metrics_keep_days[3];  /* retention of raw samples, 5-minute and 1-hour roll-ups (15, 63, 455) */
    struct { char ns[256]; int days[3]; } metrics_ns_keep[32]; /* the same for one namespace */
    int n_metrics_ns_keep;
} sw_config;

#define SW_DEFAULT_PORT 4590

/* Fills c with the defaults: 127.0.0.1:4590, ./skywatch-data, 1024 connections, 8 MiB requests,
 * 16 MiB after gzip, request log on. Can't fail. */
void sw_config_defaults(sw_config *c);
/* Applies "key = value" lines ('#' starts a comment) from text[0..n). Known keys: listen, data,
 * max_connections, max_request_bytes, max_inflated_bytes, request_log (on|off), manual_clock (epoch ms or now),
 * public_url, smtp_url, smtp_from, metrics_retention (days RAW,FIVE_MINUTE,HOUR, each >= the one before,
 * e.g. 15,63,455), metrics_retention_namespace (the same days, a space, then a namespace: "30,90,730 App/Web";
 * repeatable, up to 32 namespaces). Returns 0, or -1 with
 * "line N: reason" in err for an unknown key or a bad value; c is then partly updated. */
int sw_config_parse(sw_config *c, const char *text, size_t n, char *err, size_t errlen);
/* Sets one key (the same keys and values as the file). Returns 0 or -1 with a reason in err. */
int sw_config_set(sw_config *c, const char *key, const char *value, char *err, size_t errlen);
/* Reads and parses a file; -1 with a reason if it cannot be read or parsed. */
int sw_config_load(sw_config *c, const char *path, char *err, size_t errlen);

#endif
