import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { ProtocolError } from "../../primitives/protocol-error.js";
import { codecFor, gzipCodec, lz4Codec, lz4LegacyCodec, snappyCodec, xxhash32, zstdCodec } from "./index.js";

const codecs = [gzipCodec, snappyCodec, lz4Codec, lz4LegacyCodec, zstdCodec];
const sample = Buffer.from("hello kafka ".repeat(20));
const isCode = (code: string) => (e: unknown) => e instanceof ProtocolError && e.code === code;

function compressible(size: number): Buffer {
  const buf = Buffer.alloc(size);
  for (let i = 0; i < size; i++) buf[i] = i % 7 === 0 ? (i * 13) & 0xff : 97 + (i % 26);
  return buf;
}

test("every codec round-trips sync and async, including empty and multi-block inputs", async () => {
  for (const codec of codecs) {
    for (const data of [Buffer.alloc(0), sample, compressible(300_000)]) {
      const limit = data.length;
      assert.deepEqual(codec.decompressSync(codec.compressSync(data), limit), data, codec.name);
      assert.deepEqual(await codec.decompress(await codec.compress(data), limit), data, codec.name);
      assert.deepEqual(codec.decompressSync(await codec.compress(data), limit), data, codec.name);
      // A generous bound lets lz4 inflate the whole frame in one call.
      assert.deepEqual(codec.decompressSync(codec.compressSync(data), 1 << 24), data, codec.name);
      assert.deepEqual(await codec.decompress(codec.compressSync(data), 1 << 24), data, codec.name);
    }
  }
});

test("random data round-trips through every codec", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
      const data = Buffer.from(bytes);
      for (const codec of codecs) assert.deepEqual(codec.decompressSync(codec.compressSync(data), data.length), data);
    }),
    { numRuns: 50 },
  );
});

test("decompression stops at the bound with TOO_LARGE", async () => {
  const data = compressible(200_000);
  for (const codec of codecs) {
    const compressed = codec.compressSync(data);
    assert.throws(() => codec.decompressSync(compressed, data.length - 1), isCode("TOO_LARGE"), codec.name);
    await assert.rejects(codec.decompress(compressed, 1000), isCode("TOO_LARGE"), codec.name);
  }
});

test("corrupt or truncated input yields a typed error, never a crash", async () => {
  for (const codec of codecs) {
    const compressed = codec.compressSync(compressible(5000));
    for (const bad of [compressed.subarray(0, compressed.length >> 1), Buffer.from("not compressed at all")]) {
      assert.throws(() => codec.decompressSync(bad, 1 << 20), ProtocolError, codec.name);
      await assert.rejects(codec.decompress(bad, 1 << 20), ProtocolError, codec.name);
    }
  }
});

test("fuzzed compressed bytes only ever give ProtocolError", () => {
  const seeds = codecs.map((c) => c.compressSync(sample));
  fc.assert(
    fc.property(fc.nat(seeds.length - 1), fc.nat(400), fc.integer({ min: 1, max: 255 }), (i, at, flip) => {
      const bad = Buffer.from(seeds[i]);
      bad[at % bad.length] ^= flip;
      try {
        codecs[i].decompressSync(bad, 100_000);
      } catch (e) {
        assert.ok(e instanceof ProtocolError, String(e));
      }
    }),
    { numRuns: 300 },
  );
});

test("xxhash32 matches reference vectors", () => {
  assert.equal(xxhash32(Buffer.alloc(0)), 0x02cc5d05);
  assert.equal(xxhash32(Buffer.from("a")), 0x550d7456);
  assert.equal(xxhash32(Buffer.from("abc")), 0x32d153ff);
  assert.equal(xxhash32(Buffer.from("Nobody inspects the spammish repetition")), 0xe2293b2f);
});

