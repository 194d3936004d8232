/* test_sns_filter.c -- SNS subscription filter policies: the examples of AWS's "Amazon SNS message filtering"
 * pages (attribute-based and payload-based), every operator with a value that matches and one that does
 * not, arrays, absent keys, $or, the limits exactly at and one past, and malformed policies. */
#include "test.h"
#include "arena.h"
#include "sns_filter.h"

/* Parses policy for the scope and matches it against doc (JSON text; NULL for a message that is not JSON).
 * -1 when the policy does not parse. */
static int match(const char *policy, int body, const char *doc) {
    char err[512];
    json_t *p = sw_sns_filter_parse(policy, strlen(policy), body, err, sizeof err);
    if (!p) { fprintf(stderr, "  policy refused: %s: %s\n", policy, err); return -1; }
    json_t *d = doc ? json_loads(doc, 0, NULL) : NULL;
    if (doc && !d) { fprintf(stderr, "  bad test document %s\n", doc); json_decref(p); return -1; }
    int r = sw_sns_filter_match(p, json_is_object(d) ? d : NULL);
    json_decref(p);
    json_decref(d);
    return r;
}

/* The reason a policy is refused, or "" when it parses. */
static const char *refusal(const char *policy, int body) {
    static char err[512];
    err[0] = '\0';
    json_t *p = sw_sns_filter_parse(policy, strlen(policy), body, err, sizeof err);
    if (p) { json_decref(p); return ""; }
    return err;
}

/* AWS's attribute example: the message of the "Example filter policies" page. */
#define ORDER "{\"customer_interests\":[\"soccer\",\"rugby\",\"hockey\"],\"store\":\"example_corp\"," \
              "\"event\":\"order_placed\",\"price_usd\":210.75}"

static void test_doc_attribute_example(void) {
    T_EQ_INT(match("{\"store\":[\"example_corp\"],\"event\":[{\"anything-but\":\"order_cancelled\"}],"
                   "\"customer_interests\":[\"rugby\",\"football\",\"baseball\"],\"price_usd\":[{\"numeric\":[\">=\",100]}]}",
                   0, ORDER), 1);
    /* Each key failing alone rejects the message. */
    T_EQ_INT(match("{\"store\":[\"other_corp\"]}", 0, ORDER), 0);
    T_EQ_INT(match("{\"event\":[{\"anything-but\":\"order_placed\"}]}", 0, ORDER), 0);
    T_EQ_INT(match("{\"customer_interests\":[\"football\",\"baseball\"]}", 0, ORDER), 0);
    T_EQ_INT(match("{\"price_usd\":[{\"numeric\":[\"<\",100]}]}", 0, ORDER), 0);
    /* A key the message does not have. */
    T_EQ_INT(match("{\"color\":[\"red\"]}", 0, ORDER), 0);
}

static void test_strings_and_numbers(void) {
    T_EQ_INT(match("{\"a\":[\"x\"]}", 0, "{\"a\":\"x\"}"), 1);
    T_EQ_INT(match("{\"a\":[\"x\"]}", 0, "{\"a\":\"X\"}"), 0); /* case-sensitive */
    T_EQ_INT(match("{\"a\":[\"5\"]}", 0, "{\"a\":5}"), 0);     /* a string does not match a Number */
    T_EQ_INT(match("{\"a\":[5]}", 0, "{\"a\":\"5\"}"), 0);     /* nor a number a String */
    T_EQ_INT(match("{\"a\":[5]}", 0, "{\"a\":5.0}"), 1);
    T_EQ_INT(match("{\"a\":[0.000011]}", 0, "{\"a\":0.000012}"), 1); /* five decimal places */
    T_EQ_INT(match("{\"a\":[0.00001]}", 0, "{\"a\":0.00002}"), 0);
    T_EQ_INT(match("{\"a\":[\"x\",\"y\"]}", 0, "{\"a\":\"y\"}"), 1);
    T_EQ_INT(match("{\"a\":[true]}", 1, "{\"a\":true}"), 1);
    T_EQ_INT(match("{\"a\":[false]}", 1, "{\"a\":true}"), 0);
    T_EQ_INT(match("{\"a\":[null]}", 1, "{\"a\":null}"), 1);
    T_EQ_INT(match("{\"a\":[null]}", 1, "{\"b\":1}"), 0);
}

