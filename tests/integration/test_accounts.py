"""test_accounts.py -- credentials: the key file (mode 0600), the keys command, first-start key
generation, and accounts and regions kept apart."""
import datetime
import os
import re
import stat
import subprocess
import time
import unittest

import botocore.exceptions

from harness import BIN, Server, ServerTest

UTC = datetime.timezone.utc


def keys_cmd(data_dir, *args):
    p = subprocess.run([BIN, "keys"] + list(args) + ["--data", data_dir], capture_output=True, text=True, timeout=30)
    return p


def create_key(data_dir, *extra):
    p = keys_cmd(data_dir, "create", *extra)
    assert p.returncode == 0, p.stderr
    kv = dict(line.split("=", 1) for line in p.stdout.strip().splitlines())
    return kv["AWS_ACCESS_KEY_ID"], kv["AWS_SECRET_ACCESS_KEY"], kv["ACCOUNT_ID"]


class FirstStart(unittest.TestCase):
    def test_first_start_without_keys_creates_one_and_prints_how_to_use_it(self):
        server = Server(env={"SKYWATCH_ROOT_ACCESS_KEY_ID": "", "SKYWATCH_ROOT_SECRET_ACCESS_KEY": ""})
        for k in ("SKYWATCH_ROOT_ACCESS_KEY_ID", "SKYWATCH_ROOT_SECRET_ACCESS_KEY", "SKYWATCH_ROOT_ACCOUNT_ID"):
            server.env.pop(k)
        try:
            server.start()
            out = server.proc.stdout.read1(65536).decode()
            m = re.search(r"export AWS_ACCESS_KEY_ID=(\S+)\n\s*export AWS_SECRET_ACCESS_KEY=(\S+)", out)
            self.assertIsNotNone(m, out)
            path = os.path.join(server.data_dir, "keys")
            self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
            c = server.boto3(key_id=m.group(1), secret=m.group(2))
            c.put_metric_data(Namespace="First", MetricData=[{"MetricName": "up", "Value": 1}])
            self.assertEqual(len(c.list_metrics(Namespace="First")["Metrics"]), 1)
            self.assertNotIn(m.group(2), server.log())  # the secret never reaches the log
            server.stop()
            server.start()  # a key exists now: nothing new is generated
            self.assertEqual(len(open(path).read().strip().splitlines()), 2)  # comment + one key
        finally:
            server.cleanup()


class KeysAndTenancy(ServerTest):
    def test_keys_create_list_delete(self):
        akid, secret, account = create_key(self.server.data_dir, "--account", "444455556666")
        self.assertEqual(account, "444455556666")
        listed = keys_cmd(self.server.data_dir, "list").stdout
        self.assertIn(akid, listed)
        self.assertNotIn(secret, listed)
        self.assertEqual(stat.S_IMODE(os.stat(os.path.join(self.server.data_dir, "keys")).st_mode), 0o600)
        time.sleep(1.1)
        c = self.server.boto3(key_id=akid, secret=secret)
        c.list_metrics()
        self.assertEqual(keys_cmd(self.server.data_dir, "delete", akid).returncode, 0)
        time.sleep(1.1)
        with self.assertRaises(botocore.exceptions.ClientError) as e:
            c.list_metrics()
        self.assertEqual(e.exception.response["Error"]["Code"], "InvalidClientTokenId")
        self.assertEqual(keys_cmd(self.server.data_dir, "delete", akid).returncode, 1)
        self.assertEqual(keys_cmd(self.server.data_dir, "create", "--account", "12ab").returncode, 2)

    def test_accounts_do_not_see_each_other(self):
        a = create_key(self.server.data_dir, "--account", "000000000001")
        b = create_key(self.server.data_dir, "--account", "000000000002")
        time.sleep(1.1)
        ca = self.server.boto3(key_id=a[0], secret=a[1])
        cb = self.server.boto3(key_id=b[0], secret=b[1])
        ca.put_metric_data(Namespace="Tenant", MetricData=[{"MetricName": "secret_a", "Value": 1}])
        cb.put_metric_data(Namespace="Tenant", MetricData=[{"MetricName": "secret_b", "Value": 2}])
        self.assertEqual([m["MetricName"] for m in ca.list_metrics(Namespace="Tenant")["Metrics"]], ["secret_a"])
        self.assertEqual([m["MetricName"] for m in cb.list_metrics(Namespace="Tenant")["Metrics"]], ["secret_b"])
        now = datetime.datetime.now(UTC)
        r = cb.get_metric_statistics(Namespace="Tenant", MetricName="secret_a", StartTime=now - datetime.timedelta(hours=1),
                                     EndTime=now + datetime.timedelta(minutes=1), Period=60, Statistics=["Sum"])
        self.assertEqual(r["Datapoints"], [])

    def test_regions_do_not_see_each_other(self):
        east = self.server.boto3(region="us-east-1")
        west = self.server.boto3(region="eu-west-1")
        east.put_metric_data(Namespace="Regional", MetricData=[{"MetricName": "only_east", "Value": 1}])
        self.assertEqual(len(east.list_metrics(Namespace="Regional")["Metrics"]), 1)
        self.assertEqual(west.list_metrics(Namespace="Regional")["Metrics"], [])

    def test_aws_namespaces_need_a_trusted_key(self):
        akid, secret, _ = create_key(self.server.data_dir)
        trusted = create_key(self.server.data_dir, "--trusted")
        time.sleep(1.1)
        c = self.server.boto3(key_id=akid, secret=secret)
        with self.assertRaises(botocore.exceptions.ClientError) as e:
            c.put_metric_data(Namespace="AWS/EC2", MetricData=[{"MetricName": "CPUUtilization", "Value": 1}])
        self.assertEqual(e.exception.response["Error"]["Code"], "InvalidParameterValue")
        self.server.boto3(key_id=trusted[0], secret=trusted[1]).put_metric_data(
            Namespace="AWS/EC2", MetricData=[{"MetricName": "CPUUtilization", "Value": 1}])
        self.server.boto3().put_metric_data(Namespace="AWS/ECS", MetricData=[{"MetricName": "CPUUtilization", "Value": 1}])


if __name__ == "__main__":
    unittest.main()
