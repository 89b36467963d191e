import assert from "node:assert/strict";
import { test } from "node:test";
import { seededRandom } from "@samsa/common";
import { ManualScheduler } from "../scheduler.js";
import type { CompletionReason, DelayedOperation } from "./delayed-operation.js";
import { Purgatory } from "./purgatory.js";

class Waiter implements DelayedOperation {
  reasons: CompletionReason[] = [];
  constructor(public ready: () => boolean) {}
  isSatisfied(): boolean {
    return this.ready();
  }
  onComplete(reason: CompletionReason): void {
    this.reasons.push(reason);
  }
}

test("an operation satisfied at once never waits", () => {
  const p = new Purgatory({ scheduler: new ManualScheduler(), maxWaiting: 10 });
  const w = new Waiter(() => true);
  assert.equal(p.watch(w, ["a"], 100), "completed");
  assert.deepEqual(w.reasons, ["satisfied"]);
  assert.equal(p.size, 0);
});

test("completes when its key changes and the condition holds, once, off every key", () => {
  const s = new ManualScheduler();
  const p = new Purgatory({ scheduler: s, maxWaiting: 10 });
  let hw = 0;
  const w = new Waiter(() => hw >= 5);
  assert.equal(p.watch(w, ["a", "b"], 1000), "watching");
  assert.equal(p.checkAndComplete("a"), 0);
  hw = 5;
  assert.equal(p.checkAndComplete("b"), 1);
  assert.equal(p.checkAndComplete("a"), 0);
  s.advance(2000);
  assert.deepEqual(w.reasons, ["satisfied"]);
  assert.equal(p.size, 0);
  assert.equal(p.watchedKeys, 0);
  assert.equal(s.pendingTimers, 0);
});

test("expires on its timeout, driven by the scheduler", () => {
  const s = new ManualScheduler();
  const p = new Purgatory({ scheduler: s, maxWaiting: 10 });
  const w = new Waiter(() => false);
  p.watch(w, ["a"], 500);
  s.advance(499);
  assert.deepEqual(w.reasons, []);
  s.advance(1);
  assert.deepEqual(w.reasons, ["expired"]);
  assert.equal(p.watchedKeys, 0);
});

test("beyond the bound, new operations answer early with overflow", () => {
  const p = new Purgatory({ scheduler: new ManualScheduler(), maxWaiting: 2 });
  const ws = [0, 1, 2].map(() => new Waiter(() => false));
  assert.deepEqual(
    ws.map((w) => p.watch(w, ["a"], 100)),
    ["watching", "watching", "overflow"],
  );
  assert.deepEqual(ws[2].reasons, ["overflow"]);
  p.shutdown();
  assert.deepEqual(
    ws.map((w) => w.reasons),
    [["shutdown"], ["shutdown"], ["overflow"]],
  );
});

test("seeded random schedule: every operation completes exactly once and the purgatory drains", () => {
  for (const seed of [7, 8, 9, 99]) {
    const rnd = seededRandom(seed);
    const s = new ManualScheduler();
    const p = new Purgatory({ scheduler: s, maxWaiting: 20 });
    const levels = new Map<string, number>();
    const ops: Waiter[] = [];
    const keys = ["k0", "k1", "k2", "k3"];
    for (let step = 0; step < 400; step++) {
      const r = rnd.next();
      const key = keys[Math.floor(rnd.next() * keys.length)];
      if (r < 0.4) {
        const target = (levels.get(key) ?? 0) + Math.floor(rnd.next() * 3);
        const w = new Waiter(() => (levels.get(key) ?? 0) >= target);
        ops.push(w);
        p.watch(w, [key, keys[Math.floor(rnd.next() * keys.length)]], 1 + Math.floor(rnd.next() * 200));
      } else if (r < 0.8) {
        levels.set(key, (levels.get(key) ?? 0) + 1);
        p.checkAndComplete(key);
      } else {
        s.advance(Math.floor(rnd.next() * 50));
      }
      const waiting = ops.filter((w) => w.reasons.length === 0).length;
      assert.equal(p.size, waiting, `seed ${seed}: size matches waiting operations`);
      assert.ok(p.size <= 20);
    }
    s.advance(1000);
    assert.equal(p.size, 0);
    for (const w of ops) assert.equal(w.reasons.length, 1, `seed ${seed}: completed exactly once`);
  }
});
