import type { CompletionReason, DelayedOperation } from "@samsa/replication";
import type { Partition } from "../replica/partition.js";

/** One appended partition of an acks=-1 produce, waiting for the HW to pass its last offset. */
export interface PendingAck {
  readonly partition: Partition;
  /** The offset after the partition's last appended record. */
  readonly requiredOffset: number;
  /** Set once the HW reached requiredOffset; a timeout leaves it false. */
  acked: boolean;
  /** Set when the HW got there with the ISR below min.insync.replicas (Kafka checks after the append too). */
  error?: "NOT_ENOUGH_REPLICAS_AFTER_APPEND" | "NOT_LEADER_OR_FOLLOWER";
}

/**
 * Kafka's DelayedProduce for acks=-1: completes when every appended partition's high watermark
 * has reached the end of what was appended (on a single node: once it is fsynced), or when the
 * request's timeout passes; partitions still waiting then answer REQUEST_TIMED_OUT.
 */
export class DelayedProduce implements DelayedOperation {
  readonly #pending: readonly PendingAck[];
  readonly #done: (reason: CompletionReason) => void;

  constructor(pending: readonly PendingAck[], done: (reason: CompletionReason) => void) {
    this.#pending = pending;
    this.#done = done;
  }

  isSatisfied(): boolean {
    let all = true;
    for (const p of this.#pending) {
      // Leadership moved before the ISR had it: the new leader may not, so the producer must retry there.
      if (!p.acked && p.partition.resigned) {
        p.acked = true;
        p.error = "NOT_LEADER_OR_FOLLOWER";
      }
      if (!p.acked && p.partition.state.highWatermark >= p.requiredOffset) {
        p.acked = true;
        if (p.partition.state.isr.length < p.partition.settings.minInsyncReplicas)
          p.error = "NOT_ENOUGH_REPLICAS_AFTER_APPEND";
      }
      all &&= p.acked;
    }
    return all;
  }

  onComplete(reason: CompletionReason): void {
    this.#done(reason);
  }
}
