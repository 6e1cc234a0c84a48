/**
 * Wiring: one place builds the SCIM client, the stores and the sync function
 * from a Config, for the command line, the daemon and the demo alike.
 *
 * @module
 */
import { hostname } from "node:os";
import { ScimHttpError } from "../shared/errors.ts";
import type { Logger } from "../shared/logger.ts";
import type { ServiceProviderConfig } from "../shared/scim-schemas.ts";
import type { Config } from "./config.ts";
import { userHashFields } from "./content-hash.ts";
import { createRateLimiter } from "./scim/rate-limiter.ts";
import { createScimClient, type ScimClient } from "./scim/scim-client.ts";
import { createTokenProvider } from "./scim/token-provider.ts";
import { createHistoryStore, type HistoryStore } from "./store/history-store.ts";
import { connectMongo, type MongoHandle } from "./store/mongo.ts";
import { createSyncStore, type SyncStore } from "./store/sync-store.ts";
import type { SyncHistoryDoc } from "./store/collections.ts";
import { createMemoryRelief } from "./memory-relief.ts";
import { type RunSyncOptions, runSync, type SyncResult } from "./sync/sync-engine.ts";

export interface Runtime {
  config: Config;
  logger: Logger;
  mongo: MongoHandle;
  client: ScimClient;
  history: HistoryStore;
  store: SyncStore;
  runnerId: string;
  runSync(options: RunSyncOptions): Promise<SyncResult>;
  /** The connection check of the sync page: ServiceProviderConfig, or the error. */
  connection(): Promise<{ ok: true; config: ServiceProviderConfig } | { ok: false; error: string }>;
  /** Whether the SSO can filter on meta.lastModified (delta syncs). */
  deltaSupported(): Promise<boolean>;
  close(): Promise<void>;
}

/** Hooks the daemon adds (metrics). */
export interface RuntimeHooks {
  onRequest?: (info: { path: string; status: number | "error"; retry: boolean }) => void;
  onFinished?: (history: SyncHistoryDoc) => void;
  /** The clock of runs and their history (tests move it a day on to leave the guard window). */
  now?: () => Date;
}

/**
 * Connects to MongoDB, ensures indexes, and builds the client and stores.
 *
 * @throws {StoreUnavailableError} when MongoDB cannot be reached
 *
 * @example
 * ```ts
 * const runtime = await createRuntime(loadConfig(process.env), logger);
 * const { history } = await runtime.runSync({ type: "full" });
 * await runtime.close();
 * ```
 */
export async function createRuntime(config: Config, logger: Logger, hooks: RuntimeHooks = {}): Promise<Runtime> {
  const mongo = await connectMongo(config.mongoUri, config.mongoDb);
  const runnerId = config.runnerId ?? `${hostname()}-${process.pid}`;
  const relieveMemory = createMemoryRelief({ budgetMB: config.memoryBudgetMB });
  const hashFields = userHashFields(config.excludeFields);
  const store = createSyncStore(mongo.db, { superAdminEmails: config.superAdminEmails, userUpdateFields: hashFields });
  const history = createHistoryStore(mongo.db, { ttlDays: config.historyTtlDays, logger, now: hooks.now });
  try {
    await store.ensureIndexes();
    await history.ensureIndexes();
  } catch (e) {
    await mongo.close();
    throw e;
  }
  const tokens = createTokenProvider({
    auth: config.auth,
    tokenUrl: config.tokenUrl,
    timeoutMs: config.requestTimeoutMs,
    maxResponseBytes: config.maxResponseBytes,
  });
  const client = createScimClient({
    baseUrl: config.scimBaseUrl,
    tokens,
    limiter: createRateLimiter({ perMinute: config.rateLimitPerMinute }),
    timeoutMs: config.requestTimeoutMs,
    maxRetries: config.maxRetries,
    maxResponseBytes: config.maxResponseBytes,
    onRequest: hooks.onRequest,
  });
  let delta: boolean | null = null;
  return {
    config,
    logger,
    mongo,
    client,
    history,
    store,
    runnerId,
    runSync: (options) =>
      runSync({
        client,
        store,
        history,
        logger,
        pageSize: config.pageSize,
        maxDeactivate: config.maxDeactivate,
        maxDurationMs: config.maxSyncDurationMs,
        guardWindowMs: config.guardWindowMs,
        now: hooks.now,
        userHashFields: hashFields,
        runnerId,
        onFinished: hooks.onFinished,
        afterPage: relieveMemory,
      }, options),
    async connection() {
      try {
        return { ok: true, config: await client.serviceProviderConfig(AbortSignal.timeout(10_000)) };
      } catch (e) {
        return { ok: false, error: e instanceof Error ? e.message : String(e) };
      }
    },
    async deltaSupported() {
      if (delta !== null) return delta;
      try {
        // A standard server refuses a filter it cannot evaluate with 400 invalidFilter.
        await client.get("/Users", { filter: `meta.lastModified gt "1970-01-01T00:00:00Z"`, count: "1" });
        delta = true;
      } catch (e) {
        // Only the server's refusal is an answer; an outage during the probe must not end deltas for good.
        const refused = e instanceof ScimHttpError && e.status !== undefined && e.status >= 400 && e.status < 500 &&
          e.status !== 401 && e.status !== 408 && e.status !== 429;
        if (refused) delta = false;
        return false;
      }
      return delta;
    },
    close: () => mongo.close(),
  };
}
