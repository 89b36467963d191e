import { posix } from "node:path";
import type { Random } from "@samsa/common";
import type { OpenMode, StorageFile, StorageFs } from "../fs/storage-fs.js";

type PendingOp = { kind: "write"; position: number; bytes: Buffer } | { kind: "truncate"; length: number };

/** File contents as the process sees them and as the disk holds them after the last sync. */
class Inode {
  /** Capacity grows by doubling so appends stay linear; `length` bytes are the file. */
  private buf: Buffer = Buffer.alloc(0);
  private length = 0;
  durable: Buffer = Buffer.alloc(0);
  pending: PendingOp[] = [];
  syncCount = 0;

  get data(): Buffer {
    return this.buf.subarray(0, this.length);
  }

  set data(bytes: Buffer) {
    this.buf = Buffer.from(bytes);
    this.length = bytes.length;
  }

  private reserve(size: number): void {
    if (size <= this.buf.length) return;
    const grown = Buffer.alloc(Math.max(size, this.buf.length * 2, 4096));
    this.buf.copy(grown, 0, 0, this.length);
    this.buf = grown;
  }

  write(position: number, bytes: Buffer): void {
    this.reserve(position + bytes.length);
    if (position > this.length) this.buf.fill(0, this.length, position);
    bytes.copy(this.buf, position);
    this.length = Math.max(this.length, position + bytes.length);
  }

  truncate(length: number): void {
    this.reserve(length);
    if (length > this.length) this.buf.fill(0, this.length, length);
    this.length = length;
  }
}

interface Dir {
  entries: Map<string, Inode>;
  /** The entries a power loss keeps: updated by syncDir. */
  durableEntries: Map<string, Inode>;
}

function fsError(code: string, path: string): Error {
  return Object.assign(new Error(`${code}: ${path}`), { code });
}

function applyWrite(data: Buffer, position: number, bytes: Buffer): Buffer {
  const end = position + bytes.length;
  const out = end > data.length ? Buffer.concat([data, Buffer.alloc(end - data.length)]) : data;
  bytes.copy(out, position);
  return out;
}

function applyTruncate(data: Buffer, length: number): Buffer {
  if (length <= data.length) return Buffer.from(data.subarray(0, length));
  return Buffer.concat([data, Buffer.alloc(length - data.length)]);
}

/**
 * An in-memory disk with a page cache: writes are visible at once but survive `powerLoss` only
 * once fsynced (file data by `sync`, directory entries by `syncDir`). A power loss keeps a random
 * prefix of the unsynced writes of each file, the last one possibly torn, as real disks may.
 * Directory creation and removal are treated as durable at once (storage fsyncs parents anyway).
 */
export class SimFs implements StorageFs {
  private readonly dirs = new Map<string, Dir>();
  private generation = 0;
  fileSyncs = 0;
  dirSyncs = 0;
  /** Fault injection: the next write or sync of a file fails with EIO (the write stores half). */
  failNext: "write" | "sync" | undefined;

  /**
   * @param syncDelayMs simulated fsync latency (lets group commit show in tests)
   * @param jitter if given, reads and writes yield to the event loop at random, so concurrent
   *   operations interleave differently per seed
   */
  constructor(
    private readonly syncDelayMs = 0,
    private readonly jitter?: Random,
  ) {
    this.dirs.set("/", { entries: new Map(), durableEntries: new Map() });
  }

  private dir(path: string): Dir {
    const d = this.dirs.get(posix.normalize(path));
    if (!d) throw fsError("ENOENT", path);
    return d;
  }

  private split(path: string): { dir: Dir; name: string } {
    const p = posix.normalize(path);
    return { dir: this.dir(posix.dirname(p)), name: posix.basename(p) };
  }

  async open(path: string, mode: OpenMode): Promise<StorageFile> {
    const { dir, name } = this.split(path);
    let inode = dir.entries.get(name);
    if (mode === "wx+") {
      if (inode || this.dirs.has(posix.normalize(path))) throw fsError("EEXIST", path);
      inode = new Inode();
      dir.entries.set(name, inode);
    }
    if (!inode) throw fsError("ENOENT", path);
    return this.handle(inode, mode !== "r", path);
  }

