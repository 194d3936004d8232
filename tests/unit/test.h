/* test.h -- tiny unit-test harness: assert macros that print both operands, one runner per binary. */
#ifndef SW_TEST_H
#define SW_TEST_H
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern int sw_test_failures;
extern int sw_test_checks;

#define T_FAIL_(fmt, ...) do { fprintf(stderr, "  FAIL %s:%d: " fmt "\n", __FILE__, __LINE__, __VA_ARGS__); sw_test_failures++; } while (0)
#define T_ASSERT(c) do { sw_test_checks++; if (!(c)) T_FAIL_("%s", #c); } while (0)
#define T_EQ_INT(a, b) do { long long _a = (long long)(a), _b = (long long)(b); sw_test_checks++; \
    if (_a != _b) T_FAIL_("%s == %s: %lld != %lld", #a, #b, _a, _b); } while (0)
#define T_EQ_STR(a, b) do { const char *_a = (a), *_b = (b); sw_test_checks++; \
    if (!_a || !_b || strcmp(_a, _b) != 0) T_FAIL_("%s == %s: \"%s\" != \"%s\"", #a, #b, _a ? _a : "(null)", _b ? _b : "(null)"); } while (0)
#define T_EQ_DBL(a, b, eps) do { double _a = (a), _b = (b); sw_test_checks++; \
    if (!(fabs(_a - _b) <= (eps))) T_FAIL_("%s == %s: %.17g != %.17g", #a, #b, _a, _b); } while (0)

typedef struct { const char *name; void (*fn)(void); } sw_test_case;

/* Each test binary defines `sw_test_case sw_tests[]` terminated by {NULL, NULL} and includes
 * test_main.h once; the runner prints "N passed, N failed" as its last line. */
#endif
