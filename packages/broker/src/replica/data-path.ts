import { type Clock, type Random, systemClock } from "@samsa/common";
import type { MetadataStore } from "@samsa/metadata";
import {
  FetchSessionCache,
  ProducerIdAllocator,
  ProducerIdBlockFile,
  type ProducerIdBlockStore,
  type Scheduler,
} from "@samsa/replication";
import type { BrokerConfig } from "../config/broker-config.js";
import type { Logger } from "../logger.js";
import { type LogSource, ReplicaManager } from "./replica-manager.js";

/** The services of the data-path handlers (Produce, Fetch, ListOffsets, DeleteRecords, ...). */
export interface DataPath {
  readonly replicas: ReplicaManager;
  readonly fetchSessions: FetchSessionCache;
  readonly producerIds: ProducerIdAllocator;
}

export interface DataPathOptions {
  readonly config: BrokerConfig;
  readonly metadata: MetadataStore;
  readonly logs: LogSource;
  readonly logger: Logger;
  readonly clock?: Clock;
  readonly scheduler?: Scheduler;
  readonly random?: Random;
  /** Where producer id blocks are claimed; defaults to a file in the data dir (single node). */
  readonly producerIdBlocks?: ProducerIdBlockStore;
}

/** Kafka's `max.incremental.fetch.session.cache.slots` default. */
const FETCH_SESSION_SLOTS = 1000;

export function createDataPath(opts: DataPathOptions): DataPath {
  return {
    replicas: new ReplicaManager({
      config: opts.config,
      metadata: opts.metadata,
      logs: opts.logs,
      clock: opts.clock ?? systemClock,
      logger: opts.logger,
      scheduler: opts.scheduler,
    }),
    fetchSessions: new FetchSessionCache({
      maxSessions: FETCH_SESSION_SLOTS,
      random: opts.random ?? { next: Math.random },
    }),
    producerIds: new ProducerIdAllocator(opts.producerIdBlocks ?? new ProducerIdBlockFile(opts.config.dataDir)),
  };
}
