import assert from "node:assert/strict";
import { test } from "node:test";
import { fixtureApiName, fixtureFileName } from "./capture-server.js";
import { FrameSplitter, FrameTooLargeError, MAX_FRAME_BYTES } from "./frames.js";

function sized(payload: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(payload.length, 0);
  return Buffer.concat([size, payload]);
}

test("FrameSplitter reassembles frames split anywhere in the stream", () => {
  const payloads = [Buffer.from("first"), Buffer.alloc(0), Buffer.from("a longer third frame")];
  const stream = Buffer.concat(payloads.map(sized));
  for (let cut = 0; cut <= stream.length; cut++) {
    const splitter = new FrameSplitter();
    const frames = [...splitter.push(stream.subarray(0, cut)), ...splitter.push(stream.subarray(cut))];
    assert.deepEqual(
      frames.map((f) => f.toString()),
      payloads.map((p) => p.toString()),
      `cut at ${cut}`,
    );
  }
});

test("FrameSplitter refuses a negative or oversized frame length", () => {
  for (const size of [-1, MAX_FRAME_BYTES + 1]) {
    const header = Buffer.alloc(4);
    header.writeInt32BE(size, 0);
    assert.throws(() => new FrameSplitter().push(header), FrameTooLargeError);
  }
});

test("fixture names are the API name in kebab case plus the version", () => {
  assert.equal(fixtureApiName("ApiVersions"), "api-versions");
  assert.equal(fixtureApiName("GetTelemetrySubscriptions"), "get-telemetry-subscriptions");
  assert.equal(fixtureFileName("Metadata", 12), "metadata-v12.bin");
  assert.equal(fixtureFileName("Metadata", 12, "trailing-bytes"), "metadata-v12-trailing-bytes.bin");
});
