/**
 * How one webhook event changes a user or an org unit: read the stored
 * version, decide (stale, unchanged, insert, update, soft delete) with the
 * pure {@linkcode decideWrite}, then write conditionally on that version
 * (store/resource-store.ts). A write that finds the version changed (or an
 * insert that finds the key taken) returns {@linkcode RACED} and the caller
 * decides again. The documents themselves come from documents/ofm-documents.ts,
 * the builder the sync uses too.
 *
 * @module
 */
import type { OfmOrgUnit, OfmUser } from "../../shared/ofm-documents.ts";
import type { ForwardedEvent } from "../../shared/webhook-event.ts";
import { contentHash, orgUnitHashFields, userHashFields } from "../content-hash.ts";
import {
  deactivationSet,
  newOrgUnitDoc,
  newUserDoc,
  orgUnitSet,
  type UpdateStamp,
  userUpdateSet,
  versionSet,
  type WriteStamp,
} from "../documents/ofm-documents.ts";
import { scimDate } from "../documents/scim-date.ts";
import {
  type ChangeOrigin,
  type ChangeRecord,
  changeRecord,
  RECORDED_FIELDS,
} from "../documents/change-record.ts";
import type { ResourceStore, StoredVersion } from "../store/resource-store.ts";
import { DuplicateKeyError } from "../store/driver-errors.ts";
import {
  type OneIdentity,
  type OneOutcome,
  type OneWrite,
  resolvePerson,
  writeNewPerson,
} from "../identity/one-write.ts";

/**
 * An event's outcome; all but `failed` mean "stored, do not send again".
 * `held`: it would deactivate past SYNC_MAX_DEACTIVATE over SYNC_GUARD_WINDOW;
 * stored, not applied, until an operator applies it (apply-event.ts `applyHeld`).
 */
export type ApplyStatus = "success" | "duplicate" | "stale" | "failed" | "held" | "conflict";

/**
 * What applying one event did.
 *
 * @example
 * ```ts
 * const r: ApplyResult = { status: "success", change: "updated", subject: "john.doe@ias.co.id" };
 * ```
 */
export interface ApplyResult {
  status: ApplyStatus;
  /**
   * On success: created, updated, unchanged, deactivated, absent (a delete of an unknown
   * resource), linked (an existing OFM account got this SSO id) or relinked (a rehire: the
   * account of an SSO id that left got the new one).
   */
  change?: "created" | "updated" | "unchanged" | "deactivated" | "absent" | "linked" | "relinked";
  /** The user's email or the unit's name, for the log line. */
  subject?: string;
  /** Why it failed, when it did. */
  error?: string;
}

/** Lost a race with another writer: read again and decide again. */
export const RACED = Symbol("raced");
/**
 * A decision written, with its change-log record still to write: the applier writes it
 * beside the event's outcome, in one round trip's time (apply-event.ts).
 */
export interface Written extends ApplyResult {
  journal?: ChangeRecord;
}
/** One attempt at an event: a decision made and written, or a lost race. */
export type WriteAttempt = Written | typeof RACED;
/**
 * Asked right before a write that would deactivate: false holds the event
 * (nothing written, status `held`). Absent: every deactivation goes ahead.
 */
export type MayDeactivate = () => Promise<boolean>;

/** How the documents of one resource type are built (documents/ofm-documents.ts). */
export interface DocumentBuilder<T> {
  insert(doc: T, stamp: WriteStamp): Record<string, unknown>;
  update(doc: T, stamp: UpdateStamp): Record<string, unknown>;
}

/** What {@linkcode decideWrite} decides. `deactivates`: ask the guard first. */
export type WriteDecision =
  | { write: "none"; result: ApplyResult }
  | { write: "insert"; doc: Record<string, unknown>; result: ApplyResult }
  | { write: "update"; set: Record<string, unknown>; deactivates: boolean; result: ApplyResult };

/** The facts one decision rests on. */
export interface DecisionInput<T extends { isActive: boolean }> {
  /** The mapped document; null for a delete. */
  doc: T | null;
  /** contentHash() of `doc`'s synced fields ("" for a delete). */
  hash: string;
  stored: StoredVersion | null;
  /** The event's version, bounded ({@linkcode boundedVersion}). */
  incoming: Date | null;
  subject: string;
  at: Date;
  build: DocumentBuilder<T>;
}

