// cloudwatch.test.mjs -- runs one CloudWatch scenario with the AWS SDK for JavaScript v3 against a skywatch
// server, once per wire protocol the SDK can speak, and prints the results as JSON on stdout for
// tests/integration/test_js.py to compare with what boto3 reads.
//
// Environment: SKYWATCH_ENDPOINT, SKYWATCH_KEY_ID / SKYWATCH_SECRET (a trusted key),
// SKYWATCH_UNTRUSTED_KEY_ID / SKYWATCH_UNTRUSTED_SECRET (a key that may not publish AWS/ namespaces),
// SKYWATCH_BASE_TIME (epoch seconds, a minute boundary in the recent past) and SKYWATCH_NAMESPACE_PREFIX.
//
// Protocols: "default" is whatever the client picks by itself (AWS JSON 1.0 in @aws-sdk/client-cloudwatch
// 3.1162: runtimeConfig.shared.js has `protocol: config?.protocol ?? AwsJson1_0Protocol`); the others are
// selected with the client's `protocol` option, a protocol class the client instantiates with its own
// protocolSettings (aws-sdk-js-v3 PRs #7489/#7491/#7568).
import {
  CloudWatchClient,
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
  ListMetricsCommand,
  PutMetricDataCommand,
} from "@aws-sdk/client-cloudwatch";
import { AwsJson1_0Protocol, AwsQueryProtocol, AwsSmithyRpcV2CborProtocol } from "@aws-sdk/core/protocols";

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};

const PROTOCOLS = {
  default: undefined,
  json: AwsJson1_0Protocol,
  cbor: AwsSmithyRpcV2CborProtocol,
  query: AwsQueryProtocol,
};

function makeClient(protocol, keyId, secret, wire) {
  const client = new CloudWatchClient({
    endpoint: env("SKYWATCH_ENDPOINT"),
    region: "us-east-1",
    credentials: { accessKeyId: keyId, secretAccessKey: secret },
    maxAttempts: 1,
    ...(protocol ? { protocol } : {}),
  });
  // Records what actually went on the wire, so the test can check which protocol each client spoke.
  client.middlewareStack.add(
    (next) => async (args) => {
      const h = args.request.headers;
      const get = (name) => {
        const key = Object.keys(h).find((k) => k.toLowerCase() === name);
        return key === undefined ? null : h[key];
      };
      wire.push({
        method: args.request.method,
        path: args.request.path,
        contentType: get("content-type"),
        target: get("x-amz-target"),
        smithyProtocol: get("smithy-protocol"),
        signed: (get("authorization") || "").startsWith("AWS4-HMAC-SHA256 "),
      });
      return next(args);
    },
    { step: "finalizeRequest", priority: "low", name: "skywatchWireRecorder" },
  );
  return client;
}

const epoch = (d) => Math.round(d.getTime() / 1000);
const at = (t) => new Date(t * 1000);

// The data both clients publish; test_js.py has the same list for boto3.
function metricData(t0) {
  const hostA = [{ Name: "Service", Value: "api" }, { Name: "Host", Value: "a" }];
  return [
    { MetricName: "Latency", Dimensions: hostA, Unit: "Milliseconds", Timestamp: at(t0), Value: 10 },
    { MetricName: "Latency", Dimensions: hostA, Unit: "Milliseconds", Timestamp: at(t0 + 60),
      Values: [1, 2, 3, 4], Counts: [1, 1, 2, 1] },
    { MetricName: "Latency", Dimensions: hostA, Unit: "Milliseconds", Timestamp: at(t0 + 120),
      StatisticValues: { SampleCount: 4, Sum: 100, Minimum: 10, Maximum: 40 } },
    { MetricName: "Latency", Dimensions: [{ Name: "Service", Value: "api" }, { Name: "Host", Value: "b" }],
      Unit: "Milliseconds", Timestamp: at(t0), Value: 7 },
    { MetricName: "Requests", Dimensions: [{ Name: "Service", Value: "web" }], Unit: "Count",
      Timestamp: at(t0 + 60), Value: 3 },
  ];
}

const sortedMetrics = (out) =>
  (out.Metrics || [])
    .map((m) => ({ Namespace: m.Namespace, MetricName: m.MetricName, Dimensions: m.Dimensions || [] }))
    .sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));

function describeError(e) {
  return {
    name: e.name,
    code: e.Code ?? null,
    status: e.$metadata?.httpStatusCode ?? null,
    fault: e.$fault ?? null,
    message: e.message,
  };
}

