import { createHash } from "node:crypto";
import { assert } from "@samsa/common";

/**
 * Key -> latest offset for one cleaning pass, as Kafka's SkimpyOffsetMap: keys are stored as a
 * 128-bit digest (collisions are astronomically unlikely) and the map holds at most `maxEntries`,
 * so cleaning memory does not depend on key sizes or the number of keys in the log.
 */
export class OffsetMap {
  private readonly map = new Map<string, number>();

  constructor(readonly maxEntries: number) {
    assert(maxEntries >= 1, "offset map needs room for one key");
  }

  static digest(key: Buffer): string {
    return createHash("md5").update(key).digest("base64");
  }

  get size(): number {
    return this.map.size;
  }

  get isFull(): boolean {
    return this.map.size >= this.maxEntries;
  }

  /** Records `offset` as the latest for `key`; false (nothing stored) if full and the key is new. */
  put(key: Buffer, offset: number): boolean {
    const d = OffsetMap.digest(key);
    if (!this.map.has(d) && this.isFull) return false;
    this.map.set(d, offset);
    return true;
  }

  get(key: Buffer): number | undefined {
    return this.map.get(OffsetMap.digest(key));
  }
}
