// python3-confluent-kafka (Debian, under /usr/bin/python3) against a real Samsa broker: AdminClient
// creates the topic, a Producer writes keyed records with headers and CreateTimes, a Consumer
// assigned to the partition reads them back.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import { startBroker, stopAllBrokers } from "./harness/broker.mjs";
import { requireExecutable, runOk } from "./harness/process.mjs";
import { assertRecordsRoundTrip, makeRecords, uniqueTopic } from "./harness/records.mjs";

after(stopAllBrokers);

// Debian's python modules load only under the system interpreter, not a pyenv shim on PATH.
const PYTHON = "/usr/bin/python3";
const SCRIPT = join(import.meta.dirname, "clients/confluent_roundtrip.py");
const TIMESTAMP_CREATE_TIME = 1;

test("confluent-kafka (python): AdminClient create, produce with headers, consume via assign", {
  timeout: 60_000,
}, async () => {
  requireExecutable(PYTHON);
  await runOk(PYTHON, ["-c", "import confluent_kafka"], { timeoutMs: 10_000 });
  const broker = await startBroker();
  const topic = uniqueTopic("pyck");
  const records = makeRecords("py", 12);
  const { stdout } = await runOk(PYTHON, [SCRIPT], {
    input: JSON.stringify({ bootstrap: broker.bootstrap, topic, records }),
    timeoutMs: 45_000,
  });
  const { delivered, consumed } = JSON.parse(stdout);
  assert.deepEqual(
    delivered.map((d) => [d.error, d.offset, d.key]),
    records.map((r, i) => [null, i, r.key]),
    "delivery reports: offsets in produce order",
  );
  for (const c of consumed) assert.equal(c.timestampType, TIMESTAMP_CREATE_TIME, `offset ${c.offset}: timestamp type`);
  assertRecordsRoundTrip(consumed, records);
  await broker.stop();
});
