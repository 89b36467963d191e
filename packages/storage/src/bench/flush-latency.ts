/**
 * Group-commit round latency on the real file system (not a test; run by hand after `npx tsc -b`):
 *   node packages/storage/dist/bench/flush-latency.js [--rounds 500] [--batch-bytes 1024]
 * Each round appends one batch to a single log and awaits `Log.flush()`, which is what a single-node
 * broker's high watermark (so every consumer and acks=-1 producer) waits for. Prints the round time's
 * p50/p90/p99/max and the fsync-type calls per round.
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
  },
});

/** nodeFs counting sync and datasync calls. */
function countingFs(counts: { syncs: number }): StorageFs {
  return {
    ...nodeFs,
    open: async (path, mode) => {
      const h = await nodeFs.open(path, mode);
      return {
        read: (b, o, l, p) => h.read(b, o, l, p),
        write: (b, o, l, p) => h.write(b, o, l, p),
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

async function main(): Promise<void> {
  const rounds = Number(values.rounds);
  const dataDir = await mkdtemp(join(tmpdir(), "samsa-flush-latency-"));
  const counts = { syncs: 0 };
  try {
    const log = await Log.open({
      dir: join(dataDir, "t-0"),
      config: { ...defaultLogConfig, indexIntervalBytes: 4096 },
      pool: new FilePool(countingFs(counts), 100),
      indexCache: new IndexCache(64 * 1024 * 1024),
      buffers: new BufferPool(64 * 1024 * 1024),
      clock: systemClock,
    });
    const times: number[] = [];
    const syncsBefore = counts.syncs;
    for (let i = 0; i < rounds; i++) {
      await log.append(testBatch({ payload: Number(values["batch-bytes"]) }), { assignOffsets: true, leaderEpoch: 0 });
      const t = performance.now();
      await log.flush();
      times.push(performance.now() - t);
    }
    await log.close();
    times.sort((a, b) => a - b);
    const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))].toFixed(2);
    console.log(
      `flush round ms: p50 ${at(0.5)} p90 ${at(0.9)} p99 ${at(0.99)} max ${at(1)}; ` +
        `${((counts.syncs - syncsBefore) / rounds).toFixed(2)} syncs per round (${rounds} rounds)`,
    );
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
