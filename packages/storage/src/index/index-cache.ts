import { assert } from "@samsa/common";

export interface Evictable {
  readonly memoryBytes: number;
  /** Drops the entries from memory; false if it cannot now (pinned, or entries not yet in its file). */
  unload(): boolean;
}

/** Victims examined per touch: unevictable indexes are skipped, but never scanned without end. */
const MAX_CANDIDATES_PER_TOUCH = 16;

/**
 * Bounds the memory of segment indexes: the least recently used are unloaded beyond `maxBytes`
 * and reloaded on lookup, so memory does not grow with data on disk. Indexes that cannot be
 * unloaded yet (entries not in their file) stay counted, so the figure is what is really held.
 */
export class IndexCache {
  private readonly entries = new Map<Evictable, number>();
  private bytes = 0;

  constructor(readonly maxBytes: number) {
    assert(maxBytes >= 0, "maxBytes must not be negative");
  }

  touch(index: Evictable): void {
    const old = this.entries.get(index);
    if (old !== undefined) {
      this.entries.delete(index);
      this.bytes -= old;
    }
    this.entries.set(index, index.memoryBytes);
    this.bytes += index.memoryBytes;
    let candidates = 0;
    for (const [victim, size] of this.entries) {
      if (this.bytes <= this.maxBytes || victim === index || candidates++ >= MAX_CANDIDATES_PER_TOUCH) break;
      if (!victim.unload()) continue;
      this.entries.delete(victim);
      this.bytes -= size;
    }
  }

  forget(index: Evictable): void {
    const size = this.entries.get(index);
    if (size === undefined) return;
    this.entries.delete(index);
    this.bytes -= size;
  }

  /** More is loaded than the bound: indexes that cannot be unloaded yet are holding memory. */
  get overBudget(): boolean {
    return this.bytes > this.maxBytes;
  }

  get memoryBytes(): number {
    return this.bytes;
  }
}
