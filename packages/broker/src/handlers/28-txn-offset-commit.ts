import { AclOperation } from "@samsa/metadata";
import type { OffsetCommitRecord } from "@samsa/coordinator";
import { ErrorCode } from "@samsa/protocol";
import { OFFSETS_TOPIC } from "../group-coordinator-service.js";
import { appendTxnOffsets, validateTxnCommit } from "../txn/txn-offset-commit.js";
import { groupAllowed, topicAllowed, transactionalIdAllowed } from "../security/acl-checks.js";
import { defineHandler, type RequestContext } from "./handler.js";

/** How long a commit waits for the group's `__consumer_offsets` partition to finish loading. */
const LOAD_WAIT_MS = 3000;
const LOAD_POLL_MS = 20;

/**
 * The group coordinator's readiness, waiting out a load in progress: right after the offsets
 * topic is created its partitions load, and some clients (kafkajs) give up on a transactional
 * commit after a few quick retries of COORDINATOR_LOAD_IN_PROGRESS.
 */
async function loadedGroupError(ctx: RequestContext, groupId: string): Promise<number> {
  for (let waitedMs = 0; ; waitedMs += LOAD_POLL_MS) {
    const error = ctx.groups.coordinatorError(groupId);
    if (error !== ErrorCode.COORDINATOR_LOAD_IN_PROGRESS || waitedMs >= LOAD_WAIT_MS) return error;
    await new Promise((resolve) => setTimeout(resolve, LOAD_POLL_MS));
  }
}

/** Kafka's `offset.metadata.max.bytes` default. */
const MAX_METADATA_BYTES = 4096;

/**
 * TxnOffsetCommit: offsets committed inside a transaction, written to the group's
 * `__consumer_offsets` partition as the producer's transactional batch and applied to the group
 * only when the COMMIT marker lands there (dropped on ABORT).
 */
export const txnOffsetCommitHandler = defineHandler({
  apiKey: 28,
  minVersion: 0,
  maxVersion: 4,
  async handle(ctx, req) {
    // Topics the caller may not read fail alone, whatever happens to the others.
    const readable = (topic: string) => topicAllowed(ctx, topic, AclOperation.READ);
    const respond = (codeOf: (metadata: string | null) => number, everyTopic = false) => ({
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partitionIndex,
          errorCode:
            everyTopic || readable(t.name) ? codeOf(p.committedMetadata) : ErrorCode.TOPIC_AUTHORIZATION_FAILED,
        })),
      })),
    });
    if (!transactionalIdAllowed(ctx, req.transactionalId, AclOperation.WRITE))
      return respond(() => ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, true);
    if (!groupAllowed(ctx, req.groupId, AclOperation.READ))
      return respond(() => ErrorCode.GROUP_AUTHORIZATION_FAILED, true);
    if (req.groupId === "") return respond(() => ErrorCode.INVALID_GROUP_ID);
    const notReady = await loadedGroupError(ctx, req.groupId);
    if (notReady !== ErrorCode.NONE) return respond(() => notReady);
    const invalid = validateTxnCommit(ctx.groups.coordinator, req);
    if (invalid !== ErrorCode.NONE) return respond(() => invalid);
    // The producer's open transaction must have added the group's partition (AddOffsetsToTxn) under
    // this epoch: a fenced zombie's offsets must not ride on its successor's commit marker. Checked
    // where this broker is the transaction coordinator too; in a cluster where another broker is,
    // Kafka would ask it, which Samsa does not yet: the commit goes unverified, as before KIP-890.
    const remoteCoordinator = ctx.transactions.coordinatorError(req.transactionalId) === "NOT_COORDINATOR";
    const [txnError] = remoteCoordinator
      ? ["NONE"]
      : ctx.transactions.coordinator.verifyPartitions(
          {
            transactionalId: req.transactionalId,
            producerId: Number(req.producerId),
            producerEpoch: req.producerEpoch,
          },
          [{ topic: OFFSETS_TOPIC, partition: ctx.groups.coordinator.partitionFor(req.groupId) }],
        );
    if (txnError === "PRODUCER_FENCED") {
      const fenced = ctx.apiVersion < 3 ? ErrorCode.INVALID_PRODUCER_EPOCH : ErrorCode.PRODUCER_FENCED;
      return respond(() => fenced);
    }
    if (txnError !== "NONE") return respond(() => ErrorCode.INVALID_TXN_STATE);
    const tooLarge = (m: string | null) => m !== null && Buffer.byteLength(m) > MAX_METADATA_BYTES;
    const nowMs = ctx.clock.nowMs();
    const records: OffsetCommitRecord[] = [];
    for (const t of req.topics) {
      for (const p of t.partitions) {
        if (tooLarge(p.committedMetadata) || !readable(t.name)) continue;
        records.push({
          type: "offset",
          groupId: req.groupId,
          topic: t.name,
          partition: p.partitionIndex,
          value: {
            offset: p.committedOffset,
            leaderEpoch: p.committedLeaderEpoch,
            metadata: p.committedMetadata ?? "",
            commitTimestampMs: nowMs,
            expireTimestampMs: null,
          },
        });
      }
    }
    const error = await appendTxnOffsets(ctx, Number(req.producerId), req.producerEpoch, records);
    // PRODUCER_FENCED is known to clients from v3 of this API.
    const code = error === ErrorCode.PRODUCER_FENCED && ctx.apiVersion < 3 ? ErrorCode.INVALID_PRODUCER_EPOCH : error;
    return respond((m) => (tooLarge(m) ? ErrorCode.OFFSET_METADATA_TOO_LARGE : code));
  },
});
