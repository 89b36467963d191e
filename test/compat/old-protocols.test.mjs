// Old protocol versions against a real broker process: message sets v0 and v1 (Produce/Fetch v0-v3)
// produced and consumed, uncompressed and as gzip/snappy wrapper messages, by
// - Sarama 1.22 at its default version 0.8.2 (Produce v0 / Fetch v0, message format v0) and at
//   0.10.0 (Produce v2 / Fetch v2, message format v1 with CreateTimes), one request for all records;
// - kcat (librdkafka 2.0) without ApiVersions, told the broker is 0.9.0 (Produce v1 / Fetch v1,
//   message format v0) or 0.10.0 (Produce v2 / Fetch v2, message format v1).
// The broker up-converts on produce and down-converts on fetch; offsets, keys and values must hold.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startBroker, stopAllBrokers } from "./harness/broker.mjs";
import { createTopic } from "./harness/kafkajs.mjs";
import { requireExecutable, runOk } from "./harness/process.mjs";
import { assertRecordsRoundTrip, makeRecords, uniqueTopic } from "./harness/records.mjs";
import { buildSarama } from "./harness/sarama.mjs";

const COUNT = 12;
let broker;
let sarama;

before(async () => {
  sarama = await buildSarama();
  broker = await startBroker();
});

after(async () => {
  await stopAllBrokers();
  sarama?.cleanup();
});

const SARAMA_VERSIONS = [
  { version: "", expected: "0.8.2.0", timestamps: "none" },
  { version: "0.10.0.0", expected: "0.10.0.0", timestamps: "exact" },
];

for (const { version, expected, timestamps } of SARAMA_VERSIONS) {
  for (const compression of ["", "gzip", "snappy"]) {
    test(`sarama ${expected} ${compression || "uncompressed"}: one message set, partition consumer`, {
      timeout: 60_000,
    }, async () => {
      const topic = uniqueTopic(`sarama-old-${compression || "none"}`);
      await createTopic(broker.bootstrap, topic);
      // Message formats v0 and v1 carry no headers.
      const records = makeRecords(`s${expected}${compression}`, COUNT).map((r) => ({ ...r, headers: [] }));
      const out = await sarama.run({ bootstrap: broker.bootstrap, topic, version, compression, batch: true, records });
      assert.equal(out.version, expected, "Sarama's protocol version");
      assert.deepEqual(
        out.produced,
        records.map((_, i) => i),
        "produced offsets",
      );
      assertRecordsRoundTrip(out.consumed, records, { timestamps });
    });
  }
}

for (const { version, expected, timestamps } of SARAMA_VERSIONS) {
  test(`sarama ${expected}: messages larger than the fetch size come back once Sarama grows it`, {
    timeout: 60_000,
  }, async () => {
    const topic = uniqueTopic("sarama-large");
    await createTopic(broker.bootstrap, topic);
    const records = makeRecords(`big${expected}`, 4).map((r, i) => ({
      ...r,
      value: `${r.value}-${"L".repeat(2000 + i)}`,
      headers: [],
    }));
    // Before KIP-74 a first message beyond the limit arrives partial; Sarama then doubles its
    // fetch size (an empty answer would have it refetch the same offset forever).
    const out = await sarama.run({ bootstrap: broker.bootstrap, topic, version, fetchDefaultBytes: 100, records });
    assertRecordsRoundTrip(out.consumed, records, { timestamps });
  });
}

/** Produces with kcat as if the broker were `fallback` (no ApiVersions request), reads it back the same way. */
async function kcatOldRoundTrip(fallback, codec) {
  const kcat = requireExecutable("kcat");
  const topic = uniqueTopic(`kcat-${fallback}-${codec ?? "none"}`);
  await createTopic(broker.bootstrap, topic);
  const oldProtocol = ["-X", "api.version.request=false", "-X", `broker.version.fallback=${fallback}`];
  const records = Array.from({ length: COUNT }, (_, i) => ({ key: `key-${i}`, value: `value-${i}-${"o".repeat(i)}` }));
  const beforeMs = Date.now();
  await runOk(
    kcat,
    [
      "-b",
      broker.bootstrap,
      "-P",
      "-t",
      topic,
      "-p",
      "0",
      "-K",
      "\t",
      ...oldProtocol,
      "-X",
      "message.timeout.ms=10000",
      ...(codec ? ["-z", codec] : []),
    ],
    { input: records.map((r) => `${r.key}\t${r.value}\n`).join(""), timeoutMs: 20_000 },
  );
  const afterMs = Date.now();
  const { stdout } = await runOk(
    kcat,
    [
      "-b",
      broker.bootstrap,
      "-C",
      "-t",
      topic,
      "-p",
      "0",
      "-o",
      "beginning",
      "-e",
      ...oldProtocol,
      "-f",
      "%o\t%T\t%k\t%s\n",
    ],
    { timeoutMs: 20_000 },
  );
  const read = stdout
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => l.split("\t"));
  assert.deepEqual(
    read.map(([o, , k, v]) => [o, k, v]),
    records.map((r, i) => [String(i), r.key, r.value]),
    "offsets, keys and values",
  );
  for (const [o, ts] of read) {
    if (fallback === "0.9.0") {
      // Message format v0 has no timestamp: librdkafka reports 0 (none).
      assert.equal(Number(ts), 0, `offset ${o}: no timestamp in message format v0`);
    } else {
      assert.ok(Number(ts) >= beforeMs - 1000 && Number(ts) <= afterMs + 1000, `offset ${o}: CreateTime ${ts}`);
    }
  }
}

for (const fallback of ["0.9.0", "0.10.0"]) {
  for (const codec of [undefined, "gzip", "snappy"]) {
    test(
      `kcat broker.version.fallback=${fallback} ${codec ?? "uncompressed"}: produce and consume`,
      {
        timeout: 60_000,
      },
      () => kcatOldRoundTrip(fallback, codec),
    );
  }
}
