/**
 * What provision on demand does the same for a person and an org unit: one
 * `syncHistory` record opened and closed around the work, the one item diffed
 * like a page of a full sync, a deactivation only with a reservation from the
 * one gate (gate/gate.ts), a refused write failing the run, and counters of
 * what MongoDB acknowledged. The resource-specific reads and writes stay in
 * sync-person.ts / sync-org-unit.ts.
 *
 * @module
 */
import type { Logger } from "../../shared/logger.ts";
import { type ExistingEntry, indexOfEntries } from "../documents/changes.ts";
import type { SyncHistoryRecord } from "../documents/sync-history.ts";
import type { DeactivationGate, GateTicket } from "../gate/gate.ts";
import { GuardAbortedError, guardFiguresOf } from "../gate/guard-aborted.ts";
import { type BatchPlan, diffBatch } from "../sync/diff.ts";
import type { ChangeOrigin, HistoryWriter, WriteOutcome } from "../sync/ports.ts";
import { describeError } from "../sync/record-step.ts";
import { emptyStats } from "../sync/sync-stats.ts";

/** What one on-demand sync did, for a person or an org unit. */
export type OnDemandOutcome =
  | "created"
  | "updated"
  | "unchanged"
  | "deactivated"
  | "not_found"
  | "aborted"
  | "failed";

/** Which side of the stats a run counts in: `users*` or `orgUnits*`. */
export type OnDemandKind = "users" | "orgUnits";

/** The history, the gate, clock and logger both on-demand syncs share. */
export interface OnDemandDeps {
  history: Pick<HistoryWriter, "start" | "finish">;
  gate: DeactivationGate;
  runnerId?: string;
  now: () => Date;
  logger: Logger;
}

/** The directory's answer about the one item, stripped of the item itself. */
export type LiveAnswer =
  | { kind: "ok" | "absent" }
  | { kind: "invalid" | "unreachable"; message: string };

/** The outcome and its record id and message, before the resource adds its own id. */
export interface OnDemandRun {
  outcome: OnDemandOutcome;
  /** The `syncHistory` id; null when nothing was recorded (an unknown key). */
  historyId: string | null;
  message: string;
}

/** One on-demand run: what it syncs and how it logs. */
export interface OnDemandSpec {
  kind: OnDemandKind;
  /** The SSO id of the user or group. */
  id: string;
  live: LiveAnswer;
  force?: boolean;
  /** The log line once the outcome is known. */
  logLine: (outcome: OnDemandOutcome) => string;
}

const RECORD_TYPE = { users: "scim_user_sync", orgUnits: "scim_group_sync" } as const;
const RESOURCE_TYPE = { users: "User", orgUnits: "Group" } as const;

/**
 * The answer when neither OFM nor the SSO knows the key: nothing is recorded.
 *
 * @example
 * ```ts
 * noRecord(live, `No user "${key}" in OFM or in the SSO.`).outcome; // "not_found"
 * ```
 */
export function noRecord(live: LiveAnswer, notFound: string): OnDemandRun {
  const unreachable = live.kind === "unreachable";
  return {
    outcome: unreachable ? "failed" : "not_found",
    historyId: null,
    message: unreachable ? `the SSO could not be asked: ${live.message}` : notFound,
  };
}

function onDemandRecord(deps: OnDemandDeps, spec: OnDemandSpec): SyncHistoryRecord {
  return {
    type: RECORD_TYPE[spec.kind],
    startedAt: deps.now(),
    completedAt: null,
    status: "running",
    stats: { ...emptyStats(), [`${spec.kind}Fetched`]: 1 },
    error: null,
    // A filter: a run of one item proves nothing about the rest (history-store lastSuccess).
    filter: `id eq "${spec.id}"`,
    since: null,
    dryRun: false,
    ...(spec.force === true ? { forced: true } : {}),
    ...(deps.runnerId ? { runner: deps.runnerId } : {}),
  };
}

/**
 * Runs `apply` inside one `syncHistory` record: an unreachable SSO or an
 * invalid resource fails it, a guard refusal aborts it (no deactivation
 * counted), and the record is closed with its duration either way.
 *
 * @example
 * ```ts
 * const run = await runOnDemand(deps, { kind: "users", id, live, logLine }, (record, origin) =>
 *   writeLive(deps, record, ofm, user, origin));
 * run.historyId; // "665f…"
 * ```
 */
export async function runOnDemand(
  deps: OnDemandDeps,
  spec: OnDemandSpec,
  apply: (record: SyncHistoryRecord, origin: ChangeOrigin) => Promise<OnDemandOutcome>,
): Promise<OnDemandRun> {
  const record = onDemandRecord(deps, spec);
  const recordId = await deps.history.start(record);
  const historyId = recordId.toHexString();
  const origin = { kind: "on_demand", historyId } as const;
  let outcome: OnDemandOutcome;
  try {
    const { live } = spec;
    if (live.kind === "unreachable") throw new Error(`the SSO could not be asked: ${live.message}`);
    if (live.kind === "invalid") {
      record.stats.errors.push({
        resourceType: RESOURCE_TYPE[spec.kind],
        resourceId: spec.id,
        code: "RESOURCE_INVALID",
        message: live.message,
      });
      throw new Error(live.message);
    }
    outcome = await apply(record, origin);
    record.status = "success";
  } catch (e) {
    record.status = e instanceof GuardAbortedError ? "aborted" : "failed";
    record.error = describeError(e);
    record.stats[`${spec.kind}Deactivated`] = 0;
    outcome = record.status === "aborted" ? "aborted" : "failed";
  }
  record.completedAt = deps.now();
  record.durationMs = record.completedAt.getTime() - record.startedAt.getTime();
  await deps.history.finish(recordId, record);
  deps.logger.info(spec.logLine(outcome));
  return { outcome, historyId, message: record.error?.message ?? `${spec.id}: ${outcome}` };
}

