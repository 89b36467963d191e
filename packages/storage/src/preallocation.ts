/**
 * Below this average of bytes appended per fsync round, rounds are "small": most of their time is
 * the journal commit that a file growing by a few KiB needs, which the zeros avoid. Larger rounds
 * amortize that commit, and zeros, written to disk by the round after them, would double a busy
 * log's disk writes.
 */
export const SMALL_ROUND_BYTES = 32 * 1024;

/** Zero-filled chunks of at most this many bytes (larger configured chunks are cut to it). */
export const MAX_PREALLOCATE_BYTES = 16 * 1024 * 1024;

/** Where to write zeros: `length` bytes at `position`. */
export interface ZeroFill {
  readonly position: number;
  readonly length: number;
}

/**
 * Decides when the active segment writes zeros ahead of its end. An fdatasync of a file that grew
 * must commit its new size and blocks through the ext4 journal, and a commit also waits for other
 * files' ordered data: under other processes' writes, rounds took up to 17-83 ms where appends into
 * written zeros took at most 4-7 ms (bench/optimisations-latency.md). Zeros are not data: the
 * segment cuts its file back to its size on roll and close, and recovery after a crash cuts it at
 * the first invalid batch, which zeros are.
 */
export class Preallocation {
  /** File length: data plus zeros ahead. */
  #allocated: number;
  /** Size when the current sample of rounds began. */
  #sampleFrom: number;
  #rounds = 0;

  constructor(size: number) {
    this.#allocated = size;
    this.#sampleFrom = size;
  }

  get allocated(): number {
    return this.#allocated;
  }

  /** A group-commit round synced the file. */
  onRound(): void {
    this.#rounds++;
  }

  /**
   * After an append that ended at `end`: the zeros to write next, if fewer than half a chunk are
   * left ahead and the rounds since the last decision (over at least half a chunk) were small.
   */
  next(end: number, chunkBytes: number): ZeroFill | undefined {
    if (end > this.#allocated) this.#allocated = end;
    const chunk = Math.min(chunkBytes, MAX_PREALLOCATE_BYTES);
    if (chunk <= 0 || this.#allocated - end >= chunk / 2) return undefined;
    const sampled = end - this.#sampleFrom;
    if (sampled < chunk / 2) return undefined;
    const small = this.#rounds > 0 && sampled / this.#rounds < SMALL_ROUND_BYTES;
    this.#sampleFrom = end;
    this.#rounds = 0;
    if (!small) return undefined;
    const fill = { position: this.#allocated, length: chunk };
    this.#allocated += chunk;
    return fill;
  }

  /** The file was cut to `size` (trim, truncation, recovery). */
  reset(size: number): void {
    this.#allocated = size;
    this.#sampleFrom = size;
    this.#rounds = 0;
  }
}

let zeros = Buffer.alloc(0);

/** A buffer of at least `length` zeros, shared and never written to. */
export function zeroBuffer(length: number): Buffer {
  if (zeros.length < length) zeros = Buffer.alloc(length);
  return zeros.subarray(0, length);
}
