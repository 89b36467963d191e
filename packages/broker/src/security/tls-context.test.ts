import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { connect, createServer, type TLSSocket } from "node:tls";
import { BrokerConfig } from "../config/broker-config.js";
import { ConfigError } from "../config/config-error.js";
import { certificatePrincipal, tlsServerOptions } from "./tls-context.js";

const dir = mkdtempSync(join(tmpdir(), "samsa-tls-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function openssl(args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
}

/** A CA, a server certificate and a client certificate (EC keys: fast to make). */
function makeCertificates(): void {
  const key = (name: string) => openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", `${name}.key`]);
  key("ca");
  openssl(["req", "-x509", "-new", "-key", "ca.key", "-out", "ca.pem", "-days", "1", "-subj", "/CN=Test CA"]);
  writeFileSync(join(dir, "san.cnf"), "subjectAltName=IP:127.0.0.1\n");
  for (const [name, subject, ext] of [
    ["server", "/CN=localhost", ["-extfile", "san.cnf"]],
    ["client", "/C=US/O=Samsa, Inc./CN=client1", []],
  ] as const) {
    key(name);
    openssl(["req", "-new", "-key", `${name}.key`, "-out", `${name}.csr`, "-subj", subject]);
    openssl([
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      `${name}.pem`,
      "-days",
      "1",
      ...ext,
    ]);
  }
  execFileSync("sh", ["-c", "cat server.key server.pem > keystore.pem"], { cwd: dir });
}

test("SSL listener: PEM key store, client certificate required, principal from the subject DN", async () => {
  makeCertificates();
  const config = BrokerConfig.from([
    ["listeners", "SSL://127.0.0.1:0"],
    ["ssl.keystore.location", join(dir, "keystore.pem")],
    ["listener.name.ssl.ssl.truststore.location", join(dir, "ca.pem")],
    ["listener.name.ssl.ssl.client.auth", "required"],
  ]);
  const options = tlsServerOptions(config, "SSL");
  assert.equal(options.requestCert, true);
  assert.equal(options.rejectUnauthorized, true);
  const principals: (string | null)[] = [];
  const server = createServer(options, (socket: TLSSocket) => {
    principals.push(certificatePrincipal(socket));
    socket.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  const read = (file: string) => execFileSync("cat", [join(dir, file)]);
  try {
    await new Promise<void>((resolve, reject) => {
      const s = connect({
        host: "127.0.0.1",
        port,
        ca: read("ca.pem"),
        cert: read("client.pem"),
        key: read("client.key"),
      });
      s.on("error", reject);
      s.on("end", () => resolve());
      s.resume();
    });
    assert.deepEqual(principals, ["User:CN=client1,O=Samsa\\, Inc.,C=US"]);
    const refused = await new Promise<boolean>((resolve) => {
      const s = connect({ host: "127.0.0.1", port, ca: read("ca.pem") });
      s.on("error", () => resolve(true));
      s.on("end", () => resolve(false));
      s.resume();
    });
    assert.equal(refused, true, "no client certificate, no connection");
  } finally {
    server.close();
  }
});

test("SSL listener without a key store is a ConfigError; client auth without a trust store too", () => {
  assert.throws(() => tlsServerOptions(BrokerConfig.from([["listeners", "SSL://:0"]]), "SSL"), ConfigError);
  assert.throws(
    () =>
      tlsServerOptions(
        BrokerConfig.from([
          ["listeners", "SSL://:0"],
          ["ssl.keystore.key", "k"],
          ["ssl.keystore.certificate.chain", "c"],
          ["ssl.client.auth", "required"],
        ]),
        "SSL",
      ),
    /needs ssl.truststore.location/,
  );
});
