import {
  type BrokerRegistration,
  type ChangeResult,
  type ClusterImage,
  EtcdConnection,
  EtcdController,
  EtcdMetadataStore,
  EtcdProducerIdBlocks,
  type PartitionImage,
} from "@samsa/metadata";
import { IsrTracker } from "@samsa/replication";
import type { BrokerConfig } from "../config/broker-config.js";
import type { Logger } from "../logger.js";
import type { PartitionLogs } from "../partition-logs.js";
import type { Partition } from "../replica/partition.js";
import { partitionKey } from "../replica/partition.js";
import type { ReplicaManager } from "../replica/replica-manager.js";
import { BrokerChannel } from "./broker-channel.js";
import type { ControllerAdmin } from "./controller-admin.js";
import { ReplicaFetcher } from "./replica-fetcher.js";

/** A leader replica of this broker and what it knows of its followers. */
interface LeaderEntry {
  readonly partition: Partition;
  readonly tracker: IsrTracker;
  readonly leaderEpoch: number;
  proposedAtMs: number;
}

/** Longest wait for leadership to move away at a controlled shutdown. */
const CONTROLLED_SHUTDOWN_MS = 5000;

/** A proposal the controller consumed without a new partition epoch was refused: propose again after this. */
const PROPOSAL_RETRY_MS = 2000;

/**
 * Cluster mode (`--etcd`): this broker's part in an etcd-coordinated cluster. It registers the
 * broker with a lease, campaigns for the controller role, and applies every metadata change:
 * creating the logs of its replicas, opening leader replicas (tracking followers, proposing ISR
 * changes to the controller) and following the other leaders with replica fetchers.
 */
export class ClusterNode implements ControllerAdmin {
  readonly clusterId: string;
  readonly #config: BrokerConfig;
  readonly #log: Logger;
  readonly #connection: EtcdConnection;
  #store: EtcdMetadataStore | undefined;
  #controller: EtcdController | undefined;
  #logs: PartitionLogs | undefined;
  #replicas: ReplicaManager | undefined;
  readonly #leaders = new Map<string, LeaderEntry>();
  /** One fetcher per leader broker; bounded by the live brokers. */
  readonly #fetchers = new Map<number, ReplicaFetcher>();
  #reconciling = false;
  #again = false;
  #stopped = false;
  #isrTimer: NodeJS.Timeout | undefined;
  /** Whether the etcd session was live at the last check (leaderships are dropped when it lapses). */
  #sessionLive = true;
  #unsubscribe: (() => void) | undefined;

  private constructor(config: BrokerConfig, log: Logger, connection: EtcdConnection) {
    this.#config = config;
    this.#log = log;
    this.#connection = connection;
    this.clusterId = connection.clusterId;
  }

  /** Connects to etcd and learns (or sets) the cluster id. */
  static async connect(config: BrokerConfig, log: Logger): Promise<ClusterNode> {
    const hosts = (config.get("etcd.endpoints") ?? "")
      .split(",")
      .map((h) => h.trim())
      .filter((h) => h !== "");
    const connection = await EtcdConnection.open(hosts, config.get("etcd.prefix") ?? "/samsa/");
    return new ClusterNode(config, log, connection);
  }

  get uncleanElection(): boolean {
    return this.#config.bool("unclean.leader.election.enable");
  }

  async decide<T>(
    change: (image: ClusterImage, live: ReadonlySet<number>) => ChangeResult<T>,
  ): Promise<ChangeResult<T> | undefined> {
    return this.#controller?.decide(change);
  }

