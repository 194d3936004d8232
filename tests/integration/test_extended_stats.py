"""test_extended_stats.py -- the extended statistics beyond percentiles (trimmed mean, winsorized mean,
trimmed count and sum, percentile rank, IQM) in GetMetricData over the three protocols and in alarms,
against values computed here; and where AWS refuses them (GetMetricStatistics takes percentiles only,
alarms only the forms PutMetricAlarm documents)."""
import json
import os
import tempfile

import botocore.exceptions

from harness import ServerTest
from test_alarms import T0, describe, ts

VALUES = list(range(1, 101))  # one minute of 1..100, sent as Values/Counts


def trimmed(lo_pct, hi_pct):
    n = len(VALUES)
    return sorted(VALUES)[int(n * lo_pct / 100):int(n * hi_pct / 100)]


EXPECTED = {
    "tm90": sum(trimmed(0, 90)) / 90,
    "TM(10%:90%)": sum(trimmed(10, 90)) / 80,
    "IQM": sum(trimmed(25, 75)) / 50,
    "TM(50:80)": sum(v for v in VALUES if 50 < v <= 80) / 30,
    "tc90": 90.0,
    "TS(10%:90%)": float(sum(trimmed(10, 90))),
    "wm90": sum(min(v, 90) for v in VALUES) / 100,
    "WM(10%:90%)": sum(min(max(v, 10), 90) for v in VALUES) / 100,
    "PR(:30)": 30.0,
    "PR(10:20)": 10.0,
    "p90": 90.0,
}


class ExtendedStatsTest(ServerTest):
    server_args = ("--manual-clock", str(T0))

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cw = cls.server.boto3()
        cls.minute = (T0 // 60000 - 1) * 60000  # the minute before the clock's start
        cw.put_metric_data(Namespace="Ext", MetricData=[
            {"MetricName": "Latency", "Timestamp": ts(cls.minute + 5000), "Values": [float(v) for v in VALUES],
             "Counts": [1.0] * len(VALUES)}])

    def queries(self):
        return [{"Id": "q%d" % i, "MetricStat": {"Metric": {"Namespace": "Ext", "MetricName": "Latency"},
                                                  "Period": 60, "Stat": stat}}
                for i, stat in enumerate(EXPECTED)]

    def check(self, results):
        got = {r["Id"]: r["Values"] for r in results}
        for i, (stat, want) in enumerate(EXPECTED.items()):
            self.assertEqual(len(got["q%d" % i]), 1, stat)
            self.assertAlmostEqual(got["q%d" % i][0], want, places=9, msg=stat)

    def test_get_metric_data_json_cbor_and_cli(self):
        window = dict(StartTime=ts(self.minute - 60000), EndTime=ts(self.minute + 120000))
        self.check(self.server.boto3().get_metric_data(MetricDataQueries=self.queries(), **window)["MetricDataResults"])
        self.check(self.server.cbor().get_metric_data(MetricDataQueries=self.queries(), **window)["MetricDataResults"])
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(self.queries(), f)
        try:
            out = self.server.cli_v2("cloudwatch", "get-metric-data", "--metric-data-queries", "file://" + f.name,
                                     "--start-time", window["StartTime"].isoformat(),
                                     "--end-time", window["EndTime"].isoformat())
        finally:
            os.unlink(f.name)
        self.check(out["MetricDataResults"])

    def test_unknown_stat_and_get_metric_statistics_refusals(self):
        cw = self.server.boto3()
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            cw.get_metric_data(StartTime=ts(self.minute), EndTime=ts(self.minute + 60000), MetricDataQueries=[
                {"Id": "a", "MetricStat": {"Metric": {"Namespace": "Ext", "MetricName": "Latency"}, "Period": 60,
                                           "Stat": "TM(90%:10%)"}}])
        self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidParameterValue")
        # GetMetricStatistics takes percentiles only, as AWS documents.
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            cw.get_metric_statistics(Namespace="Ext", MetricName="Latency", StartTime=ts(self.minute),
                                     EndTime=ts(self.minute + 60000), Period=60, ExtendedStatistics=["tm90"])
        self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidParameterValue")

    def test_alarm_on_a_trimmed_mean(self):
        cw = self.server.boto3()
        common = dict(Namespace="Ext", MetricName="Latency", Period=60, EvaluationPeriods=1,
                      ComparisonOperator="GreaterThanThreshold", TreatMissingData="ignore")
        # tm90 is 45.5 and IQM 50.5: one alarm breaches, the other does not.
        cw.put_metric_alarm(AlarmName="tm90-high", ExtendedStatistic="tm90", Threshold=45, **common)
        cw.put_metric_alarm(AlarmName="iqm-high", ExtendedStatistic="IQM", Threshold=51, **common)
        for bad in ("TM(5%:95%)", "TM(:90%)", "Average", "tm"):
            with self.assertRaises(botocore.exceptions.ClientError) as cm:
                cw.put_metric_alarm(AlarmName="bad", ExtendedStatistic=bad, Threshold=1, **common)
            self.assertEqual(cm.exception.response["Error"]["Code"], "ValidationError", bad)
        with self.assertRaises(botocore.exceptions.ClientError):
            cw.put_metric_alarm(AlarmName="bad", ExtendedStatistic="tm90", EvaluateLowSampleCountPercentile="ignore",
                                Threshold=1, **common)
        # The next evaluation covers the minute of the data.
        self.server.clock(advance_ms=10000)
        a, b = describe(cw, "tm90-high"), describe(cw, "iqm-high")
        self.assertEqual((a["StateValue"], a["ExtendedStatistic"]), ("ALARM", "tm90"))
        self.assertEqual(b["StateValue"], "OK")
        self.assertIn("45.5", a["StateReason"])


if __name__ == "__main__":
    import unittest
    unittest.main()
