/**
 * The narrow part of storage the admin handlers need: create and delete partition logs and report
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
  /** Deletes every partition log of a topic (missing ones are fine). */
  deleteLogs(topic: string, partitions: number): Promise<void>;
  /** Applies changed topic overrides to open logs. */
  updateConfigs(topic: string, configs: Readonly<Record<string, string>>): Promise<void>;
  /** Bytes on disk of a partition's log, or undefined when it has none. */
  sizeInBytes(topic: string, partition: number): number | undefined;
}

/** Keeps only sizes (always 0) in memory: for tests and for running without storage. */
export class InMemoryPartitionLogs implements PartitionLogs {
  readonly #logs = new Map<string, number>();
  readonly #limit: number;

  constructor(limit = 100_000) {
    this.#limit = limit;
  }

  async createLog(topic: string, partition: number): Promise<void> {
    if (this.#logs.size >= this.#limit) throw new Error(`more than ${this.#limit} partition logs`);
    this.#logs.set(`${topic}-${partition}`, 0);
  }

  async deleteLogs(topic: string, partitions: number): Promise<void> {
    for (let p = 0; p < partitions; p++) this.#logs.delete(`${topic}-${p}`);
  }

  async updateConfigs(): Promise<void> {}

  sizeInBytes(topic: string, partition: number): number | undefined {
    return this.#logs.get(`${topic}-${partition}`);
  }
}
