"""test_protocols.py -- the same CloudWatch scenario over query (AWS CLI v2), JSON 1.0 (boto3) and
RPC v2 CBOR (boto3 switched) must give the same answers from one shared backend."""
import datetime
import unittest

from harness import ServerTest

UTC = datetime.timezone.utc


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


class SameAnswersOverEveryProtocol(ServerTest):
    def setUp(self):
        self.now = datetime.datetime.now(UTC).replace(microsecond=0)
        self.t0 = self.now - datetime.timedelta(minutes=30)

    def put_scenario(self, put, ns):
        """put(namespace, metric_data) with boto3-shaped datums."""
        put(ns, [{"MetricName": "Latency", "Dimensions": [{"Name": "Service", "Value": "api"}, {"Name": "Host", "Value": "h1"}],
                  "Timestamp": self.t0 + datetime.timedelta(minutes=i), "Value": float(v), "Unit": "Milliseconds"}
                 for i, v in enumerate([10, 20, 30, 40, 50, 60, 70, 80, 90, 100])])
        put(ns, [{"MetricName": "Latency", "Dimensions": [{"Name": "Host", "Value": "h1"}, {"Name": "Service", "Value": "api"}],
                  "Timestamp": self.t0, "Values": [1.0, 2.0, 3.0], "Counts": [1.0, 2.0, 3.0], "Unit": "Milliseconds"}])
        put(ns, [{"MetricName": "Requests", "Dimensions": [{"Name": "Service", "Value": "api"}],
                  "Timestamp": self.t0, "StatisticValues": {"SampleCount": 4, "Sum": 40, "Minimum": 5, "Maximum": 15},
                  "Unit": "Count"}])

    def read_json(self, c, ns):
        lm = c.list_metrics(Namespace=ns)["Metrics"]
        gms = c.get_metric_statistics(Namespace=ns, MetricName="Latency",
                                      Dimensions=[{"Name": "Service", "Value": "api"}, {"Name": "Host", "Value": "h1"}],
                                      StartTime=self.t0 - datetime.timedelta(minutes=5), EndTime=self.now,
                                      Period=300, Statistics=["SampleCount", "Sum", "Average", "Minimum", "Maximum"],
                                      ExtendedStatistics=["p99", "p50"])
        gmd = c.get_metric_data(MetricDataQueries=[
            {"Id": "lat", "MetricStat": {"Metric": {"Namespace": ns, "MetricName": "Latency",
                                                    "Dimensions": [{"Name": "Host", "Value": "h1"}, {"Name": "Service", "Value": "api"}]},
                                         "Period": 600, "Stat": "Maximum"}},
            {"Id": "req", "MetricStat": {"Metric": {"Namespace": ns, "MetricName": "Requests",
                                                    "Dimensions": [{"Name": "Service", "Value": "api"}]},
                                         "Period": 60, "Stat": "Average"}}],
            StartTime=self.t0 - datetime.timedelta(minutes=5), EndTime=self.now, ScanBy="TimestampAscending")
        return normalize(lm, gms["Datapoints"], gms["Label"], gmd["MetricDataResults"])

    def read_cli(self, ns):
        cli = self.server.cli_v2
        lm = cli("cloudwatch", "list-metrics", "--namespace", ns)["Metrics"]
        gms = cli("cloudwatch", "get-metric-statistics", "--namespace", ns, "--metric-name", "Latency",
                  "--dimensions", "Name=Service,Value=api", "Name=Host,Value=h1",
                  "--start-time", iso(self.t0 - datetime.timedelta(minutes=5)), "--end-time", iso(self.now),
                  "--period", "300", "--statistics", "SampleCount", "Sum", "Average", "Minimum", "Maximum",
                  "--extended-statistics", "p99", "p50")
        import json, tempfile
        queries = [
            {"Id": "lat", "MetricStat": {"Metric": {"Namespace": ns, "MetricName": "Latency",
                                                    "Dimensions": [{"Name": "Host", "Value": "h1"}, {"Name": "Service", "Value": "api"}]},
                                         "Period": 600, "Stat": "Maximum"}},
            {"Id": "req", "MetricStat": {"Metric": {"Namespace": ns, "MetricName": "Requests",
                                                    "Dimensions": [{"Name": "Service", "Value": "api"}]},
                                         "Period": 60, "Stat": "Average"}}]
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(queries, f)
        gmd = cli("cloudwatch", "get-metric-data", "--metric-data-queries", "file://" + f.name,
                  "--start-time", iso(self.t0 - datetime.timedelta(minutes=5)), "--end-time", iso(self.now),
                  "--scan-by", "TimestampAscending")
        return normalize(lm, gms["Datapoints"], gms["Label"], gmd["MetricDataResults"])

    def test_put_over_json_read_over_all(self):
        c = self.server.boto3()
        self.put_scenario(lambda ns, md: c.put_metric_data(Namespace=ns, MetricData=md), "Proto/Json")
        self.assert_all_agree("Proto/Json")

    def test_put_over_cbor_read_over_all(self):
        c = self.server.cbor()
        self.put_scenario(lambda ns, md: c.put_metric_data(Namespace=ns, MetricData=md), "Proto/Cbor")
        self.assert_all_agree("Proto/Cbor")

    def test_put_over_query_read_over_all(self):
        def put(ns, md):
            for d in md:
                args = ["cloudwatch", "put-metric-data", "--namespace", ns, "--metric-name", d["MetricName"],
                        "--unit", d["Unit"], "--timestamp", iso(d["Timestamp"]),
                        "--dimensions", ",".join("%s=%s" % (x["Name"], x["Value"]) for x in d["Dimensions"])]
                if "Value" in d:
                    args += ["--value", str(d["Value"])]
                elif "StatisticValues" in d:
                    s = d["StatisticValues"]
                    args += ["--statistic-values", "SampleCount=%s,Sum=%s,Minimum=%s,Maximum=%s" % (
                        s["SampleCount"], s["Sum"], s["Minimum"], s["Maximum"])]
                else:
                    import json, tempfile
                    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
                        json.dump([{"MetricName": d["MetricName"], "Dimensions": d["Dimensions"], "Timestamp": iso(d["Timestamp"]),
                                    "Values": d["Values"], "Counts": d["Counts"], "Unit": d["Unit"]}], f)
                    args = ["cloudwatch", "put-metric-data", "--namespace", ns, "--metric-data", "file://" + f.name]
                self.server.cli_v2(*args)
        self.put_scenario(put, "Proto/Query")
        self.assert_all_agree("Proto/Query")

    def assert_all_agree(self, ns):
        via_json = self.read_json(self.server.boto3(), ns)
        via_cbor = self.read_json(self.server.cbor(), ns)
        via_query = self.read_cli(ns)
        self.assertEqual(via_json, via_cbor)
        self.assertEqual(via_json, via_query)
        metrics, datapoints, label, results = via_json
        self.assertEqual(label, "Latency")
        self.assertEqual(len(metrics), 2)
        # 10 single values 10..100 plus 6 weighted samples (1, 2, 2, 3, 3, 3) over two 5-minute periods.
        total = sum(d["SampleCount"] for d in datapoints)
        self.assertEqual(total, 16)
        self.assertEqual(sum(d["Sum"] for d in datapoints), 550 + 14)
        self.assertEqual(max(d["Maximum"] for d in datapoints), 100)
        self.assertEqual(min(d["Minimum"] for d in datapoints), 1)
        by_id = {r["Id"]: r for r in results}
        self.assertEqual(by_id["req"]["Values"], [10.0])
        self.assertEqual(max(by_id["lat"]["Values"]), 100.0)
        self.assertEqual(by_id["lat"]["StatusCode"], "Complete")


def normalize(metrics, datapoints, label, results):
    """Order-insensitive, protocol-neutral form (timestamps as epoch seconds, numbers as floats)."""
    def ts(t):
        if isinstance(t, str):
            t = datetime.datetime.fromisoformat(t.replace("Z", "+00:00"))
        return int(t.timestamp())
    ms = sorted((m["Namespace"], m["MetricName"], tuple(sorted((d["Name"], d["Value"]) for d in m.get("Dimensions", []))))
                for m in metrics)
    dps = sorted(({k: (ts(v) if k == "Timestamp" else {kk: float(vv) for kk, vv in v.items()} if k == "ExtendedStatistics"
                       else v if k == "Unit" else float(v)) for k, v in d.items()} for d in datapoints),
                 key=lambda d: d["Timestamp"])
    res = [{"Id": r["Id"], "Label": r["Label"], "StatusCode": r["StatusCode"],
            "Timestamps": [ts(t) for t in r["Timestamps"]], "Values": [float(v) for v in r["Values"]]} for r in results]
    return ms, dps, label, res


if __name__ == "__main__":
    unittest.main()
