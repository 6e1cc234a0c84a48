/**
 * The parts the composition root (compose.ts) wires, built from the Config:
 * the stores over one database (with the one gate and identity), the SCIM
 * client, and the two questions asked of the SSO (connection, delta support).
 * Only compose.ts calls these.
 *
 * @module
 */
import { ScimHttpError } from "../shared/errors.ts";
import type { Logger } from "../shared/logger.ts";
import type { Config } from "./config.ts";
import { userHashFields } from "./content-hash.ts";
import type { ServiceProviderConfig } from "../shared/scim-schemas.ts";
import { createGate } from "./gate/gate.ts";
import type { DirectoryProbe } from "./identity/ports.ts";
import { createEventApplier } from "./ingest/apply-event.ts";
import { createHeldDecisions, type HeldDecisions } from "./held/decisions.ts";
import { heldPresence } from "./held/presence.ts";
import { createRateLimiter, type RateLimiter } from "./scim/rate-limiter.ts";
import { reportingWaits } from "./progress/rate-waits.ts";
import { createScimClient, type ScimClient } from "./scim/scim-client.ts";
import { createTokenProvider } from "./scim/token-provider.ts";
import { createChangeLogStore } from "./store/change-log-store.ts";
import { createGateStore } from "./store/gate-store.ts";
import { createHeldStore } from "./store/held-store.ts";
import { createHistoryStore } from "./store/history-store.ts";
import { createIdentityStore } from "./store/identity-store.ts";
import { createLeaseStore } from "./store/lease-store.ts";
import type { MongoHandle } from "./store/mongo.ts";
import { createSyncStore } from "./store/sync-store.ts";
import { createWebhookStores } from "./store/webhook-stores.ts";

/** The stores over one database, their options from the config. */
export function createStores(
  mongo: MongoHandle,
  config: Config,
  logger: Logger,
  now: () => Date,
  directory: DirectoryProbe,
) {
  const db = mongo.db;
  // Kept as long as syncHistory, by the same TTL index or sweep (history-store.ts).
  const changes = createChangeLogStore(db, { ttlDays: config.historyTtlDays });
  const userUpdateFields = userHashFields(config.excludeFields);
  const store = createSyncStore(db, {
    superAdminEmails: config.superAdminEmails,
    userUpdateFields,
    matchOn: config.matchOn,
    logger,
    changes,
  });
  const identity = createIdentityStore(db, {
    matchOn: config.matchOn,
    userUpdateFields,
    uniqueIndexes: () => store.uniqueIndexes(),
    changes,
    now,
  });
  const gateStore = createGateStore(db);
  const held = createHeldStore(db);
  const gate = createGate(gateStore, {
    limit: config.maxDeactivate,
    windowMs: config.guardWindowMs,
    now,
  });
  return {
    changes,
    store,
    identity,
    gate,
    gateStore,
    held,
    history: createHistoryStore(db, { ttlDays: config.historyTtlDays, logger, now }),
    events: createEventApplier(createWebhookStores(db), {
      excludeFields: config.excludeFields,
      superAdminEmails: config.superAdminEmails,
      ttlDays: config.historyTtlDays,
      futureToleranceMs: config.webhook.toleranceSeconds * 1000,
      gate,
      identity: { store: identity, directory, matchOn: config.matchOn, writer: store },
      changes,
      held,
    }),
    leaseStore: createLeaseStore(db, { now }),
  };
}

/**
 * An operator's decisions on held deactivations over the stores: each sync-held person
 * asked of the directory first, every write past the gate as an approval.
 */
export function heldDecisions(
  stores: ReturnType<typeof createStores>,
  p: {
    client: ScimClient;
    directory: DirectoryProbe;
    config: Config;
    now: () => Date;
    logger: Logger;
  },
): HeldDecisions {
  return createHeldDecisions({
    items: stores.held,
    events: stores.events,
    presence: heldPresence(p.directory, p.client),
    writer: stores.store,
    gate: stores.gate,
    userHashFields: userHashFields(p.config.excludeFields),
    now: p.now,
    logger: p.logger,
  });
}

/**
 * The SCIM client with its token provider and rate limiter, and a maker of clients for
 * background work (previews) over the same token and the same pacing's background view
 * (scim/rate-limiter.ts), given what they yield to.
 */
export function createClients(
  config: Config,
  options: {
    onRequest?: (info: { path: string; status: number | "error"; retry: boolean }) => void;
    /** Told how long the rate limit held a request back (the command line's progress). */
    onRateLimitWait?: (ms: number) => void;
  },
): { client: ScimClient; background(busy: () => Promise<boolean>): ScimClient } {
  const limiter = createRateLimiter({ perMinute: config.rateLimitPerMinute });
  const tokens = createTokenProvider({
    auth: config.auth,
    tokenUrl: config.tokenUrl,
    timeoutMs: config.requestTimeoutMs,
    maxResponseBytes: config.maxResponseBytes,
  });
  const over = (l: RateLimiter) =>
    createScimClient({
      baseUrl: config.scimBaseUrl,
      tokens,
      limiter: l,
      timeoutMs: config.requestTimeoutMs,
      maxRetries: config.maxRetries,
      maxResponseBytes: config.maxResponseBytes,
      onRequest: options.onRequest,
    });
  const foreground = options.onRateLimitWait
    ? reportingWaits(limiter, options.onRateLimitWait)
    : limiter;
  return { client: over(foreground), background: (busy) => over(limiter.background({ busy })) };
}

export async function checkConnection(
  client: ScimClient,
): Promise<{ ok: true; config: ServiceProviderConfig } | { ok: false; error: string }> {
  try {
    return { ok: true, config: await client.serviceProviderConfig(AbortSignal.timeout(10_000)) };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

/** Asks the SSO once whether it filters on meta.lastModified; an outage is not an answer. */
export function deltaProbe(client: ScimClient): () => Promise<boolean> {
  let delta: boolean | null = null;
  return async () => {
    if (delta !== null) return delta;
    try {
      // A standard server refuses a filter it cannot evaluate with 400 invalidFilter.
      await client.get("/Users", {
        filter: `meta.lastModified gt "1970-01-01T00:00:00Z"`,
        count: "1",
      });
      delta = true;
    } catch (e) {
      // Only the server's refusal is an answer; an outage during the probe must not end deltas for good.
      const refused = e instanceof ScimHttpError && e.status !== undefined && e.status >= 400 &&
        e.status < 500 &&
        e.status !== 401 && e.status !== 408 && e.status !== 429;
      if (refused) delta = false;
      return false;
    }
    return delta;
  };
}

/**
 * Ensures every store's indexes, one at a time (the first failure is the one reported);
 * closes the connection when one fails.
 *
 * @throws what the failing store throws
 */
export async function ensureAllIndexes(
  stores: ReturnType<typeof createStores>,
  mongo: MongoHandle,
): Promise<void> {
  try {
    for (
      const s of [
        stores.store,
        stores.history,
        stores.events,
        stores.changes,
        stores.gateStore,
        stores.held,
      ]
    ) {
      await s.ensureIndexes();
    }
  } catch (e) {
    await mongo.close();
    throw e;
  }
}
