/**
 * Turns the parsed specs into the files of packages/protocol/src/generated (path -> content).
 */
import { emitApiTable, emitIndex } from "./emit-index.js";
import { emitMessage } from "./emit-message.js";
import type { MessageSpec } from "./spec.js";

export function generate(messages: readonly MessageSpec[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const m of messages) files.set(`${m.dir}/${m.name}.ts`, emitMessage(m));
  files.set("api-table.ts", emitApiTable(messages));
  files.set("index.ts", emitIndex(messages));
  return files;
}
