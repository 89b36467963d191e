import { ErrorCode } from "@samsa/protocol";
import { defineHandler } from "./handler.js";

/** Kafka's rule for client software name/version (KIP-511). */
const SOFTWARE = /^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/;

/** ApiVersions: exactly the registered handlers' ranges. Unknown versions are answered by the router. */
export const apiVersionsHandler = defineHandler({
  apiKey: 18,
  minVersion: 0,
  maxVersion: 4,
  handle(ctx, request) {
    const apiKeys = ctx.apiVersions.map((r) => ({
      apiKey: r.apiKey,
      minVersion: r.minVersion,
      maxVersion: r.maxVersion,
    }));
    const invalidSoftware =
      ctx.apiVersion >= 3 &&
      (!SOFTWARE.test(request.clientSoftwareName) || !SOFTWARE.test(request.clientSoftwareVersion));
    return {
      errorCode: invalidSoftware ? ErrorCode.INVALID_REQUEST : ErrorCode.NONE,
      apiKeys,
      throttleTimeMs: 0,
      supportedFeatures: [],
      finalizedFeaturesEpoch: -1n,
      finalizedFeatures: [],
      zkMigrationReady: false,
    };
  },
});
