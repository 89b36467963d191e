#!/usr/bin/env node
// Many connections: broker RSS and produce throughput with --connections idle client connections
// open (each has sent one ApiVersions request, then stays silent), against the same produce row
// without them.
//
//   node bench/connections.mjs [--quick] [--connections 1000] [--seconds 5] [--size 1024]
//                              [--partitions 4] [--settle-ms 2000] [--set key=value ...]
// --quick: 2-second rows, 1 s settle time.
//
// Order: RSS idle -> open the connections -> RSS -> produce row with them open -> close them -> the
// same produce row (baseline; it runs second, on a warmed-up broker) -> RSS after each; one broker. Results: .bench-out/connections.json.
import { createConnection } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import {
  buildPerf,
  cpuSeconds,
  createTopics,
  loadAverage,
  parseArgs,
  parseProduce,
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

const OPEN_BATCH = 100;
const CONNECT_TIMEOUT_MS = 30_000;

const opts = parseArgs(
  process.argv.slice(2),
  { connections: 1000, seconds: 5, size: 1024, partitions: 4, "settle-ms": 2000 },
  { seconds: 2, "settle-ms": 1000 },
);
const bin = buildPerf();
const broker = await startBroker({ dataDir: tempDataDir("connections"), set: opts.set });
console.log(`# broker: ${broker.command}  (${revision()}); ${loadAverage()}`);
const rows = [];
const commands = [];
const sockets = [];
let ok = true;

/** One ApiVersions v0 request; resolves once any response bytes arrive, leaving the socket open. */
function openIdle(port) {
  return new Promise((resolve, reject) => {
    const sock = createConnection({ host: "127.0.0.1", port });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no ApiVersions response within ${CONNECT_TIMEOUT_MS} ms`));
    }, CONNECT_TIMEOUT_MS);
    sock.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    sock.once("data", () => {
      clearTimeout(timer);
      resolve(sock);
    });
    const clientId = Buffer.from("samsa-bench-idle");
    const header = Buffer.alloc(4 + 2 + 2 + 4 + 2);
    header.writeInt32BE(header.length - 4 + clientId.length, 0);
    header.writeInt16BE(18, 4); // ApiVersions
    header.writeInt16BE(0, 6);
    header.writeInt32BE(1, 8);
    header.writeInt16BE(clientId.length, 12);
    sock.write(Buffer.concat([header, clientId]));
  });
}

async function produceRow(label, topic) {
  await createTopics(broker.bootstrap, [{ name: topic, partitions: opts.partitions }]);
  const args = ["-P", "-t", topic, "-b", broker.bootstrap, "-s", String(opts.size), "-a", "1"];
  const cpu0 = cpuSeconds(broker.pid);
  const t0 = performance.now();
  const run = await runPerf(bin, args, { sigintAfterMs: opts.seconds * 1000, timeoutMs: opts.seconds * 1000 + 60_000 });
  const brokerCpu = (100 * (cpuSeconds(broker.pid) - cpu0)) / ((performance.now() - t0) / 1000);
  commands.push(`# ${label}\ntimeout -s INT ${opts.seconds} ${shown(bin)} ${quote(args)}`);
  const s = parseProduce(run.stdout);
  if (!s) {
    ok = false;
    console.error(`${label}: ${perfErrors(run)}`);
  }
  return { msgsPerSec: s?.msgsPerSec ?? 0, mbPerSec: s?.mbPerSec ?? 0, brokerCpu };
}

async function stage(name, produce) {
  await sleep(opts["settle-ms"]);
  const { rss } = rssMiB(broker.pid);
  const row = { stage: name, connections: sockets.length, rssMiB: rss, ...(produce ?? {}) };
  rows.push(row);
  console.log(`  ${JSON.stringify(row)}`);
}

try {
  await stage("idle, no client connections");
  const t0 = performance.now();
  while (sockets.length < opts.connections) {
    const n = Math.min(OPEN_BATCH, opts.connections - sockets.length);
    sockets.push(...(await Promise.all(Array.from({ length: n }, () => openIdle(broker.port)))));
  }
  const openMs = performance.now() - t0;
  console.log(`# opened ${sockets.length} connections (ApiVersions each) in ${openMs.toFixed(0)} ms`);
  await stage(`${opts.connections} idle connections open (opened in ${openMs.toFixed(0)} ms)`);
  await stage(
    `produce ${opts.size} B acks=1, ${opts.connections} idle connections`,
    await produceRow("with idle connections", "conn-loaded"),
  );
  const alive = sockets.filter((s) => !s.destroyed).length;
  if (alive !== opts.connections) {
    ok = false;
    console.error(`# only ${alive} of ${opts.connections} idle connections still open`);
  }
  for (const s of sockets.splice(0)) s.destroy();
  await stage(`produce ${opts.size} B acks=1, idle connections closed`, await produceRow("baseline", "conn-baseline"));
} catch (err) {
  ok = false;
  console.error(`connections bench stopped early: ${err instanceof Error ? err.message : err}`);
} finally {
  for (const s of sockets) s.destroy();
  await broker.stop();
}
console.log("");
printTable(
  ["stage", "connections", "RSS MiB", "msgs/s", "MB/s", "broker CPU %"],
  rows.map((r) => [
    r.stage,
    r.connections,
    r.rssMiB.toFixed(1),
    r.msgsPerSec ?? "",
    r.mbPerSec?.toFixed(1) ?? "",
    r.brokerCpu?.toFixed(0) ?? "",
  ]),
);
console.log(`# ${loadAverage()}\n# reproduce:`);
for (const c of commands) console.log(c);
writeResult("connections", {
  command: `node bench/connections.mjs ${quote(process.argv.slice(2))}`.trim(),
  connections: opts.connections,
  seconds: opts.seconds,
  rows,
  commands,
});
if (!ok) process.exitCode = 1;
