/**
 * One sync run: org units first, then users, paged from the SSO, mapped,
 * diffed by content hash and written in batches while the next page is
 * fetched. Destructive changes (deactivations) wait until the listing is
 * complete and the accidental-deletion guard has seen the whole run.
 *
 * @module
 */
import type { ObjectId } from "mongodb";
import { ScimSyncError } from "../../shared/errors.ts";
import type { Logger } from "../../shared/logger.ts";
import { mapGroup, mapUser } from "../../shared/mapping.ts";
import type { OfmOrgUnit, OfmUser } from "../../shared/ofm-documents.ts";
import type { DeactivationLimit } from "../config.ts";
import { contentHash, orgUnitHashFields } from "../content-hash.ts";
import type { ScimClient } from "../scim/scim-client.ts";
import type { SyncHistoryDoc } from "../store/collections.ts";
import type { HistoryStore } from "../store/history-store.ts";
import type { SyncStore } from "../store/sync-store.ts";
import { absentActive, type ExistingIndex } from "./diff.ts";
import { activeAtWindowStart, type GuardVerdict, guardVerdict, windowStart } from "./guard.ts";
import { formatDuration } from "../duration.ts";
import { PackedIndex } from "../store/packed-index.ts";
import { resourcePass } from "./resource-pass.ts";
import { DEFAULT_MAX_SYNC_DURATION_MS, startRunDeadline } from "./run-deadline.ts";
import { emptyStats } from "./sync-stats.ts";
import { createWriteQueue } from "./write-queue.ts";

export interface SyncProgress {
  phase: "connecting" | "orgUnits" | "users" | "writing" | "done";
  fetched: number;
  total: number | null;
  pageNo: number;
}

export interface RunSyncOptions {
  type: "full" | "delta";
  /** A SCIM filter; a filtered run never deactivates by absence. */
  filter?: string;
  /** Delta runs: resources modified after this instant. */
  since?: Date;
  /** Fetch and diff, write nothing (no history either). */
  dryRun?: boolean;
  /** Pass the accidental-deletion guard. */
  force?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: SyncProgress) => void;
  /** Called with the syncHistory id as soon as the run is recorded. */
  onStart?: (runId: string) => void;
  /** The caller holds the sync lease: other `running` records are of dead runs and are closed as failed. */
  exclusive?: boolean;
}

export interface SyncDeps {
  client: ScimClient;
  store: SyncStore;
  history: HistoryStore;
  logger: Logger;
  pageSize: number;
  maxDeactivate: DeactivationLimit;
  /** SYNC_MAX_DURATION: a run still going after this long fails. @default 30 minutes */
  maxDurationMs?: number;
  /** SYNC_GUARD_WINDOW: deactivations are held against the limit over this many ms. @default 86_400_000 */
  guardWindowMs?: number;
  userHashFields: readonly string[];
  runnerId?: string;
  now?: () => Date;
  /** Called once per finished run (metrics). */
  onFinished?: (history: SyncHistoryDoc) => void;
  /** Called after each page (memory-relief.ts). */
  afterPage?: () => void;
}

/** What a dry run would have done. */
export interface DryRunPlan {
  users: { create: string[]; update: string[]; deactivate: string[] };
  orgUnits: { create: string[]; update: string[]; deactivate: string[] };
}

export interface SyncResult {
  history: SyncHistoryDoc;
  runId: string;
  plan?: DryRunPlan;
}

/** The guard refused the run: its deactivations and the window's together pass the limit. */
export class GuardAbortedError extends ScimSyncError {
  constructor(what: string, proposed: number, v: GuardVerdict & { inWindow: number; baseline: number; windowMs: number }) {
    const window = formatDuration(v.windowMs);
    super(
      "GUARD_ABORTED",
      `Sync aborted: it would deactivate ${proposed} ${what}` +
        (v.inWindow > 0 ? `, and ${v.inWindow} were already deactivated in the last ${window} (${v.total} in all)` : "") +
        `, more than the ${v.allowed} that SYNC_MAX_DEACTIVATE allows within SYNC_GUARD_WINDOW (${window}; ` +
        `${v.baseline} active at the window's start). ` +
        `Check the SSO's listing; if the change is real, run again with --force.`,
    );
  }
}

/**
 * Runs one sync. Never throws for a failed sync: the returned history's
 * status is success, failed, aborted or interrupted (signal aborted).
 *
 * @example
 * ```ts
 * const { history } = await runSync(deps, { type: "full" });
 * console.log(history.status, history.stats.usersCreated);
 * ```
 */
