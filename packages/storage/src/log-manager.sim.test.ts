import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { seededRandom } from "@samsa/common";
import { readBatchHeader, verifyBatchCrc } from "@samsa/protocol";
import { defaultLogConfig } from "./config.js";
import type { Log } from "./log.js";
import { LogManager } from "./log-manager.js";
import { testBatch } from "./testing/batches.js";
import { ManualClock } from "./testing/fixture.js";
import { SimFs } from "./testing/sim-fs.js";

async function readAll(log: Log): Promise<Map<number, Buffer>> {
  const out = new Map<number, Buffer>();
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const r = await log.read(offset, 1 << 16, { minOneMessage: true });
    assert.ok(r.records.length > 0, `data at ${offset}`);
    let pos = 0;
    while (pos < r.records.length) {
      const h = readBatchHeader(r.records, pos);
      assert.ok(verifyBatchCrc(r.records, pos));
      out.set(h.baseOffset, Buffer.from(r.records.subarray(pos, pos + 12 + h.batchLength)));
      offset = h.baseOffset + h.lastOffsetDelta + 1;
      pos += 12 + h.batchLength;
    }
    r.release();
  }
  return out;
}

describe("LogManager power-loss simulation (seeded)", () => {
  it("keeps every flushed batch of every live log across crashes, retention and deletes", async () => {
    for (let seed = 1; seed <= 12; seed++) {
      const random = seededRandom(seed);
      const fs = new SimFs();
      const clock = new ManualClock();
      const opts = {
        dataDir: "/data",
        fs,
        clock,
        limits: { maxOpenFiles: 8, indexCacheBytes: 512 },
        configFor: () => ({
          ...defaultLogConfig,
          segmentBytes: 700,
          indexIntervalBytes: 100,
          retentionBytes: 2500,
          retentionMs: -1,
        }),
      };
      let m = await LogManager.start(opts);
      /** partition -> offset -> bytes of flushed batches (as appended). */
      const flushed = new Map<number, Map<number, Buffer>>();
      const live = new Set<number>();
      for (let round = 0; round < 4; round++) {
        for (let step = 0; step < 60; step++) {
          const p = Math.floor(random.next() * 4);
          const roll = random.next();
          if (!live.has(p)) {
            await m.getOrCreateLog({ topic: "sim", partition: p });
            live.add(p);
            flushed.set(p, new Map());
            continue;
          }
          const log = m.getLog({ topic: "sim", partition: p });
          assert.ok(log);
          if (roll < 0.6) {
            const pending = testBatch({
              payload: 10 + Math.floor(random.next() * 150),
              records: 1 + Math.floor(random.next() * 3),
            });
            const res = await log.append(pending, { assignOffsets: true, leaderEpoch: round });
            if (random.next() < 0.4) {
              await log.flush();
              log.highWatermark = log.recoveryPoint;
              flushed.get(p)?.set(res.baseOffset, pending);
            }
          } else if (roll < 0.7) {
            await m.cleanupLogs();
          } else if (roll < 0.85) {
            await m.checkpointRecoveryPoints();
            await m.checkpointLogStartOffsets();
          } else if (roll < 0.88) {
            await m.deleteLog({ topic: "sim", partition: p });
            live.delete(p);
            flushed.delete(p);
          }
        }
        fs.powerLoss(random);
        m = await LogManager.start(opts);
        assert.equal(m.startup.hadCleanShutdown, false);
        for (const p of live) {
          const log = m.getLog({ topic: "sim", partition: p });
          assert.ok(log, `seed ${seed}: log ${p} survived`);
          const survived = await readAll(log);
          for (const [offset, bytes] of flushed.get(p) ?? []) {
            if (offset < log.logStartOffset) continue;
            assert.deepEqual(survived.get(offset), bytes, `seed ${seed}: partition ${p} batch ${offset}`);
          }
          log.highWatermark = log.recoveryPoint;
        }
        assert.equal(m.logCount, live.size, `seed ${seed}: deleted logs stay deleted`);
      }
      await m.shutdown();
    }
  });
});
