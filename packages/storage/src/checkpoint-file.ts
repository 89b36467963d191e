import { posix } from "node:path";
import type { StorageFs } from "./fs/storage-fs.js";
import { writeFully } from "./fs/storage-fs.js";
import { StorageError } from "./errors.js";

const CHECKPOINT_VERSION = 0;

/**
 * Kafka's text checkpoint format: a version line, a count line, then one entry per line with
 * space-separated fields. Written atomically: temp file, fsync, rename, fsync of the directory.
 */
export async function writeCheckpoint(
  fs: StorageFs,
  path: string,
  entries: readonly (readonly (string | number)[])[],
): Promise<void> {
  const text = `${CHECKPOINT_VERSION}\n${entries.length}\n${entries.map((e) => `${e.join(" ")}\n`).join("")}`;
  const tmp = `${path}.tmp`;
  if (await fs.exists(tmp)) await fs.unlink(tmp);
  const handle = await fs.open(tmp, "wx+");
  try {
    await writeFully(handle, Buffer.from(text, "utf8"), 0);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(tmp, path);
  await fs.syncDir(posix.dirname(path));
}

/** Reads a checkpoint; [] if absent. Throws KAFKA_STORAGE_ERROR if it is malformed. */
export async function readCheckpoint(fs: StorageFs, path: string, fieldsPerEntry: number): Promise<string[][]> {
  if (!(await fs.exists(path))) return [];
  const lines = (await fs.readFile(path)).toString("utf8").split("\n");
  const bad = (why: string) => new StorageError("KAFKA_STORAGE_ERROR", `malformed checkpoint ${path}: ${why}`);
  if (lines[0] !== String(CHECKPOINT_VERSION)) throw bad(`version ${lines[0]}`);
  const count = Number(lines[1]);
  if (!Number.isSafeInteger(count) || count < 0 || count > lines.length - 2) throw bad(`count ${lines[1]}`);
  const out: string[][] = [];
  for (let i = 0; i < count; i++) {
    const fields = lines[2 + i].split(" ");
    if (fields.length !== fieldsPerEntry) throw bad(`line ${i + 3}`);
    out.push(fields);
  }
  return out;
}

export function parseOffsetField(s: string, path: string): number {
  const n = Number(s);
  if (!/^-?\d+$/.test(s) || !Number.isSafeInteger(n)) {
    throw new StorageError("KAFKA_STORAGE_ERROR", `malformed number ${JSON.stringify(s)} in ${path}`);
  }
  return n;
}

/** Offsets per partition: `<topic> <partition> <offset>` lines (recovery points, log start offsets, high watermarks). */
export async function writeOffsetCheckpoint(
  fs: StorageFs,
  path: string,
  offsets: ReadonlyMap<string, number>,
): Promise<void> {
  const entries = [...offsets].map(([key, offset]) => {
    const dash = key.lastIndexOf("-");
    return [key.slice(0, dash), key.slice(dash + 1), offset];
  });
  await writeCheckpoint(fs, path, entries);
}

/** Map keyed by `<topic>-<partition>` (the partition directory name). */
export async function readOffsetCheckpoint(fs: StorageFs, path: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const [topic, partition, offset] of await readCheckpoint(fs, path, 3)) {
    out.set(`${topic}-${parseOffsetField(partition, path)}`, parseOffsetField(offset, path));
  }
  return out;
}
