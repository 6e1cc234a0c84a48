/**
 * The counters of one run, in the guide's `stats` shape plus the unchanged
 * and fetched counts.
 *
 * @module
 */
import type { ResourceError } from "../../shared/ofm-documents.ts";
import type { SyncStats } from "../documents/sync-history.ts";

export type { SyncStats } from "../documents/sync-history.ts";

/** Errors kept per run; more are summarised so one bad night cannot bloat a document. */
export const MAX_ERRORS = 500;

/**
 * A zeroed stats object.
 *
 * @example
 * ```ts
 * const stats = emptyStats(); stats.usersCreated++;
 * ```
 */
export function emptyStats(): SyncStats {
  return {
    usersCreated: 0,
    usersUpdated: 0,
    usersDeactivated: 0,
    orgUnitsCreated: 0,
    orgUnitsUpdated: 0,
    errors: [],
    usersUnchanged: 0,
    orgUnitsUnchanged: 0,
    orgUnitsDeactivated: 0,
    usersFetched: 0,
    orgUnitsFetched: 0,
    usersLinked: 0,
    usersRelinked: 0,
    usersParked: 0,
  };
}

/** Characters kept of one text in an error entry; past it the text is cut with a marker. */
export const MAX_TEXT = 600;

/**
 * A text cut to `max` characters with a marker saying how much was cut (pure).
 *
 * @example
 * ```ts
 * clip("a".repeat(1000), 10); // "aaaaaaaaaa…[990 more characters]"
 * ```
 */
export function clip(text: string, max = MAX_TEXT): string {
  return text.length <= max ? text : `${text.slice(0, max)}…[${text.length - max} more characters]`;
}

/** An error entry whose texts fit: a record of 500 entries stays far below MongoDB's 16 MB. */
function fitted(e: ResourceError): ResourceError {
  const out: ResourceError = {
    resourceType: e.resourceType,
    resourceId: e.resourceId === null ? null : clip(e.resourceId, 200),
    code: clip(e.code, 64),
    message: clip(e.message),
  };
  if (e.holder) {
    out.holder = {
      ...e.holder,
      id: clip(e.holder.id, 100),
      ssoUserId: e.holder.ssoUserId === null ? null : clip(e.holder.ssoUserId, 200),
      email: e.holder.email === null ? null : clip(e.holder.email, 200),
      field: clip(e.holder.field, 64),
    };
  }
  return out;
}

/**
 * Appends error entries (each cut to fit, see {@linkcode clip}), keeping at most
 * MAX_ERRORS and a last entry that counts the rest.
 *
 * @example
 * ```ts
 * addErrors(stats, [{ resourceType: "User", resourceId: "u1", code: "RESOURCE_INVALID", message: "…" }]);
 * ```
 */
export function addErrors(stats: SyncStats, errors: readonly ResourceError[]): void {
  for (const e of errors) {
    if (stats.errors.length < MAX_ERRORS) {
      stats.errors.push(fitted(e));
      continue;
    }
    const last = stats.errors[MAX_ERRORS];
    const more = last ? Number(/^(\d+)/.exec(last.message)?.[1] ?? 0) + 1 : 1;
    stats.errors[MAX_ERRORS] = {
      resourceType: e.resourceType,
      resourceId: null,
      code: "TOO_MANY_ERRORS",
      message: `${more} more errors not listed`,
    };
  }
}
