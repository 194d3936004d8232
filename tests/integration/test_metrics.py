"""test_metrics.py -- statistics against an independent computation over random data, percentile
rules, units, period rounding, ListMetrics filters and paging, GetMetricData paging."""
import datetime
import math
import random
import unittest

import botocore.exceptions

from harness import ServerTest

UTC = datetime.timezone.utc


def nearest_rank(values, p):
    """Independent percentile: smallest v with at least p% of the samples <= v."""
    s = sorted(values)
    k = max(1, math.ceil(p / 100.0 * len(s)))
    return s[k - 1]


class Statistics(ServerTest):
    def test_random_data_matches_an_independent_computation(self):
        rnd = random.Random(20261122)
        c = self.server.boto3()
        now = datetime.datetime.now(UTC).replace(second=0, microsecond=0)
        start = now - datetime.timedelta(minutes=60)
        points = []
        for i in range(3000):
            t = start + datetime.timedelta(seconds=rnd.randrange(0, 3600))
            points.append((t, rnd.lognormvariate(3, 1)))
        for k in range(0, len(points), 1000):
            c.put_metric_data(Namespace="Stats", MetricData=[
                {"MetricName": "lat", "Timestamp": t, "Value": v, "StorageResolution": 1} for t, v in points[k:k + 1000]])
        r = c.get_metric_statistics(Namespace="Stats", MetricName="lat", StartTime=start, EndTime=now, Period=300,
                                    Statistics=["SampleCount", "Sum", "Average", "Minimum", "Maximum"],
                                    ExtendedStatistics=["p50", "p90", "p99", "p99.9", "p0", "p100"])
        buckets = {}
        for t, v in points:
            if t < now:
                # periods start at StartTime (rounded to the minute), not at multiples of the period
                key = int(start.timestamp()) + (int(t.timestamp()) - int(start.timestamp())) // 300 * 300
                buckets.setdefault(key, []).append(v)
        got = {int(d["Timestamp"].timestamp()): d for d in r["Datapoints"]}
        self.assertEqual(sorted(got), sorted(buckets))
        for key, vals in buckets.items():
            d = got[key]
            self.assertEqual(d["SampleCount"], len(vals))
            self.assertAlmostEqual(d["Sum"], sum(vals), places=6)
            self.assertAlmostEqual(d["Average"], sum(vals) / len(vals), places=9)
            self.assertEqual(d["Minimum"], min(vals))
            self.assertEqual(d["Maximum"], max(vals))
            for p in ("p50", "p90", "p99", "p99.9", "p0", "p100"):
                want = min(vals) if p == "p0" else nearest_rank(vals, float(p[1:]))
                self.assertEqual(d["ExtendedStatistics"][p], want, p)

    def test_values_and_counts_weigh_percentiles(self):
        c = self.server.boto3()
        now = datetime.datetime.now(UTC)
        c.put_metric_data(Namespace="Weights", MetricData=[
            {"MetricName": "w", "Values": [1, 2, 100], "Counts": [90, 9, 1], "Timestamp": now}])
        r = c.get_metric_statistics(Namespace="Weights", MetricName="w", StartTime=now - datetime.timedelta(minutes=5),
                                    EndTime=now + datetime.timedelta(minutes=5), Period=600,
                                    Statistics=["SampleCount", "Sum"], ExtendedStatistics=["p50", "p95", "p99.5"])
        d = r["Datapoints"][0]
        self.assertEqual(d["SampleCount"], 100)
        self.assertEqual(d["Sum"], 90 + 18 + 100)
        self.assertEqual(d["ExtendedStatistics"], {"p50": 1, "p95": 2, "p99.5": 100})

    def test_statistic_sets_hide_percentiles_unless_all_values_equal(self):
        c = self.server.boto3()
        now = datetime.datetime.now(UTC)
        c.put_metric_data(Namespace="Sets", MetricData=[
            {"MetricName": "mixed", "Timestamp": now, "StatisticValues": {"SampleCount": 3, "Sum": 6, "Minimum": 1, "Maximum": 3}},
            {"MetricName": "same", "Timestamp": now, "StatisticValues": {"SampleCount": 3, "Sum": 6, "Minimum": 2, "Maximum": 2}}])
        def stats(name):
            return c.get_metric_statistics(Namespace="Sets", MetricName=name, StartTime=now - datetime.timedelta(minutes=5),
                                           EndTime=now + datetime.timedelta(minutes=5), Period=600, Statistics=["Average"],
                                           ExtendedStatistics=["p50"])["Datapoints"][0]
        self.assertEqual(stats("mixed")["Average"], 2)
        self.assertNotIn("ExtendedStatistics", stats("mixed"))
        self.assertEqual(stats("same")["ExtendedStatistics"], {"p50": 2})

    def test_units_filter_and_separate_datapoints(self):
        c = self.server.boto3()
        now = datetime.datetime.now(UTC)
        c.put_metric_data(Namespace="Units", MetricData=[
            {"MetricName": "size", "Timestamp": now, "Value": 1, "Unit": "Bytes"},
            {"MetricName": "size", "Timestamp": now, "Value": 5, "Unit": "Kilobytes"}])
        args = dict(Namespace="Units", MetricName="size", StartTime=now - datetime.timedelta(minutes=5),
                    EndTime=now + datetime.timedelta(minutes=5), Period=600, Statistics=["Sum"])
        self.assertEqual([(d["Sum"], d["Unit"]) for d in c.get_metric_statistics(Unit="Bytes", **args)["Datapoints"]], [(1, "Bytes")])
        both = sorted((d["Sum"], d["Unit"]) for d in c.get_metric_statistics(**args)["Datapoints"])
        self.assertEqual(both, [(1, "Bytes"), (5, "Kilobytes")])
        self.assertEqual(c.get_metric_statistics(Unit="Seconds", **args)["Datapoints"], [])

    def test_dimension_sets_match_exactly(self):
        c = self.server.boto3()
        now = datetime.datetime.now(UTC)
        c.put_metric_data(Namespace="Exact", MetricData=[
            {"MetricName": "cpu", "Dimensions": [{"Name": "A", "Value": "1"}, {"Name": "B", "Value": "2"}], "Value": 10, "Timestamp": now},
            {"MetricName": "cpu", "Dimensions": [{"Name": "A", "Value": "1"}], "Value": 20, "Timestamp": now}])
        def total(dims):
            r = c.get_metric_statistics(Namespace="Exact", MetricName="cpu", Dimensions=dims, StartTime=now - datetime.timedelta(minutes=5),
                                        EndTime=now + datetime.timedelta(minutes=5), Period=600, Statistics=["Sum"])
            return [d["Sum"] for d in r["Datapoints"]]
        self.assertEqual(total([{"Name": "A", "Value": "1"}]), [20])
        self.assertEqual(total([{"Name": "B", "Value": "2"}, {"Name": "A", "Value": "1"}]), [10])
        self.assertEqual(total([]), [])

    def test_standard_resolution_rounds_to_the_minute_high_resolution_keeps_seconds(self):
        c = self.server.boto3()
        now = datetime.datetime.now(UTC).replace(microsecond=0) - datetime.timedelta(minutes=2)
        t = now.replace(second=17)
        c.put_metric_data(Namespace="Res", MetricData=[
            {"MetricName": "std", "Timestamp": t, "Value": 1},
            {"MetricName": "hi", "Timestamp": t, "Value": 1, "StorageResolution": 1}])
        def stamps(name):
            r = c.get_metric_statistics(Namespace="Res", MetricName=name, StartTime=t - datetime.timedelta(minutes=1),
                                        EndTime=t + datetime.timedelta(minutes=1), Period=1, Statistics=["Sum"])
            return [d["Timestamp"].second for d in r["Datapoints"]]
        self.assertEqual(stamps("std"), [0])
        self.assertEqual(stamps("hi"), [17])


