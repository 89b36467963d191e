import assert from "node:assert/strict";
import { test } from "node:test";
import { Reader, Writer } from "@samsa/protocol";
import fc from "fast-check";
import { codecFor, messageArbitrary, messageVersions } from "./arbitraries.js";
import { DEFAULT_SPEC_DIR } from "./paths.js";
import { loadSpecs } from "./spec.js";

const specs = loadSpecs(DEFAULT_SPEC_DIR);
const pairs = messageVersions(specs);
const RUNS = Number(process.env.ROUNDTRIP_RUNS ?? 20);

test("the specs hold 186 client files and 32 coordinator records, 716 (message, version) pairs", () => {
  assert.equal(specs.filter((m) => m.dir === "clients").length, 186);
  assert.equal(specs.filter((m) => m.dir !== "clients").length, 32);
  assert.equal(pairs.length, 716);
});

let checked = 0;
for (const m of specs) {
  test(`${m.name}: encode -> decode -> encode round trip at every version`, () => {
    const codec = codecFor(m);
    assert.deepEqual(codec.validVersions, { min: m.validVersions.min, max: m.validVersions.max });
    for (let v = m.validVersions.min; v <= m.validVersions.max; v++) {
      fc.assert(
        fc.property(messageArbitrary(m, v), (msg) => {
          const w = new Writer(16);
          codec.encode(w, msg, v);
          const bytes = w.toBuffer();
          const r = new Reader(bytes);
          const back = codec.decode(r, v);
          assert.equal(r.pos, bytes.length, "decode must consume the whole encoding");
          assert.deepStrictEqual(back, msg);
          const again = new Writer();
          codec.encode(again, back, v);
          assert.deepStrictEqual(again.toBuffer(), bytes);
        }),
        { numRuns: RUNS },
      );
      checked++;
    }
  });
}

test("every (message, version) pair was round-tripped", () => {
  assert.equal(checked, 716);
});
