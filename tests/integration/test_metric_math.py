"""test_metric_math.py -- GetMetricData with metric math over the three protocols: an error-rate expression,
METRICS() arrays, expressions that use other expressions, ScanBy order, and AWS-shaped errors for bad
expressions, unknown Ids and cycles."""
import datetime
import json
import os
import tempfile

import botocore.exceptions

from harness import ServerTest

NOW = datetime.datetime.now(datetime.timezone.utc).replace(second=0, microsecond=0)
MINUTES = [NOW - datetime.timedelta(minutes=6 - i) for i in range(5)]
ERRORS = [0.0, 1.0, 2.0, 3.0, 4.0]
REQUESTS = [10.0, 20.0, 30.0, 40.0, 50.0]


def stat(name):
    return {"Metric": {"Namespace": "Math", "MetricName": name, "Dimensions": [{"Name": "Service", "Value": "api"}]},
            "Period": 60, "Stat": "Sum"}


QUERIES = [
    {"Id": "errors", "MetricStat": stat("Errors"), "ReturnData": False},
    {"Id": "requests", "MetricStat": stat("Requests"), "ReturnData": False},
    {"Id": "rate", "Expression": "100 * errors / requests", "Label": "Error rate (%)"},
    {"Id": "high", "Expression": "IF(rate > 6, rate, 0)"},
    {"Id": "both", "Expression": "METRICS()"},
    {"Id": "total", "Expression": "SUM(METRICS())"},
]
WANT = {
    "rate": ("Error rate (%)", [100 * e / r for e, r in zip(ERRORS, REQUESTS)]),
    "high": ("high", [v if v > 6 else 0 for v in (100 * e / r for e, r in zip(ERRORS, REQUESTS))]),
    "total": ("total", [e + r for e, r in zip(ERRORS, REQUESTS)]),
}


