/* test_alarm_rule.c -- composite alarm rules: every example of AWS's composite-alarm pages, precedence, each
 * limit exactly at and one past, malformed rules with AWS's error texts, ARNs, and evaluation truth tables. */
#include "test.h"
#include "alarm_rule.h"

#define REGION "us-east-1"
#define ACCOUNT "123456789012"
#define ARN(name) "arn:aws:cloudwatch:" REGION ":" ACCOUNT ":alarm:" name

/* A world of alarms written "name=A,other=O,third=I" (A ALARM, O OK, I INSUFFICIENT_DATA); names not in it
 * do not exist. Counts lookups so tests can check each child is looked up once. */
typedef struct { const char *world; int calls; } world;

static int world_lookup(void *arg, const char *name) {
    world *w = arg;
    w->calls++;
    size_t n = strlen(name);
    for (const char *p = w->world; p && *p;) {
        const char *eq = strchr(p, '=');
        if (!eq) break;
        if ((size_t)(eq - p) == n && memcmp(p, name, n) == 0)
            return eq[1] == 'A' ? SW_ALARM_ALARM : eq[1] == 'O' ? SW_ALARM_OK : SW_ALARM_INSUFFICIENT;
        const char *comma = strchr(eq, ',');
        p = comma ? comma + 1 : NULL;
    }
    return -1;
}

typedef struct { const char *rule, *world; int want; } eval_case;
typedef struct { const char *rule, *error; } error_case;
typedef struct { const char *rule, *children; } children_case; /* children joined by '|' */

/* Parses and evaluates; -1 when the rule does not parse. */
static int eval_one(const char *rule, size_t len, const char *w) {
    char err[256];
    sw_alarm_rule *r = sw_alarm_rule_parse(rule, len, REGION, ACCOUNT, err, sizeof err);
    if (!r) { fprintf(stderr, "  parse failed for %.80s: %s\n", rule, err); return -1; }
    world wd = {w, 0};
    int v = sw_alarm_rule_eval(r, world_lookup, &wd);
    sw_alarm_rule_free(r);
    return v;
}

static void run_evals(const eval_case *c, size_t n) {
    for (size_t i = 0; i < n; i++) {
        int v = eval_one(c[i].rule, strlen(c[i].rule), c[i].world);
        sw_test_checks++;
        if (v != c[i].want) T_FAIL_("rule %s in world {%s}: got %d, want %d", c[i].rule, c[i].world, v, c[i].want);
    }
}

/* Expects a parse error whose message contains c.error. */
static void expect_error(const char *rule, size_t len, const char *want) {
    char err[256];
    sw_alarm_rule *r = sw_alarm_rule_parse(rule, len, REGION, ACCOUNT, err, sizeof err);
    sw_test_checks++;
    if (r) { T_FAIL_("rule %.80s parsed, want error containing \"%s\"", rule, want); sw_alarm_rule_free(r); }
    else if (!strstr(err, want)) T_FAIL_("rule %.80s: error \"%s\" lacks \"%s\"", rule, err, want);
}

static void run_errors(const error_case *c, size_t n) {
    for (size_t i = 0; i < n; i++) expect_error(c[i].rule, strlen(c[i].rule), c[i].error);
}

static void run_children(const children_case *c, size_t n) {
    for (size_t i = 0; i < n; i++) {
        char err[256], got[1024] = "";
        sw_alarm_rule *r = sw_alarm_rule_parse(c[i].rule, strlen(c[i].rule), REGION, ACCOUNT, err, sizeof err);
        sw_test_checks++;
        if (!r) { T_FAIL_("rule %s: %s", c[i].rule, err); continue; }
        for (size_t k = 0; k < sw_alarm_rule_nchildren(r); k++) {
            if (k) strcat(got, "|");
            strcat(got, sw_alarm_rule_child(r, k));
        }
        if (strcmp(got, c[i].children) != 0) T_FAIL_("rule %s: children \"%s\", want \"%s\"", c[i].rule, got, c[i].children);
        sw_alarm_rule_free(r);
    }
}

#define RUN_EVALS(t) run_evals(t, sizeof t / sizeof t[0])
#define RUN_ERRORS(t) run_errors(t, sizeof t / sizeof t[0])
#define RUN_CHILDREN(t) run_children(t, sizeof t / sizeof t[0])

