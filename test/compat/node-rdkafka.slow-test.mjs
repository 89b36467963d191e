// node-rdkafka (compiles its own librdkafka: slow, so not in the default install) against a real
// Samsa broker. Opt-in: `SAMSA_SLOW_COMPAT=1 bash scripts/install-test-deps.sh` installs it and
// `SAMSA_SLOW_COMPAT=1 npm test` runs this file (scripts/run-tests.mjs picks up *.slow-test.mjs only
// then); once opted in, a missing node-rdkafka fails the test.
import { createRequire } from "node:module";
import { after, test } from "node:test";
import { stopAllBrokers } from "./harness/broker.mjs";
import { rdkafkaRoundTrip } from "./harness/rdkafka.mjs";

after(stopAllBrokers);

test("node-rdkafka: AdminClient create, produce with headers, consume via assign", { timeout: 60_000 }, async () => {
  await rdkafkaRoundTrip(createRequire(import.meta.url)("node-rdkafka"), "nrdk");
});
