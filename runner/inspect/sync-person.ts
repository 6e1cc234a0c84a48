/**
 * Provision on demand: one person synced now from the directory, with the
 * same mapping, content hash, writes, `syncHistory` record (type
 * `scim_user_sync`, which the scheduler ignores) and change log as a full
 * sync. A deletion found this way (404, or `active: false`) goes through the
 * rolling-window guard like any other (sync/deactivations.ts `checkGuard`).
 *
 * @module
 */
import type { Logger } from "../../shared/logger.ts";
import type { DeactivationLimit } from "../config.ts";
import { contentHash } from "../content-hash.ts";
import type { ExistingEntry } from "../documents/changes.ts";
import type { SyncHistoryRecord } from "../documents/sync-history.ts";
import { checkGuard, DEFAULT_GUARD_WINDOW_MS, GuardAbortedError } from "../sync/deactivations.ts";
import { diffBatch } from "../sync/diff.ts";
import { windowStart } from "../sync/guard.ts";
import type { ChangeOrigin, HistoryWriter, SyncWriter, WriteOutcome } from "../sync/ports.ts";
import type { OfmUser } from "../../shared/ofm-documents.ts";
import { describeError } from "../sync/record-step.ts";
import { emptyStats } from "../sync/sync-stats.ts";
import type { StoredUser } from "../store/person-store.ts";
import { fetchLive, type InspectDeps } from "./inspect-person.ts";
import { compareFields } from "./verdict.ts";

/** What the on-demand sync needs besides the inspector's reads. */
export interface SyncPersonDeps extends Pick<InspectDeps, "client"> {
  people: InspectDeps["people"] & { countActiveUsers(): Promise<number> };
  store: Pick<SyncWriter, "createUsers" | "updateUsers" | "deactivateUsers">;
  history: Pick<HistoryWriter, "start" | "finish" | "deactivationsSince">;
  userHashFields: readonly string[];
  /** SYNC_EXCLUDE_FIELDS: a difference there is OFM's own value, not drift. */
  excludeFields?: readonly string[];
  maxDeactivate: DeactivationLimit;
  guardWindowMs?: number;
  runnerId?: string;
  now: () => Date;
  logger: Logger;
}

/** What one on-demand sync did. */
export interface PersonSyncResult {
  outcome: "created" | "updated" | "unchanged" | "deactivated" | "not_found" | "aborted" | "failed";
  /** The `syncHistory` id; null when nothing was recorded (an unknown key). */
  historyId: string | null;
  ssoUserId: string | null;
  message: string;
}

/**
 * Syncs one person now.
 *
 * @example
 * ```ts
 * const r = await syncPerson(deps, "jane.doe@ias.co.id");
 * r.outcome; // "updated"
 * ```
 */
export async function syncPerson(
  deps: SyncPersonDeps,
  key: string,
  opts: { force?: boolean } = {},
): Promise<PersonSyncResult> {
  const ofm = await deps.people.findUser(key);
  const { live } = await fetchLive(deps.client, ofm?.ssoUserId ?? key, key);
  const id = ofm?.ssoUserId ?? (live.kind === "ok" ? live.user.ssoUserId : null);
  if (!id) {
    const why = live.kind === "unreachable" ? `the SSO could not be asked: ${live.message}` : "";
    return {
      outcome: live.kind === "unreachable" ? "failed" : "not_found",
      historyId: null,
      ssoUserId: null,
      message: why || `No user "${key}" in OFM or in the SSO.`,
    };
  }
  const record = userSyncRecord(id, deps, opts.force === true);
  const recordId = await deps.history.start(record);
  const historyId = recordId.toHexString();
  const origin = { kind: "on_demand", historyId } as const;
  let outcome: PersonSyncResult["outcome"];
  try {
    if (live.kind === "unreachable") throw new Error(`the SSO could not be asked: ${live.message}`);
    if (live.kind === "invalid") {
      record.stats.errors.push({
        resourceType: "User",
        resourceId: id,
        code: "RESOURCE_INVALID",
        message: live.message,
      });
      throw new Error(live.message);
    }
    outcome = live.kind === "absent"
      ? await removeAbsent(deps, record, ofm, origin, opts.force)
      : await writeLive(deps, record, ofm, live.user, origin, opts.force);
    record.status = "success";
  } catch (e) {
    record.status = e instanceof GuardAbortedError ? "aborted" : "failed";
    record.error = describeError(e);
    record.stats.usersDeactivated = 0;
    outcome = record.status === "aborted" ? "aborted" : "failed";
  }
  record.completedAt = deps.now();
  record.durationMs = record.completedAt.getTime() - record.startedAt.getTime();
  await deps.history.finish(recordId, record);
  deps.logger.info(`👤 On-demand sync of ${id}: ${outcome}`);
  return {
    outcome,
    historyId,
    ssoUserId: id,
    message: record.error?.message ?? `${id}: ${outcome}`,
  };
}

