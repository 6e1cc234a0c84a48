/**
 * The accidental-deletion guard's decision, over a rolling window rather than
 * one run: deactivations already made in the window (by successful syncs and
 * by applied webhook events) and the ones proposed now are held together
 * against SYNC_MAX_DEACTIVATE of the active count at the window's start.
 * A directory that loses 19% per run is stopped on the run that would pass
 * the limit, not six runs later.
 *
 * Pure: the counts come from the store, the limit from the configuration.
 *
 * @module
 */
import type { DeactivationLimit } from "../config.ts";
import { allowedDeactivations } from "./diff.ts";

/** What {@linkcode guardVerdict} decides from. */
export interface GuardInput {
  /** Active documents when the window began (see {@linkcode activeAtWindowStart}). */
  activeAtWindowStart: number;
  /** Deactivations already made inside the window, not counting operator-forced ones. */
  deactivatedInWindow: number;
  /** Deactivations this run (or this webhook event) would add. */
  proposed: number;
  limit: DeactivationLimit;
}

/** The guard's answer, with the figures a message needs. */
export interface GuardVerdict {
  ok: boolean;
  /** How many the limit allows in the window. */
  allowed: number;
  /** Already made plus proposed. */
  total: number;
  /** How many more the window still allows before this proposal (never negative). */
  remaining: number;
}

/**
 * The active count at the window's start, derived from what the store knows
 * now: every document deactivated inside the window was active when it began.
 * Documents created or reactivated inside the window are counted too (they
 * cannot be told apart from the counts), so the bound it gives is "the limit
 * of those active at the window's start or joining within it" — for a
 * directory that only shrinks, exactly the active count at the window's start.
 *
 * @param activeNow active documents now, before the proposed deactivations
 * @param deactivatedInWindow deactivations counted in the window
 * @returns the baseline the limit is a share of
 *
 * @example
 * ```ts
 * activeAtWindowStart(195, 45); // 240
 * ```
 */
export function activeAtWindowStart(activeNow: number, deactivatedInWindow: number): number {
  return Math.max(0, activeNow) + Math.max(0, deactivatedInWindow);
}

/**
 * Decides whether `proposed` more deactivations fit in the window.
 *
 * @param input baseline, window count, proposal and limit
 * @returns ok, and the allowed/total/remaining figures
 * @throws {RangeError} when a count is negative or not a whole number
 *
 * @example The observed leak: 240 users, 45 gone in run 1, 37 more proposed by run 2
 * ```ts
 * guardVerdict({ activeAtWindowStart: 240, deactivatedInWindow: 45, proposed: 37, limit: { kind: "percent", value: 20 } });
 * // { ok: false, allowed: 48, total: 82, remaining: 3 }
 * ```
 */
export function guardVerdict(input: GuardInput): GuardVerdict {
  for (const key of ["activeAtWindowStart", "deactivatedInWindow", "proposed"] as const) {
    const n = input[key];
    if (!Number.isInteger(n) || n < 0) {
      throw new RangeError(`guardVerdict: ${key} must be a whole number ≥ 0, got ${n}`);
    }
  }
  const allowed = allowedDeactivations(input.limit, input.activeAtWindowStart);
  const total = input.deactivatedInWindow + input.proposed;
  const remaining = Math.max(0, allowed - input.deactivatedInWindow);
  // Nothing proposed never aborts: a window already over its limit (forced runs are not counted,
  // but a lowered limit is) must not stop runs that deactivate nobody.
  return { ok: input.proposed === 0 || total <= allowed, allowed, total, remaining };
}

/**
 * The window's start: `now − windowMs`.
 *
 * @example
 * ```ts
 * windowStart(new Date("2025-10-19T12:00:00Z"), 86_400_000); // 2025-10-18T12:00:00Z
 * ```
 */
export function windowStart(now: Date, windowMs: number): Date {
  return new Date(now.getTime() - windowMs);
}

/**
 * The guard as a yes/no for one webhook deactivation, for the event store's gate.
 *
 * @param limit SYNC_MAX_DEACTIVATE
 * @returns a decision over the active count now and the window's count
 *
 * @example
 * ```ts
 * const allows = windowDecision({ kind: "count", value: 10 });
 * allows({ activeNow: 90, deactivatedInWindow: 10, proposed: 1 }); // false
 * ```
 */
export function windowDecision(limit: DeactivationLimit) {
  return (i: { activeNow: number; deactivatedInWindow: number; proposed: number }): boolean =>
    guardVerdict({
      activeAtWindowStart: activeAtWindowStart(i.activeNow, i.deactivatedInWindow),
      deactivatedInWindow: i.deactivatedInWindow,
      proposed: i.proposed,
      limit,
    }).ok;
}
