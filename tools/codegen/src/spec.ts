/**
 * Kafka's JSON message specs, parsed into a model the emitter and the tests walk.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** Inclusive version range; `max` is Infinity for "N+"; empty when min > max ("none"). */
export interface Versions {
  readonly min: number;
  readonly max: number;
}

export const NO_VERSIONS: Versions = { min: 1, max: 0 };

export type PrimitiveType =
  | "bool"
  | "int8"
  | "int16"
  | "uint16"
  | "int32"
  | "uint32"
  | "int64"
  | "float64"
  | "string"
  | "bytes"
  | "records"
  | "uuid";

export type FieldType =
  | { readonly kind: "primitive"; readonly name: PrimitiveType }
  | { readonly kind: "struct"; readonly struct: StructSpec }
  | { readonly kind: "array"; readonly element: FieldType };

export interface FieldSpec {
  /** Name as written in the spec (e.g. "ThrottleTimeMs"). */
  readonly specName: string;
  /** camelCase property name (e.g. "throttleTimeMs"). */
  readonly name: string;
  readonly type: FieldType;
  readonly versions: Versions;
  readonly nullableVersions: Versions;
  /** Versions in which the field is a tagged field (empty when it has no tag). */
  readonly taggedVersions: Versions;
  readonly tag: number | undefined;
  /** Versions whose compact encodings apply to this field; normally the message's. */
  readonly flexibleVersions: Versions;
  readonly ignorable: boolean;
  /** The spec's `default`, raw (undefined when absent). */
  readonly defaultValue: string | number | boolean | undefined;
  readonly about: string;
}

export interface StructSpec {
  /** TypeScript type name: `<MessageName><StructName>`, or the message name itself for the root. */
  readonly typeName: string;
  readonly specName: string;
  readonly versions: Versions;
  readonly fields: FieldSpec[];
}

export type MessageKind = "request" | "response" | "header" | "data";

export interface MessageSpec {
  readonly name: string;
  readonly kind: MessageKind;
  /** Spec subdirectory the file came from (e.g. "clients"). */
  readonly dir: string;
  readonly fileName: string;
  readonly apiKey: number | undefined;
  readonly validVersions: Versions;
  readonly flexibleVersions: Versions;
  readonly latestVersionUnstable: boolean;
  readonly listeners: readonly string[];
  readonly root: StructSpec;
  /** Every struct (root excluded) in definition order, common structs first. */
  readonly structs: StructSpec[];
}

export const SPEC_DIRS = ["clients", "group-coordinator", "transaction-coordinator"] as const;

export function parseVersions(text: string | undefined, fallback: Versions = NO_VERSIONS): Versions {
  if (text === undefined) return fallback;
  const t = text.trim();
  if (t === "none") return NO_VERSIONS;
  if (t.endsWith("+")) return { min: parseVersionNumber(t.slice(0, -1), text), max: Number.POSITIVE_INFINITY };
  const dash = t.indexOf("-");
  if (dash >= 0) {
    return { min: parseVersionNumber(t.slice(0, dash), text), max: parseVersionNumber(t.slice(dash + 1), text) };
  }
  const v = parseVersionNumber(t, text);
  return { min: v, max: v };
}

function parseVersionNumber(s: string, whole: string): number {
  if (!/^\d+$/.test(s)) throw new Error(`bad version range ${JSON.stringify(whole)}`);
  return Number(s);
}

export function isEmpty(v: Versions): boolean {
  return v.min > v.max;
}

export function intersect(a: Versions, b: Versions): Versions {
  const r = { min: Math.max(a.min, b.min), max: Math.min(a.max, b.max) };
  return isEmpty(r) ? NO_VERSIONS : r;
}

export function contains(v: Versions, version: number): boolean {
  return version >= v.min && version <= v.max;
}

