// logs.test.mjs -- runs one CloudWatch Logs scenario with the AWS SDK for JavaScript v3
// (@aws-sdk/client-cloudwatch-logs, AWS JSON 1.1) against a skywatch server and prints the results as JSON
// on stdout, for tests/integration/test_logs_js.py to compare with what boto3 gets for the same calls.
//
// Environment: SKYWATCH_ENDPOINT, SKYWATCH_KEY_ID / SKYWATCH_SECRET, SKYWATCH_BASE_TIME (epoch
// milliseconds, a few minutes in the past) and SKYWATCH_GROUP (the log group to create).
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  DescribeMetricFiltersCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  ListTagsForResourceCommand,
  PutLogEventsCommand,
  PutMetricFilterCommand,
  PutRetentionPolicyCommand,
  TestMetricFilterCommand,
  paginateFilterLogEvents,
  paginateGetLogEvents,
} from "@aws-sdk/client-cloudwatch-logs";

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};

const wire = [];
const logs = new CloudWatchLogsClient({
  endpoint: env("SKYWATCH_ENDPOINT"),
  region: "us-east-1",
  credentials: { accessKeyId: env("SKYWATCH_KEY_ID"), secretAccessKey: env("SKYWATCH_SECRET") },
  maxAttempts: 1,
});
// Records what went on the wire, so the test can check the client spoke AWS JSON 1.1.
logs.middlewareStack.add(
  (next) => async (args) => {
    const h = args.request.headers;
    const get = (name) => h[Object.keys(h).find((k) => k.toLowerCase() === name)] ?? null;
    wire.push({ path: args.request.path, contentType: get("content-type"), target: get("x-amz-target") });
    return next(args);
  },
  { step: "finalizeRequest", priority: "low", name: "skywatchWireRecorder" },
);

const T = Number(env("SKYWATCH_BASE_TIME"));
const group = env("SKYWATCH_GROUP");

// The events both clients put; test_logs_js.py has the same list for boto3.
const EVENTS = {
  app: [
    [0, "INFO request started"],
    [1000, "ERROR payment declined"],
    [2000, '{"level": "ERROR", "duration": 2500}'],
    [3000, "2024-06-01T10:00:00Z req-7 ERROR SECURITY_VIOLATION"],
  ],
  worker: [
    [500, "WARN queue depth 900"],
    [1500, "ERROR worker died"],
    [2500, "DEBUG heartbeat"],
  ],
};

const event = (e) => ({ logStreamName: e.logStreamName ?? null, timestamp: e.timestamp, message: e.message });

async function expectError(promise) {
  try {
    await promise;
    return { name: null, status: 200 };
  } catch (e) {
    if (!e.$metadata) throw e; // not a service error: a bug in this script or the SDK
    return { name: e.name, status: e.$metadata.httpStatusCode, fault: e.$fault };
  }
}

