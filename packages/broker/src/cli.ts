import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { BrokerConfig } from "./config/broker-config.js";
import { ConfigError } from "./config/config-error.js";
import { parseAssignment, parseProperties } from "./config/properties.js";

export const USAGE =
  "usage: samsa start [--config FILE] [--data-dir DIR] [--listeners PLAINTEXT://host:port] " +
  "[--advertised-listeners LIST] [--node-id N] [--etcd URLS] [--set key=value ...]";

export interface StartCommand {
  readonly command: "start";
  readonly config: BrokerConfig;
}

/**
 * Parses `start` and its flags into a validated BrokerConfig. Precedence, lowest first: the
 * `--config` file, `--set` overrides, then the dedicated flags. Throws ConfigError (one line).
 */
export function parseCommandLine(
  argv: readonly string[],
  readText: (path: string) => string = readProperties,
): StartCommand {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (e) {
    throw new ConfigError((e as Error).message.split("\n")[0]);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1 || positionals[0] !== "start") {
    throw new ConfigError(
      positionals.length === 0 ? `missing command; ${USAGE}` : `unknown command '${positionals.join(" ")}'; ${USAGE}`,
    );
  }
  const entries: [string, string][] = [];
  if (values.config !== undefined) entries.push(...parseProperties(readText(values.config), values.config));
  for (const s of values.set ?? []) entries.push(parseAssignment(s));
  if (values["data-dir"] !== undefined) entries.push(["log.dirs", values["data-dir"]]);
  if (values.listeners !== undefined) entries.push(["listeners", values.listeners]);
  if (values["advertised-listeners"] !== undefined)
    entries.push(["advertised.listeners", values["advertised-listeners"]]);
  if (values["node-id"] !== undefined) entries.push(["node.id", values["node-id"]]);
  if (values.etcd !== undefined) entries.push(["etcd.endpoints", values.etcd]);
  return { command: "start", config: BrokerConfig.from(entries) };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      config: { type: "string" },
      "data-dir": { type: "string" },
      listeners: { type: "string" },
      "advertised-listeners": { type: "string" },
      "node-id": { type: "string" },
      etcd: { type: "string" },
      set: { type: "string", multiple: true },
    },
  });
}

function readProperties(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new ConfigError(
      `cannot read config file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
}
