/**
 * The runner's configuration: every variable it reads, parsed once at start by
 * zod. A bad value is a ConfigError naming the variable (exit 2), before any
 * network call. Secrets are parsed but never echoed in messages.
 *
 * @module
 */
import { z } from "zod";
import type { MatchOn } from "./documents/match-key.ts";
import { parseDuration } from "../shared/duration.ts";
import {
  envBool,
  envBytes,
  envDuration,
  envEnum,
  envInt,
  envList,
  type EnvRecord,
  envSecret,
  envSecrets,
  envString,
  envUrl,
  parseEnv,
} from "../shared/env.ts";
import { ConfigError, CREDENTIALS_MISSING_MESSAGE } from "../shared/errors.ts";
import { DEMO_CLIENT_SECRET, isLoopbackUrl } from "../shared/secret-rules.ts";
import { USER_SYNC_FIELDS } from "../shared/ofm-documents.ts";
import {
  WEBHOOK_ENV_FIELDS,
  type WebhookConfig,
  webhookConfig,
} from "../shared/webhook/webhook-config.ts";
import { foldAsciiCase } from "./super-admins.ts";
import { NOTIFY_ENV_FIELDS, type NotifyConfig, notifySection } from "./notify-config.ts";
import { hostname } from "node:os";

/** How many deactivations the guard allows: a share of active users, or a count. */
export type DeactivationLimit = { kind: "percent"; value: number } | {
  kind: "count";
  value: number;
};

/** A limit written as a share (`20%`) or a count (`500`), with its default. */
const countOrShare = (fallback: string) =>
  envString().transform((v, ctx): DeactivationLimit => {
    const text = v ?? fallback;
    const pct = /^(\d+(?:\.\d+)?)%$/.exec(text);
    if (pct && Number(pct[1]) <= 100) return { kind: "percent", value: Number(pct[1]) };
    if (/^\d+$/.test(text)) return { kind: "count", value: Number(text) };
    ctx.addIssue({
      code: "custom",
      message: "must be a percentage such as 20% or a count such as 500",
    });
    return z.NEVER;
  });
const deactivationLimit = countOrShare("20%");

