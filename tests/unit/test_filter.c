/* test_filter.c -- filter patterns: every example of AWS's filter-pattern pages, hostile patterns and
 * events, metric-filter extraction, and a throughput bench (run with SW_FILTER_BENCH=1). */
#include "test.h"
#include "filter.h"
#include "memfind.h"
#include <stdint.h>
#include <time.h>

typedef struct { const char *pattern, *event; int match; } match_case;
typedef struct { const char *pattern, *error; } error_case;

static int match_one(const char *pattern, const char *event) {
    char err[256];
    sw_filter *f = sw_filter_compile(pattern, strlen(pattern), err, sizeof err);
    if (!f) { fprintf(stderr, "  compile failed for %s: %s\n", pattern, err); return -1; }
    int m = sw_filter_match(f, event, strlen(event));
    sw_filter_free(f);
    return m;
}

static void run_matches(const match_case *c, size_t n) {
    for (size_t i = 0; i < n; i++) {
        int m = match_one(c[i].pattern, c[i].event);
        sw_test_checks++;
        if (m != c[i].match)
            T_FAIL_("pattern %s on event %s: got %d, want %d", c[i].pattern, c[i].event, m, c[i].match);
    }
}

static void run_errors(const error_case *c, size_t n) {
    for (size_t i = 0; i < n; i++) {
        char err[256];
        sw_filter *f = sw_filter_compile(c[i].pattern, strlen(c[i].pattern), err, sizeof err);
        sw_test_checks++;
        if (f) { T_FAIL_("pattern %s compiled, want error containing \"%s\"", c[i].pattern, c[i].error); sw_filter_free(f); }
        else if (!strstr(err, c[i].error)) T_FAIL_("pattern %s: error \"%s\" lacks \"%s\"", c[i].pattern, err, c[i].error);
    }
}

#define RUN_MATCHES(t) run_matches(t, sizeof t / sizeof t[0])
#define RUN_ERRORS(t) run_errors(t, sizeof t / sizeof t[0])

/* FilterAndPatternSyntax.md, "Matching Terms in Log Events" examples 1-3 and OR pattern matching. */
static void test_doc_unstructured_terms(void) {
    static const match_case c[] = {
        {"ERROR", "[ERROR] A fatal exception has occurred", 1},
        {"ERROR", "Exiting with ERRORCODE: -1", 1},
        {"\"ERROR\" - \"Exiting\"", "Exiting with ERRORCODE: -1", 0},
        {"\"ERROR\" - \"Exiting\"", "[ERROR] A fatal exception has occurred", 1},
        {"ERROR Exception", "[ERROR] Caught IllegalArgumentException", 1},
        {"ERROR Exception", "[ERROR] Unhandled Exception", 1},
        {"ERROR Exception", "[ERROR] Unhandled exception", 0},
        {"\"Failed to process the request\"", "[WARN] Failed to process the request", 1},
        {"\"Failed to process the request\"", "[ERROR] Unable to continue: Failed to process the request", 1},
        {"\"Failed to process the request\"", "[ERROR] Failed to process request", 0},
        {"ERROR", "ERROR WARN message", 1},
        {"ERROR", "ERROR message", 1},
        {"ERROR", "WARN message", 0},
        {"?ERROR ?WARN", "ERROR WARN message", 1},
        {"?ERROR ?WARN", "ERROR message", 1},
        {"?ERROR ?WARN", "WARN message", 1},
        {"?ERROR ?WARN", "INFO message", 0},
        {"ERROR WARN", "ERROR WARN message", 1},
        {"ERROR WARN", "ERROR message", 0},
        {"ERROR WARN", "WARN message", 0},
        {"ERROR -WARN", "ERROR WARN message", 0},
        {"ERROR -WARN", "ERROR message", 1},
        {"ERROR -WARN", "WARN message", 0},
        {"-ERROR", "WARN message", 1},
        {"-ERROR", "ERROR message", 0},
        {"", "anything at all", 1},
        {"   ", "", 1},
        {"error", "ERROR message", 0}, /* case-sensitive */
        {"?ERROR ?Exception", "Exception in thread main", 1},
    };
    RUN_MATCHES(c);
}

/* matching-terms-unstructured-log-events.html examples (event set of the page). */
static void test_doc_unstructured_page(void) {
    static const char *ev[] = {"[ERROR 400] BAD REQUEST", "[ERROR 401] UNAUTHORIZED REQUEST",
                               "[ERROR 419] MISSING ARGUMENTS", "[ERROR 420] INVALID ARGUMENTS",
                               "[ERROR 500] INTERNAL SERVER ERROR"};
    static const struct { const char *p; int want[5]; } c[] = {
        {"ERROR", {1, 1, 1, 1, 1}},
        {"ERROR ARGUMENTS", {0, 0, 1, 1, 0}},
        {"?ARGUMENTS ?REQUEST", {1, 1, 1, 1, 0}},
        {"\"INTERNAL SERVER ERROR\"", {0, 0, 0, 0, 1}},
        {"ERROR -ARGUMENTS", {1, 1, 0, 0, 1}},
        {"\" \"", {1, 1, 1, 1, 1}},
        {"%AUTHORIZED%", {0, 1, 0, 0, 0}},
        {"%4[0-9]{2}%", {1, 1, 1, 1, 0}},
        {"%ERROR 4%", {-1, -1, -1, -1, -1}}, /* a space is not in the regex character set */
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        char err[256];
        sw_filter *f = sw_filter_compile(c[i].p, strlen(c[i].p), err, sizeof err);
        if (c[i].want[0] < 0) { T_ASSERT(f == NULL); continue; }
        T_ASSERT(f != NULL);
        if (!f) continue;
        for (int e = 0; e < 5; e++) {
            sw_test_checks++;
            if (sw_filter_match(f, ev[e], strlen(ev[e])) != c[i].want[e])
                T_FAIL_("pattern %s on %s: want %d", c[i].p, ev[e], c[i].want[e]);
        }
        sw_filter_free(f);
    }
}

