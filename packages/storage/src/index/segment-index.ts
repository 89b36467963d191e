import { assert } from "@samsa/common";
import type { PooledFile } from "../file-pool.js";
import { readFully, writeFully } from "../fs/storage-fs.js";
import type { Evictable, IndexCache } from "./index-cache.js";

/** Unwritten entries (bytes) an active index keeps before a flush round writes them. */
const INDEX_WRITE_BYTES = 4096;

/**
 * A sorted array of fixed-size entries backed by a file, as Kafka's AbstractIndex. Entries are
 * appended in memory and written out by `persist` (before the segment's fsync). Every index's
 * memory counts against the IndexCache: once all its entries are in the file it may be unloaded
 * and is reloaded on demand (appenders pin it while they add entries).
 */
export abstract class SegmentIndex implements Evictable {
  private buf: Buffer | null = Buffer.alloc(0);
  private count = 0;
  private persisted = 0;
  /** The active segment's index takes appends. */
  private active = true;
  private pins = 0;
  /** Entries failed their sanity check on a lazy load; the index serves as empty until rebuilt. */
  corrupt = false;
  private loading: Promise<Buffer> | null = null;

  constructor(
    readonly file: PooledFile,
    readonly baseOffset: number,
    readonly entrySize: number,
    readonly maxEntries: number,
    private readonly cache: IndexCache,
  ) {
    assert(maxEntries >= 1, "index must hold at least one entry");
  }

  get entries(): number {
    return this.count;
  }

  get isActive(): boolean {
    return this.active;
  }

  get isFull(): boolean {
    return this.count >= this.maxEntries;
  }

  get memoryBytes(): number {
    return this.buf?.length ?? 0;
  }

  unload(): boolean {
    if (this.pins > 0 || this.persisted !== this.count || this.loading) return false;
    this.buf = null;
    return true;
  }

  /** Loads the entries and keeps them loaded until `unpin` (for appends, which are synchronous). */
  async pin(): Promise<void> {
    this.pins++;
    await this.entriesBuffer();
  }

  unpin(): void {
    this.pins--;
  }

  /** Entries in memory with no load in flight: an append may add one now, without `pin`. */
  get loaded(): boolean {
    return this.buf !== null && this.loading === null;
  }

  /** Marks the index inactive: no more appends, memory governed by the cache. */
  async deactivate(): Promise<void> {
    await this.persist();
    this.active = false;
    if (this.buf && this.buf.length > this.count * this.entrySize) {
      this.buf = Buffer.from(this.buf.subarray(0, this.count * this.entrySize));
    }
    this.cache.touch(this);
  }

  /** Makes an inactive index the active one again (after a truncation removed later segments). */
  async activate(): Promise<void> {
    await this.entriesBuffer();
    this.active = true;
  }

  forget(): void {
    this.cache.forget(this);
  }

  /** Loads entries from the file; returns false if the file is not a sane index (caller rebuilds). */
  async load(active: boolean): Promise<boolean> {
    const data = await this.file.use(async (h) => {
      const { size } = await h.stat();
      const out = Buffer.alloc(size);
      await readFully(h, out, 0, size, 0);
      return out;
    });
    this.active = active;
    if (data.length % this.entrySize !== 0 || data.length / this.entrySize > this.maxEntries) return false;
    this.buf = data;
    this.count = data.length / this.entrySize;
    this.persisted = this.count;
    if (!this.sane()) {
      this.clearMemory();
      return false;
    }
    this.cache.touch(this);
    return true;
  }

  /**
   * Opens an inactive index without reading its entries: checks the file size and reads only the
   * last entry. Entries load (and are sanity-checked) on first lookup. False if the size is wrong.
   */
  async loadLazily(): Promise<boolean> {
    const last = Buffer.alloc(this.entrySize);
    const size = await this.file.use(async (h) => {
      const { size } = await h.stat();
      if (size >= this.entrySize) await readFully(h, last, 0, this.entrySize, size - this.entrySize);
      return size;
    });
    if (size % this.entrySize !== 0 || size / this.entrySize > this.maxEntries) return false;
    this.active = false;
    this.count = size / this.entrySize;
    this.persisted = this.count;
    this.buf = this.count === 0 ? Buffer.alloc(0) : null;
    return this.count === 0 || this.onLastEntry(last);
  }

