#!/usr/bin/env node
// `npm run compat`: runs the Kafka clients' own test suites (librdkafka 2.0.2, kafka-python 2.0.2,
// kafka-go 0.2.1, all from Debian) against Samsa brokers it starts, applies compat/allowlist.json,
// writes .compat-cache/results.json and prints a summary. Exits 1 when a test fails that the allowlist
// does not excuse.
//
//   node compat/run.mjs [--suite librdkafka|kafka-python|kafka-go]... [--only NAME,NAME] [--quick]
//
// --only takes test names (librdkafka: 0012 or 0012_produce_consume; kafka-go: top-level test names;
// kafka-python: file names); --quick runs librdkafka's tests in their quick mode (-Q).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { BROKER_MAIN, REPO_ROOT } from "../test/compat/harness/broker.mjs";
import { runOk } from "../test/compat/harness/process.mjs";
import { runKafkaGoSuite } from "./kafka-go.mjs";
import { CLAIMED_KAFKA_VERSION } from "./kafka-version.mjs";
import { KAFKA_PYTHON_KAFKA_VERSION, runKafkaPythonSuite } from "./kafka-python.mjs";
import { runLibrdkafkaSuite } from "./librdkafka.mjs";
import { CACHE_DIR, ensureDebianPackages } from "./sources.mjs";
import { applyAllowlist, summarize } from "./results.mjs";

const SUITES = {
  librdkafka: {
    client: "librdkafka 2.0.2",
    suite: "tests/ test-runner, broker-backed tests (-L)",
    kafkaVersion: CLAIMED_KAFKA_VERSION,
    run: runLibrdkafkaSuite,
  },
  "kafka-python": {
    client: "kafka-python 2.0.2",
    suite: "integration tests (pytest)",
    kafkaVersion: KAFKA_PYTHON_KAFKA_VERSION,
    run: runKafkaPythonSuite,
  },
  "kafka-go": {
    client: "kafka-go 0.2.1",
    suite: "go test, broker-backed tests (localhost:9092)",
    kafkaVersion: "-",
    run: runKafkaGoSuite,
  },
};

const { values } = parseArgs({
  options: {
    suite: { type: "string", multiple: true },
    only: { type: "string" },
    quick: { type: "boolean", default: false },
  },
});
const selected = values.suite ?? Object.keys(SUITES);
for (const s of selected)
  if (!SUITES[s]) throw new Error(`unknown suite ${s}; known: ${Object.keys(SUITES).join(", ")}`);
const only = values.only?.split(",").filter(Boolean);

// Exiting through process.exit runs the harness's exit hook, which kills the brokers it started.
for (const signal of ["SIGINT", "SIGTERM"]) process.once(signal, () => process.exit(1));

const log = (line) => console.log(`[compat ${new Date().toISOString().slice(11, 19)}] ${line}`);

mkdirSync(CACHE_DIR, { recursive: true });
await ensureDebianPackages(log);
if (!existsSync(BROKER_MAIN)) {
  log("building the broker (npx tsc -b)");
  await runOk("npx", ["tsc", "-b"], { cwd: REPO_ROOT, timeoutMs: 600_000 });
}
const allowlist = JSON.parse(readFileSync(join(import.meta.dirname, "allowlist.json"), "utf8"));
const commit = (await runOk("git", ["rev-parse", "--short", "HEAD"], { cwd: REPO_ROOT })).stdout.trim();
const samsaVersion = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")).version;

const results = {
  samsaVersion,
  commit,
  date: new Date().toISOString(),
  kafkaVersion: CLAIMED_KAFKA_VERSION,
  quick: values.quick,
  suites: [],
};
for (const name of selected) {
  const { client, suite, kafkaVersion, run } = SUITES[name];
  const started = Date.now();
  let tests;
  let error;
  try {
    tests = await run({ kafkaVersion: CLAIMED_KAFKA_VERSION, quick: values.quick, only, log });
  } catch (e) {
    error = String(e.stack ?? e).slice(0, 4000);
    log(`${name}: ${error}`);
    tests = [];
  }
  const applied = applyAllowlist(tests, allowlist[name] ?? {});
  results.suites.push({
    name,
    client,
    suite,
    kafkaVersion,
    durationMs: Date.now() - started,
    error,
    counts: summarize(applied.tests),
    // With --only, entries for tests that did not run are not stale.
    staleAllowlist: only ? [] : applied.stale,
    tests: applied.tests,
  });
}
const out = join(CACHE_DIR, "results.json");
writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);

console.log(`\nSamsa ${samsaVersion} (${commit}) vs the Kafka clients' own test suites\n`);
const header = ["suite", "run", "passed", "failed", "allowlisted", "skipped", "pass %", "minutes"];
const rows = results.suites.map((s) => [
  s.name,
  s.counts.run,
  s.counts.passed,
  s.counts.failed,
  s.counts.allowlisted,
  s.counts.skipped,
  s.counts.run === 0 ? "-" : ((100 * s.counts.passed) / s.counts.run).toFixed(1),
  (s.durationMs / 60_000).toFixed(1),
]);
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
for (const r of [header, ...rows]) console.log(r.map((c, i) => String(c).padEnd(widths[i])).join("  "));
for (const s of results.suites) {
  if (s.error) console.log(`\n${s.name}: the suite did not run to the end: ${s.error.split("\n")[0]}`);
  const failed = s.tests.filter((t) => t.status === "failed");
  if (failed.length > 0) console.log(`\n${s.name}: ${failed.length} failed`);
  for (const t of failed) console.log(`  ${t.name}: ${(t.detail ?? "").slice(0, 200)}`);
  for (const k of s.staleAllowlist) console.log(`  allowlist entry ${k} matched no failing test: remove it`);
}
console.log(`\nresults: ${out}`);
process.exitCode = results.suites.some((s) => s.error || s.counts.failed > 0) ? 1 : 0;
