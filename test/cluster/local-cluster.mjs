#!/usr/bin/env node
// One command for trying cluster mode on one machine: starts an etcd and three brokers on loopback
// (data under a temporary directory unless --dir is given), prints the bootstrap list, and stops
// everything on Ctrl-C. Usage: node test/cluster/local-cluster.mjs [--brokers N] [--dir DIR]
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { makeTempDir, startBroker } from "../compat/harness/broker.mjs";
import { clusterArgs, startEtcd } from "./harness.mjs";

const { values } = parseArgs({
  options: { brokers: { type: "string", default: "3" }, dir: { type: "string" } },
});
const count = Number(values.brokers);
const dir = values.dir ?? makeTempDir("cluster");
const etcd = await startEtcd();
const brokers = [];
for (let id = 1; id <= count; id++) {
  const dataDir = join(dir, `broker-${id}`);
  mkdirSync(dataDir, { recursive: true });
  brokers.push(await startBroker({ dataDir, port: 9091 + id, args: clusterArgs(etcd.url, id) }));
}
process.stdout.write(
  `etcd ${etcd.url}\nbrokers ${brokers.map((b) => b.bootstrap).join(",")}\ndata ${dir}\nCtrl-C stops the cluster\n`,
);
let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  for (const b of brokers) await b.stop();
  await etcd.stop();
  process.exit(0);
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
