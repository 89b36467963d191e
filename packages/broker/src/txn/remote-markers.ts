import type { MetadataStore } from "@samsa/metadata";
import { ErrorCode, type ErrorName, errorInfo } from "@samsa/protocol";
import { BrokerChannel } from "../cluster/broker-channel.js";

/** WriteTxnMarkers v1 (flexible): what the receiving handler serves. */
const WRITE_TXN_MARKERS_VERSION = 1;

export interface RemoteMarker {
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly coordinatorEpoch: number;
  readonly commit: boolean;
}

/**
 * Cluster mode: the transaction coordinator's WriteTxnMarkers to the leader of a partition another
 * broker leads (Kafka's TransactionMarkerChannelManager), one channel per broker, one request at a
 * time on each. The channels are bounded by the brokers in the image.
 */
export class RemoteMarkerSender {
  readonly #metadata: MetadataStore;
  readonly #clientId: string;
  readonly #channels = new Map<number, { channel: BrokerChannel; tail: Promise<unknown> }>();

  constructor(metadata: MetadataStore, nodeId: number) {
    this.#metadata = metadata;
    this.#clientId = `samsa-txn-markers-${nodeId}`;
  }

  /** Writes one marker at broker `leaderId`; resolves to its answer's error (a failed send: NOT_LEADER_OR_FOLLOWER, retried). */
  async send(
    leaderId: number,
    marker: RemoteMarker,
    topic: string,
    partition: number,
    timeoutMs: number,
  ): Promise<ErrorName> {
    const listener = this.#metadata.image.brokers.find((b) => b.nodeId === leaderId)?.listeners[0];
    if (listener === undefined) return "NOT_LEADER_OR_FOLLOWER";
    let entry = this.#channels.get(leaderId);
    if (entry === undefined) {
      entry = { channel: new BrokerChannel(listener.host, listener.port, this.#clientId), tail: Promise.resolve() };
      this.#channels.set(leaderId, entry);
    }
    entry.channel.retarget(listener.host, listener.port);
    const { channel } = entry;
    const sent = entry.tail.then(() =>
      channel.send(
        27,
        WRITE_TXN_MARKERS_VERSION,
        {
          markers: [
            {
              producerId: BigInt(marker.producerId),
              producerEpoch: marker.producerEpoch,
              transactionResult: marker.commit,
              topics: [{ name: topic, partitionIndexes: [partition] }],
              coordinatorEpoch: marker.coordinatorEpoch,
            },
          ],
        },
        timeoutMs,
      ),
    );
    entry.tail = sent.catch(() => undefined);
    try {
      const r = await sent;
      const code = r.markers[0]?.topics[0]?.partitions[0]?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR;
      return (errorInfo(code)?.name as ErrorName | undefined) ?? "UNKNOWN_SERVER_ERROR";
    } catch {
      return "NOT_LEADER_OR_FOLLOWER";
    }
  }

  close(): void {
    for (const { channel } of this.#channels.values()) channel.close();
    this.#channels.clear();
  }
}
