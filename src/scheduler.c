/* scheduler.c -- a tiny table of periodic tasks driven by sw_clock. */
#include "scheduler.h"
#include "clock.h"
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#define SW_MAX_TASKS 16

typedef struct sw_task {
    const char *name;
    sw_task_fn fn;
    void *arg;
    int64_t due;
    atomic_int poked;
} sw_task;

static sw_task sw_tasks[SW_MAX_TASKS];
static int sw_ntasks;
static pthread_mutex_t sw_sched_mu = PTHREAD_MUTEX_INITIALIZER;

int sw_scheduler_add(const char *name, sw_task_fn fn, void *arg, int64_t first_due_ms) {
    pthread_mutex_lock(&sw_sched_mu);
    int rc = -1;
    if (sw_ntasks < SW_MAX_TASKS) {
        sw_task *t = &sw_tasks[sw_ntasks++];
        t->name = name;
        t->fn = fn;
        t->arg = arg;
        t->due = first_due_ms;
        atomic_store(&t->poked, 0);
        rc = 0;
    }
    pthread_mutex_unlock(&sw_sched_mu);
    return rc;
}

void sw_scheduler_poke(const char *name) {
    for (int i = 0; i < SW_MAX_TASKS; i++)
        if (sw_tasks[i].name && strcmp(sw_tasks[i].name, name) == 0) atomic_store(&sw_tasks[i].poked, 1);
}

/* Runs the tasks due at now; the caller holds the lock. Returns the earliest next due time. */
static int64_t sw_run_due(int64_t now, long *runs) {
    int64_t next = INT64_MAX;
    for (int i = 0; i < sw_ntasks; i++) {
        sw_task *t = &sw_tasks[i];
        if (t->due <= now || atomic_exchange(&t->poked, 0)) {
            int64_t due = t->fn(t->arg, now);
            t->due = due > now ? due : now + 1;
            if (runs) (*runs)++;
        }
        if (t->due < next) next = t->due;
    }
    return next;
}

int64_t sw_scheduler_tick(void) {
    pthread_mutex_lock(&sw_sched_mu);
    int64_t next = sw_run_due(sw_clock_now_ms(), NULL);
    pthread_mutex_unlock(&sw_sched_mu);
    return next;
}

long sw_scheduler_advance_to(int64_t target_ms) {
    long runs = 0;
    pthread_mutex_lock(&sw_sched_mu);
    for (;;) {
        int64_t now = sw_clock_now_ms(), next = INT64_MAX;
        for (int i = 0; i < sw_ntasks; i++)
            if (sw_tasks[i].due < next) next = sw_tasks[i].due;
        if (next <= now) { sw_run_due(now, &runs); continue; } /* every task is then due after now */
        if (next > target_ms) break;
        sw_clock_set_ms(next);
    }
    if (sw_clock_now_ms() < target_ms) sw_clock_set_ms(target_ms);
    sw_run_due(sw_clock_now_ms(), &runs);
    pthread_mutex_unlock(&sw_sched_mu);
    return runs;
}

void sw_scheduler_reset(void) {
    pthread_mutex_lock(&sw_sched_mu);
    memset(sw_tasks, 0, sizeof sw_tasks);
    sw_ntasks = 0;
    pthread_mutex_unlock(&sw_sched_mu);
}
