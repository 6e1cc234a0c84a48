/**
 * `/health`'s own way to MongoDB: a second client with a pool of one
 * connection, used for nothing else. Under a burst of webhook writes the
 * runner's main pool is busy and a ping queued behind them times out, so
 * `/health` said "MongoDB is not answering" while the database answered;
 * this probe waits behind no write.
 *
 * A pool of one can also be wedged: after its MongoDB server was killed and
 * started again, a ping was seen neither answered nor failed 40 s later, each
 * later ping queued behind it, and `/health` said "MongoDB is not answering"
 * long after the server was back (FerretDB, 1 kill in 3–4). So a ping that has
 * not settled by its deadline retires the client, and the next read opens a
 * new one: the probe can be wrong for one deadline, never for good.
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
  options: { deadlineMs?: number } = {},
): Promise<HealthProbe> {
  const deadlineMs = options.deadlineMs ?? 2_500;
  const open = async () => {
    const mongo = await connectMongo(uri, dbName, {
      maxPoolSize: 1,
      serverSelectionTimeoutMS: deadlineMs,
    });
    return { mongo, history: createHistoryStore(mongo.db, { ttlDays: 1, logger }) };
  };
  type Client = Awaited<ReturnType<typeof open>>;
  // A dead database at start fails here, with StoreUnavailableError.
  let live: Client | null = await open();
  let opening: Promise<Client> | null = null;
  const client = async (): Promise<Client> => {
    if (live) return live;
    // One reconnection at a time; a failed one is forgotten, so the next read tries again.
    opening ??= open().then((c) => (live = c)).finally(() => (opening = null));
    return await opening;
  };
  const retire = (c: Client) => {
    if (live !== c) return;
    live = null;
    logger.warn("⚠️ /health's MongoDB probe did not hear back within its deadline; reconnecting");
    void c.mongo.client.close(true).catch(() => {});
  };
  return {
    async ping() {
      let c: Client;
      try {
        c = await client();
      } catch {
        return false;
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<"late">((ok) => (timer = setTimeout(() => ok("late"), deadlineMs)));
      const answer = await Promise.race([c.mongo.ping(), late]);
      clearTimeout(timer);
      if (answer === "late") retire(c);
      return answer === true;
    },
    lastRun: async () => (await client()).history.last(),
    lastSuccess: async () => (await client()).history.lastSuccess(),
    recentRuns: async (limit) => (await client()).history.recent(limit),
    // Held deactivations of syncs and webhooks alike, as the page and the metrics count them.
    heldCount: async () =>
      (await client()).mongo.db.collection(HELD_DEACTIVATIONS).countDocuments({ status: "held" }),
    async close() {
      const c = live ?? await opening?.catch(() => null);
      live = null;
      await c?.mongo.close();
    },
  };
}
