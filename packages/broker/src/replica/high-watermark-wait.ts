import type { Partition } from "./partition.js";
import type { ReplicaManager } from "./replica-manager.js";

/**
 * Waits until `partition`'s high watermark passes `lastOffset` (flushed on a single node, also on
 * the ISR in cluster mode), as a coordinator must before it answers over its own records. Resolves
 * false when leadership moved away or `timeoutMs` passed first.
 */
export function waitForHighWatermark(
  replicas: ReplicaManager,
  partition: Partition,
  lastOffset: number,
  timeoutMs: number,
): Promise<boolean> {
  const covered = () => partition.state.highWatermark > lastOffset;
  if (covered()) return Promise.resolve(true);
  // A single node's HW moves with flushes: start one rather than wait for the scheduled one.
  partition.flush().catch(() => undefined);
  return new Promise((resolve) => {
    replicas.producePurgatory.watch(
      {
        isSatisfied: () => covered() || partition.resigned,
        onComplete: () => resolve(covered() && !partition.resigned),
      },
      [partition.key],
      timeoutMs,
    );
  });
}
