import assert from "node:assert/strict";
import { test } from "node:test";
import { type AclBinding, AclOperation as Op, AclPermissionType, PatternType, ResourceType } from "@samsa/metadata";
import { ErrorCode, type RequestByApiKey } from "@samsa/protocol";
import { removeDir, startTestBroker } from "../testing/test-broker.js";
import { TestClient } from "../testing/test-client.js";

const AUTHORIZER: [string, string] = ["authorizer.class.name", "kafka.security.authorizer.AclAuthorizer"];
const ANONYMOUS = "User:ANONYMOUS";

function binding(over: Partial<AclBinding> = {}): RequestByApiKey[30]["creations"][number] {
  const b = {
    resourceType: ResourceType.TOPIC,
    resourceName: "orders",
    patternType: PatternType.LITERAL,
    principal: "User:*",
    host: "*",
    operation: Op.READ,
    permissionType: AclPermissionType.ALLOW,
    ...over,
  };
  const { patternType, ...rest } = b;
  return { ...rest, resourcePatternType: patternType };
}

const anyFilter = {
  resourceTypeFilter: ResourceType.ANY,
  resourceNameFilter: null,
  patternTypeFilter: PatternType.ANY,
  principalFilter: null,
  hostFilter: null,
  operation: Op.ANY,
  permissionType: AclPermissionType.ANY,
};

async function withBroker(settings: [string, string][], fn: (c: TestClient) => Promise<void>): Promise<void> {
  const b = await startTestBroker(settings);
  const c = await TestClient.connect(b.port);
  try {
    await fn(c);
  } finally {
    c.close();
    await b.stop();
    await removeDir(b.dataDir);
  }
}