/**
 * A reservation of one deactivation from the gate, for this on-demand run.
 *
 * @throws {GuardAbortedError} when the gate refuses and `force` is not set
 * @example
 * ```ts
 * const ticket = await reserveOne(deps, "users", origin, force);
 * await ticket.settle((await deactivate()).written);
 * ```
 */
export async function reserveOne(
  deps: OnDemandDeps,
  kind: OnDemandKind,
  origin: ChangeOrigin,
  force?: boolean,
): Promise<GateTicket> {
  const by = `on_demand:${"historyId" in origin ? origin.historyId : ""}`;
  const t = await deps.gate.reserve({ kind, n: 1, by, forced: force === true });
  if (t.granted) return t;
  throw new GuardAbortedError(
    kind === "users" ? "users" : "org units",
    guardFiguresOf(1, t.figures),
    t.figures.windowMs,
    "approve it on the sync page or sync again with --force",
  );
}

/**
 * Not in the SSO (a 404 with a SCIM error body): an active OFM item is deactivated with
 * a reservation from the gate; an inactive one is unchanged, an unknown one not found.
 *
 * @example
 * ```ts
 * await removeAbsent(deps, record, "orgUnits", ofm && entryOf(ofm._id, ofm), {
 *   deactivate: (entries) => store.deactivateOrgUnits(entries, "on_demand_sync", origin),
 * }, origin, force); // "deactivated"
 * ```
 */
export async function removeAbsent(
  deps: OnDemandDeps,
  record: SyncHistoryRecord,
  kind: OnDemandKind,
  entry: ExistingEntry | null,
  io: { deactivate: (entries: ExistingEntry[]) => Promise<WriteOutcome> },
  origin: ChangeOrigin,
  force?: boolean,
): Promise<OnDemandOutcome> {
  record.stats[`${kind}Fetched`] = 0;
  if (!entry || !entry.isActive) {
    record.stats[`${kind}Unchanged`] = entry ? 1 : 0;
    return entry ? "unchanged" : "not_found";
  }
  const ticket = await reserveOne(deps, kind, origin, force);
  let written = 0;
  try {
    const r = await io.deactivate([entry]);
    written = r.written;
    record.stats[`${kind}Deactivated`] = written;
    throwOn(record, r);
  } finally {
    await ticket.settle(written);
  }
  return written === 1 ? "deactivated" : "unchanged";
}

/**
 * The index entry of an OFM document, by its SSO id.
 *
 * @example
 * ```ts
 * entryOf(user.ssoUserId, user); // { key: "2819c223-…", syncHash: "…", isActive: true }
 * ```
 */
export function entryOf(
  key: string,
  doc: { syncHash?: unknown; isActive?: unknown },
): ExistingEntry {
  return { key, syncHash: String(doc.syncHash ?? ""), isActive: doc.isActive === true };
}

/**
 * The one live item diffed against its OFM entry, like a page of a full sync (pure).
 *
 * @example
 * ```ts
 * diffOne(ofm && entryOf(ofm._id, ofm), unit._id, unit, contentHash(unit, orgUnitHashFields)).creates.length; // 1
 * ```
 */
export function diffOne<T extends { isActive: boolean }>(
  existing: ExistingEntry | null,
  key: string,
  doc: T,
  hash: string,
): BatchPlan<T> {
  return diffBatch(
    [{ key, hash, isActive: doc.isActive, doc }],
    indexOfEntries(existing ? [existing] : []),
  );
}

/**
 * A refused write fails the on-demand sync, recorded in its errors; returns what MongoDB
 * acknowledged.
 *
 * @example
 * ```ts
 * record.stats.orgUnitsCreated = await throwOnErrors(record, store.createOrgUnits(plan.creates, "on_demand_sync", origin));
 * ```
 */
export async function throwOnErrors(
  record: SyncHistoryRecord,
  write: Promise<WriteOutcome>,
): Promise<number> {
  const r = await write;
  throwOn(record, r);
  return r.written;
}

function throwOn(record: SyncHistoryRecord, r: WriteOutcome): void {
  const errors = [
    ...r.errors,
    ...r.refused.map((x) => ({
      resourceType: "User" as const,
      resourceId: null,
      code: "DUPLICATE_KEY",
      message: x.message,
    })),
  ];
  if (errors.length === 0) return;
  record.stats.errors.push(...errors);
  throw new Error(errors[0]!.message);
}
