// Runs third-party client programs with a time budget. A missing program is an error (the suite
// must fail, not skip, when a client is not installed).
import { spawn, spawnSync } from "node:child_process";

/** Output kept from a child process: enough to diagnose a failure, bounded so a chatty client can't grow memory. */
export const MAX_CAPTURED_OUTPUT_BYTES = 1 << 20;

/** Throws with an install hint when `name` is not on PATH (or not an existing absolute path). */
export function requireExecutable(name) {
  const found = spawnSync("sh", ["-c", `command -v "${name}"`], { encoding: "utf8" });
  if (found.status !== 0 || found.stdout.trim() === "") {
    throw new Error(`${name} is not installed: run \`bash scripts/install-test-deps.sh\``);
  }
  return found.stdout.trim();
}

function appendBounded(chunks, chunk, state) {
  if (state.bytes >= MAX_CAPTURED_OUTPUT_BYTES) {
    state.truncated = true;
    return;
  }
  chunks.push(chunk);
  state.bytes += chunk.length;
}

/**
 * Runs `command args`, feeding `input` on stdin, and resolves with its exit code and output once it
 * exits. Rejects when it runs past `timeoutMs` (after killing it) or cannot be started.
 */
export function run(command, args, { input, timeoutMs = 30_000, env, cwd } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: env ? { ...process.env, ...env } : process.env,
      cwd,
      stdio: ["pipe", "pipe", "pipe"],
    });
    const out = [];
    const err = [];
    const outState = { bytes: 0, truncated: false };
    const errState = { bytes: 0, truncated: false };
    child.stdout.on("data", (c) => appendBounded(out, c, outState));
    child.stderr.on("data", (c) => appendBounded(err, c, errState));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${command}: ${e.message}`));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const result = {
        code,
        signal,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
      };
      if (timedOut) {
        reject(new Error(`${command} ran past ${timeoutMs} ms; stderr:\n${result.stderr.slice(-4000)}`));
      } else {
        resolve(result);
      }
    });
    child.stdin.on("error", () => {
      // The child may exit before reading its input; its exit code tells what happened.
    });
    child.stdin.end(input ?? "");
  });
}

/** Like `run`, but rejects unless the program exits with code 0. */
export async function runOk(command, args, options) {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    throw new Error(
      `${command} ${args.join(" ")} exited with ${result.code ?? result.signal}\n` +
        `stdout:\n${result.stdout.slice(-4000)}\nstderr:\n${result.stderr.slice(-4000)}`,
    );
  }
  return result;
}
