/** Java's `String.hashCode()` over UTF-16 code units, as a signed 32-bit int. */
export function javaStringHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/** The `__consumer_offsets` partition that owns a group, computed as Kafka does so tools agree. */
export function groupPartition(groupId: string, numPartitions: number): number {
  return (javaStringHashCode(groupId) & 0x7fffffff) % numPartitions;
}
