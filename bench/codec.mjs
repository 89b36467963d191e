#!/usr/bin/env node
// Codec throughput of @samsa/protocol, in process (no broker): CRC-32C, compression codecs, record
// batch build and produce-path validation, and encode/decode of a Produce request and a Fetch
// response carrying 1 MiB of records.
//
//   node bench/codec.mjs [--quick] [--seconds 1]
//
// Each figure runs its operation repeatedly for about --seconds (0.2 s with --quick) after a warm-up
// and prints bytes/s of the operation's input (MB = 10^6 bytes); also .bench-out/codec.json. Build
// first: `npx tsc -b`.
import { fileURLToPath } from "node:url";
import { writeResult } from "./throughput.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const protocol = await import(`${ROOT}packages/protocol/dist/index.js`);
const { makeCrc } = await import(`${ROOT}packages/protocol/dist/records/crc-table.js`);
const nodeRsCrc = await import("@node-rs/crc32");

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const secondsArg = args.indexOf("--seconds");
const seconds = secondsArg >= 0 ? Number(args[secondsArg + 1]) : quick ? 0.2 : 1;
const command = `node bench/codec.mjs${quick ? " --quick" : ""}${secondsArg >= 0 ? ` --seconds ${seconds}` : ""}`;

/** Runs `fn` for about `seconds`; returns operations per second. */
async function rate(fn) {
  for (let i = 0; i < 3; i++) await fn();
  let ops = 0;
  const start = process.hrtime.bigint();
  const budget = BigInt(Math.round(seconds * 1e9));
  let elapsed = 0n;
  do {
    await fn();
    ops++;
    elapsed = process.hrtime.bigint() - start;
  } while (elapsed < budget);
  return ops / (Number(elapsed) / 1e9);
}

const rows = [];
function row(section, name, bytesPerOp, opsPerSec, extra = `${(1e6 / opsPerSec).toFixed(1)} µs/op`) {
  const mbps = (bytesPerOp * opsPerSec) / 1e6;
  rows.push([section, name, `${mbps.toFixed(0)} MB/s`, extra]);
  console.log(`${section.padEnd(10)} ${name.padEnd(46)} ${`${mbps.toFixed(0)} MB/s`.padStart(11)}  ${extra}`);
}

/** Record-like payload: JSON-ish text with some variation, compressible as real events are. */
function payload(size, seed) {
  const buf = Buffer.alloc(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    buf[i] = i % 40 < 28 ? 97 + ((i >> 3) % 26) : 48 + ((x >> 16) % 10);
  }
  return buf;
}

// CRC-32C
const jsCrc32c = makeCrc(0x82f63b78);
for (const size of [64, 1024, 16 * 1024, 1024 * 1024]) {
  const buf = payload(size, 1);
  const label = size >= 1024 ? `${size / 1024} KiB` : `${size} B`;
  const reps = Math.max(1, Math.floor(65536 / size));
  const loop = (f) => () => {
    for (let i = 0; i < reps; i++) f(buf);
  };
  const crcRow = async (name, f) => {
    const ops = await rate(loop(f));
    row("crc32c", `${name} ${label}`, size * reps, ops, `${(1e6 / (ops * reps)).toFixed(2)} µs/call`);
  };
  await crcRow("crc32c (chosen: JS <128 B, else native)", (b) => protocol.crc32c(b));
  await crcRow("@node-rs/crc32 native", (b) => nodeRsCrc.crc32c(b));
  await crcRow("pure-JS slicing-by-8", (b) => jsCrc32c(b));
}

// Compression codecs on 1 MiB of record-like data
const MiB = 1024 * 1024;
const data = payload(MiB, 7);
const codecNames = { 1: "gzip", 2: "snappy", 3: "lz4", 4: "zstd" };
for (const id of [1, 2, 3, 4]) {
  const codec = protocol.codecFor(id);
  const compressed = codec.compressSync(data);
  const ratio = `ratio ${(data.length / compressed.length).toFixed(2)}`;
  row("codec", `${codecNames[id]} compress 1 MiB`, MiB, await rate(() => codec.compressSync(data)), ratio);
  row("codec", `${codecNames[id]} decompress 1 MiB`, MiB, await rate(() => codec.decompressSync(compressed, 2 * MiB)));
  row(
    "codec",
    `${codecNames[id]} decompress 1 MiB (async)`,
    MiB,
    await rate(() => codec.decompress(compressed, 2 * MiB)),
  );
}

