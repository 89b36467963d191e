import assert from "node:assert/strict";
import { test } from "node:test";
import { versionCond } from "./emit-message.js";
import { camelCase, parseMessage, parseVersions, stripComments } from "./spec.js";

test("version ranges parse as Kafka writes them", () => {
  assert.deepEqual(parseVersions("3+"), { min: 3, max: Number.POSITIVE_INFINITY });
  assert.deepEqual(parseVersions("0-2"), { min: 0, max: 2 });
  assert.deepEqual(parseVersions("5"), { min: 5, max: 5 });
  assert.ok(parseVersions("none").min > parseVersions("none").max);
  assert.throws(() => parseVersions("x+"));
});

test("version conditions are simplified against the enclosing range", () => {
  const ctx = { min: 0, max: 11 };
  assert.equal(versionCond(parseVersions("0+"), ctx), "true");
  assert.equal(versionCond(parseVersions("none"), ctx), "false");
  assert.equal(versionCond(parseVersions("3+"), ctx), "v >= 3");
  assert.equal(versionCond(parseVersions("2-4"), ctx), "v >= 2 && v <= 4");
  assert.equal(versionCond(parseVersions("9+"), { min: 9, max: 11 }), "true");
});

test("comment lines are stripped and names are camelCased", () => {
  assert.equal(stripComments('// license\n{ "a": 1 }\n  // note'), '\n{ "a": 1 }\n');
  assert.equal(camelCase("ThrottleTimeMs"), "throttleTimeMs");
  assert.equal(camelCase("protocolType"), "protocolType");
});

test("a message parses into prefixed structs, numeric tags and field-level flexibility", () => {
  const m = parseMessage(
    {
      name: "FooRequest",
      type: "request",
      apiKey: 99,
      validVersions: "0-3",
      flexibleVersions: "2+",
      fields: [
        { name: "ClientId", type: "string", versions: "1+", flexibleVersions: "none" },
        { name: "Items", type: "[]Item", versions: "0+", fields: [{ name: "Id", type: "int32", versions: "0+" }] },
        { name: "Extra", type: "int32", versions: "2+", taggedVersions: "2+", tag: "1" },
      ],
    },
    "clients",
    "FooRequest.json",
  );
  assert.equal(m.structs[0].typeName, "FooRequestItem");
  assert.equal(m.root.fields[2].tag, 1);
  assert.ok(m.root.fields[0].flexibleVersions.min > m.root.fields[0].flexibleVersions.max);
  assert.deepEqual(m.root.fields[1].flexibleVersions, { min: 2, max: Number.POSITIVE_INFINITY });
});
