/**
 * Quarantine, decided from the shared `syncHistory` alone (pure, like
 * schedule.ts): after `after` full syncs in a row failed or were aborted by
 * the guard, a directory that keeps failing is no longer retried on the
 * capped backoff forever — full syncs run once every quarantine interval
 * (as Entra ID slows a failing provisioning job), and everyone is told.
 *
 * It ends at the first success (or a partial run: the directory answered) or
 * when an operator asks to retry (`retryRequestedAt`): failures before that
 * instant no longer count. Interrupted runs (a shutdown) and delta failures
 * neither count nor end it; on-demand, filtered and dry runs are not
 * scheduled runs at all.
 *
 * @module
 */
import { countsForSchedule, type HistoryEntry } from "./schedule.ts";

/** What {@linkcode quarantineState} decides. */
export interface QuarantineState {
  active: boolean;
  /** Full syncs failed or aborted in a row (since the last success or retry request). */
  failures: number;
  /** When the run that tipped it over ended; null when not quarantined. */
  since: Date | null;
  /** The newest failure's error, for a person. */
  lastError: string | null;
}

/** A history entry with what quarantine reads beyond the schedule's fields. */
export type QuarantineEntry = HistoryEntry & { error?: { message: string } | null };

const FAILED = new Set(["failed", "aborted"]);

/**
 * The quarantine state after `entries` (any order).
 *
 * @param after SYNC_QUARANTINE_AFTER; 0 never quarantines
 * @param retryRequestedAt an operator's "Retry now": failures before it are forgiven
 * @example
 * ```ts
 * quarantineState(history, 10, null); // { active: false, failures: 2, since: null, lastError: "HTTP 500" }
 * ```
 */
export function quarantineState(
  entries: readonly QuarantineEntry[],
  after: number,
  retryRequestedAt: Date | null,
): QuarantineState {
  const streak: QuarantineEntry[] = [];
  const newestFirst = entries
    .filter((e) => e.status !== "running" && countsForSchedule(e))
    .sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime());
  for (const e of newestFirst) {
    if (retryRequestedAt && e.startedAt < retryRequestedAt) break;
    if (e.status === "interrupted") continue;
    if (FAILED.has(e.status)) {
      if (e.type === "scim_full_sync") streak.push(e);
      continue;
    }
    break; // a success or a partial run: the directory answered
  }
  const failures = streak.length;
  const active = after > 0 && failures >= after;
  const tipping = active ? streak[failures - after]! : null;
  return {
    active,
    failures,
    since: tipping ? tipping.completedAt ?? tipping.startedAt : null,
    lastError: streak[0]?.error?.message ?? null,
  };
}
