import type { ConfigDef } from "./config-def.js";
import { TOPIC_CONFIG_DEFS } from "./topic-defs.js";

/** Kafka's SslConfigs.RECONFIGURABLE_CONFIGS: dynamic only per listener (`listener.name.<l>.` prefix). */
export const LISTENER_PREFIX_ONLY_CONFIGS: ReadonlySet<string> = new Set([
  "ssl.keystore.type",
  "ssl.keystore.location",
  "ssl.keystore.password",
  "ssl.key.password",
  "ssl.keystore.key",
  "ssl.keystore.certificate.chain",
  "ssl.truststore.type",
  "ssl.truststore.location",
  "ssl.truststore.password",
  "ssl.truststore.certificates",
]);

/** Kafka's DynamicListenerConfig.ReconfigurableConfigs. */
const LISTENER_CONFIGS = [
  "listeners",
  "listener.security.protocol.map",
  "principal.builder.class",
  "ssl.protocol",
  "ssl.provider",
  "ssl.cipher.suites",
  "ssl.enabled.protocols",
  ...LISTENER_PREFIX_ONLY_CONFIGS,
  "ssl.keymanager.algorithm",
  "ssl.trustmanager.algorithm",
  "ssl.endpoint.identification.algorithm",
  "ssl.secure.random.implementation",
  "ssl.client.auth",
  "ssl.engine.factory.class",
  "sasl.mechanism.inter.broker.protocol",
  "sasl.jaas.config",
  "sasl.enabled.mechanisms",
  "sasl.kerberos.service.name",
  "sasl.kerberos.kinit.cmd",
  "sasl.kerberos.ticket.renew.window.factor",
  "sasl.kerberos.ticket.renew.jitter",
  "sasl.kerberos.min.time.before.relogin",
  "sasl.kerberos.principal.to.local.rules",
  "sasl.login.refresh.window.factor",
  "sasl.login.refresh.window.jitter",
  "sasl.login.refresh.min.period.seconds",
  "sasl.login.refresh.buffer.seconds",
  "max.connections",
  "max.connection.creation.rate",
  "num.network.threads",
];

/** Listener configs Kafka also accepts as cluster-wide defaults. */
const CLUSTER_LEVEL_LISTENER_CONFIGS = new Set([
  "max.connections",
  "max.connection.creation.rate",
  "num.network.threads",
]);

/**
 * Broker configs Kafka can change at run time (DynamicBrokerConfig.AllDynamicConfigs): log cleaner,
 * every broker synonym of a topic config, thread pools, listeners and SASL/SSL, connection limits,
 * producer state, group coordinator. Everything else is read-only (set in server.properties).
 */
export const DYNAMIC_BROKER_CONFIGS: ReadonlySet<string> = new Set([
  "log.cleaner.threads",
  "log.cleaner.dedupe.buffer.size",
  "log.cleaner.io.buffer.load.factor",
  "log.cleaner.io.buffer.size",
  "log.cleaner.io.max.bytes.per.second",
  "log.cleaner.backoff.ms",
  "message.max.bytes",
  ...TOPIC_CONFIG_DEFS.flatMap((d) => d.brokerSynonyms.filter((s) => s !== "log.flush.scheduler.interval.ms")),
  "num.io.threads",
  "num.replica.fetchers",
  "num.recovery.threads.per.data.dir",
  "background.threads",
  "metric.reporters",
  ...LISTENER_CONFIGS,
  "max.connections.per.ip",
  "max.connections.per.ip.overrides",
  "producer.id.expiration.ms",
  "transaction.partition.verification.enable",
  "config.providers",
  "group.consumer.heartbeat.interval.ms",
  "group.consumer.session.timeout.ms",
]);

/** Dynamic configs that only a broker id, not the cluster default (""), may set. */
export const PER_BROKER_CONFIGS: ReadonlySet<string> = new Set(
  LISTENER_CONFIGS.filter((n) => !CLUSTER_LEVEL_LISTENER_CONFIGS.has(n)),
);

