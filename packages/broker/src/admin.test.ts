import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  defaultCreatePartitionsRequest,
  defaultCreateTopicsRequest,
  defaultCreateTopicsRequestCreatableTopic,
  defaultDeleteTopicsRequest,
  defaultDescribeClusterRequest,
  defaultDescribeConfigsRequest,
  defaultDescribeLogDirsRequest,
  defaultDescribeTopicPartitionsRequest,
  defaultIncrementalAlterConfigsRequest,
  defaultAlterConfigsRequest,
  defaultMetadataRequest,
  ErrorCode,
} from "@samsa/protocol";
import { TestClient } from "./testing/test-client.js";
import { type RunningBroker, removeDir, startTestBroker } from "./testing/test-broker.js";

const ZERO = "AAAAAAAAAAAAAAAAAAAAAA";
let b: RunningBroker;
let c: TestClient;
before(async () => {
  b = await startTestBroker([
    ["num.partitions", "2"],
    ["log.retention.hours", "24"],
  ]);
  c = await TestClient.connect(b.port);
});
after(async () => {
  c.close();
  await b.stop();
  await removeDir(b.dataDir);
});

function topic(name: string, over: Partial<ReturnType<typeof defaultCreateTopicsRequestCreatableTopic>> = {}) {
  return { ...defaultCreateTopicsRequestCreatableTopic(), name, numPartitions: -1, replicationFactor: -1, ...over };
}

async function create(version: number, topics: ReturnType<typeof topic>[], validateOnly = false) {
  return c.send(19, version, { ...defaultCreateTopicsRequest(), topics, validateOnly, timeoutMs: 1000 });
}

async function metadata(version: number, names: string[] | null, allowAutoCreate = false) {
  const allowAutoTopicCreation = version < 4 || allowAutoCreate;
  return c.send(3, version, {
    ...defaultMetadataRequest(),
    topics: names === null ? null : names.map((name) => ({ topicId: ZERO, name })),
    allowAutoTopicCreation,
  });
}

test("CreateTopics: defaults, configs reported (v5+), topic id (v7), errors", async () => {
  const ok = await create(7, [topic("orders", { configs: [{ name: "cleanup.policy", value: "compact" }] })]);
  const t = ok.topics[0];
  assert.equal(t.errorCode, ErrorCode.NONE, t.errorMessage ?? "");
  assert.equal(t.numPartitions, 2);
  assert.equal(t.replicationFactor, 1);
  assert.notEqual(t.topicId, ZERO);
  const policy = t.configs?.find((x) => x.name === "cleanup.policy");
  assert.deepEqual([policy?.value, policy?.configSource], ["compact", 1]);
  const retention = t.configs?.find((x) => x.name === "retention.ms");
  assert.deepEqual([retention?.value, retention?.configSource], ["86400000", 4]);

  const errors = await create(7, [
    topic("orders"),
    topic("bad/name"),
    topic("rf3", { replicationFactor: 3 }),
    topic("zero", { numPartitions: 0 }),
    topic("badcfg", { configs: [{ name: "retention.ms", value: "forever" }] }),
    topic("unknowncfg", { configs: [{ name: "no.such.thing", value: "1" }] }),
    topic("dup"),
    topic("dup"),
  ]);
  assert.deepEqual(
    errors.topics.map((x) => [x.name, x.errorCode]),
    [
      ["orders", ErrorCode.TOPIC_ALREADY_EXISTS],
      ["bad/name", ErrorCode.INVALID_TOPIC_EXCEPTION],
      ["rf3", ErrorCode.INVALID_REPLICATION_FACTOR],
      ["zero", ErrorCode.INVALID_PARTITIONS],
      ["badcfg", ErrorCode.INVALID_CONFIG],
      ["unknowncfg", ErrorCode.INVALID_CONFIG],
      ["dup", ErrorCode.INVALID_REQUEST],
      ["dup", ErrorCode.INVALID_REQUEST],
    ],
  );
  for (const v of [0, 1, 4]) {
    const old = await create(v, [topic(`old-v${v}`, { numPartitions: 3, replicationFactor: 1 }), topic("orders")]);
    assert.deepEqual(
      old.topics.map((x) => x.errorCode),
      [ErrorCode.NONE, ErrorCode.TOPIC_ALREADY_EXISTS],
    );
  }
});