export async function runSync(deps: SyncDeps, options: RunSyncOptions): Promise<SyncResult> {
  const now = deps.now ?? (() => new Date());
  const log = deps.logger;
  const type = options.type === "delta" ? "scim_delta_sync" : "scim_full_sync";
  const filter = options.type === "delta" && options.since
    ? `meta.lastModified gt "${options.since.toISOString()}"`
    : options.filter;
  const complete = filter === undefined;
  const stats = emptyStats();
  const history: SyncHistoryDoc = {
    type,
    startedAt: now(),
    completedAt: null,
    status: "running",
    stats,
    error: null,
    filter: filter ?? null,
    // The schedule tells a scheduled delta from an operator's filtered run by type, and reads `since`.
    since: options.type === "delta" ? options.since ?? null : null,
    dryRun: options.dryRun === true,
    ...(options.force ? { forced: true } : {}),
    runner: deps.runnerId,
  };
  const plan: DryRunPlan = {
    users: { create: [], update: [], deactivate: [] },
    orgUnits: { create: [], update: [], deactivate: [] },
  };
  let runId: ObjectId | null = null;
  if (!options.dryRun) {
    runId = await deps.history.start(history);
    options.onStart?.(runId.toHexString());
    if (options.exclusive) {
      const closed = await deps.history.markAbandoned(runId).catch(() => 0);
      if (closed > 0) log.warn(`⚠️ Closed ${closed} sync record(s) left running by a stopped runner`);
    }
  }
  const progress = (p: SyncProgress) => options.onProgress?.(p);
  const source = options.type === "delta" ? "delta_sync" : "full_sync";
  // Everything the run does listens to this signal: shutdown, a lost lease, or SYNC_MAX_DURATION.
  const deadline = startRunDeadline(deps.maxDurationMs ?? DEFAULT_MAX_SYNC_DURATION_MS, options.signal);
  const signal = deadline.signal;

  try {
    log.info(`🔄 Starting SCIM ${options.type === "delta" ? "delta" : "full"} synchronization...`);
    progress({ phase: "connecting", fetched: 0, total: null, pageNo: 0 });
    const spc = await deps.client.serviceProviderConfig(signal);
    log.info("✅ Connected to Aksara SSO");
    const count = Math.min(deps.pageSize, 1000, spc.filter.maxResults ?? 1000);
    const cursor = spc.pagination?.cursor === true;
    const write = createWriteQueue({ maxInFlight: 2, dryRun: options.dryRun === true });
    const userIndexP = deps.store.userIndex(deps.afterPage);
    userIndexP.catch(() => {});

    const list = { count, filter, cursor, signal };
    const afterPage = deps.afterPage;
    const onPage = (phase: "orgUnits" | "users") => (p: { fetched: number; totalResults: number; pageNo: number }) =>
      progress({ phase, fetched: p.fetched, total: p.totalResults, pageNo: p.pageNo });

    log.info("📥 Fetching organizational units...");
    const unitIndex = await deps.store.orgUnitIndex();
    const units = await resourcePass<OfmOrgUnit>({
      resource: "Groups",
      counters: "orgUnits",
      map: mapGroup,
      key: (g) => g._id,
      hash: (g) => contentHash(g, orgUnitHashFields),
      create: (c) => deps.store.createOrgUnits(c, source),
      update: (c) => deps.store.updateOrgUnits(c, source),
    }, unitIndex, { client: deps.client, write, stats, list, onPage: onPage("orgUnits"), afterPage });
    log.info(`📥 Fetched ${stats.orgUnitsFetched} organizational units`);

    log.info("📥 Fetching users...");
    const userIndex = await userIndexP;
    const users = await resourcePass<OfmUser>({
      resource: "Users",
      counters: "users",
      map: mapUser,
      key: (u) => u.ssoUserId,
      hash: (u) => contentHash(u, deps.userHashFields),
      create: (c) => deps.store.createUsers(c, source),
      update: (c) => deps.store.updateUsers(c, source),
    }, userIndex, { client: deps.client, write, stats, list, onPage: onPage("users"), afterPage });
    log.info(`📥 Fetched ${stats.usersFetched} users`);
    // Absence means deletion only when both listings are proven complete (listing-proof.ts).
    const unproven = [units.listing, users.listing].filter((l) => !l.complete);
    history.complete = unproven.length === 0;
    if (unproven.length > 0) {
      history.incompleteReason = unproven.map((l) => `${l.resource}: ${l.reason}`).join("; ");
      log.warn(`⚠️ The SSO's listing is not proven complete, so nobody is deactivated by absence: ${history.incompleteReason}`);
    }
    plan.orgUnits.create.push(...units.created);
    plan.orgUnits.update.push(...units.updated);
    plan.users.create.push(...users.created);
    plan.users.update.push(...users.updated);

    // Deactivations: only now is the listing known to be complete.
    progress({ phase: "writing", fetched: stats.usersFetched, total: stats.usersFetched, pageNo: 0 });
    const absentUsers = complete && history.complete ? absentActive(userIndex, users.seen) : [];
    const absentUnits = complete && history.complete ? absentActive(unitIndex, units.seen) : [];
    const windowMs = deps.guardWindowMs ?? 86_400_000;
    const inWindow = await deps.history.deactivationsSince(windowStart(now(), windowMs));
    const limits = { limit: deps.maxDeactivate, windowMs, force: options.force };
    guard("users", users.held.length + absentUsers.length, activeCount(userIndex), inWindow.users, limits);
    guard("org units", units.held.length + absentUnits.length, activeCount(unitIndex), inWindow.orgUnits, limits);
    plan.users.deactivate.push(...users.held.map((c) => c.doc.ssoUserId), ...absentUsers.map((e) => e.key));
    plan.orgUnits.deactivate.push(...units.held.map((c) => c.doc._id), ...absentUnits.map((e) => e.key));
    stats.usersDeactivated = users.held.length + absentUsers.length;
    stats.orgUnitsDeactivated = units.held.length + absentUnits.length;
    await write(() => deps.store.updateUsers(users.held, source), stats);
    await write(() => deps.store.deactivateUsers(absentUsers, source), stats);
    await write(() => deps.store.updateOrgUnits(units.held, source), stats);
    await write(() => deps.store.deactivateOrgUnits(absentUnits, source), stats);
    await write.drain();

    log.info(
      `✅ Synced ${stats.orgUnitsFetched} organizational units (${stats.orgUnitsCreated} created, ${stats.orgUnitsUpdated} updated, ${stats.orgUnitsUnchanged} unchanged)`,
    );
    log.info(
      `✅ Synced ${stats.usersFetched} users (${stats.usersCreated} created, ${stats.usersUpdated} updated, ${stats.usersUnchanged} unchanged, ${stats.usersDeactivated} deactivated)`,
    );
    log.info(options.dryRun ? "✅ Dry run complete: nothing was written" : "✅ SCIM synchronization complete!");
    history.status = "success";
  } catch (e) {
    const interrupted = signal.aborted && !deadline.expired();
    history.status = interrupted ? "interrupted" : e instanceof GuardAbortedError ? "aborted" : "failed";
    history.error = deadline.expired() ? describe(signal.reason) : interrupted
      ? { code: "SYNC_INTERRUPTED", message: "Sync interrupted: the runner is shutting down; the next run resumes." }
      : describe(e);
    // Nothing destructive ran: the counters of deactivation say what was held back.
    stats.usersDeactivated = 0;
    stats.orgUnitsDeactivated = 0;
    const logFn = history.status === "aborted" ? log.warn : log.error;
    logFn(`❌ SCIM synchronization ${history.status}: ${history.error.message}`, { code: history.error.code });
  }
  deadline.clear();
  history.completedAt = now();
  history.durationMs = history.completedAt.getTime() - history.startedAt.getTime();
  progress({ phase: "done", fetched: stats.usersFetched, total: stats.usersFetched, pageNo: 0 });
  if (runId) {
    try {
      await deps.history.finish(runId, {
        status: history.status,
        completedAt: history.completedAt,
        stats,
        error: history.error,
        durationMs: history.durationMs,
        ...(history.complete === undefined ? {} : { complete: history.complete, incompleteReason: history.incompleteReason ?? null }),
      });
      await deps.history.sweep();
    } catch (e) {
      log.error("❌ Could not record the sync in syncHistory", describe(e));
      if (history.status === "success") {
        history.status = "failed";
        history.error = describe(e);
      }
    }
  }
  deps.onFinished?.(history);
  return { history, runId: runId?.toHexString() ?? "dry-run", ...(options.dryRun ? { plan } : {}) };
}

function activeCount(index: ExistingIndex): number {
  if (index instanceof PackedIndex) return index.countActive();
  let n = 0;
  for (const [, e] of index.entries()) if (e.isActive) n++;
  return n;
}

function guard(
  what: string,
  proposed: number,
  activeNow: number,
  inWindow: number,
  o: { limit: DeactivationLimit; windowMs: number; force?: boolean },
): void {
  const baseline = activeAtWindowStart(activeNow, inWindow);
  const v = guardVerdict({ activeAtWindowStart: baseline, deactivatedInWindow: inWindow, proposed, limit: o.limit });
  if (!v.ok && !o.force) throw new GuardAbortedError(what, proposed, { ...v, inWindow, baseline, windowMs: o.windowMs });
}

function describe(e: unknown): { code: string; message: string } {
  if (e instanceof ScimSyncError) return { code: e.code, message: e.message };
  if (e instanceof Error) {
    const mongo = /Mongo/.test(e.name);
    return { code: mongo ? "STORE_UNAVAILABLE" : "INTERNAL", message: mongo ? `MongoDB error: ${e.message}` : e.message };
  }
  return { code: "INTERNAL", message: String(e) };
}
