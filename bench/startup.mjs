#!/usr/bin/env node
// Broker start-up time on a data dir with 1,000 partitions and --gb of records: after kill -9
// (recovery scans what was not checkpointed) and after a clean shutdown. Start-up is measured from
// spawning the process to its "started" line; the broker's own "partition logs loaded" log line
// (its LogManager start-up stats) is shown beside it.
//
//   node bench/startup.mjs [--quick] [--gb 5] [--partitions 1000] [--size 1024] [--keep] [--data-dir DIR]
//                          [--skip-verify] [--drop-caches] [--set k=v]
// --quick: 0.5 GB, 1 s settle time. Results: .bench-out/startup.json (startup-cold.json with --drop-caches). --drop-caches (root): sync and drop the page cache before each
// restart, so start-up reads the data from disk (this slows everything else on the machine briefly).
//
// Order: empty start -> create topic -> produce --gb -> kill -9 -> start (recovery) -> SIGTERM
// (clean shutdown) -> start (clean) -> consume everything and compare the count with what was
// acknowledged. With --data-dir an existing dir from an earlier --keep run is reused: no produce,
// only the restarts.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import {
  buildPerf,
  createTopics,
  loadAverage,
  parseArgs,
  parseConsume,
  parseProduce,
  consumeFromBeginning,
  perfErrors,
  printTable,
  quote,
  revision,
  rssMiB,
  runPerf,
  shown,
  startBroker,
  tempDataDir,
  writeResult,
} from "./throughput.mjs";

const GIB = 1024 ** 3;
const opts = parseArgs(
  process.argv.slice(2),
  {
    gb: 5,
    partitions: 1000,
    size: 1024,
    "data-dir": "",
    "settle-ms": 2000,
    keep: false,
    "skip-verify": false,
    "drop-caches": false,
  },
  { gb: 0.5, "settle-ms": 1000 },
);
const BROKER_ENV = { SAMSA_LOG_LEVEL: "info" };
const topic = "startup-bench";
const reuse = opts["data-dir"] !== "" && existsSync(opts["data-dir"]);
const dataDir = opts["data-dir"] || tempDataDir("startup", { keep: opts.keep });
mkdirSync(dataDir, { recursive: true });
const rows = [];
const notes = [];
const record = async (phase, broker) => {
  await sleep(opts["settle-ms"]);
  const { rss } = rssMiB(broker.pid);
  const s = logsLoaded(broker.startLog);
  const stats = s
    ? [Math.round(s.durationMs), s.logs, s.hadCleanShutdown ? "yes" : "no", s.recoveredSegments, s.truncatedBytes]
    : [];
  rows.push([phase, broker.startupMs.toFixed(0), ...padded(stats), rss.toFixed(1), gib(dataDir)]);
};
// Page cache: without --drop-caches the data just written is still in memory, so a restart
// measures CPU (CRC checks, index rebuilds), not disk reads.
const restart = () => {
  if (opts["drop-caches"]) {
    execFileSync("sync");
    writeFileSync("/proc/sys/vm/drop_caches", "3");
  }
  return startBroker({ dataDir, set: opts.set, env: BROKER_ENV });
};
const padded = (stats) => (stats.length > 0 ? stats : ["?", "?", "?", "?", "?"]);
let bin;
let acknowledged;

