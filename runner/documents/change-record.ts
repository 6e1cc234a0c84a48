/**
 * One `syncChanges` record: who changed (a user or an org unit), how
 * (created, updated, deactivated, reactivated), which OFM fields, their old
 * and new values, by what (a sync run, a webhook event, an on-demand sync, an
 * operator applying a held event) and when. Built here, pure, for the sync's
 * store and the webhook path alike; the store only persists it.
 *
 * Values are recorded for the guide's mapped fields only (USER_SYNC_FIELDS,
 * ORG_UNIT_SYNC_FIELDS): never the role, a hash or anything secret.
 *
 * @module
 */
import { ORG_UNIT_SYNC_FIELDS, USER_SYNC_FIELDS } from "../../shared/ofm-documents.ts";

/**
 * What a change did to the resource. `linked`: an existing OFM account without an SSO id
 * got this person's SSO id (matching on first contact); `relinked`: an account whose SSO
 * id left the directory got the returning person's new id (a rehire).
 */
export type ChangeAction =
  | "created"
  | "updated"
  | "deactivated"
  | "reactivated"
  | "deleted"
  | "linked"
  | "relinked";

/**
 * What wrote the change: a full or delta sync (its `syncHistory` id), a webhook
 * event, an on-demand sync of one resource, or an operator applying a held event.
 *
 * @example
 * ```ts
 * const origin: ChangeOrigin = { kind: "sync", historyId: "65f0c0ffee0000000000abcd" };
 * ```
 */
export type ChangeOrigin =
  | { kind: "sync"; historyId: string }
  | { kind: "on_demand"; historyId: string }
  | { kind: "webhook"; eventId: string }
  | { kind: "held_event"; eventId: string }
  /**
   * An operator approved deactivations a run held (`heldDeactivations`): `historyId` is the
   * run that held them, `by` who approved (the sync page, the API, the command line).
   */
  | { kind: "held_approval"; historyId: string; by: string }
  /** `npm run purge -- --apply` hard-deleted a long-departed user (its `syncHistory` id). */
  | { kind: "purge"; historyId: string };

/** One field's value before and after. */
export interface FieldChange {
  old: unknown;
  new: unknown;
}

/**
 * A `syncChanges` record without its `_id` and retention.
 *
 * @example
 * ```ts
 * const r: ChangeRecord = { resourceType: "User", resourceId: "u1", subject: "jane@ias.co.id",
 *   action: "updated", fields: ["departmentId"], values: { departmentId: { old: "d1", new: "d2" } },
 *   source: { kind: "webhook", eventId: "evt-1" }, at: new Date() };
 * ```
 */
export interface ChangeRecord {
  resourceType: "User" | "Group";
  /** `ssoUserId` of a user, the SCIM id (`_id`) of an org unit. */
  resourceId: string;
  /** The user's email or the unit's name, as written (or as stored, for a soft delete). */
  subject: string | null;
  action: ChangeAction;
  fields: string[];
  values: Record<string, FieldChange>;
  source: ChangeOrigin;
  at: Date;
  /** Linked and relinked records: the SSO id the account had before (null: none). */
  previousResourceId?: string | null;
}

/** The mapped fields whose values a record may carry, per resource type. */
export const RECORDED_FIELDS: Record<"User" | "Group", readonly string[]> = {
  User: USER_SYNC_FIELDS,
  Group: ORG_UNIT_SYNC_FIELDS,
};

/** {@linkcode RECORDED_FIELDS} as sets, built once: a Set per record was a large share of an initial sync's record-keeping. */
const ALLOWED: Record<"User" | "Group", ReadonlySet<string>> = {
  User: new Set(USER_SYNC_FIELDS),
  Group: new Set(ORG_UNIT_SYNC_FIELDS),
};

const same = (a: unknown, b: unknown) =>
  a === b || (a == null && b == null) ||
  (a instanceof Date && b instanceof Date && a.getTime() === b.getTime());

/**
 * The record of one write (pure). `before` is what the store held of the
 * mapped fields (null for a create); `after` what was written (for a soft
 * delete, `{ isActive: false }`). Only `fields` (those the write may set)
 * are compared, so an excluded field never shows as changed. Returns null
 * when nothing recorded changed.
 *
 * @example
 * ```ts
 * changeRecord({ resourceType: "User", resourceId: "u1", before: { departmentId: "d1", isActive: true },
 *   after: { departmentId: "d2", isActive: true }, fields: ["departmentId", "isActive"],
 *   subject: "jane@ias.co.id", source: { kind: "sync", historyId: "h1" }, at });
 * // { action: "updated", fields: ["departmentId"], values: { departmentId: { old: "d1", new: "d2" } }, … }
 * ```
 */
export function changeRecord(i: {
  resourceType: "User" | "Group";
  resourceId: string;
  subject: string | null;
  before: Readonly<Record<string, unknown>> | null;
  after: Readonly<Record<string, unknown>>;
  fields: readonly string[];
  source: ChangeOrigin;
  at: Date;
}): ChangeRecord | null {
  const allowed = ALLOWED[i.resourceType];
  const values: Record<string, FieldChange> = {};
  for (const f of i.fields) {
    if (!allowed.has(f) || !(f in i.after)) continue;
    const old = i.before ? i.before[f] ?? null : null;
    const next = i.after[f] ?? null;
    if (i.before && same(old, next)) continue;
    if (!i.before && next === null) continue;
    values[f] = { old, new: next };
  }
  const fields = Object.keys(values);
  if (i.before && fields.length === 0) return null;
  return {
    resourceType: i.resourceType,
    resourceId: i.resourceId,
    subject: i.subject,
    action: actionOf(i.before, i.after),
    fields,
    values,
    source: i.source,
    at: i.at,
  };
}

/**
 * What a write did, from the active flag before and after (pure).
 *
 * @example
 * ```ts
 * actionOf({ isActive: false }, { isActive: true }); // "reactivated"
 * ```
 */
export function actionOf(
  before: Readonly<Record<string, unknown>> | null,
  after: Readonly<Record<string, unknown>>,
): ChangeAction {
  if (!before) return "created";
  const was = before.isActive !== false;
  const is = after.isActive === undefined ? was : after.isActive !== false;
  if (was && !is) return "deactivated";
  if (!was && is) return "reactivated";
  return "updated";
}
