/**
 * The webhook edge: a Hono app factory for `POST /api/v1/scim/webhook`.
 * Checks run cheapest first and before any work: content type, then the
 * signed-body middleware (size counted while streaming, the HMAC of the exact
 * bytes, UTF-8 and JSON), then schema and the replay window; the event is mapped and handed to `forward`, and the SSO
 * gets 200 only once the ingestion API has stored it.
 *
 * @module
 */
import { Hono, type MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { mapWebhookEvent } from "../event-mapping.ts";
import { INVALID_SIGNATURE_MESSAGE } from "../errors.ts";
import { type Logger, silentLogger } from "../logger.ts";
import type { ForwardedEvent } from "../webhook-event.ts";
import type { ErrorAnswer, WebhookIgnored, WebhookStored } from "./answers.ts";
import type { Cidr } from "./ip-address.ts";
import { envelopeFromJson } from "./parse-envelope.ts";
import { signedBody, type VerifyResult } from "./signed-body.ts";
import { type RemoteAddress, sourceAllowlist } from "./source-allowlist.ts";
import { verifyWebhookSignature, withinReplayWindow } from "./verify-request.ts";

/** What the ingestion side answered: stored (`success`, `duplicate`, `stale`, `held`) or not. */
export type ForwardResult = { ok: true; status: WebhookStored["status"] } | {
  ok: false;
  reason: string;
};

/**
 * Hands a mapped event to the ingestion API; resolves only once it is stored.
 * `withinMs` shortens the forwarder's own deadline (absent: its default);
 * `signal` is the incoming request's, aborted when the SSO has gone, so an
 * in-process forward does not apply the event late (the SSO sends it again).
 */
export type Forward = (
  event: ForwardedEvent,
  withinMs?: number,
  signal?: AbortSignal,
) => Promise<ForwardResult>;

/** Limits of {@linkcode createWebhookApp}, checked before any work. */
export interface WebhookLimits {
  /** Largest body accepted (WEBHOOK_MAX_BYTES). @default 262144 (256 KiB) */
  maxBytes?: number;
  /** Replay window around the body's timestamp, both directions (WEBHOOK_TOLERANCE_SECONDS). @default 300 */
  toleranceSeconds?: number;
  /** Refuse bodies without a timestamp (WEBHOOK_REQUIRE_TIMESTAMP). @default false */
  requireTimestamp?: boolean;
}

/** Options of {@linkcode createWebhookApp}. */
export interface WebhookAppOptions {
  /** SCIM_WEBHOOK_SECRET values; several during a rotation. */
  secrets: readonly string[];
  /** `whsec_…` secrets: requests with Standard Webhooks headers are verified with these. @default [] */
  standardWebhookSecrets?: readonly string[];
  forward: Forward;
  /** @default () => new Date() */
  now?: () => Date;
  /** @default {} (each limit's default) */
  limits?: WebhookLimits;
  /** @default silentLogger */
  logger?: Logger;
  /** WEBHOOK_ALLOWED_IPS: sources allowed; others get 403 before the body is read. @default [] (all) */
  allowedIps?: readonly Cidr[];
  /** TRUSTED_PROXIES: peers whose X-Forwarded-For is believed. @default [] */
  trustedProxies?: readonly Cidr[];
  /** The connection's peer address (the runtime's connection info); required with allowedIps. */
  remoteAddress?: RemoteAddress;
  /**
   * Hand `forward` the request's abort signal. Deno.serve charges every request whose
   * `signal` is read (one more op, and an abort with a DOMException after each answer:
   * ~15 µs of CPU a request, bench/edge-load.ts), so a forward that ignores it (the HTTP
   * forwarders) leaves it unread. @default true
   */
  requestSignal?: boolean;
}

const JSON_TYPE = /^application\/([\w.+-]*\+)?json\s*(;|$)/i;
const unauthorized = () => new HTTPException(401, { message: INVALID_SIGNATURE_MESSAGE });

/** What the signature check proved, and the instant the request is judged at. */
interface Verified {
  at: Date;
  idempotencyKey: string;
}

type ResolvedLimits = Required<WebhookLimits>;

/**
 * Creates the webhook app. Runtime-agnostic: Deno serves it in edge/main.ts,
 * the runner mounts it for deployments without an edge; both build its
 * options with `webhookAppOptions` (webhook-config.ts).
 *
 * Answers: 200 stored · 202 unknown event type (ignored) · 400 not UTF-8, not
 * JSON or not the schema (with the field path) · 401 `Invalid webhook
 * signature` for any signature or replay failure · 403 source address not in
 * WEBHOOK_ALLOWED_IPS (before the body is read) · 413 too large · 415 not
 * JSON · 503 the ingestion API did not store it in time (the SSO retries).
 *
 * @param options secrets, forward function, clock, limits, logger
 * @returns a Hono app serving `POST /api/v1/scim/webhook`
 * @throws {TypeError} when no secret is given, or an allowlist without a remoteAddress getter
 * @throws {RangeError} when a limit is not a positive integer
 *
 * @example Serving it on Deno
 * ```ts
 * const app = createWebhookApp({ secrets: [secret], forward: async () => ({ ok: true, status: "success" }) });
 * Deno.serve(app.fetch);
 * ```
 */
export function createWebhookApp(options: WebhookAppOptions): Hono {
  if (options.secrets.length === 0) {
    throw new TypeError("createWebhookApp needs at least one secret");
  }
  const limits = resolveLimits(options.limits);
  const now = options.now ?? (() => new Date());
  const log = options.logger ?? silentLogger;
  const allowlist = allowlistOf(options, log);
  const passSignal = options.requestSignal ?? true;
  const verify = async (headers: Headers, bytes: Uint8Array): Promise<VerifyResult<Verified>> => {
    const at = now();
    const check = await verifyWebhookSignature(headers, bytes, {
      secrets: options.secrets,
      standardSecrets: options.standardWebhookSecrets,
      nowMs: at.getTime(),
      toleranceSeconds: limits.toleranceSeconds,
    });
    return check.ok ? { ok: true, value: { at, idempotencyKey: check.idempotencyKey } } : check;
  };
  const app = new Hono();
  // First, before anything reads the body; absent when WEBHOOK_ALLOWED_IPS is empty.
  if (allowlist) app.use("/api/v1/scim/webhook", allowlist);
  app.post(
    "/api/v1/scim/webhook",
    requireJson,
    signedBody({
      maxBytes: limits.maxBytes,
      verify,
      onRefused: (reason) => log.warn("🔒 Webhook rejected: invalid signature", { reason }),
    }),
    async (c) => {
      const { json, verified } = c.get("signedBody");
      const mapped = admitEvent(json, verified, limits, log);
      if (!mapped.ok) {
        log.info(`ℹ️ Webhook ignored: unknown event ${mapped.event}`);
        const ignored: WebhookIgnored = {
          status: "ignored",
          reason: `unknown event ${mapped.event}`,
        };
        return c.json(ignored, 202);
      }
      const result = await forwardEvent(
        options.forward,
        mapped.event,
        passSignal ? c.req.raw.signal : undefined,
      );
      if (!result.ok) {
        log.error(`❌ Webhook not stored: ${result.reason}`, { eventId: mapped.event.eventId });
        throw new HTTPException(503, { message: "Event not stored yet; retry later" });
      }
      const stored: WebhookStored = { status: result.status, eventId: mapped.event.eventId };
      return c.json(stored, 200);
    },
  );
  app.onError((err, c) => {
    if (err instanceof HTTPException) {
      return c.json({ error: err.message } satisfies ErrorAnswer, err.status);
    }
    log.error("❌ Webhook handler failed", {
      error: err instanceof Error ? err.message : String(err),
    });
    return c.json({ error: "Internal Server Error" } satisfies ErrorAnswer, 500);
  });
  return app;
}

/** Each limit or its default, checked up front. */
function resolveLimits(limits: WebhookLimits = {}): ResolvedLimits {
  const resolved = {
    maxBytes: limits.maxBytes ?? 256 * 1024,
    toleranceSeconds: limits.toleranceSeconds ?? 300,
    requireTimestamp: limits.requireTimestamp ?? false,
  };
  for (const name of ["maxBytes", "toleranceSeconds"] as const) {
    const value = resolved[name];
    if (!Number.isInteger(value) || value <= 0) {
      throw new RangeError(`${name} must be a positive integer, got ${value}`);
    }
  }
  return resolved;
}

/** The source allowlist; none when WEBHOOK_ALLOWED_IPS is empty (not even a pass-through step). */
function allowlistOf(options: WebhookAppOptions, log: Logger): MiddlewareHandler | null {
  const allowed = options.allowedIps ?? [];
  const remoteAddress = options.remoteAddress;
  if (allowed.length > 0 && !remoteAddress) {
    throw new TypeError("createWebhookApp needs remoteAddress when allowedIps is set");
  }
  if (allowed.length === 0) return null;
  return sourceAllowlist({
    allowed,
    trustedProxies: options.trustedProxies ?? [],
    remoteAddress: remoteAddress ?? (() => undefined),
    onRefused: (address) => log.warn("🔒 Webhook rejected: source not allowed", { address }),
  });
}

/** 415 before anything is read: the cheapest refusal comes first. */
const requireJson: MiddlewareHandler = async (c, next) => {
  if (!JSON_TYPE.test(c.req.header("content-type") ?? "")) {
    throw new HTTPException(415, { message: "Content-Type must be application/json" });
  }
  await next();
};

/**
 * The verified body as a mapped event: the envelope's schema (400), its
 * replay window (401), then the mapping (400 for bad data). An unknown event
 * type is returned as such, for a 202.
 */
function admitEvent(
  json: object,
  verified: Verified,
  limits: ResolvedLimits,
  log: Logger,
): { ok: true; event: ForwardedEvent } | { ok: false; event: string } {
  const parsed = envelopeFromJson(json);
  if (!parsed.ok) throw new HTTPException(400, { message: parsed.message });
  const envelope = parsed.envelope;
  const at = verified.at;
  if (
    !withinReplayWindow(
      envelope.timestamp,
      at.getTime(),
      limits.toleranceSeconds,
      limits.requireTimestamp,
    )
  ) {
    log.warn("🔒 Webhook rejected: timestamp outside the replay window", {
      event: envelope.event,
      eventId: envelope.id,
    });
    throw unauthorized();
  }
  log.info(`📥 Webhook received: ${envelope.event} (${envelope.resourceType})`, {
    eventId: envelope.id,
  });
  const mapped = mapWebhookEvent(envelope, envelope.id ?? verified.idempotencyKey, at);
  if (!mapped.ok && mapped.reason === "unknown_event") return { ok: false, event: mapped.event };
  if (!mapped.ok) {
    throw new HTTPException(400, { message: `Invalid data: ${mapped.error.message}` });
  }
  return { ok: true, event: mapped.event };
}

/** A forward that throws did not store the event either: the SSO must retry, not see a 500. */
async function forwardEvent(
  forward: Forward,
  event: ForwardedEvent,
  signal: AbortSignal | undefined,
): Promise<ForwardResult> {
  try {
    return await forward(event, undefined, signal);
  } catch (e) {
    return { ok: false, reason: e instanceof Error ? e.message : String(e) };
  }
}
