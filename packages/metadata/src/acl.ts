/** Kafka's ResourceType codes. */
export const ResourceType = {
  UNKNOWN: 0,
  ANY: 1,
  TOPIC: 2,
  GROUP: 3,
  CLUSTER: 4,
  TRANSACTIONAL_ID: 5,
  DELEGATION_TOKEN: 6,
  USER: 7,
} as const;

/** Kafka's PatternType codes; ANY and MATCH exist only in filters. */
export const PatternType = { UNKNOWN: 0, ANY: 1, MATCH: 2, LITERAL: 3, PREFIXED: 4 } as const;

/** Kafka's AclOperation codes. */
export const AclOperation = {
  UNKNOWN: 0,
  ANY: 1,
  ALL: 2,
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

/** Kafka's AclPermissionType codes. */
export const AclPermissionType = { UNKNOWN: 0, ANY: 1, DENY: 2, ALLOW: 3 } as const;

/** The resource name, principal and host that match everything. */
export const WILDCARD = "*";
/** The only name a CLUSTER resource has. */
export const CLUSTER_RESOURCE_NAME = "kafka-cluster";
/** Bounds on the ACLs a cluster holds: the image stays small, and in etcd they are one value (< 1.5 MiB). */
export const MAX_ACLS = 10_000;
export const MAX_ACLS_BYTES = 1_000_000;

/** About the size of an ACL as stored (JSON): its strings plus the field names and numbers. */
export function storedAclBytes(b: AclBinding): number {
  return b.resourceName.length + b.principal.length + b.host.length + 120;
}

/** One ACL: who (principal, host) may or may not do what (operation) on which resources (pattern). */
export interface AclBinding {
  readonly resourceType: number;
  readonly resourceName: string;
  readonly patternType: number;
  readonly principal: string;
  readonly host: string;
  readonly operation: number;
  readonly permissionType: number;
}

/** A DescribeAcls/DeleteAcls filter: null strings and ANY codes match everything. */
export interface AclBindingFilter {
  readonly resourceType: number;
  readonly resourceName: string | null;
  readonly patternType: number;
  readonly principal: string | null;
  readonly host: string | null;
  readonly operation: number;
  readonly permissionType: number;
}

function inRange(code: number, min: number, max: number): boolean {
  return Number.isInteger(code) && code >= min && code <= max;
}

/** Kafka's check of a principal's form: "Type:name" with a non-empty type. */
function validPrincipal(principal: string): boolean {
  const colon = principal.indexOf(":");
  return colon > 0;
}

/** Why a new ACL is invalid (Kafka answers INVALID_REQUEST), or undefined when it is fine. */
export function invalidAclReason(b: AclBinding): string | undefined {
  if (!inRange(b.resourceType, ResourceType.TOPIC, ResourceType.USER)) return `Invalid resourceType ${b.resourceType}`;
  if (b.patternType !== PatternType.LITERAL && b.patternType !== PatternType.PREFIXED)
    return `Invalid patternType ${b.patternType}`;
  if (!inRange(b.operation, AclOperation.ALL, AclOperation.DESCRIBE_TOKENS)) return `Invalid operation ${b.operation}`;
  if (b.permissionType !== AclPermissionType.ALLOW && b.permissionType !== AclPermissionType.DENY)
    return `Invalid permissionType ${b.permissionType}`;
  if (b.resourceName === "") return "Resource name should not be empty";
  if (b.resourceType === ResourceType.CLUSTER && b.resourceName !== CLUSTER_RESOURCE_NAME)
    return `The only valid name for the CLUSTER resource is ${CLUSTER_RESOURCE_NAME}`;
  if (!validPrincipal(b.principal))
    return `Could not parse principal from \`${b.principal}\` (no colon is present separating the principal type from the principal name)`;
  return undefined;
}

/** Why a filter is invalid (it has an UNKNOWN element), or undefined. */
export function invalidFilterReason(f: AclBindingFilter): string | undefined {
  if (!inRange(f.resourceType, ResourceType.ANY, ResourceType.USER)) return "Unknown resourceType in filter.";
  if (!inRange(f.patternType, PatternType.ANY, PatternType.PREFIXED)) return "Unknown patternFilter.";
  if (!inRange(f.operation, AclOperation.ANY, AclOperation.DESCRIBE_TOKENS)) return "Unknown operation in filter.";
  if (!inRange(f.permissionType, AclPermissionType.ANY, AclPermissionType.ALLOW))
    return "Unknown permissionType in filter.";
  return undefined;
}

/** Kafka's ResourcePatternFilter.matches: MATCH also finds the wildcard and prefixes covering the name. */
function patternMatches(f: AclBindingFilter, b: AclBinding): boolean {
  if (f.resourceType !== ResourceType.ANY && f.resourceType !== b.resourceType) return false;
  if (f.patternType !== PatternType.ANY && f.patternType !== PatternType.MATCH && f.patternType !== b.patternType)
    return false;
  if (f.resourceName === null) return true;
  if (f.patternType !== PatternType.MATCH) return f.resourceName === b.resourceName;
  if (b.patternType === PatternType.LITERAL) return f.resourceName === b.resourceName || b.resourceName === WILDCARD;
  return f.resourceName.startsWith(b.resourceName);
}

/** Kafka's AclBindingFilter.matches. */
export function filterMatches(f: AclBindingFilter, b: AclBinding): boolean {
  return (
    patternMatches(f, b) &&
    (f.principal === null || f.principal === b.principal) &&
    (f.host === null || f.host === b.host) &&
    (f.operation === AclOperation.ANY || f.operation === b.operation) &&
    (f.permissionType === AclPermissionType.ANY || f.permissionType === b.permissionType)
  );
}

export function sameAcl(a: AclBinding, b: AclBinding): boolean {
  return (
    a.resourceType === b.resourceType &&
    a.resourceName === b.resourceName &&
    a.patternType === b.patternType &&
    a.principal === b.principal &&
    a.host === b.host &&
    a.operation === b.operation &&
    a.permissionType === b.permissionType
  );
}

/** Just the binding's fields (callers may pass protocol objects carrying more). */
export function aclBinding(b: AclBinding): AclBinding {
  return {
    resourceType: b.resourceType,
    resourceName: b.resourceName,
    patternType: b.patternType,
    principal: b.principal,
    host: b.host,
    operation: b.operation,
    permissionType: b.permissionType,
  };
}

/** Whether a decoded value is a well-formed stored ACL (used by the snapshot and etcd codecs). */
export function isStoredAcl(v: unknown): v is AclBinding {
  if (typeof v !== "object" || v === null) return false;
  const a = v as Record<string, unknown>;
  const ints = [a.resourceType, a.patternType, a.operation, a.permissionType].every((x) => Number.isInteger(x));
  const strings = [a.resourceName, a.principal, a.host].every((x) => typeof x === "string");
  return ints && strings && invalidAclReason(a as unknown as AclBinding) === undefined;
}
