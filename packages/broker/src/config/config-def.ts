/** Kafka's ConfigDef types; the numbers are DescribeConfigs' `config_type` codes. */
export const ConfigType = {
  BOOLEAN: 1,
  STRING: 2,
  INT: 3,
  SHORT: 4,
  LONG: 5,
  DOUBLE: 6,
  LIST: 7,
  CLASS: 8,
  PASSWORD: 9,
} as const;
export type ConfigTypeName = keyof typeof ConfigType;

export interface ConfigDef {
  readonly name: string;
  readonly type: ConfigTypeName;
  /** Canonical string form; null when the config has no default. */
  readonly default: string | null;
  readonly doc: string;
  readonly min?: number;
  readonly max?: number;
  /** Allowed values (every element for LIST). */
  readonly oneOf?: readonly string[];
  readonly sensitive?: boolean;
  /** A check beyond the type's, as Kafka's per-config validators; returns why a value is refused. */
  readonly validate?: (value: string) => string | undefined;
}

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

function invalid(def: ConfigDef, raw: string, why: string): string {
  return `Invalid value ${raw} for configuration ${def.name}: ${why}`;
}

function rangeError(def: ConfigDef, n: number): string | undefined {
  if (def.min !== undefined && n < def.min) return `Value must be at least ${def.min}`;
  if (def.max !== undefined && n > def.max) return `Value must be no more than ${def.max}`;
  return undefined;
}

/**
 * Parses a raw value as Kafka's ConfigDef would. Returns the canonical string or an error message in
 * Kafka's words ("Invalid value X for configuration Y: ...").
 */
export function normalizeValue(def: ConfigDef, raw: string): { value: string } | { error: string } {
  const v = raw.trim();
  switch (def.type) {
    case "BOOLEAN": {
      const lower = v.toLowerCase();
      if (lower !== "true" && lower !== "false")
        return { error: invalid(def, raw, "Expected value to be either true or false") };
      return { value: lower };
    }
    case "INT":
    case "SHORT": {
      if (!/^[-+]?\d+$/.test(v)) return { error: invalid(def, raw, `Not a number of type ${def.type}`) };
      const n = Number(v);
      const [lo, hi] = def.type === "INT" ? [INT_MIN, INT_MAX] : [-32768, 32767];
      if (n < lo || n > hi) return { error: invalid(def, raw, `Not a number of type ${def.type}`) };
      const r = rangeError(def, n);
      return r === undefined ? { value: String(n) } : { error: invalid(def, raw, r) };
    }
    case "LONG": {
      if (!/^[-+]?\d+$/.test(v)) return { error: invalid(def, raw, "Not a number of type LONG") };
      const b = BigInt(v);
      if (b < LONG_MIN || b > LONG_MAX) return { error: invalid(def, raw, "Not a number of type LONG") };
      const r = rangeError(def, Number(b));
      return r === undefined ? { value: b.toString() } : { error: invalid(def, raw, r) };
    }
    case "DOUBLE": {
      const n = Number(v);
      if (v === "" || !Number.isFinite(n)) return { error: invalid(def, raw, "Not a number of type DOUBLE") };
      const r = rangeError(def, n);
      return r === undefined ? { value: String(n) } : { error: invalid(def, raw, r) };
    }
    case "LIST": {
      const items = v === "" ? [] : v.split(",").map((s) => s.trim());
      if (def.oneOf !== undefined) {
        for (const item of items) {
          if (!def.oneOf.includes(item))
            return { error: invalid(def, raw, `String must be one of: ${def.oneOf.join(", ")}`) };
        }
      }
      return { value: items.join(",") };
    }
    case "STRING":
    case "CLASS":
    case "PASSWORD": {
      if (def.oneOf !== undefined && !def.oneOf.includes(v)) {
        return { error: invalid(def, raw, `String must be one of: ${def.oneOf.join(", ")}`) };
      }
      const why = def.validate?.(v);
      return why === undefined ? { value: v } : { error: invalid(def, raw, why) };
    }
  }
}

/** A LONG config as a JS number; Long.MAX_VALUE and other values beyond 2^53 become MAX_SAFE_INTEGER ("never"). */
export function longValue(s: string): number {
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : n > 0 ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
}
