import { type FetchPartitionRequest, type FetchPartitionSummary, nextEpoch, partitionKey } from "./fetch-metadata.js";

/** A partition remembered by a session: the request as last sent and the answer as last sent. */
export class CachedPartition {
  request: FetchPartitionRequest;
  /** -1 until answered, and after an error, so the partition is resent when something changes. */
  highWatermark: number;
  logStartOffset: number;

  constructor(request: FetchPartitionRequest, answered?: FetchPartitionSummary) {
    this.request = request;
    this.highWatermark = answered?.errorCode === 0 ? answered.highWatermark : -1;
    this.logStartOffset = answered?.logStartOffset ?? -1;
  }

  /**
   * Whether an incremental response must carry this partition (Kafka's maybeUpdateResponseData):
   * new data, an error, a diverging epoch, or a changed HW or log start offset. Remembers the answer.
   */
  mustRespond(answer: FetchPartitionSummary): boolean {
    let must = answer.recordsBytes > 0 || answer.hasDivergingEpoch === true || answer.hasPreferredReadReplica === true;
    if (answer.highWatermark !== this.highWatermark) {
      must = true;
      this.highWatermark = answer.highWatermark;
    }
    if (answer.logStartOffset !== this.logStartOffset) {
      must = true;
      this.logStartOffset = answer.logStartOffset;
    }
    if (answer.errorCode !== 0) {
      this.highWatermark = -1;
      must = true;
    }
    return must;
  }
}

/** An incremental fetch session (KIP-227): the partitions a client fetches, in round-robin order. */
export class FetchSession {
  /** The epoch the next request must carry. */
  epoch: number;
  lastUsedMs: number;
  /** Insertion-ordered; answered partitions move to the back so others go first next time. */
  readonly partitions = new Map<string, CachedPartition>();

  constructor(
    readonly id: number,
    readonly privileged: boolean,
    readonly usesTopicIds: boolean,
    readonly creationMs: number,
  ) {
    this.epoch = nextEpoch(0);
    this.lastUsedMs = creationMs;
  }

  get size(): number {
    return this.partitions.size;
  }

  /** Applies an incremental request: new or changed partitions, then the forgotten ones. */
  update(changed: readonly FetchPartitionRequest[], forgotten: readonly { topic: string; partition: number }[]): void {
    for (const req of changed) {
      const key = partitionKey(req.topic, req.partition);
      const cached = this.partitions.get(key);
      if (cached === undefined) this.partitions.set(key, new CachedPartition(req));
      else cached.request = req;
    }
    for (const f of forgotten) this.partitions.delete(partitionKey(f.topic, f.partition));
  }

  moveToBack(key: string): void {
    const cached = this.partitions.get(key);
    if (cached === undefined) return;
    this.partitions.delete(key);
    this.partitions.set(key, cached);
  }
}