/* regex-expressions.html: each supported operator with the page's examples. */
static void test_doc_regex(void) {
    static const match_case c[] = {
        {"%AUTHORIZED%", "[ERROR 401] UNAUTHORIZED REQUEST", 1},
        {"%AUTHORIZED%", "[SUCCESS 200] AUTHORIZED REQUEST", 1},
        {"%^[hc]at%", "hat trick", 1},
        {"%^[hc]at%", "cat", 1},
        {"%^[hc]at%", "the cat", 0},
        {"%[hc]at$%", "the cat", 1},
        {"%[hc]at$%", "cats", 0},
        {"%colou?r%", "color", 1},
        {"%colou?r%", "colour", 1},
        {"%colou?r%", "colr", 0},
        {"%[abc]%", "xbx", 1},
        {"%[abc]%", "xyz", 0},
        {"%[a-z]%", "ABC1d", 1},
        {"%[a-z]%", "ABC1", 0},
        {"%[abcx-z]%", "y", 1},
        {"%[abcx-z]%", "d", 0},
        {"%^a{3,5}$%", "aaa", 1},
        {"%^a{3,5}$%", "aaaaa", 1},
        {"%^a{3,5}$%", "aa", 0},
        {"%^a{3,5}$%", "aaaaaa", 0},
        {"%gra|ey%", "grey", 1},
        {"%gra|ey%", "gray", 1},
        {"%gra|ey%", "gry", 0},
        {"%ab*c%", "ac", 1},
        {"%ab*c%", "abbbc", 1},
        {"%ab+c%", "ac", 0},
        {"%ab+c%", "abc", 1},
        {"%.at%", "hat", 1},
        {"%.at%", "at", 0},
        {"%10\\.10\\.0\\.1%", "from 10.10.0.1:443", 1},
        {"%10\\.10\\.0\\.1%", "from 10a10b0c1", 0},
        {"%\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}%", "client 192.168.0.12 connected", 1},
        {"%\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}%", "client localhost connected", 0},
        {"%[Ee]rror|[Ff]ail%", "Connection fail", 1},
        {"%[Ee]rror|[Ff]ail%", "error 5", 1},
        {"%[Ee]rror|[Ff]ail%", "ok", 0},
        {"%user=@admin;role=a/b,c#d:e_f-g%", "x user=@admin;role=a/b,c#d:e_f-g y", 1},
        {"ERROR %\\d{3}%", "ERROR 503", 1},
        {"ERROR %\\d{3}%", "ERROR five", 0},
        {"?%^WARN% ?%^ERROR%", "ERROR x", 1},
        {"-%DEBUG|TRACE%", "TRACE x", 0},
    };
    RUN_MATCHES(c);
}

static const char *k_json_event =
    "{\n  \"eventType\": \"UpdateTrail\",\n  \"sourceIPAddress\": \"111.111.111.111\",\n"
    "  \"arrayKey\": [\"value\", \"another value\"],\n"
    "  \"objectList\": [{\"name\": \"a\", \"id\": 1}, {\"name\": \"b\", \"id\": 2}],\n"
    "  \"SomeObject\": null,\n  \"cluster.name\": \"c1\",\n  \"ThisFlag\": true\n}";

/* FilterAndPatternSyntax.md "JSON Metric Filter Examples" (all match) plus their negations. */
static void test_doc_json_examples(void) {
    static const char *pat[][2] = {
        {"{ $.eventType = \"UpdateTrail\" }", "{ $.eventType = \"UpdateTrai\" }"},
        {"{ $.sourceIPAddress != 123.123.* }", "{ $.sourceIPAddress != 111.111.* }"},
        {"{ $.arrayKey[0] = \"value\" }", "{ $.arrayKey[1] = \"value\" }"},
        {"{ $.objectList[1].id = 2 }", "{ $.objectList[0].id = 2 }"},
        {"{ $.SomeObject IS NULL }", "{ $.eventType IS NULL }"},
        {"{ $.SomeOtherObject NOT EXISTS }", "{ $.SomeObject NOT EXISTS }"},
        {"{ $.ThisFlag IS TRUE }", "{ $.ThisFlag IS FALSE }"},
        {"{ $.eventType = *Trail }", "{ $.eventType = *Trai }"},
        {"{ $.eventType = Update* }", "{ $.eventType = pdate* }"},
        {"{ $.eventType = *dateTr* }", "{ $.eventType = Upd*Trail }"}, /* inner * is literal */
        {"{ $.eventType = %^Update[A-Z]% }", "{ $.eventType = %^update% }"},
        {"{ $.eventType != %Delete% }", "{ $.eventType != %Update% }"},
        {"{ $.objectList[0].name = a && $.objectList[1].name = b }", "{ $.objectList[0].name = b || $.objectList[1].name = a }"},
        {"{ $.eventType = \"*\" }", "{ $.nothing = \"*\" }"}, /* the CDK's exists() */
        {"{ $.objectList[1].id = \"2\" }", "{ $.objectList[1].id = \"02\" }"},
        {"{ $.ThisFlag = true }", "{ $.ThisFlag = false }"},
    };
    for (size_t i = 0; i < sizeof pat / sizeof pat[0]; i++) {
        sw_test_checks += 2;
        if (match_one(pat[i][0], k_json_event) != 1) T_FAIL_("%s should match", pat[i][0]);
        if (match_one(pat[i][1], k_json_event) != 0) T_FAIL_("%s should not match", pat[i][1]);
    }
}

static const char *k_compound_event =
    "{\"user\": {\"id\": 1, \"email\": \"John.Stiles@example.com\"},"
    " \"users\": [{\"id\": 2, \"email\": \"John.Doe@example.com\"}, {\"id\": 3, \"email\": \"Jane.Doe@example.com\"}],"
    " \"actions\": [\"GET\", \"PUT\", \"DELETE\"],"
    " \"coordinates\": [[0, 1, 2], [4, 5, 6], [7, 8, 9]]}";

