import { ConfigError } from "./config-error.js";

/** Bound on a properties file, so a wrong path (a log file, a device) fails fast. */
export const MAX_PROPERTIES_BYTES = 1024 * 1024;

function unescapeJava(s: string): string {
  return s.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, c: string) => {
    if (c.length === 5) return String.fromCharCode(Number.parseInt(c.slice(1), 16));
    if (c === "t") return "\t";
    if (c === "n") return "\n";
    if (c === "r") return "\r";
    if (c === "f") return "\f";
    return c;
  });
}

/** Index of the first unescaped '=', ':' or whitespace that separates key and value, or -1. */
function separatorIndex(line: string): number {
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === "\\") {
      i++;
      continue;
    }
    if (c === "=" || c === ":" || c === " " || c === "\t" || c === "\f") return i;
  }
  return -1;
}

function endsWithContinuation(line: string): boolean {
  let n = 0;
  for (let i = line.length - 1; i >= 0 && line[i] === "\\"; i--) n++;
  return n % 2 === 1;
}

/**
 * Java's `.properties` format as Kafka reads `server.properties`: `key=value`, `key: value` or
 * `key value`; `#`/`!` comments; a trailing `\` continues on the next line (leading blanks dropped).
 * Later keys win.
 */
export function parseProperties(text: string, source = "properties"): Map<string, string> {
  if (text.length > MAX_PROPERTIES_BYTES) throw new ConfigError(`${source}: larger than ${MAX_PROPERTIES_BYTES} bytes`);
  const out = new Map<string, string>();
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i].replace(/^[ \t\f]+/, "");
    if (line === "" || line.startsWith("#") || line.startsWith("!")) continue;
    while (endsWithContinuation(line)) {
      line = line.slice(0, -1);
      i++;
      if (i >= lines.length) break;
      line += lines[i].replace(/^[ \t\f]+/, "");
    }
    const sep = separatorIndex(line);
    const rawKey = sep === -1 ? line : line.slice(0, sep);
    let rest = sep === -1 ? "" : line.slice(sep);
    rest = rest.replace(/^[ \t\f]*/, "");
    if (rest.startsWith("=") || rest.startsWith(":")) rest = rest.slice(1).replace(/^[ \t\f]*/, "");
    out.set(unescapeJava(rawKey), unescapeJava(rest));
  }
  return out;
}

/** `key=value` from the command line (`--set`). */
export function parseAssignment(s: string): [string, string] {
  const eq = s.indexOf("=");
  if (eq <= 0) throw new ConfigError(`--set expects key=value, got '${s}'`);
  return [s.slice(0, eq).trim(), s.slice(eq + 1).trim()];
}