  /** Producer id blocks claimed cluster-wide, so idempotent producers never share an id. */
  get producerIdBlocks(): EtcdProducerIdBlocks {
    return new EtcdProducerIdBlocks(this.#connection);
  }

  /** Loads the metadata from etcd and registers this broker. */
  async openMetadata(registration: BrokerRegistration): Promise<EtcdMetadataStore> {
    this.#store = await EtcdMetadataStore.connect({
      connection: this.#connection,
      registration,
      sessionTimeoutMs: this.#config.int("broker.session.timeout.ms"),
      onError: (message, err) => this.#log.warn({ err }, message),
    });
    this.#log.info({ brokerEpoch: this.#store.brokerEpoch, clusterId: this.clusterId }, "registered in etcd");
    return this.#store;
  }

  /** Starts the controller candidacy and applying metadata to the data path. */
  start(logs: PartitionLogs, replicas: ReplicaManager): void {
    const store = this.#store!;
    this.#logs = logs;
    this.#replicas = replicas;
    replicas.onOpen = (p, image) => this.#attachLeader(p, image);
    replicas.fenced = () => !store.sessionLive();
    replicas.beforeOpen = async (topic, index) => {
      for (const f of this.#fetchers.values()) await f.release(topic, index);
    };
    this.#controller = new EtcdController({
      store,
      nodeId: this.#config.nodeId,
      uncleanElection: this.#config.bool("unclean.leader.election.enable"),
      autoLeaderRebalance: {
        enabled: this.#config.bool("auto.leader.rebalance.enable"),
        checkIntervalMs: this.#config.long("leader.imbalance.check.interval.seconds") * 1000,
        imbalancePercentage: this.#config.int("leader.imbalance.per.broker.percentage"),
      },
      onError: (message, err) => this.#log.warn({ err }, message),
      onInfo: (message, fields) => this.#log.info(fields, message),
    });
    this.#controller.start();
    this.#unsubscribe = store.onChange(() => {
      this.#fence();
      this.#reconcile();
    });
    const lagMs = this.#config.long("replica.lag.time.max.ms");
    this.#isrTimer = setInterval(
      () => {
        this.#checkSession();
        this.#checkIsr();
      },
      Math.max(100, Math.min(1000, lagMs / 4)),
    );
    this.#reconcile();
  }

  /**
   * Controlled shutdown: hands the controller role on, leaves the cluster (lease revoked) and waits
   * a bounded time for the controller to move this broker's leaderships to other ISR members, so
   * clients find the new leaders before this broker stops serving.
   */
  async stop(): Promise<void> {
    await this.#controller?.stop();
    const store = this.#store;
    if (store !== undefined && this.#replicas !== undefined) {
      await store.deregister();
      const me = this.#config.nodeId;
      const leadsAny = () =>
        [...store.image.topics.values()].some((t) => t.partitions.some((p) => p.leaderId === me && p.isr.length > 1));
      const deadline = Date.now() + CONTROLLED_SHUTDOWN_MS;
      while (leadsAny() && store.image.brokers.some((b) => b.nodeId !== me) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    this.#stopped = true;
    this.#unsubscribe?.();
    clearInterval(this.#isrTimer);
    for (const f of this.#fetchers.values()) f.stop();
    this.#fetchers.clear();
  }

  /**
   * Runs synchronously on every metadata change, before any request sees the new image: leader
   * replicas whose leadership moved or whose epoch changed are closed (reopened fresh if still
   * ours), and fetches from leaders no longer current stop counting.
   */
  #fence(): void {
    this.#checkSession();
    const image = this.#store!.image;
    const me = this.#config.nodeId;
    for (const [key, entry] of [...this.#leaders]) {
      const p = image.topics.get(entry.partition.topic)?.partitions[entry.partition.index];
      if (p === undefined || p.leaderId !== me || p.leaderEpoch !== entry.leaderEpoch)
        this.#dropLeader(key, entry.partition.topic, entry.partition.index);
    }
    for (const f of this.#fetchers.values()) {
      for (const t of image.topics.values()) {
        for (const p of t.partitions) {
          if (f.has(t.name, p.partitionIndex) && p.leaderId !== f.leaderId) f.unfollow(t.name, p.partitionIndex);
        }
      }
    }
  }

  /**
   * A lapsed session (etcd cut off, or the process stalled past the lease TTL) may mean the
   * controller moved this broker's leaderships already: stop leading (parked produces answer
   * NOT_LEADER_OR_FOLLOWER) so no client is served from stale producer state or an old epoch.
   * Once live again (registered anew and caught up), leader replicas reopen fresh.
   */
  #checkSession(): void {
    const live = this.#store!.sessionLive();
    if (live === this.#sessionLive) return;
    this.#sessionLive = live;
    this.#log.warn({ live }, live ? "etcd session live again" : "etcd session lapsed: leading nothing");
    if (!live) {
      for (const [key, entry] of [...this.#leaders])
        this.#dropLeader(key, entry.partition.topic, entry.partition.index);
    } else this.#reconcile();
  }

  #attachLeader(partition: Partition, image: PartitionImage): void {
    const tracker = new IsrTracker({
      leaderId: this.#config.nodeId,
      replicas: image.replicas,
      isr: image.isr,
      partitionEpoch: image.partitionEpoch,
      lagTimeMaxMs: this.#config.long("replica.lag.time.max.ms"),
      nowMs: Date.now(),
    });
    const entry: LeaderEntry = { partition, tracker, leaderEpoch: image.leaderEpoch, proposedAtMs: 0 };
    this.#leaders.set(partition.key, entry);
    partition.followerFetched = (p, replicaId, fetchOffset) => {
      tracker.onFollowerFetch(replicaId, fetchOffset, p.log.logEndOffset, Date.now());
      // A follower catching up joins at once (maximal ISR).
      if (!tracker.committedIsr.includes(replicaId) && tracker.pending === undefined) this.#propose(entry);
    };
  }

  #propose(entry: LeaderEntry): void {
    const { partition, tracker } = entry;
    const nowMs = Date.now();
    const store = this.#store!;
    if (tracker.pending !== undefined && nowMs - entry.proposedAtMs > PROPOSAL_RETRY_MS) {
      // Consumed without a new partition epoch: the controller refused it; stop counting the expansion.
      const key = this.#connection.keys.isrRequest(partition.topic, partition.index);
      if (!store.pendingAlterPartitions.some((r) => r.key === key)) {
        tracker.clearPending();
        partition.updateIsr(tracker.maximalIsr);
      }
    }
    const live = new Set(store.liveBrokers.keys());
    const proposal = tracker.propose(nowMs, partition.state.highWatermark, partition.epochStartOffset() ?? 0, live);
    if (proposal === undefined) return;
    entry.proposedAtMs = nowMs;
    partition.updateIsr(tracker.maximalIsr);
    this.#log.info(
      { topic: partition.topic, partition: partition.index, isr: proposal.isr, committed: tracker.committedIsr },
      "proposing an ISR change",
    );
    this.#store!.requestAlterPartition({
      topic: partition.topic,
      partition: partition.index,
      leaderId: this.#config.nodeId,
      leaderEpoch: partition.state.leaderEpoch,
      partitionEpoch: proposal.partitionEpoch,
      isr: proposal.isr,
    }).catch((e: unknown) => {
      this.#log.warn({ err: e }, "sending an ISR change failed");
      tracker.clearPending();
    });
  }

  #checkIsr(): void {
    for (const entry of this.#leaders.values()) {
      if (this.#replicas?.isCurrent(entry.partition)) this.#propose(entry);
    }
  }

  /** Applies the current image (coalesced: one pass at a time, another if changes came meanwhile). */
  #reconcile(): void {
    if (this.#stopped) return;
    if (this.#reconciling) {
      this.#again = true;
      return;
    }
    this.#reconciling = true;
    this.#reconcileOnce()
      .catch((e: unknown) => this.#log.error({ err: e }, "applying cluster metadata failed"))
      .finally(() => {
        this.#reconciling = false;
        if (this.#again) {
          this.#again = false;
          this.#reconcile();
        }
      });
  }

  async #reconcileOnce(): Promise<void> {
    const store = this.#store!;
    const logs = this.#logs!;
    const replicas = this.#replicas!;
    const me = this.#config.nodeId;
    const image = store.image;
    const followed = new Set<string>();
    for (const t of image.topics.values()) {
      for (const p of t.partitions) {
        const key = partitionKey(t.name, p.partitionIndex);
        if (!p.replicas.includes(me)) {
          this.#dropLeader(key, t.name, p.partitionIndex);
          continue;
        }
        if (logs.sizeInBytes(t.name, p.partitionIndex) === undefined)
          await logs.createLog(t.name, p.partitionIndex, t.topicId, t.configs);
        if (p.leaderId === me) {
          const entry = this.#leaders.get(key);
          if (entry !== undefined && (entry.leaderEpoch !== p.leaderEpoch || !replicas.isCurrent(entry.partition)))
            this.#dropLeader(key, t.name, p.partitionIndex);
          const current = this.#leaders.get(key);
          if (current === undefined) {
            // Opening now records the new epoch's start and rebuilds producer state before clients come.
            await replicas.getPartition(t.name, p.partitionIndex);
          } else if (current.tracker.onCommitted(p.replicas, p.isr, p.partitionEpoch, Date.now())) {
            current.partition.updateIsr(current.tracker.maximalIsr);
          }
          continue;
        }
        this.#dropLeader(key, t.name, p.partitionIndex);
        if (p.leaderId >= 0) {
          const fetcher = this.#fetcherFor(p.leaderId);
          if (fetcher !== undefined) {
            fetcher.follow({ topic: t.name, index: p.partitionIndex, leaderEpoch: p.leaderEpoch });
            followed.add(key);
          }
        }
      }
    }
    for (const [leaderId, f] of this.#fetchers) {
      for (const t of image.topics.values()) {
        for (const p of t.partitions) {
          if (
            f.has(t.name, p.partitionIndex) &&
            (p.leaderId !== leaderId || !followed.has(partitionKey(t.name, p.partitionIndex)))
          )
            f.unfollow(t.name, p.partitionIndex);
        }
      }
    }
    await this.#deleteOrphans();
  }

  #dropLeader(key: string, topic: string, index: number): void {
    const entry = this.#leaders.get(key);
    if (entry !== undefined) {
      entry.partition.followerFetched = undefined;
      this.#leaders.delete(key);
    }
    this.#replicas!.resign(topic, index);
  }

  #fetcherFor(leaderId: number): ReplicaFetcher | undefined {
    const reg = this.#store!.image.brokers.find((b) => b.nodeId === leaderId);
    const listener = reg?.listeners[0];
    if (listener === undefined) return undefined;
    let f = this.#fetchers.get(leaderId);
    if (f === undefined) {
      const c = this.#config;
      f = new ReplicaFetcher({
        nodeId: c.nodeId,
        leaderId,
        channel: new BrokerChannel(listener.host, listener.port, `samsa-replica-${c.nodeId}`),
        logs: this.#logs!,
        logger: this.#log,
        maxWaitMs: c.int("replica.fetch.wait.max.ms"),
        partitionMaxBytes: c.int("replica.fetch.max.bytes"),
        responseMaxBytes: c.int("replica.fetch.response.max.bytes"),
        backoffMs: c.int("replica.fetch.backoff.ms"),
        socketTimeoutMs: c.int("replica.socket.timeout.ms"),
      });
      this.#fetchers.set(leaderId, f);
      f.start();
    }
    return f;
  }

  /**
   * Logs of topics gone from the metadata (deleted on another broker) go here too, and so do the
   * logs of replicas a completed reassignment removed from this broker.
   */
  async #deleteOrphans(): Promise<void> {
    const image = this.#store!.image;
    const me = this.#config.nodeId;
    const orphans = new Map<string, number[]>();
    for (const { topic, partition } of [...this.#logs!.partitions()]) {
      const t = image.topics.get(topic);
      if (t === undefined || partition >= t.partitions.length || !t.partitions[partition].replicas.includes(me))
        orphans.set(topic, [...(orphans.get(topic) ?? []), partition]);
    }
    for (const [topic, partitions] of orphans) {
      for (const p of partitions) {
        this.#replicas!.resign(topic, p);
        for (const f of this.#fetchers.values()) await f.release(topic, p);
      }
      this.#log.info({ topic, partitions }, "deleting logs of a deleted topic or removed replicas");
      await this.#logs!.deleteLogs(topic, partitions).catch((e: unknown) => {
        this.#log.warn({ err: e, topic }, "deleting logs failed");
      });
    }
  }
}
