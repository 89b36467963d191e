/** Default locations, relative to the repository root (this file compiles to tools/codegen/dist). */
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
export const DEFAULT_SPEC_DIR = join(REPO_ROOT, "../shared/kafka-protocol");
export const GENERATED_DIR = join(REPO_ROOT, "packages/protocol/src/generated");
