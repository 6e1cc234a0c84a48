/**
 * The stores the webhook path works on, over one database: `webhookEvents`,
 * the resources, and the guard window's count of deactivations. The
 * composition root hands them to ingest/apply-event.ts.
 *
 * @module
 */
import type { Db } from "mongodb";
import { translateDriverErrors } from "./driver-errors.ts";
import { createEventStore } from "./event-store.ts";
import { countDeactivationsSince } from "./history-store.ts";
import { createResourceStore } from "./resource-store.ts";

/**
 * Creates the webhook stores.
 *
 * @param db the runner's database
 * @returns `events`, `resources` and `deactivationsSince(from)`
 *
 * @example
 * ```ts
 * const applier = createEventApplier(createWebhookStores(db), { superAdminEmails });
 * ```
 */
export function createWebhookStores(db: Db) {
  return {
    events: createEventStore(db),
    resources: createResourceStore(db),
    ...translateDriverErrors({
      deactivationsSince: (from: Date) => countDeactivationsSince(db, from),
    }),
  };
}
