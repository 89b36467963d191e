// Group coordinator failover: etcd + 3 brokers, `__consumer_offsets` with replication factor 3. A
// kafkajs consumer group commits as it consumes; the broker leading the group's offsets partition
// (its coordinator) is killed with SIGKILL. The group must keep consuming through the new
// coordinator, and a new member must resume at the committed offsets (nothing read again).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import kafkajs from "kafkajs";
import { startBroker } from "../compat/harness/broker.mjs";
import { clusterArgs, startEtcd } from "./harness.mjs";

const { Kafka, logLevel } = kafkajs;
const OFFSETS_PARTITIONS = 10;
const PARTITIONS = 3;

let etcd;
const brokers = [];

before(async () => {
  etcd = await startEtcd();
  for (let id = 1; id <= 3; id++) {
    const args = clusterArgs(etcd.url, id, ["--set", `offsets.topic.num.partitions=${OFFSETS_PARTITIONS}`]);
    brokers.push({ id, broker: await startBroker({ args }) });
  }
});

after(async () => {
  for (const b of brokers) await b.broker.stop().catch(() => {});
  await etcd?.stop();
});

/** Kafka's choice of a group's offsets partition: Java's String.hashCode, made non-negative. */
function offsetsPartition(groupId) {
  let h = 0;
  for (let i = 0; i < groupId.length; i++) h = (Math.imul(h, 31) + groupId.charCodeAt(i)) | 0;
  return (h & 0x7fffffff) % OFFSETS_PARTITIONS;
}

/** The kafkajs clients' last warnings and errors, printed when the test times out. */
const clientLog = [];
const CLIENT_LOG_LINES = 200;
const logCreator =
  () =>
  ({ namespace, level, log }) => {
    clientLog.push(`${new Date().toISOString()} ${level} ${namespace} ${log.message} ${log.error ?? ""}`);
    if (clientLog.length > CLIENT_LOG_LINES) clientLog.shift();
  };

async function until(predicate, timeoutMs, what, state = () => "") {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) {
      const logs = brokers.map((b) => `--- broker ${b.id}\n${b.broker.log().slice(-6000)}`).join("\n");
      throw new Error(
        `timed out waiting for ${what} (${await state()})\n--- clients\n${clientLog.join("\n")}\n${logs}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

test("a consumer group keeps going and keeps its offsets when its coordinator is killed", {
  timeout: 180_000,
}, async (t) => {
  const topic = `coord-failover-${Date.now()}`;
  const groupId = `group-${Date.now()}`;
  const kafka = new Kafka({
    clientId: "coordinator-failover",
    brokers: brokers.map((b) => b.broker.bootstrap),
    logLevel: logLevel.WARN,
    logCreator,
    retry: { retries: 20, initialRetryTime: 200, maxRetryTime: 2000 },
  });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 3 }],
    waitForLeaders: true,
  });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  let sent = 0;
  const produce = async (n) => {
    const messages = [];
    for (let i = 0; i < n; i++) messages.push({ value: `v${sent++}` });
    await producer.send({ topic, acks: -1, messages });
  };
  const committed = async () => {
    const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return entry.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
  };

  const received = [];
  const startConsumer = async () => {
    const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1000 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommitThreshold: 1,
      eachMessage: async ({ message }) => received.push(message.value.toString()),
    });
    return consumer;
  };

  await produce(100);
  const first = await startConsumer();
  await until(
    async () => received.length >= 100 && (await committed()) === 100,
    60_000,
    "100 consumed and committed",
    async () => `received ${received.length}, committed ${await committed().catch((e) => e.message)}`,
  );

  const md = await admin.fetchTopicMetadata({ topics: ["__consumer_offsets"] });
  const offsets = md.topics[0].partitions;
  assert.equal(offsets.length, OFFSETS_PARTITIONS);
  for (const p of offsets) assert.equal(p.replicas.length, 3, "__consumer_offsets has replication factor 3");
  const coordinatorId = offsets.find((p) => p.partitionId === offsetsPartition(groupId)).leader;
  const victim = brokers.find((b) => b.id === coordinatorId);
  assert.ok(victim !== undefined, `coordinator ${coordinatorId} is one of the brokers`);

  const killedAtMs = Date.now();
  await victim.broker.kill9();
  // The new coordinator serves the offsets committed through the old one (nothing produced meanwhile).
  let afterKill = -1;
  await until(
    async () => {
      afterKill = await committed().catch(() => -1);
      return afterKill >= 0;
    },
    60_000,
    "committed offsets from the new coordinator",
  );
  assert.equal(afterKill, 100, "the committed offsets survived the coordinator's death");
  await produce(100);
  const producedMs = Date.now() - killedAtMs;
  await until(async () => received.length >= 200, 90_000, "200 consumed after the kill");
  const consumedMs = Date.now() - killedAtMs;
  await until(
    async () => received.length >= 200 && (await committed().catch(() => -1)) === 200,
    90_000,
    "200 consumed and committed after the kill",
  );
  t.diagnostic(
    `after killing coordinator ${coordinatorId}: 100 more produced in ${producedMs} ms, consumed at ` +
      `${consumedMs} ms, all 200 committed at ${Date.now() - killedAtMs} ms`,
  );
  assert.deepEqual(new Set(received).size, 200, "every record consumed");

  await first.disconnect();
  const before = received.length;
  const second = await startConsumer();
  await produce(10);
  await until(async () => received.length >= before + 10, 60_000, "the new member consumed the new records");
  const again = received.slice(before);
  assert.deepEqual(
    again.filter((v) => Number(v.slice(1)) < 200),
    [],
    "the new member resumed at the committed offsets (nothing read again)",
  );
  await second.disconnect();
  await producer.disconnect();
  await admin.disconnect();
});
