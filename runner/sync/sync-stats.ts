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
  };
}

/**
 * Appends error entries, keeping at most MAX_ERRORS and a last entry that counts the rest.
 *
 * @example
 * ```ts
 * addErrors(stats, [{ resourceType: "User", resourceId: "u1", code: "RESOURCE_INVALID", message: "…" }]);
 * ```
 */
export function addErrors(stats: SyncStats, errors: readonly ResourceError[]): void {
  for (const e of errors) {
    if (stats.errors.length < MAX_ERRORS) {
      stats.errors.push(e);
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
