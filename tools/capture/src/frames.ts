/**
 * Splits a TCP byte stream into Kafka frames (int32 size + payload). A frame larger than the bound
 * is refused: the capture server serves local clients with small test payloads.
 */
export const MAX_FRAME_BYTES = 16 * 1024 * 1024;

export class FrameTooLargeError extends Error {
  readonly code = "FRAME_TOO_LARGE";
}

export class FrameSplitter {
  private pending: Buffer = Buffer.alloc(0);

  /** Appends `chunk`; returns the complete frame payloads (without their size prefix) it finished. */
  push(chunk: Buffer): Buffer[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: Buffer[] = [];
    while (this.pending.length >= 4) {
      const size = this.pending.readInt32BE(0);
      if (size < 0 || size > MAX_FRAME_BYTES) {
        throw new FrameTooLargeError(`frame of ${size} bytes (limit ${MAX_FRAME_BYTES})`);
      }
      if (this.pending.length < 4 + size) break;
      frames.push(Buffer.from(this.pending.subarray(4, 4 + size)));
      this.pending = this.pending.subarray(4 + size);
    }
    return frames;
  }
}
