#!/usr/bin/env node
import { Broker } from "./broker.js";
import { parseCommandLine, USAGE } from "./cli.js";
import { formatListener } from "./config/listeners.js";
import { createLogger } from "./logger.js";
import { openPartitionLogs } from "./storage-logs.js";

/** Exit code for bad flags or config, like a usage error. */
const EXIT_USAGE = 2;

function oneLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0];
}

async function main(argv: readonly string[]): Promise<void> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  let command: ReturnType<typeof parseCommandLine>;
  try {
    command = parseCommandLine(argv);
  } catch (e) {
    process.stderr.write(`samsa: ${oneLine(e)}\n`);
    process.exit(EXIT_USAGE);
  }
  const { config } = command;
  const log = createLogger();
  if (config.unknownKeys.length > 0) log.warn({ keys: config.unknownKeys }, "unknown configs ignored");
  const broker = new Broker({ config, log, openLogs: openPartitionLogs });
  try {
    await broker.start();
  } catch (e) {
    process.stderr.write(`samsa: ${oneLine(e)}\n`);
    // Release what did start (the data dir lock, bound listeners, opened logs).
    await broker.stop().catch(() => undefined);
    log.flush();
    process.exit(EXIT_USAGE);
  }
  const listeners = broker.boundListeners || config.listeners.map(formatListener).join(",");
  process.stdout.write(`samsa broker ${config.nodeId} started on ${listeners} (data dir ${config.dataDir})\n`);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      // A second signal while draining: the operator wants out now.
      process.stderr.write(`samsa: ${signal} again, exiting without a clean shutdown\n`);
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, "shutting down");
    broker.stop().then(
      () => {
        log.flush();
        process.exit(0);
      },
      (e: unknown) => {
        process.stderr.write(`samsa: shutdown failed: ${oneLine(e)}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

await main(process.argv.slice(2));
