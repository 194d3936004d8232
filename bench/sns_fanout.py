#!/usr/bin/env python3
"""sns_fanout.py -- SNS fan-out benchmark: Publish to one topic with N HTTP subscribers on loopback.

Measures, against a running skywatch (--endpoint): deliveries per second from the first Publish to the last
delivery with publishers going flat out (latency then includes the backlog), and publish-to-delivery latency
at a paced rate (each message carries its send time; the subscriber stamps arrival).
Then the Publish API rate (a topic without subscribers) against skywatch and, with --moto, against
moto_server. Prints one JSON object.

The subscribers are one asyncio HTTP/1.1 server (keep-alive) in a child process, N paths /s0../sN-1, so
the publisher's GIL does not slow them; it confirms each subscription by GETting SubscribeURL, as a real
endpoint does.
"""
import argparse
import asyncio
import json
import multiprocessing
import threading
import time
import urllib.request

import boto3
import botocore.config


# ---------- the subscribers (child process) ----------

async def _serve(port, stats):
    async def handle(reader, writer):
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length, kind = 0, b""
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    name = name.strip().lower()
                    if name == b"content-length":
                        length = int(value)
                    elif name == b"x-amz-sns-message-type":
                        kind = value.strip()
                body = await reader.readexactly(length) if length else b""
                now = time.time()
                if head.startswith(b"GET /_stats"):
                    out = json.dumps(stats).encode()
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(out) + out)
                    await writer.drain()
                    continue
                if kind == b"SubscriptionConfirmation":
                    url = json.loads(body)["SubscribeURL"]
                    asyncio.get_running_loop().run_in_executor(None, lambda: urllib.request.urlopen(url, timeout=10).read())
                    stats["confirmations"] += 1
                elif kind == b"Notification":
                    sent = json.loads(json.loads(body)["Message"])["t"]
                    stats["latencies_ms"].append(round((now - sent) * 1000, 3))
                    stats["last"] = now
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=1024)
    async with server:
        await server.serve_forever()


def _subscriber_main(port):
    asyncio.run(_serve(port, {"confirmations": 0, "latencies_ms": [], "last": 0}))


def _stats(port):
    with urllib.request.urlopen("http://127.0.0.1:%d/_stats" % port, timeout=30) as r:
        return json.loads(r.read())


# ---------- clients ----------

def client(endpoint, key, secret):
    return boto3.client("sns", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=key,
                        aws_secret_access_key=secret,
                        config=botocore.config.Config(retries={"max_attempts": 1}, max_pool_connections=4))


def publish_rate(endpoint, key, secret, seconds, threads):
    """Publishes as fast as `threads` clients can for `seconds` to a topic without subscribers; returns calls/s."""
    arn = client(endpoint, key, secret).create_topic(Name="rate")["TopicArn"]
    counts = [0] * threads
    stop = time.time() + seconds

    def run(i):
        c = client(endpoint, key, secret)
        while time.time() < stop:
            c.publish(TopicArn=arn, Message="rate test message")
            counts[i] += 1

    t0 = time.time()
    ts = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return sum(counts) / (time.time() - t0)


def percentile(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))] if s else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--secret", required=True)
    ap.add_argument("--sub-port", type=int, required=True)
    ap.add_argument("--subscribers", type=int, default=100)
    ap.add_argument("--messages", type=int, default=200)
    ap.add_argument("--publishers", type=int, default=2)
    ap.add_argument("--rate-seconds", type=float, default=5)
    ap.add_argument("--paced-messages", type=int, default=50)
    ap.add_argument("--paced-rate", type=float, default=10, help="publishes per second in the paced phase")
    ap.add_argument("--moto", help="moto_server endpoint for the Publish API rate")
    args = ap.parse_args()

    proc = multiprocessing.Process(target=_subscriber_main, args=(args.sub_port,), daemon=True)
    proc.start()
    for _ in range(100):
        try:
            _stats(args.sub_port)
            break
        except OSError:
            time.sleep(0.05)
    sns = client(args.endpoint, args.key, args.secret)
    arn = sns.create_topic(Name="fanout")["TopicArn"]
    for i in range(args.subscribers):
        sns.subscribe(TopicArn=arn, Protocol="http", Endpoint="http://127.0.0.1:%d/s%d" % (args.sub_port, i))
    deadline = time.time() + 60
    while int(sns.get_topic_attributes(TopicArn=arn)["Attributes"]["SubscriptionsConfirmed"]) < args.subscribers:
        if time.time() > deadline:
            raise SystemExit("subscriptions were not confirmed in 60 s")
        time.sleep(0.1)

    per = args.messages // args.publishers
    publish_ms = []

    def publisher():
        c = client(args.endpoint, args.key, args.secret)
        for _ in range(per):
            t = time.time()
            c.publish(TopicArn=arn, Message=json.dumps({"t": t, "pad": "x" * 200}))
            publish_ms.append((time.time() - t) * 1000)

    t0 = time.time()
    ts = [threading.Thread(target=publisher) for _ in range(args.publishers)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    publish_done = time.time()
    want = per * args.publishers * args.subscribers
    deadline = time.time() + 300
    while True:
        st = _stats(args.sub_port)
        if len(st["latencies_ms"]) >= want or time.time() > deadline:
            break
        time.sleep(0.2)
    lat = st["latencies_ms"]
    result = {
        "subscribers": args.subscribers, "messages": per * args.publishers, "deliveries": len(lat), "expected": want,
        "deliveries_per_s": round(len(lat) / (st["last"] - t0), 1) if lat else 0,
        "publish_phase_s": round(publish_done - t0, 2),
        "publish_ms_p50": round(percentile(publish_ms, 50), 2), "publish_ms_p99": round(percentile(publish_ms, 99), 2),
        "latency_ms_p50": percentile(lat, 50), "latency_ms_p99": percentile(lat, 99), "latency_ms_max": max(lat) if lat else None,
    }
    # Latency without a backlog: one publisher at a steady rate well below the delivery rate.
    c = client(args.endpoint, args.key, args.secret)
    before = len(lat)
    for i in range(args.paced_messages):
        c.publish(TopicArn=arn, Message=json.dumps({"t": time.time()}))
        time.sleep(1.0 / args.paced_rate)
    want = before + args.paced_messages * args.subscribers
    deadline = time.time() + 60
    while len(_stats(args.sub_port)["latencies_ms"]) < want and time.time() < deadline:
        time.sleep(0.2)
    paced = _stats(args.sub_port)["latencies_ms"][before:]
    result.update({"paced_rate_per_s": args.paced_rate, "paced_deliveries": len(paced),
                   "paced_latency_ms_p50": percentile(paced, 50), "paced_latency_ms_p99": percentile(paced, 99)})
    proc.terminate()
    result["skywatch_publish_per_s"] = round(publish_rate(args.endpoint, args.key, args.secret, args.rate_seconds, args.publishers), 1)
    if args.moto:
        result["moto_publish_per_s"] = round(publish_rate(args.moto, "testing", "testing", args.rate_seconds, args.publishers), 1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