class Listing(ServerTest):
    def test_filters_and_paging(self):
        c = self.server.boto3()
        for k in range(0, 1200, 600):
            for j in range(k, k + 600, 300):
                c.put_metric_data(Namespace="Many", MetricData=[
                    {"MetricName": "m%04d" % i, "Dimensions": [{"Name": "Host", "Value": "h%d" % (i % 3)}, {"Name": "Az", "Value": "a"}],
                     "Value": i} for i in range(j, j + 300)])
        first = c.list_metrics(Namespace="Many")
        self.assertEqual(len(first["Metrics"]), 500)
        self.assertIn("NextToken", first)
        pages = list(c.get_paginator("list_metrics").paginate(Namespace="Many"))
        names = [m["MetricName"] for p in pages for m in p["Metrics"]]
        self.assertEqual(len(names), 1200)
        self.assertEqual(len(set(names)), 1200)
        host1 = [m for p in c.get_paginator("list_metrics").paginate(Namespace="Many", Dimensions=[{"Name": "Host", "Value": "h1"}])
                 for m in p["Metrics"]]
        self.assertEqual(len(host1), 400)
        by_name = c.list_metrics(Namespace="Many", MetricName="m0007")["Metrics"]
        self.assertEqual(len(by_name), 1)
        self.assertEqual(sorted((d["Name"], d["Value"]) for d in by_name[0]["Dimensions"]), [("Az", "a"), ("Host", "h1")])
        self.assertEqual(len(c.list_metrics(Namespace="Many", Dimensions=[{"Name": "Nope"}])["Metrics"]), 0)
        self.assertEqual(len(c.list_metrics(Namespace="Many", MetricName="m0007", RecentlyActive="PT3H")["Metrics"]), 1)
        with self.assertRaises(botocore.exceptions.ClientError) as e:
            c.list_metrics(Namespace="Many", NextToken="garbage")
        self.assertEqual(e.exception.response["Error"]["Code"], "InvalidNextToken")

    def test_metrics_without_data_in_two_weeks_are_not_listed(self):
        c = self.server.boto3()
        old = datetime.datetime.now(UTC) - datetime.timedelta(days=13, hours=23)
        c.put_metric_data(Namespace="Old", MetricData=[{"MetricName": "stale", "Value": 1, "Timestamp": old}])
        self.assertEqual(len(c.list_metrics(Namespace="Old")["Metrics"]), 1)
        self.assertEqual(len(c.list_metrics(Namespace="Old", RecentlyActive="PT3H")["Metrics"]), 0)

    def test_get_metric_data_pages_with_max_datapoints(self):
        c = self.server.boto3()
        now = datetime.datetime.now(UTC).replace(second=0, microsecond=0)
        c.put_metric_data(Namespace="Pages", MetricData=[
            {"MetricName": "p", "Timestamp": now - datetime.timedelta(minutes=i + 1), "Value": i} for i in range(50)])
        q = [{"Id": "a", "MetricStat": {"Metric": {"Namespace": "Pages", "MetricName": "p"}, "Period": 60, "Stat": "Sum"}},
             {"Id": "b", "MetricStat": {"Metric": {"Namespace": "Pages", "MetricName": "p"}, "Period": 60, "Stat": "SampleCount"},
              "ReturnData": False}]
        values, pages = [], 0
        for page in c.get_paginator("get_metric_data").paginate(MetricDataQueries=q, StartTime=now - datetime.timedelta(hours=1),
                                                               EndTime=now, PaginationConfig={"PageSize": 20}):
            pages += 1
            self.assertEqual([r["Id"] for r in page["MetricDataResults"]], ["a"])
            values += page["MetricDataResults"][0]["Values"]
        self.assertEqual(pages, 3)
        self.assertEqual(values, [float(i) for i in range(50)])  # TimestampDescending: newest (i=0) first


if __name__ == "__main__":
    unittest.main()
