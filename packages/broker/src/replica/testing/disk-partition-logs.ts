import { join } from "node:path";
import { systemClock } from "@samsa/common";
import { BufferPool, defaultLogConfig, FilePool, IndexCache, Log, nodeFs, partitionDirName } from "@samsa/storage";
import type { PartitionLogs } from "../../partition-logs.js";

/**
 * Real on-disk logs for data-path tests, opened with storage's Log directly (default configs,
 * no checkpoints). The broker proper uses storage's LogManager.
 */
export class DiskPartitionLogs implements PartitionLogs {
  readonly #logs = new Map<string, { topic: string; partition: number; log: Log }>();
  readonly #pool = new FilePool(nodeFs, 256);
  readonly #indexCache = new IndexCache(16 * 1024 * 1024);
  readonly #buffers = new BufferPool(16 * 1024 * 1024);

  constructor(readonly dataDir: string) {}

  async createLog(topic: string, partition: number): Promise<void> {
    const key = partitionDirName({ topic, partition });
    if (this.#logs.has(key)) return;
    const log = await Log.open({
      dir: join(this.dataDir, key),
      config: defaultLogConfig,
      pool: this.#pool,
      indexCache: this.#indexCache,
      buffers: this.#buffers,
      clock: systemClock,
    });
    this.#logs.set(key, { topic, partition, log });
  }

  async deleteLogs(topic: string, partitions: readonly number[]): Promise<void> {
    for (const partition of partitions) {
      const key = partitionDirName({ topic, partition });
      await this.#logs.get(key)?.log.delete();
      this.#logs.delete(key);
    }
  }

  async updateConfigs(): Promise<void> {}

  sizeInBytes(topic: string, partition: number): number | undefined {
    return this.getLog(topic, partition)?.sizeInBytes;
  }

  getLog(topic: string, partition: number): Log | undefined {
    return this.#logs.get(partitionDirName({ topic, partition }))?.log;
  }

  *partitions(): Iterable<{ topic: string; partition: number }> {
    for (const { topic, partition } of this.#logs.values()) yield { topic, partition };
  }

  async close(): Promise<void> {
    for (const { log } of this.#logs.values()) await log.close();
    this.#logs.clear();
  }
}
