import { assert } from "@samsa/common";

/** A pending timer; cancelling after it fired, or twice, is harmless. */
export interface TimerHandle {
  cancel(): void;
}

/** Timers are an input: purgatories take a Scheduler so tests and simulations drive time. */
export interface Scheduler {
  schedule(delayMs: number, task: () => void): TimerHandle;
}

/** Real timers; unref'd so a pending long poll never keeps the process alive on its own. */
export const systemScheduler: Scheduler = {
  schedule(delayMs, task) {
    const timer = setTimeout(task, Math.max(0, delayMs));
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
};

interface ManualTimer {
  dueMs: number;
  seq: number;
  task: () => void;
  cancelled: boolean;
}

/**
 * A deterministic scheduler for tests and simulations: time moves only through `advance`, and
 * timers due at the same instant run in the order they were scheduled.
 */
export class ManualScheduler implements Scheduler {
  private now: number;
  private seq = 0;
  private readonly timers: ManualTimer[] = [];

  constructor(startMs = 0) {
    this.now = startMs;
  }

  monotonicMs(): number {
    return this.now;
  }

  get pendingTimers(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  schedule(delayMs: number, task: () => void): TimerHandle {
    assert(Number.isFinite(delayMs), "timer delay must be finite");
    const timer: ManualTimer = { dueMs: this.now + Math.max(0, delayMs), seq: this.seq++, task, cancelled: false };
    this.timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }

  /** Moves time forward by `ms`, running every timer that falls due, earliest first. */
  advance(ms: number): void {
    assert(ms >= 0, "time never goes backwards");
    const target = this.now + ms;
    for (;;) {
      const next = this.nextDue(target);
      if (next === undefined) break;
      this.timers.splice(this.timers.indexOf(next), 1);
      this.now = next.dueMs;
      if (!next.cancelled) next.task();
    }
    this.now = target;
  }

  private nextDue(limitMs: number): ManualTimer | undefined {
    let best: ManualTimer | undefined;
    for (const t of this.timers) {
      if (t.dueMs > limitMs) continue;
      if (best === undefined || t.dueMs < best.dueMs || (t.dueMs === best.dueMs && t.seq < best.seq)) best = t;
    }
    return best;
  }
}
