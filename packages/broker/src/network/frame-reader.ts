/** Why a connection's byte stream cannot be framed; the connection is closed. */
export class FrameError extends Error {
  override readonly name = "FrameError";
}

/**
 * Splits a byte stream into Kafka frames (int32 size + payload). Chunks are kept as received and a
 * frame wholly inside one is returned as a view. A frame that spans reads is allocated once, as
 * soon as its size is known, and filled as chunks arrive: the chunks die at once instead of
 * waiting (and being promoted by the garbage collector) until a 1 MB produce request is complete.
 * Holds at most one frame plus one read's worth of bytes.
 */
export class FrameReader {
  #chunks: Buffer[] = [];
  #offset = 0;
  #buffered = 0;
  /** The frame being filled, once its size is known and it spans chunks. */
  #partial: Buffer | undefined;
  #filled = 0;
  #maxFrameBytes: number;
  readonly #alloc: (bytes: number) => Buffer;
  /** The buffer behind the frame being filled, and behind the last frame `next` returned. */
  #allocation: Buffer | undefined;
  #returnedAllocation: Buffer | undefined;
  /** The region `readTarget` last gave out. */
  #target: Buffer | undefined;

  /** `alloc` gives frames that span reads their buffer (at least `bytes` long), e.g. from a pool. */
  constructor(maxFrameBytes: number, alloc: (bytes: number) => Buffer = Buffer.allocUnsafe) {
    this.#maxFrameBytes = maxFrameBytes;
    this.#alloc = alloc;
  }

  /**
   * The buffer from `alloc` behind the frame `next` returned last, once; undefined when that frame
   * is a view of a socket read. The caller may give it back to its pool when done with the frame.
   */
  takeAllocation(): Buffer | undefined {
    const a = this.#returnedAllocation;
    this.#returnedAllocation = undefined;
    return a;
  }

  /** Changes the limit for frames whose size is not read yet (SASL: smaller until authenticated). */
  setMaxFrameBytes(maxFrameBytes: number): void {
    this.#maxFrameBytes = maxFrameBytes;
  }

  get bufferedBytes(): number {
    return this.#buffered + this.#filled;
  }

  /**
   * Where the next socket read may land directly: the rest of the frame being filled, when nothing
   * else is buffered before it. Undefined: read into a scratch buffer and `pushRead` it.
   */
  readTarget(): Buffer | undefined {
    const partial = this.#partial;
    if (partial === undefined || this.#chunks.length > 0 || this.#filled === partial.length) {
      this.#target = undefined;
      return undefined;
    }
    this.#target = partial.subarray(this.#filled);
    return this.#target;
  }

  /**
   * `bytes` were read into `into`: the buffer `readTarget` gave (nothing to copy), or a scratch
   * buffer that is reused after this call, so what is kept of it is copied.
   */
  pushRead(into: Buffer, bytes: number): void {
    if (into === this.#target) {
      this.#target = undefined;
      this.#filled += bytes;
      return;
    }
    const chunk = this.#fillPartial(into.subarray(0, bytes));
    if (chunk.length === 0) return;
    if (this.#chunks.length === 0 && this.#startFrame(chunk)) return;
    this.push(Buffer.from(chunk));
  }

  /** Copies what belongs to the frame being filled (when nothing is buffered before it); returns the rest. */
  #fillPartial(chunk: Buffer): Buffer {
    const partial = this.#partial;
    if (partial === undefined || this.#chunks.length > 0) return chunk;
    const n = Math.min(chunk.length, partial.length - this.#filled);
    chunk.copy(partial, this.#filled, 0, n);
    this.#filled += n;
    return chunk.subarray(n);
  }

  /**
   * A read that begins a frame larger than itself: the frame's buffer is taken now and the read
   * copied into it once, rather than kept as a copy until `next` moves it there.
   */
  #startFrame(chunk: Buffer): boolean {
    if (this.#partial !== undefined || chunk.length < 4) return false;
    const size = chunk.readInt32BE(0);
    // Invalid sizes are left to `next`, which reports them.
    if (size < 0 || size > this.#maxFrameBytes || chunk.length >= 4 + size) return false;
    this.#allocation = this.#alloc(size);
    this.#partial = this.#allocation.subarray(0, size);
    this.#filled = chunk.copy(this.#partial, 0, 4);
    return true;
  }

  push(chunk: Buffer): void {
    const rest = this.#fillPartial(chunk);
    if (rest.length === 0) return;
    this.#chunks.push(rest);
    this.#buffered += rest.length;
  }

  /** The next complete frame's payload, or undefined. Throws FrameError on an invalid size. */
  next(): Buffer | undefined {
    this.#returnedAllocation = undefined;
    const partial = this.#partial;
    if (partial !== undefined) {
      this.#fill(partial);
      if (this.#filled < partial.length) return undefined;
      this.#partial = undefined;
      this.#filled = 0;
      this.#returnedAllocation = this.#allocation;
      this.#allocation = undefined;
      return partial;
    }
    if (this.#buffered < 4) return undefined;
    const size = this.#peekInt32();
    if (size < 0 || size > this.#maxFrameBytes) {
      throw new FrameError(`invalid frame size ${size} (socket.request.max.bytes=${this.#maxFrameBytes})`);
    }
    if (this.#buffered < 4 + size) {
      // Not all here yet: allocate the frame now and fill it as reads arrive.
      this.#take(4);
      this.#allocation = this.#alloc(size);
      this.#partial = this.#allocation.subarray(0, size);
      this.#fill(this.#partial);
      return undefined;
    }
    this.#take(4);
    return this.#take(size);
  }

  /** Moves buffered chunks into the frame being filled. */
  #fill(frame: Buffer): void {
    while (this.#filled < frame.length && this.#chunks.length > 0) {
      const c = this.#chunks[0];
      const n = c.copy(
        frame,
        this.#filled,
        this.#offset,
        Math.min(c.length, this.#offset + frame.length - this.#filled),
      );
      this.#filled += n;
      this.#consume(c, n);
    }
  }

  #consume(first: Buffer, n: number): void {
    this.#buffered -= n;
    this.#offset += n;
    if (this.#offset === first.length) {
      this.#chunks.shift();
      this.#offset = 0;
    }
  }

  #peekInt32(): number {
    const first = this.#chunks[0];
    if (first.length - this.#offset >= 4) return first.readInt32BE(this.#offset);
    const b = Buffer.allocUnsafe(4);
    let n = 0;
    for (let i = 0, off = this.#offset; n < 4; i++, off = 0)
      n += this.#chunks[i].copy(b, n, off, Math.min(this.#chunks[i].length, off + 4 - n));
    return b.readInt32BE(0);
  }

  #take(n: number): Buffer {
    const first = this.#chunks[0];
    if (first !== undefined && first.length - this.#offset >= n) {
      const out = first.subarray(this.#offset, this.#offset + n);
      this.#consume(first, n);
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const c = this.#chunks[0];
      const copied = c.copy(out, filled, this.#offset, Math.min(c.length, this.#offset + n - filled));
      filled += copied;
      this.#consume(c, copied);
    }
    return out;
  }
}
