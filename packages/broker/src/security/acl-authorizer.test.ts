import assert from "node:assert/strict";
import { test } from "node:test";
import { type AclBinding, AclOperation as Op, AclPermissionType, PatternType, ResourceType } from "@samsa/metadata";
import { AclAuthorizer, impliesOperation } from "./acl-authorizer.js";

function acl(over: Partial<AclBinding>): AclBinding {
  return {
    resourceType: ResourceType.TOPIC,
    resourceName: "orders",
    patternType: PatternType.LITERAL,
    principal: "User:alice",
    host: "*",
    operation: Op.READ,
    permissionType: AclPermissionType.ALLOW,
    ...over,
  };
}

const strict = new AclAuthorizer({ superUsers: ["User:admin"], allowEveryoneIfNoAclFound: false });
const open = new AclAuthorizer({ superUsers: [], allowEveryoneIfNoAclFound: true });
const topic = (
  a: AclAuthorizer,
  acls: AclBinding[],
  name: string,
  op: number,
  principal = "User:alice",
  host = "10.0.0.1",
) => a.authorize(acls, principal, host, ResourceType.TOPIC, name, op);

test("no ACL on the resource: denied unless allow.everyone.if.no.acl.found", () => {
  assert.equal(topic(strict, [], "orders", Op.READ), false);
  assert.equal(topic(open, [], "orders", Op.READ), true);
  // An ACL for another principal still counts as an ACL on the resource.
  const other = [acl({ principal: "User:bob" })];
  assert.equal(topic(open, other, "orders", Op.READ), false);
  assert.equal(topic(open, other, "payments", Op.READ), true);
});

test("super users may do everything, even against a DENY", () => {
  const acls = [acl({ principal: "User:*", permissionType: AclPermissionType.DENY, operation: Op.ALL })];
  assert.equal(topic(strict, acls, "orders", Op.WRITE, "User:admin"), true);
  assert.equal(topic(strict, acls, "orders", Op.WRITE, "User:alice"), false);
});

test("literal, wildcard and prefixed patterns", () => {
  const acls = [
    acl({ resourceName: "*", operation: Op.WRITE }),
    acl({ resourceName: "log-", patternType: PatternType.PREFIXED, operation: Op.READ }),
  ];
  assert.equal(topic(strict, acls, "anything", Op.WRITE), true);
  assert.equal(topic(strict, acls, "log-2024", Op.READ), true);
  assert.equal(topic(strict, acls, "log", Op.READ), false);
  assert.equal(topic(strict, acls, "blog-2024", Op.READ), false);
  // A literal "log-" ACL does not cover "log-x": only PREFIXED does.
  assert.equal(topic(strict, [acl({ resourceName: "log-" })], "log-x", Op.READ), false);
});

test("DENY wins over ALLOW, whichever pattern carries it", () => {
  const acls = [
    acl({ operation: Op.ALL }),
    acl({
      resourceName: "ord",
      patternType: PatternType.PREFIXED,
      permissionType: AclPermissionType.DENY,
      operation: Op.WRITE,
    }),
  ];
  assert.equal(topic(strict, acls, "orders", Op.READ), true);
  assert.equal(topic(strict, acls, "orders", Op.WRITE), false);
});

test("DENY of an operation does not deny the operations an ALLOW of it would imply", () => {
  const acls = [
    acl({ principal: "User:*", operation: Op.DESCRIBE }),
    acl({ principal: "User:*", operation: Op.READ, permissionType: AclPermissionType.DENY }),
  ];
  assert.equal(topic(strict, acls, "orders", Op.DESCRIBE), true);
  assert.equal(topic(strict, acls, "orders", Op.READ), false);
});