/** Drops `//` comment lines (Kafka's specs carry the license and notes that way). */
export function stripComments(text: string): string {
  return text
    .split("\n")
    .map((line) => (/^\s*\/\//.test(line) ? "" : line))
    .join("\n");
}

export function camelCase(specName: string): string {
  return specName.charAt(0).toLowerCase() + specName.slice(1);
}

interface RawField {
  name: string;
  type: string;
  versions?: string;
  nullableVersions?: string;
  taggedVersions?: string;
  tag?: number | string;
  flexibleVersions?: string;
  ignorable?: boolean;
  default?: string | number | boolean;
  about?: string;
  fields?: RawField[];
}

interface RawStruct {
  name: string;
  versions?: string;
  fields: RawField[];
}

interface RawMessage {
  name: string;
  type: MessageKind;
  apiKey?: number;
  validVersions: string;
  flexibleVersions?: string;
  latestVersionUnstable?: boolean;
  listeners?: string[];
  fields: RawField[];
  commonStructs?: RawStruct[];
}

const PRIMITIVES = new Set<string>([
  "bool",
  "int8",
  "int16",
  "uint16",
  "int32",
  "uint32",
  "int64",
  "float64",
  "string",
  "bytes",
  "records",
  "uuid",
]);

export function parseMessage(raw: RawMessage, dir: string, fileName: string): MessageSpec {
  const validVersions = parseVersions(raw.validVersions);
  const flexibleVersions = parseVersions(raw.flexibleVersions ?? "none");
  if (flexibleVersions.max !== Number.POSITIVE_INFINITY && !isEmpty(flexibleVersions)) {
    throw new Error(`${raw.name}: flexibleVersions must be "N+" or "none"`);
  }
  const structs: StructSpec[] = [];
  const byName = new Map<string, StructSpec>();

  const makeStruct = (specName: string, versions: Versions, typeName: string): StructSpec => ({
    typeName,
    specName,
    versions,
    fields: [],
  });

  // Common structs may be referenced before their definition, so register them all first.
  const common = (raw.commonStructs ?? []).map((c) => {
    const s = makeStruct(c.name, parseVersions(c.versions ?? "0+"), raw.name + c.name);
    if (byName.has(c.name)) throw new Error(`${raw.name}: struct ${c.name} defined twice`);
    byName.set(c.name, s);
    structs.push(s);
    return { s, raw: c };
  });

  const parseFields = (rawFields: RawField[], owner: string): FieldSpec[] => rawFields.map((f) => parseField(f, owner));

  const parseType = (f: RawField, typeText: string, owner: string): FieldType => {
    if (typeText.startsWith("[]")) {
      return { kind: "array", element: parseType(f, typeText.slice(2), owner) };
    }
    if (PRIMITIVES.has(typeText)) {
      if (f.fields !== undefined) throw new Error(`${owner}.${f.name}: primitive with fields`);
      return { kind: "primitive", name: typeText as PrimitiveType };
    }
    if (f.fields !== undefined) {
      if (byName.has(typeText)) throw new Error(`${raw.name}: struct ${typeText} defined twice`);
      const s = makeStruct(typeText, parseVersions(f.versions ?? f.taggedVersions), raw.name + typeText);
      byName.set(typeText, s);
      structs.push(s);
      s.fields.push(...parseFields(f.fields, s.typeName));
      return { kind: "struct", struct: s };
    }
    const known = byName.get(typeText);
    if (known === undefined) throw new Error(`${owner}.${f.name}: unknown type ${typeText}`);
    return { kind: "struct", struct: known };
  };

  const parseField = (f: RawField, owner: string): FieldSpec => {
    const taggedVersions = parseVersions(f.taggedVersions);
    const versions = parseVersions(f.versions ?? f.taggedVersions);
    if (f.tag !== undefined && (versions.min !== taggedVersions.min || versions.max !== taggedVersions.max)) {
      throw new Error(`${owner}.${f.name}: tagged fields must have versions equal to taggedVersions`);
    }
    if ((f.tag === undefined) !== (f.taggedVersions === undefined)) {
      throw new Error(`${owner}.${f.name}: tag and taggedVersions go together`);
    }
    return {
      specName: f.name,
      name: camelCase(f.name),
      type: parseType(f, f.type, owner),
      versions,
      nullableVersions: parseVersions(f.nullableVersions),
      taggedVersions,
      tag: f.tag === undefined ? undefined : parseTag(f.tag, `${owner}.${f.name}`),
      flexibleVersions: f.flexibleVersions === undefined ? flexibleVersions : parseVersions(f.flexibleVersions),
      ignorable: f.ignorable === true,
      defaultValue: f.default,
      about: f.about ?? "",
    };
  };

  const root = makeStruct(raw.name, validVersions, raw.name);
  root.fields.push(...parseFields(raw.fields, raw.name));
  for (const { s, raw: c } of common) s.fields.push(...parseFields(c.fields, s.typeName));

  return {
    name: raw.name,
    kind: raw.type,
    dir,
    fileName,
    apiKey: raw.apiKey,
    validVersions,
    flexibleVersions,
    latestVersionUnstable: raw.latestVersionUnstable === true,
    listeners: raw.listeners ?? [],
    root,
    structs,
  };
}

function parseTag(tag: number | string, label: string): number {
  const n = typeof tag === "number" ? tag : Number(tag);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${label}: bad tag ${JSON.stringify(tag)}`);
  return n;
}

export function loadSpecFile(path: string, dir: string, fileName: string): MessageSpec {
  const raw = JSON.parse(stripComments(readFileSync(path, "utf8"))) as RawMessage;
  return parseMessage(raw, dir, fileName);
}

/** Every message in the spec directories the codec covers, sorted by directory then name. */
export function loadSpecs(specDir: string): MessageSpec[] {
  const out: MessageSpec[] = [];
  for (const dir of SPEC_DIRS) {
    const files = readdirSync(join(specDir, dir))
      .filter((f) => f.endsWith(".json"))
      .sort();
    for (const f of files) out.push(loadSpecFile(join(specDir, dir, f), dir, f));
  }
  return out;
}
