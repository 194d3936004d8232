"""test_logs.py -- CloudWatch Logs over AWS JSON 1.1 with the real clients: boto3's `logs` client, the
Debian AWS CLI v2 (`aws logs ...`, including `aws logs tail`) and raw signed requests for bad input.

Each class starts one server. Expected values come from the CloudWatch Logs API reference (PutLogEvents,
GetLogEvents, FilterLogEvents, DescribeLogGroups, DescribeLogStreams, PutRetentionPolicy,
PutMetricFilter, TestMetricFilter) and the user guide's filter pattern syntax page; where the server is
known to differ, the test still asserts AWS's behaviour and is marked expectedFailure with the reason."""
import datetime
import http.client
import json
import os
import re
import subprocess
import tempfile
import threading
import time
import unittest

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.config
import botocore.credentials
import botocore.exceptions

from harness import ACCOUNT, AWS_V2, BIN, KEY_ID, REGION, SECRET, Server, ServerTest

UTC = datetime.timezone.utc
MINUTE_MS = 60 * 1000
HOUR_MS = 60 * MINUTE_MS
DAY_MS = 24 * HOUR_MS
BATCH_BYTES = 1048576   # PutLogEvents: "The maximum batch size is 1,048,576 bytes"
EVENT_OVERHEAD = 26     # "... plus 26 bytes for each log event"


def now_ms():
    return int(time.time() * 1000)


def error_of(call, *args, **kwargs):
    """Runs a boto3 call that must fail; returns (error code, HTTP status)."""
    try:
        call(*args, **kwargs)
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]
    raise AssertionError("%s succeeded" % getattr(call, "__name__", call))


def make_group(logs, group, streams=(), **kwargs):
    logs.create_log_group(logGroupName=group, **kwargs)
    for s in streams:
        logs.create_log_stream(logGroupName=group, logStreamName=s)


def put(logs, group, stream, events):
    """events: (timestamp_ms, message) pairs. Returns the PutLogEvents response."""
    return logs.put_log_events(logGroupName=group, logStreamName=stream,
                               logEvents=[{"timestamp": t, "message": m} for t, m in events])


def get_all_forward(logs, group, stream, limit=None, max_pages=1000, **kwargs):
    """Follows nextForwardToken from the head until GetLogEvents returns the token it was given
    (AWS's end-of-stream rule; botocore has no GetLogEvents paginator). Returns (events, pages)."""
    args = dict(logGroupName=group, logStreamName=stream, startFromHead=True, **kwargs)
    if limit:
        args["limit"] = limit
    events, pages, token = [], 0, None
    while pages < max_pages:
        r = logs.get_log_events(**args, **({"nextToken": token} if token else {}))
        pages += 1
        events.extend(r["events"])
        if r["nextForwardToken"] == token:
            return events, pages
        token = r["nextForwardToken"]
    raise AssertionError("GetLogEvents did not return the same token after %d pages" % max_pages)


def filter_all(logs, **kwargs):
    """Every event FilterLogEvents returns, through boto3's paginator."""
    pages = logs.get_paginator("filter_log_events").paginate(**kwargs)
    return [e for page in pages for e in page["events"]]


def create_key(server):
    """A second key (its own account) from `skywatch keys create`; waits until the running server accepts it."""
    out = subprocess.run([BIN, "keys", "create", "--data", server.data_dir], capture_output=True, text=True,
                         check=True, timeout=30).stdout
    key = dict(re.findall(r"^(\w+)=(\S+)$", out, re.M))
    logs = server.boto3("logs", key_id=key["AWS_ACCESS_KEY_ID"], secret=key["AWS_SECRET_ACCESS_KEY"])
    deadline = time.time() + 10
    while True:
        try:
            logs.describe_log_groups(limit=1)
            return key, logs
        except botocore.exceptions.ClientError as e:
            if e.response["Error"]["Code"] not in ("InvalidClientTokenId", "UnrecognizedClientException") \
                    or time.time() > deadline:
                raise
            time.sleep(0.1)


