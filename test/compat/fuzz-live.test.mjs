// Live fuzzing of a real broker process: random frames and mutations of the real client captures in
// test/fixtures/captures (bit flips, truncations, corrupted length fields and array lengths, oversized
// and negative sizes, random garbage) over many connections. The broker must stay up and keep
// serving (kcat -L during the fuzzing), and afterwards kcat must produce and consume correctly with
// every record acknowledged before the fuzzing still there at its offset.
// SAMSA_FUZZ_SEED=<n> replays one run.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { createConnection } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { after, test } from "node:test";
import { startBroker, stopAllBrokers } from "./harness/broker.mjs";
import { createTopic } from "./harness/kafkajs.mjs";
import { requireExecutable, runOk } from "./harness/process.mjs";
import { uniqueTopic } from "./harness/records.mjs";

after(stopAllBrokers);

const CAPTURES_DIR = join(import.meta.dirname, "../fixtures/captures");
const FRAMES = 3000;
/** Kafka closes a connection at its first undecodable frame: a few frames each, so most get read. */
const MAX_FRAMES_PER_CONNECTION = 4;
const CONCURRENT_CONNECTIONS = 8;
/** A connection the broker neither answers nor closes is dropped after this long without traffic. */
const IDLE_MS = 250;
const RECORDS_BEFORE = 50;
const RECORDS_AFTER = 20;

/** mulberry32: small, seeded, good enough to pick mutations. */
function prng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n) => Math.floor(next() * n) };
}

function loadCaptures() {
  const frames = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith(".bin")) frames.push(readFileSync(path));
    }
  };
  walk(CAPTURES_DIR);
  return frames;
}

const withSize = (body, size = body.length) => {
  const out = Buffer.alloc(4 + body.length);
  out.writeInt32BE(size | 0, 0);
  body.copy(out, 4);
  return out;
};

/** One fuzz frame (size prefix included) and the name of the mutation that made it. */
function mutate(rng, captures) {
  const base = Buffer.from(captures[rng.int(captures.length)]);
  const kind = rng.int(9);
  switch (kind) {
    case 0: {
      const flips = 1 + rng.int(8);
      for (let i = 0; i < flips; i++) base[rng.int(base.length)] ^= 1 << rng.int(8);
      return ["bit-flips", withSize(base)];
    }
    case 1:
      return ["truncated-body", withSize(base.subarray(0, rng.int(base.length)))];
    case 2: {
      // The size prefix disagrees with the body: the rest is read as the next frame, or never comes.
      const delta = rng.int(2) === 0 ? -(1 + rng.int(Math.min(base.length, 64))) : 1 + rng.int(64);
      return ["wrong-size", withSize(base, base.length + delta)];
    }
    case 3: {
      const sizes = [0x7fffffff, 0x10000000, 104857601, -1, -0x80000000, 0];
      return ["oversized-or-negative-size", withSize(base, sizes[rng.int(sizes.length)])];
    }
    case 4: {
      // An int32 field (array length, string length, max bytes...) set to an extreme value.
      const values = [0x7fffffff, -1, -2, 0x10000000, 0xffff];
      const at = rng.int(Math.max(1, base.length - 4));
      if (base.length >= 4) base.writeInt32BE(values[rng.int(values.length)] | 0, at);
      return ["extreme-int32", withSize(base)];
    }
    case 5: {
      // api key / version in the header: unknown keys, unsupported versions.
      base.writeInt16BE(rng.int(2) === 0 ? rng.int(100) : -1 - rng.int(100), rng.int(2) * 2);
      return ["header-key-version", withSize(base)];
    }
    case 6: {
      const garbage = Buffer.alloc(rng.int(300));
      for (let i = 0; i < garbage.length; i++) garbage[i] = rng.int(256);
      return ["random-bytes", withSize(garbage)];
    }
    case 7: {
      const splice = Buffer.alloc(1 + rng.int(32));
      for (let i = 0; i < splice.length; i++) splice[i] = rng.int(256);
      const at = rng.int(base.length);
      return ["spliced-bytes", withSize(Buffer.concat([base.subarray(0, at), splice, base.subarray(at)]))];
    }
    default:
      return ["unchanged", withSize(base)];
  }
}

/** Sends `frames` on one connection; resolves when the broker closes it or it goes quiet. */
function fuzzConnection(port, frames, stats) {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    let idle;
    let finished = false;
    const done = (how) => {
      clearTimeout(idle);
      if (finished) return;
      finished = true;
      stats[how]++;
      socket.destroy();
      resolve();
    };
    const armIdle = () => {
      clearTimeout(idle);
      idle = setTimeout(() => done("droppedIdle"), IDLE_MS);
    };
    socket.on("connect", () => {
      for (const f of frames) socket.write(f);
      armIdle();
    });
    socket.on("data", (chunk) => {
      stats.responseBytes += chunk.length;
      armIdle();
    });
    socket.on("error", () => {});
    socket.on("close", () => done("closedByBroker"));
    armIdle();
  });
}

