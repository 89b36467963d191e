import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { SaslAuthenticationError, SaslExchangeError } from "./sasl-errors.js";
import {
  digest,
  hmac,
  SCRAM_MECHANISMS,
  type ScramMechanism,
  saltedPassword,
  scramCredentialFromPassword,
} from "./scram-mechanism.js";
import { decodeSaslName, ScramServer } from "./scram-server.js";

/** A client per RFC 5802, written from the RFC independently of the server. */
function clientExchange(m: ScramMechanism, server: ScramServer, user: string, password: string, tamper = false) {
  const clientNonce = randomBytes(12).toString("base64");
  const bare = `n=${user.replace(/=/g, "=3D").replace(/,/g, "=2C")},r=${clientNonce}`;
  const serverFirst = server.evaluate(Buffer.from(`n,,${bare}`)).toString();
  const attrs = Object.fromEntries(serverFirst.split(",").map((kv) => [kv[0], kv.slice(2)]));
  assert.ok(attrs.r.startsWith(clientNonce), "server nonce extends the client's");
  const salted = saltedPassword(m, password, Buffer.from(attrs.s, "base64"), Number(attrs.i));
  const clientKey = hmac(m, salted, "Client Key");
  const withoutProof = `c=biws,r=${attrs.r}`;
  const authMessage = `${bare},${serverFirst},${withoutProof}`;
  const signature = hmac(m, digest(m, clientKey), authMessage);
  const proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i]));
  if (tamper) proof[0] ^= 1;
  const serverFinal = server.evaluate(Buffer.from(`${withoutProof},p=${proof.toString("base64")}`)).toString();
  const expected = hmac(m, hmac(m, salted, "Server Key"), authMessage).toString("base64");
  assert.equal(serverFinal, `v=${expected}`);
}

for (const m of SCRAM_MECHANISMS) {
  const cred = scramCredentialFromPassword(m, "pa,ss=word");
  const lookup = (user: string, mech: string) => (user === "a,b=c" && mech === m.name ? cred : undefined);

  test(`${m.name}: the right password authenticates (user names with , and =)`, () => {
    const server = new ScramServer(m, lookup);
    clientExchange(m, server, "a,b=c", "pa,ss=word");
    assert.equal(server.complete, true);
    assert.equal(server.authorizationId, "a,b=c");
  });

  test(`${m.name}: a wrong password or a tampered proof fails without completing`, () => {
    for (const [password, tamper] of [
      ["wrong", false],
      ["pa,ss=word", true],
    ] as const) {
      const server = new ScramServer(m, lookup);
      assert.throws(() => clientExchange(m, server, "a,b=c", password, tamper), SaslExchangeError);
      assert.equal(server.complete, false);
      assert.throws(() => server.evaluate(Buffer.from("anything")), SaslExchangeError);
    }
  });

  test(`${m.name}: an unknown user is Kafka's "Invalid user credentials"`, () => {
    const server = new ScramServer(m, lookup);
    assert.throws(
      () => server.evaluate(Buffer.from("n,,n=nobody,r=abc")),
      new SaslAuthenticationError("Authentication failed: Invalid user credentials"),
    );
  });
}

test("malformed client messages are typed errors", () => {
  const m = SCRAM_MECHANISMS[0];
  const cred = scramCredentialFromPassword(m, "x");
  for (const msg of ["", "y,,n=u,r=a", "n,,r=a", "n,,n=u", "\u0000\u0001", "n,,n=u=,r=a"]) {
    const server = new ScramServer(m, () => cred);
    assert.throws(() => server.evaluate(Buffer.from(msg)), SaslExchangeError, msg);
  }
  const server = new ScramServer(m, () => cred);
  server.evaluate(Buffer.from("n,,n=u,r=abc"));
  assert.throws(() => server.evaluate(Buffer.from("c=biws,r=other,p=AAAA")), SaslExchangeError);
});

test("authzid different from the user is refused", () => {
  const m = SCRAM_MECHANISMS[0];
  const server = new ScramServer(m, () => scramCredentialFromPassword(m, "x"));
  assert.throws(() => server.evaluate(Buffer.from("n,a=admin,n=u,r=abc")), SaslAuthenticationError);
});

test("saslname decoding", () => {
  assert.equal(decodeSaslName("a=2Cb=3Dc"), "a,b=c");
  assert.equal(decodeSaslName("a=4"), undefined);
});