def cli_env(region=REGION):
    env = dict(os.environ, AWS_ACCESS_KEY_ID=KEY_ID, AWS_SECRET_ACCESS_KEY=SECRET, AWS_DEFAULT_REGION=region,
               AWS_PAGER="", AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null")
    env.pop("AWS_PROFILE", None)
    return env


def raw_json11(server, target, body, content_type="application/x-amz-json-1.1"):
    """A POST signed for `logs` by botocore's SigV4Auth with any body; returns (status, content type, parsed body)."""
    req = botocore.awsrequest.AWSRequest(method="POST", url=server.endpoint + "/", data=body,
                                         headers={"Content-Type": content_type, "X-Amz-Target": target})
    botocore.auth.SigV4Auth(botocore.credentials.Credentials(KEY_ID, SECRET), "logs", REGION).add_auth(req)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.request("POST", "/", body=body, headers=dict(req.headers.items()))
        r = conn.getresponse()
        data = r.read()
        return r.status, r.getheader("Content-Type"), json.loads(data) if data else None
    finally:
        conn.close()


# ---------------------------------------------------------------------------------------------------------
class LogGroups(ServerTest):
    def setUp(self):
        self.logs = self.server.boto3("logs")

    def test_create_with_tags_and_describe_fields(self):
        before = now_ms()
        self.logs.create_log_group(logGroupName="/groups/tagged", tags={"team": "payments", "env": "prod"})
        g, = self.logs.describe_log_groups(logGroupNamePrefix="/groups/tagged")["logGroups"]
        self.assertEqual(g["logGroupName"], "/groups/tagged")
        self.assertEqual(g["arn"], "arn:aws:logs:%s:%s:log-group:/groups/tagged:*" % (REGION, ACCOUNT))
        self.assertEqual(g["logGroupArn"], "arn:aws:logs:%s:%s:log-group:/groups/tagged" % (REGION, ACCOUNT))
        self.assertEqual(g["storedBytes"], 0)
        self.assertEqual(g["metricFilterCount"], 0)
        self.assertNotIn("retentionInDays", g)  # "never expire" is shown by leaving it out
        self.assertTrue(before - 1000 <= g["creationTime"] <= now_ms() + 1000, g["creationTime"])
        self.assertEqual(self.logs.list_tags_log_group(logGroupName="/groups/tagged")["tags"],
                         {"team": "payments", "env": "prod"})

    def test_duplicate_group_is_resource_already_exists(self):
        self.logs.create_log_group(logGroupName="/groups/dup")
        self.assertEqual(error_of(self.logs.create_log_group, logGroupName="/groups/dup"),
                         ("ResourceAlreadyExistsException", 400))

    def test_describe_by_prefix(self):
        for name in ("/prefix/app/a", "/prefix/app/b", "/prefix/other"):
            self.logs.create_log_group(logGroupName=name)
        names = [g["logGroupName"] for g in self.logs.describe_log_groups(logGroupNamePrefix="/prefix/app/")["logGroups"]]
        self.assertEqual(names, ["/prefix/app/a", "/prefix/app/b"])

    def test_describe_by_pattern_is_case_insensitive_substring(self):
        for name in ("/pattern/Orders-API", "/pattern/billing/orders-worker", "/pattern/inventory"):
            self.logs.create_log_group(logGroupName=name)
        names = [g["logGroupName"] for g in self.logs.describe_log_groups(logGroupNamePattern="ORDERS")["logGroups"]]
        self.assertEqual(names, ["/pattern/Orders-API", "/pattern/billing/orders-worker"])
        self.assertEqual(error_of(self.logs.describe_log_groups, logGroupNamePattern="a", logGroupNamePrefix="/a"),
                         ("InvalidParameterException", 400))

    def test_paging_120_groups(self):
        names = ["/paging/g%03d" % i for i in range(120)]
        for name in names:
            self.logs.create_log_group(logGroupName=name)
        first = self.logs.describe_log_groups(logGroupNamePrefix="/paging/", limit=50)
        self.assertEqual([g["logGroupName"] for g in first["logGroups"]], names[:50])
        self.assertIn("nextToken", first)
        second = self.logs.describe_log_groups(logGroupNamePrefix="/paging/", limit=50, nextToken=first["nextToken"])
        self.assertEqual([g["logGroupName"] for g in second["logGroups"]], names[50:100])
        third = self.logs.describe_log_groups(logGroupNamePrefix="/paging/", limit=50, nextToken=second["nextToken"])
        self.assertEqual([g["logGroupName"] for g in third["logGroups"]], names[100:])
        self.assertNotIn("nextToken", third)
        pages = self.logs.get_paginator("describe_log_groups").paginate(
            logGroupNamePrefix="/paging/", PaginationConfig={"PageSize": 50})
        self.assertEqual([g["logGroupName"] for p in pages for g in p["logGroups"]], names)
        # With a pattern, pages are still full until the matches run out.
        pages = self.logs.get_paginator("describe_log_groups").paginate(
            logGroupNamePattern="PAGING/G11", PaginationConfig={"PageSize": 3})
        self.assertEqual([g["logGroupName"] for p in pages for g in p["logGroups"]], names[110:120])
        self.assertEqual(error_of(self.logs.describe_log_groups, limit=51), ("InvalidParameterException", 400))

    def test_cli_describe_log_groups(self):
        self.logs.create_log_group(logGroupName="/cli/describe-me")
        out = self.server.cli_v2("logs", "describe-log-groups", "--log-group-name-prefix", "/cli/")
        self.assertEqual([g["logGroupName"] for g in out["logGroups"]], ["/cli/describe-me"])
        self.assertEqual(out["logGroups"][0]["arn"], "arn:aws:logs:%s:%s:log-group:/cli/describe-me:*" % (REGION, ACCOUNT))

    def test_delete_and_delete_missing(self):
        self.logs.create_log_group(logGroupName="/groups/delete-me")
        self.logs.delete_log_group(logGroupName="/groups/delete-me")
        self.assertEqual(self.logs.describe_log_groups(logGroupNamePrefix="/groups/delete-me")["logGroups"], [])
        self.assertEqual(error_of(self.logs.delete_log_group, logGroupName="/groups/delete-me"),
                         ("ResourceNotFoundException", 400))
        # A group of the same name starts empty.
        make_group(self.logs, "/groups/delete-me", ["s"])
        self.assertEqual(self.logs.get_log_events(logGroupName="/groups/delete-me", logStreamName="s")["events"], [])

    def test_over_long_group_name_is_invalid_parameter(self):
        self.assertEqual(error_of(self.logs.create_log_group, logGroupName="g" * 513), ("InvalidParameterException", 400))
        self.logs.create_log_group(logGroupName="/" + "g" * 511)

    def test_group_name_characters_are_checked(self):
        # CreateLogGroup: "Log group names consist of the following characters: a-z, A-Z, 0-9, '_' (underscore),
        # '-' (hyphen), '/' (forward slash), '.' (period), and '#' (number sign)" (pattern [\.\-_/#A-Za-z0-9]+).
        self.assertEqual(error_of(self.logs.create_log_group, logGroupName="bad name!"), ("InvalidParameterException", 400))

    def test_log_group_classes_other_than_standard_are_refused_clearly(self):
        """skywatch keeps only STANDARD groups: other classes get a clear InvalidParameterException, never a silent STANDARD."""
        with self.assertRaises(botocore.exceptions.ClientError) as e:
            self.logs.create_log_group(logGroupName="/groups/infrequent", logGroupClass="INFREQUENT_ACCESS")
        self.assertEqual(e.exception.response["Error"]["Code"], "InvalidParameterException")
        self.assertIn("STANDARD", e.exception.response["Error"]["Message"])
        self.logs.create_log_group(logGroupName="/groups/standard", logGroupClass="STANDARD")
        g, = self.logs.describe_log_groups(logGroupNamePrefix="/groups/standard")["logGroups"]
        self.assertEqual(g["logGroupClass"], "STANDARD")

    def test_accounts_and_regions_are_apart(self):
        key, other = create_key(self.server)
        eu = self.server.boto3("logs", region="eu-west-1")
        self.logs.create_log_group(logGroupName="/tenancy/shared", tags={"owner": "root"})
        self.assertEqual(other.describe_log_groups(logGroupNamePrefix="/tenancy/")["logGroups"], [])
        self.assertEqual(eu.describe_log_groups(logGroupNamePrefix="/tenancy/")["logGroups"], [])
        other.create_log_group(logGroupName="/tenancy/shared")
        eu.create_log_group(logGroupName="/tenancy/shared")
        g, = other.describe_log_groups(logGroupNamePrefix="/tenancy/")["logGroups"]
        self.assertEqual(g["arn"], "arn:aws:logs:%s:%s:log-group:/tenancy/shared:*" % (REGION, key["ACCOUNT_ID"]))
        g, = eu.describe_log_groups(logGroupNamePrefix="/tenancy/")["logGroups"]
        self.assertEqual(g["arn"], "arn:aws:logs:eu-west-1:%s:log-group:/tenancy/shared:*" % ACCOUNT)
        self.assertEqual(other.list_tags_log_group(logGroupName="/tenancy/shared")["tags"], {})
        for client, text in ((self.logs, "root us-east-1"), (other, "other account"), (eu, "root eu-west-1")):
            client.create_log_stream(logGroupName="/tenancy/shared", logStreamName="s")
            put(client, "/tenancy/shared", "s", [(now_ms(), text)])
        for client, text in ((self.logs, "root us-east-1"), (other, "other account"), (eu, "root eu-west-1")):
            events = client.get_log_events(logGroupName="/tenancy/shared", logStreamName="s")["events"]
            self.assertEqual([e["message"] for e in events], [text])
        other.delete_log_group(logGroupName="/tenancy/shared")
        self.assertEqual(len(self.logs.describe_log_groups(logGroupNamePrefix="/tenancy/")["logGroups"]), 1)
        # An ARN of another account's group is not this caller's to tag.
        code, _ = error_of(other.list_tags_for_resource,
                           resourceArn="arn:aws:logs:%s:%s:log-group:/tenancy/shared" % (REGION, ACCOUNT))
        self.assertIn(code, ("InvalidParameterException", "ResourceNotFoundException", "AccessDeniedException"))


# ---------------------------------------------------------------------------------------------------------
class LogStreams(ServerTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.logs = cls.server.boto3("logs")
        cls.t = now_ms() - 10 * MINUTE_MS
        make_group(cls.logs, "/streams/app", ["web-b", "web-a", "web-c", "worker-1", "idle"])
        put(cls.logs, "/streams/app", "web-a", [(cls.t + 1000, "a1"), (cls.t + 2000, "a2")])
        put(cls.logs, "/streams/app", "web-c", [(cls.t + 5000, "c1")])  # the newest event
        put(cls.logs, "/streams/app", "web-b", [(cls.t + 500, "b1")])
        put(cls.logs, "/streams/app", "worker-1", [(cls.t + 3000, "w1")])

    def test_duplicate_stream_and_missing_group(self):
        self.assertEqual(error_of(self.logs.create_log_stream, logGroupName="/streams/app", logStreamName="web-a"),
                         ("ResourceAlreadyExistsException", 400))
        self.assertEqual(error_of(self.logs.create_log_stream, logGroupName="/streams/none", logStreamName="s"),
                         ("ResourceNotFoundException", 400))
        self.assertEqual(error_of(self.logs.describe_log_streams, logGroupName="/streams/none"),
                         ("ResourceNotFoundException", 400))

    def test_describe_by_prefix_in_name_order(self):
        r = self.logs.describe_log_streams(logGroupName="/streams/app", logStreamNamePrefix="web-")
        self.assertEqual([s["logStreamName"] for s in r["logStreams"]], ["web-a", "web-b", "web-c"])
        r = self.logs.describe_log_streams(logGroupName="/streams/app", descending=True)
        self.assertEqual([s["logStreamName"] for s in r["logStreams"]], ["worker-1", "web-c", "web-b", "web-a", "idle"])

    def test_order_by_last_event_time_descending(self):
        r = self.logs.describe_log_streams(logGroupName="/streams/app", orderBy="LastEventTime", descending=True)
        names = [s["logStreamName"] for s in r["logStreams"]]
        self.assertEqual(names[:4], ["web-c", "worker-1", "web-a", "web-b"])
        self.assertEqual(set(names), {"web-a", "web-b", "web-c", "worker-1", "idle"})
        # Paging keeps the order.
        p = self.logs.get_paginator("describe_log_streams").paginate(
            logGroupName="/streams/app", orderBy="LastEventTime", descending=True, PaginationConfig={"PageSize": 2})
        self.assertEqual([s["logStreamName"] for page in p for s in page["logStreams"]], names)

    def test_last_event_time_with_prefix_is_invalid(self):
        self.assertEqual(error_of(self.logs.describe_log_streams, logGroupName="/streams/app", orderBy="LastEventTime",
                                  logStreamNamePrefix="web"), ("InvalidParameterException", 400))

    def test_paging_by_name(self):
        first = self.logs.describe_log_streams(logGroupName="/streams/app", limit=2)
        self.assertEqual([s["logStreamName"] for s in first["logStreams"]], ["idle", "web-a"])
        p = self.logs.get_paginator("describe_log_streams").paginate(logGroupName="/streams/app",
                                                                      PaginationConfig={"PageSize": 2})
        self.assertEqual([s["logStreamName"] for page in p for s in page["logStreams"]],
                         ["idle", "web-a", "web-b", "web-c", "worker-1"])

    def test_event_timestamps_and_ingestion_time(self):
        by_name = {s["logStreamName"]: s for s in self.logs.describe_log_streams(logGroupName="/streams/app")["logStreams"]}
        a = by_name["web-a"]
        self.assertEqual((a["firstEventTimestamp"], a["lastEventTimestamp"]), (self.t + 1000, self.t + 2000))
        self.assertTrue(self.t <= a["lastIngestionTime"] <= now_ms() + 1000, a)
        self.assertGreater(a["storedBytes"], 0)
        self.assertEqual(a["arn"], "arn:aws:logs:%s:%s:log-group:/streams/app:log-stream:web-a" % (REGION, ACCOUNT))
        self.assertLessEqual(a["creationTime"], a["lastIngestionTime"])
        idle = by_name["idle"]
        for key in ("firstEventTimestamp", "lastEventTimestamp", "lastIngestionTime"):
            self.assertNotIn(key, idle)

    def test_delete_stream(self):
        make_group(self.logs, "/streams/delete", ["kept", "doomed"])
        put(self.logs, "/streams/delete", "doomed", [(now_ms(), "gone soon")])
        self.logs.delete_log_stream(logGroupName="/streams/delete", logStreamName="doomed")
        names = [s["logStreamName"] for s in self.logs.describe_log_streams(logGroupName="/streams/delete")["logStreams"]]
        self.assertEqual(names, ["kept"])
        self.assertEqual(error_of(self.logs.delete_log_stream, logGroupName="/streams/delete", logStreamName="doomed"),
                         ("ResourceNotFoundException", 400))
        self.assertEqual(error_of(self.logs.get_log_events, logGroupName="/streams/delete", logStreamName="doomed"),
                         ("ResourceNotFoundException", 400))
        events = filter_all(self.logs, logGroupName="/streams/delete", filterPattern='"gone soon"')
        self.assertEqual(events, [])
        # A new stream of the same name does not see the old events.
        self.logs.create_log_stream(logGroupName="/streams/delete", logStreamName="doomed")
        self.assertEqual(self.logs.get_log_events(logGroupName="/streams/delete", logStreamName="doomed")["events"], [])


# ---------------------------------------------------------------------------------------------------------
class PutLogEvents(ServerTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.logs = cls.server.boto3("logs")

    def stream(self, name):
        group = "/put/" + name
        make_group(self.logs, group, ["s"])
        return group

    def messages(self, group):
        return [e["message"] for e in get_all_forward(self.logs, group, "s")[0]]

    def test_10000_events_accepted_10001_rejected(self):
        g = self.stream("count")
        t = now_ms()
        r = put(self.logs, g, "s", [(t, "event %05d" % i) for i in range(10000)])
        self.assertNotIn("rejectedLogEventsInfo", r)
        self.assertEqual(len(self.messages(g)), 10000)
        self.assertEqual(error_of(put, self.logs, g, "s", [(t, "e%d" % i) for i in range(10001)]),
                         ("InvalidParameterException", 400))

    def test_out_of_order_is_invalid(self):
        g = self.stream("order")
        t = now_ms()
        self.assertEqual(error_of(put, self.logs, g, "s", [(t, "second"), (t - 1, "first")]),
                         ("InvalidParameterException", 400))
        self.assertEqual(self.messages(g), [])
        put(self.logs, g, "s", [(t, "same"), (t, "millisecond")])  # equal timestamps are in order
        self.assertEqual(self.messages(g), ["same", "millisecond"])

    def test_span_over_24_hours_is_invalid(self):
        g = self.stream("span")
        t = now_ms()
        self.assertEqual(error_of(put, self.logs, g, "s", [(t - DAY_MS - 1, "old"), (t, "new")]),
                         ("InvalidParameterException", 400))
        put(self.logs, g, "s", [(t - DAY_MS + MINUTE_MS, "old"), (t, "new")])
        self.assertEqual(self.messages(g), ["old", "new"])

    def test_batch_over_1048576_bytes_is_rejected(self):
        g = self.stream("too-big")
        per = BATCH_BYTES // 1024 - EVENT_OVERHEAD
        events = [(now_ms(), "x" * per)] * 1023 + [(now_ms(), "x" * (per + 1))]
        with self.assertRaises(botocore.exceptions.ClientError):
            put(self.logs, g, "s", events)
        self.assertEqual(self.messages(g), [])

    def test_batch_of_exactly_1048576_counted_bytes_is_accepted(self):
        # 1,024 events of 998 bytes: 1,024 x (998 + 26) = 1,048,576, AWS's limit exactly. The JSON body is
        # ~1.07 MB, so AWS accepts what a server that caps the HTTP body at 1 MiB refuses; batching clients
        # (CloudWatch agent, Fluent Bit, winston-cloudwatch) fill batches to the counted limit.
        g = self.stream("at-limit")
        events = [(now_ms(), "x" * (BATCH_BYTES // 1024 - EVENT_OVERHEAD))] * 1024
        put(self.logs, g, "s", events)
        self.assertEqual(len(self.messages(g)), 1024)

    def test_too_new_and_too_old_are_reported_and_the_rest_stored(self):
        g = self.stream("rejected")
        t = now_ms()
        r = put(self.logs, g, "s", [(t - 14 * DAY_MS - 2 * HOUR_MS, "old0"), (t - 14 * DAY_MS - HOUR_MS, "old1"),
                                    (t - 14 * DAY_MS + HOUR_MS, "kept-13d")])
        self.assertEqual(r["rejectedLogEventsInfo"], {"tooOldLogEventEndIndex": 1})
        r = put(self.logs, g, "s", [(t, "kept-now"), (t + HOUR_MS, "kept+1h"), (t + 3 * HOUR_MS, "new0"),
                                    (t + 3 * HOUR_MS + 1, "new1")])
        self.assertEqual(r["rejectedLogEventsInfo"], {"tooNewLogEventStartIndex": 2})
        self.assertEqual(self.messages(g), ["kept-13d", "kept-now", "kept+1h"])

    def test_expired_events_are_reported(self):
        g = self.stream("expired")
        self.logs.put_retention_policy(logGroupName=g, retentionInDays=7)
        t = now_ms()
        r = put(self.logs, g, "s", [(t - 7 * DAY_MS - 2 * HOUR_MS, "exp0"), (t - 7 * DAY_MS - HOUR_MS, "exp1"),
                                    (t - 7 * DAY_MS + HOUR_MS, "kept")])
        self.assertEqual(r["rejectedLogEventsInfo"], {"expiredLogEventEndIndex": 1})
        self.assertEqual(self.messages(g), ["kept"])

    def test_sequence_token_is_accepted_and_ignored(self):
        g = self.stream("sequence")
        t = now_ms()
        r = self.logs.put_log_events(logGroupName=g, logStreamName="s", sequenceToken="not-the-right-token",
                                     logEvents=[{"timestamp": t, "message": "one"}])
        self.assertIn("nextSequenceToken", r)
        self.logs.put_log_events(logGroupName=g, logStreamName="s", sequenceToken="49590302378974939583",
                                 logEvents=[{"timestamp": t, "message": "two"}])
        self.assertEqual(self.messages(g), ["one", "two"])

    def test_missing_stream_or_group(self):
        g = self.stream("missing")
        self.assertEqual(error_of(put, self.logs, g, "nope", [(now_ms(), "x")]), ("ResourceNotFoundException", 400))
        self.assertEqual(error_of(put, self.logs, "/put/no-group", "s", [(now_ms(), "x")]),
                         ("ResourceNotFoundException", 400))

    def test_cli_put_log_events(self):
        g = self.stream("cli")
        t = now_ms()
        out = self.server.cli_v2("logs", "put-log-events", "--log-group-name", g, "--log-stream-name", "s",
                                 "--log-events", json.dumps([{"timestamp": t, "message": "from the cli"}]))
        self.assertIn("nextSequenceToken", out)
        self.assertEqual(self.messages(g), ["from the cli"])


class PutLogEventsLargeBodies(ServerTest):
    """With max_request_bytes raised (as an operator taking batches at AWS's limit would), the 26-bytes-per-event
    rule itself decides: exactly 1,048,576 is accepted, one byte more is AWS's InvalidParameterException."""

    @classmethod
    def setUpClass(cls):
        fd, cls.config_path = tempfile.mkstemp(prefix="skywatch-logs-", suffix=".conf")
        with os.fdopen(fd, "w") as f:
            f.write("max_request_bytes = 4194304\n")
        cls.server_args = ("--config", cls.config_path)
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            os.unlink(cls.config_path)

    def test_batch_size_counts_26_bytes_per_event(self):
        logs = self.server.boto3("logs")
        make_group(logs, "/big/batch", ["s"])
        per = BATCH_BYTES // 1024 - EVENT_OVERHEAD
        t = now_ms()
        put(logs, "/big/batch", "s", [(t, "a" * per)] * 1024)
        self.assertEqual(error_of(put, logs, "/big/batch", "s", [(t, "b" * per)] * 1023 + [(t, "b" * (per + 1))]),
                         ("InvalidParameterException", 400))
        # 10,000 events of 78 bytes: 1,040,000 counted bytes, a ~1.3 MB JSON body.
        put(logs, "/big/batch", "s", [(t, "c%077d" % i) for i in range(10000)])
        events, _ = get_all_forward(logs, "/big/batch", "s")
        self.assertEqual(len(events), 11024)
        self.assertEqual(events[-1]["message"], "c%077d" % 9999)


# ---------------------------------------------------------------------------------------------------------
class GetLogEvents(ServerTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.logs = cls.server.boto3("logs")
        cls.t = now_ms() - 30 * MINUTE_MS
        make_group(cls.logs, "/get/app", ["s", "empty", "big"])
        put(cls.logs, "/get/app", "s", [(cls.t + i * 1000, "e%02d" % i) for i in range(25)])

    def msgs(self, r):
        return [e["message"] for e in r["events"]]

    def test_from_head_with_limit_and_tokens(self):
        r = self.logs.get_log_events(logGroupName="/get/app", logStreamName="s", startFromHead=True, limit=10)
        self.assertEqual(self.msgs(r), ["e%02d" % i for i in range(10)])
        self.assertEqual(r["events"][0]["timestamp"], self.t)
        self.assertIn("ingestionTime", r["events"][0])
        r2 = self.logs.get_log_events(logGroupName="/get/app", logStreamName="s", nextToken=r["nextForwardToken"], limit=10)
        self.assertEqual(self.msgs(r2), ["e%02d" % i for i in range(10, 20)])
        back = self.logs.get_log_events(logGroupName="/get/app", logStreamName="s", nextToken=r2["nextBackwardToken"], limit=10)
        self.assertEqual(self.msgs(back), ["e%02d" % i for i in range(10)])

    def test_default_reads_the_tail(self):
        r = self.logs.get_log_events(logGroupName="/get/app", logStreamName="s", limit=10)
        self.assertEqual(self.msgs(r), ["e%02d" % i for i in range(15, 25)])
        again = self.logs.get_log_events(logGroupName="/get/app", logStreamName="s", nextToken=r["nextForwardToken"])
        self.assertEqual(again["events"], [])
        self.assertEqual(again["nextForwardToken"], r["nextForwardToken"])  # the end-of-stream rule
        older = self.logs.get_log_events(logGroupName="/get/app", logStreamName="s", nextToken=r["nextBackwardToken"], limit=10)
        self.assertEqual(self.msgs(older), ["e%02d" % i for i in range(5, 15)])

    def test_following_tokens_terminates(self):
        events, pages = get_all_forward(self.logs, "/get/app", "s", limit=10)
        self.assertEqual([e["message"] for e in events], ["e%02d" % i for i in range(25)])
        self.assertEqual(pages, 4)  # 10 + 10 + 5 + the page that returns the same token
        events, pages = get_all_forward(self.logs, "/get/app", "empty")
        self.assertEqual((events, pages), ([], 2))
        r = self.logs.get_log_events(logGroupName="/get/app", logStreamName="empty")
        self.assertEqual(r["events"], [])
        again = self.logs.get_log_events(logGroupName="/get/app", logStreamName="empty", nextToken=r["nextBackwardToken"])
        self.assertEqual((again["events"], again["nextBackwardToken"]), ([], r["nextBackwardToken"]))

    def test_new_events_appear_after_the_end_token(self):
        make_group(self.logs, "/get/live", ["s"])
        put(self.logs, "/get/live", "s", [(now_ms(), "first")])
        events, _ = get_all_forward(self.logs, "/get/live", "s")
        r = self.logs.get_log_events(logGroupName="/get/live", logStreamName="s", startFromHead=True)
        put(self.logs, "/get/live", "s", [(now_ms(), "second")])
        r2 = self.logs.get_log_events(logGroupName="/get/live", logStreamName="s", nextToken=r["nextForwardToken"])
        self.assertEqual(self.msgs(r2), ["second"])

    def test_batches_out_of_time_order_read_in_time_order(self):
        make_group(self.logs, "/get/interleaved", ["s"])
        t = now_ms() - 10 * MINUTE_MS
        for offsets in ((10, 20, 30), (5, 15, 25), (1, 40)):
            put(self.logs, "/get/interleaved", "s", [(t + o, "m%02d" % o) for o in offsets])
        want = ["m01", "m05", "m10", "m15", "m20", "m25", "m30", "m40"]
        events, _ = get_all_forward(self.logs, "/get/interleaved", "s", limit=3)
        self.assertEqual([e["message"] for e in events], want)
        backward, token = [], None
        for _ in range(10):
            r = self.logs.get_log_events(logGroupName="/get/interleaved", logStreamName="s", limit=3,
                                         **({"nextToken": token} if token else {}))
            backward = [e["message"] for e in r["events"]] + backward
            if r["nextBackwardToken"] == token:
                break
            token = r["nextBackwardToken"]
        self.assertEqual(backward, want)
        s, = self.logs.describe_log_streams(logGroupName="/get/interleaved")["logStreams"]
        self.assertEqual((s["firstEventTimestamp"], s["lastEventTimestamp"]), (t + 1, t + 40))

    def test_messages_round_trip_byte_for_byte(self):
        make_group(self.logs, "/get/unicode", ["s"])
        messages = ["h\u00e9llo w\u00f6rld \u2713 \U0001f389", "line1\nline2\ttab", "quote \" backslash \\ nul-free \u2028"]
        put(self.logs, "/get/unicode", "s", [(now_ms(), m) for m in messages])
        events, _ = get_all_forward(self.logs, "/get/unicode", "s")
        self.assertEqual([e["message"] for e in events], messages)
        got = [e["message"] for e in filter_all(self.logs, logGroupName="/get/unicode", filterPattern='"w\u00f6rld \u2713"')]
        self.assertEqual(got, messages[:1])

    def test_cli_get_log_events(self):
        out = self.server.cli_v2("logs", "get-log-events", "--log-group-name", "/get/app", "--log-stream-name", "s",
                                 "--start-from-head", "--limit", "10")
        self.assertEqual(self.msgs(out), ["e%02d" % i for i in range(10)])
        seen = self.msgs(out)
        token = out["nextForwardToken"]
        for _ in range(10):
            out = self.server.cli_v2("logs", "get-log-events", "--log-group-name", "/get/app", "--log-stream-name", "s",
                                     "--next-token", token, "--limit", "10")
            seen += self.msgs(out)
            if out["nextForwardToken"] == token:
                break
            token = out["nextForwardToken"]
        else:
            self.fail("the CLI kept getting new tokens")
        self.assertEqual(seen, ["e%02d" % i for i in range(25)])

    def test_time_bounds(self):
        r = self.logs.get_log_events(logGroupName="/get/app", logStreamName="s", startFromHead=True,
                                     startTime=self.t + 5000, endTime=self.t + 8000)
        self.assertEqual(self.msgs(r), ["e05", "e06", "e07"])  # endTime is exclusive
        r = self.logs.get_log_events(logGroupName="/get/app", logStreamName="s", startTime=self.t + 20000)
        self.assertEqual(self.msgs(r), ["e20", "e21", "e22", "e23", "e24"])

    def test_errors(self):
        self.assertEqual(error_of(self.logs.get_log_events, logGroupName="/get/app", logStreamName="nope"),
                         ("ResourceNotFoundException", 400))
        self.assertEqual(error_of(self.logs.get_log_events, logGroupName="/get/nope", logStreamName="s"),
                         ("ResourceNotFoundException", 400))
        self.assertEqual(error_of(self.logs.get_log_events, logGroupName="/get/app", logStreamName="s", nextToken="garbage"),
                         ("InvalidParameterException", 400))

    def test_pages_hold_at_most_1_mb(self):
        t = now_ms() - 5 * MINUTE_MS
        message = "m" * 999
        for b in range(3):
            put(self.logs, "/get/app", "big", [(t + b * 1000 + i, "%04d%s" % (b * 900 + i, message)) for i in range(900)])
        r = self.logs.get_log_events(logGroupName="/get/app", logStreamName="big", startFromHead=True)
        self.assertLess(len(r["events"]), 2700)
        self.assertLessEqual(sum(len(e["message"]) + EVENT_OVERHEAD for e in r["events"]), BATCH_BYTES)
        self.assertGreater(len(r["events"]), 500)
        events, pages = get_all_forward(self.logs, "/get/app", "big")
        self.assertEqual([int(e["message"][:4]) for e in events], list(range(2700)))
        self.assertGreaterEqual(pages, 4)


# ---------------------------------------------------------------------------------------------------------
RUNBOOK_EVENTS = {
    # stream: messages, one second apart; the streams interleave in time (a, b, c, a, b, c, ...)
    "api-1": ["2024-06-01T10:00:00Z req-101 ERROR SECURITY_VIOLATION",
              "2024-06-01T10:00:01Z req-102 INFO request_ok",
              "DEBUG cache warmed",
              '{"level": "ERROR", "duration": 2500, "path": "/todos"}'],
    "api-2": ["authentication failed for user alice",
              "rate_limit_exceeded client=42",
              "WARN pool nearly exhausted",
              '{"level": "INFO", "duration": 120, "path": "/todos"}'],
    "worker": ["ERROR job 7 failed",
               "2024-06-01T10:00:05Z req-103 ERROR DB_TIMEOUT",
               "DEBUG tick",
               '{"level": "WARN", "duration": 2001}'],
}


class FilterLogEvents(ServerTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.logs = cls.server.boto3("logs")
        cls.t = now_ms() - 20 * MINUTE_MS
        make_group(cls.logs, "/aws/lambda/todo-api", list(RUNBOOK_EVENTS))
        cls.timeline = []  # (timestamp, stream, message) in AWS's order
        for k, (stream, msgs) in enumerate(RUNBOOK_EVENTS.items()):
            events = [(cls.t + i * 1000 + k, m) for i, m in enumerate(msgs)]
            put(cls.logs, "/aws/lambda/todo-api", stream, events)
            cls.timeline += [(ts, stream, m) for ts, m in events]
        cls.timeline.sort()

    def filtered(self, **kwargs):
        return [(e["logStreamName"], e["message"]) for e in filter_all(self.logs, logGroupName="/aws/lambda/todo-api", **kwargs)]

    def expected(self, pred):
        return [(s, m) for _, s, m in self.timeline if pred(m)]

    def test_all_streams_in_time_order(self):
        events = filter_all(self.logs, logGroupName="/aws/lambda/todo-api")
        self.assertEqual([(e["timestamp"], e["logStreamName"], e["message"]) for e in events], self.timeline)
        self.assertEqual(len({e["eventId"] for e in events}), len(events))
        for e in events:
            self.assertIn("ingestionTime", e)

    def test_runbook_patterns(self):
        cases = {
            "ERROR": lambda m: "ERROR" in m,
            '"authentication failed"': lambda m: "authentication failed" in m,
            "rate_limit_exceeded": lambda m: "rate_limit_exceeded" in m,
            "-DEBUG": lambda m: "DEBUG" not in m,
            "?ERROR ?WARN": lambda m: "ERROR" in m or "WARN" in m,
            '{ $.level = "ERROR" }': lambda m: m.startswith("{") and json.loads(m)["level"] == "ERROR",
            "{ $.duration > 2000 }": lambda m: m.startswith("{") and json.loads(m)["duration"] > 2000,
            "[timestamp, requestId, level=ERROR, event=SECURITY_VIOLATION]": lambda m: m.endswith("ERROR SECURITY_VIOLATION"),
        }
        for pattern, pred in cases.items():
            with self.subTest(pattern=pattern):
                want = self.expected(pred)
                self.assertTrue(want)
                self.assertEqual(self.filtered(filterPattern=pattern), want)

    def test_cli_filter_log_events(self):
        out = self.server.cli_v2("logs", "filter-log-events", "--log-group-name", "/aws/lambda/todo-api",
                                 "--filter-pattern", "?ERROR ?WARN")
        self.assertEqual([(e["logStreamName"], e["message"]) for e in out["events"]],
                         self.expected(lambda m: "ERROR" in m or "WARN" in m))

    def test_stream_names_and_prefix(self):
        self.assertEqual(self.filtered(logStreamNames=["api-2", "worker"]),
                         [(s, m) for _, s, m in self.timeline if s in ("api-2", "worker")])
        self.assertEqual(self.filtered(logStreamNamePrefix="api-", filterPattern="ERROR"),
                         [(s, m) for _, s, m in self.timeline if s.startswith("api-") and "ERROR" in m])
        self.assertEqual(error_of(self.logs.filter_log_events, logGroupName="/aws/lambda/todo-api",
                                  logStreamNames=["api-1"], logStreamNamePrefix="api"), ("InvalidParameterException", 400))

    def test_time_range(self):
        start, end = self.t + 1000, self.t + 3000
        self.assertEqual(self.filtered(startTime=start, endTime=end),
                         [(s, m) for ts, s, m in self.timeline if start <= ts < end])

    def test_limit_and_next_token(self):
        seen, token, pages = [], None, 0
        while True:
            r = self.logs.filter_log_events(logGroupName="/aws/lambda/todo-api", limit=5,
                                            **({"nextToken": token} if token else {}))
            pages += 1
            self.assertLessEqual(len(r["events"]), 5)
            seen += [(e["logStreamName"], e["message"]) for e in r["events"]]
            token = r.get("nextToken")
            if not token:
                break
            self.assertLess(pages, 10)
        self.assertEqual(seen, [(s, m) for _, s, m in self.timeline])
        self.assertGreaterEqual(pages, 3)
        p = self.logs.get_paginator("filter_log_events").paginate(
            logGroupName="/aws/lambda/todo-api", filterPattern="ERROR", PaginationConfig={"PageSize": 2})
        got = [(e["logStreamName"], e["message"]) for page in p for e in page["events"]]
        self.assertEqual(got, self.expected(lambda m: "ERROR" in m))

    def test_many_events_paginator_returns_each_match_once(self):
        make_group(self.logs, "/filter/many", ["a", "b"])
        t = now_ms() - 10 * MINUTE_MS
        for stream, k in (("a", 0), ("b", 1)):
            put(self.logs, "/filter/many", stream,
                [(t + i * 10 + k, "%s %05d %s" % (stream, i, "ERROR" if i % 7 == 0 else "ok")) for i in range(3000)])
        got = [e["message"] for e in filter_all(self.logs, logGroupName="/filter/many", filterPattern="ERROR",
                                                PaginationConfig={"PageSize": 100})]
        want = ["%s %05d ERROR" % (s, i) for i in range(0, 3000, 7) for s in ("a", "b")]
        self.assertEqual(got, want)

    def test_paging_through_equal_timestamps(self):
        make_group(self.logs, "/filter/ties", ["x", "y", "z"])
        t = now_ms() - MINUTE_MS
        for s in "xyz":
            put(self.logs, "/filter/ties", s, [(t, "%s%d" % (s, i)) for i in range(3)])
        seen, token = [], None
        for _ in range(20):
            r = self.logs.filter_log_events(logGroupName="/filter/ties", limit=1, **({"nextToken": token} if token else {}))
            seen += [e["message"] for e in r["events"]]
            token = r.get("nextToken")
            if not token:
                break
        self.assertEqual(sorted(seen), sorted("%s%d" % (s, i) for s in "xyz" for i in range(3)))
        self.assertEqual(len(seen), 9)

    def test_log_group_identifier_arn(self):
        arn = "arn:aws:logs:%s:%s:log-group:/aws/lambda/todo-api" % (REGION, ACCOUNT)
        self.assertEqual(len(self.logs.filter_log_events(logGroupIdentifier=arn)["events"]), len(self.timeline))
        r = self.logs.get_log_events(logGroupIdentifier=arn, logStreamName="api-1", startFromHead=True)
        self.assertEqual([e["message"] for e in r["events"]], RUNBOOK_EVENTS["api-1"])
        # The model's LogGroupIdentifier pattern [\w#+=/:,.@-]* has no '*': the ARN form with ":*" is refused.
        self.assertEqual(error_of(self.logs.get_log_events, logGroupIdentifier=arn + ":*", logStreamName="api-1"),
                         ("InvalidParameterException", 400))

    def test_invalid_patterns(self):
        for pattern in ('{ $.level = ', "[a, b", '"unterminated', "?Status: timeout"):
            with self.subTest(pattern=pattern):
                self.assertEqual(error_of(self.logs.filter_log_events, logGroupName="/aws/lambda/todo-api",
                                          filterPattern=pattern), ("InvalidParameterException", 400))

    def test_missing_group(self):
        self.assertEqual(error_of(self.logs.filter_log_events, logGroupName="/filter/none"),
                         ("ResourceNotFoundException", 400))


# ---------------------------------------------------------------------------------------------------------
class Tail(ServerTest):
    """`aws logs tail` (CLI v2): without --follow it pages FilterLogEvents once; with --follow it polls every
    few seconds and prints events it has not printed yet (deduplicated by eventId)."""
    GROUP = "/tail/app"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.logs = cls.server.boto3("logs")
        make_group(cls.logs, cls.GROUP, ["web", "worker"])
        t = now_ms() - 5 * MINUTE_MS
        put(cls.logs, cls.GROUP, "web", [(t, "INFO started"), (t + 1, "ERROR disk full"), (t + 2, "INFO ok")])
        put(cls.logs, cls.GROUP, "worker", [(t + 3, "ERROR job 9 crashed")])
        put(cls.logs, cls.GROUP, "worker", [(now_ms() - 2 * HOUR_MS, "ERROR too old for --since 1h")])

    def tail(self, *args, timeout=60):
        return subprocess.run([AWS_V2, "--endpoint-url", self.server.endpoint, "logs", "tail", self.GROUP] + list(args),
                              capture_output=True, text=True, env=cli_env(), timeout=timeout)

    def test_tail_since_with_filter_pattern_short(self):
        p = self.tail("--since", "1h", "--filter-pattern", "ERROR", "--format", "short")
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = p.stdout.splitlines()
        self.assertEqual(len(lines), 2, p.stdout)
        self.assertRegex(lines[0], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d ERROR disk full$")
        self.assertRegex(lines[1], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d ERROR job 9 crashed$")

    def test_tail_detailed_shows_streams(self):
        p = self.tail("--since", "1h")
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = p.stdout.splitlines()
        self.assertEqual([l.split(" ", 2)[1:] for l in lines],
                         [["web", "INFO started"], ["web", "ERROR disk full"], ["web", "INFO ok"], ["worker", "ERROR job 9 crashed"]])

    def test_tail_follow_prints_new_events(self):
        make_group(self.logs, "/tail/follow", ["web"])
        proc = subprocess.Popen([AWS_V2, "--endpoint-url", self.server.endpoint, "logs", "tail", "/tail/follow",
                                 "--follow", "--since", "1m", "--filter-pattern", "ERROR", "--format", "short"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env())
        lines, got = [], threading.Event()

        def reader():
            for line in proc.stdout:
                lines.append(line.rstrip("\n"))
                if "ERROR follow-me" in line:
                    got.set()

        th = threading.Thread(target=reader, daemon=True)
        th.start()
        try:
            time.sleep(1.5)  # let the first poll run
            put(self.logs, "/tail/follow", "web", [(now_ms(), "INFO not me"), (now_ms(), "ERROR follow-me 1")])
            self.assertTrue(got.wait(8), "tail --follow printed %r; stderr: %s" % (lines, proc.stderr.read() if proc.poll() is not None else ""))
            self.assertIsNone(proc.poll(), "tail --follow exited")
        finally:
            proc.kill()
            proc.wait()
            th.join(5)
            proc.stdout.close()
            proc.stderr.close()
        self.assertEqual([l.split(" ", 1)[1] for l in lines], ["ERROR follow-me 1"])


# ---------------------------------------------------------------------------------------------------------
class Retention(ServerTest):
    def setUp(self):
        self.logs = self.server.boto3("logs")

    def test_allowed_and_disallowed_values(self):
        self.logs.create_log_group(logGroupName="/retention/values")
        for days in (1, 7, 30, 3653):
            self.logs.put_retention_policy(logGroupName="/retention/values", retentionInDays=days)
            g, = self.logs.describe_log_groups(logGroupNamePrefix="/retention/values")["logGroups"]
            self.assertEqual(g["retentionInDays"], days)
        for days in (2, 0, 4000):
            with self.subTest(days=days):
                self.assertEqual(error_of(self.logs.put_retention_policy, logGroupName="/retention/values", retentionInDays=days),
                                 ("InvalidParameterException", 400))
        self.logs.delete_retention_policy(logGroupName="/retention/values")
        g, = self.logs.describe_log_groups(logGroupNamePrefix="/retention/values")["logGroups"]
        self.assertNotIn("retentionInDays", g)
        self.assertEqual(error_of(self.logs.put_retention_policy, logGroupName="/retention/none", retentionInDays=1),
                         ("ResourceNotFoundException", 400))
        self.assertEqual(error_of(self.logs.delete_retention_policy, logGroupName="/retention/none"),
                         ("ResourceNotFoundException", 400))

    def test_cli_put_retention_policy(self):
        self.logs.create_log_group(logGroupName="/retention/cli")
        self.server.cli_v2("logs", "put-retention-policy", "--log-group-name", "/retention/cli", "--retention-in-days", "14")
        out = self.server.cli_v2("logs", "describe-log-groups", "--log-group-name-prefix", "/retention/cli")
        self.assertEqual(out["logGroups"][0]["retentionInDays"], 14)
        p = self.server.cli_v2("logs", "put-retention-policy", "--log-group-name", "/retention/cli",
                               "--retention-in-days", "2", check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("InvalidParameterException", p.stderr)

    def test_events_older_than_retention_are_hidden(self):
        make_group(self.logs, "/retention/hide", ["s"])
        t = now_ms()
        put(self.logs, "/retention/hide", "s", [(t - 10 * DAY_MS + i, "ten days old %d" % i) for i in range(3)])
        put(self.logs, "/retention/hide", "s", [(t - MINUTE_MS, "fresh ERROR"), (t, "fresh")])
        self.assertEqual(len(get_all_forward(self.logs, "/retention/hide", "s")[0]), 5)
        self.logs.put_retention_policy(logGroupName="/retention/hide", retentionInDays=1)
        events, _ = get_all_forward(self.logs, "/retention/hide", "s")
        self.assertEqual([e["message"] for e in events], ["fresh ERROR", "fresh"])
        tail = self.logs.get_log_events(logGroupName="/retention/hide", logStreamName="s")
        self.assertEqual([e["message"] for e in tail["events"]], ["fresh ERROR", "fresh"])
        self.assertEqual([e["message"] for e in filter_all(self.logs, logGroupName="/retention/hide")], ["fresh ERROR", "fresh"])
        self.assertEqual([e["message"] for e in filter_all(self.logs, logGroupName="/retention/hide", filterPattern="days")], [])
        g, = self.logs.describe_log_groups(logGroupNamePrefix="/retention/hide")["logGroups"]
        self.assertEqual(g["retentionInDays"], 1)


# ---------------------------------------------------------------------------------------------------------
def metric_sum(cw, namespace, name, dimensions=()):
    now = datetime.datetime.now(UTC)
    r = cw.get_metric_statistics(Namespace=namespace, MetricName=name, Dimensions=list(dimensions),
                                 StartTime=now - datetime.timedelta(hours=1), EndTime=now + datetime.timedelta(minutes=1),
                                 Period=60, Statistics=["Sum", "SampleCount", "Maximum"])
    dps = r["Datapoints"]
    return sum(d["Sum"] for d in dps), sum(d["SampleCount"] for d in dps), max((d["Maximum"] for d in dps), default=None)


class MetricFilters(ServerTest):
    GROUP = "/aws/lambda/todo-api"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.logs = cls.server.boto3("logs")
        cls.cw = cls.server.boto3("cloudwatch")
        make_group(cls.logs, cls.GROUP, ["app"])

    def test_security_violations_counted_in_cloudwatch(self):
        self.logs.put_metric_filter(
            logGroupName=self.GROUP, filterName="security-violations",
            filterPattern="[timestamp, requestId, level=ERROR, event=SECURITY_VIOLATION]",
            metricTransformations=[{"metricName": "SecurityViolations", "metricNamespace": "Security", "metricValue": "1"}])
        t = now_ms()
        put(self.logs, self.GROUP, "app", [
            (t, "2024-06-01T10:00:00Z req-1 ERROR SECURITY_VIOLATION"),
            (t, "2024-06-01T10:00:01Z req-2 INFO SECURITY_VIOLATION"),
            (t + 1, "2024-06-01T10:00:02Z req-3 ERROR SECURITY_VIOLATION"),
            (t + 2, "2024-06-01T10:00:03Z req-4 ERROR DB_TIMEOUT"),
            (t + 3, "ERROR SECURITY_VIOLATION"),  # two fields: does not fit four
            (t + 4, "2024-06-01T10:00:04Z req-5 ERROR SECURITY_VIOLATION"),
        ])
        self.assertEqual(metric_sum(self.cw, "Security", "SecurityViolations")[:2], (3.0, 3.0))
        self.assertIn({"Namespace": "Security", "MetricName": "SecurityViolations", "Dimensions": []},
                      self.cw.list_metrics(Namespace="Security")["Metrics"])
        g, = self.logs.describe_log_groups(logGroupNamePrefix=self.GROUP)["logGroups"]
        self.assertGreaterEqual(g["metricFilterCount"], 1)

    def test_json_value_and_dimensions(self):
        self.logs.put_metric_filter(
            logGroupName=self.GROUP, filterName="latency", filterPattern="{ $.latency = * }",
            metricTransformations=[{"metricName": "Latency", "metricNamespace": "TodoApi", "metricValue": "$.latency",
                                    "dimensions": {"Service": "$.service"}, "unit": "Milliseconds"}])
        t = now_ms()
        put(self.logs, self.GROUP, "app", [
            (t, json.dumps({"service": "api", "latency": 120})),
            (t, json.dumps({"service": "api", "latency": 80.5})),
            (t, json.dumps({"service": "web", "latency": 7})),
            (t, json.dumps({"service": "web", "status": 200})),
            (t, "latency 99 not json"),
        ])
        self.assertEqual(metric_sum(self.cw, "TodoApi", "Latency", [{"Name": "Service", "Value": "api"}]), (200.5, 2.0, 120.0))
        self.assertEqual(metric_sum(self.cw, "TodoApi", "Latency", [{"Name": "Service", "Value": "web"}]), (7.0, 1.0, 7.0))
        now = datetime.datetime.now(UTC)
        r = self.cw.get_metric_statistics(Namespace="TodoApi", MetricName="Latency", Dimensions=[{"Name": "Service", "Value": "api"}],
                                          StartTime=now - datetime.timedelta(hours=1), EndTime=now + datetime.timedelta(minutes=1),
                                          Period=60, Statistics=["Sum"])
        self.assertEqual({d["Unit"] for d in r["Datapoints"]}, {"Milliseconds"})

    def test_delimited_value_and_dimension(self):
        self.logs.put_metric_filter(
            logGroupName=self.GROUP, filterName="server-error-bytes",
            filterPattern="[ip, user, username, timestamp, request, status_code=5*, bytes]",
            metricTransformations=[{"metricName": "ServerErrorBytes", "metricNamespace": "Web", "metricValue": "$bytes",
                                    "dimensions": {"Status": "$status_code"}}])
        t = now_ms()
        line = '10.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] "GET /todos HTTP/1.1" %d %d'
        put(self.logs, self.GROUP, "app", [(t, line % (200, 1534)), (t, line % (500, 5324)), (t, line % (503, 100)),
                                           (t, line % (500, 76))])
        self.assertEqual(metric_sum(self.cw, "Web", "ServerErrorBytes", [{"Name": "Status", "Value": "500"}])[:2], (5400.0, 2.0))
        self.assertEqual(metric_sum(self.cw, "Web", "ServerErrorBytes", [{"Name": "Status", "Value": "503"}])[:2], (100.0, 1.0))
        self.assertEqual(metric_sum(self.cw, "Web", "ServerErrorBytes", [{"Name": "Status", "Value": "200"}])[:2], (0, 0))

    def test_default_value_with_text_pattern(self):
        self.logs.put_metric_filter(
            logGroupName=self.GROUP, filterName="timeouts", filterPattern='"connection timeout"',
            metricTransformations=[{"metricName": "Timeouts", "metricNamespace": "TodoApi", "metricValue": "1", "defaultValue": 0}])
        t = now_ms()
        put(self.logs, self.GROUP, "app", [(t, "ERROR connection timeout to db"), (t, "INFO fine"),
                                           (t, "WARN connection timeout to cache")])
        total, count, _ = metric_sum(self.cw, "TodoApi", "Timeouts")
        self.assertEqual(total, 2.0)
        self.assertGreater(count, 2.0)  # the non-matching event published the default value 0

    def test_describe_and_delete(self):
        for name, metric in (("app-errors", "Errors"), ("app-warnings", "Warnings"), ("other", "Errors")):
            self.logs.put_metric_filter(
                logGroupName=self.GROUP, filterName=name, filterPattern="ERROR" if metric == "Errors" else "WARN",
                metricTransformations=[{"metricName": metric, "metricNamespace": "Describe" if name != "other" else "Other",
                                        "metricValue": "1"}])
        names = [f["filterName"] for f in self.logs.describe_metric_filters(logGroupName=self.GROUP, filterNamePrefix="app-")["metricFilters"]]
        self.assertEqual(names, ["app-errors", "app-warnings"])
        f, = self.logs.describe_metric_filters(metricName="Errors", metricNamespace="Describe")["metricFilters"]
        self.assertEqual(f["filterName"], "app-errors")
        self.assertEqual(f["logGroupName"], self.GROUP)
        self.assertEqual(f["filterPattern"], "ERROR")
        self.assertEqual(f["metricTransformations"], [{"metricName": "Errors", "metricNamespace": "Describe", "metricValue": "1"}])
        self.assertIn("creationTime", f)
        before = self.logs.describe_log_groups(logGroupNamePrefix=self.GROUP)["logGroups"][0]["metricFilterCount"]
        self.logs.delete_metric_filter(logGroupName=self.GROUP, filterName="app-warnings")
        after = self.logs.describe_log_groups(logGroupNamePrefix=self.GROUP)["logGroups"][0]["metricFilterCount"]
        self.assertEqual(after, before - 1)
        self.assertEqual(error_of(self.logs.delete_metric_filter, logGroupName=self.GROUP, filterName="app-warnings"),
                         ("ResourceNotFoundException", 400))
        out = self.server.cli_v2("logs", "describe-metric-filters", "--log-group-name", self.GROUP, "--filter-name-prefix", "app-")
        self.assertEqual([f["filterName"] for f in out["metricFilters"]], ["app-errors"])

    def test_invalid_definitions(self):
        bad = [
            # Dimensions need a JSON or space-delimited pattern.
            ("ERROR", {"metricName": "E", "metricNamespace": "Bad", "metricValue": "1", "dimensions": {"S": "$.service"}}),
            ("{ $.a = 1 ", {"metricName": "E", "metricNamespace": "Bad", "metricValue": "1"}),
        ]
        for pattern, transformation in bad:
            with self.subTest(pattern=pattern):
                self.assertEqual(error_of(self.logs.put_metric_filter, logGroupName=self.GROUP, filterName="bad",
                                          filterPattern=pattern, metricTransformations=[transformation]),
                                 ("InvalidParameterException", 400))
        self.assertEqual(error_of(self.logs.put_metric_filter, logGroupName="/metric/none", filterName="x", filterPattern="ERROR",
                                  metricTransformations=[{"metricName": "E", "metricNamespace": "Bad", "metricValue": "1"}]),
                         ("ResourceNotFoundException", 400))

    def test_test_metric_filter_doc_example(self):
        # The space-delimited example of "Using metric filters to extract values from space-delimited log events".
        lines = ['127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534',
                 '127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] "GET /apache_pb.gif HTTP/1.0" 500 5324',
                 '127.0.0.1 - frank [10/Oct/2000:13:50:35 -0700] "GET /apache_pb.gif HTTP/1.0" 200 4355']
        r = self.logs.test_metric_filter(filterPattern="[ip, user, username, timestamp, request, status_code, bytes]",
                                         logEventMessages=lines)
        self.assertEqual([m["eventNumber"] for m in r["matches"]], [1, 2, 3])
        self.assertEqual(r["matches"][1]["eventMessage"], lines[1])
        self.assertEqual(r["matches"][1]["extractedValues"], {
            "$ip": "127.0.0.1", "$user": "-", "$username": "frank", "$timestamp": "10/Oct/2000:13:35:22 -0700",
            "$request": "GET /apache_pb.gif HTTP/1.0", "$status_code": "500", "$bytes": "5324"})
        r = self.logs.test_metric_filter(filterPattern="[ip, user, username, timestamp, request, status_code=5*, bytes]",
                                         logEventMessages=lines)
        self.assertEqual([m["eventNumber"] for m in r["matches"]], [2])
        out = self.server.cli_v2("logs", "test-metric-filter", "--filter-pattern", '{ $.level = "ERROR" }',
                                 "--log-event-messages", '{"level":"ERROR"}', '{"level":"INFO"}')
        self.assertEqual([m["eventNumber"] for m in out["matches"]], [1])


# ---------------------------------------------------------------------------------------------------------
class Tags(ServerTest):
    def setUp(self):
        self.logs = self.server.boto3("logs")

    def test_tag_resource_with_group_arn(self):
        self.logs.create_log_group(logGroupName="/tags/arn", tags={"a": "1"})
        arn = self.logs.describe_log_groups(logGroupNamePrefix="/tags/arn")["logGroups"][0]["logGroupArn"]
        self.logs.tag_resource(resourceArn=arn, tags={"b": "2", "c": "3"})
        self.assertEqual(self.logs.list_tags_for_resource(resourceArn=arn)["tags"], {"a": "1", "b": "2", "c": "3"})
        self.logs.tag_resource(resourceArn=arn, tags={"a": "changed"})
        self.logs.untag_resource(resourceArn=arn, tagKeys=["b", "not-there"])
        self.assertEqual(self.logs.list_tags_for_resource(resourceArn=arn)["tags"], {"a": "changed", "c": "3"})
        self.assertEqual(self.logs.list_tags_log_group(logGroupName="/tags/arn")["tags"], {"a": "changed", "c": "3"})
        code, _ = error_of(self.logs.list_tags_for_resource,
                           resourceArn="arn:aws:logs:%s:%s:log-group:/tags/none" % (REGION, ACCOUNT))
        self.assertEqual(code, "ResourceNotFoundException")

    def test_tag_log_group_legacy_operations(self):
        self.logs.create_log_group(logGroupName="/tags/legacy")
        self.logs.tag_log_group(logGroupName="/tags/legacy", tags={"team": "ops", "tier": "1"})
        self.assertEqual(self.logs.list_tags_log_group(logGroupName="/tags/legacy")["tags"], {"team": "ops", "tier": "1"})
        self.logs.untag_log_group(logGroupName="/tags/legacy", tags=["tier"])
        self.assertEqual(self.logs.list_tags_log_group(logGroupName="/tags/legacy")["tags"], {"team": "ops"})
        self.assertEqual(error_of(self.logs.list_tags_log_group, logGroupName="/tags/none"), ("ResourceNotFoundException", 400))
        out = self.server.cli_v2("logs", "list-tags-log-group", "--log-group-name", "/tags/legacy")
        self.assertEqual(out["tags"], {"team": "ops"})


# ---------------------------------------------------------------------------------------------------------
class BadInput(ServerTest):
    def test_malformed_json_is_serialization_exception(self):
        status, ctype, body = raw_json11(self.server, "Logs_20140328.PutLogEvents", b'{"logGroupName": "/g", ')
        self.assertEqual((status, body["__type"]), (400, "SerializationException"))
        self.assertEqual(ctype, "application/x-amz-json-1.1")

    def test_wrong_content_type_is_415(self):
        status, _, _ = raw_json11(self.server, "Logs_20140328.DescribeLogGroups", b"{}",
                                  content_type="application/x-amz-json-1.0")
        self.assertEqual(status, 415)

    def test_unknown_operation(self):
        status, _, body = raw_json11(self.server, "Logs_20140328.NoSuchThing", b"{}")
        self.assertEqual((status, body["__type"]), (400, "UnknownOperationException"))

    def test_wrong_types_and_missing_members(self):
        status, _, body = raw_json11(self.server, "Logs_20140328.PutLogEvents",
                                     b'{"logGroupName":"/g","logStreamName":"s","logEvents":[{"timestamp":"x","message":"m"}]}')
        self.assertEqual((status, body["__type"]), (400, "SerializationException"))
        status, _, body = raw_json11(self.server, "Logs_20140328.CreateLogGroup", b"{}")
        self.assertEqual((status, body["__type"]), (400, "InvalidParameterException"))

    def test_start_live_tail_is_a_clear_error(self):
        # StartLiveTail's endpoint has a "streaming-" host prefix; without injecting it boto3 reaches skywatch.
        logs = self.server.boto3("logs")
        logs.create_log_group(logGroupName="/live/tail")
        arn = logs.describe_log_groups(logGroupNamePrefix="/live/tail")["logGroups"][0]["logGroupArn"]
        direct = boto3.client(
            "logs", endpoint_url=self.server.endpoint, region_name=REGION, aws_access_key_id=KEY_ID,
            aws_secret_access_key=SECRET,
            config=botocore.config.Config(inject_host_prefix=False, retries={"max_attempts": 1}))
        with self.assertRaises(botocore.exceptions.ClientError) as ctx:
            direct.start_live_tail(logGroupIdentifiers=[arn])
        err = ctx.exception.response
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 400)
        self.assertIn("StartLiveTail", err["Error"]["Message"])
        self.assertEqual(logs.describe_log_groups(logGroupNamePrefix="/live/tail")["logGroups"][0]["logGroupArn"], arn)

    def test_insights_query_is_unknown_operation(self):
        logs = self.server.boto3("logs")
        logs.create_log_group(logGroupName="/insights/q")
        code, status = error_of(logs.start_query, logGroupName="/insights/q", startTime=0, endTime=int(time.time()),
                                queryString="fields @message | limit 5")
        self.assertEqual((code, status), ("UnknownOperationException", 400))


# ---------------------------------------------------------------------------------------------------------
class Durability(unittest.TestCase):
    """Every acknowledged event survives kill -9 and a graceful restart, in order and byte for byte."""

    def put_5000(self, logs):
        make_group(logs, "/durable/app", ["a", "b"])
        t = now_ms() - 30 * MINUTE_MS
        sent = {"a": [], "b": []}
        for batch in range(5):
            for stream in ("a", "b"):
                events = [(t + batch * 1000 + i, "%s batch %d event %04d %s" % (stream, batch, i, "ERROR" if i % 10 == 0 else "ok"))
                          for i in range(500)]
                put(logs, "/durable/app", stream, events)
                sent[stream] += events
        return sent

    def check(self, logs, sent):
        for stream, events in sent.items():
            got, _ = get_all_forward(logs, "/durable/app", stream)
            self.assertEqual([(e["timestamp"], e["message"]) for e in got], events)
        errors = filter_all(logs, logGroupName="/durable/app", filterPattern="ERROR")
        self.assertEqual(len(errors), 500)
        self.assertEqual(len(filter_all(logs, logGroupName="/durable/app")), 5000)
        by_name = {s["logStreamName"]: s for s in logs.describe_log_streams(logGroupName="/durable/app")["logStreams"]}
        for stream, events in sent.items():
            self.assertEqual((by_name[stream]["firstEventTimestamp"], by_name[stream]["lastEventTimestamp"]),
                             (events[0][0], events[-1][0]))

    def test_kill_9_then_graceful_restart_keeps_every_event(self):
        server = Server().start()
        try:
            logs = server.boto3("logs")
            sent = self.put_5000(logs)
            logs.put_retention_policy(logGroupName="/durable/app", retentionInDays=30)
            logs.put_metric_filter(logGroupName="/durable/app", filterName="errors", filterPattern="ERROR",
                                   metricTransformations=[{"metricName": "Errors", "metricNamespace": "Durable", "metricValue": "1"}])
            server.kill()
            server.start()
            logs = server.boto3("logs")
            self.check(logs, sent)
            g, = logs.describe_log_groups(logGroupNamePrefix="/durable/app")["logGroups"]
            self.assertEqual((g["retentionInDays"], g["metricFilterCount"]), (30, 1))
            server.stop()
            server.start()
            logs = server.boto3("logs")
            self.check(logs, sent)
            # Writing goes on where it left off.
            put(logs, "/durable/app", "a", [(now_ms(), "after restarts")])
            self.assertEqual(logs.get_log_events(logGroupName="/durable/app", logStreamName="a", limit=1)["events"][0]["message"],
                             "after restarts")
            server.stop()
            report = server.sanitizer_report()
            self.assertIsNone(report, report)
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
