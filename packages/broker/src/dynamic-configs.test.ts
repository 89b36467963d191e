import assert from "node:assert/strict";
import { test } from "node:test";
import {
  defaultAlterConfigsRequest,
  defaultDescribeConfigsRequest,
  defaultIncrementalAlterConfigsRequest,
  ErrorCode,
} from "@samsa/protocol";
import { InMemoryPartitionLogs } from "./partition-logs.js";
import { removeDir, startTestBroker } from "./testing/test-broker.js";
import { TestClient } from "./testing/test-client.js";

const BROKER = 4;
const TOPIC = 2;

async function describe(c: TestClient, resourceType: number, resourceName: string, keys: string[] | null) {
  const r = await c.send(32, 4, {
    ...defaultDescribeConfigsRequest(),
    resources: [{ resourceType, resourceName, configurationKeys: keys }],
    includeSynonyms: true,
  });
  return r.results[0];
}

function incremental(c: TestClient, resourceName: string, configs: [string, number, string | null][], dry = false) {
  return c.send(44, 1, {
    ...defaultIncrementalAlterConfigsRequest(),
    validateOnly: dry,
    resources: [
      {
        resourceType: BROKER,
        resourceName,
        configs: configs.map(([name, configOperation, value]) => ({ name, configOperation, value })),
      },
    ],
  });
}

/** Records which topics had their log config recomputed. */
class RecordingLogs extends InMemoryPartitionLogs {
  readonly updated: string[] = [];
  // The base class declares no parameters; the broker passes the topic first.
  override async updateConfigs(topic?: string): Promise<void> {
    this.updated.push(topic ?? "");
  }
}