test("implied operations: DESCRIBE by READ/WRITE/DELETE/ALTER, DESCRIBE_CONFIGS by ALTER_CONFIGS", () => {
  for (const op of [Op.READ, Op.WRITE, Op.DELETE, Op.ALTER]) assert.ok(impliesOperation(op, Op.DESCRIBE));
  assert.ok(impliesOperation(Op.ALTER_CONFIGS, Op.DESCRIBE_CONFIGS));
  assert.ok(impliesOperation(Op.ALL, Op.IDEMPOTENT_WRITE));
  assert.ok(!impliesOperation(Op.READ, Op.WRITE));
  assert.ok(!impliesOperation(Op.DESCRIBE, Op.READ));
  assert.ok(!impliesOperation(Op.CREATE, Op.DESCRIBE));
  assert.equal(topic(strict, [acl({ operation: Op.WRITE })], "orders", Op.DESCRIBE), true);
});

test("principal and host must match (or be wildcards); IPv4-mapped addresses count as IPv4", () => {
  const acls = [acl({ host: "10.0.0.1" })];
  assert.equal(topic(strict, acls, "orders", Op.READ, "User:alice", "10.0.0.1"), true);
  assert.equal(topic(strict, acls, "orders", Op.READ, "User:alice", "::ffff:10.0.0.1"), true);
  assert.equal(topic(strict, acls, "orders", Op.READ, "User:alice", "10.0.0.2"), false);
  assert.equal(topic(strict, acls, "orders", Op.READ, "User:bob", "10.0.0.1"), false);
  assert.equal(topic(strict, [acl({ principal: "User:*" })], "orders", Op.READ, "User:bob"), true);
});

test("resource types are separate", () => {
  const acls = [acl({ resourceType: ResourceType.GROUP, resourceName: "orders" })];
  assert.equal(strict.authorize(acls, "User:alice", "h", ResourceType.GROUP, "orders", Op.READ), true);
  assert.equal(topic(open, acls, "orders", Op.READ), true);
});

test("authorizeAny: an ALLOW on any topic grants unless a DENY dominates it; a wildcard DENY blocks", () => {
  const anyWrite = (acls: AclBinding[]) => strict.authorizeAny(acls, "User:alice", "h", ResourceType.TOPIC, Op.WRITE);
  const allowPrefix = acl({ resourceName: "x", patternType: PatternType.PREFIXED, operation: Op.WRITE });
  assert.equal(anyWrite([allowPrefix]), true);
  assert.equal(anyWrite([acl({ operation: Op.READ })]), false);
  assert.equal(anyWrite([acl({ operation: Op.WRITE })]), true);
  const denyAll = acl({ resourceName: "*", permissionType: AclPermissionType.DENY, operation: Op.ALL });
  assert.equal(anyWrite([acl({ operation: Op.WRITE }), denyAll]), false);
  // DENY on the same literal name, or on a prefix covering the ALLOW, dominates it.
  const denyLiteral = acl({ permissionType: AclPermissionType.DENY, operation: Op.WRITE });
  assert.equal(anyWrite([acl({ operation: Op.WRITE }), denyLiteral]), false);
  const denyShorter = acl({
    resourceName: "",
    patternType: PatternType.PREFIXED,
    permissionType: AclPermissionType.DENY,
  });
  assert.equal(anyWrite([allowPrefix, { ...denyShorter, resourceName: "x", operation: Op.ALL }]), false);
  // A DENY on a longer prefix leaves the rest of the ALLOWed prefix writable.
  assert.equal(anyWrite([allowPrefix, { ...denyShorter, resourceName: "xy", operation: Op.WRITE }]), true);
  assert.equal(open.authorizeAny([], "User:alice", "h", ResourceType.TOPIC, Op.WRITE), true);
});

test("the index follows a changed ACL list", () => {
  const a = new AclAuthorizer({ superUsers: [], allowEveryoneIfNoAclFound: false });
  const first = [acl({})];
  assert.equal(topic(a, first, "orders", Op.READ), true);
  assert.equal(topic(a, [], "orders", Op.READ), false);
  assert.equal(topic(a, first, "orders", Op.READ), true);
});
