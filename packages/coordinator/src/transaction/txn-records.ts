/**
 * The records of `__transaction_state` in Kafka's format: key = int16 version (0) +
 * TransactionLogKey, value = int16 version + TransactionLogValue, a null value is a tombstone
 * (the transactional id expired). Other tools reading the topic decode them.
 */
import {
  decodeTransactionLogKey,
  decodeTransactionLogValue,
  encodeTransactionLogKey,
  encodeTransactionLogValue,
  ProtocolError,
  Reader,
  Writer,
} from "@samsa/protocol";
import { isTxnState, type TxnState } from "./txn-state.js";

const KEY_VERSION = 0;
/** Version 0 is what Kafka writes for clients of transaction version 1 (no tagged fields). */
const VALUE_VERSION = 0;

export interface TxnTopicPartitions {
  readonly topic: string;
  readonly partitions: readonly number[];
}

export interface TxnLogValue {
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly timeoutMs: number;
  readonly state: TxnState;
  readonly partitions: readonly TxnTopicPartitions[];
  readonly lastUpdateMs: number;
  /** -1 when no transaction is open. */
  readonly startMs: number;
}

export interface TxnLogRecord {
  readonly transactionalId: string;
  /** null is a tombstone. */
  readonly value: TxnLogValue | null;
}

export function encodeTxnLogRecord(record: TxnLogRecord): { key: Buffer; value: Buffer | null } {
  const k = new Writer(32 + record.transactionalId.length * 3);
  k.writeInt16(KEY_VERSION);
  encodeTransactionLogKey(k, { transactionalId: record.transactionalId }, KEY_VERSION);
  if (record.value === null) return { key: k.toBuffer(), value: null };
  const t = record.value;
  const v = new Writer(128);
  v.writeInt16(VALUE_VERSION);
  encodeTransactionLogValue(
    v,
    {
      producerId: BigInt(t.producerId),
      previousProducerId: -1n,
      nextProducerId: -1n,
      producerEpoch: t.producerEpoch,
      transactionTimeoutMs: t.timeoutMs,
      transactionStatus: t.state,
      // Kafka writes no partition list for Empty.
      transactionPartitions:
        t.state === 0 ? null : t.partitions.map((p) => ({ topic: p.topic, partitionIds: [...p.partitions] })),
      transactionLastUpdateTimestampMs: BigInt(t.lastUpdateMs),
      transactionStartTimestampMs: BigInt(t.startMs),
      clientTransactionVersion: 0,
    },
    VALUE_VERSION,
  );
  return { key: k.toBuffer(), value: v.toBuffer() };
}

/** Decodes one record; null for key versions this coordinator doesn't know. Malformed bytes throw ProtocolError. */
export function decodeTxnLogRecord(key: Buffer, value: Buffer | null): TxnLogRecord | null {
  const kr = new Reader(key);
  const keyVersion = kr.readInt16();
  if (keyVersion < 0) throw new ProtocolError("MALFORMED", `TransactionLogKey version ${keyVersion}`);
  if (keyVersion !== KEY_VERSION) return null;
  const { transactionalId } = decodeTransactionLogKey(kr, keyVersion);
  if (value === null) return { transactionalId, value: null };
  const vr = new Reader(value);
  const version = vr.readInt16();
  if (version < 0 || version > 1) throw new ProtocolError("MALFORMED", `TransactionLogValue version ${version}`);
  const v = decodeTransactionLogValue(vr, version);
  if (!isTxnState(v.transactionStatus)) {
    throw new ProtocolError("MALFORMED", `transaction status ${v.transactionStatus}`);
  }
  return {
    transactionalId,
    value: {
      producerId: Number(v.producerId),
      producerEpoch: v.producerEpoch,
      timeoutMs: v.transactionTimeoutMs,
      state: v.transactionStatus,
      partitions: (v.transactionPartitions ?? []).map((p) => ({ topic: p.topic, partitions: p.partitionIds })),
      lastUpdateMs: Number(v.transactionLastUpdateTimestampMs),
      startMs: Number(v.transactionStartTimestampMs),
    },
  };
}