  /** Takes note of the last entry of a lazily loaded index; false if it is not plausible. */
  protected abstract onLastEntry(entry: Buffer): boolean;

  private clearMemory(): void {
    this.buf = Buffer.alloc(0);
    this.count = 0;
    this.persisted = 0;
  }

  protected async entriesBuffer(): Promise<Buffer> {
    if (this.buf) {
      this.cache.touch(this);
      return this.buf;
    }
    // One load at a time: a second load finishing late would replace entries appended meanwhile.
    this.loading ??= this.loadEntries().finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  private async loadEntries(): Promise<Buffer> {
    const size = this.count * this.entrySize;
    const data = Buffer.alloc(size);
    const got = await this.file.use((h) => readFully(h, data, 0, size, 0));
    // A reset (rebuild) may have replaced the entries while this load was reading: keep those.
    if (this.buf !== null) return this.buf;
    assert(this.count * this.entrySize === size, "index changed while unloaded");
    this.buf = data;
    if (got !== size || !this.sane()) {
      // Serve as an empty index (lookups start at the segment's first byte: slow but right) and
      // let the owner rebuild it.
      this.clearMemory();
      this.corrupt = true;
    }
    this.cache.touch(this);
    return this.loadedBuffer();
  }

  /** Entries in memory must be checked by subclasses: monotonic and within the segment. */
  protected abstract sane(): boolean;

  protected loadedBuffer(): Buffer {
    assert(this.buf !== null, "index not loaded");
    return this.buf;
  }

  protected appendEntry(write: (buf: Buffer, pos: number) => void): void {
    assert(this.active, "append to an inactive index");
    assert(!this.isFull, "append to a full index");
    let buf = this.loadedBuffer();
    const needed = (this.count + 1) * this.entrySize;
    if (buf.length < needed) {
      const grown = Buffer.alloc(
        Math.min(Math.max(needed, buf.length * 2, 64 * this.entrySize), this.maxEntries * this.entrySize),
      );
      buf.copy(grown, 0, 0, this.count * this.entrySize);
      buf = grown;
      this.buf = grown;
    }
    write(buf, this.count * this.entrySize);
    this.count++;
    this.cache.touch(this);
  }

  /** Largest slot whose key is <= target, or -1. `key` reads the sort key of slot i. */
  protected static floorSlot(count: number, key: (slot: number) => number, target: number): number {
    let lo = 0;
    let hi = count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (key(mid) <= target) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  /**
   * Whether a flush round should write the new entries out: once there is a page of them (as
   * Kafka's mmap'd index reaches the file), or sooner when the cache needs them evictable.
   */
  get shouldPersist(): boolean {
    const bytes = (this.count - this.persisted) * this.entrySize;
    return bytes > 0 && (bytes >= INDEX_WRITE_BYTES || this.cache.overBudget);
  }

  /** Writes entries not yet in the file. */
  async persist(): Promise<void> {
    if (this.persisted === this.count) return;
    const buf = this.loadedBuffer();
    const from = this.persisted * this.entrySize;
    const to = this.count * this.entrySize;
    await this.file.use((h) => writeFully(h, buf.subarray(from, to), from));
    // Not this.count: a flush persists while appends go on, and later entries are not yet written.
    this.persisted = Math.min(to / this.entrySize, this.count);
  }

  async sync(): Promise<void> {
    await this.persist();
    await this.file.use((h) => h.sync());
  }

  /** Keeps the first `slots` entries, in memory and in the file. */
  protected async truncateToSlots(slots: number): Promise<void> {
    if (slots >= this.count) return;
    await this.entriesBuffer();
    this.count = slots;
    if (this.persisted > slots) {
      this.persisted = slots;
      await this.file.use((h) => h.truncate(slots * this.entrySize));
    }
  }

  async reset(): Promise<void> {
    this.clearMemory();
    this.corrupt = false;
    this.active = true;
    this.cache.forget(this);
    await this.file.use((h) => h.truncate(0));
  }
}
