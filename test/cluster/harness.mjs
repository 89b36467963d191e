// Multi-process cluster harness: a real etcd (Debian's etcd-server) on loopback ports and Samsa
// brokers started with --etcd through the compat harness.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { freePort, makeTempDir, startBroker } from "../compat/harness/broker.mjs";
import { requireExecutable, runOk } from "../compat/harness/process.mjs";

const ETCD_START_TIMEOUT_MS = 15_000;
const PYTHON = "/usr/bin/python3";
const PRODUCER = new URL("./clients/acked_producer.py", import.meta.url).pathname;
const NODE_PRODUCER = new URL("./clients/acked-producer.mjs", import.meta.url).pathname;
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

/** Calls `onMessage` with each line a child prints on `stream`, parsed as JSON. */
export function onJsonLines(stream, onMessage) {
  let partial = "";
  stream.on("data", (d) => {
    partial += d.toString();
    const lines = partial.split("\n");
    partial = lines.pop();
    for (const l of lines) onMessage(JSON.parse(l));
  });
}

/**
 * Runs the idempotent acks=all producer creating `topic` with replication factor 3; acknowledgements
 * and failures are collected as they come. `client`: "python" (python3-confluent-kafka on Debian's
 * librdkafka 2.0.2) or "node" (@confluentinc/kafka-javascript, librdkafka 2.15, which has the
 * idempotence fix for sends that fail after being possibly persisted, as cuts make them).
 */
export function startProducer(bootstrap, topic, partitions, { client = "python" } = {}) {
  const [command, script] = client === "node" ? [process.execPath, NODE_PRODUCER] : [PYTHON, PRODUCER];
  const child = spawn(command, [script, bootstrap, topic, String(partitions), "3"], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  const acks = [];
  const errors = [];
  let done;
  let created = false;
  let stderr = "";
  const waiters = [];
  child.stderr.on("data", (d) => {
    stderr = (stderr + d.toString()).slice(-8192);
  });
  onJsonLines(child.stdout, (m) => {
    if (m.created) created = true;
    else if (m.done) done = m;
    else if (m.err) errors.push(m);
    else acks.push(m);
    for (const w of waiters.splice(0)) w();
  });
  const exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
  const changed = () => new Promise((resolve) => waiters.push(resolve));
  return {
    acks,
    errors,
    stderr: () => stderr,
    async waitFor(predicate, timeoutMs, what) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate({ created, acks, done })) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; producer stderr:\n${stderr}`);
        if (child.exitCode !== null) throw new Error(`producer exited (${child.exitCode}):\n${stderr}`);
        await Promise.race([changed(), new Promise((r) => setTimeout(r, 200))]);
      }
    },
    async finish() {
      child.stdin.end();
      const code = await exited;
      assert.equal(code, 0, `producer failed:\n${stderr}`);
      return done;
    },
  };
}

/**
 * Reads every partition and checks each acknowledged record is at its acknowledged offset; returns
 * the counts (found, duplicates by value).
 */
export async function verifyAcknowledged(bootstrap, topic, partitions, acks) {
  let found = 0;
  let duplicates = 0;
  const missing = [];
  const seen = new Set();
  for (let p = 0; p < partitions; p++) {
    const records = await readPartition(bootstrap, topic, p);
    const byOffset = new Map(records);
    for (let i = 1; i < records.length; i++) assert.ok(records[i][0] > records[i - 1][0], "offsets increase");
    for (const [, v] of records) {
      if (seen.has(v)) duplicates++;
      seen.add(v);
    }
    for (const a of acks.filter((x) => x.p === p)) {
      if (byOffset.get(a.o) === a.v) found++;
      else if (missing.length < 10) missing.push({ ...a, at: byOffset.get(a.o) ?? null, end: records.at(-1)?.[0] });
    }
  }
  return { found, duplicates, missing };
}

/**
 * A TCP proxy on a free loopback port in front of `targetPort`. `cut()` drops every connection and
 * every new one until `heal()`: used to cut a broker off (its listener and its etcd connection).
 */
export async function startProxy(targetPort) {
  const { createServer, connect } = await import("node:net");
  const pairs = new Set();
  let cut = false;
  const server = createServer((client) => {
    if (cut) {
      client.destroy();
      return;
    }
    const upstream = connect({ host: "127.0.0.1", port: targetPort });
    const pair = { client, upstream };
    pairs.add(pair);
    const close = () => {
      client.destroy();
      upstream.destroy();
      pairs.delete(pair);
    };
    client.on("error", close).on("close", close);
    upstream.on("error", close).on("close", close);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  const port = await freePort();
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    port,
    cut() {
      cut = true;
      for (const p of pairs) {
        p.client.destroy();
        p.upstream.destroy();
      }
      pairs.clear();
    },
    heal() {
      cut = false;
    },
    close() {
      this.cut();
      server.close();
    },
  };
}

/**
 * Starts `count` brokers behind proxies: each advertises its proxy's port (so clients and the other
 * brokers reach it only through the proxy) and talks to etcd through a proxy of its own. `cut(b)`
 * isolates broker b from clients, from the brokers fetching from it and from etcd; its own
 * outgoing fetches to other leaders are not cut (an asymmetric partition).
 */
export async function startProxiedCluster(etcdUrl, count) {
  const etcdPort = Number(new URL(etcdUrl).port);
  const brokers = [];
  for (let id = 1; id <= count; id++) brokers.push(await startProxiedBroker(etcdPort, id));
  return brokers;
}

export async function startProxiedBroker(etcdPort, id, previous) {
  const realPort = previous?.realPort ?? (await freePort());
  const proxy = previous?.proxy ?? (await startProxy(realPort));
  const etcdProxy = previous?.etcdProxy ?? (await startProxy(etcdPort));
  const args = [
    ...clusterArgs(`http://127.0.0.1:${etcdProxy.port}`, id),
    "--advertised-listeners",
    `PLAINTEXT://127.0.0.1:${proxy.port}`,
  ];
  const broker = await startBroker({ dataDir: previous?.dataDir, port: realPort, args });
  return {
    id,
    realPort,
    proxy,
    etcdProxy,
    dataDir: broker.dataDir,
    bootstrap: `127.0.0.1:${proxy.port}`,
    broker,
    cut() {
      proxy.cut();
      etcdProxy.cut();
    },
    heal() {
      proxy.heal();
      etcdProxy.heal();
    },
  };
}
