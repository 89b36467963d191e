// Starts a real Samsa broker process for the compatibility tests: `main.js start` on a free loopback
// port and a data directory, ready once it prints a line containing BROKER_READY_PATTERN.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const REPO_ROOT = new URL("../../../", import.meta.url).pathname;
export const BROKER_MAIN = join(REPO_ROOT, "packages/broker/dist/main.js");
/** The only thing the tests assume about the broker's output: one line containing this when it serves. */
export const BROKER_READY_PATTERN = /started/;
export const BROKER_START_TIMEOUT_MS = 20_000;
/** Lines of broker output kept for failure messages. */
const MAX_LOG_LINES = 200;

const running = new Set();
// A test file that exits abruptly (uncaught error, runner timeout) must not leave brokers behind.
process.once("exit", () => {
  for (const b of running) b.process.kill("SIGKILL");
});

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export function makeTempDir(prefix) {
  return mkdtempSync(join(tmpdir(), `samsa-${prefix}-`));
}

function canConnect(port) {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.setTimeout(1000);
    socket.on("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.on("timeout", () => {
      socket.destroy();
      resolve(false);
    });
    socket.on("error", () => resolve(false));
  });
}

/**
 * Starts the broker and resolves once it is ready. `dataDir` defaults to a new temporary directory
 * (removed by `stop`); pass one to restart on existing data. `args` are extra command-line flags
 * (e.g. `["--set", "log.cleaner.backoff.ms=200"]`).
 */
export async function startBroker({ dataDir, port, args: extraArgs = [], timeoutMs = BROKER_START_TIMEOUT_MS } = {}) {
  if (!existsSync(BROKER_MAIN)) {
    throw new Error(`no broker at ${BROKER_MAIN}: build it with \`npx tsc -b\``);
  }
  const ownsDataDir = dataDir === undefined;
  const dir = dataDir ?? makeTempDir("compat");
  const listenPort = port ?? (await freePort());
  const args = [
    BROKER_MAIN,
    "start",
    "--data-dir",
    dir,
    "--listeners",
    `PLAINTEXT://127.0.0.1:${listenPort}`,
    ...extraArgs,
  ];
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
  const lines = [];
  let partial = "";
  let onLine = () => {};
  const collect = (chunk) => {
    partial += chunk.toString("utf8");
    const parts = partial.split("\n");
    partial = parts.pop() ?? "";
    if (partial.length > 64 * 1024) partial = partial.slice(-64 * 1024);
    for (const line of parts) {
      lines.push(line);
      if (lines.length > MAX_LOG_LINES) lines.shift();
      onLine(line);
    }
  };
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));

  const broker = {
    port: listenPort,
    bootstrap: `127.0.0.1:${listenPort}`,
    dataDir: dir,
    process: child,
    exited,
    log: () => lines.join("\n"),
    /** SIGKILL: no shutdown hooks, no flush. Resolves once the process is gone. */
    async kill9() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
      running.delete(broker);
    },
    /** Stops the broker (SIGTERM, then SIGKILL after a grace period) and removes an owned data dir. */
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const grace = setTimeout(() => child.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(grace);
      }
      running.delete(broker);
      if (ownsDataDir) rmSync(dir, { recursive: true, force: true });
    },
  };
  running.add(broker);

  const ready = new Promise((resolve) => {
    if (lines.some((l) => BROKER_READY_PATTERN.test(l))) resolve();
    onLine = (line) => {
      if (BROKER_READY_PATTERN.test(line)) resolve();
    };
  });
  let timer;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  const outcome = await Promise.race([ready.then(() => "ready"), exited, timeout]);
  clearTimeout(timer);
  if (outcome !== "ready") {
    await broker.kill9();
    if (ownsDataDir) rmSync(dir, { recursive: true, force: true });
    const why =
      outcome === "timeout"
        ? `printed no /started/ line within ${timeoutMs} ms`
        : `exited (${JSON.stringify(outcome)})`;
    throw new Error(`broker ${why}; command: node ${args.join(" ")}\noutput:\n${broker.log()}`);
  }
  // The ready line should mean the listener is bound; a refused connection here is a broker bug.
  if (!(await canConnect(listenPort))) {
    await broker.kill9();
    throw new Error(`broker printed its ready line but refuses connections on ${broker.bootstrap}\n${broker.log()}`);
  }
  return broker;
}

/** Kills every broker this process started and has not stopped (for `after` hooks). */
export async function stopAllBrokers() {
  await Promise.all([...running].map((b) => b.stop()));
}
