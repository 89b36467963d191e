import { ErrorCode } from "@samsa/protocol";
import { endpointFor } from "../admin/endpoints.js";
import { clusterOperationsField } from "../security/acl-checks.js";
import { defineHandler } from "./handler.js";

const ENDPOINT_TYPE_BROKER = 1;

/** DescribeCluster: the live brokers on the listener asked; controller endpoints are not served by brokers. */
export const describeClusterHandler = defineHandler({
  apiKey: 60,
  minVersion: 0,
  maxVersion: 1,
  handle(ctx, request) {
    const endpointType = ctx.apiVersion >= 1 ? request.endpointType : ENDPOINT_TYPE_BROKER;
    const base = {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null as string | null,
      endpointType,
      clusterId: ctx.identity.clusterId,
      controllerId: ctx.metadata.image.controllerId,
      brokers: [] as { brokerId: number; host: string; port: number; rack: string | null }[],
      clusterAuthorizedOperations: clusterOperationsField(ctx, request.includeClusterAuthorizedOperations),
    };
    if (endpointType !== ENDPOINT_TYPE_BROKER) {
      return {
        ...base,
        errorCode: ErrorCode.UNSUPPORTED_ENDPOINT_TYPE,
        errorMessage:
          "The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER",
      };
    }
    const e = endpointFor(ctx.identity, ctx.connection.listenerName);
    if (e !== undefined)
      base.brokers.push({ brokerId: ctx.identity.nodeId, host: e.host, port: e.port, rack: ctx.identity.rack });
    // Cluster mode: the other live brokers too.
    for (const b of ctx.metadata.image.brokers) {
      if (b.nodeId === ctx.identity.nodeId) continue;
      const l = b.listeners.find((x) => x.name === ctx.connection.listenerName) ?? b.listeners[0];
      if (l !== undefined) base.brokers.push({ brokerId: b.nodeId, host: l.host, port: l.port, rack: b.rack });
    }
    return base;
  },
});
