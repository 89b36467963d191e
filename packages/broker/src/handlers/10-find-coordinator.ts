import { AclOperation } from "@samsa/metadata";
import {
  defaultFindCoordinatorResponse,
  ErrorCode,
  errorInfo,
  type FindCoordinatorResponseCoordinator,
} from "@samsa/protocol";
import { endpointFor } from "../admin/endpoints.js";
import { groupAllowed, transactionalIdAllowed } from "../security/acl-checks.js";
import { defineHandler, type RequestContext } from "./handler.js";

const KEY_TYPE_GROUP = 0;
const KEY_TYPE_TRANSACTION = 1;

/** Another live broker's endpoint on the listener the request came in on (cluster mode). */
function brokerEndpoint(ctx: RequestContext, nodeId: number): { host: string; port: number } | undefined {
  const b = ctx.metadata.image.brokers.find((x) => x.nodeId === nodeId);
  return b?.listeners.find((l) => l.name === ctx.connection.listenerName) ?? b?.listeners[0];
}

/** Finding a coordinator needs DESCRIBE on the group or transactional id. */
function findCoordinatorDenied(ctx: RequestContext, key: string, keyType: number): number | undefined {
  if (keyType === KEY_TYPE_GROUP && !groupAllowed(ctx, key, AclOperation.DESCRIBE))
    return ErrorCode.GROUP_AUTHORIZATION_FAILED;
  if (keyType === KEY_TYPE_TRANSACTION && !transactionalIdAllowed(ctx, key, AclOperation.DESCRIBE))
    return ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
  return undefined;
}

function locate(ctx: RequestContext, key: string, keyType: number): FindCoordinatorResponseCoordinator {
  let endpoint: { host: string; port: number } | undefined = endpointFor(ctx.identity, ctx.connection.listenerName);
  let nodeId = ctx.identity.nodeId;
  let errorCode: number;
  // A group's (transactional id's) coordinator is the leader of its __consumer_offsets
  // (__transaction_state) partition, whichever broker is asked.
  const coordinator =
    key === ""
      ? nodeId
      : keyType === KEY_TYPE_GROUP
        ? ctx.groups.coordinatorNode(key)
        : keyType === KEY_TYPE_TRANSACTION
          ? ctx.transactions.coordinatorNode(key)
          : nodeId;
  if (coordinator !== nodeId && coordinator >= 0) {
    nodeId = coordinator;
    endpoint = brokerEndpoint(ctx, coordinator);
    errorCode = endpoint === undefined ? ErrorCode.COORDINATOR_NOT_AVAILABLE : ErrorCode.NONE;
  } else if (keyType === KEY_TYPE_GROUP)
    errorCode = key === "" ? ErrorCode.INVALID_GROUP_ID : ctx.groups.findCoordinator(ctx, key);
  else if (keyType === KEY_TYPE_TRANSACTION)
    errorCode = key === "" ? ErrorCode.INVALID_REQUEST : ctx.transactions.findCoordinator(ctx, key);
  else errorCode = ErrorCode.INVALID_REQUEST;
  const denied = findCoordinatorDenied(ctx, key, keyType);
  if (denied !== undefined) errorCode = denied;
  const at = errorCode === ErrorCode.NONE ? endpoint : undefined;
  return {
    key,
    nodeId: at !== undefined ? nodeId : -1,
    host: at?.host ?? "",
    port: at?.port ?? -1,
    errorCode,
    errorMessage: errorCode === ErrorCode.NONE ? null : (errorInfo(errorCode)?.message ?? null),
  };
}

/**
 * FindCoordinator: a group's coordinator is the leader of its `__consumer_offsets` partition (this
 * broker on a single node); the offsets topic is created on first use.
 */
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
