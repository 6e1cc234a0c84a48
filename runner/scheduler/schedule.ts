/**
 * Pure scheduling decisions: when the next sync runs and whether it is a full
 * or a delta sync, from the clock and what the shared `syncHistory` says. No
 * I/O and no timers here, so every rule is a table test with a fixed clock.
 *
 * @module
 */

/** First retry delay after a failure; doubles per consecutive failure up to the interval. */
export const BACKOFF_START_MS = 60_000;

/** What the next sync is. */
export type PlannedSyncType = "full" | "delta";

/** Inputs of {@linkcode nextRun}; dates are starts of runs as `syncHistory` records them. */
export interface NextRunInput {
  now: Date;
  /** Time between full syncs (SYNC_INTERVAL). */
  intervalMs: number;
  /** Time between delta syncs (SYNC_DELTA_INTERVAL). */
  deltaIntervalMs: number;
  /** Upper bound of the random delay added (SYNC_JITTER). */
  jitterMs: number;
  /** A number in [0, 1); `() => 0` gives the time without jitter. */
  random: () => number;
  /** Start of the last successful full sync, or null when there was none. */
  lastFull: Date | null;
  /** Start of the last successful delta sync, or null. */
  lastDelta: Date | null;
  /** Finished runs that failed (failed, aborted, interrupted) since the last success. */
  consecutiveFailures: number;
  /** When the last finished run ended; the backoff counts from there. */
  lastAttemptAt: Date | null;
  /** The SSO can filter on meta.lastModified. */
  deltaSupported: boolean;
  /**
   * SYNC_QUARANTINE_INTERVAL while quarantined (quarantine.ts), else null: then only full
   * syncs run, one this long after the last attempt, instead of the backoff.
   * @default null
   */
  quarantineIntervalMs?: number | null;
}

/** A decision of {@linkcode nextRun}. */
export interface NextRun {
  /** When to run, jitter included; never before `now`. */
  at: Date;
  type: PlannedSyncType;
  /** Why, for logs and the status page. */
  reason: "first" | "interval" | "delta" | "backoff" | "quarantine";
}

/**
 * The retry delay after `failures` consecutive failures: 1 minute, doubling,
 * never more than the interval.
 *
 * @example
 * ```ts
 * backoffMs(1, 6 * 3_600_000); // 60000
 * backoffMs(3, 6 * 3_600_000); // 240000
 * backoffMs(20, 3_600_000); // 3600000
 * ```
 */
export function backoffMs(failures: number, intervalMs: number): number {
  if (failures <= 0) return intervalMs;
  const exp = Math.min(failures - 1, 30);
  return Math.min(intervalMs, BACKOFF_START_MS * 2 ** exp);
}

/**
 * Decides the next sync.
 *
 * Rules: no successful full sync yet → a full sync now. Otherwise a full sync
 * one interval after the last successful one; when the SSO supports delta
 * filters, delta syncs every delta interval in between (an overdue full sync
 * always wins). After failures, the retry comes after {@linkcode backoffMs}
 * from the end of the last attempt. Jitter spreads replicas and restarts: a
 * random delay up to `jitterMs` but never more than a tenth of the gap waited,
 * so a 15-minute delta cadence does not get an 18-minute jitter.
 *
 * @throws {RangeError} when an interval is not positive or jitter is negative
 * @example
 * ```ts
 * const now = new Date("2025-10-18T12:00:00Z");
 * nextRun({
 *   now, intervalMs: 6 * 3_600_000, deltaIntervalMs: 15 * 60_000, jitterMs: 0, random: Math.random,
 *   lastFull: new Date("2025-10-18T10:00:00Z"), lastDelta: new Date("2025-10-18T11:50:00Z"),
 *   consecutiveFailures: 0, lastAttemptAt: new Date("2025-10-18T11:51:00Z"), deltaSupported: true,
 * }); // { at: 2025-10-18T12:05:00Z, type: "delta", reason: "delta" }
 * ```
 */
export function nextRun(input: NextRunInput): NextRun {
  const { now, intervalMs, deltaIntervalMs, jitterMs } = input;
  if (!(intervalMs > 0) || !(deltaIntervalMs > 0)) {
    throw new RangeError("intervals must be positive");
  }
  if (!(jitterMs >= 0)) throw new RangeError("jitterMs must not be negative");
  const t = now.getTime();
  const q = input.quarantineIntervalMs ?? null;
  if (q !== null) {
    if (!(q > 0)) throw new RangeError("quarantineIntervalMs must be positive");
    const base = (input.lastAttemptAt?.getTime() ?? t) + q;
    const jitter = Math.floor(clamp01(input.random()) * Math.min(jitterMs, q / 10));
    return { at: new Date(Math.max(t, base + jitter)), type: "full", reason: "quarantine" };
  }

  let base: number;
  let gap: number;
  let type: PlannedSyncType = "full";
  let reason: NextRun["reason"];
  if (input.lastFull === null) {
    base = t;
    gap = 0;
    reason = "first";
  } else {
    const fullDue = input.lastFull.getTime() + intervalMs;
    base = fullDue;
    gap = intervalMs;
    reason = "interval";
    // Deltas only fill the time before a full sync that is not yet due.
    if (input.deltaSupported && deltaIntervalMs < intervalMs && fullDue > t) {
      const lastAny = Math.max(input.lastFull.getTime(), input.lastDelta?.getTime() ?? 0);
      const deltaDue = lastAny + deltaIntervalMs;
      if (deltaDue < fullDue) {
        base = deltaDue;
        gap = deltaIntervalMs;
        type = "delta";
        reason = "delta";
      }
    }
  }
  if (input.consecutiveFailures > 0 && input.lastAttemptAt !== null) {
    gap = backoffMs(input.consecutiveFailures, intervalMs);
    base = input.lastAttemptAt.getTime() + gap;
    reason = "backoff";
    // A retry that lands when the full sync is due is that full sync, not a delta.
    if (input.lastFull !== null && base >= input.lastFull.getTime() + intervalMs) type = "full";
  }
  const jitter = Math.floor(clamp01(input.random()) * Math.min(jitterMs, gap / 10));
  return { at: new Date(Math.max(t, base + jitter)), type, reason };
}