static void test_operators(void) {
    T_EQ_INT(match("{\"a\":[{\"prefix\":\"bas\"}]}", 0, "{\"a\":\"baseball\"}"), 1);
    T_EQ_INT(match("{\"a\":[{\"prefix\":\"bas\"}]}", 0, "{\"a\":\"rugby\"}"), 0);
    T_EQ_INT(match("{\"a\":[{\"suffix\":\"ball\"}]}", 0, "{\"a\":\"baseball\"}"), 1);
    T_EQ_INT(match("{\"a\":[{\"suffix\":\"ball\"}]}", 0, "{\"a\":\"ba\"}"), 0);
    T_EQ_INT(match("{\"a\":[{\"equals-ignore-case\":\"Tennis\"}]}", 0, "{\"a\":\"TENNIS\"}"), 1);
    T_EQ_INT(match("{\"a\":[{\"equals-ignore-case\":\"Tennis\"}]}", 0, "{\"a\":\"Tennis2\"}"), 0);
    T_EQ_INT(match("{\"a\":[{\"anything-but\":[\"rugby\",\"tennis\"]}]}", 0, "{\"a\":\"soccer\"}"), 1);
    T_EQ_INT(match("{\"a\":[{\"anything-but\":[\"rugby\",\"tennis\"]}]}", 0, "{\"a\":\"tennis\"}"), 0);
    T_EQ_INT(match("{\"a\":[{\"anything-but\":100}]}", 0, "{\"a\":100}"), 0);
    T_EQ_INT(match("{\"a\":[{\"anything-but\":100}]}", 0, "{\"a\":101}"), 1);
    T_EQ_INT(match("{\"a\":[{\"anything-but\":{\"prefix\":\"order-\"}}]}", 0, "{\"a\":\"order-cancelled\"}"), 0);
    T_EQ_INT(match("{\"a\":[{\"anything-but\":{\"prefix\":\"order-\"}}]}", 0, "{\"a\":\"invoice\"}"), 1);
    T_EQ_INT(match("{\"a\":[{\"anything-but\":{\"suffix\":\".png\"}}]}", 0, "{\"a\":\"x.png\"}"), 0);
    /* anything-but needs the key: an absent one is not "anything but". */
    T_EQ_INT(match("{\"a\":[{\"anything-but\":\"x\"}]}", 0, "{\"b\":\"y\"}"), 0);
    T_EQ_INT(match("{\"a\":[{\"numeric\":[\">\",0,\"<=\",150]}]}", 0, "{\"a\":150}"), 1);
    T_EQ_INT(match("{\"a\":[{\"numeric\":[\">\",0,\"<=\",150]}]}", 0, "{\"a\":0}"), 0);
    T_EQ_INT(match("{\"a\":[{\"numeric\":[\"=\",301.5]}]}", 0, "{\"a\":301.5}"), 1);
    T_EQ_INT(match("{\"a\":[{\"numeric\":[\"<\",0]}]}", 0, "{\"a\":\"-1\"}"), 0); /* a String is not numeric */
    T_EQ_INT(match("{\"a\":[{\"exists\":true}]}", 0, "{\"a\":\"x\"}"), 1);
    T_EQ_INT(match("{\"a\":[{\"exists\":true}]}", 0, "{\"b\":\"x\"}"), 0);
    T_EQ_INT(match("{\"a\":[{\"exists\":false}]}", 0, "{\"b\":\"x\"}"), 1);
    T_EQ_INT(match("{\"a\":[{\"exists\":false}]}", 0, "{}"), 1);
    T_EQ_INT(match("{\"a\":[{\"exists\":false}]}", 0, "{\"a\":\"x\"}"), 0);
    T_EQ_INT(match("{\"ip\":[{\"cidr\":\"10.0.0.0/24\"}]}", 0, "{\"ip\":\"10.0.0.255\"}"), 1);
    T_EQ_INT(match("{\"ip\":[{\"cidr\":\"10.0.0.0/24\"}]}", 0, "{\"ip\":\"10.0.1.0\"}"), 0);
    T_EQ_INT(match("{\"ip\":[{\"cidr\":\"10.0.0.0/20\"}]}", 0, "{\"ip\":\"10.0.15.3\"}"), 1);
    T_EQ_INT(match("{\"ip\":[{\"cidr\":\"2001:db8::/32\"}]}", 0, "{\"ip\":\"2001:db8:1::1\"}"), 1);
    T_EQ_INT(match("{\"ip\":[{\"cidr\":\"2001:db8::/32\"}]}", 0, "{\"ip\":\"2001:db9::1\"}"), 0);
    T_EQ_INT(match("{\"ip\":[{\"cidr\":\"10.0.0.0/24\"}]}", 0, "{\"ip\":\"not an address\"}"), 0);
    /* Conditions of a key are OR'ed. */
    T_EQ_INT(match("{\"a\":[{\"prefix\":\"x\"},{\"numeric\":[\">\",10]}]}", 0, "{\"a\":11}"), 1);
}

