import { readFileSync } from "node:fs";
import type { TLSSocket, TlsOptions } from "node:tls";
import type { BrokerConfig } from "../config/broker-config.js";
import { ConfigError } from "../config/config-error.js";

function readPem(path: string, key: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new ConfigError(`${key}: cannot read ${path}: ${(e as Error).message}`);
  }
}

/**
 * node:tls server options of an SSL or SASL_SSL listener from Kafka's PEM settings:
 * ssl.keystore.location (key and chain in one file) or ssl.keystore.key + ssl.keystore.certificate.chain,
 * ssl.truststore.location / ssl.truststore.certificates for client certificates, ssl.client.auth.
 */
export function tlsServerOptions(config: BrokerConfig, listenerName: string): TlsOptions {
  const get = (name: string): string | null => config.listenerValue(listenerName, name);
  const location = get("ssl.keystore.location");
  const inlineKey = get("ssl.keystore.key");
  const inlineChain = get("ssl.keystore.certificate.chain");
  let key: string;
  let cert: string;
  if (inlineKey !== null && inlineChain !== null) {
    key = inlineKey;
    cert = inlineChain;
  } else if (location !== null) {
    key = readPem(location, "ssl.keystore.location");
    cert = key;
  } else {
    throw new ConfigError(
      `ssl.keystore.location: listener ${listenerName} needs a PEM key store (ssl.keystore.location, or ssl.keystore.key and ssl.keystore.certificate.chain)`,
    );
  }
  const trustLocation = get("ssl.truststore.location");
  const ca =
    get("ssl.truststore.certificates") ??
    (trustLocation === null ? null : readPem(trustLocation, "ssl.truststore.location"));
  const clientAuth = get("ssl.client.auth") ?? "none";
  if (clientAuth !== "none" && ca === null) {
    throw new ConfigError(`ssl.client.auth: ${clientAuth} on listener ${listenerName} needs ssl.truststore.location`);
  }
  const protocols = (get("ssl.enabled.protocols") ?? "TLSv1.2,TLSv1.3").split(",").filter((p) => p !== "");
  const ciphers = get("ssl.cipher.suites") ?? "";
  const options: TlsOptions = {
    key,
    cert,
    passphrase: get("ssl.key.password") ?? undefined,
    requestCert: clientAuth !== "none",
    rejectUnauthorized: clientAuth === "required",
    minVersion: protocols.includes("TLSv1.2") ? "TLSv1.2" : "TLSv1.3",
    maxVersion: protocols.includes("TLSv1.3") ? "TLSv1.3" : "TLSv1.2",
  };
  if (ca !== null) options.ca = ca;
  if (ciphers !== "") options.ciphers = ciphers.replaceAll(",", ":");
  return options;
}

/**
 * The principal of a verified client certificate: "User:" and its subject DN in RFC 2253 order (most
 * specific first, as Java's X500Principal.getName() gives), else null.
 */
export function certificatePrincipal(socket: TLSSocket): string | null {
  if (!socket.authorized) return null;
  const cert = socket.getPeerX509Certificate();
  if (cert === undefined) return null;
  // Node prints the subject one RDN a line, in certificate order, values already RFC 2253-escaped.
  const rdns = cert.subject.split("\n").filter((l) => l !== "");
  return rdns.length === 0 ? null : `User:${rdns.reverse().join(",")}`;
}
