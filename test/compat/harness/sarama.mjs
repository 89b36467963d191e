// Builds the Sarama round-trip program (test/compat/clients/sarama) with Debian's Go 1.19 in GOPATH
// mode and runs it: stdin {bootstrap, topic, version, compression, batch, records}, stdout JSON
// {version, produced, consumed}.
import { rmSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { makeTempDir } from "./broker.mjs";
import { requireExecutable, runOk } from "./process.mjs";

const SOURCE_DIR = join(import.meta.dirname, "../clients/sarama");

/**
 * Compiles the program (by default the round trip; `sourceDir` picks another one under clients/);
 * returns `run(spec)`, the `binary` path and `cleanup()` (removes the build directory).
 */
export async function buildSarama(sourceDir = SOURCE_DIR) {
  const go = requireExecutable("go");
  const buildDir = makeTempDir("sarama");
  const binary = join(buildDir, "sarama-roundtrip");
  await runOk(go, ["build", "-o", binary, "."], {
    cwd: sourceDir,
    timeoutMs: 120_000,
    env: {
      GO111MODULE: "off",
      GOPATH: `${join(buildDir, "gopath")}:/usr/share/gocode`,
      GOFLAGS: "",
      // Go needs a build cache even where HOME is unset.
      GOCACHE: process.env.GOCACHE ?? join(homedir(), ".cache/go-build"),
    },
  });
  return {
    binary,
    async run(spec) {
      const { stdout } = await runOk(binary, [], { input: JSON.stringify(spec), timeoutMs: 40_000 });
      return JSON.parse(stdout);
    },
    cleanup: () => rmSync(buildDir, { recursive: true, force: true }),
  };
}
