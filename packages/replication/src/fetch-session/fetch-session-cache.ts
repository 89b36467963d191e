import { assert, type Random } from "@samsa/common";
import {
  FINAL_EPOCH,
  type FetchPartitionRequest,
  type FetchPartitionSummary,
  type FetchSessionErrorName,
  INVALID_SESSION_ID,
  isFullFetch,
  nextEpoch,
  partitionKey,
} from "./fetch-metadata.js";
import { CachedPartition, FetchSession } from "./fetch-session.js";

/** Kafka's `max.incremental.fetch.session.cache.slots` default. */
export const DEFAULT_MAX_FETCH_SESSIONS = 1000;
/** Kafka's minimum age before a session may be evicted for a newcomer. */
export const FETCH_SESSION_EVICTION_MS = 120_000;

export interface FetchRequestMetadata {
  readonly sessionId: number;
  readonly sessionEpoch: number;
  /** Requests from v13 on name topics by id; a session never mixes the two. */
  readonly usesTopicIds: boolean;
  /** A follower's fetch; followers may evict consumers' sessions. */
  readonly fromFollower: boolean;
  readonly partitions: readonly FetchPartitionRequest[];
  readonly forgotten: readonly { topic: string; partition: number }[];
}

/**
 * How one fetch request relates to the session cache (Kafka's FetchContext): which partitions to
 * read, and how to turn the per-partition answers into the response's partitions and session id.
 */
export type FetchContext =
  | { readonly kind: "error"; readonly error: FetchSessionErrorName }
  | {
      readonly kind: "sessionless" | "full" | "incremental";
      /** The partitions to read, in the order they should be filled. */
      readonly partitions: readonly FetchPartitionRequest[];
      /** Picks the partitions to answer and the session id to report; call once, with all answers. */
      complete<T extends FetchPartitionSummary>(answers: readonly T[], nowMs: number): FetchCompletion<T>;
    };

export interface FetchCompletion<T> {
  readonly sessionId: number;
  readonly partitions: readonly T[];
}

export interface FetchSessionCacheOptions {
  readonly maxSessions?: number;
  readonly evictionMs?: number;
  readonly random: Random;
}

/**
 * Incremental fetch sessions (KIP-227): a bounded cache of sessions so consumers with many
 * partitions send and receive only what changed. Eviction follows Kafka: stale sessions first, then
 * the least valuable old-enough session (consumer before follower, fewer partitions first).
 */
export class FetchSessionCache {
  readonly maxSessions: number;
  readonly evictionMs: number;
  private readonly random: Random;
  private readonly sessions = new Map<number, FetchSession>();

  constructor(options: FetchSessionCacheOptions) {
    this.maxSessions = options.maxSessions ?? DEFAULT_MAX_FETCH_SESSIONS;
    this.evictionMs = options.evictionMs ?? FETCH_SESSION_EVICTION_MS;
    this.random = options.random;
    assert(this.maxSessions >= 0, "maxSessions must not be negative");
  }

  get size(): number {
    return this.sessions.size;
  }

  get(sessionId: number): FetchSession | undefined {
    return this.sessions.get(sessionId);
  }

  newContext(req: FetchRequestMetadata, nowMs: number): FetchContext {
    if (isFullFetch(req.sessionEpoch)) {
      // A full request closes the session it names.
      if (req.sessionId !== INVALID_SESSION_ID) this.sessions.delete(req.sessionId);
      if (req.sessionEpoch === FINAL_EPOCH) return this.sessionless(req.partitions);
      return this.full(req);
    }
    const session = this.sessions.get(req.sessionId);
    if (session === undefined) return { kind: "error", error: "FETCH_SESSION_ID_NOT_FOUND" };
    if (session.epoch !== req.sessionEpoch) return { kind: "error", error: "INVALID_FETCH_SESSION_EPOCH" };
    if (session.usesTopicIds !== req.usesTopicIds) return { kind: "error", error: "FETCH_SESSION_TOPIC_ID_ERROR" };
    session.update(req.partitions, req.forgotten);
    if (session.size === 0) {
      this.sessions.delete(session.id);
      return this.sessionless(req.partitions);
    }
    session.lastUsedMs = nowMs;
    session.epoch = nextEpoch(session.epoch);
    return this.incremental(session);
  }

  private sessionless(partitions: readonly FetchPartitionRequest[]): FetchContext {
    return {
      kind: "sessionless",
      partitions,
      complete: (answers) => ({ sessionId: INVALID_SESSION_ID, partitions: answers }),
    };
  }

  private full(req: FetchRequestMetadata): FetchContext {
    return {
      kind: "full",
      partitions: req.partitions,
      complete: (answers, nowMs) => {
        const sessionId = this.maybeCreateSession(req, answers, nowMs);
        return { sessionId, partitions: answers };
      },
    };
  }

  private incremental(session: FetchSession): FetchContext {
    const partitions = [...session.partitions.values()].map((c) => c.request);
    return {
      kind: "incremental",
      partitions,
      complete: (answers) => {
        const selected = answers.filter((a) => {
          const key = partitionKey(a.topic, a.partition);
          const cached = session.partitions.get(key);
          if (cached === undefined || !cached.mustRespond(a)) return false;
          session.moveToBack(key);
          return true;
        });
        return { sessionId: session.id, partitions: selected };
      },
    };
  }

  private maybeCreateSession(req: FetchRequestMetadata, answers: readonly FetchPartitionSummary[], nowMs: number) {
    if (this.maxSessions === 0) return INVALID_SESSION_ID;
    if (this.sessions.size >= this.maxSessions && !this.tryEvict(req.fromFollower, req.partitions.length, nowMs)) {
      return INVALID_SESSION_ID;
    }
    const id = this.newSessionId();
    const session = new FetchSession(id, req.fromFollower, req.usesTopicIds, nowMs);
    const byKey = new Map(answers.map((a) => [partitionKey(a.topic, a.partition), a]));
    for (const p of req.partitions) {
      const key = partitionKey(p.topic, p.partition);
      session.partitions.set(key, new CachedPartition(p, byKey.get(key)));
    }
    this.sessions.set(id, session);
    return id;
  }

  private tryEvict(privileged: boolean, size: number, nowMs: number): boolean {
    let stalest: FetchSession | undefined;
    for (const s of this.sessions.values()) if (stalest === undefined || s.lastUsedMs < stalest.lastUsedMs) stalest = s;
    if (stalest === undefined) return false;
    if (nowMs - stalest.lastUsedMs > this.evictionMs) {
      this.sessions.delete(stalest.id);
      return true;
    }
    let weakest: FetchSession | undefined;
    for (const s of this.sessions.values()) {
      const oldEnough = nowMs - s.creationMs > this.evictionMs;
      const eligible = oldEnough || (privileged && !s.privileged);
      if (eligible && (weakest === undefined || compareStrength(s, weakest) < 0)) weakest = s;
    }
    if (weakest === undefined) return false;
    if (compareStrength({ privileged, size, id: 0 }, weakest) < 0) return false;
    this.sessions.delete(weakest.id);
    return true;
  }

  private newSessionId(): number {
    for (;;) {
      const id = 1 + Math.floor(this.random.next() * 0x7ffffffe);
      if (!this.sessions.has(id)) return id;
    }
  }
}

/** Kafka's EvictableKey order: consumers before followers, then fewer partitions, then id. */
function compareStrength(
  a: { privileged: boolean; size: number; id: number },
  b: { privileged: boolean; size: number; id: number },
): number {
  if (a.privileged !== b.privileged) return a.privileged ? 1 : -1;
  if (a.size !== b.size) return a.size - b.size;
  return a.id - b.id;
}
