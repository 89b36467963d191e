import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readBatchHeader } from "@samsa/protocol";
import type { OpenMode, StorageFile } from "./fs/storage-fs.js";
import { testBatch } from "./testing/batches.js";
import { openTestLog } from "./testing/fixture.js";
import { SimFs } from "./testing/sim-fs.js";

/** Records the length of every read of a .log file. */
class CountingFs extends SimFs {
  readonly logReads: number[] = [];

  override async open(path: string, mode: OpenMode): Promise<StorageFile> {
    const file = await super.open(path, mode);
    if (!path.endsWith(".log")) return file;
    const reads = this.logReads;
    return {
      ...file,
      read: (buffer, offset, length, position) => {
        reads.push(length);
        return file.read(buffer, offset, length, position);
      },
    };
  }
}

function firstOffsets(records: Buffer): number[] {
  const out: number[] = [];
  for (let pos = 0; pos < records.length; pos += 12 + readBatchHeader(records, pos).batchLength) {
    out.push(readBatchHeader(records, pos).baseOffset);
  }
  return out;
}

// Batches larger than the index interval (4096): the index entry at or below an offset is the
// batch before it, which made every read of the next batch a second read.
const PAYLOAD = 20_000;

describe("sequential reads", () => {
  it("read each batch once, at most maxBytes, from where the last read ended, read ahead of the ask", async () => {
    const fs = new CountingFs();
    const log = await openTestLog(fs, "/d/t-0");
    for (let i = 0; i < 6; i++)
      await log.append(testBatch({ payload: PAYLOAD }), { assignOffsets: true, leaderEpoch: 0 });
    const size = testBatch({ payload: PAYLOAD }).length;
    const maxBytes = size + 100;
    const first = await log.read(0, maxBytes, { minOneMessage: true });
    assert.deepEqual(firstOffsets(first.records), [0]);
    first.release();
    // The read from the index entry, then the read ahead for offset 1, issued before it is asked.
    assert.equal(fs.logReads.length, 2);
    for (let offset = 1; offset < 6; offset++) {
      const read = await log.read(offset, maxBytes, { minOneMessage: true });
      assert.deepEqual(firstOffsets(read.records), [offset]);
      assert.equal(read.records.length, size);
      read.release();
    }
    // Each later read was taken from its read-ahead and issued the next; none after the last batch.
    assert.deepEqual(fs.logReads, [maxBytes + 4096 + 61, maxBytes, maxBytes, maxBytes, maxBytes, size]);
  });

  it("a read-ahead shorter than what the bound now allows is not used", async () => {
    const log = await openTestLog(new CountingFs(), "/d/t-0");
    for (let i = 0; i < 6; i++)
      await log.append(testBatch({ payload: PAYLOAD }), { assignOffsets: true, leaderEpoch: 0 });
    const size = testBatch({ payload: PAYLOAD }).length;
    // Offsets below 3 visible: offset 2's batch is read ahead alone.
    const first = await log.read(0, 2 * size, { minOneMessage: true, maxOffset: 3 });
    assert.deepEqual(firstOffsets(first.records), [0, 1]);
    first.release();
    const next = await log.read(2, 2 * size, { minOneMessage: true, maxOffset: 6 });
    assert.deepEqual(firstOffsets(next.records), [2, 3]);
    next.release();
  });

  it("a read after a truncation and new appends sees the new batches, not a remembered position", async () => {
    const log = await openTestLog(new CountingFs(), "/d/t-0");
    for (let i = 0; i < 4; i++)
      await log.append(testBatch({ payload: PAYLOAD }), { assignOffsets: true, leaderEpoch: 0 });
    const size = testBatch({ payload: PAYLOAD }).length;
    for (let offset = 0; offset < 3; offset++) (await log.read(offset, size, { minOneMessage: true })).release();
    await log.truncateTo(2);
    // Offsets 2-3 in one batch, then 4: the remembered start of offset 3 is now where 4 starts.
    await log.append(testBatch({ payload: PAYLOAD, records: 2 }), { assignOffsets: true, leaderEpoch: 1 });
    await log.append(testBatch({ payload: PAYLOAD }), { assignOffsets: true, leaderEpoch: 1 });
    const read = await log.read(3, size * 2, { minOneMessage: true });
    assert.deepEqual(firstOffsets(read.records), [2, 4]);
    assert.equal(readBatchHeader(read.records, 0).partitionLeaderEpoch, 1);
    read.release();
  });

  it("without KIP-74's first-batch rule a batch over the limit is not returned, with it it is whole", async () => {
    const fs = new CountingFs();
    const log = await openTestLog(fs, "/d/t-0");
    for (let i = 0; i < 3; i++)
      await log.append(testBatch({ payload: PAYLOAD }), { assignOffsets: true, leaderEpoch: 0 });
    const size = testBatch({ payload: PAYLOAD }).length;
    (await log.read(0, size, { minOneMessage: true })).release();
    const none = await log.read(1, size - 1, { minOneMessage: false });
    assert.equal(none.records.length, 0);
    fs.logReads.length = 0;
    const whole = await log.read(1, size - 1, { minOneMessage: true });
    assert.deepEqual(firstOffsets(whole.records), [1]);
    assert.equal(whole.records.length, size);
    whole.release();
    // The limit's worth from the remembered position, then the first batch whole once its header
    // gave its size (then the read ahead of offset 2).
    assert.deepEqual(fs.logReads.slice(0, 2), [size - 1, size]);
  });
});