/**
 * The `since` of a delta sync: the start of the last successful sync minus a
 * safety overlap, so changes committed while that sync read are read again.
 *
 * @example
 * ```ts
 * deltaSince(new Date("2025-10-18T12:00:00Z"), 120_000); // 2025-10-18T11:58:00Z
 * ```
 */
export function deltaSince(lastSuccessStartedAt: Date, overlapMs: number = DELTA_OVERLAP_MS): Date {
  return new Date(lastSuccessStartedAt.getTime() - Math.max(0, overlapMs));
}

/** Default safety overlap of delta syncs: clocks of SSO and runner may differ a little. */
export const DELTA_OVERLAP_MS = 120_000;

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(Math.max(x, 0), 0.999_999) : 0;
}

/** The facts of `syncHistory` that {@linkcode nextRun} needs. */
export interface HistoryFacts {
  lastFull: Date | null;
  lastDelta: Date | null;
  /** Start of the last successful sync of either type (the delta `since` base). */
  lastSuccess: Date | null;
  consecutiveFailures: number;
  lastAttemptAt: Date | null;
}

/** The fields of a `syncHistory` entry the schedule reads. */
export interface HistoryEntry {
  type: string;
  status: string;
  startedAt: Date;
  completedAt: Date | null;
  filter?: string | null;
  since?: Date | null;
  dryRun?: boolean;
  /** False when the run could not prove its listing complete (it deactivated nobody by absence). */
  complete?: boolean;
  /** Why it failed, for a person (quarantine and notifications show it). */
  error?: { code?: string; message: string } | null;
}

/**
 * Whether a finished or running entry is one of the scheduled kind: a full
 * sync of the whole directory or a delta sync. A delta carries the filter the
 * engine generated from its `since`, so the type decides, not the filter: an
 * operator's filtered run (`npm run sync -- --filter`) is a full sync with a
 * filter, and dry runs write nothing.
 *
 * @example
 * ```ts
 * countsForSchedule({ type: "scim_delta_sync", status: "success", startedAt, completedAt,
 *   filter: 'meta.lastModified gt "2025-10-18T11:58:00.000Z"' }); // true
 * countsForSchedule({ type: "scim_full_sync", status: "success", startedAt, completedAt,
 *   filter: 'userName eq "a@x"' }); // false
 * ```
 */
export function countsForSchedule(e: HistoryEntry): boolean {
  if (e.dryRun === true) return false;
  if (e.type === "scim_delta_sync") return true;
  return e.type === "scim_full_sync" && !e.filter;
}

/**
 * Reduces recent `syncHistory` entries (any order) to {@linkcode HistoryFacts}.
 * Runs still marked `running` are ignored (a replica killed mid-sync leaves
 * one behind; the next run under the lease closes it as failed), and so is
 * what {@linkcode countsForSchedule} leaves out. Failed, aborted (the guard)
 * and interrupted runs are failures: each doubles the backoff; a partial run
 * (completed with errors) is not. So is a full
 * sync whose listing was not proven complete: its leavers are still active in
 * OFM, so the full sync is retried on the backoff (1, 2, 4… minutes, capped at
 * the interval) instead of waiting a whole interval, and never back to back.
 *
 * @example
 * ```ts
 * summarizeHistory([
 *   { type: "scim_full_sync", status: "failed", startedAt: t2, completedAt: t3 },
 *   { type: "scim_full_sync", status: "success", startedAt: t0, completedAt: t1 },
 * ]); // { lastFull: t0, lastDelta: null, lastSuccess: t0, consecutiveFailures: 1, lastAttemptAt: t3 }
 * ```
 */
export function summarizeHistory(entries: readonly HistoryEntry[]): HistoryFacts {
  const done = entries
    .filter((e) => e.status !== "running" && countsForSchedule(e))
    .sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime());
  // A partial run completed (its refused writes are conflicts a retry in a minute would not
  // fix): it moves the schedule like a success; health and notifications report it.
  const complete = (e: HistoryEntry) =>
    (e.status === "success" || e.status === "partial") &&
    !(e.type === "scim_full_sync" && e.complete === false);
  const full = done.find((e) => complete(e) && e.type === "scim_full_sync");
  const delta = done.find((e) => complete(e) && e.type === "scim_delta_sync");
  const lastOk = done.findIndex(complete);
  const failures = lastOk === -1 ? done.length : lastOk;
  const latest = done[0];
  return {
    lastFull: full?.startedAt ?? null,
    lastDelta: delta?.startedAt ?? null,
    lastSuccess: lastOk === -1 ? null : done[lastOk]!.startedAt,
    consecutiveFailures: failures,
    lastAttemptAt: latest ? latest.completedAt ?? latest.startedAt : null,
  };
}