static void test_arrays(void) {
    /* String.Array and arrays in a body: one element is enough. */
    T_EQ_INT(match("{\"a\":[\"rugby\"]}", 0, "{\"a\":[\"soccer\",\"rugby\"]}"), 1);
    T_EQ_INT(match("{\"a\":[{\"numeric\":[\">\",10]}]}", 0, "{\"a\":[1,20]}"), 1);
    T_EQ_INT(match("{\"a\":[{\"numeric\":[\">\",10]}]}", 0, "{\"a\":[1,2]}"), 0);
    T_EQ_INT(match("{\"a\":[{\"anything-but\":\"x\"}]}", 0, "{\"a\":[\"x\",\"y\"]}"), 1);
    T_EQ_INT(match("{\"a\":[{\"anything-but\":\"x\"}]}", 0, "{\"a\":[\"x\"]}"), 0);
    /* A Binary attribute exists but has no value to compare. */
    T_EQ_INT(match("{\"a\":[{\"exists\":true}]}", 0, "{\"a\":{}}"), 1);
    T_EQ_INT(match("{\"a\":[{\"anything-but\":\"x\"}]}", 0, "{\"a\":{}}"), 0);
}

/* AWS's payload-based example: a nested policy over a JSON message. */
#define PAYLOAD "{\"Records\":[{\"eventName\":\"ObjectCreated:Put\",\"s3\":{\"object\":{\"key\":\"photo.png\",\"size\":1024}}}," \
                "{\"eventName\":\"ObjectRemoved:Delete\"}],\"source\":\"aws.s3\",\"detail\":{\"state\":\"running\"}}"

static void test_payload(void) {
    T_EQ_INT(match("{\"Records\":{\"eventName\":[{\"prefix\":\"ObjectCreated:\"}]}}", 1, PAYLOAD), 1);
    T_EQ_INT(match("{\"Records\":{\"eventName\":[{\"prefix\":\"ObjectRestore:\"}]}}", 1, PAYLOAD), 0);
    T_EQ_INT(match("{\"Records\":{\"s3\":{\"object\":{\"size\":[{\"numeric\":[\">\",1000]}]}}}}", 1, PAYLOAD), 1);
    /* One array element must match the whole nested policy. */
    T_EQ_INT(match("{\"Records\":{\"eventName\":[\"ObjectRemoved:Delete\"],\"s3\":{\"object\":{\"size\":[{\"exists\":true}]}}}}", 1, PAYLOAD), 0);
    T_EQ_INT(match("{\"detail\":{\"state\":[\"running\"]},\"source\":[\"aws.s3\"]}", 1, PAYLOAD), 1);
    T_EQ_INT(match("{\"detail\":{\"state\":[\"stopped\"]}}", 1, PAYLOAD), 0);
    T_EQ_INT(match("{\"detail\":{\"missing\":[{\"exists\":false}]}}", 1, PAYLOAD), 1);
    T_EQ_INT(match("{\"nothere\":{\"x\":[{\"exists\":false}]}}", 1, PAYLOAD), 1);
    /* A message that is not a JSON object matches no payload policy but an exists:false one. */
    T_EQ_INT(match("{\"source\":[\"aws.s3\"]}", 1, NULL), 0);
}

