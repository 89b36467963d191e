import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  decodeResponse,
  ErrorCode,
  encodeRequest,
  MetadataRequestCodec,
  ProtocolError,
  type RequestByApiKey,
} from "@samsa/protocol";
import { ANONYMOUS_PRINCIPAL, type ConnectionInfo, type Dispatcher } from "../network/connection.js";
import { SaslAuthenticator, type SaslListenerSettings, SaslStateError } from "./sasl-authenticator.js";
import { PlainServer } from "./sasl-plain.js";
import { SCRAM_MECHANISMS, scramCredentialFromPassword } from "./scram-mechanism.js";
import { ScramServer } from "./scram-server.js";

const settings: SaslListenerSettings = {
  mechanisms: ["PLAIN", "SCRAM-SHA-256"],
  newServer: (mechanism) =>
    mechanism === "PLAIN"
      ? new PlainServer(new Map([["alice", "alice-secret"]]))
      : new ScramServer(SCRAM_MECHANISMS[0], () => scramCredentialFromPassword(SCRAM_MECHANISMS[0], "pw")),
  maxReceiveBytes: 1024,
  failedAuthenticationDelayMs: 1,
};

function request<K extends keyof RequestByApiKey>(apiKey: K, version: number, body: RequestByApiKey[K]): Buffer {
  return Buffer.concat(encodeRequest(apiKey, version, 7, "test", body)).subarray(4);
}

function setup() {
  const innerCalls: number[] = [];
  const inner: Dispatcher = (frame) => {
    innerCalls.push(frame.readInt16BE(0));
    return [Buffer.from([0, 0, 0, 5]), Buffer.from("inner")];
  };
  let closed = 0;
  const gate = new SaslAuthenticator(settings, inner, () => closed++);
  const conn: ConnectionInfo = {
    id: 1,
    listenerName: "SASL_PLAINTEXT",
    securityProtocol: "SASL_PLAINTEXT",
    remoteAddress: "127.0.0.1",
    remotePort: 1,
    principal: ANONYMOUS_PRINCIPAL,
  };
  const send = async (frame: Buffer) => {
    const out = await gate.dispatch(frame, conn);
    return out === null ? null : Buffer.concat(out).subarray(4);
  };
  return { gate, conn, send, innerCalls, closed: () => closed };
}

const plainToken = (user: string, password: string) => Buffer.from(`\u0000${user}\u0000${password}`);
const metadata = () => request(3, 4, { ...MetadataRequestCodec.defaults(), topics: null });

test("ApiVersions, handshake v1, SaslAuthenticate: then requests reach the broker as User:<name>", async () => {
  const { send, conn, innerCalls, gate } = setup();
  assert.equal((await send(request(18, 0, {} as RequestByApiKey[18])))?.toString(), "inner");
  const hs = decodeResponse(17, 1, (await send(request(17, 1, { mechanism: "PLAIN" })))!).body;
  assert.deepEqual(hs, { errorCode: ErrorCode.NONE, mechanisms: ["PLAIN", "SCRAM-SHA-256"] });
  const auth = decodeResponse(36, 2, (await send(request(36, 2, { authBytes: plainToken("alice", "alice-secret") })))!);
  assert.equal(auth.body.errorCode, ErrorCode.NONE);
  assert.equal(auth.body.sessionLifetimeMs, 0n);
  assert.equal(gate.authenticated, true);
  assert.equal(conn.principal, "User:alice");
  assert.equal((await send(metadata()))?.toString(), "inner");
  assert.deepEqual(innerCalls, [18, 3]);
});

test("a wrong password answers SASL_AUTHENTICATION_FAILED with Kafka's message and closes", async () => {
  const { send, conn, closed, innerCalls } = setup();
  await send(request(17, 1, { mechanism: "PLAIN" }));
  const auth = decodeResponse(36, 1, (await send(request(36, 1, { authBytes: plainToken("alice", "nope") })))!).body;
  assert.equal(auth.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
  assert.equal(auth.errorMessage, "Authentication failed: Invalid username or password");
  assert.equal(closed(), 1);
  assert.equal(conn.principal, ANONYMOUS_PRINCIPAL);
  assert.equal(await send(metadata()), null, "nothing more is served");
  assert.deepEqual(innerCalls, []);
});

test("an unknown mechanism answers UNSUPPORTED_SASL_MECHANISM with the enabled ones and closes", async () => {
  const { send, closed } = setup();
  const hs = decodeResponse(17, 1, (await send(request(17, 1, { mechanism: "GSSAPI" })))!).body;
  assert.deepEqual(hs, { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: ["PLAIN", "SCRAM-SHA-256"] });
  assert.equal(closed(), 1);
});

test("before authentication other APIs, a second ApiVersions or a bare SaslAuthenticate close the connection", async () => {
  for (const frames of [
    [metadata()],
    [request(18, 0, {} as RequestByApiKey[18]), request(18, 0, {} as RequestByApiKey[18])],
    [request(36, 1, { authBytes: plainToken("alice", "alice-secret") })],
    [request(17, 1, { mechanism: "PLAIN" }), metadata()],
  ]) {
    const { send, innerCalls } = setup();
    for (const f of frames.slice(0, -1)) await send(f);
    await assert.rejects(send(frames.at(-1)!), SaslStateError);
    assert.ok(!innerCalls.includes(3));
    assert.equal(await send(metadata()), null);
  }
});

test("handshake v0: bare size-prefixed SASL tokens", async () => {
  const { gate, conn } = setup();
  gate.dispatch(request(17, 0, { mechanism: "PLAIN" }), conn);
  const out = gate.dispatch(plainToken("alice", "alice-secret"), conn) as Buffer[];
  assert.deepEqual(Buffer.concat(out), Buffer.from([0, 0, 0, 0]));
  assert.equal(conn.principal, "User:alice");
});

test("a frame beyond sasl.server.max.receive.size before authentication closes the connection", async () => {
  const { send } = setup();
  await assert.rejects(send(Buffer.alloc(2000)), SaslStateError);
});

test("fuzz: arbitrary frames before authentication end in a typed error or an answer, never a crash", async () => {
  const typed = (e: unknown) => e instanceof SaslStateError || e instanceof ProtocolError;
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom([], [request(17, 1, { mechanism: "PLAIN" })], [request(17, 0, { mechanism: "SCRAM-SHA-256" })]),
      fc.array(fc.uint8Array({ maxLength: 64 }), { minLength: 1, maxLength: 4 }),
      async (prefix, frames) => {
        const { send } = setup();
        for (const f of prefix) await send(f);
        for (const f of frames) {
          try {
            await send(Buffer.from(f));
          } catch (e) {
            assert.ok(typed(e), String(e));
            return;
          }
        }
      },
    ),
    { numRuns: 300 },
  );
});
