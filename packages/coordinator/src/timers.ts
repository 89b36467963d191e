import { assert } from "@samsa/common";

interface Timer<C> {
  readonly deadlineMs: number;
  readonly seq: number;
  readonly run: (ctx: C) => void;
}

interface HeapEntry {
  readonly key: string;
  readonly deadlineMs: number;
  readonly seq: number;
}

function before(a: HeapEntry, b: HeapEntry): boolean {
  return a.deadlineMs < b.deadlineMs || (a.deadlineMs === b.deadlineMs && a.seq < b.seq);
}

/**
 * Keyed deadlines, rescheduling by key as Kafka's coordinator timer does. Pure: the owner polls with
 * the current time and the broker arms one real timer at `nextDeadlineMs()`. A min-heap orders the
 * deadlines; a rescheduled or cancelled key leaves a stale heap entry that is skipped, and the heap is
 * rebuilt when stale entries outnumber live ones, so every heartbeat costs O(log n).
 */
export class Timers<C> {
  readonly #timers = new Map<string, Timer<C>>();
  #heap: HeapEntry[] = [];
  #seq = 0;

  constructor(readonly maxTimers: number) {}

  schedule(key: string, deadlineMs: number, run: (ctx: C) => void): void {
    assert(this.#timers.has(key) || this.#timers.size < this.maxTimers, "too many coordinator timers");
    const seq = this.#seq++;
    this.#timers.set(key, { deadlineMs, seq, run });
    this.#push({ key, deadlineMs, seq });
    if (this.#heap.length > 2 * this.#timers.size + 64) this.#rebuild();
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
    const top = this.#peekLive();
    return top === undefined ? null : top.deadlineMs;
  }

  /** Runs every timer due at `nowMs`, earliest first, including ones that expired timers schedule. */
  runDue(nowMs: number, ctx: C): void {
    for (;;) {
      const top = this.#peekLive();
      if (top === undefined || top.deadlineMs > nowMs) return;
      this.#pop();
      const timer = this.#timers.get(top.key)!;
      this.#timers.delete(top.key);
      timer.run(ctx);
    }
  }

  #isLive(e: HeapEntry): boolean {
    return this.#timers.get(e.key)?.seq === e.seq;
  }

  #peekLive(): HeapEntry | undefined {
    while (this.#heap.length > 0 && !this.#isLive(this.#heap[0])) this.#pop();
    return this.#heap[0];
  }

  #rebuild(): void {
    this.#heap = [];
    for (const [key, t] of this.#timers) this.#push({ key, deadlineMs: t.deadlineMs, seq: t.seq });
  }

  #push(e: HeapEntry): void {
    const h = this.#heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(h[i], h[parent])) break;
      [h[i], h[parent]] = [h[parent], h[i]];
      i = parent;
    }
  }

  #pop(): void {
    const h = this.#heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && before(h[l], h[m])) m = l;
      if (r < h.length && before(h[r], h[m])) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m], h[i]];
      i = m;
    }
  }
}
