/**
 * Why a delayed operation finished: its condition held, its timeout fired, the purgatory was full
 * so it had to answer at once, or the purgatory shut down.
 */
export type CompletionReason = "satisfied" | "expired" | "overflow" | "shutdown";

/**
 * A request parked until a condition holds (Kafka's DelayedOperation): DelayedProduce waits for the
 * high watermark to pass its offsets, DelayedFetch for enough bytes below it.
 */
export interface DelayedOperation {
  /** Whether the operation can complete now. Called on watch and whenever one of its keys changes. */
  isSatisfied(): boolean;
  /** Called exactly once; the operation answers its request here. */
  onComplete(reason: CompletionReason): void;
}