/* "JSON Compound Conditions": precedence () > && > ||, and the selector-on-array rule. */
static void test_doc_json_compound(void) {
    const match_case c[] = {
        {"{ ($.user.id = 1) && ($.users[0].email = \"John.Doe@example.com\") }", k_compound_event, 1},
        {"{ ($.user.id = 2 && $.users[0].email = \"nonmatch\") || $.actions[2] = \"GET\" }", k_compound_event, 0},
        {"{ $.user.email = \"John.Stiles@example.com\" || $.coordinates[0][1] = nonmatch && $.actions[2] = nomatch }", k_compound_event, 1},
        {"{ ($.user.email = \"John.Stiles@example.com\" || $.coordinates[0][1] = nonmatch) && $.actions[2] = nomatch }", k_compound_event, 0},
        {"{ $.coordinates[2][1] = 8 }", k_compound_event, 1},
        {"{ $.coordinates[3][1] = 8 }", k_compound_event, 0},
        {"{ $.users = 1 }", "{\"users\": [1, 2, 3]}", 0},
        {"{ $.users != 1 }", "{\"users\": [1, 2, 3]}", 0},
        {"{ $.user != 1 }", k_compound_event, 0},
        {"{ $.missing != 1 }", k_compound_event, 0},
        {"{$.foo = bar}", "{\"foo\": \"bar\"}", 1},
        {"{$.foo = bar}", "{\"foo\": \"baz\"}", 0},
        {"{$.foo = baz }", "{\"foo\": \"baz\"}", 1},
        {"{$.foo = bar || $.foo = baz }", "{\"foo\": \"bar\"}", 1},
        {"{$.foo = bar || $.foo = baz }", "{\"foo\": \"baz\"}", 1},
        {"{$.foo = bar || $.foo = baz }", "{\"foo\": \"qux\"}", 0},
        {"{ $.a = 1 || $.b = 1 && $.c = 1 }", "{\"a\": 1, \"b\": 0, \"c\": 0}", 1},
        {"{ ($.a = 1 || $.b = 1) && $.c = 1 }", "{\"a\": 1, \"b\": 0, \"c\": 0}", 0},
    };
    RUN_MATCHES(c);
}

/* "Numeric Comparisons": every example pattern, with events on both sides of the bound. */
static void test_doc_json_numeric(void) {
    static const match_case c[] = {
        {"{ $.latency >= 500 }", "{\"latency\": 500}", 1},
        {"{ $.latency >= 500 }", "{\"latency\": 499.9}", 0},
        {"{ $.numbers[0] < 10e3 }", "{\"numbers\": [9999]}", 1},
        {"{ $.numbers[0] < 10e3 }", "{\"numbers\": [10000]}", 0},
        {"{ $.numbers[0] < 10e-3 }", "{\"numbers\": [0.005]}", 1},
        {"{ $.numbers[0] < 10e-3 }", "{\"numbers\": [0.01]}", 0},
        {"{ $.processes[4].averageRuntime <= 55.5 }", "{\"processes\": [0,0,0,0,{\"averageRuntime\": 55.5}]}", 1},
        {"{ $.processes[4].averageRuntime <= 55.5 }", "{\"processes\": [0,0,0,0,{\"averageRuntime\": 55.51}]}", 0},
        {"{ $.errorCode = 400 }", "{\"errorCode\": 400}", 1},
        {"{ $.errorCode = 400 }", "{\"errorCode\": 400.0}", 1},
        {"{ $.errorCode = 400 }", "{\"errorCode\": 401}", 0},
        {"{ $.errorCode = 400 }", "{\"errorCode\": \"400\"}", 1},
        {"{ $.errorCode != 500 }", "{\"errorCode\": 400}", 1},
        {"{ $.errorCode != 500 }", "{\"errorCode\": 500}", 0},
        {"{ $.latency > +1000 }", "{\"latency\": 1001}", 1},
        {"{ $.latency > +1000 }", "{\"latency\": 1000}", 0},
        {"{ $.latency > 1.5e3 }", "{\"latency\": 1500.5}", 1},
        {"{ $.latency > -1 }", "{\"latency\": 0}", 1},
        {"{ $.latency > 5 }", "{\"latency\": \"7\"}", 0}, /* a string is not a number */
        {"{ $.latency > 5 }", "{\"latency\": true}", 0},
        {"{ $.code = 4* }", "{\"code\": 404}", 1}, /* wildcard against a number's text */
        {"{ $.latency = * }", "{\"latency\": 12}", 1},
        {"{ $.latency = * }", "{\"other\": 12}", 0},
        {"{ $.big = 9007199254740993 }", "{\"big\": 9007199254740993}", 1},
    };
    RUN_MATCHES(c);
}

static const char *k_apache[] = {
    "127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] \"GET /apache_pb.gif HTTP/1.0\" 200 1534",
    "127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] \"GET /apache_pb.gif HTTP/1.0\" 500 5324",
    "127.0.0.1 - frank [10/Oct/2000:13:50:35 -0700] \"GET /apache_pb.gif HTTP/1.0\" 200 4355",
    "127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] \"GET /index.html HTTP/1.0\" 404 1534",
    "127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] \"GET /index.html HTTP/1.0\" 403 900",
};

/* "Using Metric Filters to Extract Values from Space-Delimited Log Events": every pattern on the page. */
static void test_doc_delimited(void) {
    static const struct { const char *p; int want[5]; } c[] = {
        {"[ip, user, username, timestamp, request, status_code, bytes]", {1, 1, 1, 1, 1}},
        {"[..., status_code, bytes]", {1, 1, 1, 1, 1}},
        {"[ip, user, ..., status_code, bytes]", {1, 1, 1, 1, 1}},
        {"[ip, user, ...]", {1, 1, 1, 1, 1}},
        {"[ip, user, username, timestamp, request, status_code, bytes > 1000]", {1, 1, 1, 1, 0}},
        {"[ip, user, username, timestamp, request, status_code = 200, bytes]", {1, 0, 1, 0, 0}},
        {"[ip, user, username, timestamp, request, status_code = 4*, bytes]", {0, 0, 0, 1, 1}},
        {"[ip, user, username, timestamp, request = *html*, status_code = 4*, bytes]", {0, 0, 0, 1, 1}},
        {"[ip, user, username, timestamp, request, status_code = 4* && status_code != 403, bytes]", {0, 0, 0, 1, 0}},
        {"[..., request=*.html*, status_code=4*,]", {0, 0, 0, 1, 1}},
        {"[ip, user, username, timestamp, request, status_code, bytes, extra]", {0, 0, 0, 0, 0}},
        {"[ip, user, username, timestamp, request, status_code]", {0, 0, 0, 0, 0}},
        {"[ip=127.0.0.1, ...]", {1, 1, 1, 1, 1}},
        {"[..., status_code=500 || status_code=404, bytes]", {0, 1, 0, 1, 0}},
        {"[..., status_code != 200, bytes < 1000]", {0, 0, 0, 0, 1}},
        {"[..., timestamp = \"10/Oct/2000:13:35*\", request, status_code, bytes]", {0, 1, 0, 0, 0}},
        {"[..., request = %index\\.html%, ...]", {0, 0, 0, 1, 1}},
        {"[ip, ..., status_code = %^5\\d\\d$%, bytes]", {0, 1, 0, 0, 0}},
        {"[,,, timestamp, ...]", {1, 1, 1, 1, 1}},
        {"[..., $6 = 500 , bytes]", {0, 1, 0, 0, 0}},
        /* The page's "[..., status_code = 4* && bytes > 1000]" names a field the pattern lacks (bytes):
         * such a condition is false, and status_code takes the last field, so nothing matches. */
        {"[..., status_code = 4* && bytes > 1000]", {0, 0, 0, 0, 0}},
        {"[..., status_code = 4* && bytes > 1000, bytes]", {0, 0, 0, 1, 0}},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        char err[256];
        sw_filter *f = sw_filter_compile(c[i].p, strlen(c[i].p), err, sizeof err);
        if (!f) { T_FAIL_("%s: %s", c[i].p, err); continue; }
        T_EQ_INT(sw_filter_get_kind(f), SW_FILTER_DELIMITED);
        for (int e = 0; e < 5; e++) {
            sw_test_checks++;
            if (sw_filter_match(f, k_apache[e], strlen(k_apache[e])) != c[i].want[e])
                T_FAIL_("pattern %s on event %d: want %d", c[i].p, e, c[i].want[e]);
        }
        sw_filter_free(f);
    }
}

