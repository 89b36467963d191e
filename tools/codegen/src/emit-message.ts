/**
 * Emits one TypeScript module per message spec: interfaces, defaults, and one encoder and one decoder
 * per struct that branch on the version (plain code, no per-field closures).
 */
import {
  type FieldSpec,
  type FieldType,
  type MessageSpec,
  type StructSpec,
  type Versions,
  intersect,
  isEmpty,
} from "./spec.js";

export const ZERO_UUID = "AAAAAAAAAAAAAAAAAAAAAA";

/** A JS condition on `v` that holds for the versions of `r` within `ctx`: "true", "false" or an expression. */
export function versionCond(r: Versions, ctx: Versions): string {
  const i = intersect(r, ctx);
  if (isEmpty(i)) return "false";
  const parts: string[] = [];
  if (i.min > ctx.min) parts.push(`v >= ${i.min}`);
  if (i.max < ctx.max) parts.push(`v <= ${i.max}`);
  return parts.length === 0 ? "true" : parts.join(" && ");
}

function not(cond: string): string {
  if (cond === "true") return "false";
  if (cond === "false") return "true";
  return `!(${cond})`;
}

function isNullableField(f: FieldSpec): boolean {
  return !isEmpty(intersect(f.nullableVersions, f.versions));
}

function parseIntDefault(raw: string | number | boolean | undefined, field: string): string {
  if (raw === undefined) return "0";
  const s = String(raw).trim();
  const neg = s.startsWith("-");
  const n = Number(neg ? s.slice(1) : s);
  if (!Number.isFinite(n)) throw new Error(`${field}: bad default ${s}`);
  return String(neg ? -n : n);
}

function parseBigintDefault(raw: string | number | boolean | undefined, field: string): string {
  if (raw === undefined) return "0n";
  const s = String(raw).trim();
  const neg = s.startsWith("-");
  let n: bigint;
  try {
    n = BigInt(neg ? s.slice(1) : s);
  } catch {
    throw new Error(`${field}: bad default ${s}`);
  }
  return `${neg ? -n : n}n`;
}

class MessageEmitter {
  private readonly lines: string[] = [];
  private readonly runtime = new Set<string>();
  private readonly needsIsDefault = new Set<StructSpec>();
  private readonly msg: MessageSpec;

  constructor(msg: MessageSpec) {
    this.msg = msg;
  }

  private use(name: string): string {
    this.runtime.add(name);
    return name;
  }

  private useType(name: string): string {
    this.runtime.add(`type ${name}`);
    return name;
  }

  private get hasFlexible(): boolean {
    return !isEmpty(intersect(this.msg.flexibleVersions, this.msg.validVersions));
  }

  private ctxOf(s: StructSpec): Versions {
    const c = intersect(this.msg.validVersions, s.versions);
    return isEmpty(c) ? this.msg.validVersions : c;
  }

  private label(s: StructSpec, f: FieldSpec): string {
    return JSON.stringify(`${s.typeName}.${f.name}`);
  }

  /** Flexibility of a field's own encoding within `ctx`: "true", "false", "flex" or an expression. */
  private flexExpr(f: FieldSpec, ctx: Versions): string {
    const c = versionCond(f.flexibleVersions, ctx);
    if (c === "true" || c === "false") return c;
    const m = this.msg.flexibleVersions;
    const same = f.flexibleVersions.min === m.min && f.flexibleVersions.max === m.max;
    return same ? "flex" : `(${c})`;
  }

  // ---- types ----

  private tsType(t: FieldType): string {
    switch (t.kind) {
      case "struct":
        return t.struct.typeName;
      case "array": {
        const e = this.tsType(t.element);
        return e.includes(" ") ? `(${e})[]` : `${e}[]`;
      }
      case "primitive":
        switch (t.name) {
          case "bool":
            return "boolean";
          case "int64":
            return "bigint";
          case "string":
          case "uuid":
            return "string";
          case "bytes":
            return "Buffer";
          case "records":
            return this.useType("RecordsData");
          default:
            return "number";
        }
    }
  }

