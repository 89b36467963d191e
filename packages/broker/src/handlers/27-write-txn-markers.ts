import { AclOperation } from "@samsa/metadata";
import { ErrorCode } from "@samsa/protocol";
import { OFFSETS_TOPIC } from "../group-coordinator-service.js";
import { clusterAllowed } from "../security/acl-checks.js";
import { defineHandler } from "./handler.js";

/**
 * WriteTxnMarkers (inter-broker; on a single node the coordinator writes markers itself): appends
 * a COMMIT/ABORT control batch to each partition named.
 */
export const writeTxnMarkersHandler = defineHandler({
  apiKey: 27,
  minVersion: 0,
  maxVersion: 1,
  async handle(ctx, req) {
    const markers = [];
    const allowed = clusterAllowed(ctx, AclOperation.CLUSTER_ACTION);
    for (const m of req.markers) {
      const topics = [];
      for (const t of m.topics) {
        const partitions = [];
        for (const index of t.partitionIndexes) {
          const lookup = await ctx.dataPath.replicas.getPartition(t.name, index);
          let errorCode: number;
          if (!allowed) errorCode = ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
          else if ("error" in lookup) errorCode = ErrorCode[lookup.error];
          else {
            const r = await lookup.partition.appendTxnMarker({
              producerId: Number(m.producerId),
              producerEpoch: m.producerEpoch,
              coordinatorEpoch: m.coordinatorEpoch,
              commit: m.transactionResult,
            });
            errorCode = ErrorCode[r.error];
            if (r.error === "NONE" && t.name === OFFSETS_TOPIC)
              ctx.transactions.applyTxnOffsets(index, Number(m.producerId), m.transactionResult);
          }
          partitions.push({ partitionIndex: index, errorCode });
        }
        topics.push({ name: t.name, partitions });
      }
      markers.push({ producerId: m.producerId, topics });
    }
    return { markers };
  },
});