/* OR pattern matching in space-delimited filters, with the page's three events. The page claims
 * [w1=!ERROR&&w1=!WARN, w2] matches "ERROR WARN message"; that event has three fields and w1 = ERROR,
 * so under the page's own field rules it cannot: skywatch reads =! as != and matches none. */
static void test_doc_delimited_or(void) {
    static const match_case c[] = {
        {"[w1=ERROR, w2]", "ERROR WARN message", 0},
        {"[w1=ERROR, w2]", "ERROR message", 1},
        {"[w1=ERROR, w2]", "WARN message", 0},
        {"[w1=ERROR || w1=WARN, w2]", "ERROR WARN message", 0},
        {"[w1=ERROR || w1=WARN, w2]", "ERROR message", 1},
        {"[w1=ERROR || w1=WARN, w2]", "WARN message", 1},
        {"[w1=!ERROR&&w1=!WARN, w2]", "ERROR message", 0},
        {"[w1=!ERROR&&w1=!WARN, w2]", "WARN message", 0},
        {"[w1=!ERROR&&w1=!WARN, w2]", "INFO message", 1},
        {"[w1=ERROR || w1=WARN, ...]", "ERROR WARN message", 1},
    };
    RUN_MATCHES(c);
}

/* The runbook's patterns (docs/operations.md) on typical events. */
static void test_runbook_patterns(void) {
    static const match_case c[] = {
        {"ERROR", "2024-05-01T10:00:00Z ERROR payment declined", 1},
        {"ERROR", "2024-05-01T10:00:00Z INFO ok", 0},
        {"\"authentication failed\"", "user=bob authentication failed from 10.0.0.1", 1},
        {"\"authentication failed\"", "user=bob authentication succeeded", 0},
        {"rate_limit_exceeded", "429 rate_limit_exceeded for key abc", 1},
        {"rate_limit_exceeded", "429 rate limit exceeded", 0},
        {"[timestamp, requestId, level=ERROR, event=SECURITY_VIOLATION]", "2024-05-01T10:00:00Z 8f1c ERROR SECURITY_VIOLATION", 1},
        {"[timestamp, requestId, level=ERROR, event=SECURITY_VIOLATION]", "2024-05-01T10:00:00Z 8f1c WARN SECURITY_VIOLATION", 0},
        {"[timestamp, requestId, level=ERROR, event=SECURITY_VIOLATION]", "2024-05-01T10:00:00Z 8f1c ERROR SECURITY_VIOLATION extra", 0},
        {"{ $.level = \"ERROR\" }", "{\"level\":\"ERROR\",\"msg\":\"boom\"}", 1},
        {"{ $.level = \"ERROR\" }", "{\"level\":\"INFO\",\"msg\":\"ERROR\"}", 0},
        {"{ $.level = \"ERROR\" }", "level=ERROR", 0},
        {"{ $.duration > 2000 }", "{\"duration\": 2500, \"path\": \"/api\"}", 1},
        {"{ $.duration > 2000 }", "{\"duration\": 2000}", 0},
        {"{ $.duration > 2000 }", "{\"duration\": \"slow\"}", 0},
    };
    RUN_MATCHES(c);
}

/* AWS's InvalidParameterException messages for patterns it refuses, and our own for the rest. */
static void test_invalid_patterns(void) {
    static const error_case c[] = {
        {"?Status: timeout", "Invalid character(s) in term ':'"},
        {"PlayerSpawnedInWorld (reason: JoinMultiplayer", "Invalid character(s) in term '('"},
        {"level\\\":\\\"error", "Invalid character(s) in term '\\'"},
        {"`ERROR`", "Invalid character(s) in term '`'"},
        {"{ $.\"sc-status\" = 5* }", "Invalid character(s) in term '$.\"'"},
        {"ERROR-1", "Invalid character(s) in term '-'"},
        {"ERROR.log", "Invalid character(s) in term '.'"},
        {"caf\xc3\xa9", "Invalid character(s) in term '\xc3\xa9'"},
        {"%something!%", "Invalid character(s) in term '!'"},
        {"%(a|b)%", "Invalid character(s) in term '('"},
        {"%a%b%c%d%e%f%", "Invalid character(s)"},
        {"%a% %b% %c%", "at most 2 regular expressions"},
        {"{ $.a = %a% || $.b = %b% || $.c = %c% }", "at most 2 regular expressions"},
        {"[a=%x%, b=%y%, c=%z%]", "at most 2 regular expressions"},
        {"%[a-%", "Invalid regex"},
        {"%%", "empty regular expression"},
        {"\"unbalanced", "unbalanced quotes"},
        {"ERROR \"half", "unbalanced quotes"},
        {"%unbalanced", "unbalanced '%'"},
        {"{ $.a = 1", "unbalanced braces"},
        {"{ $.a = \"x }", "unbalanced quotes"},
        {"{ ($.a = 1 }", "unbalanced parentheses"},
        {"{ $.a = 1 } extra", "unexpected"},
        {"{ }", "expected a condition"},
        {"{ $.a }", "missing operator"},
        {"{ $.a = }", "Invalid character(s) in term '}'"},
        {"{ $.a = 1 && }", "expected a condition"},
        {"{ $.a > abc }", "is not a number"},
        {"{ $.a > %x% }", "only be compared with = or !="},
        {"{ $.a IS MAYBE }", "expected NULL, TRUE or FALSE"},
        {"{ $.a NOT THERE }", "expected EXISTS"},
        {"{ $.a EXISTS }", "expected an operator, IS or NOT EXISTS after the selector, not 'EXISTS'"},
        {"{ $.a[*] = 1 }", "Invalid character(s) in term '$.a['"},
        {"{ $.['a.b'] = 1 }", "Invalid character(s) in term '$.['"},
        {"{ $[0] = 1 }", "Invalid character(s) in term '$['"},
        {"{ $. = 1 }", "Invalid character(s)"},
        {"{ $.a@b = 1 }", "Invalid character(s) in term '$.a@'"},
        {"{ $.a = x@y }", "Invalid character(s) in term '@'"},
        {"[a, b", "unbalanced brackets"},
        {"[a, b=\"x]", "unbalanced quotes"},
        {"[a b]", "Invalid character(s) in term 'b'"},
        {"[a, b] x", "unexpected"},
        {"[a, b > x]", "is not a number"},
        {"[a, b = 1 &&]", "Invalid character(s) in term ']'"},
        {"[a-b]", "Invalid character(s) in term 'a-'"},
        {"?", "Invalid character(s) in term '?'"},
        {"ERROR -", "Invalid character(s) in term '-'"},
    };
    RUN_ERRORS(c);
}

