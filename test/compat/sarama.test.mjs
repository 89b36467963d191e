// Sarama (Debian's 1.22, Go 1.19 in GOPATH mode) against a real Samsa broker: a SyncProducer and a
// partition consumer, once at Sarama's default protocol version (0.8.2: message format v0, so no
// timestamps or headers travel) and once at 2.0.0 (record batches with headers and CreateTimes).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startBroker, stopAllBrokers } from "./harness/broker.mjs";
import { createTopic } from "./harness/kafkajs.mjs";
import { assertRecordsRoundTrip, makeRecords, uniqueTopic } from "./harness/records.mjs";
import { buildSarama } from "./harness/sarama.mjs";

let sarama;

before(async () => {
  sarama = await buildSarama();
});

after(async () => {
  await stopAllBrokers();
  sarama?.cleanup();
});

async function roundTrip(version, records) {
  const broker = await startBroker();
  const topic = uniqueTopic("sarama");
  await createTopic(broker.bootstrap, topic);
  const out = await sarama.run({ bootstrap: broker.bootstrap, topic, version, records });
  await broker.stop();
  return out;
}

test("sarama (default protocol version): SyncProducer, partition consumer", { timeout: 120_000 }, async () => {
  // Message format v0 carries neither headers nor timestamps.
  const records = makeRecords("sarama0", 10).map((r) => ({ ...r, headers: [] }));
  const out = await roundTrip("", records);
  assert.equal(out.version, "0.8.2.0", "Sarama's default protocol version");
  assert.deepEqual(
    out.produced,
    records.map((_, i) => i),
    "produced offsets",
  );
  assertRecordsRoundTrip(out.consumed, records, { timestamps: "none" });
});

test("sarama (version 2.0.0): SyncProducer with headers and timestamps, partition consumer", {
  timeout: 120_000,
}, async () => {
  const records = makeRecords("sarama2", 10);
  const out = await roundTrip("2.0.0", records);
  assert.equal(out.version, "2.0.0");
  assert.deepEqual(
    out.produced,
    records.map((_, i) => i),
    "produced offsets",
  );
  assertRecordsRoundTrip(out.consumed, records);
});
