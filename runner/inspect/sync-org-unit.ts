/**
 * Provision on demand for one org unit: a SCIM Group synced now from the
 * directory by its id or its name (`unitName`), with the same mapping
 * (shared/mapping.ts `mapGroup`), content hash, writes, `syncHistory` record
 * (type `scim_group_sync`, which the scheduler ignores) and change log as a
 * full sync. A group gone from the SSO (404) deactivates its org unit through
 * the rolling-window guard like any other deactivation.
 *
 * @module
 */
import { mapGroup } from "../../shared/mapping.ts";
import type { OfmOrgUnit } from "../../shared/ofm-documents.ts";
import { contentHash, orgUnitHashFields } from "../content-hash.ts";
import type { SyncHistoryRecord } from "../documents/sync-history.ts";
import type { OrgUnitDoc } from "../store/collections.ts";
import type { ChangeOrigin, SyncWriter } from "../sync/ports.ts";
import type { InspectDeps } from "./inspect-person.ts";
import {
  diffOne,
  entryOf,
  noRecord,
  type OnDemandDeps,
  type OnDemandOutcome,
  type OnDemandRun,
  removeAbsent,
  runOnDemand,
  throwOnErrors,
} from "./on-demand.ts";

/** What the org-unit sync needs: reads of OFM and the SSO, the writer, the history, the guard. */
export interface SyncOrgUnitDeps extends OnDemandDeps {
  people: { findOrgUnit(key: string): Promise<OrgUnitDoc | null> };
  client: InspectDeps["client"];
  store: Pick<SyncWriter, "createOrgUnits" | "updateOrgUnits" | "deactivateOrgUnits">;
}

/** What one on-demand org-unit sync did. */
export interface OrgUnitSyncResult {
  outcome: OnDemandOutcome;
  /** The `syncHistory` id; null when nothing was recorded (an unknown key). */
  historyId: string | null;
  /** The SCIM Group id (the org unit's `_id`); null when neither side knows the key. */
  orgUnitId: string | null;
  message: string;
}

/** The directory's answer about one group. */
type LiveGroup =
  | { kind: "ok"; unit: OfmOrgUnit }
  | { kind: "absent" }
  | { kind: "invalid"; message: string }
  | { kind: "unreachable"; message: string };

/** `GET /Groups/{id}`, then (for a name) `GET /Groups?filter=displayName eq "…"`. */
async function fetchGroup(
  client: SyncOrgUnitDeps["client"],
  id: string,
  name: string,
): Promise<LiveGroup> {
  try {
    let raw = await client.getResource("Groups", id);
    if (raw === null) {
      const quoted = name.replace(/["\\]/g, "");
      const list = await client.get("/Groups", {
        filter: `displayName eq "${quoted}"`,
        count: "1",
      });
      raw = (list as { Resources?: unknown[] } | null)?.Resources?.[0] ?? null;
    }
    if (raw === null) return { kind: "absent" };
    const mapped = mapGroup(raw);
    return mapped.ok
      ? { kind: "ok", unit: mapped.value }
      : { kind: "invalid", message: mapped.error.message };
  } catch (e) {
    return { kind: "unreachable", message: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * Syncs one org unit now, by SCIM Group id or unit name.
 *
 * @example
 * ```ts
 * const r = await syncOrgUnit(deps, "Finance");
 * r.outcome; // "updated"
 * ```
 */
export async function syncOrgUnit(
  deps: SyncOrgUnitDeps,
  key: string,
  opts: { force?: boolean } = {},
): Promise<OrgUnitSyncResult> {
  const ofm = await deps.people.findOrgUnit(key);
  const live = await fetchGroup(deps.client, ofm?._id ?? key, ofm?.unitName ?? key);
  const id = ofm?._id ?? (live.kind === "ok" ? live.unit._id : null);
  if (!id) return unitResult(noRecord(live, `No org unit "${key}" in OFM or in the SSO.`), null);
  const spec = {
    kind: "orgUnits",
    id,
    live,
    force: opts.force === true,
    logLine: (outcome: OnDemandOutcome) => `🏢 On-demand sync of org unit ${id}: ${outcome}`,
  } as const;
  const run = await runOnDemand(
    deps,
    spec,
    (record, origin) =>
      live.kind === "ok" ? writeLive(deps, record, ofm, live.unit, origin) : removeAbsent(
        deps,
        record,
        "orgUnits",
        ofm && entryOf(ofm._id, ofm),
        {
          deactivate: (entries) => deps.store.deactivateOrgUnits(entries, "on_demand_sync", origin),
        },
        origin,
        opts.force,
      ),
  );
  return unitResult(run, id);
}

// The answer's fields in the order the routes have always written them.
const unitResult = (run: OnDemandRun, orgUnitId: string | null): OrgUnitSyncResult => ({
  outcome: run.outcome,
  historyId: run.historyId,
  orgUnitId,
  message: run.message,
});

/** Present in the SSO: mapped, hashed and diffed like a page of a full sync. */
async function writeLive(
  deps: SyncOrgUnitDeps,
  record: SyncHistoryRecord,
  ofm: OrgUnitDoc | null,
  unit: OfmOrgUnit,
  origin: ChangeOrigin,
): Promise<OnDemandOutcome> {
  const existing = ofm && entryOf(ofm._id, ofm);
  const plan = diffOne(existing, unit._id, unit, contentHash(unit, orgUnitHashFields));
  const { stats } = record;
  if (plan.creates.length > 0) {
    const n = await throwOnErrors(
      record,
      deps.store.createOrgUnits(plan.creates, "on_demand_sync", origin),
    );
    stats.orgUnitsCreated = n;
    return n > 0 ? "created" : "unchanged";
  }
  // A group the SSO lists is active (mapGroup): an update here is a change or a reactivation.
  if (plan.updates.length > 0) {
    const n = await throwOnErrors(
      record,
      deps.store.updateOrgUnits(plan.updates, "on_demand_sync", origin),
    );
    stats.orgUnitsUpdated = n;
    return n > 0 ? "updated" : "unchanged";
  }
  stats.orgUnitsUnchanged = 1;
  return "unchanged";
}
