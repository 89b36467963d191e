import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildRecordBatch } from "@samsa/protocol";
import { defaultLogConfig } from "../config.js";
import type { Log } from "../log.js";
import { defaultBackgroundIntervals, LogManager } from "../log-manager.js";
import type { Scheduler } from "../scheduler.js";
import { ManualClock } from "../testing/fixture.js";
import { SimFs } from "../testing/sim-fs.js";

/** Keeps the scheduled tasks so the test runs them by hand. */
function manualScheduler() {
  const tasks = new Map<string, { periodMs: number; run: () => Promise<void> }>();
  const scheduler: Scheduler = {
    schedule(name, periodMs, run) {
      tasks.set(name, { periodMs, run });
      return () => tasks.delete(name);
    },
  };
  return { scheduler, tasks };
}

async function writeKeys(log: Log, count: number, { roll }: { roll: boolean }) {
  for (let i = 0; i < count; i++) {
    await log.append(buildRecordBatch([{ key: `k${i % 3}`, value: `v${i}` }]), { assignOffsets: true, leaderEpoch: 0 });
  }
  if (roll) await log.rollNow();
  log.highWatermark = log.logEndOffset;
}

const openManager = () =>
  LogManager.start({
    dataDir: "/data",
    fs: new SimFs(),
    clock: new ManualClock(),
    minCleanableDirtyRatio: 0.5,
    configFor: (topic) => ({
      ...defaultLogConfig,
      segmentBytes: 500,
      cleanupPolicy: "compact",
      // "strict" asks for a dirty share it never reaches; the others use the manager's 0.5.
      ...(topic === "strict" ? { minCleanableDirtyRatio: 0.99 } : {}),
    }),
  });

describe("background log cleaner", () => {
  it("is not scheduled without cleanerBackoffMs (log.cleaner.enable=false)", async () => {
    const m = await openManager();
    const { scheduler, tasks } = manualScheduler();
    const { cleanerBackoffMs: _, ...withoutCleaner } = defaultBackgroundIntervals;
    m.startBackgroundTasks(scheduler, withoutCleaner);
    assert.ok(tasks.has("log-retention"));
    assert.equal(tasks.has("log-cleaner"), false);
    await m.shutdown();
  });

  it("one round cleans every log above its min.cleanable.dirty.ratio, then stops", async () => {
    const m = await openManager();
    const { scheduler, tasks } = manualScheduler();
    m.startBackgroundTasks(scheduler, { ...defaultBackgroundIntervals, cleanerBackoffMs: 250 });
    const cleaner = tasks.get("log-cleaner");
    assert.equal(cleaner?.periodMs, 250);
    const a = await m.getOrCreateLog({ topic: "a", partition: 0 });
    const b = await m.getOrCreateLog({ topic: "b", partition: 0 });
    const strict = await m.getOrCreateLog({ topic: "strict", partition: 0 });
    await writeKeys(a, 40, { roll: true });
    await writeKeys(b, 40, { roll: true });
    // Part of it stays in the active segment: dirty share below 0.99, above 0.5.
    await writeKeys(strict, 40, { roll: false });
    const sizes = [a, b, strict].map((l) => l.sizeInBytes);
    await cleaner?.run();
    assert.ok(a.sizeInBytes < sizes[0] / 5, "a cleaned");
    assert.ok(b.sizeInBytes < sizes[1] / 5, "b cleaned in the same round");
    assert.equal(strict.sizeInBytes, sizes[2], "strict left alone by its own ratio");
    assert.equal(await m.runCleaner(), undefined, "nothing left to clean");
    await m.shutdown();
  });

  it("shutdown lets a running pass finish before it closes the logs", async () => {
    const m = await openManager();
    const { scheduler, tasks } = manualScheduler();
    m.startBackgroundTasks(scheduler, { ...defaultBackgroundIntervals, cleanerBackoffMs: 250 });
    const cleaner = tasks.get("log-cleaner");
    const a = await m.getOrCreateLog({ topic: "a", partition: 0 });
    await writeKeys(a, 40, { roll: true });
    const before = a.sizeInBytes;
    const round = cleaner?.run();
    await m.shutdown();
    await round;
    assert.ok(a.sizeInBytes < before / 5, "the pass completed");
  });
});
