/* alarms_api.h -- the CloudWatch alarm operations (PutMetricAlarm, DescribeAlarms, ...), registered in
 * cloudwatch.c's handler table. */
#ifndef SW_ALARMS_API_H
#define SW_ALARMS_API_H
#include "service.h"

int sw_put_metric_alarm(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err);
int sw_put_composite_alarm(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err);
int sw_describe_alarms(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err);
int sw_describe_alarms_for_metric(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err);
int sw_delete_alarms(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err);
int sw_set_alarm_state(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err);
int sw_enable_alarm_actions(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err);
int sw_disable_alarm_actions(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err);
int sw_describe_alarm_history(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err);
int sw_tag_resource(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err);
int sw_untag_resource(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err);
int sw_list_tags_for_resource(sw_ctx *ctx, const sw_value *in, sw_value **out, sw_error *err);

#endif
