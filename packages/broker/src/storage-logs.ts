import type { MetadataStore } from "@samsa/metadata";
import type { BrokerConfig } from "./config/broker-config.js";
import type { Logger } from "./logger.js";
import { InMemoryPartitionLogs, type PartitionLogs } from "./partition-logs.js";

/** Opens the partition logs of the data dir. */
export async function openPartitionLogs(
  _config: BrokerConfig,
  _log: Logger,
  _metadata: MetadataStore,
): Promise<PartitionLogs> {
  return new InMemoryPartitionLogs();
}
