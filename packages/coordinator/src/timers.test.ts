import assert from "node:assert/strict";
import { test } from "node:test";
import { seededRandom } from "@samsa/common";
import { Timers } from "./timers.js";

test("timers fire in deadline order, ties in scheduling order; rescheduling and cancelling replace", () => {
  const t = new Timers<string[]>(100);
  const fired: string[] = [];
  t.schedule("a", 30, (out) => out.push("a"));
  t.schedule("b", 10, (out) => out.push("b"));
  t.schedule("c", 10, (out) => out.push("c"));
  t.schedule("a", 5, (out) => out.push("a2"));
  t.schedule("d", 20, (out) => out.push("d"));
  t.cancel("d");
  assert.equal(t.nextDeadlineMs(), 5);
  t.runDue(9, fired);
  assert.deepEqual(fired, ["a2"]);
  t.runDue(100, fired);
  assert.deepEqual(fired, ["a2", "b", "c"]);
  assert.equal(t.nextDeadlineMs(), null);
  assert.equal(t.size, 0);
});

test("a timer may schedule another that is already due; the heap stays bounded under rescheduling", () => {
  const t = new Timers<string[]>(10);
  const fired: string[] = [];
  t.schedule("x", 1, (out) => {
    out.push("x");
    t.schedule("y", 1, (o) => o.push("y"));
  });
  t.runDue(1, fired);
  assert.deepEqual(fired, ["x", "y"]);
  assert.throws(() => {
    for (let i = 0; i < 11; i++) t.schedule(`k${i}`, i, () => {});
  }, /too many/);
});

test("against a reference model: same firing order for random schedules, reschedules and cancels", () => {
  const rng = seededRandom(7);
  const t = new Timers<string[]>(1000);
  const model = new Map<string, { deadline: number; seq: number }>();
  let seq = 0;
  let now = 0;
  for (let step = 0; step < 5000; step++) {
    const key = `k${Math.floor(rng.next() * 50)}`;
    const r = rng.next();
    if (r < 0.6) {
      const deadline = now + Math.floor(rng.next() * 100);
      t.schedule(key, deadline, (out) => out.push(key));
      model.set(key, { deadline, seq: seq++ });
    } else if (r < 0.7) {
      t.cancel(key);
      model.delete(key);
    } else {
      now += Math.floor(rng.next() * 30);
      const fired: string[] = [];
      t.runDue(now, fired);
      const expected = [...model]
        .filter(([, v]) => v.deadline <= now)
        .sort((a, b) => a[1].deadline - b[1].deadline || a[1].seq - b[1].seq)
        .map(([k]) => k);
      for (const k of expected) model.delete(k);
      assert.deepEqual(fired, expected, `step ${step}`);
    }
    const next = [...model.values()].reduce<number | null>(
      (m, v) => (m === null || v.deadline < m ? v.deadline : m),
      null,
    );
    assert.equal(t.nextDeadlineMs(), next);
  }
});
