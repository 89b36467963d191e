// Round trip through the node-rdkafka-style API that @confluentinc/kafka-javascript (librdkafka 2.15,
// default install) and node-rdkafka (SAMSA_SLOW_COMPAT=1) share: AdminClient creates the topic, a
// Producer writes keyed records with headers and CreateTimes, a KafkaConsumer assigned to the
// partition (no group membership) reads them back.
import assert from "node:assert/strict";
import { startBroker } from "./broker.mjs";
import { assertRecordsRoundTrip, makeRecords, uniqueTopic } from "./records.mjs";

const TIMEOUT_MS = 15_000;

function withTimeout(promise, what, timeoutMs = TIMEOUT_MS) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function createTopic(Kafka, bootstrap, topic) {
  const admin = Kafka.AdminClient.create({ "bootstrap.servers": bootstrap });
  return withTimeout(
    new Promise((resolve, reject) => {
      admin.createTopic({ topic, num_partitions: 1, replication_factor: 1 }, TIMEOUT_MS, (err) =>
        err ? reject(err) : resolve(),
      );
    }),
    "createTopic",
  ).finally(() => admin.disconnect());
}

async function produce(Kafka, bootstrap, topic, records) {
  const producer = new Kafka.Producer({
    "bootstrap.servers": bootstrap,
    acks: "all",
    dr_cb: true,
    "linger.ms": 5,
    "message.timeout.ms": TIMEOUT_MS,
  });
  const reports = [];
  const delivered = new Promise((resolve, reject) => {
    producer.on("delivery-report", (err, report) => {
      reports.push({ error: err ? String(err) : null, offset: report.offset, key: report.key?.toString() });
      if (reports.length === records.length) resolve();
    });
    producer.on("event.error", reject);
  });
  await withTimeout(
    new Promise((resolve, reject) => producer.connect({}, (err) => (err ? reject(err) : resolve()))),
    "producer connect",
  );
  producer.setPollInterval(20);
  try {
    for (const r of records) {
      producer.produce(
        topic,
        0,
        Buffer.from(r.value),
        Buffer.from(r.key),
        r.timestampMs,
        null,
        r.headers.map(([k, v]) => ({ [k]: Buffer.from(v) })),
      );
    }
    // Longer than message.timeout.ms, so a record the broker refuses shows up as a report's error.
    await withTimeout(delivered, "delivery reports", TIMEOUT_MS + 5000);
  } finally {
    await new Promise((resolve) => producer.disconnect(TIMEOUT_MS, resolve));
  }
  return reports;
}

async function consume(Kafka, bootstrap, topic, count) {
  // group.id is required by the KafkaConsumer constructor; with assign and no commits it is unused.
  const consumer = new Kafka.KafkaConsumer(
    { "bootstrap.servers": bootstrap, "group.id": `compat-${topic}`, "enable.auto.commit": false },
    {},
  );
  await withTimeout(
    new Promise((resolve, reject) => consumer.connect({}, (err) => (err ? reject(err) : resolve()))),
    "consumer connect",
  );
  const consumed = [];
  try {
    consumer.assign([{ topic, partition: 0, offset: 0 }]);
    const deadline = Date.now() + TIMEOUT_MS;
    while (consumed.length < count && Date.now() < deadline) {
      const batch = await new Promise((resolve, reject) =>
        consumer.consume(count - consumed.length, (err, msgs) => (err ? reject(err) : resolve(msgs))),
      );
      for (const m of batch) {
        consumed.push({
          offset: m.offset,
          key: m.key?.toString(),
          value: m.value?.toString(),
          headers: (m.headers ?? []).flatMap((h) => Object.entries(h).map(([k, v]) => [k, v.toString()])),
          timestampMs: m.timestamp,
        });
      }
    }
  } finally {
    await new Promise((resolve) => consumer.disconnect(resolve));
  }
  return consumed;
}

/** Runs the round trip with `Kafka` (the client module) against a fresh broker. */
export async function rdkafkaRoundTrip(Kafka, prefix) {
  const broker = await startBroker();
  const topic = uniqueTopic(prefix);
  const records = makeRecords(prefix, 12);
  await createTopic(Kafka, broker.bootstrap, topic);
  const reports = await produce(Kafka, broker.bootstrap, topic, records);
  assert.deepEqual(
    reports.map((r) => [r.error, r.offset, r.key]),
    records.map((r, i) => [null, i, r.key]),
    "delivery reports: offsets in produce order",
  );
  assertRecordsRoundTrip(await consume(Kafka, broker.bootstrap, topic, records.length), records);
  await broker.stop();
}
