import type { ChangeResult } from "./changes.js";
import { MetadataErrorCode, metadataError } from "./errors.js";
import type { ClusterImage } from "./image.js";

/** A SCRAM credential as the server keeps it (RFC 5802): never the password itself. */
export interface ScramCredentialImage {
  /** Base64 of the salt, StoredKey and ServerKey. */
  readonly salt: string;
  readonly storedKey: string;
  readonly serverKey: string;
  readonly iterations: number;
}

/** One user's credentials by mechanism name ("SCRAM-SHA-256", "SCRAM-SHA-512"). */
export type ScramUserCredentials = Readonly<Record<string, ScramCredentialImage>>;

/** Bound on stored SCRAM users: the image stays small, and in etcd all of them fit one value (1.5 MB). */
export const MAX_SCRAM_USERS = 1000;

const EMPTY: ReadonlyMap<string, ScramUserCredentials> = new Map();

export function scramCredentialsOf(image: ClusterImage): ReadonlyMap<string, ScramUserCredentials> {
  return image.scramCredentials ?? EMPTY;
}

export type ScramCredentialOp =
  | { readonly user: string; readonly mechanism: string; readonly credential: ScramCredentialImage }
  | { readonly user: string; readonly mechanism: string; readonly credential: null };

/**
 * Upserts (credential set) and deletions (credential null), already validated by the caller, applied
 * together. Value: the ops' users whose deletion found nothing (Kafka's RESOURCE_NOT_FOUND); ops of
 * those users are not applied.
 */
export function alterScramCredentials(
  image: ClusterImage,
  ops: readonly ScramCredentialOp[],
): ChangeResult<ReadonlySet<string>> {
  const current = scramCredentialsOf(image);
  const missing = new Set<string>();
  for (const op of ops) {
    if (op.credential === null && current.get(op.user)?.[op.mechanism] === undefined) missing.add(op.user);
  }
  const next = new Map(current);
  for (const op of ops) {
    if (missing.has(op.user)) continue;
    const user: Record<string, ScramCredentialImage> = { ...next.get(op.user) };
    if (op.credential === null) delete user[op.mechanism];
    else user[op.mechanism] = op.credential;
    if (Object.keys(user).length === 0) next.delete(op.user);
    else next.set(op.user, user);
  }
  if (next.size > MAX_SCRAM_USERS && next.size > current.size) {
    const why = `at most ${MAX_SCRAM_USERS} SCRAM users can be stored`;
    return { ok: false, error: metadataError(MetadataErrorCode.INVALID_REQUEST, why) };
  }
  if (missing.size === new Set(ops.map((o) => o.user)).size) return { ok: true, image, value: missing };
  return {
    ok: true,
    image: { ...image, scramCredentials: next, changeCount: image.changeCount + 1 },
    value: missing,
  };
}

type ScramJson = Record<string, Record<string, ScramCredentialImage>>;

export function encodeScramCredentials(creds: ReadonlyMap<string, ScramUserCredentials>): ScramJson {
  const out: ScramJson = {};
  for (const [user, byMechanism] of creds) out[user] = { ...byMechanism };
  return out;
}

function isCredential(v: unknown): v is ScramCredentialImage {
  if (typeof v !== "object" || v === null) return false;
  const c = v as Record<string, unknown>;
  return (
    typeof c.salt === "string" &&
    typeof c.storedKey === "string" &&
    typeof c.serverKey === "string" &&
    typeof c.iterations === "number" &&
    Number.isSafeInteger(c.iterations)
  );
}

/** Parses the persisted form; undefined when it is malformed (the caller reports corruption). */
export function decodeScramCredentials(raw: unknown): Map<string, ScramUserCredentials> | undefined {
  const out = new Map<string, ScramUserCredentials>();
  if (raw === undefined) return out;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return undefined;
  for (const [user, byMechanism] of Object.entries(raw)) {
    if (typeof byMechanism !== "object" || byMechanism === null) return undefined;
    const creds: Record<string, ScramCredentialImage> = {};
    for (const [mechanism, c] of Object.entries(byMechanism as Record<string, unknown>)) {
      if (!isCredential(c)) return undefined;
      creds[mechanism] = { salt: c.salt, storedKey: c.storedKey, serverKey: c.serverKey, iterations: c.iterations };
    }
    out.set(user, creds);
  }
  return out;
}
