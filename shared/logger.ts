/**
 * A small structured logger for edge and runner: the guide's emoji lines on a
 * terminal, JSON lines elsewhere (log shippers). Runtime-agnostic: the caller
 * decides the format and the sink, so nothing here touches `Deno` or `process`.
 *
 * Never pass secrets, tokens, signatures or whole bodies as fields. Control
 * characters in messages and fields are escaped (printable.ts): one call, one line.
 *
 * @module
 */
import { printable, printableJson } from "./printable.ts";

export type LogLevel = "debug" | "info" | "warn" | "error";
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Record<string, unknown>;

/** What every module that logs takes as a dependency. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** Options of {@linkcode createLogger}. */
export interface LoggerOptions {
  /** Lowest level written. @default "info" */
  level?: LogLevel;
  /** `pretty`: the message then `key=value` pairs; `json`: one JSON object a line. @default "json" */
  format?: "pretty" | "json";
  /** Where lines go. @default console.log for debug/info, console.error for warn/error */
  write?: (line: string, level: LogLevel) => void;
  /** Fields added to every line (e.g. `{ component: "edge" }`). */
  base?: LogFields;
  /** Clock for timestamps. @default () => new Date() */
  now?: () => Date;
}

function defaultWrite(line: string, level: LogLevel): void {
  if (level === "warn" || level === "error") console.error(line);
  else console.log(line);
}

function pretty(fields: LogFields): string {
  const parts = Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => printable(`${k}=${typeof v === "string" ? v : JSON.stringify(v)}`));
  return parts.length > 0 ? `  ${parts.join(" ")}` : "";
}

/**
 * Creates a logger.
 *
 * @example
 * ```ts
 * const log = createLogger({ level: "info", format: "pretty" });
 * log.info("📥 Webhook received: user.updated (User)", { eventId: "e1" });
 * ```
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const min = ORDER[options.level ?? "info"];
  const format = options.format ?? "json";
  const write = options.write ?? defaultWrite;
  const now = options.now ?? (() => new Date());
  const base = options.base ?? {};
  const emit = (level: LogLevel, message: string, fields?: LogFields) => {
    if (ORDER[level] < min) return;
    const all = { ...base, ...fields };
    if (format === "json") {
      write(printableJson({ time: now().toISOString(), level, msg: message, ...all }), level);
    } else {
      // A value from the SSO must not end the line or drive the terminal (printable.ts).
      write(`${printable(message)}${pretty(all)}`, level);
    }
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
  };
}

/** A logger that drops everything; for tests that assert on other things. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
