#!/usr/bin/env node
// Produce/consume throughput of a real Samsa broker, measured with librdkafka's rdkafka_performance.
// Also exports the small harness that rss.mjs and startup.mjs share: build the load generator,
// start/stop a broker process, create topics over the Kafka protocol, run and parse
// rdkafka_performance.
//
//   node bench/throughput.mjs [--quick] [--full] [--seconds 5] [--repeat 1] [--consume-timeout 60]
//                             [--drop-caches] [--set key=value ...] [--keep]
// --quick: 2-second rows. --full: the cross product of sizes (100 B, 1 KiB, 16 KiB), acks (0, 1, -1)
// and partitions (1, 4, 64), plus 8 producers and each compression codec per size; otherwise one
// dimension at a time is varied from 1 KiB, acks=1, 4 partitions, one producer, no compression.
//
// Each produce row runs for --seconds and is stopped with SIGINT (rdkafka_performance then prints
// its summary); each consume row reads that topic from the beginning to its end. With --repeat N
// every row runs N times (round-robin) and the table shows the median run and the range. Then the
// broker is restarted (--drop-caches: and the page cache dropped, root only) and the 100 B, 1 KiB
// and 16 KiB topics are read again. Per row: broker and load generator CPU, the broker's peak RSS,
// and throughput every 500 ms (rdkafka_performance -i 500), written to .bench-out/throughput.json.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));
const LOG_TAIL_LINES = 40;
const START_LOG_LINES = 200;
const MAX_CAPTURE_BYTES = 4 * 1024 * 1024;
const SIGINT_GRACE_MS = 10_000;
const CPU_SAMPLE_MS = 100;
const CLOCK_TICKS_PER_SEC = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;

// Brokers and load generators still running: killed if this script exits or is interrupted, so an
// interrupted benchmark leaves no broker behind.
const liveChildren = new Set();
const dirsToRemove = new Set();
let exitHooked = false;
function hookExit() {
  if (!exitHooked) {
    exitHooked = true;
    process.on("exit", () => {
      for (const c of liveChildren) c.kill("SIGKILL");
      for (const dir of dirsToRemove) {
        try {
          rmSync(dir, { recursive: true, force: true });
        } catch {
          // A broker killed a moment ago may still be writing; the dir is under tmp anyway.
        }
      }
    });
    for (const [signal, code] of [
      ["SIGINT", 130],
      ["SIGTERM", 143],
    ]) {
      process.on(signal, () => process.exit(code));
    }
  }
}

export function track(child) {
  hookExit();
  liveChildren.add(child);
  child.on("exit", () => liveChildren.delete(child));
  return child;
}

/** Builds (or reuses) .bench-out/rdkafka_performance and returns its path. */
export function buildPerf() {
  const res = spawnSync("sh", [join(ROOT, "bench/build-rdkafka-perf.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (res.status !== 0) throw new Error(`bench/build-rdkafka-perf.sh failed (exit ${res.status})`);
  return res.stdout.trim().split("\n").pop();
}

/**
 * Command-line options shared by the bench scripts: `--name value` pairs, boolean flags, repeatable
 * `--set`. `--quick` (what `npm run bench -- --quick` passes) starts from `quickDefaults` instead.
 */
export function parseArgs(argv, defaults, quickDefaults = {}) {
  const quick = argv.includes("--quick");
  const opts = { ...defaults, ...(quick ? quickDefaults : {}), quick, set: [] };
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].replace(/^--/, "");
    if (name === "quick") continue;
    if (name === "set") opts.set.push(argv[++i]);
    else if (typeof defaults[name] === "boolean") opts[name] = true;
    else if (name in defaults) opts[name] = typeof defaults[name] === "number" ? Number(argv[++i]) : argv[++i];
    else throw new Error(`unknown option ${argv[i]}; known: ${Object.keys(defaults).join(", ")}, set`);
  }
  return opts;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** A fresh data dir under the temp dir; unless `keep`, removed when this process exits. */
export function tempDataDir(label, { keep = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), `samsa-bench-${label}-`));
  if (!keep) {
    hookExit();
    dirsToRemove.add(dir);
  }
  return dir;
}

/** Path shown in printed commands: relative to the repository when inside it. */
export function shown(path) {
  const rel = relative(ROOT, path);
  return rel.startsWith("..") ? path : rel;
}

