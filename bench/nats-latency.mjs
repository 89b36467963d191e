#!/usr/bin/env node
// End-to-end latency of NATS JetStream (file storage) at a fixed rate, for latency.mjs: starts its own
// `nats-server -js` (Debian package nats-server) on loopback with a fresh store dir, creates a stream
// with file storage, and publishes --size byte messages at --rate with async acks (JetStream publish
// promises, at most MAX_PENDING_ACKS outstanding) while an ordered push consumer (deliver new) in a
// child process (this script with --role consumer), as in kafka-latency.mjs, receives them. Latency =
// receive time - send time carried in the message, both from process.hrtime (CLOCK_MONOTONIC, one
// clock for all processes), recorded in an HdrHistogram after dropping the first --warmup-s.
//
//   node bench/nats-latency.mjs [--rate 1000] [--seconds 10] [--size 1024] [--warmup-s 1] [--generator node|go] [--json]
// --json: print one JSON line with the summary last (what latency.mjs reads).
// --generator go: publisher and consumer are bench/nats-latency.go (NATS's Go client, compiled once
// into .bench-out/ against Debian's golang-github-nats-io-go-nats-dev) instead of this script's npm
// `nats` client: a native client, as the C generator is for the Kafka-protocol brokers.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { connect, consumerOpts, StorageType } from "nats";
import { spawnConsumer } from "./consumer-child.mjs";
import { newHistogram, summarize } from "./hdr.mjs";
import { sendAtRate } from "./paced.mjs";
import { freePort, parseArgs, ROOT, shown, tempDataDir, track } from "./throughput.mjs";

const MAX_PENDING_ACKS = 10_000;
const DRAIN_MS = 2_000;
const SUBJECT = "bench.latency";
const GO_GENERATOR_SOURCE = join(ROOT, "bench/nats-latency.go");
const GO_GENERATOR = join(ROOT, ".bench-out/nats-latency");

/** Compiles bench/nats-latency.go (GOPATH mode with Debian's Go packages) when stale. */
function buildGoGenerator() {
  if (existsSync(GO_GENERATOR) && statSync(GO_GENERATOR).mtimeMs >= statSync(GO_GENERATOR_SOURCE).mtimeMs) return;
  const gopath = tempDataDir("nats-gopath");
  const res = spawnSync("go", ["build", "-o", GO_GENERATOR, GO_GENERATOR_SOURCE], {
    encoding: "utf8",
    env: { ...process.env, GO111MODULE: "off", GOPATH: `${gopath}:/usr/share/gocode`, GOCACHE: join(gopath, "cache") },
  });
  if (res.status !== 0) {
    throw new Error(
      `building ${shown(GO_GENERATOR)} failed (apt-get install golang-go golang-github-nats-io-go-nats-dev): ${res.stderr ?? res.error}`,
    );
  }
}

/** The Go generator against the running server; its JSON line, or a failed row. */
function goGenerator(server, opts) {
  buildGoGenerator();
  const args = [`nats://127.0.0.1:${server.port}`, SUBJECT, opts.rate, opts.seconds, opts.size, opts["warmup-s"]];
  const res = spawnSync(GO_GENERATOR, args.map(String), { encoding: "utf8", timeout: opts.seconds * 4000 + 60_000 });
  const last = res.stdout?.trim().split("\n").pop() ?? "";
  if (res.status !== 0 || !last.startsWith("{")) {
    throw new Error(`${shown(GO_GENERATOR)} exit ${res.status ?? res.signal}: ${res.stderr?.slice(-2000)}`);
  }
  return JSON.parse(last);
}

async function startNats() {
  const port = await freePort();
  const dir = tempDataDir("nats");
  const args = ["-js", "-a", "127.0.0.1", "-p", String(port), "-sd", dir];
  const child = track(spawn("nats-server", args, { stdio: ["ignore", "pipe", "pipe"] }));
  let log = "";
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`nats-server not ready:\n${log}`)), 20_000);
    const onData = (d) => {
      log = (log + d).slice(-8000);
      if (log.includes("Server is ready")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.setEncoding("utf8").on("data", onData);
    child.stderr.setEncoding("utf8").on("data", onData);
    child.on("exit", (code) => reject(new Error(`nats-server exited (${code}):\n${log}`)));
  });
  return { port, child, command: `nats-server ${args.join(" ")}` };
}

/** --role consumer: prints "ready" once subscribed, and its summary as JSON when stdin says "stop". */
async function consumerRole(opts) {
  const nc = await connect({ servers: `127.0.0.1:${opts.port}` });
  const js = nc.jetstream();
  const histogram = newHistogram();
  const warmupCount = Math.round(opts.rate * opts["warmup-s"]);
  let received = 0;
  const co = consumerOpts().orderedConsumer().deliverNew();
  const sub = await js.subscribe(SUBJECT, co);
  const receiving = (async () => {
    for await (const m of sub) {
      const sentNs = Buffer.from(m.data.buffer, m.data.byteOffset, 8).readBigInt64BE(0);
      const us = Number((process.hrtime.bigint() - sentNs) / 1000n);
      if (received++ >= warmupCount) histogram.recordValue(Math.max(1, us));
    }
  })();
  console.log("ready");
  for await (const line of createInterface({ input: process.stdin })) if (line === "stop") break;
  sub.unsubscribe();
  await receiving;
  await nc.close();
  console.log(JSON.stringify({ received, ...summarize(histogram) }));
}

async function main() {
  const opts = parseArgs(process.argv.slice(2), {
    rate: 1000,
    seconds: 10,
    size: 1024,
    "warmup-s": 1,
    role: "publisher",
    port: 0,
    generator: "node",
    json: false,
  });
  if (opts.role === "consumer") return consumerRole(opts);
  if (!["node", "go"].includes(opts.generator)) throw new Error(`--generator ${opts.generator}: node or go`);
  const server = await startNats();
  const nc = await connect({ servers: `127.0.0.1:${server.port}` });
  const jsm = await nc.jetstreamManager();
  await jsm.streams.add({ name: "BENCH", subjects: ["bench.>"], storage: StorageType.File });
  if (opts.generator === "go") {
    await nc.close();
    try {
      report({ target: "NATS JetStream", ...goGenerator(server, opts) }, server, opts);
    } finally {
      server.child.kill("SIGTERM");
    }
    return;
  }
  const js = nc.jetstream();
  const consumer = await spawnConsumer(fileURLToPath(import.meta.url), ["--port", String(server.port)], {
    wrap: track,
  });
  const total = opts.rate * opts.seconds;
  let failed = 0;
  let pending = 0;
  const send = () => {
    const payload = Buffer.alloc(opts.size);
    payload.writeBigInt64BE(process.hrtime.bigint(), 0);
    pending++;
    js.publish(SUBJECT, payload).then(
      () => pending--,
      () => {
        pending--;
        failed++;
      },
    );
  };
  const elapsedS = await sendAtRate(opts.rate, total, send, { canSend: () => pending < MAX_PENDING_ACKS });
  await new Promise((r) => setTimeout(r, DRAIN_MS));
  const { received, ...summary } = await consumer.stop();
  await nc.close();
  server.child.kill("SIGTERM");
  let note = "";
  if (failed > 0) note = `${failed} publishes failed`;
  else if (received < total) note = `${received} of ${total} received`;
  const result = {
    target: "NATS JetStream",
    rate: opts.rate,
    achieved: total / elapsedS,
    ...summary,
    note,
    detail: "",
  };
  report(result, server, opts);
}

function report(result, server, opts) {
  if (opts.json) console.log(JSON.stringify(result));
  else console.log(`# ${server.command}\n`, result);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
