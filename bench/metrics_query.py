#!/usr/bin/env python3
"""metrics_query.py -- issue 3's query-latency, start-up, memory and disk figures: skywatch beside VictoriaMetrics and
Prometheus (Debian packages) on the same data, in one run. bench/metrics_query_run.sh builds skywatch and
bench/metrics_gen, installs the peers and calls this; the method is in bench/README.md.

Per shape (full-precision floats, then values rounded to 2 decimals), on fresh data directories:
  1. Loads, at once (MQ_PARALLEL_LOAD=0: one after the other):
     skywatch, started on its manual clock: the 30-day series through PutMetricData, the clock moved along so that
       no timestamp is older than PutMetricData's two-week window; then the clock set to now and the day set (SERIES
       x 1 day at 10 s) over MQ_CONNS connections; RSS with every series active.
     VictoriaMetrics: /api/v1/import of the same samples, streamed from the generator.
     Prometheus: the same samples as OpenMetrics files, turned into 24 h blocks by promtool.
  2. skywatch alone: SIGTERM, the size of its data directory, a start on the real clock timed from exec to the first
     GetMetricStatistics that returns data, RSS. Then Prometheus is started on its blocks.
  3. Queries, interleaved (one call to each server in turn; MQ_WARMUP untimed rounds, then MQ_CALLS timed), one
     keep-alive connection per server, timed from the first byte sent to the last byte read. skywatch requests are
     signed (botocore's SigV4 signer, AWS JSON 1.0) before the timer starts. The answers' series and points are checked.
  4. The peers stopped cleanly (SIGTERM), their directories measured. First shape only: MQ_EXTRA_SERIES more series into
     skywatch (past 100 million samples), then kill -9 + start (the newest samples only in its log) and SIGTERM +
     start, each timed as in 2.
Prints a Markdown table and appends one JSON line per figure to the results file.

Knobs (environment): MQ_SERIES 10000, MQ_EXTRA_SERIES 1600, MQ_SHAPES "full dec2", MQ_CALLS 50, MQ_WARMUP 5,
MQ_CONNS 4, MQ_LONG_DAYS 30, MQ_PEERS "vm prom", MQ_PARALLEL_LOAD 1, BENCH_STEP_TIMEOUT 900 (seconds per load step)."""
import argparse
import concurrent.futures
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

AKID, SECRET = "AKIDBENCH", "benchsecret"  # bench/run.sh's root key, given to the server in its environment
DAY = 86400
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def log(msg):
    print("[metrics_query %s] %s" % (time.strftime("%H:%M:%S"), msg), file=sys.stderr, flush=True)


def env_int(name, default):
    return int(os.environ.get(name, default))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def dir_bytes(path):
    """Apparent size of every file under path (what du -sb counts)."""
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except FileNotFoundError:
                pass
    return total


