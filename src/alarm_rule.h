/* alarm_rule.h -- composite alarm rules (PutCompositeAlarm's AlarmRule): parse once, evaluate on every child change. */
#ifndef SW_ALARM_RULE_H
#define SW_ALARM_RULE_H
#include <stddef.h>

/* The syntax follows the AlarmRule parameter of
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutCompositeAlarm.html and
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create_Composite_Alarm.html:
 *   ALARM(x)  OK(x)  INSUFFICIENT_DATA(x)  TRUE  FALSE  NOT e  e AND e  e OR e  ( e )
 * where x is an alarm name or alarm ARN, optionally in double quotes. alarm_rule.c says where skywatch
 * had to choose (precedence, what an "element" is, escapes in quotes). */

#define SW_ALARM_RULE_MAX_LEN 10240     /* AlarmRule shape: max 10240 characters */
#define SW_ALARM_RULE_MAX_CHILDREN 100  /* "An AlarmRule expression can specify as many as 100 child alarms" */
#define SW_ALARM_RULE_MAX_ELEMENTS 500  /* "... can have as many as 500 elements" */

#ifndef SW_ALARM_STATE_DEFINED
#define SW_ALARM_STATE_DEFINED
/* An alarm's StateValue; shared with the alarms engine. */
typedef enum { SW_ALARM_OK, SW_ALARM_ALARM, SW_ALARM_INSUFFICIENT } sw_alarm_state;
#endif

/* A compiled rule: immutable after parsing, so any number of threads may evaluate it at once. */
typedef struct sw_alarm_rule sw_alarm_rule;

/* Parses the rule [text, text+len) (need not be NUL-terminated) for a composite alarm in region/account,
 * which an alarm ARN in the rule must name (composite children live in the same Region and account).
 * Returns a rule the caller frees with sw_alarm_rule_free, or NULL with the message of AWS's
 * ValidationError written to err (when errlen > 0), e.g.
 * "Error in AlarmRule [Unsupported token ')' at char 1]". Never reads outside the input; recursion is
 * bounded by the element limit, so hostile input cannot exhaust the stack. Whether the children exist is
 * the caller's check ("Could not save the composite alarm as alarms [...] in the alarm rule do not exist"). */
sw_alarm_rule *sw_alarm_rule_parse(const char *text, size_t len, const char *region, const char *account,
                                   char *err, size_t errlen);

/* Frees a rule from sw_alarm_rule_parse; NULL is a no-op. */
void sw_alarm_rule_free(sw_alarm_rule *r);

/* The number of distinct child alarms the rule references (an ARN and the bare name of the same alarm
 * count once), 0 for rules of only TRUE/FALSE. Can't fail. */
size_t sw_alarm_rule_nchildren(const sw_alarm_rule *r);

/* Child i (0 <= i < nchildren) as an alarm NAME (ARNs resolved), in order of first mention. The string
 * belongs to the rule and lives until sw_alarm_rule_free. */
const char *sw_alarm_rule_child(const sw_alarm_rule *r, size_t i);

/* Returns the state of the alarm called name, or -1 when there is no such alarm. */
typedef int (*sw_alarm_state_fn)(void *arg, const char *name);

/* Evaluates the rule: 1 when it is true (the composite goes to ALARM), 0 when false (OK). Each child is
 * looked up at most once per call, so one evaluation sees one consistent state per child. A child that does
 * not exist (-1, or any value that is not an sw_alarm_state) is in no state: ALARM(x), OK(x) and
 * INSUFFICIENT_DATA(x) are all false for it. AWS never shows this case: PutCompositeAlarm refuses missing
 * children and DeleteAlarms refuses an alarm a composite still depends on (API_DeleteAlarms.html, the note
 * on cycles), so this only matters if the caller lets it happen. Cycles are the caller's to detect ("the
 * evaluation of composite alarms stops if CloudWatch detects a cycle"); lookup must not evaluate this
 * rule again. Does not recurse and allocates nothing. Can't fail. */
int sw_alarm_rule_eval(const sw_alarm_rule *r, sw_alarm_state_fn lookup, void *arg);

#endif
