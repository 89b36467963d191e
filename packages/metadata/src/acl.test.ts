import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  type AclBinding,
  type AclBindingFilter,
  AclOperation,
  AclPermissionType,
  filterMatches,
  invalidAclReason,
  PatternType,
  ResourceType,
} from "./acl.js";
import { createAcls, deleteAcls } from "./acl-changes.js";
import { decodeSnapshot, encodeSnapshot } from "./snapshot.js";
import { emptyImage } from "./image.js";

const binding = (over: Partial<AclBinding> = {}): AclBinding => ({
  resourceType: ResourceType.TOPIC,
  resourceName: "orders",
  patternType: PatternType.LITERAL,
  principal: "User:alice",
  host: "*",
  operation: AclOperation.READ,
  permissionType: AclPermissionType.ALLOW,
  ...over,
});
const anyFilter: AclBindingFilter = {
  resourceType: ResourceType.ANY,
  resourceName: null,
  patternType: PatternType.ANY,
  principal: null,
  host: null,
  operation: AclOperation.ANY,
  permissionType: AclPermissionType.ANY,
};

test("new ACLs are validated as Kafka does", () => {
  assert.equal(invalidAclReason(binding()), undefined);
  assert.match(invalidAclReason(binding({ resourceType: ResourceType.ANY })) ?? "", /resourceType/);
  assert.match(invalidAclReason(binding({ patternType: PatternType.MATCH })) ?? "", /patternType/);
  assert.match(invalidAclReason(binding({ operation: AclOperation.ANY })) ?? "", /operation/);
  assert.match(invalidAclReason(binding({ permissionType: AclPermissionType.ANY })) ?? "", /permissionType/);
  assert.match(invalidAclReason(binding({ resourceName: "" })) ?? "", /empty/);
  assert.match(invalidAclReason(binding({ principal: "alice" })) ?? "", /principal/);
  assert.match(
    invalidAclReason(binding({ resourceType: ResourceType.CLUSTER, resourceName: "x" })) ?? "",
    /kafka-cluster/,
  );
});

test("MATCH filters find the literal, wildcard and prefixed ACLs covering a name; ANY only exact names", () => {
  const literal = binding();
  const wildcard = binding({ resourceName: "*" });
  const prefixed = binding({ resourceName: "ord", patternType: PatternType.PREFIXED });
  const other = binding({ resourceName: "payments" });
  const all = [literal, wildcard, prefixed, other];
  const pick = (f: Partial<AclBindingFilter>) => all.filter((a) => filterMatches({ ...anyFilter, ...f }, a));
  assert.deepEqual(pick({ resourceName: "orders", patternType: PatternType.MATCH }), [literal, wildcard, prefixed]);
  assert.deepEqual(pick({ resourceName: "orders", patternType: PatternType.ANY }), [literal]);
  assert.deepEqual(pick({ resourceName: "ord", patternType: PatternType.PREFIXED }), [prefixed]);
  assert.deepEqual(pick({ patternType: PatternType.LITERAL }), [literal, wildcard, other]);
  assert.deepEqual(pick({ principal: "User:bob" }), []);
  assert.deepEqual(pick({ resourceType: ResourceType.GROUP }), []);
});

test("createAcls skips duplicates and rejects invalid bindings one by one; deleteAcls removes matches", () => {
  const image = emptyImage("c", 1, []);
  const created = createAcls(image, [binding(), binding(), binding({ resourceName: "" })]);
  assert.ok(created.ok);
  assert.equal(created.image.acls.length, 1);
  assert.equal(created.value[0], undefined);
  assert.equal(created.value[2]?.errorCode, 42);
  const again = createAcls(created.image, [binding()]);
  assert.ok(again.ok);
  assert.equal(again.image, created.image);
  const deleted = deleteAcls(created.image, [anyFilter, { ...anyFilter, patternType: PatternType.UNKNOWN }]);
  assert.ok(deleted.ok);
  assert.equal(deleted.image.acls.length, 0);
  const [first, second] = deleted.value;
  assert.ok(first.error === undefined && first.deleted.length === 1);
  assert.equal(second.error?.errorCode, 42);
});

test("createAcls stops at the ACL count and size limits", () => {
  const r = createAcls(emptyImage("c", 1, []), [binding(), binding({ resourceName: "b" })], 1);
  assert.ok(r.ok);
  assert.equal(r.image.acls.length, 1);
  assert.equal(r.value[1]?.errorCode, 44);
  const long = binding({ resourceName: "x".repeat(500) });
  const bySize = createAcls(emptyImage("c", 1, []), [binding(), long], 100, 400);
  assert.ok(bySize.ok);
  assert.deepEqual(
    bySize.value.map((e) => e?.errorCode),
    [undefined, 44],
  );
});

test("ACLs survive a snapshot round trip; a corrupt ACL is refused", () => {
  const acl = fc.record({
    resourceType: fc.integer({ min: ResourceType.TOPIC, max: ResourceType.USER }),
    resourceName: fc.string({ minLength: 1 }),
    patternType: fc.constantFrom(PatternType.LITERAL, PatternType.PREFIXED),
    principal: fc.string().map((s) => `User:${s}`),
    host: fc.string(),
    operation: fc.integer({ min: AclOperation.ALL, max: AclOperation.DESCRIBE_TOKENS }),
    permissionType: fc.constantFrom(AclPermissionType.ALLOW, AclPermissionType.DENY),
  });
  fc.assert(
    fc.property(fc.array(acl, { maxLength: 5 }), (raw) => {
      // Plain objects, as JSON.parse gives (fast-check's records have no prototype).
      const acls = raw.map((a) => ({
        ...a,
        resourceName: a.resourceType === ResourceType.CLUSTER ? "kafka-cluster" : a.resourceName,
      }));
      const base = emptyImage("c", 1, []);
      const back = decodeSnapshot(encodeSnapshot({ ...base, acls }), base);
      assert.deepEqual(back.acls, acls);
    }),
    { numRuns: 50 },
  );
  const base = emptyImage("c", 1, []);
  const bad = JSON.parse(encodeSnapshot({ ...base, acls: [binding()] }));
  bad.acls[0].operation = 99;
  assert.throws(() => decodeSnapshot(JSON.stringify(bad), base), /acls/);
});
