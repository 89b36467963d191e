import { SamsaError } from "@samsa/common";

export type ProtocolErrorCode = "TRUNCATED" | "MALFORMED" | "TOO_LARGE" | "UNSUPPORTED_VERSION";

/** A decode or encode failure. Decoding untrusted bytes throws only this. */
export class ProtocolError extends SamsaError {
  declare readonly code: ProtocolErrorCode;

  constructor(code: ProtocolErrorCode, message: string) {
    super(code, message);
  }
}
