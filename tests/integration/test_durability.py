"""test_durability.py -- acknowledged datapoints survive kill -9; a torn log tail is cut, not fatal;
a graceful SIGTERM finishes and flushes."""
import datetime
import os
import random
import threading
import unittest

from harness import Server

UTC = datetime.timezone.utc


def put_batches(client, ns, n_points, batch=500, series=20):
    """Puts n_points values, each unique, across `series` metrics; returns the acknowledged (metric, value) pairs."""
    now = datetime.datetime.now(UTC)
    acked = []
    for start in range(0, n_points, batch):
        data = []
        for i in range(start, min(start + batch, n_points)):
            data.append({"MetricName": "m%d" % (i % series), "Dimensions": [{"Name": "Shard", "Value": str(i % 3)}],
                         "Timestamp": now - datetime.timedelta(seconds=i % 3600), "Value": float(i),
                         "StorageResolution": 1})
        client.put_metric_data(Namespace=ns, MetricData=data)
        acked.extend((d["MetricName"], d["Dimensions"][0]["Value"], d["Value"]) for d in data)
    return acked


def read_sums(client, ns, series=20):
    """SampleCount and Sum per (metric, shard) over the last two hours at 1-hour... periods, summed."""
    now = datetime.datetime.now(UTC)
    out = {}
    for m in range(series):
        for shard in range(3):
            r = client.get_metric_statistics(Namespace=ns, MetricName="m%d" % m,
                                             Dimensions=[{"Name": "Shard", "Value": str(shard)}],
                                             StartTime=now - datetime.timedelta(hours=2), EndTime=now + datetime.timedelta(minutes=1),
                                             Period=3600, Statistics=["SampleCount", "Sum"])
            out[("m%d" % m, str(shard))] = (sum(d["SampleCount"] for d in r["Datapoints"]), sum(d["Sum"] for d in r["Datapoints"]))
    return out


def expected_sums(acked):
    out = {}
    for name, shard, v in acked:
        c, s = out.get((name, shard), (0, 0.0))
        out[(name, shard)] = (c + 1, s + v)
    return out


class KillNine(unittest.TestCase):
    def test_every_acknowledged_datapoint_survives_kill_9(self):
        server = Server().start()
        try:
            c = server.boto3()
            acked = put_batches(c, "Crash/Test", 10000)
            server.kill()
            server.start()
            got = read_sums(server.boto3(), "Crash/Test")
            self.assertEqual(got, expected_sums(acked))
            self.assertIn('"msg":"metrics recovered"', server.log())
        finally:
            server.cleanup()

    def test_kill_9_during_concurrent_ingest_keeps_every_acknowledged_write(self):
        server = Server().start()
        try:
            acked, lock, stop = [], threading.Lock(), threading.Event()

            def writer(k):
                c = server.boto3()
                i = 0
                while not stop.is_set():
                    try:
                        got = put_batches(c, "Crash/Concurrent", 200, batch=200, series=5)
                    except Exception:
                        return  # the server died mid-request: that write was never acknowledged
                    with lock:
                        acked.extend(got)
                    i += 1
            threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
            for t in threads:
                t.start()
            threading.Event().wait(random.uniform(1.0, 2.0))
            server.kill()
            stop.set()
            for t in threads:
                t.join()
            server.start()
            got = read_sums(server.boto3(), "Crash/Concurrent", series=5)
            want = expected_sums(acked)
            for key, (count, total) in want.items():
                self.assertGreaterEqual(got[key][0], count, key)  # unacknowledged in-flight writes may also be there
            self.assertGreater(len(acked), 0)
        finally:
            server.cleanup()

    def test_torn_log_tail_is_cut_and_reported(self):
        server = Server().start()
        try:
            c = server.boto3()
            acked = put_batches(c, "Crash/Torn", 1000)
            server.kill()  # a clean stop would write the head to a block file and leave the log empty
            wal = os.path.join(server.data_dir, "metrics.wal")
            size = os.path.getsize(wal)
            with open(wal, "ab") as f:  # half a record: a length that promises more than follows
                f.write(b"\x00\x10\x00\x00\xde\xad\xbe\xefpartial")
            server.start()
            self.assertEqual(read_sums(server.boto3(), "Crash/Torn"), expected_sums(acked))
            self.assertIn("wal: cut torn or corrupt tail", server.log())
            self.assertEqual(os.path.getsize(wal), size)
            c = server.boto3()
            more = put_batches(c, "Crash/Torn", 500)
            server.kill()
            server.start()
            want = expected_sums(acked + more)
            self.assertEqual(read_sums(server.boto3(), "Crash/Torn"), want)
        finally:
            server.cleanup()

    def test_corrupt_record_in_the_middle_keeps_everything_before_it(self):
        server = Server().start()
        try:
            c = server.boto3()
            first = put_batches(c, "Crash/Flip", 500)
            server.kill()
            wal = os.path.join(server.data_dir, "metrics.wal")
            good = os.path.getsize(wal)
            server.start()
            put_batches(server.boto3(), "Crash/Flip2", 500)
            server.kill()
            with open(wal, "r+b") as f:  # flip a byte inside the second session's record
                f.seek(good + 20)
                b = f.read(1)
                f.seek(good + 20)
                f.write(bytes([b[0] ^ 0xFF]))
            server.start()
            self.assertEqual(read_sums(server.boto3(), "Crash/Flip"), expected_sums(first))
            self.assertIn("wal: cut torn or corrupt tail", server.log())
        finally:
            server.cleanup()

    def test_sigterm_shuts_down_cleanly_and_data_is_there_after(self):
        server = Server().start()
        try:
            acked = put_batches(server.boto3(), "Crash/Term", 300)
            self.assertEqual(server.stop(), 0)
            self.assertIn('"msg":"stopped"', server.log())
            # The clean stop wrote the head to a block file: the next start has no log to replay.
            self.assertTrue([n for n in os.listdir(server.data_dir) if n.startswith("mb-") and n.endswith(".swb")])
            self.assertEqual(os.path.getsize(os.path.join(server.data_dir, "metrics.wal")), 16)  # the header alone
            server.start()
            self.assertEqual(read_sums(server.boto3(), "Crash/Term"), expected_sums(acked))
            self.assertIn('"records":0', server.log())
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
