import { readSync, writeSync } from "node:fs";
import * as fsp from "node:fs/promises";
import { SyncThreads } from "./sync-threads.js";

/**
 * The slice of a file handle storage uses. `node:fs/promises` FileHandle satisfies it as is, so
 * production pays nothing for the seam the simulated disk needs.
 */
export interface StorageFile {
  read(
    buffer: Buffer,
    offset: number,
    length: number,
    position: number,
  ): Promise<{ bytesRead: number; buffer: Buffer }>;
  write(
    buffer: Buffer,
    offset: number,
    length: number,
    position: number,
  ): Promise<{ bytesWritten: number; buffer: Buffer }>;
  sync(): Promise<void>;
  /** fdatasync: the data and the metadata needed to read it (size), not timestamps. */
  datasync(): Promise<void>;
  truncate(length: number): Promise<void>;
  stat(): Promise<{ size: number }>;
  close(): Promise<void>;
  /**
   * Positional write and read on the calling thread (see SYNC_IO_MAX_BYTES). Optional: a file
   * without them (the simulated disk) takes the asynchronous calls.
   */
  writeSync?(buffer: Buffer, offset: number, length: number, position: number): number;
  readSync?(buffer: Buffer, offset: number, length: number, position: number): number;
}

/**
 * Largest write or page-cache read done on the event loop instead of libuv's thread pool. A copy to
 * or from the page cache costs about 1 us per KiB here; the pool's hand-off (queue, futex wake,
 * completion callback) costs the event loop more than that for every small produce and fetch, and
 * appends waiting for the pool queue up. Larger ones (a saturating producer's ~1 MB requests) keep
 * the pool, where the copy overlaps the event loop's work. Kafka's request handler threads likewise
 * write and read the page cache directly. 256 KiB: at 60-100 k msgs/s paced (~60-100 KiB per
 * produce) its p50 was 0.8-2.1 ms where 64 KiB gave 1.1-5.8 ms (bench/optimisations-latency.md).
 */
export const SYNC_IO_MAX_BYTES = 256 * 1024;

/** Open modes storage needs: read-only, read-write of an existing file, create-exclusive read-write. */
export type OpenMode = "r" | "r+" | "wx+";

export interface StorageFs {
  open(path: string, mode: OpenMode): Promise<StorageFile>;
  readdir(dir: string): Promise<string[]>;
  mkdir(dir: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  /** Removes a directory and everything under it; no error if it is absent. */
  rmdir(dir: string): Promise<void>;
  exists(path: string): Promise<boolean>;
  readFile(path: string): Promise<Buffer>;
  /** Makes creations, renames and unlinks of entries in `dir` durable. */
  syncDir(dir: string): Promise<void>;
}

/** Threads for the group-commit rounds' fdatasync (see SyncThreads): as many as libuv's pool. */
const syncThreads = new SyncThreads(4);

export const nodeFs: StorageFs = {
  open: async (path, mode) => {
    const handle = await fsp.open(path, mode);
    // The handle's own datasync would run on libuv's pool, which file reads and writes share.
    return Object.assign(handle, {
      datasync: () => syncThreads.datasync(handle.fd),
      writeSync: (buffer: Buffer, offset: number, length: number, position: number) =>
        writeSync(handle.fd, buffer, offset, length, position),
      readSync: (buffer: Buffer, offset: number, length: number, position: number) =>
        readSync(handle.fd, buffer, offset, length, position),
    });
  },
  readdir: (dir) => fsp.readdir(dir),
  mkdir: async (dir) => {
    await fsp.mkdir(dir, { recursive: true });
  },
  rename: (from, to) => fsp.rename(from, to),
  unlink: (path) => fsp.unlink(path),
  rmdir: (dir) => fsp.rm(dir, { recursive: true, force: true }),
  exists: async (path) => {
    try {
      await fsp.access(path);
      return true;
    } catch {
      return false;
    }
  },
  readFile: (path) => fsp.readFile(path),
  syncDir: async (dir) => {
    const handle = await fsp.open(dir, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
};

/** Writes the whole buffer at `position`, looping over short writes. */
export async function writeFully(file: StorageFile, buf: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    const { bytesWritten } = await file.write(buf, done, buf.length - done, position + done);
    done += bytesWritten;
  }
}

/** Reads up to `length` bytes at `position` into `buf`, looping over short reads; returns bytes read (less only at EOF). */
export async function readFully(
  file: StorageFile,
  buf: Buffer,
  offset: number,
  length: number,
  position: number,
): Promise<number> {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await file.read(buf, offset + done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}

/** writeFully on the calling thread; false (nothing written) if the file has no synchronous write. */
export function writeFullyNow(file: StorageFile, buf: Buffer, position: number): boolean {
  if (file.writeSync === undefined) return false;
  let done = 0;
  while (done < buf.length) done += file.writeSync(buf, done, buf.length - done, position + done);
  return true;
}

/** readFully on the calling thread; undefined (nothing read) if the file has no synchronous read. */
export function readFullyNow(
  file: StorageFile,
  buf: Buffer,
  offset: number,
  length: number,
  position: number,
): number | undefined {
  if (file.readSync === undefined) return undefined;
  let done = 0;
  while (done < length) {
    const got = file.readSync(buf, offset + done, length - done, position + done);
    if (got === 0) break;
    done += got;
  }
  return done;
}
