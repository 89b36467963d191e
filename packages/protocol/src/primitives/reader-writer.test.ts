import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { ProtocolError } from "./protocol-error.js";
import { Reader } from "./reader.js";
import { Writer } from "./writer.js";

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ProtocolError, `expected ProtocolError, got ${String(e)}`);
    return e.code;
  }
  assert.fail("expected a ProtocolError");
}

test("classic and compact strings, bytes and arrays have Kafka's length prefixes", () => {
  const w = new Writer(4);
  w.writeString("ab", false);
  w.writeString("ab", true);
  w.writeNullableString(null, false);
  w.writeNullableString(null, true);
  w.writeBytes(Buffer.from([9]), false);
  w.writeNullableBytes(null, true);
  w.writeArrayLength(2, true);
  w.writeArrayLength(-1, false);
  assert.deepEqual(
    w.toBuffer(),
    Buffer.from([0, 2, 0x61, 0x62, 3, 0x61, 0x62, 0xff, 0xff, 0, 0, 0, 0, 1, 9, 0, 3, 0xff, 0xff, 0xff, 0xff]),
  );
  const r = new Reader(w.toBuffer());
  assert.equal(r.readString(false), "ab");
  assert.equal(r.readString(true), "ab");
  assert.equal(r.readNullableString(false), null);
  assert.equal(r.readNullableString(true), null);
  assert.deepEqual(r.readBytes(false), Buffer.from([9]));
  assert.equal(r.readNullableBytes(true), null);
  assert.equal(r.readArrayLength(true), 2);
  assert.equal(r.remaining(), 4);
  assert.equal(r.readArrayLength(false), -1);
});

test("uuid is 16 bytes on the wire and Kafka's base64url display form in JS", () => {
  const w = new Writer();
  w.writeUuid("AAAAAAAAAAAAAAAAAAAAAA");
  w.writeUuid("_____________________w");
  const b = w.toBuffer();
  assert.equal(b.length, 32);
  assert.deepEqual(b.subarray(0, 16), Buffer.alloc(16));
  assert.deepEqual(b.subarray(16), Buffer.alloc(16, 0xff));
  const r = new Reader(b);
  assert.equal(r.readUuid(), "AAAAAAAAAAAAAAAAAAAAAA");
  assert.equal(r.readUuid(), "_____________________w");
  assert.equal(
    code(() => new Writer().writeUuid("short")),
    "MALFORMED",
  );
});

test("large records buffers become their own chunks (no copy); small ones are copied", () => {
  const big = Buffer.alloc(4096, 7);
  const parts = [Buffer.alloc(1000, 1), Buffer.alloc(2000, 2)];
  const w = new Writer();
  w.writeInt16(5);
  w.writeRecords(big, false);
  w.writeInt8(1);
  w.writeRecords(parts, true);
  w.writeRecords(Buffer.from([1, 2, 3]), true);
  w.writeRecords(null, false);
  const chunks = w.toBuffers();
  assert.equal(chunks[1], big, "the records buffer itself is a chunk");
  assert.equal(chunks[3], parts[0]);
  assert.equal(chunks[4], parts[1]);
  const whole = w.toBuffer();
  assert.equal(whole.length, w.length);
  const r = new Reader(whole);
  assert.equal(r.readInt16(), 5);
  assert.deepEqual(r.readRecords(false), big);
  assert.equal(r.readInt8(), 1);
  assert.deepEqual(r.readRecords(true), Buffer.concat(parts));
  assert.deepEqual(r.readRecords(true), Buffer.from([1, 2, 3]));
  assert.equal(r.readRecords(false), null);
  assert.equal(r.remaining(), 0);
});

test("decoded bytes are views of the frame, not copies", () => {
  const frame = Buffer.from([0, 0, 0, 2, 8, 9]);
  const b = new Reader(frame).readBytes(false);
  assert.equal(b.buffer, frame.buffer);
  assert.equal(b.byteOffset, frame.byteOffset + 4);
});

