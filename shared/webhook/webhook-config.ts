/**
 * The webhook section of the environment, read the same way by the edge and
 * by the runner's own `POST /api/v1/scim/webhook`: the SCIM and Standard
 * Webhooks secrets, the body limit, the replay window and the source
 * allowlist (WEBHOOK_ALLOWED_IPS, TRUSTED_PROXIES). One function turns
 * it into the options of the webhook app factory, so neither side can forget
 * a variable.
 *
 * @module
 */
import { z } from "zod";
import { envBool, envInt, envSecrets, splitList } from "../env.ts";
import { type Cidr, parseCidr } from "./ip-address.ts";
import type { RemoteAddress } from "./source-allowlist.ts";
import { MIN_SECRET_BYTES } from "../secret-rules.ts";
import { standardWebhookKeyBytes } from "../standard-webhooks.ts";
import type { Forward, WebhookAppOptions } from "./app.ts";
import type { Logger } from "../logger.ts";

/** WEBHOOK_MAX_BYTES when unset: 256 KiB, far above one SCIM resource. */
export const DEFAULT_WEBHOOK_MAX_BYTES = 256 * 1024;
/** WEBHOOK_TOLERANCE_SECONDS when unset: Standard Webhooks' five minutes. */
export const DEFAULT_WEBHOOK_TOLERANCE_SECONDS = 300;

const STANDARD_MESSAGE =
  `STANDARD_WEBHOOK_SECRET must be whsec_ followed by base64 of at least ${MIN_SECRET_BYTES} bytes`;

/** Whether a `whsec_…` secret decodes to a key of at least MIN_SECRET_BYTES. */
function isLongEnoughStandardSecret(secret: string): boolean {
  try {
    return standardWebhookKeyBytes(secret).byteLength >= MIN_SECRET_BYTES;
  } catch {
    return false;
  }
}

/** A comma-separated list of CIDR blocks; each bad one named in the message. */
function envCidrs() {
  return z.string().optional().transform((v, ctx): Cidr[] => {
    const out: Cidr[] = [];
    for (const item of splitList(v ?? "")) {
      const parsed = parseCidr(item);
      if (parsed.ok) out.push(parsed.cidr);
      else ctx.addIssue({ code: "custom", message: `must list CIDR blocks: ${parsed.message}` });
    }
    return out;
  });
}

/**
 * The variables of the section as zod fields; spread into a side's schema.
 * SCIM_WEBHOOK_SECRET is optional here: the runner serves the route only
 * when it is set, the edge makes it required.
 *
 * @example
 * ```ts
 * const EdgeEnv = z.object({ ...WEBHOOK_ENV_FIELDS, PORT: envInt(8000, 0, 65535) });
 * ```
 */
export const WEBHOOK_ENV_FIELDS = {
  SCIM_WEBHOOK_SECRET: envSecrets("SCIM_WEBHOOK_SECRET"),
  STANDARD_WEBHOOK_SECRET: z.string().optional().transform((v, ctx): string[] => {
    const all = splitList(v ?? "");
    if (!all.every(isLongEnoughStandardSecret)) {
      ctx.addIssue({ code: "custom", message: STANDARD_MESSAGE });
    }
    return all;
  }),
  WEBHOOK_MAX_BYTES: envInt(DEFAULT_WEBHOOK_MAX_BYTES, 1),
  WEBHOOK_TOLERANCE_SECONDS: envInt(DEFAULT_WEBHOOK_TOLERANCE_SECONDS, 1, 86_400),
  WEBHOOK_REQUIRE_TIMESTAMP: envBool(false),
  WEBHOOK_ALLOWED_IPS: envCidrs(),
  TRUSTED_PROXIES: envCidrs(),
} as const;

/** The section's variables; parse it with `parseEnv(WebhookEnv, env)`. */
export const WebhookEnv = z.object(WEBHOOK_ENV_FIELDS);
/** The parsed variables of the section. */
export type WebhookEnv = z.infer<typeof WebhookEnv>;

/** The section as the code uses it. */
export interface WebhookConfig {
  /** SCIM_WEBHOOK_SECRET values; several during a rotation; empty: no webhook route. */
  secrets: string[];
  /** STANDARD_WEBHOOK_SECRET values (`whsec_…`). */
  standardSecrets: string[];
  /** WEBHOOK_MAX_BYTES. */
  maxBytes: number;
  /** WEBHOOK_TOLERANCE_SECONDS; also how far in the future a resource version may lie. */
  toleranceSeconds: number;
  /** WEBHOOK_REQUIRE_TIMESTAMP. */
  requireTimestamp: boolean;
  /** WEBHOOK_ALLOWED_IPS; empty: every source. */
  allowedIps: Cidr[];
  /** TRUSTED_PROXIES: peers whose X-Forwarded-For is believed. */
  trustedProxies: Cidr[];
}

/**
 * The section from parsed variables.
 *
 * @param env the parsed variables (a side's schema includes WEBHOOK_ENV_FIELDS)
 * @returns the section
 * @example
 * ```ts
 * const webhook = webhookConfig(parseEnv(WebhookEnv, process.env));
 * webhook.toleranceSeconds; // 300 when unset
 * ```
 */
export function webhookConfig(env: WebhookEnv): WebhookConfig {
  return {
    secrets: env.SCIM_WEBHOOK_SECRET,
    standardSecrets: env.STANDARD_WEBHOOK_SECRET,
    maxBytes: env.WEBHOOK_MAX_BYTES,
    toleranceSeconds: env.WEBHOOK_TOLERANCE_SECONDS,
    requireTimestamp: env.WEBHOOK_REQUIRE_TIMESTAMP,
    allowedIps: env.WEBHOOK_ALLOWED_IPS,
    trustedProxies: env.TRUSTED_PROXIES,
  };
}

/**
 * The webhook app's options from the section: every secret and every limit,
 * so the edge and the runner's route honour the same variables.
 *
 * @param config the section
 * @param deps where events go, the log, the clock, the peer address getter (for the allowlist),
 *   whether the forward gets the request's signal
 * @returns the options of `createWebhookApp`
 * @example
 * ```ts
 * const app = createWebhookApp(webhookAppOptions(config.webhook, { forward, logger, remoteAddress }));
 * ```
 */
export function webhookAppOptions(
  config: WebhookConfig,
  deps: {
    forward: Forward;
    logger?: Logger;
    now?: () => Date;
    remoteAddress?: RemoteAddress;
    /** See `WebhookAppOptions.requestSignal`. @default true */
    requestSignal?: boolean;
  },
): WebhookAppOptions {
  return {
    secrets: config.secrets,
    standardWebhookSecrets: config.standardSecrets,
    limits: {
      maxBytes: config.maxBytes,
      toleranceSeconds: config.toleranceSeconds,
      requireTimestamp: config.requireTimestamp,
    },
    allowedIps: config.allowedIps,
    trustedProxies: config.trustedProxies,
    forward: deps.forward,
    ...(deps.remoteAddress ? { remoteAddress: deps.remoteAddress } : {}),
    ...(deps.logger ? { logger: deps.logger } : {}),
    ...(deps.now ? { now: deps.now } : {}),
    ...(deps.requestSignal === undefined ? {} : { requestSignal: deps.requestSignal }),
  };
}
