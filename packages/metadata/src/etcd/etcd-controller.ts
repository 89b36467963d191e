import type { ChangeResult } from "../changes.js";
import { rebalancePreferredLeaders } from "../controller/admin-election.js";
import { alterPartition } from "../controller/alter-partition.js";
import { electLeaders } from "../controller/leader-election.js";
import { completeReassignments } from "../controller/reassignment.js";
import type { ClusterImage } from "../image.js";
import type { EtcdMetadataStore } from "./etcd-metadata-store.js";

export interface EtcdControllerOptions {
  readonly store: EtcdMetadataStore;
  readonly nodeId: number;
  /** unclean.leader.election.enable */
  readonly uncleanElection: boolean;
  /** How often the controller re-checks without a change (campaign retries, errors). */
  readonly intervalMs?: number;
  /** auto.leader.rebalance.enable, leader.imbalance.check.interval.seconds (in ms), leader.imbalance.per.broker.percentage */
  readonly autoLeaderRebalance?: {
    readonly enabled: boolean;
    readonly checkIntervalMs: number;
    readonly imbalancePercentage: number;
  };
  readonly onError: (message: string, err: unknown) => void;
  readonly onInfo: (message: string, fields: Record<string, unknown>) => void;
}

/**
 * The controller role over etcd: every broker campaigns for the controller key (attached to its
 * lease); the winner reacts to registrations coming and going by electing leaders from the ISR
 * and bumping leader epochs, and decides the leaders' AlterPartition requests. Each write is
 * guarded by the election revision, so a deposed controller's writes fail.
 */
export class EtcdController {
  readonly #opts: EtcdControllerOptions;
  /** Broker epochs as last acted on, to tell a restarted broker (new epoch) from a known one. */
  readonly #seenEpochs = new Map<number, number>();
  #electionRevision: number | undefined;
  #running = false;
  #again = false;
  #stopped = false;
  #timer: NodeJS.Timeout | undefined;
  #rebalanceTimer: NodeJS.Timeout | undefined;
  #rebalanceDue = false;
  #unsubscribe: (() => void) | undefined;

  constructor(opts: EtcdControllerOptions) {
    this.#opts = opts;
  }

  get isController(): boolean {
    return (
      this.#electionRevision !== undefined && this.#opts.store.controller?.createRevision === this.#electionRevision
    );
  }

  start(): void {
    this.#unsubscribe = this.#opts.store.onChange(() => this.poke());
    this.#timer = setInterval(() => this.poke(), this.#opts.intervalMs ?? 1000);
    const rebalance = this.#opts.autoLeaderRebalance;
    if (rebalance?.enabled === true) {
      this.#rebalanceTimer = setInterval(() => {
        this.#rebalanceDue = true;
        this.poke();
      }, rebalance.checkIntervalMs);
    }
    this.poke();
  }

  /** Runs one round now (or right after the round in progress). */
  poke(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    this.#round()
      .catch((e: unknown) => this.#opts.onError("controller round failed", e))
      .finally(() => {
        this.#running = false;
        if (this.#again) {
          this.#again = false;
          this.poke();
        }
      });
  }

  /** Stops acting and hands the role to another broker. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe?.();
    clearInterval(this.#timer);
    clearInterval(this.#rebalanceTimer);
    const revision = this.#electionRevision;
    this.#electionRevision = undefined;
    if (revision !== undefined) await this.#opts.store.resign(revision).catch(() => undefined);
  }

  /**
   * An admin decision (ElectLeaders, AlterPartitionReassignments) made by this controller against
   * the live brokers, written under its election revision. Resolves undefined when this broker is
   * not the controller (the client is told NOT_CONTROLLER and asks the new one).
   */
  async decide<T>(
    change: (image: ClusterImage, live: ReadonlySet<number>) => ChangeResult<T>,
  ): Promise<ChangeResult<T> | undefined> {
    if (!this.isController) return undefined;
    const { store } = this.#opts;
    const r = await store.applyAsController((image) => change(image, this.#electable()), this.#electionRevision!);
    // A decision may leave reassignments to complete or leaders to move.
    this.poke();
    return r;
  }

  /** Live brokers not restarted since last acted on (a restarted one is still catching up). */
  #electable(): Set<number> {
    const live = new Set<number>();
    for (const [id, b] of this.#opts.store.liveBrokers) {
      const seen = this.#seenEpochs.get(id);
      if (seen === undefined || seen === b.epoch) live.add(id);
    }
    return live;
  }

  async #round(): Promise<void> {
    const { store } = this.#opts;
    if (store.controller === undefined) {
      const won = await store.campaign();
      if (won !== undefined) {
        this.#electionRevision = won;
        this.#seenEpochs.clear();
        for (const [id, b] of store.liveBrokers) this.#seenEpochs.set(id, b.epoch);
        this.#opts.onInfo("elected controller", { electionRevision: won });
      }
    }
    if (!this.isController) {
      this.#electionRevision = undefined;
      return;
    }
    const revision = this.#electionRevision!;
    const live = new Set(store.liveBrokers.keys());
    const epochs = new Map([...store.liveBrokers].map(([id, b]) => [id, b.epoch]));
    const restarted = new Set<number>();
    for (const [id, epoch] of epochs) {
      const seen = this.#seenEpochs.get(id);
      if (seen !== undefined && seen !== epoch) restarted.add(id);
    }
    const elected = await store.applyAsController(
      (image) => electLeaders(image, { live, restarted, uncleanElection: this.#opts.uncleanElection }),
      revision,
    );
    if (elected === undefined) return;
    if (elected.ok && elected.value > 0) {
      this.#opts.onInfo("partitions changed after broker changes", {
        partitions: elected.value,
        live: [...live],
        restarted: [...restarted],
      });
    }
    for (const [id, epoch] of epochs) this.#seenEpochs.set(id, epoch);
    for (const pending of store.pendingAlterPartitions) {
      const r = await store.applyAsController((image) => alterPartition(image, pending.request, live), revision);
      if (r === undefined) return;
      if (!r.ok) {
        this.#opts.onInfo("AlterPartition refused", { ...pending.request, error: r.error.errorMessage });
      }
      await store.deleteAlterPartition(pending);
    }
    const completed = await store.applyAsController((image) => completeReassignments(image, live), revision);
    if (completed === undefined) return;
    if (completed.ok && completed.value > 0)
      this.#opts.onInfo("reassignments completed", { partitions: completed.value });
    const rebalance = this.#opts.autoLeaderRebalance;
    if (this.#rebalanceDue && rebalance !== undefined) {
      this.#rebalanceDue = false;
      const moved = await store.applyAsController(
        (image) => rebalancePreferredLeaders(image, live, rebalance.imbalancePercentage),
        revision,
      );
      if (moved?.ok === true && moved.value > 0)
        this.#opts.onInfo("preferred leaders elected (auto rebalance)", { partitions: moved.value });
    }
  }
}
