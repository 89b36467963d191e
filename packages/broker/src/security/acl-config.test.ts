import assert from "node:assert/strict";
import { test } from "node:test";
import { AclOperation, ResourceType } from "@samsa/metadata";
import { BrokerConfig } from "../config/broker-config.js";
import { ConfigError } from "../config/config-error.js";
import { createAuthorizer } from "./acl-config.js";

test("no authorizer unless authorizer.class.name names Kafka's", () => {
  assert.equal(createAuthorizer(BrokerConfig.from([])), null);
  for (const name of [
    "kafka.security.authorizer.AclAuthorizer",
    "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
    "kafka.security.auth.SimpleAclAuthorizer",
  ]) {
    assert.notEqual(createAuthorizer(BrokerConfig.from([["authorizer.class.name", name]])), null);
  }
  assert.throws(() => BrokerConfig.from([["authorizer.class.name", "com.example.Custom"]]), ConfigError);
});

test("super.users and allow.everyone.if.no.acl.found reach the authorizer", () => {
  const a = createAuthorizer(
    BrokerConfig.from([
      ["authorizer.class.name", "kafka.security.authorizer.AclAuthorizer"],
      ["super.users", "User:admin; User:ops"],
    ]),
  );
  assert.ok(a !== null);
  const can = (principal: string) => a.authorize([], principal, "h", ResourceType.TOPIC, "t", AclOperation.WRITE);
  assert.equal(can("User:admin"), true);
  assert.equal(can("User:ops"), true);
  assert.equal(can("User:other"), false);
  const open = createAuthorizer(
    BrokerConfig.from([
      ["authorizer.class.name", "kafka.security.authorizer.AclAuthorizer"],
      ["allow.everyone.if.no.acl.found", "true"],
    ]),
  );
  assert.equal(open?.authorize([], "User:other", "h", ResourceType.TOPIC, "t", AclOperation.WRITE), true);
});
