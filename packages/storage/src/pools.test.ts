import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { seededRandom } from "@samsa/common";
import { BufferPool } from "./buffer-pool.js";
import { FilePool, RetiredFileError } from "./file-pool.js";
import { IndexCache } from "./index/index-cache.js";
import { SimFs } from "./testing/sim-fs.js";

describe("FilePool", () => {
  it("keeps at most maxOpen handles, closing the least recently used unpinned one", async () => {
    const fs = new SimFs();
    await fs.mkdir("/f");
    for (let i = 0; i < 5; i++) await (await fs.open(`/f/${i}`, "wx+")).close();
    const pool = new FilePool(fs, 2);
    const files = Array.from({ length: 5 }, (_, i) => pool.file(`/f/${i}`));
    for (const f of files) await f.use(async (h) => h.write(Buffer.from("x"), 0, 1, 0));
    assert.equal(pool.openCount, 2);
    // Pinned handles survive eviction while in use.
    let release!: () => void;
    const pinned = files[0].use(() => new Promise<void>((r) => (release = r)));
    await new Promise((r) => setImmediate(r));
    await files[1].use(async () => {});
    await files[2].use(async () => {});
    assert.ok(pool.openCount <= 3);
    release();
    await pinned;
    await files[3].use(async () => {});
    assert.equal(pool.openCount, 2);
  });

  it("lets in-flight uses of a retired file finish and refuses new ones", async () => {
    const fs = new SimFs();
    await fs.mkdir("/f");
    await (await fs.open("/f/a", "wx+")).close();
    const pool = new FilePool(fs, 10);
    const file = pool.file("/f/a");
    let release!: () => void;
    const inFlight = file.use(async (h) => {
      await new Promise<void>((r) => (release = r));
      return h.stat();
    });
    await new Promise((r) => setImmediate(r));
    await file.retire();
    release();
    assert.equal((await inFlight).size, 0);
    await assert.rejects(
      file.use(async () => {}),
      RetiredFileError,
    );
    assert.equal(pool.openCount, 0);
  });
});

describe("BufferPool", () => {
  it("reuses released buffers by size class up to its bound", () => {
    const pool = new BufferPool(16 * 1024);
    assert.deepEqual(
      [1, 4096, 4097, 5121, 8192, 8193, (1 << 20) + 4157].map(BufferPool.classSize),
      [4096, 4096, 5120, 6144, 8192, 10240, 1310720],
    );
    const a = pool.acquire(7000);
    assert.equal(a.length, 7168);
    pool.release(a.subarray(0, 100));
    assert.equal(pool.bytesPooled, 7168);
    assert.equal(pool.acquire(6500).buffer, a.buffer);
    assert.equal(pool.bytesPooled, 0);
    for (let i = 0; i < 4; i++) pool.release(Buffer.allocUnsafeSlow(8192));
    assert.equal(pool.bytesPooled, 16 * 1024, "beyond the bound, buffers go to the GC");
    pool.release(Buffer.alloc(5000));
    assert.equal(pool.bytesPooled, 16 * 1024, "buffers not of a size class are not kept");
  });
});

describe("IndexCache", () => {
  it("unloads the least recently used indexes beyond its byte bound", () => {
    const cache = new IndexCache(300);
    const unloaded: number[] = [];
    const idx = (id: number, evictable = true) => ({
      memoryBytes: 100,
      unload: () => {
        if (evictable) unloaded.push(id);
        return evictable;
      },
    });
    const items = [idx(0), idx(1, false), idx(2), idx(3), idx(4)];
    for (const i of items.slice(0, 3)) cache.touch(i);
    cache.touch(items[0]);
    cache.touch(items[3]);
    assert.deepEqual(unloaded, [2], "the unevictable one is skipped, not forgotten");
    assert.equal(cache.memoryBytes, 300);
    cache.touch(items[4]);
    assert.deepEqual(unloaded, [2, 0]);
    assert.equal(cache.memoryBytes, 300);
  });
});

describe("SimFs", () => {
  it("loses unsynced writes and unsynced directory entries on power loss", async () => {
    const fs = new SimFs();
    await fs.mkdir("/d");
    const a = await fs.open("/d/a", "wx+");
    await a.write(Buffer.from("synced"), 0, 6, 0);
    await a.sync();
    await fs.syncDir("/d");
    await a.write(Buffer.from("-lost-lost-lost"), 0, 15, 6);
    const b = await fs.open("/d/b", "wx+");
    await b.sync();
    fs.powerLoss(seededRandom(1));
    const text = (await fs.readFile("/d/a")).toString();
    assert.ok(text.startsWith("synced") && "synced-lost-lost-lost".startsWith(text), text);
    assert.equal(await fs.exists("/d/b"), false, "never made durable in its directory");
    await assert.rejects(a.stat(), { code: "EBADF" });
  });

  it("keeps a random prefix of unsynced writes, the same for the same seed", async () => {
    const outcomes = new Set<string>();
    for (let seed = 0; seed < 20; seed++) {
      const run = async () => {
        const fs = new SimFs();
        await fs.mkdir("/d");
        const f = await fs.open("/d/f", "wx+");
        await fs.syncDir("/d");
        for (let i = 0; i < 5; i++) await f.write(Buffer.from("abcd"), 0, 4, i * 4);
        fs.powerLoss(seededRandom(seed));
        return (await fs.readFile("/d/f")).toString();
      };
      const first = await run();
      assert.equal(await run(), first);
      outcomes.add(first);
    }
    assert.ok(outcomes.size > 3, `outcomes: ${[...outcomes].join(",")}`);
  });
});
