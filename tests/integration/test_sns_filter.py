"""test_sns_filter.py -- subscription filter policies end to end: the AWS CLI v2 subscribes with a
FilterPolicy, boto3 sets a payload-based one, messages with MessageAttributes reach only the subscribers
whose policy they pass, filtered messages are counted in NumberOfNotificationsFilteredOut, malformed
policies get SNS's InvalidParameter, and the policies survive a restart."""
import json
import time
import unittest

import botocore.exceptions

from harness import Server
from test_sns import Subscriber, get


def attrs(**kw):
    """MessageAttributes from keyword arguments: str -> String, int/float -> Number, list -> String.Array."""
    out = {}
    for k, v in kw.items():
        if isinstance(v, list):
            out[k] = {"DataType": "String.Array", "StringValue": json.dumps(v)}
        elif isinstance(v, (int, float)):
            out[k] = {"DataType": "Number", "StringValue": str(v)}
        else:
            out[k] = {"DataType": "String", "StringValue": v}
    return out


ORDERS_POLICY = {"store": ["example_corp"], "event": [{"anything-but": "order_cancelled"}],
                 "customer_interests": ["rugby", "football", "baseball"], "price_usd": [{"numeric": [">=", 100]}]}
BODY_POLICY = {"detail": {"severity": ["critical", {"prefix": "sev1"}]}}


