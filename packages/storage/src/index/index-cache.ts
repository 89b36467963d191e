import { assert } from "@samsa/common";

export interface Evictable {
  readonly memoryBytes: number;
  unload(): void;
}

/**
 * Bounds the memory of inactive segments' indexes: they are loaded on lookup and the least
 * recently used are unloaded beyond `maxBytes`, so memory does not grow with data on disk.
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
    for (const [victim, size] of this.entries) {
      if (this.bytes <= this.maxBytes || victim === index) break;
      this.entries.delete(victim);
      this.bytes -= size;
      victim.unload();
    }
  }

  forget(index: Evictable): void {
    const size = this.entries.get(index);
    if (size === undefined) return;
    this.entries.delete(index);
    this.bytes -= size;
  }

  get memoryBytes(): number {
    return this.bytes;
  }
}