async function expectError(promise) {
  try {
    await promise;
    return { name: null, status: 200 };
  } catch (e) {
    if (!e.$metadata) throw e; // not a service error: a bug in this script or the SDK
    return describeError(e);
  }
}

async function scenario(label, protocol, t0, prefix) {
  const wire = [];
  const ns = `${prefix}/${label}`;
  const cw = makeClient(protocol, env("SKYWATCH_KEY_ID"), env("SKYWATCH_SECRET"), wire);
  const untrusted = makeClient(protocol, env("SKYWATCH_UNTRUSTED_KEY_ID"), env("SKYWATCH_UNTRUSTED_SECRET"), wire);
  const unknown = makeClient(protocol, "AKIDSKYWATCHUNKNOWN1", "not-a-secret", wire);
  const result = { namespace: ns };

  const put = await cw.send(new PutMetricDataCommand({ Namespace: ns, MetricData: metricData(t0) }));
  result.putStatus = put.$metadata.httpStatusCode;

  result.listAll = sortedMetrics(await cw.send(new ListMetricsCommand({ Namespace: ns })));
  result.listByDimension = sortedMetrics(
    await cw.send(new ListMetricsCommand({ Namespace: ns, Dimensions: [{ Name: "Service", Value: "api" }] })),
  );
  result.listByDimensionName = sortedMetrics(
    await cw.send(new ListMetricsCommand({ Namespace: ns, MetricName: "Latency", Dimensions: [{ Name: "Host" }] })),
  );

  const gms = await cw.send(
    new GetMetricStatisticsCommand({
      Namespace: ns,
      MetricName: "Latency",
      Dimensions: [{ Name: "Service", Value: "api" }, { Name: "Host", Value: "a" }],
      StartTime: at(t0 - 60),
      EndTime: at(t0 + 300),
      Period: 60,
      Statistics: ["Average", "Sum", "SampleCount", "Minimum", "Maximum"],
      ExtendedStatistics: ["p99"],
    }),
  );
  result.statistics = {
    Label: gms.Label,
    Datapoints: (gms.Datapoints || [])
      .map((d) => ({ ...d, Timestamp: epoch(d.Timestamp) }))
      .sort((a, b) => a.Timestamp - b.Timestamp),
  };

  const metric = {
    Namespace: ns,
    MetricName: "Latency",
    Dimensions: [{ Name: "Service", Value: "api" }, { Name: "Host", Value: "a" }],
  };
  const gmd = await cw.send(
    new GetMetricDataCommand({
      StartTime: at(t0 - 60),
      EndTime: at(t0 + 300),
      ScanBy: "TimestampAscending",
      MetricDataQueries: [
        { Id: "avg", MetricStat: { Metric: metric, Period: 60, Stat: "Average" } },
        { Id: "worst", Label: "p99 latency", MetricStat: { Metric: metric, Period: 60, Stat: "p99" } },
      ],
    }),
  );
  result.metricData = (gmd.MetricDataResults || []).map((r) => ({
    Id: r.Id,
    Label: r.Label,
    StatusCode: r.StatusCode,
    Timestamps: (r.Timestamps || []).map(epoch),
    Values: r.Values || [],
  }));

  result.errors = {
    reservedNamespace: await expectError(
      untrusted.send(new PutMetricDataCommand({ Namespace: "AWS/EC2", MetricData: [{ MetricName: "CPUUtilization", Value: 1 }] })),
    ),
    badPeriod: await expectError(
      cw.send(new GetMetricStatisticsCommand({
        Namespace: ns, MetricName: "Latency", StartTime: at(t0 - 60), EndTime: at(t0 + 300), Period: 7, Statistics: ["Sum"],
      })),
    ),
    unknownKey: await expectError(unknown.send(new ListMetricsCommand({ Namespace: ns }))),
  };
  result.wire = wire;
  return result;
}

const t0 = Number(env("SKYWATCH_BASE_TIME"));
const prefix = env("SKYWATCH_NAMESPACE_PREFIX");
const wanted = (process.env.SKYWATCH_PROTOCOLS || Object.keys(PROTOCOLS).join(",")).split(",");
const out = {};
for (const label of wanted) {
  if (!(label in PROTOCOLS)) throw new Error(`unknown protocol ${label}`);
  try {
    out[label] = await scenario(label, PROTOCOLS[label], t0, prefix);
  } catch (e) {
    out[label] = { failed: `${e.name}: ${e.message}`, ...(e.$metadata ? { error: describeError(e) } : {}) };
  }
}
process.stdout.write(JSON.stringify(out, null, 1) + "\n");
