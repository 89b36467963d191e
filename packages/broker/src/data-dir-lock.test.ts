import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { DataDirLockedError, LOCK_FILE, lockDataDir } from "./data-dir-lock.js";

test("one broker per data dir; stale locks are taken over", async () => {
  const dir = await mkdtemp(join(tmpdir(), "samsa-lock-"));
  try {
    const unlock = await lockDataDir(dir);
    assert.equal((await readFile(join(dir, LOCK_FILE), "utf8")).trim(), String(process.pid));
    await assert.rejects(lockDataDir(dir), DataDirLockedError);
    await unlock();
    // A live process of another pid holds it.
    const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 10000)"]);
    await writeFile(join(dir, LOCK_FILE), `${child.pid}\n`);
    await assert.rejects(lockDataDir(dir), /in use by another broker/);
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    // Its owner is gone (kill -9): stale, taken over.
    const again = await lockDataDir(dir);
    await again();
    // Our own pid in the file but not locked by this process: a stale lock of an earlier process.
    await writeFile(join(dir, LOCK_FILE), `${process.pid}\n`);
    await (await lockDataDir(dir))();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
