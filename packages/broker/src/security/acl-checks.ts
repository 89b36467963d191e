import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from "@samsa/metadata";
import { ErrorCode } from "@samsa/protocol";
import {
  AUTHORIZED_OPERATIONS_OMITTED,
  CLUSTER_AUTHORIZED_OPERATIONS,
  CLUSTER_OPERATIONS,
  GROUP_OPERATIONS,
  TOPIC_AUTHORIZED_OPERATIONS,
  TOPIC_OPERATIONS,
} from "../admin/acl-operations.js";
import type { RequestContext } from "../handlers/handler.js";

/**
 * The authorization checks handlers make, as Kafka's KafkaApis does them. Without an authorizer each
 * is one branch that answers "allowed".
 */
export function authorized(
  ctx: RequestContext,
  resourceType: number,
  resourceName: string,
  operation: number,
): boolean {
  const a = ctx.authorizer;
  return (
    a === null ||
    a.authorize(
      ctx.metadata.image.acls,
      ctx.connection.principal,
      ctx.connection.remoteAddress,
      resourceType,
      resourceName,
      operation,
    )
  );
}

export function topicAllowed(ctx: RequestContext, topic: string, operation: number): boolean {
  return authorized(ctx, ResourceType.TOPIC, topic, operation);
}

export function groupAllowed(ctx: RequestContext, groupId: string, operation: number): boolean {
  return authorized(ctx, ResourceType.GROUP, groupId, operation);
}

export function clusterAllowed(ctx: RequestContext, operation: number): boolean {
  return authorized(ctx, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME, operation);
}

export function transactionalIdAllowed(ctx: RequestContext, transactionalId: string, operation: number): boolean {
  return authorized(ctx, ResourceType.TRANSACTIONAL_ID, transactionalId, operation);
}

/** Kafka's check for an idempotent producer: IDEMPOTENT_WRITE on the cluster or WRITE on some topic. */
export function idempotentWriteAllowed(ctx: RequestContext): boolean {
  const a = ctx.authorizer;
  if (a === null || clusterAllowed(ctx, AclOperation.IDEMPOTENT_WRITE)) return true;
  return a.authorizeAny(
    ctx.metadata.image.acls,
    ctx.connection.principal,
    ctx.connection.remoteAddress,
    ResourceType.TOPIC,
    AclOperation.WRITE,
  );
}

/** Auto-creating a topic (Metadata, FindCoordinator...) needs CREATE on the cluster or on the topic. */
export function createTopicAllowed(ctx: RequestContext, topic: string): boolean {
  return clusterAllowed(ctx, AclOperation.CREATE) || topicAllowed(ctx, topic, AclOperation.CREATE);
}

const SUPPORTED_OPERATIONS: Readonly<Record<number, readonly number[]>> = {
  [ResourceType.TOPIC]: TOPIC_OPERATIONS,
  [ResourceType.GROUP]: GROUP_OPERATIONS,
  [ResourceType.CLUSTER]: CLUSTER_OPERATIONS,
};

/** The bitfield of operations the caller may perform on the resource. */
export function authorizedOperations(ctx: RequestContext, resourceType: number, resourceName: string): number {
  let bits = 0;
  for (const op of SUPPORTED_OPERATIONS[resourceType] ?? []) {
    if (authorized(ctx, resourceType, resourceName, op)) bits |= 1 << op;
  }
  return bits;
}

/** Metadata's topicAuthorizedOperations: everything a topic supports when no authorizer is set. */
export function topicOperationsField(ctx: RequestContext, requested: boolean, topic: string): number {
  if (!requested) return AUTHORIZED_OPERATIONS_OMITTED;
  return ctx.authorizer === null ? TOPIC_AUTHORIZED_OPERATIONS : authorizedOperations(ctx, ResourceType.TOPIC, topic);
}

/** The clusterAuthorizedOperations fields (Metadata, DescribeCluster). */
export function clusterOperationsField(ctx: RequestContext, requested: boolean): number {
  if (!requested) return AUTHORIZED_OPERATIONS_OMITTED;
  return ctx.authorizer === null
    ? CLUSTER_AUTHORIZED_OPERATIONS
    : authorizedOperations(ctx, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME);
}

/** Fetch: a follower needs CLUSTER_ACTION on the cluster, a consumer READ on the topic. */
export function fetchAllowed(ctx: RequestContext, topic: string, fromFollower: boolean): boolean {
  return fromFollower ? clusterAllowed(ctx, AclOperation.CLUSTER_ACTION) : topicAllowed(ctx, topic, AclOperation.READ);
}

/** A group API's first check: GROUP_AUTHORIZATION_FAILED when denied, else the coordinator's state. */
export function groupError(ctx: RequestContext, groupId: string, operation: number): number {
  return groupAllowed(ctx, groupId, operation)
    ? ctx.groups.coordinatorError(groupId)
    : ErrorCode.GROUP_AUTHORIZATION_FAILED;
}

/**
 * Describe/AlterConfigs: `operation` (DESCRIBE_CONFIGS or ALTER_CONFIGS) on the topic, or on the
 * cluster for broker resources. Returns the error code when denied, else undefined.
 */
export function configsDenied(
  ctx: RequestContext,
  isTopic: boolean,
  resourceName: string,
  operation: number,
): number | undefined {
  if (ctx.authorizer === null) return undefined;
  if (isTopic) return topicAllowed(ctx, resourceName, operation) ? undefined : ErrorCode.TOPIC_AUTHORIZATION_FAILED;
  return clusterAllowed(ctx, operation) ? undefined : ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
}
