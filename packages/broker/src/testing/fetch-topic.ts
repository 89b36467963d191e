import {
  defaultFetchRequestFetchPartition,
  defaultFetchRequestFetchTopic,
  type FetchRequestFetchPartition,
  type FetchRequestFetchTopic,
} from "@samsa/protocol";

/**
 * A FetchRequest topic, named (v12 and older), with one partition: partition 0 from offset 0, up to
 * 1 MiB, no leader epoch; `partition` overrides any of those fields (a list: one partition each).
 */
export function fetchTopic(
  topic: string,
  partition: Partial<FetchRequestFetchPartition> | Partial<FetchRequestFetchPartition>[] = {},
): FetchRequestFetchTopic {
  const overrides = Array.isArray(partition) ? partition : [partition];
  return {
    ...defaultFetchRequestFetchTopic(),
    topic,
    partitions: overrides.map((o) => ({ ...defaultFetchRequestFetchPartition(), partitionMaxBytes: 1 << 20, ...o })),
  };
}
