/**
 * fast-check arbitraries for any generated message at any version, built by walking the parsed spec
 * (nullability, presence and tagging per version, int ranges, UUIDs, unknown tagged fields). Fields a
 * version lacks hold the codec's defaults, so a decode of the encoding must give the value back.
 */
import * as protocol from "@samsa/protocol";
import type { MessageCodec } from "@samsa/protocol";
import fc from "fast-check";
import { contains, type FieldSpec, type FieldType, type MessageSpec, type StructSpec } from "./spec.js";

const lib = protocol as unknown as Record<string, unknown>;

export type Message = Record<string, unknown>;

export function codecFor(m: MessageSpec): MessageCodec<Message> {
  const codec = lib[`${m.name}Codec`];
  if (codec === undefined) throw new Error(`no generated codec for ${m.name}`);
  return codec as MessageCodec<Message>;
}

function structDefaults(s: StructSpec): Message {
  const make = lib[`default${s.typeName}`];
  if (typeof make !== "function") throw new Error(`no generated default for ${s.typeName}`);
  return make() as Message;
}

const bytesArb = fc.uint8Array({ maxLength: 24 }).map((a) => Buffer.from(a));
const uuidArb = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((a) => Buffer.from(a).toString("base64url"));
const stringArb = fc.oneof(fc.string({ maxLength: 16 }), fc.string({ unit: "grapheme", maxLength: 6 }));

function primitiveArb(name: string): fc.Arbitrary<unknown> {
  switch (name) {
    case "bool":
      return fc.boolean();
    case "int8":
      return fc.integer({ min: -128, max: 127 });
    case "int16":
      return fc.integer({ min: -32768, max: 32767 });
    case "uint16":
      return fc.integer({ min: 0, max: 65535 });
    case "int32":
      return fc.integer({ min: -2147483648, max: 2147483647 });
    case "uint32":
      return fc.integer({ min: 0, max: 4294967295 });
    case "int64":
      return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
    case "float64":
      return fc.double();
    case "string":
      return stringArb;
    case "bytes":
    case "records":
      return bytesArb;
    case "uuid":
      return uuidArb;
    default:
      throw new Error(`no arbitrary for ${name}`);
  }
}

function typeArb(t: FieldType, version: number, flexible: boolean, depth: number): fc.Arbitrary<unknown> {
  switch (t.kind) {
    case "primitive":
      return primitiveArb(t.name);
    case "struct":
      return structArb(t.struct, version, flexible, depth + 1);
    case "array":
      return fc.array(typeArb(t.element, version, flexible, depth), { maxLength: depth > 2 ? 1 : 3 });
  }
}

function isPresent(f: FieldSpec, version: number, flexible: boolean): boolean {
  if (!contains(f.versions, version)) return false;
  return f.tag === undefined || (flexible && contains(f.taggedVersions, version));
}

function structArb(s: StructSpec, version: number, flexible: boolean, depth: number): fc.Arbitrary<Message> {
  const defaults = structDefaults(s);
  const parts: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of s.fields) {
    if (!isPresent(f, version, flexible)) {
      parts[f.name] = fc.constant(defaults[f.name]);
      continue;
    }
    const base = typeArb(f.type, version, flexible, depth);
    parts[f.name] = contains(f.nullableVersions, version) ? fc.option(base, { nil: null, freq: 4 }) : base;
  }
  const record = fc.record(parts, { noNullPrototype: true }) as fc.Arbitrary<Message>;
  if (!flexible) return record;
  const known = new Set(s.fields.flatMap((f) => (f.tag === undefined ? [] : [f.tag])));
  const unknownTags = fc
    .uniqueArray(
      fc.integer({ min: 0, max: 40 }).filter((t) => !known.has(t)),
      { maxLength: 2 },
    )
    .chain((tags) =>
      fc.tuple(...[...tags].sort((a, b) => a - b).map((tag) => bytesArb.map((data) => ({ tag, data })))),
    );
  return fc
    .tuple(record, fc.option(unknownTags, { nil: undefined, freq: 3 }))
    .map(([o, u]) => (u === undefined || u.length === 0 ? o : { ...o, _unknownTaggedFields: u }));
}

/** Values of `m` that the given version can carry. */
export function messageArbitrary(m: MessageSpec, version: number): fc.Arbitrary<Message> {
  return structArb(m.root, version, contains(m.flexibleVersions, version), 0);
}

/** Every (message, version) pair the specs define. */
export function messageVersions(specs: readonly MessageSpec[]): { message: MessageSpec; version: number }[] {
  const out: { message: MessageSpec; version: number }[] = [];
  for (const message of specs) {
    for (let version = message.validVersions.min; version <= message.validVersions.max; version++) {
      out.push({ message, version });
    }
  }
  return out;
}
