/**
 * Group-commit round latency on the real file system (not a test; run by hand after `npx tsc -b`):
 *   node packages/storage/dist/bench/flush-latency.js [--rounds 500] [--batch-bytes 1024] [--partitions 1]
 * Each round appends one batch to a log and awaits `Log.flush()`, which is what a single-node
 * broker's high watermark (so every consumer and acks=-1 producer) waits for; --partitions logs run
 * their rounds at once. Prints the append and round times' p50/p90/p99/max and the fsync-type calls
 * per round (appends wait for file writes, which queue behind syncs if both share a thread pool).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { systemClock } from "@samsa/common";
import { BufferPool } from "../buffer-pool.js";
import { defaultLogConfig } from "../config.js";
import { FilePool } from "../file-pool.js";
import { nodeFs, type StorageFs } from "../fs/storage-fs.js";
import { IndexCache } from "../index/index-cache.js";
import { Log } from "../log.js";
import { testBatch } from "../testing/batches.js";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "500" },
    "batch-bytes": { type: "string", default: "1024" },
    partitions: { type: "string", default: "1" },
  },
});

/** nodeFs counting sync, datasync and write calls. */
function countingFs(counts: { syncs: number; writes: number }): StorageFs {
  return {
    ...nodeFs,
    open: async (path, mode) => {
      const h = await nodeFs.open(path, mode);
      return {
        read: (b, o, l, p) => h.read(b, o, l, p),
        write: (b, o, l, p) => {
          counts.writes++;
          return h.write(b, o, l, p);
        },
        sync: () => {
          counts.syncs++;
          return h.sync();
        },
        datasync: () => {
          counts.syncs++;
          return h.datasync();
        },
        truncate: (l) => h.truncate(l),
        stat: () => h.stat(),
        close: () => h.close(),
      };
    },
  };
}

function summary(label: string, times: number[]): string {
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))].toFixed(2);
  return `${label} ms: p50 ${at(0.5)} p90 ${at(0.9)} p99 ${at(0.99)} max ${at(1)}`;
}

async function main(): Promise<void> {
  const rounds = Number(values.rounds);
  const partitions = Number(values.partitions);
  const dataDir = await mkdtemp(join(tmpdir(), "samsa-flush-latency-"));
  const counts = { syncs: 0, writes: 0 };
  try {
    const pool = new FilePool(countingFs(counts), 1000);
    const indexCache = new IndexCache(64 * 1024 * 1024);
    const buffers = new BufferPool(64 * 1024 * 1024);
    const logs = await Promise.all(
      Array.from({ length: partitions }, (_, i) =>
        Log.open({
          dir: join(dataDir, `t-${i}`),
          config: { ...defaultLogConfig, indexIntervalBytes: 4096 },
          pool,
          indexCache,
          buffers,
          clock: systemClock,
        }),
      ),
    );
    const appendTimes: number[] = [];
    const roundTimes: number[] = [];
    const syncsBefore = counts.syncs;
    const writesBefore = counts.writes;
    const loopBefore = performance.eventLoopUtilization();
    await Promise.all(
      logs.map(async (log) => {
        for (let i = 0; i < rounds; i++) {
          const batch = testBatch({ payload: Number(values["batch-bytes"]) });
          const t0 = performance.now();
          await log.append(batch, { assignOffsets: true, leaderEpoch: 0 });
          const t1 = performance.now();
          await log.flush();
          appendTimes.push(t1 - t0);
          roundTimes.push(performance.now() - t1);
        }
      }),
    );
    // Main-thread time per round (append + flush): what a busy broker's event loop pays.
    const loopUs = (performance.eventLoopUtilization(loopBefore).active * 1000) / (rounds * partitions);
    for (const log of logs) await log.close();
    console.log(
      `${partitions} partition(s): ${summary("append", appendTimes)}; ${summary("flush round", roundTimes)}; ` +
        `${((counts.syncs - syncsBefore) / (rounds * partitions)).toFixed(2)} syncs and ` +
        `${((counts.writes - writesBefore) / (rounds * partitions)).toFixed(2)} file writes per round, ` +
        `event loop busy ${loopUs.toFixed(0)} us per round (${rounds} rounds each)`,
    );
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
