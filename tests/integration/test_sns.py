"""test_sns.py -- Amazon SNS over the query protocol: topics, subscriptions, tags and errors through the AWS
CLI v2 and boto3; the HTTP confirmation handshake with subscribers that verify SignatureVersion 1 and 2 against
the served certificate; raw delivery; retries driven by the manual clock; kill -9 in the middle of a retry
sequence; email through an SMTP relay."""
import base64
import http.server
import json
import os
import socketserver
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

import botocore.exceptions
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from harness import ACCOUNT, Server, ServerTest

START_MS = 1_800_000_000_000


class Subscriber:
    """An HTTP endpoint in a thread: records every POST per path and answers with the statuses queued for
    that path (then 200)."""

    def __init__(self):
        self.lock = threading.Condition()
        self.received = {}
        self.statuses = {}
        self.delays = {}
        sub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                if self.headers.get("x-amz-sns-message-type") == "Notification":
                    time.sleep(sub.delays.get(self.path, 0))
                with sub.lock:
                    queue = sub.statuses.get(self.path, [])
                    status = queue.pop(0) if queue else 200
                    sub.received.setdefault(self.path, []).append((dict(self.headers), body, status))
                    sub.lock.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.httpd.server_address[1], path)

    def wait(self, path, count, timeout=10):
        """Waits until path received `count` POSTs; returns them as (headers, body, status)."""
        deadline = time.time() + timeout
        with self.lock:
            while len(self.received.get(path, [])) < count:
                left = deadline - time.time()
                if left <= 0:
                    raise AssertionError("%s got %d POSTs, wanted %d" % (path, len(self.received.get(path, [])), count))
                self.lock.wait(left)
            return list(self.received[path])

    def count(self, path):
        with self.lock:
            return len(self.received.get(path, []))

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def string_to_sign(m):
    """AWS's canonical string: "Verifying the signatures of Amazon SNS messages"."""
    if m["Type"] == "Notification":
        keys = ["Message", "MessageId"] + (["Subject"] if "Subject" in m else []) + ["Timestamp", "TopicArn", "Type"]
    else:
        keys = ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"]
    return "".join("%s\n%s\n" % (k, m[k]) for k in keys).encode()


def verify(m):
    """Fetches SigningCertURL and verifies Signature as an SNS subscriber does; raises on a bad signature."""
    with urllib.request.urlopen(m["SigningCertURL"], timeout=10) as r:
        cert = x509.load_pem_x509_certificate(r.read())
    digest = hashes.SHA256() if m["SignatureVersion"] == "2" else hashes.SHA1()
    cert.public_key().verify(base64.b64decode(m["Signature"]), string_to_sign(m), padding.PKCS1v15(), digest)