static void test_or(void) {
    const char *p = "{\"source\":[\"aws.cloudwatch\"],\"$or\":[{\"metricName\":[\"CPUUtilization\"]},"
                    "{\"namespace\":[\"AWS/EC2\"]}]}";
    T_EQ_INT(match(p, 0, "{\"source\":\"aws.cloudwatch\",\"metricName\":\"CPUUtilization\"}"), 1);
    T_EQ_INT(match(p, 0, "{\"source\":\"aws.cloudwatch\",\"namespace\":\"AWS/EC2\"}"), 1);
    T_EQ_INT(match(p, 0, "{\"source\":\"aws.cloudwatch\",\"namespace\":\"AWS/RDS\"}"), 0);
    T_EQ_INT(match(p, 0, "{\"source\":\"aws.ec2\",\"metricName\":\"CPUUtilization\"}"), 0);
}

static void test_limits(void) {
    T_EQ_STR(refusal("{\"a\":[1],\"b\":[1],\"c\":[1],\"d\":[1],\"e\":[1]}", 0), "");
    T_EQ_STR(refusal("{\"a\":[1],\"b\":[1],\"c\":[1],\"d\":[1],\"e\":[1],\"f\":[1]}", 0),
             "Invalid parameter: FilterPolicy: Filter policy can not have more than 5 keys");
    /* 5 x 5 x 6 = 150 combinations is the most; 5 x 5 x 7 is too many. */
    T_EQ_STR(refusal("{\"a\":[1,2,3,4,5],\"b\":[1,2,3,4,5],\"c\":[1,2,3,4,5,6]}", 0), "");
    T_EQ_STR(refusal("{\"a\":[1,2,3,4,5],\"b\":[1,2,3,4,5],\"c\":[1,2,3,4,5,6,7]}", 0),
             "Invalid parameter: FilterPolicy: Filter policy is too complex");
    T_EQ_STR(refusal("{\"a\":[999999999.99999]}", 0), "");
    T_ASSERT(strstr(refusal("{\"a\":[1000000000]}", 0), "between -1.0E9 and 1.0E9") != NULL);
    size_t n = SW_SNS_FILTER_MAX_BYTES + 1;
    char *big = malloc(n + 1);
    memset(big, ' ', n);
    memcpy(big, "{\"a\":[\"x\"]}", 11);
    big[n] = '\0';
    T_EQ_STR(refusal(big, 0), "Invalid parameter: FilterPolicy: Filter policy is too large");
    free(big);
}

