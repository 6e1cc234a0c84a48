/**
 * The text of one progress line for long work on the command line: what is
 * being fetched or checked, how far of the announced total, pages, the waits
 * the rate limit imposed, and an estimate of the time left. Pure: the
 * reporter (progress-reporter.ts) decides when and how a line is written.
 *
 * @module
 */

/** Where a long piece of work stands. */
export interface ProgressSnapshot {
  /** What is counted: "Users", "Org units", "Checked with the SSO", "Deleted". */
  label: string;
  done: number;
  /** The announced total, or null when unknown. */
  total: number | null;
  /** Pages fetched so far; null where the work is not paged. */
  pages: number | null;
  /**
   * Where the rate is measured from (ms since the epoch, and `done` then): the phase's
   * start, or a recent point (the reporter keeps the last 15 s), so a rate limit that
   * starts biting after a full bucket shows in the estimate.
   */
  phaseStartedAtMs: number;
  /** `done` at `phaseStartedAtMs`. @default 0 */
  doneAtStart?: number;
  /** Waits the SCIM rate limit imposed so far, and their total length. */
  rateWaits: number;
  rateWaitMs: number;
}

const fmt = (n: number) => n.toLocaleString("en-US");

/**
 * A duration for a person: "45 s", "5 min 30 s", "1 h 5 min".
 *
 * @example
 * ```ts
 * humanDuration(330_000); // "5 min 30 s"
 * ```
 */
export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 === 0 ? `${m} min` : `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/**
 * The time left at the rate measured since the phase began, or null when it
 * cannot be told yet (no total, nothing done, or too early to say).
 *
 * @example
 * ```ts
 * timeLeftMs({ done: 1000, total: 4000, phaseStartedAtMs: 0 }, 60_000); // 180000
 * ```
 */
export function timeLeftMs(
  s: Pick<ProgressSnapshot, "done" | "total" | "phaseStartedAtMs" | "doneAtStart">,
  nowMs: number,
): number | null {
  const elapsed = nowMs - s.phaseStartedAtMs;
  const progressed = s.done - (s.doneAtStart ?? 0);
  if (s.total === null || progressed <= 0 || elapsed < 1_000) return null;
  const left = Math.max(0, s.total - s.done);
  return (left * elapsed) / progressed;
}

/**
 * One line: `Users: 12,400 of 100,000 (12%) · 62 pages · 3 rate-limit waits (41 s) · about 4 min 10 s left`.
 *
 * @example
 * ```ts
 * progressLine({ label: "Users", done: 200, total: 1000, pages: 1, phaseStartedAtMs: 0,
 *   rateWaits: 0, rateWaitMs: 0 }, 10_000); // "Users: 200 of 1,000 (20%) · 1 page · about 40 s left"
 * ```
 */
export function progressLine(s: ProgressSnapshot, nowMs: number): string {
  const parts = [
    s.total === null
      ? `${s.label}: ${fmt(s.done)}`
      : `${s.label}: ${fmt(s.done)} of ${fmt(s.total)} (${
        s.total > 0 ? Math.min(100, Math.floor((100 * s.done) / s.total)) : 100
      }%)`,
  ];
  if (s.pages !== null) parts.push(`${fmt(s.pages)} page${s.pages === 1 ? "" : "s"}`);
  if (s.rateWaits > 0) {
    parts.push(
      `${fmt(s.rateWaits)} rate-limit wait${s.rateWaits === 1 ? "" : "s"} (${
        humanDuration(s.rateWaitMs)
      })`,
    );
  }
  const left = timeLeftMs(s, nowMs);
  if (left !== null) parts.push(`about ${humanDuration(left)} left`);
  return parts.join(" · ");
}
