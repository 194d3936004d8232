"""test_fsck.py -- `skywatch fsck DIR` and damage at start-up: a byte flipped in the middle of the metrics
write-ahead log costs only the record it hits (the records after it are replayed, the damaged bytes are
saved aside and reported), a flipped byte in a log segment is reported by fsck and the server still serves
everything else, and fsck finds what it must on an intact directory."""
import datetime
import os
import struct
import subprocess
import time
import unittest

from harness import BIN, Server


def wal_records(path):
    """(offset, length) of each record of a write-ahead log file."""
    with open(path, "rb") as f:
        data = f.read()
    # "SWWAL001" alone, or "SWWAL002"/"SWWALR02" and an 8-byte salt
    out, off = [], 8 if data[:8] == b"SWWAL001" else 16
    while off + 8 <= len(data):
        n = struct.unpack_from("<I", data, off)[0] & 0x3FFFFFF  # the top 6 bits: a tag of the salt
        out.append((off, 8 + n))
        off += 8 + n
    return out


def flip(path, offset):
    with open(path, "r+b") as f:
        f.seek(offset)
        b = f.read(1)
        f.seek(offset)
        f.write(bytes([b[0] ^ 0x5A]))


def fsck(data_dir):
    p = subprocess.run([BIN, "fsck", data_dir], capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout


class FsckTest(unittest.TestCase):
    def setUp(self):
        self.server = Server()

    def tearDown(self):
        if self.server.proc and self.server.proc.poll() is None:
            self.server.stop()
        self.server.cleanup()

    def points(self, cw, metric):
        now = datetime.datetime.now(datetime.timezone.utc)
        r = cw.get_metric_statistics(Namespace="Fsck", MetricName=metric, StartTime=now - datetime.timedelta(hours=1),
                                     EndTime=now + datetime.timedelta(minutes=1), Period=60, Statistics=["SampleCount"])
        return sum(p["SampleCount"] for p in r["Datapoints"])

    def test_mid_log_damage_costs_one_record(self):
        s = self.server
        s.start()
        cw = s.boto3()
        for metric in ("first", "second", "third"):  # one PutMetricData, one log record, each
            cw.put_metric_data(Namespace="Fsck", MetricData=[{"MetricName": metric, "Value": float(i)} for i in range(50)])
        s.kill()  # a clean stop would write the head to a block file and empty the log
        rc, out = fsck(s.data_dir)
        self.assertEqual(rc, 0, out)
        self.assertIn("intact:", out)
        self.assertRegex(out, r"ok +metrics\.wal: write-ahead log, \d+ records")

        wal = os.path.join(s.data_dir, "metrics.wal")
        records = [r for r in wal_records(wal) if r[1] > 200]
        self.assertEqual(len(records), 3)
        off, length = records[1]
        flip(wal, off + 8 + length // 2)
        rc, out = fsck(s.data_dir)
        self.assertEqual(rc, 1, out)
        self.assertIn("DAMAGED metrics.wal: bytes %d-%d (%d bytes) are not an intact record; the records after them "
                      "are intact" % (off, off + length - 1, length), out)

        s.start()
        cw = s.boto3()
        self.assertEqual((self.points(cw, "first"), self.points(cw, "second"), self.points(cw, "third")), (50, 0, 50))
        self.assertIn("wal: skipped a damaged range", s.log())
        saved = os.path.join(s.data_dir, "metrics.wal.damaged-%d" % off)
        self.assertEqual(os.path.getsize(saved), length)
        self.assertEqual(os.stat(saved).st_mode & 0o777, 0o600)
        # New writes land after the damage and survive kill -9.
        cw.put_metric_data(Namespace="Fsck", MetricData=[{"MetricName": "fourth", "Value": 1.0}])
        s.kill()
        s.start()
        cw = s.boto3()
        self.assertEqual((self.points(cw, "third"), self.points(cw, "fourth")), (50, 1))
        s.stop()
        rc, out = fsck(s.data_dir)
        self.assertEqual(rc, 1)
        self.assertIn("DAMAGED metrics.wal.damaged-%d: %d bytes an earlier start found damaged" % (off, length), out)
        self.assertIsNone(s.sanitizer_report())

    def test_damaged_metrics_block_is_reported_and_the_rest_served(self):
        s = self.server
        s.start()
        cw = s.boto3()
        for metric in ("first", "second"):  # series 0 and 1: the block file holds first's block, then second's
            cw.put_metric_data(Namespace="Fsck", MetricData=[{"MetricName": metric, "Value": float(i)} for i in range(40)])
        self.assertEqual(s.stop(), 0)  # a clean stop writes the head to a block file
        files = sorted(n for n in os.listdir(s.data_dir) if n.startswith("mb-") and n.endswith(".swb"))
        self.assertEqual(len(files), 1)
        rc, out = fsck(s.data_dir)
        self.assertEqual(rc, 0, out)
        self.assertRegex(out, r"ok +%s: metrics block file, 2 blocks, 80 samples" % files[0])
        path = os.path.join(s.data_dir, files[0])
        flip(path, 8 + 14)  # inside the first block (its checksum or frame)
        rc, out = fsck(s.data_dir)
        self.assertEqual(rc, 1, out)
        self.assertRegex(out, r"DAMAGED %s: block 0 \(series 0, bytes 8-\d+, 40 samples, \d+\.\.\d+ s\) fails its checksum" % files[0])
        s.start()
        cw = s.boto3()
        self.assertEqual((self.points(cw, "first"), self.points(cw, "second")), (0, 40))
        self.assertIn("metrics: a damaged block was skipped", s.log())
        # The index damaged instead: the whole file is refused at start-up, reported, and the server runs.
        flip(path, 8 + 14)
        flip(path, os.path.getsize(path) - 30)
        s.stop()
        rc, out = fsck(s.data_dir)
        self.assertEqual(rc, 1, out)
        self.assertIn("DAMAGED %s: metrics block file unreadable: index checksum mismatch" % files[0], out)
        s.start()
        self.assertIn("metrics: a block file is damaged", s.log())
        cw = s.boto3()
        cw.put_metric_data(Namespace="Fsck", MetricData=[{"MetricName": "third", "Value": 1.0}])
        self.assertEqual(self.points(cw, "third"), 1)
        self.assertIsNone(s.sanitizer_report())

    def test_damaged_log_segment_is_reported_and_the_rest_served(self):
        s = self.server
        s.start()
        logs = s.boto3("logs")
        now = int(time.time() * 1000)
        for g in ("/fsck/a", "/fsck/b"):
            logs.create_log_group(logGroupName=g)
            logs.create_log_stream(logGroupName=g, logStreamName="s")
            logs.put_log_events(logGroupName=g, logStreamName="s",
                                logEvents=[{"timestamp": now + i, "message": "%s line %d" % (g, i)} for i in range(200)])
        s.stop()
        s.start()  # a start packs what the last run left in the logs' write-ahead logs into segments
        s.stop()
        rc, out = fsck(s.data_dir)
        self.assertEqual(rc, 0, out)
        segs = [line.split()[1].rstrip(":") for line in out.splitlines() if "log segment" in line]
        self.assertGreaterEqual(len(segs), 2, out)
        victim = os.path.join(s.data_dir, segs[0])
        flip(victim, 8 + 20)  # inside the first block frame
        rc, out = fsck(s.data_dir)
        self.assertEqual(rc, 1, out)
        self.assertRegex(out, r"DAMAGED %s: block 0 \(bytes \d+-\d+, 200 events, .*\) fails its checksum" % segs[0])
        self.assertIn("DAMAGE FOUND", out)
        # The server starts; the intact group is served whole.
        s.start()
        logs = s.boto3("logs")
        groups = {}
        for g in ("/fsck/a", "/fsck/b"):
            try:
                groups[g] = len(logs.filter_log_events(logGroupName=g)["events"])
            except Exception as e:  # the damaged group answers with an error, not a crash
                groups[g] = str(e)
        self.assertIn(200, groups.values())
        s.stop()
        self.assertIsNone(s.sanitizer_report())

    def test_usage_and_missing_directory(self):
        self.assertEqual(subprocess.run([BIN, "fsck"], capture_output=True).returncode, 2)
        p = subprocess.run([BIN, "fsck", "/nonexistent/skywatch"], capture_output=True, text=True)
        self.assertEqual(p.returncode, 2)
        self.assertIn("is not a directory", p.stderr)


if __name__ == "__main__":
    unittest.main()
