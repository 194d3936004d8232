/* clock.h -- the one clock: everything time-dependent asks it, so tests can drive time. */
#ifndef SW_CLOCK_H
#define SW_CLOCK_H
#include <stdint.h>

/* Milliseconds since the epoch. Production reads CLOCK_REALTIME; can't fail. */
int64_t sw_clock_now_ms(void);
/* The machine's real time, whatever the test clock says: SigV4's skew check compares a request with
 * the client's real clock, so it must not move when tests drive time. */
int64_t sw_clock_real_ms(void);
/* Test control: fix the clock at ms (>= 0), or pass -1 to go back to the real clock.
 * sw_clock_advance_ms moves a fixed clock forward (or, on the real clock, adds an offset). */
void sw_clock_set_ms(int64_t ms);
void sw_clock_advance_ms(int64_t delta);

#endif
