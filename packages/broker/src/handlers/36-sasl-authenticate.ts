import { ErrorCode } from "@samsa/protocol";
import { defineHandler } from "./handler.js";

/** SaslAuthenticate outside an exchange (after authentication, or without SASL): Kafka's ILLEGAL_SASL_STATE. */
export const saslAuthenticateHandler = defineHandler({
  apiKey: 36,
  minVersion: 0,
  maxVersion: 2,
  handle() {
    return {
      errorCode: ErrorCode.ILLEGAL_SASL_STATE,
      errorMessage: "SaslAuthenticate request received after successful authentication",
      authBytes: Buffer.alloc(0),
      sessionLifetimeMs: 0n,
    };
  },
});
