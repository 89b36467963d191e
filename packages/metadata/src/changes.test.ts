import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  applyEach,
  type CreateTopicSpec,
  createPartitions,
  createTopic,
  deleteTopic,
  setTopicConfigs,
} from "./changes.js";
import { MetadataErrorCode } from "./errors.js";
import { type ClusterImage, emptyImage } from "./image.js";

const broker = {
  nodeId: 1,
  listeners: [{ name: "PLAINTEXT", host: "127.0.0.1", port: 9092, securityProtocol: "PLAINTEXT" }],
  rack: null,
};
let ids = 0;
const opts = {
  defaultPartitions: 3,
  defaultReplicationFactor: 1,
  validateConfig: (name: string, value: string) =>
    name === "retention.ms" && !/^-?\d+$/.test(value) ? "bad retention.ms" : undefined,
  newTopicId: () => `id${ids++}`.padEnd(22, "A"),
};
const base = () => emptyImage("cluster", 1, [broker]);
const spec = (name: string, over: Partial<CreateTopicSpec> = {}): CreateTopicSpec => ({
  name,
  numPartitions: -1,
  replicationFactor: -1,
  assignments: [],
  configs: {},
  ...over,
});

function created(image: ClusterImage, s: CreateTopicSpec): ClusterImage {
  const r = createTopic(image, s, opts);
  assert.ok(r.ok, JSON.stringify(r));
  return r.image;
}

test("createTopic uses the broker defaults for -1", () => {
  const r = createTopic(base(), spec("orders"), opts);
  assert.ok(r.ok);
  assert.equal(r.value.partitions.length, 3);
  assert.deepEqual(r.value.partitions[2].replicas, [1]);
  assert.equal(r.value.partitions[0].leaderId, 1);
  assert.equal(r.image.topicIds.get(r.value.topicId), "orders");
  assert.equal(r.image.changeCount, 1);
});

test("createTopic answers Kafka's error codes", () => {
  const img = created(base(), spec("a.b"));
  const cases: [CreateTopicSpec, number][] = [
    [spec(""), MetadataErrorCode.INVALID_TOPIC_EXCEPTION],
    [spec(".."), MetadataErrorCode.INVALID_TOPIC_EXCEPTION],
    [spec("bad name"), MetadataErrorCode.INVALID_TOPIC_EXCEPTION],
    [spec("x".repeat(250)), MetadataErrorCode.INVALID_TOPIC_EXCEPTION],
    [spec("a_b"), MetadataErrorCode.INVALID_TOPIC_EXCEPTION],
    [spec("a.b"), MetadataErrorCode.TOPIC_ALREADY_EXISTS],
    [spec("t", { numPartitions: 0 }), MetadataErrorCode.INVALID_PARTITIONS],
    [spec("t", { numPartitions: -5 }), MetadataErrorCode.INVALID_PARTITIONS],
    [spec("t", { replicationFactor: 0 }), MetadataErrorCode.INVALID_REPLICATION_FACTOR],
    [spec("t", { replicationFactor: 3 }), MetadataErrorCode.INVALID_REPLICATION_FACTOR],
    [spec("t", { configs: { "retention.ms": "soon" } }), MetadataErrorCode.INVALID_CONFIG],
    [
      spec("t", { numPartitions: 2, assignments: [{ partitionIndex: 0, brokerIds: [1] }] }),
      MetadataErrorCode.INVALID_REQUEST,
    ],
    [spec("t", { assignments: [{ partitionIndex: 1, brokerIds: [1] }] }), MetadataErrorCode.INVALID_REPLICA_ASSIGNMENT],
    [spec("t", { assignments: [{ partitionIndex: 0, brokerIds: [2] }] }), MetadataErrorCode.INVALID_REPLICA_ASSIGNMENT],
  ];
  for (const [s, code] of cases) {
    const r = createTopic(img, s, opts);
    assert.equal(r.ok, false, s.name);
    if (!r.ok) assert.equal(r.error.errorCode, code, `${s.name}: ${r.error.errorMessage}`);
  }
});