async function scenario() {
  const out = {};
  await logs.send(new CreateLogGroupCommand({ logGroupName: group, tags: { team: "js" } }));
  for (const stream of Object.keys(EVENTS)) {
    await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }));
    const put = await logs.send(new PutLogEventsCommand({
      logGroupName: group,
      logStreamName: stream,
      logEvents: EVENTS[stream].map(([dt, message]) => ({ timestamp: T + dt, message })),
    }));
    out[`put_${stream}`] = { status: put.$metadata.httpStatusCode, rejected: put.rejectedLogEventsInfo ?? null };
  }

  const errors = await logs.send(new FilterLogEventsCommand({ logGroupName: group, filterPattern: "ERROR" }));
  out.filterErrors = errors.events.map(event);
  const json = await logs.send(new FilterLogEventsCommand({ logGroupName: group, filterPattern: '{ $.duration > 2000 }' }));
  out.filterJson = json.events.map(event);
  const delimited = await logs.send(new FilterLogEventsCommand({
    logGroupName: group, filterPattern: "[timestamp, requestId, level=ERROR, event=SECURITY_VIOLATION]",
  }));
  out.filterDelimited = delimited.events.map(event);

  out.filterPaged = [];
  out.filterPages = 0;
  for await (const page of paginateFilterLogEvents({ client: logs, pageSize: 1 }, { logGroupName: group, filterPattern: "?ERROR ?WARN" })) {
    out.filterPages += 1;
    out.filterPaged.push(...page.events.map(event));
  }

  // The paginator stops when GetLogEvents hands back the token it was given (AWS's end-of-stream rule).
  out.getPaged = [];
  out.getPages = 0;
  for await (const page of paginateGetLogEvents(
    { client: logs, pageSize: 2, stopOnSameToken: true },
    { logGroupName: group, logStreamName: "app", startFromHead: true },
  )) {
    out.getPages += 1;
    if (out.getPages > 50) throw new Error("paginateGetLogEvents did not stop");
    out.getPaged.push(...page.events.map(event));
  }
  const tail = await logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: "worker", limit: 2 }));
  out.getTail = tail.events.map(event);

  await logs.send(new PutRetentionPolicyCommand({ logGroupName: group, retentionInDays: 14 }));
  await logs.send(new PutMetricFilterCommand({
    logGroupName: group,
    filterName: "errors",
    filterPattern: "ERROR",
    metricTransformations: [{ metricName: "Errors", metricNamespace: "JsTest", metricValue: "1" }],
  }));
  const groups = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: group }));
  out.groups = groups.logGroups.map((g) => ({
    logGroupName: g.logGroupName, arn: g.arn, logGroupArn: g.logGroupArn, retentionInDays: g.retentionInDays ?? null,
    metricFilterCount: g.metricFilterCount, hasCreationTime: typeof g.creationTime === "number",
  }));
  const streams = await logs.send(new DescribeLogStreamsCommand({ logGroupName: group, orderBy: "LastEventTime", descending: true }));
  out.streams = streams.logStreams.map((s) => ({
    logStreamName: s.logStreamName, firstEventTimestamp: s.firstEventTimestamp, lastEventTimestamp: s.lastEventTimestamp,
    arn: s.arn,
  }));
  const filters = await logs.send(new DescribeMetricFiltersCommand({ logGroupName: group }));
  out.metricFilters = filters.metricFilters.map((f) => ({
    filterName: f.filterName, filterPattern: f.filterPattern, logGroupName: f.logGroupName,
    metricTransformations: f.metricTransformations,
  }));
  const tags = await logs.send(new ListTagsForResourceCommand({ resourceArn: groups.logGroups[0].logGroupArn }));
  out.tags = tags.tags;
  const tested = await logs.send(new TestMetricFilterCommand({
    filterPattern: "[ip, user, username, timestamp, request, status_code, bytes]",
    logEventMessages: ['127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534'],
  }));
  out.testMetricFilter = tested.matches;

  out.errors = {
    duplicateGroup: await expectError(logs.send(new CreateLogGroupCommand({ logGroupName: group }))),
    missingStream: await expectError(logs.send(new PutLogEventsCommand({
      logGroupName: group, logStreamName: "missing", logEvents: [{ timestamp: T, message: "x" }],
    }))),
    badPattern: await expectError(logs.send(new FilterLogEventsCommand({ logGroupName: group, filterPattern: "{ $.level = " }))),
    outOfOrder: await expectError(logs.send(new PutLogEventsCommand({
      logGroupName: group, logStreamName: "app", logEvents: [{ timestamp: T + 10, message: "b" }, { timestamp: T, message: "a" }],
    }))),
    lastEventTimeWithPrefix: await expectError(logs.send(new DescribeLogStreamsCommand({
      logGroupName: group, orderBy: "LastEventTime", logStreamNamePrefix: "a",
    }))),
  };
  out.wire = wire;
  return out;
}

let result;
try {
  result = await scenario();
} catch (e) {
  result = { failed: `${e.name}: ${e.message}`, status: e.$metadata?.httpStatusCode ?? null };
}
process.stdout.write(JSON.stringify(result, null, 1) + "\n");
