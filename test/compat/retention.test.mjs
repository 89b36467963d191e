// Retention against a real broker process (log.retention.check.interval.ms short): kafkajs writes one
// record per batch into small segments; time retention (retention.ms, by the records' CreateTimes)
// and size retention (retention.bytes) delete whole old segments. The log start offset moves to the
// first kept segment: ListOffsets earliest (kafkajs) says so, kcat from the beginning starts there
// and reads every later record, and the segment files on disk agree. It survives a restart.
import assert from "node:assert/strict";
import { readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { after, test } from "node:test";
import { makeTempDir, startBroker, stopAllBrokers } from "./harness/broker.mjs";
import { kafkajsClient } from "./harness/kafkajs.mjs";
import { requireExecutable, runOk } from "./harness/process.mjs";
import { uniqueTopic } from "./harness/records.mjs";

after(stopAllBrokers);

const SEGMENT_BYTES = 1024;
const CHECK_INTERVAL_MS = 300;
const POLL_DEADLINE_MS = 15_000;
const BROKER_ARGS = ["--set", `log.retention.check.interval.ms=${CHECK_INTERVAL_MS}`];

async function withAdmin(bootstrap, fn) {
  const admin = kafkajsClient(bootstrap, "samsa-compat-admin").admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

function createTopic(bootstrap, topic, configs) {
  return withAdmin(bootstrap, async (admin) => {
    const configEntries = Object.entries({ "segment.bytes": String(SEGMENT_BYTES), ...configs }).map(
      ([name, value]) => ({ name, value }),
    );
    const created = await admin.createTopics({
      topics: [{ topic, numPartitions: 1, replicationFactor: 1, configEntries }],
      waitForLeaders: true,
      timeout: 10_000,
    });
    assert.ok(created, `CreateTopics: ${topic} already exists`);
  });
}

/** ListOffsets earliest and latest of partition 0. */
function listOffsets(bootstrap, topic) {
  return withAdmin(bootstrap, async (admin) => {
    const [p] = await admin.fetchTopicOffsets(topic);
    return { earliest: Number(p.low), latest: Number(p.high) };
  });
}

/** Each record its own batch (acks=all), so segments roll every few records. */
async function produceOneByOne(bootstrap, topic, records) {
  const producer = kafkajsClient(bootstrap, "samsa-compat-retention").producer();
  await producer.connect();
  try {
    for (const r of records) {
      await producer.send({
        topic,
        acks: -1,
        messages: [{ partition: 0, key: r.key, value: r.value, timestamp: String(r.timestampMs) }],
      });
    }
  } finally {
    await producer.disconnect();
  }
}

/** kcat from the beginning: [offset, key, value, timestampMs]. */
async function readFromBeginning(bootstrap, topic) {
  const { stdout } = await runOk(
    "kcat",
    ["-b", bootstrap, "-C", "-t", topic, "-p", "0", "-o", "beginning", "-e", "-f", "%o\t%k\t%s\t%T\n"],
    { timeoutMs: 20_000 },
  );
  return stdout
    .split("\n")
    .filter((l) => l !== "")
    .map((line) => {
      const [offset, key, value, ts] = line.split("\t");
      return [Number(offset), key, value, Number(ts)];
    });
}

/** Base offsets and sizes of the partition's segment files, in offset order. */
function segmentsOnDisk(dataDir, topic) {
  const dir = join(dataDir, `${topic}-0`);
  return readdirSync(dir)
    .filter((f) => /^\d{20}\.log$/.test(f))
    .map((f) => ({ baseOffset: Number(f.slice(0, 20)), size: statSync(join(dir, f)).size }))
    .sort((a, b) => a.baseOffset - b.baseOffset);
}

async function pollUntil(condition, what) {
  const deadline = Date.now() + POLL_DEADLINE_MS;
  while (!(await condition())) {
    assert.ok(Date.now() < deadline, `${what}: not within ${POLL_DEADLINE_MS} ms`);
    await sleep(CHECK_INTERVAL_MS);
  }
}

function makeRecords(prefix, count, timestampMs) {
  return Array.from({ length: count }, (_, i) => ({
    key: `${prefix}-key-${i}`,
    value: `${prefix}-value-${i}-${"r".repeat(20)}`,
    timestampMs,
  }));
}

/** What a consumer from the log start must see: every record written from `earliest` on. */
async function assertServedFrom(broker, topic, written, earliest) {
  const offsets = await listOffsets(broker.bootstrap, topic);
  assert.deepEqual(offsets, { earliest, latest: written.length }, "ListOffsets earliest/latest");
  const read = await readFromBeginning(broker.bootstrap, topic);
  assert.deepEqual(
    read,
    written.slice(earliest).map((r, i) => [earliest + i, r.key, r.value, r.timestampMs]),
    "kcat from the beginning starts at the log start offset and reads every later record",
  );
}

test("time retention deletes the segments whose records are all older than retention.ms", {
  timeout: 60_000,
}, async () => {
  requireExecutable("kcat");
  const broker = await startBroker({ args: BROKER_ARGS });
  const topic = uniqueTopic("retention-time");
  await createTopic(broker.bootstrap, topic, { "retention.ms": "60000" });
  const nowMs = Date.now();
  // Ten minutes old: expired as soon as their segment is no longer the one being written.
  const old = makeRecords("old", 30, nowMs - 600_000);
  const fresh = makeRecords("fresh", 20, nowMs);
  const written = [...old, ...fresh];
  await produceOneByOne(broker.bootstrap, topic, written);

  await pollUntil(async () => (await listOffsets(broker.bootstrap, topic)).earliest > 0, "log start offset moves");
  // One more pass cannot move it further: the first kept segment holds a fresh record.
  await sleep(3 * CHECK_INTERVAL_MS);
  const segments = segmentsOnDisk(broker.dataDir, topic);
  const earliest = segments[0].baseOffset;
  assert.ok(segments.length >= 2, "fresh records fill more than one segment");
  assert.ok(
    earliest <= old.length && segments[1].baseOffset > old.length,
    `first kept segment [${earliest}, ${segments[1].baseOffset}) holds the first fresh record (offset ${old.length})`,
  );
  assert.ok(earliest > 0, "old segments are gone from disk");
  await assertServedFrom(broker, topic, written, earliest);
  await broker.stop();
});

test("size retention deletes the oldest segments beyond retention.bytes; the log start survives a restart", {
  timeout: 60_000,
}, async () => {
  requireExecutable("kcat");
  const dataDir = makeTempDir("retention-size");
  try {
    const retentionBytes = 3 * SEGMENT_BYTES;
    let broker = await startBroker({ dataDir, args: BROKER_ARGS });
    const topic = uniqueTopic("retention-size");
    await createTopic(broker.bootstrap, topic, { "retention.bytes": String(retentionBytes) });
    const written = makeRecords("sized", 80, Date.now());
    await produceOneByOne(broker.bootstrap, topic, written);

    const total = (segs) => segs.reduce((sum, s) => sum + s.size, 0);
    // Kafka's rule: delete the oldest segment while the rest still holds retention.bytes.
    const settled = (segs) => total(segs) - segs[0].size < retentionBytes;
    await pollUntil(() => settled(segmentsOnDisk(dataDir, topic)), "size retention pass");
    await sleep(3 * CHECK_INTERVAL_MS);
    const segments = segmentsOnDisk(dataDir, topic);
    const earliest = segments[0].baseOffset;
    assert.ok(earliest > 0, "old segments deleted");
    assert.ok(settled(segments), "no further segment is deletable");
    assert.ok(total(segments) >= retentionBytes, `kept ${total(segments)} bytes: at least retention.bytes`);
    await assertServedFrom(broker, topic, written, earliest);

    await broker.stop();
    broker = await startBroker({ dataDir, args: BROKER_ARGS });
    await assertServedFrom(broker, topic, written, earliest);
    await broker.stop();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
