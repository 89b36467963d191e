// Crash durability scaffold: produce with acks=all while killing the broker with SIGKILL at random
// moments, restart it on the same data dir, and check that every acknowledged record is still at the
// offset its acknowledgement gave. The seed is printed on failure; SAMSA_KILL9_SEED reproduces the
// schedule of kill delays.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, test } from "node:test";
import { seededRandom } from "@samsa/common";
import { Kafka, logLevel } from "kafkajs";
import { makeTempDir, startBroker, stopAllBrokers } from "./harness/broker.mjs";
import { createTopic } from "./harness/kafkajs.mjs";
import { requireExecutable, runOk } from "./harness/process.mjs";

const CYCLES = 20;
const MAX_KILL_DELAY_MS = 600;
const RECORDS_PER_SEND = 3;
/** Bound on the acknowledged offsets remembered (and on the records one cycle can write). */
const MAX_ACKED = 100_000;

let dataDir;
after(async () => {
  await stopAllBrokers();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** Sends small acks=all batches until the broker dies; records every acknowledged offset. */
async function produceUntilKilled(bootstrap, topic, cycle, acked, signal) {
  const kafka = new Kafka({
    clientId: "samsa-kill9",
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: 5000,
    retry: { retries: 0 },
  });
  const producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
  try {
    await producer.connect();
    for (let send = 0; !signal.killed && acked.size < MAX_ACKED; send++) {
      const values = Array.from({ length: RECORDS_PER_SEND }, (_, i) => `c${cycle}-s${send}-r${i}`);
      const [meta] = await producer.send({ topic, acks: -1, messages: values.map((value) => ({ value })) });
      assert.equal(meta.errorCode, 0, `produce error ${meta.errorCode}`);
      const base = Number(meta.baseOffset);
      values.forEach((value, i) => {
        assert.ok(!acked.has(base + i), `offset ${base + i} acknowledged twice`);
        acked.set(base + i, value);
      });
    }
  } catch (e) {
    // Only the kill may end the loop: an error while the broker is alive is a failure.
    if (!signal.killed) throw e;
  } finally {
    await producer.disconnect().catch(() => {});
  }
}

async function readAll(kcat, bootstrap, topic) {
  const { stdout } = await runOk(
    kcat,
    ["-b", bootstrap, "-C", "-t", topic, "-p", "0", "-o", "beginning", "-e", "-f", "%o\t%s\n"],
    { timeoutMs: 20_000 },
  );
  const records = new Map();
  for (const line of stdout.split("\n")) {
    if (line === "") continue;
    const [offset, value] = line.split("\t");
    records.set(Number(offset), value);
  }
  return records;
}

function assertAckedPresent(acked, present, context) {
  for (const [offset, value] of acked) {
    assert.equal(present.get(offset), value, `${context}: acknowledged offset ${offset}`);
  }
}

test(`kill -9: acknowledged acks=all records survive ${CYCLES} SIGKILL/restart cycles`, {
  timeout: 240_000,
}, async (t) => {
  const kcat = requireExecutable("kcat");
  const seed = Number(process.env.SAMSA_KILL9_SEED ?? Date.now() % 2 ** 31);
  const random = seededRandom(seed);
  const context = (cycle) => `seed ${seed} (SAMSA_KILL9_SEED), cycle ${cycle}`;
  dataDir = makeTempDir("kill9");
  const topic = "kill9";
  const acked = new Map();

  let broker = await startBroker({ dataDir });
  await createTopic(broker.bootstrap, topic);
  let cyclesWithAcks = 0;
  for (let cycle = 0; cycle < CYCLES; cycle++) {
    const ackedBefore = acked.size;
    const signal = { killed: false };
    const producing = produceUntilKilled(broker.bootstrap, topic, cycle, acked, signal).then(
      () => null,
      (e) => e,
    );
    await new Promise((resolve) => setTimeout(resolve, random.next() * MAX_KILL_DELAY_MS));
    signal.killed = true;
    await broker.kill9();
    const produceError = await producing;
    if (produceError) throw new Error(`${context(cycle)}: ${produceError.message}`, { cause: produceError });

    if (acked.size > ackedBefore) cyclesWithAcks++;

    broker = await startBroker({ dataDir });
    const present = await readAll(kcat, broker.bootstrap, topic);
    assertAckedPresent(acked, present, context(cycle));
    t.diagnostic(`cycle ${cycle}: ${acked.size - ackedBefore} acknowledged, log holds ${present.size}`);
  }
  t.diagnostic(`seed ${seed}: ${acked.size} records acknowledged, ${cyclesWithAcks} of ${CYCLES} cycles produced`);
  // The kills must land while records flow, or the test proves nothing.
  assert.ok(cyclesWithAcks >= CYCLES / 2, `only ${cyclesWithAcks} of ${CYCLES} cycles acknowledged a record`);
  await broker.stop();
});
