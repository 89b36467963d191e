// A stand-in for Kafka's bin/kafka-acls.sh, for librdkafka tests that shell out to it (through
// KAFKA_PATH): --add, --remove and --list of ACLs on --topic/--group/--cluster/--transactional-id
// with --allow-principal/--deny-principal, --allow-host/--deny-host, --operation (repeatable) and
// --resource-pattern-type, through the broker's CreateAcls/DescribeAcls/DeleteAcls with kafkajs.
// Kafka's --authorizer-properties zookeeper.connect=... form is accepted; its ZooKeeper address is
// ignored (the broker holds the ACLs). Exits non-zero on any error.
import { parseArgs } from "node:util";
import kafkajs from "kafkajs";
import { kafkajsClient } from "../../test/compat/harness/kafkajs.mjs";

const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } = kafkajs;

const { values } = parseArgs({
  options: {
    "bootstrap-server": { type: "string" },
    "authorizer-properties": { type: "string", multiple: true },
    "command-config": { type: "string" },
    add: { type: "boolean" },
    remove: { type: "boolean" },
    list: { type: "boolean" },
    force: { type: "boolean" },
    topic: { type: "string", multiple: true },
    group: { type: "string", multiple: true },
    cluster: { type: "boolean" },
    "transactional-id": { type: "string", multiple: true },
    "allow-principal": { type: "string", multiple: true },
    "deny-principal": { type: "string", multiple: true },
    "allow-host": { type: "string", multiple: true },
    "deny-host": { type: "string", multiple: true },
    operation: { type: "string", multiple: true },
    "resource-pattern-type": { type: "string" },
  },
});

// The ZooKeeper form names no broker: the test runner's BROKERS (librdkafka's tests) stands in.
const bootstrap = values["bootstrap-server"] ?? process.env.BROKERS;
if (!bootstrap) throw new Error("kafka-acls: --bootstrap-server (or BROKERS in the environment) is required");

/** Kafka's operation names as the tool takes them (case-insensitive, e.g. All, Read, IdempotentWrite). */
function operationCode(name) {
  const key = name.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();
  const code = AclOperationTypes[key];
  if (code === undefined) throw new Error(`kafka-acls: unknown operation ${name}`);
  return code;
}

function patternCode(name = "literal", filter = false) {
  const code = ResourcePatternTypes[name.toUpperCase()];
  if (code === undefined) throw new Error(`kafka-acls: unknown resource pattern type ${name}`);
  if (!filter && (code === ResourcePatternTypes.ANY || code === ResourcePatternTypes.MATCH))
    throw new Error(`kafka-acls: --resource-pattern-type ${name} is only for --list/--remove`);
  return code;
}

/** Kafka's display name of an enum code (e.g. TOPIC, READ, ALLOW). */
function nameOf(table, code) {
  return Object.keys(table).find((k) => table[k] === code) ?? String(code);
}

const resources = [
  ...(values.topic ?? []).map((name) => ({ resourceType: AclResourceTypes.TOPIC, resourceName: name })),
  ...(values.group ?? []).map((name) => ({ resourceType: AclResourceTypes.GROUP, resourceName: name })),
  ...(values["transactional-id"] ?? []).map((name) => ({
    resourceType: AclResourceTypes.TRANSACTIONAL_ID,
    resourceName: name,
  })),
  ...(values.cluster ? [{ resourceType: AclResourceTypes.CLUSTER, resourceName: "kafka-cluster" }] : []),
];

/** The (principal, host, permission) entries the options name; hosts default to '*' as in Kafka. */
function entries() {
  const out = [];
  for (const [principals, hosts, permissionType] of [
    [values["allow-principal"], values["allow-host"], AclPermissionTypes.ALLOW],
    [values["deny-principal"], values["deny-host"], AclPermissionTypes.DENY],
  ]) {
    for (const principal of principals ?? [])
      for (const host of hosts ?? ["*"]) out.push({ principal, host, permissionType });
  }
  return out;
}

const admin = kafkajsClient(bootstrap.split(",")[0], "kafka-acls-shim").admin();
await admin.connect();
try {
  if (values.add) {
    if (resources.length === 0)
      throw new Error("kafka-acls: --add needs --topic, --group, --cluster or --transactional-id");
    const operations = (values.operation ?? ["All"]).map(operationCode);
    const patternType = patternCode(values["resource-pattern-type"]);
    const acl = [];
    for (const r of resources)
      for (const e of entries())
        for (const operation of operations) acl.push({ ...r, resourcePatternType: patternType, ...e, operation });
    if (acl.length === 0) throw new Error("kafka-acls: --add needs --allow-principal or --deny-principal");
    await admin.createAcls({ acl });
    console.log(`kafka-acls: added ${acl.length} ACL(s)`);
  } else if (values.remove || values.list) {
    const patternType = patternCode(values["resource-pattern-type"] ?? "literal", true);
    const filters = [];
    const anyResource = { resourceType: AclResourceTypes.ANY, resourceName: undefined };
    const anyEntry = { principal: undefined, host: undefined, permissionType: AclPermissionTypes.ANY };
    const targets = resources.length > 0 ? resources : [anyResource];
    const named = entries();
    const operations = values.operation ? values.operation.map(operationCode) : [AclOperationTypes.ANY];
    for (const r of targets) {
      for (const e of named.length > 0 ? named : [anyEntry]) {
        for (const operation of operations) {
          filters.push({
            resourceType: r.resourceType,
            resourceName: r.resourceName,
            resourcePatternType: resources.length > 0 ? patternType : ResourcePatternTypes.ANY,
            principal: e.principal,
            host: e.host,
            operation,
            permissionType: e.permissionType,
          });
        }
      }
    }
    if (values.remove) {
      const res = await admin.deleteAcls({ filters });
      const n = res.filterResponses.reduce((acc, f) => acc + f.matchingAcls.length, 0);
      console.log(`kafka-acls: removed ${n} ACL(s)`);
    } else {
      for (const f of filters) {
        const res = await admin.describeAcls(f);
        for (const r of res.resources) {
          const pattern = `resourceType=${nameOf(AclResourceTypes, r.resourceType)}, name=${r.resourceName}, patternType=${nameOf(ResourcePatternTypes, r.resourcePatternType)}`;
          console.log(`Current ACLs for resource \`ResourcePattern(${pattern})\`:`);
          for (const a of r.acls) {
            const op = nameOf(AclOperationTypes, a.operation);
            const perm = nameOf(AclPermissionTypes, a.permissionType);
            console.log(`\t(principal=${a.principal}, host=${a.host}, operation=${op}, permissionType=${perm})`);
          }
        }
      }
    }
  } else {
    throw new Error(`kafka-acls: unsupported command ${process.argv.slice(2).join(" ")}`);
  }
} finally {
  await admin.disconnect();
}