/* API_PutCompositeAlarm.html (AlarmRule) and Create_Composite_Alarm.html: the three examples, each in the
 * states the page describes, and the console's quoted multi-line form. */
static void test_doc_examples(void) {
    static const eval_case c[] = {
        {"ALARM(CPUUtilizationTooHigh) AND ALARM(DiskReadOpsTooHigh)", "CPUUtilizationTooHigh=A,DiskReadOpsTooHigh=A", 1},
        {"ALARM(CPUUtilizationTooHigh) AND ALARM(DiskReadOpsTooHigh)", "CPUUtilizationTooHigh=A,DiskReadOpsTooHigh=O", 0},
        {"ALARM(CPUUtilizationTooHigh) AND ALARM(DiskReadOpsTooHigh)", "CPUUtilizationTooHigh=I,DiskReadOpsTooHigh=A", 0},
        {"ALARM(CPUUtilizationTooHigh) AND NOT ALARM(DeploymentInProgress)", "CPUUtilizationTooHigh=A,DeploymentInProgress=O", 1},
        {"ALARM(CPUUtilizationTooHigh) AND NOT ALARM(DeploymentInProgress)", "CPUUtilizationTooHigh=A,DeploymentInProgress=I", 1},
        {"ALARM(CPUUtilizationTooHigh) AND NOT ALARM(DeploymentInProgress)", "CPUUtilizationTooHigh=A,DeploymentInProgress=A", 0},
        {"ALARM(CPUUtilizationTooHigh) AND NOT ALARM(DeploymentInProgress)", "CPUUtilizationTooHigh=O,DeploymentInProgress=O", 0},
        {"(ALARM(CPUUtilizationTooHigh) OR ALARM(DiskReadOpsTooHigh)) AND OK(NetworkOutTooHigh)",
         "CPUUtilizationTooHigh=A,DiskReadOpsTooHigh=O,NetworkOutTooHigh=O", 1},
        {"(ALARM(CPUUtilizationTooHigh) OR ALARM(DiskReadOpsTooHigh)) AND OK(NetworkOutTooHigh)",
         "CPUUtilizationTooHigh=O,DiskReadOpsTooHigh=A,NetworkOutTooHigh=O", 1},
        {"(ALARM(CPUUtilizationTooHigh) OR ALARM(DiskReadOpsTooHigh)) AND OK(NetworkOutTooHigh)",
         "CPUUtilizationTooHigh=A,DiskReadOpsTooHigh=A,NetworkOutTooHigh=A", 0},
        {"(ALARM(CPUUtilizationTooHigh) OR ALARM(DiskReadOpsTooHigh)) AND OK(NetworkOutTooHigh)",
         "CPUUtilizationTooHigh=O,DiskReadOpsTooHigh=O,NetworkOutTooHigh=O", 0},
        {"(ALARM(\"CPUUtilizationTooHigh\") OR \nALARM(\"DiskReadOpsTooHigh\")) AND \nOK(\"NetworkOutTooHigh\")",
         "CPUUtilizationTooHigh=A,DiskReadOpsTooHigh=O,NetworkOutTooHigh=O", 1},
        {"(ALARM(\"CPUUtilizationTooHigh\") OR \nALARM(\"DiskReadOpsTooHigh\")) AND \nOK(\"NetworkOutTooHigh\")",
         "CPUUtilizationTooHigh=A,DiskReadOpsTooHigh=O,NetworkOutTooHigh=I", 0},
        /* "TRUE always evaluates to TRUE. FALSE always evaluates to FALSE." */
        {"TRUE", "", 1},
        {"FALSE", "", 0},
        /* The CDK's AlarmRule example: anyOf(allOf(anyOf(a1, fromAlarm(a2, OK), a3), not(fromAlarm(a4,
         * INSUFFICIENT_DATA))), fromBoolean(false)), as the CDK renders it. */
        {"((ALARM(\"a1\") OR OK(\"a2\") OR ALARM(\"a3\")) AND (NOT (INSUFFICIENT_DATA(\"a4\")))) OR FALSE",
         "a1=O,a2=O,a3=O,a4=A", 1},
        {"((ALARM(\"a1\") OR OK(\"a2\") OR ALARM(\"a3\")) AND (NOT (INSUFFICIENT_DATA(\"a4\")))) OR FALSE",
         "a1=O,a2=O,a3=O,a4=I", 0},
        /* aws-cdk#34757 renders an empty anyOf/allOf as FALSE: created, state OK. */
        {"FALSE", "a=A", 0},
    };
    RUN_EVALS(c);
}

