// The latency benches run their consumer in a child process of the same script (`--role consumer`),
// so producer and consumer timestamps come from one clock but not one event loop. The child prints
// "ready" once it consumes; on "stop" on its stdin it prints one JSON summary line and exits.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";

/**
 * Spawns `node <script> <args> --role consumer ...extraArgs` and resolves once it is ready, with a
 * stop() giving its summary. With `timeoutMs`, a child that does not answer a wait within it is killed.
 */
export async function spawnConsumer(script, extraArgs, { timeoutMs, wrap = (child) => child } = {}) {
  const args = [script, ...process.argv.slice(2), "--role", "consumer", ...extraArgs];
  const child = wrap(spawn(process.execPath, args, { stdio: ["pipe", "pipe", "inherit"] }));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (what) => {
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    const { value, done } = await lines.next();
    clearTimeout(timer);
    if (done) throw new Error(`latency consumer exited before ${what}`);
    return value;
  };
  const ready = await next("ready");
  if (ready !== "ready") throw new Error(`latency consumer said ${ready}`);
  return {
    stop: async () => {
      child.stdin.end("stop\n");
      return JSON.parse(await next("its summary"));
    },
  };
}