export function brokerMain() {
  // SAMSA_BENCH_BROKER points the benches at another main.js with the same CLI.
  return process.env.SAMSA_BENCH_BROKER ?? join(ROOT, "packages/broker/dist/main.js");
}

/**
 * Starts `node <broker main> start --data-dir DIR --listeners PLAINTEXT://127.0.0.1:PORT` and resolves
 * once it prints a line containing `started`. `startupMs` is spawn-to-that-line.
 */
export async function startBroker({ dataDir, port, set = [], env = {}, startTimeoutMs = 300_000 }) {
  const listenPort = port ?? (await freePort());
  const args = [
    brokerMain(),
    "start",
    "--data-dir",
    dataDir,
    "--listeners",
    `PLAINTEXT://127.0.0.1:${listenPort}`,
    ...set.flatMap((kv) => ["--set", kv]),
  ];
  const command = ["node", shown(args[0]), ...args.slice(1)].join(" ");
  const t0 = performance.now();
  const child = track(
    spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] }),
  );
  const tail = [];
  const startLog = [];
  const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  const startupMs = await new Promise((resolve, reject) => {
    let done = false;
    const finish = (err, value) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(value);
    };
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      finish(new Error(`broker did not print "started" within ${startTimeoutMs} ms:\n${tail.join("\n")}`));
    }, startTimeoutMs);
    const onLine = (line) => {
      tail.push(line);
      if (tail.length > LOG_TAIL_LINES) tail.shift();
      if (!done && startLog.length < START_LOG_LINES) startLog.push(line);
      if (line.includes("started")) finish(null, performance.now() - t0);
    };
    forEachLine(child.stdout, onLine);
    forEachLine(child.stderr, onLine);
    child.on("error", (err) => finish(err));
    exited.then(({ code, signal }) =>
      finish(new Error(`broker exited (code ${code}, signal ${signal}) before "started":\n${tail.join("\n")}`)),
    );
  });
  return {
    pid: child.pid,
    port: listenPort,
    bootstrap: `127.0.0.1:${listenPort}`,
    command,
    startupMs,
    exited,
    logTail: () => tail.join("\n"),
    /** Output lines up to the `started` line (the first START_LOG_LINES). */
    startLog,
    /** Sends `signal`; resolves with how the process ended and how long that took. */
    async stop(signal = "SIGTERM", timeoutMs = 60_000) {
      const t = performance.now();
      child.kill(signal);
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      const how = await exited;
      clearTimeout(timer);
      return { ...how, stopMs: performance.now() - t };
    },
  };
}

function forEachLine(stream, onLine) {
  let buf = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk) => {
    buf += chunk;
    const lines = buf.split("\n");
    buf = lines.pop().slice(-MAX_CAPTURE_BYTES);
    for (const line of lines) onLine(line);
  });
}

/** CPU time (user + system, seconds) a live process has used, from /proc/<pid>/stat; NaN if gone. */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SEC;
  } catch {
    return Number.NaN;
  }
}

/** Resident set size and its peak, in MiB, from /proc. */
export function rssMiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN);
  return { rss: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
}

// --- A minimal Kafka client: just enough for ApiVersions and CreateTopics. ---

const API_VERSIONS = 18;
const CREATE_TOPICS = 19;
const CLIENT_ID = "samsa-bench";

class Writer {
  parts = [];
  int8(v) {
    const b = Buffer.alloc(1);
    b.writeInt8(v);
    return this.push(b);
  }
  int16(v) {
    const b = Buffer.alloc(2);
    b.writeInt16BE(v);
    return this.push(b);
  }
  int32(v) {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    return this.push(b);
  }
  uvarint(v) {
    const bytes = [];
    let n = v;
    while (n > 0x7f) {
      bytes.push((n & 0x7f) | 0x80);
      n >>>= 7;
    }
    bytes.push(n);
    return this.push(Buffer.from(bytes));
  }
  string(s, flexible) {
    const b = Buffer.from(s, "utf8");
    if (flexible) this.uvarint(b.length + 1);
    else this.int16(b.length);
    return this.push(b);
  }
  arrayLength(n, flexible) {
    return flexible ? this.uvarint(n + 1) : this.int32(n);
  }
  push(b) {
    this.parts.push(b);
    return this;
  }
  build() {
    return Buffer.concat(this.parts);
  }
}

