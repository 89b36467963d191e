import { type Clock, systemClock } from "@samsa/common";
import { bumpLeaderEpochs, MetadataStore } from "@samsa/metadata";
import { ClusterNode } from "./cluster/cluster-node.js";
import type { BrokerConfig } from "./config/broker-config.js";
import { applyDynamicBrokerConfigs } from "./config/dynamic-broker-config.js";
import { followDynamicConfigs } from "./config/follow-dynamic-configs.js";
import { formatListener } from "./config/listeners.js";
import { GroupCoordinatorService } from "./group-coordinator-service.js";
import { createAuthorizer } from "./security/acl-config.js";
import type { AnyHandler, BrokerIdentity, BrokerServices, Endpoint } from "./handlers/handler.js";
import { HANDLERS } from "./handlers/index.js";
import type { Logger } from "./logger.js";
import { lockDataDir } from "./data-dir-lock.js";
import { ensureMetaProperties } from "./meta-properties.js";
import type { ConnectionInfo, Dispatcher } from "./network/connection.js";
import { type BoundListener, MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, NetworkServer } from "./network/server.js";
import { listenerSecurity } from "./security/listener-security.js";
import type { PartitionLogs } from "./partition-logs.js";
import { createDataPath, type DataPath } from "./replica/data-path.js";
import { PendingTxnOffsets } from "./txn/pending-txn-offsets.js";
import { TransactionCoordinatorService } from "./txn/transaction-coordinator-service.js";
import { advertisedVersions, createRouter } from "./router.js";
import { mkdir } from "node:fs/promises";
import { hostname } from "node:os";

export interface BrokerOptions {
  readonly config: BrokerConfig;
  readonly log: Logger;
  readonly clock?: Clock;
  readonly handlers?: readonly AnyHandler[];
  /** Opens the partition logs once the data dir's identity is checked and the metadata is loaded. */
  readonly openLogs: (config: BrokerConfig, log: Logger, metadata: MetadataStore) => Promise<PartitionLogs>;
  /** How long shutdown waits for in-flight requests. */
  readonly shutdownTimeoutMs?: number;
}

function advertisedEndpoints(config: BrokerConfig, bound: readonly BoundListener[]): Endpoint[] {
  return config.advertisedListeners.map((a) => {
    const b = bound.find((l) => l.name === a.name)!;
    const host = a.host === "" || a.host === "0.0.0.0" || a.host === "::" ? hostname() : a.host;
    return {
      listenerName: a.name,
      securityProtocol: a.securityProtocol,
      host,
      port: a.port === 0 ? b.boundPort : a.port,
    };
  });
}

/** The composition root: data dir identity, metadata, logs, listeners, router. */
export class Broker {
  readonly #opts: BrokerOptions;
  #server: NetworkServer | undefined;
  #metadata: MetadataStore | undefined;
  #unfollowDynamic: (() => void) | undefined;
  #logs: PartitionLogs | undefined;
  #dataPath: DataPath | undefined;
  #groups: GroupCoordinatorService | undefined;
  #transactions: TransactionCoordinatorService | undefined;
  #unlock: (() => Promise<void>) | undefined;
  #identity: BrokerIdentity | undefined;
  #bound: BoundListener[] = [];
  #cluster: ClusterNode | undefined;

  constructor(opts: BrokerOptions) {
    this.#opts = opts;
  }