async function kcatProduce(bootstrap, topic, records) {
  await runOk("kcat", ["-b", bootstrap, "-P", "-t", topic, "-p", "0", "-K", "\t", "-X", "message.timeout.ms=10000"], {
    input: records.map((r) => `${r.key}\t${r.value}\n`).join(""),
    timeoutMs: 20_000,
  });
}

async function kcatReadAll(bootstrap, topic) {
  const { stdout } = await runOk(
    "kcat",
    ["-b", bootstrap, "-C", "-t", topic, "-p", "0", "-o", "beginning", "-e", "-f", "%o\t%k\t%s\n"],
    { timeoutMs: 20_000 },
  );
  return stdout
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => l.split("\t"));
}

const records = (prefix, from, count) =>
  Array.from({ length: count }, (_, i) => ({ key: `${prefix}-${from + i}`, value: `value-${from + i}` }));

test("live broker survives fuzzed frames on many connections; acknowledged records stay", {
  timeout: 120_000,
}, async (t) => {
  requireExecutable("kcat");
  const seed = Number(process.env.SAMSA_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 32));
  t.diagnostic(`SAMSA_FUZZ_SEED=${seed}`);
  const rng = prng(seed);
  const captures = loadCaptures();
  assert.ok(captures.length >= 30, `found ${captures.length} captures`);

  const broker = await startBroker();
  const topic = uniqueTopic("fuzz-live");
  await createTopic(broker.bootstrap, topic);
  const before = records("before", 0, RECORDS_BEFORE);
  await kcatProduce(broker.bootstrap, topic, before);

  const kinds = {};
  const connections = [];
  for (let sent = 0; sent < FRAMES; ) {
    const frames = [];
    const count = Math.min(FRAMES - sent, 1 + rng.int(MAX_FRAMES_PER_CONNECTION));
    for (let j = 0; j < count; j++) {
      const [kind, frame] = mutate(rng, captures);
      kinds[kind] = (kinds[kind] ?? 0) + 1;
      frames.push(frame);
    }
    sent += count;
    connections.push(frames);
  }
  const stats = { closedByBroker: 0, droppedIdle: 0, responseBytes: 0 };
  const startedMs = Date.now();
  let nextConnection = 0;
  const worker = async () => {
    while (nextConnection < connections.length) {
      await fuzzConnection(broker.port, connections[nextConnection++], stats);
    }
  };
  const fuzzing = Promise.all(Array.from({ length: CONCURRENT_CONNECTIONS }, worker));
  // Other connections are served while the fuzzing goes on.
  let servedDuring = 0;
  let fuzzDone = false;
  fuzzing.then(() => {
    fuzzDone = true;
  });
  while (!fuzzDone) {
    await runOk("kcat", ["-b", broker.bootstrap, "-L", "-t", topic], { timeoutMs: 10_000 });
    servedDuring++;
    await sleep(100);
  }
  await fuzzing;
  const elapsedMs = Date.now() - startedMs;
  t.diagnostic(
    `${FRAMES} frames on ${connections.length} connections in ${elapsedMs} ms; ` +
      `closed by broker ${stats.closedByBroker}, dropped idle ${stats.droppedIdle}, ` +
      `${stats.responseBytes} response bytes; kcat -L served ${servedDuring}x meanwhile; mutations ${JSON.stringify(kinds)}`,
  );
  assert.ok(elapsedMs < 60_000, `fuzzing took ${elapsedMs} ms`);
  assert.equal(broker.process.exitCode, null, `broker exited during fuzzing\n${broker.log()}`);
  assert.equal(broker.process.signalCode, null, "broker killed during fuzzing");
  assert.ok(stats.closedByBroker > 0, "malformed frames close connections");
  assert.ok(stats.responseBytes > 0, "well-formed frames are answered");

  const afterRecords = records("after", RECORDS_BEFORE, RECORDS_AFTER);
  await kcatProduce(broker.bootstrap, topic, afterRecords);
  const read = await kcatReadAll(broker.bootstrap, topic);
  assert.deepEqual(
    read,
    [...before, ...afterRecords].map((r, i) => [String(i), r.key, r.value]),
    "records before and after the fuzzing, at their offsets",
  );
  await broker.stop();
});
