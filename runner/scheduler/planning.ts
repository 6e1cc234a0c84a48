/**
 * What the loop reads from the shared `syncHistory` to decide: the facts,
 * the run that is due now (no jitter) and the one to schedule (with jitter),
 * and re-arming the timer from them.
 *
 * @module
 */
import {
  backoffMs,
  type HistoryFacts,
  type NextRun,
  nextRun,
  summarizeHistory,
} from "./schedule.ts";
import { arm, armIn, failureBackoff, type Loop, message } from "./loop.ts";
import { type QuarantineState, quarantineState } from "./quarantine.ts";

/** How many recent history entries the decisions read. */
export const HISTORY_WINDOW = 100;

/** SYNC_QUARANTINE_INTERVAL's default: once a day, as Entra ID slows a failing job. */
export const QUARANTINE_INTERVAL_MS = 86_400_000;

/** Keeps the state on the loop, tells the hook, and logs when quarantine starts or ends. */
function noteQuarantine(loop: Loop, q: QuarantineState): QuarantineState {
  const { s, deps } = loop;
  const was = s.quarantine?.active ?? false;
  s.quarantine = q;
  deps.onQuarantine?.(q);
  if (q.active && !was) {
    deps.logger.error(
      `🚧 Quarantine: ${q.failures} full syncs failed in a row; full syncs now run every ` +
        `${
          Math.round((deps.config.quarantineIntervalMs ?? QUARANTINE_INTERVAL_MS) / 60_000)
        } min ` +
        `until one succeeds or an operator retries`,
      { lastError: q.lastError },
    );
  } else if (!q.active && was) deps.logger.info("✅ Quarantine over: back to the normal schedule");
  return q;
}

/** The facts and both readings of {@linkcode nextRun}. */
export interface Plan {
  facts: HistoryFacts;
  quarantine: QuarantineState;
  /** Without jitter: is a run due now? */
  due: NextRun;
  /** With jitter: when to arm the timer. */
  scheduled: NextRun;
}

/**
 * Reads the history and decides; delta runs only once a sync succeeded and the SSO supports them.
 *
 * @throws whatever reading the history throws
 * @example
 * ```ts
 * const { due, scheduled } = await plan(loop);
 * ```
 */
export async function plan(loop: Loop): Promise<Plan> {
  const { deps, random } = loop;
  const [entries, retryAt] = await Promise.all([
    deps.recentHistory(HISTORY_WINDOW),
    deps.quarantineRetryAt?.() ?? null,
  ]);
  const facts = summarizeHistory(entries);
  deps.onConsecutiveFailures?.(facts.consecutiveFailures);
  const quarantine = noteQuarantine(
    loop,
    quarantineState(entries, deps.config.quarantineAfter ?? 0, retryAt),
  );
  let delta = false;
  try {
    delta = facts.lastSuccess !== null && (await deps.deltaSupported());
  } catch {
    delta = false;
  }
  const input = {
    now: deps.clock.now(),
    ...deps.config,
    lastFull: facts.lastFull,
    lastDelta: facts.lastDelta,
    consecutiveFailures: facts.consecutiveFailures,
    lastAttemptAt: facts.lastAttemptAt,
    deltaSupported: delta,
    quarantineIntervalMs: quarantine.active
      ? deps.config.quarantineIntervalMs ?? QUARANTINE_INTERVAL_MS
      : null,
  };
  return {
    facts,
    quarantine,
    due: nextRun({ ...input, random: () => 0 }),
    scheduled: nextRun({ ...input, random }),
  };
}

/**
 * Arms the timer from the history; `atStart` without SYNC_ON_START defers
 * what is already due by its interval (restarts do not hit the SSO). Never
 * throws: a history that cannot be read is tried again after a backoff.
 *
 * @example
 * ```ts
 * await rearm(loop);
 * ```
 */
export async function rearm(loop: Loop, atStart = false): Promise<void> {
  const { s, deps } = loop;
  if (s.stopping) return;
  try {
    const { scheduled: planned } = await plan(loop);
    if (s.stopping) return;
    const now = deps.clock.now().getTime();
    const gap = planned.type === "delta" ? deps.config.deltaIntervalMs : deps.config.intervalMs;
    const scheduled = atStart && planned.at.getTime() <= now
      ? { ...planned, at: new Date(now + gap) }
      : planned;
    // A run that threw left no history entry, so the history alone would call it due again now.
    const at = s.localErrors === 0 ? scheduled.at : new Date(
      Math.max(scheduled.at.getTime(), now + backoffMs(s.localErrors, deps.config.intervalMs)),
    );
    arm(loop, at, scheduled.type);
    deps.logger.info(
      `⏰ Next sync: ${scheduled.type} at ${at.toISOString()} (${scheduled.reason})`,
    );
  } catch (e) {
    const wait = failureBackoff(loop);
    deps.logger.warn("⚠️ Could not read sync history; retrying", {
      error: message(e),
      retryInMs: wait,
    });
    armIn(loop, wait, null);
  }
}
