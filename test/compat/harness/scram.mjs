// SCRAM users for the compatibility tests: AlterUserScramCredentials (API key 51) sent with Samsa's own
// protocol codec over a PLAINTEXT listener, as `kafka-configs --alter --add-config SCRAM-SHA-256=[...]` does.
import { pbkdf2Sync, randomBytes } from "node:crypto";
import { createConnection } from "node:net";
import { decodeResponse, encodeRequest } from "@samsa/protocol";

const MECHANISMS = {
  "SCRAM-SHA-256": { type: 1, hash: "sha256", bytes: 32 },
  "SCRAM-SHA-512": { type: 2, hash: "sha512", bytes: 64 },
};

/** A connection that sends requests one at a time and resolves each with its decoded response body. */
function openConnection({ host = "127.0.0.1", port }) {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host, port });
    let buf = Buffer.alloc(0);
    let pending;
    let correlationId = 0;
    socket.setTimeout(10_000, () => socket.destroy(new Error("no response within 10 s")));
    socket.on("error", (e) => (pending ? pending.reject(e) : reject(e)));
    socket.on("close", () => pending?.reject(new Error("connection closed by the broker")));
    socket.on("data", (d) => {
      buf = Buffer.concat([buf, d]);
      if (!pending || buf.length < 4 || buf.length < 4 + buf.readInt32BE(0)) return;
      const frame = buf.subarray(4, 4 + buf.readInt32BE(0));
      buf = buf.subarray(4 + frame.length);
      const p = pending;
      pending = undefined;
      p.resolve(decodeResponse(p.apiKey, p.apiVersion, frame).body);
    });
    socket.on("connect", () =>
      resolve({
        send: (apiKey, apiVersion, body) =>
          new Promise((res, rej) => {
            pending = { apiKey, apiVersion, resolve: res, reject: rej };
            for (const chunk of encodeRequest(apiKey, apiVersion, ++correlationId, "samsa-compat", body))
              socket.write(chunk);
          }),
        close: () => socket.destroy(),
      }),
    );
  });
}

/**
 * Sends one request and resolves with the decoded response body. With `sasl: { user, password }` the
 * connection first authenticates with SASL/PLAIN (SaslHandshake v1, SaslAuthenticate v2).
 */
export async function roundTrip(address, apiKey, apiVersion, body) {
  const conn = await openConnection(address);
  try {
    if (address.sasl !== undefined) {
      const hs = await conn.send(17, 1, { mechanism: "PLAIN" });
      if (hs.errorCode !== 0) throw new Error(`SaslHandshake: error ${hs.errorCode}`);
      const { user, password } = address.sasl;
      const auth = await conn.send(36, 2, { authBytes: Buffer.from(`\u0000${user}\u0000${password}`) });
      if (auth.errorCode !== 0) throw new Error(`SaslAuthenticate: error ${auth.errorCode} ${auth.errorMessage}`);
    }
    return await conn.send(apiKey, apiVersion, body);
  } finally {
    conn.close();
  }
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
