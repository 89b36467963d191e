import type { OffsetCommitRecord } from "@samsa/coordinator";
import { ControlRecordType, readControlRecordType } from "@samsa/protocol";

/** Bound on staged transactional offsets (all groups and producers). */
const DEFAULT_MAX_OFFSETS = 100_000;

/**
 * Offsets committed inside transactions (TxnOffsetCommit) that no marker has decided yet, per
 * `__consumer_offsets` partition and producer id. A COMMIT marker hands them to the group
 * coordinator; an ABORT drops them. OffsetFetch with require_stable answers UNSTABLE_OFFSET_COMMIT
 * for a group while any are staged.
 */
export class PendingTxnOffsets {
  /** "partition:producerId" -> "group\0topic\0partition" -> record; bounded by #maxOffsets in total. */
  readonly #staged = new Map<string, Map<string, OffsetCommitRecord>>();
  /** Groups with staged offsets -> how many; for require_stable. */
  readonly #groups = new Map<string, number>();
  /** "group\0topic\0partition" -> how many producers staged an offset for it. */
  readonly #partitions = new Map<string, number>();
  readonly #maxOffsets: number;
  #count = 0;

  constructor(maxOffsets = DEFAULT_MAX_OFFSETS) {
    this.#maxOffsets = maxOffsets;
  }

  get size(): number {
    return this.#count;
  }

  /** Whether `records` more would fit. */
  hasRoomFor(records: number): boolean {
    return this.#count + records <= this.#maxOffsets;
  }

  /** Offsets appended (transactionally) to `__consumer_offsets` partition `partition` by `producerId`. */
  stage(partition: number, producerId: number, records: readonly OffsetCommitRecord[]): void {
    const key = `${partition}:${producerId}`;
    let byOffset = this.#staged.get(key);
    if (byOffset === undefined) {
      byOffset = new Map();
      this.#staged.set(key, byOffset);
    }
    for (const r of records) {
      const k = `${r.groupId}\u0000${r.topic}\u0000${r.partition}`;
      if (!byOffset.has(k)) {
        this.#count++;
        this.#groups.set(r.groupId, (this.#groups.get(r.groupId) ?? 0) + 1);
        this.#partitions.set(k, (this.#partitions.get(k) ?? 0) + 1);
      }
      byOffset.set(k, r);
    }
  }

  /** A marker for `producerId` landed in `partition`: the staged offsets, to apply if it commits. */
  complete(partition: number, producerId: number): OffsetCommitRecord[] {
    const key = `${partition}:${producerId}`;
    const byOffset = this.#staged.get(key);
    if (byOffset === undefined) return [];
    this.#staged.delete(key);
    const out = [...byOffset.values()];
    for (const r of out) {
      this.#count--;
      decrement(this.#groups, r.groupId);
      decrement(this.#partitions, `${r.groupId}\u0000${r.topic}\u0000${r.partition}`);
    }
    return out;
  }

  /** Whether `groupId` has offsets waiting for a transaction to end (for one partition, if given). */
  hasPending(groupId: string, topic?: string, partition?: number): boolean {
    if (topic === undefined || partition === undefined) return this.#groups.has(groupId);
    return this.#partitions.has(`${groupId}\u0000${topic}\u0000${partition}`);
  }

  /** A marker read back while loading `partition`: applies (COMMIT) or drops (ABORT) what was staged. */
  replayMarker(
    partition: number,
    producerId: number,
    records: Iterable<{ readonly key: Buffer | null }>,
    apply: (record: OffsetCommitRecord) => void,
  ): void {
    for (const rec of records) {
      let type: number;
      try {
        type = readControlRecordType(rec.key);
      } catch {
        return;
      }
      if (type !== ControlRecordType.COMMIT && type !== ControlRecordType.ABORT) return;
      const staged = this.complete(partition, producerId);
      if (type === ControlRecordType.COMMIT) for (const r of staged) apply(r);
      return;
    }
  }

  /** Forgets everything staged in `partition` (reloaded from the log). */
  clearPartition(partition: number): void {
    for (const key of [...this.#staged.keys()]) {
      if (key.startsWith(`${partition}:`)) this.complete(partition, Number(key.slice(key.indexOf(":") + 1)));
    }
  }
}

function decrement(counts: Map<string, number>, key: string): void {
  const n = (counts.get(key) ?? 1) - 1;
  if (n === 0) counts.delete(key);
  else counts.set(key, n);
}
