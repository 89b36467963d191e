import type { BrokerRegistration, PartitionImage } from "@samsa/metadata";

/** The replica.selector.class value that turns on closest-replica fetching (KIP-392). */
export const RACK_AWARE_REPLICA_SELECTOR = "org.apache.kafka.common.replica.RackAwareReplicaSelector";

/**
 * Kafka's RackAwareReplicaSelector: a consumer in rack `clientRack` reads from an in-sync replica
 * in its rack (a live broker), unless the leader is in that rack itself. Returns the broker id, or
 * -1 to keep reading from the leader.
 */
export function preferredReadReplica(
  partition: PartitionImage,
  liveBrokers: readonly BrokerRegistration[],
  clientRack: string,
): number {
  if (clientRack === "") return -1;
  const rackOf = new Map(liveBrokers.map((b) => [b.nodeId, b.rack]));
  if (rackOf.get(partition.leaderId) === clientRack) return -1;
  const inRack = partition.replicas.find(
    (id) => id !== partition.leaderId && partition.isr.includes(id) && rackOf.get(id) === clientRack,
  );
  return inRack ?? -1;
}