const time = (d: Date | null | undefined) => (d instanceof Date ? d.getTime() : null);
/** The incoming version is strictly older than the stored one. */
const isStale = (stored: Date | null | undefined, incoming: Date | null) =>
  time(stored) !== null && incoming !== null && incoming.getTime() < (time(stored) as number);
const isNewer = (incoming: Date | null, stored: Date | null | undefined) =>
  incoming !== null && (time(stored) === null || incoming.getTime() > (time(stored) as number));

/**
 * An incoming version, bounded: one later than `now + toleranceMs` (a directory clock gone
 * wrong, or year 9999) is taken as `now`, so it cannot make every later event `stale`.
 *
 * @example
 * ```ts
 * boundedVersion(new Date("9999-12-31T00:00:00Z"), new Date("2025-10-18T10:00:00Z"), 300_000);
 * // 2025-10-18T10:00:00.000Z
 * ```
 */
export function boundedVersion(incoming: Date | null, now: Date, toleranceMs: number): Date | null {
  return incoming !== null && incoming.getTime() > now.getTime() + toleranceMs ? now : incoming;
}

/**
 * Decides what one event does to the stored resource. Pure.
 *
 * An older version than the stored one is `stale`. A delete or an unchanged
 * document still moves the version forward, so an older update that arrives
 * later is recognised as stale.
 *
 * @example
 * ```ts
 * decideWrite({ doc: null, hash: "", stored: null, incoming: null, subject: "u-9", at, build });
 * // { write: "none", result: { status: "success", change: "absent", subject: "u-9" } }
 * ```
 */
export function decideWrite<T extends { isActive: boolean }>(i: DecisionInput<T>): WriteDecision {
  const { stored: old, incoming, at, subject } = i;
  const done = (change: ApplyResult["change"]): ApplyResult => ({
    status: "success",
    change,
    subject,
  });
  if (old && isStale(old.scimLastModified, incoming)) {
    return { write: "none", result: { status: "stale", subject } };
  }
  const forward = old && incoming !== null && isNewer(incoming, old.scimLastModified)
    ? incoming
    : undefined;
  const unchanged = (): WriteDecision =>
    forward === undefined ? { write: "none", result: done("unchanged") } : {
      write: "update",
      set: versionSet({ at, source: "webhook", version: forward }),
      deactivates: false,
      result: done("unchanged"),
    };
  if (!i.doc) {
    if (!old) return { write: "none", result: done("absent") };
    if (old.isActive === false) return unchanged();
    const set = deactivationSet({ at, source: "webhook", version: forward });
    return { write: "update", set, deactivates: true, result: done("deactivated") };
  }
  if (!old) {
    return {
      write: "insert",
      doc: i.build.insert(i.doc, { hash: i.hash, at, source: "webhook", version: incoming }),
      result: done("created"),
    };
  }
  if (old.syncHash === i.hash) return unchanged();
  const deactivates = !i.doc.isActive && old.isActive !== false;
  const set = i.build.update(i.doc, {
    hash: i.hash,
    at,
    source: "webhook",
    version: incoming ?? old.scimLastModified ?? null,
    deactivates,
    // deactivatedAt records when it became inactive: kept while it stays inactive.
    inactiveSince: old.deactivatedAt ?? at,
  });
  return {
    write: "update",
    set,
    deactivates,
    result: done(deactivates ? "deactivated" : "updated"),
  };
}

/** Dependencies of {@linkcode createResourceWriter}. */
export interface ResourceWriterDeps {
  resources: Pick<ResourceStore, "read" | "insert" | "updateIfVersion">;
  excludeFields: readonly string[];
  superAdminEmails: readonly string[];
  /** A version later than now + this is taken as now (see {@linkcode boundedVersion}). */
  futureToleranceMs: number;
  now: () => Date;
  /** Whether applied changes are recorded (`syncChanges`); absent, no record is built. */
  changes?: { record(records: readonly ChangeRecord[]): Promise<void> };
  /** Matching and unique values (identity/one-write.ts); absent, users are inserted as they come. */
  identity?: OneIdentity;
}

