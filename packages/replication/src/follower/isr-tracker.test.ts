import assert from "node:assert/strict";
import { test } from "node:test";
import { IsrTracker } from "./isr-tracker.js";

const LAG_MS = 1000;
const ALL = new Set([1, 2, 3]);

function tracker(isr: number[] = [1, 2, 3]): IsrTracker {
  return new IsrTracker({ leaderId: 1, replicas: [1, 2, 3], isr, partitionEpoch: 4, lagTimeMaxMs: LAG_MS, nowMs: 0 });
}

test("a follower that stops catching up is proposed out after replica.lag.time.max.ms, and still counts until committed", () => {
  const t = tracker();
  t.onFollowerFetch(2, 10, 10, 100);
  t.onFollowerFetch(3, 10, 10, 100);
  t.onFollowerFetch(2, 10, 20, 900);
  assert.equal(t.propose(1000, 10, 0, ALL), undefined, "within the lag time nobody leaves");
  t.onFollowerFetch(3, 20, 20, 1050);
  const p = t.propose(1200, 10, 0, ALL);
  assert.deepEqual(p, { isr: [1, 3], partitionEpoch: 4 });
  assert.deepEqual(t.maximalIsr, [1, 2, 3], "a shrink counts only once committed");
  assert.equal(t.propose(5000, 10, 0, ALL), undefined, "one proposal at a time");
  assert.ok(t.onCommitted([1, 2, 3], [1, 3], 5, 1300));
  assert.deepEqual(t.maximalIsr, [1, 3]);
  assert.equal(t.pending, undefined);
});

test("a caught-up live follower is proposed in and counts at once; a dead or stale one is not", () => {
  const t = tracker([1, 3]);
  t.onFollowerFetch(3, 50, 50, 10);
  t.onFollowerFetch(2, 40, 50, 10);
  assert.equal(t.propose(20, 45, 0, ALL), undefined, "below the high watermark");
  t.onFollowerFetch(2, 50, 50, 30);
  assert.equal(t.propose(40, 45, 0, new Set([1, 3])), undefined, "not registered");
  assert.equal(t.propose(40, 45, 60, ALL), undefined, "before the leader epoch's start");
  assert.ok(!t.propose(40 + 10 * LAG_MS, 45, 0, ALL)?.isr.includes(2), "stale: it does not join");
  const u = tracker([1, 3]);
  u.onFollowerFetch(3, 50, 50, 10);
  u.onFollowerFetch(2, 50, 50, 30);
  assert.deepEqual(u.propose(40, 45, 0, ALL), { isr: [1, 2, 3], partitionEpoch: 4 });
  assert.deepEqual(u.maximalIsr, [1, 2, 3], "an expansion counts at once");
  u.clearPending();
  assert.deepEqual(u.maximalIsr, [1, 3], "a refused expansion stops counting");
});

test("a stale partition epoch is ignored; a follower fetching behind keeps its last caught-up time", () => {
  const t = tracker();
  assert.equal(t.onCommitted([1, 2, 3], [1, 2], 3, 0), false);
  assert.deepEqual(t.committedIsr, [1, 2, 3]);
  t.onFollowerFetch(2, 10, 10, 100);
  t.onFollowerFetch(2, 10, 30, 200);
  t.onFollowerFetch(2, 30, 60, 300);
  assert.equal(t.progress(2)?.lastCaughtUpTimeMs, 200, "it reached what the leader had at its previous fetch");
});
