import { assert } from "@samsa/common";
import type { Scheduler, TimerHandle } from "../scheduler.js";
import type { CompletionReason, DelayedOperation } from "./delayed-operation.js";

export type WatchOutcome = "completed" | "watching" | "overflow";

interface Watched {
  readonly op: DelayedOperation;
  readonly keys: readonly string[];
  timer: TimerHandle | undefined;
  done: boolean;
}

export interface PurgatoryOptions {
  readonly scheduler: Scheduler;
  /** At most this many operations wait at once; beyond it new ones complete at once ("overflow"). */
  readonly maxWaiting: number;
}

/**
 * Kafka's DelayedOperationPurgatory: operations wait under one or more keys (a partition each)
 * until `checkAndComplete(key)` finds them satisfied or their timeout fires. Each operation
 * completes exactly once, and leaves every key's watch list when it does.
 */
export class Purgatory {
  private readonly scheduler: Scheduler;
  private readonly maxWaiting: number;
  private readonly watchers = new Map<string, Set<Watched>>();
  private waitingCount = 0;

  constructor(options: PurgatoryOptions) {
    assert(options.maxWaiting > 0, "a purgatory holds at least one operation");
    this.scheduler = options.scheduler;
    this.maxWaiting = options.maxWaiting;
  }

  /** Operations currently waiting. */
  get size(): number {
    return this.waitingCount;
  }

  /** Keys that have at least one waiting operation. */
  get watchedKeys(): number {
    return this.watchers.size;
  }

  /**
   * Completes `op` now if it is satisfied; otherwise parks it under `keys` for at most `timeoutMs`.
   * When the purgatory is full it completes with "overflow", so the caller answers with what it has.
   */
  watch(op: DelayedOperation, keys: readonly string[], timeoutMs: number): WatchOutcome {
    if (op.isSatisfied()) {
      op.onComplete("satisfied");
      return "completed";
    }
    if (this.waitingCount >= this.maxWaiting) {
      op.onComplete("overflow");
      return "overflow";
    }
    if (keys.length === 0 || timeoutMs <= 0) {
      op.onComplete("expired");
      return "completed";
    }
    const watched: Watched = { op, keys: [...new Set(keys)], timer: undefined, done: false };
    for (const key of watched.keys) {
      let set = this.watchers.get(key);
      if (set === undefined) {
        set = new Set();
        this.watchers.set(key, set);
      }
      set.add(watched);
    }
    this.waitingCount++;
    watched.timer = this.scheduler.schedule(timeoutMs, () => this.finish(watched, "expired"));
    return "watching";
  }

  /** Something changed under `key` (HW advanced, data appended): completes what is now satisfied. */
  checkAndComplete(key: string): number {
    const set = this.watchers.get(key);
    if (set === undefined) return 0;
    let completed = 0;
    for (const watched of [...set]) {
      if (watched.done) continue;
      if (watched.op.isSatisfied()) {
        this.finish(watched, "satisfied");
        completed++;
      }
    }
    return completed;
  }

  /** Completes every waiting operation (broker shutdown, leadership moved away). */
  shutdown(): void {
    const all = new Set<Watched>();
    for (const set of this.watchers.values()) for (const w of set) all.add(w);
    for (const w of all) this.finish(w, "shutdown");
  }

  private finish(watched: Watched, reason: CompletionReason): void {
    if (watched.done) return;
    watched.done = true;
    watched.timer?.cancel();
    for (const key of watched.keys) {
      const set = this.watchers.get(key);
      if (set === undefined) continue;
      set.delete(watched);
      if (set.size === 0) this.watchers.delete(key);
    }
    this.waitingCount--;
    watched.op.onComplete(reason);
  }
}
