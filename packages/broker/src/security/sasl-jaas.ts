import { ConfigError } from "../config/config-error.js";

/** One login module entry of a JAAS config (`<class> <flag> key="value" ...;`). */
export interface JaasEntry {
  readonly loginModule: string;
  readonly flag: string;
  readonly options: ReadonlyMap<string, string>;
}

const FLAGS = new Set(["required", "requisite", "sufficient", "optional"]);
const TOKEN = /\s*("(?:[^"\\]|\\.)*"|;|=|[^\s;="]+)/y;

/** Parses Kafka's `sasl.jaas.config` value (the JAAS file syntax of one context's body). */
export function parseJaasConfig(text: string, key: string): JaasEntry[] {
  const tokens: string[] = [];
  const re = new RegExp(TOKEN);
  while (re.lastIndex < text.length) {
    const at = re.lastIndex;
    const m = re.exec(text);
    if (m === null) {
      if (text.slice(at).trim() === "") break;
      throw new ConfigError(`${key}: cannot parse JAAS config near '${text.slice(at, at + 20)}'`);
    }
    tokens.push(m[1]);
  }
  const entries: JaasEntry[] = [];
  let i = 0;
  const unquote = (t: string): string => (t.startsWith('"') ? t.slice(1, -1).replace(/\\(.)/g, "$1") : t);
  while (i < tokens.length) {
    const loginModule = tokens[i++];
    const flag = tokens[i++];
    if (loginModule === ";" || flag === undefined || !FLAGS.has(flag.toLowerCase()))
      throw new ConfigError(`${key}: JAAS config must be '<LoginModule> <flag> key=value ...;'`);
    const options = new Map<string, string>();
    while (i < tokens.length && tokens[i] !== ";") {
      const name = tokens[i];
      if (tokens[i + 1] !== "=" || tokens[i + 2] === undefined || tokens[i + 2] === ";")
        throw new ConfigError(`${key}: JAAS option ${name} has no value`);
      options.set(unquote(name), unquote(tokens[i + 2]));
      i += 3;
    }
    if (tokens[i] !== ";") throw new ConfigError(`${key}: JAAS config must end with ';'`);
    i++;
    entries.push({ loginModule, flag: flag.toLowerCase(), options });
  }
  if (entries.length === 0) throw new ConfigError(`${key}: JAAS config has no login module`);
  return entries;
}

/** The PLAIN users a PlainLoginModule declares: its `user_<name>="<password>"` options. */
export function plainUsersOf(entries: readonly JaasEntry[]): Map<string, string> {
  const users = new Map<string, string>();
  for (const e of entries) {
    for (const [k, v] of e.options) if (k.startsWith("user_")) users.set(k.slice("user_".length), v);
  }
  return users;
}