/**
 * The resource's stored version, read ahead (apply-event.ts reads it while claiming the event):
 * safe because every write is conditional on the version read, whenever it was read.
 */
export type Prefetched = Promise<StoredVersion | null>;

/**
 * Creates the writer for users and org units.
 *
 * @param deps the resource store, excluded fields, super admins, clock
 * @returns `user(event)` and `orgUnit(event)`, each an {@linkcode ApplyResult} or {@linkcode RACED}
 *
 * @example
 * ```ts
 * const writer = createResourceWriter({
 *   resources, excludeFields: [], superAdminEmails: [], futureToleranceMs: 300_000, now: () => new Date(),
 * });
 * let r = await writer.user(event);
 * while (r === RACED) r = await writer.user(event);
 * ```
 */
/** One attempt: read, decide, write conditionally. */
async function attempt<T extends { isActive: boolean; scimLastModified: string | null }>(
  deps: ResourceWriterDeps,
  e: ForwardedEvent,
  type: "User" | "Group",
  target: {
    doc: T | null;
    fields: readonly string[];
    subject: string | undefined;
    build: DocumentBuilder<T>;
  },
  may?: MayDeactivate,
  origin: ChangeOrigin = { kind: "webhook", eventId: e.eventId },
  prefetched?: Prefetched,
): Promise<WriteAttempt> {
  const at = deps.now();
  const stored = await (prefetched ?? deps.resources.read(type, e.resourceId));
  const incoming = boundedVersion(
    scimDate(target.doc ? target.doc.scimLastModified : e.occurredAt),
    at,
    deps.futureToleranceMs,
  );
  const d = decideWrite({
    doc: target.doc,
    hash: target.doc ? contentHash(target.doc, target.fields) : "",
    stored,
    incoming,
    subject: target.subject ?? stored?.subject ?? e.resourceId,
    at,
    build: target.build,
  });
  if (d.write === "none") return d.result;
  const written = (before: StoredVersion | null, after: Record<string, unknown>): Written => {
    const journal = changeOf(deps, {
      type,
      key: e.resourceId,
      subject: d.result.subject,
      before,
      after,
    }, { origin, at });
    return journal ? { ...d.result, journal } : d.result;
  };
  const hash = target.doc ? contentHash(target.doc, target.fields) : "";
  const user = type === "User" && deps.identity && target.doc
    ? target.doc as unknown as OfmUser
    : null;
  const one = user
    ? {
      identity: deps.identity!,
      hash: (u: OfmUser) => contentHash(u, target.fields),
      source: "webhook" as const,
      origin,
    }
    : null;
  const step: Step = { deps, e, type, subject: d.result.subject, written, user, hash, one };
  if (d.write === "insert") return await insertStep(step, d.doc);
  if (d.deactivates && may && !(await may())) {
    return { status: "held", subject: d.result.subject };
  }
  return await updateStep(step, stored!, d.set, d.deactivates);
}

/** What the insert and update steps of one attempt share. */
interface Step {
  deps: ResourceWriterDeps;
  e: ForwardedEvent;
  type: "User" | "Group";
  subject: string | undefined;
  written: (before: StoredVersion | null, after: Record<string, unknown>) => Written;
  /** The user, when identity applies (users, with identity wired). */
  user: OfmUser | null;
  hash: string;
  one: OneWrite | null;
}

/** An insert; a person OFM does not know yet is matched to an existing account first. */
async function insertStep(s: Step, doc: Record<string, unknown>): Promise<WriteAttempt> {
  const insert = async (): Promise<Written | "raced" | "refused"> => {
    try {
      if ((await s.deps.resources.insert(s.type, s.e.resourceId, doc)) === "raced") return "raced";
    } catch (err) {
      if (s.user && err instanceof DuplicateKeyError) return "refused";
      throw err;
    }
    return s.written(null, doc);
  };
  const r = s.user && s.one
    ? await writeNewPerson(s.one, { kind: "create", doc: s.user, hash: s.hash }, insert)
    : await insert();
  if (r === "raced" || r === "refused") return RACED;
  return "kind" in r ? applied(r, s.subject) ?? RACED : r;
}

/**
 * An update of only the version read (a newer write in between wins); one a unique index
 * refuses is resolved as a run resolves it.
 */
