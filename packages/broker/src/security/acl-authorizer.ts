import { type AclBinding, AclOperation, AclPermissionType, PatternType, WILDCARD } from "@samsa/metadata";

/** Kafka's wildcard principal: matches every principal. */
const WILDCARD_PRINCIPAL = "User:*";

/** The Kafka authorizer class names that turn the authorizer on (`authorizer.class.name`). */
export const AUTHORIZER_CLASS_NAMES: readonly string[] = [
  "kafka.security.authorizer.AclAuthorizer",
  "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
  "kafka.security.auth.SimpleAclAuthorizer",
];

export interface AuthorizerOptions {
  /** `super.users`: principals allowed everything. */
  readonly superUsers: readonly string[];
  /** `allow.everyone.if.no.acl.found`: a resource no ACL names is open to all. */
  readonly allowEveryoneIfNoAclFound: boolean;
}

/** The ACLs of one resource type, indexed by pattern for lookup by resource name. */
interface TypeIndex {
  readonly literal: Map<string, AclBinding[]>;
  readonly prefixed: Map<string, AclBinding[]>;
  /** The distinct lengths of the prefixes, ascending: a name is cut only at these. */
  readonly prefixLengths: number[];
  /** Every ACL of this type, for checks on the type as a whole. */
  readonly all: AclBinding[];
}

function push(map: Map<string, AclBinding[]>, key: string, acl: AclBinding): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [acl]);
  else list.push(acl);
}

/** ALLOW of `granted` also allows `requested`: ALL, itself, and Kafka's implied operations. */
export function impliesOperation(granted: number, requested: number): boolean {
  if (granted === AclOperation.ALL || granted === requested) return true;
  if (requested === AclOperation.DESCRIBE) {
    return (
      granted === AclOperation.READ ||
      granted === AclOperation.WRITE ||
      granted === AclOperation.DELETE ||
      granted === AclOperation.ALTER
    );
  }
  return requested === AclOperation.DESCRIBE_CONFIGS && granted === AclOperation.ALTER_CONFIGS;
}

/** Node reports IPv4 clients of a dual-stack socket as `::ffff:a.b.c.d`; Kafka's ACL hosts are plain. */
export function clientHost(remoteAddress: string): string {
  return remoteAddress.startsWith("::ffff:") ? remoteAddress.slice(7) : remoteAddress;
}

/**
 * Kafka's ACL authorizer over the cluster image's bindings: super users may do everything; a DENY
 * that matches wins over any ALLOW; an ALLOW of the operation (or one implying it) allows; a resource
 * no ACL covers is allowed only with allow.everyone.if.no.acl.found. The index is rebuilt when the
 * image's ACL list changes (it is immutable, so identity tells).
 */
export class AclAuthorizer {
  readonly #superUsers: ReadonlySet<string>;
  readonly #allowEveryone: boolean;
  #indexedAcls: readonly AclBinding[] | undefined;
  #index = new Map<number, TypeIndex>();

  constructor(opts: AuthorizerOptions) {
    this.#superUsers = new Set(opts.superUsers);
    this.#allowEveryone = opts.allowEveryoneIfNoAclFound;
  }