class Reader {
  constructor(buf) {
    this.buf = buf;
    this.pos = 0;
  }
  int16() {
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  int32() {
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  uvarint() {
    let v = 0;
    for (let shift = 0; ; shift += 7) {
      const b = this.buf[this.pos++];
      if (b === undefined) throw new Error("truncated varint");
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
    }
  }
  skip(n) {
    this.pos += n;
  }
  /** Returns null for a null string. */
  string(flexible) {
    const len = flexible ? this.uvarint() - 1 : this.int16();
    if (len < 0) return null;
    const s = this.buf.toString("utf8", this.pos, this.pos + len);
    this.pos += len;
    return s;
  }
  arrayLength(flexible) {
    return flexible ? this.uvarint() - 1 : this.int32();
  }
  skipTaggedFields() {
    const n = this.uvarint();
    for (let i = 0; i < n; i++) {
      this.uvarint();
      this.skip(this.uvarint());
    }
  }
}

/** Sends one request on a fresh connection and resolves with the response bytes after the header. */
export function kafkaRequest(bootstrap, { apiKey, apiVersion, body, flexible, timeoutMs = 60_000 }) {
  const [host, port] = bootstrap.split(":");
  const correlationId = 1;
  const header = new Writer().int16(apiKey).int16(apiVersion).int32(correlationId).string(CLIENT_ID, false);
  if (flexible) header.uvarint(0);
  const payload = Buffer.concat([header.build(), body]);
  const frame = Buffer.concat([new Writer().int32(payload.length).build(), payload]);
  return new Promise((resolve, reject) => {
    const sock = createConnection({ host, port: Number(port) });
    let acc = Buffer.alloc(0);
    const fail = (err) => {
      sock.destroy();
      reject(err);
    };
    sock.setTimeout(timeoutMs, () => fail(new Error(`no response to api ${apiKey} within ${timeoutMs} ms`)));
    sock.on("error", fail);
    sock.on("close", () => reject(new Error(`connection closed before response to api ${apiKey}`)));
    sock.on("data", (chunk) => {
      acc = Buffer.concat([acc, chunk]);
      if (acc.length < 4) return;
      const size = acc.readInt32BE(0);
      if (size < 4 || size > MAX_CAPTURE_BYTES) return fail(new Error(`bad response size ${size}`));
      if (acc.length < 4 + size) return;
      const r = new Reader(acc.subarray(4, 4 + size));
      const got = r.int32();
      if (got !== correlationId) return fail(new Error(`correlation id ${got}, expected ${correlationId}`));
      // ApiVersions responses always use header v0, whatever the version.
      if (flexible && apiKey !== API_VERSIONS) r.skipTaggedFields();
      sock.end();
      resolve(r);
    });
    sock.write(frame);
  });
}

/** Map of api key -> [min, max] version, from ApiVersions v0. */
export async function apiVersions(bootstrap) {
  const r = await kafkaRequest(bootstrap, { apiKey: API_VERSIONS, apiVersion: 0, body: Buffer.alloc(0) });
  const errorCode = r.int16();
  if (errorCode !== 0) throw new Error(`ApiVersions error code ${errorCode}`);
  const ranges = new Map();
  for (let n = r.int32(); n > 0; n--) ranges.set(r.int16(), [r.int16(), r.int16()]);
  return ranges;
}

/**
 * Creates topics (replication factor 1) with CreateTopics v2..v7, the highest both sides support.
 * Resolves with the per-topic error codes; throws if any is non-zero (unless in `allowErrors`).
 */
export async function createTopics(bootstrap, topics, { timeoutMs = 120_000, allowErrors = [] } = {}) {
  const range = (await apiVersions(bootstrap)).get(CREATE_TOPICS);
  if (!range) throw new Error("broker does not list CreateTopics in ApiVersions");
  const version = Math.min(7, range[1]);
  if (version < Math.max(2, range[0])) throw new Error(`no common CreateTopics version (broker ${range})`);
  const flexible = version >= 5;
  const w = new Writer().arrayLength(topics.length, flexible);
  for (const { name, partitions, configs = {} } of topics) {
    w.string(name, flexible).int32(partitions).int16(1).arrayLength(0, flexible);
    const entries = Object.entries(configs);
    w.arrayLength(entries.length, flexible);
    for (const [k, v] of entries) {
      w.string(k, flexible).string(v, flexible);
      if (flexible) w.uvarint(0);
    }
    if (flexible) w.uvarint(0);
  }
  w.int32(timeoutMs).int8(0);
  if (flexible) w.uvarint(0);
  const r = await kafkaRequest(bootstrap, {
    apiKey: CREATE_TOPICS,
    apiVersion: version,
    body: w.build(),
    flexible,
    timeoutMs: timeoutMs + 10_000,
  });
  r.int32(); // throttle time
  const results = [];
  for (let n = r.arrayLength(flexible); n > 0; n--) {
    const name = r.string(flexible);
    if (version >= 7) r.skip(16); // topic id
    const errorCode = r.int16();
    const message = r.string(flexible);
    if (flexible) {
      r.skip(4 + 2); // partitions, replication factor
      for (let c = r.arrayLength(flexible); c > 0; c--) {
        r.string(true);
        r.string(true);
        r.skip(1 + 1 + 1); // read-only, source, sensitive
        r.skipTaggedFields();
      }
      r.skipTaggedFields();
    }
    results.push({ name, errorCode, message });
  }
  const bad = results.filter((t) => t.errorCode !== 0 && !allowErrors.includes(t.errorCode));
  if (bad.length > 0) throw new Error(`CreateTopics v${version} failed: ${JSON.stringify(bad)}`);
  return results;
}

// --- rdkafka_performance ---

/**
 * Runs rdkafka_performance. With `sigintAfterMs` it is stopped by SIGINT after that long (it then
 * prints its final summary). `timeoutMs` is a hard limit (SIGKILL). `cpuSec` is the CPU time it
 * used, sampled from /proc every CPU_SAMPLE_MS and just before SIGINT (so the time after its last
 * sample, its summary and teardown, is not counted). `onSpawn(child)` gets the process (to signal it).
 */
export function runPerf(bin, args, { sigintAfterMs, timeoutMs = 120_000, onSpawn } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = track(spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] }));
    onSpawn?.(child);
    let cpuSec = 0;
    let cpuAtSigint;
    const sampleCpu = () => {
      const s = cpuSeconds(child.pid);
      if (!Number.isNaN(s)) cpuSec = s;
    };
    const sampler = setInterval(sampleCpu, CPU_SAMPLE_MS);
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d) => {
      stdout = (stdout + d).slice(-MAX_CAPTURE_BYTES);
    });
    child.stderr.setEncoding("utf8").on("data", (d) => {
      stderr = (stderr + d).slice(-MAX_CAPTURE_BYTES);
    });
    let killedByTimeout = false;
    let hard;
    const kill = (ms) => {
      clearTimeout(hard);
      hard = setTimeout(() => {
        killedByTimeout = true;
        child.kill("SIGKILL");
      }, ms);
    };
    kill(timeoutMs);
    // After SIGINT it only prints its summary and tears down; a client stuck on a broker that never
    // answers would otherwise wait out its request timeouts.
    const sigint =
      sigintAfterMs === undefined
        ? undefined
        : setTimeout(() => {
            sampleCpu();
            cpuAtSigint = cpuSec;
            child.kill("SIGINT");
            kill(SIGINT_GRACE_MS);
          }, sigintAfterMs);
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      clearTimeout(sigint);
      clearTimeout(hard);
      clearInterval(sampler);
      const cpu = cpuAtSigint ?? cpuSec;
      resolve({ code, signal, stdout, stderr, killedByTimeout, wallMs: performance.now() - t0, cpuSec: cpu });
    });
  });
}