  private fieldType(f: FieldSpec): string {
    const base = this.tsType(f.type);
    const nullable = isNullableField(f) || (f.type.kind === "primitive" && f.type.name === "records");
    return nullable ? `${base} | null` : base;
  }

  // ---- defaults ----

  private defaultLiteral(f: FieldSpec, owner: string): string {
    const raw = f.defaultValue;
    const label = `${owner}.${f.name}`;
    const nullDefault = raw === "null" || raw === null;
    if (nullDefault && !isNullableField(f)) throw new Error(`${label}: default null on a non-nullable field`);
    const t = f.type;
    if (t.kind === "array") return nullDefault ? "null" : "[]";
    if (t.kind === "struct") return nullDefault ? "null" : `default${t.struct.typeName}()`;
    switch (t.name) {
      case "bool":
        return raw === true || raw === "true" ? "true" : "false";
      case "int8":
      case "int16":
      case "uint16":
      case "int32":
      case "uint32":
      case "float64":
        return parseIntDefault(raw, label);
      case "int64":
        return parseBigintDefault(raw, label);
      case "string":
        return nullDefault ? "null" : JSON.stringify(raw === undefined ? "" : String(raw));
      case "uuid":
        return JSON.stringify(raw === undefined ? ZERO_UUID : String(raw));
      case "bytes":
        return nullDefault ? "null" : this.use("EMPTY_BYTES");
      case "records":
        return nullDefault || isNullableField(f) ? "null" : this.use("EMPTY_BYTES");
    }
  }

  private isDefaultExpr(f: FieldSpec, x: string, owner: string): string {
    const lit = this.defaultLiteral(f, owner);
    const t = f.type;
    const nullable = isNullableField(f) || (t.kind === "primitive" && t.name === "records");
    const guard = nullable ? `${x} !== null && ` : "";
    if (lit === "null") return `${x} === null`;
    if (t.kind === "array") return `${guard}${x}.length === 0`;
    if (t.kind === "struct") {
      this.needsIsDefault.add(t.struct);
      return `${guard}isDefault${t.struct.typeName}(${x})`;
    }
    if (t.name === "bytes" || t.name === "records") return `${guard}${x}.length === 0`;
    return `${x} === ${lit}`;
  }

  // ---- decode ----

  private readPrimitive(name: string, nullCond: string, flex: string): string {
    switch (name) {
      case "bool":
        return "r.readBool()";
      case "int8":
        return "r.readInt8()";
      case "int16":
        return "r.readInt16()";
      case "uint16":
        return "r.readUInt16()";
      case "int32":
        return "r.readInt32()";
      case "uint32":
        return "r.readUInt32()";
      case "int64":
        return "r.readInt64()";
      case "float64":
        return "r.readFloat64()";
      case "uuid":
        return "r.readUuid()";
    }
    const [nullable, plain] =
      name === "string"
        ? ["readNullableString", "readString"]
        : name === "bytes"
          ? ["readNullableBytes", "readBytes"]
          : ["readRecords", "readBytes"];
    if (nullCond === "true") return `r.${nullable}(${flex})`;
    if (nullCond === "false") return `r.${plain}(${flex})`;
    return `(${nullCond} ? r.${nullable}(${flex}) : r.${plain}(${flex}))`;
  }

