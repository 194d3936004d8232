"""test_logs_cli_v1.py -- CloudWatch Logs through the AWS CLI v1 on the machine (botocore 1.43, JSON 1.1),
including its automatic pagination of get-log-events and filter-log-events."""
import json
import os
import shutil
import subprocess
import time
import unittest

from harness import KEY_ID, REGION, SECRET, ServerTest

AWS_V1 = next((p for p in (shutil.which("aws"),) if p and os.path.realpath(p) != "/usr/bin/aws"), None)


@unittest.skipUnless(AWS_V1, "the AWS CLI v1 is not on PATH")
class LogsOverCliV1(ServerTest):
    def aws(self, *args):
        env = dict(os.environ, AWS_ACCESS_KEY_ID=KEY_ID, AWS_SECRET_ACCESS_KEY=SECRET, AWS_DEFAULT_REGION=REGION,
                   AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null")
        p = subprocess.run([AWS_V1, "--endpoint-url", self.server.endpoint, "--output", "json"] + list(args),
                           capture_output=True, text=True, env=env, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        return json.loads(p.stdout) if p.stdout.strip() else {}

    def test_put_get_filter_with_pagination(self):
        self.aws("logs", "create-log-group", "--log-group-name", "/cli/v1")
        self.aws("logs", "create-log-stream", "--log-group-name", "/cli/v1", "--log-stream-name", "s")
        now = int(time.time() * 1000)
        events = [{"timestamp": now - 60000 + i, "message": ("ERROR item %d" if i % 10 == 0 else "INFO item %d") % i}
                  for i in range(3000)]
        for k in range(0, 3000, 1000):
            path = os.path.join(self.server.data_dir + "-logs", "events-%d.json" % k)
            with open(path, "w") as f:
                json.dump(events[k:k + 1000], f)
            self.aws("logs", "put-log-events", "--log-group-name", "/cli/v1", "--log-stream-name", "s",
                     "--log-events", "file://" + path)
        # The CLI pages on its own; a small page size makes it follow many tokens, and it must stop.
        got = self.aws("logs", "filter-log-events", "--log-group-name", "/cli/v1", "--filter-pattern", "ERROR",
                       "--page-size", "50")
        self.assertEqual([e["message"] for e in got["events"]], [e["message"] for e in events if e["message"].startswith("ERROR")])
        out = self.aws("logs", "get-log-events", "--log-group-name", "/cli/v1", "--log-stream-name", "s",
                       "--start-from-head", "--limit", "1000")
        self.assertEqual(len(out["events"]), 1000)
        self.assertEqual(out["events"][0]["message"], "ERROR item 0")
        groups = self.aws("logs", "describe-log-groups", "--log-group-name-prefix", "/cli/")
        self.assertEqual([g["logGroupName"] for g in groups["logGroups"]], ["/cli/v1"])
        self.assertGreater(groups["logGroups"][0]["storedBytes"], 0)


if __name__ == "__main__":
    unittest.main()