  get metadata(): MetadataStore {
    if (this.#metadata === undefined) throw new Error("broker not started");
    return this.#metadata;
  }

  get identity(): BrokerIdentity {
    if (this.#identity === undefined) throw new Error("broker not started");
    return this.#identity;
  }

  /** "PLAINTEXT://127.0.0.1:9092,..." with the ports actually bound. */
  get boundListeners(): string {
    return this.#bound.map((l) => formatListener({ ...l, port: l.boundPort })).join(",");
  }

  async start(): Promise<void> {
    const { config, log } = this.#opts;
    await mkdir(config.dataDir, { recursive: true });
    this.#unlock = await lockDataDir(config.dataDir);
    // Cluster mode (etcd.endpoints set): the cluster id is etcd's, and a data dir of another cluster is refused.
    const cluster = config.get("etcd.endpoints") === null ? undefined : await ClusterNode.connect(config, log);
    this.#cluster = cluster;
    const meta = await ensureMetaProperties(
      config.dataDir,
      config.nodeId,
      cluster === undefined ? undefined : () => cluster.clusterId,
    );
    if (cluster !== undefined && meta.clusterId !== cluster.clusterId)
      throw new Error(`data dir belongs to cluster ${meta.clusterId}, etcd holds cluster ${cluster.clusterId}`);
    let router: Dispatcher | undefined;
    let markReady: () => void = () => {};
    const ready = new Promise<void>((resolve) => {
      markReady = resolve;
    });
    // Requests that arrive between bind and ready wait for the router instead of failing.
    const dispatch: Dispatcher = (frame: Buffer, conn: ConnectionInfo) =>
      router !== undefined ? router(frame, conn) : ready.then(() => router!(frame, conn));
    const socketMax = config.int("socket.request.max.bytes");
    const queuedBytes = config.long("queued.max.request.bytes");
    this.#server = new NetworkServer({
      listeners: config.listeners,
      limits: {
        maxFrameBytes: socketMax,
        maxInFlightRequests: MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION,
        maxInFlightBytes: socketMax,
        idleTimeoutMs: config.long("connections.max.idle.ms"),
      },
      queue: {
        maxRequests: config.int("queued.max.requests"),
        maxBytes: queuedBytes > 0 ? queuedBytes : socketMax,
      },
      maxConnections: config.int("max.connections"),
      dispatch,
      log,
      security: listenerSecurity(config, () => this.metadata),
    });
    this.#bound = await this.#server.start();
    const endpoints = advertisedEndpoints(config, this.#bound);
    this.#identity = {
      nodeId: config.nodeId,
      clusterId: meta.clusterId,
      rack: config.get("broker.rack"),
      endpoints,
      dataDir: config.dataDir,
    };
    const registration = {
      nodeId: config.nodeId,
      rack: config.get("broker.rack"),
      listeners: endpoints.map((e) => ({
        name: e.listenerName,
        host: e.host,
        port: e.port,
        securityProtocol: e.securityProtocol,
      })),
    };
    if (cluster !== undefined) {
      // The controller gives new leadership terms in cluster mode (on this broker's new registration).
      this.#metadata = await cluster.openMetadata(registration);
    } else {
      this.#metadata = await MetadataStore.open({
        dataDir: config.dataDir,
        clusterId: meta.clusterId,
        nodeId: config.nodeId,
        brokers: [registration],
      });
      // A new leadership term per start, as Kafka's re-registration gives: anything written from now
      // on carries a higher epoch than what a crash may have cut off.
      await this.#metadata.apply(bumpLeaderEpochs);
    }
    // Dynamic broker configs (cluster default, then this broker's) apply before the logs open.
    applyDynamicBrokerConfigs(config, this.#metadata.image);
    this.#logs = await this.#opts.openLogs(config, log, this.#metadata);
    this.#unfollowDynamic = followDynamicConfigs(config, this.#metadata, this.#logs, log);
    await this.#reconcileLogs(this.#metadata, this.#logs);
    const handlers = this.#opts.handlers ?? HANDLERS;
    const clock = this.#opts.clock ?? systemClock;
    this.#dataPath = createDataPath({
      config,
      metadata: this.#metadata,
      logs: this.#logs,
      logger: log,
      clock,
      producerIdBlocks: cluster?.producerIdBlocks,
    });
    const txnOffsets = new PendingTxnOffsets();
    this.#groups = new GroupCoordinatorService({
      txnOffsets,
      config,
      metadata: this.#metadata,
      replicas: this.#dataPath.replicas,
      clock,
      log,
    });
    this.#groups.start();
    this.#transactions = new TransactionCoordinatorService({
      config,
      metadata: this.#metadata,
      replicas: this.#dataPath.replicas,
      groups: this.#groups,
      txnOffsets,
      clock,
      log,
    });
    this.#transactions.start();
    const services: BrokerServices = {
      config,
      metadata: this.#metadata,
      logs: this.#logs,
      clock,
      log,
      identity: this.#identity,
      apiVersions: advertisedVersions(handlers),
      dataPath: this.#dataPath,
      groups: this.#groups,
      transactions: this.#transactions,
      controllerAdmin: cluster,
      authorizer: createAuthorizer(config),
    };
    router = createRouter(handlers, services);
    cluster?.start(this.#logs, this.#dataPath.replicas);
    markReady();
  }

  /**
   * Metadata is written before logs are created or deleted, so a crash in between leaves missing or
   * orphaned logs: create the missing, delete the orphans.
   */
  async #reconcileLogs(metadata: MetadataStore, logs: PartitionLogs): Promise<void> {
    const orphans = new Map<string, number[]>();
    for (const { topic, partition } of [...logs.partitions()]) {
      const t = metadata.image.topics.get(topic);
      // A log of an older topic of the same name (deleted and re-created) is an orphan too.
      const storedId = t === undefined ? undefined : await logs.topicIdOf?.(topic, partition);
      const stale = storedId !== undefined && storedId !== t?.topicId;
      if (t === undefined || partition >= t.partitions.length || stale) {
        orphans.set(topic, [...(orphans.get(topic) ?? []), partition]);
      }
    }
    for (const [topic, partitions] of orphans) {
      this.#opts.log.warn({ topic, partitions }, "deleting partition logs the metadata doesn't have");
      await logs.deleteLogs(topic, partitions);
    }
    for (const t of metadata.image.topics.values()) {
      for (const p of t.partitions) {
        if (logs.sizeInBytes(t.name, p.partitionIndex) === undefined)
          await logs.createLog(t.name, p.partitionIndex, t.topicId, t.configs);
      }
    }
  }

  /** Stops accepting, finishes in-flight requests, then closes metadata and logs (flushing them). */
  async stop(): Promise<void> {
    // Cluster mode: stop following and hand the controller role on; closing the metadata revokes the lease.
    this.#unfollowDynamic?.();
    await this.#cluster?.stop();
    // Parked requests (acks=-1 produce, long-poll fetch) are answered now rather than at their timeout.
    await this.#server?.stop(this.#opts.shutdownTimeoutMs ?? 10_000, () => {
      this.#dataPath?.replicas.close();
      this.#groups?.close();
      this.#transactions?.close();
    });
    await this.#metadata?.close();
    await this.#logs?.close();
    await this.#unlock?.();
  }
}
