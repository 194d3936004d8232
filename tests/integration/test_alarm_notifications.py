"""test_alarm_notifications.py -- the runbook path end to end: the AWS CLI v2 creates an SNS topic, an HTTP
subscriber in the test confirms it, an alarm watches a metric, data is put, and the subscriber receives and
verifies (signature included) the ALARM and then the OK notification in CloudWatch's format. Also: disabled
actions record but never notify, a composite alarm's notification, and an action that a crash interrupted is
delivered after restart."""
import json
import time
import unittest

from harness import ACCOUNT, REGION, Server, ServerTest
from test_alarms import T0, describe, put
from test_sns import Subscriber, verify, get


class AlarmNotificationTest(ServerTest):
    server_args = ("--manual-clock", str(T0))

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sub = Subscriber()

    @classmethod
    def tearDownClass(cls):
        cls.sub.close()
        super().tearDownClass()

    def setUp(self):
        self.cw = self.server.boto3()

    def topic(self, name, path):
        """The CLI v2 creates the topic and subscribes the endpoint; the endpoint confirms via SubscribeURL."""
        arn = self.server.cli_v2("sns", "create-topic", "--name", name)["TopicArn"]
        self.server.cli_v2("sns", "subscribe", "--topic-arn", arn, "--protocol", "http",
                           "--notification-endpoint", self.sub.url(path))
        conf = json.loads(self.sub.wait(path, 1)[0][1])
        verify(conf)
        self.assertEqual(get(conf["SubscribeURL"])[0], 200)
        return arn

    def notifications(self, path, count):
        got = self.sub.wait(path, count + 1)[1:]  # the first POST was the confirmation
        out = []
        for headers, body, _ in got:
            self.assertEqual(headers["x-amz-sns-message-type"], "Notification")
            m = json.loads(body)
            verify(m)
            out.append(m)
        return out

    def test_alarm_then_ok_notifications_reach_a_confirmed_subscriber(self):
        arn = self.topic("oncall", "/oncall")
        dims = [{"Name": "DBInstanceIdentifier", "Value": "orders"}]
        self.server.cli_v2("cloudwatch", "put-metric-alarm", "--alarm-name", "db-connections-high",
                           "--alarm-description", "database connections above 80",
                           "--namespace", "AWS/RDS", "--metric-name", "DatabaseConnections",
                           "--dimensions", "Name=DBInstanceIdentifier,Value=orders", "--statistic", "Maximum",
                           "--period", "60", "--evaluation-periods", "1", "--threshold", "80",
                           "--comparison-operator", "GreaterThanThreshold",
                           "--alarm-actions", arn, "--ok-actions", arn)
        now = self.server.clock()
        put(self.cw, "DatabaseConnections", 120, now - 30_000, dims=dims, ns="AWS/RDS")
        self.server.clock(advance_ms=60_000)
        [alarm] = self.notifications("/oncall", 1)
        self.assertEqual(alarm["Subject"], 'ALARM: "db-connections-high" in US East (N. Virginia)')
        self.assertEqual(alarm["TopicArn"], arn)
        body = json.loads(alarm["Message"])
        self.assertEqual((body["AlarmName"], body["NewStateValue"], body["OldStateValue"]),
                         ("db-connections-high", "ALARM", "INSUFFICIENT_DATA"))
        self.assertEqual(body["AlarmDescription"], "database connections above 80")
        self.assertEqual(body["AWSAccountId"], ACCOUNT)
        self.assertEqual(body["Region"], "US East (N. Virginia)")
        self.assertEqual(body["AlarmArn"], "arn:aws:cloudwatch:%s:%s:alarm:db-connections-high" % (REGION, ACCOUNT))
        self.assertTrue(body["NewStateReason"].startswith("Threshold Crossed: 1 out of the last 1 datapoints [120.0 ("))
        self.assertRegex(body["StateChangeTime"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$")
        self.assertEqual(body["AlarmActions"], [arn])
        self.assertEqual(body["Trigger"], {
            "MetricName": "DatabaseConnections", "Namespace": "AWS/RDS", "StatisticType": "Statistic",
            "Statistic": "MAXIMUM", "Unit": None, "Dimensions": [{"value": "orders", "name": "DBInstanceIdentifier"}],
            "Period": 60, "EvaluationPeriods": 1, "DatapointsToAlarm": 1,
            "ComparisonOperator": "GreaterThanThreshold", "Threshold": 80.0, "TreatMissingData": "missing",
            "EvaluateLowSampleCountPercentile": ""})
        # Staying in ALARM notifies nobody again; recovering sends OK.
        put(self.cw, "DatabaseConnections", 130, self.server.clock() - 30_000, dims=dims, ns="AWS/RDS")
        self.server.clock(advance_ms=60_000)
        time.sleep(0.3)
        self.assertEqual(self.sub.count("/oncall"), 2)
        put(self.cw, "DatabaseConnections", 10, self.server.clock() - 30_000, dims=dims, ns="AWS/RDS")
        self.server.clock(advance_ms=60_000)
        ok = self.notifications("/oncall", 2)[1]
        self.assertEqual(ok["Subject"], 'OK: "db-connections-high" in US East (N. Virginia)')
        self.assertEqual(json.loads(ok["Message"])["NewStateValue"], "OK")
        actions = self.cw.describe_alarm_history(AlarmName="db-connections-high", HistoryItemType="Action")["AlarmHistoryItems"]
        self.assertEqual([a["HistorySummary"] for a in actions], ["Successfully executed action " + arn] * 2)

    def test_disabled_actions_evaluate_and_record_but_never_notify(self):
        arn = self.topic("quiet", "/quiet")
        self.cw.put_metric_alarm(AlarmName="quiet-alarm", Namespace="Runbook/Quiet", MetricName="Errors",
                                 Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=1,
                                 ComparisonOperator="GreaterThanOrEqualToThreshold", AlarmActions=[arn],
                                 ActionsEnabled=False)
        put(self.cw, "Errors", 5, self.server.clock() - 30_000, dims=[], ns="Runbook/Quiet")
        self.server.clock(advance_ms=60_000)
        self.assertEqual(describe(self.cw, "quiet-alarm")["StateValue"], "ALARM")
        self.cw.set_alarm_state(AlarmName="quiet-alarm", StateValue="OK", StateReason="manual")
        time.sleep(0.3)
        self.assertEqual(self.sub.count("/quiet"), 1)  # the confirmation only
        self.assertEqual(self.cw.describe_alarm_history(AlarmName="quiet-alarm", HistoryItemType="Action")["AlarmHistoryItems"], [])
        self.assertEqual(len(self.cw.describe_alarm_history(AlarmName="quiet-alarm", HistoryItemType="StateUpdate")["AlarmHistoryItems"]), 2)

    def test_set_alarm_state_notifies_and_composite_carries_its_rule(self):
        arn = self.topic("composite", "/composite")
        for n in ("api-5xx", "api-latency"):
            self.cw.put_metric_alarm(AlarmName=n, Namespace="Runbook/Api", MetricName=n, Statistic="Sum", Period=60,
                                     EvaluationPeriods=1, Threshold=10, ComparisonOperator="GreaterThanThreshold",
                                     TreatMissingData="ignore")  # no data: the state SetAlarmState gives stays
        rule = "ALARM(api-5xx) AND ALARM(api-latency)"
        self.cw.put_composite_alarm(AlarmName="api-down", AlarmRule=rule, AlarmActions=[arn])
        self.cw.set_alarm_state(AlarmName="api-5xx", StateValue="ALARM", StateReason="drill")
        self.cw.set_alarm_state(AlarmName="api-latency", StateValue="ALARM", StateReason="drill")
        # No clock step: a composite is evaluated when a child changes state.
        [n] = self.notifications("/composite", 1)
        body = json.loads(n["Message"])
        self.assertEqual((body["AlarmName"], body["NewStateValue"], body["AlarmRule"]), ("api-down", "ALARM", rule))
        self.assertEqual(sorted(c["Arn"].rsplit(":", 1)[1] for c in body["TriggeringChildren"]), ["api-5xx", "api-latency"])
        self.assertTrue(all(c["State"]["Value"] == "ALARM" for c in body["TriggeringChildren"]))
        self.assertNotIn("Trigger", body)

    def test_suppressor_holds_composite_actions(self):
        arn = self.topic("suppressed", "/suppressed")
        for n in ("svc-errors", "maintenance"):
            self.cw.put_metric_alarm(AlarmName=n, Namespace="Runbook/Sup", MetricName=n, Statistic="Sum", Period=60,
                                     EvaluationPeriods=1, Threshold=10, ComparisonOperator="GreaterThanThreshold",
                                     TreatMissingData="ignore")
        self.cw.put_composite_alarm(AlarmName="svc-down", AlarmRule="ALARM(svc-errors)", AlarmActions=[arn],
                                    ActionsSuppressor="maintenance", ActionsSuppressorWaitPeriod=60,
                                    ActionsSuppressorExtensionPeriod=60)
        self.cw.set_alarm_state(AlarmName="maintenance", StateValue="ALARM", StateReason="maintenance window")
        self.cw.set_alarm_state(AlarmName="svc-errors", StateValue="ALARM", StateReason="errors")
        c = describe(self.cw, "svc-down")
        self.assertEqual((c["StateValue"], c["ActionsSuppressedBy"]), ("ALARM", "Alarm"))
        self.cw.set_alarm_state(AlarmName="maintenance", StateValue="OK", StateReason="window over")
        self.assertEqual(describe(self.cw, "svc-down")["ActionsSuppressedBy"], "ExtensionPeriod")
        time.sleep(0.3)
        self.assertEqual(self.sub.count("/suppressed"), 1)
        self.server.clock(advance_ms=30_000)
        self.assertEqual(self.sub.count("/suppressed"), 1)
        self.server.clock(advance_ms=30_000)  # the extension ends with the composite still in ALARM: act
        [n] = self.notifications("/suppressed", 1)
        self.assertEqual(json.loads(n["Message"])["NewStateValue"], "ALARM")
        self.assertNotIn("ActionsSuppressedBy", describe(self.cw, "svc-down"))


class PendingActionRestartTest(unittest.TestCase):
    def test_action_of_a_transition_survives_kill_9(self):
        """SetAlarmState's transition and its action are durable when the call returns. The subscriber is
        down, so SNS holds the message for retry; after kill -9 and a restart the same message (same
        MessageId) is delivered, and the alarm's state and action record are still there."""
        server = Server(args=("--manual-clock", str(T0)))
        sub = Subscriber()
        try:
            server.start()
            cw, sns = server.boto3(), server.boto3("sns")
            arn = sns.create_topic(Name="restart")["TopicArn"]
            sns.subscribe(TopicArn=arn, Protocol="http", Endpoint=sub.url("/r"))
            get(json.loads(sub.wait("/r", 1)[0][1])["SubscribeURL"])
            sub.statuses["/r"] = [500] * 3  # the endpoint is down: SNS retries on the clock
            cw.put_metric_alarm(AlarmName="restart-alarm", Namespace="Runbook/R", MetricName="M", Statistic="Sum",
                                Period=60, EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold",
                                AlarmActions=[arn], TreatMissingData="ignore")
            cw.set_alarm_state(AlarmName="restart-alarm", StateValue="ALARM", StateReason="drill")
            first = json.loads(sub.wait("/r", 2)[1][1])
            server.kill()
            server.args = ["--manual-clock", str(server_clock_after(first))]
            server.start()
            server.clock(advance_ms=120_000)  # past the retry delays
            got = [json.loads(b) for _, b, status in sub.wait("/r", 3) if json.loads(b)["Type"] == "Notification"]
            self.assertEqual({g["MessageId"] for g in got}, {first["MessageId"]})
            cw = server.boto3()
            self.assertEqual(describe(cw, "restart-alarm")["StateValue"], "ALARM")
            hist = cw.describe_alarm_history(AlarmName="restart-alarm", HistoryItemType="Action")["AlarmHistoryItems"]
            self.assertEqual([h["HistorySummary"] for h in hist], ["Successfully executed action " + arn])
            server.stop()
            self.assertIsNone(server.sanitizer_report())
        finally:
            sub.close()
            server.cleanup()


def server_clock_after(message):
    """A manual-clock start a little after the message's Timestamp (epoch ms)."""
    import datetime
    t = datetime.datetime.strptime(message["Timestamp"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    return int(t.timestamp() * 1000) + 1000


if __name__ == "__main__":
    unittest.main()
