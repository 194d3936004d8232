/* alarms.h -- the alarms engine: metric and composite alarms, their state and history, kept durable
 * in DATA/alarms.wal, evaluated by a scheduler task on the one clock, firing actions on transitions.
 * It never sees a wire format: alarms_api.c turns CloudWatch requests into these calls. */
#ifndef SW_ALARMS_H
#define SW_ALARMS_H
#include "alarm_eval.h"
#include "metrics.h"
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#define SW_ALARM_MAX_ACTIONS 5     /* per state list (ResourceList max 5) */
#define SW_ALARM_MAX_METRICS 10 /* MetricStat entries of a metric math alarm */
#define SW_ALARM_MAX_DIMS 30
#define SW_ALARM_HISTORY_MS (30LL * 86400 * 1000) /* "alarm history is available for 30 days" */

typedef struct sw_strlist { char *v[SW_ALARM_MAX_ACTIONS]; int n; } sw_strlist;
typedef struct sw_kv { char *key, *value; } sw_kv;

typedef struct sw_alarm {
    char *account, *region, *name, *arn;
    int composite;
    char *description;              /* NULL = none */
    int actions_enabled;
    sw_strlist ok_actions, alarm_actions, insufficient_actions;
    int64_t config_updated_ms;
    /* metric alarms */
    char *ns, *metric;
    sw_kv dims[SW_ALARM_MAX_DIMS];
    int ndims;
    char *statistic;                /* "Average", ... or NULL */
    char *extended;                 /* "p99", ... or NULL */
    int period, eval_periods, datapoints;
    double threshold;
    sw_cmp cmp;
    sw_missing treat;
    int treat_set;                  /* TreatMissingData was given (Describe echoes only what was set) */
    char *low_sample;               /* "evaluate" | "ignore" | NULL */
    char *unit;                     /* NULL = every unit */
    char *metrics;                  /* PutMetricAlarm's Metrics as JSON text, or NULL; when set, the fields
                                     * above hold the MetricStat whose ReturnData is true */
    /* composite alarms */
    char *rule;
    void *compiled_rule;            /* sw_alarm_rule *, owned */
    char *suppressor;               /* ActionsSuppressor ARN or NULL */
    int wait_period, extension_period;
    int suppressed_by;              /* 0 none, 1 WaitPeriod, 2 ExtensionPeriod, 3 Alarm */
    char *suppressed_reason;
    int64_t suppress_until_ms;      /* wait/extension deadline */
    sw_alarm_state suppressed_old;  /* the state before the transition whose actions wait */
    /* state */
    sw_alarm_state state;
    char *reason, *reason_data;
    int64_t state_updated_ms, state_transitioned_ms;
    sw_kv *tags;
    int ntags;
    int64_t next_eval_ms;
    struct sw_alarm *hnext;         /* hash chain */
} sw_alarm;

typedef enum { SW_HIST_CONFIG, SW_HIST_STATE, SW_HIST_ACTION } sw_hist_type;

typedef struct sw_hist_item {
    char *account, *region, *name;
    int composite;
    int64_t ts_ms;
    sw_hist_type type;
    char *summary, *data;
} sw_hist_item;

/* An alarm action publishes to SNS through this: 0 on success, -1 with the reason in err. */
typedef int (*sw_alarm_notify_fn)(void *arg, const char *account, const char *region, const char *topic_arn,
                                  const char *subject, const char *message, char *err, size_t errlen);

typedef struct sw_alarms sw_alarms;

/* Opens the engine on dir (DATA), replaying DATA/alarms.wal. NULL with a reason in err when the log
 * cannot be opened. */
sw_alarms *sw_alarms_open(const char *dir, sw_metrics *metrics, char *err, size_t errlen);
void sw_alarms_close(sw_alarms *a);
/* Sets the SNS publisher and fires the actions a crash left pending. */
void sw_alarms_set_notifier(sw_alarms *a, sw_alarm_notify_fn fn, void *arg);
/* The scheduler task: evaluates every alarm that is due at now, then composites, prunes history.
 * Returns the next due time. */
int64_t sw_alarms_tick(void *a, int64_t now);

/* Every call below runs under the engine's lock: take it with sw_alarms_lock around lookups so the
 * returned pointers stay valid. Changes are appended to the log; after releasing the lock, call
 * sw_alarms_sync before acknowledging them (concurrent requests then share one fsync). */
void sw_alarms_lock(sw_alarms *a);
void sw_alarms_unlock(sw_alarms *a);
sw_alarm *sw_alarms_find(sw_alarms *a, const char *account, const char *region, const char *name);
/* Every alarm of a tenant, sorted by name; the caller frees the array (not the alarms). */
sw_alarm **sw_alarms_list(sw_alarms *a, const char *account, const char *region, size_t *n);
/* Creates or replaces an alarm from a caller-built one (ownership of every string passes to the
 * engine). Keeps the state of an existing alarm of the same name; writes the ConfigurationUpdate
 * history item. Returns 0, or -1 when the log failed. */
int sw_alarms_put(sw_alarms *a, sw_alarm *al, int64_t now);
/* Deletes by name (history stays); returns the number deleted, -1 when the log failed. */
int sw_alarms_delete(sw_alarms *a, const char *account, const char *region, const char *name, int64_t now);
/* SetAlarmState: transitions, records and fires actions as an evaluation would; composite alarms over it
 * are evaluated at once, as AWS evaluates a composite when a child changes state. */
int sw_alarms_set_state(sw_alarms *a, sw_alarm *al, sw_alarm_state s, const char *reason, const char *reason_data,
                        int64_t now);
/* Enable/DisableAlarmActions, tags: changes and logs the alarm. */
int sw_alarms_update(sw_alarms *a, sw_alarm *al, int64_t now);
/* Waits, without the lock, until every change appended so far is durable. Returns 0, or -1 when the
 * log failed. */
int sw_alarms_sync(sw_alarms *a);
/* History of a tenant, oldest first (pointer into the engine: valid under the lock). */
sw_hist_item *sw_alarms_history(sw_alarms *a, size_t *n);
/* Frees an alarm that the engine does not own. */
void sw_alarm_free(sw_alarm *al);
/* "US East (N. Virginia)" for us-east-1, as alarm notifications name regions; the code itself when unknown. */
const char *sw_region_display_name(const char *region);

#endif