/** Every variable the runner reads; sections below turn them into a Config. */
const RunnerEnv = z.object({
  // the SSO and its SCIM client
  SSO_BASE_URL: envUrl("http://localhost:5173"),
  SCIM_BASE_URL: envUrl("http://localhost:5173/scim/v2"),
  SCIM_TOKEN_URL: envUrl("http://localhost:5173/scim/v2/token"),
  SCIM_CLIENT_ID: envString(),
  SCIM_CLIENT_SECRET: envString(),
  SCIM_BEARER_TOKEN: envString(),
  SCIM_TOKEN_AUTH: envEnum(["client_secret_post", "client_secret_basic"], "client_secret_post"),
  SCIM_TOKEN_SCOPE: envString(),
  SCIM_TOKEN_AUDIENCE: envString(),
  SCIM_RATE_LIMIT: envInt(100, 1, 100_000),
  SCIM_PAGE_SIZE: envInt(1000, 1, 1000),
  SCIM_TIMEOUT_MS: envInt(30_000, 100, 600_000),
  SCIM_MAX_RETRIES: envInt(5, 0, 20),
  SCIM_MAX_RESPONSE_BYTES: envBytes(32 * 2 ** 20, 64 * 2 ** 10),
  // MongoDB
  MONGODB_URI: envString().pipe(
    z.string().regex(/^mongodb(\+srv)?:\/\//, "must start with mongodb:// or mongodb+srv://")
      .optional(),
  ),
  MONGODB_DB: envString().pipe(
    z.string().regex(/^[A-Za-z0-9_-]{1,63}$/, "must be a database name").optional(),
  ),
  SYNC_HISTORY_TTL_DAYS: envInt(90, 1, 3650),
  // the sync and its guard
  // 256: one forced collection in a 100,000-user no-op, peak 259 MB, 5% faster than 224 (two to four
  // collections, 231 MB) since the index read no longer decodes objects (bench/variants.ts, one run).
  SYNC_MEMORY_BUDGET_MB: envInt(256, 0, 1_000_000),
  SYNC_MAX_DEACTIVATE: deactivationLimit,
  SYNC_GUARD_WINDOW: envDuration("24h"),
  SUPER_ADMIN_EMAILS: envList(),
  SYNC_EXCLUDE_FIELDS: envList(),
  SYNC_MATCH_ON: envEnum(["email", "userId", "employeeNumber", "off"], "email"),
  SYNC_MAX_DURATION: envDuration("30m"),
  PURGE_MAX: countOrShare("1000"),
  PURGE_MAX_MISSING_SHARE: envString(),
  // the schedule and the lease
  SYNC_INTERVAL: envDuration("6h"),
  SYNC_DELTA_INTERVAL: envDuration("15m"),
  SYNC_ON_START: envBool(true),
  SYNC_JITTER: envString(),
  SYNC_QUARANTINE_AFTER: envInt(10, 0, 10_000),
  SYNC_QUARANTINE_INTERVAL: envDuration("24h"),
  SHUTDOWN_GRACE_MS: envInt(10_000, 0, 600_000),
  LEASE_TTL_MS: envInt(30_000, 1_000, 3_600_000),
  RUNNER_ID: envString(),
  // HTTP: the server, the admin token, the ingestion API and the webhook route
  PORT: envInt(5174, 0, 65535),
  HOST: envString(),
  ADMIN_TOKEN: envSecret("ADMIN_TOKEN"),
  INGEST_SECRET: envSecrets("INGEST_SECRET"),
  INGEST_MAX_IN_FLIGHT: envInt(64, 1, 10_000),
  ...WEBHOOK_ENV_FIELDS,
  ...NOTIFY_ENV_FIELDS,
  LOG_LEVEL: envEnum(["debug", "info", "warn", "error"], "info"),
  // the pages: the zone their times are printed in
  PAGE_TIME_ZONE: envString().pipe(
    z.string().refine(isTimeZone, "must be an IANA time zone such as UTC or Asia/Jakarta")
      .optional(),
  ),
});
type RunnerEnv = z.infer<typeof RunnerEnv>;

/** How the token endpoint authenticates the client (RFC 6749 §2.3.1); SCIM_TOKEN_AUTH. */
export type TokenAuthMethod = "client_secret_post" | "client_secret_basic";

/** OAuth 2.0 client credentials and how they are presented to the token endpoint. */
export interface ClientCredentialsAuth {
  kind: "client_credentials";
  clientId: string;
  clientSecret: string;
  /** SCIM_TOKEN_AUTH. @default "client_secret_post" (the guide's curl) */
  method?: TokenAuthMethod;
  /** SCIM_TOKEN_SCOPE, sent as `scope` when set. */
  scope?: string;
  /** SCIM_TOKEN_AUDIENCE, sent as `audience` when set. */
  audience?: string;
}

/** The parsed configuration. Derived URLs are filled in. */
export interface Config {
  ssoBaseUrl: string;
  scimBaseUrl: string;
  tokenUrl: string;
  /** Client credentials, or a static bearer token; exactly one is set. */
  auth: ClientCredentialsAuth | {
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
  /** PURGE_MAX: `npm run purge -- --apply` refuses more hard deletes than this without --force. */
  purgeMax: DeactivationLimit;
  /** SYNC_GUARD_WINDOW: the rolling window SYNC_MAX_DEACTIVATE holds over, ms. */
  guardWindowMs: number;
  superAdminEmails: string[];
  excludeFields: string[];
  /** SYNC_MATCH_ON: how an unknown SSO id is matched to an existing OFM account. */
  matchOn: MatchOn;
  /**
   * PURGE_MAX_MISSING_SHARE: the share (0–1) of the active accounts the purge samples that
   * may answer 404 before it refuses to run (a wrong address answers 404 for everyone).
   */
  purgeMaxMissingShare: number;
  historyTtlDays: number;
  ingestSecrets: string[];
  /**
   * The webhook section shared with the edge: the runner's own webhook route uses all of it;
   * its tolerance also bounds how far in the future a version may lie.
   */
  webhook: WebhookConfig;
  port: number;
  host: string;
  adminToken: string | null;
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
  /** PAGE_TIME_ZONE: the IANA zone the pages and the CLI print times in. @default "UTC" */
  pageTimeZone: string;
  /** SYNC_QUARANTINE_AFTER: full syncs failed in a row before quarantine; 0 never. */
  quarantineAfter: number;
  /** SYNC_QUARANTINE_INTERVAL: the full syncs' cadence while quarantined, ms. */
  quarantineIntervalMs: number;
  /** NOTIFY_*: where operators are told (notify/notify-config.ts). */
  notify: NotifyConfig;
}

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
export function loadConfig(env: EnvRecord, options: { requireCredentials?: boolean } = {}): Config {
  const e = parseEnv(RunnerEnv, env);
  return {
    ...scimSection(e, options.requireCredentials !== false),
    ...storeSection(e),
    ...syncSection(e),
    ...scheduleSection(e),
    ...httpSection(e),
    notify: notifySection(e, hostname()),
  };
}

type ScimSection = Pick<
  Config,
  | "ssoBaseUrl"
  | "scimBaseUrl"
  | "tokenUrl"
  | "auth"
  | "rateLimitPerMinute"
  | "pageSize"
  | "requestTimeoutMs"
  | "maxRetries"
  | "maxResponseBytes"
>;

const stripSlash = (u: string) => u.replace(/\/+$/, "");

/** The SSO's addresses and the client's credentials and limits. */
function scimSection(e: RunnerEnv, requireCredentials: boolean): ScimSection {
  const ssoBaseUrl = stripSlash(e.SSO_BASE_URL ?? "http://localhost:5173");
  const tokenUrl = e.SCIM_TOKEN_URL ?? `${ssoBaseUrl}/scim/v2/token`;
  // The demo's secret is public: only the development SSO on this machine may take it.
  if (e.SCIM_CLIENT_SECRET === DEMO_CLIENT_SECRET && !isLoopbackUrl(tokenUrl)) {
    throw new ConfigError(
      "SCIM_CLIENT_SECRET",
      "SCIM_CLIENT_SECRET is the demo's placeholder from .env.example, refused for an SSO " +
        "other than the development one on this machine: set the secret from Aksara SSO's admin console",
    );
  }
  return {
    ssoBaseUrl,
    scimBaseUrl: stripSlash(e.SCIM_BASE_URL ?? `${ssoBaseUrl}/scim/v2`),
    tokenUrl,
    auth: scimAuth(e, requireCredentials),
    rateLimitPerMinute: e.SCIM_RATE_LIMIT,
    pageSize: e.SCIM_PAGE_SIZE,
    requestTimeoutMs: e.SCIM_TIMEOUT_MS,
    maxRetries: e.SCIM_MAX_RETRIES,
    maxResponseBytes: e.SCIM_MAX_RESPONSE_BYTES,
  };
}

/** A static bearer token wins; else client credentials; else the guide's error. */
function scimAuth(e: RunnerEnv, requireCredentials: boolean): Config["auth"] {
  if (e.SCIM_BEARER_TOKEN) return { kind: "bearer", token: e.SCIM_BEARER_TOKEN };
  if (e.SCIM_CLIENT_ID && e.SCIM_CLIENT_SECRET) {
    return {
      kind: "client_credentials",
      clientId: e.SCIM_CLIENT_ID,
      clientSecret: e.SCIM_CLIENT_SECRET,
      method: e.SCIM_TOKEN_AUTH,
      ...(e.SCIM_TOKEN_SCOPE ? { scope: e.SCIM_TOKEN_SCOPE } : {}),
      ...(e.SCIM_TOKEN_AUDIENCE ? { audience: e.SCIM_TOKEN_AUDIENCE } : {}),
    };
  }
  if (!requireCredentials) return { kind: "bearer", token: "" };
  throw new ConfigError(["SCIM_CLIENT_ID", "SCIM_CLIENT_SECRET"], CREDENTIALS_MISSING_MESSAGE);
}

/** Where the data lives and how long history is kept. */
function storeSection(e: RunnerEnv): Pick<Config, "mongoUri" | "mongoDb" | "historyTtlDays"> {
  return {
    mongoUri: e.MONGODB_URI ?? "mongodb://127.0.0.1:27017",
    mongoDb: e.MONGODB_DB ?? "ofm",
    historyTtlDays: e.SYNC_HISTORY_TTL_DAYS,
  };
}

/** What a sync writes and the guard that bounds its deactivations. */
function syncSection(
  e: RunnerEnv,
): Pick<
  Config,
  | "memoryBudgetMB"
  | "maxDeactivate"
  | "guardWindowMs"
  | "superAdminEmails"
  | "excludeFields"
  | "maxSyncDurationMs"
  | "purgeMax"
  | "matchOn"
  | "purgeMaxMissingShare"
> {
  return {
    memoryBudgetMB: e.SYNC_MEMORY_BUDGET_MB,
    maxDeactivate: e.SYNC_MAX_DEACTIVATE,
    purgeMax: e.PURGE_MAX,
    guardWindowMs: e.SYNC_GUARD_WINDOW,
    superAdminEmails: e.SUPER_ADMIN_EMAILS.map(foldAsciiCase),
    excludeFields: checkedExcludeFields(e.SYNC_EXCLUDE_FIELDS),
    maxSyncDurationMs: e.SYNC_MAX_DURATION,
    // employeeNumber is the SCIM name of OFM's userId (the guide's mapping).
    matchOn: e.SYNC_MATCH_ON === "employeeNumber" ? "userId" : e.SYNC_MATCH_ON,
    purgeMaxMissingShare: parseShare(e.PURGE_MAX_MISSING_SHARE, 0.1),
  };
}

/** A share written as `10%` or `0.1`. */
function parseShare(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(text);
  const value = pct ? Number(pct[1]) / 100 : Number(text);
  if (Number.isFinite(value) && value >= 0 && value <= 1) return value;
  throw new ConfigError(
    "PURGE_MAX_MISSING_SHARE",
    "PURGE_MAX_MISSING_SHARE must be a share such as 10% or 0.1 (0 to 100%)",
  );
}

/** SYNC_EXCLUDE_FIELDS may name synced user fields only, and never isActive. */
function checkedExcludeFields(fields: string[]): string[] {
  const allowed = USER_SYNC_FIELDS.filter((f) => f !== "isActive");
  const bad = fields.find((f) => !(allowed as readonly string[]).includes(f));
  if (bad === undefined) return fields;
  throw new ConfigError(
    "SYNC_EXCLUDE_FIELDS",
    `SYNC_EXCLUDE_FIELDS names "${bad}": allowed are ${allowed.join(", ")}` +
      " (isActive always syncs, so deactivation keeps working)",
  );
}

/** When runs start, and the lease that keeps replicas from overlapping. */
function scheduleSection(
  e: RunnerEnv,
): Pick<
  Config,
  | "syncIntervalMs"
  | "deltaIntervalMs"
  | "syncOnStart"
  | "jitterMs"
  | "shutdownGraceMs"
  | "leaseTtlMs"
  | "runnerId"
  | "quarantineAfter"
  | "quarantineIntervalMs"
> {
  return {
    quarantineAfter: e.SYNC_QUARANTINE_AFTER,
    quarantineIntervalMs: e.SYNC_QUARANTINE_INTERVAL,
    syncIntervalMs: e.SYNC_INTERVAL,
    deltaIntervalMs: e.SYNC_DELTA_INTERVAL,
    syncOnStart: e.SYNC_ON_START,
    jitterMs: parseJitter(e.SYNC_JITTER, e.SYNC_INTERVAL),
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    leaseTtlMs: e.LEASE_TTL_MS,
    runnerId: e.RUNNER_ID ?? null,
  };
}

/** The server, its admin token, the ingestion API and the runner's own webhook route. */
function httpSection(
  e: RunnerEnv,
): Pick<
  Config,
  | "port"
  | "host"
  | "adminToken"
  | "ingestSecrets"
  | "ingestMaxInFlight"
  | "webhook"
  | "logLevel"
  | "pageTimeZone"
> {
  return {
    port: e.PORT,
    host: e.HOST ?? "127.0.0.1",
    adminToken: e.ADMIN_TOKEN,
    ingestSecrets: e.INGEST_SECRET,
    ingestMaxInFlight: e.INGEST_MAX_IN_FLIGHT,
    webhook: webhookConfig(e),
    logLevel: e.LOG_LEVEL,
    pageTimeZone: e.PAGE_TIME_ZONE ?? "UTC",
  };
}

/** Whether the runtime knows an IANA zone name. */
function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function parseJitter(text: string | undefined, intervalMs: number): number {
  if (text === undefined) return Math.round(intervalMs * 0.05);
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(text);
  if (pct) return Math.round((intervalMs * Number(pct[1])) / 100);
  const ms = parseDuration(text);
  if (ms === null) {
    throw new ConfigError(
      "SYNC_JITTER",
      "SYNC_JITTER must be a percentage such as 5% or a duration such as 30s",
    );
  }
  return ms;
}
