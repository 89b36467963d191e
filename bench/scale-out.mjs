#!/usr/bin/env node
// Scale-out throughput: acks=all produce (rdkafka_performance, built by bench/throughput.mjs) to a
// topic with replication factor 3 on a 3-broker cluster (etcd), then a 4th broker starts, the
// partitions are reassigned to spread replicas and preferred leaders over the 4 brokers
// (AlterPartitionReassignments, ElectLeaders), and the same produce runs again. Every broker, etcd
// and the producer share this machine's cores, so the figures show the cost of the protocol, not
// the capacity of a real 4-machine cluster.
//   node bench/scale-out.mjs [--seconds 10] [--size 100] [--partitions 8]
import { parseArgs } from "node:util";
import { alterReassignments, electLeaders, listReassignments } from "../test/cluster/cluster-admin.mjs";
import { clusterArgs, startEtcd } from "../test/cluster/harness.mjs";
import { startBroker } from "../test/compat/harness/broker.mjs";
import { runOk } from "../test/compat/harness/process.mjs";
import { buildPerf, parseProduce, perfErrors, revision, runPerf } from "./throughput.mjs";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "10" },
    size: { type: "string", default: "100" },
    partitions: { type: "string", default: "8" },
  },
});
const seconds = Number(values.seconds);
const size = values.size;
const partitions = Number(values.partitions);
const topic = "bench-scale-out";

async function produce(bin, bootstrap) {
  const args = ["-P", "-t", topic, "-b", bootstrap, "-s", size, "-a", "-1"];
  const run = await runPerf(bin, args, { sigintAfterMs: seconds * 1000, timeoutMs: seconds * 1000 + 60_000 });
  const s = parseProduce(run.stdout);
  if (s === undefined) throw new Error(perfErrors(run));
  return s;
}

async function until(what, timeoutMs, check) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

const bin = buildPerf();
const etcd = await startEtcd();
const brokers = [];
const rows = [];
const args = (id) => clusterArgs(etcd.url, id, ["--set", `num.partitions=${partitions}`]);
try {
  for (let id = 1; id <= 3; id++) brokers.push(await startBroker({ args: args(id) }));
  let bootstrap = brokers.map((b) => b.bootstrap).join(",");
  // Auto-created on first use: num.partitions, replication factor 3.
  await runOk("kcat", ["-b", bootstrap, "-P", "-t", topic, "-X", "acks=all"], {
    input: "warm-up\n",
    timeoutMs: 30_000,
  });
  rows.push(["3 brokers", await produce(bin, bootstrap)]);

  brokers.push(await startBroker({ args: args(4) }));
  bootstrap = brokers.map((b) => b.bootstrap).join(",");
  const startedAt = Date.now();
  const spread = Array.from({ length: partitions }, (_, p) => ({
    topic,
    partition: p,
    replicas: [0, 1, 2].map((k) => ((p + k) % 4) + 1),
  }));
  const accepted = await alterReassignments(bootstrap, spread);
  const refused = accepted.filter((a) => a.errorCode !== 0);
  if (refused.length > 0) throw new Error(`reassignment refused: ${JSON.stringify(refused)}`);
  await until("the reassignments to complete", 120_000, async () => (await listReassignments(bootstrap)).length === 0);
  await electLeaders(bootstrap, 0, null);
  const reassignMs = Date.now() - startedAt;
  rows.push(["4 brokers (after reassignment)", await produce(bin, bootstrap)]);
  process.stdout.write(
    `scale-out produce, acks=all, RF 3, min.insync 2, ${partitions} partitions, ${size}-byte messages, ` +
      `${seconds} s per row, ${revision()}\n` +
      `command: node bench/scale-out.mjs --seconds ${seconds} --size ${size} --partitions ${partitions}\n`,
  );
  for (const [setup, s] of rows) {
    process.stdout.write(
      `${setup.padEnd(32)} ${String(s.msgsPerSec).padStart(8)} msgs/s ${s.mbPerSec.toFixed(2).padStart(7)} MB/s  (${s.delivered} delivered, ${s.failed} failed)\n`,
    );
  }
  process.stdout.write(
    `reassignment of ${partitions} partitions to 4 brokers (with the data of row 1): ${reassignMs} ms\n`,
  );
} finally {
  for (const b of brokers) await b.stop().catch(() => {});
  await etcd.stop();
}
