#!/usr/bin/env python3
"""math_bench.py -- metric math query paths (issue 3's query figures, skywatch side): GetMetricData of 100
series over one day at 5 minutes with SUM(METRICS()) on top, and a SEARCH over 1,000 series, p50/p95 over
repeated calls through boto3 (JSON 1.0) against a release build. Usage: python3 bench/math_bench.py
[--series 1000] [--calls 30]. Prints a Markdown table and one JSON line."""
import argparse
import datetime
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
os.environ.setdefault("SKYWATCH_BIN", os.path.join(os.path.dirname(__file__), "..", "build", "skywatch"))
from harness import Server  # noqa: E402


def percentile(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--series", type=int, default=1000)
    ap.add_argument("--calls", type=int, default=30)
    a = ap.parse_args()
    s = Server(args=("--manual-clock", "now"))
    s.start()
    try:
        cw = s.boto3()
        end = datetime.datetime.fromtimestamp(s.clock() // 1000 // 300 * 300, datetime.timezone.utc)
        start = end - datetime.timedelta(days=1)
        points = [start + datetime.timedelta(minutes=5 * k) for k in range(288)]
        t0 = time.monotonic()
        batch = []
        for h in range(a.series):
            for k, t in enumerate(points):
                batch.append({"MetricName": "CPU", "Dimensions": [{"Name": "Host", "Value": "host-%04d" % h}],
                              "Timestamp": t, "Value": float((h * 7 + k) % 100)})
                if len(batch) == 1000:
                    cw.put_metric_data(Namespace="Bench", MetricData=batch)
                    batch = []
        if batch:
            cw.put_metric_data(Namespace="Bench", MetricData=batch)
        load_s = time.monotonic() - t0

        def timed(queries):
            lat = []
            for _ in range(a.calls):
                t = time.monotonic()
                r = cw.get_metric_data(MetricDataQueries=queries, StartTime=start, EndTime=end)
                lat.append((time.monotonic() - t) * 1000)
            return lat, r

        hundred = [{"Id": "m%d" % h, "ReturnData": False,
                    "MetricStat": {"Metric": {"Namespace": "Bench", "MetricName": "CPU",
                                              "Dimensions": [{"Name": "Host", "Value": "host-%04d" % h}]},
                                   "Period": 300, "Stat": "Average"}} for h in range(100)]
        lat_gmd, r = timed(hundred + [{"Id": "total", "Expression": "SUM(METRICS())"}])
        assert len(r["MetricDataResults"][0]["Values"]) == 288, len(r["MetricDataResults"][0]["Values"])
        lat_search, r = timed([{"Id": "s", "Expression": "SEARCH('{Bench,Host} MetricName=\"CPU\"', 'Average', 300)",
                                "ReturnData": False}, {"Id": "peak", "Expression": "MAX(s)"}])
        assert len(r["MetricDataResults"][0]["Values"]) == 288
        out = {"series": a.series, "datapoints": a.series * 288, "load_s": round(load_s, 1), "calls": a.calls,
               "gmd100_p50_ms": round(percentile(lat_gmd, 50), 1), "gmd100_p95_ms": round(percentile(lat_gmd, 95), 1),
               "search_p50_ms": round(percentile(lat_search, 50), 1), "search_p95_ms": round(percentile(lat_search, 95), 1),
               "mean_gmd100_ms": round(statistics.mean(lat_gmd), 1)}
        print("| Figure | skywatch |\n|---|---:|")
        print("| GetMetricData, 100 series x 1 day at 5 min + SUM(METRICS()), p50 / p95 ms | %.1f / %.1f |" %
              (out["gmd100_p50_ms"], out["gmd100_p95_ms"]))
        print("| SEARCH over %d series x 1 day at 5 min, then MAX, p50 / p95 ms | %.1f / %.1f |" %
              (a.series, out["search_p50_ms"], out["search_p95_ms"]))
        print(json.dumps(out))
    finally:
        s.stop()
        s.cleanup()


if __name__ == "__main__":
    main()