const PRODUCE_SUMMARY =
  /% (\d+) messages produced \((\d+) bytes\), (\d+) delivered \(offset -?\d+, (\d+) failed\) in (\d+)ms: (\d+) msgs\/s and ([\d.]+) MB\/s/g;
const CONSUME_SUMMARY = /% (\d+) messages \((\d+) bytes\) consumed in (\d+)ms: (\d+) msgs\/s \(([\d.]+) MB\/s\)/g;

/** The last producer summary line: delivered messages, failures, rate. */
export function parseProduce(stdout) {
  const m = [...stdout.matchAll(PRODUCE_SUMMARY)].pop();
  if (!m) return undefined;
  return {
    produced: Number(m[1]),
    delivered: Number(m[3]),
    failed: Number(m[4]),
    elapsedMs: Number(m[5]),
    msgsPerSec: Number(m[6]),
    mbPerSec: Number(m[7]),
  };
}

/** The last consumer summary line. */
export function parseConsume(stdout) {
  const m = [...stdout.matchAll(CONSUME_SUMMARY)].pop();
  if (!m) return undefined;
  return {
    consumed: Number(m[1]),
    bytes: Number(m[2]),
    elapsedMs: Number(m[3]),
    msgsPerSec: Number(m[4]),
    mbPerSec: Number(m[5]),
  };
}