async function updateStep(
  s: Step,
  stored: StoredVersion,
  set: Record<string, unknown>,
  deactivates: boolean,
): Promise<WriteAttempt> {
  try {
    if ((await s.deps.resources.updateIfVersion(s.type, stored, set)) === "raced") return RACED;
  } catch (err) {
    if (!s.user || !s.one || !(err instanceof DuplicateKeyError)) throw err;
    const change = { kind: "update" as const, doc: s.user, hash: s.hash, deactivates };
    const r = applied(await resolvePerson(s.one, { kind: "update", change }), s.subject);
    if (!r) return RACED;
    return deactivates && r.change === "updated" ? { ...r, change: "deactivated" } : r;
  }
  return s.written(stored, set);
}

/** One person's identity outcome as an event's: a conflict only a person can resolve is final. */
function applied(r: OneOutcome, subject: string | undefined): ApplyResult | null {
  if (r.kind === "raced") return null;
  if (r.kind === "written") {
    return { status: "success", change: r.change, ...(subject ? { subject } : {}) };
  }
  return {
    status: r.temporary ? "failed" : "conflict",
    error: r.error.message,
    ...(subject ? { subject } : {}),
  };
}

/** The change-log record of one applied change, when a log is wired (none for a version-only move). */
function changeOf(
  deps: ResourceWriterDeps,
  w: {
    type: "User" | "Group";
    key: string;
    subject: string | undefined;
    before: StoredVersion | null;
    after: Record<string, unknown>;
  },
  o: { origin: ChangeOrigin; at: Date },
): ChangeRecord | undefined {
  if (!deps.changes) return undefined;
  return changeRecord({
    resourceType: w.type,
    resourceId: w.key,
    subject: w.subject ?? null,
    before: w.before ? { ...w.before.fields, isActive: w.before.isActive } : null,
    after: w.after,
    fields: RECORDED_FIELDS[w.type],
    source: o.origin,
    at: o.at,
  }) ?? undefined;
}

export function createResourceWriter(deps: ResourceWriterDeps) {
  const userFields = userHashFields(deps.excludeFields);
  const users: DocumentBuilder<OfmUser> = {
    insert: (doc, stamp) => ({
      ...newUserDoc(doc, { ...stamp, superAdminEmails: deps.superAdminEmails }),
    }),
    update: (doc, stamp) => userUpdateSet(doc, { ...stamp, fields: userFields }),
  };
  const units: DocumentBuilder<OfmOrgUnit> = {
    insert: (doc, stamp) => ({ ...newOrgUnitDoc(doc, stamp) }),
    update: (doc, stamp) => orgUnitSet(doc, stamp),
  };

  return {
    /** Reads the stored version of the event's resource (to pass to `user`/`orgUnit` as `prefetched`). */
    read: (e: ForwardedEvent): Prefetched => deps.resources.read(e.resourceType, e.resourceId),
    /** Applies a user event: upsert by `ssoUserId`, or soft delete. */
    user(
      e: ForwardedEvent,
      may?: MayDeactivate,
      origin?: ChangeOrigin,
      prefetched?: Prefetched,
    ): Promise<WriteAttempt> {
      if (e.action !== "delete" && !e.user) {
        return Promise.resolve({ status: "failed", error: "event carries no user" });
      }
      const doc = e.action === "delete" ? null : e.user;
      return attempt(
        deps,
        e,
        "User",
        { doc, fields: userFields, subject: doc?.email, build: users },
        may,
        origin,
        prefetched,
      );
    },
    /** Applies a group event: upsert by `_id` (the SCIM id), or mark inactive. */
    orgUnit(
      e: ForwardedEvent,
      may?: MayDeactivate,
      origin?: ChangeOrigin,
      prefetched?: Prefetched,
    ): Promise<WriteAttempt> {
      if (e.action !== "delete" && !e.orgUnit) {
        return Promise.resolve({ status: "failed", error: "event carries no org unit" });
      }
      const doc = e.action === "delete" ? null : e.orgUnit;
      return attempt(
        deps,
        e,
        "Group",
        {
          doc,
          fields: orgUnitHashFields,
          subject: doc?.unitName,
          build: units,
        },
        may,
        origin,
        prefetched,
      );
    },
  };
}