  /** Statements reading field `f` (within `ctx`) into `target`. */
  private readField(s: StructSpec, f: FieldSpec, ctx: Versions, target: string, ind: string, tagged = false): string[] {
    const flex = this.flexExpr(f, ctx);
    const nullCond = versionCond(f.nullableVersions, ctx);
    const t = f.type;
    if (t.kind === "primitive") return [`${ind}${target} = ${this.readPrimitive(t.name, nullCond, flex)};`];
    if (t.kind === "struct") {
      const dec = `decode${t.struct.typeName}(r, v)`;
      if (nullCond === "false") return [`${ind}${target} = ${dec};`];
      // Kafka marks a nullable struct with an int8 (-1 null, 1 present), or a uvarint (0 null) when tagged.
      const marker = tagged ? "r.readUnsignedVarint() === 0" : "r.readInt8() < 0";
      const test = nullCond === "true" ? marker : `${nullCond} && ${marker}`;
      return [`${ind}${target} = ${test} ? null : ${dec};`];
    }
    const e = t.element;
    let elem: string;
    if (e.kind === "struct") elem = `decode${e.struct.typeName}(r, v)`;
    else if (e.kind === "primitive") elem = this.readPrimitive(e.name, "false", flex);
    else throw new Error(`${s.typeName}.${f.name}: nested arrays are not supported`);
    const out = [`${ind}{`, `${ind}  const len = r.readArrayLength(${flex});`];
    if (nullCond === "true") out.push(`${ind}  if (len < 0) ${target} = null;`);
    else if (nullCond === "false") {
      out.push(`${ind}  if (len < 0) throw ${this.use("nullStructOnWire")}(${this.label(s, f)});`);
    } else {
      out.push(`${ind}  if (len < 0) {`);
      out.push(`${ind}    if (${not(nullCond)}) throw ${this.use("nullStructOnWire")}(${this.label(s, f)});`);
      out.push(`${ind}    ${target} = null;`);
      out.push(`${ind}  }`);
    }
    out.push(`${ind}  else {`);
    out.push(`${ind}    const arr: ${this.tsType(e)}[] = [];`);
    out.push(`${ind}    for (let j = 0; j < len; j++) arr.push(${elem});`);
    out.push(`${ind}    ${target} = arr;`);
    out.push(`${ind}  }`);
    out.push(`${ind}}`);
    return out;
  }