/* NOT over AND over OR, left to right; parentheses override. */
static void test_precedence(void) {
    static const eval_case c[] = {
        {"TRUE OR FALSE AND FALSE", "", 1},   /* TRUE OR (FALSE AND FALSE) */
        {"FALSE AND FALSE OR TRUE", "", 1},   /* (FALSE AND FALSE) OR TRUE */
        {"(TRUE OR FALSE) AND FALSE", "", 0},
        {"NOT TRUE OR TRUE", "", 1},          /* (NOT TRUE) OR TRUE */
        {"NOT TRUE AND FALSE", "", 0},        /* (NOT TRUE) AND FALSE */
        {"NOT FALSE AND TRUE", "", 1},
        {"NOT (TRUE AND FALSE)", "", 1},
        {"NOT (FALSE OR TRUE)", "", 0},
        {"NOT NOT TRUE", "", 1},
        {"NOT NOT NOT TRUE", "", 0},
        {"TRUE AND NOT FALSE AND NOT NOT TRUE", "", 1},
        {"FALSE OR FALSE OR FALSE OR TRUE", "", 1},
        {"TRUE AND TRUE AND TRUE AND FALSE", "", 0},
        {"ALARM(a) OR ALARM(b) AND ALARM(c)", "a=A,b=O,c=O", 1},
        {"(ALARM(a) OR ALARM(b)) AND ALARM(c)", "a=A,b=O,c=O", 0},
        {"NOT ALARM(a) AND ALARM(b)", "a=O,b=A", 1},
        {"NOT (ALARM(a) AND ALARM(b))", "a=A,b=O", 1},
        {"NOT ALARM(a) AND ALARM(b)", "a=A,b=O", 0},
    };
    RUN_EVALS(c);
}

/* Whitespace anywhere between tokens, or none where a parenthesis separates them; quoted names with spaces,
 * parentheses and escapes; names that are keywords. */
static void test_lexical(void) {
    static const eval_case c[] = {
        {"ALARM(a)", "a=A", 1},
        {"  ALARM(a)  ", "a=A", 1},
        {"\tALARM ( a ) \r\n", "a=A", 1},
        {"(ALARM(a))AND(OK(b))", "a=A,b=O", 1},
        {"ALARM(a)AND ALARM(b)", "a=A,b=A", 1},
        {"NOT(ALARM(a))", "a=O", 1},
        {"((((TRUE))))", "", 1},
        {"ALARM(\"my alarm (prod)\")", "my alarm (prod)=A", 1},
        {"ALARM(\"say \\\"hi\\\"\")", "say \"hi\"=A", 1},
        {"ALARM(\"back\\\\slash\")", "back\\slash=A", 1},
        {"ALARM(\"a\\b\")", "a\\b=A", 1},            /* a backslash before anything else is itself */
        {"ALARM(TRUE) AND OK(ALARM)", "TRUE=A,ALARM=O", 1},
        {"ALARM(web-1.cpu_high/p99:x)", "web-1.cpu_high/p99:x=A", 1},
        {"ALARM(caf\xc3\xa9)", "caf\xc3\xa9=A", 1},
        {"INSUFFICIENT_DATA(a)", "a=I", 1},
        {"OK(a)", "a=O", 1},
    };
    RUN_EVALS(c);
}

/* ARNs resolve to names; an ARN and a name for the same alarm are one child. */
static void test_arns(void) {
    static const eval_case e[] = {
        {"ALARM(" ARN("cpu") ")", "cpu=A", 1},
        {"ALARM(\"" ARN("cpu high") "\")", "cpu high=A", 1},
        {"ALARM(" ARN("a:b:c") ")", "a:b:c=A", 1}, /* the name may contain colons */
        {"ALARM(arn:aws-cn:cloudwatch:" REGION ":" ACCOUNT ":alarm:x)", "x=A", 1},
    };
    RUN_EVALS(e);
    static const children_case c[] = {
        {"TRUE", ""},
        {"FALSE OR TRUE", ""},
        {"ALARM(a) OR OK(a) OR INSUFFICIENT_DATA(a)", "a"},
        {"ALARM(a) OR ALARM(" ARN("a") ") OR ALARM(\"a\")", "a"},
        {"ALARM(b) AND (OK(a) OR ALARM(c)) AND NOT ALARM(b)", "b|a|c"},
        {"ALARM(\"" ARN("x y") "\") OR OK(z)", "x y|z"},
    };
    RUN_CHILDREN(c);
}

