import { AclOperation } from "@samsa/metadata";
import { ErrorCode } from "@samsa/protocol";
import type { RequestContext } from "../handlers/handler.js";
import { configsDenied } from "../security/acl-checks.js";
import type { AlterOutcome } from "./alter-configs.js";

/** Samsa logs through one logger; Kafka calls the top of its logger tree "root". */
export const ROOT_LOGGER = "root";

/** Log4j level names and the pino level each maps to. */
const LEVELS: Readonly<Record<string, string>> = {
  ALL: "trace",
  TRACE: "trace",
  DEBUG: "debug",
  INFO: "info",
  WARN: "warn",
  ERROR: "error",
  FATAL: "fatal",
  OFF: "silent",
};

const PINO_TO_LOG4J: Readonly<Record<string, string>> = {
  trace: "TRACE",
  debug: "DEBUG",
  info: "INFO",
  warn: "WARN",
  error: "ERROR",
  fatal: "FATAL",
  silent: "OFF",
};

/** Kafka's check of a BROKER_LOGGER resource name: this broker's id, never empty. */
export function brokerLoggerNameError(ctx: RequestContext, name: string): AlterOutcome | undefined {
  if (name === "") return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: "Broker id must not be empty" };
  if (name !== String(ctx.identity.nodeId))
    return {
      errorCode: ErrorCode.INVALID_REQUEST,
      errorMessage: `Unexpected broker id, expected ${ctx.identity.nodeId} but received ${name}`,
    };
  return undefined;
}

/** The level of the root logger in log4j's words. */
export function rootLogLevel(ctx: RequestContext): string {
  return PINO_TO_LOG4J[ctx.log.level] ?? ctx.log.level.toUpperCase();
}

interface LoggerOp {
  readonly name: string;
  readonly configOperation: number;
  readonly value: string | null;
}

const OP_NAMES = ["SET", "DELETE", "APPEND", "SUBTRACT"];

/**
 * IncrementalAlterConfigs on BROKER_LOGGER: SET the root logger's level (Kafka's log4j names), as
 * Kafka's ConfigAdminManager validates it; not persisted, like Kafka's logger levels.
 */
export function alterBrokerLogger(
  ctx: RequestContext,
  name: string,
  ops: readonly LoggerOp[],
  validateOnly: boolean,
): AlterOutcome {
  const denied = configsDenied(ctx, false, name, AclOperation.ALTER_CONFIGS);
  if (denied !== undefined) return { errorCode: denied, errorMessage: null };
  const nameError = brokerLoggerNameError(ctx, name);
  if (nameError !== undefined) return nameError;
  let level: string | undefined;
  for (const op of ops) {
    const opName = OP_NAMES[op.configOperation] ?? String(op.configOperation);
    if (op.configOperation === 1 && op.name === ROOT_LOGGER)
      return {
        errorCode: ErrorCode.INVALID_REQUEST,
        errorMessage: `Removing the log level of the ${ROOT_LOGGER} logger is not allowed`,
      };
    if (op.configOperation !== 0 && op.configOperation !== 1)
      return {
        errorCode: ErrorCode.INVALID_REQUEST,
        errorMessage: `${opName} operation is not allowed for the BROKER_LOGGER resource`,
      };
    if (op.name !== ROOT_LOGGER)
      return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: `Logger ${op.name} does not exist!` };
    const pinoLevel = LEVELS[op.value ?? ""];
    if (pinoLevel === undefined)
      return {
        errorCode: ErrorCode.INVALID_CONFIG,
        errorMessage: `Cannot set the log level of ${op.name} to ${op.value} as it is not a supported log level. Valid log4j levels are ${Object.keys(LEVELS).join(", ")}`,
      };
    level = pinoLevel;
  }
  if (!validateOnly && level !== undefined) ctx.log.level = level;
  return { errorCode: ErrorCode.NONE, errorMessage: null };
}
