/* scheduler.h -- periodic work on the one clock: retention, log packing, alarm evaluation, delivery
 * retries. Each task says when it next wants to run; the serve loop runs what is due on the real
 * clock, and a test driving a manual clock steps through every due time in order, so simulated
 * months behave exactly like real ones. */
#ifndef SW_SCHEDULER_H
#define SW_SCHEDULER_H
#include <stdint.h>

/* Does the task's work that is due at now (the clock already reads now) and returns the next time,
 * in epoch ms, the task wants to run (> now). Called from one thread at a time. */
typedef int64_t (*sw_task_fn)(void *arg, int64_t now);

/* Registers a task whose first run is at first_due_ms (<= now: run at the next tick). At most 16
 * tasks; returns 0 or -1 when full. Register before the serve loop starts. */
int sw_scheduler_add(const char *name, sw_task_fn fn, void *arg, int64_t first_due_ms);
/* Asks for a task to run at the next tick even if it said later (e.g. new work arrived). Thread-safe. */
void sw_scheduler_poke(const char *name);
/* Runs every task due at the clock's current time. Thread-safe (serialised). Returns the earliest
 * next due time. */
int64_t sw_scheduler_tick(void);
/* Manual clock only: moves the clock to target_ms, stopping at every due time on the way and running
 * what is due there, in time order. Returns the number of task runs. Thread-safe (serialised). */
long sw_scheduler_advance_to(int64_t target_ms);
/* Forgets every task (tests and shutdown). */
void sw_scheduler_reset(void);

#endif
