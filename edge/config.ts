/**
 * The edge's configuration from its environment, parsed by zod. Secrets must
 * be at least 16 bytes: a short one is a configuration error at start, not a
 * weak key in production. Messages name variables, never values.
 *
 * @module
 */
import { z } from "zod";
import { ConfigError } from "../shared/errors.ts";

const secrets = (name: string) =>
  z.string({ message: `${name} must be set` }).transform((v, ctx) => {
    const list = v.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
    if (list.length === 0) ctx.addIssue({ code: "custom", message: `${name} must be set` });
    if (list.some((s) => new TextEncoder().encode(s).byteLength < 16)) {
      ctx.addIssue({ code: "custom", message: `${name} must be at least 16 bytes (openssl rand -hex 32)` });
    }
    return list;
  });
const int = (d: number) => z.coerce.number().int().positive().default(d);

const EdgeEnv = z.object({
  SCIM_WEBHOOK_SECRET: secrets("SCIM_WEBHOOK_SECRET"),
  INGEST_SECRET: secrets("INGEST_SECRET"),
  OFM_INGEST_URL: z.url().default("http://127.0.0.1:5174/api/v1/scim/events"),
  PORT: z.coerce.number().int().min(0).max(65535).default(8000),
  WEBHOOK_TOLERANCE_SECONDS: int(300),
  WEBHOOK_REQUIRE_TIMESTAMP: z.enum(["true", "false"]).default("false").transform((v) => v === "true"),
  WEBHOOK_MAX_BYTES: int(256 * 1024),
  FORWARD_DEADLINE_MS: int(10_000),
  STANDARD_WEBHOOK_SECRET: z.string().optional().transform((v) =>
    (v ?? "").split(",").map((s) => s.trim()).filter((s) => s.length > 0)
  ),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
});
export type EdgeConfig = z.infer<typeof EdgeEnv>;

/**
 * Parses the edge's environment.
 *
 * @throws {ConfigError} naming each wrong variable
 *
 * @example
 * ```ts
 * const config = loadEdgeConfig(Deno.env.toObject());
 * ```
 */
export function loadEdgeConfig(env: Record<string, string | undefined>): EdgeConfig {
  const clean = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = EdgeEnv.safeParse(clean);
  if (!parsed.success) {
    const names = [...new Set(parsed.error.issues.map((i) => String(i.path[0])))];
    throw new ConfigError(names, `Invalid configuration: ${parsed.error.issues.map((i) => i.message.startsWith(String(i.path[0])) ? i.message : `${String(i.path[0])} ${i.message}`).join("; ")}`);
  }
  return parsed.data;
}
