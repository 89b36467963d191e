/**
 * The shape shared by every generated message codec, and the small helpers generated code calls.
 */
import { ProtocolError } from "./protocol-error.js";
import type { Reader } from "./reader.js";
import type { Writer } from "./writer.js";

/** A tagged field this codec does not know, kept verbatim so it survives a decode/encode cycle. */
export interface TaggedField {
  tag: number;
  data: Buffer;
}

export interface VersionRange {
  readonly min: number;
  readonly max: number;
}

/**
 * One encoder and one decoder per message; both branch on `version`. Decoding returns a complete
 * object (fields the version lacks hold their defaults). Encoding a non-default value in a field the
 * version lacks throws UNSUPPORTED_VERSION unless the spec marks the field ignorable.
 */
export interface MessageCodec<T> {
  readonly name: string;
  /** Kafka API key, or -1 for headers and data/record schemas. */
  readonly apiKey: number;
  readonly validVersions: VersionRange;
  /** First flexible version (compact encodings, tagged fields); Infinity when none is. */
  readonly flexibleMin: number;
  encode(w: Writer, msg: T, version: number): void;
  decode(r: Reader, version: number): T;
  defaults(): T;
}

export function checkVersion(name: string, version: number, min: number, max: number): void {
  if (!(version >= min && version <= max)) {
    throw new ProtocolError("UNSUPPORTED_VERSION", `${name} has no version ${version} (valid ${min}-${max})`);
  }
}

export function fieldNotInVersion(field: string, version: number): ProtocolError {
  return new ProtocolError("UNSUPPORTED_VERSION", `${field} has a non-default value but version ${version} lacks it`);
}

export function taggedFieldsNotInVersion(struct: string, version: number): ProtocolError {
  return new ProtocolError("UNSUPPORTED_VERSION", `${struct} has tagged fields but version ${version} is not flexible`);
}

export function nullNotAllowed(field: string, version: number): ProtocolError {
  return new ProtocolError("MALFORMED", `${field} is null but not nullable in version ${version}`);
}

export function nullStructOnWire(field: string): ProtocolError {
  return new ProtocolError("MALFORMED", `non-nullable ${field} was encoded as null`);
}

/** Writes the unknown tagged fields from index `from` whose tag is below `below`; returns the next index. */
export function writeUnknownTaggedFields(
  w: Writer,
  fields: readonly TaggedField[] | undefined,
  from: number,
  below: number,
): number {
  if (fields === undefined) return from;
  let i = from;
  for (; i < fields.length && fields[i].tag < below; i++) {
    const f = fields[i];
    w.writeUnsignedVarint(f.tag);
    w.writeUnsignedVarint(f.data.length);
    w.writeRaw(f.data);
  }
  return i;
}

/** Reads the raw payload of a tagged field the codec does not know. */
export function readUnknownTaggedField(r: Reader, tag: number, size: number): TaggedField {
  return { tag, data: r.readRaw(size) };
}

/** Shared empty value for bytes fields (zero length, so sharing it is safe). */
export const EMPTY_BYTES: Buffer = Buffer.alloc(0);

export type { RecordsData } from "./writer.js";
