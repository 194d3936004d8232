/* test_sns.c -- SNS pieces without the wire: the delivery-policy schedule and its validation, the
 * MessageStructure=json choice, the strings AWS signs, and sw_sns_publish_internal (the alarm path) across
 * a reopen. */
#include "alloc.h"
#include "scheduler.h"
#include "service.h"
#include "sns_int.h"
#include "test.h"
#include <stdlib.h>
#include <unistd.h>

static int parse(const char *json, int topic, sw_sns_retry_policy *p) {
    char err[256];
    sw_sns_policy_default(p);
    return sw_sns_policy_parse(json, strlen(json), topic, p, err, sizeof err);
}

static void test_default_policy_is_three_retries_twenty_seconds_apart(void) {
    sw_sns_retry_policy p;
    sw_sns_policy_default(&p);
    T_EQ_INT(sw_sns_policy_delay(&p, 1), 20);
    T_EQ_INT(sw_sns_policy_delay(&p, 3), 20);
    T_EQ_INT(sw_sns_policy_delay(&p, 4), -1);
    T_EQ_INT(sw_sns_policy_delay(&p, 0), -1);
}

static void test_policy_phases_in_order(void) {
    sw_sns_retry_policy p;
    T_EQ_INT(parse("{\"healthyRetryPolicy\":{\"numRetries\":10,\"numNoDelayRetries\":2,\"numMinDelayRetries\":2,"
                   "\"numMaxDelayRetries\":2,\"minDelayTarget\":5,\"maxDelayTarget\":65,\"backoffFunction\":\"linear\"}}", 0, &p), 0);
    int want[] = {0, 0, 5, 5, 20, 35, 50, 65, 65, 65};
    for (int r = 1; r <= 10; r++) T_EQ_INT(sw_sns_policy_delay(&p, r), want[r - 1]);
    T_EQ_INT(sw_sns_policy_delay(&p, 11), -1);
}

static void test_backoff_curves_rise_to_the_maximum(void) {
    static const char *fns[] = {"linear", "arithmetic", "geometric", "exponential"};
    for (int f = 0; f < 4; f++) {
        char json[256];
        snprintf(json, sizeof json, "{\"http\":{\"defaultHealthyRetryPolicy\":{\"numRetries\":8,\"minDelayTarget\":1,"
                                    "\"maxDelayTarget\":100,\"backoffFunction\":\"%s\"}}}", fns[f]);
        sw_sns_retry_policy p;
        T_EQ_INT(parse(json, 1, &p), 0);
        int prev = 0;
        for (int r = 1; r <= 8; r++) {
            int d = sw_sns_policy_delay(&p, r);
            T_ASSERT(d >= prev && d >= 1 && d <= 100);
            prev = d;
        }
        T_EQ_INT(prev, 100);
    }
}

static void test_bad_policies_are_refused_with_a_reason(void) {
    static const char *bad[] = {
        "not json", "[]", "{\"healthyRetryPolicy\":[]}", "{\"healthyRetryPolicy\":{\"numRetries\":101}}",
        "{\"healthyRetryPolicy\":{\"minDelayTarget\":30,\"maxDelayTarget\":20}}",
        "{\"healthyRetryPolicy\":{\"numRetries\":2,\"numNoDelayRetries\":2,\"numMaxDelayRetries\":1}}",
        "{\"healthyRetryPolicy\":{\"backoffFunction\":\"cubic\"}}", "{\"throttlePolicy\":{\"maxReceivesPerSecond\":0}}",
        "{\"healthyRetryPolicy\":{\"maxDelayTarget\":3601}}", "{\"healthyRetryPolicy\":{\"numRetries\":\"3\"}}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sw_sns_retry_policy p;
        char err[256] = "";
        sw_sns_policy_default(&p);
        T_EQ_INT(sw_sns_policy_parse(bad[i], strlen(bad[i]), 0, &p, err, sizeof err), -1);
        T_ASSERT(strncmp(err, "Invalid parameter: DeliveryPolicy", 33) == 0);
    }
}

static void test_message_structure_picks_protocol_then_default(void) {
    sw_arena a;
    sw_arena_init(&a, 0);
    const char *j = "{\"default\":\"d\",\"email\":\"e\"}", *m = NULL;
    char err[256];
    T_EQ_INT(sw_sns_message_for_protocol(&a, j, strlen(j), "email", &m, err, sizeof err), 0);
    T_EQ_STR(m, "e");
    T_EQ_INT(sw_sns_message_for_protocol(&a, j, strlen(j), "http", &m, err, sizeof err), 0);
    T_EQ_STR(m, "d");
    T_EQ_INT(sw_sns_message_for_protocol(&a, "{\"http\":\"x\"}", 12, "http", &m, err, sizeof err), -1);
    T_EQ_STR(err, "Invalid parameter: Message Structure - No default entry in JSON message body");
    sw_arena_free(&a);
}