static char *repeat(const char *unit, size_t times, const char *head, const char *tail) {
    size_t u = strlen(unit), h = strlen(head), t = strlen(tail);
    char *s = malloc(h + u * times + t + 1), *d = s;
    memcpy(d, head, h); d += h;
    for (size_t i = 0; i < times; i++) { memcpy(d, unit, u); d += u; }
    memcpy(d, tail, t); d += t;
    *d = '\0';
    return s;
}

/* Hostile patterns: length limit, deep parentheses, NUL bytes, huge numbers. */
static void test_hostile_patterns(void) {
    char err[256];
    char *p = repeat("a", 1025, "", "");
    T_ASSERT(sw_filter_compile(p, 1025, err, sizeof err) == NULL);
    T_ASSERT(strstr(err, "filterPattern") && strstr(err, "length less than or equal to 1024"));
    sw_filter *f = sw_filter_compile(p, 1024, err, sizeof err);
    T_ASSERT(f != NULL);
    T_EQ_INT(sw_filter_match(f, p, 1025), 1);
    T_EQ_INT(sw_filter_match(f, p, 1023), 0);
    sw_filter_free(f);
    free(p);

    p = repeat("(", 200, "{ ", "$.a = 1");
    char *q = repeat(")", 200, p, " }");
    f = sw_filter_compile(q, strlen(q), err, sizeof err);
    T_ASSERT(f != NULL);
    if (f) { T_EQ_INT(sw_filter_match(f, "{\"a\":1}", 7), 1); sw_filter_free(f); }
    free(p); free(q);
    p = repeat("(", 300, "{ ", "$.a = 1");
    q = repeat(")", 300, p, " }");
    T_ASSERT(sw_filter_compile(q, strlen(q), err, sizeof err) == NULL);
    T_ASSERT(strstr(err, "nested too deeply") != NULL);
    free(p); free(q);

    p = repeat(" && $.a = 1", 90, "{ $.a = 1", " }");
    f = sw_filter_compile(p, strlen(p), err, sizeof err);
    T_ASSERT(f != NULL);
    if (f) { T_EQ_INT(sw_filter_match(f, "{\"a\":1}", 7), 1); sw_filter_free(f); }
    free(p);

    T_ASSERT(sw_filter_compile("ERR\0OR", 6, err, sizeof err) == NULL);
    T_ASSERT(strstr(err, "'\\0'") != NULL);
    f = sw_filter_compile("\"a\0b\"", 5, err, sizeof err);
    T_ASSERT(f != NULL);
    if (f) {
        T_EQ_INT(sw_filter_match(f, "xa\0by", 5), 1);
        T_EQ_INT(sw_filter_match(f, "xa by", 5), 0);
        sw_filter_free(f);
    }
    T_ASSERT(sw_filter_compile("{ $.a = 1 }\0", 12, err, sizeof err) == NULL);
    T_ASSERT(sw_filter_compile("%a\0b%", 5, err, sizeof err) == NULL);

    static const match_case c[] = {
        {"{ $.a > 1e400 }", "{\"a\": 1e300}", 0},
        {"{ $.a < 1e400 }", "{\"a\": 1e300}", 1},
        {"{ $.a < 1e400 }", "{\"a\": 1e400}", 0},  /* overflows: not valid JSON for the decoder */
        {"{ $.a > -1e400 }", "{\"a\": -1e300}", 1},
        {"[a > 99999999999999999999999999999]", "1e30", 1},
        {"[a = 1]", "1.0", 1},
        {"[a = 1]", "01", 1},
        {"[a = 1]", "1x", 0},
        {"[a = \"1\"]", "1.0", 0},
        {"{ $.a[999999999] = 1 }", "{\"a\": [1]}", 0},
    };
    RUN_MATCHES(c);
    T_ASSERT(sw_filter_compile("{ $.a[1234567890] = 1 }", 23, err, sizeof err) == NULL);
}

