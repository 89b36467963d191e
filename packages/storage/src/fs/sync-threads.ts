import { constants } from "node:os";
import { Worker } from "node:worker_threads";
import { assert } from "@samsa/common";

/**
 * fdatasync on dedicated threads instead of libuv's pool. The pool (4 threads by default) also runs
 * every file read and write; with several partitions in a group-commit round at once, syncs of a
 * few milliseconds each would occupy it and make appends and fetch reads wait behind them.
 *
 * A request and its reply go through a shared control block (Atomics.notify to the thread,
 * Atomics.waitAsync back) rather than postMessage: a message costs the main thread about 19 us idle
 * and 60-90 us under load per round (serialising, a message queue on both sides), a group-commit
 * round's whole hand-off (bench/optimisations-latency.md).
 */

/** Int32 slots of a thread's control block. */
const REQUESTED = 0;
const FD = 1;
const DONE = 2;
const ERRNO = 3;
/** REQUESTED set to this stops the thread. */
const STOP = -1;

const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const { fdatasyncSync } = require("node:fs");
const ctl = new Int32Array(workerData);
let seen = 0;
for (;;) {
  Atomics.wait(ctl, ${REQUESTED}, seen);
  const requested = Atomics.load(ctl, ${REQUESTED});
  if (requested === ${STOP}) break;
  if (requested === seen) continue;
  seen = requested;
  let errno = 0;
  try {
    fdatasyncSync(Atomics.load(ctl, ${FD}));
  } catch (err) {
    errno = typeof err.errno === "number" && err.errno !== 0 ? Math.abs(err.errno) : -1;
  }
  Atomics.store(ctl, ${ERRNO}, errno);
  Atomics.store(ctl, ${DONE}, seen);
  Atomics.notify(ctl, ${DONE});
}
`;

type WaitAsyncResult = { async: false; value: "not-equal" | "timed-out" } | { async: true; value: Promise<string> };

/** Atomics.waitAsync (V8; Node 16 and later), which the project's ES2022 lib does not declare. */
const waitAsync = (Atomics as unknown as { waitAsync(a: Int32Array, index: number, value: number): WaitAsyncResult })
  .waitAsync;

const ERRNO_NAMES = new Map<number, string>(Object.entries(constants.errno).map(([name, n]) => [n, name]));

function syncError(errno: number): Error {
  const code = ERRNO_NAMES.get(errno) ?? "EIO";
  return Object.assign(new Error(`fdatasync: ${code}`), { code, errno: -errno });
}

interface Request {
  fd: number;
  resolve(): void;
  reject(err: Error): void;
}

/** One thread, one sync at a time; the rest wait in order. */
class SyncThread {
  readonly #worker: Worker;
  readonly #ctl = new Int32Array(new SharedArrayBuffer(4 * Int32Array.BYTES_PER_ELEMENT));
  /**
   * Syncs waiting for this thread, the first one running. Bounded by the open logs: each has at
   * most one group-commit round (one sync of its active segment) at a time.
   */
  readonly #queue: Request[] = [];
  #seq = 0;
  #dead: Error | undefined;

  constructor(onExit: () => void) {
    this.#worker = new Worker(WORKER_SOURCE, { eval: true, workerData: this.#ctl.buffer });
    // Idle sync threads must not keep the process alive; a sync in flight keeps it referenced.
    this.#worker.unref();
    this.#worker.on("error", (err) => this.#failAll(err));
    this.#worker.on("exit", () => {
      this.#failAll(new Error("sync thread exited"));
      onExit();
    });
  }

  get inFlight(): number {
    return this.#queue.length;
  }

  datasync(fd: number): Promise<void> {
    if (this.#dead !== undefined) return Promise.reject(this.#dead);
    return new Promise((resolve, reject) => {
      this.#queue.push({ fd, resolve, reject });
      if (this.#queue.length === 1) {
        this.#worker.ref();
        this.#start(fd);
      }
    });
  }

  /** Syncs queued or in flight fail once the thread has exited. */
  async terminate(): Promise<void> {
    this.#dead ??= new Error("sync thread stopped");
    Atomics.store(this.#ctl, REQUESTED, STOP);
    Atomics.notify(this.#ctl, REQUESTED);
    await this.#worker.terminate();
  }

  #start(fd: number): void {
    // Never STOP (-1): the sequence wraps within the positive int32 range.
    this.#seq = this.#seq === 0x7fffffff ? 1 : this.#seq + 1;
    const seq = this.#seq;
    const before = Atomics.load(this.#ctl, DONE);
    Atomics.store(this.#ctl, FD, fd);
    Atomics.store(this.#ctl, REQUESTED, seq);
    Atomics.notify(this.#ctl, REQUESTED);
    const waited = waitAsync(this.#ctl, DONE, before);
    if (waited.async) void waited.value.then(() => this.#finished(seq));
    else this.#finished(seq);
  }

  #finished(seq: number): void {
    if (this.#dead !== undefined) return;
    assert(Atomics.load(this.#ctl, DONE) === seq, "sync thread answered another request");
    const errno = Atomics.load(this.#ctl, ERRNO);
    const done = this.#queue.shift();
    assert(done !== undefined, "reply to an unknown sync");
    const next = this.#queue[0];
    if (next === undefined) this.#worker.unref();
    else this.#start(next.fd);
    if (errno === 0) done.resolve();
    else done.reject(syncError(errno));
  }

  #failAll(err: Error): void {
    this.#dead ??= err;
    for (const r of this.#queue) r.reject(this.#dead);
    this.#queue.length = 0;
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
