/**
 * The edge's configuration from its environment, parsed by zod. Secrets must
 * be at least 16 bytes: a short one is a configuration error at start, not a
 * weak key in production. Messages name variables, never values.
 *
 * @module
 */
import { z } from "zod";
import { ConfigError } from "../shared/errors.ts";
import { isLongEnoughSecret, MIN_SECRET_BYTES, shortSecretMessage } from "../shared/secret-rules.ts";
import { standardWebhookKeyBytes } from "../shared/standard-webhooks.ts";

const list = (v: string) => v.split(",").map((s) => s.trim()).filter((s) => s.length > 0);

/** A comma-separated list of secrets (a rotation), each at least 16 bytes. */
const secrets = (name: string) =>
  z.string({ message: `${name} must be set (openssl rand -hex 32)` }).transform((v, ctx) => {
    const all = list(v);
    if (all.length === 0) {
      ctx.addIssue({ code: "custom", message: `${name} must be set (openssl rand -hex 32)` });
    }
    if (!all.every(isLongEnoughSecret)) ctx.addIssue({ code: "custom", message: shortSecretMessage(name) });
    return all;
  });

/** `whsec_<base64>` secrets whose keys are at least 16 bytes; optional. */
const standardSecrets = z.string().optional().transform((v, ctx) => {
  const all = list(v ?? "");
  for (const s of all) {
    let bytes = 0;
    try {
      bytes = standardWebhookKeyBytes(s).byteLength;
    } catch {
      // reported below
    }
    if (bytes < MIN_SECRET_BYTES) {
      ctx.addIssue({
        code: "custom",
        message:
          `STANDARD_WEBHOOK_SECRET must be whsec_ followed by base64 of at least ${MIN_SECRET_BYTES} bytes`,
      });
      break;
    }
  }
  return all;
});

const int = (name: string, fallback: number) =>
  z.coerce.number({ message: `${name} must be a positive integer` }).int(
    `${name} must be a positive integer`,
  )
    .positive(`${name} must be a positive integer`).default(fallback);

/** The edge's variables; defaults as documented in .env.example. */
export const EdgeEnv = z.object({
  SCIM_WEBHOOK_SECRET: secrets("SCIM_WEBHOOK_SECRET"),
  INGEST_SECRET: secrets("INGEST_SECRET"),
  OFM_INGEST_URL: z.url({ message: "OFM_INGEST_URL must be a URL" }).default(
    "http://127.0.0.1:5174/api/v1/scim/events",
  ),
  PORT: z.coerce.number().int().min(0).max(65535, "PORT must be 0–65535").default(8000),
  WEBHOOK_TOLERANCE_SECONDS: int("WEBHOOK_TOLERANCE_SECONDS", 300),
  WEBHOOK_REQUIRE_TIMESTAMP: z.string().toLowerCase()
    .pipe(
      z.enum(["true", "false", "1", "0"], {
        message: "WEBHOOK_REQUIRE_TIMESTAMP must be true or false",
      }),
    )
    .default("false").transform((v) => v === "true" || v === "1"),
  WEBHOOK_MAX_BYTES: int("WEBHOOK_MAX_BYTES", 256 * 1024),
  FORWARD_DEADLINE_MS: int("FORWARD_DEADLINE_MS", 10_000),
  STANDARD_WEBHOOK_SECRET: standardSecrets,
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"], {
    message: "LOG_LEVEL must be debug, info, warn or error",
  })
    .default("info"),
});
/** The parsed configuration: secrets as lists, numbers as numbers. */
export type EdgeConfig = z.infer<typeof EdgeEnv>;

/**
 * Parses the edge's environment. Empty variables count as unset.
 *
 * @param env the environment (`Deno.env.toObject()`)
 * @returns the typed configuration
 * @throws {ConfigError} naming each wrong variable, never its value
 *
 * @example
 * ```ts
 * const config = loadEdgeConfig(Deno.env.toObject());
 * config.SCIM_WEBHOOK_SECRET; // ["…", "…"] during a rotation
 * ```
 */
export function loadEdgeConfig(env: Readonly<Record<string, string | undefined>>): EdgeConfig {
  const clean = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ""),
  );
  const parsed = EdgeEnv.safeParse(clean);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues;
  const names = [...new Set(issues.map((i) => String(i.path[0])))];
  // zod's own messages never quote the input; ours start with the variable's name.
  const text = issues.map((
    i,
  ) => (i.message.startsWith(String(i.path[0]))
    ? i.message
    : `${String(i.path[0])}: ${i.message}`)
  );
  throw new ConfigError(names, `Invalid configuration: ${[...new Set(text)].join("; ")}`);
}
