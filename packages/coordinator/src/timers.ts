import { assert } from "@samsa/common";

interface Timer<C> {
  readonly deadlineMs: number;
  readonly run: (ctx: C) => void;
}

/**
 * Keyed deadlines, rescheduling by key as Kafka's coordinator timer does. Pure: the owner polls with
 * the current time and the broker arms one real timer at `nextDeadlineMs()`.
 */
export class Timers<C> {
  readonly #timers = new Map<string, Timer<C>>();

  constructor(readonly maxTimers: number) {}

  schedule(key: string, deadlineMs: number, run: (ctx: C) => void): void {
    assert(this.#timers.has(key) || this.#timers.size < this.maxTimers, "too many coordinator timers");
    this.#timers.delete(key);
    this.#timers.set(key, { deadlineMs, run });
  }

  cancel(key: string): void {
    this.#timers.delete(key);
  }

  has(key: string): boolean {
    return this.#timers.has(key);
  }

  get size(): number {
    return this.#timers.size;
  }

  nextDeadlineMs(): number | null {
    let min: number | null = null;
    for (const t of this.#timers.values()) if (min === null || t.deadlineMs < min) min = t.deadlineMs;
    return min;
  }

  /** Runs every timer due at `nowMs`, earliest first, including ones that expired timers schedule. */
  runDue(nowMs: number, ctx: C): void {
    for (;;) {
      let dueKey: string | null = null;
      let due: Timer<C> | null = null;
      for (const [k, t] of this.#timers) {
        if (t.deadlineMs <= nowMs && (due === null || t.deadlineMs < due.deadlineMs)) {
          dueKey = k;
          due = t;
        }
      }
      if (dueKey === null || due === null) return;
      this.#timers.delete(dueKey);
      due.run(ctx);
    }
  }
}
