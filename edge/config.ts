/**
 * The edge's configuration from its environment: the webhook section shared
 * with the runner (shared/webhook/webhook-config.ts), with SCIM_WEBHOOK_SECRET
 * required here, plus where and how to forward. Parsed by the toolkit of
 * shared/env.ts: secrets follow the one length rule, messages name
 * variables, never values.
 *
 * @module
 */
import { z } from "zod";
import { envEnum, envInt, type EnvRecord, envSecrets, envUrl, parseEnv } from "../shared/env.ts";
import { WEBHOOK_ENV_FIELDS } from "../shared/webhook/webhook-config.ts";

const DEFAULT_INGEST_URL = "http://127.0.0.1:5174/api/v1/scim/events";

/** The edge's variables; defaults as documented in .env.example. */
export const EdgeEnv = z.object({
  ...WEBHOOK_ENV_FIELDS,
  SCIM_WEBHOOK_SECRET: envSecrets("SCIM_WEBHOOK_SECRET", { required: true }),
  INGEST_SECRET: envSecrets("INGEST_SECRET", { required: true }),
  OFM_INGEST_URL: envUrl(DEFAULT_INGEST_URL).transform((v) => v ?? DEFAULT_INGEST_URL),
  PORT: envInt(8000, 0, 65535),
  FORWARD_DEADLINE_MS: envInt(10_000, 1),
  LOG_LEVEL: envEnum(["debug", "info", "warn", "error"], "info"),
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
export function loadEdgeConfig(env: EnvRecord): EdgeConfig {
  return parseEnv(EdgeEnv, env);
}
