#!/usr/bin/env node
// Runs the test suite with node's test runner: unit tests from the compiled packages, then (unless
// --unit) the integration suites under test/. Prints node's summary; exits non-zero on any failure.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const unitOnly = process.argv.includes("--unit");
// Opt-in suites named *.slow-test.mjs (e.g. node-rdkafka, which the default install leaves out).
const slow = process.env.SAMSA_SLOW_COMPAT === "1";

function findTests(dir, out = []) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    if (name === "node_modules") continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) findTests(path, out);
    else if (/\.test\.(m?js)$/.test(name) || (slow && name.endsWith(".slow-test.mjs"))) out.push(path);
  }
  return out;
}

const files = [];
for (const group of ["packages", "tools"]) {
  for (const pkg of readdirSync(join(root, group))) files.push(...findTests(join(root, group, pkg, "dist")));
}
if (!unitOnly) files.push(...findTests(join(root, "test")));
files.sort();

// A test without its own `timeout` gets this budget, so one hung test fails instead of stalling CI
// (the real-client suites in test/compat set their own, larger, per-test budgets).
const DEFAULT_TEST_TIMEOUT_MS = 120_000;

const result = spawnSync(
  process.execPath,
  ["--test", "--test-reporter=spec", `--test-timeout=${DEFAULT_TEST_TIMEOUT_MS}`, ...files],
  {
    stdio: "inherit",
    cwd: root,
    env: { ...process.env, UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE ?? "8" },
  },
);
process.exit(result.status ?? 1);
