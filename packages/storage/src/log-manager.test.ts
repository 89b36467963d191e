import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { seededRandom } from "@samsa/common";
import { buildRecordBatch } from "@samsa/protocol";
import { defaultLogConfig } from "./config.js";
import { LogManager } from "./log-manager.js";
import { testBatch } from "./testing/batches.js";
import { ManualClock } from "./testing/fixture.js";
import { SimFs } from "./testing/sim-fs.js";

const start = (fs: SimFs, clock = new ManualClock(), maxOpenFiles = 1000) =>
  LogManager.start({
    dataDir: "/data",
    fs,
    clock,
    limits: { maxOpenFiles },
    configFor: () => ({ ...defaultLogConfig, segmentBytes: 400, retentionBytes: 1000, retentionMs: -1 }),
  });

describe("LogManager", () => {
  it("creates logs, shuts down cleanly and reopens them without recovery", async () => {
    const fs = new SimFs();
    const m = await start(fs);
    for (let p = 0; p < 3; p++) {
      const log = await m.getOrCreateLog({ topic: "orders", partition: p }, "AAAAAAAAAAAAAAAAAAAAAA");
      for (let i = 0; i <= p; i++) await log.append(testBatch({ records: 2 }), { assignOffsets: true, leaderEpoch: 0 });
      log.highWatermark = log.logEndOffset;
    }
    assert.equal(
      fs.peek("/data/orders-1/partition.metadata")?.toString(),
      "version: 0\ntopic_id: AAAAAAAAAAAAAAAAAAAAAA\n",
    );
    await m.shutdown();
    assert.ok(await fs.exists("/data/.kafka_cleanshutdown"));
    assert.equal(
      fs.peek("/data/recovery-point-offset-checkpoint")?.toString(),
      "0\n3\norders 0 2\norders 1 4\norders 2 6\n",
    );
    const again = await start(fs);
    assert.equal(again.startup.hadCleanShutdown, true);
    assert.equal(again.startup.logs, 3);
    assert.equal(again.startup.recoveredSegments, 0);
    assert.equal(again.getLog({ topic: "orders", partition: 2 })?.logEndOffset, 6);
    assert.equal(again.getLog({ topic: "orders", partition: 2 })?.highWatermark, 6);
    assert.equal(await fs.exists("/data/.kafka_cleanshutdown"), false, "marker removed once loaded");
  });

  it("treats a malformed checkpoint as absent, serializes checkpoint writes, reads topic ids", async () => {
    const fs = new SimFs();
    const m = await start(fs);
    const log = await m.getOrCreateLog({ topic: "t", partition: 0 }, "b64TopicId");
    for (let i = 0; i < 5; i++) await log.append(testBatch(), { assignOffsets: true, leaderEpoch: 0 });
    await Promise.all([m.checkpointRecoveryPoints(), m.checkpointRecoveryPoints(), m.checkpointHighWatermarks()]);
    assert.equal(await m.topicIdOf({ topic: "t", partition: 0 }), "b64TopicId");
    await m.shutdown();
    fs.corrupt("/data/recovery-point-offset-checkpoint", 0, Buffer.from("9"));
    const again = await start(fs);
    assert.deepEqual(again.startup.malformedCheckpoints, ["recovery-point-offset-checkpoint"]);
    assert.equal(again.getLog({ topic: "t", partition: 0 })?.logEndOffset, 5);
  });

  it("recovers from the checkpointed recovery point after a power loss", async () => {
    const fs = new SimFs();
    const m = await start(fs);
    const log = await m.getOrCreateLog({ topic: "t", partition: 0 });
    for (let i = 0; i < 10; i++) await log.append(testBatch({ payload: 30 }), { assignOffsets: true, leaderEpoch: 0 });
    await log.flush();
    await m.checkpointRecoveryPoints();
    for (let i = 0; i < 10; i++) await log.append(testBatch({ payload: 30 }), { assignOffsets: true, leaderEpoch: 0 });
    fs.powerLoss(seededRandom(9));
    const again = await start(fs);
    assert.equal(again.startup.hadCleanShutdown, false);
    assert.ok(again.startup.recoveredSegments >= 1);
    const reopened = again.getLog({ topic: "t", partition: 0 });
    assert.ok(reopened && reopened.logEndOffset >= 10);
  });

  it("deletes logs durably and finishes interrupted deletes at start-up", async () => {
    const fs = new SimFs();
    const m = await start(fs);
    await m.getOrCreateLog({ topic: "gone", partition: 0 });
    await m.deleteLog({ topic: "gone", partition: 0 });
    assert.equal(await fs.exists("/data/gone-0"), false);
    assert.equal(m.getLog({ topic: "gone", partition: 0 }), undefined);
    await assert.rejects(m.deleteLog({ topic: "gone", partition: 0 }), { errorCode: 3 });
    await fs.mkdir("/data/half-0.123-delete");
    await m.shutdown();
    const again = await start(fs);
    assert.equal(await fs.exists("/data/half-0.123-delete"), false);
    assert.equal(again.logCount, 0);
  });

  it("applies retention and checkpoints the new log start offsets", async () => {
    const fs = new SimFs();
    const m = await start(fs);
    const log = await m.getOrCreateLog({ topic: "r", partition: 0 });
    for (let i = 0; i < 30; i++) await log.append(testBatch({ payload: 39 }), { assignOffsets: true, leaderEpoch: 0 });
    log.highWatermark = log.logEndOffset;
    assert.ok((await m.cleanupLogs()) > 0);
    assert.ok(log.sizeInBytes <= 1000 + 400);
    assert.equal(fs.peek("/data/log-start-offset-checkpoint")?.toString(), `0\n1\nr 0 ${log.logStartOffset}\n`);
  });

  it("keeps open file handles under the limit across many logs", async () => {
    const fs = new SimFs();
    const m = await start(fs, new ManualClock(), 10);
    for (let p = 0; p < 20; p++) {
      const log = await m.getOrCreateLog({ topic: "many", partition: p });
      await log.append(testBatch(), { assignOffsets: true, leaderEpoch: 0 });
      assert.ok(m.pool.openCount <= 10, `open: ${m.pool.openCount}`);
    }
    for (let p = 0; p < 20; p++) {
      const r = await m.getLog({ topic: "many", partition: p })?.read(0, 1000, { minOneMessage: true });
      assert.equal(r?.firstBatchOffset, 0);
    }
    assert.ok(m.pool.openCount <= 10);
    await m.flushAll();
    await m.shutdown();
  });

  it("compacts the dirtiest compacted log and checkpoints the cleaner offset", async () => {
    const fs = new SimFs();
    const m = await LogManager.start({
      dataDir: "/data",
      fs,
      clock: new ManualClock(),
      configFor: (topic) => ({
        ...defaultLogConfig,
        segmentBytes: 500,
        cleanupPolicy: topic === "compacted" ? "compact" : "delete",
      }),
    });
    const plain = await m.getOrCreateLog({ topic: "plain", partition: 0 });
    const compacted = await m.getOrCreateLog({ topic: "compacted", partition: 0 });
    for (const log of [plain, compacted]) {
      for (let i = 0; i < 40; i++) {
        await log.append(buildRecordBatch([{ key: `k${i % 3}`, value: `v${i}` }]), {
          assignOffsets: true,
          leaderEpoch: 0,
        });
      }
      await log.rollNow();
      log.highWatermark = log.logEndOffset;
    }
    const plainSize = plain.sizeInBytes;
    const result = await m.runCleaner();
    assert.equal(result?.topicPartition.topic, "compacted");
    assert.equal(result?.firstDirtyOffset, 40);
    assert.equal(plain.sizeInBytes, plainSize);
    assert.ok(compacted.sizeInBytes < plainSize / 5);
    assert.equal(fs.peek("/data/cleaner-offset-checkpoint")?.toString(), "0\n1\ncompacted 0 40\n");
    assert.equal(await m.runCleaner(), undefined, "nothing dirty any more");
    await m.shutdown();
  });
});