async function createTopic(c: TestClient, name: string): Promise<void> {
  const r = await c.send(19, 4, {
    topics: [{ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
    timeoutMs: 5000,
    validateOnly: false,
  });
  assert.equal(r.topics[0].errorCode, ErrorCode.NONE);
}

async function createAcls(c: TestClient, creations: RequestByApiKey[30]["creations"]): Promise<number[]> {
  const r = await c.send(30, 2, { creations });
  return r.results.map((x) => x.errorCode);
}

test("without an authorizer the ACL APIs answer SECURITY_DISABLED", async () => {
  await withBroker([], async (c) => {
    assert.deepEqual(await createAcls(c, [binding()]), [ErrorCode.SECURITY_DISABLED]);
    assert.equal((await c.send(29, 2, anyFilter)).errorCode, ErrorCode.SECURITY_DISABLED);
    const del = await c.send(31, 2, { filters: [anyFilter] });
    assert.equal(del.filterResults[0].errorCode, ErrorCode.SECURITY_DISABLED);
  });
});

test("CreateAcls validates each binding; DescribeAcls refuses UNKNOWN filters; v0 sees literal ACLs only", async () => {
  await withBroker([AUTHORIZER, ["allow.everyone.if.no.acl.found", "true"]], async (c) => {
    const codes = await createAcls(c, [
      binding(),
      binding({ resourceName: "ord", patternType: PatternType.PREFIXED }),
      binding({ resourceType: ResourceType.ANY }),
      binding({ resourceName: "" }),
      binding({ principal: "nobody" }),
      binding({ resourceType: ResourceType.CLUSTER, resourceName: "x" }),
      binding({ operation: Op.ANY }),
      binding({ patternType: PatternType.MATCH }),
    ]);
    assert.deepEqual(codes, [0, 0, 42, 42, 42, 42, 42, 42]);
    assert.equal((await c.send(29, 2, { ...anyFilter, patternTypeFilter: PatternType.UNKNOWN })).errorCode, 42);
    const all = await c.send(29, 2, anyFilter);
    assert.deepEqual(all.resources.map((r) => [r.resourceName, r.patternType]).sort(), [
      ["ord", PatternType.PREFIXED],
      ["orders", PatternType.LITERAL],
    ]);
    const v0 = await c.send(29, 0, { ...anyFilter, patternTypeFilter: PatternType.LITERAL });
    assert.deepEqual(
      v0.resources.map((r) => r.resourceName),
      ["orders"],
    );
    const deleted = await c.send(31, 1, {
      filters: [{ ...anyFilter, resourceNameFilter: "orders", patternTypeFilter: PatternType.MATCH }],
    });
    assert.deepEqual(deleted.filterResults[0].matchingAcls.map((a) => a.resourceName).sort(), ["ord", "orders"]);
    assert.equal((await c.send(29, 2, anyFilter)).resources.length, 0);
  });
});

test("managing ACLs needs ALTER / DESCRIBE on the cluster", async () => {
  await withBroker([AUTHORIZER, ["allow.everyone.if.no.acl.found", "true"]], async (c) => {
    const cluster = { resourceType: ResourceType.CLUSTER, resourceName: "kafka-cluster" };
    assert.deepEqual(
      await createAcls(c, [binding({ ...cluster, operation: Op.DESCRIBE, permissionType: AclPermissionType.DENY })]),
      [0],
    );
    assert.equal((await c.send(29, 2, anyFilter)).errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    // An ACL on the cluster ends allow.everyone.if.no.acl.found for it: ALTER is closed too now.
    assert.deepEqual(await createAcls(c, [binding()]), [ErrorCode.CLUSTER_AUTHORIZATION_FAILED]);
    const del = await c.send(31, 2, { filters: [anyFilter] });
    assert.equal(del.filterResults[0].errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  });
});

test("Metadata: topics without DESCRIBE are left out of all-topics and fail by name; auto-create needs CREATE; authorized operations", async () => {
  // Set up as a super user, then restart closed (allow.everyone.if.no.acl.found=false) without one.
  const setup = await startTestBroker([AUTHORIZER, ["super.users", ANONYMOUS]]);
  const c1 = await TestClient.connect(setup.port);
  await createTopic(c1, "visible");
  await createTopic(c1, "hidden");
  const cluster = { resourceType: ResourceType.CLUSTER, resourceName: "kafka-cluster" };
  assert.deepEqual(
    await createAcls(c1, [
      binding({ resourceName: "visible", operation: Op.READ }),
      binding({ resourceName: "auto-", patternType: PatternType.PREFIXED, operation: Op.DESCRIBE }),
      binding({ ...cluster, operation: Op.CREATE }),
    ]),
    [0, 0, 0],
  );
  c1.close();
  await setup.stop();
  const b = await startTestBroker([AUTHORIZER], setup.dataDir, setup.logs);
  const c = await TestClient.connect(b.port);
  try {
    const all = await c.send(3, 10, {
      topics: null,
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: true,
      includeTopicAuthorizedOperations: true,
    });
    assert.deepEqual(
      all.topics.map((t) => t.name),
      ["visible"],
    );
    // READ and the DESCRIBE it implies on "visible"; CREATE on the cluster.
    assert.equal(all.topics[0].topicAuthorizedOperations, (1 << Op.READ) | (1 << Op.DESCRIBE));
    assert.equal(all.clusterAuthorizedOperations, 1 << Op.CREATE);
    const named = await c.send(3, 10, {
      topics: ["hidden", "nowhere", "auto-1"].map((name) => ({ name, topicId: "AAAAAAAAAAAAAAAAAAAAAA" })),
      allowAutoTopicCreation: true,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    });
    assert.deepEqual(
      named.topics.map((t) => [t.name, t.errorCode]),
      [
        ["hidden", ErrorCode.TOPIC_AUTHORIZATION_FAILED],
        ["nowhere", ErrorCode.TOPIC_AUTHORIZATION_FAILED],
        // DESCRIBE by prefix and CREATE on the cluster: created, as Kafka answers a fresh topic.
        ["auto-1", ErrorCode.LEADER_NOT_AVAILABLE],
      ],
    );
    // ACL management needs ALTER on the cluster, which this user lacks.
    assert.deepEqual(await createAcls(c, [binding()]), [ErrorCode.CLUSTER_AUTHORIZATION_FAILED]);
  } finally {
    c.close();
    await b.stop();
    await removeDir(b.dataDir);
  }
});

test("super users bypass DENY", async () => {
  await withBroker([AUTHORIZER, ["super.users", `User:admin;${ANONYMOUS}`]], async (c) => {
    await createTopic(c, "visible");
    const denyAll = binding({ resourceName: "visible", operation: Op.ALL, permissionType: AclPermissionType.DENY });
    assert.deepEqual(await createAcls(c, [denyAll]), [0]);
    const all = await c.send(3, 10, {
      topics: null,
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    });
    assert.deepEqual(
      all.topics.map((t) => [t.name, t.errorCode]),
      [["visible", ErrorCode.NONE]],
    );
  });
});
