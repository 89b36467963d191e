import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto";
import type { ScramCredentialImage } from "@samsa/metadata";

/** A SCRAM mechanism as Kafka defines it (ScramMechanism.java): hash, key size, iteration bounds. */
export interface ScramMechanism {
  readonly name: "SCRAM-SHA-256" | "SCRAM-SHA-512";
  /** The mechanism's number in Describe/AlterUserScramCredentials. */
  readonly type: number;
  readonly hash: "sha256" | "sha512";
  readonly keyBytes: number;
  readonly minIterations: number;
  readonly maxIterations: number;
}

export const SCRAM_MECHANISMS: readonly ScramMechanism[] = [
  { name: "SCRAM-SHA-256", type: 1, hash: "sha256", keyBytes: 32, minIterations: 4096, maxIterations: 16384 },
  { name: "SCRAM-SHA-512", type: 2, hash: "sha512", keyBytes: 64, minIterations: 4096, maxIterations: 16384 },
];

export function scramMechanismByName(name: string): ScramMechanism | undefined {
  return SCRAM_MECHANISMS.find((m) => m.name === name);
}

export function scramMechanismByType(type: number): ScramMechanism | undefined {
  return SCRAM_MECHANISMS.find((m) => m.type === type);
}

export function hmac(m: ScramMechanism, key: Buffer, data: Buffer | string): Buffer {
  return createHmac(m.hash, key).update(data).digest();
}

export function digest(m: ScramMechanism, data: Buffer): Buffer {
  return createHash(m.hash).update(data).digest();
}

/** RFC 5802 Hi(): PBKDF2 with HMAC of the mechanism's hash. */
export function saltedPassword(m: ScramMechanism, password: string, salt: Buffer, iterations: number): Buffer {
  return pbkdf2Sync(Buffer.from(password, "utf8"), salt, iterations, m.keyBytes, m.hash);
}

/** The server's credential from a salted password: StoredKey = H(ClientKey), ServerKey. */
export function scramCredential(
  m: ScramMechanism,
  salted: Buffer,
  salt: Buffer,
  iterations: number,
): ScramCredentialImage {
  const clientKey = hmac(m, salted, "Client Key");
  return {
    salt: salt.toString("base64"),
    storedKey: digest(m, clientKey).toString("base64"),
    serverKey: hmac(m, salted, "Server Key").toString("base64"),
    iterations,
  };
}

/** A credential from a password (tests and tools); the broker itself only receives salted passwords. */
export function scramCredentialFromPassword(
  m: ScramMechanism,
  password: string,
  iterations = 4096,
): ScramCredentialImage {
  const salt = randomBytes(m.keyBytes);
  return scramCredential(m, saltedPassword(m, password, salt, iterations), salt, iterations);
}
