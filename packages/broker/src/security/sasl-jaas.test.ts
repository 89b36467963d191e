import assert from "node:assert/strict";
import { test } from "node:test";
import { BrokerConfig } from "../config/broker-config.js";
import { ConfigError } from "../config/config-error.js";
import { saslListenerSettings } from "./sasl-config.js";
import { SaslAuthenticationError } from "./sasl-errors.js";
import { parseJaasConfig, plainUsersOf } from "./sasl-jaas.js";
import { PlainServer } from "./sasl-plain.js";

test("JAAS: Kafka's PlainLoginModule line gives the user_<name> passwords", () => {
  const entries = parseJaasConfig(
    'org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret" user_admin="admin-secret" user_alice="a \\"quoted\\" pass;word";',
    "k",
  );
  assert.equal(entries.length, 1);
  assert.equal(entries[0].loginModule, "org.apache.kafka.common.security.plain.PlainLoginModule");
  assert.equal(entries[0].flag, "required");
  assert.deepEqual(
    [...plainUsersOf(entries)],
    [
      ["admin", "admin-secret"],
      ["alice", 'a "quoted" pass;word'],
    ],
  );
});

test("JAAS: malformed configs are ConfigErrors", () => {
  for (const bad of [
    "",
    "Module",
    "Module required user_a",
    "Module required user_a=",
    "Module bogus a=b;",
    "Module required a=b",
  ]) {
    assert.throws(() => parseJaasConfig(bad, "k"), ConfigError, bad);
  }
});

test("PLAIN: Kafka's messages for each failure; the right password authenticates", () => {
  const users = new Map([["alice", "secret"]]);
  const cases: [string, string][] = [
    ["\u0000alice\u0000wrong", "Authentication failed: Invalid username or password"],
    ["\u0000bob\u0000secret", "Authentication failed: Invalid username or password"],
    ["\u0000\u0000secret", "Authentication failed: username not specified"],
    ["\u0000alice\u0000", "Authentication failed: password not specified"],
    ["alice\u0000secret", "Invalid SASL/PLAIN response: expected 3 tokens, got 2"],
    [
      "admin\u0000alice\u0000secret",
      "Authentication failed: Client requested an authorization id that is different from username",
    ],
  ];
  for (const [token, message] of cases) {
    const s = new PlainServer(users);
    assert.throws(() => s.evaluate(Buffer.from(token)), new SaslAuthenticationError(message));
    assert.equal(s.complete, false);
  }
  const s = new PlainServer(users);
  assert.deepEqual(s.evaluate(Buffer.from("alice\u0000alice\u0000secret")), Buffer.alloc(0));
  assert.equal(s.complete, true);
  assert.equal(s.authorizationId, "alice");
});

test("listener settings: per-listener overrides, unsupported mechanisms and a missing JAAS config refused", () => {
  const jaas = 'org.apache.kafka.common.security.plain.PlainLoginModule required user_x="y";';
  const base: [string, string][] = [
    ["listeners", "PLAINTEXT://:1,SASL_PLAINTEXT://:2,OTHER://:3"],
    ["listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,OTHER:SASL_PLAINTEXT"],
  ];
  const config = BrokerConfig.from([
    ...base,
    ["sasl.enabled.mechanisms", "PLAIN"],
    ["listener.name.sasl_plaintext.plain.sasl.jaas.config", jaas],
    ["listener.name.OTHER.sasl.enabled.mechanisms", "SCRAM-SHA-512"],
  ]);
  const noMetadata = () => {
    throw new Error("not used");
  };
  assert.deepEqual(saslListenerSettings(config, "SASL_PLAINTEXT", noMetadata).mechanisms, ["PLAIN"]);
  assert.deepEqual(saslListenerSettings(config, "OTHER", noMetadata).mechanisms, ["SCRAM-SHA-512"]);
  assert.equal(config.unknownKeys.length, 0);
  assert.throws(
    () => saslListenerSettings(BrokerConfig.from(base), "SASL_PLAINTEXT", noMetadata),
    /GSSAPI .* is not supported/,
  );
  assert.throws(
    () =>
      saslListenerSettings(
        BrokerConfig.from([...base, ["sasl.enabled.mechanisms", "PLAIN"]]),
        "SASL_PLAINTEXT",
        noMetadata,
      ),
    /needs a JAAS config/,
  );
});

test("listeners: the four Kafka security protocols are accepted, others refused", () => {
  const map = "A:PLAINTEXT,B:SSL,C:SASL_PLAINTEXT,D:SASL_SSL,E:KERBEROS";
  const config = BrokerConfig.from([
    ["listener.security.protocol.map", map],
    ["listeners", "A://h:1,B://h:2,C://h:3,D://h:4"],
  ]);
  assert.deepEqual(
    config.listeners.map((l) => l.securityProtocol),
    ["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"],
  );
  assert.throws(
    () =>
      BrokerConfig.from([
        ["listener.security.protocol.map", map],
        ["listeners", "E://h:5"],
      ]),
    /KERBEROS of listener E is not supported/,
  );
});
