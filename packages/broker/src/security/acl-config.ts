import type { BrokerConfig } from "../config/broker-config.js";
import { AclAuthorizer } from "./acl-authorizer.js";

/** The authorizer `authorizer.class.name` asks for, or null when none is configured. */
export function createAuthorizer(config: BrokerConfig): AclAuthorizer | null {
  if ((config.get("authorizer.class.name") ?? "") === "") return null;
  const superUsers = (config.get("super.users") ?? "")
    .split(";")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  return new AclAuthorizer({ superUsers, allowEveryoneIfNoAclFound: config.bool("allow.everyone.if.no.acl.found") });
}
