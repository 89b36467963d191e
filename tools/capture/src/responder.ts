/**
 * Answers just enough for a client to send the requests we want to record: ApiVersions, Metadata
 * (every topic has one partition led by this server), FindCoordinator (this server), Produce (success,
 * offsets counted per partition), Fetch and ListOffsets (an empty partition), JoinGroup/SyncGroup (a
 * one-member group whose leader assigns itself). Any other API gets its codec's defaults. This is a
 * fixture recorder, not a broker: nothing is stored.
 */
import { createHash } from "node:crypto";
import {
  API_KEYS,
  ApiKey,
  advertisedMaxVersion,
  apiByKey,
  BATCH_LENGTH_OFFSET,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  RECORD_BATCH_OVERHEAD,
  RECORD_COUNT_OFFSET,
  type ApiVersionsRequest,
  type ApiVersionsResponse,
  type FetchRequest,
  type FetchResponse,
  type FindCoordinatorRequest,
  type FindCoordinatorResponse,
  type JoinGroupRequest,
  type JoinGroupResponse,
  type ListOffsetsRequest,
  type ListOffsetsResponse,
  type MetadataRequest,
  type MetadataResponse,
  type OffsetFetchRequest,
  type OffsetFetchResponse,
  type ProduceRequest,
  type ProduceResponse,
  type SyncGroupRequest,
  type SyncGroupResponse,
  ErrorCode,
  defaultFetchResponsePartitionData,
  defaultFindCoordinatorResponseCoordinator,
  defaultListOffsetsResponseListOffsetsPartitionResponse,
  defaultMetadataResponseMetadataResponsePartition,
  defaultMetadataResponseMetadataResponseTopic,
  defaultProduceResponsePartitionProduceResponse,
} from "@samsa/protocol";

/** Bound on the partitions whose produce offsets are counted (captures use a handful). */
const MAX_TRACKED_PARTITIONS = 10_000;

export interface ResponderOptions {
  nodeId: number;
  host: string;
  port: number;
  /** Answered for a Metadata request that asks for all topics. */
  defaultTopic: string;
}

/** A topic id derived from the name, so every capture of the same topic carries the same id. */
export function topicIdFor(name: string): string {
  return createHash("sha256").update(name).digest().subarray(0, 16).toString("base64url");
}

export class Responder {
  private readonly nextOffsets = new Map<string, bigint>();
  private readonly topicNames = new Map<string, string>();
  private memberCount = 0;

  constructor(private readonly options: ResponderOptions) {
    this.remember(options.defaultTopic);
  }

  /** The response body for a decoded request body (the API's codec defaults when not handled). */
  respond(apiKey: number, version: number, request: unknown): unknown {
    switch (apiKey) {
      case ApiKey.ApiVersions:
        return this.apiVersions(request as ApiVersionsRequest, version);
      case ApiKey.Metadata:
        return this.metadata(request as MetadataRequest);
      case ApiKey.FindCoordinator:
        return this.findCoordinator(request as FindCoordinatorRequest);
      case ApiKey.Produce:
        return this.produce(request as ProduceRequest);
      case ApiKey.Fetch:
        return this.fetch(request as FetchRequest);
      case ApiKey.ListOffsets:
        return this.listOffsets(request as ListOffsetsRequest, version);
      case ApiKey.OffsetFetch:
        return this.offsetFetch(request as OffsetFetchRequest);
      case ApiKey.JoinGroup:
        return this.joinGroup(request as JoinGroupRequest, version);
      case ApiKey.SyncGroup:
        return this.syncGroup(request as SyncGroupRequest);
      default: {
        const d = apiByKey(apiKey);
        if (d === undefined) throw new Error(`no codec for API key ${apiKey}`);
        return d.response.defaults();
      }
    }
  }