test("lz4 writes Kafka's frame: independent 64 KiB blocks, no checksums, correct header checksum", () => {
  const frame = lz4Codec.compressSync(sample);
  assert.equal(frame.readUInt32LE(0), 0x184d2204);
  assert.equal(frame[4], 0x60);
  assert.equal(frame[5], 0x40);
  assert.equal(frame[6], (xxhash32(frame, 4, 6) >>> 8) & 0xff);
  const legacy = lz4LegacyCodec.compressSync(sample);
  assert.equal(legacy[6], (xxhash32(legacy, 0, 6) >>> 8) & 0xff);
  assert.notEqual(legacy[6], frame[6]);
  // KAFKA-3160: v1+ readers reject the legacy checksum, magic-0 readers accept both.
  assert.throws(() => lz4Codec.decompressSync(legacy, 1000), isCode("MALFORMED"));
  assert.deepEqual(lz4LegacyCodec.decompressSync(frame, 1000), sample);
  assert.deepEqual(lz4LegacyCodec.decompressSync(legacy, 1000), sample);
});

// Made with the lz4 1.10 and zstd 1.5 command-line tools and gzip from "hello kafka " x 20.
const cliFixtures: [number, string][] = [
  [3, "04224d186440a716000000cf68656c6c6f206b61666b61200c00cc5061666b61200000000016d0fa39"],
  [3, "04224d187440bd16000000cf68656c6c6f206b61666b61200c00cc5061666b61204d4e23be0000000016d0fa39"],
  [4, "28b52ffd24f09d00006068656c6c6f206b61666b61200100e1532509167259b1"],
  [4, "28b52ffd04589d00006068656c6c6f206b61666b61200100e1532509167259b1"],
  [1, "1f8b0808a7dc046b000366782e74787400cb48cdc9c957c84e4ccb4e54c818016c00c1080536f0000000"],
];

test("decompresses what the lz4, zstd (streamed, no content size) and gzip tools write", async () => {
  for (const [id, hex] of cliFixtures) {
    const codec = codecFor(id);
    assert.deepEqual(codec.decompressSync(Buffer.from(hex, "hex"), 1000), sample, hex);
    assert.deepEqual(await codec.decompress(Buffer.from(hex, "hex"), 1000), sample, hex);
  }
  const badContentChecksum = Buffer.from(cliFixtures[0][1], "hex");
  badContentChecksum[badContentChecksum.length - 1] ^= 1;
  assert.throws(() => lz4Codec.decompressSync(badContentChecksum, 1000), isCode("MALFORMED"));
  const linked = lz4Codec.compressSync(sample);
  linked[4] &= ~0x20;
  linked[6] = (xxhash32(linked, 4, 6) >>> 8) & 0xff;
  assert.throws(() => lz4Codec.decompressSync(linked, 1 << 20), isCode("MALFORMED"));
});

test("snappy reads raw blocks and xerial framing, writes xerial like the Java client", () => {
  const raw = Buffer.from("051068656c6c6f", "hex");
  assert.equal(snappyCodec.decompressSync(raw, 5).toString(), "hello");
  const xerial = Buffer.concat([
    Buffer.from("82534e41505059000000000100000001", "hex"),
    Buffer.from("00000007", "hex"),
    raw,
    Buffer.from("00000007", "hex"),
    raw,
  ]);
  assert.equal(snappyCodec.decompressSync(xerial, 10).toString(), "hellohello");
  assert.throws(() => snappyCodec.decompressSync(xerial, 9), isCode("TOO_LARGE"));
  const written = snappyCodec.compressSync(compressible(70_000));
  assert.deepEqual(written.subarray(0, 16), Buffer.from("82534e41505059000000000100000001", "hex"));
  const firstChunk = written.readInt32BE(16);
  assert.equal(written.readInt32BE(20 + firstChunk) > 0, true, "32 KiB chunks: a second chunk follows");
});

test("unknown codec ids are rejected", () => {
  assert.throws(() => codecFor(5), isCode("UNSUPPORTED_VERSION"));
  assert.throws(() => codecFor(0), isCode("UNSUPPORTED_VERSION"));
});