/* Hostile events: not JSON, almost JSON, NUL bytes, deep nesting, 10,000 fields. */
static void test_hostile_events(void) {
    static const match_case c[] = {
        {"{ $.a = 1 }", "", 0},
        {"{ $.a = 1 }", "not json", 0},
        {"{ $.a = 1 }", "{\"a\": 1", 0},
        {"{ $.a = 1 }", "{\"a\": 1}}", 0},
        {"{ $.a = 1 }", "{\"a\": 1,}", 0},
        {"{ $.a = 1 }", "[{\"a\": 1}]", 0},
        {"{ $.a = 1 }", "  {\"a\": 1}  ", 1},
        {"{ $.a NOT EXISTS }", "not json", 0},
        {"{ $.a NOT EXISTS }", "{}", 1},
        {"{ $.a = \"\\u00e9\" }", "{\"a\": \"\\u00e9\"}", 0}, /* pattern escapes are not JSON escapes */
        {"{ $.a = \"\xc3\xa9\" }", "{\"a\": \"\\u00e9\"}", 1},
        {"{ $.a = \"q\\\"x\" }", "{\"a\": \"q\\\"x\"}", 1},
        {"{ $.a.b = 1 }", "{\"a\": \"b\"}", 0},
        {"{ $.a.b NOT EXISTS }", "{\"a\": \"b\"}", 1},
        {"{ $.a[0] = 1 }", "{\"a\": {\"0\": 1}}", 0},
        {"{ $.a = 2 }", "{\"a\": 1, \"a\": 2}", 1}, /* duplicate keys: the last wins */
        {"[a, b]", "", 0},
        {"[a]", "   ", 0},
        {"[a, b]", "\"unterminated quote here", 0},
        {"[a]", "\"unterminated quote here", 1},
        {"[a, b]", "[unterminated bracket", 0},
        {"[a, b]", "[nested [brackets] here] x", 1},
        {"[a, b=x]", "\"\" x", 1},
        {"[a, b]", "one\ttwo", 1},
        {"[...]", "", 1},
        {"[..., ...]", "x", 1},
    };
    RUN_MATCHES(c);

    char err[256];
    sw_filter *f = sw_filter_compile("ERROR", 5, err, sizeof err);
    T_EQ_INT(sw_filter_match(f, "\0\0ERROR\0", 8), 1);
    T_EQ_INT(sw_filter_match(f, "ERR\0OR", 6), 0);
    sw_filter_free(f);

    char *deep = repeat("[", 100, "{\"a\":", "");
    char *deep2 = repeat("]", 100, deep, "}");
    f = sw_filter_compile("{ $.a NOT EXISTS }", 18, err, sizeof err);
    T_EQ_INT(sw_filter_match(f, deep2, strlen(deep2)), 0); /* deeper than the decoder allows: not JSON */
    sw_filter_free(f);
    free(deep); free(deep2);

    char *many = repeat(" 7", 9998, "first", " 200 last");
    f = sw_filter_compile("[first, ..., status=2*, last]", 29, err, sizeof err);
    T_EQ_INT(sw_filter_match(f, many, strlen(many)), 1);
    sw_buf b;
    sw_buf_init(&b);
    T_EQ_INT(sw_filter_extract(f, many, strlen(many), "$status", &b), 0);
    T_EQ_STR(b.data, "200");
    sw_buf_reset(&b);
    T_EQ_INT(sw_filter_extract(f, many, strlen(many), "$10000", &b), 0);
    T_EQ_STR(b.data, "200");
    sw_buf_free(&b);
    sw_filter_free(f);
    f = sw_filter_compile("[..., x=8, ..., y=9, ...]", 25, err, sizeof err);
    T_EQ_INT(sw_filter_match(f, many, strlen(many)), 0);
    sw_filter_free(f);
    free(many);

    char *big = repeat("{\"k\":1},", 20000, "{\"a\":[", "0]}");
    f = sw_filter_compile("{ $.a[20000] = 0 }", 18, err, sizeof err);
    T_EQ_INT(sw_filter_match(f, big, strlen(big)), 1);
    sw_filter_free(f);
    free(big);
}

static void extract_is(const char *pattern, const char *event, const char *sel, const char *want) {
    char err[256];
    sw_filter *f = sw_filter_compile(pattern, strlen(pattern), err, sizeof err);
    if (!f) { T_FAIL_("%s: %s", pattern, err); return; }
    sw_buf b;
    sw_buf_init(&b);
    int rc = sw_filter_extract(f, event, strlen(event), sel, &b);
    sw_test_checks++;
    if (want && (rc != 0 || b.len != strlen(want) || memcmp(b.data, want, b.len) != 0))
        T_FAIL_("extract %s from %s with %s: rc %d \"%.*s\", want \"%s\"", sel, event, pattern, rc, (int)b.len, b.data ? b.data : "", want);
    if (!want && rc != -1) T_FAIL_("extract %s from %s with %s: want absent", sel, event, pattern);
    sw_buf_free(&b);
    sw_filter_free(f);
}

/* metricValue and dimensions: "$.latency" from JSON, "$bytes"/"$3" from delimited events. */
static void test_extract(void) {
    const char *apache = "127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] \"GET /index.html HTTP/1.0\" 404 1534";
    extract_is("{ $.latency = * }", "{\"latency\": 1500}", "$.latency", "1500");
    extract_is("{ $.latency = * }", "{\"latency\": 1.5e3}", "$.latency", "1500");
    extract_is("{ $.latency = * }", "{\"latency\": 0.25}", "$.latency", "0.25");
    extract_is("{ $.latency = * }", "{\"latency\": \"12\"}", "$.latency", "12");
    extract_is("{ $.a = * }", "{\"a\": {\"b\": [10, {\"c\": \"x\\ny\"}]}}", "$.a.b[1].c", "x\ny");
    extract_is("{ $.a = * }", "{\"a\": {\"b\": [10, 20]}}", "$.a.b[0]", "10");
    extract_is("{ $.a = * }", "{\"a\": true}", "$.a", "true");
    extract_is("{ $.a = * }", "{\"a\": null}", "$.a", NULL);
    extract_is("{ $.a = * }", "{\"a\": [1]}", "$.a", NULL);
    extract_is("{ $.a = * }", "{\"a\": 1}", "$.missing", NULL);
    extract_is("{ $.a = * }", "{\"a\": 1}", "$.a[0]", NULL);
    extract_is("{ $.a = * }", "{\"a\": 1}", "$.a.", NULL);
    extract_is("{ $.a = * }", "{\"a\": 1}", "a", NULL);
    extract_is("{ $.a = * }", "not json", "$.a", NULL);
    extract_is("[ip, user, username, timestamp, request, status_code, bytes]", apache, "$bytes", "1534");
    extract_is("[ip, user, username, timestamp, request, status_code, bytes]", apache, "$3", "frank");
    extract_is("[ip, user, username, timestamp, request, status_code, bytes]", apache, "$timestamp", "10/Oct/2000:13:25:15 -0700");
    extract_is("[ip, user, username, timestamp, request, status_code, bytes]", apache, "$request", "GET /index.html HTTP/1.0");
    extract_is("[ip, user, username, timestamp, request, status_code, bytes]", apache, "$8", NULL);
    extract_is("[ip, user, username, timestamp, request, status_code, bytes]", apache, "$0", NULL);
    extract_is("[ip, user, username, timestamp, request, status_code, bytes]", apache, "$nope", NULL);
    extract_is("[ip, user, username, timestamp, request, status_code=200, bytes]", apache, "$bytes", NULL);
    extract_is("ERROR", "ERROR 5", "$1", NULL);
}

