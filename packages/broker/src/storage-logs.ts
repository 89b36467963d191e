import { systemClock } from "@samsa/common";
import type { MetadataStore } from "@samsa/metadata";
import { type Log, LogManager, timerScheduler } from "@samsa/storage";
import type { BrokerConfig } from "./config/broker-config.js";
import { logConfigFor } from "./config/log-config.js";
import type { Logger } from "./logger.js";
import type { PartitionLogs } from "./partition-logs.js";

/** PartitionLogs over storage's LogManager. */
export class StorageLogs implements PartitionLogs {
  readonly manager: LogManager;
  readonly #config: BrokerConfig;

  constructor(manager: LogManager, config: BrokerConfig) {
    this.manager = manager;
    this.#config = config;
  }

  async createLog(topic: string, partition: number, topicId: string): Promise<void> {
    await this.manager.getOrCreateLog({ topic, partition }, topicId);
  }

  async deleteLogs(topic: string, partitions: readonly number[]): Promise<void> {
    for (const partition of partitions) {
      if (this.manager.getLog({ topic, partition }) !== undefined) await this.manager.deleteLog({ topic, partition });
    }
  }

  async updateConfigs(topic: string, configs: Readonly<Record<string, string>>): Promise<void> {
    this.manager.updateConfig(topic, logConfigFor(this.#config, configs));
  }

  sizeInBytes(topic: string, partition: number): number | undefined {
    return this.manager.getLog({ topic, partition })?.sizeInBytes;
  }

  getLog(topic: string, partition: number): Log | undefined {
    return this.manager.getLog({ topic, partition });
  }

  topicIdOf(topic: string, partition: number): Promise<string | undefined> {
    return this.manager.topicIdOf({ topic, partition });
  }

  *partitions(): Iterable<{ topic: string; partition: number }> {
    for (const [tp] of this.manager.allLogs()) yield { topic: tp.topic, partition: tp.partition };
  }

  close(): Promise<void> {
    return this.manager.shutdown();
  }
}

/**
 * Opens (recovering if needed) every partition log of the data dir and starts retention and
 * checkpoints. Each topic's log config is its metadata overrides over the broker defaults.
 */
export async function openPartitionLogs(
  config: BrokerConfig,
  log: Logger,
  metadata: MetadataStore,
): Promise<PartitionLogs> {
  const manager = await LogManager.start({
    dataDir: config.dataDir,
    clock: systemClock,
    configFor: (topic) => logConfigFor(config, metadata.image.topics.get(topic)?.configs ?? {}),
    minCleanableDirtyRatio: config.double("log.cleaner.min.cleanable.ratio"),
  });
  log.info({ ...manager.startup }, "partition logs loaded");
  const flushMs = config.isSet("log.flush.interval.ms") ? config.long("log.flush.interval.ms") : undefined;
  manager.startBackgroundTasks(
    timerScheduler((task, err) => log.error({ task, err: (err as Error).message }, "storage task failed")),
    {
      retentionCheckMs: config.long("log.retention.check.interval.ms"),
      checkpointMs: config.int("log.flush.offset.checkpoint.interval.ms"),
      highWatermarkCheckpointMs: 5_000,
      ...(config.bool("log.cleaner.enable") ? { cleanerBackoffMs: config.long("log.cleaner.backoff.ms") } : {}),
      ...(flushMs !== undefined && flushMs < Number.MAX_SAFE_INTEGER ? { flushMs } : {}),
    },
  );
  return new StorageLogs(manager, config);
}