  /** ApiVersions for a version this server lacks: the error, in version 0's shape. */
  unsupportedApiVersions(): ApiVersionsResponse {
    return { ...this.apiVersions({} as ApiVersionsRequest, 0), errorCode: ErrorCode.UNSUPPORTED_VERSION };
  }

  private remember(topic: string): string {
    const id = topicIdFor(topic);
    if (this.topicNames.size < MAX_TRACKED_PARTITIONS) this.topicNames.set(id, topic);
    return id;
  }

  private apiVersions(_request: ApiVersionsRequest, version: number): ApiVersionsResponse {
    const d = apiByKey(ApiKey.ApiVersions)!;
    const response = d.response.defaults() as ApiVersionsResponse;
    response.apiKeys = API_KEYS.filter(
      (a) => a.listeners.includes("broker") && advertisedMaxVersion(a) >= a.minVersion,
    ).map((a) => ({ apiKey: a.apiKey, minVersion: a.minVersion, maxVersion: advertisedMaxVersion(a) }));
    if (version < 3) response.supportedFeatures = [];
    return response;
  }

  private metadata(request: MetadataRequest): MetadataResponse {
    const { nodeId, host, port, defaultTopic } = this.options;
    const response = apiByKey(ApiKey.Metadata)!.response.defaults() as MetadataResponse;
    response.brokers = [{ nodeId, host, port, rack: null }];
    response.clusterId = "samsa-capture";
    response.controllerId = nodeId;
    const names =
      request.topics === null || request.topics.length === 0
        ? [defaultTopic]
        : request.topics.map((t) => t.name ?? this.topicNames.get(t.topicId) ?? defaultTopic);
    response.topics = names.map((name) => ({
      ...defaultMetadataResponseMetadataResponseTopic(),
      name,
      topicId: this.remember(name),
      partitions: [
        {
          ...defaultMetadataResponseMetadataResponsePartition(),
          partitionIndex: 0,
          leaderId: nodeId,
          replicaNodes: [nodeId],
          isrNodes: [nodeId],
        },
      ],
    }));
    return response;
  }

  private findCoordinator(request: FindCoordinatorRequest): FindCoordinatorResponse {
    const { nodeId, host, port } = this.options;
    const response = apiByKey(ApiKey.FindCoordinator)!.response.defaults() as FindCoordinatorResponse;
    Object.assign(response, { nodeId, host, port });
    response.coordinators = request.coordinatorKeys.map((key) => ({
      ...defaultFindCoordinatorResponseCoordinator(),
      key,
      nodeId,
      host,
      port,
    }));
    return response;
  }

  private produce(request: ProduceRequest): ProduceResponse {
    const response = apiByKey(ApiKey.Produce)!.response.defaults() as ProduceResponse;
    response.responses = request.topicData.map((t) => ({
      name: t.name,
      partitionResponses: t.partitionData.map((p) => ({
        ...defaultProduceResponsePartitionProduceResponse(),
        index: p.index,
        baseOffset: this.advance(`${t.name}/${p.index}`, p.records),
        logStartOffset: 0n,
      })),
    }));
    return response;
  }

  /** Returns the base offset for a produced batch set and moves the partition's end past it. */
  private advance(partition: string, records: unknown): bigint {
    const base = this.nextOffsets.get(partition) ?? 0n;
    if (this.nextOffsets.has(partition) || this.nextOffsets.size < MAX_TRACKED_PARTITIONS) {
      this.nextOffsets.set(partition, base + BigInt(countRecords(records)));
    }
    return base;
  }

  private fetch(request: FetchRequest): FetchResponse {
    const response = apiByKey(ApiKey.Fetch)!.response.defaults() as FetchResponse;
    response.responses = request.topics.map((t) => ({
      topic: t.topic,
      topicId: t.topicId,
      partitions: t.partitions.map((p) => ({
        ...defaultFetchResponsePartitionData(),
        partitionIndex: p.partition,
        highWatermark: p.fetchOffset,
        lastStableOffset: p.fetchOffset,
        logStartOffset: 0n,
        abortedTransactions: null,
        records: Buffer.alloc(0),
      })),
    }));
    return response;
  }

