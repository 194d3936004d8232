/* alarms_int.h -- what alarms.c (store, log, transitions) and alarm_run.c (evaluation) share. */
#ifndef SW_ALARMS_INT_H
#define SW_ALARMS_INT_H
#include "alarms.h"
#include "wal.h"

/* An alarm action that must still be handed to SNS (logged, so a crash retries it). */
typedef struct sw_pending_action {
    uint64_t id;
    char *account, *region, *alarm, *arn, *subject, *message;
    int composite;
} sw_pending_action;

struct sw_alarms {
    pthread_mutex_t mu;
    sw_metrics *metrics;
    sw_wal *wal;
    char path[1100];
    sw_alarm **table;        /* hash of account/region/name, chained through hnext */
    size_t tcap, count;
    sw_hist_item *hist;      /* oldest first */
    size_t nhist, hcap;
    sw_pending_action *pending;
    size_t npending, pcap;
    uint64_t next_action_id;
    sw_alarm_notify_fn notify;
    void *notify_arg;
    uint64_t records;        /* records in the log (replayed + appended), for compaction */
    _Atomic uint64_t last_lsn; /* the newest record appended: sw_alarms_sync waits for it */
};

/* Changes the state of al (lock held): timestamps, StateUpdate history, log record, and the actions
 * of the new state when it differs and actions are enabled. Does nothing when the state is unchanged. */
void sw_alarm_transition(sw_alarms *a, sw_alarm *al, sw_alarm_state s, const char *reason, const char *reason_data,
                         int64_t now);
/* Queues and runs the actions of al's current state after a change from old (lock held); composite
 * alarms whose actions are suppressed queue nothing unless force is set. */
void sw_actions_queue(sw_alarms *a, const sw_alarm *al, sw_alarm_state old, int64_t now, int force);
/* ActionsSuppressor bookkeeping of a composite alarm (lock held): on_transition is 1 right after the
 * composite changed state (decides whether its actions wait), 0 on a scheduler tick (ends waits). */
void sw_composite_suppression(sw_alarms *a, sw_alarm *al, int64_t now, int on_transition);
/* After a change of state (lock held): re-evaluates composite alarms until nothing changes and moves
 * their actions suppression on. */
void sw_alarms_cascade(sw_alarms *a, int64_t now);
/* Appends a history item (lock held); strings are copied. */
void sw_alarms_add_history(sw_alarms *a, const sw_alarm *al, sw_hist_type type, int64_t ts, const char *summary,
                           const char *data);
/* Logs the alarm's whole record (lock held); durable after sw_alarms_sync. Returns 0, or -1 when the log failed. */
int sw_alarms_log_alarm(sw_alarms *a, const sw_alarm *al);
/* The notification JSON and Subject CloudWatch sends to SNS for a transition of al from old. */
char *sw_alarm_notification(const sw_alarms *a, const sw_alarm *al, sw_alarm_state old, int64_t now, char *subject,
                            size_t subject_len);
/* Prunes history past its retention and retries pending actions (lock held). */
void sw_alarms_housekeep(sw_alarms *a, int64_t now);
/* Formats "2019-10-01T13:56:40.985+0000" (CloudWatch's JSON timestamps). */
void sw_alarm_time(int64_t ms, char out[32]);

#endif