function userSyncRecord(id: string, deps: SyncPersonDeps, force: boolean): SyncHistoryRecord {
  return {
    type: "scim_user_sync",
    startedAt: deps.now(),
    completedAt: null,
    status: "running",
    stats: { ...emptyStats(), usersFetched: 1 },
    error: null,
    // A filter: a run of one person proves nothing about the rest (history-store lastSuccess).
    filter: `id eq "${id}"`,
    since: null,
    dryRun: false,
    ...(force ? { forced: true } : {}),
    ...(deps.runnerId ? { runner: deps.runnerId } : {}),
  };
}

const entryOf = (u: StoredUser): ExistingEntry => ({
  key: u.ssoUserId,
  syncHash: String(u.syncHash ?? ""),
  isActive: u.isActive === true,
});

/** The guard over one deactivation: this one and the window's together. */
async function guardOne(deps: SyncPersonDeps, force?: boolean): Promise<void> {
  const windowMs = deps.guardWindowMs ?? DEFAULT_GUARD_WINDOW_MS;
  const inWindow = await deps.history.deactivationsSince(windowStart(deps.now(), windowMs));
  const plan = {
    users: { held: [], absent: [{ key: "one", syncHash: "", isActive: true }] },
    orgUnits: { held: [], absent: [] },
  };
  const activeNow = { users: await deps.people.countActiveUsers(), orgUnits: 0 };
  checkGuard(plan, activeNow, inWindow, { limit: deps.maxDeactivate, windowMs, force });
}

/** Not in the SSO (404): an active OFM user is deactivated, through the guard. */
async function removeAbsent(
  deps: SyncPersonDeps,
  record: SyncHistoryRecord,
  ofm: StoredUser | null,
  origin: ChangeOrigin,
  force?: boolean,
): Promise<PersonSyncResult["outcome"]> {
  record.stats.usersFetched = 0;
  if (!ofm || ofm.isActive !== true) {
    record.stats.usersUnchanged = ofm ? 1 : 0;
    return ofm ? "unchanged" : "not_found";
  }
  await guardOne(deps, force);
  record.stats.usersDeactivated = 1;
  await throwOnErrors(
    record,
    deps.store.deactivateUsers([entryOf(ofm)], "on_demand_sync", origin),
  );
  return "deactivated";
}

/** Present in the SSO: mapped, hashed and diffed like a page of a full sync. */
async function writeLive(
  deps: SyncPersonDeps,
  record: SyncHistoryRecord,
  ofm: StoredUser | null,
  user: OfmUser,
  origin: ChangeOrigin,
  force?: boolean,
): Promise<PersonSyncResult["outcome"]> {
  // An operator asked: a field edited in OFM itself (its hash still equal) is rewritten too.
  const drift = ofm !== null && compareFields(ofm, user, deps.excludeFields ?? [])
    .some((r) => !r.equal && !r.excluded);
  const index = new Map(
    ofm ? [[ofm.ssoUserId, { ...entryOf(ofm), ...(drift ? { syncHash: "" } : {}) }]] : [],
  );
  const item = {
    key: user.ssoUserId,
    hash: contentHash(user, deps.userHashFields),
    isActive: user.isActive,
    doc: user,
  };
  const plan = diffBatch([item], index);
  const { stats } = record;
  if (plan.creates.length > 0) {
    stats.usersCreated = 1;
    await throwOnErrors(record, deps.store.createUsers(plan.creates, "on_demand_sync", origin));
    return "created";
  }
  if (plan.deactivatingUpdates.length > 0) {
    await guardOne(deps, force);
    stats.usersDeactivated = 1;
    await throwOnErrors(
      record,
      deps.store.updateUsers(plan.deactivatingUpdates, "on_demand_sync", origin),
    );
    return "deactivated";
  }
  if (plan.updates.length > 0) {
    stats.usersUpdated = 1;
    await throwOnErrors(record, deps.store.updateUsers(plan.updates, "on_demand_sync", origin));
    return "updated";
  }
  stats.usersUnchanged = 1;
  return "unchanged";
}

/**
 * A refused write (a duplicate email, say) fails the on-demand sync, recorded in its errors.
 *
 * @example
 * ```ts
 * await throwOnErrors(record, store.createUsers(plan.creates, "on_demand_sync", origin));
 * ```
 */
export async function throwOnErrors(record: SyncHistoryRecord, write: Promise<WriteOutcome>) {
  const r = await write;
  if (r.errors.length === 0) return;
  record.stats.errors.push(...r.errors);
  throw new Error(r.errors[0]!.message);
}
