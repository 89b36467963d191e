// Log compaction against a real broker process: kafkajs writes a compacted topic (small segments,
// low min.cleanable.dirty.ratio) one record per batch, kcat reads it from the beginning. With
// log.cleaner.enable=false nothing is cleaned; after a restart with the cleaner on (short
// log.cleaner.backoff.ms) exactly the last value per key remains at its original offset, tombstones
// included, and once delete.retention.ms has passed a later cleaning removes the tombstones too.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { after, test } from "node:test";
import { CompressionTypes } from "kafkajs";
import { makeTempDir, startBroker, stopAllBrokers } from "./harness/broker.mjs";
import { kafkajsClient } from "./harness/kafkajs.mjs";
import { requireExecutable, runOk } from "./harness/process.mjs";
import { uniqueTopic } from "./harness/records.mjs";

after(stopAllBrokers);

const KEYS = 12;
const ROUNDS = 3;
const TOMBSTONED_KEYS = 4;
/** Unique keys written last: more than one segment of them, so the active segment holds no duplicates. */
const TAIL = 16;
const SEGMENT_BYTES = 1024;
const DELETE_RETENTION_MS = 8000;
const BACKOFF_MS = 200;
const POLL_DEADLINE_MS = 20_000;

const brokerArgs = (cleanerEnabled) => [
  "--set",
  `log.cleaner.enable=${cleanerEnabled}`,
  "--set",
  `log.cleaner.backoff.ms=${BACKOFF_MS}`,
];

async function createCompactedTopic(bootstrap, topic, cleanupPolicy = "compact") {
  const admin = kafkajsClient(bootstrap, "samsa-compat-admin").admin();
  await admin.connect();
  try {
    const created = await admin.createTopics({
      topics: [
        {
          topic,
          numPartitions: 1,
          replicationFactor: 1,
          configEntries: [
            { name: "cleanup.policy", value: cleanupPolicy },
            { name: "segment.bytes", value: String(SEGMENT_BYTES) },
            { name: "min.cleanable.dirty.ratio", value: "0.01" },
            { name: "delete.retention.ms", value: String(DELETE_RETENTION_MS) },
          ],
        },
      ],
      waitForLeaders: true,
      timeout: 10_000,
    });
    assert.ok(created, `CreateTopics: ${topic} already exists`);
  } finally {
    await admin.disconnect();
  }
}

/** Sends each record as its own batch (acks=all), so segments roll between records. */
async function produceOneByOne(bootstrap, topic, records) {
  const producer = kafkajsClient(bootstrap, "samsa-compat-compaction").producer();
  await producer.connect();
  try {
    for (const r of records) {
      await producer.send({ topic, acks: -1, messages: [{ partition: 0, key: r.key, value: r.value }] });
    }
  } finally {
    await producer.disconnect();
  }
}

/** The partition from the beginning as [offset, key, value] (value null for a tombstone). */
async function readAll(bootstrap, topic) {
  const { stdout } = await runOk(
    "kcat",
    ["-b", bootstrap, "-C", "-t", topic, "-p", "0", "-o", "beginning", "-e", "-Z", "-f", "%o\t%k\t%s\n"],
    { timeoutMs: 20_000 },
  );
  return stdout
    .split("\n")
    .filter((l) => l !== "")
    .map((line) => {
      const [offset, key, value] = line.split("\t");
      return [Number(offset), key, value === "NULL" ? null : value];
    });
}

/** The last record per key, in offset order; without tombstones when `dropTombstones`. */
function lastPerKey(records, { dropTombstones }) {
  const last = new Map();
  for (const r of records) last.set(r[1], r);
  return [...last.values()].filter((r) => !(dropTombstones && r[2] === null)).sort((a, b) => a[0] - b[0]);
}

/** Reads until the partition equals one of `acceptable` (compaction runs in the background). */
async function readUntil(bootstrap, topic, acceptable, what) {
  const deadline = Date.now() + POLL_DEADLINE_MS;
  let seen;
  for (;;) {
    seen = await readAll(bootstrap, topic);
    if (acceptable().some((a) => JSON.stringify(a) === JSON.stringify(seen))) return seen;
    if (Date.now() > deadline) break;
    await sleep(BACKOFF_MS);
  }
  assert.deepEqual(seen, acceptable()[0], `${what}: not reached within ${POLL_DEADLINE_MS} ms`);
  return seen;
}

