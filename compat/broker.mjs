// Starts the Samsa broker for a suite run. The test harness's startBroker takes no broker settings,
// and the suites need some (librdkafka's and kafka-python's clusters create 4 partitions per topic;
// kafka-go expects `localhost:9092` in metadata), so this passes extra `--set` arguments but reuses the
// harness's entry point, readiness pattern and temporary directories.
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { BROKER_MAIN, BROKER_READY_PATTERN, makeTempDir, REPO_ROOT } from "../test/compat/harness/broker.mjs";

/** Broker output lines kept for the failure report. */
const MAX_LOG_LINES = 400;
const START_TIMEOUT_MS = 30_000;

/**
 * Starts `main.js start` listening on 127.0.0.1:`port`, advertising `advertisedHost` (default the
 * listener host), as node `nodeId` (default the broker's), with `settings` as `--set key=value`. Resolves once it prints its ready line.
 */
export async function startSuiteBroker({ port, advertisedHost, nodeId, settings = {} }) {
  const dataDir = makeTempDir("suite");
  const args = [BROKER_MAIN, "start", "--data-dir", dataDir, "--listeners", `PLAINTEXT://127.0.0.1:${port}`];
  if (nodeId !== undefined) args.push("--node-id", String(nodeId));
  if (advertisedHost) args.push("--advertised-listeners", `PLAINTEXT://${advertisedHost}:${port}`);
  for (const [key, value] of Object.entries(settings)) args.push("--set", `${key}=${value}`);
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
  const lines = [];
  let partial = "";
  let ready;
  const readyLine = new Promise((resolve) => {
    ready = resolve;
  });
  const collect = (chunk) => {
    partial += chunk.toString("utf8");
    const parts = partial.split("\n");
    partial = (parts.pop() ?? "").slice(-64 * 1024);
    for (const line of parts) {
      lines.push(line);
      if (lines.length > MAX_LOG_LINES) lines.shift();
      if (BROKER_READY_PATTERN.test(line)) ready();
    }
  };
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  const kill = () => child.kill("SIGKILL");
  process.once("exit", kill);
  let timer;
  const outcome = await Promise.race([
    readyLine.then(() => "ready"),
    exited.then((e) => `exited ${JSON.stringify(e)}`),
    new Promise((resolve) => {
      timer = setTimeout(() => resolve(`no ready line within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    }),
  ]);
  clearTimeout(timer);
  const broker = {
    bootstrap: `${advertisedHost ?? "127.0.0.1"}:${port}`,
    port,
    log: () => lines.join("\n"),
    /** True while the process runs: a suite that crashed the broker must say so. */
    alive: () => child.exitCode === null && child.signalCode === null,
    async stop() {
      if (broker.alive()) {
        child.kill("SIGTERM");
        const grace = setTimeout(kill, 5000);
        await exited;
        clearTimeout(grace);
      }
      process.removeListener("exit", kill);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  if (outcome !== "ready") {
    await broker.stop();
    throw new Error(`broker ${outcome}: node ${args.join(" ")}\n${broker.log()}`);
  }
  return broker;
}
