"""test_logs_js.py -- the AWS SDK for JavaScript v3 CloudWatchLogsClient (@aws-sdk/client-cloudwatch-logs,
AWS JSON 1.1) against skywatch.

tests/js/logs.test.mjs runs one scenario (create a group and streams, put events, filter with text, JSON and
space-delimited patterns, page with paginateFilterLogEvents and paginateGetLogEvents, retention, a metric
filter, describe, tags, TestMetricFilter, five error cases) in its own log group. Here boto3 runs the same
calls in another group, and every JavaScript result must equal boto3's once the group names are swapped."""
import json
import os
import shutil
import subprocess
import time
import unittest

import botocore.exceptions

from harness import KEY_ID, ROOT, SECRET, ServerTest

JS_DIR = os.path.join(ROOT, "tests", "js")
SCRIPT = os.path.join(JS_DIR, "logs.test.mjs")
JS_GROUP = "/skywatch/js-test/js"
BOTO3_GROUP = "/skywatch/js-test/boto3"

# The events logs.test.mjs puts: stream -> (milliseconds after the base time, message).
EVENTS = {
    "app": [(0, "INFO request started"), (1000, "ERROR payment declined"), (2000, '{"level": "ERROR", "duration": 2500}'),
            (3000, "2024-06-01T10:00:00Z req-7 ERROR SECURITY_VIOLATION")],
    "worker": [(500, "WARN queue depth 900"), (1500, "ERROR worker died"), (2500, "DEBUG heartbeat")],
}
TEST_LINE = '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534'


def ensure_node_modules():
    """Returns None when the SDK is installed (installing it with npm if needed), else why the test skips."""
    if not shutil.which("node"):
        return "node is not installed"
    if os.path.isdir(os.path.join(JS_DIR, "node_modules", "@aws-sdk", "client-cloudwatch-logs")):
        return None
    npm = shutil.which("npm")
    if not npm:
        return "tests/js/node_modules is missing and npm is not available"
    subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=JS_DIR, check=True, timeout=600, stdout=subprocess.DEVNULL)
    return None


def event(e):
    return {"logStreamName": e.get("logStreamName"), "timestamp": e["timestamp"], "message": e["message"]}


def expect_error(call, **kwargs):
    try:
        call(**kwargs)
        return {"name": None, "status": 200}
    except botocore.exceptions.ClientError as e:
        status = e.response["ResponseMetadata"]["HTTPStatusCode"]
        return {"name": e.response["Error"]["Code"], "status": status, "fault": "server" if status >= 500 else "client"}


def boto3_scenario(logs, group, t):
    """The calls of logs.test.mjs, in the same order, with boto3."""
    out = {}
    logs.create_log_group(logGroupName=group, tags={"team": "js"})
    for stream, events in EVENTS.items():
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
        r = logs.put_log_events(logGroupName=group, logStreamName=stream,
                                logEvents=[{"timestamp": t + dt, "message": m} for dt, m in events])
        out["put_" + stream] = {"status": r["ResponseMetadata"]["HTTPStatusCode"], "rejected": r.get("rejectedLogEventsInfo")}
    out["filterErrors"] = [event(e) for e in logs.filter_log_events(logGroupName=group, filterPattern="ERROR")["events"]]
    out["filterJson"] = [event(e) for e in logs.filter_log_events(logGroupName=group, filterPattern="{ $.duration > 2000 }")["events"]]
    out["filterDelimited"] = [event(e) for e in logs.filter_log_events(
        logGroupName=group, filterPattern="[timestamp, requestId, level=ERROR, event=SECURITY_VIOLATION]")["events"]]
    pages = list(logs.get_paginator("filter_log_events").paginate(
        logGroupName=group, filterPattern="?ERROR ?WARN", PaginationConfig={"PageSize": 1}))
    out["filterPaged"] = [event(e) for p in pages for e in p["events"]]
    out["filterPages"] = len(pages)
    # botocore has no GetLogEvents paginator: follow the tokens until the same one comes back.
    out["getPaged"], out["getPages"], token = [], 0, None
    while True:
        r = logs.get_log_events(logGroupName=group, logStreamName="app", startFromHead=True, limit=2,
                                **({"nextToken": token} if token else {}))
        out["getPages"] += 1
        out["getPaged"] += [event(e) for e in r["events"]]
        if r["nextForwardToken"] == token:
            break
        token = r["nextForwardToken"]
    out["getTail"] = [event(e) for e in logs.get_log_events(logGroupName=group, logStreamName="worker", limit=2)["events"]]
    logs.put_retention_policy(logGroupName=group, retentionInDays=14)
    logs.put_metric_filter(logGroupName=group, filterName="errors", filterPattern="ERROR", metricTransformations=[
        {"metricName": "Errors", "metricNamespace": "JsTest", "metricValue": "1"}])
    groups = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
    out["groups"] = [{"logGroupName": g["logGroupName"], "arn": g["arn"], "logGroupArn": g["logGroupArn"],
                      "retentionInDays": g.get("retentionInDays"), "metricFilterCount": g["metricFilterCount"],
                      "hasCreationTime": isinstance(g.get("creationTime"), int)} for g in groups]
    streams = logs.describe_log_streams(logGroupName=group, orderBy="LastEventTime", descending=True)["logStreams"]
    out["streams"] = [{k: s[k] for k in ("logStreamName", "firstEventTimestamp", "lastEventTimestamp", "arn")} for s in streams]
    out["metricFilters"] = [{k: f[k] for k in ("filterName", "filterPattern", "logGroupName", "metricTransformations")}
                            for f in logs.describe_metric_filters(logGroupName=group)["metricFilters"]]
    out["tags"] = logs.list_tags_for_resource(resourceArn=groups[0]["logGroupArn"])["tags"]
    out["testMetricFilter"] = logs.test_metric_filter(
        filterPattern="[ip, user, username, timestamp, request, status_code, bytes]", logEventMessages=[TEST_LINE])["matches"]
    out["errors"] = {
        "duplicateGroup": expect_error(logs.create_log_group, logGroupName=group),
        "missingStream": expect_error(logs.put_log_events, logGroupName=group, logStreamName="missing",
                                      logEvents=[{"timestamp": t, "message": "x"}]),
        "badPattern": expect_error(logs.filter_log_events, logGroupName=group, filterPattern="{ $.level = "),
        "outOfOrder": expect_error(logs.put_log_events, logGroupName=group, logStreamName="app",
                                   logEvents=[{"timestamp": t + 10, "message": "b"}, {"timestamp": t, "message": "a"}]),
        "lastEventTimeWithPrefix": expect_error(logs.describe_log_streams, logGroupName=group, orderBy="LastEventTime",
                                                logStreamNamePrefix="a"),
    }
    return out