  private handle(inode: Inode, writable: boolean, path: string): StorageFile {
    const generation = this.generation;
    let closed = false;
    const check = () => {
      if (closed || generation !== this.generation) throw fsError("EBADF", path);
    };
    const fs = this;
    return {
      async read(buffer, offset, length, position) {
        await fs.maybeYield();
        check();
        const n = Math.max(0, Math.min(length, inode.data.length - position));
        if (n > 0) inode.data.copy(buffer, offset, position, position + n);
        return { bytesRead: n, buffer };
      },
      async write(buffer, offset, length, position) {
        await fs.maybeYield();
        check();
        if (!writable) throw fsError("EBADF", path);
        if (fs.failNext === "write") {
          fs.failNext = undefined;
          const half = Buffer.from(buffer.subarray(offset, offset + (length >> 1)));
          inode.write(position, half);
          inode.pending.push({ kind: "write", position, bytes: half });
          throw fsError("EIO", path);
        }
        const bytes = Buffer.from(buffer.subarray(offset, offset + length));
        inode.write(position, bytes);
        inode.pending.push({ kind: "write", position, bytes });
        return { bytesWritten: length, buffer };
      },
      async sync() {
        check();
        if (fs.syncDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, fs.syncDelayMs));
        check();
        if (fs.failNext === "sync") {
          fs.failNext = undefined;
          throw fsError("EIO", path);
        }
        inode.durable = Buffer.from(inode.data);
        inode.pending = [];
        inode.syncCount++;
        fs.fileSyncs++;
      },
      // Simulated files have no metadata apart from their size, which fdatasync covers too.
      datasync() {
        return this.sync();
      },
      async truncate(length) {
        check();
        if (!writable) throw fsError("EBADF", path);
        inode.truncate(length);
        inode.pending.push({ kind: "truncate", length });
      },
      async stat() {
        check();
        return { size: inode.data.length };
      },
      async close() {
        check();
        closed = true;
      },
    };
  }

  private async maybeYield(): Promise<void> {
    if (this.jitter && this.jitter.next() < 0.5) await new Promise((resolve) => setImmediate(resolve));
  }

  async readdir(path: string): Promise<string[]> {
    const p = posix.normalize(path);
    const d = this.dir(p);
    const names = [...d.entries.keys()];
    for (const key of this.dirs.keys()) {
      if (key !== p && posix.dirname(key) === p) names.push(posix.basename(key));
    }
    return names.sort();
  }

  async mkdir(path: string): Promise<void> {
    const p = posix.normalize(path);
    if (this.dirs.has(p)) return;
    const parent = posix.dirname(p);
    if (parent !== p) await this.mkdir(parent);
    this.dirs.set(p, { entries: new Map(), durableEntries: new Map() });
  }

  async rename(from: string, to: string): Promise<void> {
    const f = posix.normalize(from);
    const t = posix.normalize(to);
    if (this.dirs.has(f)) {
      for (const [key, d] of [...this.dirs]) {
        if (key === f || key.startsWith(`${f}/`)) {
          this.dirs.delete(key);
          this.dirs.set(t + key.slice(f.length), d);
        }
      }
      return;
    }
    const src = this.split(f);
    const inode = src.dir.entries.get(src.name);
    if (!inode) throw fsError("ENOENT", from);
    const dst = this.split(t);
    src.dir.entries.delete(src.name);
    dst.dir.entries.set(dst.name, inode);
  }

  async unlink(path: string): Promise<void> {
    const { dir, name } = this.split(path);
    if (!dir.entries.delete(name)) throw fsError("ENOENT", path);
  }

  async rmdir(path: string): Promise<void> {
    const p = posix.normalize(path);
    for (const key of [...this.dirs.keys()]) {
      if (key === p || key.startsWith(`${p}/`)) this.dirs.delete(key);
    }
  }

  async exists(path: string): Promise<boolean> {
    const p = posix.normalize(path);
    if (this.dirs.has(p)) return true;
    const d = this.dirs.get(posix.dirname(p));
    return d?.entries.has(posix.basename(p)) ?? false;
  }

  async readFile(path: string): Promise<Buffer> {
    const { dir, name } = this.split(path);
    const inode = dir.entries.get(name);
    if (!inode) throw fsError("ENOENT", path);
    return Buffer.from(inode.data);
  }

  async syncDir(path: string): Promise<void> {
    const d = this.dir(path);
    d.durableEntries = new Map(d.entries);
    this.dirSyncs++;
  }

  /** Test helper: the current bytes of a file (what a reader sees), or undefined if absent. */
  peek(path: string): Buffer | undefined {
    const d = this.dirs.get(posix.dirname(posix.normalize(path)));
    return d?.entries.get(posix.basename(path))?.data;
  }

  /** Test helper: overwrites bytes in place without going through a handle (bit rot, operator error). */
  corrupt(path: string, position: number, bytes: Buffer): void {
    const { dir, name } = this.split(path);
    const inode = dir.entries.get(name);
    if (!inode) throw fsError("ENOENT", path);
    inode.write(position, bytes);
    inode.durable = applyWrite(inode.durable, position, bytes);
  }

  /**
   * Power loss: every file falls back to its synced contents plus a random prefix of its unsynced
   * writes (the last possibly torn); unsynced directory entries vanish; open handles go stale.
   */
  powerLoss(random: Random): void {
    this.generation++;
    const seen = new Set<Inode>();
    for (const d of this.dirs.values()) {
      d.entries = new Map(d.durableEntries);
      for (const inode of d.entries.values()) {
        if (seen.has(inode)) continue;
        seen.add(inode);
        let data: Buffer = Buffer.from(inode.durable);
        const keep = Math.floor(random.next() * (inode.pending.length + 1));
        for (let i = 0; i < keep; i++) {
          const op = inode.pending[i];
          data = op.kind === "write" ? applyWrite(data, op.position, op.bytes) : applyTruncate(data, op.length);
        }
        const torn = inode.pending[keep];
        if (torn?.kind === "write" && random.next() < 0.5) {
          const n = Math.floor(random.next() * torn.bytes.length);
          data = applyWrite(data, torn.position, torn.bytes.subarray(0, n));
        }
        inode.data = data;
        inode.durable = Buffer.from(data);
        inode.pending = [];
      }
    }
  }
}
