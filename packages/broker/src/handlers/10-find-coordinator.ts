import {
  defaultFindCoordinatorResponse,
  ErrorCode,
  errorInfo,
  type FindCoordinatorResponseCoordinator,
} from "@samsa/protocol";
import { endpointFor } from "../admin/endpoints.js";
import { defineHandler, type RequestContext } from "./handler.js";

const KEY_TYPE_GROUP = 0;
const KEY_TYPE_TRANSACTION = 1;

function locate(ctx: RequestContext, key: string, keyType: number): FindCoordinatorResponseCoordinator {
  const endpoint = endpointFor(ctx.identity, ctx.connection.listenerName);
  let errorCode: number;
  if (keyType === KEY_TYPE_GROUP)
    errorCode = key === "" ? ErrorCode.INVALID_GROUP_ID : ctx.groups.findCoordinator(ctx, key);
  else if (keyType === KEY_TYPE_TRANSACTION)
    errorCode = key === "" ? ErrorCode.INVALID_REQUEST : ctx.transactions.findCoordinator(ctx, key);
  else errorCode = ErrorCode.INVALID_REQUEST;
  const ok = errorCode === ErrorCode.NONE && endpoint !== undefined;
  return {
    key,
    nodeId: ok ? ctx.identity.nodeId : -1,
    host: ok ? endpoint.host : "",
    port: ok ? endpoint.port : -1,
    errorCode,
    errorMessage: errorCode === ErrorCode.NONE ? null : (errorInfo(errorCode)?.message ?? null),
  };
}

/** FindCoordinator: this broker leads every `__consumer_offsets` partition on a single node. */
export const findCoordinatorHandler = defineHandler({
  apiKey: 10,
  minVersion: 0,
  maxVersion: 6,
  handle(ctx, req) {
    if (ctx.apiVersion >= 4) {
      return {
        ...defaultFindCoordinatorResponse(),
        coordinators: req.coordinatorKeys.map((k) => locate(ctx, k, req.keyType)),
      };
    }
    const c = locate(ctx, req.key, req.keyType);
    return {
      throttleTimeMs: 0,
      errorCode: c.errorCode,
      errorMessage: c.errorMessage,
      nodeId: c.nodeId,
      host: c.host,
      port: c.port,
      coordinators: [],
    };
  },
});