  private emitDecoder(s: StructSpec, isRoot: boolean): void {
    const ctx = this.ctxOf(s);
    const L = this.lines;
    const exp = isRoot ? "export " : "";
    L.push(`${exp}function decode${s.typeName}(r: Reader, v: number): ${s.typeName} {`);
    if (isRoot) {
      const { min, max } = this.msg.validVersions;
      L.push(`  ${this.use("checkVersion")}(${JSON.stringify(s.typeName)}, v, ${min}, ${max});`);
    }
    const flexCond = versionCond(this.msg.flexibleVersions, ctx);
    if (flexCond !== "true" && flexCond !== "false") L.push(`  const flex = ${flexCond};`);
    const tagged: FieldSpec[] = [];
    for (const f of s.fields) {
      const local = `f_${f.name}`;
      const type = this.fieldType(f);
      if (f.tag !== undefined) {
        tagged.push(f);
        L.push(`  let ${local}: ${type} = ${this.defaultLiteral(f, s.typeName)};`);
        continue;
      }
      const cond = versionCond(f.versions, ctx);
      const fctx = intersect(f.versions, ctx);
      if (cond === "false") {
        L.push(`  const ${local}: ${type} = ${this.defaultLiteral(f, s.typeName)};`);
      } else if (cond === "true") {
        if (f.type.kind === "array") {
          L.push(`  let ${local}: ${type};`);
          L.push(...this.readField(s, f, fctx, local, "  "));
        } else {
          const [stmt] = this.readField(s, f, fctx, local, "");
          L.push(`  const ${local}: ${type}${stmt.slice(local.length)}`);
        }
      } else {
        L.push(`  let ${local}: ${type} = ${this.defaultLiteral(f, s.typeName)};`);
        L.push(`  if (${cond}) {`);
        L.push(...this.readField(s, f, fctx, local, "    "));
        L.push("  }");
      }
    }
    if (flexCond !== "false") {
      const ind = flexCond === "true" ? "  " : "    ";
      L.push(`  let unknown: ${this.useType("TaggedField")}[] | undefined;`);
      if (flexCond !== "true") L.push("  if (flex) {");
      L.push(`${ind}const nTags = r.readUnsignedVarint();`);
      L.push(`${ind}for (let t = 0; t < nTags; t++) {`);
      L.push(`${ind}  const tag = r.readUnsignedVarint();`);
      L.push(`${ind}  const size = r.readUnsignedVarint();`);
      L.push(`${ind}  const end = r.pushLimit(size);`);
      let first = true;
      for (const f of [...tagged].sort((a, b) => (a.tag ?? 0) - (b.tag ?? 0))) {
        const tctx = intersect(intersect(f.taggedVersions, ctx), this.msg.flexibleVersions);
        if (isEmpty(tctx)) continue;
        const vc = versionCond(f.taggedVersions, intersect(ctx, this.msg.flexibleVersions));
        const test = vc === "true" ? `tag === ${f.tag}` : `tag === ${f.tag} && ${vc}`;
        L.push(`${ind}  ${first ? "" : "} else "}if (${test}) {`);
        L.push(...this.readField(s, f, tctx, `f_${f.name}`, `${ind}    `, true));
        first = false;
      }
      const pushUnknown = `(unknown ??= []).push(${this.use("readUnknownTaggedField")}(r, tag, size));`;
      if (first) L.push(`${ind}  ${pushUnknown}`);
      else {
        L.push(`${ind}  } else {`);
        L.push(`${ind}    ${pushUnknown}`);
        L.push(`${ind}  }`);
      }
      L.push(`${ind}  r.popLimit(end);`);
      L.push(`${ind}}`);
      if (flexCond !== "true") L.push("  }");
    }
    L.push(`  const o: ${s.typeName} = {`);
    for (const f of s.fields) L.push(`    ${f.name}: f_${f.name},`);
    L.push("  };");
    if (flexCond !== "false") L.push("  if (unknown !== undefined) o._unknownTaggedFields = unknown;");
    L.push("  return o;");
    L.push("}");
    L.push("");
  }

  // ---- encode ----

  private writePrimitive(name: string, x: string, flex: string): string {
    switch (name) {
      case "bool":
        return `w.writeBool(${x});`;
      case "int8":
        return `w.writeInt8(${x});`;
      case "int16":
        return `w.writeInt16(${x});`;
      case "uint16":
        return `w.writeUInt16(${x});`;
      case "int32":
        return `w.writeInt32(${x});`;
      case "uint32":
        return `w.writeUInt32(${x});`;
      case "int64":
        return `w.writeInt64(${x});`;
      case "float64":
        return `w.writeFloat64(${x});`;
      case "uuid":
        return `w.writeUuid(${x});`;
      case "string":
        return `w.writeString(${x}, ${flex});`;
      case "bytes":
        return `w.writeBytes(${x}, ${flex});`;
      default:
        throw new Error(`no plain writer for ${name}`);
    }
  }