def get(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.status, r.read().decode()


class SnsTest(ServerTest):
    server_args = ("--manual-clock", str(START_MS))

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sub = Subscriber()
        cls.sns = cls.server.boto3("sns")

    @classmethod
    def tearDownClass(cls):
        cls.sub.close()
        super().tearDownClass()

    def confirmed_topic(self, name, path, **sub_attrs):
        """Creates a topic, subscribes path, confirms by GETting SubscribeURL; returns (topic, subscription) ARNs."""
        arn = self.sns.create_topic(Name=name)["TopicArn"]
        r = self.sns.subscribe(TopicArn=arn, Protocol="http", Endpoint=self.sub.url(path), Attributes=sub_attrs)
        self.assertEqual(r["SubscriptionArn"], "pending confirmation")
        headers, body, _ = self.sub.wait(path, 1)[0]
        conf = json.loads(body)
        self.assertEqual(headers["x-amz-sns-message-type"], "SubscriptionConfirmation")
        status, text = get(conf["SubscribeURL"])
        self.assertEqual(status, 200)
        sub_arn = text.split("<SubscriptionArn>")[1].split("<")[0]
        return arn, sub_arn

    def test_cli_v2_topic_lifecycle_and_tags(self):
        s = self.server
        arn = s.cli_v2("sns", "create-topic", "--name", "cli-topic", "--attributes", "DisplayName=Ops",
                       "--tags", "Key=team,Value=sre")["TopicArn"]
        self.assertEqual(arn, "arn:aws:sns:us-east-1:%s:cli-topic" % ACCOUNT)
        self.assertEqual(s.cli_v2("sns", "create-topic", "--name", "cli-topic")["TopicArn"], arn)  # idempotent
        self.assertIn({"TopicArn": arn}, s.cli_v2("sns", "list-topics")["Topics"])
        attrs = s.cli_v2("sns", "get-topic-attributes", "--topic-arn", arn)["Attributes"]
        self.assertEqual(attrs["DisplayName"], "Ops")
        self.assertEqual(attrs["Owner"], ACCOUNT)
        self.assertEqual(attrs["SubscriptionsConfirmed"], "0")
        self.assertEqual(json.loads(attrs["Policy"])["Statement"][0]["Resource"], arn)
        policy = json.loads(attrs["EffectiveDeliveryPolicy"])["http"]["defaultHealthyRetryPolicy"]
        self.assertEqual((policy["numRetries"], policy["minDelayTarget"], policy["backoffFunction"]), (3, 20, "linear"))
        s.cli_v2("sns", "set-topic-attributes", "--topic-arn", arn, "--attribute-name", "DisplayName", "--attribute-value", "Pager")
        self.assertEqual(s.cli_v2("sns", "get-topic-attributes", "--topic-arn", arn)["Attributes"]["DisplayName"], "Pager")
        s.cli_v2("sns", "tag-resource", "--resource-arn", arn, "--tags", "Key=env,Value=prod")
        tags = s.cli_v2("sns", "list-tags-for-resource", "--resource-arn", arn)["Tags"]
        self.assertEqual(sorted((t["Key"], t["Value"]) for t in tags), [("env", "prod"), ("team", "sre")])
        s.cli_v2("sns", "untag-resource", "--resource-arn", arn, "--tag-keys", "team")
        self.assertEqual(s.cli_v2("sns", "list-tags-for-resource", "--resource-arn", arn)["Tags"], [{"Key": "env", "Value": "prod"}])
        s.cli_v2("sns", "delete-topic", "--topic-arn", arn)
        self.assertNotIn({"TopicArn": arn}, s.cli_v2("sns", "list-topics")["Topics"])
        s.cli_v2("sns", "delete-topic", "--topic-arn", arn)  # idempotent

    def test_list_topics_pages_by_100_and_regions_are_apart(self):
        for i in range(105):
            self.sns.create_topic(Name="page-%03d" % i)
        first = self.sns.list_topics()
        self.assertEqual(len(first["Topics"]), 100)
        rest = self.sns.list_topics(NextToken=first["NextToken"])
        names = [t["TopicArn"] for t in first["Topics"] + rest["Topics"]]
        self.assertEqual(len([n for n in names if ":page-" in n]), 105)
        west = self.server.boto3("sns", region="us-west-2")
        self.assertFalse(any(":page-" in t["TopicArn"] for t in west.list_topics()["Topics"]))
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            west.publish(TopicArn=names[0], Message="x")
        self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidParameter")

    def test_http_handshake_notification_and_signatures_v1_v2(self):
        arn = self.sns.create_topic(Name="handshake")["TopicArn"]
        self.sns.subscribe(TopicArn=arn, Protocol="http", Endpoint=self.sub.url("/hs"))
        headers, body, _ = self.sub.wait("/hs", 1)[0]
        conf = json.loads(body)
        self.assertEqual(list(conf), ["Type", "MessageId", "Token", "TopicArn", "Message", "SubscribeURL", "Timestamp",
                                      "SignatureVersion", "Signature", "SigningCertURL"])
        self.assertEqual(headers["x-amz-sns-message-type"], "SubscriptionConfirmation")
        self.assertEqual(headers["x-amz-sns-topic-arn"], arn)
        self.assertEqual(headers["Content-Type"], "text/plain; charset=UTF-8")
        self.assertEqual(headers["User-Agent"], "Amazon Simple Notification Service Agent")
        verify(conf)
        # Nothing is delivered until the subscription is confirmed.
        self.sns.publish(TopicArn=arn, Message="too early")
        time.sleep(0.5)
        self.assertEqual(self.sub.count("/hs"), 1)
        self.assertEqual(self.sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"][0]["SubscriptionArn"], "PendingConfirmation")
        status, text = get(conf["SubscribeURL"])
        self.assertIn("<SubscriptionArn>%s:" % arn, text)
        sub_arn = self.sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"][0]["SubscriptionArn"]
        self.assertTrue(sub_arn.startswith(arn + ":"))
        mid = self.sns.publish(TopicArn=arn, Message="disk full on db-1", Subject="ALARM: disk",
                               MessageAttributes={"severity": {"DataType": "String", "StringValue": "P1"},
                                                  "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"}})["MessageId"]
        headers, body, _ = self.sub.wait("/hs", 2)[1]
        note = json.loads(body)
        self.assertEqual(headers["x-amz-sns-message-type"], "Notification")
        self.assertEqual(headers["x-amz-sns-message-id"], mid)
        self.assertEqual(headers["x-amz-sns-subscription-arn"], sub_arn)
        self.assertEqual((note["Type"], note["MessageId"], note["Subject"], note["Message"]), ("Notification", mid, "ALARM: disk", "disk full on db-1"))
        self.assertEqual(note["SignatureVersion"], "1")
        self.assertEqual(note["MessageAttributes"]["severity"], {"Type": "String", "Value": "P1"})
        self.assertEqual(note["MessageAttributes"]["blob"], {"Type": "Binary", "Value": "AAE="})
        verify(note)
        self.sns.set_topic_attributes(TopicArn=arn, AttributeName="SignatureVersion", AttributeValue="2")
        self.sns.publish(TopicArn=arn, Message='{"default":"fallback","http":"for http"}', MessageStructure="json")
        note2 = json.loads(self.sub.wait("/hs", 3)[2][1])
        self.assertEqual((note2["SignatureVersion"], note2["Message"]), ("2", "for http"))
        self.assertNotIn("Subject", note2)
        verify(note2)
        tampered = dict(note2, Message="forged")
        with self.assertRaises(Exception):
            verify(tampered)
        # UnsubscribeURL works, unsigned, like SubscribeURL.
        status, _ = get(note2["UnsubscribeURL"])
        self.assertEqual(status, 200)
        self.assertEqual(self.sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"], [])
        self.assertEqual(self.sns.get_topic_attributes(TopicArn=arn)["Attributes"]["SubscriptionsDeleted"], "1")

    def test_confirm_subscription_api_and_raw_delivery(self):
        arn = self.sns.create_topic(Name="raw")["TopicArn"]
        self.sns.subscribe(TopicArn=arn, Protocol="http", Endpoint=self.sub.url("/raw"))
        conf = json.loads(self.sub.wait("/raw", 1)[0][1])
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.sns.confirm_subscription(TopicArn=arn, Token="0" * 64)
        self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidParameter")
        sub_arn = self.sns.confirm_subscription(TopicArn=arn, Token=conf["Token"])["SubscriptionArn"]
        self.sns.set_subscription_attributes(SubscriptionArn=sub_arn, AttributeName="RawMessageDelivery", AttributeValue="true")
        attrs = self.sns.get_subscription_attributes(SubscriptionArn=sub_arn)["Attributes"]
        self.assertEqual((attrs["RawMessageDelivery"], attrs["PendingConfirmation"]), ("true", "false"))
        mid = self.sns.publish(TopicArn=arn, Message="just the bytes {}")["MessageId"]
        headers, body, _ = self.sub.wait("/raw", 2)[1]
        self.assertEqual(body, "just the bytes {}")
        self.assertEqual(headers["x-amz-sns-message-id"], mid)
        self.assertEqual(headers["x-amz-sns-rawdelivery"], "true")
        batch = self.sns.publish_batch(TopicArn=arn, PublishBatchRequestEntries=[
            {"Id": "a", "Message": "one"}, {"Id": "b", "Message": "two", "Subject": "x" * 101}, {"Id": "c", "Message": "three"}])
        self.assertEqual(sorted(e["Id"] for e in batch["Successful"]), ["a", "c"])
        self.assertEqual([(f["Id"], f["Code"], f["SenderFault"]) for f in batch["Failed"]], [("b", "InvalidParameter", True)])
        bodies = [b for _, b, _ in self.sub.wait("/raw", 4)[2:]]
        self.assertEqual(sorted(bodies), ["one", "three"])
        self.sns.unsubscribe(SubscriptionArn=sub_arn)
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.sns.get_subscription_attributes(SubscriptionArn=sub_arn)
        self.assertEqual(cm.exception.response["Error"]["Code"], "NotFound")

    def test_failed_delivery_is_retried_when_the_clock_passes_the_delay(self):
        arn, sub_arn = self.confirmed_topic("retry", "/retry")
        self.sub.statuses["/retry"] = [500, 503]
        self.sns.set_subscription_attributes(SubscriptionArn=sub_arn, AttributeName="DeliveryPolicy", AttributeValue=json.dumps(
            {"healthyRetryPolicy": {"numRetries": 3, "minDelayTarget": 20, "maxDelayTarget": 40, "backoffFunction": "linear"}}))
        mid = self.sns.publish(TopicArn=arn, Message="retry me")["MessageId"]
        self.sub.wait("/retry", 2)  # confirmation + first attempt (500)
        time.sleep(0.3)
        self.server.clock(advance_ms=19_000)
        time.sleep(0.3)
        self.assertEqual(self.sub.count("/retry"), 2)  # linear 20 -> 40 over 3 retries: first retry after 27 s
        self.server.clock(advance_ms=9_000)
        self.sub.wait("/retry", 3)  # second attempt (503)
        time.sleep(0.3)
        self.server.clock(advance_ms=34_000)
        got = self.sub.wait("/retry", 4)
        self.assertEqual([s for _, _, s in got[1:]], [500, 503, 200])
        self.assertEqual({json.loads(b)["MessageId"] for _, b, _ in got[1:]}, {mid})
        self.assertEqual(len({b for _, b, _ in got[1:]}), 1)  # the same signed document each time

    def test_a_slow_endpoint_does_not_hold_up_the_others(self):
        arn = self.sns.create_topic(Name="slowfast")["TopicArn"]
        for path in ("/slow", "/fast"):
            self.sns.subscribe(TopicArn=arn, Protocol="http", Endpoint=self.sub.url(path))
            get(json.loads(self.sub.wait(path, 1)[0][1])["SubscribeURL"])
        self.sub.delays["/slow"] = 3
        t0 = time.time()
        self.sns.publish(TopicArn=arn, Message="first")
        self.sns.publish(TopicArn=arn, Message="second")
        self.sub.wait("/fast", 3)
        self.assertLess(time.time() - t0, 2.5)  # both reached the fast endpoint while the slow one still answers
        self.assertEqual(self.sub.count("/slow"), 1)
        self.sub.wait("/slow", 3, timeout=15)

    def test_throttle_policy_spreads_deliveries_over_clock_seconds(self):
        arn, sub_arn = self.confirmed_topic("throttled", "/throttled")
        self.sns.set_subscription_attributes(SubscriptionArn=sub_arn, AttributeName="DeliveryPolicy",
                                             AttributeValue='{"throttlePolicy":{"maxReceivesPerSecond":1}}')
        self.server.clock(advance_ms=1_000)
        for i in range(3):
            self.sns.publish(TopicArn=arn, Message="t%d" % i)
        self.sub.wait("/throttled", 2)
        time.sleep(0.5)
        self.assertEqual(self.sub.count("/throttled"), 2)  # confirmation + one message in this clock second
        self.server.clock(advance_ms=1_000)
        self.sub.wait("/throttled", 3)
        self.server.clock(advance_ms=1_000)
        got = self.sub.wait("/throttled", 4)
        self.assertEqual(sorted(json.loads(b)["Message"] for _, b, _ in got[1:]), ["t0", "t1", "t2"])

    def test_policy_gives_up_and_counts_the_failure(self):
        arn, sub_arn = self.confirmed_topic("doomed", "/doomed")
        self.sub.statuses["/doomed"] = [500] * 3
        self.sns.set_subscription_attributes(SubscriptionArn=sub_arn, AttributeName="DeliveryPolicy", AttributeValue=json.dumps(
            {"healthyRetryPolicy": {"numRetries": 2, "numNoDelayRetries": 1, "minDelayTarget": 5, "maxDelayTarget": 5}}))
        self.sns.publish(TopicArn=arn, Message="lost cause")
        self.sub.wait("/doomed", 3)  # confirmation, first attempt, immediate retry (numNoDelayRetries 1)
        time.sleep(0.3)
        self.server.clock(advance_ms=5_000)
        self.sub.wait("/doomed", 4)
        time.sleep(0.3)
        self.server.clock(advance_ms=60_000)
        time.sleep(0.3)
        self.assertEqual(self.sub.count("/doomed"), 4)  # policy exhausted: no more attempts
        cw = self.server.boto3("cloudwatch")
        import datetime
        t = datetime.datetime.fromtimestamp(START_MS / 1000, datetime.timezone.utc)
        pts = cw.get_metric_statistics(Namespace="AWS/SNS", MetricName="NumberOfNotificationsFailed",
                                       Dimensions=[{"Name": "TopicName", "Value": "doomed"}], StartTime=t - datetime.timedelta(hours=1),
                                       EndTime=t + datetime.timedelta(hours=2), Period=3600, Statistics=["Sum"])["Datapoints"]
        self.assertEqual(sum(p["Sum"] for p in pts), 1)

    def test_delivery_metrics(self):
        arn, _ = self.confirmed_topic("metered", "/metered")
        for i in range(3):
            self.sns.publish(TopicArn=arn, Message="m%d" % i)
        self.sub.wait("/metered", 4)
        time.sleep(0.3)
        cw = self.server.boto3("cloudwatch")
        import datetime
        t = datetime.datetime.fromtimestamp(START_MS / 1000, datetime.timezone.utc)
        sums = {}
        for name in ("NumberOfMessagesPublished", "NumberOfNotificationsDelivered"):
            pts = cw.get_metric_statistics(Namespace="AWS/SNS", MetricName=name, Dimensions=[{"Name": "TopicName", "Value": "metered"}],
                                           StartTime=t - datetime.timedelta(hours=1), EndTime=t + datetime.timedelta(hours=2),
                                           Period=3600, Statistics=["Sum"])["Datapoints"]
            sums[name] = sum(p["Sum"] for p in pts)
        self.assertEqual(sums, {"NumberOfMessagesPublished": 3, "NumberOfNotificationsDelivered": 3})

    def test_unsupported_protocols_and_bad_input(self):
        arn = self.sns.create_topic(Name="errors")["TopicArn"]

        def code(fn, **kw):
            with self.assertRaises(botocore.exceptions.ClientError) as cm:
                fn(**kw)
            return cm.exception.response["Error"]["Code"], cm.exception.response["Error"]["Message"]

        for proto in ("sqs", "lambda", "sms", "application", "firehose"):
            c, msg = code(self.sns.subscribe, TopicArn=arn, Protocol=proto, Endpoint="arn:aws:sqs:us-east-1:%s:q" % ACCOUNT)
            self.assertEqual(c, "InvalidParameter")
            self.assertIn("not supported", msg)
        self.assertEqual(code(self.sns.subscribe, TopicArn=arn, Protocol="carrier-pigeon", Endpoint="x")[0], "InvalidParameter")
        self.assertEqual(code(self.sns.subscribe, TopicArn=arn, Protocol="https", Endpoint="http://x/")[0], "InvalidParameter")
        c, msg = code(self.sns.subscribe, TopicArn=arn, Protocol="email", Endpoint="oncall@example.com")
        self.assertIn("smtp_url", msg)
        self.assertEqual(code(self.sns.publish, TopicArn=arn, Message="x", Subject="s" * 101)[0], "InvalidParameter")
        self.assertEqual(code(self.sns.publish, TopicArn=arn, Message="x", Subject="line\nbreak")[0], "InvalidParameter")
        self.assertEqual(code(self.sns.publish, TopicArn=arn, Message="x" * (256 * 1024 + 1))[0], "InvalidParameter")
        self.assertEqual(code(self.sns.publish, TopicArn="not-an-arn", Message="x")[0], "InvalidParameter")
        self.assertEqual(code(self.sns.publish, TopicArn="arn:aws:sns:us-east-1:%s:missing" % ACCOUNT, Message="x")[0], "NotFound")
        self.assertEqual(code(self.sns.publish, TopicArn="arn:aws:sns:us-east-1:999999999999:errors", Message="x")[0], "AuthorizationError")
        self.assertEqual(code(self.sns.publish, TopicArn=arn, Message="{}", MessageStructure="json")[0], "InvalidParameter")
        self.assertEqual(code(self.sns.publish, TopicArn=arn, Message="not json", MessageStructure="json")[0], "InvalidParameter")
        self.assertEqual(code(self.sns.publish, TopicArn=arn, Message="x",
                              MessageAttributes={"n": {"DataType": "Number", "StringValue": "abc"}})[0], "ParameterValueInvalid")
        self.assertEqual(code(self.sns.publish, TopicArn=arn, Message="x",
                              MessageAttributes={"AWS.x": {"DataType": "String", "StringValue": "v"}})[0], "ParameterValueInvalid")
        self.assertEqual(code(self.sns.publish, TopicArn=arn, Message="x",
                              MessageAttributes={"a": {"DataType": "Blob", "StringValue": "v"}})[0], "ParameterValueInvalid")
        self.assertEqual(code(self.sns.create_topic, Name="bad name!")[0], "InvalidParameter")
        self.assertEqual(code(self.sns.create_topic, Name="x" * 257)[0], "InvalidParameter")
        c, msg = code(self.sns.create_topic, Name="orders.fifo", Attributes={"FifoTopic": "true"})
        self.assertIn("FIFO", msg)
        self.assertEqual(code(self.sns.create_topic, Name="errors", Attributes={"DisplayName": "different"})[0], "InvalidParameter")
        self.assertEqual(code(self.sns.set_topic_attributes, TopicArn=arn, AttributeName="NoSuchThing", AttributeValue="1")[0], "InvalidParameter")
        self.assertEqual(code(self.sns.set_topic_attributes, TopicArn=arn, AttributeName="DeliveryPolicy", AttributeValue="{not json")[0], "InvalidParameter")
        self.assertEqual(code(self.sns.set_topic_attributes, TopicArn=arn, AttributeName="DeliveryPolicy",
                              AttributeValue='{"http":{"defaultHealthyRetryPolicy":{"numRetries":101}}}')[0], "InvalidParameter")
        self.assertEqual(code(self.sns.publish_batch, TopicArn=arn, PublishBatchRequestEntries=[
            {"Id": "a", "Message": "1"}, {"Id": "a", "Message": "2"}])[0], "BatchEntryIdsNotDistinct")
        self.assertEqual(code(self.sns.publish_batch, TopicArn=arn, PublishBatchRequestEntries=[
            {"Id": str(i), "Message": "m"} for i in range(11)])[0], "TooManyEntriesInBatchRequest")
        self.assertEqual(code(self.sns.get_subscription_attributes, SubscriptionArn="arn:aws:sns:us-east-1:%s:errors:nope" % ACCOUNT)[0], "NotFound")
        self.assertEqual(code(self.sns.list_tags_for_resource, ResourceArn="arn:aws:sns:us-east-1:%s:gone" % ACCOUNT)[0], "ResourceNotFound")
        self.assertEqual(code(self.sns.list_topics, NextToken="garbage")[0], "InvalidParameter")
        with self.assertRaises(urllib.error.HTTPError) as he:
            get(self.server.endpoint + "/?Action=ConfirmSubscription&TopicArn=%s&Token=bad" % urllib.parse.quote(arn))
        self.assertEqual(he.exception.code, 400)


class SnsCrashTest(unittest.TestCase):
    """kill -9 in the middle of a retry sequence: the delivery survives with its MessageId."""

    def test_kill9_mid_retry_then_delivered_after_restart(self):
        sub = Subscriber()
        server = Server(args=("--manual-clock", str(START_MS))).start()
        try:
            sns = server.boto3("sns")
            arn = sns.create_topic(Name="crash")["TopicArn"]
            sns.subscribe(TopicArn=arn, Protocol="http", Endpoint=sub.url("/crash"))
            token = json.loads(sub.wait("/crash", 1)[0][1])["Token"]
            sns.confirm_subscription(TopicArn=arn, Token=token)
            sub.statuses["/crash"] = [500, 500]
            mid = sns.publish(TopicArn=arn, Message="survive me")["MessageId"]
            sub.wait("/crash", 2)
            time.sleep(0.3)
            server.clock(advance_ms=21_000)
            sub.wait("/crash", 3)  # second failure; the third attempt is due 20 s later
            time.sleep(0.3)
            now = server.clock()
            server.kill()
            server.args = ["--manual-clock", str(now)]
            server.start()
            time.sleep(0.5)
            self.assertEqual(sub.count("/crash"), 3)  # not due yet
            server.clock(advance_ms=21_000)
            got = sub.wait("/crash", 4)
            self.assertEqual(got[3][2], 200)
            self.assertEqual(json.loads(got[3][1])["MessageId"], mid)
            self.assertEqual(got[3][0]["x-amz-sns-message-id"], mid)
            sns = server.boto3("sns")
            self.assertEqual(sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"][0]["Protocol"], "http")
            server.stop()
            self.assertIsNone(server.sanitizer_report())
        finally:
            sub.close()
            server.cleanup()


class SmtpSink(socketserver.ThreadingTCPServer):
    """A minimal SMTP server that keeps every message it is given."""
    allow_reuse_address = True
    daemon_threads = True

    def __init__(self):
        self.messages = []
        self.cond = threading.Condition()
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                self.wfile.write(b"220 sink ESMTP\r\n")
                rcpts = []
                while True:
                    line = self.rfile.readline()
                    if not line:
                        return
                    cmd = line.decode().strip().upper()
                    if cmd.startswith(("EHLO", "HELO")):
                        self.wfile.write(b"250 sink\r\n")
                    elif cmd.startswith("MAIL FROM"):
                        rcpts = []
                        self.wfile.write(b"250 OK\r\n")
                    elif cmd.startswith("RCPT TO"):
                        rcpts.append(line.decode().split(":", 1)[1].strip().strip("<>"))
                        self.wfile.write(b"250 OK\r\n")
                    elif cmd == "DATA":
                        self.wfile.write(b"354 go\r\n")
                        data = []
                        while True:
                            l = self.rfile.readline()
                            if l in (b".\r\n", b".\n", b""):
                                break
                            data.append(l[1:] if l.startswith(b"..") else l)
                        with sink.cond:
                            sink.messages.append((rcpts, b"".join(data).decode()))
                            sink.cond.notify_all()
                        self.wfile.write(b"250 queued\r\n")
                    elif cmd == "QUIT":
                        self.wfile.write(b"221 bye\r\n")
                        return
                    else:
                        self.wfile.write(b"250 OK\r\n")

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def wait(self, n, timeout=10):
        deadline = time.time() + timeout
        with self.cond:
            while len(self.messages) < n:
                if time.time() > deadline:
                    raise AssertionError("SMTP sink got %d messages, wanted %d" % (len(self.messages), n))
                self.cond.wait(0.2)
            return list(self.messages)


class SnsEmailTest(unittest.TestCase):
    def test_email_confirmation_and_notification_through_smtp_relay(self):
        sink = SmtpSink()
        conf_dir = tempfile.mkdtemp(prefix="skywatch-smtp-")
        conf = os.path.join(conf_dir, "skywatch.conf")
        with open(conf, "w") as f:
            f.write("smtp_url = smtp://127.0.0.1:%d\nsmtp_from = sns@skywatch.test\n" % sink.server_address[1])
        server = Server(args=("--config", conf)).start()
        try:
            sns = server.boto3("sns")
            arn = sns.create_topic(Name="mail")["TopicArn"]
            sns.subscribe(TopicArn=arn, Protocol="email", Endpoint="oncall@example.com")
            rcpts, text = sink.wait(1)[0]
            self.assertEqual(rcpts, ["oncall@example.com"])
            self.assertIn("Subject: AWS Notification - Subscription Confirmation", text)
            url = text.split("Confirm subscription: ")[1].split()[0]
            self.assertEqual(get(url)[0], 200)
            sns.publish(TopicArn=arn, Message="db-1 is down", Subject="ALARM: db-1")
            rcpts, text = sink.wait(2)[1]
            self.assertIn("Subject: ALARM: db-1", text)
            self.assertIn("db-1 is down", text)
            self.assertIn("Action=Unsubscribe", text)
            sns.subscribe(TopicArn=arn, Protocol="email-json", Endpoint="robot@example.com")
            url = sink.wait(3)[2][1].split("Confirm subscription: ")[1].split()[0]
            get(url)
            sns.publish(TopicArn=arn, Message="json please")
            msgs = sink.wait(5)[3:]
            robot = [t for r, t in msgs if r == ["robot@example.com"]][0]
            doc = json.loads(robot.split("\r\n\r\n", 1)[1])
            self.assertEqual((doc["Type"], doc["Message"]), ("Notification", "json please"))
            verify(doc)
            server.stop()
            self.assertIsNone(server.sanitizer_report())
        finally:
            sink.shutdown()
            sink.server_close()
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
