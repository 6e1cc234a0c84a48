/**
 * The runner's configuration: every variable it reads, parsed once at start by
 * zod. A bad value is a ConfigError naming the variable (exit 2), before any
 * network call. Secrets are parsed but never echoed in messages.
 *
 * @module
 */
import { z } from "zod";
import { ConfigError, CREDENTIALS_MISSING_MESSAGE } from "../shared/errors.ts";
import { isLongEnoughSecret, shortSecretMessage } from "../shared/secret-rules.ts";
import { USER_SYNC_FIELDS } from "../shared/ofm-documents.ts";
import { parseDuration } from "./duration.ts";
import { foldAsciiCase } from "./super-admins.ts";

const bool = (fallback: boolean) =>
  z.string().optional().transform((v, ctx) => {
    if (v === undefined || v.trim() === "") return fallback;
    if (/^(1|true|yes|on)$/i.test(v.trim())) return true;
    if (/^(0|false|no|off)$/i.test(v.trim())) return false;
    ctx.addIssue({ code: "custom", message: "must be true or false" });
    return z.NEVER;
  });

const int = (fallback: number, min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.string().optional().transform((v, ctx) => {
    if (v === undefined || v.trim() === "") return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      ctx.addIssue({ code: "custom", message: `must be a whole number from ${min} to ${max}` });
      return z.NEVER;
    }
    return n;
  });

const duration = (fallback: string) =>
  z.string().optional().transform((v, ctx) => {
    const ms = parseDuration(v === undefined || v.trim() === "" ? fallback : v);
    if (ms === null || ms <= 0) {
      ctx.addIssue({ code: "custom", message: "must be a duration such as 90s, 30m, 6h or 1d" });
      return z.NEVER;
    }
    return ms;
  });

const url = (example: string) =>
  z.url({ message: `must be a URL, e.g. ${example}` }).optional();

/** A size in bytes: `33554432`, `32MiB`, `512KiB`, `1GiB` (binary units; MB/KB read as MiB/KiB). */
const bytes = (fallback: number, min: number) =>
  z.string().optional().transform((v, ctx) => {
    if (v === undefined || v.trim() === "") return fallback;
    const m = /^(\d+)\s*(b|kib|kb|mib|mb|gib|gb)?$/i.exec(v.trim());
    const unit = ({ b: 1, kib: 2 ** 10, kb: 2 ** 10, mib: 2 ** 20, mb: 2 ** 20, gib: 2 ** 30, gb: 2 ** 30 } as Record<string, number>)[
      (m?.[2] ?? "b").toLowerCase()
    ];
    const n = m && unit ? Number(m[1]) * unit : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min) {
      ctx.addIssue({ code: "custom", message: `must be a size of at least ${min} bytes, such as 32MiB` });
      return z.NEVER;
    }
    return n;
  });

const list = z.string().optional().transform((v) =>
  (v ?? "").split(",").map((s) => s.trim()).filter((s) => s.length > 0)
);

/** How many deactivations the guard allows: a share of active users, or a count. */
export type DeactivationLimit = { kind: "percent"; value: number } | { kind: "count"; value: number };

const deactivationLimit = z.string().optional().transform((v, ctx): DeactivationLimit => {
  const text = (v ?? "20%").trim() || "20%";
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(text);
  if (pct && Number(pct[1]) <= 100) return { kind: "percent", value: Number(pct[1]) };
  if (/^\d+$/.test(text)) return { kind: "count", value: Number(text) };
  ctx.addIssue({ code: "custom", message: "must be a percentage such as 20% or a count such as 500" });
  return z.NEVER;
});