typedef struct { char out[1024]; size_t len; } fields_acc;

static void fields_cb(void *ud, const char *name, size_t nlen, const char *value, size_t vlen) {
    fields_acc *a = ud;
    a->len += (size_t)snprintf(a->out + a->len, sizeof a->out - a->len, "%.*s=%.*s|", (int)nlen, name, (int)vlen, value);
}

/* TestMetricFilter's extractedValues, as in the page's example for [..., request=*.html*, status_code=4*,]. */
static void test_fields(void) {
    const char *ev = "127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] \"GET /index.html HTTP/1.0\" 404 1534";
    char err[256];
    const char *p = "[..., request=*.html*, status_code=4*,]";
    sw_filter *f = sw_filter_compile(p, strlen(p), err, sizeof err);
    fields_acc a = {{0}, 0};
    T_EQ_INT(sw_filter_fields(f, ev, strlen(ev), fields_cb, &a), 7);
    T_EQ_STR(a.out, "$1=127.0.0.1|$2=-|$3=frank|$4=10/Oct/2000:13:25:15 -0700|"
                    "$request=GET /index.html HTTP/1.0|$status_code=404|$7=1534|");
    T_EQ_INT(sw_filter_fields(f, "a b c", 5, fields_cb, &a), -1);
    sw_filter_free(f);
    f = sw_filter_compile("{ $.a = 1 }", 11, err, sizeof err);
    T_EQ_INT(sw_filter_fields(f, "{\"a\":1}", 7, fields_cb, &a), -1);
    sw_filter_free(f);
}

static size_t terms_of(const char *pattern, const char **t, size_t *l) {
    char err[256];
    static sw_filter *f;
    sw_filter_free(f);
    f = sw_filter_compile(pattern, strlen(pattern), err, sizeof err);
    return f ? sw_filter_required_terms(f, t, l, 8) : 99;
}

static void test_required_terms_and_kind(void) {
    const char *t[8];
    size_t l[8];
    T_EQ_INT(terms_of("ERROR \"bad thing\" -DEBUG %x+%", t, l), 2);
    T_ASSERT(l[0] == 5 && memcmp(t[0], "ERROR", 5) == 0);
    T_ASSERT(l[1] == 9 && memcmp(t[1], "bad thing", 9) == 0);
    T_EQ_INT(terms_of("?ERROR ?WARN", t, l), 0);
    T_EQ_INT(terms_of("", t, l), 0);
    T_EQ_INT(terms_of("%x%", t, l), 0);
    T_EQ_INT(terms_of("{ $.a = 1 }", t, l), 0);
    T_EQ_INT(terms_of("[a, b]", t, l), 0);
    terms_of("", t, l);
    char err[8];
    sw_filter *f = sw_filter_compile("  { $.a = 1 }", 13, err, sizeof err);
    T_EQ_INT(sw_filter_get_kind(f), SW_FILTER_JSON);
    sw_filter_free(f);
    f = sw_filter_compile("ERROR", 5, err, sizeof err);
    T_EQ_INT(sw_filter_get_kind(f), SW_FILTER_TEXT);
    sw_filter_free(f);
    T_ASSERT(sw_filter_compile("{", 1, err, sizeof err) == NULL); /* a small err buffer is truncated, not overrun */
    T_EQ_INT(strlen(err), 7);
    T_ASSERT(sw_filter_compile("{", 1, NULL, 0) == NULL);
}

/* ---- bench: ./build/test_filter bench ---- */

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void bench_one(const char *name, const char *pattern, char **ev, size_t *len, size_t n) {
    char err[256];
    sw_filter *f = sw_filter_compile(pattern, strlen(pattern), err, sizeof err);
    size_t bytes = 0, hits = 0;
    double t0 = now_s();
    int rounds = 0;
    while (now_s() - t0 < 1.0) {
        for (size_t i = 0; i < n; i++) { hits += (size_t)sw_filter_match(f, ev[i], len[i]); bytes += len[i]; }
        rounds++;
    }
    double dt = now_s() - t0;
    printf("bench %-10s %-48s %8.0f MB/s %6.2f M events/s (%zu%% match)\n", name, pattern, bytes / dt / 1e6,
           (double)n * rounds / dt / 1e6, hits * 100 / (n * (size_t)rounds));
    sw_filter_free(f);
}

static void bench(void) {
    enum { N = 20000 };
    static char *text[N], *json[N], *delim[N];
    static size_t tl[N], jl[N], dl[N];
    static const char *lv[] = {"INFO", "INFO", "INFO", "WARN", "DEBUG", "ERROR"};
    uint32_t r = 12345;
    for (int i = 0; i < N; i++) {
        r = r * 1103515245 + 12345;
        const char *level = lv[(r >> 16) % 6];
        unsigned dur = (r >> 8) % 4000, code = 200 + (r >> 20) % 4 * 100;
        char b[512];
        int n = snprintf(b, sizeof b, "2024-05-01T10:%02d:%02d.%03dZ %s [req-%08x] GET /api/v1/orders/%u status=%u "
                         "duration_ms=%u user_agent=\"Mozilla/5.0 (X11; Linux x86_64)\" upstream=orders-svc-%u",
                         i / 60 % 60, i % 60, i % 1000, level, r, r % 100000, code, dur, r % 7);
        text[i] = strndup(b, (size_t)n); tl[i] = (size_t)n;
        n = snprintf(b, sizeof b, "{\"ts\":\"2024-05-01T10:%02d:%02dZ\",\"level\":\"%s\",\"requestId\":\"%08x\","
                     "\"method\":\"GET\",\"path\":\"/api/v1/orders/%u\",\"status\":%u,\"duration\":%u,"
                     "\"user\":{\"id\":%u,\"tier\":\"gold\"},\"tags\":[\"a\",\"b\"]}",
                     i / 60 % 60, i % 60, level, r, r % 100000, code, dur, r % 1000);
        json[i] = strndup(b, (size_t)n); jl[i] = (size_t)n;
        n = snprintf(b, sizeof b, "10.0.%u.%u - user%u [01/May/2024:10:%02d:%02d +0000] \"GET /api/v1/orders/%u HTTP/1.1\" %u %u",
                     r % 256, (r >> 8) % 256, r % 50, i / 60 % 60, i % 60, r % 100000, code, dur * 10);
        delim[i] = strndup(b, (size_t)n); dl[i] = (size_t)n;
    }
    bench_one("term", "ERROR", text, tl, N);
    bench_one("terms", "ERROR orders -DEBUG", text, tl, N);
    bench_one("phrase", "\"status=500\"", text, tl, N);
    bench_one("or", "?ERROR ?WARN", text, tl, N);
    bench_one("regex", "%status=5\\d\\d%", text, tl, N);
    bench_one("json", "{ $.level = \"ERROR\" }", json, jl, N);
    bench_one("json-num", "{ $.duration > 2000 && $.user.tier = gold }", json, jl, N);
    bench_one("delimited", "[ip, user, username, timestamp, request, status_code=5*, bytes>1000]", delim, dl, N);
    bench_one("delim-...", "[..., status_code=5*, bytes]", delim, dl, N);
    for (int i = 0; i < N; i++) { free(text[i]); free(json[i]); free(delim[i]); }
}

