import assert from "node:assert/strict";
import { test } from "node:test";
import { InflateSlots, inflateSlots } from "./inflate-slots.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("at most `max` inflations run at once; the others wait their turn in arrival order", async () => {
  const slots = new InflateSlots(2);
  let running = 0;
  let maxRunning = 0;
  const order: number[] = [];
  const jobs = Array.from({ length: 8 }, (_, i) =>
    slots.run(async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      order.push(i);
      await sleep(2);
      running--;
      return i;
    }),
  );
  assert.equal(slots.waiting, 6);
  assert.deepEqual(await Promise.all(jobs), [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.equal(maxRunning, 2);
  assert.deepEqual(order, [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual([slots.busy, slots.waiting], [0, 0]);
});

test("a failing inflation gives its slot back", async () => {
  const slots = new InflateSlots(1);
  await assert.rejects(
    slots.run(async () => {
      throw new Error("corrupt");
    }),
    /corrupt/,
  );
  assert.equal(slots.busy, 0);
  assert.equal(await slots.run(async () => 7), 7);
});

test("the broker-wide instance is bounded", () => {
  assert.ok(inflateSlots.max >= 1 && inflateSlots.max <= 4);
});
