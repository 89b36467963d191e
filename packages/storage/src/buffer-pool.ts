import { assert } from "@samsa/common";

const MIN_CLASS_BYTES = 4096;

/**
 * Reusable read buffers in power-of-two size classes. Released buffers are kept until
 * `maxPooledBytes` is reached; beyond it they are left to the garbage collector.
 */
export class BufferPool {
  private readonly free = new Map<number, Buffer[]>();
  private pooledBytes = 0;

  constructor(readonly maxPooledBytes: number) {
    assert(maxPooledBytes >= 0, "maxPooledBytes must not be negative");
  }

  static classSize(bytes: number): number {
    let size = MIN_CLASS_BYTES;
    while (size < bytes) size *= 2;
    return size;
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
