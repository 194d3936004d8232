"""test_metrics_retention.py -- roll-ups and retention through the real API, driven by the server's manual
clock, with the tiers' retention shortened in the config file (metrics_retention = 2,4,8 days instead of
CloudWatch's 15,63,455, which tests/unit/test_metrics.c drives): a day of one-minute samples, then 3 days on
(raw samples rolled into 5-minute periods), 6 days on (into hours), 9 days on (gone). At each step
SampleCount, Sum, Minimum and Maximum are exact and percentiles within 1% of the exact nearest-rank value; a
kill -9 after a rewrite changes nothing; fsck finds the files intact."""
import datetime
import os
import random
import subprocess
import time
import unittest

from harness import BIN, Server

UTC = datetime.timezone.utc
DAY_MS = 86400 * 1000
T0 = 1_790_000_000_000  # the manual clock's start (2026-09-21), a day boundary plus some hours


def nearest_rank(values, p):
    v = sorted(values)
    k = max(1, -(-len(v) * p // 100))  # ceil(n * p / 100), at least 1
    return v[int(k) - 1]


class RetentionTest(unittest.TestCase):
    def setUp(self):
        self.server = Server()
        conf = self.conf = self.server.data_dir + ".conf"
        with open(conf, "w") as f:
            f.write("metrics_retention = 2,4,8\nmetrics_retention_namespace = 1,1,1 Ret/Short\n")
        self.server.args = ["--manual-clock", str(T0), "--config", conf]
        self.server.start()

    def tearDown(self):
        self.server.cleanup()
        os.unlink(self.conf)

    def wait_for_rewrite(self, count):
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.server.log().count("metrics: block files rewritten") >= count:
                return
            time.sleep(0.2)
        self.fail("no rewrite of block files within 30 s:\n" + self.server.log()[-3000:])

    def eventually(self, fn, what):
        """fn() until it returns true: the clock's move runs the scheduler step by step, and the engine's thread
        may rewrite at a time on the way before the one it ends at."""
        deadline = time.time() + 30
        while time.time() < deadline:
            if fn():
                return
            time.sleep(0.2)
        self.fail("not within 30 s: " + what)

    def buckets(self, cw, start, end, period, ext=("p50", "p90")):
        out = {}
        r = cw.get_metric_statistics(Namespace="Ret", MetricName="Latency", StartTime=start, EndTime=end, Period=period,
                                     Statistics=["SampleCount", "Sum", "Minimum", "Maximum"])
        for d in r["Datapoints"]:
            out[int(d["Timestamp"].timestamp())] = dict(d)
        r = cw.get_metric_statistics(Namespace="Ret", MetricName="Latency", StartTime=start, EndTime=end, Period=period,
                                     ExtendedStatistics=list(ext))
        for d in r["Datapoints"]:
            out[int(d["Timestamp"].timestamp())].update(d["ExtendedStatistics"])
        return out

    def check(self, cw, samples, start_s, end_s, period):
        """Every bucket of the range against the samples: exact simple statistics, percentiles within 1%."""
        want = {}
        for t, v in samples:
            if start_s <= t < end_s:
                want.setdefault(t - t % period, []).append(v)
        got = {}
        for w in range(start_s, end_s, 1440 * period):  # GetMetricStatistics answers 1,440 datapoints at most
            got.update(self.buckets(cw, datetime.datetime.fromtimestamp(w, UTC),
                                    datetime.datetime.fromtimestamp(min(end_s, w + 1440 * period), UTC), period))
        self.assertEqual(sorted(got), sorted(want))
        for b, vals in want.items():
            g = got[b]
            self.assertEqual(g["SampleCount"], len(vals), b)
            self.assertAlmostEqual(g["Sum"], sum(vals), delta=1e-9 * abs(sum(vals)))
            self.assertEqual((g["Minimum"], g["Maximum"]), (min(vals), max(vals)))
            for p in (50, 90):
                exact = nearest_rank(vals, p)
                self.assertLessEqual(abs(g["p%d" % p] - exact), 0.01 * abs(exact), (b, p, g, exact))
        return len(want)

    def test_rollups_and_retention_through_the_api(self):
        s = self.server
        cw = s.boto3()
        rng = random.Random(7)
        now_s = T0 // 1000
        first = now_s - 86400
        first -= first % 86400
        samples = []
        batch = []
        for t in range(first, now_s - 3600, 60):
            v = round(rng.lognormvariate(4, 0.6), 3)
            samples.append((t, v))
            batch.append({"MetricName": "Latency", "Timestamp": datetime.datetime.fromtimestamp(t, UTC), "Value": v,
                          "Unit": "Milliseconds"})
            if len(batch) == 1000:
                cw.put_metric_data(Namespace="Ret", MetricData=batch)
                batch = []
        if batch:
            cw.put_metric_data(Namespace="Ret", MetricData=batch)
        end = now_s - 3600
        cw.put_metric_data(Namespace="Ret/Short", MetricData=[
            {"MetricName": "Latency", "Timestamp": datetime.datetime.fromtimestamp(t, UTC), "Value": 1.0}
            for t in range(first, first + 3600, 60)])
        r = cw.get_metric_statistics(Namespace="Ret/Short", MetricName="Latency", StartTime=datetime.datetime.fromtimestamp(first, UTC),
                                     EndTime=datetime.datetime.fromtimestamp(first + 3600, UTC), Period=3600, Statistics=["SampleCount"])
        self.assertEqual([d["SampleCount"] for d in r["Datapoints"]], [60.0])
        # Raw samples: any period, exact percentiles.
        self.assertGreater(self.check(cw, samples, first, end, 300), 250)

        # 3 days on: the head is written out (it is over 2 hours old), and the samples, now 3 to 4 days old,
        # become 5-minute roll-ups.
        s.clock(advance_ms=3 * DAY_MS)
        self.wait_for_rewrite(1)
        self.assertEqual(self.check(cw, samples, first, end, 300), len(range(first, end, 300)))
        self.check(cw, samples, first, first + 2 * 86400, 3600)
        # Ret/Short keeps a day of everything (metrics_retention_namespace): its samples, 3 days old, are gone.
        self.eventually(lambda: cw.get_metric_statistics(
            Namespace="Ret/Short", MetricName="Latency", StartTime=datetime.datetime.fromtimestamp(first, UTC),
            EndTime=datetime.datetime.fromtimestamp(first + 3600, UTC), Period=3600, Statistics=["SampleCount"])["Datapoints"] == [],
            "Ret/Short's samples dropped")
        s.kill()  # a kill -9 after the rewrite: the next start serves the same roll-ups
        s.start()
        s.clock(set_ms=T0 + 3 * DAY_MS)
        cw = s.boto3()
        self.check(cw, samples, first, end, 300)

        # 6 days on: past 4 days, 5-minute roll-ups merge into hours (sketches merged).
        s.clock(advance_ms=3 * DAY_MS)
        self.wait_for_rewrite(2)

        def first_hour():  # one hour: the finest left
            r = cw.get_metric_statistics(Namespace="Ret", MetricName="Latency", StartTime=datetime.datetime.fromtimestamp(first, UTC),
                                         EndTime=datetime.datetime.fromtimestamp(first + 3600, UTC), Period=300,
                                         Statistics=["SampleCount"])
            return [d["SampleCount"] for d in r["Datapoints"]] == [60.0]
        self.eventually(first_hour, "the first hour in one 1-hour roll-up")
        hours = self.check(cw, samples, first - first % 3600, end, 3600)
        self.assertGreater(hours, 20)

        # 9 days on: past 8 days, everything is gone; the metric definitions stay in the catalog.
        s.clock(advance_ms=3 * DAY_MS)
        self.wait_for_rewrite(3)
        self.eventually(lambda: self.buckets(cw, datetime.datetime.fromtimestamp(first, UTC),
                                             datetime.datetime.fromtimestamp(end, UTC), 3600) == {}, "every sample dropped")
        self.assertEqual(s.stop(), 0)
        p = subprocess.run([BIN, "fsck", s.data_dir], capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stdout)
        self.assertIn("metrics block file", p.stdout)
        self.assertIsNone(s.sanitizer_report())


if __name__ == "__main__":
    unittest.main()
