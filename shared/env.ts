/**
 * The environment toolkit of the edge and the runner: one zod field per kind
 * of variable (boolean, bounded integer, list, secret rotation, duration) and
 * one {@linkcode parseEnv} that turns zod's issues into a ConfigError naming
 * the variables, never their values. Every field reads an unset or empty
 * variable as its default, so both sides agree on what "unset" means.
 *
 * @module
 */
import { z } from "zod";
import { ConfigError } from "./errors.ts";
import { parseDuration } from "./duration.ts";
import {
  isLongEnoughSecret,
  isPlaceholderSecret,
  placeholderSecretMessage,
  shortSecretMessage,
} from "./secret-rules.ts";

/** An environment as a record: `process.env`, `Deno.env.toObject()`. */
export type EnvRecord = Readonly<Record<string, string | undefined>>;

const TRUE = new Set(["true", "1", "yes", "on"]);
const FALSE = new Set(["false", "0", "no", "off"]);

/** The raw value, or undefined when unset or blank. */
const raw = z.string().optional().transform((
  v,
) => (v === undefined || v.trim() === "" ? undefined : v.trim()));

/**
 * A string, trimmed; undefined when unset or blank.
 *
 * @example
 * ```ts
 * z.object({ HOST: envString() }).parse({ HOST: " 0.0.0.0 " }); // { HOST: "0.0.0.0" }
 * ```
 */
export function envString() {
  return raw;
}

/**
 * A boolean: true/false, 1/0, yes/no, on/off, in any case.
 *
 * @param fallback the value when unset
 * @example
 * ```ts
 * z.object({ SYNC_ON_START: envBool(true) }).parse({ SYNC_ON_START: "Off" }); // { SYNC_ON_START: false }
 * ```
 */
export function envBool(fallback: boolean) {
  return raw.transform((v, ctx): boolean => {
    if (v === undefined) return fallback;
    const word = v.toLowerCase();
    if (TRUE.has(word)) return true;
    if (FALSE.has(word)) return false;
    ctx.addIssue({ code: "custom", message: "must be true or false (also 1/0, yes/no, on/off)" });
    return z.NEVER;
  });
}

/**
 * A whole number within `[min, max]`.
 *
 * @param fallback the value when unset
 * @param min the smallest value accepted
 * @param max the largest value accepted @default Number.MAX_SAFE_INTEGER
 * @example
 * ```ts
 * z.object({ PORT: envInt(5174, 0, 65535) }).parse({ PORT: "8080" }); // { PORT: 8080 }
 * ```
 */
export function envInt(fallback: number, min: number, max = Number.MAX_SAFE_INTEGER) {
  return raw.transform((v, ctx): number => {
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      ctx.addIssue({ code: "custom", message: `must be a whole number from ${min} to ${max}` });
      return z.NEVER;
    }
    return n;
  });
}

/**
 * A comma-separated list; blanks around and between items are dropped.
 *
 * @example
 * ```ts
 * z.object({ SUPER_ADMIN_EMAILS: envList() }).parse({ SUPER_ADMIN_EMAILS: "a@x, b@x," }); // ["a@x", "b@x"]
 * ```
 */
export function envList() {
  return raw.transform((v): string[] => splitList(v ?? ""));
}

/**
 * Splits a comma-separated value into its trimmed, non-empty items.
 *
 * @example
 * ```ts
 * splitList(" a, ,b "); // ["a", "b"]
 * ```
 */
export function splitList(value: string): string[] {
  return value.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
}

/**
 * A secret rotation: a comma-separated list, each checked by the one length
 * rule of secret-rules.ts. The message names the variable, never a value.
 *
 * @param name the variable, for the message
 * @param options `required`: an empty list is an error @default false
 * @example
 * ```ts
 * const Env = z.object({ INGEST_SECRET: envSecrets("INGEST_SECRET", { required: true }) });
 * Env.parse({ INGEST_SECRET: "new-secret-0123456789,old-secret-0123456789" }); // two secrets
 * ```
 */
export function envSecrets(name: string, options: { required?: boolean } = {}) {
  return raw.transform((v, ctx): string[] => {
    const all = splitList(v ?? "");
    if (all.length === 0 && options.required) {
      ctx.addIssue({ code: "custom", message: `${name} must be set (openssl rand -hex 32)` });
    }
    if (!all.every(isLongEnoughSecret)) {
      ctx.addIssue({ code: "custom", message: shortSecretMessage(name) });
    }
    if (all.some(isPlaceholderSecret)) {
      ctx.addIssue({ code: "custom", message: placeholderSecretMessage(name) });
    }
    return all;
  });
}

/**
 * One secret (a token, not a rotation list), checked by the one length rule; null when unset.
 *
 * @param name the variable, for the message
 * @example
 * ```ts
 * z.object({ ADMIN_TOKEN: envSecret("ADMIN_TOKEN") }).parse({}); // { ADMIN_TOKEN: null }
 * ```
 */