test("endSized prefixes the region with its size, also when the buffer grows at that moment", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 40 }), fc.uint8Array({ maxLength: 300 }), (cap, payload) => {
      const w = new Writer(cap);
      w.writeInt8(0x55);
      const mark = w.beginSized();
      w.writeRaw(payload);
      w.endSized(mark);
      w.writeInt8(0x66);
      const r = new Reader(w.toBuffer());
      assert.equal(r.readInt8(), 0x55);
      assert.equal(r.readUnsignedVarint(), payload.length);
      assert.deepEqual(r.readRaw(payload.length), Buffer.from(payload));
      assert.equal(r.readInt8(), 0x66);
      assert.equal(r.remaining(), 0);
    }),
  );
});

test("patchInt32 rewrites a size prefix even after records chunks were appended", () => {
  const w = new Writer();
  w.writeInt32(0);
  w.writeRecords(Buffer.alloc(2048), false);
  w.patchInt32(0, w.length - 4);
  assert.equal(w.toBuffers()[0].readInt32BE(0), 4 + 2048);
});

test("integers round-trip at their extremes", () => {
  const w = new Writer(1);
  w.writeInt8(-128);
  w.writeInt16(-32768);
  w.writeUInt16(65535);
  w.writeInt32(-2147483648);
  w.writeUInt32(4294967295);
  w.writeInt64(-(2n ** 63n));
  w.writeFloat64(-0);
  w.writeUnsignedVarint(4294967295);
  w.writeBool(true);
  const r = new Reader(w.toBuffer());
  assert.equal(r.readInt8(), -128);
  assert.equal(r.readInt16(), -32768);
  assert.equal(r.readUInt16(), 65535);
  assert.equal(r.readInt32(), -2147483648);
  assert.equal(r.readUInt32(), 4294967295);
  assert.equal(r.readInt64(), -(2n ** 63n));
  assert.ok(Object.is(r.readFloat64(), -0));
  assert.equal(r.readUnsignedVarint(), 4294967295);
  assert.equal(r.readBool(), true);
});

test("hostile lengths are rejected before anything is allocated", () => {
  assert.equal(
    code(() => new Reader(Buffer.from([0x7f, 0xff, 0xff, 0xff])).readArrayLength(false)),
    "TRUNCATED",
  );
  assert.equal(
    code(() => new Reader(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f])).readArrayLength(true)),
    "TRUNCATED",
  );
  assert.equal(
    code(() => new Reader(Buffer.from([0x7f, 0xff, 0xff, 0xff, 1])).readBytes(false)),
    "TRUNCATED",
  );
  assert.equal(
    code(() => new Reader(Buffer.from([0x00, 0x05, 0x61])).readString(false)),
    "TRUNCATED",
  );
  assert.equal(
    code(() => new Reader(Buffer.from([0x80, 0x80, 0x04])).readString(true)),
    "MALFORMED",
  );
  assert.equal(
    code(() => new Reader(Buffer.from([0xff, 0xff])).readString(false)),
    "MALFORMED",
  );
  assert.equal(
    code(() => new Reader(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01])).readUnsignedVarint()),
    "MALFORMED",
  );
  assert.equal(
    code(() => new Reader(Buffer.from([0x80])).readUnsignedVarint()),
    "TRUNCATED",
  );
  assert.equal(
    code(() => new Reader(Buffer.alloc(7)).readInt64()),
    "TRUNCATED",
  );
  assert.equal(
    code(() => new Writer().writeString("x".repeat(0x8000), false)),
    "TOO_LARGE",
  );
});

test("a tagged-field window must be consumed exactly and cannot reach past the frame", () => {
  const r = new Reader(Buffer.from([1, 2, 3]));
  assert.equal(
    code(() => r.pushLimit(4)),
    "TRUNCATED",
  );
  const end = r.pushLimit(2);
  assert.equal(r.readInt8(), 1);
  assert.equal(
    code(() => r.popLimit(end)),
    "MALFORMED",
  );
  assert.equal(
    code(() => r.readInt16()),
    "TRUNCATED",
  );
});