let broker;
try {
  bin = buildPerf();
  broker = await startBroker({ dataDir, set: opts.set, env: BROKER_ENV });
  console.log(`# broker: SAMSA_LOG_LEVEL=info ${broker.command}  (${revision()})`);
  const cache = opts["drop-caches"] ? "page cache dropped before each restart" : "page cache warm";
  console.log(`# ${opts.gb} GB over ${opts.partitions} partitions in ${opts.size} B records; ${cache}`);
  if (!reuse) {
    await record("start, empty data dir", broker);
    await createTopics(broker.bootstrap, [{ name: topic, partitions: opts.partitions }]);
    const messages = Math.ceil((opts.gb * GIB) / opts.size);
    // Keyless messages with librdkafka's sticky partitioner: full batches, moving to a random
    // partition every few ms, so all partitions get data over a run of this length.
    const args = ["-P", "-t", topic, "-b", broker.bootstrap, "-s", String(opts.size), "-c", String(messages), "-q"];
    const run = await runPerf(bin, args, { timeoutMs: 3_600_000 });
    const p = parseProduce(run.stdout);
    if (!p || p.delivered !== messages) throw new Error(`produce incomplete: ${perfErrors(run)}`);
    notes.push(`produced ${messages} x ${opts.size} B in ${(p.elapsedMs / 1000).toFixed(1)} s (${p.mbPerSec} MB/s)`);
    notes.push(`produce: ${shown(bin)} ${quote(args)}`);
    acknowledged = p.delivered;
  }

  const killed = await broker.stop("SIGKILL");
  broker = undefined;
  notes.push(`kill -9 ${killed.signal === "SIGKILL" ? "done" : `raced an exit (code ${killed.code})`}`);
  broker = await restart();
  await record("start after kill -9 (recovery)", broker);

  const clean = await broker.stop("SIGTERM");
  broker = undefined;
  rows.push(["clean shutdown (SIGTERM to exit)", clean.stopMs.toFixed(0), "", "", "", "", "", "", gib(dataDir)]);
  if (clean.code !== 0) notes.push(`clean shutdown ended with code ${clean.code}, signal ${clean.signal}`);
  broker = await restart();
  await record("start after clean shutdown", broker);

  if (!opts["skip-verify"]) {
    const args = consumeFromBeginning(topic, broker.bootstrap, opts.partitions);
    const run = await runPerf(bin, args, { timeoutMs: 3_600_000 });
    const c = parseConsume(run.stdout);
    if (!c) throw new Error(`verify: consume failed: ${perfErrors(run)}`);
    const expect = acknowledged === undefined ? "" : `, ${acknowledged} acknowledged before the kill -9`;
    notes.push(`verify: read back ${c.consumed} records (${c.mbPerSec} MB/s)${expect}`);
    if (acknowledged !== undefined && c.consumed < acknowledged) {
      notes.push(`LOST RECORDS: ${acknowledged - c.consumed}`);
      process.exitCode = 1;
    }
  }
} catch (err) {
  console.error(`startup bench stopped early: ${err instanceof Error ? err.message : err}`);
  process.exitCode = 1;
} finally {
  if (broker) await broker.stop("SIGTERM");
  if (!opts.keep && !opts["data-dir"]) rmSync(dataDir, { recursive: true, force: true });
}

console.log("");
printTable(
  ["phase", "ms", "log load ms", "logs", "clean?", "recovered segs", "truncated B", "RSS MiB", "data GiB"],
  rows,
);
console.log("# ms: spawn to the `started` line; log load ms .. truncated B: the broker's own start-up stats");
console.log(`# ${loadAverage()}`);
console.log("");
for (const n of notes) console.log(`# ${n}`);
if (opts.keep) console.log(`# data dir kept: ${dataDir} (rerun with --data-dir ${dataDir})`);
const HEADER = [
  "phase",
  "ms",
  "logLoadMs",
  "logs",
  "clean",
  "recoveredSegments",
  "truncatedBytes",
  "rssMiB",
  "dataGiB",
];
writeResult(opts["drop-caches"] ? "startup-cold" : "startup", {
  command: `node bench/startup.mjs ${quote(process.argv.slice(2))}`.trim(),
  gb: opts.gb,
  partitions: opts.partitions,
  size: opts.size,
  dropCaches: opts["drop-caches"],
  rows: rows.map((r) => Object.fromEntries(HEADER.map((h, i) => [h, r[i]]))),
  notes,
});

function gib(dir) {
  const bytes = Number(execFileSync("du", ["-sb", dir], { encoding: "utf8" }).split("\t")[0]);
  return (bytes / GIB).toFixed(2);
}

/** The LogManager start-up stats from the broker's "partition logs loaded" info line. */
function logsLoaded(lines) {
  for (const line of lines) {
    if (!line.includes("partition logs loaded")) continue;
    try {
      return JSON.parse(line);
    } catch {
      return undefined;
    }
  }
  return undefined;
}