export function envSecret(name: string) {
  return raw.transform((v, ctx): string | null => {
    if (v === undefined) return null;
    if (!isLongEnoughSecret(v)) ctx.addIssue({ code: "custom", message: shortSecretMessage(name) });
    if (isPlaceholderSecret(v)) {
      ctx.addIssue({ code: "custom", message: placeholderSecretMessage(name) });
    }
    return v;
  });
}

const BYTE_UNITS: Readonly<Record<string, number>> = {
  b: 1,
  kib: 2 ** 10,
  kb: 2 ** 10,
  mib: 2 ** 20,
  mb: 2 ** 20,
  gib: 2 ** 30,
  gb: 2 ** 30,
};

/**
 * A size in bytes: `33554432`, `32MiB`, `512KiB`, `1GiB` (binary units; MB/KB read as MiB/KiB).
 *
 * @param fallback the size when unset, in bytes
 * @param min the smallest size accepted, in bytes
 * @example
 * ```ts
 * z.object({ SCIM_MAX_RESPONSE_BYTES: envBytes(2 ** 25, 2 ** 16) }).parse({ SCIM_MAX_RESPONSE_BYTES: "8MiB" }); // 8388608
 * ```
 */
export function envBytes(fallback: number, min: number) {
  return raw.transform((v, ctx): number => {
    if (v === undefined) return fallback;
    const m = /^(\d+)\s*(b|kib|kb|mib|mb|gib|gb)?$/i.exec(v);
    const unit = BYTE_UNITS[(m?.[2] ?? "b").toLowerCase()];
    const n = m && unit ? Number(m[1]) * unit : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min) {
      ctx.addIssue({
        code: "custom",
        message: `must be a size of at least ${min} bytes, such as 32MiB`,
      });
      return z.NEVER;
    }
    return n;
  });
}

/**
 * A positive duration (`90s`, `30m`, `6h`, `1d`; a bare number is milliseconds), in milliseconds.
 *
 * @param fallback the duration when unset, in the same notation
 * @example
 * ```ts
 * z.object({ SYNC_INTERVAL: envDuration("6h") }).parse({}); // { SYNC_INTERVAL: 21600000 }
 * ```
 */
export function envDuration(fallback: string) {
  return raw.transform((v, ctx): number => {
    const ms = parseDuration(v ?? fallback);
    if (ms === null || ms <= 0) {
      ctx.addIssue({ code: "custom", message: "must be a duration such as 90s, 30m, 6h or 1d" });
      return z.NEVER;
    }
    return ms;
  });
}

/**
 * One of a few words, compared in lower case.
 *
 * @param words the accepted values
 * @param fallback the value when unset
 * @example
 * ```ts
 * z.object({ LOG_LEVEL: envEnum(["debug", "info"], "info") }).parse({ LOG_LEVEL: "DEBUG" }); // "debug"
 * ```
 */
export function envEnum<const W extends readonly [string, ...string[]]>(
  words: W,
  fallback: W[number],
) {
  return raw.transform((v, ctx): W[number] => {
    if (v === undefined) return fallback;
    const word = words.find((w) => w === v.toLowerCase());
    if (word !== undefined) return word;
    ctx.addIssue({ code: "custom", message: `must be one of ${words.join(", ")}` });
    return z.NEVER;
  });
}

/**
 * A URL, or undefined when unset.
 *
 * @param example shown in the message
 * @example
 * ```ts
 * z.object({ SSO_BASE_URL: envUrl("http://localhost:5173") }).parse({}); // { SSO_BASE_URL: undefined }
 * ```
 */
export function envUrl(example: string) {
  return raw.pipe(z.url({ message: `must be a URL, e.g. ${example}` }).optional());
}

/**
 * Parses an environment with a schema built from the fields above. Empty
 * variables count as unset. A message that does not start with the
 * variable's name gets it in front; zod's messages never quote the input.
 *
 * @param schema a zod object over variable names
 * @param env the environment
 * @returns the parsed values
 * @throws {ConfigError} naming each wrong variable, never its value
 * @example
 * ```ts
 * const { PORT } = parseEnv(z.object({ PORT: envInt(8000, 0, 65535) }), { PORT: "9000" }); // 9000
 * ```
 */
export function parseEnv<S extends z.ZodType>(schema: S, env: EnvRecord): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues;
  const names = [...new Set(issues.map((i) => String(i.path[0])))];
  const lines = issues.map((i) => {
    const name = String(i.path[0]);
    return i.message.startsWith(name) ? i.message : `${name} ${i.message}`;
  });
  throw new ConfigError(names, `Invalid configuration: ${[...new Set(lines)].join("; ")}`);
}