  /** Statements writing field `f` (value expression `x`, within `ctx`). */
  private writeField(s: StructSpec, f: FieldSpec, ctx: Versions, x: string, ind: string, tagged = false): string[] {
    const flex = this.flexExpr(f, ctx);
    const nullCond = versionCond(f.nullableVersions, ctx);
    const t = f.type;
    const typeNullable = isNullableField(f) || (t.kind === "primitive" && t.name === "records");
    const nullCheck =
      typeNullable && nullCond !== "true"
        ? nullCond === "false"
          ? `${ind}if (${x} === null) throw ${this.use("nullNotAllowed")}(${this.label(s, f)}, v);`
          : `${ind}if (${x} === null && ${not(nullCond)}) throw ${this.use("nullNotAllowed")}(${this.label(s, f)}, v);`
        : undefined;
    const out: string[] = [];
    if (t.kind === "primitive") {
      if (t.name === "records") {
        if (nullCheck) out.push(nullCheck);
        out.push(`${ind}w.writeRecords(${x}, ${flex});`);
      } else if (t.name === "string" || t.name === "bytes") {
        if (!typeNullable) out.push(`${ind}${this.writePrimitive(t.name, x, flex)}`);
        else {
          if (nullCheck) out.push(nullCheck);
          const fn = t.name === "string" ? "writeNullableString" : "writeNullableBytes";
          out.push(`${ind}w.${fn}(${x}, ${flex});`);
        }
      } else {
        out.push(`${ind}${this.writePrimitive(t.name, x, flex)}`);
      }
      return out;
    }
    if (t.kind === "struct") {
      const enc = `encode${t.struct.typeName}(w, ${x}, v);`;
      if (!typeNullable) return [`${ind}${enc}`];
      if (nullCheck) out.push(nullCheck);
      if (nullCond === "false") {
        out.push(`${ind}${enc}`);
      } else {
        const when = nullCond === "true" ? "" : `if (${nullCond}) `;
        const [absentMark, presentMark] = tagged
          ? ["w.writeUnsignedVarint(0);", "w.writeUnsignedVarint(1);"]
          : ["w.writeInt8(-1);", "w.writeInt8(1);"];
        out.push(`${ind}if (${x} === null) ${absentMark}`);
        out.push(`${ind}else {`);
        out.push(`${ind}  ${when}${presentMark}`);
        out.push(`${ind}  ${enc}`);
        out.push(`${ind}}`);
      }
      return out;
    }
    const e = t.element;
    let elem: string;
    if (e.kind === "struct") elem = `encode${e.struct.typeName}(w, arr[j], v);`;
    else if (e.kind === "primitive") {
      if (e.name === "records") throw new Error(`${s.typeName}.${f.name}: arrays of records are not supported`);
      elem = this.writePrimitive(e.name, "arr[j]", flex);
    } else throw new Error(`${s.typeName}.${f.name}: nested arrays are not supported`);
    out.push(`${ind}{`);
    out.push(`${ind}  const arr = ${x};`);
    const inner = `${ind}  `;
    if (typeNullable) {
      if (nullCheck) out.push(inner + nullCheck.trimStart().replace(x, "arr"));
      out.push(`${inner}if (arr === null) w.writeArrayLength(-1, ${flex});`);
      out.push(`${inner}else {`);
      out.push(`${inner}  w.writeArrayLength(arr.length, ${flex});`);
      out.push(`${inner}  for (let j = 0; j < arr.length; j++) ${elem}`);
      out.push(`${inner}}`);
    } else {
      out.push(`${inner}w.writeArrayLength(arr.length, ${flex});`);
      out.push(`${inner}for (let j = 0; j < arr.length; j++) ${elem}`);
    }
    out.push(`${ind}}`);
    return out;
  }

