import { assert } from "@samsa/common";
import { ReadAheads } from "./read-ahead.js";

const MIN_CLASS_BYTES = 4096;

/**
 * Reusable read buffers in size classes. Released buffers are kept until
 * `maxPooledBytes` is reached; beyond it they are left to the garbage collector.
 */
export class BufferPool {
  private readonly free = new Map<number, Buffer[]>();
  private pooledBytes = 0;
  /** Sequential readers' next bytes, read early: a quarter of the pool's bound. */
  readonly readAheads: ReadAheads;

  constructor(readonly maxPooledBytes: number) {
    assert(maxPooledBytes >= 0, "maxPooledBytes must not be negative");
    this.readAheads = new ReadAheads(this, Math.floor(maxPooledBytes / 4));
  }

  /** Size classes are quarter steps between powers of two (4, 5, 6, 7, 8, 10, 12 ... KiB): at most 25% waste. */
  static classSize(bytes: number): number {
    if (bytes <= MIN_CLASS_BYTES) return MIN_CLASS_BYTES;
    let pow = MIN_CLASS_BYTES;
    while (pow * 2 < bytes) pow *= 2;
    const step = pow / 4;
    return Math.ceil(bytes / step) * step;
  }

  /** A buffer of at least `bytes` bytes (contents undefined). */
  acquire(bytes: number): Buffer {
    const size = BufferPool.classSize(bytes);
    const list = this.free.get(size);
    const buf = list?.pop();
    if (buf) {
      this.pooledBytes -= size;
      return buf;
    }
    return Buffer.allocUnsafeSlow(size);
  }

  release(buf: Buffer): void {
    const size = buf.buffer.byteLength;
    if (size !== BufferPool.classSize(size) || this.pooledBytes + size > this.maxPooledBytes) return;
    const whole = buf.byteOffset === 0 && buf.length === size ? buf : Buffer.from(buf.buffer, 0, size);
    let list = this.free.get(size);
    if (!list) {
      list = [];
      this.free.set(size, list);
    }
    list.push(whole);
    this.pooledBytes += size;
  }

  get bytesPooled(): number {
    return this.pooledBytes;
  }
}
