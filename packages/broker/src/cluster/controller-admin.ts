import type { ChangeResult, ClusterImage, MetadataStore } from "@samsa/metadata";

/**
 * Admin decisions that Kafka makes on its controller (ElectLeaders, AlterPartitionReassignments).
 * Cluster mode only; a single node decides them itself over its own metadata store.
 */
export interface ControllerAdmin {
  /** unclean.leader.election.enable, for decisions that may need an unclean election. */
  readonly uncleanElection: boolean;
  /**
   * Runs `change` as the controller against the live brokers; resolves undefined when this broker
   * is not the controller (Kafka answers NOT_CONTROLLER and the client asks the current one).
   */
  decide<T>(
    change: (image: ClusterImage, live: ReadonlySet<number>) => ChangeResult<T>,
  ): Promise<ChangeResult<T> | undefined>;
}

/** What an admin decision needs from the broker's services. */
export interface AdminDecisionServices {
  readonly controllerAdmin?: ControllerAdmin;
  readonly metadata: MetadataStore;
}

/**
 * Runs an admin decision: on the controller in cluster mode (undefined when this broker is not
 * it), or over the single node's own store, where the registered brokers are the live ones.
 */
export function decideAsController<T>(
  services: AdminDecisionServices,
  change: (image: ClusterImage, live: ReadonlySet<number>) => ChangeResult<T>,
): Promise<ChangeResult<T> | undefined> {
  if (services.controllerAdmin !== undefined) return services.controllerAdmin.decide(change);
  return services.metadata.apply((image) => change(image, new Set(image.brokers.map((b) => b.nodeId))));
}
