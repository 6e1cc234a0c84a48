/**
 * The gate refused: the work would pass SYNC_MAX_DEACTIVATE within
 * SYNC_GUARD_WINDOW. One error for every path (full and delta syncs,
 * on-demand syncs, purge), whose message names the figures and what the
 * operator can do from where it is read.
 *
 * @module
 */
import { ScimSyncError } from "../../shared/errors.ts";
import { formatDuration } from "../../shared/duration.ts";
import type { GateFigures } from "./gate-state.ts";

/** The guard's figures for one kind, as the plan, the preview and the page show them. */
export interface GuardFigures {
  /** Deactivations this work would make. */
  proposed: number;
  /** Already written or reserved inside the window (forced work not counted). */
  inWindow: number;
  /** Active at the window's start: what a percentage limit is a share of. */
  baseline: number;
  /** How many SYNC_MAX_DEACTIVATE allows in the window. */
  allowed: number;
  ok: boolean;
}

/**
 * The figures of a proposal against the gate's figures (pure).
 *
 * @example
 * ```ts
 * guardFiguresOf(37, await gate.figures("users")); // { proposed: 37, inWindow: 45, baseline: 240, allowed: 48, ok: false }
 * ```
 */
export function guardFiguresOf(proposed: number, f: GateFigures): GuardFigures {
  const inWindow = f.counted + f.pending;
  return {
    proposed,
    inWindow,
    baseline: f.baseline,
    allowed: f.allowed,
    ok: proposed === 0 || proposed <= f.remaining,
  };
}

/**
 * The gate refused a run's (or a purge's, or one person's) deactivations.
 *
 * @example
 * ```ts
 * throw new GuardAbortedError("users", guardFiguresOf(37, figures), 86_400_000, "run again with --force");
 * ```
 */
export class GuardAbortedError extends ScimSyncError {
  readonly figures: GuardFigures;
  constructor(what: string, f: GuardFigures, windowMs: number, override: string) {
    const window = formatDuration(windowMs);
    super(
      "GUARD_ABORTED",
      `Sync aborted: it would deactivate ${f.proposed} ${what}` +
        (f.inWindow > 0
          ? `, and ${f.inWindow} were already deactivated in the last ${window} (${
            f.inWindow + f.proposed
          } in all)`
          : "") +
        `, more than the ${f.allowed} that SYNC_MAX_DEACTIVATE allows within SYNC_GUARD_WINDOW (${window}; ` +
        `${f.baseline} active at the window's start). Check the SSO's listing; if the change is real, ${override}.`,
    );
    this.figures = f;
  }
}
