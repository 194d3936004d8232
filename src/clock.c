/* clock.c -- real or test-driven time behind one function. */
#include "clock.h"
#include <stdatomic.h>
#include <time.h>

static _Atomic int64_t sw_clock_fixed = -1;  /* >= 0: the fixed time */
static _Atomic int64_t sw_clock_offset = 0;  /* added to the real clock */

int64_t sw_clock_real_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t sw_clock_now_ms(void) {
    int64_t fixed = atomic_load(&sw_clock_fixed);
    if (fixed >= 0) return fixed;
    return sw_clock_real_ms() + atomic_load(&sw_clock_offset);
}

void sw_clock_set_ms(int64_t ms) { atomic_store(&sw_clock_fixed, ms < 0 ? -1 : ms); }

void sw_clock_advance_ms(int64_t delta) {
    if (atomic_load(&sw_clock_fixed) >= 0) atomic_fetch_add(&sw_clock_fixed, delta);
    else atomic_fetch_add(&sw_clock_offset, delta);
}