const RawEnv = z.object({
  SSO_BASE_URL: url("http://localhost:5173"),
  SCIM_BASE_URL: url("http://localhost:5173/scim/v2"),
  SCIM_TOKEN_URL: url("http://localhost:5173/scim/v2/token"),
  SCIM_CLIENT_ID: z.string().optional(),
  SCIM_CLIENT_SECRET: z.string().optional(),
  SCIM_BEARER_TOKEN: z.string().optional(),
  SCIM_RATE_LIMIT: int(100, 1, 100_000),
  SCIM_PAGE_SIZE: int(1000, 1, 1000),
  SYNC_MEMORY_BUDGET_MB: int(256, 0, 1_000_000),
  SCIM_TIMEOUT_MS: int(30_000, 100, 600_000),
  SCIM_MAX_RETRIES: int(5, 0, 20),
  SCIM_MAX_RESPONSE_BYTES: bytes(32 * 2 ** 20, 64 * 2 ** 10),
  MONGODB_URI: z.string().regex(/^mongodb(\+srv)?:\/\//, "must start with mongodb:// or mongodb+srv://")
    .optional(),
  MONGODB_DB: z.string().regex(/^[A-Za-z0-9_-]{1,63}$/, "must be a database name").optional(),
  SYNC_MAX_DEACTIVATE: deactivationLimit,
  SYNC_GUARD_WINDOW: duration("24h"),
  SUPER_ADMIN_EMAILS: list,
  SYNC_EXCLUDE_FIELDS: list,
  SYNC_HISTORY_TTL_DAYS: int(90, 1, 3650),
  SCIM_WEBHOOK_SECRET: list,
  INGEST_SECRET: list,
  PORT: int(5174, 0, 65535),
  HOST: z.string().optional(),
  ADMIN_TOKEN: z.string().optional(),
  WEBHOOK_TOLERANCE_SECONDS: int(300, 1, 86_400),
  INGEST_MAX_IN_FLIGHT: int(64, 1, 10_000),
  SYNC_INTERVAL: duration("6h"),
  SYNC_DELTA_INTERVAL: duration("15m"),
  SYNC_MAX_DURATION: duration("30m"),
  SYNC_ON_START: bool(true),
  SYNC_JITTER: z.string().optional(),
  SHUTDOWN_GRACE_MS: int(10_000, 0, 600_000),
  LEASE_TTL_MS: int(30_000, 1_000, 3_600_000),
  RUNNER_ID: z.string().optional(),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).optional(),
});

/** The parsed configuration. Derived URLs are filled in. */
export interface Config {
  ssoBaseUrl: string;
  scimBaseUrl: string;
  tokenUrl: string;
  /** Client credentials, or a static bearer token; exactly one is set. */
  auth: { kind: "client_credentials"; clientId: string; clientSecret: string } | {
    kind: "bearer";
    token: string;
  };
  rateLimitPerMinute: number;
  pageSize: number;
  /** Resident memory above which a sync collects garbage after a page; 0 = never. */
  memoryBudgetMB: number;
  requestTimeoutMs: number;
  maxRetries: number;
  /** Cap on one SSO response's decoded size; past it the request and the run fail. */
  maxResponseBytes: number;
  mongoUri: string;
  mongoDb: string;
  maxDeactivate: DeactivationLimit;
  /** SYNC_GUARD_WINDOW: the rolling window SYNC_MAX_DEACTIVATE holds over, ms. */
  guardWindowMs: number;
  superAdminEmails: string[];
  excludeFields: string[];
  historyTtlDays: number;
  webhookSecrets: string[];
  ingestSecrets: string[];
  port: number;
  host: string;
  adminToken: string | null;
  /** Replay window of signed webhook timestamps; also how far in the future a version may lie. */
  webhookToleranceSeconds: number;
  /** Webhook events applied at once across both ingestion routes; past it, 503 + Retry-After. */
  ingestMaxInFlight: number;
  syncIntervalMs: number;
  deltaIntervalMs: number;
  /** A run still going after this long is stopped as failed (and the lease released). */
  maxSyncDurationMs: number;
  syncOnStart: boolean;
  jitterMs: number;
  shutdownGraceMs: number;
  leaseTtlMs: number;
  runnerId: string | null;
  logLevel: "debug" | "info" | "warn" | "error";
}

const stripSlash = (u: string) => u.replace(/\/+$/, "");

/**
 * Parses the environment into a Config.
 *
 * @param env a record such as `process.env`
 * @param options `requireCredentials: false` for commands that never call the SSO
 * @throws {ConfigError} naming each wrong variable; for missing credentials, the
 *   guide's "SCIM_CLIENT_ID and SCIM_CLIENT_SECRET must be set"
 *
 * @example
 * ```ts
 * const config = loadConfig({ SCIM_CLIENT_ID: "scim-abc", SCIM_CLIENT_SECRET: "s3cret" });
 * config.scimBaseUrl; // "http://localhost:5173/scim/v2"
 * ```
 */
