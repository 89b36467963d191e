/**
 * Storage micro-benchmarks on the real file system (not a test; run by hand after `npx tsc -b`):
 *   node packages/storage/dist/bench/storage-bench.js [--partitions 1000] [--mb-per-partition 0.2]
 * Prints append throughput (no fsync, and fsync per append with group commit), sequential read
 * throughput, and LogManager start-up time after a clean shutdown and after an unclean one.
 */
import { mkdtemp, rm, unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { systemClock } from "@samsa/common";
import { defaultLogConfig } from "../config.js";
import { LogManager } from "../log-manager.js";
import { testBatch } from "../testing/batches.js";

const { values } = parseArgs({
  options: {
    partitions: { type: "string", default: "1000" },
    "mb-per-partition": { type: "string", default: "0.2" },
    "batch-bytes": { type: "string", default: "1024" },
  },
});
const partitions = Number(values.partitions);
const bytesPerPartition = Number(values["mb-per-partition"]) * 1024 * 1024;
const batchBytes = Number(values["batch-bytes"]);

const mb = (bytes: number, ms: number) => `${(bytes / 1e6 / (ms / 1000)).toFixed(1)} MB/s`;

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), "samsa-storage-bench-"));
  const opts = {
    dataDir,
    clock: systemClock,
    configFor: () => ({ ...defaultLogConfig, segmentBytes: 64 * 1024 * 1024 }),
  };
  try {
    const m = await LogManager.start(opts);
    const log = await m.getOrCreateLog({ topic: "hot", partition: 0 });
    const template = testBatch({ payload: batchBytes - 61, records: 10 });
    const batch = () => Buffer.from(template);
    const n = 20_000;
    let t = performance.now();
    for (let i = 0; i < n; i++) await log.append(batch(), { assignOffsets: true, leaderEpoch: 0 });
    await log.flush();
    console.log(`append ${n} x ${batchBytes} B, no fsync per append: ${mb(n * batchBytes, performance.now() - t)}`);

    const producers = 32;
    const perProducer = 200;
    const roundsBefore = log.flushRounds;
    t = performance.now();
    await Promise.all(
      Array.from({ length: producers }, async () => {
        for (let i = 0; i < perProducer; i++) {
          const r = await log.append(batch(), { assignOffsets: true, leaderEpoch: 0 });
          await log.flush(r.lastOffset + 1);
        }
      }),
    );
    const ms = performance.now() - t;
    const appends = producers * perProducer;
    console.log(
      `append+fsync, ${producers} concurrent producers: ${appends} appends in ${ms.toFixed(0)} ms = ${(appends / (ms / 1000)).toFixed(0)} appends/s, ${log.flushRounds - roundsBefore} fsync rounds`,
    );

    t = performance.now();
    let offset = 0;
    let bytes = 0;
    while (offset < log.logEndOffset) {
      const r = await log.read(offset, 1024 * 1024, { minOneMessage: true });
      bytes += r.records.length;
      offset = r.records.length === 0 ? log.logEndOffset : nextOffset(r.records);
      r.release();
    }
    console.log(`sequential read, 1 MiB fetches: ${mb(bytes, performance.now() - t)}`);

    t = performance.now();
    const smallConfig = { ...defaultLogConfig, segmentBytes: 64 * 1024 };
    m.updateConfig("cold", smallConfig);
    const cold = { ...opts, configFor: (topic: string) => (topic === "cold" ? smallConfig : opts.configFor()) };
    await m.shutdown();
    const m2 = await LogManager.start(cold);
    for (let p = 0; p < partitions; p++) {
      const l = await m2.getOrCreateLog({ topic: "cold", partition: p });
      for (let written = 0; written < bytesPerPartition; written += batchBytes) {
        await l.append(batch(), { assignOffsets: true, leaderEpoch: 0 });
      }
    }
    await m2.flushAll();
    console.log(
      `wrote ${partitions} partitions x ${(bytesPerPartition / 1e6).toFixed(2)} MB in ${(performance.now() - t).toFixed(0)} ms`,
    );
    await m2.checkpointRecoveryPoints();
    await m2.shutdown();

    const clean = await LogManager.start(cold);
    console.log(`start-up after clean shutdown: ${JSON.stringify(clean.startup)}`);
    await clean.shutdown();
    // Unclean: no marker, recovery points at 0, so every segment is CRC-scanned.
    await unlink(join(dataDir, ".kafka_cleanshutdown"));
    await unlink(join(dataDir, "recovery-point-offset-checkpoint"));
    const unclean = await LogManager.start(cold);
    console.log(`start-up after unclean shutdown (full scan): ${JSON.stringify(unclean.startup)}`);
    await unclean.shutdown();
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

function nextOffset(records: Buffer): number {
  let pos = 0;
  let next = 0;
  while (pos < records.length) {
    const base = records.readInt32BE(pos) * 2 ** 32 + records.readUInt32BE(pos + 4);
    next = base + records.readInt32BE(pos + 23) + 1;
    pos += 12 + records.readInt32BE(pos + 8);
  }
  return next;
}

await main();