test("dynamic broker configs: precedence, sources, validation, validateOnly, restart", async () => {
  const logs = new RecordingLogs();
  let b = await startTestBroker([["log.retention.hours", "24"]], undefined, logs);
  let c = await TestClient.connect(b.port);
  try {
    await c.send(19, 7, {
      topics: [{ name: "t", numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 1000,
      validateOnly: false,
    });
    // Cluster default: log.retention.ms for every topic without an override (above the static hours).
    let r = await incremental(c, "", [["log.retention.ms", 0, "3600000"]]);
    assert.equal(r.responses[0].errorCode, ErrorCode.NONE, r.responses[0].errorMessage ?? "");
    assert.deepEqual(logs.updated, ["t"]);
    let t = await describe(c, TOPIC, "t", ["retention.ms"]);
    assert.deepEqual(
      t.configs[0].synonyms.map((s) => [s.name, s.value, s.source]),
      [
        ["log.retention.ms", "3600000", 3],
        ["log.retention.hours", "24", 4],
        ["log.retention.hours", "168", 5],
      ],
    );
    assert.equal(t.configs[0].value, "3600000");
    assert.equal(t.configs[0].configSource, 3);

    // This broker's own value wins over the cluster default; hours are converted for the topic.
    r = await incremental(c, "1", [["log.retention.hours", 0, "2"]]);
    assert.equal(r.responses[0].errorCode, ErrorCode.NONE, r.responses[0].errorMessage ?? "");
    t = await describe(c, TOPIC, "t", ["retention.ms"]);
    assert.equal(t.configs[0].value, "7200000");
    assert.equal(t.configs[0].configSource, 2);

    // The "" resource lists the cluster defaults only.
    const defaults = await describe(c, BROKER, "", null);
    assert.deepEqual(
      defaults.configs.map((x) => [x.name, x.value, x.configSource, x.readOnly]),
      [["log.retention.ms", "3600000", 3, false]],
    );
    const own = await describe(c, BROKER, "1", ["log.retention.hours", "log.dirs", "message.max.bytes"]);
    assert.deepEqual(
      own.configs.map((x) => [x.name, x.value, x.configSource, x.readOnly]),
      [
        ["log.dirs", b.dataDir, 4, true],
        ["log.retention.hours", "2", 2, false],
        ["message.max.bytes", "1048588", 5, false],
      ],
    );
    assert.deepEqual(
      own.configs[1].synonyms.map((s) => [s.name, s.value, s.source]),
      [
        ["log.retention.hours", "2", 2],
        ["log.retention.ms", "3600000", 3],
        ["log.retention.hours", "24", 4],
        ["log.retention.hours", "168", 5],
      ],
    );

    // Rejections, in Kafka's words; nothing is stored.
    const bad = await c.send(44, 1, {
      ...defaultIncrementalAlterConfigsRequest(),
      resources: [
        { resourceType: BROKER, resourceName: "1", configs: [{ name: "log.dirs", configOperation: 0, value: "/x" }] },
        {
          resourceType: BROKER,
          resourceName: "1",
          configs: [{ name: "log.retention.ms", configOperation: 0, value: "soon" }],
        },
        {
          resourceType: BROKER,
          resourceName: "",
          configs: [{ name: "sasl.kerberos.min.time.before.relogin", configOperation: 0, value: "1" }],
        },
        {
          resourceType: BROKER,
          resourceName: "1",
          configs: [{ name: "ssl.keystore.location", configOperation: 0, value: "/k.pem" }],
        },
        {
          resourceType: BROKER,
          resourceName: "1",
          configs: [{ name: "message.max.bytes", configOperation: 2, value: "1" }],
        },
        {
          resourceType: BROKER,
          resourceName: "7",
          configs: [{ name: "num.io.threads", configOperation: 0, value: "2" }],
        },
      ],
    });
    assert.deepEqual(
      bad.responses.map((x) => [x.errorCode, x.errorMessage]),
      [
        [
          ErrorCode.INVALID_REQUEST,
          "Invalid config value for resource ConfigResource(type=BROKER, name='1'): Cannot update these configs dynamically: Set(log.dirs)",
        ],
        [
          ErrorCode.INVALID_REQUEST,
          "Invalid config value for resource ConfigResource(type=BROKER, name='1'): Invalid value soon for configuration log.retention.ms: Not a number of type LONG",
        ],
        [
          ErrorCode.INVALID_REQUEST,
          "Invalid config value for resource ConfigResource(type=BROKER, name=''): Cannot update these configs at default cluster level, broker id must be specified: Set(sasl.kerberos.min.time.before.relogin)",
        ],
        [
          ErrorCode.INVALID_REQUEST,
          "Invalid config value for resource ConfigResource(type=BROKER, name='1'): These security configs can be dynamically updated only per-listener using the listener prefix: Set(ssl.keystore.location)",
        ],
        [ErrorCode.INVALID_CONFIG, "Config value append is not allowed for config key: message.max.bytes"],
        [ErrorCode.INVALID_REQUEST, "Unexpected broker id, expected 1 but received 7"],
      ],
    );

    // validateOnly checks without storing; AlterConfigs replaces the whole per-broker set.
    r = await incremental(c, "1", [["message.max.bytes", 0, "2000000"]], true);
    assert.equal(r.responses[0].errorCode, ErrorCode.NONE);
    assert.equal((await describe(c, BROKER, "1", ["message.max.bytes"])).configs[0].configSource, 5);
    const legacy = await c.send(33, 2, {
      ...defaultAlterConfigsRequest(),
      resources: [
        {
          resourceType: BROKER,
          resourceName: "1",
          configs: [{ name: "sasl.kerberos.min.time.before.relogin", value: "58000" }],
        },
      ],
    });
    assert.equal(legacy.responses[0].errorCode, ErrorCode.NONE, legacy.responses[0].errorMessage ?? "");
    assert.equal((await describe(c, TOPIC, "t", ["retention.ms"])).configs[0].value, "3600000");

    // Stored in the metadata snapshot: a restart keeps both layers.
    c.close();
    await b.stop();
    b = await startTestBroker([["log.retention.hours", "24"]], b.dataDir);
    c = await TestClient.connect(b.port);
    const relogin = await describe(c, BROKER, "1", ["sasl.kerberos.min.time.before.relogin"]);
    assert.deepEqual(
      relogin.configs.map((x) => [x.name, x.value, x.configSource]),
      [["sasl.kerberos.min.time.before.relogin", "58000", 2]],
    );
    assert.equal((await describe(c, TOPIC, "t", ["retention.ms"])).configs[0].value, "3600000");

    // Deleting the default falls back to the static config.
    r = await incremental(c, "", [["log.retention.ms", 1, null]]);
    assert.equal(r.responses[0].errorCode, ErrorCode.NONE);
    t = await describe(c, TOPIC, "t", ["retention.ms"]);
    assert.equal(t.configs[0].value, "86400000");
    assert.equal(t.configs[0].configSource, 4);
  } finally {
    c.close();
    await b.stop();
    await removeDir(b.dataDir);
  }
});

test("BROKER_LOGGER: describe and set the root logger's level, Kafka's refusals", async () => {
  const b = await startTestBroker();
  const c = await TestClient.connect(b.port);
  try {
    const level = async () => (await describe(c, 8, "1", null)).configs.map((x) => [x.name, x.value, x.configSource]);
    assert.deepEqual(await level(), [["root", "OFF", 6]]);
    const alter = (name: string, configs: [string, number, string | null][], validateOnly = false) =>
      c.send(44, 1, {
        ...defaultIncrementalAlterConfigsRequest(),
        validateOnly,
        resources: [
          {
            resourceType: 8,
            resourceName: name,
            configs: configs.map(([n, configOperation, value]) => ({ name: n, configOperation, value })),
          },
        ],
      });
    assert.equal((await alter("1", [["root", 0, "DEBUG"]], true)).responses[0].errorCode, ErrorCode.NONE);
    assert.deepEqual(await level(), [["root", "OFF", 6]]);
    assert.equal((await alter("1", [["root", 0, "DEBUG"]])).responses[0].errorCode, ErrorCode.NONE);
    assert.deepEqual(await level(), [["root", "DEBUG", 6]]);
    const refused = await Promise.all([
      alter("1", [["root", 1, null]]),
      alter("1", [["root", 0, "LOUD"]]),
      alter("1", [["kafka.server", 0, "INFO"]]),
      alter("1", [["root", 2, "INFO"]]),
      alter("", [["root", 0, "INFO"]]),
    ]);
    assert.deepEqual(
      refused.map((r) => r.responses[0].errorCode),
      [
        ErrorCode.INVALID_REQUEST,
        ErrorCode.INVALID_CONFIG,
        ErrorCode.INVALID_CONFIG,
        ErrorCode.INVALID_REQUEST,
        ErrorCode.INVALID_REQUEST,
      ],
    );
    assert.equal(refused[0].responses[0].errorMessage, "Removing the log level of the root logger is not allowed");
    const legacy = await c.send(33, 2, {
      ...defaultAlterConfigsRequest(),
      resources: [{ resourceType: 8, resourceName: "1", configs: [{ name: "root", value: "INFO" }] }],
    });
    assert.equal(legacy.responses[0].errorCode, ErrorCode.INVALID_REQUEST);
    assert.deepEqual(await level(), [["root", "DEBUG", 6]]);
    // Back to silent: the test broker's logger writes to stdout.
    assert.equal((await alter("1", [["root", 0, "OFF"]])).responses[0].errorCode, ErrorCode.NONE);
  } finally {
    c.close();
    await b.stop();
    await removeDir(b.dataDir);
  }
});
