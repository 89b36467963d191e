import { open, readFile, rm } from "node:fs/promises";
import { resolve } from "node:path";
import { SamsaError } from "@samsa/common";

export const LOCK_FILE = ".lock";

export class DataDirLockedError extends SamsaError {
  constructor(message: string) {
    super("DATA_DIR_LOCKED", message);
  }
}

/** Data dirs locked by this process (a file with our own pid may be a stale lock of an earlier process). */
const lockedHere = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * One broker per data dir, like Kafka's `.lock`: a file holding the owner's pid. Node has no flock,
 * so a lock whose process is gone (kill -9) counts as stale and is taken over.
 */
export async function lockDataDir(dataDir: string, pid = process.pid): Promise<() => Promise<void>> {
  const path = resolve(dataDir, LOCK_FILE);
  if (lockedHere.has(path))
    throw new DataDirLockedError(`data dir ${dataDir} is in use by another broker in this process`);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(path, "wx");
      try {
        await fh.writeFile(`${pid}\n`);
        await fh.sync();
      } finally {
        await fh.close();
      }
      lockedHere.add(path);
      return async () => {
        lockedHere.delete(path);
        await rm(path, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    const owner = Number.parseInt(await readFile(path, "utf8").catch(() => ""), 10);
    if (Number.isInteger(owner) && owner !== pid && alive(owner)) {
      throw new DataDirLockedError(`data dir ${dataDir} is in use by another broker (pid ${owner})`);
    }
    await rm(path, { force: true });
  }
  throw new DataDirLockedError(`cannot lock data dir ${dataDir}`);
}
