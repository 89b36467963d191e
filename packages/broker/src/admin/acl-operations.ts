/** Kafka's AclOperation codes; authorized-operations fields are bitfields over them. */
const Op = {
  READ: 3,
  WRITE: 4,
  CREATE: 5,
  DELETE: 6,
  ALTER: 7,
  DESCRIBE: 8,
  CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10,
  ALTER_CONFIGS: 11,
  IDEMPOTENT_WRITE: 12,
  CREATE_TOKENS: 13,
  DESCRIBE_TOKENS: 14,
} as const;

/** "Not requested": Kafka's default for authorized-operations fields. */
export const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

function bits(ops: readonly number[]): number {
  return ops.reduce((acc, op) => acc | (1 << op), 0);
}

/** Without an authorizer every operation a topic supports is allowed. */
export const TOPIC_AUTHORIZED_OPERATIONS = bits([
  Op.READ,
  Op.WRITE,
  Op.CREATE,
  Op.DELETE,
  Op.ALTER,
  Op.DESCRIBE,
  Op.DESCRIBE_CONFIGS,
  Op.ALTER_CONFIGS,
]);

export const CLUSTER_AUTHORIZED_OPERATIONS = bits([
  Op.CREATE,
  Op.ALTER,
  Op.DESCRIBE,
  Op.CLUSTER_ACTION,
  Op.DESCRIBE_CONFIGS,
  Op.ALTER_CONFIGS,
  Op.IDEMPOTENT_WRITE,
  Op.CREATE_TOKENS,
  Op.DESCRIBE_TOKENS,
]);
