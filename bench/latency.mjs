#!/usr/bin/env node
// End-to-end latency at fixed rates: Samsa, Apache Kafka 0.9.0.1 and (when `nats-server` and the
// npm `nats` client are installed) NATS JetStream with file storage, in one run.
//
//   node bench/latency.mjs [--quick] [--seconds 10] [--rates 1000,5000] [--max-rate N] [--size 1024]
//                          [--warmup-s 1] [--no-kafka] [--no-nats] [--set key=value ...]
// --quick: 5-second rows.
//
// Kafka-protocol brokers: rdkafka_performance in latency mode, one producer (`-P -l -r RATE`, acks=1,
// linger.ms=0, one partition) and one consumer (`-C -l -A FILE`, from the end of the partition). The
// producer writes its wall clock into each message; the consumer writes now - that clock, in µs,
// per message to FILE; this script records those values in an HdrHistogram (hdr-histogram-js, 3
// significant digits) after dropping the first --warmup-s seconds of messages (connection set-up).
// NATS: bench/nats-latency.mjs does the same in one Node process (JetStream publish with async acks,
// an ordered push consumer).
//
// Rates: --rates, plus 50 % of Samsa's maximum 1 KiB acks=1 produce rate: --max-rate, else the
// headline figure of the last bench/compare.mjs run (.bench-out/compare.json), else a 3-second
// produce run measured here. All brokers are measured at the same rates.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { HIGHEST_TRACKABLE_US, newHistogram, summarize } from "./hdr.mjs";
import { ensureTopics09, KAFKA09_CLIENT, startKafka09 } from "./kafka09.mjs";
import { percentileChart } from "./svg.mjs";
import {
  buildPerf,
  createTopics,
  loadAverage,
  parseArgs,
  parseProduce,
  perfErrors,
  printTable,
  quote,
  ROOT,
  revision,
  runPerf,
  shown,
  startBroker,
  tempDataDir,
} from "./throughput.mjs";

const CONSUMER_READY_MS = 2_500;
const DRAIN_MS = 2_000;
async function main() {
  const opts = parseArgs(
    process.argv.slice(2),
    {
      seconds: 10,
      rates: "1000,5000",
      "max-rate": 0,
      size: 1024,
      "warmup-s": 1,
      "no-kafka": false,
      "no-nats": false,
      svg: "BENCHMARKS-latency.svg",
    },
    { seconds: 5 },
  );
  const bin = buildPerf();
  const samsa = await startBroker({ dataDir: tempDataDir("latency"), set: opts.set });
  console.log(`# Samsa: ${samsa.command} (${revision()}); ${loadAverage()}`);
  const targets = [{ name: "Samsa", broker: samsa, client: [] }];
  let kafka;
  if (!opts["no-kafka"]) {
    kafka = await startKafka09({ partitions: 1 });
    console.log(`# Kafka 0.9.0.1: ${kafka.command}`);
    targets.push({ name: "Kafka 0.9.0.1", broker: kafka, client: KAFKA09_CLIENT });
  }
  const results = [];
  try {
    const maxRate = opts["max-rate"] || lastCompareMax() || (await measureMax(bin, samsa, opts.size));
    const half = Math.round(maxRate / 2);
    const rates = [...opts.rates.split(",").map(Number), half];
    console.log(
      `# Samsa max 1 KiB acks=1 rate ${maxRate.toLocaleString("en-US")} msgs/s; 50 % = ${half.toLocaleString("en-US")}`,
    );
    for (const rate of rates) {
      for (const target of targets) {
        const r = await kafkaLatency(bin, target, rate, opts);
        results.push(r);
        console.log(`  ${line(r)}`);
      }
      if (!opts["no-nats"] && rate <= 20_000) {
        const r = natsLatency(rate, opts);
        if (r) {
          results.push(r);
          console.log(`  ${line(r)}`);
        }
      }
    }
  } finally {
    await samsa.stop();
    await kafka?.stop();
  }
  console.log("");
  printTable(
    ["broker", "target msgs/s", "achieved msgs/s", "messages", "p50 ms", "p99 ms", "p99.9 ms", "max ms", "note"],
    results.map((r) => [
      r.target,
      r.rate.toLocaleString("en-US"),
      Math.round(r.achieved).toLocaleString("en-US"),
      r.count.toLocaleString("en-US"),
      r.p50.toFixed(2),
      r.p99.toFixed(2),
      r.p999.toFixed(2),
      r.max.toFixed(2),
      r.note,
    ]),
  );
  console.log(`# ${loadAverage()}`);
  console.log("\n# reproduce (consumer first, then the producer; brokers as above):");
  for (const r of results) console.log(`# ${r.target} at ${r.rate} msgs/s\n${r.command}`);
  writeFileSync(
    join(ROOT, ".bench-out/latency.json"),
    `${JSON.stringify({ date: new Date().toISOString(), results }, null, 2)}\n`,
  );
  if (opts.svg !== "") {
    const path = resolve(ROOT, opts.svg);
    writeFileSync(
      path,
      percentileChart({
        title: `End-to-end latency by percentile, ${opts.size} B records (log scales)`,
        series: results
          .filter((r) => r.count > 0)
          .map((r) => ({ label: `${r.target} @ ${r.rate.toLocaleString("en-US")}/s`, points: r.curve })),
      }),
    );
    console.log(`# wrote ${shown(path)}`);
  }
  if (results.some((r) => r.note !== "")) process.exitCode = 1;
}

