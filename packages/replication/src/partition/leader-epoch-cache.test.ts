import assert from "node:assert/strict";
import { test } from "node:test";
import { LeaderEpochCache, UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET } from "./leader-epoch-cache.js";

function cache(entries: [number, number][]): LeaderEpochCache {
  const c = new LeaderEpochCache();
  for (const [epoch, start] of entries) c.assign(epoch, start);
  return c;
}

test("endOffsetFor answers as Kafka's LeaderEpochFileCache", () => {
  const c = cache([
    [1, 0],
    [3, 10],
    [5, 25],
  ]);
  const undef = { leaderEpoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
  assert.deepEqual(c.endOffsetFor(5, 40), { leaderEpoch: 5, endOffset: 40 });
  assert.deepEqual(c.endOffsetFor(3, 40), { leaderEpoch: 3, endOffset: 25 });
  assert.deepEqual(c.endOffsetFor(4, 40), { leaderEpoch: 3, endOffset: 25 });
  assert.deepEqual(c.endOffsetFor(2, 40), { leaderEpoch: 1, endOffset: 10 });
  assert.deepEqual(c.endOffsetFor(0, 40), { leaderEpoch: 0, endOffset: 0 });
  assert.deepEqual(c.endOffsetFor(6, 40), undef);
  assert.deepEqual(c.endOffsetFor(-1, 40), undef);
  assert.deepEqual(new LeaderEpochCache().endOffsetFor(0, 40), undef);
});

test("assign ignores the current epoch, and a contradicting entry truncates", () => {
  const c = cache([
    [1, 0],
    [1, 5],
    [2, 10],
  ]);
  assert.deepEqual(c.all(), [
    { epoch: 1, startOffset: 0 },
    { epoch: 2, startOffset: 10 },
  ]);
  c.assign(3, 8);
  assert.deepEqual(c.all(), [
    { epoch: 1, startOffset: 0 },
    { epoch: 3, startOffset: 8 },
  ]);
  c.truncateFromEnd(8);
  assert.equal(c.latestEpoch, 1);
});

test("truncateFromStart drops old epochs and moves the covering one up", () => {
  const c = cache([
    [1, 0],
    [2, 10],
    [4, 20],
  ]);
  c.truncateFromStart(15);
  assert.deepEqual(c.all(), [
    { epoch: 2, startOffset: 15 },
    { epoch: 4, startOffset: 20 },
  ]);
  c.truncateFromStart(5);
  assert.equal(c.size, 2);
});

test("the cache is bounded", () => {
  const c = new LeaderEpochCache(3);
  for (let e = 0; e < 10; e++) c.assign(e, e * 10);
  assert.equal(c.size, 3);
  assert.equal(c.all()[0].epoch, 7);
});
