import type { ConfigDef } from "./config-def.js";

const TLS_PROTOCOLS = ["TLSv1.2", "TLSv1.3"] as const;

/**
 * SASL and TLS broker configs under Kafka's names. Each may also be given per listener as
 * `listener.name.<listener>.<name>` (and the JAAS config as `listener.name.<listener>.<mechanism>.sasl.jaas.config`).
 */
export const SECURITY_CONFIG_DEFS: readonly ConfigDef[] = [
  {
    name: "sasl.enabled.mechanisms",
    type: "LIST",
    default: "GSSAPI",
    doc: "SASL mechanisms offered on SASL listeners: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 (GSSAPI and OAUTHBEARER are not supported).",
  },
  {
    name: "sasl.mechanism.inter.broker.protocol",
    type: "STRING",
    default: "GSSAPI",
    doc: "SASL mechanism between brokers (samsa brokers replicate over the inter-broker listener as clients do).",
  },
  {
    name: "sasl.jaas.config",
    type: "PASSWORD",
    default: null,
    doc: 'JAAS login module config; PlainLoginModule\'s user_<name>="<password>" options are the PLAIN users.',
    sensitive: true,
  },
  {
    name: "sasl.server.max.receive.size",
    type: "INT",
    default: "524288",
    doc: "Largest frame accepted before a SASL client has authenticated.",
    min: 1,
  },
  {
    name: "connection.failed.authentication.delay.ms",
    type: "INT",
    default: "100",
    doc: "How long the answer to a failed authentication is held back before the connection closes.",
    min: 0,
  },
  {
    name: "connections.max.reauth.ms",
    type: "LONG",
    default: "0",
    doc: "Session lifetime of SASL connections; samsa supports only 0 (no re-authentication).",
    min: 0,
    max: 0,
  },
  {
    name: "ssl.keystore.type",
    type: "STRING",
    default: "PEM",
    doc: "Key store format; samsa reads PEM only (key and certificate chain in one file, or inline).",
    oneOf: ["PEM"],
  },
  {
    name: "ssl.keystore.location",
    type: "STRING",
    default: null,
    doc: "PEM file with the private key and the certificate chain.",
  },
  { name: "ssl.keystore.password", type: "PASSWORD", default: null, doc: "Unused for PEM.", sensitive: true },
  {
    name: "ssl.key.password",
    type: "PASSWORD",
    default: null,
    doc: "Password of an encrypted PEM private key.",
    sensitive: true,
  },
  {
    name: "ssl.keystore.certificate.chain",
    type: "PASSWORD",
    default: null,
    doc: "Inline PEM certificate chain (with ssl.keystore.key).",
    sensitive: true,
  },
  {
    name: "ssl.keystore.key",
    type: "PASSWORD",
    default: null,
    doc: "Inline PEM private key (with ssl.keystore.certificate.chain).",
    sensitive: true,
  },
  {
    name: "ssl.truststore.type",
    type: "STRING",
    default: "PEM",
    doc: "Trust store format; samsa reads PEM only.",
    oneOf: ["PEM"],
  },
  {
    name: "ssl.truststore.location",
    type: "STRING",
    default: null,
    doc: "PEM file with the CA certificates client certificates are verified against.",
  },
  { name: "ssl.truststore.password", type: "PASSWORD", default: null, doc: "Unused for PEM.", sensitive: true },
  {
    name: "ssl.truststore.certificates",
    type: "PASSWORD",
    default: null,
    doc: "Inline PEM CA certificates.",
    sensitive: true,
  },
  {
    name: "ssl.client.auth",
    type: "STRING",
    default: "none",
    doc: "Client certificates: required, requested or none. The principal is the certificate's subject DN.",
    oneOf: ["required", "requested", "none"],
  },
  {
    name: "ssl.enabled.protocols",
    type: "LIST",
    default: "TLSv1.2,TLSv1.3",
    doc: "TLS versions accepted.",
    oneOf: TLS_PROTOCOLS,
  },
  {
    name: "ssl.cipher.suites",
    type: "LIST",
    default: "",
    doc: "OpenSSL cipher list (TLSv1.2); empty for Node's defaults.",
  },
  {
    name: "ssl.endpoint.identification.algorithm",
    type: "STRING",
    default: "https",
    doc: "Host name verification of peers (a client-side setting; accepted for compatibility).",
  },
];
