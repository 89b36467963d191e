import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError } from "./config-error.js";
import { parseAssignment, parseProperties } from "./properties.js";

test("parses Kafka's server.properties syntax", () => {
  const text = [
    "# a comment",
    "! another comment",
    "",
    "num.partitions=3",
    "  log.dirs = /tmp/a  ",
    "listeners: PLAINTEXT://127.0.0.1:9092",
    "log.retention.hours 24",
    "advertised.listeners=PLAINTEXT://one:1,\\",
    "    PLAINTEXT2://two:2",
    "escaped\\=key=v\\u0041\\tz",
    "empty=",
    "num.partitions=5",
  ].join("\n");
  const p = parseProperties(text);
  assert.equal(p.get("num.partitions"), "5");
  assert.equal(p.get("log.dirs"), "/tmp/a  ");
  assert.equal(p.get("listeners"), "PLAINTEXT://127.0.0.1:9092");
  assert.equal(p.get("log.retention.hours"), "24");
  assert.equal(p.get("advertised.listeners"), "PLAINTEXT://one:1,PLAINTEXT2://two:2");
  assert.equal(p.get("escaped=key"), "vA\tz");
  assert.equal(p.get("empty"), "");
  assert.equal(p.size, 7);
});

test("a trailing continuation at end of file is tolerated; CRLF works", () => {
  const p = parseProperties("a=1\\\r\nb=2\r\nc=3\\");
  assert.equal(p.get("a"), "1b=2");
  assert.equal(p.get("c"), "3");
});

test("--set needs key=value", () => {
  assert.deepEqual(parseAssignment("num.partitions = 4"), ["num.partitions", "4"]);
  assert.deepEqual(parseAssignment("a=b=c"), ["a", "b=c"]);
  assert.throws(() => parseAssignment("novalue"), ConfigError);
  assert.throws(() => parseAssignment("=x"), ConfigError);
});
