// Sarama (Debian's 1.22, Go 1.19 in GOPATH mode) against a real Samsa broker: a SyncProducer and a
// partition consumer, once at Sarama's default protocol version (0.8.2: message format v0, so no
// timestamps or headers travel) and once at 2.0.0 (record batches with headers and CreateTimes).
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { makeTempDir, startBroker, stopAllBrokers } from "./harness/broker.mjs";
import { createTopic } from "./harness/kafkajs.mjs";
import { requireExecutable, runOk } from "./harness/process.mjs";
import { assertRecordsRoundTrip, makeRecords, uniqueTopic } from "./harness/records.mjs";

const SOURCE_DIR = join(import.meta.dirname, "clients/sarama");
let buildDir;
let binary;

before(async () => {
  const go = requireExecutable("go");
  buildDir = makeTempDir("sarama");
  binary = join(buildDir, "sarama-roundtrip");
  await runOk(go, ["build", "-o", binary, "."], {
    cwd: SOURCE_DIR,
    timeoutMs: 120_000,
    env: {
      GO111MODULE: "off",
      GOPATH: `${join(buildDir, "gopath")}:/usr/share/gocode`,
      GOFLAGS: "",
      // Go needs a build cache even where HOME is unset.
      GOCACHE: process.env.GOCACHE ?? join(homedir(), ".cache/go-build"),
    },
  });
});

after(async () => {
  await stopAllBrokers();
  if (buildDir) rmSync(buildDir, { recursive: true, force: true });
});

async function roundTrip(version, records) {
  const broker = await startBroker();
  const topic = uniqueTopic("sarama");
  await createTopic(broker.bootstrap, topic);
  const { stdout } = await runOk(binary, [], {
    input: JSON.stringify({ bootstrap: broker.bootstrap, topic, version, records }),
    timeoutMs: 40_000,
  });
  await broker.stop();
  return JSON.parse(stdout);
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
