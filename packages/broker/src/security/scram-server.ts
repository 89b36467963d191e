import { randomBytes, timingSafeEqual } from "node:crypto";
import type { ScramCredentialImage } from "@samsa/metadata";
import { SaslAuthenticationError, SaslExchangeError, type SaslServer } from "./sasl-errors.js";
import { digest, hmac, type ScramMechanism } from "./scram-mechanism.js";

/** Looks a user's credential up for a mechanism; undefined when the user has none. */
export type ScramCredentialLookup = (user: string, mechanism: string) => ScramCredentialImage | undefined;

// gs2-header "n,[a=authzid]," then client-first-message-bare "n=user,r=nonce[,ext...]" (RFC 5802 §7).
const CLIENT_FIRST = /^n,(?:a=([^,]*))?,(n=([^,]*),r=([\x21-\x2b\x2d-\x7e]+)(?:,.*)?)$/s;
const CLIENT_FINAL = /^(c=([A-Za-z0-9+/=]*),r=([\x21-\x2b\x2d-\x7e]+)(?:,[^p][^,]*)*),p=([A-Za-z0-9+/=]+)$/s;

/** RFC 5802 saslname: "=2C" is ',' and "=3D" is '='; any other '=' is malformed. */
export function decodeSaslName(s: string): string | undefined {
  if (/=(?!2C|3D)/.test(s)) return undefined;
  return s.replace(/=2C/g, ",").replace(/=3D/g, "=");
}

type State = "first" | "final" | "complete" | "failed";

/**
 * The server side of one SCRAM exchange (RFC 5802/7677) over credentials from the cluster metadata:
 * client-first -> server-first (nonce, salt, iterations), client-final (proof) -> server-final.
 */
export class ScramServer implements SaslServer {
  readonly #m: ScramMechanism;
  readonly #lookup: ScramCredentialLookup;
  #state: State = "first";
  #user = "";
  #credential: ScramCredentialImage | undefined;
  #gs2Header = "";
  #clientFirstBare = "";
  #serverFirst = "";
  #nonce = "";

  constructor(mechanism: ScramMechanism, lookup: ScramCredentialLookup) {
    this.#m = mechanism;
    this.#lookup = lookup;
  }

  get mechanism(): string {
    return this.#m.name;
  }

  get complete(): boolean {
    return this.#state === "complete";
  }

  get authorizationId(): string {
    return this.#user;
  }

  evaluate(token: Buffer): Buffer {
    try {
      switch (this.#state) {
        case "first":
          return this.#first(token.toString("utf8"));
        case "final":
          return this.#final(token.toString("utf8"));
        default:
          throw new SaslExchangeError(`unexpected SCRAM message in state ${this.#state}`);
      }
    } catch (e) {
      this.#state = "failed";
      throw e;
    }
  }

  #first(message: string): Buffer {
    const m = CLIENT_FIRST.exec(message);
    if (m === null) throw new SaslExchangeError("Invalid SCRAM client first message format");
    const authzid = m[1] ?? "";
    const user = decodeSaslName(m[3]);
    if (user === undefined || user === "") throw new SaslExchangeError("Invalid SCRAM user name");
    const credential = this.#lookup(user, this.#m.name);
    if (credential === undefined) throw new SaslAuthenticationError("Authentication failed: Invalid user credentials");
    if (authzid !== "" && decodeSaslName(authzid) !== user) {
      throw new SaslAuthenticationError(
        "Authentication failed: Client requested an authorization id that is different from username",
      );
    }
    if (credential.iterations < this.#m.minIterations) {
      throw new SaslExchangeError(
        `Iterations ${credential.iterations} is less than the minimum ${this.#m.minIterations} for ${this.#m.name}`,
      );
    }
    this.#user = user;
    this.#credential = credential;
    this.#gs2Header = message.slice(0, message.length - m[2].length);
    this.#clientFirstBare = m[2];
    this.#nonce = m[4] + randomBytes(18).toString("base64");
    this.#serverFirst = `r=${this.#nonce},s=${credential.salt},i=${credential.iterations}`;
    this.#state = "final";
    return Buffer.from(this.#serverFirst, "utf8");
  }

  #final(message: string): Buffer {
    const m = CLIENT_FINAL.exec(message);
    if (m === null) throw new SaslExchangeError("Invalid SCRAM client final message format");
    // Kafka checks only that the final nonce ends with the server's: librdkafka 2.0.2 sends the client
    // nonce twice ("client" + "client" + "server").
    if (!m[3].endsWith(this.#nonce)) throw new SaslExchangeError("Invalid client nonce in the final client message.");
    if (Buffer.from(m[2], "base64").toString("utf8") !== this.#gs2Header) {
      throw new SaslExchangeError("Invalid SCRAM channel binding");
    }
    const credential = this.#credential!;
    const authMessage = `${this.#clientFirstBare},${this.#serverFirst},${m[1]}`;
    const storedKey = Buffer.from(credential.storedKey, "base64");
    const proof = Buffer.from(m[4], "base64");
    const signature = hmac(this.#m, storedKey, authMessage);
    if (proof.length !== signature.length) throw new SaslExchangeError("Invalid client credentials");
    const clientKey = Buffer.alloc(proof.length);
    for (let i = 0; i < proof.length; i++) clientKey[i] = proof[i] ^ signature[i];
    if (!timingSafeEqual(digest(this.#m, clientKey), storedKey))
      throw new SaslExchangeError("Invalid client credentials");
    const serverSignature = hmac(this.#m, Buffer.from(credential.serverKey, "base64"), authMessage);
    this.#state = "complete";
    return Buffer.from(`v=${serverSignature.toString("base64")}`, "utf8");
  }
}
