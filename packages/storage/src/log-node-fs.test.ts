import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { systemClock } from "@samsa/common";
import { defaultLogConfig } from "./config.js";
import { LogManager } from "./log-manager.js";
import { testBatch } from "./testing/batches.js";

describe("LogManager on the real file system", () => {
  it("appends, rolls, flushes, restarts and reads back", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "samsa-storage-"));
    try {
      const opts = {
        dataDir,
        clock: systemClock,
        configFor: () => ({ ...defaultLogConfig, segmentBytes: 4096, indexIntervalBytes: 256 }),
      };
      const m = await LogManager.start(opts);
      const log = await m.getOrCreateLog({ topic: "real", partition: 0 });
      for (let i = 0; i < 200; i++)
        await log.append(testBatch({ payload: 100, records: 3 }), { assignOffsets: true, leaderEpoch: 1 });
      assert.equal(await log.flush(), 600);
      assert.ok(log.segmentCount > 5);
      await m.shutdown();
      const again = await LogManager.start(opts);
      const reopened = again.getLog({ topic: "real", partition: 0 });
      assert.equal(reopened?.logEndOffset, 600);
      const r = await reopened?.read(301, 10_000, { minOneMessage: true });
      assert.equal(r?.firstBatchOffset, 300);
      r?.release();
      assert.deepEqual(reopened?.endOffsetForEpoch(1), { epoch: 1, startOffset: 0, endOffset: 600 });
      await again.shutdown();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
