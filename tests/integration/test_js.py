"""test_js.py -- the AWS SDK for JavaScript v3 (@aws-sdk/client-cloudwatch) against skywatch.

tests/js/cloudwatch.test.mjs runs one scenario (PutMetricData, ListMetrics, GetMetricStatistics,
GetMetricData, three error cases) once with the client's default protocol and once each with AWS JSON 1.0,
Smithy RPC v2 CBOR and the query protocol selected through the client's `protocol` option. Here boto3
publishes the same data and reads it back, and every JavaScript result must equal boto3's."""
import datetime
import json
import os
import re
import shutil
import subprocess
import time
import unittest

import botocore.exceptions

from harness import BIN, KEY_ID, ROOT, SECRET, ServerTest

JS_DIR = os.path.join(ROOT, "tests", "js")
SCRIPT = os.path.join(JS_DIR, "cloudwatch.test.mjs")
PROTOCOLS = ("default", "json", "cbor", "query")
PREFIX = "Skywatch/JsTest"


def ensure_node_modules():
    """Returns None when the SDK is installed (installing it with npm if needed), else why the test skips."""
    if not shutil.which("node"):
        return "node is not installed"
    if os.path.isdir(os.path.join(JS_DIR, "node_modules", "@aws-sdk", "client-cloudwatch")):
        return None
    npm = shutil.which("npm")
    if not npm:
        return "tests/js/node_modules is missing and npm is not available"
    subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=JS_DIR, check=True, timeout=600,
                   stdout=subprocess.DEVNULL)
    return None


def metric_data(t0):
    """The datums cloudwatch.test.mjs publishes, in boto3's shapes."""
    host_a = [{"Name": "Service", "Value": "api"}, {"Name": "Host", "Value": "a"}]
    return [
        {"MetricName": "Latency", "Dimensions": host_a, "Unit": "Milliseconds", "Timestamp": t0, "Value": 10},
        {"MetricName": "Latency", "Dimensions": host_a, "Unit": "Milliseconds", "Timestamp": t0 + 60,
         "Values": [1, 2, 3, 4], "Counts": [1, 1, 2, 1]},
        {"MetricName": "Latency", "Dimensions": host_a, "Unit": "Milliseconds", "Timestamp": t0 + 120,
         "StatisticValues": {"SampleCount": 4, "Sum": 100, "Minimum": 10, "Maximum": 40}},
        {"MetricName": "Latency", "Dimensions": [{"Name": "Service", "Value": "api"}, {"Name": "Host", "Value": "b"}],
         "Unit": "Milliseconds", "Timestamp": t0, "Value": 7},
        {"MetricName": "Requests", "Dimensions": [{"Name": "Service", "Value": "web"}], "Unit": "Count",
         "Timestamp": t0 + 60, "Value": 3},
    ]


def utc(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc)


def epoch(dt):
    return int(round(dt.timestamp()))


def sorted_metrics(out):
    ms = [{"Namespace": m["Namespace"], "MetricName": m["MetricName"], "Dimensions": m.get("Dimensions", [])}
          for m in out["Metrics"]]
    return sorted(ms, key=lambda m: json.dumps(m, separators=(",", ":")))


def read_back(cw, ns, t0):
    """What boto3 reads for namespace ns, normalised like the script's output."""
    result = {"listAll": sorted_metrics(cw.list_metrics(Namespace=ns)),
              "listByDimension": sorted_metrics(cw.list_metrics(Namespace=ns, Dimensions=[{"Name": "Service", "Value": "api"}])),
              "listByDimensionName": sorted_metrics(cw.list_metrics(Namespace=ns, MetricName="Latency",
                                                                    Dimensions=[{"Name": "Host"}]))}
    dims = [{"Name": "Service", "Value": "api"}, {"Name": "Host", "Value": "a"}]
    gms = cw.get_metric_statistics(Namespace=ns, MetricName="Latency", Dimensions=dims, StartTime=utc(t0 - 60),
                                   EndTime=utc(t0 + 300), Period=60,
                                   Statistics=["Average", "Sum", "SampleCount", "Minimum", "Maximum"],
                                   ExtendedStatistics=["p99"])
    result["statistics"] = {"Label": gms["Label"], "Datapoints": sorted(
        [dict(d, Timestamp=epoch(d["Timestamp"])) for d in gms["Datapoints"]], key=lambda d: d["Timestamp"])}
    metric = {"Namespace": ns, "MetricName": "Latency", "Dimensions": dims}
    gmd = cw.get_metric_data(StartTime=utc(t0 - 60), EndTime=utc(t0 + 300), ScanBy="TimestampAscending", MetricDataQueries=[
        {"Id": "avg", "MetricStat": {"Metric": metric, "Period": 60, "Stat": "Average"}},
        {"Id": "worst", "Label": "p99 latency", "MetricStat": {"Metric": metric, "Period": 60, "Stat": "p99"}}])
    result["metricData"] = [{"Id": r["Id"], "Label": r["Label"], "StatusCode": r["StatusCode"],
                             "Timestamps": [epoch(t) for t in r["Timestamps"]], "Values": r["Values"]}
                            for r in gmd["MetricDataResults"]]
    return result