  /** No committed offsets: every asked partition answers -1, so the consumer resets to its policy. */
  private offsetFetch(request: OffsetFetchRequest): OffsetFetchResponse {
    const response = apiByKey(ApiKey.OffsetFetch)!.response.defaults() as OffsetFetchResponse;
    const partitions = (indexes: number[]) =>
      indexes.map((partitionIndex) => ({
        partitionIndex,
        committedOffset: -1n,
        committedLeaderEpoch: -1,
        metadata: "",
        errorCode: 0,
      }));
    response.topics = (request.topics ?? []).map((t) => ({ name: t.name, partitions: partitions(t.partitionIndexes) }));
    response.groups = request.groups.map((g) => ({
      groupId: g.groupId,
      errorCode: 0,
      topics: (g.topics ?? []).map((t) => ({ name: t.name, partitions: partitions(t.partitionIndexes) })),
    }));
    return response;
  }

  private listOffsets(request: ListOffsetsRequest, version: number): ListOffsetsResponse {
    const response = apiByKey(ApiKey.ListOffsets)!.response.defaults() as ListOffsetsResponse;
    response.topics = request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({
        ...defaultListOffsetsResponseListOffsetsPartitionResponse(),
        partitionIndex: p.partitionIndex,
        timestamp: -1n,
        offset: 0n,
        oldStyleOffsets: version === 0 ? [0n] : [],
      })),
    }));
    return response;
  }

  private joinGroup(request: JoinGroupRequest, version: number): JoinGroupResponse {
    const response = apiByKey(ApiKey.JoinGroup)!.response.defaults() as JoinGroupResponse;
    // From v4 a first join without a member id is told its id and rejoins, as Kafka does.
    if (request.memberId === "" && version >= 4) {
      response.errorCode = ErrorCode.MEMBER_ID_REQUIRED;
      response.memberId = `${request.groupId}-member-${++this.memberCount}`;
      return response;
    }
    const memberId = request.memberId === "" ? `${request.groupId}-member-${++this.memberCount}` : request.memberId;
    const protocol = request.protocols[0];
    Object.assign(response, {
      generationId: 1,
      protocolType: request.protocolType,
      protocolName: protocol?.name ?? null,
      leader: memberId,
      memberId,
      members: [
        { memberId, groupInstanceId: request.groupInstanceId, metadata: protocol?.metadata ?? Buffer.alloc(0) },
      ],
    });
    return response;
  }

  private syncGroup(request: SyncGroupRequest): SyncGroupResponse {
    const response = apiByKey(ApiKey.SyncGroup)!.response.defaults() as SyncGroupResponse;
    const own = request.assignments.find((a) => a.memberId === request.memberId);
    response.protocolType = request.protocolType;
    response.protocolName = request.protocolName;
    response.assignment = own?.assignment ?? Buffer.alloc(0);
    return response;
  }
}

/**
 * Records in a produce payload: the sum of the v2 batch headers' record counts, or one per legacy
 * message (the capture only needs plausible offsets for those).
 */
function countRecords(records: unknown): number {
  const buffers: Buffer[] = Buffer.isBuffer(records) ? [records] : Array.isArray(records) ? records : [];
  let count = 0;
  for (const buf of buffers) {
    let pos = 0;
    while (pos + LOG_OVERHEAD <= buf.length) {
      const batchLength = buf.readInt32BE(pos + BATCH_LENGTH_OFFSET);
      const isV2 = pos + RECORD_BATCH_OVERHEAD <= buf.length && buf.readInt8(pos + MAGIC_OFFSET) === 2;
      count += isV2 ? buf.readInt32BE(pos + RECORD_COUNT_OFFSET) : 1;
      pos += LOG_OVERHEAD + Math.max(0, batchLength);
    }
  }
  return count;
}
