import { MetadataErrorCode, metadataError } from "@samsa/metadata";
import { alterResource } from "../admin/alter-configs.js";
import { defineHandler } from "./handler.js";

/** AlterConfigs (legacy): replaces all overrides of a topic, or all dynamic configs of a broker resource. */
export const alterConfigsHandler = defineHandler({
  apiKey: 33,
  minVersion: 0,
  maxVersion: 2,
  async handle(ctx, request) {
    const responses = [];
    for (const r of request.resources) {
      const outcome = await alterResource(
        ctx,
        r.resourceType,
        r.resourceName,
        () => {
          const next: Record<string, string> = {};
          for (const c of r.configs) {
            if (c.value === null)
              return {
                ok: false,
                error: metadataError(MetadataErrorCode.INVALID_REQUEST, `Null value not supported for : ${c.name}`),
              };
            next[c.name] = c.value;
          }
          return { ok: true, configs: next };
        },
        request.validateOnly,
      );
      responses.push({ ...outcome, resourceType: r.resourceType, resourceName: r.resourceName });
    }
    return { throttleTimeMs: 0, responses };
  },
});