class MetricMathTest(ServerTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cw = cls.server.boto3()
        dims = [{"Name": "Service", "Value": "api"}]
        cw.put_metric_data(Namespace="Math", MetricData=[
            {"MetricName": n, "Dimensions": dims, "Timestamp": t, "Value": v}
            for n, values in (("Errors", ERRORS), ("Requests", REQUESTS)) for t, v in zip(MINUTES, values)])

    def window(self):
        return dict(StartTime=NOW - datetime.timedelta(minutes=10), EndTime=NOW + datetime.timedelta(minutes=1))

    def check(self, results, ascending):
        by_id = {}
        for r in results:
            by_id.setdefault(r["Id"], []).append(r)
        self.assertNotIn("errors", by_id)  # ReturnData false
        for qid, (label, values) in WANT.items():
            [r] = by_id[qid]
            self.assertEqual(r["Label"], label)
            got = r["Values"] if ascending else list(reversed(r["Values"]))
            self.assertEqual(len(got), len(values), qid)
            for g, w in zip(got, values):
                self.assertAlmostEqual(g, w, places=9)
            stamps = [t.timestamp() if hasattr(t, "timestamp") else t for t in r["Timestamps"]]
            self.assertEqual(stamps, sorted(stamps, reverse=not ascending))
        self.assertEqual(sorted((r["Label"], r["Values"][0 if ascending else -1]) for r in by_id["both"]),
                         [("Errors", 0.0), ("Requests", 10.0)])

    def test_boto3_json_and_cbor(self):
        for client in (self.server.boto3(), self.server.cbor()):
            self.check(client.get_metric_data(MetricDataQueries=QUERIES, ScanBy="TimestampAscending", **self.window())["MetricDataResults"], True)
            self.check(client.get_metric_data(MetricDataQueries=QUERIES, **self.window())["MetricDataResults"], False)

    def test_cli_v2_query_protocol(self):
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(QUERIES, f)
        try:
            w = self.window()
            out = self.server.cli_v2("cloudwatch", "get-metric-data", "--metric-data-queries", "file://" + f.name,
                                     "--scan-by", "TimestampAscending", "--start-time", w["StartTime"].isoformat(),
                                     "--end-time", w["EndTime"].isoformat())
        finally:
            os.unlink(f.name)
        self.check(out["MetricDataResults"], True)

    def test_search(self):
        cw = self.server.boto3()
        for host in ("web-1", "web-2", "db-1"):
            cw.put_metric_data(Namespace="Fleet", MetricData=[
                {"MetricName": "CPU", "Dimensions": [{"Name": "Host", "Value": host}], "Timestamp": t, "Value": 10.0 * (k + 1)}
                for k, t in enumerate(MINUTES)])
        cw.put_metric_data(Namespace="Fleet", MetricData=[  # another dimension set: outside the {Fleet,Host} schema
            {"MetricName": "CPU", "Dimensions": [{"Name": "Host", "Value": "web-1"}, {"Name": "Core", "Value": "0"}],
             "Timestamp": MINUTES[0], "Value": 99.0}])
        w = dict(self.window(), ScanBy="TimestampAscending")

        def run(expr):
            r = cw.get_metric_data(MetricDataQueries=[{"Id": "s", "Expression": expr}], **w)["MetricDataResults"]
            return sorted((x["Label"], x["Values"]) for x in r)

        self.assertEqual(run("SEARCH('{Fleet,Host} MetricName=\"CPU\"', 'Average', 60)"),
                         [("CPU db-1", [10.0, 20.0, 30.0, 40.0, 50.0]), ("CPU web-1", [10.0, 20.0, 30.0, 40.0, 50.0]),
                          ("CPU web-2", [10.0, 20.0, 30.0, 40.0, 50.0])])
        self.assertEqual([label for label, _ in run("SEARCH('{Fleet,Host} web', 'Maximum', 60)")], ["CPU web-1", "CPU web-2"])
        self.assertEqual(run("SUM(SEARCH('{Fleet,Host} CPU', 'Sum', 60))"), [("s", [30.0, 60.0, 90.0, 120.0, 150.0])])
        self.assertEqual([label for label, _ in run("SEARCH('Host=web-1', 'Average', 60)")], ["CPU 0 web-1", "CPU web-1"])
        self.assertEqual(run("SEARCH('{Fleet,Host} nothing-matches', 'Average', 60)"), [])
        for bad, text in (("SEARCH('{Fleet,Host} web OR db', 'Average', 60)", "OR, NOT and parentheses"),
                          ("SEARCH('{Fleet,Host}', 'Mean', 60)", "statistic Mean"),
                          ("SEARCH('{Fleet,Host}', 'Average', 45)", "period")):
            with self.assertRaises(botocore.exceptions.ClientError) as cm:
                run(bad)
            self.assertIn(text, cm.exception.response["Error"]["Message"])

    def test_errors(self):
        cw = self.server.boto3()
        cases = [
            ([{"Id": "x", "Expression": "sum(errors)"}], "Unknown function sum"),
            ([{"Id": "x", "Expression": "nothere * 2"}], "Unrecognized identifier nothere"),
            ([{"Id": "x", "Expression": "errors +"}], "Syntax error"),
            ([{"Id": "a", "Expression": "b + 1"}, {"Id": "b", "Expression": "a + 1"}], "cycle"),
            ([{"Id": "x", "Expression": "ANOMALY_DETECTION_BAND(errors, 2)"}], "ANOMALY_DETECTION_BAND is not supported"),
            ([{"Id": "x", "Expression": "SELECT SUM(Errors) FROM Math"}], "Metrics Insights"),
            ([{"Id": "X", "Expression": "1"}], "must start with a lowercase letter"),
        ]
        for queries, text in cases:
            with self.assertRaises(botocore.exceptions.ClientError) as cm:
                cw.get_metric_data(MetricDataQueries=queries, **self.window())
            self.assertIn(cm.exception.response["Error"]["Code"], ("ValidationError", "InvalidParameterValue"), queries)
            self.assertIn(text, cm.exception.response["Error"]["Message"], queries)
        # A constant needs no metric: one value per period of the range.
        r = cw.get_metric_data(MetricDataQueries=[{"Id": "one", "Expression": "TIME_SERIES(1)", "Period": 60}],
                               **self.window())["MetricDataResults"]
        self.assertEqual(set(r[0]["Values"]), {1.0})
        self.assertGreaterEqual(len(r[0]["Values"]), 10)


if __name__ == "__main__":
    import unittest
    unittest.main()
