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
import type { ScimClient } from "./scim/scim-client.ts";
import type { SyncHistoryDoc } from "./store/collections.ts";
import { connectMongo, type MongoHandle } from "./store/mongo.ts";
import { createPersonStore } from "./store/person-store.ts";
import { inspectPerson, type PersonReport } from "./inspect/inspect-person.ts";
import { type PersonSyncResult, syncPerson } from "./inspect/sync-person.ts";
import { type OrgUnitSyncResult, syncOrgUnit } from "./inspect/sync-org-unit.ts";
import { createPurgeStore } from "./store/purge-store.ts";
import { createNameLookup } from "./store/name-lookup.ts";
import { createPersonSearch, type PersonSearchStore } from "./store/person-search.ts";
import { createStoredFields } from "./store/stored-fields.ts";
import { findPeople, type PeopleFound } from "./inspect/find-people.ts";
import { timeFormat } from "./time-format.ts";
import { previewSync, type SyncPreview } from "./preview/sync-preview.ts";
import { createPreviewFlight, yieldingToSyncs } from "./preview/preview-flight.ts";
import { createSyncActivity, type SyncActivity } from "./preview/sync-activity.ts";
import { type PurgeOptions, type PurgeReport, runPurge } from "./purge/run-purge.ts";
import {
  runSync,
  type RunSyncOptions,
  type SyncDeps,
  type SyncResult,
} from "./sync/sync-engine.ts";
import { systemTimer } from "./system-time.ts";
import { directoryProbe } from "./identity/directory-probe.ts";
import type { EventApplier } from "./ingest/apply-event.ts";
import type { HistoryStore } from "./store/history-store.ts";
import type { LeaseStore } from "./store/lease-store.ts";
import type { SyncStore } from "./store/sync-store.ts";
import type { ChangeLogStore } from "./store/change-log-store.ts";
import type { DeactivationGate } from "./gate/gate.ts";
import type { HeldStore } from "./store/held-store.ts";
import type { HeldDecisions } from "./held/decisions.ts";
import {
  checkConnection,
  createClients,
  createStores,
  deltaProbe,
  ensureAllIndexes,
  heldDecisions,
} from "./compose-parts.ts";
import type { DirectoryProbe, IdentityStore } from "./identity/ports.ts";
import { createNotifications, type Notifications } from "./notify/notifications.ts";
import { notifySecrets } from "./notify-config.ts";
import { createNotificationStore } from "./store/notification-store.ts";
import { createScheduleNotesStore, type ScheduleNotesStore } from "./store/schedule-notes-store.ts";
import type { QuarantineState } from "./scheduler/quarantine.ts";

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
  /** The search by name (inspect/find-people.ts): any prefix of first, last or full name or email. */
  findPeople(query: string): Promise<PeopleFound>;
  /** Gives search keys to users written before they existed (store/person-search.ts); how many, null on FerretDB. */
  backfillSearchKeys(): Promise<number | null>;
  /** Webhook events: claim, apply, hold; its indexes are ensured. */
  events: EventApplier;
  /** `heldDeactivations`: the people the gate kept active, waiting for an operator (pages of 50). */
  held: HeldStore;
  /** An operator's approvals and rejections of held deactivations (held/decisions.ts). */
  decisions: HeldDecisions;
  leaseStore: LeaseStore;
  /** The sync lease, owned by this runner (the daemon) or `cli-<runnerId>` (the command line). */
  lease: Lease;
  /** The daemon's scheduler over `runSync` and `lease`; built, not started. */
  scheduler: Scheduler;
  runSync(options: RunSyncOptions): Promise<RunResult>;
  /** `npm run purge`: hard-deletes the long departed the SSO confirms gone (purge/run-purge.ts). */
  purge(options: PurgeOptions): Promise<PurgeReport>;
  /**
   * A full sync's dry run as a plan (preview/sync-preview.ts): one at a time, callers join it,
   * cancelled when every caller's signal has aborted, stopped while a sync runs
   * (preview/preview-flight.ts).
   */
  preview(signal?: AbortSignal): Promise<SyncPreview>;
  /** The connection check of the sync page: ServiceProviderConfig, or the error. */
  connection(): Promise<{ ok: true; config: ServiceProviderConfig } | { ok: false; error: string }>;
  /** Whether the SSO can filter on meta.lastModified (delta syncs). */
  deltaSupported(): Promise<boolean>;
  /** Operators' notes to the schedule: the quarantine's "Retry now". */
  scheduleNotes: ScheduleNotesStore;
  /** Notifications (notify/): `check()` after every run and once a minute in the daemon. */
  notifications: Notifications;
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
  /** Told how long the SCIM rate limit held a request back (the command line's progress). */
  onRateLimitWait?: (ms: number) => void;
  /** Told the quarantine state whenever the scheduler reads the history (metrics). */
  onQuarantine?: (state: QuarantineState) => void;
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
  const clients = createClients(config, options);
  const client = clients.client;
  const directory = directoryProbe(client);
  const stores = createStores(mongo, config, logger, now, directory);
  await ensureAllIndexes(stores, mongo);
  const search = await personSearch(mongo);
  const scheduleNotes = createScheduleNotesStore(mongo.db);
  const notifications = await notificationsOf(mongo, config, logger, {
    now,
    runnerId,
    stores,
    scheduleNotes,
  });
  const onFinished = (h: SyncHistoryDoc) => {
    options.onFinished?.(h);
    // Never awaited: a notification never holds up a run.
    void notifications.check();
  };
  const { sync, activity } = syncOf(config, logger, {
    clients,
    directory,
    stores,
    now,
    runnerId,
    onFinished,
  });
  const deltaSupported = deltaProbe(client);
  const { lease, scheduler } = createSchedule(config, logger, options, {
    leaseStore: stores.leaseStore,
    owner: options.role === "cli" ? `cli-${runnerId}` : runnerId,
    runSync: sync,
    recentHistory: (n) => stores.history.recent(n),
    deltaSupported,
    now,
    quarantineRetryAt: () => scheduleNotes.quarantineRetryAt(),
    requestQuarantineRetry: (at) => scheduleNotes.requestQuarantineRetry(at),
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
    decisions: heldDecisions(stores, { client, directory, config, now, logger }),
    ...personTools(mongo, config, logger, { client, directory, stores, search, now, runnerId }),
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
    preview: previewOf({ sync, activity, mongo, config, now, logger }),
    connection: () => checkConnection(client),
    deltaSupported,
    scheduleNotes,
    notifications,
    close: () => {
      notifications.close();
      return mongo.close();
    },
  };
}

