import assert from "node:assert/strict";
import { test } from "node:test";
import { ABORTED_TXN_INDEX_FILE, AbortedTxnIndex } from "./aborted-txn-index.js";
import { SimFs } from "./testing/sim-fs.js";

const entry = (producerId: number, firstOffset: number, lastOffset: number) => ({
  producerId,
  firstOffset,
  lastOffset,
});

test("aborted transactions survive a reload; entries the log no longer covers and torn tails are dropped", async () => {
  const fs = new SimFs();
  await fs.mkdir("/p");
  const index = await AbortedTxnIndex.load(fs, "/p", 0, 0);
  assert.deepEqual(index.all, []);
  await index.append(entry(1, 0, 5));
  await index.append(entry(2, 3, 9));
  await index.append(entry(1, 10, 12));
  await assert.rejects(index.append(entry(3, 0, 11)), /marker order/);
  const reloaded = await AbortedTxnIndex.load(fs, "/p", 0, 100);
  assert.deepEqual(reloaded.all, [entry(1, 0, 5), entry(2, 3, 9), entry(1, 10, 12)]);
  // The log was truncated to 10 and its head deleted up to 6: only the middle entry remains.
  const cut = await AbortedTxnIndex.load(fs, "/p", 6, 10);
  assert.deepEqual(cut.all, [entry(2, 3, 9)]);
  assert.equal(fs.peek(`/p/${ABORTED_TXN_INDEX_FILE}`)?.length, 24, "the file was rewritten");
  // A torn last entry is ignored.
  await cut.append(entry(4, 10, 11));
  const bytes = fs.peek(`/p/${ABORTED_TXN_INDEX_FILE}`);
  assert.ok(bytes !== undefined);
  fs.corrupt(`/p/${ABORTED_TXN_INDEX_FILE}`, 48, Buffer.from([1, 2, 3]));
  const torn = await AbortedTxnIndex.load(fs, "/p", 0, 100);
  assert.deepEqual(torn.all, [entry(2, 3, 9), entry(4, 10, 11)]);
});

test("memory keeps the newest entries and the file is compacted when it doubles", async () => {
  const fs = new SimFs();
  await fs.mkdir("/p");
  const index = await AbortedTxnIndex.load(fs, "/p", 0, 0, 2);
  for (let i = 0; i < 5; i++) await index.append(entry(i, i * 10, i * 10 + 1));
  assert.deepEqual(
    index.all.map((e) => e.producerId),
    [3, 4],
  );
  assert.ok((fs.peek(`/p/${ABORTED_TXN_INDEX_FILE}`)?.length ?? 0) <= 4 * 24);
  const reloaded = await AbortedTxnIndex.load(fs, "/p", 0, 100, 2);
  assert.deepEqual(
    reloaded.all.map((e) => e.producerId),
    [3, 4],
  );
});
