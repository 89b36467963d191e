import type { Socket } from "node:net";
import { BufferPool } from "@samsa/storage";
import type { Logger } from "pino";
import { directReadSocket } from "./direct-reads.js";
import { FrameError, FrameReader } from "./frame-reader.js";
import { countsAgainstBudget, type RequestBudget } from "./request-budget.js";

/** Who is on the other end; handlers see this in their context. */
export interface ConnectionInfo {
  readonly id: number;
  readonly listenerName: string;
  readonly securityProtocol: string;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /**
   * Kafka's principal: "User:<name>" once SASL authenticated it (or the client certificate's DN on
   * an SSL listener with client auth), "User:ANONYMOUS" otherwise.
   */
  principal: string;
}

export const ANONYMOUS_PRINCIPAL = "User:ANONYMOUS";

/**
 * Turns one request frame (without its size prefix) into the response chunks to write (size prefix
 * included), or null when the request gets no response (acks=0 Produce). Throwing closes the
 * connection: that is how decode errors and unknown APIs end it.
 */
export type Dispatcher = (
  frame: Buffer,
  conn: ConnectionInfo,
) => ResponseChunks | null | Promise<ResponseChunks | null>;

/**
 * A response's chunks may carry this callback: it runs once, after the socket has handed all of
 * them to the kernel, so buffers they reference (pooled fetch reads) can be reused from then on.
 * It never runs if the write fails or the connection closes first: those buffers go to the GC.
 */
export const AFTER_WRITE: unique symbol = Symbol("afterWrite");

export type ResponseChunks = readonly Buffer[] & { readonly [AFTER_WRITE]?: () => void };

export interface ConnectionLimits {
  /** socket.request.max.bytes: a larger (or negative) frame size closes the connection. */
  readonly maxFrameBytes: number;
  /** Requests in flight before reading pauses. */
  readonly maxInFlightRequests: number;
  /** Request bytes in flight before reading pauses (one request is always admitted). */
  readonly maxInFlightBytes: number;
  /** connections.max.idle.ms; 0 disables. */
  readonly idleTimeoutMs: number;
}

interface Slot {
  done: boolean;
  response: ResponseChunks | null;
  bytes: number;
  /** Whether this request still holds its share of the broker-wide budget. */
  held: boolean;
  /** A Produce frame's pooled buffer, given back once its handler has finished. */
  frameBuffer: Buffer | undefined;
}

const PRODUCE_API_KEY = 0;

/**
 * Buffers of frames that span socket reads (every large produce request). Only Produce frames go
 * back, once their handler has finished: the records are then in the log and nothing holds a
 * view of them, which other APIs (group metadata, configs) do not promise. A fresh 1 MB buffer per
 * request cost page faults and, as external memory, drove the garbage collector.
 */
const frameBuffers = new BufferPool(16 * 1024 * 1024);
const acquireFrameBuffer = (bytes: number) => frameBuffers.acquire(bytes);

/**
 * Reads that do not go straight into a frame land here, for every connection: the event loop runs
 * one read callback at a time and FrameReader.pushRead copies what it keeps before returning.
 */
const scratchRead = Buffer.allocUnsafe(64 * 1024);

/**
 * One client connection: frames requests, runs them concurrently (pipelining) and writes responses
 * strictly in request order. Reading pauses while too much is in flight (on this connection or,
 * with a RequestBudget, on the whole broker) or the socket's write buffer is full, so memory per
 * connection and per broker is bounded.
 */
export class Connection {
  readonly info: ConnectionInfo;
  readonly #socket: Socket;
  readonly #reader: FrameReader;
  readonly #limits: ConnectionLimits;
  readonly #dispatch: Dispatcher;
  readonly #log: Logger;
  readonly #budget: RequestBudget | undefined;
  /** A frame read but not admitted: the broker-wide budget was spent. Reading is paused meanwhile. */
  #pending: Buffer | undefined;
  #pendingBuffer: Buffer | undefined;
  /**
   * Called by the budget on a release, before the releasing connection reads on: waiting
   * connections get freed room first, in the order they began waiting.
   */
  readonly #wake = () => this.#pump();
  /** In request order; bounded by maxInFlightRequests. */
  readonly #slots: Slot[] = [];
  #inFlightBytes = 0;
  #closing = false;
  #closed = false;
  #waitingForDrain = false;
  /** Set while #pump runs, so a synchronously answered request doesn't recurse into it. */
  #pumping = false;
  readonly #closedPromise: Promise<void>;
  #idleWaiters: (() => void)[] = [];

