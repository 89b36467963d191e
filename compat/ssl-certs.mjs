// Certificates for the suites' SSL tests, made with the openssl CLI as librdkafka's trivup (SslApp)
// makes them: a CA, a broker key store signed by it, and a client key and certificate in every
// encoding the tests load (PEM, DER, PKCS#12), plus the SSL_* environment trivup exports to tests.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runOk } from "../test/compat/harness/process.mjs";
import { CACHE_DIR } from "./sources.mjs";

/** trivup's default ssl_key_pass: the CA key's password and the client's ssl.key.password. */
export const SSL_KEY_PASSWORD = "12345678";
const DIR = join(CACHE_DIR, "ssl");
const VALID_DAYS = "10000";
const subject = (cn) => `/C=NN/ST=ST/L=L/O=O/CN=${cn}`;
/** test.conf reaches the broker as 127.0.0.1; librdkafka 2.x verifies the endpoint by default. */
const BROKER_ALT_NAMES = "subjectAltName=IP:127.0.0.1,DNS:localhost";

function paths(dir) {
  const p = (name) => join(dir, name);
  return {
    caKey: p("ca.key"),
    caPem: p("ca.pem"),
    caDer: p("ca.der"),
    caSerial: p("ca.srl"),
    otherCaKey: p("other-ca.key"),
    otherCaPem: p("other-ca.pem"),
    /** Two CAs in one PEM file (the suite's SSL_all_cas_pem): an unrelated one, then the real one. */
    allCasPem: p("all-cas.pem"),
    brokerKey: p("broker.key"),
    brokerReq: p("broker.req"),
    brokerCert: p("broker.pem"),
    /** Key, certificate and CA in one PEM file: the listener's ssl.keystore.location. */
    brokerKeystore: p("broker-keystore.pem"),
    clientPrivPem: p("client-priv.pem"),
    clientPrivDer: p("client-priv.der"),
    clientPubPem: p("client-pub.pem"),
    clientPubDer: p("client-pub.der"),
    clientReq: p("client.req"),
    clientPkcs12: p("client.pfx"),
    /** Written last: its presence means the set is complete. */
    done: p("done"),
  };
}

/**
 * Creates the certificates once (cached in .compat-cache/ssl; made in a scratch directory and
 * renamed into place, so concurrent runners never read half-written files) and returns their paths.
 */
export async function ensureSslCerts(log) {
  const files = paths(DIR);
  if (existsSync(files.done)) return files;
  log("ssl: generating a CA and broker and client certificates (openssl)");
  const scratch = `${DIR}.${process.pid}`;
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  const f = paths(scratch);
  const openssl = (...args) => runOk("openssl", args, { cwd: scratch, timeoutMs: 60_000 });
  const pass = `pass:${SSL_KEY_PASSWORD}`;

  const newCa = (key, pem, cn) =>
    openssl(
      "req",
      "-new",
      "-x509",
      "-keyout",
      key,
      "-out",
      pem,
      "-days",
      VALID_DAYS,
      "-passout",
      pass,
      "-subj",
      subject(cn),
    );
  await newCa(f.caKey, f.caPem, "SamsaCompatCA");
  await openssl("x509", "-outform", "der", "-in", f.caPem, "-out", f.caDer);
  await newCa(f.otherCaKey, f.otherCaPem, "SamsaCompatOtherCA");
  writeFileSync(f.allCasPem, readFileSync(f.otherCaPem, "utf8") + readFileSync(f.caPem, "utf8"));

  const sign = (req, out, ...extra) =>
    openssl(
      "x509",
      "-req",
      "-in",
      req,
      "-CA",
      f.caPem,
      "-CAkey",
      f.caKey,
      "-CAserial",
      f.caSerial,
      "-CAcreateserial",
      "-passin",
      pass,
      "-days",
      VALID_DAYS,
      "-out",
      out,
      ...extra,
    );

  await openssl("genpkey", "-algorithm", "RSA", "-out", f.brokerKey);
  await openssl("req", "-new", "-key", f.brokerKey, "-out", f.brokerReq, "-subj", subject("localhost"));
  const ext = join(scratch, "broker.ext");
  writeFileSync(ext, `${BROKER_ALT_NAMES}\n`);
  await sign(f.brokerReq, f.brokerCert, "-extfile", ext);
  writeFileSync(
    f.brokerKeystore,
    [f.brokerKey, f.brokerCert, f.caPem].map((file) => readFileSync(file, "utf8")).join(""),
  );

  await openssl("genpkey", "-algorithm", "RSA", "-out", f.clientPrivPem);
  await openssl("req", "-new", "-key", f.clientPrivPem, "-out", f.clientReq, "-subj", subject("client"));
  await sign(f.clientReq, f.clientPubPem);
  await openssl("x509", "-outform", "der", "-in", f.clientPubPem, "-out", f.clientPubDer);
  await openssl("rsa", "-outform", "der", "-in", f.clientPrivPem, "-out", f.clientPrivDer);
  await openssl(
    "pkcs12",
    "-export",
    "-out",
    f.clientPkcs12,
    "-inkey",
    f.clientPrivPem,
    "-in",
    f.clientPubPem,
    "-certfile",
    f.caPem,
    "-passout",
    pass,
  );
  writeFileSync(f.done, "");
  try {
    renameSync(scratch, DIR);
  } catch (e) {
    // Another runner got there first: its set is as good as this one.
    rmSync(scratch, { recursive: true, force: true });
    if (!existsSync(files.done)) throw e;
  }
  return files;
}

/** The SSL_* variables trivup's KafkaCluster exports (KafkaCluster._setup_client_conf), for tests. */
export function sslTestEnv(f) {
  return {
    SSL_ca_key: f.caKey,
    SSL_ca_pem: f.caPem,
    SSL_ca_der: f.caDer,
    SSL_ca_srl: f.caSerial,
    SSL_ca_password: SSL_KEY_PASSWORD,
    SSL_all_cas_pem: f.allCasPem,
    SSL_priv_pem: f.clientPrivPem,
    SSL_priv_der: f.clientPrivDer,
    SSL_pub_pem: f.clientPubPem,
    SSL_pub_der: f.clientPubDer,
    SSL_pkcs: f.clientPkcs12,
    SSL_req: f.clientReq,
    SSL_password: SSL_KEY_PASSWORD,
  };
}

/** librdkafka client properties for an SSL listener at `bootstrap`, as trivup's test.conf has them. */
export function sslClientConf(f, bootstrap) {
  return [
    `bootstrap.servers=${bootstrap}`,
    "security.protocol=SSL",
    `ssl.ca.location=${f.caPem}`,
    `ssl.certificate.location=${f.clientPubPem}`,
    `ssl.key.location=${f.clientPrivPem}`,
    `ssl.key.password=${SSL_KEY_PASSWORD}`,
  ];
}

/** Broker settings of an SSL listener that requires client certificates signed by the CA. */
export function sslBrokerSettings(f) {
  return {
    "ssl.keystore.location": f.brokerKeystore,
    "ssl.truststore.location": f.caPem,
    "ssl.client.auth": "required",
  };
}