/* Malformed rules, with AWS's own texts where known: aws-cdk#34662 ("()") and aws-cdk#13953 (an unquoted
 * name with spaces, inside an ARN in us-east-1, puts 'Oldest' at char 67). */
static void test_malformed(void) {
    static const error_case c[] = {
        {"()", "Error in AlarmRule [Unsupported token ')' at char 1]"},
        {"(ALARM(" ARN("SampleQueue Oldest Age Alarm") ") OR ALARM(" ARN("SampleQueue Visible Messages Alarm") "))",
         "Error in AlarmRule [Unsupported token 'Oldest' at char 67, must be: ')']"},
        {"ALARM(my alarm)", "Unsupported token 'alarm' at char 9, must be: ')'"},
        {"(ALARM(a)", "Unexpected end of rule at char 9, must be: ')'"},
        {"ALARM(a))", "Unsupported token ')' at char 8]"},
        {"((TRUE)", "must be: ')'"},
        {"TRUE)", "Unsupported token ')' at char 4]"},
        {" ", "Unexpected end of rule at char 1]"},
        {"ALARM(a) AND", "Unexpected end of rule at char 12]"},
        {"ALARM(a) OR", "Unexpected end of rule"},
        {"NOT", "Unexpected end of rule at char 3]"},
        {"AND ALARM(a)", "Unsupported token 'AND' at char 0]"},
        {"ALARM(a) AND OR ALARM(b)", "Unsupported token 'OR' at char 13]"},
        {"ALARM(a) ALARM(b)", "Unsupported token 'ALARM' at char 9]"},
        {"TRUE FALSE", "Unsupported token 'FALSE' at char 5]"},
        {"ALARM(a) XOR ALARM(b)", "Unsupported token 'XOR' at char 9]"},
        {"ALARMING(a)", "Unsupported token 'ALARMING' at char 0]"},
        {"WARNING(a)", "Unsupported token 'WARNING' at char 0]"},
        {"AT_LEAST(2, ALARM, (a, b))", "Unsupported token 'AT_LEAST' at char 0]"},
        {"TRUEAND FALSE", "Unsupported token 'TRUEAND' at char 0]"},
        {"ALARM a", "Unsupported token 'a' at char 6, must be: '('"},
        {"ALARM", "Unexpected end of rule at char 5, must be: '('"},
        {"ALARM()", "Unsupported token ')' at char 6]"},
        {"ALARM(", "Unexpected end of rule at char 6]"},
        {"ALARM(a", "Unexpected end of rule at char 7, must be: ')'"},
        {"ALARM((a))", "Unsupported token '(' at char 6]"},
        {"ALARM(\"a\" b)", "Unsupported token 'b' at char 10, must be: ')'"},
        {"ALARM(\"\")", "Empty alarm name at char 6]"},
        {"ALARM(\"unterminated)", "Unterminated quoted alarm name at char 6]"},
        {"ALARM(\"a\\\")", "Unterminated quoted alarm name"},
        {"\"ALARM\"(a)", "Unsupported token '\"ALARM\"' at char 0]"},
        {"caf\xc3\xa9 TRUE", "Unsupported token 'caf\xc3\xa9' at char 0]"},
        {"TRUE caf\xc3\xa9", "Unsupported token 'caf\xc3\xa9' at char 5]"},
        {"ALARM(\xc3\xa9) X", "Unsupported token 'X' at char 9]"}, /* characters, not bytes */
        /* Keywords are upper-case only (see alarm_rule.c). */
        {"alarm(a)", "Unsupported token 'alarm' at char 0]"},
        {"Alarm(a)", "Unsupported token 'Alarm'"},
        {"ALARM(a) and ALARM(b)", "Unsupported token 'and' at char 9]"},
        {"ALARM(a) or ALARM(b)", "Unsupported token 'or'"},
        {"not ALARM(a)", "Unsupported token 'not'"},
        {"true", "Unsupported token 'true'"},
        {"False", "Unsupported token 'False'"},
        {"ok(a)", "Unsupported token 'ok'"},
        {"insufficient_data(a)", "Unsupported token 'insufficient_data'"},
    };
    RUN_ERRORS(c);
    expect_error("", 0, "Member must have length greater than or equal to 1");
    expect_error("TRUE\0 OR TRUE", 13, "Error in AlarmRule [Unsupported character '\\0' at char 4]");
    expect_error("ALARM(\"a\0b\")", 12, "Unsupported character");
}

