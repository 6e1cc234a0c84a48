/**
 * Starting one run under the lease this process holds, and what its end
 * does: record the outcome on the job, release the lease, re-arm from the
 * history. A run that throws (it could not even record itself) counts as a
 * local failure so the next one backs off.
 *
 * @module
 */
import { deltaSince, type PlannedSyncType } from "./schedule.ts";
import { disarm, type Loop, message } from "./loop.ts";
import { rearm } from "./planning.ts";
import type { Job } from "./types.ts";

/**
 * Starts a run now; the caller holds the lease. A delta without a past success runs full.
 *
 * @returns the job, as the trigger route shows it
 * @example
 * ```ts
 * const job = startJob(loop, "delta", facts.lastSuccess, "schedule");
 * ```
 */
export function startJob(
  loop: Loop,
  type: PlannedSyncType,
  lastSuccess: Date | null,
  trigger: Job["trigger"],
): Job {
  disarm(loop);
  const { deps } = loop;
  const runType = type === "delta" && lastSuccess === null ? "full" : type;
  const since = runType === "delta" && lastSuccess
    ? deltaSince(lastSuccess, deps.config.deltaOverlapMs)
    : undefined;
  const abort = new AbortController();
  const state: Job = {
    runId: crypto.randomUUID(),
    type: runType,
    trigger,
    startedAt: deps.clock.now(),
    historyId: null,
    status: "running",
    progress: null,
    history: null,
    error: null,
  };
  deps.logger.debug(`Scheduler starting a ${runType} sync`, {
    trigger,
    runId: state.runId,
    ...(since ? { since: since.toISOString() } : {}),
  });
  loop.s.job = { state, done: runJob(loop, state, since, abort.signal), abort };
  return state;
}

/** Runs the engine for `state`, then frees the loop for the next run. */
async function runJob(
  loop: Loop,
  state: Job,
  since: Date | undefined,
  signal: AbortSignal,
): Promise<void> {
  const { s, deps } = loop;
  try {
    const res = await deps.runSync({
      type: state.type,
      since,
      signal,
      exclusive: true,
      onProgress: (p) => (state.progress = p),
      onStart: (historyId) => (state.historyId = historyId),
    });
    state.history = res.history;
    state.status = res.history.status;
    state.historyId = res.historyId ?? state.historyId;
    s.localErrors = 0;
    deps.onRunFinished?.(res.history);
  } catch (e) {
    state.status = "failed";
    state.error = message(e);
    s.localErrors++;
    deps.logger.error("❌ Sync run failed before it could record itself", { error: state.error });
  } finally {
    await deps.lease.release();
    s.lastJob = state;
    s.job = null;
    await rearm(loop);
  }
}
