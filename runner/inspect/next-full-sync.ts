/**
 * When the next full sync is due, from `syncHistory` alone (pure), with the
 * scheduler's own rules (scheduler/schedule.ts): the last successful
 * unfiltered full sync plus SYNC_INTERVAL, or the failure backoff after
 * failed runs. The person view and the command line say it without asking a
 * daemon, so both tell the same time; jitter (at most a tenth of the gap) is
 * left out.
 *
 * @module
 */
import { type HistoryEntry, nextRun, summarizeHistory } from "../scheduler/schedule.ts";

/**
 * The next full sync's time.
 *
 * @example
 * ```ts
 * nextFullSync(await history.recent(100), new Date(), { intervalMs: 6 * 3_600_000 });
 * // 6 h after the last successful full sync began
 * ```
 */
export function nextFullSync(
  entries: readonly HistoryEntry[],
  now: Date,
  schedule: { intervalMs: number },
): Date {
  const facts = summarizeHistory(entries);
  return nextRun({
    now,
    intervalMs: schedule.intervalMs,
    deltaIntervalMs: schedule.intervalMs,
    jitterMs: 0,
    random: () => 0,
    lastFull: facts.lastFull,
    lastDelta: null,
    consecutiveFailures: facts.consecutiveFailures,
    lastAttemptAt: facts.lastAttemptAt,
    deltaSupported: false,
  }).at;
}