def renamespace(obj, old, new):
    return json.loads(json.dumps(obj).replace(json.dumps(old)[1:-1], json.dumps(new)[1:-1]))


class JsSdkTest(ServerTest):
    @classmethod
    def setUpClass(cls):
        reason = ensure_node_modules()
        if reason:
            raise unittest.SkipTest(reason)
        super().setUpClass()
        try:
            cls.publish_and_run()
        except BaseException:
            cls.server.cleanup()
            raise

    @classmethod
    def publish_and_run(cls):
        cls.t0 = (int(time.time()) - 3600) // 60 * 60
        cls.untrusted = cls.create_key()
        cw = cls.server.boto3()
        cls.boto3_ns = PREFIX + "/boto3"
        cw.put_metric_data(Namespace=cls.boto3_ns,
                           MetricData=[dict(d, Timestamp=utc(d["Timestamp"])) for d in metric_data(cls.t0)])
        cls.boto3_result = read_back(cw, cls.boto3_ns, cls.t0)
        cls.js = cls.run_script()

    @classmethod
    def create_key(cls):
        """A non-trusted key from `skywatch keys create`; waits until the running server accepts it."""
        out = subprocess.run([BIN, "keys", "create", "--data", cls.server.data_dir], capture_output=True,
                             text=True, check=True, timeout=30).stdout
        key = dict(re.findall(r"^(\w+)=(\S+)$", out, re.M))
        cw = cls.server.boto3(key_id=key["AWS_ACCESS_KEY_ID"], secret=key["AWS_SECRET_ACCESS_KEY"])
        deadline = time.time() + 10
        while True:
            try:
                cw.list_metrics(Namespace="Nothing")
                return key
            except botocore.exceptions.ClientError as e:
                if e.response["Error"]["Code"] != "InvalidClientTokenId" or time.time() > deadline:
                    raise
                time.sleep(0.1)

    @classmethod
    def run_script(cls):
        env = dict(os.environ, SKYWATCH_ENDPOINT=cls.server.endpoint, SKYWATCH_KEY_ID=KEY_ID, SKYWATCH_SECRET=SECRET,
                   SKYWATCH_UNTRUSTED_KEY_ID=cls.untrusted["AWS_ACCESS_KEY_ID"],
                   SKYWATCH_UNTRUSTED_SECRET=cls.untrusted["AWS_SECRET_ACCESS_KEY"],
                   SKYWATCH_BASE_TIME=str(cls.t0), SKYWATCH_NAMESPACE_PREFIX=PREFIX,
                   SKYWATCH_PROTOCOLS=",".join(PROTOCOLS), NODE_NO_WARNINGS="1")
        for name in ("AWS_PROFILE", "AWS_REGION", "AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            env.pop(name, None)
        p = subprocess.run(["node", SCRIPT], cwd=JS_DIR, env=env, capture_output=True, text=True, timeout=180)
        if p.returncode != 0:
            raise AssertionError("node %s failed (%d):\n%s" % (SCRIPT, p.returncode, p.stderr[-4000:]))
        return json.loads(p.stdout)

    def result(self, proto):
        r = self.js[proto]
        self.assertNotIn("failed", r, "%s scenario failed: %s" % (proto, r.get("failed")))
        return r

    # ---- which protocol went on the wire ----

    def assert_wire(self, proto, content_type, path_re, target_prefix=None, smithy=None):
        wire = self.result(proto)["wire"]
        self.assertGreaterEqual(len(wire), 8)
        for w in wire:
            self.assertEqual(w["method"], "POST", w)
            self.assertEqual(w["contentType"], content_type, w)
            self.assertRegex(w["path"], path_re)
            self.assertTrue(w["signed"], w)
            self.assertEqual(w["smithyProtocol"], smithy, w)
            if target_prefix:
                self.assertTrue((w["target"] or "").startswith(target_prefix), w)
            else:
                self.assertIsNone(w["target"], w)

    def test_default_protocol_is_aws_json_1_0(self):
        self.assert_wire("default", "application/x-amz-json-1.0", r"^/$", "GraniteServiceVersion20100801.")

    def test_explicit_aws_json_1_0(self):
        self.assert_wire("json", "application/x-amz-json-1.0", r"^/$", "GraniteServiceVersion20100801.")

    def test_explicit_rpc_v2_cbor(self):
        self.assert_wire("cbor", "application/cbor",
                         r"^/service/GraniteServiceVersion20100801/operation/(PutMetricData|ListMetrics|GetMetricStatistics|GetMetricData)$",
                         smithy="rpc-v2-cbor")

    def test_explicit_query(self):
        self.assert_wire("query", "application/x-www-form-urlencoded", r"^/$")

    # ---- the data ----

    def test_boto3_reads_the_published_values(self):
        """Pins the numbers, so a server that is wrong the same way for every client still fails."""
        dps = self.boto3_result["statistics"]["Datapoints"]
        t0 = self.t0
        self.assertEqual(dps, [
            {"Timestamp": t0, "SampleCount": 1.0, "Average": 10.0, "Sum": 10.0, "Minimum": 10.0, "Maximum": 10.0,
             "Unit": "Milliseconds", "ExtendedStatistics": {"p99": 10.0}},
            {"Timestamp": t0 + 60, "SampleCount": 5.0, "Average": 2.6, "Sum": 13.0, "Minimum": 1.0, "Maximum": 4.0,
             "Unit": "Milliseconds", "ExtendedStatistics": {"p99": 4.0}},
            # A statistic set with Minimum != Maximum has no percentiles ("CloudWatch needs raw data points").
            {"Timestamp": t0 + 120, "SampleCount": 4.0, "Average": 25.0, "Sum": 100.0, "Minimum": 10.0, "Maximum": 40.0,
             "Unit": "Milliseconds"},
        ])
        self.assertEqual(len(self.boto3_result["listAll"]), 3)
        self.assertEqual(len(self.boto3_result["listByDimension"]), 2)
        self.assertEqual(len(self.boto3_result["listByDimensionName"]), 2)
        self.assertEqual(self.boto3_result["metricData"][0]["Values"], [10.0, 2.6, 25.0])
        self.assertEqual(self.boto3_result["metricData"][1]["Values"], [10.0, 4.0])

    def check_same_as_boto3(self, proto):
        r = self.result(proto)
        self.assertEqual(r["putStatus"], 200)
        ns = r["namespace"]
        expected = renamespace(self.boto3_result, self.boto3_ns, ns)
        for key in ("listAll", "listByDimension", "listByDimensionName", "statistics", "metricData"):
            self.assertEqual(r[key], expected[key], "%s: %s differs from boto3" % (proto, key))
        # And boto3 reading what JavaScript published sees exactly what JavaScript read.
        again = read_back(self.server.boto3(), ns, self.t0)
        for key in again:
            self.assertEqual(r[key], again[key], "%s: boto3 reads %s differently" % (proto, key))

    def test_default_results_match_boto3(self):
        self.check_same_as_boto3("default")

    def test_json_results_match_boto3(self):
        self.check_same_as_boto3("json")

    def test_cbor_results_match_boto3(self):
        self.check_same_as_boto3("cbor")

    def test_query_results_match_boto3(self):
        self.check_same_as_boto3("query")

    # ---- errors ----

    def check_errors(self, proto):
        errors = self.result(proto)["errors"]
        cw = self.server.boto3(key_id=self.untrusted["AWS_ACCESS_KEY_ID"], secret=self.untrusted["AWS_SECRET_ACCESS_KEY"])
        with self.assertRaises(botocore.exceptions.ClientError) as ctx:
            cw.put_metric_data(Namespace="AWS/EC2", MetricData=[{"MetricName": "CPUUtilization", "Value": 1}])
        boto3_error = ctx.exception.response["Error"]
        self.assertEqual(boto3_error["Code"], "InvalidParameterValue")
        # The SDK names the modelled exception class; Code carries the awsQueryError code (awsQueryCompatible).
        self.assertEqual(errors["reservedNamespace"], {
            "name": "InvalidParameterValueException", "code": "InvalidParameterValue", "status": 400, "fault": "client",
            "message": boto3_error["Message"]})
        self.assertEqual(errors["badPeriod"]["name"], "InvalidParameterValueException")
        self.assertEqual(errors["badPeriod"]["code"], "InvalidParameterValue")
        self.assertEqual(errors["badPeriod"]["status"], 400)
        self.assertEqual(errors["unknownKey"]["name"], "InvalidClientTokenId")
        self.assertEqual(errors["unknownKey"]["status"], 403)
        self.assertEqual(errors["unknownKey"]["message"], "The security token included in the request is invalid.")

    def test_default_errors(self):
        self.check_errors("default")

    def test_json_errors(self):
        self.check_errors("json")

    def test_cbor_errors(self):
        self.check_errors("cbor")

    def test_query_errors(self):
        self.check_errors("query")


if __name__ == "__main__":
    unittest.main()