  #typeIndex(acls: readonly AclBinding[], resourceType: number): TypeIndex | undefined {
    if (acls !== this.#indexedAcls) {
      const index = new Map<number, TypeIndex>();
      for (const acl of acls) {
        let t = index.get(acl.resourceType);
        if (t === undefined) {
          t = { literal: new Map(), prefixed: new Map(), prefixLengths: [], all: [] };
          index.set(acl.resourceType, t);
        }
        push(acl.patternType === PatternType.PREFIXED ? t.prefixed : t.literal, acl.resourceName, acl);
        t.all.push(acl);
      }
      for (const t of index.values()) {
        t.prefixLengths.push(...new Set([...t.prefixed.keys()].map((k) => k.length)));
        t.prefixLengths.sort((a, b) => a - b);
      }
      this.#index = index;
      this.#indexedAcls = acls;
    }
    return this.#index.get(resourceType);
  }

  /**
   * What needs no scan: a super user is allowed, a resource type no ACL names is decided by
   * allow.everyone.if.no.acl.found; otherwise the type's ACLs to scan.
   */
  #indexOrDecision(acls: readonly AclBinding[], principal: string, resourceType: number): TypeIndex | boolean {
    if (this.#superUsers.has(principal)) return true;
    return this.#typeIndex(acls, resourceType) ?? this.#allowEveryone;
  }

  /** Matches of one pattern's ACLs: bit 1 some ACL names the resource, 2 an ALLOW applies, 4 a DENY. */
  #scan(list: readonly AclBinding[] | undefined, principal: string, host: string, operation: number): number {
    if (list === undefined) return 0;
    let r = 1;
    for (const acl of list) {
      if (!appliesTo(acl, principal, host)) continue;
      if (acl.permissionType === AclPermissionType.DENY) {
        if (acl.operation === AclOperation.ALL || acl.operation === operation) r |= 4;
      } else if (impliesOperation(acl.operation, operation)) {
        r |= 2;
      }
    }
    return r;
  }

  /** Whether `principal` connected from `host` may perform `operation` on the resource. */
  authorize(
    acls: readonly AclBinding[],
    principal: string,
    host: string,
    resourceType: number,
    resourceName: string,
    operation: number,
  ): boolean {
    const t = this.#indexOrDecision(acls, principal, resourceType);
    if (typeof t === "boolean") return t;
    const h = clientHost(host);
    // The ACLs whose pattern covers the resource: literal name, literal wildcard, prefixes of the name.
    let r = this.#scan(t.literal.get(resourceName), principal, h, operation);
    if (resourceName !== WILDCARD) r |= this.#scan(t.literal.get(WILDCARD), principal, h, operation);
    for (const len of t.prefixLengths) {
      if (len > resourceName.length) break;
      r |= this.#scan(t.prefixed.get(resourceName.slice(0, len)), principal, h, operation);
    }
    if (r === 0) return this.#allowEveryone;
    return (r & 4) === 0 && (r & 2) !== 0;
  }

  /**
   * Kafka's authorizeByResourceType: may the principal perform `operation` on at least one resource
   * of the type (e.g. WRITE on some topic, for an idempotent producer)? A DENY on the wildcard
   * blocks it; an ALLOW grants it unless a DENY dominates it (the same literal name, or a prefix of
   * its name). Only the operation itself or ALL counts here, as in Kafka.
   */
  authorizeAny(
    acls: readonly AclBinding[],
    principal: string,
    host: string,
    resourceType: number,
    operation: number,
  ): boolean {
    const t = this.#indexOrDecision(acls, principal, resourceType);
    if (typeof t === "boolean") return t;
    const h = clientHost(host);
    const denied = { literal: new Set<string>(), prefixed: [] as string[] };
    const allowed = { literal: [] as string[], prefixed: [] as string[] };
    for (const acl of t.all) {
      if (!appliesTo(acl, principal, h)) continue;
      if (acl.operation !== AclOperation.ALL && acl.operation !== operation) continue;
      const literal = acl.patternType === PatternType.LITERAL;
      if (acl.permissionType === AclPermissionType.DENY) {
        if (literal && acl.resourceName === WILDCARD) return false;
        if (literal) denied.literal.add(acl.resourceName);
        else denied.prefixed.push(acl.resourceName);
      } else if (literal && acl.resourceName === WILDCARD) {
        return true;
      } else {
        (literal ? allowed.literal : allowed.prefixed).push(acl.resourceName);
      }
    }
    const dominated = (name: string) => denied.prefixed.some((p) => name.startsWith(p));
    return (
      allowed.literal.some((name) => !denied.literal.has(name) && !dominated(name)) ||
      allowed.prefixed.some((name) => !dominated(name))
    );
  }
}

function appliesTo(acl: AclBinding, principal: string, host: string): boolean {
  return (
    (acl.principal === principal || acl.principal === WILDCARD_PRINCIPAL) &&
    (acl.host === host || acl.host === WILDCARD)
  );
}
