import type { Clock } from "@samsa/common";
import { BufferPool } from "../buffer-pool.js";
import { type LogConfig, defaultLogConfig } from "../config.js";
import { FilePool } from "../file-pool.js";
import type { StorageFs } from "../fs/storage-fs.js";
import { IndexCache } from "../index/index-cache.js";
import { Log, type LogOpenOptions } from "../log.js";

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  constructor(public now = 1_700_000_000_000) {}
  nowMs(): number {
    return this.now;
  }
  monotonicMs(): number {
    return this.now;
  }
  advance(ms: number): void {
    this.now += ms;
  }
}

export interface TestLogOptions extends Partial<Omit<LogOpenOptions, "config" | "dir">> {
  config?: Partial<LogConfig>;
}

export function openTestLog(fs: StorageFs, dir: string, opts: TestLogOptions = {}): Promise<Log> {
  return Log.open({
    dir,
    config: { ...defaultLogConfig, ...opts.config },
    pool: opts.pool ?? new FilePool(fs, 100),
    indexCache: opts.indexCache ?? new IndexCache(1024 * 1024),
    buffers: opts.buffers ?? new BufferPool(1024 * 1024),
    clock: opts.clock ?? new ManualClock(),
    recoveryPoint: opts.recoveryPoint,
    logStartOffset: opts.logStartOffset,
    hadCleanShutdown: opts.hadCleanShutdown,
  });
}