export function loadConfig(
  env: Record<string, string | undefined>,
  options: { requireCredentials?: boolean } = {},
): Config {
  const parsed = RawEnv.safeParse(env);
  if (!parsed.success) {
    const names = [...new Set(parsed.error.issues.map((i) => String(i.path[0])))];
    const lines = parsed.error.issues.map((i) => `${String(i.path[0])} ${i.message}`);
    throw new ConfigError(names, `Invalid configuration: ${lines.join("; ")}`);
  }
  const e = parsed.data;
  const ssoBaseUrl = stripSlash(e.SSO_BASE_URL ?? "http://localhost:5173");
  const scimBaseUrl = stripSlash(e.SCIM_BASE_URL ?? `${ssoBaseUrl}/scim/v2`);
  const tokenUrl = e.SCIM_TOKEN_URL ?? `${ssoBaseUrl}/scim/v2/token`;

  let auth: Config["auth"];
  const bearer = e.SCIM_BEARER_TOKEN?.trim();
  if (bearer) auth = { kind: "bearer", token: bearer };
  else if (e.SCIM_CLIENT_ID?.trim() && e.SCIM_CLIENT_SECRET?.trim()) {
    auth = {
      kind: "client_credentials",
      clientId: e.SCIM_CLIENT_ID.trim(),
      clientSecret: e.SCIM_CLIENT_SECRET.trim(),
    };
  } else if (options.requireCredentials === false) {
    auth = { kind: "bearer", token: "" };
  } else {
    throw new ConfigError(["SCIM_CLIENT_ID", "SCIM_CLIENT_SECRET"], CREDENTIALS_MISSING_MESSAGE);
  }

  const allowed = new Set<string>(USER_SYNC_FIELDS);
  const badField = e.SYNC_EXCLUDE_FIELDS.find((f) => !allowed.has(f) || f === "isActive");
  if (badField !== undefined) {
    throw new ConfigError(
      "SYNC_EXCLUDE_FIELDS",
      `SYNC_EXCLUDE_FIELDS names "${badField}": allowed are ${
        [...allowed].filter((f) => f !== "isActive").join(", ")
      } (isActive always syncs, so deactivation keeps working)`,
    );
  }

  const adminToken = e.ADMIN_TOKEN?.trim() || null;
  const secrets = [
    ["SCIM_WEBHOOK_SECRET", e.SCIM_WEBHOOK_SECRET],
    ["INGEST_SECRET", e.INGEST_SECRET],
    ["ADMIN_TOKEN", adminToken === null ? [] : [adminToken]],
  ] as const;
  for (const [name, values] of secrets) {
    if (!values.every(isLongEnoughSecret)) throw new ConfigError(name, shortSecretMessage(name));
  }
  const jitterMs = parseJitter(e.SYNC_JITTER, e.SYNC_INTERVAL);
  return {
    ssoBaseUrl,
    scimBaseUrl,
    tokenUrl,
    auth,
    rateLimitPerMinute: e.SCIM_RATE_LIMIT,
    pageSize: e.SCIM_PAGE_SIZE,
    memoryBudgetMB: e.SYNC_MEMORY_BUDGET_MB,
    requestTimeoutMs: e.SCIM_TIMEOUT_MS,
    maxRetries: e.SCIM_MAX_RETRIES,
    maxResponseBytes: e.SCIM_MAX_RESPONSE_BYTES,
    mongoUri: e.MONGODB_URI ?? "mongodb://127.0.0.1:27017",
    mongoDb: e.MONGODB_DB ?? "ofm",
    maxDeactivate: e.SYNC_MAX_DEACTIVATE,
    guardWindowMs: e.SYNC_GUARD_WINDOW,
    superAdminEmails: e.SUPER_ADMIN_EMAILS.map(foldAsciiCase),
    excludeFields: e.SYNC_EXCLUDE_FIELDS,
    historyTtlDays: e.SYNC_HISTORY_TTL_DAYS,
    webhookSecrets: e.SCIM_WEBHOOK_SECRET,
    ingestSecrets: e.INGEST_SECRET,
    port: e.PORT,
    host: e.HOST?.trim() || "127.0.0.1",
    adminToken,
    webhookToleranceSeconds: e.WEBHOOK_TOLERANCE_SECONDS,
    ingestMaxInFlight: e.INGEST_MAX_IN_FLIGHT,
    syncIntervalMs: e.SYNC_INTERVAL,
    deltaIntervalMs: e.SYNC_DELTA_INTERVAL,
    maxSyncDurationMs: e.SYNC_MAX_DURATION,
    syncOnStart: e.SYNC_ON_START,
    jitterMs,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    leaseTtlMs: e.LEASE_TTL_MS,
    runnerId: e.RUNNER_ID?.trim() || null,
    logLevel: e.LOG_LEVEL ?? "info",
  };
}

function parseJitter(text: string | undefined, intervalMs: number): number {
  const t = (text ?? "").trim();
  if (t === "") return Math.round(intervalMs * 0.05);
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(t);
  if (pct) return Math.round((intervalMs * Number(pct[1])) / 100);
  const ms = parseDuration(t);
  if (ms === null) {
    throw new ConfigError("SYNC_JITTER", "SYNC_JITTER must be a percentage such as 5% or a duration such as 30s");
  }
  return ms;
}
