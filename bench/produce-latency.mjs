#!/usr/bin/env node
// Produce latency with fsync-per-ack durability: how long an acks=-1 produce takes to be acknowledged
// when the broker fsyncs before it acknowledges. Samsa does that by default (the high watermark, which
// acks=-1 waits for, advances only over fsynced data; one fsync covers every batch appended while the
// previous one ran); Kafka 0.9.0.1 is run with `log.flush.interval.messages=1` (it fsyncs the log on
// every append before answering). Kafka 0.9 with its shipped default (no fsync) is the reference row.
//
//   node bench/produce-latency.mjs [--quick] [--seconds 10] [--rates 1000,5000] [--size 1024]
//                                  [--warmup-s 1] [--no-kafka] [--set key=value ...]
// --quick: 5-second rows.
//
// Each row is one Node process (this script with --worker) that produces --size byte records to
// partition 0 at the rate (librdkafka via @confluentinc/kafka-javascript, acks=-1, linger.ms=0),
// paced by a 1 ms timer, and records send-to-delivery-report time in an HdrHistogram after dropping
// the first --warmup-s. Results: .bench-out/produce-latency.json; chart: percentile curves.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { newHistogram, percentileCells, percentileText, printReproduce, summarize } from "./hdr.mjs";
import { ensureTopics09, startKafka09 } from "./kafka09.mjs";
import { sendAtRate } from "./paced.mjs";
import {
  createTopics,
  loadAverage,
  parseArgs,
  printTable,
  quote,
  ROOT,
  revision,
  startBroker,
  tempDataDir,
  writeResult,
} from "./throughput.mjs";

const FLUSH_TIMEOUT_MS = 30_000;

async function worker(opts) {
  const { default: kafka } = await import("@confluentinc/kafka-javascript");
  const histogram = newHistogram();
  const warmupCount = Math.round(opts.rate * opts["warmup-s"]);
  let acked = 0;
  let failed = 0;
  const producer = new kafka.Producer({
    "metadata.broker.list": opts.bootstrap,
    ...(opts.legacy ? { "api.version.request": false, "broker.version.fallback": "0.9.0.1" } : {}),
    "linger.ms": 0,
    acks: -1,
    dr_cb: true,
    "queue.buffering.max.messages": 1_000_000,
  });
  producer.on("delivery-report", (err, report) => {
    if (err) {
      failed++;
      return;
    }
    const us = (performance.now() - report.opaque) * 1000;
    if (acked++ >= warmupCount) histogram.recordValue(Math.max(1, Math.round(us)));
  });
  await new Promise((resolve, reject) => producer.connect({}, (err) => (err ? reject(err) : resolve())));
  producer.setPollInterval(1);
  const total = opts.rate * opts.seconds;
  const payload = Buffer.alloc(opts.size);
  const elapsedS = await sendAtRate(opts.rate, total, () => {
    try {
      producer.produce(opts.topic, 0, payload, null, null, performance.now());
    } catch {
      failed++;
    }
  });
  await new Promise((resolve) => producer.flush(FLUSH_TIMEOUT_MS, resolve));
  await new Promise((resolve) => producer.disconnect(resolve));
  const note = failed > 0 ? `${failed} failed` : acked < total ? `${acked} of ${total} acknowledged` : "";
  console.log(JSON.stringify({ rate: opts.rate, achieved: acked / elapsedS, ...summarize(histogram), note }));
}