/** librdkafka errors/warnings from a run, for the report when a row fails. */
export function perfErrors(run) {
  const lines = `${run.stdout}\n${run.stderr}`.split("\n").filter((l) => l.trim() !== "" && !l.includes("CONFWARN"));
  // librdkafka log levels 0-3 (emerg..err) and the example's own error lines; else the last lines.
  const errors = lines.filter((l) => /^%[0-3]\||^% (FATAL )?ERROR|Consume error|delivery failed|produce error/.test(l));
  const exit = `(exit ${run.code ?? run.signal}${run.killedByTimeout ? ", killed at the time limit" : ""})`;
  return [...(errors.length > 0 ? errors : lines).slice(-5), exit].join("\n");
}

export function quote(args) {
  return args.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`)).join(" ");
}

export function partitionFlags(count) {
  return Array.from({ length: count }, (_, p) => ["-p", String(p)]).flat();
}

/** rdkafka_performance arguments that read `partitions` partitions of `topic` from the beginning; `extra` before `-e`. */
export function consumeFromBeginning(topic, bootstrap, partitions, extra = []) {
  return ["-C", "-t", topic, "-b", bootstrap, ...partitionFlags(partitions), "-o", "beginning", ...extra, "-e"];
}

export function printTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  // Text columns (the first) align left, figures right.
  const line = (cells) =>
    cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join("  ");
  console.log(line(header));
  for (const r of rows) console.log(line(r));
}

/** Writes `.bench-out/<name>.json` (what bench/run.mjs collects into results.json for report.mjs). */
export function writeResult(name, data) {
  const dir = join(ROOT, ".bench-out");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ date: new Date().toISOString(), revision: revision(), ...data }, null, 2)}\n`,
  );
  return file;
}

/**
 * Throughput over time from rdkafka_performance's periodic lines (cumulative counts every `-i` ms):
 * [{ tS, msgsPerSec }] per interval, the final summary line excluded.
 */
export function timeline(stdout, mode) {
  const re = mode === "produce" ? PRODUCE_SUMMARY : CONSUME_SUMMARY;
  const points = [...stdout.matchAll(re)].map((m) =>
    mode === "produce" ? { count: Number(m[3]), ms: Number(m[5]) } : { count: Number(m[1]), ms: Number(m[3]) },
  );
  const out = [];
  for (let i = 1; i < points.length - 1; i++) {
    const dt = points[i].ms - points[i - 1].ms;
    if (dt > 0)
      out.push({ tS: points[i].ms / 1000, msgsPerSec: ((points[i].count - points[i - 1].count) * 1000) / dt });
  }
  return out;
}

/** Samples a process's RSS every CPU_SAMPLE_MS until stopped; `stop()` returns the peak in MiB. */
export function rssSampler(pid) {
  let peak = 0;
  const sample = () => {
    try {
      peak = Math.max(peak, rssMiB(pid).rss);
    } catch {
      // The process is gone; keep what was seen.
    }
  };
  sample();
  const timer = setInterval(sample, CPU_SAMPLE_MS);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}

// --- the throughput benchmark ---

const STATS_INTERVAL_MS = 500;
const BASE = { size: 1024, acks: 1, partitions: 4, producers: 1, codec: "none" };

/**
 * The rows: the default and --quick runs vary one dimension at a time from BASE (1 KiB, acks=1,
 * 4 partitions, one producer, no compression); --full runs the cross product of sizes, acks and
 * partitions, then producers and codecs for every size.
 */
