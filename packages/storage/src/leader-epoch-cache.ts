import { posix } from "node:path";
import { assert } from "@samsa/common";
import { parseOffsetField, readCheckpoint, writeCheckpoint } from "./checkpoint-file.js";
import type { StorageFs } from "./fs/storage-fs.js";
import { LEADER_EPOCH_CHECKPOINT } from "./log-files.js";
import { Mutex } from "./mutex.js";

export const UNDEFINED_EPOCH = -1;
export const UNDEFINED_EPOCH_OFFSET = -1;

export interface EpochEntry {
  epoch: number;
  startOffset: number;
}

/** Bound on remembered epochs; the oldest are dropped beyond it (they only matter to very stale followers). */
const MAX_EPOCH_ENTRIES = 10_000;

/**
 * Leader epoch -> first offset written in it, as Kafka's LeaderEpochFileCache, persisted to
 * `leader-epoch-checkpoint` on every change.
 */
export class LeaderEpochCache {
  private entries: EpochEntry[] = [];
  private readonly writes = new Mutex();

  private constructor(
    private readonly fs: StorageFs,
    private readonly path: string,
  ) {}

  static async load(fs: StorageFs, dir: string): Promise<LeaderEpochCache> {
    const cache = new LeaderEpochCache(fs, posix.join(dir, LEADER_EPOCH_CHECKPOINT));
    for (const [epoch, offset] of await readCheckpoint(fs, cache.path, 2)) {
      cache.entries.push({
        epoch: parseOffsetField(epoch, cache.path),
        startOffset: parseOffsetField(offset, cache.path),
      });
    }
    return cache;
  }

  get all(): readonly EpochEntry[] {
    return this.entries;
  }

  get latest(): EpochEntry | undefined {
    return this.entries[this.entries.length - 1];
  }

  /** Records that `epoch` starts at `startOffset`; entries it contradicts are removed. */
  async assign(epoch: number, startOffset: number): Promise<void> {
    if (!this.assignInMemory(epoch, startOffset)) return;
    await this.persist();
  }

  /** In-memory assign; true if anything changed (the caller persists). */
  assignInMemory(epoch: number, startOffset: number): boolean {
    assert(epoch >= 0 && startOffset >= 0, "epoch and start offset must be non-negative");
    const latest = this.latest;
    if (latest && latest.epoch === epoch && startOffset >= latest.startOffset) return false;
    this.entries = this.entries.filter((e) => e.epoch < epoch && e.startOffset < startOffset);
    this.entries.push({ epoch, startOffset });
    if (this.entries.length > MAX_EPOCH_ENTRIES) this.entries.shift();
    return true;
  }

  /**
   * For OffsetForLeaderEpoch: the largest epoch <= `requested` and the offset where the next
   * epoch starts (the log end offset for the latest epoch), or UNDEFINED for both.
   */
  endOffsetFor(requested: number, logEndOffset: number): EpochEntry & { endOffset: number } {
    const undefinedResult = {
      epoch: UNDEFINED_EPOCH,
      startOffset: UNDEFINED_EPOCH_OFFSET,
      endOffset: UNDEFINED_EPOCH_OFFSET,
    };
    const latest = this.latest;
    if (requested === UNDEFINED_EPOCH || !latest) return undefinedResult;
    if (requested === latest.epoch) return { ...latest, endOffset: logEndOffset };
    const higher = this.entries.find((e) => e.epoch > requested);
    if (!higher) return undefinedResult;
    const floor = this.entries.findLast((e) => e.epoch <= requested);
    if (!floor) return { epoch: requested, startOffset: UNDEFINED_EPOCH_OFFSET, endOffset: higher.startOffset };
    return { ...floor, endOffset: higher.startOffset };
  }

  /** After a truncation to `endOffset`: drops epochs starting at or after it. */
  async truncateFromEnd(endOffset: number): Promise<void> {
    const kept = this.entries.filter((e) => e.startOffset < endOffset);
    if (kept.length === this.entries.length) return;
    this.entries = kept;
    await this.persist();
  }

  /** After the log start offset moves to `startOffset`: the epoch covering it now starts there. */
  async truncateFromStart(startOffset: number): Promise<void> {
    const idx = this.entries.findLastIndex((e) => e.startOffset <= startOffset);
    if (idx < 0 || (idx === 0 && this.entries[0].startOffset === startOffset)) return;
    this.entries = [{ epoch: this.entries[idx].epoch, startOffset }, ...this.entries.slice(idx + 1)];
    await this.persist();
  }

  async clear(): Promise<void> {
    this.entries = [];
    await this.persist();
  }

  /** Writes the checkpoint; concurrent callers are serialized (they share one temp file name). */
  persist(): Promise<void> {
    return this.writes.run(() =>
      writeCheckpoint(
        this.fs,
        this.path,
        this.entries.map((e) => [e.epoch, e.startOffset]),
      ),
    );
  }
}
