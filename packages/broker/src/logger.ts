import { pino, type Logger } from "pino";

export type { Logger };

/**
 * JSON lines on stderr, quiet by default (warn): stdout carries only the `started` line that
 * harnesses wait for. SAMSA_LOG_LEVEL overrides the level.
 */
export function createLogger(level = process.env.SAMSA_LOG_LEVEL ?? "warn"): Logger {
  return pino({ level, base: { pid: process.pid } }, pino.destination({ fd: 2, sync: false }));
}

/** For tests: drops everything. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
