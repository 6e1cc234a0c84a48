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
import type { Logger } from "../../shared/logger.ts";
import { mapGroup } from "../../shared/mapping.ts";
import type { OfmOrgUnit } from "../../shared/ofm-documents.ts";
import type { DeactivationLimit } from "../config.ts";
import { contentHash, orgUnitHashFields } from "../content-hash.ts";
import type { ExistingEntry } from "../documents/changes.ts";
import type { SyncHistoryRecord } from "../documents/sync-history.ts";
import type { OrgUnitDoc } from "../store/collections.ts";
import { checkGuard, DEFAULT_GUARD_WINDOW_MS, GuardAbortedError } from "../sync/deactivations.ts";
import { diffBatch } from "../sync/diff.ts";
import { windowStart } from "../sync/guard.ts";
import type { ChangeOrigin, HistoryWriter, SyncWriter } from "../sync/ports.ts";
import { describeError } from "../sync/record-step.ts";
import { emptyStats } from "../sync/sync-stats.ts";
import type { InspectDeps } from "./inspect-person.ts";
import { throwOnErrors } from "./sync-person.ts";

/** What the org-unit sync needs: reads of OFM and the SSO, the writer, the history, the guard. */
export interface SyncOrgUnitDeps {
  people: {
    findOrgUnit(key: string): Promise<OrgUnitDoc | null>;
    countActiveOrgUnits(): Promise<number>;
  };
  client: InspectDeps["client"];
  store: Pick<SyncWriter, "createOrgUnits" | "updateOrgUnits" | "deactivateOrgUnits">;
  history: Pick<HistoryWriter, "start" | "finish" | "deactivationsSince">;
  maxDeactivate: DeactivationLimit;
  guardWindowMs?: number;
  runnerId?: string;
  now: () => Date;
  logger: Logger;
}

/** What one on-demand org-unit sync did. */
export interface OrgUnitSyncResult {
  outcome: "created" | "updated" | "unchanged" | "deactivated" | "not_found" | "aborted" | "failed";
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
  if (!id) {
    return {
      outcome: live.kind === "unreachable" ? "failed" : "not_found",
      historyId: null,
      orgUnitId: null,
      message: live.kind === "unreachable"
        ? `the SSO could not be asked: ${live.message}`
        : `No org unit "${key}" in OFM or in the SSO.`,
    };
  }
  const record = groupSyncRecord(id, deps, opts.force === true);
  const recordId = await deps.history.start(record);
  const historyId = recordId.toHexString();
  const origin = { kind: "on_demand", historyId } as const;
  let outcome: OrgUnitSyncResult["outcome"];
  try {
    if (live.kind === "unreachable") throw new Error(`the SSO could not be asked: ${live.message}`);
    if (live.kind === "invalid") {
      record.stats.errors.push({
        resourceType: "Group",
        resourceId: id,
        code: "RESOURCE_INVALID",
        message: live.message,
      });
      throw new Error(live.message);
    }
    outcome = live.kind === "absent"
      ? await removeAbsent(deps, record, ofm, origin, opts.force)
      : await writeLive(deps, record, ofm, live.unit, origin);
    record.status = "success";
  } catch (e) {
    record.status = e instanceof GuardAbortedError ? "aborted" : "failed";
    record.error = describeError(e);
    record.stats.orgUnitsDeactivated = 0;
    outcome = record.status === "aborted" ? "aborted" : "failed";
  }
  record.completedAt = deps.now();
  record.durationMs = record.completedAt.getTime() - record.startedAt.getTime();
  await deps.history.finish(recordId, record);
  deps.logger.info(`🏢 On-demand sync of org unit ${id}: ${outcome}`);
  return {
    outcome,
    historyId,
    orgUnitId: id,
    message: record.error?.message ?? `${id}: ${outcome}`,
  };
}

function groupSyncRecord(id: string, deps: SyncOrgUnitDeps, force: boolean): SyncHistoryRecord {
  return {
    type: "scim_group_sync",
    startedAt: deps.now(),
    completedAt: null,
    status: "running",
    stats: { ...emptyStats(), orgUnitsFetched: 1 },
    error: null,
    // A filter: a run of one group proves nothing about the rest (history-store lastSuccess).
    filter: `id eq "${id}"`,
    since: null,
    dryRun: false,
    ...(force ? { forced: true } : {}),
    ...(deps.runnerId ? { runner: deps.runnerId } : {}),
  };
}

const entryOf = (u: OrgUnitDoc): ExistingEntry => ({
  key: u._id,
  syncHash: String(u.syncHash ?? ""),
  isActive: u.isActive === true,
});

/** Gone from the SSO (404): an active org unit is deactivated, through the guard. */
async function removeAbsent(
  deps: SyncOrgUnitDeps,
  record: SyncHistoryRecord,
  ofm: OrgUnitDoc | null,
  origin: ChangeOrigin,
  force?: boolean,
): Promise<OrgUnitSyncResult["outcome"]> {
  record.stats.orgUnitsFetched = 0;
  if (!ofm || ofm.isActive !== true) {
    record.stats.orgUnitsUnchanged = ofm ? 1 : 0;
    return ofm ? "unchanged" : "not_found";
  }
  const windowMs = deps.guardWindowMs ?? DEFAULT_GUARD_WINDOW_MS;
  const inWindow = await deps.history.deactivationsSince(windowStart(deps.now(), windowMs));
  const plan = {
    users: { held: [], absent: [] },
    orgUnits: { held: [], absent: [entryOf(ofm)] },
  };
  const activeNow = { users: 0, orgUnits: await deps.people.countActiveOrgUnits() };
  checkGuard(plan, activeNow, inWindow, { limit: deps.maxDeactivate, windowMs, force });
  record.stats.orgUnitsDeactivated = 1;
  await throwOnErrors(
    record,
    deps.store.deactivateOrgUnits([entryOf(ofm)], "on_demand_sync", origin),
  );
  return "deactivated";
}

/** Present in the SSO: mapped, hashed and diffed like a page of a full sync. */
async function writeLive(
  deps: SyncOrgUnitDeps,
  record: SyncHistoryRecord,
  ofm: OrgUnitDoc | null,
  unit: OfmOrgUnit,
  origin: ChangeOrigin,
): Promise<OrgUnitSyncResult["outcome"]> {
  const index = new Map(ofm ? [[ofm._id, entryOf(ofm)]] : []);
  const item = {
    key: unit._id,
    hash: contentHash(unit, orgUnitHashFields),
    isActive: unit.isActive,
    doc: unit,
  };
  const plan = diffBatch([item], index);
  const { stats } = record;
  if (plan.creates.length > 0) {
    stats.orgUnitsCreated = 1;
    await throwOnErrors(record, deps.store.createOrgUnits(plan.creates, "on_demand_sync", origin));
    return "created";
  }
  // A group the SSO lists is active (mapGroup): an update here is a change or a reactivation.
  const updates = [...plan.updates, ...plan.deactivatingUpdates];
  if (updates.length > 0) {
    stats.orgUnitsUpdated = 1;
    await throwOnErrors(record, deps.store.updateOrgUnits(updates, "on_demand_sync", origin));
    return "updated";
  }
  stats.orgUnitsUnchanged = 1;
  return "unchanged";
}
