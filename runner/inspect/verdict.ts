/**
 * The person inspector's decisions, pure: the field-by-field comparison of
 * the OFM document with the directory's record (mapping applied), and a
 * plain-language verdict for the integration guide's "Users Not Syncing"
 * causes. The cause of a difference is taken from what was recorded, not
 * guessed: an OFM-side edit shows as stored fields that no longer hash to the
 * content hash the sync wrote; otherwise the SSO changed after OFM's last
 * write, and the person's webhook events say whether its event failed or
 * never came. What to do about it is a separate {@linkcode Action}, worded
 * where it is read (verdict-words.ts: the page or the command line).
 *
 * @module
 */
import { type OfmUser, USER_SYNC_FIELDS } from "../../shared/ofm-documents.ts";
import { EVENT_ABANDONED } from "../store/collections.ts";

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
  | "ofm_edited"
  | "webhook_failed"
  | "webhook_missing"
  | "inactive_in_sso"
  | "excluded_field"
  | "outside_filter"
  | "malformed"
  | "held_by_guard"
  | "not_in_sso"
  | "not_in_ofm"
  | "sso_unreachable"
  | "conflict";

/** What would put it right; worded for the page or the command line by verdict-words.ts. */
export type Action = "sync_now" | "approve_held" | "unfiltered_sync" | "fix_in_sso";

/** One finding, for a person to read. */
export interface Finding {
  cause: Cause;
  /** What was found, in words that fit the page and the command line alike. */
  text: string;
  /** What to do, when something can be done. */
  action?: Action;
}

/** A webhook event about the person, as the verdict reads it (newest first). */
export interface EventFact {
  receivedAt: Date;
  status: string;
  error?: string | null;
}

/** The facts a verdict rests on. */
export interface VerdictInput {
  /** The OFM document's mapped fields; null when OFM has no such user. */
  ofm: Readonly<Record<string, unknown>> | null;
  live: LiveRecord;
  excludeFields: readonly string[];
  /** Webhook events about the person the guard holds. */
  held: number;
  /**
   * The person's held deactivation waiting for a decision (held-item.ts), when there is one:
   * why, and since when.
   */
  heldItem?: { reasonText: string; since: Date } | null;
  /** The filter of the last full run, when it had one. */
  lastFilter: string | null;
  /**
   * The last refusal recorded for the person (a run's error entry, or a webhook event stored
   * as a conflict): another account holds a value they need; its message names the holder.
   */
  conflict?: string | null;
  /** The stored fields no longer hash to the stored `syncHash`: edited in OFM itself. */
  ofmEdited?: boolean;
  /** The person's last webhook events, newest first. */
  events?: readonly EventFact[];
  /** How the texts print an instant. @default ISO 8601 */
  time?: (d: Date) => string;
}

/** The names a person reads for the guide's field names (the page's table uses them too). */
export const FIELD_LABELS: Readonly<Record<string, string>> = {
  ssoUserId: "SSO user id",
  email: "Email",
  firstName: "First name",
  lastName: "Last name",
  isActive: "Active",
  phone: "Phone",
  userId: "Employee number",
  departmentId: "Department",
  companyId: "Company",
  managerId: "Manager",
  positionId: "Position",
};

/** "Department (departmentId)": the reader's word and the stored field's name. */
const fieldText = (f: string) => (FIELD_LABELS[f] ? `${FIELD_LABELS[f]} (${f})` : f);

const eq = (a: unknown, b: unknown) => (a ?? null) === (b ?? null);
const isoTime = (d: Date) => d.toISOString();
const dateOf = (v: unknown): Date | null => {
  const d = v instanceof Date ? v : typeof v === "string" ? new Date(v) : null;
  return d && !Number.isNaN(d.getTime()) ? d : null;
};

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
 * Whether OFM and the SSO agree, from the findings (pure): `in_step` when only
 * `in_sync` or `excluded_field` was found, `unknown` when the SSO could not be asked.
 *
 * @example
 * ```ts
 * stepState([{ cause: "in_sync", text: "…" }]); // "in_step"
 * ```
 */
export function stepState(findings: readonly Finding[]): "in_step" | "out_of_step" | "unknown" {
  if (findings.some((f) => f.cause === "sso_unreachable")) return "unknown";
  return findings.every((f) => f.cause === "in_sync" || f.cause === "excluded_field")
    ? "in_step"
    : "out_of_step";
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
  if (i.heldItem) {
    out.push({
      cause: "held_by_guard",
      text: `Their deactivation is held by the gate (${i.heldItem.reasonText}) since ` +
        `${(i.time ?? ((d: Date) => d.toISOString()))(i.heldItem.since)}, waiting for an ` +
        `operator's decision.`,
      action: "approve_held",
    });
  } else if (i.held > 0) {
    out.push({
      cause: "held_by_guard",
      text: `${i.held} webhook event(s) about this person are held by the accidental-deletion ` +
        `guard (SYNC_MAX_DEACTIVATE over SYNC_GUARD_WINDOW).`,
      action: "approve_held",
    });
  }
  const live = i.live;
  if (live.kind === "unreachable") {
    out.push({ cause: "sso_unreachable", text: `The SSO could not be asked: ${live.message}` });
    return out;
  }
  if (live.kind === "absent") return [...out, absentFinding(i)];
  if (live.kind === "invalid") {
    out.push({
      cause: "malformed",
      text: `The SSO's record is malformed, so no sync can write it: ${live.message}.`,
      action: "fix_in_sso",
    });
    return out;
  }
  return [...out, ...liveFindings(i, live.user)];
}

