/**
 * Growable output for encoders. Small values are copied into a scratch buffer; large records
 * buffers are appended as chunks of their own so the broker can hand segment bytes to the socket
 * without copying them (`toBuffers()` for writev, `toBuffer()` when one contiguous buffer is needed).
 */
import { ProtocolError } from "./protocol-error.js";
import { MAX_STRING_BYTES } from "./reader.js";

/** Record data to encode: one buffer, or several (e.g. slices of log segments) sent back to back. */
export type RecordsData = Buffer | readonly Buffer[];

/** Records smaller than this are copied: a separate chunk would cost more than the copy. */
const COPY_BELOW_BYTES = 512;
const INITIAL_CAPACITY = 256;

export class Writer {
  private buf: Buffer;
  private pos = 0;
  /** Start in `buf` of the bytes not yet handed over to `chunks`. */
  private segmentStart = 0;
  /** Logical offset (total bytes written) of `buf[segmentStart]`. */
  private segmentOffset = 0;
  private readonly chunks: Buffer[] = [];

  constructor(initialCapacity = INITIAL_CAPACITY) {
    this.buf = Buffer.allocUnsafe(initialCapacity);
  }

  /** Total number of bytes written so far. */
  get length(): number {
    return this.segmentOffset + this.pos - this.segmentStart;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const used = this.pos - this.segmentStart;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, used + n, INITIAL_CAPACITY));
    this.buf.copy(next, 0, this.segmentStart, this.pos);
    this.buf = next;
    this.segmentStart = 0;
    this.pos = used;
  }

  writeInt8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v & 0xff;
  }

  writeBool(v: boolean): void {
    this.ensure(1);
    this.buf[this.pos++] = v ? 1 : 0;
  }

  writeInt16(v: number): void {
    this.ensure(2);
    const b = this.buf;
    const p = this.pos;
    b[p] = (v >> 8) & 0xff;
    b[p + 1] = v & 0xff;
    this.pos = p + 2;
  }

  writeUInt16(v: number): void {
    this.writeInt16(v);
  }

  writeInt32(v: number): void {
    this.ensure(4);
    const b = this.buf;
    const p = this.pos;
    b[p] = (v >>> 24) & 0xff;
    b[p + 1] = (v >>> 16) & 0xff;
    b[p + 2] = (v >>> 8) & 0xff;
    b[p + 3] = v & 0xff;
    this.pos = p + 4;
  }

  writeUInt32(v: number): void {
    this.writeInt32(v);
  }

  writeInt64(v: bigint): void {
    this.ensure(8);
    this.buf.writeBigInt64BE(v, this.pos);
    this.pos += 8;
  }

  writeFloat64(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
  }

  /** Writes a UUID given in Kafka's display form (22 characters of unpadded base64url). */
  writeUuid(v: string): void {
    if (v.length !== 22) throw new ProtocolError("MALFORMED", `uuid ${JSON.stringify(v)} is not 22 characters`);
    this.ensure(16);
    if (this.buf.write(v, this.pos, 16, "base64url") !== 16) {
      throw new ProtocolError("MALFORMED", `uuid ${JSON.stringify(v)} is not base64url`);
    }
    this.pos += 16;
  }

  writeUnsignedVarint(v: number): void {
    this.ensure(5);
    const b = this.buf;
    let p = this.pos;
    let x = v >>> 0;
    while (x >= 0x80) {
      b[p++] = (x & 0x7f) | 0x80;
      x >>>= 7;
    }
    b[p++] = x;
    this.pos = p;
  }

  /** Length prefix of a string/bytes/array; -1 encodes null. */
  private writeLength(n: number, flexible: boolean, classic16: boolean): void {
    if (flexible) this.writeUnsignedVarint(n + 1);
    else if (classic16) this.writeInt16(n);
    else this.writeInt32(n);
  }

  writeString(v: string, flexible: boolean): void {
    const n = Buffer.byteLength(v, "utf8");
    if (n > MAX_STRING_BYTES) throw new ProtocolError("TOO_LARGE", `string of ${n} bytes exceeds ${MAX_STRING_BYTES}`);
    this.writeLength(n, flexible, true);
    this.ensure(n);
    this.pos += this.buf.write(v, this.pos, n, "utf8");
  }

  writeNullableString(v: string | null, flexible: boolean): void {
    if (v === null) this.writeLength(-1, flexible, true);
    else this.writeString(v, flexible);
  }

  writeBytes(v: Uint8Array, flexible: boolean): void {
    this.writeLength(v.length, flexible, false);
    this.writeRaw(v);
  }

  writeNullableBytes(v: Uint8Array | null, flexible: boolean): void {
    if (v === null) this.writeLength(-1, flexible, false);
    else this.writeBytes(v, flexible);
  }

  /** Records: nullable bytes on the wire; large buffers become chunks of their own (no copy). */
  writeRecords(v: RecordsData | null, flexible: boolean): void {
    if (v === null) {
      this.writeLength(-1, flexible, false);
    } else if (Buffer.isBuffer(v)) {
      this.writeLength(v.length, flexible, false);
      this.writeChunk(v);
    } else {
      const parts = v as readonly Buffer[];
      let n = 0;
      for (let i = 0; i < parts.length; i++) n += parts[i].length;
      this.writeLength(n, flexible, false);
      for (let i = 0; i < parts.length; i++) this.writeChunk(parts[i]);
    }
  }

  /** Array length prefix; pass -1 for a null array. */
  writeArrayLength(n: number, flexible: boolean): void {
    this.writeLength(n, flexible, false);
  }

  /** Copies raw bytes into the output. */
  writeRaw(v: Uint8Array): void {
    this.ensure(v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
  }

  private writeChunk(v: Buffer): void {
    if (v.length < COPY_BELOW_BYTES) {
      this.writeRaw(v);
      return;
    }
    if (this.pos > this.segmentStart) this.chunks.push(this.buf.subarray(this.segmentStart, this.pos));
    this.chunks.push(v);
    this.segmentOffset += this.pos - this.segmentStart + v.length;
    this.segmentStart = this.pos;
  }

  /** Marks the start of a region whose size will be prefixed as an unsigned varint by `endSized`. */
  beginSized(): number {
    return this.length;
  }

  /** Inserts the unsigned-varint size of everything written since `mark` in front of it. */
  endSized(mark: number): void {
    if (mark < this.segmentOffset) {
      throw new ProtocolError("MALFORMED", "a size-prefixed region cannot contain a records chunk");
    }
    const size = this.length - mark;
    let prefix = 1;
    for (let x = size >>> 7; x > 0; x >>>= 7) prefix++;
    this.ensure(prefix);
    const s = this.segmentStart + (mark - this.segmentOffset);
    this.buf.copyWithin(s + prefix, s, this.pos);
    // The room was ensured above: write the prefix in place (a grow here would drop the moved bytes).
    const b = this.buf;
    let p = s;
    let x = size;
    while (x >= 0x80) {
      b[p++] = (x & 0x7f) | 0x80;
      x >>>= 7;
    }
    b[p] = x;
    this.pos += prefix;
  }

  /** Overwrites an int32 written earlier at logical offset `mark` (e.g. a frame size prefix). */
  patchInt32(mark: number, v: number): void {
    if (mark < this.segmentOffset) {
      const bufs = this.toBuffers();
      let off = mark;
      for (const b of bufs) {
        if (off < b.length) {
          if (off + 4 > b.length) throw new ProtocolError("MALFORMED", "int32 to patch straddles a chunk");
          b.writeInt32BE(v, off);
          return;
        }
        off -= b.length;
      }
    }
    this.buf.writeInt32BE(v, this.segmentStart + (mark - this.segmentOffset));
  }

  /** The output as chunks (scratch-buffer views and appended records buffers), for writev. */
  toBuffers(): Buffer[] {
    if (this.pos === this.segmentStart) return this.chunks.slice();
    return [...this.chunks, this.buf.subarray(this.segmentStart, this.pos)];
  }

  /** The output as one contiguous buffer (copies only when records chunks were appended). */
  toBuffer(): Buffer {
    if (this.chunks.length === 0) return this.buf.subarray(0, this.pos);
    return Buffer.concat(this.toBuffers(), this.length);
  }
}
