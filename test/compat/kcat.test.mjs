// kcat (librdkafka 2.0, Debian) against a real Samsa broker: produce keyed records with headers,
// consume them back with -e and a -f format, check key, value, headers, offset and timestamp.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { startBroker, stopAllBrokers } from "./harness/broker.mjs";
import { createTopic } from "./harness/kafkajs.mjs";
import { requireExecutable, runOk } from "./harness/process.mjs";
import { assertRecordsRoundTrip, uniqueTopic } from "./harness/records.mjs";

after(stopAllBrokers);

const COUNT = 10;
const HEADERS = [
  ["source", "kcat"],
  ["trace", "abc-123"],
];

/** Produces COUNT keyed records with headers (compressed with `codec` if given), reads them back. */
async function kcatRoundTrip(codec) {
  const kcat = requireExecutable("kcat");
  const broker = await startBroker();
  const topic = uniqueTopic(`kcat-${codec ?? "none"}`);
  await createTopic(broker.bootstrap, topic);

  const expected = [];
  for (let i = 0; i < COUNT; i++) {
    expected.push({ key: `key-${i}`, value: `value-${i}-${"v".repeat(i)}`, headers: HEADERS });
  }
  const input = expected.map((r) => `${r.key}\t${r.value}\n`).join("");
  const beforeMs = Date.now();
  const headerArgs = HEADERS.flatMap(([k, v]) => ["-H", `${k}=${v}`]);
  // A record the broker does not take fails kcat within the test budget instead of retrying on.
  const produceArgs = ["-X", "message.timeout.ms=10000", ...(codec ? ["-z", codec] : [])];
  await runOk(kcat, ["-b", broker.bootstrap, "-P", "-t", topic, "-p", "0", "-K", "\t", ...headerArgs, ...produceArgs], {
    input,
    timeoutMs: 20_000,
  });
  const afterMs = Date.now();

  const { stdout } = await runOk(
    kcat,
    ["-b", broker.bootstrap, "-C", "-t", topic, "-p", "0", "-o", "beginning", "-e", "-f", "%o\t%T\t%k\t%s\t%h\n"],
    { timeoutMs: 20_000 },
  );
  const actual = stdout
    .split("\n")
    .filter((l) => l !== "")
    .map((line) => {
      const [offset, timestampMs, key, value, headers] = line.split("\t");
      return {
        offset,
        timestampMs,
        key,
        value,
        headers: headers.split(",").map((h) => h.split("=")),
      };
    });
  assertRecordsRoundTrip(actual, expected, {
    timestamps: (ms, _e, i) => {
      // kcat stamps CreateTime at produce; every one falls inside the produce call, in order.
      assert.ok(ms >= beforeMs - 1000 && ms <= afterMs + 1000, `record ${i}: timestamp ${ms} outside the produce`);
      if (i > 0) assert.ok(ms >= Number(actual[i - 1].timestampMs), `record ${i}: timestamp went backwards`);
    },
  });
  await broker.stop();
}

test("kcat -P keyed records with headers, -C -e -f reads them back", { timeout: 60_000 }, () => kcatRoundTrip());

for (const codec of ["gzip", "snappy", "lz4", "zstd"]) {
  test(`kcat -P -z ${codec}: compressed batches read back record by record`, { timeout: 60_000 }, () =>
    kcatRoundTrip(codec),
  );
}
