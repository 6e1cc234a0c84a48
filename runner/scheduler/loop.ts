/**
 * The scheduler's state, in one object instead of loose variables, and the
 * small moves every part of the loop makes on it: arm the one timer, disarm
 * it, count a failure that left no history entry. The loop's parts
 * (planning.ts, job.ts, tick.ts, scheduler.ts) take a {@linkcode Loop}.
 *
 * @module
 */
import { LeaseLostError } from "../lease.ts";
import { backoffMs, type PlannedSyncType } from "./schedule.ts";
import type { Job, QuarantineState, SchedulerDeps } from "./types.ts";

/** A run in flight in this process. */
export interface RunningJob {
  state: Job;
  /** Settles once the run is recorded, the lease released and the timer re-armed. */
  done: Promise<void>;
  abort: AbortController;
}

/** Everything the loop remembers between events. */
export interface SchedulerState {
  /** Cancels the one armed timer. */
  cancelTimer: (() => void) | null;
  nextAt: Date | null;
  nextType: PlannedSyncType | null;
  /** A tick or a trigger is taking the lease right now. */
  busy: boolean;
  stopping: boolean;
  /** The tick the timer started, until it settles. */
  ticking: Promise<void> | null;
  job: RunningJob | null;
  lastJob: Job | null;
  /** Failures that left no history entry: the history alone would call the run due again now. */
  localErrors: number;
  /** When start() was called: SYNC_ON_START is satisfied by any success since. */
  startedAt: Date;
  /** The quarantine as last read from the history (planning.ts). */
  quarantine: QuarantineState | null;
}

/** The state with what acts on it. */
export interface Loop {
  deps: SchedulerDeps;
  random: () => number;
  s: SchedulerState;
  /** What the timer runs when it fires (tick.ts; injected to keep the modules acyclic). */
  tick(loop: Loop, force: boolean): Promise<void>;
}

/**
 * The state of a scheduler not yet started.
 *
 * @example
 * ```ts
 * const s = initialState(clock.now());
 * ```
 */
export function initialState(now: Date): SchedulerState {
  return {
    cancelTimer: null,
    nextAt: null,
    nextType: null,
    busy: false,
    stopping: false,
    ticking: null,
    job: null,
    lastJob: null,
    localErrors: 0,
    startedAt: now,
    quarantine: null,
  };
}

/**
 * Arms the one timer (replacing any armed one) to tick at `at`.
 *
 * @param force the tick is SYNC_ON_START's: it runs unless a sync succeeded since start
 * @example
 * ```ts
 * arm(loop, new Date(Date.now() + 60_000), "full");
 * ```
 */
export function arm(loop: Loop, at: Date, type: PlannedSyncType | null, force = false): void {
  const { s, deps } = loop;
  s.cancelTimer?.();
  s.nextAt = at;
  s.nextType = type;
  const delay = Math.max(0, at.getTime() - deps.clock.now().getTime());
  s.cancelTimer = deps.timer.setTimer(delay, () => {
    s.cancelTimer = null;
    const ticking = loop.tick(loop, force).finally(() => (s.ticking = null));
    s.ticking = ticking;
    return ticking;
  });
}

/**
 * Arms the timer `ms` from now, keeping the planned type.
 *
 * @example
 * ```ts
 * armIn(loop, 1_000);
 * ```
 */
export function armIn(
  loop: Loop,
  ms: number,
  type: PlannedSyncType | null = loop.s.nextType,
  force = false,
): void {
  arm(loop, new Date(loop.deps.clock.now().getTime() + ms), type, force);
}

/**
 * Cancels the timer and forgets the next run.
 *
 * @example
 * ```ts
 * disarm(loop);
 * ```
 */
export function disarm({ s }: Loop): void {
  s.cancelTimer?.();
  s.cancelTimer = null;
  s.nextAt = null;
  s.nextType = null;
}

/**
 * Counts a failure that left no history entry and returns how long to back off.
 *
 * @example
 * ```ts
 * armIn(loop, failureBackoff(loop));
 * ```
 */
export function failureBackoff({ s, deps }: Loop): number {
  s.localErrors++;
  return backoffMs(s.localErrors, deps.config.intervalMs);
}

/**
 * Takes the sync lease; losing it later aborts the running job.
 *
 * @example
 * ```ts
 * if (await acquireLease(loop)) startJob(loop, "full", null, "manual");
 * ```
 */
export function acquireLease(loop: Loop): Promise<boolean> {
  return loop.deps.lease.acquire(() => loop.s.job?.abort.abort(new LeaseLostError()));
}

/**
 * An error's message for a log line.
 *
 * @example
 * ```ts
 * message(new Error("x")); // "x"
 * ```
 */
export function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