/* ARNs must be CloudWatch alarm ARNs of the composite's own Region and account. */
static void test_bad_arns(void) {
    static const error_case c[] = {
        {"ALARM(arn:aws:cloudwatch:" REGION ":" ACCOUNT ":alarm:)", "Invalid alarm ARN"},
        {"ALARM(arn:aws:cloudwatch:" REGION ":" ACCOUNT ":dashboard:x)", "Invalid alarm ARN"},
        {"ALARM(arn:aws:sns:" REGION ":" ACCOUNT ":alarm:x)", "Invalid alarm ARN"},
        {"ALARM(arn:aws:cloudwatch:" REGION ":" ACCOUNT ")", "Invalid alarm ARN"},
        {"ALARM(arn:aws:cloudwatch::" ACCOUNT ":alarm:x)", "Invalid alarm ARN"},
        {"ALARM(arn:aws:cloudwatch:" REGION "::alarm:x)", "Invalid alarm ARN"},
        {"ALARM(arn:gcp:cloudwatch:" REGION ":" ACCOUNT ":alarm:x)", "Invalid alarm ARN"},
        {"ALARM(arn:)", "Invalid alarm ARN 'arn:' at char 6]"},
        {"ALARM(arn:aws:cloudwatch:eu-west-1:" ACCOUNT ":alarm:x)", "is not in the Region and account of the composite alarm"},
        {"ALARM(arn:aws:cloudwatch:" REGION ":999999999999:alarm:x)", "is not in the Region and account of the composite alarm"},
        {"ALARM(arn:aws:cloudwatch:" REGION ":12345678901:alarm:x)", "is not in the Region and account"},
    };
    RUN_ERRORS(c);
    /* Without a region/account to check against, any Region and account resolve. */
    char err[256];
    const char *rule = "ALARM(arn:aws:cloudwatch:eu-west-1:999999999999:alarm:x)";
    sw_alarm_rule *r = sw_alarm_rule_parse(rule, strlen(rule), NULL, NULL, err, sizeof err);
    T_ASSERT(r != NULL);
    if (r) { T_EQ_STR(sw_alarm_rule_child(r, 0), "x"); sw_alarm_rule_free(r); }
}

/* A growable string for building large rules. */
typedef struct { char *s; size_t len, cap; } sbuf;

static void sb_add(sbuf *b, const char *s) {
    size_t n = strlen(s);
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->s = realloc(b->s, b->cap);
    }
    memcpy(b->s + b->len, s, n + 1);
    b->len += n;
}

/* n distinct children a0..a(n-1), ORed. */
static sbuf rule_children(int n) {
    sbuf b = {0};
    char t[32];
    for (int i = 0; i < n; i++) {
        snprintf(t, sizeof t, "%sALARM(a%d)", i ? " OR " : "", i);
        sb_add(&b, t);
    }
    return b;
}

/* "Each composite alarm can watch as many as 100 underlying alarms": 100 parse, 101 do not; repeats of one
 * child do not count again. */
static void test_limit_children(void) {
    char err[256];
    sbuf b = rule_children(100);
    sw_alarm_rule *r = sw_alarm_rule_parse(b.s, b.len, REGION, ACCOUNT, err, sizeof err);
    T_ASSERT(r != NULL);
    if (r) {
        T_EQ_INT(sw_alarm_rule_nchildren(r), 100);
        T_EQ_STR(sw_alarm_rule_child(r, 99), "a99");
        world w = {"a99=A", 0};
        T_EQ_INT(sw_alarm_rule_eval(r, world_lookup, &w), 1);
        T_EQ_INT(w.calls, 100);
        sw_alarm_rule_free(r);
    }
    free(b.s);
    b = rule_children(101);
    expect_error(b.s, b.len, "Error in AlarmRule [The rule references more than 100 child alarms at char");
    free(b.s);
    b = rule_children(100);
    for (int i = 0; i < 100; i++) sb_add(&b, " OR OK(a7)"); /* 200 elements, still 100 children */
    T_EQ_INT(eval_one(b.s, b.len, "a7=O"), 1);
    free(b.s);
}

