import { assert } from "@samsa/common";
import type { OpenMode, StorageFile, StorageFs } from "./fs/storage-fs.js";

/**
 * A bounded LRU of open file handles. Files are opened on demand and pinned while an operation
 * runs; beyond `maxOpen` the least recently used unpinned handle is closed. The kernel keeps
 * dirty pages per inode, so a later fsync on a reopened handle still covers earlier writes.
 */
export class FilePool {
  /** Insertion order is recency order: the first entry is the least recently used. */
  private readonly open = new Map<PooledFile, StorageFile>();

  constructor(
    readonly fs: StorageFs,
    readonly maxOpen: number,
  ) {
    assert(maxOpen >= 1, "maxOpen must be positive");
  }

  get openCount(): number {
    return this.open.size;
  }

  file(path: string, mode: OpenMode = "r+"): PooledFile {
    return new PooledFile(this, path, mode);
  }

  /** @internal */
  async acquire(file: PooledFile): Promise<StorageFile> {
    let handle = this.open.get(file);
    if (handle) {
      this.open.delete(file);
    } else {
      if (file.retired) throw new RetiredFileError(file.path);
      handle = await file.fs().open(file.path, file.mode);
      const raced = this.open.get(file);
      if (raced) {
        await handle.close();
        handle = raced;
        this.open.delete(file);
      }
    }
    this.open.set(file, handle);
    await this.evict();
    return handle;
  }

  /** @internal The open handle, made most recently used; undefined if closed (acquire opens it). */
  touch(file: PooledFile): StorageFile | undefined {
    const handle = this.open.get(file);
    if (handle === undefined) return undefined;
    this.open.delete(file);
    this.open.set(file, handle);
    return handle;
  }

  private async evict(): Promise<void> {
    for (const [file, handle] of this.open) {
      if (this.open.size <= this.maxOpen) return;
      if (file.pins > 0) continue;
      this.open.delete(file);
      await handle.close();
    }
  }

  /** @internal Closes the handle now, or when the last pin drops. */
  async release(file: PooledFile): Promise<void> {
    const handle = this.open.get(file);
    if (!handle) return;
    if (file.pins > 0) {
      file.closeWhenUnpinned = true;
      return;
    }
    this.open.delete(file);
    await handle.close();
  }
}

/** The file was replaced or deleted under a reader holding an old segment: retry with the current ones. */
export class RetiredFileError extends Error {
  override readonly name = "RetiredFileError";
  constructor(path: string) {
    super(`${path} was replaced or deleted`);
  }
}

export class PooledFile {
  pins = 0;
  /** Replaced or deleted: operations already holding the handle finish, new ones fail. */
  retired = false;
  closeWhenUnpinned = false;

  constructor(
    private readonly pool: FilePool,
    public path: string,
    readonly mode: OpenMode,
  ) {}

  /** @internal */
  fs() {
    return this.pool.fs;
  }

  /** Runs `fn` with an open handle that stays open until `fn` settles. */
  async use<T>(fn: (handle: StorageFile) => Promise<T>): Promise<T> {
    this.pins++;
    try {
      const handle = await this.pool.acquire(this);
      return await fn(handle);
    } finally {
      this.pins--;
      if (this.pins === 0 && this.closeWhenUnpinned) {
        this.closeWhenUnpinned = false;
        await this.pool.release(this);
      }
    }
  }

  /**
   * Runs the synchronous `fn` in this turn if the handle is open, so nothing can close it
   * meanwhile; undefined (fn not run) when it is closed and `use` has to open it.
   */
  useNow<T>(fn: (handle: StorageFile) => T): T | undefined {
    const handle = this.retired ? undefined : this.pool.touch(this);
    return handle === undefined ? undefined : fn(handle);
  }

  /** Closes the handle if open; the next `use` reopens it. */
  async close(): Promise<void> {
    await this.pool.release(this);
  }

  /** Stops new uses (RetiredFileError) and closes the handle once in-flight uses finish. */
  async retire(): Promise<void> {
    this.retired = true;
    await this.close();
  }

  /** Renames the file, closing the handle first so the next `use` opens the new path. */
  async rename(to: string): Promise<void> {
    await this.close();
    await this.pool.fs.rename(this.path, to);
    this.path = to;
  }
}
