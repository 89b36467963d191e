import { AclOperation } from "@samsa/metadata";
import { OFFSETS_TOPIC } from "../group-coordinator-service.js";
import { txnErrorCode } from "../txn/txn-errors.js";
import { groupAllowed, transactionalIdAllowed } from "../security/acl-checks.js";
import { defineHandler } from "./handler.js";

/**
 * AddOffsetsToTxn: adds the group's `__consumer_offsets` partition to the transaction, so the
 * commit or abort marker reaches the offsets the producer then sends with TxnOffsetCommit.
 */
export const addOffsetsToTxnHandler = defineHandler({
  apiKey: 25,
  minVersion: 0,
  maxVersion: 4,
  async handle(ctx, req) {
    const answer = (error: Parameters<typeof txnErrorCode>[0]) => ({
      throttleTimeMs: 0,
      errorCode: txnErrorCode(error, ctx.apiVersion, 2),
    });
    if (!transactionalIdAllowed(ctx, req.transactionalId, AclOperation.WRITE))
      return answer("TRANSACTIONAL_ID_AUTHORIZATION_FAILED");
    if (!groupAllowed(ctx, req.groupId, AclOperation.READ)) return answer("GROUP_AUTHORIZATION_FAILED");
    const notServing = ctx.transactions.coordinatorError(req.transactionalId);
    if (notServing !== "NONE") return answer(notServing);
    const ref = {
      transactionalId: req.transactionalId,
      producerId: Number(req.producerId),
      producerEpoch: req.producerEpoch,
    };
    const partition = ctx.groups.coordinator.partitionFor(req.groupId);
    const r = await ctx.transactions.run(
      (nowMs) => ctx.transactions.coordinator.addPartitions(ref, [{ topic: OFFSETS_TOPIC, partition }], nowMs),
      req.transactionalId,
    );
    return answer(r.error);
  },
});