  /**
   * `directReads`: `accepted` is a plain TCP socket accepted paused; it is re-wrapped so that large
   * frames are read in place (see direct-reads.ts).
   */
  constructor(
    accepted: Socket,
    info: ConnectionInfo,
    limits: ConnectionLimits,
    dispatch: Dispatcher,
    log: Logger,
    budget?: RequestBudget,
    directReads = false,
  ) {
    this.#budget = budget;
    this.info = info;
    this.#limits = limits;
    this.#dispatch = dispatch;
    this.#log = log;
    this.#reader = new FrameReader(limits.maxFrameBytes, acquireFrameBuffer);
    const direct = directReads
      ? directReadSocket(accepted, {
          readTarget: () => this.#reader.readTarget() ?? scratchRead,
          onRead: (bytes, into) => this.#onRead(bytes, into),
        })
      : undefined;
    const socket = direct ?? accepted;
    this.#socket = socket;
    socket.setNoDelay(true);
    this.#closedPromise = new Promise((resolve) => socket.once("close", () => resolve()));
    if (direct === undefined) socket.on("data", (chunk: Buffer) => this.#onData(chunk));
    socket.on("drain", () => {
      this.#waitingForDrain = false;
      this.#pump();
    });
    socket.on("error", (err) => this.#log.debug({ conn: info.id, err: err.message }, "socket error"));
    socket.on("close", () => this.#onClose());
    if (limits.idleTimeoutMs > 0) {
      socket.setTimeout(limits.idleTimeoutMs, () => {
        if (this.#slots.length === 0) this.destroy("idle");
      });
    }
  }

  /** Changes socket.request.max.bytes for frames not read yet (SASL listeners until authenticated). */
  setMaxFrameBytes(maxFrameBytes: number): void {
    this.#reader.setMaxFrameBytes(maxFrameBytes);
  }

  get inFlight(): number {
    return this.#slots.length;
  }

  #onData(chunk: Buffer): void {
    if (this.#closing) return;
    this.#reader.push(chunk);
    this.#pump();
  }

  #onRead(bytes: number, into: Buffer): void {
    if (this.#closing) return;
    this.#reader.pushRead(into, bytes);
    this.#pump();
  }

  #canAdmit(): boolean {
    if (this.#closing || this.#closed || this.#waitingForDrain) return false;
    if (this.#slots.length >= this.#limits.maxInFlightRequests) return false;
    return this.#slots.length === 0 || this.#inFlightBytes < this.#limits.maxInFlightBytes;
  }

  /** Admits buffered frames while under the limits; pauses or resumes reading accordingly. */
  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      this.#admitBuffered();
    } finally {
      this.#pumping = false;
    }
    if (this.#closed) return;
    if (this.#pending === undefined && this.#canAdmit()) this.#socket.resume();
    else this.#socket.pause();
  }

  #admitBuffered(): void {
    while (this.#canAdmit()) {
      const frame = this.#pending ?? this.#nextFrame();
      if (frame === undefined) break;
      const frameBuffer = this.#pending === undefined ? this.#reader.takeAllocation() : this.#pendingBuffer;
      const held = this.#budget !== undefined && countsAgainstBudget(frame);
      if (held && !this.#budget!.tryAcquire(frame.length)) {
        this.#pending = frame;
        this.#pendingBuffer = frameBuffer;
        this.#budget!.wait(this.#wake);
        return;
      }
      this.#pending = undefined;
      this.#pendingBuffer = undefined;
      const produce = frame.length >= 2 && frame.readInt16BE(0) === PRODUCE_API_KEY;
      this.#admit(frame, held, produce ? frameBuffer : undefined);
    }
  }

  #nextFrame(): Buffer | undefined {
    try {
      return this.#reader.next();
    } catch (e) {
      if (e instanceof FrameError) {
        this.destroy(e.message);
        return undefined;
      }
      throw e;
    }
  }

  #admit(frame: Buffer, held: boolean, frameBuffer: Buffer | undefined): void {
    const slot: Slot = { done: false, response: null, bytes: frame.length, held, frameBuffer };
    this.#slots.push(slot);
    this.#inFlightBytes += frame.length;
    let result: ReturnType<Dispatcher>;
    try {
      result = this.#dispatch(frame, this.info);
    } catch (e) {
      this.#fail(slot, e);
      return;
    }
    if (result instanceof Promise) {
      result.then(
        (response) => this.#complete(slot, response),
        (e: unknown) => this.#fail(slot, e),
      );
    } else {
      this.#complete(slot, result);
    }
  }

  #fail(slot: Slot, e: unknown): void {
    slot.done = true;
    this.#release(slot);
    const err = e instanceof Error ? e : new Error(String(e));
    this.#log.warn(
      { conn: this.info.id, remote: this.info.remoteAddress, err: err.message, code: (err as { code?: unknown }).code },
      "closing connection after request failure",
    );
    this.destroy(err.message);
  }

