import { ProtocolError } from "../../primitives/protocol-error.js";

export function tooLarge(codec: string, maxBytes: number): ProtocolError {
  return new ProtocolError("TOO_LARGE", `${codec} data decompresses to more than ${maxBytes} bytes`);
}

/** Wraps a library failure on untrusted input as MALFORMED, keeping our own typed errors. */
export function asMalformed(codec: string, error: unknown): ProtocolError {
  if (error instanceof ProtocolError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new ProtocolError("MALFORMED", `corrupt ${codec} data: ${detail}`);
}
