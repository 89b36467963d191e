// SCRAM users for the compatibility tests: AlterUserScramCredentials (API key 51) sent with Samsa's own
// protocol codec over a PLAINTEXT listener, as `kafka-configs --alter --add-config SCRAM-SHA-256=[...]` does.
import { pbkdf2Sync, randomBytes } from "node:crypto";
import { createConnection } from "node:net";
import { decodeResponse, encodeRequest } from "@samsa/protocol";

const MECHANISMS = {
  "SCRAM-SHA-256": { type: 1, hash: "sha256", bytes: 32 },
  "SCRAM-SHA-512": { type: 2, hash: "sha512", bytes: 64 },
};

/** Sends one request and resolves with the decoded response body. */
export function roundTrip({ host = "127.0.0.1", port }, apiKey, apiVersion, body) {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host, port });
    let buf = Buffer.alloc(0);
    socket.setTimeout(10_000, () => socket.destroy(new Error("no response within 10 s")));
    socket.on("error", reject);
    socket.on("connect", () => {
      for (const chunk of encodeRequest(apiKey, apiVersion, 1, "samsa-compat", body)) socket.write(chunk);
    });
    socket.on("data", (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length < 4 || buf.length < 4 + buf.readInt32BE(0)) return;
      socket.destroy();
      resolve(decodeResponse(apiKey, apiVersion, buf.subarray(4, 4 + buf.readInt32BE(0))).body);
    });
  });
}

/** Creates or replaces `user`'s SCRAM credential for each mechanism; throws on a per-user error. */
export async function upsertScramUser(
  address,
  user,
  password,
  mechanisms = Object.keys(MECHANISMS),
  iterations = 4096,
) {
  const upsertions = mechanisms.map((name) => {
    const m = MECHANISMS[name];
    const salt = randomBytes(m.bytes);
    const saltedPassword = pbkdf2Sync(Buffer.from(password), salt, iterations, m.bytes, m.hash);
    return { name: user, mechanism: m.type, iterations, salt, saltedPassword };
  });
  const response = await roundTrip(address, 51, 0, { deletions: [], upsertions });
  for (const r of response.results) {
    if (r.errorCode !== 0)
      throw new Error(`AlterUserScramCredentials ${r.user}: error ${r.errorCode} ${r.errorMessage}`);
  }
  return response;
}
