import type { Clock } from "@samsa/common";
import type { MetadataStore } from "@samsa/metadata";
import type { RequestByApiKey, RequestHeader, ResponseByApiKey } from "@samsa/protocol";
import type { ControllerAdmin } from "../cluster/controller-admin.js";
import type { BrokerConfig } from "../config/broker-config.js";
import type { GroupCoordinatorService } from "../group-coordinator-service.js";
import type { Logger } from "../logger.js";
import type { ConnectionInfo } from "../network/connection.js";
import type { PartitionLogs } from "../partition-logs.js";
import type { DataPath } from "../replica/data-path.js";
import type { AclAuthorizer } from "../security/acl-authorizer.js";
import type { TransactionCoordinatorService } from "../txn/transaction-coordinator-service.js";

/** API keys that have both a request and a response type. */
export type HandledApiKey = keyof RequestByApiKey & keyof ResponseByApiKey;

/** An advertised endpoint of this broker, with the port actually bound. */
export interface Endpoint {
  readonly listenerName: string;
  readonly securityProtocol: string;
  readonly host: string;
  readonly port: number;
}

/** Who this broker is; fixed once the listeners are bound. */
export interface BrokerIdentity {
  readonly nodeId: number;
  readonly clusterId: string;
  readonly rack: string | null;
  readonly endpoints: readonly Endpoint[];
  readonly dataDir: string;
}

/**
 * Everything a handler may use, built once by the composition root. Data-path handlers get their
 * services (replication, coordinators, ...) by adding fields here.
 */
export interface BrokerServices {
  readonly config: BrokerConfig;
  readonly metadata: MetadataStore;
  readonly logs: PartitionLogs;
  readonly clock: Clock;
  readonly log: Logger;
  readonly identity: BrokerIdentity;
  /** The version ranges this broker advertises (ApiVersions). */
  readonly apiVersions: readonly ApiVersionRange[];
  /** Leader replicas, purgatories, fetch sessions, producer ids: the data-path handlers' services. */
  readonly dataPath: DataPath;
  /** The group coordinator and its `__consumer_offsets` glue. */
  readonly groups: GroupCoordinatorService;
  /** The transaction coordinator and its `__transaction_state` glue. */
  readonly transactions: TransactionCoordinatorService;
  /** Cluster mode: the controller's admin decisions (ElectLeaders, reassignments); absent on a single node. */
  readonly controllerAdmin?: ControllerAdmin;
  /** The ACL authorizer (`authorizer.class.name`), or null: then every request is allowed. */
  readonly authorizer: AclAuthorizer | null;
}

/** Per-request context: the services plus who asked and in which version. */
export interface RequestContext extends BrokerServices {
  readonly connection: ConnectionInfo;
  readonly apiVersion: number;
}

export interface ApiVersionRange {
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
}

/**
 * One API key's handler (`handlers/NN-<api>.ts`). `handle` returns the response body, or null when
 * the request gets no response on the wire (acks=0 Produce). Throwing closes the connection, so
 * handlers answer client mistakes with Kafka error codes and throw only on bugs.
 */
export interface Handler<K extends HandledApiKey = HandledApiKey> {
  readonly apiKey: K;
  readonly minVersion: number;
  readonly maxVersion: number;
  handle(
    ctx: RequestContext,
    request: RequestByApiKey[K],
    header: RequestHeader,
  ): ResponseByApiKey[K] | null | Promise<ResponseByApiKey[K] | null>;
}

/** Identity function that fixes K, so handler files get their request/response types inferred. */
export function defineHandler<K extends HandledApiKey>(handler: Handler<K>): Handler<K> {
  return handler;
}

/** A handler of some API key, as stored in the table. */
export type AnyHandler = { [K in HandledApiKey]: Handler<K> }[HandledApiKey];
