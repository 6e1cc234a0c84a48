/**
 * The composition root: the one place that turns a Config into running parts
 * — the MongoDB handle, the sync and history stores, the event store (with
 * its indexes), the SCIM client, the sync function, the lease and the
 * scheduler — for the daemon (main.ts), the command line (cli/sync.ts), the
 * demo and the tests alike. Nothing else wires them; HTTP modules only build
 * apps from the parts handed to them.
 *
 * @module
 */
import { hostname } from "node:os";
import type { Logger } from "../shared/logger.ts";
import type { ServiceProviderConfig } from "../shared/scim-schemas.ts";
import type { Config } from "./config.ts";
import { userHashFields } from "./content-hash.ts";
import { createLease, type Lease, type Timer } from "./lease.ts";
import { createMemoryRelief } from "./memory-relief.ts";
import { createScheduler, type Scheduler, type SchedulerDeps } from "./scheduler/scheduler.ts";
import { createScimClient, type ScimClient } from "./scim/scim-client.ts";
import type { SyncHistoryDoc } from "./store/collections.ts";
import { connectMongo, type MongoHandle } from "./store/mongo.ts";
import { createPersonStore } from "./store/person-store.ts";
import { inspectPerson, type PersonReport } from "./inspect/inspect-person.ts";
import { type PersonSyncResult, syncPerson } from "./inspect/sync-person.ts";
import { type OrgUnitSyncResult, syncOrgUnit } from "./inspect/sync-org-unit.ts";
import { createPurgeStore } from "./store/purge-store.ts";
import { createNameLookup } from "./store/name-lookup.ts";
import { previewSync, type SyncPreview } from "./preview/sync-preview.ts";
import { type PurgeOptions, type PurgeReport, runPurge } from "./purge/run-purge.ts";
import { runSync, type RunSyncOptions, type SyncResult } from "./sync/sync-engine.ts";
import { systemTimer } from "./system-time.ts";
import { directoryProbe } from "./identity/directory-probe.ts";
import type { EventApplier } from "./ingest/apply-event.ts";
import type { HistoryStore } from "./store/history-store.ts";
import type { LeaseStore } from "./store/lease-store.ts";
import type { SyncStore } from "./store/sync-store.ts";
import type { ChangeLogStore } from "./store/change-log-store.ts";
import type { DeactivationGate } from "./gate/gate.ts";
import {
  checkConnection,
  createClient,
  createStores,
  deltaProbe,
  ensureAllIndexes,
} from "./compose-parts.ts";
import type { DirectoryProbe, IdentityStore } from "./identity/ports.ts";

/** Every part a runner process needs, wired from one Config. */
export interface Runtime {
  config: Config;
  logger: Logger;
  mongo: MongoHandle;
  /** RUNNER_ID, or host-pid. */
  runnerId: string;
  client: ScimClient;
  history: HistoryStore;
  store: SyncStore;
  /** `syncChanges`: the per-person change log every write path records into. */
  changes: ChangeLogStore;
  /** The one gate every deactivation and deletion passes (SYNC_MAX_DEACTIVATE over SYNC_GUARD_WINDOW). */
  gate: DeactivationGate;
  /** Matching on first contact and values moving between people. */
  identity: IdentityStore;
  /** Live lookups of one SSO id. */
  directory: DirectoryProbe;
  /** The person inspector (inspect/inspect-person.ts): by email, ssoUserId or employee number. */
  inspect(key: string): Promise<PersonReport>;
  /** Provision on demand (inspect/sync-person.ts): one person synced now, through the guard. */
  syncPerson(key: string, options?: { force?: boolean }): Promise<PersonSyncResult>;
  /** Provision on demand (inspect/sync-org-unit.ts): one org unit by id or name, through the guard. */
  syncOrgUnit(key: string, options?: { force?: boolean }): Promise<OrgUnitSyncResult>;
  /** Webhook events: claim, apply, hold; its indexes are ensured. */
  events: EventApplier;
  leaseStore: LeaseStore;
  /** The sync lease, owned by this runner (the daemon) or `cli-<runnerId>` (the command line). */
  lease: Lease;
  /** The daemon's scheduler over `runSync` and `lease`; built, not started. */
  scheduler: Scheduler;
  runSync(options: RunSyncOptions): Promise<RunResult>;
  /** `npm run purge`: hard-deletes the long departed the SSO confirms gone (purge/run-purge.ts). */
  purge(options: PurgeOptions): Promise<PurgeReport>;
  /** A full sync's dry run as a plan (preview/sync-preview.ts); one at a time, callers share it. */
  preview(): Promise<SyncPreview>;
  /** The connection check of the sync page: ServiceProviderConfig, or the error. */
  connection(): Promise<{ ok: true; config: ServiceProviderConfig } | { ok: false; error: string }>;
  /** Whether the SSO can filter on meta.lastModified (delta syncs). */
  deltaSupported(): Promise<boolean>;
  close(): Promise<void>;
}