def percentile(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def promql_form(expr, start, end, step):
    return urllib.parse.urlencode({"query": expr, "start": start, "end": end, "step": step}).encode()


class Children:
    """Every process the benchmark starts, so that a failure or a timeout anywhere stops them all."""
    procs = []
    lock = threading.Lock()

    @classmethod
    def spawn(cls, args, **kw):
        p = subprocess.Popen(args, **kw)
        with cls.lock:
            cls.procs.append(p)
        return p

    @classmethod
    def kill_all(cls):
        with cls.lock:
            for p in cls.procs:
                if p.poll() is None:
                    p.kill()
                    p.wait()


def step(args, timeout, stdout=subprocess.PIPE):
    """Runs one load step and returns its last stdout line as JSON ({} if it printed none); raises on failure."""
    p = Children.spawn(args, stdout=stdout, stderr=subprocess.PIPE, text=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        raise RuntimeError("%s: no result within %d s" % (args[:2], timeout))
    if p.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (args, p.returncode, err.strip()[-2000:]))
    lines = [l for l in (out or "").splitlines() if l.strip()]
    return json.loads(lines[-1]) if lines else {}


def stop_process(p, sig=signal.SIGTERM, timeout=120):
    """Signals p and waits; returns the seconds until it exited."""
    t0 = time.monotonic()
    p.send_signal(sig)
    p.wait(timeout=timeout)
    return time.monotonic() - t0


def wait_http(port, path, proc, timeout=300):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            raise RuntimeError("%s exited (status %d)" % (proc.args[0], proc.returncode))
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", path)
            if c.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError("%s did not become ready" % proc.args[0])


class Client:
    """One keep-alive HTTP/1.1 connection. post() returns (status, body, seconds from the first byte sent to the last
    byte read); a connection the server closed is reopened once, outside the timed attempt."""

    def __init__(self, port):
        self.port, self.conn = port, None

    def post(self, path, body, headers):
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
                self.conn.connect()
                self.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                t0 = time.perf_counter()
                self.conn.request("POST", path, body, headers)
                resp = self.conn.getresponse()
                data = resp.read()
                return resp.status, data, time.perf_counter() - t0
            except (http.client.HTTPException, ConnectionError):
                self.close()
                if attempt:
                    raise

    def close(self):
        if self.conn:
            self.conn.close()
            self.conn = None


# ---------- the servers ----------

class Skywatch:
    name = "skywatch"

    def __init__(self, binary, data, logdir):
        self.binary, self.data, self.logdir = binary, data, logdir
        self.proc, self.port, self.client, self.starts = None, None, None, 0
        self.conf = os.path.join(logdir, "skywatch.conf")
        with open(self.conf, "w") as f:
            f.write("request_log = off\n")
        self.signer = SigV4Auth(Credentials(AKID, SECRET), "monitoring", "us-east-1")

    def call(self, op, body):
        """One AWS JSON 1.0 call, signed now (outside the timer: SigV4 allows 5 minutes of skew, so it stays valid)."""
        data = json.dumps(body).encode()
        req = AWSRequest(method="POST", url="http://127.0.0.1:%d/" % self.port, data=data,
                         headers={"Content-Type": "application/x-amz-json-1.0",
                                  "X-Amz-Target": "GraniteServiceVersion20100801." + op})
        self.signer.add_auth(req)
        return self.client.post("/", data, dict(req.headers.items()))

    def start(self, probe, manual_clock_ms=None, timeout=600):
        """Starts the server; returns the seconds from exec to the first successful probe (op, body, check(answer)),
        tried every 2 ms while the connection is refused or the answer fails the check."""
        self.starts += 1
        self.port = free_port()
        args = [self.binary, "serve", "--listen", "127.0.0.1:%d" % self.port, "--data", self.data, "--config", self.conf]
        if manual_clock_ms is not None:
            args += ["--manual-clock", str(manual_clock_ms)]
        env = dict(os.environ, SKYWATCH_ROOT_ACCESS_KEY_ID=AKID, SKYWATCH_ROOT_SECRET_ACCESS_KEY=SECRET)
        self.logfile = os.path.join(self.logdir, "skywatch.%d.log" % self.starts)
        with open(self.logfile, "w") as logf:
            t0 = time.monotonic()
            self.proc = Children.spawn(args, env=env, stdout=subprocess.DEVNULL, stderr=logf)
        self.client = Client(self.port)
        op, body, check = probe
        while time.monotonic() - t0 < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError("skywatch exited: " + self.log_tail())
            try:
                status, data, _ = self.call(op, body)
                if status == 200 and check(json.loads(data)):
                    return time.monotonic() - t0
            except (OSError, http.client.HTTPException):
                self.client.close()
            time.sleep(0.002)
        raise RuntimeError("skywatch did not answer within %d s" % timeout)

    def stop(self, sig=signal.SIGTERM):
        self.client.close()
        secs = stop_process(self.proc, sig)
        if sig == signal.SIGTERM and self.proc.returncode != 0:
            raise RuntimeError("skywatch exited with status %d: %s" % (self.proc.returncode, self.log_tail()))
        self.proc = None
        return secs

    def log_tail(self):
        with open(self.logfile) as f:
            return f.read()[-3000:]

    def checked(self, fn):
        """fn(), or its error with the server's state and the end of its log."""
        try:
            return fn()
        except Exception as e:
            state = "running" if self.proc.poll() is None else "exited with status %s" % self.proc.returncode
            raise RuntimeError("%s\nskywatch %s; end of %s:\n%s" % (e, state, self.logfile, self.log_tail())) from e

    def recovered(self):
        """The server's own "metrics recovered" log line of the last start, if it wrote one."""
        with open(self.logfile) as f:
            return next((json.loads(l) for l in f if '"metrics recovered"' in l), None)


class Peer:
    """A PromQL server: started on a data directory, queried with POST /api/v1/query_range, stopped with SIGTERM."""

    def __init__(self, data, logdir):
        self.data, self.logdir, self.proc, self.client = data, logdir, None, None

    def start(self):
        self.port = free_port()
        with open(os.path.join(self.logdir, self.name + ".log"), "a") as logf:
            self.proc = Children.spawn(self.args(), stdout=subprocess.DEVNULL, stderr=logf)
        wait_http(self.port, self.ready_path, self.proc)
        self.client = Client(self.port)

    def query(self, form):
        return self.client.post("/api/v1/query_range", form, FORM)

    def stop(self):
        self.client.close()
        stop_process(self.proc)
        self.proc = None


class Victoria(Peer):
    name, ready_path = "victoria-metrics", "/health"

    def args(self):
        # No response cache: every timed call reads the data, as skywatch's do.
        return ["victoria-metrics", "-storageDataPath", self.data, "-httpListenAddr", "127.0.0.1:%d" % self.port,
                "-retentionPeriod", "100y", "-search.disableCache", "-loggerLevel", "ERROR"]


class Prometheus(Peer):
    name, ready_path = "prometheus", "/-/ready"

    def args(self):
        conf = os.path.join(self.logdir, "prometheus.yml")
        with open(conf, "w") as f:
            f.write("global:\n  scrape_interval: 1m\n")  # no scrape targets
        # min = max = 24 h: the imported blocks are already compacted 24 h blocks; this keeps the compactor from
        # rewriting them while the queries run.
        return ["prometheus", "--config.file", conf, "--storage.tsdb.path", self.data,
                "--web.listen-address", "127.0.0.1:%d" % self.port, "--storage.tsdb.retention.time", "10y",
                "--storage.tsdb.min-block-duration", "24h", "--storage.tsdb.max-block-duration", "24h", "--log.level", "warn"]


# ---------- the benchmark ----------

class Bench:
    def __init__(self, a):
        self.a = a
        self.series = env_int("MQ_SERIES", 10000)
        self.extra = env_int("MQ_EXTRA_SERIES", 1600)
        self.shapes = os.environ.get("MQ_SHAPES", "full dec2").split()
        self.calls = env_int("MQ_CALLS", 50)
        self.warmup = env_int("MQ_WARMUP", 5)
        self.conns = env_int("MQ_CONNS", 4)
        self.long_days = env_int("MQ_LONG_DAYS", 30)
        self.peers = os.environ.get("MQ_PEERS", "vm prom").split()
        self.parallel = env_int("MQ_PARALLEL_LOAD", 1) == 1
        self.step_timeout = env_int("BENCH_STEP_TIMEOUT", 900)
        self.end = int(time.time()) // DAY * DAY  # every series ends at today's 00:00 UTC
        self.records = []
        catalogue = [json.loads(l) for l in subprocess.run(
            [a.gen, "list", "--series", str(self.series)], stdout=subprocess.PIPE, text=True, check=True).stdout.splitlines()]
        self.long = json.loads(subprocess.run([a.gen, "list", "--long"], stdout=subprocess.PIPE, text=True, check=True).stdout)
        self.gmd = [m for m in catalogue if m["ns"] == "AWS/EC2" and m["name"] == "CPUUtilization"][:100]
        self.search = [m for m in catalogue if m["ns"] == "Service/Host" and m["name"] == "Latency"]
        self.samples = self.series * 8640 + self.long_days * 1440

    def gen(self, mode, shape, *extra):
        return [self.a.gen, mode, "--series", str(self.series), "--shape", shape, "--end", str(self.end),
                "--long-days", str(self.long_days)] + list(extra)

    def record(self, server, what, shape, **fig):
        d = dict(fig, server=server, step=what, shape=shape, bench="metrics_query", commit=self.a.commit)
        self.records.append(d)
        with open(self.a.results, "a") as f:
            f.write(json.dumps(d) + "\n")

    def get(self, server, what, shape, **match):
        return next((r for r in self.records if r["server"] == server and r["step"] == what and r["shape"] == shape
                     and all(r.get(k) == v for k, v in match.items())), None)

    # ----- skywatch -----

    def probe(self):
        """GetMetricStatistics of the first series' last hour: the server is up and its data readable."""
        m = self.gmd[0]
        body = {"Namespace": m["ns"], "MetricName": m["name"], "Dimensions": [{"Name": n, "Value": v} for n, v in m["dims"]],
                "StartTime": self.end - 3600, "EndTime": self.end, "Period": 60, "Statistics": ["Average"]}
        return ("GetMetricStatistics", body, lambda r: len(r.get("Datapoints", [])) > 0)

    def put(self, sw, shape, *extra):
        return sw.checked(lambda: step(self.gen("put", shape, "--port", str(sw.port), "--pid", str(sw.proc.pid), *extra),
                                       self.step_timeout))

    def skywatch_load(self, sw, shape):
        log("skywatch (%s): the %d-day series on the manual clock, then %d series x 1 day at 10 s" %
            (shape, self.long_days, self.series))
        sw.start(("ListMetrics", {"Namespace": "None"}, lambda r: True),
                 manual_clock_ms=(self.end - self.long_days * DAY + 60) * 1000)
        rss_empty = rss_kb(sw.proc.pid)
        long_put = self.put(sw, shape, "--long", "--conns", "1", "--advance-clock", "1")
        sw.checked(lambda: step([self.a.gen, "clock", "--port", str(sw.port)], 60))
        put = self.put(sw, shape, "--conns", str(self.conns))
        time.sleep(1)
        self.sw_load = dict(put, long_datapoints=long_put["datapoints"], rss_kb_empty=rss_empty,
                            rss_kb_loaded=rss_kb(sw.proc.pid))
        log("skywatch (%s): loaded at %.0f datapoints/s" % (shape, put["datapoints_per_s"]))

    def skywatch_restart(self, sw, shape):
        """SIGTERM after the load, the data directory's size, then a start on the real clock, timed."""
        stop_s = sw.stop()
        disk = dir_bytes(sw.data)
        self.record("skywatch", "mq_load", shape, **self.sw_load, stop_s=round(stop_s, 3), disk_bytes=disk,
                    samples=self.samples, bytes_per_sample=round(disk / self.samples, 3), concurrent=self.parallel)
        start_s = sw.start(self.probe())
        time.sleep(0.5)
        rss = rss_kb(sw.proc.pid)
        self.record("skywatch", "mq_start", shape, samples=self.samples, start_s=round(start_s, 3), recovered=sw.recovered(),
                    rss_kb=rss)
        log("skywatch (%s): %.2f bytes/sample on disk, start-up %.3f s, RSS %d MiB loaded / %d MiB restarted" % (
            shape, disk / self.samples, start_s, self.sw_load["rss_kb_loaded"] >> 10, rss >> 10))

    def skywatch_restarts(self, sw, shape):
        """More series, past 100 million samples; then kill -9 while the last of them are only in the log, a start
        (crash recovery), SIGTERM and a start again; each start timed."""
        log("skywatch (%s): %d more series, then kill -9 + start, SIGTERM + start" % (shape, self.extra))
        put = self.put(sw, shape, "--from", str(self.series), "--to", str(self.series + self.extra), "--conns", str(self.conns))
        samples = self.samples + put["datapoints"]
        rss_before = rss_kb(sw.proc.pid)
        sw.stop(signal.SIGKILL)
        crash_s = sw.start(self.probe())
        crash_rec = sw.recovered()
        time.sleep(0.5)
        rss_crash = rss_kb(sw.proc.pid)
        stop_s = sw.stop()
        disk = dir_bytes(sw.data)
        clean_s = sw.start(self.probe())
        time.sleep(0.5)
        self.record("skywatch", "mq_start_100m", shape, samples=samples, series=self.series + self.extra + 1, extra_put=put,
                    rss_kb_before=rss_before, start_after_kill_s=round(crash_s, 3), recovered_after_kill=crash_rec,
                    rss_kb_after_kill=rss_crash, stop_s=round(stop_s, 3), disk_bytes=disk,
                    start_after_sigterm_s=round(clean_s, 3), recovered_after_sigterm=sw.recovered(),
                    rss_kb_after_sigterm=rss_kb(sw.proc.pid))
        log("skywatch: %d samples: start-up %.3f s after kill -9, %.3f s after SIGTERM" % (samples, crash_s, clean_s))

    # ----- the peers' loads -----

    def vm_load(self, vm, shape):
        log("victoria-metrics (%s): import" % shape)
        vm.start()
        t0 = time.monotonic()
        for extra in ([], ["--long"]):
            gen = Children.spawn(self.gen("vm", shape, *extra), stdout=subprocess.PIPE)
            curl = Children.spawn(["curl", "-sSf", "-X", "POST", "-T", "-", "http://127.0.0.1:%d/api/v1/import" % vm.port],
                                  stdin=gen.stdout, stderr=subprocess.PIPE)
            gen.stdout.close()
            try:
                err = curl.communicate(timeout=self.step_timeout)[1]
                gen.wait(timeout=60)
            except subprocess.TimeoutExpired:
                raise RuntimeError("import into victoria-metrics: no end within %d s" % self.step_timeout)
            if curl.returncode or gen.returncode:
                raise RuntimeError("import into victoria-metrics failed: %s" % err.decode(errors="replace"))
        secs = time.monotonic() - t0
        self.vm_import = dict(import_s=round(secs, 1), import_samples_per_s=round(self.samples / secs))
        log("victoria-metrics (%s): imported in %.0f s" % (shape, secs))

    def prom_load(self, prom, shape, run):
        log("prometheus (%s): OpenMetrics files and promtool blocks" % shape)
        os.makedirs(prom.data, exist_ok=True)
        t0 = time.monotonic()
        # promtool reads its whole input once per block it writes: the day set with the long series' last day (one
        # 24 h block), then the long series' other days (one small block each).
        for extra, path in ((["--with-long", "--t-from", str(self.end - DAY)], os.path.join(run, "day.om")),
                            (["--long", "--t-to", str(self.end - DAY)], os.path.join(run, "long.om"))):
            with open(path, "w") as f:
                step(self.gen("om", shape, *extra), self.step_timeout, stdout=f)
            step(["promtool", "tsdb", "create-blocks-from", "openmetrics", "--max-block-duration=24h", "-q", path, prom.data],
                 self.step_timeout)
            os.remove(path)
        secs = time.monotonic() - t0
        self.prom_blocks = dir_bytes(prom.data)
        self.prom_import = dict(import_s=round(secs, 1), import_samples_per_s=round(self.samples / secs),
                                blocks_bytes=self.prom_blocks)
        log("prometheus (%s): blocks written in %.0f s" % (shape, secs))

    def wait_visible(self, peers, timeout=120):
        """VictoriaMetrics makes imported rows searchable after a few seconds: wait until every series of the
        GetMetricData case shows its whole day."""
        form = promql_form("count_over_time(%s[1d])" % self.gmd_selector(), self.end, self.end, 60)
        for p in peers:
            t0 = time.monotonic()
            while True:
                status, data, _ = p.query(form)
                res = json.loads(data)["data"]["result"] if status == 200 else []
                # 8,640 samples, or 8,639 where the window (t - 1d, t] leaves the first one out (VictoriaMetrics)
                if len(res) == len(self.gmd) and all(int(r["values"][-1][1]) >= 8639 for r in res):
                    break
                if time.monotonic() - t0 > timeout:
                    raise RuntimeError("%s: the imported data is not visible: %s" % (p.name, data[:300]))
                time.sleep(0.5)

    # ----- queries -----

    def gmd_selector(self):
        return 'AWS_EC2_CPUUtilization{InstanceId=~"%s"}' % "|".join(m["dims"][0][1] for m in self.gmd)

    def cases(self, sw, peers):
        """(name, label, expected (series, points per series), [(server, send)]) per query; send() makes one call."""
        end, day0, lm = self.end, self.end - DAY, self.long
        dims = lambda m: [{"Name": n, "Value": v} for n, v in m["dims"]]
        gms = {"Namespace": lm["ns"], "MetricName": lm["name"], "Dimensions": dims(lm), "StartTime": end - self.long_days * DAY,
               "EndTime": end, "Period": 3600, "Statistics": ["Average"]}
        gmd = {"MetricDataQueries": [{"Id": "m%d" % i, "MetricStat": {
            "Metric": {"Namespace": m["ns"], "MetricName": m["name"], "Dimensions": dims(m)}, "Period": 300, "Stat": "Average"}}
            for i, m in enumerate(self.gmd)], "StartTime": day0, "EndTime": end}
        search = "SEARCH('{Service/Host,Host,Service} MetricName=\"Latency\"', 'Average', 300)"
        search_1h = {"MetricDataQueries": [{"Id": "s", "Expression": search}], "StartTime": end - 3600, "EndTime": end}
        search_day = {"MetricDataQueries": [{"Id": "s", "Expression": search, "ReturnData": False},
                                            {"Id": "peak", "Expression": "MAX(s)"}], "StartTime": day0, "EndTime": end}
        # SEARCH returns at most 500 series, as CloudWatch's does: the peers are asked for the same ones by name.
        status, data, _ = sw.call("GetMetricData", search_1h)
        if status != 200:
            raise RuntimeError("SEARCH failed: %s" % data[:500])
        hosts = sorted({w for r in json.loads(data)["MetricDataResults"] for w in r["Label"].split() if w.startswith("ip-")})
        lat = 'Service_Host_Latency{Host=~"%s"}' % "|".join(h.replace(".", "\\\\.") for h in hosts)
        long_sel = "%s{%s}" % (lm["prom"], ",".join('%s="%s"' % (n, v) for n, v in lm["dims"]))
        matching, read = "{:,}".format(len(self.search)), "{:,}".format(len(hosts))
        # Prometheus' avg_over_time at t covers the window ending at t, CloudWatch's period the one starting at t:
        # the peers' range starts one step later, so both cover the same samples in the same number of points.
        q = [("gms_30d", "GetMetricStatistics, 1 series, 30 d at 1 h (Average) ↔ avg_over_time(…[1h]), step 1h", (1, 720),
              ("GetMetricStatistics", gms), ("avg_over_time(%s[1h])" % long_sel, end - self.long_days * DAY + 3600, end, 3600)),
             ("gmd_100", "GetMetricData, %d MetricStat (Average), 1 d at 5 min ↔ avg_over_time(…[5m]) of the %d" % (
                 len(self.gmd), len(self.gmd)), (len(self.gmd), 288),
              ("GetMetricData", gmd), ("avg_over_time(%s[5m])" % self.gmd_selector(), day0 + 300, end, 300)),
             ("search_1h", "SEARCH matching %s series (%s returned), 1 h at 5 min ↔ avg_over_time(…[5m]) of the same %s" % (
                 matching, read, read), (len(hosts), 12),
              ("GetMetricData", search_1h), ("avg_over_time(%s[5m])" % lat, end - 3600 + 300, end, 300)),
             ("search_day_max", "SEARCH matching %s series (%s read), 1 d at 5 min, then MAX ↔ max(avg_over_time(…[5m])) of "
              "the same %s" % (matching, read, read), (1, 288),
              ("GetMetricData", search_day), ("max(avg_over_time(%s[5m]))" % lat, day0 + 300, end, 300))]
        if peers and len(hosts) < len(self.search):  # the literal peer query: a selector matching every one
            q += [("search_1h_all", "peers: avg_over_time(…[5m]) of all %s matching, 1 h (skywatch: its SEARCH above)" % matching,
                   (len(self.search), 12), None, ("avg_over_time(Service_Host_Latency[5m])", end - 3600 + 300, end, 300)),
                  ("search_day_max_all", "peers: max(avg_over_time(…[5m])) of all %s matching, 1 d (skywatch: its SEARCH "
                   "above)" % matching, (1, 288), None, ("max(avg_over_time(Service_Host_Latency[5m]))", day0 + 300, end, 300))]
        out = []
        for name, label, expect, swq, pq in q:
            servers = [("skywatch", lambda op=swq[0], body=swq[1]: sw.call(op, body))] if swq else []
            servers += [(p.name, lambda p=p, form=promql_form(*pq): p.query(form)) for p in peers]
            out.append((name, label, expect, servers))
        return out

    @staticmethod
    def answer_shape(server, data):
        """(series, fewest points in one) of an answer."""
        d = json.loads(data)
        if server == "skywatch":
            if "Datapoints" in d:
                return 1, len(d["Datapoints"])
            res, key = d["MetricDataResults"], "Values"
        else:
            res, key = d["data"]["result"], "values"
        return len(res), min((len(r[key]) for r in res), default=0)

    def queries(self, sw, peers, shape):
        for name, label, expect, servers in self.cases(sw, peers):
            lat, last = {s: [] for s, _ in servers}, {}
            for i in range(self.warmup + self.calls):
                for server, send in servers:  # interleaved, so a noisy neighbour weighs on every server alike
                    status, data, secs = send()
                    if status != 200:
                        raise RuntimeError("%s %s: status %d: %s" % (server, name, status, data[:500]))
                    if i >= self.warmup:
                        lat[server].append(secs * 1000)
                    last[server] = data
            for server, _ in servers:
                got = self.answer_shape(server, last[server])
                self.record(server, "mq_query", shape, query=name, label=label, calls=self.calls,
                            p50_ms=round(percentile(lat[server], 50), 2), p95_ms=round(percentile(lat[server], 95), 2),
                            series=got[0], points=got[1], expected=list(expect), response_bytes=len(last[server]))
                if got[0] != expect[0] or abs(got[1] - expect[1]) > 1:
                    log("WARNING: %s %s answered %s (series, points), expected %s" % (server, name, got, expect))
            log("%s (%s): %s" % (name, shape, ", ".join("%s %.1f / %.1f ms" % (
                s, percentile(lat[s], 50), percentile(lat[s], 95)) for s, _ in servers)))

    # ----- one shape -----

    def shape_run(self, shape, first):
        run = os.path.join(self.a.run, shape)
        os.makedirs(run, exist_ok=True)
        sw = Skywatch(self.a.skywatch, os.path.join(run, "skywatch-data"), run)
        peers, loads = [], [lambda: self.skywatch_load(sw, shape)]
        if "vm" in self.peers:
            vm = Victoria(os.path.join(run, "vm-data"), run)
            peers.append(vm)
            loads.append(lambda: self.vm_load(vm, shape))
        if "prom" in self.peers:
            prom = Prometheus(os.path.join(run, "prom-data"), run)
            peers.append(prom)
            loads.append(lambda: self.prom_load(prom, shape, run))
        try:
            t0 = time.monotonic()
            if self.parallel:  # all CPU-bound: at once they take about the sum of their CPU time over the cores
                with concurrent.futures.ThreadPoolExecutor(len(loads)) as ex:
                    futures = [ex.submit(fn) for fn in loads]
                    done, _ = concurrent.futures.wait(futures, return_when=concurrent.futures.FIRST_EXCEPTION)
                    failed = [f.exception() for f in done if f.exception()]
                    if failed:
                        Children.kill_all()  # the other loads then fail fast instead of running to their end
                        raise failed[0]
            else:
                for fn in loads:
                    fn()
            self.record("all", "mq_loads", shape, seconds=round(time.monotonic() - t0, 1), concurrent=self.parallel)
            self.skywatch_restart(sw, shape)  # alone on the machine, so nothing else weighs on the start-up time
            for p in peers:
                if not p.proc:
                    p.start()
            self.wait_visible(peers)
            self.queries(sw, peers, shape)
            self.record("skywatch", "mq_rss_after_queries", shape, rss_kb=rss_kb(sw.proc.pid))
            for p in peers:
                self.peer_disk(p, shape)
            if first and self.extra > 0:
                self.skywatch_restarts(sw, shape)
            sw.stop()
        finally:
            Children.kill_all()
            if not self.a.keep:
                shutil.rmtree(run, ignore_errors=True)

    def peer_disk(self, p, shape):
        """RSS after the queries, then a clean stop and the size of the data directory."""
        rss = rss_kb(p.proc.pid)
        p.stop()
        disk = dir_bytes(p.data)
        fig = dict(self.vm_import if p.name == "victoria-metrics" else self.prom_import, rss_kb_after_queries=rss,
                   disk_bytes=disk, samples=self.samples, bytes_per_sample=round(disk / self.samples, 3))
        if p.name == "victoria-metrics":
            fig["data_bytes_per_sample"] = round(dir_bytes(os.path.join(p.data, "data")) / self.samples, 3)
        else:
            fig["blocks_bytes_per_sample"] = round(self.prom_blocks / self.samples, 3)
        self.record(p.name, "mq_disk", shape, **fig)
        log("%s (%s): %.3f bytes/sample, RSS %d MiB" % (p.name, shape, disk / self.samples, rss >> 10))

    # ----- report -----

    def table(self):
        names = {"skywatch": "skywatch", "victoria-metrics": "VictoriaMetrics", "prometheus": "Prometheus"}
        servers = ["skywatch"] + [s for s, k in (("victoria-metrics", "vm"), ("prometheus", "prom")) if k in self.peers]
        vm = "victoria-metrics" in servers
        print("\n| Figure | shape | " + " | ".join(names[s] for s in servers) + (" | beats VictoriaMetrics |" if vm else " |"))
        print("|---|---|" + "---:|" * len(servers) + ("---|" if vm else ""))

        def row(name, shape, cells, verdict=""):
            print("| %s | %s | %s |%s" % (name, shape, " | ".join(cells), (" %s |" % verdict) if vm else ""))

        def skywatch_row(name, shape, value):
            row(name, shape, [value] + [""] * (len(servers) - 1))

        yes = lambda ok: "yes" if ok else "**no**"
        for shape in self.shapes:
            labels = {r["query"]: r["label"] for r in self.records if r["step"] == "mq_query" and r["shape"] == shape}
            for qn, label in labels.items():
                got = {s: self.get(s, "mq_query", shape, query=qn) for s in servers}
                mine = got["skywatch"] or self.get("skywatch", "mq_query", shape, query=qn[:-len("_all")])
                theirs = got.get("victoria-metrics")
                verdict = "p50 %s, p95 %s" % (yes(mine["p50_ms"] < theirs["p50_ms"]), yes(mine["p95_ms"] < theirs["p95_ms"])) \
                    if mine and theirs else ""
                row(label + ", p50 / p95 ms", shape,
                    ["%.1f / %.1f" % (got[s]["p50_ms"], got[s]["p95_ms"]) if got[s] else "" for s in servers], verdict)
        for shape in self.shapes:
            load, vmd, pmd = (self.get("skywatch", "mq_load", shape), self.get("victoria-metrics", "mq_disk", shape),
                              self.get("prometheus", "mq_disk", shape))
            cells = ["%.2f" % load["bytes_per_sample"] if load else ""]
            if "vm" in self.peers:
                cells.append("%.2f (data/ %.2f)" % (vmd["bytes_per_sample"], vmd["data_bytes_per_sample"]) if vmd else "")
            if "prom" in self.peers:
                cells.append("%.2f (blocks %.2f)" % (pmd["bytes_per_sample"], pmd["blocks_bytes_per_sample"]) if pmd else "")
            row("Disk after a clean shutdown, bytes per sample (%s samples)" % "{:,}".format(self.samples), shape, cells,
                "smaller: " + yes(load["bytes_per_sample"] < vmd["bytes_per_sample"]) if load and vmd else "")
        for shape in self.shapes:
            recs = [self.get("skywatch", "mq_rss_after_queries", shape)] + [self.get(s, "mq_disk", shape) for s in servers[1:]]
            row("RSS after the queries, MiB", shape,
                ["%d" % ((r.get("rss_kb") or r.get("rss_kb_after_queries")) >> 10) if r else "" for r in recs])
        for shape in self.shapes:
            load, vmd, pmd = (self.get("skywatch", "mq_load", shape), self.get("victoria-metrics", "mq_disk", shape),
                              self.get("prometheus", "mq_disk", shape))
            cells = ["{:,}".format(load["datapoints_per_s"]) + " (PutMetricData)" if load else ""]
            if "vm" in self.peers:
                cells.append("{:,}".format(vmd["import_samples_per_s"]) + " (/api/v1/import)" if vmd else "")
            if "prom" in self.peers:
                cells.append("{:,}".format(pmd["import_samples_per_s"]) + " (files + promtool)" if pmd else "")
            row("Load, samples/s%s" % (" (the loads at once, sharing the cores)" if self.parallel and self.peers else ""), shape, cells)
        for shape in self.shapes:
            load, st, big = (self.get("skywatch", "mq_load", shape), self.get("skywatch", "mq_start", shape),
                             self.get("skywatch", "mq_start_100m", shape))
            if load and st:
                skywatch_row("skywatch RSS, MiB: %s active series, loaded / after a restart" % "{:,}".format(self.series + 1),
                             shape, "%d / %d" % (load["rss_kb_loaded"] >> 10, st["rss_kb"] >> 10))
                skywatch_row("skywatch start-up, s: %s samples (exec to the first GetMetricStatistics with data)" %
                             "{:,}".format(self.samples), shape, "%.3f" % st["start_s"])
            if big:
                skywatch_row("skywatch start-up, s: %s samples, after kill -9 (just after loading) / after SIGTERM" %
                             "{:,}".format(big["samples"]), shape,
                             "%.3f / %.3f" % (big["start_after_kill_s"], big["start_after_sigterm_s"]))
                skywatch_row("skywatch RSS after those starts, MiB (%s series)" % "{:,}".format(big["series"]), shape,
                             "%d / %d" % (big["rss_kb_after_kill"] >> 10, big["rss_kb_after_sigterm"] >> 10))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--skywatch", required=True, help="the server binary")
    ap.add_argument("--gen", required=True, help="bench/metrics_gen, built")
    ap.add_argument("--run", required=True, help="directory for the data directories and logs")
    ap.add_argument("--results", required=True, help="JSON lines file to append to")
    ap.add_argument("--commit", default="")
    ap.add_argument("--keep", action="store_true", help="keep the data directories")
    a = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a timeout still stops the servers and cleans up
    b = Bench(a)
    t0 = time.monotonic()
    log("%s series x 1 day at 10 s + 1 series x %d days at 60 s = %s samples per shape; shapes: %s; peers: %s; %d calls" % (
        "{:,}".format(b.series), b.long_days, "{:,}".format(b.samples), " ".join(b.shapes), " ".join(b.peers) or "none",
        b.calls))
    try:
        for i, shape in enumerate(b.shapes):
            b.shape_run(shape, i == 0)
    finally:
        Children.kill_all()
    b.table()
    print("\nRun time %.0f s, skywatch at %s." % (time.monotonic() - t0, a.commit))


if __name__ == "__main__":
    main()
