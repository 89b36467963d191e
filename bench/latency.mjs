#!/usr/bin/env node
// End-to-end latency at fixed rates: Samsa, Apache Kafka 0.9.0.1 and (when `nats-server` and the
// npm `nats` client are installed) NATS JetStream with file storage, in one run.
//
//   node bench/latency.mjs [--quick] [--seconds 10] [--rates 1000,5000] [--max-rate N] [--size 1024]
//                          [--warmup-s 5] [--no-kafka] [--no-nats] [--no-nofsync] [--generator auto|node|c]
//                          [--nats-generator go|node]
//                          [--set key=value ...]
// --quick: 5-second rows after a 2 s warm-up, chart to .bench-out/latency-quick.svg.
//
// Each row produces at the rate and consumes what it produced (one partition, 1 KiB records, acks=1,
// linger.ms=0), records each message's end-to-end latency for --seconds after a --warmup-s warm-up
// (connection set-up and the JIT's first seconds: steady state is what is compared), and prints
// p50/p99/p99.9/max. Load generators: bench/kafka-latency.c
// (librdkafka from C: a paced producer and a consumer thread in one process, exact percentiles) for
// every Kafka-protocol row by default (--generator c); --generator node uses bench/kafka-latency.mjs
// (librdkafka through @confluentinc/kafka-javascript, producer and consumer in two Node processes,
// HdrHistogram), and auto the Node one up to 20,000 msgs/s. The C generator costs the least CPU per
// message (Node's producer alone needs about 15 us of JavaScript per message) and its consumer thread
// polls librdkafka directly, so the latency it records is the broker's and the network's, not the
// generator's. NATS JetStream (bench/nats-latency.mjs starts the server and the stream) is measured
// with bench/nats-latency.go, NATS's Go client compiled, the native counterpart of the C generator
// (--nats-generator node: the npm `nats` client), at the rates up to 20,000 msgs/s.
// Client settings for every Kafka-protocol broker (the C generator's; KAFKA_CLIENT_SETTINGS below):
// producer acks=1, queue.buffering.max.ms=0 (linger.ms); consumer fetch.wait.max.ms=100,
// fetch.error.backoff.ms=0; both socket.nagle.disable=true.
//
// Samsa runs twice: with its default durability (the high watermark, so what a consumer can read,
// advances only over fsynced data) and as "Samsa no-fsync" with Kafka 0.9's default (visible on
// append, fsync left to the OS; --no-nofsync skips it).
//
// Rates: --rates, plus 50 % of Samsa's maximum: --max-rate, else measured here in the latency
// configuration itself (measureMax: the C generator keeping the producer's queue full, one
// partition, linger.ms=0, the consumer reading along, Samsa with its default durability; the
// maximum is the lower of the acknowledged and the consumed rate, the best of MAX_RUNS runs). All
// brokers are measured at the same rates.
import { spawnSync } from "node:child_process";
import { existsSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { newHistogram, percentileCells, percentileText, printReproduce, summarize } from "./hdr.mjs";
import { ensureTopics09, startKafka09 } from "./kafka09.mjs";
import { percentileChart } from "./svg.mjs";
import {
  buildPerf,
  createTopics,
  loadAverage,
  parseArgs,
  printTable,
  quote,
  ROOT,
  revision,
  shown,
  startBroker,
  tempDataDir,
} from "./throughput.mjs";

const NO_FSYNC = "log.flush.interval.messages=1000000000000";
/** Highest rate measured with the Node generator under --generator auto (and the NATS cut-off). */
const NODE_GENERATOR_MAX_RATE = 20_000;
const C_GENERATOR_SOURCE = join(ROOT, "bench/kafka-latency.c");
const C_GENERATOR = join(ROOT, ".bench-out/kafka-latency");
/** Runs of the maximum measurement; the best counts (load from elsewhere only lowers it). */
const MAX_RUNS = 2;
export const KAFKA_CLIENT_SETTINGS =
  "producer acks=1, queue.buffering.max.ms=0; consumer fetch.wait.max.ms=100, fetch.error.backoff.ms=0; socket.nagle.disable=true";

async function main() {
  const opts = parseArgs(
    process.argv.slice(2),
    {
      seconds: 10,
      rates: "1000,5000",
      "max-rate": 0,
      size: 1024,
      "warmup-s": 5,
      "no-kafka": false,
      "no-nats": false,
      "no-nofsync": false,
      generator: "c",
      "nats-generator": "go",
      svg: "BENCHMARKS-latency.svg",
    },
    // Quick runs keep their chart out of the repository, so they never replace the full run's.
    { seconds: 5, "warmup-s": 2, svg: ".bench-out/latency-quick.svg" },
  );
  if (!["auto", "node", "c"].includes(opts.generator))
    throw new Error(`--generator ${opts.generator}: auto, node or c`);
  // The maximum is always measured with the C generator; buildPerf installs librdkafka-dev for it.
  buildPerf();
  buildCGenerator();
  const max = opts["max-rate"] ? { rate: opts["max-rate"], runs: [] } : await measureMaxAlone(opts);
  const targets = [
    { name: "Samsa", legacy: false, start: () => startSamsa("latency", opts.set) },
    ...(opts["no-nofsync"]
      ? []
      : [
          // Kafka 0.9's durability: the high watermark follows the log end, fsync left to the OS (a
          // finite flush.messages selects that policy; this one is never reached).
          {
            name: "Samsa no-fsync",
            legacy: false,
            start: () => startSamsa("latency-nofsync", [...opts.set, NO_FSYNC]),
          },
        ]),
    ...(opts["no-kafka"]
      ? []
      : [{ name: "Kafka 0.9.0.1", legacy: true, start: () => startKafka09({ partitions: 1 }) }]),
  ];
  const half = Math.round(max.rate / 2);
  const rates = [...opts.rates.split(",").map(Number), half];
  console.log(
    `# Samsa max ${opts.size} B rate in this configuration ${max.rate.toLocaleString("en-US")} msgs/s; 50 % = ${half.toLocaleString("en-US")}`,
  );
  const results = [];
  const report = (r) => {
    results.push(r);
    console.log(`  ${line(r)}`);
  };
  // One broker up at a time, its data removed before the next starts: on 2 cores the idle ones
  // (a JVM, ZooKeeper, another Node broker) take CPU from the measured one, and the page cache the
  // last one filled makes the next one's writes dearer (bench/README.md).
  for (const target of targets) {
    await withBroker(target.start, async (broker) => {
      console.log(`# ${target.name}: ${broker.command}${target.legacy ? "" : ` (${revision()})`}; ${loadAverage()}`);
      for (const rate of rates) report(await kafkaLatency({ ...target, broker }, rate, opts));
    });
  }
  if (!opts["no-nats"]) {
    for (const rate of rates.filter((r) => r <= NODE_GENERATOR_MAX_RATE)) {
      const r = natsLatency(rate, opts);
      if (r) report(r);
    }
  }
  // The tables list rows by rate, then broker (a stable sort keeps the broker order).
  results.sort((a, b) => rates.indexOf(a.rate) - rates.indexOf(b.rate));
  console.log("");
  printTable(
    [
      "broker",
      "generator",
      "target msgs/s",
      "achieved msgs/s",
      "messages",
      "p50 ms",
      "p99 ms",
      "p99.9 ms",
      "max ms",
      "note",
    ],
    results.map((r) => [
      r.target,
      r.generator,
      r.rate.toLocaleString("en-US"),
      Math.round(r.achieved).toLocaleString("en-US"),
      r.count.toLocaleString("en-US"),
      ...percentileCells(r),
      r.note,
    ]),
  );
  console.log(`# ${loadAverage()}`);
  printReproduce(results);
  writeFileSync(
    join(ROOT, ".bench-out/latency.json"),
    `${JSON.stringify({ date: new Date().toISOString(), clientSettings: KAFKA_CLIENT_SETTINGS, seconds: opts.seconds, warmupS: opts["warmup-s"], max, results }, null, 2)}\n`,
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
  // The C generator also reports when produce requests were acknowledged: queueing before the log or after it.
  const acks =
    r.ackP50 === undefined ? "" : ` (produce acked: p50 ${r.ackP50.toFixed(2)} p99 ${r.ackP99.toFixed(2)} ms)`;
  // And its own CPU over the run: a generator near a core (in all, or in one thread) measures itself.
  const cpu =
    r.generatorCores === undefined
      ? ""
      : ` (generator CPU: ${r.generatorCores.toFixed(2)} cores, busiest thread ${r.generatorBusiestThread.toFixed(2)})`;
  return `${r.target.padEnd(16)} ${String(r.rate).padStart(7)}/s: ${percentileText(r)} (${r.count} msgs, ${r.generator} generator)${acks}${cpu} ${r.note}`;
}

/** A Samsa broker on a fresh data dir; `dir` as startKafka09's result has it. */
async function startSamsa(label, set) {
  const dir = tempDataDir(label);
  return { ...(await startBroker({ dataDir: dir, set })), dir };
}

/**
 * measureMax on a broker of its own, removed with its data before the rows start: its runs write
 * several GB, and a broker still holding them in the page cache backed up at 50 % of the maximum in
 * 4 of 5 tries (p99 147-388 ms), where one whose max topic was deleted or whose page cache was
 * dropped did not (bench/README.md). The other brokers never carry such data.
 */
function measureMaxAlone(opts) {
  return withBroker(
    () => startSamsa("latency-max", opts.set),
    (broker) => measureMax(broker, opts),
  );
}

/** Starts a broker, runs `use` on it, then stops it and removes its data dir. */
async function withBroker(start, use) {
  const broker = await start();
  try {
    return await use(broker);
  } finally {
    await broker.stop();
    rmSync(broker.dir, { recursive: true, force: true });
  }
}

/**
 * Samsa's maximum in the latency configuration: the C generator with RATE 0 keeps a bounded backlog
 * in the producer, so the broker runs flat out; the maximum is what was both acknowledged and
 * consumed per second, so a rate the consumer cannot follow does not count.
 */
async function measureMax(samsa, opts) {
  const runs = [];
  for (let i = 0; i < MAX_RUNS; i++) {
    const topic = `latency-max-${i}`;
    await createTopics(samsa.bootstrap, [{ name: topic, partitions: 1 }]);
    const args = [samsa.bootstrap, topic, 0, opts.seconds, opts.size, 0, 0].map(String);
    const r = runTool(C_GENERATOR, args, opts);
    const rate = Math.round(Math.min(r.delivered ?? 0, r.consumed ?? 0));
    console.log(
      `# max run ${i + 1}: acknowledged ${Math.round(r.delivered ?? 0)}, consumed ${Math.round(r.consumed ?? 0)} msgs/s (generator CPU ${r.generatorCores} cores, busiest thread ${r.generatorBusiestThread})`,
    );
    runs.push({ rate, delivered: r.delivered, consumed: r.consumed, command: r.command });
  }
  const rate = Math.max(...runs.map((r) => r.rate));
  if (!(rate > 0)) throw new Error("could not measure Samsa's maximum (the C generator failed)");
  return { rate, runs };
}

let topicSeq = 0;

async function kafkaLatency(target, rate, opts) {
  const topic = `latency-${target.name.startsWith("Samsa") ? "samsa" : "kafka09"}-${rate}-${topicSeq++}`;
  const { broker } = target;
  if (target.name.startsWith("Samsa")) await createTopics(broker.bootstrap, [{ name: topic, partitions: 1 }]);
  else await ensureTopics09(broker.bootstrap, [topic], 1);
  if (opts.generator === "c" || (opts.generator === "auto" && rate > NODE_GENERATOR_MAX_RATE)) {
    const args = [broker.bootstrap, topic, rate, runSeconds(opts), opts.size, opts["warmup-s"], target.legacy ? 1 : 0];
    return { target: target.name, generator: "c", ...runTool(C_GENERATOR, args.map(String), opts) };
  }
  const args = [
    "--bootstrap",
    broker.bootstrap,
    "--topic",
    topic,
    ...common(rate, opts),
    ...(target.legacy ? ["--legacy"] : []),
    "--json",
  ];
  return { target: target.name, generator: "node", ...runTool(join(ROOT, "bench/kafka-latency.mjs"), args, opts) };
}

/** Compiles bench/kafka-latency.c against Debian's librdkafka-dev (buildPerf installs it) when stale. */
function buildCGenerator() {
  if (existsSync(C_GENERATOR) && statSync(C_GENERATOR).mtimeMs >= statSync(C_GENERATOR_SOURCE).mtimeMs) return;
  const res = spawnSync("cc", ["-O2", "-o", C_GENERATOR, C_GENERATOR_SOURCE, "-lrdkafka", "-lpthread"], {
    encoding: "utf8",
  });
  if (res.status !== 0) throw new Error(`building ${shown(C_GENERATOR)} failed: ${res.stderr ?? res.error}`);
}

/** The generators' SECONDS includes the warm-up; --seconds is what is recorded after it. */
function runSeconds(opts) {
  return opts.seconds + opts["warmup-s"];
}

function common(rate, opts) {
  return [
    "--rate",
    String(rate),
    "--seconds",
    String(runSeconds(opts)),
    "--size",
    String(opts.size),
    "--warmup-s",
    String(opts["warmup-s"]),
  ];
}

/** Runs a latency tool (kafka-latency.mjs, nats-latency.mjs, the C generator) and returns its JSON summary. */
function runTool(tool, args, opts) {
  const node = tool.endsWith(".mjs");
  const command = `${node ? "node " : ""}${shown(tool)} ${quote(args)}`;
  const res = spawnSync(node ? process.execPath : tool, node ? [tool, ...args] : args, {
    cwd: ROOT,
    encoding: "utf8",
    timeout: runSeconds(opts) * 4000 + 60_000,
  });
  const last = res.stdout?.trim().split("\n").pop() ?? "";
  if (res.status !== 0 || !last.startsWith("{")) {
    const detail = `exit ${res.status ?? res.signal}: ${res.stderr?.slice(-2000)}`;
    return {
      rate: node ? Number(args[args.indexOf("--rate") + 1]) : Number(args[2]),
      achieved: 0,
      ...summarize(newHistogram()),
      note: "failed",
      detail,
      command,
    };
  }
  return { ...JSON.parse(last), command };
}

/** NATS JetStream at `rate` by nats-latency.mjs; undefined if nats-server is not installed. */
function natsLatency(rate, opts) {
  if (spawnSync("sh", ["-c", "command -v nats-server"]).status !== 0) {
    console.log("# NATS skipped: nats-server not installed (apt-get install nats-server)");
    return undefined;
  }
  const generator = opts["nats-generator"];
  const args = [...common(rate, opts), "--generator", generator, "--json"];
  return { target: "NATS JetStream", generator, ...runTool(join(ROOT, "bench/nats-latency.mjs"), args, opts) };
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
