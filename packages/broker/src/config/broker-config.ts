import { BROKER_CONFIG_DEFS } from "./broker-defs.js";
import { type ConfigDef, longValue, normalizeValue } from "./config-def.js";
import { ConfigError } from "./config-error.js";
import { type Listener, parseListeners } from "./listeners.js";

export const BROKER_CONFIG_BY_NAME: ReadonlyMap<string, ConfigDef> = new Map(
  BROKER_CONFIG_DEFS.map((d) => [d.name, d]),
);

/** `listener.name.<listener>.<config>`: a per-listener override of a (SASL/SSL) config. */
const LISTENER_OVERRIDE = /^listener\.name\.([A-Za-z0-9_]+)\.(.+)$/;

/** Where a broker config's value comes from (DescribeConfigs' config_source names), most specific first. */
export type BrokerConfigSource =
  | "DYNAMIC_BROKER_CONFIG"
  | "DYNAMIC_DEFAULT_BROKER_CONFIG"
  | "STATIC_BROKER_CONFIG"
  | "DEFAULT_CONFIG";

/** The layers that set values explicitly, in Kafka's order of precedence. */
export type BrokerConfigLayer = Exclude<BrokerConfigSource, "DEFAULT_CONFIG">;
export const BROKER_CONFIG_LAYERS: readonly BrokerConfigLayer[] = [
  "DYNAMIC_BROKER_CONFIG",
  "DYNAMIC_DEFAULT_BROKER_CONFIG",
  "STATIC_BROKER_CONFIG",
];

const NO_VALUES: ReadonlyMap<string, string> = new Map();

export interface BrokerConfigEntry {
  readonly def: ConfigDef;
  readonly value: string | null;
  readonly source: BrokerConfigSource;
}

/**
 * The validated broker configuration: Kafka's names, values in canonical string form and typed
 * getters. The static part is built once at start-up (a bad value is a ConfigError); the dynamic layers
 * (cluster default, then this broker's own) come from cluster metadata and replace it per key, so
 * whoever reads a config per use sees updates.
 */
export class BrokerConfig {
  readonly #set: ReadonlyMap<string, string>;
  /** `listener.name.<listener>.<config>` overrides, by their full key (listener name lower case). */
  readonly #listenerOverrides: ReadonlyMap<string, string>;
  #dynamicDefault: ReadonlyMap<string, string> = NO_VALUES;
  #dynamicBroker: ReadonlyMap<string, string> = NO_VALUES;
  #dynamicGeneration = 0;
  /** Keys that are not broker configs we know (kept for the warning, ignored otherwise). */
  readonly unknownKeys: readonly string[];
  readonly nodeId: number;
  readonly dataDir: string;
  readonly listeners: readonly Listener[];
  /** Listeners published to clients; same names as `listeners`. Port 0 means "the bound port". */
  readonly advertisedListeners: readonly Listener[];

  private constructor(set: Map<string, string>, unknownKeys: string[], listenerOverrides: Map<string, string>) {
    this.#set = set;
    this.#listenerOverrides = listenerOverrides;
    this.unknownKeys = unknownKeys;
    this.nodeId = this.#resolveNodeId();
    this.dataDir = this.get("log.dirs") ?? this.get("log.dir") ?? "./samsa-data";
    if (this.dataDir.includes(","))
      throw new ConfigError(`log.dirs: samsa supports one data directory, got '${this.dataDir}'`);
    const protocolMap = this.#securityProtocolMap();
    this.listeners = parseListeners(this.get("listeners") ?? "", protocolMap, "listeners");
    const advertised = this.get("advertised.listeners");
    this.advertisedListeners =
      advertised === null ? this.listeners : parseListeners(advertised, protocolMap, "advertised.listeners");
    for (const a of this.advertisedListeners) {
      if (!this.listeners.some((l) => l.name === a.name)) {
        throw new ConfigError(`advertised.listeners: listener ${a.name} is not one of listeners`);
      }
    }
  }

  /** Validates raw key/values (file first, overrides later win). Unknown keys are kept aside, not fatal. */
  static from(values: Iterable<[string, string]>): BrokerConfig {
    const set = new Map<string, string>();
    const unknown: string[] = [];
    const listenerOverrides = new Map<string, string>();
    for (const [key, raw] of values) {
      const override = LISTENER_OVERRIDE.exec(key);
      if (override !== null) {
        const def =
          BROKER_CONFIG_BY_NAME.get(override[2]) ?? BROKER_CONFIG_BY_NAME.get(override[2].replace(/^[^.]+\./, ""));
        const r = def === undefined ? { value: raw.trim() } : normalizeValue({ ...def, name: key }, raw);
        if ("error" in r) throw new ConfigError(r.error);
        listenerOverrides.set(`listener.name.${override[1].toLowerCase()}.${override[2]}`, r.value);
        continue;
      }
      const def = BROKER_CONFIG_BY_NAME.get(key);
      if (def === undefined) {
        unknown.push(key);
        continue;
      }
      const r = normalizeValue(def, raw);
      if ("error" in r) throw new ConfigError(r.error);
      set.set(key, r.value);
    }
    return new BrokerConfig(set, unknown, listenerOverrides);
  }

