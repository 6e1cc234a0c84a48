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
import type { Change } from "../documents/changes.ts";
import type { ChangeOrigin, SyncWriter } from "../sync/ports.ts";
import type { OfmUser } from "../../shared/ofm-documents.ts";
import type { StoredUser } from "../store/person-store.ts";
import {
  type OneIdentity,
  type OneOutcome,
  resolvePerson,
  writeNewPerson,
} from "../identity/one-write.ts";
import { fetchLive, type InspectDeps } from "./inspect-person.ts";
import {
  diffOne,
  entryOf,
  noRecord,
  type OnDemandDeps,
  type OnDemandOutcome,
  type OnDemandRun,
  removeAbsent,
  reserveOne,
  runOnDemand,
  throwOnErrors,
} from "./on-demand.ts";
import { compareFields } from "./verdict.ts";

/** What the on-demand sync needs besides the inspector's reads. */
export interface SyncPersonDeps extends Pick<InspectDeps, "client">, OnDemandDeps {
  people: InspectDeps["people"];
  store: Pick<SyncWriter, "createUsers" | "updateUsers" | "deactivateUsers">;
  userHashFields: readonly string[];
  /** SYNC_EXCLUDE_FIELDS: a difference there is OFM's own value, not drift. */
  excludeFields?: readonly string[];
  /** Matching on first contact and values moving between people. */
  identity: OneIdentity;
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
 * Syncs one person now. The OFM document is found by the key (SSO id, email in any
 * letter case, employee number) or, when the directory knows the person, by the SSO id
 * it answered with — so a differently written key never creates the person twice.
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
  let ofm = await deps.people.findUser(key);
  const { live } = await fetchLive(deps.client, ofm?.ssoUserId ?? key, key);
  if (!ofm && live.kind === "ok") ofm = await deps.people.findUser(live.user.ssoUserId);
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
        : removeAbsent(
          deps,
          record,
          "users",
          ofm && entryOf(ofm.ssoUserId, ofm),
          {
            deactivate: (entries) => deps.store.deactivateUsers(entries, "on_demand_sync", origin),
          },
          origin,
          opts.force,
        ),
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
  const one = {
    identity: deps.identity,
    hash: (u: OfmUser) => contentHash(u, deps.userHashFields),
    source: "on_demand_sync" as const,
    origin,
  };
  const create = plan.creates[0];
  if (create) {
    const r = await writeNewPerson(one, create, async () => {
      const out = await deps.store.createUsers([create], "on_demand_sync", origin);
      if (out.refused.length > 0) return "refused" as const;
      return await throwOnErrors(record, Promise.resolve(out));
    });
    return counted(
      record,
      typeof r === "number" ? { kind: "written", change: r > 0 ? "created" : "unchanged" } : r,
    );
  }
  const deactivating = plan.deactivatingUpdates[0];
  if (deactivating) {
    const ticket = await reserveOne(deps, "users", origin, force);
    let written = 0;
    try {
      written = await updateOne(deps, record, one, deactivating);
    } finally {
      await ticket.settle(written);
    }
    stats.usersDeactivated = written;
    return written > 0 ? "deactivated" : "unchanged";
  }
  const update = plan.updates[0];
  if (update) {
    const n = await updateOne(deps, record, one, update);
    stats.usersUpdated = n;
    return n > 0 ? "updated" : "unchanged";
  }
  stats.usersUnchanged = 1;
  return "unchanged";
}

/** One update; a unique index's refusal is resolved (values moving between people). */
async function updateOne(
  deps: SyncPersonDeps,
  record: SyncHistoryRecord,
  one: Parameters<typeof resolvePerson>[0],
  change: Change<OfmUser>,
): Promise<number> {
  const out = await deps.store.updateUsers([change], "on_demand_sync", one.origin);
  if (out.refused.length === 0) return await throwOnErrors(record, Promise.resolve(out));
  const r = await resolvePerson(one, { kind: "update", change });
  if (r.kind === "written") return r.change === "unchanged" ? 0 : 1;
  return failWith(record, r);
}

/** What an identity outcome counts as, failing the run on a conflict. */
function counted(record: SyncHistoryRecord, r: OneOutcome): OnDemandOutcome {
  if (r.kind !== "written") return failWith(record, r);
  const { stats } = record;
  if (r.change === "created") stats.usersCreated = 1;
  else if (r.change === "linked") stats.usersLinked = 1;
  else if (r.change === "relinked") stats.usersRelinked = 1;
  else if (r.change === "updated") stats.usersUpdated = 1;
  else return "unchanged";
  return r.change === "linked" || r.change === "relinked" ? "updated" : r.change;
}

function failWith(record: SyncHistoryRecord, r: OneOutcome): never {
  if (r.kind === "conflict") {
    record.stats.errors.push(r.error);
    throw new Error(r.error.message);
  }
  throw new Error("the person changed concurrently; sync again");
}