/* "as many as 500 elements ... A pair of parentheses counts as one element." */
static void test_limit_elements(void) {
    sbuf b = {0};
    for (int i = 0; i < 500; i++) sb_add(&b, i ? " AND TRUE" : "TRUE");
    T_EQ_INT(eval_one(b.s, b.len, ""), 1);
    sb_add(&b, " AND FALSE");
    expect_error(b.s, b.len, "Error in AlarmRule [The rule has more than 500 elements at char 4500]");
    free(b.s);

    /* 250 functions on 50 children, each in its own parentheses: 500 elements. */
    b = (sbuf){0};
    char t[48];
    for (int i = 0; i < 250; i++) {
        snprintf(t, sizeof t, "%s(OK(c%d))", i ? " OR " : "", i % 50);
        sb_add(&b, t);
    }
    T_EQ_INT(eval_one(b.s, b.len, "c49=O"), 1);
    sb_add(&b, " OR TRUE");
    expect_error(b.s, b.len, "more than 500 elements");
    free(b.s);

    /* Nesting: 499 pairs around one TRUE is 500 elements; one pair more is 501. */
    for (int depth = 499; depth <= 500; depth++) {
        b = (sbuf){0};
        for (int i = 0; i < depth; i++) sb_add(&b, "(");
        sb_add(&b, "TRUE");
        for (int i = 0; i < depth; i++) sb_add(&b, ")");
        if (depth == 499) T_EQ_INT(eval_one(b.s, b.len, ""), 1);
        else expect_error(b.s, b.len, "more than 500 elements at char 500]");
        free(b.s);
    }

    /* A million open parentheses stop at the 501st, long before the stack could notice. */
    size_t n = 1000000;
    char *deep = malloc(n);
    memset(deep, '(', n);
    expect_error(deep, SW_ALARM_RULE_MAX_LEN, "more than 500 elements");
    free(deep);

    /* NOT is no element: 2,500 NOTs (10,000 characters) before one TRUE parse, without recursion. */
    b = (sbuf){0};
    for (int i = 0; i < 2500; i++) sb_add(&b, "NOT ");
    sb_add(&b, "TRUE");
    T_EQ_INT(b.len, 10004);
    T_EQ_INT(eval_one(b.s, b.len, ""), 1);
    free(b.s);
}

/* AlarmRule is at most 10,240 characters (the model's constraint), counted as characters, not bytes. */
static void test_limit_length(void) {
    sbuf b = {0};
    sb_add(&b, "TRUE");
    while (b.len < SW_ALARM_RULE_MAX_LEN) sb_add(&b, " ");
    T_EQ_INT(b.len, 10240);
    T_EQ_INT(eval_one(b.s, b.len, ""), 1);
    sb_add(&b, " ");
    expect_error(b.s, b.len, "Member must have length less than or equal to 10240");
    free(b.s);

    /* A 2-byte character counts once: 10,240 characters in 10,240 + 1,000 bytes still parse. */
    b = (sbuf){0};
    sb_add(&b, "ALARM(\"");
    for (int i = 0; i < 1000; i++) sb_add(&b, "\xc3\xa9");
    sb_add(&b, "\")");
    while (b.len < SW_ALARM_RULE_MAX_LEN + 1000) sb_add(&b, " ");
    char err[256];
    sw_alarm_rule *r = sw_alarm_rule_parse(b.s, b.len, REGION, ACCOUNT, err, sizeof err);
    T_ASSERT(r != NULL);
    sw_alarm_rule_free(r);
    sb_add(&b, " ");
    expect_error(b.s, b.len, "less than or equal to 10240");
    free(b.s);
}