  #resolveNodeId(): number {
    const nodeId = this.#set.has("node.id") ? this.int("node.id") : undefined;
    const brokerId = this.int("broker.id");
    if (nodeId !== undefined && brokerId !== -1 && brokerId !== nodeId) {
      throw new ConfigError(`broker.id (${brokerId}) and node.id (${nodeId}) must match`);
    }
    if (nodeId !== undefined) return nodeId;
    if (brokerId < -1)
      throw new ConfigError(`Invalid value ${brokerId} for configuration broker.id: Value must be at least 0`);
    return brokerId === -1 ? this.int("node.id") : brokerId;
  }

  #securityProtocolMap(): Map<string, string> {
    const out = new Map<string, string>();
    for (const pair of (this.get("listener.security.protocol.map") ?? "").split(",")) {
      if (pair.trim() === "") continue;
      const [name, protocol, ...rest] = pair.split(":").map((s) => s.trim());
      if (protocol === undefined || rest.length > 0 || name === "") {
        throw new ConfigError(`listener.security.protocol.map: malformed entry '${pair}'`);
      }
      out.set(name.toUpperCase(), protocol.toUpperCase());
    }
    return out;
  }

  /**
   * Replaces the dynamic layers (values validated and canonical). Keys without a definition here are
   * kept for DescribeConfigs only. Returns whether anything changed.
   */
  setDynamic(clusterDefault: Readonly<Record<string, string>>, perBroker: Readonly<Record<string, string>>): boolean {
    const next = [new Map(Object.entries(clusterDefault)), new Map(Object.entries(perBroker))] as const;
    const same = (a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean =>
      a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);
    if (same(next[0], this.#dynamicDefault) && same(next[1], this.#dynamicBroker)) return false;
    this.#dynamicDefault = next[0];
    this.#dynamicBroker = next[1];
    this.#dynamicGeneration++;
    return true;
  }

  /** Bumped on every change of the dynamic layers: caches of derived values compare it. */
  get dynamicGeneration(): number {
    return this.#dynamicGeneration;
  }

  /** The value one layer sets explicitly, or undefined. */
  layerValue(layer: BrokerConfigLayer, name: string): string | undefined {
    switch (layer) {
      case "DYNAMIC_BROKER_CONFIG":
        return this.#dynamicBroker.get(name);
      case "DYNAMIC_DEFAULT_BROKER_CONFIG":
        return this.#dynamicDefault.get(name);
      case "STATIC_BROKER_CONFIG":
        return this.#set.get(name);
    }
  }

  /** The most specific layer that sets `name`, or undefined when only the default applies. */
  sourceOf(name: string): BrokerConfigLayer | undefined {
    return BROKER_CONFIG_LAYERS.find((l) => this.layerValue(l, name) !== undefined);
  }

  /** The cluster-wide dynamic defaults (DescribeConfigs of the "" broker resource). */
  dynamicDefaults(): ReadonlyMap<string, string> {
    return this.#dynamicDefault;
  }

  /** The value (explicit or default) in canonical form, or null. */
  get(name: string): string | null {
    const v = this.#dynamicBroker.get(name) ?? this.#dynamicDefault.get(name) ?? this.#set.get(name);
    if (v !== undefined) return v;
    const def = BROKER_CONFIG_BY_NAME.get(name);
    if (def === undefined) throw new ConfigError(`unknown broker config ${name}`);
    return def.default;
  }

  /**
   * A config as one listener sees it: `listener.name.<listener>.<name>` when set, else `name`'s value
   * (for names that are broker configs) or null.
   */
  listenerValue(listenerName: string, name: string): string | null {
    const v = this.#listenerOverrides.get(`listener.name.${listenerName.toLowerCase()}.${name}`);
    if (v !== undefined) return v;
    return BROKER_CONFIG_BY_NAME.has(name) ? this.get(name) : null;
  }

  /** Whether any layer (static or dynamic) sets the config explicitly. */
  isSet(name: string): boolean {
    return this.sourceOf(name) !== undefined;
  }

  #required(name: string): string {
    const v = this.get(name);
    if (v === null) throw new ConfigError(`${name} has no value`);
    return v;
  }

  int(name: string): number {
    return Number(this.#required(name));
  }

  /** LONG as a number; Long.MAX_VALUE reads as Number.MAX_SAFE_INTEGER. */
  long(name: string): number {
    return longValue(this.#required(name));
  }

  double(name: string): number {
    return Number(this.#required(name));
  }

  bool(name: string): boolean {
    return this.#required(name) === "true";
  }

  list(name: string): string[] {
    const v = this.get(name);
    return v === null || v === "" ? [] : v.split(",");
  }

  entries(): BrokerConfigEntry[] {
    return BROKER_CONFIG_DEFS.map((def) => {
      const source = this.sourceOf(def.name);
      return source === undefined
        ? { def, value: def.default, source: "DEFAULT_CONFIG" }
        : { def, value: this.layerValue(source, def.name) ?? null, source };
    });
  }
}
