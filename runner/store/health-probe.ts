/**
 * `/health`'s own way to MongoDB: a second client with a pool of one
 * connection, used for nothing else. Under a burst of webhook writes the
 * runner's main pool is busy and a ping queued behind them times out, so
 * `/health` said "MongoDB is not answering" while the database answered;
 * this probe waits behind no write.
 *
 * @module
 */
import type { Logger } from "../../shared/logger.ts";
import { HELD_DEACTIVATIONS, type SyncHistoryDoc } from "./collections.ts";
import { createHistoryStore } from "./history-store.ts";
import { connectMongo } from "./mongo.ts";

/** What {@linkcode openHealthProbe} returns: the reads `/health` makes. */
export interface HealthProbe {
  /** True when the server answers a ping (2 s deadline). */
  ping(): Promise<boolean>;
  lastRun(): Promise<SyncHistoryDoc | null>;
  lastSuccess(): Promise<SyncHistoryDoc | null>;
  /** The newest `syncHistory` records (what `/health` reads). */
  recentRuns(limit: number): Promise<SyncHistoryDoc[]>;
  /** Webhook deletions held by the guard. */
  heldCount(): Promise<number>;
  close(): Promise<void>;
}

/**
 * Connects the probe's own client (one pooled connection).
 *
 * @param uri MONGODB_URI
 * @param dbName MONGODB_DB
 * @param logger for the history store's index messages (unused by the reads)
 * @returns the probe
 * @throws {StoreUnavailableError} when MongoDB cannot be reached at start
 *
 * @example
 * ```ts
 * const probe = await openHealthProbe(config.mongoUri, config.mongoDb, logger);
 * createHealthCheck({ pingMongo: probe.ping, lastRun: probe.lastRun, lastSuccess: probe.lastSuccess, ... });
 * ```
 */
export async function openHealthProbe(
  uri: string,
  dbName: string,
  logger: Logger,
): Promise<HealthProbe> {
  const mongo = await connectMongo(uri, dbName, { maxPoolSize: 1 });
  const history = createHistoryStore(mongo.db, { ttlDays: 1, logger });
  return {
    ping: () => mongo.ping(),
    lastRun: () => history.last(),
    lastSuccess: () => history.lastSuccess(),
    recentRuns: (limit) => history.recent(limit),
    // Held deactivations of syncs and webhooks alike, as the page and the metrics count them.
    heldCount: () => mongo.db.collection(HELD_DEACTIVATIONS).countDocuments({ status: "held" }),
    close: () => mongo.close(),
  };
}
