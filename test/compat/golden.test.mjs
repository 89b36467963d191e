// Golden request frames captured from real clients (tools/capture, test/fixtures/captures): each
// decodes with the generated codec, carries the fields the client was asked to send, and re-encodes
// to the same bytes; every captured produce decodes to the records the client was given, through
// each compression codec.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { CAPTURE_TOPIC, fixtureApiName, topicIdFor } from "@samsa/capture";
import {
  apiByKey,
  batchSpans,
  CompressionType,
  compressionType,
  decodeRequestHeader,
  RequestHeaderCodec,
  readRecordBatch,
  Writer,
} from "@samsa/protocol";

const CAPTURES = join(import.meta.dirname, "../fixtures/captures");
const GROUP = "capture-group";
const FILE_PATTERN = /^([a-z-]+?)-v(\d+)(-trailing-bytes)?\.bin$/;
const CLIENT_IDS = { kcat: "rdkafka", kafkajs: "samsa-capture", "confluent-javascript": "rdkafka" };
const CODECS = {
  gzip: CompressionType.GZIP,
  snappy: CompressionType.SNAPPY,
  lz4: CompressionType.LZ4,
  zstd: CompressionType.ZSTD,
};

function captureDirs() {
  return readdirSync(CAPTURES, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

function frames(dir) {
  return readdirSync(join(CAPTURES, dir))
    .filter((f) => f.endsWith(".bin"))
    .sort();
}

function isCaptureTopic(name, topicId) {
  return name === CAPTURE_TOPIC || topicId === topicIdFor(CAPTURE_TOPIC);
}

/** Fields each API's request must carry, given what the capture scenario made the client do. */
const KEY_FIELDS = {
  ApiVersions(body, version) {
    if (version >= 3) assert.ok(body.clientSoftwareName.length > 0, "clientSoftwareName");
  },
  Metadata(body) {
    for (const t of body.topics ?? []) assert.ok(isCaptureTopic(t.name, t.topicId), `topic ${t.name}`);
  },
  Produce(body) {
    assert.ok([-1, 1].includes(body.acks), `acks ${body.acks}`);
    assert.ok(body.timeoutMs > 0, "timeoutMs");
    assert.deepEqual(
      body.topicData.map((t) => [t.name, t.partitionData.map((p) => p.index)]),
      [[CAPTURE_TOPIC, [0]]],
    );
    assert.ok(body.topicData[0].partitionData[0].records.length > 0, "records");
  },
  Fetch(body) {
    const [t] = body.topics;
    assert.ok(isCaptureTopic(t.topic, t.topicId), `fetch topic ${t.topic} / ${t.topicId}`);
    assert.equal(t.partitions[0].partition, 0);
    assert.ok(t.partitions[0].fetchOffset >= 0n, "fetchOffset");
    assert.ok(body.maxBytes > 0, "maxBytes");
  },
  ListOffsets(body) {
    const [t] = body.topics;
    assert.equal(t.name, CAPTURE_TOPIC);
    assert.equal(t.partitions[0].partitionIndex, 0);
    assert.ok([-1n, -2n].includes(t.partitions[0].timestamp), `timestamp ${t.partitions[0].timestamp}`);
  },
  FindCoordinator(body, version) {
    assert.deepEqual(version >= 4 ? body.coordinatorKeys : [body.key], [GROUP]);
    assert.equal(body.keyType, 0);
  },
  JoinGroup(body) {
    assert.equal(body.groupId, GROUP);
    assert.equal(body.protocolType, "consumer");
    assert.ok(body.protocols.length > 0, "protocols");
    assert.ok(body.sessionTimeoutMs > 0, "sessionTimeoutMs");
  },
  SyncGroup(body) {
    assert.equal(body.groupId, GROUP);
    assert.equal(body.generationId, 1);
  },
  OffsetFetch(body, version) {
    assert.equal(version >= 8 ? body.groups[0].groupId : body.groupId, GROUP);
  },
  Heartbeat(body) {
    assert.equal(body.groupId, GROUP);
  },
  LeaveGroup(body) {
    assert.equal(body.groupId, GROUP);
  },
};

function decodeFrame(frame) {
  const { header, headerVersion, body: reader } = decodeRequestHeader(frame);
  const api = apiByKey(header.requestApiKey);
  assert.ok(api, `API key ${header.requestApiKey}`);
  const body = api.request.decode(reader, header.requestApiVersion);
  return { api, header, headerVersion, body, trailing: reader.remaining() };
}

function encodeFrame(api, header, headerVersion, body) {
  const w = new Writer();
  RequestHeaderCodec.encode(w, header, headerVersion);
  api.request.encode(w, body, header.requestApiVersion);
  return w.toBuffer();
}

test("captures exist for every client and codec", () => {
  const dirs = captureDirs();
  for (const d of ["kcat", "kafkajs", "confluent-javascript", ...Object.keys(CODECS).map((c) => `kcat-${c}`)]) {
    assert.ok(dirs.includes(d), `test/fixtures/captures/${d}`);
    assert.ok(
      frames(d).some((f) => f.startsWith("produce-")),
      `${d} has a produce capture`,
    );
  }
  for (const d of ["kcat", "kafkajs", "confluent-javascript"]) {
    for (const api of ["api-versions", "metadata", "fetch", "join-group"]) {
      assert.ok(
        frames(d).some((f) => f.startsWith(`${api}-v`)),
        `${d} has a ${api} capture`,
      );
    }
  }
});

for (const dir of captureDirs()) {
  for (const file of frames(dir)) {
    test(`golden ${dir}/${file}: decodes, key fields, re-encodes byte-identically`, () => {
      const [, apiName, versionText, trailingVariant] = FILE_PATTERN.exec(file) ?? [];
      assert.ok(apiName, `file name ${file}`);
      const frame = readFileSync(join(CAPTURES, dir, file));
      const { api, header, headerVersion, body, trailing } = decodeFrame(frame);
      assert.equal(fixtureApiName(api.name), apiName, "API key matches the file name");
      assert.equal(header.requestApiVersion, Number(versionText), "version matches the file name");
      const client = dir.replace(/-(gzip|snappy|lz4|zstd)$/, "");
      assert.equal(header.clientId, CLIENT_IDS[client], "client id");
      if (trailingVariant) assert.ok(trailing > 0, "the trailing-bytes capture has bytes after the body");
      else assert.equal(trailing, 0, "the body fills the frame");
      KEY_FIELDS[api.name]?.(body, header.requestApiVersion);
      const reencoded = encodeFrame(api, header, headerVersion, body);
      assert.equal(reencoded.toString("hex"), frame.subarray(0, frame.length - trailing).toString("hex"));
    });
  }
}

for (const dir of captureDirs()) {
  const produce = frames(dir).find((f) => f.startsWith("produce-"));
  if (produce === undefined) continue;
  test(`golden ${dir}/${produce}: records decode to what the client produced`, () => {
    const expected = JSON.parse(readFileSync(join(CAPTURES, dir, "records.json"), "utf8"));
    const codec = CODECS[dir.split("-").at(-1)];
    const { body } = decodeFrame(readFileSync(join(CAPTURES, dir, produce)));
    const records = body.topicData[0].partitionData[0].records;
    const actual = [];
    for (const span of batchSpans(records)) {
      assert.equal(span.magic, 2, "record batch v2");
      const batch = readRecordBatch(records, span.pos);
      assert.equal(compressionType(batch.header.attributes), codec ?? CompressionType.NONE, "compression codec");
      for (const r of batch) {
        actual.push({
          key: r.key?.toString(),
          value: r.value?.toString(),
          headers: r.headers.map((h) => [h.key.toString(), h.value?.toString()]),
        });
      }
    }
    assert.deepEqual(actual, expected);
  });
}
