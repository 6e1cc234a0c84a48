/**
 * The webhook edge: a Hono app factory for `POST /api/v1/scim/webhook`.
 * Checks run cheapest first and before any work: content type, size (counted
 * while streaming), the HMAC of the exact bytes, then UTF-8, JSON, schema and
 * the replay window; the event is mapped and handed to `forward`, and the SSO
 * gets 200 only once the ingestion API has stored it.
 *
 * @module
 */
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { mapWebhookEvent } from "../shared/event-mapping.ts";
import { INVALID_SIGNATURE_MESSAGE } from "../shared/errors.ts";
import { type Logger, silentLogger } from "../shared/logger.ts";
import { verifyScimSignature } from "../shared/signature.ts";
import { verifyStandardWebhook } from "../shared/standard-webhooks.ts";
import { type ForwardedEvent, WebhookEnvelope } from "../shared/webhook-event.ts";
import { BodyTooLargeError, readLimited } from "./raw-body.ts";

/** What the ingestion side answered. */
export type ForwardResult = { ok: true; status: string } | { ok: false; reason: string };

/** Options of {@linkcode createWebhookApp}. */
export interface WebhookAppOptions {
  /** SCIM_WEBHOOK_SECRET values; several during a rotation. */
  secrets: readonly string[];
  /** Hands a mapped event to the ingestion API; must resolve only once it is stored. */
  forward: (event: ForwardedEvent) => Promise<ForwardResult>;
  /** @default () => new Date() */
  now?: () => Date;
  /** @default 262144 */
  maxBytes?: number;
  /** Replay window around the body's timestamp, both directions. @default 300 */
  toleranceSeconds?: number;
  /** Reject bodies without a timestamp. @default false */
  requireTimestamp?: boolean;
  /** `whsec_…` secrets: requests with Standard Webhooks headers are verified with these. */
  standardSecrets?: readonly string[];
  logger?: Logger;
}

function standardHeaders(h: Headers) {
  const id = h.get("webhook-id");
  const timestamp = h.get("webhook-timestamp");
  const signature = h.get("webhook-signature");
  return id && timestamp && signature ? { id, timestamp, signature } : null;
}

const unauthorized = () => new HTTPException(401, { message: INVALID_SIGNATURE_MESSAGE });

/**
 * Creates the webhook app. Runtime-agnostic: Deno serves it in edge/main.ts,
 * the runner mounts it for deployments without an edge.
 *
 * @throws {TypeError} when no secret is given
 *
 * @example
 * ```ts
 * const app = createWebhookApp({ secrets: [secret], forward: async () => ({ ok: true, status: "success" }) });
 * Deno.serve(app.fetch);
 * ```
 */
export function createWebhookApp(options: WebhookAppOptions): Hono {
  if (options.secrets.length === 0) throw new TypeError("createWebhookApp needs at least one secret");
  const now = options.now ?? (() => new Date());
  const maxBytes = options.maxBytes ?? 256 * 1024;
  const toleranceMs = (options.toleranceSeconds ?? 300) * 1000;
  const log = options.logger ?? silentLogger;
  const app = new Hono();

  app.post("/api/v1/scim/webhook", async (c) => {
    const type = c.req.header("content-type") ?? "";
    if (!/^application\/([\w.+-]*\+)?json\s*(;|$)/i.test(type)) {
      throw new HTTPException(415, { message: "Content-Type must be application/json" });
    }
    let bytes: Uint8Array;
    try {
      bytes = await readLimited(c.req.raw, maxBytes);
    } catch (e) {
      if (e instanceof BodyTooLargeError) throw new HTTPException(413, { message: `Body larger than ${maxBytes} bytes` });
      throw new HTTPException(400, { message: "Could not read the body" });
    }
    const standard = standardHeaders(c.req.raw.headers);
    let signature = c.req.header("x-scim-signature");
    const valid = standard && options.standardSecrets?.length
      ? await verifyStandardWebhook(standard, bytes, options.standardSecrets, now().getTime(), toleranceMs / 1000)
      : await verifyScimSignature(signature, bytes, options.secrets);
    if (!valid) {
      log.warn("🔒 Webhook rejected: invalid signature");
      throw unauthorized();
    }
    // Standard Webhooks: its message id is the idempotency key.
    if (standard && options.standardSecrets?.length) signature = `std:${standard.id}`;
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      throw new HTTPException(400, { message: "Body is not valid UTF-8" });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new HTTPException(400, { message: "Body is not valid JSON" });
    }
    if (json === null || typeof json !== "object" || Array.isArray(json)) {
      throw new HTTPException(400, { message: "Body must be a JSON object" });
    }
    const parsed = WebhookEnvelope.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new HTTPException(400, { message: `Invalid event: ${issue?.path.join(".") || "(root)"}: ${issue?.message}` });
    }
    const envelope = parsed.data;
    const at = now();
    if (envelope.timestamp !== undefined) {
      if (Math.abs(at.getTime() - Date.parse(envelope.timestamp)) > toleranceMs) {
        log.warn("🔒 Webhook rejected: timestamp outside the replay window", { event: envelope.event });
        throw unauthorized();
      }
    } else if (options.requireTimestamp) {
      throw unauthorized();
    }
    log.info(`📥 Webhook received: ${envelope.event} (${envelope.resourceType})`, { eventId: envelope.id });
    const mapped = mapWebhookEvent(envelope, envelope.id ?? signature ?? "", at);
    if (!mapped.ok && mapped.reason === "unknown_event") {
      log.info(`ℹ️ Webhook ignored: unknown event ${mapped.event}`);
      return c.json({ status: "ignored", reason: `unknown event ${mapped.event}` }, 202);
    }
    if (!mapped.ok) throw new HTTPException(400, { message: `Invalid data: ${mapped.error.message}` });
    const result = await options.forward(mapped.event);
    if (!result.ok) {
      log.error(`❌ Webhook not stored: ${result.reason}`, { eventId: mapped.event.eventId });
      throw new HTTPException(503, { message: "Event not stored yet; retry later" });
    }
    return c.json({ status: result.status, eventId: mapped.event.eventId }, 200);
  });

  app.onError((err, c) => {
    if (err instanceof HTTPException) return c.json({ error: err.message }, err.status);
    log.error("❌ Webhook handler failed", { error: err instanceof Error ? err.message : String(err) });
    return c.json({ error: "Internal Server Error" }, 500);
  });
  return app;
}