function plan(full) {
  const rows = [];
  const add = (r) => {
    const row = { ...BASE, ...r };
    const key = JSON.stringify(row);
    if (!rows.some((x) => JSON.stringify(x) === key)) rows.push(row);
  };
  if (full) {
    for (const size of [100, 1024, 16384])
      for (const partitions of [1, 4, 64]) for (const acks of [0, 1, -1]) add({ size, partitions, acks });
    for (const size of [100, 1024, 16384]) {
      add({ size, producers: 8 });
      add({ size, partitions: 64, producers: 8 });
      for (const codec of ["gzip", "snappy", "lz4", "zstd"]) add({ size, codec });
    }
  } else {
    for (const size of [100, 1024, 16384]) add({ size });
    for (const acks of [0, -1]) add({ acks });
    for (const partitions of [1, 64]) add({ partitions });
    add({ producers: 8 });
    for (const codec of ["lz4", "zstd"]) add({ codec });
  }
  return rows;
}

function rowLabel(r) {
  const size = r.size >= 1024 ? `${r.size / 1024} KiB` : `${r.size} B`;
  const producers = r.producers > 1 ? `, ${r.producers} producers` : "";
  const codec = r.codec === "none" ? "" : `, ${r.codec}`;
  return `${size}, ${r.partitions} partition${r.partitions > 1 ? "s" : ""}, acks=${r.acks}${producers}${codec}`;
}

async function main() {
  const defaults = { seconds: 5, repeat: 1, "consume-timeout": 60, keep: false, full: false, "drop-caches": false };
  const opts = parseArgs(process.argv.slice(2), defaults, { seconds: 2 });
  const bin = buildPerf();
  const dataDir = tempDataDir("throughput", { keep: opts.keep });
  let broker = await startBroker({ dataDir, set: opts.set });
  console.log(`# broker: ${broker.command}  (started in ${broker.startupMs.toFixed(0)} ms; ${revision()})`);
  console.log(`# rdkafka_performance: ${shown(bin)} (librdkafka ${librdkafkaVersion(bin)}); ${loadAverage()}`);
  const loadStart = loadavg()[0];
  const rows = plan(opts.full);
  const runs = [];
  const afterRestart = [];
  try {
    for (let round = 1; round <= opts.repeat; round++) {
      for (const row of rows) {
        const id = `${row.size}-${row.partitions}-${row.acks}-${row.producers}-${row.codec}`;
        const topic = `bench-${id.replace("--1", "-all")}-r${round}`;
        await createTopics(broker.bootstrap, [{ name: topic, partitions: row.partitions }]);
        const base = { ...row, label: rowLabel(row), topic };
        const produced = await produceRow(bin, broker, { ...base, seconds: opts.seconds });
        runs.push(produced);
        console.log(`  produce ${base.label.padEnd(44)} ${fmtRow(produced)}`);
        if (produced.messages === 0) {
          runs.push({ ...base, mode: "consume", messages: 0, msgsPerSec: 0, mbPerSec: 0, note: "skipped" });
          continue;
        }
        const consumed = await consumeRow(bin, broker, { ...base, timeoutS: opts["consume-timeout"] });
        runs.push(consumed);
        console.log(`  consume ${base.label.padEnd(44)} ${fmtRow(consumed)}`);
      }
    }
    // Consume after a restart: the same topics (the last round's record-size rows) read by a freshly
    // started broker, its caches and JIT cold; the page cache is dropped only with --drop-caches.
    const stop = await broker.stop();
    console.log(`# broker stopped (${stop.signal ?? `exit ${stop.code}`}) in ${stop.stopMs.toFixed(0)} ms`);
    if (opts["drop-caches"]) dropCaches();
    broker = await startBroker({ dataDir, set: opts.set });
    console.log(`# broker restarted in ${broker.startupMs.toFixed(0)} ms`);
    for (const size of [100, 1024, 16384]) {
      const produced = runs.findLast(
        (r) => r.mode === "produce" && r.size === size && r.label === rowLabel({ ...BASE, size }) && r.messages > 0,
      );
      if (!produced) continue;
      const consumed = await consumeRow(bin, broker, { ...produced, timeoutS: opts["consume-timeout"] });
      const row = { ...consumed, mode: "consume after restart" };
      afterRestart.push(row);
      console.log(`  consume after restart ${produced.label.padEnd(30)} ${fmtRow(row)}`);
    }
  } finally {
    const stop = await broker.stop();
    console.log(`# broker stopped (${stop.signal ?? `exit ${stop.code}`}) in ${stop.stopMs.toFixed(0)} ms`);
    if (!opts.keep) rmSync(dataDir, { recursive: true, force: true });
  }
  const results = [...medians(runs), ...afterRestart];
  console.log("");
  printTable(
    ["mode", "row", "messages", "msgs/s", "MB/s", "range msgs/s", "broker CPU %", "loadgen CPU %", "RSS MiB", "note"],
    results.map((r) => [
      r.mode,
      r.label,
      r.messages,
      r.msgsPerSec,
      r.mbPerSec.toFixed(1),
      r.range ?? "",
      fmtPct(r.brokerCpu),
      fmtPct(r.loadCpu),
      fmtPct(r.rssMiB),
      r.note,
    ]),
  );
  console.log(`# ${loadAverage()}`);
  console.log("\n# reproduce (broker as above; topics created with CreateTopics, replication factor 1):");
  for (const r of results.filter((r) => r.command)) console.log(`# ${r.mode} ${r.label}\n${r.command}`);
  const problems = runs.filter((r) => r.detail);
  if (problems.length > 0) console.log("\n# problems:");
  for (const r of problems) console.log(`# ${r.mode} ${r.topic}:\n${r.detail}`);
  writeResult("throughput", {
    command: `node bench/throughput.mjs ${quote(process.argv.slice(2))}`.trim(),
    broker: broker.command,
    librdkafka: librdkafkaVersion(bin),
    seconds: opts.seconds,
    repeat: opts.repeat,
    load: [loadStart, loadavg()[0]],
    rows: results.map(({ detail, ...r }) => r),
  });
  if (runs.some((r) => r.note !== "")) process.exitCode = 1;
}

