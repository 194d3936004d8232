// alarms.test.mjs -- CloudWatch alarm operations with the AWS SDK for JavaScript v3 against skywatch,
// once per wire protocol the SDK can speak (default = AWS JSON 1.0, json, cbor, query). Prints one JSON
// object per protocol on stdout for tests/integration/test_alarms_js.py to check.
//
// Environment: SKYWATCH_ENDPOINT, SKYWATCH_KEY_ID / SKYWATCH_SECRET.
import {
  CloudWatchClient,
  DeleteAlarmsCommand,
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
  PutCompositeAlarmCommand,
  PutMetricAlarmCommand,
  SetAlarmStateCommand,
} from "@aws-sdk/client-cloudwatch";
import { AwsJson1_0Protocol, AwsQueryProtocol, AwsSmithyRpcV2CborProtocol } from "@aws-sdk/core/protocols";

const PROTOCOLS = { default: undefined, json: AwsJson1_0Protocol, cbor: AwsSmithyRpcV2CborProtocol, query: AwsQueryProtocol };

async function scenario(name, protocol) {
  const cw = new CloudWatchClient({
    endpoint: process.env.SKYWATCH_ENDPOINT,
    region: "us-east-1",
    credentials: { accessKeyId: process.env.SKYWATCH_KEY_ID, secretAccessKey: process.env.SKYWATCH_SECRET },
    maxAttempts: 1,
    ...(protocol ? { protocol } : {}),
  });
  const alarm = `js-${name}-db-connections`;
  await cw.send(new PutMetricAlarmCommand({
    AlarmName: alarm, Namespace: "AWS/RDS", MetricName: "DatabaseConnections",
    Dimensions: [{ Name: "DBInstanceIdentifier", Value: `db-${name}` }], Statistic: "Maximum", Period: 60,
    EvaluationPeriods: 5, DatapointsToAlarm: 3, Threshold: 80, ComparisonOperator: "GreaterThanThreshold",
    TreatMissingData: "notBreaching", AlarmActions: ["arn:aws:sns:us-east-1:111122223333:dba"],
  }));
  await cw.send(new PutCompositeAlarmCommand({ AlarmName: `${alarm}-composite`, AlarmRule: `ALARM("${alarm}")` }));
  await cw.send(new SetAlarmStateCommand({ AlarmName: alarm, StateValue: "ALARM", StateReason: "from js" }));
  const described = await cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: alarm, AlarmTypes: ["MetricAlarm", "CompositeAlarm"] }));
  const history = await cw.send(new DescribeAlarmHistoryCommand({ AlarmName: alarm, HistoryItemType: "StateUpdate" }));
  let error = null;
  try {
    await cw.send(new DeleteAlarmsCommand({ AlarmNames: [alarm, "js-no-such-alarm"] }));
  } catch (e) {
    error = e.name;
  }
  await cw.send(new DeleteAlarmsCommand({ AlarmNames: [`${alarm}-composite`] }));
  await cw.send(new DeleteAlarmsCommand({ AlarmNames: [alarm] }));
  const after = await cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: alarm }));
  const m = described.MetricAlarms[0];
  return {
    metric: {
      name: m.AlarmName, state: m.StateValue, reason: m.StateReason, threshold: m.Threshold,
      datapoints: m.DatapointsToAlarm, treat: m.TreatMissingData, dims: m.Dimensions, actions: m.AlarmActions,
      updated: m.StateUpdatedTimestamp instanceof Date,
    },
    composite: described.CompositeAlarms.map((c) => [c.AlarmName, c.AlarmRule]),
    history: history.AlarmHistoryItems.map((h) => h.HistorySummary),
    deleteError: error,
    remaining: after.MetricAlarms.length,
  };
}

const out = {};
for (const [name, protocol] of Object.entries(PROTOCOLS)) {
  try {
    out[name] = await scenario(name, protocol);
  } catch (e) {
    out[name] = { failed: `${e.name}: ${e.message}` };
  }
}
console.log(JSON.stringify(out));
