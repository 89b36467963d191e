import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeRequestHeader, ProtocolError, Reader, Writer } from "@samsa/protocol";
import fc from "fast-check";
import { codecFor, type Message, messageArbitrary, messageVersions } from "./arbitraries.js";
import { DEFAULT_SPEC_DIR } from "./paths.js";
import { loadSpecs } from "./spec.js";

const pairs = messageVersions(loadSpecs(DEFAULT_SPEC_DIR));

/** Decoding must give a value or a ProtocolError; anything else fails the test. */
function decodeOrProtocolError(decode: () => unknown): "ok" | string {
  try {
    decode();
    return "ok";
  } catch (e) {
    if (e instanceof ProtocolError) return e.code;
    throw e;
  }
}

test("random bytes decode to a value or a ProtocolError for every message and version", () => {
  let inputs = 0;
  for (const { message, version } of pairs) {
    const codec = codecFor(message);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 48 }), (bytes) => {
        decodeOrProtocolError(() => codec.decode(new Reader(Buffer.from(bytes)), version));
        inputs++;
      }),
      { numRuns: 25 },
    );
  }
  assert.equal(inputs, pairs.length * 25);
});

test("every strict prefix of a valid encoding is TRUNCATED; mutations never crash", () => {
  for (const { message, version } of pairs) {
    const codec = codecFor(message);
    const samples = fc.sample(messageArbitrary(message, version), 2) as Message[];
    for (const msg of samples) {
      const w = new Writer();
      codec.encode(w, msg, version);
      const bytes = w.toBuffer();
      for (let n = 0; n < bytes.length; n++) {
        const result = decodeOrProtocolError(() => codec.decode(new Reader(bytes.subarray(0, n)), version));
        assert.equal(result, "TRUNCATED", `${message.name} v${version}: prefix of ${n}/${bytes.length} bytes`);
      }
      fc.assert(
        fc.property(fc.nat(), fc.integer({ min: 0, max: 255 }), (at, value) => {
          const mutated = Buffer.from(bytes);
          if (mutated.length > 0) mutated[at % mutated.length] = value;
          decodeOrProtocolError(() => codec.decode(new Reader(mutated), version));
        }),
        { numRuns: 10 },
      );
    }
  }
});

test("random request frames give a header or a ProtocolError", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 32 }), (bytes) => {
      decodeOrProtocolError(() => decodeRequestHeader(Buffer.from(bytes)));
    }),
    { numRuns: 2000 },
  );
});
