import type { EtcdConnection } from "./etcd-metadata-store.js";

/** Attempts before giving up when other brokers keep claiming at the same moment. */
const MAX_CLAIM_ATTEMPTS = 20;

/**
 * Producer id blocks claimed cluster-wide (Kafka's AllocateProducerIds): one etcd key holds the next
 * unclaimed id and each claim moves it forward by compare-and-swap, so no two brokers ever hand out
 * the same producer id.
 */
export class EtcdProducerIdBlocks {
  readonly #connection: EtcdConnection;

  constructor(connection: EtcdConnection) {
    this.#connection = connection;
  }

  async claimBlock(size: number): Promise<{ first: number; size: number }> {
    const { client, keys } = this.#connection;
    for (let attempt = 0; attempt < MAX_CLAIM_ATTEMPTS; attempt++) {
      const current = await client.get(keys.producerIds).string();
      const first = current === null ? 0 : Number(current);
      if (!Number.isSafeInteger(first) || first < 0) throw new Error(`etcd key ${keys.producerIds} is corrupt`);
      if (first + size > Number.MAX_SAFE_INTEGER) throw new Error("no producer ids left below 2^53");
      const guard =
        current === null
          ? client.if(keys.producerIds, "Create", "==", 0)
          : client.if(keys.producerIds, "Value", "==", current);
      const res = await guard.then(client.put(keys.producerIds).value(String(first + size))).commit();
      if (res.succeeded) return { first, size };
    }
    throw new Error("claiming a producer id block kept conflicting");
  }
}