/** A run's result and the requests it sent to the SSO (the figure the allowance is spent in). */
export type RunResult = SyncResult & { requests: number };

/** What the caller adds: metrics hooks, the lease's owner, and (tests) controlled time. */
export interface RuntimeOptions {
  /** `cli`: the lease is owned by `cli-<runnerId>`, so a manual run never looks like a replica. @default "daemon" */
  role?: "daemon" | "cli";
  onRequest?: (info: { path: string; status: number | "error"; retry: boolean }) => void;
  onFinished?: (history: SyncHistoryDoc) => void;
  /** Told when this runner starts or stops holding the lease (metrics). */
  onLeaseHeld?: (held: boolean) => void;
  /** Told when a renewal finds the lease taken by another runner (metrics). */
  onLeaseLost?: () => void;
  /** Told the scheduled runs failed in a row whenever the scheduler reads the history (metrics). */
  onConsecutiveFailures?: (n: number) => void;
  /** The clock of runs, their history, the lease and the schedule. @default () => new Date() */
  now?: () => Date;
  /** The timers of the lease and the schedule. @default systemTimer */
  timer?: Timer;
  /** The scheduler's jitter source. @default Math.random */
  random?: () => number;
}

/**
 * The runner's identity: RUNNER_ID, or host-pid.
 *
 * @example
 * ```ts
 * runnerIdOf({ runnerId: null }); // "web-1-4242"
 * ```
 */
export function runnerIdOf(config: Pick<Config, "runnerId">): string {
  return config.runnerId ?? `${hostname()}-${process.pid}`;
}

/**
 * Connects to MongoDB, ensures indexes, and wires every part.
 *
 * @param config the parsed configuration
 * @param logger where every part logs
 * @param options metrics hooks, the lease's role, controlled time
 * @returns the runtime; `close()` ends the MongoDB connection
 * @throws {StoreUnavailableError} when MongoDB cannot be reached
 *
 * @example
 * ```ts
 * const runtime = await createRuntime(loadConfig(process.env), logger);
 * const { history } = await runtime.runSync({ type: "full" });
 * await runtime.close();
 * ```
 */
export async function createRuntime(
  config: Config,
  logger: Logger,
  options: RuntimeOptions = {},
): Promise<Runtime> {
  const now = options.now ?? (() => new Date());
  const mongo = await connectMongo(config.mongoUri, config.mongoDb);
  const runnerId = runnerIdOf(config);
  const client = createClient(config, options);
  const directory = directoryProbe(client);
  const stores = createStores(mongo, config, logger, now, directory);
  await ensureAllIndexes(stores, mongo);
  const sync = async (o: RunSyncOptions): Promise<RunResult> => {
    // Its own count: the daemon's inspections and probes may send requests meanwhile.
    const runClient = client.counted();
    const result = await runSync({
      client: runClient,
      store: stores.store,
      history: stores.history,
      logger,
      pageSize: config.pageSize,
      gate: stores.gate,
      identity: stores.identity,
      // The run's presence checks count among its requests.
      directory: directoryProbe(runClient),
      matchOn: config.matchOn,
      maxDurationMs: config.maxSyncDurationMs,
      now,
      userHashFields: userHashFields(config.excludeFields),
      runnerId,
      onFinished: options.onFinished,
      afterPage: createMemoryRelief({ budgetMB: config.memoryBudgetMB }),
    }, o);
    return { ...result, requests: runClient.requestsSent };
  };
  const deltaSupported = deltaProbe(client);
  const { lease, scheduler } = createSchedule(config, logger, options, {
    leaseStore: stores.leaseStore,
    owner: options.role === "cli" ? `cli-${runnerId}` : runnerId,
    runSync: sync,
    recentHistory: (n) => stores.history.recent(n),
    deltaSupported,
    now,
  });
  return {
    config,
    logger,
    mongo,
    runnerId,
    client,
    directory,
    ...stores,
    lease,
    scheduler,
    runSync: sync,
    ...personTools(mongo, config, logger, { client, directory, stores, now, runnerId }),
    purge: (o) =>
      runPurge({
        store: createPurgeStore(mongo.db, { ttlDays: config.historyTtlDays }),
        changes: stores.changes,
        scim: { get: client.get, serviceProviderConfig: () => client.serviceProviderConfig() },
        gate: stores.gate,
        maxMissingShare: config.purgeMaxMissingShare,
        limit: config.purgeMax,
        ...{ logger, now, runnerId },
      }, o),
    preview: singleFlight(() =>
      previewSync({ runSync: sync, names: createNameLookup(mongo.db), scim: client, now })
    ),
    connection: () => checkConnection(client),
    deltaSupported,
    close: () => mongo.close(),
  };
}

