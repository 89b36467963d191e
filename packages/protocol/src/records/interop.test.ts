/**
 * Bytes written by kafka-python (fixtures/make-kafka-python-fixtures.py), an implementation
 * independent of ours: we must read every codec and format, and write the same uncompressed bytes.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { ProtocolError } from "../primitives/protocol-error.js";
import { type CompressionType, compressionType } from "./attributes.js";
import { verifyBatchCrc } from "./batch-header.js";
import { lz4Codec, lz4LegacyCodec } from "./compression/index.js";
import { upConvert } from "./convert.js";
import { buildMessageSet, readMessageSet } from "./legacy/message-set.js";
import { buildRecordBatch, readRecordBatch } from "./record-batch.js";
import { validateRecordBatch } from "./validate.js";

interface Fixtures {
  records: {
    offsetDelta: number;
    timestamp: number;
    key: string | null;
    value: string | null;
    headers: [string, string | null][];
  }[];
  v2: Record<string, string>;
  v1: Record<string, string>;
  v0: Record<string, string>;
}

const fixtures: Fixtures = JSON.parse(
  readFileSync(new URL("../../src/records/fixtures/kafka-python.json", import.meta.url), "utf8"),
);
const codecIds: Record<string, number> = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 };
const str = (b: Buffer | null) => (b === null ? null : b.toString());
const limit = { maxUncompressedBytes: 1 << 20 };

test("reads and validates kafka-python's v2 batches for every codec", async () => {
  for (const [name, hex] of Object.entries(fixtures.v2)) {
    const batch = Buffer.from(hex, "hex");
    assert.ok(verifyBatchCrc(batch, 0), name);
    const result = validateRecordBatch(batch, 0, limit);
    assert.deepEqual(result.keylessRecords, [1], name);
    assert.equal(result.maxTimestamp, 1700000000250, name);
    const view = readRecordBatch(batch);
    assert.equal(compressionType(view.header.attributes), codecIds[name], name);
    assert.equal(view.header.producerId, 4321);
    assert.equal(view.header.baseSequence, 17);
    const decoded = [...view].map((r) => ({
      offsetDelta: r.offsetDelta,
      timestamp: view.header.baseTimestamp + r.timestampDelta,
      key: str(r.key),
      value: str(r.value),
      headers: r.headers.map((h) => [h.key.toString(), str(h.value)]),
    }));
    assert.deepEqual(decoded, fixtures.records, name);
  }
});

test("writes the same uncompressed v2 bytes as kafka-python", () => {
  const ours = buildRecordBatch(
    fixtures.records.map((r) => ({
      key: r.key,
      value: r.value,
      timestamp: r.timestamp,
      headers: r.headers.map(([key, value]) => ({ key, value })),
    })),
    { partitionLeaderEpoch: 0, producerId: 4321, producerEpoch: 2, baseSequence: 17 },
  );
  assert.equal(ours.toString("hex"), fixtures.v2.none);
});

test("reads kafka-python's v0/v1 message sets (v0 lz4 with the legacy header checksum) and writes the same plain bytes", () => {
  for (const magic of [0, 1] as const) {
    const sets = magic === 0 ? fixtures.v0 : fixtures.v1;
    for (const [name, hex] of Object.entries(sets)) {
      const read = readMessageSet(Buffer.from(hex, "hex"), limit);
      // A producer's wrapper offset is a placeholder (kafka-python writes 0) that the broker
      // replaces, so only offsets relative to the first one are compared.
      assert.deepEqual(
        read.map((r) => [r.offset - read[0].offset, r.timestamp, str(r.key), str(r.value)]),
        fixtures.records.map((r) => [r.offsetDelta, magic === 0 ? -1 : r.timestamp, r.key, r.value]),
        `v${magic} ${name}`,
      );
    }
    const ours = buildMessageSet(
      fixtures.records.map((r) => ({
        key: r.key === null ? null : Buffer.from(r.key),
        value: r.value === null ? null : Buffer.from(r.value),
        timestamp: r.timestamp,
      })),
      { magic },
    );
    assert.equal(ours.toString("hex"), sets.none, `v${magic}`);
  }
});

const PYTHON = "/usr/bin/python3";

// Debian's python3-kafka python3-snappy python3-lz4 python3-zstandard python3-xxhash, installed by
// scripts/install-test-deps.sh; a missing one fails this test rather than skipping it.
test("kafka-python reads what we write, every codec and format", () => {
  const input = fixtures.records.map((r) => ({
    key: r.key === null ? null : Buffer.from(r.key),
    value: r.value === null ? null : Buffer.from(r.value),
    timestamp: r.timestamp,
    headers: r.headers.map(([key, value]) => ({ key, value })),
  }));
  const written = {
    v2: ([0, 1, 2, 3, 4] as CompressionType[]).map((compression) =>
      buildRecordBatch(input, { compression }).toString("hex"),
    ),
    v1: ([0, 1, 2, 3] as CompressionType[]).map((compression) =>
      buildMessageSet(input, { magic: 1, compression }).toString("hex"),
    ),
    v0: ([0, 1, 2, 3] as CompressionType[]).map((compression) =>
      buildMessageSet(input, { magic: 0, compression }).toString("hex"),
    ),
  };
  const script = fileURLToPath(new URL("../../src/records/fixtures/read-with-kafka-python.py", import.meta.url));
  const res = spawnSync(PYTHON, [script], { input: JSON.stringify(written), encoding: "utf8" });
  assert.equal(res.status, 0, res.stderr);
  const read = JSON.parse(res.stdout) as Record<string, unknown[][]>;
  for (const [format, batches] of Object.entries(read)) {
    for (const decoded of batches) {
      assert.deepEqual(
        decoded,
        fixtures.records.map((r, i) => [
          i,
          format === "v0" ? null : r.timestamp,
          r.key,
          r.value,
          format === "v2" ? r.headers : [],
        ]),
        format,
      );
    }
  }
});

interface KcatFixtures {
  input: string;
  v2Headers: [string, string][];
  fixtures: Record<"v2" | "v1" | "v0", Record<string, { produceVersion: number; records: string }[]>>;
}

const kcat: KcatFixtures = JSON.parse(
  readFileSync(new URL("../../src/records/fixtures/kcat.json", import.meta.url), "utf8"),
);
const kcatMessages = kcat.input
  .trimEnd()
  .split("\n")
  .map((line) => [line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 1)]);

test("reads and validates what librdkafka (kcat) produces: v2 with every codec", () => {
  for (const [name, [{ records }]] of Object.entries(kcat.fixtures.v2)) {
    const batch = Buffer.from(records, "hex");
    assert.equal(validateRecordBatch(batch, 0, limit).header.recordCount, 3, name);
    const view = readRecordBatch(batch);
    assert.equal(compressionType(view.header.attributes), codecIds[name], name);
    assert.deepEqual(
      [...view].map((r) => [str(r.key), str(r.value), r.headers.map((h) => [h.key.toString(), str(h.value)])]),
      kcatMessages.map(([key, value]) => [key, value, kcat.v2Headers]),
      name,
    );
  }
});

test("reads librdkafka's v1 and v0 message sets (raw snappy, v0 LZ4 with the KAFKA-3160 checksum) and up-converts them", () => {
  for (const format of ["v1", "v0"] as const) {
    for (const [name, [{ records }]] of Object.entries(kcat.fixtures[format])) {
      const set = Buffer.from(records, "hex");
      const read = readMessageSet(set, limit);
      assert.deepEqual(
        read.map((r) => [str(r.key), str(r.value)]),
        kcatMessages,
        `${format} ${name}`,
      );
      const batch = upConvert(set, limit);
      assert.equal(validateRecordBatch(batch, 0, limit).header.recordCount, 3);
      assert.equal(compressionType(readRecordBatch(batch).header.attributes), codecIds[name]);
    }
  }
  const v0Lz4 = Buffer.from(kcat.fixtures.v0.lz4[0].records, "hex");
  // offset, size, crc, magic, attributes, null key (length -1), value length: the frame starts at 26.
  const frame = v0Lz4.subarray(26);
  assert.equal(frame.readUInt32LE(0), 0x184d2204);
  assert.throws(() => lz4Codec.decompressSync(frame, 1 << 20), ProtocolError);
  assert.ok(lz4LegacyCodec.decompressSync(frame, 1 << 20).length > 0);
});
