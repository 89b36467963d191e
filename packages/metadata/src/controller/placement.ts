/** What placement needs to know about a broker. */
export interface PlacementBroker {
  readonly nodeId: number;
  readonly rack: string | null;
}

/**
 * Brokers ordered so that consecutive entries alternate racks (rack A's first, rack B's first, ...,
 * rack A's second, ...): walking the list round-robin then spreads replicas over racks.
 */
export function rackAlternated(brokers: readonly PlacementBroker[]): number[] {
  const byRack = new Map<string, number[]>();
  for (const b of [...brokers].sort((x, y) => x.nodeId - y.nodeId)) {
    const rack = b.rack ?? "";
    byRack.set(rack, [...(byRack.get(rack) ?? []), b.nodeId]);
  }
  const racks = [...byRack.keys()].sort();
  const out: number[] = [];
  for (let i = 0; out.length < brokers.length; i++) {
    for (const r of racks) {
      const ids = byRack.get(r)!;
      if (i < ids.length) out.push(ids[i]);
    }
  }
  return out;
}

/**
 * The replica list of one partition, Kafka-style: the preferred leader (first replica) walks the
 * broker list with the partition index, so leaders spread evenly; the followers are shifted by a
 * per-round offset so that no two brokers always share partitions. Rack-aware when racks are set:
 * a replica goes to a rack without one of this partition's replicas while such a rack remains.
 */
export function placePartition(
  brokers: readonly PlacementBroker[],
  partitionIndex: number,
  replicationFactor: number,
  startIndex = 0,
): number[] {
  const list = rackAlternated(brokers);
  const n = list.length;
  if (n === 0 || replicationFactor <= 0) return [];
  const rackOf = new Map(brokers.map((b) => [b.nodeId, b.rack ?? ""]));
  const numRacks = new Set(rackOf.values()).size;
  const first = (partitionIndex + startIndex) % n;
  const shift = startIndex + Math.floor(partitionIndex / n);
  const replicas = [list[first]];
  if (n === 1) return replicas;
  const usedRacks = new Set([rackOf.get(list[first])]);
  // Followers: candidates in shifted round-robin order; a used rack is taken only once all are used.
  const step = numRacks > 1 ? shift * numRacks : shift;
  for (let k = 0; replicas.length < Math.min(replicationFactor, n) && k < 4 * n; k++) {
    const candidate = list[(first + 1 + ((step + k) % (n - 1))) % n];
    if (replicas.includes(candidate)) continue;
    const rack = rackOf.get(candidate);
    if (usedRacks.has(rack) && usedRacks.size < numRacks) continue;
    replicas.push(candidate);
    usedRacks.add(rack);
  }
  // Fill from the list if the rack constraint left gaps (fewer racks than replicas).
  for (const id of list)
    if (replicas.length < Math.min(replicationFactor, n) && !replicas.includes(id)) replicas.push(id);
  return replicas;
}