  private emitEncoder(s: StructSpec, isRoot: boolean): void {
    const ctx = this.ctxOf(s);
    const L = this.lines;
    const exp = isRoot ? "export " : "";
    L.push(`${exp}function encode${s.typeName}(w: Writer, m: ${s.typeName}, v: number): void {`);
    if (isRoot) {
      const { min, max } = this.msg.validVersions;
      L.push(`  ${this.use("checkVersion")}(${JSON.stringify(s.typeName)}, v, ${min}, ${max});`);
    }
    const flexCond = versionCond(this.msg.flexibleVersions, ctx);
    if (flexCond !== "true" && flexCond !== "false") L.push(`  const flex = ${flexCond};`);
    const tagged: FieldSpec[] = [];
    for (const f of s.fields) {
      const x = `m.${f.name}`;
      const cond = versionCond(f.versions, ctx);
      const absent = f.ignorable ? undefined : `throw ${this.use("fieldNotInVersion")}(${this.label(s, f)}, v);`;
      if (f.tag !== undefined) {
        tagged.push(f);
        const tcond = versionCond(intersect(f.taggedVersions, this.msg.flexibleVersions), ctx);
        if (absent && tcond !== "true") {
          L.push(`  if (${not(tcond)} && !(${this.isDefaultExpr(f, x, s.typeName)})) ${absent}`);
        }
        continue;
      }
      const fctx = intersect(f.versions, ctx);
      if (cond === "true") {
        L.push(...this.writeField(s, f, fctx, x, "  "));
      } else if (cond === "false") {
        if (absent) L.push(`  if (!(${this.isDefaultExpr(f, x, s.typeName)})) ${absent}`);
      } else {
        L.push(`  if (${cond}) {`);
        L.push(...this.writeField(s, f, fctx, x, "    "));
        if (absent) {
          L.push(`  } else if (!(${this.isDefaultExpr(f, x, s.typeName)})) {`);
          L.push(`    ${absent}`);
        }
        L.push("  }");
      }
    }
    if (flexCond !== "false") {
      const ind = flexCond === "true" ? "  " : "    ";
      if (flexCond !== "true") L.push("  if (flex) {");
      const fctx = intersect(ctx, this.msg.flexibleVersions);
      const known = [...tagged]
        .sort((a, b) => (a.tag ?? 0) - (b.tag ?? 0))
        .filter((f) => !isEmpty(intersect(f.taggedVersions, fctx)));
      const writeUnknown = this.use("writeUnknownTaggedFields");
      L.push(`${ind}const u = m._unknownTaggedFields;`);
      if (known.length === 0) {
        L.push(`${ind}w.writeUnsignedVarint(u === undefined ? 0 : u.length);`);
        L.push(`${ind}if (u !== undefined) ${writeUnknown}(w, u, 0, Number.POSITIVE_INFINITY);`);
      } else {
        L.push(`${ind}let nTags = u === undefined ? 0 : u.length;`);
        for (const f of known) {
          const vc = versionCond(f.taggedVersions, fctx);
          const present = `!(${this.isDefaultExpr(f, `m.${f.name}`, s.typeName)})`;
          L.push(`${ind}const t${f.tag} = ${vc === "true" ? present : `${vc} && ${present}`};`);
          L.push(`${ind}if (t${f.tag}) nTags++;`);
        }
        L.push(`${ind}w.writeUnsignedVarint(nTags);`);
        L.push(`${ind}let ui = 0;`);
        for (const f of known) {
          L.push(`${ind}if (t${f.tag}) {`);
          L.push(`${ind}  ui = ${writeUnknown}(w, u, ui, ${f.tag});`);
          L.push(`${ind}  w.writeUnsignedVarint(${f.tag});`);
          L.push(`${ind}  const mark = w.beginSized();`);
          L.push(...this.writeField(s, f, intersect(f.taggedVersions, fctx), `m.${f.name}`, `${ind}  `, true));
          L.push(`${ind}  w.endSized(mark);`);
          L.push(`${ind}}`);
        }
        L.push(`${ind}${writeUnknown}(w, u, ui, Number.POSITIVE_INFINITY);`);
      }
      if (flexCond !== "true") {
        L.push("  } else if (m._unknownTaggedFields !== undefined && m._unknownTaggedFields.length > 0) {");
        L.push(`    throw ${this.use("taggedFieldsNotInVersion")}(${JSON.stringify(s.typeName)}, v);`);
        L.push("  }");
      }
    }
    L.push("}");
    L.push("");
  }

  // ---- interfaces and defaults ----

