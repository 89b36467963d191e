import { timingSafeEqual } from "node:crypto";
import { SaslAuthenticationError, type SaslServer } from "./sasl-errors.js";

/** Users and passwords of the PLAIN mechanism (from the JAAS config's user_<name> options). */
export type PlainUsers = ReadonlyMap<string, string>;

function equalSecrets(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  return x.length === y.length && timingSafeEqual(x, y);
}

/** SASL/PLAIN (RFC 4616): one message "authzid NUL user NUL password", checked against the JAAS users. */
export class PlainServer implements SaslServer {
  readonly mechanism = "PLAIN";
  readonly #users: PlainUsers;
  #complete = false;
  #user = "";

  constructor(users: PlainUsers) {
    this.#users = users;
  }

  get complete(): boolean {
    return this.#complete;
  }

  get authorizationId(): string {
    return this.#user;
  }

  evaluate(token: Buffer): Buffer {
    if (this.#complete) throw new SaslAuthenticationError("Authentication failed: PLAIN exchange already complete");
    const tokens = token.toString("utf8").split("\u0000");
    if (tokens.length !== 3) {
      throw new SaslAuthenticationError(`Invalid SASL/PLAIN response: expected 3 tokens, got ${tokens.length}`);
    }
    const [authzid, user, password] = tokens;
    if (user === "") throw new SaslAuthenticationError("Authentication failed: username not specified");
    if (password === "") throw new SaslAuthenticationError("Authentication failed: password not specified");
    const expected = this.#users.get(user);
    if (expected === undefined || !equalSecrets(expected, password)) {
      throw new SaslAuthenticationError("Authentication failed: Invalid username or password");
    }
    if (authzid !== "" && authzid !== user) {
      throw new SaslAuthenticationError(
        "Authentication failed: Client requested an authorization id that is different from username",
      );
    }
    this.#user = user;
    this.#complete = true;
    return Buffer.alloc(0);
  }
}
