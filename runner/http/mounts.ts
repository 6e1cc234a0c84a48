/**
 * The webhook side on the runner's server: the ingestion API
 * (`POST /api/v1/scim/events`, when INGEST_SECRET is set) and the in-process
 * webhook app (`POST /api/v1/scim/webhook`, when SCIM_WEBHOOK_SECRET is set),
 * plus the webhook events the page lists.
 *
 * @module
 */
import type { Hono } from "hono";
import { createWebhookApp } from "../../edge/app.ts";
import type { Logger } from "../../shared/logger.ts";
import { createInProcessForward, createIngestApp } from "../ingest/ingest-app.ts";
import { metrics } from "../metrics.ts";
import type { Runtime } from "../runtime.ts";
import { createEventStore } from "../store/event-store.ts";

/** What {@linkcode optionalMounts} gives the app. */
export interface Mounts {
  apps: Hono[];
  recentEvents?: (limit: number) => Promise<unknown[]>;
}

/**
 * Builds the webhook-side apps for this runtime.
 *
 * @example
 * ```ts
 * const { apps, recentEvents } = await optionalMounts({ runtime, logger });
 * ```
 */
export async function optionalMounts(deps: { runtime: Runtime; logger: Logger }): Promise<Mounts> {
  const { config } = deps.runtime;
  const store = createEventStore(deps.runtime.mongo.db, {
    excludeFields: config.excludeFields,
    superAdminEmails: config.superAdminEmails,
    ttlDays: config.historyTtlDays,
  });
  await store.ensureIndexes();
  const apps: Hono[] = [];
  const onApplied = (s: string) => metrics.recordWebhookEvent(s);
  if (config.ingestSecrets.length > 0) {
    apps.push(createIngestApp({ secrets: config.ingestSecrets, store, logger: deps.logger, onApplied }));
  } else deps.logger.info("Ingestion API off: INGEST_SECRET is not set");
  if (config.webhookSecrets.length > 0) {
    apps.push(createWebhookApp({
      secrets: config.webhookSecrets,
      forward: createInProcessForward(store, deps.logger, onApplied),
      logger: deps.logger,
    }));
  } else deps.logger.info("Webhooks on the runner off: SCIM_WEBHOOK_SECRET is not set");
  return { apps, recentEvents: (limit) => store.recent(limit) };
}
