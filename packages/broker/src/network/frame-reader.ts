/** Why a connection's byte stream cannot be framed; the connection is closed. */
export class FrameError extends Error {
  override readonly name = "FrameError";
}

/**
 * Splits a byte stream into Kafka frames (int32 size + payload). Chunks are kept as received; a
 * frame is copied only when it spans chunks. Holds at most one frame plus one read's worth of bytes.
 */
export class FrameReader {
  #chunks: Buffer[] = [];
  #offset = 0;
  #buffered = 0;
  readonly #maxFrameBytes: number;

  constructor(maxFrameBytes: number) {
    this.#maxFrameBytes = maxFrameBytes;
  }

  get bufferedBytes(): number {
    return this.#buffered;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
  }

  /** The next complete frame's payload, or undefined. Throws FrameError on an invalid size. */
  next(): Buffer | undefined {
    if (this.#buffered < 4) return undefined;
    const size = this.#peekInt32();
    if (size < 0 || size > this.#maxFrameBytes) {
      throw new FrameError(`invalid frame size ${size} (socket.request.max.bytes=${this.#maxFrameBytes})`);
    }
    if (this.#buffered < 4 + size) return undefined;
    this.#skip(4);
    return this.#take(size);
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

  #skip(n: number): void {
    this.#take(n);
  }

  #take(n: number): Buffer {
    this.#buffered -= n;
    const first = this.#chunks[0];
    if (first !== undefined && first.length - this.#offset >= n) {
      const out = first.subarray(this.#offset, this.#offset + n);
      this.#offset += n;
      if (this.#offset === first.length) {
        this.#chunks.shift();
        this.#offset = 0;
      }
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const c = this.#chunks[0];
      const copied = c.copy(out, filled, this.#offset, Math.min(c.length, this.#offset + n - filled));
      filled += copied;
      this.#offset += copied;
      if (this.#offset === c.length) {
        this.#chunks.shift();
        this.#offset = 0;
      }
    }
    return out;
  }
}
