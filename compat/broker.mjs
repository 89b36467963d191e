// Starts a Samsa broker for a suite run through the test harness, with the settings the suites
// assume of their own Kafka set-ups (librdkafka's and kafka-python's clusters create 4 partitions per
// topic; kafka-python looks its broker up as node 0; kafka-go expects `localhost:9092` in metadata).
import { startBroker } from "../test/compat/harness/broker.mjs";

/**
 * Starts `main.js start` listening on 127.0.0.1:`port`, advertising `advertisedHost` (default the
 * listener host), as node `nodeId` (default the broker's), with `settings` as `--set key=value`;
 * `args` are further command-line flags (a later `--listeners` replaces the PLAINTEXT-only one).
 */
export async function startSuiteBroker({ port, advertisedHost, nodeId, settings = {}, args: extraArgs = [] }) {
  const args = [];
  if (nodeId !== undefined) args.push("--node-id", String(nodeId));
  if (advertisedHost) args.push("--advertised-listeners", `PLAINTEXT://${advertisedHost}:${port}`);
  for (const [key, value] of Object.entries(settings)) args.push("--set", `${key}=${value}`);
  args.push(...extraArgs);
  const broker = await startBroker({ port, args });
  return {
    ...broker,
    bootstrap: `${advertisedHost ?? "127.0.0.1"}:${port}`,
    /** False once the process is gone: a suite that crashed the broker must say so. */
    alive: () => broker.process.exitCode === null && broker.process.signalCode === null,
    /** How the process ended, e.g. `code 1` or `signal SIGKILL`. */
    exitStatus: async () => {
      const { code, signal } = await broker.exited;
      return signal ? `signal ${signal}` : `code ${code}`;
    },
  };
}
