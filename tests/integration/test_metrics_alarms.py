"""test_metrics_alarms.py -- PutMetricAlarm with a Metrics list (the form Terraform's metric_query and the
CDK write): the entry that returns data is evaluated like a single-metric alarm, DescribeAlarms shows the
list instead of MetricName, the SNS notification's Trigger carries it, it survives kill -9, and AWS's
rules for the list are enforced."""
import json
import os
import tempfile

import botocore.exceptions

from harness import ServerTest
from test_alarms import T0, describe, put
from test_sns import Subscriber, get

DIMS = [{"Name": "LoadBalancer", "Value": "app/web/1"}]
METRICS = [
    {"Id": "errors", "MetricStat": {"Metric": {"Namespace": "Runbook/ALB", "MetricName": "HTTPCode_Target_5XX_Count",
                                               "Dimensions": DIMS}, "Period": 60, "Stat": "Sum"}, "ReturnData": True},
    {"Id": "requests", "MetricStat": {"Metric": {"Namespace": "Runbook/ALB", "MetricName": "RequestCount",
                                                 "Dimensions": DIMS}, "Period": 60, "Stat": "Sum"}, "ReturnData": False},
]


class MetricsAlarmTest(ServerTest):
    server_args = ("--manual-clock", str(T0))

    def setUp(self):
        self.cw = self.server.boto3()

    def code(self, **kw):
        args = dict(AlarmName="bad", EvaluationPeriods=1, Threshold=10, ComparisonOperator="GreaterThanThreshold")
        args.update(kw)
        try:
            self.cw.put_metric_alarm(**args)
        except botocore.exceptions.ClientError as e:
            return e.response["Error"]["Code"], e.response["Error"]["Message"]
        return None, None

    def test_metrics_alarm_evaluates_notifies_and_survives_restart(self):
        sub = Subscriber()
        try:
            sns = self.server.boto3("sns")
            topic = sns.create_topic(Name="alb")["TopicArn"]
            sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=sub.url("/alb"))
            get(json.loads(sub.wait("/alb", 1)[0][1])["SubscribeURL"])
            # The CLI v2 sends the list over the query protocol.
            with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
                json.dump(METRICS, f)
            try:
                self.server.cli_v2("cloudwatch", "put-metric-alarm", "--alarm-name", "alb-5xx",
                                   "--metrics", "file://" + f.name, "--evaluation-periods", "1", "--threshold", "10",
                                   "--comparison-operator", "GreaterThanThreshold", "--alarm-actions", topic)
            finally:
                os.unlink(f.name)
            a = describe(self.cw, "alb-5xx")
            self.assertEqual(a["Metrics"], METRICS)
            for key in ("MetricName", "Namespace", "Statistic", "Dimensions", "Unit", "Period"):
                self.assertNotIn(key, a)
            # Only the entry that returns data counts: many requests, few errors stays OK...
            now = self.server.clock()
            put(self.cw, "RequestCount", 1000, now - 30_000, dims=DIMS, ns="Runbook/ALB")
            put(self.cw, "HTTPCode_Target_5XX_Count", 3, now - 30_000, dims=DIMS, ns="Runbook/ALB")
            self.server.clock(advance_ms=60_000)
            self.assertEqual(describe(self.cw, "alb-5xx")["StateValue"], "OK")
            # ...and 50 errors in a minute is ALARM.
            put(self.cw, "HTTPCode_Target_5XX_Count", 50, self.server.clock() - 30_000, dims=DIMS, ns="Runbook/ALB")
            self.server.clock(advance_ms=60_000)
            a = describe(self.cw, "alb-5xx")
            self.assertEqual(a["StateValue"], "ALARM")
            self.assertIn("[50.0 (", a["StateReason"])
            n = json.loads(sub.wait("/alb", 2)[1][1])
            trigger = json.loads(n["Message"])["Trigger"]
            self.assertNotIn("MetricName", trigger)
            self.assertEqual([m["Id"] for m in trigger["Metrics"]], ["errors", "requests"])
            self.assertEqual(trigger["Metrics"][0]["MetricStat"]["Metric"]["Dimensions"],
                             [{"value": "app/web/1", "name": "LoadBalancer"}])
            # The alarm for the metric itself is not listed by DescribeAlarmsForMetric, as with AWS's math alarms.
            self.assertEqual(self.cw.describe_alarms_for_metric(Namespace="Runbook/ALB", MetricName="HTTPCode_Target_5XX_Count",
                                                                Dimensions=DIMS)["MetricAlarms"], [])
        finally:
            sub.close()
        resume = self.server.clock()
        self.server.kill()
        self.server.args = ["--manual-clock", str(resume)]  # the clock goes on from where it was
        self.server.start()
        a = describe(self.server.boto3(), "alb-5xx")
        self.assertEqual((a["Metrics"], a["StateValue"]), (METRICS, "ALARM"))

    def test_metric_math_alarm_on_an_error_rate(self):
        metrics = [{"Id": "rate", "Expression": "100 * errors / requests", "Label": "Error rate", "ReturnData": True},
                   dict(METRICS[0], ReturnData=False), METRICS[1]]
        self.cw.put_metric_alarm(AlarmName="alb-error-rate", Metrics=metrics, EvaluationPeriods=1, Threshold=5,
                                 ComparisonOperator="GreaterThanThreshold", TreatMissingData="notBreaching")
        self.assertEqual(describe(self.cw, "alb-error-rate")["Metrics"], metrics)
        now = self.server.clock()
        put(self.cw, "RequestCount", 200, now - 30_000, dims=DIMS, ns="Runbook/ALB")
        put(self.cw, "HTTPCode_Target_5XX_Count", 4, now - 30_000, dims=DIMS, ns="Runbook/ALB")
        self.server.clock(advance_ms=60_000)
        self.assertEqual(describe(self.cw, "alb-error-rate")["StateValue"], "OK")  # 2 %
        put(self.cw, "RequestCount", 100, self.server.clock() - 30_000, dims=DIMS, ns="Runbook/ALB")
        put(self.cw, "HTTPCode_Target_5XX_Count", 12, self.server.clock() - 30_000, dims=DIMS, ns="Runbook/ALB")
        self.server.clock(advance_ms=60_000)
        a = describe(self.cw, "alb-error-rate")
        self.assertEqual(a["StateValue"], "ALARM")  # 12 %
        self.assertIn("[12.0 (", a["StateReason"])
        data = json.loads(a["StateReasonData"])
        self.assertNotIn("statistic", data)
        self.assertEqual(data["recentDatapoints"], [12.0])
        # The alarm and its state come back after kill -9.
        resume = self.server.clock()
        self.server.kill()
        self.server.args = ["--manual-clock", str(resume)]
        self.server.start()
        self.cw = self.server.boto3()
        a = describe(self.cw, "alb-error-rate")
        self.assertEqual((a["Metrics"], a["StateValue"]), (metrics, "ALARM"))

    def test_the_list_is_checked_as_aws_checks_it(self):
        two = [dict(m, ReturnData=True) for m in METRICS]
        cases = [
            (dict(Metrics=two), "ValidationError", "Exactly one element of the metrics list should return data."),
            (dict(Metrics=[dict(m, ReturnData=False) for m in METRICS]), "ValidationError", "Exactly one element"),
            (dict(Metrics=METRICS, MetricName="x"), "InvalidParameterCombination", "MetricName must not be specified together with Metrics"),
            (dict(Metrics=METRICS, Period=60), "InvalidParameterCombination", "Period"),
            (dict(Metrics=[dict(METRICS[0], Id="Errors")]), "ValidationError", "must start with a lowercase letter"),
            (dict(Metrics=[METRICS[0], dict(METRICS[1], Id="errors")]), "ValidationError", "used more than once"),
            (dict(Metrics=[{"Id": "e1", "Expression": "errors/nothere*100", "ReturnData": True},
                           dict(METRICS[0], ReturnData=False), METRICS[1]]), "ValidationError", "Unrecognized identifier nothere"),
            (dict(Metrics=[{"Id": "e1", "Expression": "MAX(SEARCH('{Runbook/ALB} Count', 'Sum', 60))", "ReturnData": True}]),
             "ValidationError", "SEARCH cannot be used in alarms"),
            (dict(Metrics=[{"Id": "e1", "Expression": "errors/(requests", "ReturnData": True},
                           dict(METRICS[0], ReturnData=False), METRICS[1]]), "ValidationError", "Syntax error"),
            (dict(Metrics=[{"Id": "e1", "Expression": "errors/requests", "ReturnData": True}, dict(METRICS[0], ReturnData=False),
                           dict(METRICS[1], MetricStat=dict(METRICS[1]["MetricStat"], Period=300))]), "ValidationError", "same Period"),
            (dict(Metrics=[{"Id": "m1", "ReturnData": True}]), "ValidationError", "exactly one of MetricStat and Expression"),
            (dict(Metrics=[dict(METRICS[0], MetricStat=dict(METRICS[0]["MetricStat"], Period=45))]), "ValidationError", "Period"),
            (dict(Metrics=[dict(METRICS[0], MetricStat=dict(METRICS[0]["MetricStat"], Stat="Mean"))]), "ValidationError", "Stat"),
            (dict(Metrics=[dict(METRICS[0], Id="m%d" % i, ReturnData=i == 0) for i in range(11)]), "ValidationError", "at most 10"),
        ]
        for kw, want, text in cases:
            code, msg = self.code(**kw)
            self.assertEqual(code, want, (kw, msg))
            self.assertIn(text, msg, kw)
        self.assertEqual(self.cw.describe_alarms(AlarmNames=["bad"])["MetricAlarms"], [])
        # A percentile entry becomes the alarm's ExtendedStatistic for evaluation.
        p99 = [dict(METRICS[0], MetricStat=dict(METRICS[0]["MetricStat"], Stat="p99"))]
        self.assertEqual(self.code(AlarmName="p99-list", Metrics=p99), (None, None))
        self.assertEqual(describe(self.cw, "p99-list")["Metrics"], p99)


if __name__ == "__main__":
    import unittest
    unittest.main()