test("manual assignment creates exactly the given partitions", () => {
  const r = createTopic(
    base(),
    spec("m", {
      assignments: [
        { partitionIndex: 1, brokerIds: [1] },
        { partitionIndex: 0, brokerIds: [1] },
      ],
    }),
    opts,
  );
  assert.ok(r.ok);
  assert.equal(r.value.partitions.length, 2);
});

test("createPartitions only grows", () => {
  const img = created(base(), spec("t", { numPartitions: 2 }));
  const same = createPartitions(img, { name: "t", count: 2, assignments: null });
  assert.ok(!same.ok && same.error.errorCode === MetadataErrorCode.INVALID_PARTITIONS);
  const less = createPartitions(img, { name: "t", count: 1, assignments: null });
  assert.ok(!less.ok && less.error.errorCode === MetadataErrorCode.INVALID_PARTITIONS);
  const unknown = createPartitions(img, { name: "nope", count: 4, assignments: null });
  assert.ok(!unknown.ok && unknown.error.errorCode === MetadataErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  const badAssign = createPartitions(img, { name: "t", count: 4, assignments: [[1]] });
  assert.ok(!badAssign.ok && badAssign.error.errorCode === MetadataErrorCode.INVALID_REPLICA_ASSIGNMENT);
  const ok = createPartitions(img, { name: "t", count: 5, assignments: null });
  assert.ok(ok.ok);
  assert.deepEqual(
    ok.image.topics.get("t")!.partitions.map((p) => p.partitionIndex),
    [0, 1, 2, 3, 4],
  );
});

test("setTopicConfigs validates and replaces", () => {
  const img = created(base(), spec("t"));
  const bad = setTopicConfigs(img, "t", { "retention.ms": "x" }, opts.validateConfig);
  assert.ok(!bad.ok && bad.error.errorCode === MetadataErrorCode.INVALID_CONFIG);
  const ok = setTopicConfigs(img, "t", { "retention.ms": "5" }, opts.validateConfig);
  assert.ok(ok.ok);
  assert.deepEqual(ok.image.topics.get("t")!.configs, { "retention.ms": "5" });
});

test("property: leader epochs of a re-created topic are above every earlier epoch of that name", () => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom("create", "delete", "grow"), { maxLength: 30 }), (ops) => {
      let img = base();
      let maxSeen = -1;
      for (const op of ops) {
        const t = img.topics.get("t");
        if (op === "create" && t === undefined) {
          img = created(img, spec("t", { numPartitions: 1 }));
          const epochs = img.topics.get("t")!.partitions.map((p) => p.leaderEpoch);
          for (const e of epochs) assert.ok(e > maxSeen || maxSeen === -1, `epoch ${e} not above ${maxSeen}`);
        } else if (op === "delete" && t !== undefined) {
          const r = deleteTopic(img, "t");
          assert.ok(r.ok);
          img = r.image;
          assert.equal(img.topicIds.size, 0);
        } else if (op === "grow" && t !== undefined) {
          const r = createPartitions(img, { name: "t", count: t.partitions.length + 1, assignments: null });
          assert.ok(r.ok);
          img = r.image;
        }
        for (const p of img.topics.get("t")?.partitions ?? []) maxSeen = Math.max(maxSeen, p.leaderEpoch);
      }
    }),
    { numRuns: 200 },
  );
});

test("applyEach: one change, failures isolated, successes build on each other", () => {
  const r = applyEach(base(), ["a", "bad name", "b", "a"], (img, name) => createTopic(img, spec(name), opts));
  assert.ok(r.ok);
  assert.deepEqual(
    r.value.map((x) => x.ok),
    [true, false, true, false],
  );
  assert.deepEqual([...r.image.topics.keys()], ["a", "b"]);
  assert.equal(r.image.changeCount, 2);
});
