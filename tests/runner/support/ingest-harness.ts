/**
 * The ingestion API on a fresh database of the real MongoDB-wire server, for
 * the ingest tests: mapped events as the edge forwards them, signed posts,
 * the log lines, and snapshots of everything the webhook side may write.
 *
 * @module
 */
import type { Hono } from "hono";
import { createIngestApp } from "../../../runner/ingest/ingest-app.ts";
import {
  createEventApplier,
  type EventApplierOptions,
} from "../../../runner/ingest/apply-event.ts";
import { createWebhookStores } from "../../../runner/store/webhook-stores.ts";
import { mapWebhookEvent } from "../../../shared/event-mapping.ts";
import { createLogger } from "../../../shared/logger.ts";
import { signScimBody } from "../../../shared/signature.ts";
import { type ForwardedEvent, WebhookEnvelope } from "../../../shared/webhook-event.ts";
import { openTestDb, type TestDb } from "./mongo.ts";

export const INGEST_SECRET = "ingest-secret-0123456789abcdef";

/** A running ingestion app over its own database. */
export interface IngestHarness {
  t: TestDb;
  app: Hono;
  /** Messages logged so far; assign [] to reset. */
  lines: string[];
  users(): ReturnType<TestDb["mongo"]["db"]["collection"]>;
  units(): ReturnType<TestDb["mongo"]["db"]["collection"]>;
  events(): ReturnType<TestDb["mongo"]["db"]["collection"]>;
  /** users, orgUnits and webhookEvents in full, in _id order. */
  snapshot(): Promise<Record<string, unknown[]>>;
  /** POSTs the event signed with `secret` (default INGEST_SECRET). */
  send(e: unknown, secret?: string): Promise<Response>;
  /** The `status` of the answer to `send(e)`. */
  statusOf(e: unknown): Promise<string>;
  /** Writes the record an earlier delivery of `e` left (failed, or processing in flight). */
  recordEarlier(e: ForwardedEvent, status: "failed" | "processing", error?: string): Promise<void>;
}

/**
 * Opens a database and the ingestion app over it.
 *
 * @example
 * ```ts
 * const h = await openIngestHarness("ingest", { superAdminEmails: ["boss@ias.co.id"] });
 * afterAll(() => h.t.drop());
 * expect(await h.statusOf(userEvent({ id: "e1" }))).toBe("success");
 * ```
 */
export async function openIngestHarness(
  prefix: string,
  options: EventApplierOptions = {},
): Promise<IngestHarness> {
  const t = await openTestDb(prefix);
  const store = createEventApplier(createWebhookStores(t.mongo.db), options);
  await store.ensureIndexes();
  const h: IngestHarness = {
    t,
    app: undefined as unknown as Hono,
    lines: [],
    users: () => t.mongo.db.collection("users"),
    units: () => t.mongo.db.collection("orgUnits"),
    events: () => t.mongo.db.collection("webhookEvents"),
    snapshot: async () => ({
      users: await h.users().find({}).sort({ _id: 1 }).toArray(),
      units: await h.units().find({}).sort({ _id: 1 }).toArray(),
      events: await h.events().find({}).sort({ _id: 1 }).toArray(),
    }),
    async send(e, secret = INGEST_SECRET) {
      const body = JSON.stringify(e);
      return await h.app.request("/api/v1/scim/events", {
        method: "POST",
        body,
        headers: {
          "content-type": "application/json",
          "x-scim-signature": await signScimBody(secret, body),
        },
      });
    },
    statusOf: async (e) => ((await (await h.send(e)).json()) as { status: string }).status,
    async recordEarlier(e, status, error) {
      await h.events().insertOne({
        eventId: e.eventId,
        event: e.event,
        resourceType: e.resourceType,
        resourceId: e.resourceId,
        action: e.action,
        receivedAt: new Date(),
        processedAt: status === "failed" ? new Date() : null,
        status,
        error: error ?? null,
      });
    },
  };
  const logger = createLogger({
    format: "json",
    write: (l) => h.lines.push((JSON.parse(l) as { msg: string }).msg),
  });
  h.app = createIngestApp({ secrets: [INGEST_SECRET], store, logger });
  return h;
}

function mapped(raw: Record<string, unknown>): ForwardedEvent {
  const env = WebhookEnvelope.parse(raw);
  const r = mapWebhookEvent(env, env.id ?? "no-id", new Date());
  if (!r.ok) throw new Error(`bad test event: ${JSON.stringify(r)}`);
  return r.event;
}

/** What a test varies in a user event. */
export interface UserEventOptions {
  id: string;
  event?: string;
  resourceId?: string;
  lastModified?: string;
  phone?: string;
  timestamp?: string;
  email?: string;
  active?: boolean;
}

/**
 * A mapped user event, as the edge forwards it.
 *
 * @example
 * ```ts
 * userEvent({ id: "e1", event: "user.created", resourceId: "u-1", phone: "+62 1" });
 * ```
 */
export function userEvent(o: UserEventOptions): ForwardedEvent {
  const resourceId = o.resourceId ?? "u-1";
  return mapped({
    id: o.id,
    event: o.event ?? "user.updated",
    resourceType: "User",
    resourceId,
    timestamp: o.timestamp ?? new Date().toISOString(),
    data: {
      id: resourceId,
      userName: o.email ?? "john.doe@ias.co.id",
      name: { givenName: "John", familyName: "Doe" },
      active: o.active ?? true,
      phoneNumbers: [{ value: o.phone ?? "+62 1" }],
      meta: { lastModified: o.lastModified ?? "2025-10-18T10:00:00.000Z" },
    },
  });
}

/**
 * A mapped group event, as the edge forwards it.
 *
 * @example
 * ```ts
 * groupEvent({ id: "e1", event: "group.created", resourceId: "g-1", name: "Finance" });
 * ```
 */
export function groupEvent(
  o: {
    id: string;
    event: string;
    resourceId: string;
    name?: string;
    lastModified?: string;
    timestamp?: string;
  },
): ForwardedEvent {
  return mapped({
    id: o.id,
    event: o.event,
    resourceType: "Group",
    resourceId: o.resourceId,
    timestamp: o.timestamp ?? new Date().toISOString(),
    data: {
      id: o.resourceId,
      displayName: o.name ?? "Finance",
      "x-orgUnit": { unitType: "department", level: 3, parentUnitId: "g-root" },
      meta: { lastModified: o.lastModified ?? "2025-10-18T10:00:00.000Z" },
    },
  });
}