/* Each function against every state of its child, and a child that does not exist. */
static void test_truth_functions(void) {
    static const struct { const char *fn; const char *world; int want; } c[] = {
        {"ALARM(x)", "x=A", 1}, {"ALARM(x)", "x=O", 0}, {"ALARM(x)", "x=I", 0}, {"ALARM(x)", "", 0},
        {"OK(x)", "x=A", 0}, {"OK(x)", "x=O", 1}, {"OK(x)", "x=I", 0}, {"OK(x)", "", 0},
        {"INSUFFICIENT_DATA(x)", "x=A", 0}, {"INSUFFICIENT_DATA(x)", "x=O", 0}, {"INSUFFICIENT_DATA(x)", "x=I", 1},
        {"INSUFFICIENT_DATA(x)", "", 0},
        {"NOT ALARM(x)", "", 1}, {"NOT OK(x)", "", 1}, {"NOT INSUFFICIENT_DATA(x)", "", 1},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        int v = eval_one(c[i].fn, strlen(c[i].fn), c[i].world);
        sw_test_checks++;
        if (v != c[i].want) T_FAIL_("%s in {%s}: got %d, want %d", c[i].fn, c[i].world, v, c[i].want);
    }
}

/* AND, OR and NOT over every pair of child states. */
static void test_truth_operators(void) {
    static const char *states = "AOI";
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            char w[32];
            snprintf(w, sizeof w, "a=%c,b=%c", states[i], states[j]);
            int a = i == 0, b = j == 0;
            T_EQ_INT(eval_one("ALARM(a) AND ALARM(b)", 21, w), a && b);
            T_EQ_INT(eval_one("ALARM(a) OR ALARM(b)", 20, w), a || b);
            T_EQ_INT(eval_one("NOT ALARM(a) AND NOT ALARM(b)", 29, w), !a && !b);
            T_EQ_INT(eval_one("NOT (ALARM(a) OR ALARM(b))", 26, w), !(a || b));
            T_EQ_INT(eval_one("ALARM(a) AND NOT ALARM(b) OR NOT ALARM(a) AND ALARM(b)", 54, w), a != b);
        }
}

static int bad_lookup(void *arg, const char *name) { (void)name; return *(int *)arg; }

/* Each child is looked up once per evaluation however often it appears; a NULL lookup or an out-of-range
 * answer means the child does not exist; a parsed rule is reusable. */
static void test_eval_contract(void) {
    char err[256];
    const char *rule = "ALARM(a) OR OK(a) OR INSUFFICIENT_DATA(a) OR ALARM(b) OR ALARM(" ARN("a") ")";
    sw_alarm_rule *r = sw_alarm_rule_parse(rule, strlen(rule), REGION, ACCOUNT, err, sizeof err);
    T_ASSERT(r != NULL);
    if (!r) return;
    world w = {"a=O,b=O", 0};
    T_EQ_INT(sw_alarm_rule_eval(r, world_lookup, &w), 1);
    T_EQ_INT(w.calls, 2);
    w = (world){"", 0};
    T_EQ_INT(sw_alarm_rule_eval(r, world_lookup, &w), 0);
    T_EQ_INT(w.calls, 2);
    T_EQ_INT(sw_alarm_rule_eval(r, NULL, NULL), 0);
    int odd = 7;
    T_EQ_INT(sw_alarm_rule_eval(r, bad_lookup, &odd), 0);
    odd = -5;
    T_EQ_INT(sw_alarm_rule_eval(r, bad_lookup, &odd), 0);
    sw_alarm_rule_free(r);
    sw_alarm_rule_free(NULL);

    /* err may be absent. */
    T_ASSERT(sw_alarm_rule_parse("(", 1, REGION, ACCOUNT, NULL, 0) == NULL);
    /* A short err buffer is truncated, not overrun. */
    char small[8];
    T_ASSERT(sw_alarm_rule_parse("()", 2, REGION, ACCOUNT, small, sizeof small) == NULL);
    T_EQ_STR(small, "Error i");
    /* Parsing does not read past len. */
    T_EQ_INT(eval_one("TRUE AND FALSE", 4, ""), 1);
}

sw_test_case sw_tests[] = {
    {"doc_examples", test_doc_examples},
    {"precedence", test_precedence},
    {"lexical", test_lexical},
    {"arns", test_arns},
    {"malformed", test_malformed},
    {"bad_arns", test_bad_arns},
    {"limit_children", test_limit_children},
    {"limit_elements", test_limit_elements},
    {"limit_length", test_limit_length},
    {"truth_functions", test_truth_functions},
    {"truth_operators", test_truth_operators},
    {"eval_contract", test_eval_contract},
    {NULL, NULL},
};

#include "test_main.h"