class SnsFilterTest(unittest.TestCase):
    def setUp(self):
        self.server = Server()
        self.sub = Subscriber()
        self.server.start()
        self.sns = self.server.boto3("sns")

    def tearDown(self):
        self.sub.close()
        self.server.stop()
        report = self.server.sanitizer_report()
        self.server.cleanup()
        self.assertIsNone(report)

    def subscribe(self, arn, path, **attributes):
        self.sns.subscribe(TopicArn=arn, Protocol="http", Endpoint=self.sub.url(path), Attributes=attributes)
        conf = json.loads(self.sub.wait(path, 1)[0][1])
        status, text = get(conf["SubscribeURL"])
        self.assertEqual(status, 200)
        return text.split("<SubscriptionArn>")[1].split("<")[0]

    def messages(self, path):
        return [json.loads(b)["Message"] for h, b, _ in self.sub.wait(path, 1)
                if h["x-amz-sns-message-type"] == "Notification"]

    def test_policies_route_messages(self):
        arn = self.sns.create_topic(Name="orders")["TopicArn"]
        self.subscribe(arn, "/all")
        # The CLI v2 passes the policy as a subscription attribute, as runbooks do.
        self.server.cli_v2("sns", "subscribe", "--topic-arn", arn, "--protocol", "http",
                           "--notification-endpoint", self.sub.url("/orders"),
                           "--attributes", json.dumps({"FilterPolicy": json.dumps(ORDERS_POLICY)}))
        get(json.loads(self.sub.wait("/orders", 1)[0][1])["SubscribeURL"])
        body_sub = self.subscribe(arn, "/body")
        self.sns.set_subscription_attributes(SubscriptionArn=body_sub, AttributeName="FilterPolicyScope",
                                             AttributeValue="MessageBody")
        self.sns.set_subscription_attributes(SubscriptionArn=body_sub, AttributeName="FilterPolicy",
                                             AttributeValue=json.dumps(BODY_POLICY))
        got = self.sns.get_subscription_attributes(SubscriptionArn=body_sub)["Attributes"]
        self.assertEqual((json.loads(got["FilterPolicy"]), got["FilterPolicyScope"]), (BODY_POLICY, "MessageBody"))

        order = dict(customer_interests=["soccer", "rugby", "hockey"], store="example_corp", event="order_placed",
                     price_usd=210.75)
        self.sns.publish(TopicArn=arn, Message="order 1", MessageAttributes=attrs(**order))
        self.sns.publish(TopicArn=arn, Message="cheap", MessageAttributes=attrs(**dict(order, price_usd=99)))
        self.sns.publish(TopicArn=arn, Message="cancelled", MessageAttributes=attrs(**dict(order, event="order_cancelled")))
        self.sns.publish(TopicArn=arn, Message="no attributes")
        self.sns.publish(TopicArn=arn, Message=json.dumps({"detail": {"severity": "sev1-db"}}))
        self.sns.publish(TopicArn=arn, Message=json.dumps({"detail": {"severity": "low"}}))
        self.sns.publish_batch(TopicArn=arn, PublishBatchRequestEntries=[
            {"Id": "a", "Message": "order 2", "MessageAttributes": attrs(**dict(order, customer_interests=["baseball"]))},
            {"Id": "b", "Message": json.dumps({"detail": {"severity": "critical"}})}])
        self.sub.wait("/all", 1 + 8)
        self.sub.wait("/orders", 1 + 2)
        self.sub.wait("/body", 1 + 2)
        time.sleep(0.5)
        self.assertEqual(len(self.messages("/all")), 8)
        self.assertEqual(sorted(self.messages("/orders")), ["order 1", "order 2"])
        self.assertEqual(sorted(json.loads(m)["detail"]["severity"] for m in self.messages("/body")), ["critical", "sev1-db"])

        # 6 filtered out for /orders, 6 for /body: counted per topic like AWS/SNS does.
        cw = self.server.boto3()
        deadline = time.time() + 10
        total = 0
        while time.time() < deadline and total < 12:
            pts = cw.get_metric_statistics(Namespace="AWS/SNS", MetricName="NumberOfNotificationsFilteredOut",
                                           Dimensions=[{"Name": "TopicName", "Value": "orders"}],
                                           StartTime=time.time() - 600, EndTime=time.time() + 60, Period=60,
                                           Statistics=["Sum"])["Datapoints"]
            total = sum(p["Sum"] for p in pts)
            time.sleep(0.2)
        self.assertEqual(total, 12)

        # Removing the policy delivers everything again.
        self.sns.set_subscription_attributes(SubscriptionArn=body_sub, AttributeName="FilterPolicy", AttributeValue="")
        self.assertNotIn("FilterPolicy", self.sns.get_subscription_attributes(SubscriptionArn=body_sub)["Attributes"])
        self.sns.publish(TopicArn=arn, Message="plain")
        self.assertIn("plain", [json.loads(b)["Message"] for _, b, _ in self.sub.wait("/body", 1 + 3)])

    def test_bad_policies_are_refused(self):
        arn = self.sns.create_topic(Name="strict")["TopicArn"]
        sub = self.subscribe(arn, "/strict")
        cases = [
            ({"a": {"b": ["x"]}}, "Filter policy scope MessageAttributes does not support nested filter policy"),
            ({"a": [{"numeric": [">", 5, "<", 1]}]}, "Bottom must be less than top"),
            ({k: ["x"] for k in "abcdef"}, "Filter policy can not have more than 5 keys"),
            ({"a": list(range(1, 8)), "b": list(range(1, 6)), "c": list(range(1, 6))}, "Filter policy is too complex"),
            ({"a": [{"wildcard": "x*"}]}, "Unrecognized match type wildcard"),
        ]
        for policy, message in cases:
            with self.assertRaises(botocore.exceptions.ClientError) as cm:
                self.sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicy",
                                                     AttributeValue=json.dumps(policy))
            self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidParameter")
            self.assertIn(message, cm.exception.response["Error"]["Message"])
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicy", AttributeValue="{not json")
        self.assertIn("failed to parse JSON", cm.exception.response["Error"]["Message"])
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicyScope", AttributeValue="Headers")
        self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidParameter")
        # A nested policy is accepted for MessageBody; going back to MessageAttributes is then refused.
        self.sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicyScope", AttributeValue="MessageBody")
        self.sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicy",
                                             AttributeValue=json.dumps(BODY_POLICY))
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicyScope",
                                                 AttributeValue="MessageAttributes")
        self.assertIn("does not support nested filter policy", cm.exception.response["Error"]["Message"])
        # Subscribe checks the policy against the scope given with it.
        with self.assertRaises(botocore.exceptions.ClientError):
            self.sns.subscribe(TopicArn=arn, Protocol="http", Endpoint=self.sub.url("/x"),
                               Attributes={"FilterPolicy": json.dumps(BODY_POLICY)})
        self.sns.subscribe(TopicArn=arn, Protocol="http", Endpoint=self.sub.url("/y"),
                           Attributes={"FilterPolicy": json.dumps(BODY_POLICY), "FilterPolicyScope": "MessageBody"})
        # Nothing stored was lost: the subscription keeps the last good policy.
        got = self.sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
        self.assertEqual((json.loads(got["FilterPolicy"]), got["FilterPolicyScope"]), (BODY_POLICY, "MessageBody"))

    def test_policy_survives_kill_9(self):
        arn = self.sns.create_topic(Name="durable")["TopicArn"]
        sub = self.subscribe(arn, "/d")
        self.sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicy",
                                             AttributeValue=json.dumps({"env": ["prod"]}))
        self.server.kill()
        self.server.start()
        self.sns = self.server.boto3("sns")
        self.assertEqual(json.loads(self.sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]["FilterPolicy"]),
                         {"env": ["prod"]})
        self.sns.publish(TopicArn=arn, Message="staging", MessageAttributes=attrs(env="staging"))
        self.sns.publish(TopicArn=arn, Message="prod", MessageAttributes=attrs(env="prod"))
        self.sub.wait("/d", 2)
        time.sleep(0.5)
        self.assertEqual(self.messages("/d"), ["prod"])


if __name__ == "__main__":
    unittest.main()