def regroup(obj, old, new):
    return json.loads(json.dumps(obj).replace(json.dumps(old)[1:-1], json.dumps(new)[1:-1]))


class JsLogsSdkTest(ServerTest):
    @classmethod
    def setUpClass(cls):
        reason = ensure_node_modules()
        if reason:
            raise unittest.SkipTest(reason)
        super().setUpClass()
        try:
            cls.t = int(time.time() * 1000) - 10 * 60 * 1000
            cls.boto3 = boto3_scenario(cls.server.boto3("logs"), BOTO3_GROUP, cls.t)
            cls.js = cls.run_script()
        except BaseException:
            cls.server.cleanup()
            raise

    @classmethod
    def run_script(cls):
        env = dict(os.environ, SKYWATCH_ENDPOINT=cls.server.endpoint, SKYWATCH_KEY_ID=KEY_ID, SKYWATCH_SECRET=SECRET,
                   SKYWATCH_BASE_TIME=str(cls.t), SKYWATCH_GROUP=JS_GROUP, NODE_NO_WARNINGS="1")
        for name in ("AWS_PROFILE", "AWS_REGION", "AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            env.pop(name, None)
        p = subprocess.run(["node", SCRIPT], cwd=JS_DIR, env=env, capture_output=True, text=True, timeout=120)
        if p.returncode != 0:
            raise AssertionError("node %s failed (%d):\n%s" % (SCRIPT, p.returncode, p.stderr[-4000:]))
        out = json.loads(p.stdout)
        if "failed" in out:
            raise AssertionError("the JavaScript scenario failed: %s" % out)
        return out

    def test_wire_is_aws_json_1_1(self):
        wire = self.js["wire"]
        self.assertGreaterEqual(len(wire), 20)
        for w in wire:
            self.assertEqual(w["path"], "/", w)
            self.assertEqual(w["contentType"], "application/x-amz-json-1.1", w)
            self.assertTrue(w["target"].startswith("Logs_20140328."), w)

    def test_boto3_results_are_right(self):
        """Pins the values, so a server that is wrong the same way for both clients still fails."""
        b, t = self.boto3, self.t
        self.assertEqual(b["put_app"], {"status": 200, "rejected": None})
        self.assertEqual([(e["logStreamName"], e["timestamp"] - t) for e in b["filterErrors"]],
                         [("app", 1000), ("worker", 1500), ("app", 2000), ("app", 3000)])
        self.assertEqual([e["message"] for e in b["filterJson"]], ['{"level": "ERROR", "duration": 2500}'])
        self.assertEqual([e["timestamp"] - t for e in b["filterDelimited"]], [3000])
        self.assertEqual([e["timestamp"] - t for e in b["filterPaged"]], [500, 1000, 1500, 2000, 3000])
        self.assertEqual([e["timestamp"] - t for e in b["getPaged"]], [0, 1000, 2000, 3000])
        self.assertEqual(b["getPages"], 3)  # 2 + 2 + the page that hands back the same token
        self.assertEqual([e["message"] for e in b["getTail"]], ["ERROR worker died", "DEBUG heartbeat"])
        self.assertEqual([s["logStreamName"] for s in b["streams"]], ["app", "worker"])
        self.assertEqual(b["groups"][0]["retentionInDays"], 14)
        self.assertEqual(b["groups"][0]["metricFilterCount"], 1)
        self.assertEqual(b["tags"], {"team": "js"})
        self.assertEqual(b["testMetricFilter"][0]["extractedValues"]["$status_code"], "200")
        self.assertEqual({k: v["name"] for k, v in b["errors"].items()}, {
            "duplicateGroup": "ResourceAlreadyExistsException", "missingStream": "ResourceNotFoundException",
            "badPattern": "InvalidParameterException", "outOfOrder": "InvalidParameterException",
            "lastEventTimeWithPrefix": "InvalidParameterException"})

    def test_js_results_equal_boto3(self):
        expected = regroup(self.boto3, BOTO3_GROUP, JS_GROUP)
        for key in expected:
            if key == "filterPages":
                continue  # the two paginators may cut pages differently; the events must be the same
            with self.subTest(key=key):
                self.assertEqual(self.js[key], expected[key])

    def test_boto3_reads_what_js_wrote(self):
        logs = self.server.boto3("logs")
        got = [event(e) for e in logs.filter_log_events(logGroupName=JS_GROUP, filterPattern="ERROR")["events"]]
        self.assertEqual(got, self.js["filterErrors"])
        f, = logs.describe_metric_filters(logGroupName=JS_GROUP)["metricFilters"]
        self.assertEqual(f["filterName"], "errors")


if __name__ == "__main__":
    unittest.main()