async function main() {
  const defaults = {
    seconds: 10,
    rates: "1000,5000",
    size: 1024,
    "warmup-s": 1,
    "no-kafka": false,
    worker: false,
    bootstrap: "",
    topic: "",
    rate: 0,
    legacy: false,
  };
  const opts = parseArgs(process.argv.slice(2), defaults, { seconds: 5 });
  if (opts.worker) return worker(opts);
  const samsa = await startBroker({ dataDir: tempDataDir("produce-latency"), set: opts.set });
  console.log(`# Samsa: ${samsa.command} (${revision()}); ${loadAverage()}`);
  const targets = [{ name: "Samsa (fsync before ack)", broker: samsa, legacy: false, samsa: true }];
  const kafkas = [];
  if (!opts["no-kafka"]) {
    const fsync = await startKafka09({ partitions: 1, config: { "log.flush.interval.messages": 1 } });
    const plain = await startKafka09({ partitions: 1 });
    kafkas.push(fsync, plain);
    console.log(`# Kafka 0.9.0.1 log.flush.interval.messages=1: ${fsync.command}`);
    targets.push({ name: "Kafka 0.9.0.1 (flush.messages=1)", broker: fsync, legacy: true });
    targets.push({ name: "Kafka 0.9.0.1 (default, no fsync)", broker: plain, legacy: true });
  }
  const results = [];
  const loadStart = loadAverage();
  try {
    let seq = 0;
    // One unrecorded second per broker first: a fresh JVM (and a fresh topic) stalls its first
    // requests for a second or two, which would land in the first recorded row.
    for (const target of targets) {
      const topic = `produce-latency-warmup-${seq++}`;
      if (target.samsa) await createTopics(target.broker.bootstrap, [{ name: topic, partitions: 1 }]);
      else await ensureTopics09(target.broker.bootstrap, [topic], 1);
      runWorker(target, topic, Number(opts.rates.split(",")[0]), { ...opts, seconds: 2, "warmup-s": 0 });
    }
    for (const rate of opts.rates.split(",").map(Number)) {
      for (const target of targets) {
        const topic = `produce-latency-${rate}-${seq++}`;
        if (target.samsa) await createTopics(target.broker.bootstrap, [{ name: topic, partitions: 1 }]);
        else await ensureTopics09(target.broker.bootstrap, [topic], 1);
        const r = { target: target.name, ...runWorker(target, topic, rate, opts) };
        results.push(r);
        console.log(`  ${r.target.padEnd(34)} ${String(rate).padStart(6)}/s: ${percentileText(r)} ${r.note}`);
      }
    }
  } finally {
    await samsa.stop();
    for (const k of kafkas) await k.stop();
  }
  console.log("");
  printTable(
    ["broker", "rate msgs/s", "achieved", "p50 ms", "p99 ms", "p99.9 ms", "max ms", "note"],
    results.map((r) => [r.target, r.rate, Math.round(r.achieved), ...percentileCells(r), r.note]),
  );
  console.log(`# ${loadAverage()}`);
  printReproduce(results);
  writeResult("produce-latency", {
    command: `node bench/produce-latency.mjs ${quote(process.argv.slice(2))}`.trim(),
    seconds: opts.seconds,
    size: opts.size,
    load: [loadStart, loadAverage()],
    results,
  });
  if (results.some((r) => r.note !== "")) process.exitCode = 1;
}

function runWorker(target, topic, rate, opts) {
  const args = [join(ROOT, "bench/produce-latency.mjs"), "--worker", "--bootstrap", target.broker.bootstrap];
  args.push("--topic", topic, "--rate", String(rate), "--seconds", String(opts.seconds), "--size", String(opts.size));
  args.push("--warmup-s", String(opts["warmup-s"]), ...(target.legacy ? ["--legacy"] : []));
  const command = `node bench/produce-latency.mjs ${quote(args.slice(1))}`;
  const res = spawnSync(process.execPath, args, { cwd: ROOT, encoding: "utf8", timeout: opts.seconds * 4000 + 60_000 });
  const last = res.stdout?.trim().split("\n").pop() ?? "";
  if (res.status !== 0 || !last.startsWith("{")) {
    const note = `failed (exit ${res.status ?? res.signal}): ${res.stderr?.slice(-500)}`;
    return { rate, achieved: 0, ...summarize(newHistogram()), note, command };
  }
  return { ...JSON.parse(last), command };
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
