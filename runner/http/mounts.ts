/**
 * The webhook side on the runner's server: the ingestion API
 * (`POST /api/v1/scim/events`, when INGEST_SECRET is set) and the in-process
 * webhook app (`POST /api/v1/scim/webhook`, when SCIM_WEBHOOK_SECRET is set,
 * for deployments without an edge), plus the webhook events the page lists.
 * Both keep their own signature checks; neither sits behind ADMIN_TOKEN.
 *
 * @module
 */
import { Hono } from "hono";
import { createWebhookApp } from "../../shared/webhook/app.ts";
import type { Logger } from "../../shared/logger.ts";
import type { Config } from "../config.ts";
import { createInProcessForward, createIngestApp } from "../ingest/ingest-app.ts";
import { createInFlightGate } from "../ingest/in-flight-gate.ts";
import { type AppliedHeld, createEventStore } from "../store/event-store.ts";
import { windowDecision } from "../sync/guard.ts";
import type { MongoHandle } from "../store/mongo.ts";

/** What {@linkcode webhookMounts} gives the app. */
export interface Mounts {
  apps: Hono[];
  recentEvents: (limit: number) => Promise<unknown[]>;
  /** Webhook deactivations held by the guard, oldest first (the page). */
  heldEvents: (limit: number) => Promise<unknown[]>;
  /** Applies every held event (the page's button, behind the admin token). */
  applyHeld: () => Promise<AppliedHeld[]>;
}

/**
 * Builds the webhook-side apps over the runner's database.
 *
 * @example
 * ```ts
 * const { apps, recentEvents } = await webhookMounts({ db: runtime.mongo.db, config, logger, onApplied });
 * ```
 */
export async function webhookMounts(deps: {
  db: MongoHandle["db"];
  config: Pick<
    Config,
    | "ingestSecrets"
    | "webhookSecrets"
    | "excludeFields"
    | "superAdminEmails"
    | "historyTtlDays"
    | "webhookToleranceSeconds"
    | "ingestMaxInFlight"
    | "maxDeactivate"
    | "guardWindowMs"
  >;
  logger: Logger;
  /** Every applied event's status (metrics). */
  onApplied?: (status: string) => void;
}): Promise<Mounts> {
  const { config, logger, onApplied } = deps;
  const events = createEventStore(deps.db, {
    excludeFields: config.excludeFields,
    superAdminEmails: config.superAdminEmails,
    ttlDays: config.historyTtlDays,
    futureToleranceMs: config.webhookToleranceSeconds * 1000,
    guard: { windowMs: config.guardWindowMs, allows: windowDecision(config.maxDeactivate) },
  });
  await events.ensureIndexes();
  const apps: Hono[] = [];
  // One gate for both ways in: together they apply at most INGEST_MAX_IN_FLIGHT events at once.
  const gate = createInFlightGate({ max: config.ingestMaxInFlight });
  if (config.ingestSecrets.length > 0) {
    apps.push(createIngestApp({ secrets: config.ingestSecrets, store: events, logger, onApplied, gate }));
  }
  if (config.webhookSecrets.length > 0) {
    const forward = createInProcessForward(events, logger, onApplied);
    const webhook = createWebhookApp({
      secrets: config.webhookSecrets,
      forward,
      logger,
      limits: { toleranceSeconds: config.webhookToleranceSeconds },
    });
    apps.push(new Hono().use("/api/v1/scim/webhook", gate.middleware()).route("/", webhook));
  }
  logger.info(
    `📥 Webhooks: ingestion API ${config.ingestSecrets.length > 0 ? "on" : "off (INGEST_SECRET unset)"}, ` +
      `direct webhook ${config.webhookSecrets.length > 0 ? "on" : "off (SCIM_WEBHOOK_SECRET unset)"}`,
  );
  return {
    apps,
    recentEvents: (n) => events.recent(n),
    heldEvents: (n) => events.held(n),
    applyHeld: () => events.applyHeld(),
  };
}
