import { AclOperation as Op } from "@samsa/metadata";

/** "Not requested": Kafka's default for authorized-operations fields (KIP-430). */
export const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

/** The operations each resource type supports, as authorized-operations fields list them. */
export const TOPIC_OPERATIONS: readonly number[] = [
  Op.READ,
  Op.WRITE,
  Op.CREATE,
  Op.DELETE,
  Op.ALTER,
  Op.DESCRIBE,
  Op.DESCRIBE_CONFIGS,
  Op.ALTER_CONFIGS,
];
export const GROUP_OPERATIONS: readonly number[] = [Op.READ, Op.DELETE, Op.DESCRIBE];
export const CLUSTER_OPERATIONS: readonly number[] = [
  Op.CREATE,
  Op.ALTER,
  Op.DESCRIBE,
  Op.CLUSTER_ACTION,
  Op.DESCRIBE_CONFIGS,
  Op.ALTER_CONFIGS,
  Op.IDEMPOTENT_WRITE,
  Op.CREATE_TOKENS,
  Op.DESCRIBE_TOKENS,
];

/** An authorized-operations bitfield: bit n set when AclOperation n is allowed. */
export function operationBits(ops: readonly number[]): number {
  return ops.reduce((acc, op) => acc | (1 << op), 0);
}

/** Without an authorizer every operation a resource supports is allowed. */
export const TOPIC_AUTHORIZED_OPERATIONS = operationBits(TOPIC_OPERATIONS);
export const CLUSTER_AUTHORIZED_OPERATIONS = operationBits(CLUSTER_OPERATIONS);
