import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  ApiKey,
  advertisedMaxVersion,
  apiByKey,
  decodeResponse,
  defaultApiVersionsRequest,
  defaultMetadataRequest,
  ErrorCode,
  Writer,
} from "@samsa/protocol";
import { HANDLERS } from "./handlers/index.js";
import { advertisedVersions } from "./router.js";
import { TestClient } from "./testing/test-client.js";
import { type RunningBroker, removeDir, startTestBroker } from "./testing/test-broker.js";

let b: RunningBroker;
before(async () => {
  b = await startTestBroker();
});
after(async () => {
  await b.stop();
  await removeDir(b.dataDir);
});

test("ApiVersions advertises exactly the registered handlers, every version of the request works", async () => {
  const expected = advertisedVersions(HANDLERS);
  assert.deepEqual(
    expected.map((r) => r.apiKey),
    [...HANDLERS.map((h) => h.apiKey)].sort((x, y) => x - y),
  );
  for (const r of expected) {
    const d = apiByKey(r.apiKey)!;
    assert.ok(r.maxVersion <= advertisedMaxVersion(d));
    if (d.latestVersionUnstable && r.maxVersion === d.maxVersion) assert.equal(r.apiKey, ApiKey.ConsumerGroupHeartbeat);
  }
  const c = await TestClient.connect(b.port);
  for (let v = 0; v <= 4; v++) {
    const body =
      v >= 3
        ? { ...defaultApiVersionsRequest(), clientSoftwareName: "samsa-test", clientSoftwareVersion: "1.0" }
        : defaultApiVersionsRequest();
    const res = await c.send(18, v, body);
    assert.equal(res.errorCode, ErrorCode.NONE, `v${v}`);
    assert.deepEqual(
      res.apiKeys.map((k) => ({ apiKey: k.apiKey, minVersion: k.minVersion, maxVersion: k.maxVersion })),
      expected,
    );
  }
  const bad = await c.send(18, 3, {
    ...defaultApiVersionsRequest(),
    clientSoftwareName: "-bad name",
    clientSoftwareVersion: "1",
  });
  assert.equal(bad.errorCode, ErrorCode.INVALID_REQUEST);
  c.close();
});

test("ApiVersions with an unknown version answers UNSUPPORTED_VERSION with a v0 body", async () => {
  const c = await TestClient.connect(b.port);
  // A v127 request: header v2 (flexible), empty tagged fields, no body the broker could understand.
  const w = new Writer();
  w.writeInt32(0);
  w.writeInt16(18);
  w.writeInt16(127);
  w.writeInt32(4242);
  w.writeNullableString("future-client", false);
  w.writeUnsignedVarint(0);
  w.writeRaw(Buffer.from([1, 2, 3]));
  w.patchInt32(0, w.length - 4);
  c.writeRaw(w.toBuffer());
  const frame = await c.nextFrame();
  assert.ok(frame !== null);
  // Response header v0: just the correlation id; then an ApiVersions v0 body.
  const res = decodeResponse(18, 0, frame);
  assert.equal(res.correlationId, 4242);
  assert.equal(res.body.errorCode, ErrorCode.UNSUPPORTED_VERSION);
  assert.deepEqual(
    res.body.apiKeys.map((k) => k.apiKey),
    advertisedVersions(HANDLERS).map((r) => r.apiKey),
  );
  // The connection stays usable.
  const again = await c.send(18, 0, defaultApiVersionsRequest());
  assert.equal(again.errorCode, ErrorCode.NONE);
  c.close();
});

test("unknown api keys, unsupported versions and garbage close only that connection", async () => {
  const frames = [
    Buffer.from([0, 0, 0, 8, 0x7f, 0x00, 0, 0, 0, 0, 0, 1]), // api key 32512
    Buffer.from([0, 0, 0, 10, 0, 3, 0, 99, 0, 0, 0, 1, 0xff, 0xff]), // Metadata v99
    Buffer.from([0, 0, 0, 2, 0, 3]), // too short for a header
    Buffer.from([0, 0, 0, 12, 0, 3, 0, 1, 0, 0, 0, 1, 0x7f, 0xff, 0, 0]), // client id longer than the frame
    Buffer.from([0, 0, 0, 1, 0, 0, 0, 0]), // size 1 then more bytes
  ];
  const healthy = await TestClient.connect(b.port);
  for (const f of frames) {
    const c = await TestClient.connect(b.port);
    c.writeRaw(f);
    assert.equal(await c.closedByBroker(), true, f.toString("hex"));
  }
  const res = await healthy.send(3, 1, { ...defaultMetadataRequest(), topics: [] });
  assert.equal(res.brokers.length, 1);
  healthy.close();
});

test("pipelined requests are answered in order", async () => {
  const c = await TestClient.connect(b.port);
  const ids: number[] = [];
  const chunks: Buffer[] = [];
  for (let i = 0; i < 30; i++) {
    const id = 1000 + i;
    ids.push(id);
    // Mix synchronous (ApiVersions) and asynchronous (Metadata with auto-create) handlers.
    chunks.push(
      i % 3 === 0
        ? c.encode(
            3,
            9,
            {
              ...defaultMetadataRequest(),
              topics: [{ topicId: "AAAAAAAAAAAAAAAAAAAAAA", name: `pipe-${i}` }],
              allowAutoTopicCreation: true,
            },
            id,
          )
        : c.encode(18, 2, defaultApiVersionsRequest(), id),
    );
  }
  c.writeRaw(Buffer.concat(chunks));
  for (const id of ids) {
    const frame = await c.nextFrame();
    assert.ok(frame !== null);
    assert.equal(frame.readInt32BE(0), id);
  }
  c.close();
});
