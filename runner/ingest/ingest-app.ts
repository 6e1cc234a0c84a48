/**
 * The OFM ingestion API, `POST /api/v1/scim/events`: accepts mapped events
 * from the edge (signed with INGEST_SECRET by the same shared code) and
 * applies each exactly once. A 2xx means the event is stored; a failure is a
 * 5xx so the edge, and behind it the SSO, delivers it again.
 *
 * @module
 */
import { Hono } from "hono";
import { readLimited } from "../../edge/raw-body.ts";
import type { ForwardResult } from "../../edge/app.ts";
import { INVALID_SIGNATURE_MESSAGE } from "../../shared/errors.ts";
import { type Logger, silentLogger } from "../../shared/logger.ts";
import { verifyScimSignature } from "../../shared/signature.ts";
import { ForwardedEvent } from "../../shared/webhook-event.ts";
import type { ApplyResult, EventStore } from "../store/event-store.ts";

/** Options of {@linkcode createIngestApp}. */
export interface IngestAppOptions {
  /** INGEST_SECRET values (several during a rotation). */
  secrets: readonly string[];
  store: Pick<EventStore, "apply">;
  logger?: Logger;
  /** Called with every outcome (metrics). */
  onApplied?: (status: ApplyResult["status"]) => void;
}

/**
 * Logs the guide's line for an applied event.
 *
 * @example
 * ```ts
 * logApplied(logger, event, { status: "success", change: "updated" });
 * // ✅ User updated via webhook: john.doe@ias.co.id
 * ```
 */
export function logApplied(log: Logger, e: ForwardedEvent, r: ApplyResult): void {
  const who = e.user?.email ?? e.orgUnit?.unitName ?? e.resourceId;
  const what = e.resourceType === "User" ? "User" : "Org unit";
  if (r.status === "success") log.info(`✅ ${what} ${r.change ?? e.action} via webhook: ${who}`, { eventId: e.eventId });
  else if (r.status === "failed") log.error(`❌ Webhook event failed: ${e.event} ${e.resourceId}: ${r.error}`, { eventId: e.eventId });
  else log.info(`ℹ️ Webhook event ${r.status}: ${e.event} ${e.resourceId}`, { eventId: e.eventId });
}

/**
 * Creates the ingestion app.
 *
 * @example
 * ```ts
 * app.route("/", createIngestApp({ secrets: [ingestSecret], store: createEventStore(db) }));
 * ```
 */
export function createIngestApp(options: IngestAppOptions): Hono {
  if (options.secrets.length === 0) throw new TypeError("createIngestApp needs at least one INGEST_SECRET");
  const log = options.logger ?? silentLogger;
  const app = new Hono();
  app.post("/api/v1/scim/events", async (c) => {
    let bytes: Uint8Array;
    try {
      bytes = await readLimited(c.req.raw, 1024 * 1024);
    } catch {
      return c.json({ error: "Body too large" }, 413);
    }
    if (!(await verifyScimSignature(c.req.header("x-scim-signature"), bytes, options.secrets))) {
      log.warn("🔒 Ingestion rejected: invalid signature");
      return c.json({ error: INVALID_SIGNATURE_MESSAGE }, 401);
    }
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
    } catch {
      return c.json({ error: "Body is not valid JSON" }, 400);
    }
    const parsed = ForwardedEvent.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return c.json({ error: `Invalid event: ${issue?.path.join(".") || "(root)"}: ${issue?.message}` }, 400);
    }
    const result = await options.store.apply(parsed.data);
    options.onApplied?.(result.status);
    logApplied(log, parsed.data, result);
    if (result.status === "failed") return c.json({ status: "failed", error: "Event could not be applied; retry" }, 500);
    return c.json({ status: result.status, eventId: parsed.data.eventId }, 200);
  });
  return app;
}

/**
 * A forward function for the webhook app mounted on the runner itself: no
 * HTTP hop, same exactly-once store.
 *
 * @example
 * ```ts
 * createWebhookApp({ secrets, forward: createInProcessForward(events, logger) });
 * ```
 */
export function createInProcessForward(
  store: Pick<EventStore, "apply">,
  logger: Logger = silentLogger,
  onApplied?: (status: ApplyResult["status"]) => void,
): (e: ForwardedEvent) => Promise<ForwardResult> {
  return async (e) => {
    const r = await store.apply(e);
    onApplied?.(r.status);
    logApplied(logger, e, r);
    return r.status === "failed" ? { ok: false, reason: r.error ?? "apply failed" } : { ok: true, status: r.status };
  };
}
