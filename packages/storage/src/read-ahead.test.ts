import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BufferPool } from "./buffer-pool.js";
import { ReadAheads, STALE_READ_AHEAD_MS } from "./read-ahead.js";

const PAGE = 4096;

/** A read that completes when the test says so. */
function pendingRead(): { read: (into: Buffer) => Promise<number>; finish: () => void } {
  let finish = () => {};
  const read = (into: Buffer) =>
    new Promise<number>((resolve) => {
      finish = () => resolve(into.length);
    });
  return { read, finish: () => finish() };
}

describe("ReadAheads", () => {
  it("holds at most maxBytes: no room while the others are fresh; a stale one is dropped, its buffer returned once read", async () => {
    const pool = new BufferPool(16 * PAGE);
    let now = 0;
    const aheads = new ReadAheads(pool, 2 * PAGE, () => now);
    const a = pendingRead();
    const first = aheads.start(0, PAGE, a.read);
    const second = aheads.start(PAGE, PAGE, async (into) => into.length);
    assert.ok(first && second);
    assert.equal(aheads.bytesHeld, 2 * PAGE);
    now = STALE_READ_AHEAD_MS - 1;
    assert.equal(
      aheads.start(2 * PAGE, PAGE, async (into) => into.length),
      undefined,
      "both others are fresh",
    );
    now = STALE_READ_AHEAD_MS;
    const third = aheads.start(2 * PAGE, PAGE, async (into) => into.length);
    assert.ok(third);
    assert.equal(aheads.bytesHeld, 2 * PAGE);
    assert.equal(first.take(), false, "the oldest was dropped");
    // Its read is still writing into the buffer: not back in the pool yet.
    await new Promise((r) => setImmediate(r));
    assert.equal(pool.bytesPooled, 0);
    a.finish();
    await first.got;
    await new Promise((r) => setImmediate(r));
    assert.equal(pool.bytesPooled, PAGE);
    assert.equal(second.take(), true);
    assert.equal(aheads.bytesHeld, PAGE);
  });

  it("refuses a read larger than its bound and turns a failed read into -1", async () => {
    const aheads = new ReadAheads(new BufferPool(16 * PAGE), PAGE);
    assert.equal(
      aheads.start(0, 2 * PAGE, async () => 0),
      undefined,
    );
    const failed = aheads.start(0, PAGE, async () => {
      throw new Error("EIO");
    });
    assert.equal(await failed?.got, -1);
  });
});
