import {
  batchSpans,
  ControlRecordType,
  isControl,
  isTransactional,
  readBatchHeader,
  readControlRecordType,
  readRecordBatch,
} from "@samsa/protocol";
import type { AbortedTxn } from "../txn/partition-txns.js";

/** What a read_committed consumer may be sent from a follower's read, and what it must skip. */
export interface CommittedView {
  /** Whole batches from the start of the read, cut before any transaction whose marker is not in it. */
  readonly records: Buffer;
  /** The aborted transactions among `records`: the consumer drops their batches. */
  readonly aborted: AbortedTxn[];
  /** The offset after the last batch kept (the fetch offset when nothing is kept). */
  readonly endOffset: number;
  /** Whether the read was cut at an open transaction: nothing past it is stable here. */
  readonly cut: boolean;
}

function markerType(records: Buffer, pos: number): number | undefined {
  for (const rec of readRecordBatch(records, pos, 1)) return readControlRecordType(rec.key);
  return undefined;
}

/**
 * A follower tracks no transaction state, so it serves read_committed from the batches alone: a
 * transaction counts only if its COMMIT/ABORT marker is in the same read (markers lie below the
 * follower's high watermark, as the read does); the read is cut before the first batch of any
 * transaction still open at its end. An aborted transaction's first offset is its producer's first
 * transactional batch in the read, which is all the consumer needs to drop what it is sent.
 */
export function committedView(records: Buffer, fetchOffset: number): CommittedView {
  const open = new Map<number, { firstOffset: number; pos: number }>();
  const aborted: AbortedTxn[] = [];
  const ends: { pos: number; end: number; endOffset: number }[] = [];
  for (const span of batchSpans(records, true)) {
    if (span.magic !== 2) {
      ends.push({ pos: span.pos, end: span.pos + span.size, endOffset: fetchOffset });
      continue;
    }
    const h = readBatchHeader(records, span.pos);
    const lastOffset = h.baseOffset + h.lastOffsetDelta;
    ends.push({ pos: span.pos, end: span.pos + span.size, endOffset: lastOffset + 1 });
    if (!isTransactional(h.attributes) || h.producerId < 0) continue;
    if (isControl(h.attributes)) {
      const type = markerType(records, span.pos);
      const txn = open.get(h.producerId);
      open.delete(h.producerId);
      if (type === ControlRecordType.ABORT)
        aborted.push({
          producerId: h.producerId,
          firstOffset: txn?.firstOffset ?? h.baseOffset,
          lastOffset: h.baseOffset,
        });
    } else if (!open.has(h.producerId)) open.set(h.producerId, { firstOffset: h.baseOffset, pos: span.pos });
  }
  let cutPos = records.length;
  for (const t of open.values()) cutPos = Math.min(cutPos, t.pos);
  const kept = ends.filter((e) => e.end <= cutPos);
  const end = kept.at(-1);
  const endOffset = end?.endOffset ?? fetchOffset;
  return {
    records: end === undefined ? records.subarray(0, 0) : records.subarray(0, end.end),
    // Every aborted transaction with data among the kept batches (its marker may lie past the cut).
    aborted: aborted.filter((a) => a.firstOffset < endOffset),
    endOffset,
    cut: open.size > 0,
  };
}
