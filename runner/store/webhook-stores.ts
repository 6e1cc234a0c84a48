/**
 * The stores the webhook path works on, over one database: `webhookEvents`
 * and the resources. The composition root hands them to ingest/apply-event.ts
 * with the one deactivation gate (gate/gate.ts).
 *
 * @module
 */
import type { Db } from "mongodb";
import { createEventStore } from "./event-store.ts";
import { createResourceStore } from "./resource-store.ts";

/**
 * Creates the webhook stores.
 *
 * @param db the runner's database
 * @returns `events` and `resources`
 *
 * @example
 * ```ts
 * const applier = createEventApplier(createWebhookStores(db), { superAdminEmails });
 * ```
 */
export function createWebhookStores(db: Db) {
  return { events: createEventStore(db), resources: createResourceStore(db) };
}
