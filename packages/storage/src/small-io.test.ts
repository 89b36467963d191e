import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { readBatchHeader } from "@samsa/protocol";
import { FilePool } from "./file-pool.js";
import { nodeFs, type OpenMode, type StorageFile, type StorageFs, SYNC_IO_MAX_BYTES } from "./fs/storage-fs.js";
import { testBatch } from "./testing/batches.js";
import { openTestLog } from "./testing/fixture.js";
import { SimFs } from "./testing/sim-fs.js";

/** Counts the calls on .log files by kind. */
function counting(inner: StorageFs): { fs: StorageFs; calls: string[] } {
  const calls: string[] = [];
  const counted = <T>(kind: string, result: T): T => {
    calls.push(kind);
    return result;
  };
  const fs: StorageFs = {
    readdir: (dir) => inner.readdir(dir),
    mkdir: (dir) => inner.mkdir(dir),
    rename: (from, to) => inner.rename(from, to),
    unlink: (path) => inner.unlink(path),
    rmdir: (dir) => inner.rmdir(dir),
    exists: (path) => inner.exists(path),
    readFile: (path) => inner.readFile(path),
    syncDir: (dir) => inner.syncDir(dir),
    open: async (path: string, mode: OpenMode): Promise<StorageFile> => {
      const file = await inner.open(path, mode);
      if (!path.endsWith(".log")) return file;
      const wrapped: StorageFile = {
        read: (b, o, l, p) => counted("read", file.read(b, o, l, p)),
        write: (b, o, l, p) => counted("write", file.write(b, o, l, p)),
        sync: () => file.sync(),
        datasync: () => file.datasync(),
        truncate: (n) => file.truncate(n),
        stat: () => file.stat(),
        close: () => file.close(),
      };
      const { readSync, writeSync } = file;
      if (writeSync) wrapped.writeSync = (b, o, l, p) => counted("writeSync", writeSync(b, o, l, p));
      if (readSync) wrapped.readSync = (b, o, l, p) => counted("readSync", readSync(b, o, l, p));
      return wrapped;
    },
  };
  return { fs, calls };
}

function baseOffsets(records: Buffer): number[] {
  const out: number[] = [];
  for (let pos = 0; pos < records.length; pos += 12 + readBatchHeader(records, pos).batchLength) {
    out.push(readBatchHeader(records, pos).baseOffset);
  }
  return out;
}

const append = { assignOffsets: true, leaderEpoch: 0 } as const;

describe("small requests", () => {
  it("small appends and tail reads run on the event loop; large ones go through the pool", async () => {
    const dir = await mkdtemp(join(tmpdir(), "smallreq-"));
    try {
      const { fs, calls } = counting(nodeFs);
      const log = await openTestLog(fs, join(dir, "t-0"));
      // The first append opens the segment's handle (asynchronously); later ones find it open.
      await log.append(testBatch({ payload: 1000 }), append);
      assert.deepEqual(calls, ["write"]);
      calls.length = 0;
      await log.append(testBatch({ payload: 1000 }), append);
      assert.deepEqual(calls, ["writeSync"]);
      calls.length = 0;
      await log.append(testBatch({ payload: SYNC_IO_MAX_BYTES + 1 }), append);
      assert.deepEqual(calls, ["write"]);
      calls.length = 0;
      const small = await log.read(0, 2000, { minOneMessage: true });
      assert.deepEqual(baseOffsets(small.records), [0]);
      assert.equal(small.records.subarray(-1000).toString(), "a".repeat(1000));
      small.release();
      assert.ok(calls.length > 0 && !calls.some((c) => c !== "readSync"), calls.join());
      calls.length = 0;
      const large = await log.read(2, 2 * SYNC_IO_MAX_BYTES, { minOneMessage: true });
      assert.deepEqual(baseOffsets(large.records), [2]);
      large.release();
      assert.ok(calls.includes("read"), calls.join());
      await log.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("a read bounded at the end of an append finds that batch without reading headers", async () => {
    const { fs, calls } = counting(new SimFs());
    const log = await openTestLog(fs, "/d/t-0");
    for (let i = 0; i < 4; i++) await log.append(testBatch({ payload: 100 }), append);
    calls.length = 0;
    const read = await log.read(0, 1 << 20, { minOneMessage: true, maxOffset: 2 });
    assert.deepEqual(baseOffsets(read.records), [0, 1]);
    read.release();
    // Only the data: the bound's position came from the append, not from a header scan.
    assert.deepEqual(calls, ["read"]);
  });

  it("a truncation forgets the appends it removed", async () => {
    const log = await openTestLog(new SimFs(), "/d/t-0");
    for (let i = 0; i < 4; i++) await log.append(testBatch({ payload: 100 }), append);
    await log.truncateTo(2);
    // Offsets 2-3 now in one smaller batch: offset 3's old position lies past it.
    await log.append(testBatch({ payload: 10, records: 2 }), append);
    await log.append(testBatch({ payload: 300 }), append);
    const read = await log.read(0, 1 << 20, { minOneMessage: true, maxOffset: 3 });
    assert.deepEqual(baseOffsets(read.records), [0, 1]);
    read.release();
  });

  it("useNow runs only on an open handle of a file still in use", async () => {
    const pool = new FilePool(new SimFs(), 4);
    await pool.fs.mkdir("/d");
    const created = await pool.fs.open("/d/f", "wx+");
    await created.close();
    const file = pool.file("/d/f");
    assert.equal(
      file.useNow(() => 1),
      undefined,
    );
    await file.use(async () => {});
    assert.equal(
      file.useNow(() => 1),
      1,
    );
    await file.retire();
    assert.equal(
      file.useNow(() => 1),
      undefined,
    );
  });
});
