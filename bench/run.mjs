#!/usr/bin/env node
// `npm run bench`: runs every bench/*.mjs in turn (except this file), each printing its own figures
// and the command that reproduces them, then a summary of exit codes.
//
//   node bench/run.mjs [--quick] [--only codec,throughput] [--skip startup]
//
// --quick is passed to the scripts that accept it. fuzz-decode.mjs always runs in its short mode
// (--quick) when it has one; it is a robustness check rather than a benchmark.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";

const BENCH_DIR = fileURLToPath(new URL(".", import.meta.url));
const ROOT = join(BENCH_DIR, "..");
const SELF = basename(fileURLToPath(import.meta.url));
// Modules the benchmarks import or spawn per row; not benchmarks by themselves.
const HELPERS = new Set(["hdr.mjs", "kafka09.mjs", "kafka-latency.mjs", "nats-latency.mjs", "svg.mjs"]);

const argv = process.argv.slice(2);
function listArg(name) {
  const i = argv.indexOf(name);
  return i >= 0 ? new Set(argv[i + 1].split(",").map((s) => s.replace(/\.mjs$/, ""))) : undefined;
}
const quick = argv.includes("--quick");
const only = listArg("--only");
const skip = listArg("--skip") ?? new Set();

const scripts = readdirSync(BENCH_DIR)
  .filter((f) => f.endsWith(".mjs") && f !== SELF && !HELPERS.has(f))
  .filter((f) => (!only || only.has(f.replace(/\.mjs$/, ""))) && !skip.has(f.replace(/\.mjs$/, "")))
  .sort();

/** Whether a script documents a --quick flag (scripts are small; reading them is cheap). */
function acceptsQuick(file) {
  return readFileSync(join(BENCH_DIR, file), "utf8").includes("--quick");
}

const results = [];
for (const file of scripts) {
  const args = [];
  if ((quick || file === "fuzz-decode.mjs") && acceptsQuick(file)) args.push("--quick");
  const command = ["node", `bench/${file}`, ...args].join(" ");
  console.log(`\n=== ${command}`);
  const started = process.hrtime.bigint();
  const res = spawnSync(process.execPath, [join(BENCH_DIR, file), ...args], { cwd: ROOT, stdio: "inherit" });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  results.push({ command, status: res.status ?? res.signal ?? "error", seconds });
}

console.log("\n=== summary");
for (const r of results)
  console.log(`${String(r.status).padStart(4)}  ${r.seconds.toFixed(1).padStart(6)} s  ${r.command}`);
const failed = results.filter((r) => r.status !== 0);
console.log(`benchmark scripts: ${results.length - failed.length} ok, ${failed.length} failed`);
process.exit(failed.length > 0 ? 1 : 0);
