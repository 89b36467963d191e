import assert from "node:assert/strict";
import { mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { SyncThreads } from "./sync-threads.js";

describe("SyncThreads", () => {
  const threads = new SyncThreads(2);
  after(() => threads.close());

  it("fdatasyncs files opened by the main thread, many at once", async () => {
    const dir = await mkdtemp(join(tmpdir(), "samsa-sync-threads-"));
    try {
      const handles = await Promise.all(Array.from({ length: 5 }, (_, i) => open(join(dir, `f${i}`), "w+")));
      for (const h of handles) await h.write(Buffer.from("data"), 0, 4, 0);
      await Promise.all(handles.map((h) => threads.datasync(h.fd)));
      for (const h of handles) await h.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("rejects with the error code of a failed sync", async () => {
    await assert.rejects(threads.datasync(1_000_000), (err: NodeJS.ErrnoException) => err.code === "EBADF");
  });

  it("keeps working after close (threads start again)", async () => {
    await threads.close();
    await assert.rejects(threads.datasync(1_000_000), (err: NodeJS.ErrnoException) => err.code === "EBADF");
  });
});
