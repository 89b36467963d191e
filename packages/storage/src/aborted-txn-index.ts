import { posix } from "node:path";
import { assert } from "@samsa/common";
import type { StorageFs } from "./fs/storage-fs.js";
import { Mutex } from "./mutex.js";

/** One file per partition directory (Kafka keeps one `.txnindex` per segment). */
export const ABORTED_TXN_INDEX_FILE = "aborted-transactions";
/** producerId, firstOffset, lastOffset: int64 each. */
const ENTRY_BYTES = 24;
/** Kept in memory (the newest); the file is compacted to this many when it holds twice as many. */
const DEFAULT_MAX_ENTRIES = 100_000;

export interface AbortedTxnEntry {
  readonly producerId: number;
  readonly firstOffset: number;
  /** The offset of the ABORT marker. */
  readonly lastOffset: number;
}

/**
 * The aborted transactions of a partition, for read_committed fetches: appended when an ABORT
 * marker is written, in marker order. Entries the log no longer covers (truncated tail, deleted
 * head) are dropped on load. Not fsynced: an entry lost in a crash belongs to a recent marker,
 * which the broker finds again when it replays the log tail.
 */
export class AbortedTxnIndex {
  private entries: AbortedTxnEntry[] = [];
  private fileEntries = 0;
  private readonly writes = new Mutex();

  private constructor(
    private readonly fs: StorageFs,
    private readonly path: string,
    private readonly maxEntries: number,
  ) {}

  static async load(
    fs: StorageFs,
    dir: string,
    logStartOffset: number,
    logEndOffset: number,
    maxEntries = DEFAULT_MAX_ENTRIES,
  ): Promise<AbortedTxnIndex> {
    assert(maxEntries > 0, "maxEntries must be positive");
    const index = new AbortedTxnIndex(fs, posix.join(dir, ABORTED_TXN_INDEX_FILE), maxEntries);
    if (!(await fs.exists(index.path))) return index;
    const bytes = await fs.readFile(index.path);
    const whole = Math.floor(bytes.length / ENTRY_BYTES);
    let dropped = bytes.length % ENTRY_BYTES !== 0;
    let last = -1;
    for (let i = 0; i < whole; i++) {
      const p = i * ENTRY_BYTES;
      const e = {
        producerId: Number(bytes.readBigInt64BE(p)),
        firstOffset: Number(bytes.readBigInt64BE(p + 8)),
        lastOffset: Number(bytes.readBigInt64BE(p + 16)),
      };
      const valid = e.lastOffset > last && e.firstOffset <= e.lastOffset && e.firstOffset >= 0;
      if (!valid || e.lastOffset >= logEndOffset || e.lastOffset < logStartOffset) {
        dropped = true;
        continue;
      }
      last = e.lastOffset;
      index.entries.push(e);
    }
    if (index.entries.length > maxEntries) {
      index.entries = index.entries.slice(index.entries.length - maxEntries);
      dropped = true;
    }
    index.fileEntries = index.entries.length;
    if (dropped) await index.rewrite();
    return index;
  }

  /** In marker order. */
  get all(): readonly AbortedTxnEntry[] {
    return this.entries;
  }

  get lastOffset(): number {
    return this.entries.length === 0 ? -1 : this.entries[this.entries.length - 1].lastOffset;
  }

  /** Records an aborted transaction whose marker is at `entry.lastOffset` (after every earlier one). */
  append(entry: AbortedTxnEntry): Promise<void> {
    return this.writes.run(async () => {
      assert(entry.lastOffset > this.lastOffset, "aborted transactions are appended in marker order");
      this.entries.push(entry);
      if (this.entries.length > this.maxEntries) this.entries.shift();
      if (this.fileEntries >= 2 * this.maxEntries) {
        await this.rewrite();
        return;
      }
      const buf = Buffer.alloc(ENTRY_BYTES);
      buf.writeBigInt64BE(BigInt(entry.producerId), 0);
      buf.writeBigInt64BE(BigInt(entry.firstOffset), 8);
      buf.writeBigInt64BE(BigInt(entry.lastOffset), 16);
      const exists = await this.fs.exists(this.path);
      const f = await this.fs.open(this.path, exists ? "r+" : "wx+");
      try {
        await f.write(buf, 0, ENTRY_BYTES, this.fileEntries * ENTRY_BYTES);
      } finally {
        await f.close();
      }
      this.fileEntries++;
    });
  }

  /** Writes the in-memory entries to a new file and renames it over the old one. */
  private async rewrite(): Promise<void> {
    const tmp = `${this.path}.tmp`;
    if (await this.fs.exists(tmp)) await this.fs.unlink(tmp);
    const buf = Buffer.alloc(this.entries.length * ENTRY_BYTES);
    this.entries.forEach((e, i) => {
      buf.writeBigInt64BE(BigInt(e.producerId), i * ENTRY_BYTES);
      buf.writeBigInt64BE(BigInt(e.firstOffset), i * ENTRY_BYTES + 8);
      buf.writeBigInt64BE(BigInt(e.lastOffset), i * ENTRY_BYTES + 16);
    });
    const f = await this.fs.open(tmp, "wx+");
    try {
      if (buf.length > 0) await f.write(buf, 0, buf.length, 0);
      await f.sync();
    } finally {
      await f.close();
    }
    await this.fs.rename(tmp, this.path);
    this.fileEntries = this.entries.length;
  }
}