function line(r) {
  return `${r.target.padEnd(16)} ${String(r.rate).padStart(7)}/s: p50 ${r.p50.toFixed(2)} p99 ${r.p99.toFixed(2)} p99.9 ${r.p999.toFixed(2)} max ${r.max.toFixed(2)} ms (${r.count} msgs) ${r.note}`;
}

function lastCompareMax() {
  const file = join(ROOT, ".bench-out/compare.json");
  if (!existsSync(file)) return 0;
  const { rows } = JSON.parse(readFileSync(file, "utf8"));
  return (
    rows.find((r) => r.scenario === "produce 1 KiB acks=1" && r.target === "Samsa" && r.mode === "headline")
      ?.msgsPerSec ?? 0
  );
}

async function measureMax(bin, samsa, size) {
  await createTopics(samsa.bootstrap, [{ name: "latency-max", partitions: 4 }]);
  const run = await runPerf(bin, ["-P", "-t", "latency-max", "-b", samsa.bootstrap, "-s", String(size), "-a", "1"], {
    sigintAfterMs: 3000,
  });
  return parseProduce(run.stdout)?.msgsPerSec ?? 0;
}

let topicSeq = 0;

async function kafkaLatency(bin, target, rate, opts) {
  const topic = `latency-${target.name === "Samsa" ? "samsa" : "kafka09"}-${rate}-${topicSeq++}`;
  const { broker } = target;
  if (target.name === "Samsa") await createTopics(broker.bootstrap, [{ name: topic, partitions: 1 }]);
  else await ensureTopics09(broker.bootstrap, [topic], 1);
  const file = join(ROOT, `.bench-out/latency-${topic}.txt`);
  const count = rate * opts.seconds;
  const consumerArgs = [
    "-C",
    "-l",
    "-A",
    file,
    "-t",
    topic,
    "-b",
    broker.bootstrap,
    "-p",
    "0",
    "-o",
    "end",
    ...target.client,
  ];
  const producerArgs = [
    "-P",
    "-l",
    "-r",
    String(rate),
    "-c",
    String(count),
    "-s",
    String(opts.size),
    "-a",
    "1",
    "-t",
    topic,
    "-b",
    broker.bootstrap,
    "-p",
    "0",
    "-X",
    "linger.ms=0",
    ...target.client,
  ];
  let consumer;
  const consumed = runPerf(bin, consumerArgs, {
    timeoutMs: CONSUMER_READY_MS + opts.seconds * 4000 + 60_000,
    onSpawn: (c) => {
      consumer = c;
    },
  });
  await new Promise((r) => setTimeout(r, CONSUMER_READY_MS));
  const produced = await runPerf(bin, producerArgs, { timeoutMs: opts.seconds * 4000 + 30_000 });
  await new Promise((r) => setTimeout(r, DRAIN_MS));
  consumer.kill("SIGINT");
  const consumerRun = await consumed;
  const p = parseProduce(produced.stdout);
  const values = existsSync(file)
    ? readFileSync(file, "utf8")
        .split("\n")
        .filter((l) => l !== "")
        .map(Number)
    : [];
  const histogram = newHistogram();
  for (const v of values.slice(Math.round(rate * opts["warmup-s"])))
    histogram.recordValue(Math.min(v, HIGHEST_TRACKABLE_US));
  const summary = summarize(histogram);
  histogram.destroy();
  let note = "";
  if (!p || p.delivered < count) note = `${p?.delivered ?? 0} of ${count} delivered`;
  else if (values.length < count) note = `${values.length} of ${count} consumed`;
  const command = `${shown(bin)} ${quote(consumerArgs.map((a) => (a === file ? shown(file) : a)))} &\n${shown(bin)} ${quote(producerArgs)}`;
  return {
    target: target.name,
    rate,
    achieved: p ? p.delivered / (p.elapsedMs / 1000) : 0,
    ...summary,
    note,
    detail: note === "" ? "" : `${perfErrors(produced)}\n${perfErrors(consumerRun)}`,
    command,
  };
}

/** NATS JetStream at `rate`, by bench/nats-latency.mjs in a child process; undefined if unavailable. */
function natsLatency(rate, opts) {
  if (spawnSync("sh", ["-c", "command -v nats-server"]).status !== 0) {
    console.log("# NATS skipped: nats-server not installed (apt-get install nats-server)");
    return undefined;
  }
  const args = [
    join(ROOT, "bench/nats-latency.mjs"),
    "--rate",
    String(rate),
    "--seconds",
    String(opts.seconds),
    "--size",
    String(opts.size),
    "--warmup-s",
    String(opts["warmup-s"]),
    "--json",
  ];
  const res = spawnSync(process.execPath, args, { cwd: ROOT, encoding: "utf8", timeout: opts.seconds * 4000 + 60_000 });
  const last = res.stdout?.trim().split("\n").pop() ?? "";
  if (res.status !== 0 || !last.startsWith("{")) {
    console.log(`# NATS run failed (exit ${res.status ?? res.signal}): ${res.stderr?.slice(-2000)}`);
    return undefined;
  }
  return { ...JSON.parse(last), command: `node ${shown(args[0])} ${quote(args.slice(1, -1))}` };
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