  #complete(slot: Slot, response: ResponseChunks | null): void {
    slot.done = true;
    slot.response = response;
    // Only here, not in #fail: a failed handler may leave appends of other partitions running.
    if (slot.frameBuffer !== undefined) frameBuffers.release(slot.frameBuffer);
    slot.frameBuffer = undefined;
    if (this.#closed) {
      this.#release(slot);
      return;
    }
    this.#flush();
    this.#pump();
  }

  /** Writes finished responses from the head of the queue; later ones wait for earlier ones. */
  #flush(): void {
    let wrote = false;
    const answered: Slot[] = [];
    while (this.#slots.length > 0 && this.#slots[0].done) {
      const slot = this.#slots.shift()!;
      this.#inFlightBytes -= slot.bytes;
      answered.push(slot);
      if (slot.response === null) continue;
      if (!wrote) this.#socket.cork();
      wrote = true;
      const afterWrite = slot.response[AFTER_WRITE];
      const last = slot.response.length - 1;
      for (const [i, chunk] of slot.response.entries()) {
        const done =
          i === last && afterWrite !== undefined
            ? (err?: Error | null) => {
                if (!err) afterWrite();
              }
            : undefined;
        if (!this.#socket.write(chunk, done)) this.#waitingForDrain = true;
      }
    }
    if (wrote) this.#socket.uncork();
    // Released after the loop: a release runs waiting connections, which must not find this one mid-flush.
    for (const slot of answered) this.#release(slot);
    if (this.#slots.length === 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  #release(slot: Slot): void {
    if (!slot.held) return;
    slot.held = false;
    this.#budget!.release(slot.bytes);
  }

  /** Stops reading new requests, lets in-flight ones answer, then ends the connection. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closing = true;
    this.#socket.pause();
    if (this.#slots.length > 0) await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    // Once our last bytes are flushed, don't wait for the client to close its side.
    this.#socket.end(() => this.#socket.destroy());
    await this.#closedPromise;
  }

  destroy(reason: string): void {
    if (this.#closed) return;
    this.#log.debug({ conn: this.info.id, reason }, "closing connection");
    this.#socket.destroy();
    this.#onClose();
  }

  #onClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    // Answered requests give their budget back now; the others do when their handler finishes.
    for (const slot of this.#slots) if (slot.done) this.#release(slot);
    this.#pending = undefined;
    this.#pendingBuffer = undefined;
    this.#budget?.cancel(this.#wake);
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const w of waiters) w();
  }

  get closed(): Promise<void> {
    return this.#closedPromise;
  }
}
