/**
 * Control records (in batches with the control attribute): key = version int16 + type int16.
 * Transaction markers (ABORT, COMMIT) carry an EndTransactionMarker value = version int16 +
 * coordinatorEpoch int32 (version 0; later versions may append fields, which readers skip).
 */
import { ProtocolError } from "../primitives/protocol-error.js";
import { buildRecordBatch } from "./record-batch.js";

export const ControlRecordType = {
  ABORT: 0,
  COMMIT: 1,
  LEADER_CHANGE: 2,
  SNAPSHOT_HEADER: 3,
  SNAPSHOT_FOOTER: 4,
  KRAFT_VERSION: 5,
  KRAFT_VOTERS: 6,
} as const;
export type ControlRecordType = (typeof ControlRecordType)[keyof typeof ControlRecordType];

const CONTROL_KEY_VERSION = 0;
const END_TXN_MARKER_VERSION = 0;

export interface EndTransactionMarker {
  commit: boolean;
  coordinatorEpoch: number;
}

export function encodeControlRecordKey(type: ControlRecordType): Buffer {
  const key = Buffer.alloc(4);
  key.writeInt16BE(CONTROL_KEY_VERSION, 0);
  key.writeInt16BE(type, 2);
  return key;
}

/** The control record type in `key` (types unknown to us are returned, not refused: newer brokers add some). */
export function readControlRecordType(key: Buffer | null): number {
  if (key === null || key.length < 4) throw new ProtocolError("MALFORMED", "control record key is too short");
  const version = key.readInt16BE(0);
  if (version < 0) throw new ProtocolError("MALFORMED", `control record key version ${version}`);
  return key.readInt16BE(2);
}

export function encodeEndTransactionMarker(coordinatorEpoch: number): Buffer {
  const value = Buffer.alloc(6);
  value.writeInt16BE(END_TXN_MARKER_VERSION, 0);
  value.writeInt32BE(coordinatorEpoch, 2);
  return value;
}

/** Decodes a transaction marker record; throws MALFORMED if it is not one. */
export function decodeEndTransactionMarker(key: Buffer | null, value: Buffer | null): EndTransactionMarker {
  const type = readControlRecordType(key);
  if (type !== ControlRecordType.ABORT && type !== ControlRecordType.COMMIT) {
    throw new ProtocolError("MALFORMED", `control record type ${type} is not a transaction marker`);
  }
  if (value === null || value.length < 6) throw new ProtocolError("MALFORMED", "transaction marker value is too short");
  if (value.readInt16BE(0) < 0) throw new ProtocolError("MALFORMED", "transaction marker version is negative");
  return { commit: type === ControlRecordType.COMMIT, coordinatorEpoch: value.readInt32BE(2) };
}

export interface EndTxnMarkerBatchOptions {
  producerId: number;
  producerEpoch: number;
  coordinatorEpoch: number;
  commit: boolean;
  timestamp: number;
  baseOffset?: number;
  partitionLeaderEpoch?: number;
}

/** The one-record control batch a transaction coordinator's WriteTxnMarkers appends. */
export function buildEndTxnMarkerBatch(options: EndTxnMarkerBatchOptions): Buffer {
  const type = options.commit ? ControlRecordType.COMMIT : ControlRecordType.ABORT;
  return buildRecordBatch(
    [{ key: encodeControlRecordKey(type), value: encodeEndTransactionMarker(options.coordinatorEpoch) }],
    {
      baseOffset: options.baseOffset,
      partitionLeaderEpoch: options.partitionLeaderEpoch,
      timestamp: options.timestamp,
      transactional: true,
      control: true,
      producerId: options.producerId,
      producerEpoch: options.producerEpoch,
    },
  );
}
