/**
 * The cluster's key layout in etcd, under one prefix (default `/samsa/`):
 *   cluster-id                    the cluster id, written once by the first broker
 *   brokers/<id>                  a live broker's registration, attached to its lease
 *   controller                    the elected controller's node id, attached to its lease
 *   topics/<name>                 a topic with its partitions (replicas, leader, ISR, epochs)
 *   epoch-floor                   the leader epoch floor for re-created topics
 *   isr-requests/<topic>/<index>  a leader's pending AlterPartition, consumed by the controller
 *   producer-ids                  the next unclaimed producer id (blocks are claimed by CAS)
 *   acls                          every ACL binding, one JSON array (rewritten by CAS)
 *   scram-credentials             every SCRAM credential by user and mechanism, one JSON object (CAS)
 *   broker-configs                dynamic broker configs by resource name ("" the default), one JSON object (CAS)
 */
export class EtcdKeys {
  constructor(readonly prefix: string) {}

  get clusterId(): string {
    return `${this.prefix}cluster-id`;
  }
  get brokers(): string {
    return `${this.prefix}brokers/`;
  }
  broker(id: number): string {
    return `${this.brokers}${id}`;
  }
  get controller(): string {
    return `${this.prefix}controller`;
  }
  get topics(): string {
    return `${this.prefix}topics/`;
  }
  topic(name: string): string {
    return `${this.topics}${name}`;
  }
  get epochFloor(): string {
    return `${this.prefix}epoch-floor`;
  }
  get isrRequests(): string {
    return `${this.prefix}isr-requests/`;
  }
  get scramCredentials(): string {
    return `${this.prefix}scram-credentials`;
  }
  get brokerConfigs(): string {
    return `${this.prefix}broker-configs`;
  }
  get acls(): string {
    return `${this.prefix}acls`;
  }
  get producerIds(): string {
    return `${this.prefix}producer-ids`;
  }
  isrRequest(topic: string, partition: number): string {
    return `${this.isrRequests}${topic}/${partition}`;
  }
}