/** The person search's store, its index ensured. */
async function personSearch(mongo: MongoHandle): Promise<PersonSearchStore> {
  const search = createPersonSearch(mongo.db);
  await search.ensureIndex();
  return search;
}

/**
 * The sync function over the runtime's parts: the engine with the config's limits. A dry run
 * is a preview, never a run: no run metric or notification (no `onFinished`), its engine lines
 * at debug (the preview logs its own), its requests on the limiter's background budget, which
 * waits while a sync runs here or holds the lease anywhere (preview/sync-activity.ts), and it
 * stops at the next page or user-index batch once its signal aborts. Every other run is marked
 * on the returned `activity` while it lasts.
 */
function syncOf(
  config: Config,
  logger: Logger,
  p: {
    clients: ReturnType<typeof createClients>;
    directory: DirectoryProbe;
    stores: ReturnType<typeof createStores>;
    now: () => Date;
    runnerId: string;
    onFinished: (h: SyncHistoryDoc) => void;
  },
): { sync: (o: RunSyncOptions) => Promise<RunResult>; activity: SyncActivity } {
  const activity = createSyncActivity({
    leaseHolder: () => p.stores.leaseStore.holder("scim-sync"),
  });
  const deps: SyncDeps = {
    client: p.clients.client,
    store: p.stores.store,
    history: p.stores.history,
    logger,
    pageSize: config.pageSize,
    gate: p.stores.gate,
    identity: p.stores.identity,
    directory: p.directory,
    held: p.stores.held,
    matchOn: config.matchOn,
    maxDurationMs: config.maxSyncDurationMs,
    now: p.now,
    userHashFields: userHashFields(config.excludeFields),
    runnerId: p.runnerId,
    onFinished: p.onFinished,
    afterPage: createMemoryRelief({ budgetMB: config.memoryBudgetMB }),
  };
  const background = p.clients.background(activity.busy);
  const dryDeps: SyncDeps = {
    ...deps,
    // Previews take from the same pacing, only slots nobody else wants, never while a sync runs.
    client: background,
    logger: debugOnly(logger),
    onFinished: undefined,
  };
  // Each run its own count: the daemon's inspections and probes may send requests meanwhile;
  // the run's presence checks count among its requests (and a preview's stay in the background).
  const counted = async (d: SyncDeps, client: ScimClient, o: RunSyncOptions) => {
    const runClient = client.counted();
    const result = await runSync(
      { ...d, client: runClient, directory: directoryProbe(runClient) },
      o,
    );
    return { ...result, requests: runClient.requestsSent };
  };
  const sync = async (o: RunSyncOptions): Promise<RunResult> => {
    if (o.dryRun) {
      // A preview stopped for a sync or left by its callers stops reading at once,
      // its MongoDB cursor closed with it.
      const afterPage = () => {
        o.signal?.throwIfAborted();
        deps.afterPage?.();
      };
      return await counted({ ...dryDeps, afterPage }, background, o);
    }
    const end = activity.begin();
    try {
      return await counted(deps, p.clients.client, o);
    } finally {
      end();
    }
  };
  return { sync, activity };
}

