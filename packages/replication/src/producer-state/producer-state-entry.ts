import { decrementSequence } from "./sequence.js";

/** Kafka keeps the metadata of the last five batches per producer to answer retried duplicates. */
export const NUM_BATCHES_TO_RETAIN = 5;

export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;

export interface BatchMetadata {
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly firstOffset: number;
  readonly lastOffset: number;
  /** The batch's max timestamp; a duplicate's answer reports it as the log append time, as Kafka does. */
  readonly timestamp: number;
}

/** What a partition remembers about one producer id (Kafka's ProducerStateEntry). */
export class ProducerStateEntry {
  readonly batches: BatchMetadata[] = [];

  constructor(
    readonly producerId: number,
    public producerEpoch: number = NO_PRODUCER_EPOCH,
    public lastTimestamp = -1,
    /** First offset of the open transaction, if one is open. */
    public currentTxnFirstOffset: number | undefined = undefined,
    public coordinatorEpoch = -1,
  ) {}

  get isEmpty(): boolean {
    return this.batches.length === 0;
  }

  get lastSeq(): number {
    return this.batches.length === 0 ? NO_SEQUENCE : this.batches[this.batches.length - 1].lastSeq;
  }

  get firstSeq(): number {
    return this.batches.length === 0 ? NO_SEQUENCE : this.batches[0].firstSeq;
  }

  /** The last offset written by this producer, or -1. */
  get lastDataOffset(): number {
    return this.batches.length === 0 ? -1 : this.batches[this.batches.length - 1].lastOffset;
  }

  /** A copy with the same epoch and transaction state but no batches (what an append builds on). */
  emptyCopy(): ProducerStateEntry {
    return new ProducerStateEntry(
      this.producerId,
      this.producerEpoch,
      this.lastTimestamp,
      this.currentTxnFirstOffset,
      this.coordinatorEpoch,
    );
  }

  /** A new epoch forgets the old epoch's batches. Returns whether the epoch changed. */
  maybeUpdateProducerEpoch(producerEpoch: number): boolean {
    if (this.producerEpoch === producerEpoch) return false;
    this.batches.length = 0;
    this.producerEpoch = producerEpoch;
    return true;
  }

  addBatch(producerEpoch: number, lastSeq: number, lastOffset: number, offsetDelta: number, timestamp: number): void {
    this.maybeUpdateProducerEpoch(producerEpoch);
    this.addBatchMetadata({
      firstSeq: decrementSequence(lastSeq, offsetDelta),
      lastSeq,
      firstOffset: lastOffset - offsetDelta,
      lastOffset,
      timestamp,
    });
    this.lastTimestamp = timestamp;
  }

  /** Folds an updated copy (built by an append) into this entry. */
  update(next: ProducerStateEntry): void {
    this.maybeUpdateProducerEpoch(next.producerEpoch);
    this.coordinatorEpoch = next.coordinatorEpoch;
    this.lastTimestamp = next.lastTimestamp;
    this.currentTxnFirstOffset = next.currentTxnFirstOffset;
    for (const b of next.batches) this.addBatchMetadata(b);
  }

  /** A retried batch of the same epoch and sequence range as one of the last five. */
  findDuplicateBatch(producerEpoch: number, firstSeq: number, lastSeq: number): BatchMetadata | undefined {
    if (producerEpoch !== this.producerEpoch) return undefined;
    return this.batches.find((b) => b.firstSeq === firstSeq && b.lastSeq === lastSeq);
  }

  private addBatchMetadata(batch: BatchMetadata): void {
    if (this.batches.length === NUM_BATCHES_TO_RETAIN) this.batches.shift();
    this.batches.push(batch);
  }
}