static void test_strings_to_sign_follow_aws_order(void) {
    sw_sns_message n = {.type = "Notification", .msgid = "id", .topic_arn = "arn", .subject = "s", .message = "m", .timestamp = "t"};
    sw_buf b;
    sw_buf_init(&b);
    sw_sns_message_string_to_sign(&n, &b);
    sw_buf_putc(&b, '\0');
    T_EQ_STR(b.data, "Message\nm\nMessageId\nid\nSubject\ns\nTimestamp\nt\nTopicArn\narn\nType\nNotification\n");
    sw_buf_reset(&b);
    n.subject = NULL;
    sw_sns_message_string_to_sign(&n, &b);
    sw_buf_putc(&b, '\0');
    T_EQ_STR(b.data, "Message\nm\nMessageId\nid\nTimestamp\nt\nTopicArn\narn\nType\nNotification\n");
    sw_buf_reset(&b);
    sw_sns_message c = {.type = "SubscriptionConfirmation", .msgid = "id", .topic_arn = "arn", .message = "m", .timestamp = "t",
                        .token = "tok", .subscribe_url = "u"};
    sw_sns_message_string_to_sign(&c, &b);
    sw_buf_putc(&b, '\0');
    T_EQ_STR(b.data, "Message\nm\nMessageId\nid\nSubscribeURL\nu\nTimestamp\nt\nToken\ntok\nTopicArn\narn\nType\nSubscriptionConfirmation\n");
    sw_buf_free(&b);
}

static sw_sns *open_sns(const char *dir) {
    char err[256];
    sw_sns_options o = {.dir = dir, .public_url = "http://127.0.0.1:1"};
    sw_sns *s = sw_sns_open(&o, err, sizeof err);
    if (!s) fprintf(stderr, "  sw_sns_open: %s\n", err);
    return s;
}

static void test_publish_internal_survives_reopen_and_keeps_accounts_apart(void) {
    char dir[] = "/tmp/sw-sns-unit-XXXXXX";
    T_ASSERT(mkdtemp(dir) != NULL);
    sw_sns *s = open_sns(dir);
    T_ASSERT(s != NULL);
    if (!s) return;
    sw_arena a;
    sw_arena_init(&a, 0);
    sw_ctx ctx = {.arena = &a, .account = "111122223333", .region = "eu-west-1", .request_id = "r", .now_ms = 1000, .sns = s};
    sw_value *in = sw_v_map(&a), *out = NULL;
    sw_v_map_putc(&a, in, "Name", sw_v_cstr(&a, "alarms"));
    sw_error e = {0};
    T_EQ_INT(sw_service_handler(sw_sns_service(), "CreateTopic")(&ctx, in, &out, &e), 0);
    T_EQ_STR(sw_v_get_str(out, "TopicArn", NULL), "arn:aws:sns:eu-west-1:111122223333:alarms");
    char msgid[37], err[256];
    const char *arn = "arn:aws:sns:eu-west-1:111122223333:alarms";
    T_EQ_INT(sw_sns_publish_internal(s, "111122223333", "eu-west-1", arn, "ALARM: \"cpu\"", "{}", msgid, err, sizeof err), 0);
    T_EQ_INT(strlen(msgid), 36);
    T_EQ_INT(sw_sns_publish_internal(s, "999999999999", "eu-west-1", arn, NULL, "x", msgid, err, sizeof err), -1);
    T_EQ_STR(err, "Topic does not exist");
    T_EQ_INT(sw_sns_publish_internal(s, "111122223333", "us-east-1", arn, NULL, "x", msgid, err, sizeof err), -1);
    sw_sns_close(s);
    sw_scheduler_reset();
    s = open_sns(dir);
    T_ASSERT(s != NULL);
    if (s) T_EQ_INT(sw_sns_publish_internal(s, "111122223333", "eu-west-1", arn, NULL, "again", msgid, err, sizeof err), 0);
    sw_sns_close(s);
    sw_scheduler_reset();
    sw_arena_free(&a);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    T_EQ_INT(system(cmd), 0);
}

sw_test_case sw_tests[] = {
    {"default_policy_is_three_retries_twenty_seconds_apart", test_default_policy_is_three_retries_twenty_seconds_apart},
    {"policy_phases_in_order", test_policy_phases_in_order},
    {"backoff_curves_rise_to_the_maximum", test_backoff_curves_rise_to_the_maximum},
    {"bad_policies_are_refused_with_a_reason", test_bad_policies_are_refused_with_a_reason},
    {"message_structure_picks_protocol_then_default", test_message_structure_picks_protocol_then_default},
    {"strings_to_sign_follow_aws_order", test_strings_to_sign_follow_aws_order},
    {"publish_internal_survives_reopen_and_keeps_accounts_apart", test_publish_internal_survives_reopen_and_keeps_accounts_apart},
    {NULL, NULL},
};

#include "test_main.h"