/** One call in flight at a time: callers while it runs share its promise (a preview lists the whole SSO). */
function singleFlight<T>(fn: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | null = null;
  return () => (inFlight ??= fn().finally(() => (inFlight = null)));
}

/** The inspector and the on-demand sync over the runtime's parts. */
function personTools(
  mongo: MongoHandle,
  config: Config,
  logger: Logger,
  p: {
    client: ScimClient;
    directory: DirectoryProbe;
    stores: ReturnType<typeof createStores>;
    now: () => Date;
    runnerId: string;
  },
): Pick<Runtime, "inspect" | "syncPerson" | "syncOrgUnit"> {
  const people = createPersonStore(mongo.db);
  const reads = {
    people,
    changes: p.stores.changes,
    client: p.client,
    excludeFields: config.excludeFields,
  };
  return {
    inspect: (key) => inspectPerson(reads, key),
    syncPerson: (key, o) =>
      syncPerson(
        {
          ...reads,
          store: p.stores.store,
          history: p.stores.history,
          userHashFields: userHashFields(config.excludeFields),
          gate: p.stores.gate,
          identity: {
            store: p.stores.identity,
            directory: p.directory,
            matchOn: config.matchOn,
            writer: p.stores.store,
          },
          runnerId: p.runnerId,
          now: p.now,
          logger,
        },
        key,
        o,
      ),
    syncOrgUnit: (key, o) =>
      syncOrgUnit(
        {
          people,
          client: p.client,
          store: p.stores.store,
          history: p.stores.history,
          gate: p.stores.gate,
          runnerId: p.runnerId,
          now: p.now,
          logger,
        },
        key,
        o,
      ),
  };
}

/** The sync lease and the scheduler over it, on the given (or the system's) time. */
function createSchedule(
  config: Config,
  logger: Logger,
  options: RuntimeOptions,
  parts: Pick<SchedulerDeps, "runSync" | "recentHistory" | "deltaSupported"> & {
    leaseStore: LeaseStore;
    owner: string;
    now: () => Date;
  },
): { lease: Lease; scheduler: Scheduler } {
  const timer = options.timer ?? systemTimer;
  const lease = createLease({
    store: parts.leaseStore,
    owner: parts.owner,
    ttlMs: config.leaseTtlMs,
    timer,
    logger,
    onHeldChange: options.onLeaseHeld,
    onLost: options.onLeaseLost,
  });
  const scheduler = createScheduler({
    clock: { now: parts.now },
    timer,
    ...(options.random ? { random: options.random } : {}),
    lease,
    runSync: parts.runSync,
    recentHistory: parts.recentHistory,
    deltaSupported: parts.deltaSupported,
    logger,
    onConsecutiveFailures: options.onConsecutiveFailures,
    config: {
      intervalMs: config.syncIntervalMs,
      deltaIntervalMs: config.deltaIntervalMs,
      jitterMs: config.jitterMs,
      syncOnStart: config.syncOnStart,
      leaseTtlMs: config.leaseTtlMs,
    },
  });
  return { lease, scheduler };
}