  private emitInterface(s: StructSpec): void {
    const L = this.lines;
    L.push(`export interface ${s.typeName} {`);
    for (const f of s.fields) {
      const notes: string[] = [];
      const vr = (r: Versions) => (r.max === Number.POSITIVE_INFINITY ? `${r.min}+` : `${r.min}-${r.max}`);
      notes.push(`versions ${vr(f.versions)}`);
      if (isNullableField(f)) notes.push(`nullable ${vr(f.nullableVersions)}`);
      if (f.tag !== undefined) notes.push(`tag ${f.tag}`);
      if (f.ignorable) notes.push("ignorable");
      const about = f.about.replace(/\*\//g, "* /").replace(/\s+/g, " ").trim();
      L.push(`  /** ${about}${about ? " " : ""}(${notes.join(", ")}) */`);
      L.push(`  ${f.name}: ${this.fieldType(f)};`);
    }
    if (this.hasFlexible) {
      L.push("  /** Tagged fields this codec does not know, kept for re-encoding. */");
      L.push(`  _unknownTaggedFields?: ${this.useType("TaggedField")}[];`);
    }
    L.push("}");
    L.push("");
  }

  private emitDefault(s: StructSpec): void {
    const L = this.lines;
    L.push(`export function default${s.typeName}(): ${s.typeName} {`);
    L.push("  return {");
    for (const f of s.fields) L.push(`    ${f.name}: ${this.defaultLiteral(f, s.typeName)},`);
    L.push("  };");
    L.push("}");
    L.push("");
  }

  private emitIsDefault(s: StructSpec): void {
    const L = this.lines;
    L.push(`function isDefault${s.typeName}(m: ${s.typeName}): boolean {`);
    const parts = s.fields.map((f) => `(${this.isDefaultExpr(f, `m.${f.name}`, s.typeName)})`);
    if (this.hasFlexible) parts.push("(m._unknownTaggedFields === undefined || m._unknownTaggedFields.length === 0)");
    L.push(`  return ${parts.length === 0 ? "true" : parts.join(" &&\n    ")};`);
    L.push("}");
    L.push("");
  }

  emit(): string {
    const msg = this.msg;
    const all = [msg.root, ...msg.structs];
    for (const s of all) this.emitInterface(s);
    for (const s of all) this.emitDefault(s);
    for (const s of all) {
      this.emitEncoder(s, s === msg.root);
      this.emitDecoder(s, s === msg.root);
    }
    // isDefault helpers are discovered while emitting (transitively), so emit them last.
    const done = new Set<StructSpec>();
    for (;;) {
      const next = [...this.needsIsDefault].find((s) => !done.has(s));
      if (next === undefined) break;
      done.add(next);
      this.emitIsDefault(next);
    }
    const { min, max } = msg.validVersions;
    const flexMin = isEmpty(msg.flexibleVersions) ? "Number.POSITIVE_INFINITY" : String(msg.flexibleVersions.min);
    this.useType("MessageCodec");
    this.lines.push(`export const ${msg.name}Codec: MessageCodec<${msg.name}> = {`);
    this.lines.push(`  name: ${JSON.stringify(msg.name)},`);
    this.lines.push(`  apiKey: ${msg.apiKey ?? -1},`);
    this.lines.push(`  validVersions: { min: ${min}, max: ${max} },`);
    this.lines.push(`  flexibleMin: ${flexMin},`);
    this.lines.push(`  encode: encode${msg.name},`);
    this.lines.push(`  decode: decode${msg.name},`);
    this.lines.push(`  defaults: default${msg.name},`);
    this.lines.push("};");

    const runtime = [...this.runtime].sort((a, b) => a.replace("type ", "").localeCompare(b.replace("type ", "")));
    const header = [
      `// Generated by tools/codegen from ${msg.dir}/${msg.fileName}. Do not edit.`,
      'import type { Reader } from "../../primitives/reader.js";',
      'import type { Writer } from "../../primitives/writer.js";',
      `import { ${runtime.join(", ")} } from "../../primitives/codec.js";`,
      "",
    ];
    return `${[...header, ...this.lines].join("\n")}\n`;
  }
}

export function emitMessage(msg: MessageSpec): string {
  return new MessageEmitter(msg).emit();
}