function absentFinding(i: VerdictInput): Finding {
  const time = i.time ?? isoTime;
  if (i.ofm && i.ofm.isActive !== false) {
    return {
      cause: "not_in_sso",
      text: "Not present in the SSO (404), but still active in OFM: the next complete full " +
        "sync deactivates it (through the guard).",
      action: "sync_now",
    };
  }
  if (i.ofm) {
    const since = dateOf(i.ofm.deactivatedAt);
    return {
      cause: "in_sync",
      text: `In step: gone from the SSO (404) and deactivated in OFM${
        since ? ` since ${time(since)}` : ""
      }.`,
    };
  }
  return { cause: "not_in_sso", text: "Not present in the SSO (404), nor in OFM." };
}

function liveFindings(i: VerdictInput, user: OfmUser): Finding[] {
  if (!i.ofm) {
    return [
      i.lastFilter
        ? {
          cause: "outside_filter",
          text:
            `Not in OFM: the last full sync ran with the filter ${i.lastFilter}, which this person does not match.`,
          action: "unfiltered_sync",
        }
        : {
          cause: "not_in_ofm",
          text: "Present in the SSO but not in OFM yet: the next sync creates it.",
          action: "sync_now",
        },
    ];
  }
  const out: Finding[] = [];
  const rows = compareFields(i.ofm, user, i.excludeFields).filter((r) => !r.equal);
  const excluded = rows.filter((r) => r.excluded);
  const stale = rows.filter((r) => !r.excluded);
  if (!user.isActive && stale.some((r) => r.field === "isActive")) {
    out.push({
      cause: "inactive_in_sso",
      text: "Inactive in the SSO (active: false) but still active in OFM.",
      action: "sync_now",
    });
  }
  if (excluded.length > 0) {
    out.push({
      cause: "excluded_field",
      text: `${excluded.map((r) => fieldText(r.field)).join(", ")} differ(s) but ${
        excluded.length === 1 ? "is" : "are"
      } named in SYNC_EXCLUDE_FIELDS: OFM keeps its own value on purpose.`,
    });
  }
  if (stale.length > 0) out.push(staleFinding(i, user, stale.map((r) => r.field)));
  if (out.length === 0) {
    out.push({
      cause: "in_sync",
      text: user.isActive
        ? "In step: OFM matches the SSO on every synced field."
        : "In step: inactive in the SSO and deactivated in OFM, every synced field equal.",
    });
  }
  return out;
}

/** Why OFM differs, from what was recorded: its own edit, a failed webhook, or none that came. */
function staleFinding(i: VerdictInput, user: OfmUser, fields: string[]): Finding {
  const time = i.time ?? isoTime;
  const what = `OFM is out of date on ${fields.map(fieldText).join(", ")}`;
  const written = dateOf(i.ofm?.updatedAt);
  if (i.ofmEdited) {
    return {
      cause: "ofm_edited",
      text:
        `${what}: the record was edited in OFM itself${
          written ? ` after the sync last wrote it (${time(written)})` : ""
        } — its fields no longer match the content hash the sync recorded. A sync rewrites a ` +
        `person only when the SSO's record changes, so this edit stays until then.`,
      action: "sync_now",
    };
  }
  const changed = dateOf(user.scimLastModified);
  const after = written ?? changed;
  const events = (i.events ?? []).filter((e) => !after || e.receivedAt >= after);
  const failed = events.find((e) => e.status === "failed" || e.status === "processing");
  const when = changed ? ` at ${time(changed)}` : "";
  if (failed) {
    return {
      cause: "webhook_failed",
      text: `${what}: the SSO changed this person${when}; its webhook event received ` +
        `${time(failed.receivedAt)} ${
          failed.error === EVENT_ABANDONED
            ? "was never finished: the runner applying it stopped"
            : failed.status === "failed"
            ? `failed${failed.error ? ` (${failed.error})` : ""}`
            : "was never finished"
        }. The next full sync brings the change.`,
      action: "sync_now",
    };
  }
  if (!events.some((e) => e.status === "success")) {
    const last = i.events?.[0];
    return {
      cause: "webhook_missing",
      text: `${what}: the SSO changed this person${when}, after OFM's last write${
        written ? ` (${time(written)})` : ""
      }, and no webhook event about it arrived${
        last ? ` (the last one was received ${time(last.receivedAt)})` : " (none is recorded)"
      }. The next full sync brings the change.`,
      action: "sync_now",
    };
  }
  return { cause: "out_of_date", text: `${what}.`, action: "sync_now" };
}