test("CreateTopics validate_only creates nothing", async () => {
  const r = await create(5, [topic("dry-run", { numPartitions: 4 })], true);
  assert.equal(r.topics[0].errorCode, ErrorCode.NONE);
  assert.equal(r.topics[0].numPartitions, 4);
  const m = await metadata(12, ["dry-run"]);
  assert.equal(m.topics[0].errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
});

test("Metadata: auto-create answers LEADER_NOT_AVAILABLE first, then the topic; v0 to v12", async () => {
  const first = await metadata(12, ["auto-1"], true);
  assert.equal(first.topics[0].errorCode, ErrorCode.LEADER_NOT_AVAILABLE);
  const second = await metadata(12, ["auto-1"], true);
  const t = second.topics[0];
  assert.equal(t.errorCode, ErrorCode.NONE);
  assert.equal(t.partitions.length, 2);
  assert.notEqual(t.topicId, ZERO);
  assert.equal(second.clusterId, b.broker.identity.clusterId);
  assert.deepEqual(second.brokers, [{ nodeId: 1, host: "127.0.0.1", port: b.port, rack: null }]);
  const notAllowed = await metadata(12, ["auto-2"], false);
  assert.equal(notAllowed.topics[0].errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  const invalid = await metadata(12, ["bad name"], true);
  assert.equal(invalid.topics[0].errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);
  for (let v = 0; v <= 12; v++) {
    const all = await metadata(v, v === 0 ? [] : null);
    assert.ok(
      all.topics.some((x) => x.name === "orders" && x.partitions.length === 2),
      `v${v}`,
    );
    const none = v >= 1 ? await metadata(v, []) : undefined;
    if (none !== undefined) assert.equal(none.topics.length, 0);
  }
  const several = await metadata(12, ["auto-4", "bad name!", "auto-5", "orders"], true);
  assert.deepEqual(
    several.topics.map((x) => [x.name, x.errorCode]),
    [
      ["auto-4", ErrorCode.LEADER_NOT_AVAILABLE],
      ["bad name!", ErrorCode.INVALID_TOPIC_EXCEPTION],
      ["auto-5", ErrorCode.LEADER_NOT_AVAILABLE],
      ["orders", ErrorCode.NONE],
    ],
  );
  const createdNow = await metadata(12, ["auto-4", "auto-5"]);
  assert.deepEqual(
    createdNow.topics.map((x) => x.errorCode),
    [ErrorCode.NONE, ErrorCode.NONE],
  );
  // v3 and below always allow auto-creation.
  const v3 = await metadata(3, ["auto-3"]);
  assert.equal(v3.topics[0].errorCode, ErrorCode.LEADER_NOT_AVAILABLE);
  const byId = await c.send(3, 12, {
    ...defaultMetadataRequest(),
    topics: [
      { topicId: t.topicId, name: null },
      { topicId: "AAAAAAAAAAAAAAAAAAAAAQ", name: null },
    ],
  });
  assert.deepEqual(
    byId.topics.map((x) => [x.name, x.errorCode]),
    [
      ["auto-1", 0],
      [null, ErrorCode.UNKNOWN_TOPIC_ID],
    ],
  );
});

test("DeleteTopics by name and by id; a re-created topic gets a new id and higher epochs", async () => {
  await create(7, [topic("del-a"), topic("del-b")]);
  const before = (await metadata(12, ["del-a", "del-b"])).topics;
  const r = await c.send(20, 6, {
    ...defaultDeleteTopicsRequest(),
    topics: [
      { name: "del-a", topicId: ZERO },
      { name: null, topicId: before[1].topicId },
      { name: "missing", topicId: ZERO },
      { name: null, topicId: "AAAAAAAAAAAAAAAAAAAAAQ" },
    ],
    timeoutMs: 1000,
  });
  assert.deepEqual(
    r.responses.map((x) => [x.name, x.errorCode]),
    [
      ["del-a", 0],
      ["del-b", 0],
      ["missing", ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      [null, ErrorCode.UNKNOWN_TOPIC_ID],
    ],
  );
  const old = await c.send(20, 1, { ...defaultDeleteTopicsRequest(), topicNames: ["nope"], timeoutMs: 1000 });
  assert.equal(old.responses[0].errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  await create(7, [topic("del-a")]);
  const after = (await metadata(12, ["del-a"])).topics[0];
  assert.notEqual(after.topicId, before[0].topicId);
  assert.ok(after.partitions[0].leaderEpoch > before[0].partitions[0].leaderEpoch);
});

test("CreatePartitions grows topics and refuses to shrink", async () => {
  await create(7, [topic("grow")]);
  const r = await c.send(37, 3, {
    ...defaultCreatePartitionsRequest(),
    topics: [
      { name: "grow", count: 5, assignments: null },
      { name: "orders", count: 1, assignments: null },
      { name: "ghost", count: 3, assignments: null },
    ],
    timeoutMs: 1000,
  });
  assert.deepEqual(
    r.results.map((x) => x.errorCode),
    [ErrorCode.NONE, ErrorCode.INVALID_PARTITIONS, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
  );
  const m = await metadata(12, ["grow"]);
  assert.equal(m.topics[0].partitions.length, 5);
});

test("DescribeConfigs: topic with synonyms and documentation, broker, unknown topic", async () => {
  const r = await c.send(32, 4, {
    ...defaultDescribeConfigsRequest(),
    resources: [
      { resourceType: 2, resourceName: "orders", configurationKeys: null },
      { resourceType: 2, resourceName: "ghost", configurationKeys: null },
      { resourceType: 4, resourceName: "1", configurationKeys: ["num.partitions", "log.retention.hours"] },
    ],
    includeSynonyms: true,
    includeDocumentation: true,
  });
  const [t, ghost, broker] = r.results;
  assert.equal(t.errorCode, ErrorCode.NONE);
  const retention = t.configs.find((x) => x.name === "retention.ms")!;
  assert.equal(retention.value, "86400000");
  assert.equal(retention.configSource, 4);
  assert.equal(retention.configType, 5);
  assert.ok((retention.documentation ?? "").length > 0);
  assert.deepEqual(
    retention.synonyms.map((s) => [s.name, s.value, s.source]),
    [
      ["log.retention.hours", "24", 4],
      ["log.retention.hours", "168", 5],
    ],
  );
  assert.equal(t.configs.find((x) => x.name === "cleanup.policy")!.value, "compact");
  assert.equal(ghost.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  assert.deepEqual(
    broker.configs.map((x) => [x.name, x.value, x.configSource, x.readOnly]),
    [
      ["num.partitions", "2", 4, true],
      ["log.retention.hours", "24", 4, false],
    ],
  );
  const v0 = await c.send(32, 0, {
    ...defaultDescribeConfigsRequest(),
    resources: [{ resourceType: 2, resourceName: "orders", configurationKeys: ["segment.bytes"] }],
  });
  assert.deepEqual(
    v0.results[0].configs.map((x) => [x.name, x.value, x.isDefault]),
    [["segment.bytes", "1073741824", true]],
  );
});

test("AlterConfigs replaces overrides; IncrementalAlterConfigs applies operations", async () => {
  await create(7, [topic("cfg", { configs: [{ name: "retention.ms", value: "1000" }] })]);
  const describe = async () =>
    Object.fromEntries(
      (
        await c.send(32, 4, {
          ...defaultDescribeConfigsRequest(),
          resources: [{ resourceType: 2, resourceName: "cfg", configurationKeys: null }],
        })
      ).results[0].configs
        .filter((x) => x.configSource === 1)
        .map((x) => [x.name, x.value]),
    );
  assert.deepEqual(await describe(), { "retention.ms": "1000" });
  const alter = await c.send(33, 2, {
    ...defaultAlterConfigsRequest(),
    resources: [{ resourceType: 2, resourceName: "cfg", configs: [{ name: "segment.bytes", value: "1048576" }] }],
  });
  assert.equal(alter.responses[0].errorCode, ErrorCode.NONE);
  const odd = await c.send(33, 2, {
    ...defaultAlterConfigsRequest(),
    resources: [{ resourceType: 2, resourceName: "cfg", configs: [{ name: "errorCode", value: "1" }] }],
  });
  assert.equal(odd.responses[0].errorCode, ErrorCode.INVALID_CONFIG);
  assert.deepEqual(await describe(), { "segment.bytes": "1048576" });
  const inc = await c.send(44, 1, {
    ...defaultIncrementalAlterConfigsRequest(),
    resources: [
      {
        resourceType: 2,
        resourceName: "cfg",
        configs: [
          { name: "segment.bytes", configOperation: 1, value: null },
          { name: "cleanup.policy", configOperation: 2, value: "compact" },
          { name: "retention.ms", configOperation: 0, value: "5000" },
        ],
      },
      { resourceType: 2, resourceName: "cfg", configs: [{ name: "retention.ms", configOperation: 2, value: "1" }] },
      { resourceType: 2, resourceName: "cfg", configs: [{ name: "retention.ms", configOperation: 0, value: "x" }] },
      { resourceType: 2, resourceName: "ghost", configs: [{ name: "retention.ms", configOperation: 0, value: "1" }] },
      {
        resourceType: 2,
        resourceName: "cfg",
        configs: [
          { name: "retention.ms", configOperation: 0, value: "1" },
          { name: "retention.ms", configOperation: 1, value: null },
        ],
      },
    ],
  });
  assert.deepEqual(
    inc.responses.map((x) => x.errorCode),
    [
      ErrorCode.NONE,
      ErrorCode.INVALID_CONFIG,
      ErrorCode.INVALID_CONFIG,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      ErrorCode.INVALID_REQUEST,
    ],
  );
  assert.deepEqual(await describe(), { "cleanup.policy": "delete,compact", "retention.ms": "5000" });
  const dry = await c.send(44, 1, {
    ...defaultIncrementalAlterConfigsRequest(),
    validateOnly: true,
    resources: [
      { resourceType: 2, resourceName: "cfg", configs: [{ name: "retention.ms", configOperation: 0, value: "7" }] },
    ],
  });
  assert.equal(dry.responses[0].errorCode, ErrorCode.NONE);
  assert.equal((await describe())["retention.ms"], "5000");
});

test("DescribeCluster, DescribeTopicPartitions paging, DescribeLogDirs", async () => {
  const cluster = await c.send(60, 1, { ...defaultDescribeClusterRequest(), endpointType: 1 });
  assert.equal(cluster.clusterId, b.broker.identity.clusterId);
  assert.deepEqual(
    cluster.brokers.map((x) => [x.brokerId, x.port]),
    [[1, b.port]],
  );
  const controllers = await c.send(60, 1, { ...defaultDescribeClusterRequest(), endpointType: 2 });
  assert.equal(controllers.errorCode, ErrorCode.UNSUPPORTED_ENDPOINT_TYPE);

  await create(7, [topic("page-a", { numPartitions: 3 }), topic("page-b", { numPartitions: 2 })]);
  const first = await c.send(75, 0, {
    ...defaultDescribeTopicPartitionsRequest(),
    topics: [{ name: "page-b" }, { name: "page-a" }, { name: "page-x" }],
    responsePartitionLimit: 4,
  });
  assert.deepEqual(
    first.topics.map((x) => [x.name, x.partitions.length]),
    [
      ["page-a", 3],
      ["page-b", 1],
    ],
  );
  assert.deepEqual(first.nextCursor, { topicName: "page-b", partitionIndex: 1 });
  const rest = await c.send(75, 0, {
    ...defaultDescribeTopicPartitionsRequest(),
    topics: [{ name: "page-b" }, { name: "page-a" }, { name: "page-x" }],
    responsePartitionLimit: 4,
    cursor: first.nextCursor,
  });
  assert.deepEqual(
    rest.topics.map((x) => [x.name, x.partitions.map((p) => p.partitionIndex), x.errorCode]),
    [
      ["page-b", [1], 0],
      ["page-x", [], ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ],
  );
  assert.equal(rest.nextCursor, null);

  const dirs = await c.send(35, 4, {
    ...defaultDescribeLogDirsRequest(),
    topics: [{ topic: "page-a", partitions: [0, 1, 2, 9] }],
  });
  assert.equal(dirs.results.length, 1);
  assert.deepEqual(
    dirs.results[0].topics[0].partitions.map((p) => p.partitionIndex),
    [0, 1, 2],
  );
  assert.ok(dirs.results[0].totalBytes > 0n);
});
