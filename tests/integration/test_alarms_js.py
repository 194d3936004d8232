"""test_alarms_js.py -- the AWS SDK for JavaScript v3 drives the alarm operations over each protocol it can
speak (AWS JSON 1.0 by default, JSON, RPC v2 CBOR and query selected explicitly); see tests/js/alarms.test.mjs."""
import json
import os
import subprocess
import unittest

from harness import KEY_ID, SECRET, ServerTest
from test_js import JS_DIR, ensure_node_modules


class AlarmsJsTest(ServerTest):
    def test_alarm_operations_over_every_protocol(self):
        reason = ensure_node_modules()
        if reason:
            self.skipTest(reason)
        env = dict(os.environ, SKYWATCH_ENDPOINT=self.server.endpoint, SKYWATCH_KEY_ID=KEY_ID, SKYWATCH_SECRET=SECRET)
        p = subprocess.run(["node", os.path.join(JS_DIR, "alarms.test.mjs")], cwd=JS_DIR, env=env,
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        out = json.loads(p.stdout)
        self.assertEqual(sorted(out), ["cbor", "default", "json", "query"])
        for name, r in out.items():
            self.assertNotIn("failed", r, (name, r))
            self.assertEqual(r["metric"], {
                "name": "js-%s-db-connections" % name, "state": "ALARM", "reason": "from js", "threshold": 80,
                "datapoints": 3, "treat": "notBreaching",
                "dims": [{"Name": "DBInstanceIdentifier", "Value": "db-%s" % name}],
                "actions": ["arn:aws:sns:us-east-1:111122223333:dba"], "updated": True}, name)
            self.assertEqual(r["composite"], [["js-%s-db-connections-composite" % name, 'ALARM("js-%s-db-connections")' % name]])
            self.assertEqual(r["history"], ["Alarm updated from INSUFFICIENT_DATA to ALARM"])
            self.assertEqual(r["deleteError"], "ResourceNotFound")
            self.assertEqual(r["remaining"], 0)


if __name__ == "__main__":
    unittest.main()