test("compacted topic keeps the last value per key at its offset; tombstones go after delete.retention.ms", {
  timeout: 90_000,
}, async () => {
  requireExecutable("kcat");
  const dataDir = makeTempDir("compaction");
  try {
    const topic = uniqueTopic("compacted");
    const written = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (let k = 0; k < KEYS; k++) written.push({ key: `key-${k}`, value: `round-${round}-of-key-${k}` });
    }
    for (let k = 0; k < TOMBSTONED_KEYS; k++) written.push({ key: `key-${k}`, value: null });
    for (let i = 0; i < TAIL; i++) written.push({ key: `tail-${i}`, value: `tail-value-${i}` });

    // Cleaner off: every record stays, at offsets 0..n-1 in the order written.
    let broker = await startBroker({ dataDir, args: brokerArgs(false) });
    await createCompactedTopic(broker.bootstrap, topic);
    await produceOneByOne(broker.bootstrap, topic, written);
    const tombstonesWrittenMs = Date.now();
    const full = written.map((r, i) => [i, r.key, r.value]);
    assert.deepEqual(await readAll(broker.bootstrap, topic), full, "everything written reads back");
    await sleep(5 * BACKOFF_MS);
    assert.deepEqual(await readAll(broker.bootstrap, topic), full, "log.cleaner.enable=false: nothing cleaned");
    await broker.stop();

    // Cleaner on: the last value per key, tombstones kept while delete.retention.ms has not passed.
    broker = await startBroker({ dataDir, args: brokerArgs(true) });
    const withTombstones = lastPerKey(full, { dropTombstones: false });
    const withoutTombstones = lastPerKey(full, { dropTombstones: true });
    assert.equal(withTombstones.length, KEYS + TAIL);
    await readUntil(
      broker.bootstrap,
      topic,
      () =>
        Date.now() - tombstonesWrittenMs < DELETE_RETENTION_MS ? [withTombstones] : [withTombstones, withoutTombstones],
      "first compaction",
    );

    // Past delete.retention.ms, new data makes the log dirty again: the next cleaning drops the tombstones.
    const wait = tombstonesWrittenMs + DELETE_RETENTION_MS + 500 - Date.now();
    if (wait > 0) await sleep(wait);
    const more = [];
    for (let i = 0; i < TAIL; i++) more.push({ key: `tail2-${i}`, value: `tail2-value-${i}` });
    await produceOneByOne(broker.bootstrap, topic, more);
    const all = [...full, ...more.map((r, i) => [full.length + i, r.key, r.value])];
    const final = await readUntil(
      broker.bootstrap,
      topic,
      () => [lastPerKey(all, { dropTombstones: true })],
      "tombstone removal",
    );
    assert.equal(final.length, KEYS - TOMBSTONED_KEYS + 2 * TAIL);
    for (let k = 0; k < TOMBSTONED_KEYS; k++) {
      assert.ok(!final.some((r) => r[1] === `key-${k}`), `tombstoned key-${k} is gone`);
    }
    for (let k = TOMBSTONED_KEYS; k < KEYS; k++) {
      const r = final.find((x) => x[1] === `key-${k}`);
      assert.deepEqual(r, [(ROUNDS - 1) * KEYS + k, `key-${k}`, `round-${ROUNDS - 1}-of-key-${k}`], `key-${k}`);
    }
    await broker.stop();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test("compact,delete topic of gzip batches: cleaned batches keep the last value per key at its offset", {
  timeout: 60_000,
}, async () => {
  requireExecutable("kcat");
  const broker = await startBroker({ args: brokerArgs(true) });
  const topic = uniqueTopic("compacted-gzip");
  await createCompactedTopic(broker.bootstrap, topic, "compact,delete");
  // Incompressible values: each 10-record batch fills most of a segment, so each gets its own.
  const batches = [];
  for (let round = 0; round < 4; round++) {
    batches.push(Array.from({ length: 10 }, (_, k) => ({ key: `key-${k}`, value: randomBytes(24).toString("hex") })));
  }
  for (let t = 0; t < 2; t++) {
    batches.push(
      Array.from({ length: 10 }, (_, i) => ({ key: `tail-${t}-${i}`, value: randomBytes(24).toString("hex") })),
    );
  }
  const producer = kafkajsClient(broker.bootstrap, "samsa-compat-compaction").producer();
  await producer.connect();
  try {
    for (const messages of batches) {
      await producer.send({
        topic,
        acks: -1,
        compression: CompressionTypes.GZIP,
        messages: messages.map((m) => ({ ...m, partition: 0 })),
      });
    }
  } finally {
    await producer.disconnect();
  }
  const all = batches.flat().map((r, i) => [i, r.key, r.value]);
  const final = await readUntil(
    broker.bootstrap,
    topic,
    () => [lastPerKey(all, { dropTombstones: false })],
    "compaction",
  );
  assert.equal(final.length, 10 + 20);
  await broker.stop();
});
