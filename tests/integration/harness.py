"""harness.py -- starts the real skywatch binary on a free port with a temporary data directory and
gives tests clients for each wire protocol: boto3 (JSON 1.0), boto3 switched to RPC v2 CBOR,
the AWS CLI v2 from Debian (/usr/bin/aws, query protocol), and raw HTTP for hostile input."""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

import boto3
import botocore.config
import botocore.model
import botocore.session

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("SKYWATCH_BIN", os.path.join(ROOT, "build", "skywatch"))
AWS_V2 = "/usr/bin/aws"
KEY_ID = "AKIDSKYWATCHTEST0001"
SECRET = "skywatch-test-secret/abcdefghijklmnopqrstu"
ACCOUNT = "111122223333"
REGION = "us-east-1"


class Server:
    """One skywatch process. Use start()/stop()/kill(); data survives between runs of the same object."""

    def __init__(self, data_dir=None, env=None, args=()):
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="skywatch-test-")
        self.env = dict(os.environ)
        self.env.update({
            "SKYWATCH_ROOT_ACCESS_KEY_ID": KEY_ID,
            "SKYWATCH_ROOT_SECRET_ACCESS_KEY": SECRET,
            "SKYWATCH_ROOT_ACCOUNT_ID": ACCOUNT,
            "ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0:exitcode=86",
            "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1:exitcode=87",
        })
        if env:
            self.env.update(env)
        self.args = list(args)
        self.proc = None
        self.port = None
        self.stderr_path = os.path.join(self.data_dir + "-logs", "stderr.log")
        os.makedirs(os.path.dirname(self.stderr_path), exist_ok=True)

    @property
    def endpoint(self):
        return "http://127.0.0.1:%d" % self.port

    def start(self, timeout=20):
        self._err = open(self.stderr_path, "ab")
        start_offset = self._err.tell()
        self.proc = subprocess.Popen(
            [BIN, "serve", "--listen", "127.0.0.1:0", "--data", self.data_dir] + self.args,
            stdout=subprocess.PIPE, stderr=self._err, env=self.env)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("skywatch exited with %s: %s" % (self.proc.returncode, self.log()[-2000:]))
            with open(self.stderr_path, "rb") as f:
                f.seek(start_offset)
                m = re.search(rb'"msg":"listening","address":"127\.0\.0\.1:(\d+)"', f.read())
            if m:
                self.port = int(m.group(1))
                return self
            time.sleep(0.02)
        raise RuntimeError("skywatch did not start: " + self.log()[-2000:])

    def log(self):
        with open(self.stderr_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stop(self):
        """SIGTERM, wait, and fail on a non-zero exit (sanitizer reports exit non-zero)."""
        if not self.proc:
            return 0
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.proc.stdout.close()
        self._err.close()
        self.proc = None
        if rc != 0:
            raise AssertionError("skywatch exited with %d:\n%s" % (rc, self.log()[-4000:]))
        return rc

    def kill(self):
        """kill -9: no chance to flush anything."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.proc.stdout.close()
        self._err.close()
        self.proc = None

    def cleanup(self):
        if self.proc:
            self.kill()
        shutil.rmtree(self.data_dir, ignore_errors=True)
        shutil.rmtree(self.data_dir + "-logs", ignore_errors=True)

    def sanitizer_report(self):
        text = self.log()
        for marker in ("ERROR: AddressSanitizer", "runtime error:", "ERROR: LeakSanitizer"):
            if marker in text:
                return text[text.index(marker) - 200:][:4000]
        return None

    # ---- the manual clock (servers started with args=("--manual-clock", MS)) ----
    def clock(self, advance_ms=None, set_ms=None):
        """Reads or moves the server's manual clock through POST /_skywatch/clock (SigV4, service
        "skywatch", the trusted root key). Every scheduled task due on the way runs before it answers.
        Returns the clock in epoch ms."""
        import botocore.auth
        import botocore.awsrequest
        import botocore.credentials
        import urllib.request
        url = self.endpoint + "/_skywatch/clock"
        if advance_ms is None and set_ms is None:
            req = botocore.awsrequest.AWSRequest(method="GET", url=url)
        else:
            body = json.dumps({"advance_ms": advance_ms} if advance_ms is not None else {"set_ms": set_ms})
            req = botocore.awsrequest.AWSRequest(method="POST", url=url, data=body.encode(),
                                                 headers={"Content-Type": "application/json"})
        botocore.auth.SigV4Auth(botocore.credentials.Credentials(KEY_ID, SECRET), "skywatch", REGION).add_auth(req)
        prepared = req.prepare()
        r = urllib.request.Request(prepared.url, data=prepared.body, method=prepared.method,
                                   headers=dict(prepared.headers))
        with urllib.request.urlopen(r, timeout=300) as resp:
            return json.loads(resp.read())["now_ms"]

    # ---- clients ----
    def boto3(self, service="cloudwatch", key_id=KEY_ID, secret=SECRET, region=REGION):
        return boto3.client(service, endpoint_url=self.endpoint, region_name=region,
                            aws_access_key_id=key_id, aws_secret_access_key=secret,
                            config=botocore.config.Config(retries={"max_attempts": 1}))

    def cbor(self, key_id=KEY_ID, secret=SECRET, region=REGION):
        """A botocore client that speaks Smithy RPC v2 CBOR (botocore 1.43 has the serializer)."""
        saved = botocore.model.PRIORITY_ORDERED_SUPPORTED_PROTOCOLS
        botocore.model.PRIORITY_ORDERED_SUPPORTED_PROTOCOLS = ("smithy-rpc-v2-cbor",) + tuple(
            p for p in saved if p != "smithy-rpc-v2-cbor")
        try:
            session = botocore.session.get_session()
            client = session.create_client("cloudwatch", endpoint_url=self.endpoint, region_name=region,
                                           aws_access_key_id=key_id, aws_secret_access_key=secret,
                                           config=botocore.config.Config(retries={"max_attempts": 1}))
        finally:
            botocore.model.PRIORITY_ORDERED_SUPPORTED_PROTOCOLS = saved
        assert client.meta.service_model.protocol == "smithy-rpc-v2-cbor"
        return client

    def cli_v2(self, *args, key_id=KEY_ID, secret=SECRET, region=REGION, check=True):
        """Runs the Debian AWS CLI v2 (query protocol for CloudWatch) and returns parsed JSON output."""
        env = dict(os.environ, AWS_ACCESS_KEY_ID=key_id, AWS_SECRET_ACCESS_KEY=secret, AWS_DEFAULT_REGION=region,
                   AWS_PAGER="", AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null")
        env.pop("AWS_PROFILE", None)
        p = subprocess.run([AWS_V2, "--endpoint-url", self.endpoint, "--output", "json"] + list(args),
                           capture_output=True, text=True, env=env, timeout=120)
        if check and p.returncode != 0:
            raise AssertionError("aws %s failed (%d): %s" % (" ".join(args), p.returncode, p.stderr))
        if not check:
            return p
        return json.loads(p.stdout) if p.stdout.strip() else {}


class ServerTest(unittest.TestCase):
    """Starts one server per test class; tests share it."""
    server_args = ()

    @classmethod
    def setUpClass(cls):
        cls.server = Server(args=cls.server_args).start()

    @classmethod
    def tearDownClass(cls):
        try:
            cls.server.stop()
            report = cls.server.sanitizer_report()
            if report:
                raise AssertionError("sanitizer report:\n" + report)
        finally:
            cls.server.cleanup()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port
