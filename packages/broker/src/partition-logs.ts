import type { Log } from "@samsa/storage";

/**
 * The part of storage the handlers need: create and delete partition logs and report
 * their sizes. The composition root implements it over storage's LogManager; tests use the in-memory
 * one below.
 */
export interface PartitionLogs {
  /** Creates (or opens, if present) the log of one partition. `configs` are the topic overrides. */
  createLog(
    topic: string,
    partition: number,
    topicId: string,
    configs: Readonly<Record<string, string>>,
  ): Promise<void>;
  /** Deletes these partition logs of a topic (missing ones are fine). */
  deleteLogs(topic: string, partitions: readonly number[]): Promise<void>;
  /** Applies changed topic overrides to open logs. */
  updateConfigs(topic: string, configs: Readonly<Record<string, string>>): Promise<void>;
  /** Bytes on disk of a partition's log, or undefined when it has none. */
  sizeInBytes(topic: string, partition: number): number | undefined;
  /** The open log of a partition (the data path reads and appends through it). */
  getLog(topic: string, partition: number): Log | undefined;
  /** The topic id a partition's log was created for, if it records one. */
  topicIdOf?(topic: string, partition: number): Promise<string | undefined>;
  /** Every partition that has a log. */
  partitions(): Iterable<{ readonly topic: string; readonly partition: number }>;
  /** Flushes and closes everything (shutdown). */
  close(): Promise<void>;
}

/** Remembers which partitions have logs, holds no data: for tests of the admin APIs. */
export class InMemoryPartitionLogs implements PartitionLogs {
  readonly #logs = new Map<string, { topic: string; partition: number; size: number }>();
  readonly #limit: number;

  constructor(limit = 100_000) {
    this.#limit = limit;
  }

  async createLog(topic: string, partition: number): Promise<void> {
    if (this.#logs.size >= this.#limit) throw new Error(`more than ${this.#limit} partition logs`);
    this.#logs.set(`${topic}-${partition}`, { topic, partition, size: 0 });
  }

  async deleteLogs(topic: string, partitions: readonly number[]): Promise<void> {
    for (const p of partitions) this.#logs.delete(`${topic}-${p}`);
  }

  async updateConfigs(): Promise<void> {}

  sizeInBytes(topic: string, partition: number): number | undefined {
    return this.#logs.get(`${topic}-${partition}`)?.size;
  }

  getLog(): Log | undefined {
    return undefined;
  }

  *partitions(): Iterable<{ topic: string; partition: number }> {
    for (const { topic, partition } of this.#logs.values()) yield { topic, partition };
  }

  async close(): Promise<void> {}
}
