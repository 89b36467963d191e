/**
 * Cursor over a received frame. Every length is checked against the bytes that remain before anything
 * is allocated, so a hostile length can never make us allocate beyond the frame; every failure is a
 * ProtocolError. Strings, bytes and records come back as views of the frame (bytes/records are
 * zero-copy `subarray`s: keep the frame alive while you use them).
 */
import { ProtocolError } from "./protocol-error.js";

/** Kafka caps classic (int16-length) strings at this many bytes. */
export const MAX_STRING_BYTES = 0x7fff;

function truncated(what: string, need: number, have: number): ProtocolError {
  return new ProtocolError("TRUNCATED", `${what} needs ${need} bytes but only ${have} remain`);
}

export class Reader {
  readonly buf: Buffer;
  pos: number;
  /** Exclusive end of the readable window (narrowed while a tagged field is read). */
  end: number;

  constructor(buf: Buffer, pos = 0, end = buf.length) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }

  remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number, what: string): number {
    const p = this.pos;
    if (n > this.end - p) throw truncated(what, n, this.end - p);
    this.pos = p + n;
    return p;
  }

  readInt8(): number {
    return this.buf.readInt8(this.need(1, "int8"));
  }

  readBool(): boolean {
    return this.buf[this.need(1, "bool")] !== 0;
  }

  readInt16(): number {
    return this.buf.readInt16BE(this.need(2, "int16"));
  }

  readUInt16(): number {
    return this.buf.readUInt16BE(this.need(2, "uint16"));
  }

  readInt32(): number {
    return this.buf.readInt32BE(this.need(4, "int32"));
  }

  readUInt32(): number {
    return this.buf.readUInt32BE(this.need(4, "uint32"));
  }

  readInt64(): bigint {
    return this.buf.readBigInt64BE(this.need(8, "int64"));
  }

  readFloat64(): number {
    return this.buf.readDoubleBE(this.need(8, "float64"));
  }

  /** A UUID in Kafka's display form: 22 characters of unpadded base64url. */
  readUuid(): string {
    const p = this.need(16, "uuid");
    return this.buf.toString("base64url", p, p + 16);
  }

  readUnsignedVarint(): number {
    const buf = this.buf;
    let p = this.pos;
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (p >= this.end) throw truncated("unsigned varint", 1, 0);
      const b = buf[p++];
      value |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) {
        this.pos = p;
        return value >>> 0;
      }
    }
    throw new ProtocolError("MALFORMED", "unsigned varint is longer than 5 bytes");
  }

  /** Length of a string/bytes/array: -1 means null. Compact lengths are stored plus one. */
  private readLength(flexible: boolean, classic16: boolean): number {
    if (flexible) return this.readUnsignedVarint() - 1;
    const n = classic16 ? this.readInt16() : this.readInt32();
    return n < 0 ? -1 : n;
  }

  private stringOfLength(n: number): string {
    if (!Number.isInteger(n) || n > MAX_STRING_BYTES) {
      throw new ProtocolError("MALFORMED", `string length ${n} is out of range`);
    }
    const p = this.need(n, "string");
    return this.buf.toString("utf8", p, p + n);
  }

  readString(flexible: boolean): string {
    const n = this.readLength(flexible, true);
    if (n < 0) throw new ProtocolError("MALFORMED", "non-nullable string was encoded as null");
    return this.stringOfLength(n);
  }

  readNullableString(flexible: boolean): string | null {
    const n = this.readLength(flexible, true);
    return n < 0 ? null : this.stringOfLength(n);
  }

  readBytes(flexible: boolean): Buffer {
    const n = this.readLength(flexible, false);
    if (n < 0) throw new ProtocolError("MALFORMED", "non-nullable bytes were encoded as null");
    const p = this.need(n, "bytes");
    return this.buf.subarray(p, p + n);
  }

  readNullableBytes(flexible: boolean): Buffer | null {
    const n = this.readLength(flexible, false);
    if (n < 0) return null;
    const p = this.need(n, "bytes");
    return this.buf.subarray(p, p + n);
  }

  /** Records are nullable bytes on the wire; the result is a view of the frame. */
  readRecords(flexible: boolean): Buffer | null {
    return this.readNullableBytes(flexible);
  }

  /**
   * Element count of an array, -1 for null. A count larger than the remaining bytes is rejected
   * before the caller allocates anything (every element takes at least one byte on the wire, except
   * empty structs, which Kafka also refuses this way).
   */
  readArrayLength(flexible: boolean): number {
    const n = this.readLength(flexible, false);
    if (n > this.end - this.pos) {
      throw new ProtocolError("TRUNCATED", `array of ${n} elements but only ${this.end - this.pos} bytes remain`);
    }
    return n;
  }

  /** Raw bytes (unknown tagged field payloads), as a view of the frame. */
  readRaw(n: number): Buffer {
    const p = this.need(n, "raw bytes");
    return this.buf.subarray(p, p + n);
  }

  /** Narrows the window to the next `n` bytes; returns the previous end for `popLimit`. */
  pushLimit(n: number): number {
    const end = this.end;
    if (n > end - this.pos) throw truncated("tagged field", n, end - this.pos);
    this.end = this.pos + n;
    return end;
  }

  /** Restores the window; the narrowed region must have been consumed exactly. */
  popLimit(previousEnd: number): void {
    if (this.pos !== this.end) {
      throw new ProtocolError("MALFORMED", `tagged field left ${this.end - this.pos} bytes unread`);
    }
    this.end = previousEnd;
  }
}