/**
 * Dynamic configs samsa keeps (and reports) without acting on them; their types as Kafka's, so values
 * are validated the same way.
 */
export const STORED_ONLY_DYNAMIC_DEFS: readonly ConfigDef[] = [
  { name: "principal.builder.class", type: "CLASS", default: null, doc: "Principal builder (not used by samsa)." },
  { name: "ssl.protocol", type: "STRING", default: "TLSv1.3", doc: "TLS protocol of the SSL context." },
  { name: "ssl.provider", type: "STRING", default: null, doc: "Security provider (not used by samsa)." },
  { name: "ssl.keymanager.algorithm", type: "STRING", default: "SunX509", doc: "Not used by samsa." },
  { name: "ssl.trustmanager.algorithm", type: "STRING", default: "PKIX", doc: "Not used by samsa." },
  { name: "ssl.secure.random.implementation", type: "STRING", default: null, doc: "Not used by samsa." },
  { name: "ssl.engine.factory.class", type: "CLASS", default: null, doc: "Not used by samsa." },
  { name: "sasl.kerberos.service.name", type: "STRING", default: null, doc: "Kerberos (not supported)." },
  { name: "sasl.kerberos.kinit.cmd", type: "STRING", default: "/usr/bin/kinit", doc: "Kerberos (not supported)." },
  {
    name: "sasl.kerberos.ticket.renew.window.factor",
    type: "DOUBLE",
    default: "0.8",
    doc: "Kerberos (not supported).",
  },
  { name: "sasl.kerberos.ticket.renew.jitter", type: "DOUBLE", default: "0.05", doc: "Kerberos (not supported)." },
  {
    name: "sasl.kerberos.min.time.before.relogin",
    type: "LONG",
    default: "60000",
    doc: "Kerberos (not supported).",
  },
  { name: "sasl.kerberos.principal.to.local.rules", type: "LIST", default: "DEFAULT", doc: "Not used by samsa." },
  {
    name: "sasl.login.refresh.window.factor",
    type: "DOUBLE",
    default: "0.8",
    doc: "OAUTHBEARER (not supported).",
    min: 0.5,
    max: 1.0,
  },
  {
    name: "sasl.login.refresh.window.jitter",
    type: "DOUBLE",
    default: "0.05",
    doc: "OAUTHBEARER (not supported).",
    min: 0,
    max: 0.25,
  },
  {
    name: "sasl.login.refresh.min.period.seconds",
    type: "SHORT",
    default: "60",
    doc: "OAUTHBEARER (not supported).",
    min: 0,
    max: 900,
  },
  {
    name: "sasl.login.refresh.buffer.seconds",
    type: "SHORT",
    default: "300",
    doc: "OAUTHBEARER (not supported).",
    min: 0,
    max: 3600,
  },
  { name: "max.connection.creation.rate", type: "INT", default: "2147483647", doc: "Not enforced.", min: 0 },
  { name: "max.connections.per.ip", type: "INT", default: "2147483647", doc: "Not enforced.", min: 0 },
  { name: "max.connections.per.ip.overrides", type: "STRING", default: "", doc: "Not enforced." },
  { name: "num.replica.fetchers", type: "INT", default: "1", doc: "Not used by samsa.", min: 1 },
  { name: "num.recovery.threads.per.data.dir", type: "INT", default: "2", doc: "Not used by samsa.", min: 1 },
  { name: "background.threads", type: "INT", default: "10", doc: "Not used by samsa.", min: 1 },
  { name: "metric.reporters", type: "LIST", default: "", doc: "Not used by samsa." },
  {
    name: "transaction.partition.verification.enable",
    type: "BOOLEAN",
    default: "true",
    doc: "Not used by samsa.",
  },
  { name: "config.providers", type: "LIST", default: "", doc: "Not used by samsa." },
];
