import { Etcd3, type IKeyValue, type Lease, type Watcher } from "etcd3";
import type { AclBinding } from "../acl.js";
import { type ScramUserCredentials, scramCredentialsOf } from "../scram.js";
import { type BrokerConfigsImage, brokerConfigsOf } from "../broker-configs.js";
import type { ChangeResult } from "../changes.js";
import type { AlterPartitionRequest } from "../controller/alter-partition.js";
import type { BrokerRegistration, ClusterImage, TopicImage } from "../image.js";
import { MetadataStore } from "../store.js";
import {
  decodeAcls,
  decodeBrokerConfigsValue,
  decodeScram,
  decodeAlterPartition,
  decodeBroker,
  decodeTopic,
  encodeAcls,
  encodeBrokerConfigsValue,
  encodeScram,
  encodeAlterPartition,
  encodeBroker,
  encodeTopic,
} from "./codec.js";
import { EtcdKeys } from "./keys.js";
import { randomUuid } from "../uuid.js";

export interface EtcdMetadataStoreOptions {
  readonly connection: EtcdConnection;
  readonly registration: BrokerRegistration;
  /** broker.session.timeout.ms: the lease TTL; a broker silent this long is considered gone. */
  readonly sessionTimeoutMs: number;
  readonly onError: (message: string, err: unknown) => void;
}

/** A live broker as registered in etcd; `epoch` is its registration's create revision. */
export interface LiveBroker {
  readonly registration: BrokerRegistration;
  readonly epoch: number;
}

export interface PendingAlterPartition {
  readonly key: string;
  readonly modRevision: number;
  readonly request: AlterPartitionRequest;
}

/** etcd's default max-txn-ops is 128; stay well below it (each topic costs a compare and an op). */
const MAX_TOPICS_PER_TXN = 50;
/** Optimistic retries of a change whose keys moved underneath. */
const MAX_CONFLICT_RETRIES = 8;
/** Wait between attempts to register again after the lease was lost. */
const REGISTER_RETRY_MS = 1000;
/** Bound on queued ISR change requests seen by the controller (one key per partition). */
const MAX_ISR_REQUESTS = 100_000;

function rev(v: string): number {
  return Number(v);
}

/**
 * The etcd metadata backend: the image is a cache of etcd kept current by one prefix watch; every
 * change is a transaction comparing the mod revision of each key it rewrites (so concurrent writers
 * never overwrite each other), and controller decisions also compare the controller key's create
 * revision (so a deposed controller cannot write). This broker is registered under a lease.
 */