function fmtPct(n) {
  return typeof n === "number" && Number.isFinite(n) ? n.toFixed(0) : "-";
}

function fmtRow(r) {
  const extra = `broker CPU ${fmtPct(r.brokerCpu)} %, loadgen ${fmtPct(r.loadCpu)} %, RSS ${fmtPct(r.rssMiB)} MiB`;
  return `${r.msgsPerSec.toLocaleString("en-US")} msgs/s ${r.mbPerSec.toFixed(1)} MB/s (${extra}) ${r.note}`;
}

function dropCaches() {
  spawnSync("sync");
  writeFileSync("/proc/sys/vm/drop_caches", "3");
}

/** One row per configuration: the run with the median msgs/s (lower median), and the spread. */
function medians(runs) {
  const groups = new Map();
  for (const r of runs) {
    const key = `${r.label}/${r.mode}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].map((group) => {
    const sorted = [...group].sort((a, b) => a.msgsPerSec - b.msgsPerSec);
    const median = sorted[Math.floor((sorted.length - 1) / 2)];
    const notes = [...new Set(group.map((r) => r.note).filter((n) => n !== ""))];
    return {
      ...median,
      runs: group.length,
      range: `${sorted[0].msgsPerSec}-${sorted.at(-1).msgsPerSec}`,
      note: notes.join("; "),
    };
  });
}

/** The machine's load averages: these benchmarks share it with whatever else runs. */
export function loadAverage() {
  return `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")} on ${availableParallelism()} cores`;
}

/** The commit the broker was built from, as far as git knows (dist/ may lag a dirty tree). */
export function revision() {
  const git = (args) => spawnSync("git", args, { cwd: ROOT, encoding: "utf8" }).stdout.trim();
  const dirty = git(["status", "--porcelain", "--untracked-files=no", "packages"]) === "" ? "" : ", tree dirty";
  return `commit ${git(["rev-parse", "--short", "HEAD"])}${dirty}`;
}

/**
 * Runs `fn(onStop)` while measuring the broker: CPU % of one core and peak RSS over the timed window,
 * which ends when `onStop` is called (the producers are told to stop) or when `fn` resolves.
 */
async function measured(broker, fn) {
  const cpu0 = cpuSeconds(broker.pid);
  const rss = rssSampler(broker.pid);
  const t0 = performance.now();
  let end;
  const onStop = () => {
    end ??= { cpu: cpuSeconds(broker.pid), t: performance.now(), rss: rss.stop() };
  };
  const value = await fn(onStop);
  onStop();
  const seconds = (end.t - t0) / 1000;
  return { value, seconds, brokerCpu: (100 * (end.cpu - cpu0)) / seconds, rssMiB: end.rss };
}

async function produceRow(bin, broker, row) {
  const { topic, size, partitions, acks, producers, codec, seconds } = row;
  // One partition: pin it. Several: no -p, so librdkafka's default partitioner spreads keyless
  // messages (sticky batches) over all of them.
  const args = ["-P", "-t", topic, "-b", broker.bootstrap, "-s", String(size), "-a", String(acks)];
  if (partitions === 1) args.push("-p", "0");
  if (codec !== "none") args.push("-z", codec);
  args.push("-i", String(STATS_INTERVAL_MS));
  const sigintAfterMs = seconds * 1000;
  const m = await measured(broker, (onStop) => {
    const timer = setTimeout(onStop, sigintAfterMs);
    const all = Array.from({ length: producers }, () =>
      runPerf(bin, args, { sigintAfterMs, timeoutMs: sigintAfterMs + 60_000 }),
    );
    return Promise.all(all).finally(() => clearTimeout(timer));
  });
  const prefix = producers > 1 ? `# ${producers} at once: ` : "";
  const base = {
    ...row,
    mode: "produce",
    command: `${prefix}timeout -s INT ${seconds} ${shown(bin)} ${quote(args)}`,
    brokerCpu: m.brokerCpu,
    loadCpu: (100 * m.value.reduce((sum, run) => sum + run.cpuSec, 0)) / m.seconds,
    rssMiB: m.rssMiB,
  };
  const summaries = m.value.map((run) => parseProduce(run.stdout));
  if (summaries.some((s) => !s)) {
    const bad = m.value[summaries.findIndex((s) => !s)];
    return { ...base, messages: 0, msgsPerSec: 0, mbPerSec: 0, note: "no summary", detail: perfErrors(bad) };
  }
  const delivered = summaries.reduce((sum, s) => sum + s.delivered, 0);
  const failed = summaries.reduce((sum, s) => sum + s.failed, 0);
  const msgsPerSec = summaries.reduce((sum, s) => sum + s.msgsPerSec, 0);
  const note = delivered === 0 ? "nothing delivered" : failed > 0 ? `${failed} failed` : "";
  return {
    ...base,
    messages: delivered,
    msgsPerSec,
    mbPerSec: (msgsPerSec * size) / 1e6,
    timeline: sumTimelines(m.value.map((run) => timeline(run.stdout, "produce"))),
    note,
    detail: note === "" ? "" : perfErrors(m.value[0]),
  };
}

/** Adds per-interval rates of concurrent producers, interval by interval. */
function sumTimelines(lines) {
  const n = Math.min(...lines.map((l) => l.length));
  return Array.from({ length: n }, (_, i) => ({
    tS: lines[0][i].tS,
    msgsPerSec: lines.reduce((sum, l) => sum + l[i].msgsPerSec, 0),
  }));
}

async function consumeRow(bin, broker, row) {
  const { topic, partitions, timeoutS } = row;
  const args = consumeFromBeginning(topic, broker.bootstrap, partitions);
  args.push("-i", String(STATS_INTERVAL_MS));
  const m = await measured(broker, () => runPerf(bin, args, { timeoutMs: timeoutS * 1000 }));
  const run = m.value;
  const s = parseConsume(run.stdout);
  const base = {
    ...row,
    mode: "consume",
    command: `${shown(bin)} ${quote(partitions > 8 ? [...args.slice(0, 5), "-p", "0", "...", "-p", String(partitions - 1), ...args.slice(5 + 2 * partitions)] : args)}`,
    brokerCpu: m.brokerCpu,
    loadCpu: (100 * run.cpuSec) / m.seconds,
    rssMiB: m.rssMiB,
    timeline: [],
  };
  delete base.timeoutS;
  delete base.seconds;
  if (!s) return { ...base, messages: 0, msgsPerSec: 0, mbPerSec: 0, note: "no summary", detail: perfErrors(run) };
  const note = run.killedByTimeout ? `end not reached in ${timeoutS} s` : "";
  return {
    ...base,
    messages: s.consumed,
    msgsPerSec: s.msgsPerSec,
    mbPerSec: s.mbPerSec,
    timeline: timeline(run.stdout, "consume"),
    note,
    detail: note === "" ? "" : perfErrors(run),
  };
}

export function librdkafkaVersion(bin) {
  const out = spawnSync(bin, ["-h"], { encoding: "utf8" });
  return /librdkafka version (\S+)/.exec(`${out.stdout}${out.stderr}`)?.[1] ?? "unknown";
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
