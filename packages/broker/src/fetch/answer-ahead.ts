import { performance } from "node:perf_hooks";
import { STALE_READ_AHEAD_MS } from "@samsa/storage";
import type { Partition } from "../replica/partition.js";

/** Answers prepared at once (each holds a read buffer, and a converted copy for Fetch v0-3). */
const MAX_ENTRIES = 8;
/** Larger answers are not prepared ahead (their buffers would crowd the pools). */
export const MAX_AHEAD_BYTES = 2 * 1024 * 1024;

/** A consumer's answer for one partition, read (and down-converted) before it was asked for. */
export interface PreparedAnswer {
  readonly records: Buffer;
  /** The offset after the last one read: where the consumer fetches next. */
  readonly nextOffset: number;
  /** Gives the read buffer (and the converted copy) back to their pools. */
  readonly release: () => void;
}

/** What the partition looked like when the answer was read: it stands while this still holds. */
export interface AheadSnapshot {
  readonly partition: Partition;
  readonly leaderEpoch: number;
  /** The bound the read stopped at (high watermark, or last stable offset for read_committed). */
  readonly fetchableEnd: number;
  /** The answer ended before that bound because the next batch was over the byte limit. */
  readonly limitBound: boolean;
}

interface Entry {
  readonly answer: Promise<{ answer: PreparedAnswer; snapshot: AheadSnapshot } | undefined>;
  readonly startedMs: number;
}

/**
 * A consumer catching up fetches the offset after what it was just sent, one Fetch at a time. So
 * that answer is read (and for old clients, Fetch v0-3, down-converted on the event loop) ahead,
 * while the client is busy with the last one, instead of between its request and the response.
 * Once it is ready, the answer after it is started too (startSecond): a read and conversion that
 * take longer than the client's turn are then still ready when their request comes.
 * The next Fetch takes it if the partition has not changed in a way that would change the answer.
 * Bounded: when full, the oldest entry is dropped (its buffers released) if it is stale, else no
 * new one starts (as storage's read-aheads: many partitions must not push out each other's).
 */
export class AnswersAhead {
  readonly #entries = new Map<string, Entry>();

  constructor(private readonly nowMs: () => number = () => performance.now()) {}

  static key(partition: Partition, fetchOffset: number, magic: number, maxBytes: number, isolation: string): string {
    return `${partition.key}@${fetchOffset}/${magic}/${maxBytes}/${isolation}`;
  }

  /**
   * Starts preparing the answer for `key` unless one is under way. `then`, if given, runs with the
   * answer's next offset once it is ready (whether this call or an earlier one started it).
   */
  start(
    key: string,
    prepare: () => Promise<{ answer: PreparedAnswer; snapshot: AheadSnapshot } | undefined>,
    then?: (nextOffset: number) => void,
  ): void {
    let entry = this.#entries.get(key);
    if (entry === undefined) {
      const now = this.nowMs();
      for (const [oldest, old] of this.#entries) {
        if (this.#entries.size < MAX_ENTRIES) break;
        if (now - old.startedMs < STALE_READ_AHEAD_MS) return;
        this.#drop(oldest);
      }
      entry = { answer: prepare().catch(() => undefined), startedMs: now };
      this.#entries.set(key, entry);
    }
    if (then === undefined) return;
    void entry.answer.then((ready) => {
      if (ready !== undefined) then(ready.answer.nextOffset);
    });
  }

  /**
   * Starts preparing a second answer ahead (the one after an answer not yet taken) only while at
   * most half the entries are in use, so they never take room from other partitions' next answers.
   */
  startSecond(
    key: string,
    prepare: () => Promise<{ answer: PreparedAnswer; snapshot: AheadSnapshot } | undefined>,
  ): void {
    if (this.#entries.has(key) || this.#entries.size >= MAX_ENTRIES / 2) return;
    this.start(key, prepare);
  }

  /**
   * The prepared answer for `key` if it is what a read now would give: the same partition and
   * leader epoch, and the same bound (or a later one, when the byte limit ended the answer first).
   */
  async take(
    key: string,
    partition: Partition,
    leaderEpoch: number,
    fetchableEnd: number,
  ): Promise<PreparedAnswer | undefined> {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    const ready = await entry.answer;
    if (ready === undefined) return undefined;
    const s = ready.snapshot;
    const stands =
      s.partition === partition &&
      s.leaderEpoch === leaderEpoch &&
      (s.fetchableEnd === fetchableEnd || (s.limitBound && fetchableEnd > s.fetchableEnd));
    if (stands) return ready.answer;
    ready.answer.release();
    return undefined;
  }

  #drop(key: string): void {
    const entry = this.#entries.get(key);
    this.#entries.delete(key);
    void entry?.answer.then((ready) => ready?.answer.release());
  }

  get size(): number {
    return this.#entries.size;
  }
}

/** The last offset in whole batches or legacy entries (offset, size, then magic at byte 16). */
export function lastOffsetIn(records: Buffer): number {
  let last = -1;
  for (let pos = 0; pos + 17 <= records.length; pos += 12 + records.readInt32BE(pos + 8)) {
    const first = Number(records.readBigInt64BE(pos));
    last = records.readInt8(pos + 16) === 2 ? first + records.readInt32BE(pos + 23) : first;
  }
  return last;
}
