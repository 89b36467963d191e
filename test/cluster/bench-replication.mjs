#!/usr/bin/env node
// Replicated produce throughput on one machine: rdkafka_performance (bench/throughput.mjs builds it)
// against (a) a 3-broker cluster with its etcd, topic replication factor 3, acks=all, and (b) a
// single-node broker (no etcd) with acks=1 and acks=all, same topic shape (3 partitions).
//   node test/cluster/bench-replication.mjs [--seconds 10] [--size 100]
import { rmSync } from "node:fs";
import { parseArgs } from "node:util";
import { buildPerf, parseProduce, perfErrors, revision, runPerf } from "../../bench/throughput.mjs";
import { makeTempDir, startBroker } from "../compat/harness/broker.mjs";
import { runOk } from "../compat/harness/process.mjs";
import { clusterArgs, startEtcd } from "./harness.mjs";

const { values } = parseArgs({
  options: { seconds: { type: "string", default: "10" }, size: { type: "string", default: "100" } },
});
const seconds = Number(values.seconds);
const size = values.size;
const PARTITIONS = 3;

async function produce(bin, bootstrap, topic, acks) {
  // Auto-created on first use: num.partitions 3, default.replication.factor as the broker sets it.
  await runOk("kcat", ["-b", bootstrap, "-P", "-t", topic, "-X", "acks=all"], {
    input: "warm-up\n",
    timeoutMs: 30_000,
  });
  const args = ["-P", "-t", topic, "-b", bootstrap, "-s", size, "-a", String(acks)];
  const run = await runPerf(bin, args, { sigintAfterMs: seconds * 1000, timeoutMs: seconds * 1000 + 60_000 });
  const s = parseProduce(run.stdout);
  if (s === undefined) throw new Error(perfErrors(run));
  return s;
}

const bin = buildPerf();
const rows = [];
{
  const etcd = await startEtcd();
  const brokers = [];
  for (let id = 1; id <= 3; id++) {
    brokers.push(await startBroker({ args: clusterArgs(etcd.url, id, ["--set", `num.partitions=${PARTITIONS}`]) }));
  }
  const bootstrap = brokers.map((b) => b.bootstrap).join(",");
  rows.push(["3 brokers + etcd, RF 3, min.insync 2", "all", await produce(bin, bootstrap, "bench-rf3", -1)]);
  for (const b of brokers) await b.stop();
  await etcd.stop();
}
{
  const dir = makeTempDir("single");
  const b = await startBroker({ dataDir: dir, args: ["--set", `num.partitions=${PARTITIONS}`] });
  rows.push(["single node, RF 1", "1", await produce(bin, b.bootstrap, "bench-single-1", 1)]);
  rows.push(["single node, RF 1", "all", await produce(bin, b.bootstrap, "bench-single-all", -1)]);
  await b.stop();
  rmSync(dir, { recursive: true, force: true });
}
process.stdout.write(
  `replicated produce, ${seconds} s per row, ${size}-byte messages, ${PARTITIONS} partitions, ${revision()}\n`,
);
for (const [setup, acks, s] of rows) {
  process.stdout.write(
    `${setup.padEnd(38)} acks=${acks.padEnd(4)} ${String(s.msgsPerSec).padStart(8)} msgs/s ${s.mbPerSec.toFixed(2).padStart(7)} MB/s  (${s.delivered} delivered, ${s.failed} failed)\n`,
  );
}
