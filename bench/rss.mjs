#!/usr/bin/env node
// Broker resident memory: idle, after creating 1,000 partitions (CreateTopics), after producing to
// all of them, after consuming them all back. Figures are VmRSS/VmHWM from /proc, in MiB.
//
//   node bench/rss.mjs [--quick] [--partitions 1000] [--messages 200000] [--size 1024] [--settle-ms 3000]
//                      [--timeout-s 300] [--set k=v]
// --quick: 50,000 messages, 1 s settle time. Results: .bench-out/rss-<partitions>.json.
import { rmSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import {
  buildPerf,
  createTopics,
  loadAverage,
  parseArgs,
  parseConsume,
  parseProduce,
  partitionFlags,
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

const opts = parseArgs(
  process.argv.slice(2),
  {
    partitions: 1000,
    messages: 200_000,
    size: 1024,
    "settle-ms": 3000,
    "timeout-s": 300,
    keep: false,
  },
  { messages: 50_000, "settle-ms": 1000 },
);
const topic = "rss-bench";
const bin = buildPerf();
const dataDir = tempDataDir("rss", { keep: opts.keep });
const broker = await startBroker({ dataDir, set: opts.set });
console.log(`# broker: ${broker.command}  (${revision()})`);
const rows = [];
const commands = [];
let createMs = Number.NaN;
const sample = async (stage) => {
  await sleep(opts["settle-ms"]);
  const { rss, peak } = rssMiB(broker.pid);
  rows.push([stage, rss.toFixed(1), peak.toFixed(1)]);
};

try {
  await sample("idle");

  const t0 = performance.now();
  await createTopics(broker.bootstrap, [{ name: topic, partitions: opts.partitions }]);
  createMs = performance.now() - t0;
  console.log(`# CreateTopics with ${opts.partitions} partitions took ${createMs.toFixed(0)} ms`);
  await sample(`${opts.partitions} partitions created`);

  // No -p and no sticky partitioning: every keyless message goes to a random partition, so all of
  // them get data; a long linger keeps the per-partition batches from being single records.
  const produceArgs = ["-P", "-t", topic, "-b", broker.bootstrap, "-s", String(opts.size), "-c", String(opts.messages)];
  produceArgs.push("-X", "sticky.partitioning.linger.ms=0", "-X", "linger.ms=100");
  const produced = await runPerf(bin, produceArgs, { timeoutMs: opts["timeout-s"] * 1000 });
  const p = parseProduce(produced.stdout);
  if (!p || p.delivered !== opts.messages) throw new Error(`produce incomplete: ${perfErrors(produced)}`);
  commands.push(`${shown(bin)} ${quote(produceArgs)}`);
  await sample(`after producing ${opts.messages} x ${opts.size} B`);

  const consumeArgs = ["-C", "-t", topic, "-b", broker.bootstrap, ...partitionFlags(opts.partitions)];
  consumeArgs.push("-o", "beginning", "-e");
  const consumed = await runPerf(bin, consumeArgs, { timeoutMs: opts["timeout-s"] * 1000 });
  const c = parseConsume(consumed.stdout);
  if (!c || c.consumed < opts.messages) throw new Error(`consume incomplete: ${perfErrors(consumed)}`);
  commands.push(
    `${shown(bin)} -C -t ${topic} -b ${broker.bootstrap} -p 0 ... -p ${opts.partitions - 1} -o beginning -e`,
  );
  const filled = nonEmptyPartitions(consumed.stdout);
  console.log(`# ${filled} of ${opts.partitions} partitions hold data (end offsets from the consumer)`);
  await sample(`after consuming all ${c.consumed}`);

  console.log(
    `# produce: ${p.msgsPerSec} msgs/s, ${p.mbPerSec} MB/s; consume: ${c.msgsPerSec} msgs/s, ${c.mbPerSec} MB/s`,
  );
} catch (err) {
  console.error(`rss bench stopped early: ${err instanceof Error ? err.message : err}`);
  process.exitCode = 1;
} finally {
  await broker.stop();
  if (!opts.keep) rmSync(dataDir, { recursive: true, force: true });
}
console.log("");
printTable(["stage", "RSS MiB", "peak RSS MiB"], rows);
console.log(`# ${loadAverage()}`);
console.log(`\n# samples taken ${opts["settle-ms"]} ms after each stage; reproduce:`);
for (const c of commands) console.log(c);
// Named by partition count: bench/run.mjs runs this with 1,000 and with 10,000 partitions.
writeResult(`rss-${opts.partitions}`, {
  command: `node bench/rss.mjs ${quote(process.argv.slice(2))}`.trim(),
  partitions: opts.partitions,
  messages: opts.messages,
  size: opts.size,
  createMs,
  rows: rows.map(([stage, rss, peak]) => ({ stage, rssMiB: Number(rss), peakMiB: Number(peak) })),
  commands,
});

function nonEmptyPartitions(stdout) {
  const ends = new Map();
  for (const m of stdout.matchAll(/reached end of \S+ \[(\d+)\] message queue at offset (\d+)/g)) {
    ends.set(m[1], Number(m[2]));
  }
  return [...ends.values()].filter((end) => end > 0).length;
}
