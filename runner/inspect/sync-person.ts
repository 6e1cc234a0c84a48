/**
 * Provision on demand: one person synced now from the directory, with the
 * same mapping, content hash, writes, `syncHistory` record (type
 * `scim_user_sync`, which the scheduler ignores) and change log as a full
 * sync. A deletion found this way (404, or `active: false`) goes through the
 * rolling-window guard like any other (sync/deactivations.ts `checkGuard`).
 *
 * @module
 */
import { contentHash } from "../content-hash.ts";
import type { SyncHistoryRecord } from "../documents/sync-history.ts";
import type { ChangeOrigin, SyncWriter } from "../sync/ports.ts";
import type { OfmUser } from "../../shared/ofm-documents.ts";
import type { StoredUser } from "../store/person-store.ts";
import { fetchLive, type InspectDeps } from "./inspect-person.ts";
import {
  diffOne,
  entryOf,
  guardOne,
  noRecord,
  type OnDemandDeps,
  type OnDemandOutcome,
  type OnDemandRun,
  removeAbsent,
  runOnDemand,
  throwOnErrors,
} from "./on-demand.ts";
import { compareFields } from "./verdict.ts";

/** What the on-demand sync needs besides the inspector's reads. */
export interface SyncPersonDeps extends Pick<InspectDeps, "client">, OnDemandDeps {
  people: InspectDeps["people"] & { countActiveUsers(): Promise<number> };
  store: Pick<SyncWriter, "createUsers" | "updateUsers" | "deactivateUsers">;
  userHashFields: readonly string[];
  /** SYNC_EXCLUDE_FIELDS: a difference there is OFM's own value, not drift. */
  excludeFields?: readonly string[];
}

/** What one on-demand sync did. */
export interface PersonSyncResult {
  outcome: OnDemandOutcome;
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
  if (!id) return personResult(noRecord(live, `No user "${key}" in OFM or in the SSO.`), null);
  const spec = {
    kind: "users",
    id,
    live,
    force: opts.force === true,
    logLine: (outcome: OnDemandOutcome) => `👤 On-demand sync of ${id}: ${outcome}`,
  } as const;
  const run = await runOnDemand(
    deps,
    spec,
    (record, origin) =>
      live.kind === "ok"
        ? writeLive(deps, record, ofm, live.user, origin, opts.force)
        : removeAbsent(deps, record, "users", ofm && entryOf(ofm.ssoUserId, ofm), {
          countActive: () => deps.people.countActiveUsers(),
          deactivate: (entries) => deps.store.deactivateUsers(entries, "on_demand_sync", origin),
        }, opts.force),
  );
  return personResult(run, id);
}

// The answer's fields in the order the routes have always written them.
const personResult = (run: OnDemandRun, ssoUserId: string | null): PersonSyncResult => ({
  outcome: run.outcome,
  historyId: run.historyId,
  ssoUserId,
  message: run.message,
});

/** Present in the SSO: mapped, hashed and diffed like a page of a full sync. */
async function writeLive(
  deps: SyncPersonDeps,
  record: SyncHistoryRecord,
  ofm: StoredUser | null,
  user: OfmUser,
  origin: ChangeOrigin,
  force?: boolean,
): Promise<OnDemandOutcome> {
  // An operator asked: a field edited in OFM itself (its hash still equal) is rewritten too.
  const drift = ofm !== null && compareFields(ofm, user, deps.excludeFields ?? [])
    .some((r) => !r.equal && !r.excluded);
  const existing = ofm && { ...entryOf(ofm.ssoUserId, ofm), ...(drift ? { syncHash: "" } : {}) };
  const plan = diffOne(existing, user.ssoUserId, user, contentHash(user, deps.userHashFields));
  const { stats } = record;
  if (plan.creates.length > 0) {
    stats.usersCreated = 1;
    await throwOnErrors(record, deps.store.createUsers(plan.creates, "on_demand_sync", origin));
    return "created";
  }
  if (plan.deactivatingUpdates.length > 0) {
    await guardOne(deps, "users", await deps.people.countActiveUsers(), force);
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
