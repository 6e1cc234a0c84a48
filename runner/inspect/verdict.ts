/**
 * The person inspector's decisions, pure: the field-by-field comparison of
 * the OFM document with the directory's record (mapping applied), and a
 * plain-language verdict for the integration guide's "Users Not Syncing"
 * causes — inactive in the SSO, a field excluded by SYNC_EXCLUDE_FIELDS,
 * outside the last run's filter, a malformed record (with the zod path),
 * held by the guard, not present in the SSO — or in step / out of date.
 *
 * @module
 */
import { type OfmUser, USER_SYNC_FIELDS } from "../../shared/ofm-documents.ts";

/** What the directory answered for the person. */
export type LiveRecord =
  | { kind: "ok"; user: OfmUser }
  | { kind: "absent" }
  | { kind: "invalid"; message: string }
  | { kind: "unreachable"; message: string };

/** One row of the comparison. */
export interface FieldRow {
  field: string;
  ofm: unknown;
  sso: unknown;
  equal: boolean;
  /** Named in SYNC_EXCLUDE_FIELDS: OFM keeps its own value after the first write. */
  excluded: boolean;
}

/** Why the person is (not) as the directory says. */
export type Cause =
  | "in_sync"
  | "out_of_date"
  | "inactive_in_sso"
  | "excluded_field"
  | "outside_filter"
  | "malformed"
  | "held_by_guard"
  | "not_in_sso"
  | "not_in_ofm"
  | "sso_unreachable"
  | "conflict";

/** One finding, for a person to read. */
export interface Finding {
  cause: Cause;
  text: string;
}

/** The facts a verdict rests on. */
export interface VerdictInput {
  /** The OFM document's mapped fields; null when OFM has no such user. */
  ofm: Readonly<Record<string, unknown>> | null;
  live: LiveRecord;
  excludeFields: readonly string[];
  /** Webhook events about the person the guard holds. */
  held: number;
  /** The filter of the last full run, when it had one. */
  lastFilter: string | null;
  /**
   * The last refusal recorded for the person (a run's error entry, or a webhook event stored
   * as a conflict): another account holds a value they need; its message names the holder.
   */
  conflict?: string | null;
}

const eq = (a: unknown, b: unknown) => (a ?? null) === (b ?? null);

/**
 * The comparison of the OFM document with the mapped directory record (pure).
 *
 * @example
 * ```ts
 * compareFields({ departmentId: "d1" }, { ...jane, departmentId: "d2" }, []).find((r) => r.field === "departmentId");
 * // { field: "departmentId", ofm: "d1", sso: "d2", equal: false, excluded: false }
 * ```
 */
export function compareFields(
  ofm: Readonly<Record<string, unknown>> | null,
  live: OfmUser | null,
  excludeFields: readonly string[],
): FieldRow[] {
  return ["ssoUserId", ...USER_SYNC_FIELDS].map((field) => {
    const o = ofm ? ofm[field] ?? null : null;
    const s = live ? (live as Record<string, unknown>)[field] ?? null : null;
    return { field, ofm: o, sso: s, equal: eq(o, s), excluded: excludeFields.includes(field) };
  });
}

/**
 * The verdict (pure): every cause that applies, the most telling first.
 *
 * @example
 * ```ts
 * verdict({ ofm: null, live: { kind: "absent" }, excludeFields: [], held: 0, lastFilter: null })[0].cause;
 * // "not_in_sso"
 * ```
 */
export function verdict(i: VerdictInput): Finding[] {
  const out: Finding[] = [];
  if (i.conflict) out.push({ cause: "conflict", text: i.conflict });
  if (i.held > 0) {
    out.push({
      cause: "held_by_guard",
      text:
        `${i.held} webhook event(s) about this person are held by the accidental-deletion guard ` +
        `(SYNC_MAX_DEACTIVATE over SYNC_GUARD_WINDOW); an operator applies them with "Apply held" or npm run sync -- --apply-held.`,
    });
  }
  const live = i.live;
  if (live.kind === "unreachable") {
    out.push({ cause: "sso_unreachable", text: `The SSO could not be asked: ${live.message}` });
    return out;
  }
  if (live.kind === "absent") {
    out.push({
      cause: "not_in_sso",
      text: i.ofm && i.ofm.isActive !== false
        ? "Not present in the SSO (404), but active in OFM: the next complete sync deactivates it (through the guard), or press Sync now."
        : "Not present in the SSO (404).",
    });
    return out;
  }
  if (live.kind === "invalid") {
    out.push({
      cause: "malformed",
      text:
        `The SSO's record is malformed, so no sync can write it: ${live.message}. Fix it in the SSO.`,
    });
    return out;
  }
  return [...out, ...liveFindings(i, live.user)];
}

function liveFindings(i: VerdictInput, user: OfmUser): Finding[] {
  const out: Finding[] = [];
  if (!user.isActive) {
    out.push({
      cause: "inactive_in_sso",
      text: "Inactive in the SSO (active: false): OFM keeps the user, deactivated.",
    });
  }
  if (!i.ofm) {
    out.push(
      i.lastFilter
        ? {
          cause: "outside_filter",
          text:
            `Not in OFM: the last full sync ran with the filter ${i.lastFilter}, which this person does not match. Press Sync now or run an unfiltered sync.`,
        }
        : {
          cause: "not_in_ofm",
          text:
            "Present in the SSO but not in OFM yet: the next sync creates it, or press Sync now.",
        },
    );
    return out;
  }
  const rows = compareFields(i.ofm, user, i.excludeFields).filter((r) => !r.equal);
  const excluded = rows.filter((r) => r.excluded);
  const stale = rows.filter((r) => !r.excluded);
  if (excluded.length > 0) {
    out.push({
      cause: "excluded_field",
      text: `${excluded.map((r) => r.field).join(", ")} differ(s) but ${
        excluded.length === 1 ? "is" : "are"
      } named in SYNC_EXCLUDE_FIELDS: OFM keeps its own value on purpose.`,
    });
  }
  if (stale.length > 0) {
    out.push({
      cause: "out_of_date",
      text: `OFM is out of date on ${
        stale.map((r) => r.field).join(", ")
      }: press Sync now. A sync or webhook rewrites it only when the SSO record changes ` +
        `(an edit made in OFM itself leaves the content hash equal).`,
    });
  }
  if (out.length === 0) {
    out.push({ cause: "in_sync", text: "OFM matches the SSO on every synced field." });
  }
  return out;
}