export class EtcdMetadataStore extends MetadataStore {
  readonly #client: Etcd3;
  readonly #keys: EtcdKeys;
  readonly #clusterId: string;
  readonly #registration: BrokerRegistration;
  readonly #ttlSeconds: number;
  readonly #onError: EtcdMetadataStoreOptions["onError"];
  readonly #topics = new Map<string, { topic: TopicImage; modRevision: number }>();
  /** Keys deleted by our own writes, until the watch passes their revision (so late events can't resurrect them). */
  readonly #tombstones = new Map<string, number>();
  readonly #brokers = new Map<number, LiveBroker>();
  readonly #isrRequests = new Map<string, PendingAlterPartition>();
  readonly #listeners = new Set<() => void>();
  #controller: { id: number; createRevision: number } | undefined;
  #epochFloor = { value: 0, modRevision: 0 };
  #acls: { value: readonly AclBinding[]; modRevision: number } = { value: [], modRevision: 0 };
  #scram: { value: ReadonlyMap<string, ScramUserCredentials>; modRevision: number } = {
    value: new Map(),
    modRevision: 0,
  };
  #brokerConfigs: { value: BrokerConfigsImage; modRevision: number } = { value: new Map(), modRevision: 0 };
  #revision = 0;
  #image: ClusterImage | undefined;
  #lease: Lease | undefined;
  #leaseId = "";
  #watcher: Watcher | undefined;
  #closed = false;
  #tail: Promise<unknown> = Promise.resolve();
  #brokerEpoch = -1;
  /** When etcd last confirmed the lease (grant or keep-alive answer); the lease lives at most a TTL past it. */
  #lastKeepAliveMs = 0;
  /** Set when the lease was lost; cleared once registered again and caught up with etcd. */
  #fenced = false;

  private constructor(opts: EtcdMetadataStoreOptions) {
    super("", {
      clusterId: opts.connection.clusterId,
      controllerId: -1,
      brokers: [],
      topics: new Map(),
      topicIds: new Map(),
      nextLeaderEpoch: 0,
      changeCount: 0,
      acls: [],
    });
    this.#client = opts.connection.client;
    this.#keys = opts.connection.keys;
    this.#clusterId = opts.connection.clusterId;
    this.#registration = opts.registration;
    this.#ttlSeconds = Math.max(2, Math.ceil(opts.sessionTimeoutMs / 1000));
    this.#onError = opts.onError;
  }

  /** Loads the cluster metadata, starts watching it, then registers this broker. */
  static async connect(opts: EtcdMetadataStoreOptions): Promise<EtcdMetadataStore> {
    const store = new EtcdMetadataStore(opts);
    await store.#relist();
    await store.register();
    return store;
  }

  override get image(): ClusterImage {
    this.#image ??= this.#buildImage();
    return this.#image;
  }

  /** This broker's epoch: the create revision of its current registration. */
  get brokerEpoch(): number {
    return this.#brokerEpoch;
  }

  /**
   * Whether this broker's session is certainly alive: registered, and etcd confirmed the lease less
   * than a TTL ago. Past that the lease may have expired and the controller may have moved this
   * broker's leaderships while its image is stale (a cut or a stalled process), so it must lead
   * nothing until it has registered again and listed etcd afresh.
   */
  sessionLive(nowMs: number = Date.now()): boolean {
    if (this.#fenced) return false;
    // Deregistered (controlled shutdown): it serves until the controller has moved its leaderships.
    return this.#leaseId === "" || nowMs - this.#lastKeepAliveMs < this.#ttlSeconds * 1000;
  }

  get liveBrokers(): ReadonlyMap<number, LiveBroker> {
    return this.#brokers;
  }

  get controller(): { readonly id: number; readonly createRevision: number } | undefined {
    return this.#controller;
  }

  get pendingAlterPartitions(): readonly PendingAlterPartition[] {
    return [...this.#isrRequests.values()];
  }

  /** Called after every change to the image (from the watch or from this broker's own writes). */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  override apply<T>(change: (image: ClusterImage) => ChangeResult<T>): Promise<ChangeResult<T>> {
    return this.#serial(async () => (await this.#commit(change, undefined))!);
  }

  /**
   * A controller decision: committed only while the controller key still has `electionRevision`
   * as its create revision. Resolves undefined when this broker is no longer the controller.
   */
  applyAsController<T>(
    change: (image: ClusterImage) => ChangeResult<T>,
    electionRevision: number,
  ): Promise<ChangeResult<T> | undefined> {
    return this.#serial(() => this.#commit(change, electionRevision));
  }

  /** A leader asks the controller to change a partition's ISR (one pending request per partition). */
  async requestAlterPartition(req: AlterPartitionRequest): Promise<void> {
    await this.#client.put(this.#keys.isrRequest(req.topic, req.partition)).value(encodeAlterPartition(req));
  }

  /** Consumes a request the controller decided on, unless the leader replaced it meanwhile. */
  async deleteAlterPartition(pending: PendingAlterPartition): Promise<void> {
    await this.#client
      .if(pending.key, "Mod", "==", pending.modRevision)
      .then(this.#client.delete().key(pending.key))
      .commit();
  }

  /** Tries to become the controller; returns the election revision when this broker won. */
  async campaign(): Promise<number | undefined> {
    if (this.#leaseId === "") return undefined;
    const key = this.#keys.controller;
    const res = await this.#client
      .if(key, "Create", "==", 0)
      .then(this.#client.put(key).value(String(this.#registration.nodeId)).lease(this.#leaseId))
      .commit();
    if (!res.succeeded) return undefined;
    const revision = rev(res.header.revision);
    this.#controller = { id: this.#registration.nodeId, createRevision: revision };
    this.#changed(revision);
    return revision;
  }

  /** Gives up the controller role (controlled shutdown). */
  async resign(electionRevision: number): Promise<void> {
    const key = this.#keys.controller;
    await this.#client.if(key, "Create", "==", electionRevision).then(this.#client.delete().key(key)).commit();
  }

  /**
   * Registers this broker under a fresh lease. The old registration is deleted first, so a restarted
   * broker always has a new broker epoch (create revision) even while its old lease is alive.
   */
  async register(): Promise<void> {
    const lease = this.#client.lease(this.#ttlSeconds, { autoKeepAlive: true });
    lease.on("lost", (err) => {
      if (this.#closed || lease !== this.#lease) return;
      this.#onError("the broker's etcd lease was lost; registering again", err);
      this.#fenced = true;
      this.#changed(this.#revision);
      this.#registerUntilDone();
    });
    lease.on("keepaliveSucceeded", () => {
      if (lease === this.#lease) this.#lastKeepAliveMs = Date.now();
    });
    const grantedAtMs = Date.now();
    const leaseId = await lease.grant();
    const key = this.#keys.broker(this.#registration.nodeId);
    await this.#client.delete().key(key);
    const res = await this.#client
      .if(key, "Create", "==", 0)
      .then(this.#client.put(key).value(encodeBroker(this.#registration)).lease(leaseId))
      .commit();
    if (!res.succeeded) throw new Error(`broker ${this.#registration.nodeId} is registered by another process`);
    const old = this.#lease;
    this.#lease = lease;
    this.#leaseId = leaseId;
    this.#lastKeepAliveMs = grantedAtMs;
    this.#brokerEpoch = rev(res.header.revision);
    this.#brokers.set(this.#registration.nodeId, { registration: this.#registration, epoch: this.#brokerEpoch });
    old?.release();
    // After a lost lease the image may be stale: catch up before leading anything again.
    if (this.#fenced) await this.#serial(() => this.#relist());
    this.#fenced = false;
    this.#changed(this.#brokerEpoch);
  }

  /**
   * Controlled shutdown: revokes the lease (removing the registration, and the controller key if this
   * broker holds it) while the watch keeps the image current, so the broker can see its
   * partitions move away before it stops.
   */
  async deregister(): Promise<void> {
    const lease = this.#lease;
    this.#lease = undefined;
    this.#leaseId = "";
    await lease?.revoke().catch(() => undefined);
  }

  /** Retries registration (etcd unreachable, its client's circuit open) until it succeeds or the store closes. */
  #registerUntilDone(): void {
    if (this.#closed) return;
    this.register().catch((e: unknown) => {
      this.#onError("registering again failed; retrying", e);
      setTimeout(() => this.#registerUntilDone(), REGISTER_RETRY_MS).unref();
    });
  }

  /** Stops watching and revokes the lease, so the cluster sees this broker leave at once. */
  override async close(): Promise<void> {
    await this.#tail;
    this.#closed = true;
    await this.#watcher?.cancel().catch(() => undefined);
    await this.deregister();
    this.#client.close();
  }

  #serial<T>(run: () => Promise<T>): Promise<T> {
    const next = this.#tail.then(run, run);
    this.#tail = next.catch(() => undefined);
    return next;
  }

  async #commit<T>(
    change: (image: ClusterImage) => ChangeResult<T>,
    electionRevision: number | undefined,
  ): Promise<ChangeResult<T> | undefined> {
    for (let attempt = 0; ; attempt++) {
      if (electionRevision !== undefined && this.#controller?.createRevision !== electionRevision) return undefined;
      const before = this.image;
      const result = change(before);
      if (!result.ok || result.image === before) return result;
      const written = await this.#write(before, result.image, electionRevision);
      if (written) return result;
      if (attempt >= MAX_CONFLICT_RETRIES) throw new Error("metadata change kept conflicting with concurrent writers");
      // Someone else wrote first: catch up from etcd and run the change again on fresh state.
      await this.#relist();
    }
  }

  /** Writes the topics that differ between the images, in transactions of bounded size. */
  async #write(before: ClusterImage, after: ClusterImage, electionRevision: number | undefined): Promise<boolean> {
    const changed: { name: string; topic: TopicImage | undefined }[] = [];
    for (const [name, t] of after.topics) if (before.topics.get(name) !== t) changed.push({ name, topic: t });
    for (const name of before.topics.keys()) if (!after.topics.has(name)) changed.push({ name, topic: undefined });
    const floorChanged = after.nextLeaderEpoch !== before.nextLeaderEpoch;
    const aclsChanged = after.acls !== before.acls;
    const scramChanged = after.scramCredentials !== before.scramCredentials;
    const brokerConfigsChanged = after.brokerConfigs !== before.brokerConfigs;
    const singleKeysChanged = floorChanged || aclsChanged || scramChanged || brokerConfigsChanged;
    for (let i = 0; i < changed.length || (i === 0 && singleKeysChanged); i += MAX_TOPICS_PER_TXN) {
      const chunk = changed.slice(i, i + MAX_TOPICS_PER_TXN);
      const c = this.#client;
      let txn =
        electionRevision !== undefined
          ? c.if(this.#keys.controller, "Create", "==", electionRevision)
          : c.if(this.#keys.clusterId, "Value", "==", this.#clusterId);
      const ops = [];
      for (const { name, topic } of chunk) {
        const key = this.#keys.topic(name);
        txn = txn.and(key, "Mod", "==", this.#topics.get(name)?.modRevision ?? 0);
        ops.push(topic === undefined ? c.delete().key(key) : c.put(key).value(encodeTopic(topic)));
      }
      const lastChunk = i + MAX_TOPICS_PER_TXN >= changed.length;
      if (lastChunk && floorChanged) {
        txn = txn.and(this.#keys.epochFloor, "Mod", "==", this.#epochFloor.modRevision);
        ops.push(c.put(this.#keys.epochFloor).value(String(after.nextLeaderEpoch)));
      }
      if (lastChunk && aclsChanged) {
        txn = txn.and(this.#keys.acls, "Mod", "==", this.#acls.modRevision);
        ops.push(c.put(this.#keys.acls).value(encodeAcls(after.acls)));
      }
      if (lastChunk && scramChanged) {
        txn = txn.and(this.#keys.scramCredentials, "Mod", "==", this.#scram.modRevision);
        ops.push(c.put(this.#keys.scramCredentials).value(encodeScram(scramCredentialsOf(after))));
      }
      if (lastChunk && brokerConfigsChanged) {
        txn = txn.and(this.#keys.brokerConfigs, "Mod", "==", this.#brokerConfigs.modRevision);
        ops.push(c.put(this.#keys.brokerConfigs).value(encodeBrokerConfigsValue(brokerConfigsOf(after))));
      }
      const res = await txn.then(...ops).commit();
      if (!res.succeeded) return false;
      const revision = rev(res.header.revision);
      for (const { name, topic } of chunk) {
        if (topic === undefined) {
          this.#topics.delete(name);
          this.#tombstones.set(this.#keys.topic(name), revision);
        } else this.#topics.set(name, { topic, modRevision: revision });
      }
      if (lastChunk && floorChanged) this.#epochFloor = { value: after.nextLeaderEpoch, modRevision: revision };
      if (lastChunk && aclsChanged) this.#acls = { value: after.acls, modRevision: revision };
      if (lastChunk && scramChanged) this.#scram = { value: scramCredentialsOf(after), modRevision: revision };
      if (lastChunk && brokerConfigsChanged)
        this.#brokerConfigs = { value: brokerConfigsOf(after), modRevision: revision };
      this.#changed(revision);
    }
    return true;
  }

  /** Reads everything under the prefix and watches from the next revision on. */
  async #relist(): Promise<void> {
    const res = await this.#client.getAll().prefix(this.#keys.prefix).exec();
    const revision = rev(res.header.revision);
    this.#topics.clear();
    this.#tombstones.clear();
    this.#brokers.clear();
    this.#isrRequests.clear();
    this.#controller = undefined;
    for (const kv of res.kvs) this.#applyPut(kv);
    this.#changed(revision);
    const old = this.#watcher;
    this.#watcher = undefined;
    await old?.cancel().catch(() => undefined);
    if (this.#closed) return;
    const watcher = await this.#client
      .watch()
      .prefix(this.#keys.prefix)
      .startRevision(String(revision + 1))
      .create();
    this.#watcher = watcher;
    watcher.on("data", (r) => {
      if (watcher !== this.#watcher) return;
      let last = this.#revision;
      for (const ev of r.events) {
        if (ev.type === "Put") this.#applyPut(ev.kv);
        else this.#applyDelete(ev.kv);
        last = Math.max(last, rev(ev.kv.mod_revision));
      }
      for (const [key, r2] of this.#tombstones) if (r2 <= last) this.#tombstones.delete(key);
      this.#changed(last);
    });
    // A compacted or cancelled watch cannot resume: list again and watch from there.
    watcher.on("error", (err) => {
      if (this.#closed || watcher !== this.#watcher) return;
      this.#onError("the etcd watch ended; listing again", err);
      this.#serial(() => this.#relist()).catch((e: unknown) => this.#onError("listing etcd again failed", e));
    });
  }

  #applyPut(kv: IKeyValue): void {
    const key = kv.key.toString();
    const modRevision = rev(kv.mod_revision);
    const text = kv.value.toString();
    const k = this.#keys;
    try {
      if (key.startsWith(k.topics)) {
        const name = key.slice(k.topics.length);
        const known = this.#topics.get(name)?.modRevision ?? this.#tombstones.get(key) ?? 0;
        if (modRevision <= known) return;
        this.#tombstones.delete(key);
        this.#topics.set(name, { topic: decodeTopic(text, key), modRevision });
      } else if (key.startsWith(k.brokers)) {
        const reg = decodeBroker(text, key);
        this.#brokers.set(reg.nodeId, { registration: reg, epoch: rev(kv.create_revision) });
      } else if (key === k.controller) {
        this.#controller = { id: Number(text), createRevision: rev(kv.create_revision) };
      } else if (key === k.scramCredentials) {
        if (modRevision > this.#scram.modRevision) this.#scram = { value: decodeScram(text, key), modRevision };
      } else if (key === k.brokerConfigs) {
        if (modRevision > this.#brokerConfigs.modRevision)
          this.#brokerConfigs = { value: decodeBrokerConfigsValue(text, key), modRevision };
      } else if (key === k.acls) {
        if (modRevision > this.#acls.modRevision) this.#acls = { value: decodeAcls(text, key), modRevision };
      } else if (key === k.epochFloor) {
        if (modRevision > this.#epochFloor.modRevision) this.#epochFloor = { value: Number(text), modRevision };
      } else if (key.startsWith(k.isrRequests)) {
        if (this.#isrRequests.size >= MAX_ISR_REQUESTS && !this.#isrRequests.has(key)) return;
        this.#isrRequests.set(key, { key, modRevision, request: decodeAlterPartition(text, key) });
      }
    } catch (e) {
      // A corrupt value is never served: the key is left out (and reported).
      this.#onError(`ignoring etcd key ${key}`, e);
    }
  }

  #applyDelete(kv: IKeyValue): void {
    const key = kv.key.toString();
    const k = this.#keys;
    if (key.startsWith(k.topics)) {
      const name = key.slice(k.topics.length);
      const known = this.#topics.get(name);
      if (known !== undefined && known.modRevision < rev(kv.mod_revision)) this.#topics.delete(name);
    } else if (key.startsWith(k.brokers)) {
      const id = Number(key.slice(k.brokers.length));
      const live = this.#brokers.get(id);
      // Our own re-registration may already have replaced the deleted key.
      if (live !== undefined && live.epoch < rev(kv.mod_revision)) this.#brokers.delete(id);
    } else if (key === k.controller) {
      if (this.#controller !== undefined && this.#controller.createRevision < rev(kv.mod_revision))
        this.#controller = undefined;
    } else if (key.startsWith(k.isrRequests)) {
      this.#isrRequests.delete(key);
    }
  }

  #changed(revision: number): void {
    this.#revision = Math.max(this.#revision, revision);
    this.#image = undefined;
    for (const l of this.#listeners) l();
  }

  #buildImage(): ClusterImage {
    const topics = new Map<string, TopicImage>();
    const topicIds = new Map<string, string>();
    for (const [name, { topic }] of this.#topics) {
      topics.set(name, topic);
      topicIds.set(topic.topicId, name);
    }
    const brokers = [...this.#brokers.values()].map((b) => b.registration).sort((a, b) => a.nodeId - b.nodeId);
    return {
      clusterId: this.#clusterId,
      controllerId: this.#controller?.id ?? -1,
      brokers,
      topics,
      topicIds,
      nextLeaderEpoch: this.#epochFloor.value,
      changeCount: this.#revision,
      acls: this.#acls.value,
      scramCredentials: this.#scram.value,
      brokerConfigs: this.#brokerConfigs.value,
    };
  }
}

/** A client of the cluster's etcd, with the key layout and the cluster id stored there. */
export class EtcdConnection {
  private constructor(
    readonly client: Etcd3,
    readonly keys: EtcdKeys,
    readonly clusterId: string,
  ) {}

  /** Connects and reads the cluster id, writing a new one if this is the cluster's first broker. */
  static async open(hosts: readonly string[], prefix: string): Promise<EtcdConnection> {
    const client = new Etcd3({ hosts: [...hosts], dialTimeout: 5000 });
    const keys = new EtcdKeys(prefix);
    try {
      return new EtcdConnection(client, keys, await ensureEtcdClusterId(client, keys, randomUuid));
    } catch (e) {
      client.close();
      throw e;
    }
  }

  close(): void {
    this.client.close();
  }
}

/** The cluster id stored in etcd, written by the first broker to ask (`newId` proposes one). */
export async function ensureEtcdClusterId(client: Etcd3, keys: EtcdKeys, newId: () => string): Promise<string> {
  const proposed = newId();
  const res = await client
    .if(keys.clusterId, "Create", "==", 0)
    .then(client.put(keys.clusterId).value(proposed))
    .else(client.get(keys.clusterId))
    .commit();
  if (res.succeeded) return proposed;
  const kv = res.responses[0]?.response_range?.kvs[0];
  if (kv === undefined) throw new Error("etcd returned no cluster id");
  return kv.value.toString();
}
