import assert from "node:assert/strict";
import { it } from "node:test";
import { buildEndTxnMarkerBatch, buildRecordBatch, readRecordBatch } from "@samsa/protocol";
import { ManualClock, openTestLog } from "../testing/fixture.js";
import { SimFs } from "../testing/sim-fs.js";
import { cleanLog } from "./log-cleaner.js";

it("an aborted transaction's record does not make the cleaner drop the older value of its key", async () => {
  const clock = new ManualClock();
  const log = await openTestLog(new SimFs(), "/d/c-0", {
    clock,
    config: { segmentBytes: 600, indexIntervalBytes: 100, cleanupPolicy: "compact" as const, deleteRetentionMs: 1000 },
  });
  const append = (b: Buffer) => log.append(b, { assignOffsets: true, leaderEpoch: 0 });
  await append(buildRecordBatch([{ key: "k", value: "committed", timestamp: clock.now }]));
  await append(
    buildRecordBatch([{ key: "k", value: "aborted", timestamp: clock.now }], {
      producerId: 7,
      producerEpoch: 0,
      baseSequence: 0,
      transactional: true,
    }),
  );
  await append(
    buildEndTxnMarkerBatch({
      producerId: 7,
      producerEpoch: 0,
      coordinatorEpoch: 0,
      commit: false,
      timestamp: clock.now,
    }),
  );
  await append(buildRecordBatch([{ key: "other", value: "x", timestamp: clock.now }]));
  await log.rollNow();
  log.highWatermark = log.logEndOffset;
  await cleanLog(log, 0, clock.now);
  const values: string[] = [];
  const r = await log.read(0, 1 << 20, { minOneMessage: true });
  let pos = 0;
  while (pos < r.records.length) {
    const batch = readRecordBatch(r.records, pos);
    if (!batch.header.attributes || (batch.header.attributes & 0x20) === 0)
      for (const rec of batch) values.push(String(rec.value));
    pos += 12 + batch.header.batchLength;
  }
  assert.deepEqual(values, ["committed", "aborted", "x"]);
});
