// kafkajs 2.2.4 against a real Samsa broker. kafkajs has no group-less consumer (no assign), so the
// read-back test depends on consumer groups; the admin/producer test does not.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { startBroker, stopAllBrokers } from "./harness/broker.mjs";
import { kafkajsClient } from "./harness/kafkajs.mjs";
import { assertRecordsRoundTrip, makeRecords, uniqueTopic } from "./harness/records.mjs";

after(stopAllBrokers);

function toMessages(records) {
  return records.map((r) => ({
    key: r.key,
    value: r.value,
    headers: Object.fromEntries(r.headers),
    timestamp: String(r.timestampMs),
  }));
}

async function createAndProduce(bootstrap, topic, records) {
  const kafka = kafkajsClient(bootstrap);
  const admin = kafka.admin();
  await admin.connect();
  try {
    assert.equal(
      await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true }),
      true,
      "createTopics",
    );
    const listed = await admin.listTopics();
    assert.ok(listed.includes(topic), `listTopics includes ${topic}`);

    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      const half = Math.floor(records.length / 2);
      const first = await producer.send({ topic, acks: -1, messages: toMessages(records.slice(0, half)) });
      const second = await producer.send({ topic, acks: -1, messages: toMessages(records.slice(half)) });
      assert.deepEqual(
        [first, second].map((res) => res.map((m) => [m.topicName, m.partition, m.errorCode, m.baseOffset])),
        [[[topic, 0, 0, "0"]], [[topic, 0, 0, String(half)]]],
        "produce responses: base offsets",
      );
    } finally {
      await producer.disconnect();
    }
    const offsets = await admin.fetchTopicOffsets(topic);
    assert.deepEqual(
      offsets.map((o) => [o.partition, o.low, o.high]),
      [[0, "0", String(records.length)]],
      "ListOffsets: log start offset and high watermark",
    );
  } finally {
    await admin.disconnect();
  }
}

test("kafkajs: admin createTopics, producer acks=-1, ListOffsets", { timeout: 45_000 }, async () => {
  const broker = await startBroker();
  const topic = uniqueTopic("kjs");
  await createAndProduce(broker.bootstrap, topic, makeRecords("kjs", 10));
  await broker.stop();
});

test("kafkajs: consumer reads back keys, values, headers, offsets, timestamps (needs consumer groups)", {
  timeout: 60_000,
}, async () => {
  const broker = await startBroker();
  const topic = uniqueTopic("kjsc");
  const records = makeRecords("kjsc", 10);
  await createAndProduce(broker.bootstrap, topic, records);

  const consumer = kafkajsClient(broker.bootstrap).consumer({ groupId: `g-${topic}`, maxWaitTimeInMs: 200 });
  await consumer.connect();
  const consumed = [];
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${consumed.length} of ${records.length} records`)), 40_000);
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ message, partition }) => {
            assert.equal(partition, 0);
            consumed.push({
              offset: message.offset,
              key: message.key?.toString(),
              value: message.value?.toString(),
              headers: Object.entries(message.headers ?? {}).map(([k, v]) => [k, v.toString()]),
              timestampMs: message.timestamp,
            });
            if (consumed.length >= records.length) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  assertRecordsRoundTrip(consumed, records);
  await broker.stop();
});
