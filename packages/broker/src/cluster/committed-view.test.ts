import assert from "node:assert/strict";
import { test } from "node:test";
import { buildEndTxnMarkerBatch, buildRecordBatch } from "@samsa/protocol";
import { committedView } from "./committed-view.js";

function data(baseOffset: number, producerId = -1): Buffer {
  const txn = producerId >= 0;
  return buildRecordBatch([{ value: `v${baseOffset}` }], {
    baseOffset,
    producerId,
    producerEpoch: txn ? 0 : -1,
    baseSequence: txn ? baseOffset : -1,
    transactional: txn,
  });
}

function marker(baseOffset: number, producerId: number, commit: boolean): Buffer {
  return buildEndTxnMarkerBatch({
    producerId,
    producerEpoch: 0,
    coordinatorEpoch: 0,
    commit,
    timestamp: 0,
    baseOffset,
  });
}

test("committed view: plain batches pass whole", () => {
  const records = Buffer.concat([data(10), data(11)]);
  const v = committedView(records, 10);
  assert.equal(v.records.length, records.length);
  assert.deepEqual(v.aborted, []);
  assert.equal(v.endOffset, 12);
  assert.equal(v.cut, false);
});

test("committed view: aborted transactions are listed from their first batch in the read", () => {
  const records = Buffer.concat([data(0, 7), data(1), data(2, 7), marker(3, 7, false), data(4, 8), marker(5, 8, true)]);
  const v = committedView(records, 0);
  assert.equal(v.records.length, records.length);
  assert.deepEqual(v.aborted, [{ producerId: 7, firstOffset: 0, lastOffset: 3 }]);
  assert.equal(v.endOffset, 6);
});

test("committed view: the read is cut before a transaction whose marker is not in it", () => {
  const head = Buffer.concat([data(0, 7), data(1)]);
  const records = Buffer.concat([head, data(2, 8), marker(3, 7, false), data(4)]);
  const v = committedView(records, 0);
  assert.deepEqual(v.records, head, "only the batches before producer 8's open transaction");
  assert.equal(v.endOffset, 2);
  assert.equal(v.cut, true);
  assert.deepEqual(v.aborted, [{ producerId: 7, firstOffset: 0, lastOffset: 3 }], "7's marker lies past the cut");
  const empty = committedView(Buffer.concat([data(5, 9), data(6)]), 5);
  assert.equal(empty.records.length, 0);
  assert.equal(empty.endOffset, 5);
});