// Record batches: 1 MiB of 1 KiB and of 100 B values
for (const valueSize of [1024, 100]) {
  const count = Math.floor(MiB / valueSize);
  const records = [];
  for (let i = 0; i < count; i++) {
    records.push({ key: `key-${i % 1000}`, value: payload(valueSize, i), timestamp: 1_700_000_000_000 + i });
  }
  for (const id of [0, 1, 2, 3, 4]) {
    const name = id === 0 ? "none" : codecNames[id];
    const batch = protocol.buildRecordBatch(records, { compression: id });
    const opts = { maxUncompressedBytes: 4 * MiB };
    const label = `${count} x ${valueSize} B, ${name}`;
    const build = await rate(() => protocol.buildRecordBatch(records, { compression: id }));
    row("batch", `build ${label}`, MiB, build, `${((build * count) / 1e6).toFixed(2)} M records/s`);
    const validate = await rate(() => protocol.validateRecordBatch(batch, 0, opts));
    row("batch", `validate ${label}`, MiB, validate, `${((validate * count) / 1e6).toFixed(2)} M records/s`);
    if (id === 0) {
      const iterate = await rate(() => {
        let n = 0;
        for (const r of protocol.readRecordBatch(batch)) n += r.value.length;
        return n;
      });
      row(
        "batch",
        `read (decode every record) ${label}`,
        MiB,
        iterate,
        `${((iterate * count) / 1e6).toFixed(2)} M records/s`,
      );
    }
  }
}

// Produce request and Fetch response with 1 MiB of records (needs the generated codecs)
if (protocol.ProduceRequestCodec && protocol.FetchResponseCodec && protocol.Writer && protocol.Reader) {
  const records = [];
  for (let i = 0; i < 1024; i++) records.push({ value: payload(1000, i), timestamp: 1_700_000_000_000 });
  const batch = protocol.buildRecordBatch(records);
  const produceVersion = protocol.ProduceRequestCodec.validVersions.max;
  const produce = {
    ...protocol.ProduceRequestCodec.defaults(),
    acks: -1,
    timeoutMs: 30000,
    topicData: [{ name: "bench", partitionData: [{ index: 0, records: batch }] }],
  };
  const encodeProduce = () => {
    const w = new protocol.Writer();
    protocol.ProduceRequestCodec.encode(w, produce, produceVersion);
    return w.toBuffer();
  };
  const produceBytes = encodeProduce();
  row(
    "produce",
    `encode ProduceRequest v${produceVersion} (1 MiB records)`,
    produceBytes.length,
    await rate(encodeProduce),
  );
  row(
    "produce",
    `decode ProduceRequest v${produceVersion} (1 MiB records)`,
    produceBytes.length,
    await rate(() => protocol.ProduceRequestCodec.decode(new protocol.Reader(produceBytes), produceVersion)),
    "records stay a slice of the frame",
  );
  row(
    "produce",
    `decode ProduceRequest v${produceVersion} + validate its batch`,
    produceBytes.length,
    await rate(() => {
      const req = protocol.ProduceRequestCodec.decode(new protocol.Reader(produceBytes), produceVersion);
      const recordsBuf = req.topicData[0].partitionData[0].records;
      return protocol.validateRecordBatch(recordsBuf, 0, { maxUncompressedBytes: 4 * MiB });
    }),
  );
  const fetchVersion = protocol.FetchResponseCodec.validVersions.max;
  const partitions = [];
  for (let p = 0; p < 8; p++) {
    partitions.push({
      ...protocol.defaultFetchResponsePartitionData(),
      partitionIndex: p,
      highWatermark: 1000n,
      records: batch.subarray(0, Math.floor(batch.length / 8)),
    });
  }
  const fetch = {
    ...protocol.FetchResponseCodec.defaults(),
    responses: [{ ...protocol.defaultFetchResponseFetchableTopicResponse(), topic: "bench", partitions }],
  };
  const encodeFetch = () => {
    const w = new protocol.Writer();
    protocol.FetchResponseCodec.encode(w, fetch, fetchVersion);
    return w.toBuffers();
  };
  const fetchBytes = Buffer.concat(encodeFetch());
  row(
    "fetch",
    `encode FetchResponse v${fetchVersion} (8 partitions, 1 MiB)`,
    fetchBytes.length,
    await rate(encodeFetch),
  );
  row(
    "fetch",
    `decode FetchResponse v${fetchVersion} (8 partitions, 1 MiB)`,
    fetchBytes.length,
    await rate(() => protocol.FetchResponseCodec.decode(new protocol.Reader(fetchBytes), fetchVersion)),
  );
} else {
  console.log("produce/fetch: skipped, @samsa/protocol does not export the generated codecs yet");
}

console.log(`\n${rows.length} figures; reproduce with: ${command}`);
writeResult("codec", {
  command,
  seconds,
  rows: rows.map(([section, name, rate, extra]) => ({ section, name, rate, extra })),
});
