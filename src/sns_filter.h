/* sns_filter.h -- SNS subscription filter policies (FilterPolicy, FilterPolicyScope): checked as AWS
 * checks them when set, and matched against each published message. Pure functions over JSON. */
#ifndef SW_SNS_FILTER_H
#define SW_SNS_FILTER_H
#include "value.h"
#include <jansson.h>
#include <stddef.h>

#define SW_SNS_FILTER_MAX_BYTES (256 * 1024)
#define SW_SNS_FILTER_MAX_KEYS 5
#define SW_SNS_FILTER_MAX_COMBINATIONS 150

/* Parses and checks a policy for the scope (body_scope 0: MessageAttributes, 1: MessageBody). Returns the
 * policy (caller decrefs), or NULL with AWS's "Invalid parameter: FilterPolicy: ..." reason in err. */
json_t *sw_sns_filter_parse(const char *policy, size_t len, int body_scope, char *err, size_t errlen);

/* The document a MessageAttributes policy is matched against: one member per attribute, String as a
 * string, Number as a number, String.Array as its JSON array (a string when it is not JSON), Binary as
 * an empty object (it exists, but no value condition matches it). attrs may be NULL. */
json_t *sw_sns_filter_attributes_doc(const sw_value *attrs);

/* 1 when doc (the attributes document, or the parsed message body; NULL when the body is not a JSON
 * object) passes the policy, else 0. */
int sw_sns_filter_match(const json_t *policy, const json_t *doc);

#endif