static void test_bench(void) {
    const char *b = getenv("SW_FILTER_BENCH");
    if (b && *b) bench();
}

/* sw_memfind agrees with memmem on every needle length and position, including the last bytes of the
 * haystack (where the 16-byte loop hands over to the tail), over a small alphabet so near-misses abound. */
static void test_memfind_agrees_with_memmem(void) {
    uint32_t x = 12345;
    for (int round = 0; round < 20000; round++) {
        char h[80], nd[20];
        x = x * 1103515245u + 12345u;
        size_t n = (x >> 8) % sizeof h, k = (x >> 16) % 12;
        for (size_t i = 0; i < n; i++) x = x * 1103515245u + 12345u, h[i] = "abE\n"[(x >> 20) % 4];
        for (size_t i = 0; i < k; i++) x = x * 1103515245u + 12345u, nd[i] = "abE\n"[(x >> 20) % 4];
        if (round % 3 == 0 && n >= k && k) memcpy(h + n - k, nd, k); /* at the very end */
        char *copy = malloc(n ? n : 1);                              /* exact size: ASan sees any overread */
        memcpy(copy, h, n);
        const char *want = memmem(copy, n, nd, k), *got = sw_memfind(copy, n, nd, k);
        if (want != got) fprintf(stderr, "  n=%zu k=%zu\n", n, k);
        T_ASSERT(want == got);
        free(copy);
    }
}

/* The field splitter (16 bytes at a time) agrees with the documented rules, written plainly here: fields are
 * separated by spaces, tabs, CR or LF; "..." and [...] (nested) are one field without their delimiters. */
typedef struct ref_fields { char f[64][96]; int n; } ref_fields;

static void collect_field(void *ud, const char *name, size_t nlen, const char *value, size_t vlen) {
    ref_fields *r = ud;
    (void)name, (void)nlen;
    if (r->n < 64) snprintf(r->f[r->n++], 96, "%.*s", (int)vlen, value);
}

static int ref_split(const char *m, size_t n, ref_fields *r) {
    size_t p = 0;
    r->n = 0;
    for (;;) {
        while (p < n && strchr(" \t\r\n", m[p]) && m[p]) p++;
        if (p >= n) return r->n;
        size_t q, off, len;
        if (m[p] == '"') {
            for (q = p + 1; q < n && m[q] != '"'; q++) {}
            off = p + 1, len = q - p - 1, p = q < n ? q + 1 : n;
        } else if (m[p] == '[') {
            int depth = 0;
            for (q = p; q < n; q++) {
                if (m[q] == '[') depth++;
                else if (m[q] == ']' && --depth == 0) break;
            }
            off = p + 1, len = q - p - 1, p = q < n ? q + 1 : n;
        } else {
            for (q = p; q < n && !(m[q] && strchr(" \t\r\n", m[q])); q++) {}
            off = p, len = q - p, p = q;
        }
        if (r->n < 64) snprintf(r->f[r->n++], 96, "%.*s", (int)len, m + off);
    }
}

static void test_delimited_split_agrees_with_the_rules(void) {
    sw_filter *f = sw_filter_compile("[...]", 5, NULL, 0);
    T_ASSERT(f != NULL);
    uint32_t x = 4242;
    static ref_fields want, got;
    for (int round = 0; round < 20000 && f; round++) {
        char m[90];
        x = x * 1103515245u + 12345u;
        size_t n = (x >> 8) % 80;
        for (size_t i = 0; i < n; i++) {
            x = x * 1103515245u + 12345u;
            m[i] = "ab  \t\r\n[]\"\x0b\x0c\xc3\xa9-"[(x >> 16) % 16];
        }
        ref_split(m, n, &want);
        got.n = 0;
        sw_filter_fields(f, m, n, collect_field, &got);
        int same = want.n == got.n;
        for (int k = 0; same && k < want.n; k++) same = strcmp(want.f[k], got.f[k]) == 0;
        if (!same) fprintf(stderr, "  split differs on \"%.*s\": %d vs %d fields\n", (int)n, m, got.n, want.n);
        T_ASSERT(same);
    }
    sw_filter_free(f);
}

sw_test_case sw_tests[] = {
    {"memfind_agrees_with_memmem", test_memfind_agrees_with_memmem},
    {"delimited_split_agrees_with_the_rules", test_delimited_split_agrees_with_the_rules},
    {"doc_unstructured_terms", test_doc_unstructured_terms},
    {"doc_unstructured_page", test_doc_unstructured_page},
    {"doc_regex", test_doc_regex},
    {"doc_json_examples", test_doc_json_examples},
    {"doc_json_compound", test_doc_json_compound},
    {"doc_json_numeric", test_doc_json_numeric},
    {"doc_delimited", test_doc_delimited},
    {"doc_delimited_or", test_doc_delimited_or},
    {"runbook_patterns", test_runbook_patterns},
    {"invalid_patterns", test_invalid_patterns},
    {"hostile_patterns", test_hostile_patterns},
    {"hostile_events", test_hostile_events},
    {"extract", test_extract},
    {"fields", test_fields},
    {"required_terms_and_kind", test_required_terms_and_kind},
    {"bench", test_bench},
    {NULL, NULL},
};

#include "test_main.h"
