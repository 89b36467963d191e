// Multi-process cluster harness: a real etcd (Debian's etcd-server) on loopback ports and Samsa
// brokers started with --etcd through the compat harness.
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { freePort, makeTempDir, startBroker } from "../compat/harness/broker.mjs";
import { requireExecutable, runOk } from "../compat/harness/process.mjs";

const ETCD_START_TIMEOUT_MS = 15_000;
const running = new Set();
process.once("exit", () => {
  for (const p of running) p.kill("SIGKILL");
});

/** Starts a single-member etcd in a temporary directory; resolves once it answers /health. */
export async function startEtcd() {
  requireExecutable("etcd");
  const dir = makeTempDir("etcd");
  const clientPort = await freePort();
  const peerPort = await freePort();
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const child = spawn(
    "etcd",
    [
      "--name",
      "samsa-test",
      "--data-dir",
      join(dir, "data"),
      "--listen-client-urls",
      client,
      "--advertise-client-urls",
      client,
      "--listen-peer-urls",
      peer,
      "--initial-advertise-peer-urls",
      peer,
      "--initial-cluster",
      `samsa-test=${peer}`,
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  running.add(child);
  let output = "";
  child.stderr.on("data", (d) => {
    output = (output + d.toString()).slice(-8192);
  });
  const deadline = Date.now() + ETCD_START_TIMEOUT_MS;
  for (;;) {
    try {
      const res = await fetch(`${client}/health`);
      if (res.ok) break;
    } catch {}
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`etcd did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: client,
    async stop() {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await new Promise((r) => child.once("exit", r));
      }
      running.delete(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Cluster-mode flags: short sessions and lag times so failures are noticed within seconds. */
export function clusterArgs(etcdUrl, nodeId, extra = []) {
  return [
    "--node-id",
    String(nodeId),
    "--etcd",
    etcdUrl,
    "--set",
    "broker.session.timeout.ms=3000",
    "--set",
    "replica.lag.time.max.ms=5000",
    "--set",
    "replica.fetch.backoff.ms=200",
    "--set",
    "default.replication.factor=3",
    "--set",
    "min.insync.replicas=2",
    ...extra,
  ];
}

/** Starts `count` brokers (node ids 1..count) against `etcdUrl`. */
export async function startCluster(etcdUrl, count) {
  const brokers = [];
  for (let id = 1; id <= count; id++) {
    const b = await startBroker({ args: clusterArgs(etcdUrl, id) });
    brokers.push({ id, ...b, broker: b });
  }
  return brokers;
}

/** The topic's partitions as kcat's JSON metadata shows them (leader, replicas, ISR). */
export async function topicMetadata(bootstrap, topic) {
  const { stdout } = await runOk("kcat", ["-b", bootstrap, "-L", "-J", "-t", topic, "-m", "5"], { timeoutMs: 15_000 });
  const md = JSON.parse(stdout);
  const t = md.topics.find((x) => x.topic === topic);
  return { brokers: md.brokers, controller: md.controllerid, partitions: t?.partitions ?? [], error: t?.error };
}

/** Every record of a partition up to the high watermark, as [offset, value] pairs. */
export async function readPartition(bootstrap, topic, partition) {
  const { stdout } = await runOk(
    "kcat",
    ["-C", "-b", bootstrap, "-t", topic, "-p", String(partition), "-o", "beginning", "-e", "-q", "-f", "%o %s\\n"],
    { timeoutMs: 30_000 },
  );
  return stdout
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => {
      const [o, v] = l.split(" ");
      return [Number(o), v];
    });
}
