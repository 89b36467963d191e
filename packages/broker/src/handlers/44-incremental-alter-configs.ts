import { type MetadataError, MetadataErrorCode, metadataError } from "@samsa/metadata";
import { alterResource } from "../admin/alter-configs.js";
import { alterBrokerLogger } from "../admin/broker-logger.js";
import { ResourceType } from "../admin/config-source.js";
import type { ConfigDef } from "../config/config-def.js";
import { DYNAMIC_CONFIG_DEFS } from "../config/dynamic-broker-config.js";
import { TOPIC_CONFIG_BY_NAME } from "../config/topic-defs.js";
import { defineHandler } from "./handler.js";

/** IncrementalAlterConfigs operations (Kafka's AlterConfigOp.OpType ids). */
const Op = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;

interface ConfigOp {
  readonly name: string;
  readonly configOperation: number;
  readonly value: string | null;
}

function invalid(errorCode: MetadataErrorCode, errorMessage: string): { ok: false; error: MetadataError } {
  return { ok: false, error: metadataError(errorCode, errorMessage) };
}

/** Where the operations look configs up: topic configs (unknown names refused) or dynamic broker configs. */
export interface ConfigCatalog {
  readonly defs: ReadonlyMap<string, ConfigDef>;
  /** Kafka's message for a name it doesn't know; undefined leaves unknown names to the resource's validation. */
  readonly unknownMessage?: (name: string) => string;
}

export const TOPIC_CATALOG: ConfigCatalog = {
  defs: TOPIC_CONFIG_BY_NAME,
  unknownMessage: (name) => `Unknown topic config name: ${name}`,
};

/** Broker resources: names outside the dynamic set get DynamicBrokerConfig's "Cannot update" message later. */
export const BROKER_CATALOG: ConfigCatalog = { defs: DYNAMIC_CONFIG_DEFS };

/** Applies SET/DELETE/APPEND/SUBTRACT to a resource's overrides; list ops only for LIST configs. */
export function applyOps(
  current: Readonly<Record<string, string>>,
  ops: readonly ConfigOp[],
  catalog: ConfigCatalog = TOPIC_CATALOG,
): { ok: true; configs: Record<string, string> } | { ok: false; error: MetadataError } {
  const next: Record<string, string> = { ...current };
  for (const op of ops) {
    const def = catalog.defs.get(op.name);
    if (def === undefined && catalog.unknownMessage !== undefined)
      return invalid(MetadataErrorCode.INVALID_CONFIG, catalog.unknownMessage(op.name));
    switch (op.configOperation) {
      case Op.SET:
        if (op.value === null)
          return invalid(MetadataErrorCode.INVALID_REQUEST, `Null value not supported for : ${op.name}`);
        next[op.name] = op.value;
        break;
      case Op.DELETE:
        delete next[op.name];
        break;
      case Op.APPEND:
      case Op.SUBTRACT: {
        if (def?.type !== "LIST") {
          const verb = op.configOperation === Op.APPEND ? "append" : "subtract";
          return invalid(
            MetadataErrorCode.INVALID_CONFIG,
            `Config value ${verb} is not allowed for config key: ${op.name}`,
          );
        }
        if (op.value === null)
          return invalid(MetadataErrorCode.INVALID_REQUEST, `Null value not supported for : ${op.name}`);
        const base = (next[op.name] ?? def.default ?? "")
          .split(",")
          .map((s) => s.trim())
          .filter((s) => s !== "");
        const items = op.value
          .split(",")
          .map((s) => s.trim())
          .filter((s) => s !== "");
        const merged =
          op.configOperation === Op.APPEND
            ? [...base, ...items.filter((i) => !base.includes(i))]
            : base.filter((b) => !items.includes(b));
        next[op.name] = merged.join(",");
        break;
      }
      default:
        return invalid(
          MetadataErrorCode.INVALID_REQUEST,
          `Unknown config operation ${op.configOperation} for ${op.name}`,
        );
    }
  }
  return { ok: true, configs: next };
}

/** IncrementalAlterConfigs: per-key operations on topic overrides or a broker resource's dynamic configs. */
export const incrementalAlterConfigsHandler = defineHandler({
  apiKey: 44,
  minVersion: 0,
  maxVersion: 1,
  async handle(ctx, request) {
    const responses = [];
    for (const r of request.resources) {
      const names = r.configs.map((c) => c.name);
      const duplicate = names.find((n, i) => names.indexOf(n) !== i);
      const outcome =
        duplicate !== undefined
          ? invalid(MetadataErrorCode.INVALID_REQUEST, `Error due to duplicate config keys: ${duplicate}`).error
          : r.resourceType === ResourceType.BROKER_LOGGER
            ? alterBrokerLogger(ctx, r.resourceName, r.configs, request.validateOnly)
            : await alterResource(
                ctx,
                r.resourceType,
                r.resourceName,
                (current) =>
                  applyOps(current, r.configs, r.resourceType === ResourceType.BROKER ? BROKER_CATALOG : TOPIC_CATALOG),
                request.validateOnly,
              );
      responses.push({ ...outcome, resourceType: r.resourceType, resourceName: r.resourceName });
    }
    return { throttleTimeMs: 0, responses };
  },
});
