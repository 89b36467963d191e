import assert from "node:assert/strict";
import { test } from "node:test";
import type { ReadAhead } from "./read-ahead.js";
import { ReadPositionCache } from "./read-position-cache.js";

/** A read-ahead that records being dropped. */
function fakeAhead(dropped: number[], id: number): ReadAhead {
  return { drop: () => dropped.push(id) } as unknown as ReadAhead;
}

test("remembers the 16 latest positions, forgetting (and dropping the read-ahead of) the oldest", () => {
  const cache = new ReadPositionCache();
  const dropped: number[] = [];
  for (let i = 0; i < 20; i++) cache.set(100 + i, i * 1000, cache.generation, fakeAhead(dropped, i));
  assert.equal(cache.size, 16);
  assert.deepEqual(dropped, [0, 1, 2, 3]);
  assert.equal(cache.get(103), undefined);
  assert.equal(cache.get(104)?.position, 4000);
  assert.equal(cache.get(119)?.position, 19_000);
  assert.equal(cache.get(-1), undefined);
});

test("recording an offset again replaces its position and drops the old read-ahead", () => {
  const cache = new ReadPositionCache();
  const dropped: number[] = [];
  cache.set(7, 70, cache.generation, fakeAhead(dropped, 1));
  cache.set(7, 71, cache.generation, fakeAhead(dropped, 2));
  assert.equal(cache.get(7)?.position, 71);
  assert.equal(cache.size, 1);
  assert.deepEqual(dropped, [1]);
});

test("clear forgets everything; a read begun before it records nothing", () => {
  const cache = new ReadPositionCache();
  const dropped: number[] = [];
  const before = cache.generation;
  cache.set(1, 10, before, fakeAhead(dropped, 1));
  cache.clear();
  assert.equal(cache.size, 0);
  assert.equal(cache.get(1), undefined);
  assert.deepEqual(dropped, [1]);
  cache.set(2, 20, before, fakeAhead(dropped, 2));
  assert.equal(cache.get(2), undefined);
  assert.deepEqual(dropped, [1, 2]);
});
