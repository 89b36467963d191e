#!/usr/bin/env node
// Samsa against Apache Kafka 0.9.0.1 on the same machine, with the same load generator
// (rdkafka_performance) in the same run, printed as ratios Samsa/Kafka.
//
//   node bench/compare.mjs [--quick] [--seconds 5] [--repeat 3] [--partitions 4] [--set key=value ...]
//                          [--client key=value,...]
// --client: librdkafka settings added to every producer and consumer, for both brokers. Its default
// (sticky) partitioner puts a whole produce run on one partition; `--client
// sticky.partitioning.linger.ms=0` spreads keyless messages over all partitions.
// --quick: 3-second rows run once, chart to .bench-out/compare-quick.svg. Otherwise every row runs
// --repeat times round-robin and the median is shown: single rows vary by +-30 % here.
//
// Two client modes: "headline", each broker with the best protocol it speaks (Samsa: ApiVersions,
// then Produce v9 / Fetch with record batches v2; Kafka 0.9 has no ApiVersions, so the client is told
// `broker.version.fallback=0.9.0.1` and uses Produce v1 / Fetch v1 with magic-0 message sets, its
// newest) and "legacy", both brokers with that same 0.9 client setting. Kafka's client settings are the
// same in both modes, so its rows are run once and both ratios divide by them.
//
// Scenarios: produce acks=1 of 100 B, 1 KiB and 16 KiB records, consume (one consumer reading every
// partition of the topic the produce row wrote, from the beginning, as many messages as the round's
// smallest produce row of that size delivered, so every broker serves the same count), produce acks=-1 of 1 KiB
// (Samsa acknowledges after fsync by default; Kafka 0.9 after the append, flush left to the OS), and
// produce acks=1 of 1 KiB from 8 rdkafka_performance processes at once (their rates summed).
// Every row starts after `sync`, so no row waits behind the previous rows' writeback.
// Each row also prints the CPU time of the broker and of the load generator during the run, from
// /proc/<pid>/stat, as a percentage of one core (the machine has availableParallelism() cores), and
// the broker's peak RSS (sampled every 100 ms; for Kafka the JVM's, ZooKeeper not counted).
import { execFileSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { ensureTopics09, javaVersion, KAFKA09_CLIENT, startKafka09 } from "./kafka09.mjs";
import { barChart } from "./svg.mjs";
import {
  buildPerf,
  consumeFromBeginning,
  cpuSeconds,
  createTopics,
  librdkafkaVersion,
  loadAverage,
  parseArgs,
  parseConsume,
  parseProduce,
  perfErrors,
  printTable,
  quote,
  ROOT,
  revision,
  rssSampler,
  runPerf,
  shown,
  startBroker,
  tempDataDir,
} from "./throughput.mjs";

const SCENARIOS = [
  { id: "produce 100 B acks=1", kind: "produce", size: 100, acks: 1 },
  { id: "consume 100 B", kind: "consume", of: "produce 100 B acks=1" },
  { id: "produce 1 KiB acks=1", kind: "produce", size: 1024, acks: 1 },
  { id: "consume 1 KiB", kind: "consume", of: "produce 1 KiB acks=1" },
  { id: "produce 1 KiB acks=-1", kind: "produce", size: 1024, acks: -1 },
  { id: "produce 1 KiB acks=1, 8 producers", kind: "produce", size: 1024, acks: 1, producers: 8 },
  { id: "produce 16 KiB acks=1", kind: "produce", size: 16384, acks: 1 },
  { id: "consume 16 KiB", kind: "consume", of: "produce 16 KiB acks=1" },
];

/** Targets of issue 7 for the ratio column, by scenario and mode. */
const TARGETS = {
  "produce 100 B acks=1": { headline: 1.5, legacy: 0.8 },
  "produce 1 KiB acks=1": { headline: 1.5, legacy: 0.8 },
  "consume 100 B": { headline: 1.0, legacy: 1.0 },
  "consume 1 KiB": { headline: 1.0, legacy: 1.0 },
};

const CONSUME_TIMEOUT_MS = 120_000;

async function main() {
  const opts = parseArgs(
    process.argv.slice(2),
    { seconds: 5, repeat: 3, partitions: 4, svg: "BENCHMARKS-compare.svg", rows: "", client: "" },
    // Quick runs keep their chart out of the repository, so they never replace the full run's.
    { seconds: 3, repeat: 1, svg: ".bench-out/compare-quick.svg" },
  );
  const bin = buildPerf();
  const runs = [];
  // Fresh brokers and data each round: one round writes tens of GB, three would fill the disk.
  for (let round = 1; round <= opts.repeat; round++) {
    const samsaDir = tempDataDir("compare");
    const samsa = await startBroker({ dataDir: samsaDir, set: opts.set });
    const kafka = await startKafka09({ partitions: opts.partitions });
    if (round === 1) {
      console.log(`# Samsa: ${samsa.command} (${revision()}), pid ${samsa.pid}`);
      console.log(
        `# Kafka 0.9.0.1 (java ${javaVersion()}): ${kafka.command}, pid ${kafka.pid}; ZooKeeper pid ${kafka.zkPid}`,
      );
      console.log(`# rdkafka_performance ${shown(bin)} (librdkafka ${librdkafkaVersion(bin)}); ${loadAverage()}`);
    }
    const targets = [
      { name: "Samsa", mode: "headline", broker: samsa, client: ["-X", "api.version.request=true"] },
      { name: "Samsa", mode: "legacy", broker: samsa, client: KAFKA09_CLIENT },
      { name: "Kafka 0.9.0.1", mode: "both", broker: kafka, client: KAFKA09_CLIENT },
    ];
    try {
      for (const scenario of selectedScenarios(opts.rows)) {
        const consumeCount = scenario.kind === "consume" ? fewestDelivered(runs, scenario.of, round) : 0;
        for (const target of targets) {
          const run = await runScenario(bin, target, scenario, { ...opts, round, consumeCount });
          runs.push(run);
          console.log(`  ${scenario.id.padEnd(34)} ${`${target.name} ${target.mode}`.padEnd(22)} ${fmtRate(run)}`);
        }
      }
    } finally {
      await samsa.stop();
      await kafka.stop();
      rmSync(samsaDir, { recursive: true, force: true });
      rmSync(kafka.dir, { recursive: true, force: true });
    }
  }
  const rows = medians(runs);
  report(rows, opts);
  writeFileSync(
    join(ROOT, ".bench-out/compare.json"),
    `${JSON.stringify({ date: new Date().toISOString(), rows }, null, 2)}\n`,
  );
  if (opts.svg !== "") writeSvg(rows, resolve(ROOT, opts.svg));
  if (runs.some((r) => r.note !== "")) process.exitCode = 1;
}

/**
 * `--rows "consume 16,consume 1 KiB"`: only the rows whose id contains one of the (comma-separated)
 * parts, and the produce rows those consume rows read. Empty: every row.
 */
function selectedScenarios(rows) {
  if (rows === "") return SCENARIOS;
  const parts = rows.split(",").map((p) => p.trim());
  const wanted = new Set(SCENARIOS.filter((s) => parts.some((p) => s.id.includes(p))).map((s) => s.id));
  for (const s of SCENARIOS) if (wanted.has(s.id) && s.of !== undefined) wanted.add(s.of);
  return SCENARIOS.filter((s) => wanted.has(s.id));
}

/** The fewest messages any target's run of produce scenario `of` delivered in `round` (0: none ran). */
function fewestDelivered(runs, of, round) {
  const delivered = runs.filter((r) => r.scenario === of && r.round === round).map((r) => r.messages);
  return delivered.length === 0 ? 0 : Math.min(...delivered);
}

function topicName(target, scenario, round) {
  const who = target.name === "Samsa" ? `samsa-${target.mode}` : "kafka09";
  const producers = scenario.producers > 1 ? `-x${scenario.producers}` : "";
  return `cmp-${who}-s${scenario.size}-a${scenario.acks === -1 ? "all" : scenario.acks}${producers}-r${round}`;
}

async function runScenario(bin, target, scenario, opts) {
  // Earlier rows leave gigabytes of dirty page cache that the kernel writes back in the background;
  // a broker that fsyncs (Samsa, by default) would wait behind that writeback in the next row.
  // Every row, for every broker, starts with it on disk.
  execFileSync("sync");
  const produceOf = scenario.kind === "consume" ? SCENARIOS.find((s) => s.id === scenario.of) : scenario;
  const topic = topicName(target, produceOf, opts.round);
  const { broker } = target;
  let args;
  let perfOpts;
  if (scenario.kind === "produce") {
    if (target.name === "Samsa") await createTopics(broker.bootstrap, [{ name: topic, partitions: opts.partitions }]);
    else await ensureTopics09(broker.bootstrap, [topic], opts.partitions);
    args = ["-P", "-t", topic, "-b", broker.bootstrap, "-s", String(scenario.size), "-a", String(scenario.acks)];
    perfOpts = { sigintAfterMs: opts.seconds * 1000, timeoutMs: opts.seconds * 1000 + 60_000 };
  } else {
    // Every broker's consumer reads the same number of messages and stops at the last one: with -e
    // alone a row would end with librdkafka's Fetch at the high watermark, which long-polls
    // fetch.wait.max.ms (500 ms) on either broker before EOF, and a row's rate would then depend on
    // how much its own produce row wrote.
    const count = opts.consumeCount > 0 ? ["-c", String(opts.consumeCount)] : [];
    args = consumeFromBeginning(topic, broker.bootstrap, opts.partitions, count);
    perfOpts = { timeoutMs: CONSUME_TIMEOUT_MS };
  }
  args.push(...target.client);
  for (const kv of opts.client.split(",").filter((x) => x !== "")) args.push("-X", kv.trim());
  const brokerCpu0 = cpuSeconds(broker.pid);
  const rss = rssSampler(broker.pid);
  const t0 = performance.now();
  // The broker's CPU is read when the producer is told to stop (its teardown is not measured), or
  // when the consumer exits.
  let brokerCpu1;
  let t1;
  let rssMiB;
  const atSigint =
    perfOpts.sigintAfterMs === undefined
      ? undefined
      : setTimeout(() => {
          brokerCpu1 = cpuSeconds(broker.pid);
          t1 = performance.now();
          rssMiB = rss.stop();
        }, perfOpts.sigintAfterMs);
  // Several producers: that many rdkafka_performance processes at once; their figures are summed.
  const runs = await Promise.all(Array.from({ length: scenario.producers ?? 1 }, () => runPerf(bin, args, perfOpts)));
  const run = runs[0];
  clearTimeout(atSigint);
  if (brokerCpu1 === undefined) {
    brokerCpu1 = cpuSeconds(broker.pid);
    t1 = performance.now();
    rssMiB = rss.stop();
  }
  const seconds = (t1 - t0) / 1000;
  const many = runs.length > 1 ? `# ${runs.length} at once: ` : "";
  const command =
    scenario.kind === "produce"
      ? `${many}timeout -s INT ${opts.seconds} ${shown(bin)} ${quote(args)}`
      : `${shown(bin)} ${quote(args)}`;
  const row = {
    scenario: scenario.id,
    round: opts.round,
    target: target.name,
    mode: target.mode,
    command,
    brokerCpu: (100 * (brokerCpu1 - brokerCpu0)) / seconds,
    loadCpu:
      (100 * runs.reduce((sum, r) => sum + r.cpuSec, 0)) / (scenario.kind === "produce" ? seconds : run.wallMs / 1000),
    rssMiB,
  };
  const summaries = runs.map((r) => (scenario.kind === "produce" ? parseProduce(r.stdout) : parseConsume(r.stdout)));
  const bad = summaries.findIndex((x) => !x);
  if (bad >= 0)
    return { ...row, messages: 0, msgsPerSec: 0, mbPerSec: 0, note: "no summary", detail: perfErrors(runs[bad]) };
  const add = (f) => summaries.reduce((sum, x) => sum + x[f], 0);
  const s = { delivered: add("delivered"), failed: add("failed"), consumed: summaries[0].consumed };
  s.msgsPerSec = add("msgsPerSec");
  s.mbPerSec = add("mbPerSec");
  const messages = scenario.kind === "produce" ? s.delivered : s.consumed;
  let note = "";
  if (messages === 0) note = "nothing delivered";
  else if (scenario.kind === "produce" && s.failed > 0) note = `${s.failed} failed`;
  else if (run.killedByTimeout) note = "end not reached";
  return {
    ...row,
    messages,
    msgsPerSec: s.msgsPerSec,
    mbPerSec: s.mbPerSec,
    note,
    detail: note === "" ? "" : perfErrors(run),
  };
}

function fmtRate(r) {
  const cpu = `broker CPU ${r.brokerCpu.toFixed(0)} %, load generator ${r.loadCpu.toFixed(0)} %`;
  return `${r.msgsPerSec.toLocaleString("en-US")} msgs/s ${r.mbPerSec.toFixed(1)} MB/s  (${cpu}) ${r.note}`;
}

/** One row per scenario and target: the median run by msgs/s (lower median). */
function medians(runs) {
  const groups = new Map();
  for (const r of runs) {
    const key = `${r.scenario}|${r.target}|${r.mode}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].map((g) => {
    const sorted = [...g].sort((a, b) => a.msgsPerSec - b.msgsPerSec);
    const median = sorted[Math.floor((sorted.length - 1) / 2)];
    return { ...median, runs: g.length, min: sorted[0].msgsPerSec, max: sorted.at(-1).msgsPerSec };
  });
}

function find(rows, scenario, target, mode) {
  return rows.find((r) => r.scenario === scenario && r.target === target && r.mode === mode);
}

function ratio(a, b) {
  return a && b && b.msgsPerSec > 0 ? a.msgsPerSec / b.msgsPerSec : Number.NaN;
}

function report(rows, opts) {
  const fmt = (n) => (Number.isNaN(n) ? "-" : `${n.toFixed(2)}x`);
  console.log(`\n# every run (median of ${opts.repeat}); CPU is % of one core over the run`);
  printTable(
    ["scenario", "broker", "client", "msgs/s", "MB/s", "broker CPU %", "loadgen CPU %", "broker RSS MiB", "note"],
    rows.map((r) => [
      r.scenario,
      r.target,
      r.mode,
      r.msgsPerSec.toLocaleString("en-US"),
      r.mbPerSec.toFixed(1),
      r.brokerCpu.toFixed(0),
      r.loadCpu.toFixed(0),
      r.rssMiB.toFixed(0),
      r.note,
    ]),
  );
  console.log("\n# ratio Samsa/Kafka 0.9.0.1 (msgs/s), same run");
  printTable(
    ["scenario", "headline", "target", "legacy", "target"],
    SCENARIOS.map((s) => {
      const kafka = find(rows, s.id, "Kafka 0.9.0.1", "both");
      const t = TARGETS[s.id];
      return [
        s.id,
        fmt(ratio(find(rows, s.id, "Samsa", "headline"), kafka)),
        t ? `>= ${t.headline}x` : "",
        fmt(ratio(find(rows, s.id, "Samsa", "legacy"), kafka)),
        t ? `>= ${t.legacy}x` : "",
      ];
    }),
  );
  const all = find(rows, "produce 1 KiB acks=-1", "Samsa", "headline");
  const one = find(rows, "produce 1 KiB acks=1", "Samsa", "headline");
  console.log(`\n# Samsa 1 KiB acks=-1 (fsync before ack) / acks=1: ${fmt(ratio(all, one))} (target >= 0.50x)`);
  console.log(`# ${loadAverage()}`);
  console.log("\n# reproduce (brokers as above; Samsa topics by CreateTopics, Kafka's auto-created):");
  for (const r of rows) console.log(`# ${r.scenario}, ${r.target} ${r.mode}\n${r.command}`);
  const problems = rows.filter((r) => r.detail !== "");
  for (const r of problems) console.log(`\n# problem: ${r.scenario} ${r.target} ${r.mode}:\n${r.detail}`);
}

function writeSvg(rows, path) {
  const series = [
    { label: "Samsa (headline)", pick: (s) => find(rows, s, "Samsa", "headline") },
    { label: "Samsa (legacy)", pick: (s) => find(rows, s, "Samsa", "legacy") },
    { label: "Kafka 0.9.0.1", pick: (s) => find(rows, s, "Kafka 0.9.0.1", "both") },
  ];
  const svg = barChart({
    title: "Throughput, MB/s of payload (rdkafka_performance, same run)",
    groups: SCENARIOS.map((s) => s.id),
    series: series.map((se) => ({ label: se.label, values: SCENARIOS.map((s) => se.pick(s.id)?.mbPerSec ?? 0) })),
    unit: "MB/s",
  });
  writeFileSync(path, svg);
  console.log(`# wrote ${shown(path)}`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
