"""test_alarms.py -- CloudWatch alarms end to end: every alarm operation over the three wire protocols,
evaluation on the manual clock (AWS's missing-data rules, SetAlarmState, history), composite alarms,
restart after kill -9, and AWS's errors for bad input."""
import datetime
import json
import time
import unittest

import botocore.exceptions

from harness import ACCOUNT, REGION, Server, ServerTest

T0 = (int(time.time()) // 600) * 600 * 1000  # the manual clock's start: a 10-minute boundary
DIMS = [{"Name": "ClusterName", "Value": "prod"}, {"Name": "ServiceName", "Value": "web"}]


def ts(ms):
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc)


def put(cw, metric, value, t_ms, dims=DIMS, ns="Runbook/ECS", **extra):
    datum = {"MetricName": metric, "Dimensions": dims, "Value": value, "Timestamp": ts(t_ms)}
    datum.update(extra)
    cw.put_metric_data(Namespace=ns, MetricData=[datum])


def alarm(cw, name, **kw):
    args = dict(AlarmName=name, Namespace="Runbook/ECS", MetricName="CPUUtilization", Dimensions=DIMS,
                Statistic="Average", Period=60, EvaluationPeriods=3, Threshold=80,
                ComparisonOperator="GreaterThanThreshold")
    args.update(kw)
    cw.put_metric_alarm(**{k: v for k, v in args.items() if v is not None})


def describe(cw, name):
    out = cw.describe_alarms(AlarmNames=[name], AlarmTypes=["MetricAlarm", "CompositeAlarm"])
    return (out["MetricAlarms"] + out["CompositeAlarms"])[0]


class ManualClockTest(ServerTest):
    server_args = ("--manual-clock", str(T0))

    def setUp(self):
        self.cw = self.server.boto3()

    def now(self):
        return self.server.clock()

    def advance(self, ms):
        return self.server.clock(advance_ms=ms)


