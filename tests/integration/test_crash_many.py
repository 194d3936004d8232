"""test_crash_many.py -- 50 kill -9s at random moments while two clients write metrics and log events:
after every restart each acknowledged datapoint and event is there (nothing acknowledged lost, nothing
invented, nothing counted twice), and `skywatch fsck` finds no damage, only torn tails a kill may leave.
The metrics head is written to a block file every 300 samples, and retention is shortened to 1, 2 and 3 days
(metrics_retention) while the datapoints are a day and a half old, so every block file written is at once
rewritten with its samples rolled up: kills land before, during and after the seal of a log, the write of a
block file, the rewrite of block files and the removal of the files and logs they replace. Datapoints 13 days
old are written too, which the rewrites drop (retention), under the same kills."""
import datetime
import os
import random
import subprocess
import threading
import time
import unittest

import botocore.exceptions

from harness import BIN, Server

UTC = datetime.timezone.utc
KILLS = 50


class ManyKillsTest(unittest.TestCase):
    def test_fifty_kills_lose_nothing_acknowledged(self):
        rng = random.Random(20261122)
        server = Server(env={"SKYWATCH_METRICS_FLUSH_SAMPLES": "300"})
        conf = server.data_dir + ".conf"
        with open(conf, "w") as f:
            f.write("metrics_retention = 1,2,3\n")
        server.args = ["--config", conf]
        now = datetime.datetime.now(UTC).replace(microsecond=0)
        old = now - datetime.timedelta(hours=36)  # past the 1-day raw retention: rolled up by every rewrite
        acked_points, sent_points = {}, {}   # round -> count of datapoints
        acked_events, sent_events = {}, {}   # round -> count of log events
        try:
            server.start()
            logs = server.boto3("logs")
            logs.create_log_group(logGroupName="/crash")
            logs.create_log_stream(logGroupName="/crash", logStreamName="s")
            for rnd in range(KILLS):
                if rnd:
                    server.start()
                cw, logs = server.boto3(), server.boto3("logs")
                acked_points[rnd] = sent_points[rnd] = acked_events[rnd] = sent_events[rnd] = 0
                stop = threading.Event()

                def metrics(rnd=rnd, cw=cw):
                    while not stop.is_set():
                        sent_points[rnd] += 20
                        try:
                            cw.put_metric_data(Namespace="Crash", MetricData=[
                                {"MetricName": "r%d" % rnd, "Timestamp": old - datetime.timedelta(seconds=i), "Value": 1.0}
                                for i in range(20)] + [
                                {"MetricName": "expired", "Timestamp": now - datetime.timedelta(days=13), "Value": 1.0}])
                        except Exception:
                            return  # the kill: not acknowledged
                        acked_points[rnd] += 20

                def events(rnd=rnd, logs=logs):
                    k = 0
                    while not stop.is_set():
                        sent_events[rnd] += 10
                        try:
                            logs.put_log_events(logGroupName="/crash", logStreamName="s", logEvents=[
                                {"timestamp": int(now.timestamp() * 1000) + k * 10 + i, "message": "round %d event %d" % (rnd, k * 10 + i)}
                                for i in range(10)])
                        except Exception:
                            return
                        acked_events[rnd] += 10
                        k += 1

                threads = [threading.Thread(target=metrics), threading.Thread(target=events)]
                for t in threads:
                    t.start()
                time.sleep(rng.uniform(0.02, 0.3))
                server.kill()
                stop.set()
                for t in threads:
                    t.join(30)
            server.start()
            cw, logs = server.boto3(), server.boto3("logs")
            for rnd in range(KILLS):
                r = cw.get_metric_statistics(Namespace="Crash", MetricName="r%d" % rnd, StartTime=old - datetime.timedelta(hours=2),
                                             EndTime=old + datetime.timedelta(hours=1), Period=3600, Statistics=["SampleCount"])
                stored = sum(d["SampleCount"] for d in r["Datapoints"])
                self.assertGreaterEqual(stored, acked_points[rnd], "round %d" % rnd)
                self.assertLessEqual(stored, sent_points[rnd], "round %d" % rnd)
            stored_events = {}
            for page in logs.get_paginator("filter_log_events").paginate(logGroupName="/crash"):
                for e in page["events"]:
                    rnd = int(e["message"].split()[1])
                    stored_events[rnd] = stored_events.get(rnd, 0) + 1
            for rnd in range(KILLS):
                self.assertGreaterEqual(stored_events.get(rnd, 0), acked_events[rnd], "round %d" % rnd)
                self.assertLessEqual(stored_events.get(rnd, 0), sent_events[rnd], "round %d" % rnd)
            self.assertGreater(sum(acked_points.values()), 0)
            self.assertGreater(sum(acked_events.values()), 0)
            self.assertIn("metrics: head written to a block file", server.log())
            self.assertIn("metrics: block files rewritten", server.log())
            server.stop()
            self.assertTrue([n for n in os.listdir(server.data_dir) if n.startswith("mb-") and n.endswith(".swb")])
            p = subprocess.run([BIN, "fsck", server.data_dir], capture_output=True, text=True, timeout=120)
            self.assertEqual(p.returncode, 0, p.stdout)
            self.assertIsNone(server.sanitizer_report())
        finally:
            server.cleanup()
            os.unlink(conf)


if __name__ == "__main__":
    unittest.main()
