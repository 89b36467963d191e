import { randomBytes } from "node:crypto";

/** Kafka's all-zero uuid in display form (base64url of 16 zero bytes, no padding). */
export const ZERO_UUID = "AAAAAAAAAAAAAAAAAAAAAA";
/** Kafka reserves uuid 1 (all zero but the last bit) for the metadata topic. */
export const METADATA_TOPIC_UUID = "AAAAAAAAAAAAAAAAAAAAAQ";

/**
 * A random version-4 uuid in Kafka's display form (22-char base64url). Like Kafka's Uuid.randomUuid,
 * never the reserved values and never a string starting with '-' (it would read as a CLI flag).
 */
export function randomUuid(bytes: (n: number) => Buffer = randomBytes): string {
  for (;;) {
    const b = Buffer.from(bytes(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const s = b.toString("base64url");
    if (s !== ZERO_UUID && s !== METADATA_TOPIC_UUID && !s.startsWith("-")) return s;
  }
}

/** True for a 22-char base64url string that decodes to 16 bytes. */
export function isUuid(s: string): boolean {
  return /^[A-Za-z0-9_-]{21}[AQgw]$/.test(s);
}
