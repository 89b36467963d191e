import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Broker } from "../broker.js";
import { BrokerConfig } from "../config/broker-config.js";
import { silentLogger } from "../logger.js";
import { InMemoryPartitionLogs, type PartitionLogs } from "../partition-logs.js";

export interface RunningBroker<L extends PartitionLogs = InMemoryPartitionLogs> {
  readonly broker: Broker;
  readonly port: number;
  readonly dataDir: string;
  readonly logs: L;
  stop(): Promise<void>;
}

/**
 * Starts an in-process broker on an ephemeral port with in-memory partition logs, or the given ones
 * (`logs` may be made from the data dir, for logs kept on disk).
 */
export async function startTestBroker<L extends PartitionLogs = InMemoryPartitionLogs>(
  settings: [string, string][] = [],
  dataDir?: string,
  logsOrFactory?: L | ((dataDir: string) => L),
): Promise<RunningBroker<L>> {
  const dir = dataDir ?? (await mkdtemp(join(tmpdir(), "samsa-broker-")));
  // Without logs L is its default, InMemoryPartitionLogs.
  const logs = (
    typeof logsOrFactory === "function" ? logsOrFactory(dir) : (logsOrFactory ?? new InMemoryPartitionLogs())
  ) as L;
  const config = BrokerConfig.from([["log.dirs", dir], ["listeners", "PLAINTEXT://127.0.0.1:0"], ...settings]);
  const broker = new Broker({ config, log: silentLogger(), openLogs: async () => logs });
  await broker.start();
  return {
    broker,
    port: broker.identity.endpoints[0].port,
    dataDir: dir,
    logs,
    stop: () => broker.stop(),
  };
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
