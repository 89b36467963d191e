import { Worker } from "node:worker_threads";
import { assert } from "@samsa/common";

/**
 * fdatasync on dedicated threads instead of libuv's pool. The pool (4 threads by default) also runs
 * every file read and write; with several partitions in a group-commit round at once, syncs of a
 * few milliseconds each would occupy it and make appends and fetch reads wait behind them.
 */
const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const { fdatasyncSync } = require("node:fs");
parentPort.on("message", ({ id, fd }) => {
  try {
    fdatasyncSync(fd);
    parentPort.postMessage({ id });
  } catch (err) {
    parentPort.postMessage({ id, code: err.code ?? "EIO", message: String(err.message ?? err) });
  }
});
`;

interface Reply {
  id: number;
  code?: string;
  message?: string;
}

interface Pending {
  resolve(): void;
  reject(err: Error): void;
}

class SyncThread {
  readonly #worker: Worker;
  /** One entry per sync in flight on this thread: at most one per partition round. */
  readonly #pending = new Map<number, Pending>();
  #nextId = 0;

  constructor(onExit: () => void) {
    this.#worker = new Worker(WORKER_SOURCE, { eval: true });
    // Idle sync threads must not keep the process alive; a sync in flight keeps it referenced.
    this.#worker.unref();
    this.#worker.on("message", (reply: Reply) => this.#settle(reply));
    this.#worker.on("error", (err) => this.#failAll(err));
    this.#worker.on("exit", () => {
      this.#failAll(new Error("sync thread exited"));
      onExit();
    });
  }

  get inFlight(): number {
    return this.#pending.size;
  }

  datasync(fd: number): Promise<void> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      if (this.#pending.size === 0) this.#worker.ref();
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ id, fd });
    });
  }

  terminate(): Promise<number> {
    return this.#worker.terminate();
  }

  #settle(reply: Reply): void {
    const p = this.#pending.get(reply.id);
    assert(p !== undefined, "reply to an unknown sync");
    this.#pending.delete(reply.id);
    if (this.#pending.size === 0) this.#worker.unref();
    if (reply.code === undefined) p.resolve();
    else p.reject(Object.assign(new Error(`fdatasync: ${reply.message}`), { code: reply.code }));
  }

  #failAll(err: Error): void {
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
  }
}

/** A fixed set of sync threads; each sync goes to the one with the fewest in flight. */
export class SyncThreads {
  #threads: SyncThread[] = [];

  constructor(readonly size: number) {
    assert(size >= 1, "at least one sync thread");
  }

  datasync(fd: number): Promise<void> {
    let best: SyncThread | undefined;
    for (const t of this.#threads) if (best === undefined || t.inFlight < best.inFlight) best = t;
    // A new thread only when every one has a sync in flight (a thread starts in tens of ms).
    if (best === undefined || (best.inFlight > 0 && this.#threads.length < this.size)) {
      const thread: SyncThread = new SyncThread(() => {
        this.#threads = this.#threads.filter((t) => t !== thread);
      });
      this.#threads.push(thread);
      best = thread;
    }
    return best.datasync(fd);
  }

  /** Stops the threads (syncs in flight fail); later syncs start new ones. */
  async close(): Promise<void> {
    const threads = this.#threads;
    this.#threads = [];
    await Promise.all(threads.map((t) => t.terminate()));
  }
}
