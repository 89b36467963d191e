import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LeaderEpochCache } from "./leader-epoch-cache.js";
import { SimFs } from "./testing/sim-fs.js";

describe("LeaderEpochCache", () => {
  it("answers OffsetForLeaderEpoch as Kafka does and persists", async () => {
    const fs = new SimFs();
    await fs.mkdir("/d");
    const cache = await LeaderEpochCache.load(fs, "/d");
    await cache.assign(1, 0);
    await cache.assign(1, 5);
    await cache.assign(3, 10);
    await cache.assign(5, 20);
    assert.deepEqual(cache.endOffsetFor(5, 30), { epoch: 5, startOffset: 20, endOffset: 30 });
    assert.deepEqual(cache.endOffsetFor(1, 30), { epoch: 1, startOffset: 0, endOffset: 10 });
    assert.deepEqual(cache.endOffsetFor(2, 30), { epoch: 1, startOffset: 0, endOffset: 10 });
    assert.deepEqual(cache.endOffsetFor(4, 30).endOffset, 20);
    assert.deepEqual(cache.endOffsetFor(0, 30), { epoch: 0, startOffset: -1, endOffset: 0 });
    assert.equal(cache.endOffsetFor(6, 30).epoch, -1);
    assert.equal(cache.endOffsetFor(-1, 30).endOffset, -1);
    assert.equal(fs.peek("/d/leader-epoch-checkpoint")?.toString(), "0\n3\n1 0\n3 10\n5 20\n");
    const reloaded = await LeaderEpochCache.load(fs, "/d");
    assert.deepEqual(reloaded.all, cache.all);
  });

  it("drops contradicted entries and truncates from both ends", async () => {
    const fs = new SimFs();
    await fs.mkdir("/d");
    const cache = await LeaderEpochCache.load(fs, "/d");
    await cache.assign(1, 0);
    await cache.assign(2, 10);
    await cache.assign(3, 20);
    await cache.assign(4, 15);
    assert.deepEqual(cache.all, [
      { epoch: 1, startOffset: 0 },
      { epoch: 2, startOffset: 10 },
      { epoch: 4, startOffset: 15 },
    ]);
    await cache.truncateFromEnd(15);
    assert.equal(cache.latest?.epoch, 2);
    await cache.truncateFromStart(12);
    assert.deepEqual(cache.all, [{ epoch: 2, startOffset: 12 }]);
  });

  it("serializes concurrent persists", async () => {
    const fs = new SimFs();
    await fs.mkdir("/d");
    const cache = await LeaderEpochCache.load(fs, "/d");
    await Promise.all([cache.assign(1, 0), cache.assign(2, 5), cache.assign(3, 9)]);
    assert.deepEqual((await LeaderEpochCache.load(fs, "/d")).all, cache.all);
    assert.equal(cache.all.length, 3);
  });
});
