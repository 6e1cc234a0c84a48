/**
 * The OFM ingestion API, `POST /api/v1/scim/events`: accepts mapped events
 * from the edge (signed with INGEST_SECRET by the same shared code) and
 * applies each exactly once. A 2xx means the event is stored; a failure is a
 * 5xx so the edge, and behind it the SSO, delivers it again.
 *
 * @module
 */
import { type Context, Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { Forward } from "../../shared/webhook/app.ts";
import { describeIssues } from "../../shared/webhook/parse-envelope.ts";
import { signedBody } from "../../shared/webhook/signed-body.ts";
import { type Logger, silentLogger } from "../../shared/logger.ts";
import { verifyScimSignature } from "../../shared/signature.ts";
import type { ErrorAnswer, IngestFailed, WebhookStored } from "../../shared/webhook/answers.ts";
import { type BatchAnswer, ForwardedBatch, ForwardedEvent } from "../../shared/webhook-event.ts";
import type { ApplyResult, EventApplier } from "./apply-event.ts";
import { createInFlightGate, type InFlightGate } from "./in-flight-gate.ts";

/** A forwarded event is one mapped resource: far below this. */
const MAX_BYTES = 1024 * 1024;

/** Options of {@linkcode createIngestApp}. */
export interface IngestAppOptions {
  /** INGEST_SECRET values (several during a rotation). */
  secrets: readonly string[];
  store: Pick<EventApplier, "apply">;
  /** @default silentLogger */
  logger?: Logger;
  /** Called with every outcome (metrics). */
  onApplied?: (status: ApplyResult["status"]) => void;
  /** Bounds the events applied at once; share it with the webhook route. @default a gate of 64 */
  gate?: InFlightGate;
}

const VERBS = { create: "created", update: "updated", delete: "deleted" } as const;

/**
 * Logs the guide's line for an applied event: `✅ User updated via webhook: <email>`.
 *
 * @param log where to write
 * @param e the event
 * @param r what applying it did
 *
 * @example
 * ```ts
 * logApplied(logger, event, { status: "success", change: "updated", subject: "john.doe@ias.co.id" });
 * // ✅ User updated via webhook: john.doe@ias.co.id
 * ```
 */
export function logApplied(log: Logger, e: ForwardedEvent, r: ApplyResult): void {
  const who = r.subject ?? e.user?.email ?? e.orgUnit?.unitName ?? e.resourceId;
  const what = e.resourceType === "User" ? "User" : "Org unit";
  const fields = { eventId: e.eventId, change: r.change };
  if (r.status === "success") log.info(`✅ ${what} ${VERBS[e.action]} via webhook: ${who}`, fields);
  else if (r.status === "failed") {
    log.error(`❌ Webhook event failed: ${e.event} ${e.resourceId}: ${r.error}`, fields);
  } else if (r.status === "held") {
    log.warn(
      `⏸️ ${what} deactivation held by the guard (SYNC_MAX_DEACTIVATE over SYNC_GUARD_WINDOW): ${who}; ` +
        "an operator applies it on the sync page or with npm run sync -- --apply-held",
      fields,
    );
  } else if (r.status === "conflict") {
    log.warn(`⚠️ Webhook event ${e.event} not applied (conflict): ${r.error}`, fields);
  } else log.info(`ℹ️ Webhook event ${r.status}: ${e.event} ${who}`, fields);
}

/** Applies one event, counts its outcome and logs the guide's line: every way in does all three. */
async function applyLogged(
  store: Pick<EventApplier, "apply">,
  e: ForwardedEvent,
  log: Logger,
  onApplied?: (status: ApplyResult["status"]) => void,
  signal?: AbortSignal,
): Promise<ApplyResult> {
  const r = await store.apply(e, signal);
  onApplied?.(r.status);
  logApplied(log, e, r);
  return r;
}

/**
 * Creates the ingestion app. Answers: 200 `success` · `duplicate` · `stale` ·
 * `held` (stored, not applied: past the deactivation gate; never sent again) ·
 * `conflict` (stored, cannot apply: another account still in the directory holds the
 * value; final, so the SSO does not redeliver it forever);
 * 401 `Invalid webhook signature`; 400 not a ForwardedEvent (field path);
 * 413 over 1 MiB; 500 when MongoDB could not apply it, or another delivery of the
 * event is still being applied (deliver again); 503
 * with `Retry-After` when the gate is full (before the body is read). A
 * batch (`{ events: [...] }`, from the edge under load) is answered 200 with
 * `{ results: [{ eventId, status }] }` in its order; a `failed` one is sent again.
 *
 * @param options INGEST_SECRET values, the event store, logger
 * @returns a Hono app serving `POST /api/v1/scim/events`
 * @throws {TypeError} when no secret is given
 *
 * @example Mounting it on the runner's app
 * ```ts
 * app.route("/", createIngestApp({ secrets: [ingestSecret], store: createEventApplier(createWebhookStores(db)) }));
 * ```
 */
export function createIngestApp(options: IngestAppOptions): Hono {
  if (options.secrets.length === 0) {
    throw new TypeError("createIngestApp needs at least one INGEST_SECRET");
  }
  const log = options.logger ?? silentLogger;
  const gate = options.gate ?? createInFlightGate({ max: 64 });
  const app = new Hono();
  app.post(
    "/api/v1/scim/events",
    gate.middleware(),
    signedBody({
      maxBytes: MAX_BYTES,
      verify: async (headers, bytes) =>
        (await verifyScimSignature(headers.get("x-scim-signature"), bytes, options.secrets))
          ? { ok: true, value: null }
          : { ok: false, reason: "X-SCIM-Signature" },
      onRefused: () => log.warn("🔒 Ingestion rejected: invalid signature"),
    }),
    async (c) => {
      const { json } = c.get("signedBody");
      // A caller that has gone (timed out, disconnected) will deliver again: nothing is applied for it late.
      const signal = c.req.raw.signal;
      const apply = (e: ForwardedEvent) =>
        applyLogged(options.store, e, log, options.onApplied, signal);
      if ("events" in json) return await applyBatch(c, json, apply, gate);
      const parsed = ForwardedEvent.safeParse(json);
      if (!parsed.success) {
        throw new HTTPException(400, { message: `Invalid event: ${describeIssues(parsed.error)}` });
      }
      const result = await apply(parsed.data);
      if (result.status === "failed") {
        const failed: IngestFailed = {
          status: "failed",
          error: "Event could not be applied; retry",
        };
        return c.json(failed, 500);
      }
      const stored: WebhookStored = { status: result.status, eventId: parsed.data.eventId };
      return c.json(stored, 200);
    },
  );
  app.onError((err, c) => {
    if (err instanceof HTTPException) {
      return c.json({ error: err.message } satisfies ErrorAnswer, err.status);
    }
    log.error("❌ Ingestion handler failed", {
      error: err instanceof Error ? err.message : String(err),
    });
    return c.json({ error: "Internal Server Error" } satisfies ErrorAnswer, 500);
  });
  return app;
}

/**
 * A batch from the edge: every event applied, answered in its order. The
 * request holds one gate slot; a batch needs one per event (at most the whole gate).
 */
async function applyBatch(
  c: Context,
  json: object,
  apply: (e: ForwardedEvent) => Promise<ApplyResult>,
  gate: InFlightGate,
): Promise<Response> {
  const batch = ForwardedBatch.safeParse(json);
  if (!batch.success) {
    throw new HTTPException(400, { message: `Invalid batch: ${describeIssues(batch.error)}` });
  }
  const events = batch.data.events;
  const extra = Math.min(events.length, gate.max) - 1;
  if (extra > 0 && !gate.take(extra)) return gate.busy(c);
  let results: ApplyResult[];
  try {
    // Started in array order: the store keeps each resource's events in that order.
    results = await Promise.all(events.map(apply));
  } finally {
    if (extra > 0) gate.release(extra);
  }
  const answer: BatchAnswer = {
    results: events.map((e, i) => ({ eventId: e.eventId, status: results[i]?.status ?? "failed" })),
  };
  return c.json(answer, 200);
}

/**
 * A forward function for the webhook app mounted on the runner itself
 * (deployments without an edge): no HTTP hop, the same exactly-once store.
 *
 * @param store the event store
 * @param logger where the `✅ … via webhook` lines go
 * @param onApplied called with every outcome (metrics)
 * @returns a forward function for `createWebhookApp`
 *
 * @example
 * ```ts
 * app.route("/", createWebhookApp({ secrets, forward: createInProcessForward(events, logger) }));
 * ```
 */
export function createInProcessForward(
  store: Pick<EventApplier, "apply">,
  logger: Logger = silentLogger,
  onApplied?: (status: ApplyResult["status"]) => void,
): Forward {
  return async (e, _withinMs, signal) => {
    const r = await applyLogged(store, e, logger, onApplied, signal);
    return r.status === "failed"
      ? { ok: false, reason: r.error ?? "apply failed" }
      : { ok: true, status: r.status };
  };
}