/** Every line at debug: a dry run's engine lines are not a run's. */
function debugOnly(logger: Logger): Logger {
  return { debug: logger.debug, info: logger.debug, warn: logger.debug, error: logger.debug };
}

/**
 * The Preview over the dry-run engine: yielding to syncs (stopped while one runs), one flight
 * joined by its callers and cancelled when they have all left (preview/preview-flight.ts).
 */
function previewOf(p: {
  sync: (o: RunSyncOptions) => Promise<SyncResult>;
  activity: SyncActivity;
  mongo: MongoHandle;
  config: Config;
  now: () => Date;
  logger: Logger;
}): Runtime["preview"] {
  const stored = createStoredFields(p.mongo.db);
  const userFields = userHashFields(p.config.excludeFields);
  const run = (signal: AbortSignal) =>
    previewSync({ runSync: (o) => p.sync({ ...o, signal }), stored, userFields, now: p.now });
  return createPreviewFlight(yieldingToSyncs(run, p.activity, { logger: p.logger }), p.logger);
}

/** Notifications over the runtime's stores; their indexes only where some transport is set. */
async function notificationsOf(
  mongo: MongoHandle,
  config: Config,
  logger: Logger,
  p: {
    now: () => Date;
    runnerId: string;
    stores: ReturnType<typeof createStores>;
    scheduleNotes: ScheduleNotesStore;
  },
): Promise<Notifications> {
  const store = createNotificationStore(mongo.db);
  const notifications = createNotifications({
    config: config.notify,
    quarantine: { after: config.quarantineAfter, intervalMs: config.quarantineIntervalMs },
    store,
    logger,
    now: p.now,
    runner: p.runnerId,
    secrets: notifySecrets(config),
    recentHistory: (n) => p.stores.history.recent(n),
    held: async (n) => (await p.stores.held.page(1, n)).items.map((i) => ({ id: i._id })),
    quarantineRetryAt: () => p.scheduleNotes.quarantineRetryAt(),
  });
  if (notifications.enabled) await store.ensureIndexes();
  return notifications;
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
    search: PersonSearchStore;
    now: () => Date;
    runnerId: string;
  },
): Pick<
  Runtime,
  "inspect" | "syncPerson" | "syncOrgUnit" | "findPeople" | "backfillSearchKeys"
> {
  const people = createPersonStore(mongo.db);
  const reads = {
    people,
    changes: p.stores.changes,
    client: p.client,
    excludeFields: config.excludeFields,
    names: createNameLookup(mongo.db),
    heldOf: (id: string) => p.stores.held.byIds([id]),
    schedule: {
      recentHistory: (n: number) => p.stores.history.recent(n),
      intervalMs: config.syncIntervalMs,
    },
    userHashFields: userHashFields(config.excludeFields),
    time: timeFormat(config.pageTimeZone).format,
    now: p.now,
  };
  return {
    findPeople: (q) =>
      findPeople({
        search: p.search.search,
        client: p.client,
        exact: async (key) => (await people.findUser(key))?.ssoUserId ?? null,
      }, q),
    backfillSearchKeys: () => p.search.backfill(),
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
  parts:
    & Pick<
      SchedulerDeps,
      | "runSync"
      | "recentHistory"
      | "deltaSupported"
      | "quarantineRetryAt"
      | "requestQuarantineRetry"
    >
    & {
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
    now: parts.now,
  });
  const scheduler = createScheduler({
    clock: { now: parts.now },
    timer,
    ...(options.random ? { random: options.random } : {}),
    lease,
    runSync: parts.runSync,
    recentHistory: parts.recentHistory,
    deltaSupported: parts.deltaSupported,
    quarantineRetryAt: parts.quarantineRetryAt,
    requestQuarantineRetry: parts.requestQuarantineRetry,
    onQuarantine: options.onQuarantine,
    logger,
    onConsecutiveFailures: options.onConsecutiveFailures,
    config: {
      intervalMs: config.syncIntervalMs,
      deltaIntervalMs: config.deltaIntervalMs,
      jitterMs: config.jitterMs,
      syncOnStart: config.syncOnStart,
      quarantineAfter: config.quarantineAfter,
      quarantineIntervalMs: config.quarantineIntervalMs,
      leaseTtlMs: config.leaseTtlMs,
    },
  });
  return { lease, scheduler };
}
