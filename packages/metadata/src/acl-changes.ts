import {
  type AclBinding,
  type AclBindingFilter,
  aclBinding,
  filterMatches,
  invalidAclReason,
  invalidFilterReason,
  MAX_ACLS,
  MAX_ACLS_BYTES,
  sameAcl,
  storedAclBytes,
} from "./acl.js";
import type { ChangeResult } from "./changes.js";
import { type MetadataError, MetadataErrorCode, metadataError } from "./errors.js";
import type { ClusterImage } from "./image.js";

function withAcls(image: ClusterImage, acls: readonly AclBinding[]): ClusterImage {
  return { ...image, acls, changeCount: image.changeCount + 1 };
}

/**
 * CreateAcls as one change: each binding gets its own result (undefined = created, or already there,
 * which Kafka also answers with success); invalid ones are INVALID_REQUEST.
 */
export function createAcls(
  image: ClusterImage,
  bindings: readonly AclBinding[],
  maxAcls = MAX_ACLS,
  maxBytes = MAX_ACLS_BYTES,
): ChangeResult<(MetadataError | undefined)[]> {
  const acls = [...image.acls];
  let bytes = acls.reduce((n, a) => n + storedAclBytes(a), 0);
  const results: (MetadataError | undefined)[] = [];
  for (const b of bindings) {
    const reason = invalidAclReason(b);
    if (reason !== undefined) {
      results.push(metadataError(MetadataErrorCode.INVALID_REQUEST, reason));
    } else if (acls.some((a) => sameAcl(a, b))) {
      results.push(undefined);
    } else if (acls.length >= maxAcls || bytes + storedAclBytes(b) > maxBytes) {
      const why = `The cluster's ACLs are at their limit (${maxAcls} ACLs, ${maxBytes} bytes).`;
      results.push(metadataError(MetadataErrorCode.POLICY_VIOLATION, why));
    } else {
      bytes += storedAclBytes(b);
      acls.push(aclBinding(b));
      results.push(undefined);
    }
  }
  const image2 = acls.length === image.acls.length ? image : withAcls(image, acls);
  return { ok: true, image: image2, value: results };
}

/** One DeleteAcls filter's outcome: an error for an invalid filter, else the ACLs it removed. */
export type DeleteAclsResult =
  | { readonly error: MetadataError }
  | { readonly error: undefined; readonly deleted: readonly AclBinding[] };

/** DeleteAcls as one change: every filter matches against the ACLs as they were before the request. */
export function deleteAcls(
  image: ClusterImage,
  filters: readonly AclBindingFilter[],
): ChangeResult<DeleteAclsResult[]> {
  const removed = new Set<AclBinding>();
  const results: DeleteAclsResult[] = filters.map((f) => {
    const reason = invalidFilterReason(f);
    if (reason !== undefined) return { error: metadataError(MetadataErrorCode.INVALID_REQUEST, reason) };
    const deleted = image.acls.filter((a) => filterMatches(f, a));
    for (const a of deleted) removed.add(a);
    return { error: undefined, deleted };
  });
  const image2 =
    removed.size === 0
      ? image
      : withAcls(
          image,
          image.acls.filter((a) => !removed.has(a)),
        );
  return { ok: true, image: image2, value: results };
}