class AlarmApiTest(ManualClockTest):
    def test_new_alarm_starts_insufficient_data_with_initial_reason(self):
        alarm(self.cw, "api-new", AlarmDescription="CPU of web", Unit="Percent", Tags=[{"Key": "team", "Value": "ops"}])
        a = describe(self.cw, "api-new")
        self.assertEqual(a["StateValue"], "INSUFFICIENT_DATA")
        self.assertEqual(a["StateReason"], "Unchecked: Initial alarm creation")
        self.assertEqual(a["AlarmArn"], "arn:aws:cloudwatch:%s:%s:alarm:api-new" % (REGION, ACCOUNT))
        self.assertEqual(a["Dimensions"], DIMS)
        self.assertEqual((a["Period"], a["EvaluationPeriods"], a["DatapointsToAlarm"], a["Threshold"]), (60, 3, 3, 80.0))
        self.assertEqual(a["Unit"], "Percent")
        self.assertTrue(a["ActionsEnabled"])
        tags = self.cw.list_tags_for_resource(ResourceARN=a["AlarmArn"])["Tags"]
        self.assertEqual(tags, [{"Key": "team", "Value": "ops"}])

    def test_same_alarm_over_query_json_and_cbor(self):
        self.server.cli_v2("cloudwatch", "put-metric-alarm", "--alarm-name", "api-cli", "--namespace", "Runbook/ECS",
                           "--metric-name", "CPUUtilization", "--statistic", "Maximum", "--period", "300",
                           "--evaluation-periods", "2", "--datapoints-to-alarm", "1", "--threshold", "90.5",
                           "--comparison-operator", "GreaterThanOrEqualToThreshold", "--treat-missing-data", "breaching",
                           "--dimensions", "Name=ClusterName,Value=prod", "Name=ServiceName,Value=web",
                           "--alarm-actions", "arn:aws:sns:us-east-1:%s:oncall" % ACCOUNT)
        via_json = describe(self.cw, "api-cli")
        via_cbor = describe(self.server.cbor(), "api-cli")
        via_query = self.server.cli_v2("cloudwatch", "describe-alarms", "--alarm-names", "api-cli")["MetricAlarms"][0]
        for a in (via_json, via_cbor):
            self.assertEqual(a["Statistic"], "Maximum")
            self.assertEqual(a["Threshold"], 90.5)
            self.assertEqual(a["TreatMissingData"], "breaching")
            self.assertEqual(a["AlarmActions"], ["arn:aws:sns:us-east-1:%s:oncall" % ACCOUNT])
            self.assertEqual(a["DatapointsToAlarm"], 1)
        self.assertEqual(via_query["Threshold"], 90.5)
        self.assertEqual(via_query["ComparisonOperator"], "GreaterThanOrEqualToThreshold")
        self.assertEqual(via_query["Dimensions"], DIMS)
        self.assertEqual(via_query["StateValue"], "INSUFFICIENT_DATA")

    def test_update_keeps_state_and_writes_configuration_history(self):
        alarm(self.cw, "api-upd")
        self.cw.set_alarm_state(AlarmName="api-upd", StateValue="ALARM", StateReason="testing")
        alarm(self.cw, "api-upd", Threshold=95)
        a = describe(self.cw, "api-upd")
        self.assertEqual(a["StateValue"], "ALARM")
        self.assertEqual(a["Threshold"], 95.0)
        items = self.cw.describe_alarm_history(AlarmName="api-upd", HistoryItemType="ConfigurationUpdate")["AlarmHistoryItems"]
        self.assertEqual([i["HistorySummary"] for i in items], ['Alarm "api-upd" updated', 'Alarm "api-upd" created'])
        data = json.loads(items[0]["HistoryData"])
        self.assertEqual(data["type"], "Update")
        self.assertEqual(data["updatedAlarm"]["threshold"], 95.0)

    def test_describe_filters_and_pagination(self):
        for i in range(7):
            alarm(self.cw, "flt-%d" % i, AlarmActions=["arn:aws:sns:us-east-1:%s:team-%d" % (ACCOUNT, i % 2)])
        self.cw.set_alarm_state(AlarmName="flt-3", StateValue="OK", StateReason="manual")
        names = lambda out: [a["AlarmName"] for a in out["MetricAlarms"]]
        self.assertEqual(names(self.cw.describe_alarms(AlarmNamePrefix="flt-")), ["flt-%d" % i for i in range(7)])
        self.assertEqual(names(self.cw.describe_alarms(AlarmNamePrefix="flt-", StateValue="OK")), ["flt-3"])
        self.assertEqual(names(self.cw.describe_alarms(ActionPrefix="arn:aws:sns:us-east-1:%s:team-1" % ACCOUNT)),
                         ["flt-1", "flt-3", "flt-5"])
        pages = list(self.cw.get_paginator("describe_alarms").paginate(AlarmNamePrefix="flt-", PaginationConfig={"PageSize": 3}))
        self.assertEqual([len(p["MetricAlarms"]) for p in pages], [3, 3, 1])
        by_metric = self.cw.describe_alarms_for_metric(Namespace="Runbook/ECS", MetricName="CPUUtilization", Dimensions=DIMS)
        self.assertTrue({"flt-0", "flt-6"} <= set(a["AlarmName"] for a in by_metric["MetricAlarms"]))
        none = self.cw.describe_alarms_for_metric(Namespace="Runbook/ECS", MetricName="CPUUtilization", Dimensions=DIMS[:1])
        self.assertEqual(none["MetricAlarms"], [])

    def test_enable_disable_actions_and_delete(self):
        alarm(self.cw, "del-1")
        alarm(self.cw, "del-2")
        self.cw.disable_alarm_actions(AlarmNames=["del-1"])
        self.assertFalse(describe(self.cw, "del-1")["ActionsEnabled"])
        self.cw.enable_alarm_actions(AlarmNames=["del-1"])
        self.assertTrue(describe(self.cw, "del-1")["ActionsEnabled"])
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.cw.delete_alarms(AlarmNames=["del-1", "no-such-alarm"])
        self.assertEqual(cm.exception.response["Error"]["Code"], "ResourceNotFound")
        self.assertEqual(len(self.cw.describe_alarms(AlarmNames=["del-1"])["MetricAlarms"]), 1)  # nothing deleted
        self.cw.delete_alarms(AlarmNames=["del-1", "del-2"])
        self.assertEqual(self.cw.describe_alarms(AlarmNamePrefix="del-")["MetricAlarms"], [])
        hist = self.cw.describe_alarm_history(AlarmName="del-1")["AlarmHistoryItems"]
        self.assertEqual(hist[0]["HistorySummary"], 'Alarm "del-1" deleted')  # history outlives the alarm

    def test_tags(self):
        alarm(self.cw, "tag-1")
        arn = describe(self.cw, "tag-1")["AlarmArn"]
        self.cw.tag_resource(ResourceARN=arn, Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
        self.cw.untag_resource(ResourceARN=arn, TagKeys=["a"])
        self.assertEqual(self.cw.list_tags_for_resource(ResourceARN=arn)["Tags"], [{"Key": "b", "Value": "2"}])
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.cw.list_tags_for_resource(ResourceARN=arn + "-missing")
        self.assertEqual(cm.exception.response["Error"]["Code"], "ResourceNotFoundException")


class AlarmBadInputTest(ManualClockTest):
    def code(self, fn, **kw):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            fn(**kw)
        return cm.exception.response["Error"]["Code"], cm.exception.response["Error"]["Message"]

    def test_invalid_alarm_definitions_get_aws_errors(self):
        base = dict(AlarmName="bad", Namespace="N", MetricName="M", Statistic="Average", Period=60,
                    EvaluationPeriods=3, Threshold=1, ComparisonOperator="GreaterThanThreshold")
        cases = [
            (dict(Period=45), "ValidationError", "Period"),
            (dict(Period=60, EvaluationPeriods=1441), "ValidationError", "86400"),
            (dict(DatapointsToAlarm=4), "ValidationError", "DatapointsToAlarm"),
            (dict(ExtendedStatistic="p99"), "InvalidParameterCombination", "Statistic"),
            (dict(TreatMissingData="sometimes"), "ValidationError", "TreatMissingData"),
            (dict(AlarmActions=["not-an-arn"]), "ValidationError", "arn"),
            (dict(AlarmActions=["arn:aws:sns:us-east-1:%s:t%d" % (ACCOUNT, i) for i in range(6)]), "ValidationError", ""),
            (dict(EvaluateLowSampleCountPercentile="ignore"), "InvalidParameterCombination", "percentile"),
            (dict(ComparisonOperator="LessThanLowerOrGreaterThanUpperThreshold"), "InvalidParameterValue", "anomaly"),
            (dict(ComparisonOperator="Bigger"), "ValidationError", ""),
        ]
        for change, want, text in cases:
            args = dict(base, **change)
            code, msg = self.code(self.cw.put_metric_alarm, **args)
            self.assertEqual(code, want, (change, msg))
            self.assertIn(text, msg, change)
        args = dict(base)
        del args["Statistic"], args["MetricName"], args["Namespace"], args["Period"]
        args["Metrics"] = [{"Id": "m1", "Expression": "SUM(METRICS())", "ReturnData": True}]
        code, msg = self.code(self.cw.put_metric_alarm, **args)
        self.assertEqual(code, "ValidationError")  # an expression over no metric has no period
        self.assertIn("Period", msg)
        self.assertEqual(self.cw.describe_alarms(AlarmNames=["bad"])["MetricAlarms"], [])

    def test_set_alarm_state_errors(self):
        self.assertEqual(self.code(self.cw.set_alarm_state, AlarmName="nope", StateValue="OK", StateReason="x")[0], "ResourceNotFound")
        alarm(self.cw, "bad-state")
        self.assertEqual(self.code(self.cw.set_alarm_state, AlarmName="bad-state", StateValue="OK", StateReason="x",
                                   StateReasonData="{not json")[0], "InvalidFormat")

    def test_bad_composite_rules(self):
        code, msg = self.code(self.cw.put_composite_alarm, AlarmName="c-bad", AlarmRule="ALARM(x) AND")
        self.assertEqual(code, "ValidationError")
        self.assertIn("AlarmRule", msg)
        code, msg = self.code(self.cw.put_composite_alarm, AlarmName="c-bad", AlarmRule="ALARM(ghost-child)")
        self.assertEqual(code, "ValidationError")
        self.assertIn("ghost-child", msg)
        alarm(self.cw, "c-child")
        code, msg = self.code(self.cw.put_composite_alarm, AlarmName="c-bad", AlarmRule="ALARM(c-child)",
                              AlarmActions=["arn:aws:automate:us-east-1:ec2:stop"])
        self.assertEqual(code, "ValidationError")

    def test_describe_bad_token_and_combinations(self):
        self.assertEqual(self.code(self.cw.describe_alarms, NextToken="garbage")[0], "InvalidNextToken")
        self.assertEqual(self.code(self.cw.describe_alarms, AlarmNames=["a"], AlarmNamePrefix="a")[0], "InvalidParameterCombination")


class AlarmEvaluationTest(ManualClockTest):
    """Scenarios on the manual clock. Each test uses its own metric so they do not interfere."""

    def test_ecs_cpu_runbook_alarm_then_ok(self):
        # "ECS CPU Average above 80 for 2 periods of 300 s"
        dims = [{"Name": "ClusterName", "Value": "prod"}, {"Name": "ServiceName", "Value": "runbook"}]
        alarm(self.cw, "ecs-cpu-high", Dimensions=dims, Period=300, EvaluationPeriods=2)
        now = self.now()
        for i in range(10):
            put(self.cw, "CPUUtilization", 90 + i % 3, now - 600_000 + i * 60_000, dims=dims)
        self.advance(60_000)
        a = describe(self.cw, "ecs-cpu-high")
        self.assertEqual(a["StateValue"], "ALARM")
        self.assertRegex(a["StateReason"], r"^Threshold Crossed: 2 out of the last 2 datapoints \[\d+\.\d+ \(\d\d/\d\d/\d\d \d\d:\d\d:\d\d\), "
                         r"\d+\.\d+ \(\d\d/\d\d/\d\d \d\d:\d\d:\d\d\)\] were greater than the threshold \(80\.0\) "
                         r"\(minimum 2 datapoints for OK -> ALARM transition\)\.$")
        data = json.loads(a["StateReasonData"])
        self.assertEqual((data["version"], data["statistic"], data["period"], data["threshold"]), ("1.0", "Average", 300, 80.0))
        self.assertEqual(len(data["evaluatedDatapoints"]), 2)
        self.assertEqual(data["evaluatedDatapoints"][0]["sampleCount"], 5.0)
        self.assertRegex(data["queryDate"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$")
        transitioned = a["StateTransitionedTimestamp"]
        # Quiet CPU for ten minutes: back to OK, and the state change is in the history.
        now = self.now()
        for i in range(10):
            put(self.cw, "CPUUtilization", 20, now + i * 60_000, dims=dims)
        self.advance(11 * 60_000)
        a = describe(self.cw, "ecs-cpu-high")
        self.assertEqual(a["StateValue"], "OK")
        # one good datapoint of two is enough for ALARM -> OK (N - M + 1 = 1)
        self.assertRegex(a["StateReason"], r"^Threshold Crossed: 1 out of the last 2 datapoints \[[0-9.]+ \([0-9/: ]+\)\] was not "
                                           r"greater than the threshold \(80\.0\)")
        self.assertIn("(minimum 1 datapoint for ALARM -> OK transition)", a["StateReason"])
        self.assertGreater(a["StateTransitionedTimestamp"], transitioned)
        items = self.cw.describe_alarm_history(AlarmName="ecs-cpu-high", HistoryItemType="StateUpdate")["AlarmHistoryItems"]
        self.assertEqual([i["HistorySummary"] for i in items],
                         ["Alarm updated from ALARM to OK", "Alarm updated from INSUFFICIENT_DATA to ALARM"])
        hd = json.loads(items[0]["HistoryData"])
        self.assertEqual((hd["oldState"]["stateValue"], hd["newState"]["stateValue"]), ("ALARM", "OK"))
        asc = self.cw.describe_alarm_history(AlarmName="ecs-cpu-high", HistoryItemType="StateUpdate", ScanBy="TimestampAscending")
        self.assertEqual(asc["AlarmHistoryItems"][0]["HistorySummary"], "Alarm updated from INSUFFICIENT_DATA to ALARM")

    def test_one_good_point_then_gaps_stays_ok_under_breaching(self):
        dims = [{"Name": "Svc", "Value": "trap"}]
        now = self.now()
        alarm(self.cw, "trap", Dimensions=dims, MetricName="Latency", TreatMissingData="breaching")
        put(self.cw, "Latency", 5, now - 60_000, dims=dims)
        self.advance(60_000)
        self.assertEqual(describe(self.cw, "trap")["StateValue"], "OK")
        self.advance(2 * 60_000)  # range: 0 - - - - -> still OK, not ALARM
        a = describe(self.cw, "trap")
        self.assertEqual(a["StateValue"], "OK")
        self.advance(4 * 60_000)  # the good point has left the range: all missing, breaching
        a = describe(self.cw, "trap")
        self.assertEqual(a["StateValue"], "ALARM")
        self.assertEqual(a["StateReason"], "Threshold Crossed: no datapoints were received for 3 periods and 3 missing "
                                           "datapoints were treated as [Breaching].")

    def test_missing_data_treatments_on_a_silent_metric(self):
        dims = [{"Name": "Svc", "Value": "silent"}]
        for treat, want in (("missing", "INSUFFICIENT_DATA"), ("notBreaching", "OK"), ("breaching", "ALARM"), ("ignore", "INSUFFICIENT_DATA")):
            alarm(self.cw, "silent-" + treat, Dimensions=dims, TreatMissingData=treat)
        self.advance(60_000)
        for treat, want in (("missing", "INSUFFICIENT_DATA"), ("notBreaching", "OK"), ("breaching", "ALARM"), ("ignore", "INSUFFICIENT_DATA")):
            a = describe(self.cw, "silent-" + treat)
            self.assertEqual(a["StateValue"], want, treat)
        # ignore keeps whatever state it has while nothing is decidable
        self.cw.set_alarm_state(AlarmName="silent-ignore", StateValue="ALARM", StateReason="manual")
        self.cw.set_alarm_state(AlarmName="silent-missing", StateValue="OK", StateReason="manual")
        self.advance(120_000)
        self.assertEqual(describe(self.cw, "silent-ignore")["StateValue"], "ALARM")
        a = describe(self.cw, "silent-missing")
        self.assertEqual((a["StateValue"], a["StateReason"]), ("INSUFFICIENT_DATA", "Insufficient Data: 3 datapoints were unknown."))

    def test_two_of_three_datapoints_to_alarm(self):
        dims = [{"Name": "Svc", "Value": "m-of-n"}]
        alarm(self.cw, "m-of-n", Dimensions=dims, DatapointsToAlarm=2, Statistic="Sum", MetricName="5xx",
              Threshold=10, ComparisonOperator="GreaterThanOrEqualToThreshold")
        now = self.now()
        for i, v in enumerate([50, 0, 50]):  # X 0 X within the last 3 periods: 2 of 3 breach
            put(self.cw, "5xx", v, now - 180_000 + i * 60_000, dims=dims)
        self.advance(1_000)
        self.advance(59_000)
        a = describe(self.cw, "m-of-n")
        self.assertEqual(a["StateValue"], "ALARM")
        self.assertIn("2 out of the last 3 datapoints", a["StateReason"])

    def test_set_alarm_state_is_overridden_by_the_next_evaluation(self):
        dims = [{"Name": "Svc", "Value": "override"}]
        alarm(self.cw, "override", Dimensions=dims, EvaluationPeriods=1)
        now = self.now()
        put(self.cw, "CPUUtilization", 10, now - 30_000, dims=dims)
        self.advance(60_000)
        self.assertEqual(describe(self.cw, "override")["StateValue"], "OK")
        put(self.cw, "CPUUtilization", 10, self.now() - 30_000, dims=dims)
        self.cw.set_alarm_state(AlarmName="override", StateValue="ALARM", StateReason="testing the pager")
        a = describe(self.cw, "override")
        self.assertEqual((a["StateValue"], a["StateReason"]), ("ALARM", "testing the pager"))
        self.advance(60_000)
        self.assertEqual(describe(self.cw, "override")["StateValue"], "OK")

    def test_high_resolution_alarm_evaluates_every_period(self):
        dims = [{"Name": "Svc", "Value": "hires"}]
        alarm(self.cw, "hires", Dimensions=dims, Period=10, EvaluationPeriods=1, MetricName="Queue")
        self.advance(10_000)
        now = self.now()
        put(self.cw, "Queue", 500, now - 5_000, dims=dims, StorageResolution=1)
        self.advance(10_000)
        self.assertEqual(describe(self.cw, "hires")["StateValue"], "ALARM")

    def test_percentile_alarm_and_low_sample_count(self):
        dims = [{"Name": "Svc", "Value": "p99"}]
        alarm(self.cw, "p99-eval", Dimensions=dims, Statistic=None, ExtendedStatistic="p99", MetricName="Latency",
              Threshold=1.0, EvaluationPeriods=1, EvaluateLowSampleCountPercentile="evaluate")
        alarm(self.cw, "p99-ignore", Dimensions=dims, Statistic=None, ExtendedStatistic="p99", MetricName="Latency",
              Threshold=1.0, EvaluationPeriods=1, EvaluateLowSampleCountPercentile="ignore")
        now = self.now()
        self.cw.put_metric_data(Namespace="Runbook/ECS", MetricData=[{
            "MetricName": "Latency", "Dimensions": dims, "Values": [0.2, 0.3, 2.5], "Counts": [10, 10, 1],
            "Timestamp": ts(now - 30_000)}])
        self.advance(60_000)
        self.assertEqual(describe(self.cw, "p99-eval")["StateValue"], "ALARM")
        # 21 samples < 10/(1-0.99) = 1000: "ignore" leaves the state alone
        self.assertEqual(describe(self.cw, "p99-ignore")["StateValue"], "INSUFFICIENT_DATA")


class CompositeAlarmTest(ManualClockTest):
    def test_composite_follows_its_rule(self):
        for n in ("cpu", "disk", "deploying"):
            alarm(self.cw, "child-" + n, Dimensions=[{"Name": "Svc", "Value": "comp-" + n}])
        rule = "(ALARM(child-cpu) OR ALARM(\"child-disk\")) AND NOT ALARM(arn:aws:cloudwatch:%s:%s:alarm:child-deploying)" % (REGION, ACCOUNT)
        self.cw.put_composite_alarm(AlarmName="service-down", AlarmRule=rule, AlarmDescription="paging")
        c = describe(self.cw, "service-down")
        self.assertEqual((c["StateValue"], c["AlarmRule"]), ("INSUFFICIENT_DATA", rule))
        self.assertEqual(self.cw.describe_alarms(AlarmNamePrefix="service-")["MetricAlarms"], [])  # metric alarms only by default
        self.assertEqual(len(self.cw.describe_alarms(AlarmNamePrefix="service-", AlarmTypes=["CompositeAlarm"])["CompositeAlarms"]), 1)
        self.advance(10_000)
        self.assertEqual(describe(self.cw, "service-down")["StateValue"], "OK")
        self.cw.set_alarm_state(AlarmName="child-disk", StateValue="ALARM", StateReason="disk full")
        self.advance(10_000)
        c = describe(self.cw, "service-down")
        self.assertEqual(c["StateValue"], "ALARM")
        self.assertIn("child-disk transitioned to ALARM at", c["StateReason"])
        self.cw.set_alarm_state(AlarmName="child-deploying", StateValue="ALARM", StateReason="deploy")
        self.advance(10_000)
        self.assertEqual(describe(self.cw, "service-down")["StateValue"], "OK")
        kids = self.cw.describe_alarms(ChildrenOfAlarmName="service-down")
        self.assertEqual(sorted(a["AlarmName"] for a in kids["MetricAlarms"]), ["child-cpu", "child-deploying", "child-disk"])
        parents = self.cw.describe_alarms(ParentsOfAlarmName="child-cpu")
        self.assertEqual([a["AlarmName"] for a in parents["CompositeAlarms"]], ["service-down"])
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.cw.delete_alarms(AlarmNames=["child-cpu"])
        self.assertEqual(cm.exception.response["Error"]["Message"],
                         "Cannot delete child-cpu as there are composite alarm(s) depending on it.")
        hist = self.cw.describe_alarm_history(AlarmName="service-down", AlarmTypes=["CompositeAlarm"])["AlarmHistoryItems"]
        self.assertTrue(all(h["AlarmType"] == "CompositeAlarm" for h in hist))
        self.assertEqual(self.cw.describe_alarm_history(AlarmName="service-down")["AlarmHistoryItems"], [])


class AlarmRestartTest(unittest.TestCase):
    def test_state_history_and_tags_survive_kill_9(self):
        server = Server(args=("--manual-clock", str(T0)))
        try:
            server.start()
            cw = server.boto3()
            alarm(cw, "durable", Tags=[{"Key": "k", "Value": "v"}], TreatMissingData="breaching")
            server.clock(advance_ms=60_000)
            self.assertEqual(describe(cw, "durable")["StateValue"], "ALARM")
            before = cw.describe_alarm_history(AlarmName="durable")["AlarmHistoryItems"]
            server.kill()
            server.args = ["--manual-clock", str(T0 + 61_000)]
            server.start()
            cw = server.boto3()
            a = describe(cw, "durable")
            self.assertEqual(a["StateValue"], "ALARM")
            self.assertIn("[Breaching]", a["StateReason"])
            self.assertEqual(cw.describe_alarm_history(AlarmName="durable")["AlarmHistoryItems"], before)
            self.assertEqual(cw.list_tags_for_resource(ResourceARN=a["AlarmArn"])["Tags"], [{"Key": "k", "Value": "v"}])
            server.stop()
            self.assertIsNone(server.sanitizer_report())
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
