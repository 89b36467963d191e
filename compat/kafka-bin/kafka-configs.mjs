// A stand-in for Kafka's bin/kafka-configs.sh for SCRAM users (--entity-type users), over Samsa's
// AlterUserScramCredentials/DescribeUserScramCredentials:
//   --alter --add-config 'SCRAM-SHA-256=[iterations=8192,password=secret],SCRAM-SHA-512=[password=secret]'
//   --alter --delete-config 'SCRAM-SHA-512'
//   --describe [--entity-name NAME]
// with --bootstrap-server host:port (a PLAINTEXT listener). Exits non-zero on any error.
import { parseArgs } from "node:util";
import { roundTrip, upsertScramUser } from "../../test/compat/harness/scram.mjs";

const MECHANISMS = { "SCRAM-SHA-256": 1, "SCRAM-SHA-512": 2 };
const NAMES = Object.fromEntries(Object.entries(MECHANISMS).map(([k, v]) => [v, k]));

const { values } = parseArgs({
  options: {
    "bootstrap-server": { type: "string" },
    alter: { type: "boolean" },
    describe: { type: "boolean" },
    "add-config": { type: "string" },
    "delete-config": { type: "string" },
    "entity-type": { type: "string" },
    "entity-name": { type: "string" },
  },
});
const fail = (message) => {
  console.error(`kafka-configs: ${message}`);
  process.exit(1);
};
if (!values["bootstrap-server"]) fail("--bootstrap-server is required");
if (values["entity-type"] !== "users") fail("only --entity-type users (SCRAM credentials) is supported");
const [host, port] = values["bootstrap-server"].split(",")[0].split(":");
const address = { host, port: Number(port) };
const user = values["entity-name"];

/** 'SCRAM-SHA-256=[iterations=8192,password=x],SCRAM-SHA-512=[password=x]' -> [{mechanism, iterations, password}] */
function parseScramConfigs(text) {
  const out = [];
  for (const m of text.matchAll(/(SCRAM-SHA-(?:256|512))=\[([^\]]*)\]/g)) {
    const opts = Object.fromEntries(
      m[2].split(",").map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
    );
    if (opts.password === undefined) fail(`${m[1]}: password is required`);
    out.push({ mechanism: m[1], iterations: Number(opts.iterations ?? 4096), password: opts.password });
  }
  if (out.length === 0) fail(`no SCRAM-SHA-256/512=[...] in '${text}'`);
  return out;
}

if (values.alter) {
  if (!user) fail("--entity-name is required with --alter");
  for (const c of values["add-config"] ? parseScramConfigs(values["add-config"]) : []) {
    await upsertScramUser(address, user, c.password, [c.mechanism], c.iterations);
  }
  if (values["delete-config"]) {
    const deletions = values["delete-config"].split(",").map((name) => {
      if (!(name in MECHANISMS)) fail(`cannot delete config ${name}`);
      return { name: user, mechanism: MECHANISMS[name] };
    });
    const r = await roundTrip(address, 51, 0, { deletions, upsertions: [] });
    for (const e of r.results) if (e.errorCode !== 0) fail(`${e.user}: error ${e.errorCode} ${e.errorMessage}`);
  }
  console.log(`Completed updating config for user ${user}.`);
} else if (values.describe) {
  const r = await roundTrip(address, 50, 0, { users: user ? [{ name: user }] : null });
  if (r.errorCode !== 0) fail(`error ${r.errorCode} ${r.errorMessage}`);
  for (const u of r.results) {
    if (u.errorCode !== 0) fail(`${u.user}: error ${u.errorCode} ${u.errorMessage}`);
    const creds = u.credentialInfos.map((c) => `${NAMES[c.mechanism]}=iterations=${c.iterations}`).join(", ");
    console.log(`SCRAM credential configs for user-principal '${u.user}' are ${creds}`);
  }
} else fail("one of --alter or --describe is required");
