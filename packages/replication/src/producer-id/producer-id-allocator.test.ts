import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ProducerIdAllocator } from "./producer-id-allocator.js";
import { PRODUCER_ID_BLOCK_FILE, ProducerIdBlockFile, ProducerIdBlockFileError } from "./producer-id-block-file.js";

test("ids are unique across concurrent callers and restarts", async () => {
  const dir = await mkdtemp(join(tmpdir(), "samsa-pid-"));
  try {
    const first = new ProducerIdAllocator(new ProducerIdBlockFile(dir), 10);
    const ids = await Promise.all(Array.from({ length: 25 }, () => first.allocate()));
    assert.equal(new Set(ids).size, 25);
    assert.deepEqual(
      [...ids].sort((a, b) => a - b),
      Array.from({ length: 25 }, (_, i) => i),
    );
    const restarted = new ProducerIdAllocator(new ProducerIdBlockFile(dir), 10);
    assert.equal(await restarted.allocate(), 30, "a restart skips the rest of the claimed block");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a corrupt block file is a typed error", async () => {
  const dir = await mkdtemp(join(tmpdir(), "samsa-pid-"));
  try {
    await writeFile(join(dir, PRODUCER_ID_BLOCK_FILE), "garbage");
    const allocator = new ProducerIdAllocator(new ProducerIdBlockFile(dir));
    await assert.rejects(allocator.allocate(), ProducerIdBlockFileError);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
