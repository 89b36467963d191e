import assert from "node:assert/strict";
import { test } from "node:test";
import type { Partition } from "../replica/partition.js";
import { AnswersAhead } from "./answer-ahead.js";

// The chaining hooks of AnswersAhead on their own: `then` hands on the next offset of an answer once
// it is ready, and a second answer ahead never takes more than half of the entries.
const partition = {} as Partition;

function prepared(nextOffset: number, released: number[] = []) {
  return async () => ({
    answer: { records: Buffer.alloc(1), nextOffset, release: () => released.push(nextOffset) },
    snapshot: { partition, leaderEpoch: 0, fetchableEnd: 100, limitBound: false },
  });
}

const turn = () => new Promise((r) => setImmediate(r));

test("then gets the answer's next offset, whether this call or an earlier one started it", async () => {
  const ahead = new AnswersAhead(() => 0);
  const seen: number[] = [];
  ahead.start("a", prepared(10), (next) => seen.push(next));
  ahead.start("a", prepared(99), (next) => seen.push(next + 1000));
  await turn();
  assert.deepEqual(seen, [10, 1010]);
  assert.equal(ahead.size, 1);
  const answer = await ahead.take("a", partition, 0, 100);
  assert.equal(answer?.nextOffset, 10);
});

test("then does not run for an answer that came out empty", async () => {
  const ahead = new AnswersAhead(() => 0);
  const seen: number[] = [];
  ahead.start(
    "a",
    async () => undefined,
    (next) => seen.push(next),
  );
  await turn();
  assert.deepEqual(seen, []);
});

test("a second answer ahead starts only while at most half the entries are in use", async () => {
  const ahead = new AnswersAhead(() => 0);
  for (let i = 0; i < 3; i++) ahead.start(`p${i}`, prepared(i));
  ahead.startSecond("s0", prepared(50));
  assert.equal(ahead.size, 4);
  ahead.startSecond("s1", prepared(51));
  assert.equal(ahead.size, 4, "half full: no second answer starts");
  ahead.start("p3", prepared(3));
  assert.equal(ahead.size, 5, "a next answer still finds room");
  ahead.startSecond("s0", prepared(52));
  assert.equal((await ahead.take("s0", partition, 0, 100))?.nextOffset, 50, "one under way is kept");
});
