import { assert, SamsaError } from "@samsa/common";

/** Kafka's ZooKeeper-era block size: one persisted write per thousand producer ids. */
export const DEFAULT_PRODUCER_ID_BLOCK_SIZE = 1000;

/** A range of producer ids [first, first + size) claimed durably, so a restart never reuses one. */
export interface ProducerIdBlock {
  readonly first: number;
  readonly size: number;
}

/** Durable claims of id blocks; each claim starts where the previous claim ended. */
export interface ProducerIdBlockStore {
  claimBlock(size: number): Promise<ProducerIdBlock>;
}

export class ProducerIdsExhaustedError extends SamsaError {
  constructor() {
    super("PRODUCER_IDS_EXHAUSTED", "no producer ids left below 2^53");
  }
}

/**
 * Hands out producer ids from a durably claimed block; claims the next block when it runs out.
 * Concurrent callers share one pending claim, so ids stay unique and blocks are not wasted.
 */
export class ProducerIdAllocator {
  private next = 0;
  private end = 0;
  private pendingClaim: Promise<void> | undefined;

  constructor(
    private readonly store: ProducerIdBlockStore,
    private readonly blockSize = DEFAULT_PRODUCER_ID_BLOCK_SIZE,
  ) {
    assert(blockSize > 0, "producer id block size must be positive");
  }

  async allocate(): Promise<number> {
    while (this.next >= this.end) {
      this.pendingClaim ??= this.claim().finally(() => {
        this.pendingClaim = undefined;
      });
      await this.pendingClaim;
    }
    return this.next++;
  }

  private async claim(): Promise<void> {
    const block = await this.store.claimBlock(this.blockSize);
    assert(block.size > 0 && block.first >= this.end, "producer id blocks move forward");
    this.next = block.first;
    this.end = block.first + block.size;
  }
}
