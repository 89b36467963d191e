import { ErrorCode } from "@samsa/protocol";
import { defineHandler } from "./handler.js";

/**
 * SaslHandshake reaching the broker: on a SASL listener the authenticator answers it before
 * authentication, so here it is either after authentication or on a listener without SASL.
 */
export const saslHandshakeHandler = defineHandler({
  apiKey: 17,
  minVersion: 0,
  maxVersion: 1,
  handle() {
    return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] };
  },
});