static void test_malformed(void) {
    T_EQ_STR(refusal("{\"a\":{\"b\":[\"x\"]}}", 0),
             "Invalid parameter: Filter policy scope MessageAttributes does not support nested filter policy");
    T_EQ_STR(refusal("{\"a\":{\"b\":[\"x\"]}}", 1), "");
    T_EQ_STR(refusal("{\"a\":\"x\"}", 0), "Invalid parameter: FilterPolicy: \"a\" must be an object or an array");
    T_EQ_STR(refusal("{\"a\":[{\"bogus\":1}]}", 0), "Invalid parameter: FilterPolicy: Unrecognized match type bogus");
    T_EQ_STR(refusal("{\"a\":[{\"exists\":\"yes\"}]}", 0),
             "Invalid parameter: FilterPolicy: exists match pattern must be either true or false.");
    T_EQ_STR(refusal("{\"a\":[[\"x\"]]}", 0), "Invalid parameter: FilterPolicy: Match value must be String, number, true, false, or null");
    T_EQ_STR(refusal("{\"a\":[{\"numeric\":[]}]}", 0), "Invalid parameter: FilterPolicy: Invalid member in numeric match: ]");
    T_EQ_STR(refusal("{\"a\":[{\"numeric\":[\"!\",1]}]}", 0), "Invalid parameter: FilterPolicy: Unrecognized numeric range operator: !");
    T_EQ_STR(refusal("{\"a\":[{\"numeric\":[\"<\",\"1\"]}]}", 0), "Invalid parameter: FilterPolicy: Value of < must be numeric");
    T_EQ_STR(refusal("{\"a\":[{\"numeric\":[\"<\",1,\">\",0]}]}", 0), "Invalid parameter: FilterPolicy: Too many elements in numeric expression");
    T_EQ_STR(refusal("{\"a\":[{\"numeric\":[\">\",1,\">\",5]}]}", 0), "Invalid parameter: FilterPolicy: Bad numeric range operator: >");
    T_EQ_STR(refusal("{\"a\":[{\"numeric\":[\">\",5,\"<\",1]}]}", 0), "Invalid parameter: FilterPolicy: Bottom must be less than top");
    T_EQ_STR(refusal("{\"a\":[{\"cidr\":\"10.0.0.0/33\"}]}", 0), "Invalid parameter: FilterPolicy: Malformed CIDR, one '/' required");
    T_EQ_STR(refusal("{\"a\":[{\"anything-but\":[\"x\",1]}]}", 0),
             "Invalid parameter: FilterPolicy: Inside anything but list, all values must be strings or all numbers");
    T_EQ_STR(refusal("{\"a\":[]}", 0), "Invalid parameter: FilterPolicy: Empty arrays are not allowed");
    T_EQ_STR(refusal("[\"a\"]", 0), "Invalid parameter: FilterPolicy: Filter policy must be a JSON object");
    T_ASSERT(strncmp(refusal("{\"a\":[\"x\"],\"a\":[\"y\"]}", 0), "Invalid parameter: FilterPolicy: failed to parse JSON.", 54) == 0);
    T_ASSERT(strncmp(refusal("{\"a\":[", 0), "Invalid parameter: FilterPolicy: failed to parse JSON.", 54) == 0);
    T_EQ_STR(refusal("{\"$or\":[{\"a\":[\"x\"]}]}", 0), "Invalid parameter: FilterPolicy: $or must be an array of at least two objects");
}

static void test_attributes_doc(void) {
    sw_arena a;
    sw_arena_init(&a, 0);
    sw_value *attrs = sw_v_map(&a);
    const char *spec[][3] = {{"store", "String", "example_corp"}, {"price_usd", "Number", "210.75"},
                             {"interests", "String.Array", "[\"rugby\",\"soccer\"]"}, {"odd", "String.Array", "not json"},
                             {"blob", "Binary", NULL}};
    for (size_t i = 0; i < sizeof spec / sizeof spec[0]; i++) {
        sw_value *v = sw_v_map(&a);
        sw_v_map_putc(&a, v, "DataType", sw_v_cstr(&a, spec[i][1]));
        if (spec[i][2]) sw_v_map_putc(&a, v, "StringValue", sw_v_cstr(&a, spec[i][2]));
        else sw_v_map_putc(&a, v, "BinaryValue", sw_v_blob(&a, "\x01\x02", 2));
        sw_v_map_putc(&a, attrs, spec[i][0], v);
    }
    json_t *doc = sw_sns_filter_attributes_doc(attrs);
    char *text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
    T_EQ_STR(text, "{\"blob\":{},\"interests\":[\"rugby\",\"soccer\"],\"odd\":\"not json\",\"price_usd\":210.75,\"store\":\"example_corp\"}");
    free(text);
    json_decref(doc);
    doc = sw_sns_filter_attributes_doc(NULL);
    T_EQ_INT(json_object_size(doc), 0);
    json_decref(doc);
    sw_arena_free(&a);
}

sw_test_case sw_tests[] = {
    {"doc_attribute_example", test_doc_attribute_example},
    {"strings_and_numbers", test_strings_and_numbers},
    {"operators", test_operators},
    {"arrays", test_arrays},
    {"payload", test_payload},
    {"or", test_or},
    {"limits", test_limits},
    {"malformed", test_malformed},
    {"attributes_doc", test_attributes_doc},
    {NULL, NULL},
};

#include "test_main.h"
